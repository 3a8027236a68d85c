import Foundation
import GRDB
import ServeTestSupport
import Testing
import VigilCore

@testable import VigilStore

/// Stores written by an earlier vigil open in this one with nothing lost.
struct MigrationTests {
    /// v5 rebuilt the removal table (to allow archive removals) and seeded history sources.
    @Test func aVersion4StoreUpgradesKeepingRemovalsAndHistorySources() throws {
        let path = try Scratch.directory("migrate").appendingPathComponent("s.sqlite").path
        do {
            let queue = try DatabaseQueue(path: path)
            try HistoryStore.migrator.migrate(queue, upTo: "v4: deploy content digests")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO archive (id, sha256, name, path, size_bytes, status, ingested_at, exported_at)
                        VALUES (7, 'abc', 'a.tar.gz', '/x/a.tar.gz', 1, 'ingested', 1, 1);
                        INSERT INTO history (app, metric, start, step, count, missing, data, archive_id, exported_at)
                        VALUES ('cart', 'rt', 0, 60, 0, 0, x'', 7, 1);
                        INSERT INTO removal (what, id, at, reason, detail) VALUES ('deploy', 'd-1', 5, 'why', 'what');
                        """
                )
            }
        }
        let store = try HistoryStore(path: path)
        #expect(try store.removals() == [Removal(what: "deploy", id: "d-1", at: 5, reason: "why", detail: "what")])
        let archive = try #require(try store.storedArchives().first)
        #expect(try store.forgetScope(of: archive).history == [.init(app: "cart", metric: "rt")])
        #expect(try store.forgottenArchive(sha256: "abc") == nil)
    }
}
