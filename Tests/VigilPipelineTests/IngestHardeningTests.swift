import Foundation
import ServeTestSupport
import Testing
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

/// Attacks on ingest from issue 13, replayed: implausible times (item 1), history that would
/// wipe finer history (item 2), conflicting copies of a deploy (item 8), archives that would
/// flood the problem table (item 9).
struct IngestHardeningTests {
    static let now: Int64 = 1_796_000_000  // 2026-11-30T00:53:20Z

    static func deploy(_ id: String, startedAt: String, app: String = "cart") -> String {
        #"""
        {"id": "\#(id)", "app": "\#(app)", "started_at": "\#(startedAt)",
         "batches": [{"index": 0, "started_at": "\#(startedAt)", "hosts": ["cart-1"]}],
         "metrics": [{"name": "rt.p99", "kind": "business", "unit": "ms", "direction": "up", "step_s": 60}]}
        """#
    }

    static func archive(exportedAt: String, deploys: [(String, String)]) throws -> String {
        let manifest = #"{"format": "deploy-history", "version": 1, "exported_at": "\#(exportedAt)"}"#
        var files = [InMemoryFile(path: "manifest.json", contents: Array(manifest.utf8))]
        for (id, start) in deploys {
            files.append(InMemoryFile(path: "deploys/\(id).json", contents: Array(deploy(id, startedAt: start).utf8)))
        }
        return try Self.writeArchive(files, folder: "time")
    }

    /// Writes `files` as a .tar.gz named `name` in a fresh scratch folder; returns its path.
    static func writeArchive(_ files: [InMemoryFile], folder: String, name: String = "export") throws -> String {
        let path = try Scratch.directory(folder).appendingPathComponent("\(name).tar.gz").path
        try AtomicFile.write(try ArchiveWriter.archive(files, as: .tarGzip, modificationTime: 0), to: path)
        return path
    }

    static func ingestor(_ store: HistoryStore) -> Ingestor {
        var ingestor = Ingestor(store: store)
        ingestor.timeBounds = Ingestor.TimeBounds(now: { Self.now })
        return ingestor
    }

    @Test func aDeployFromTheFutureOrTheDistantPastIsRejectedAlone() throws {
        let store = try HistoryStore()
        let path = try Self.archive(
            exportedAt: "2026-11-26T02:00:00Z",
            deploys: [
                ("d-ok", "2026-11-25T10:00:00Z"), ("d-9999", "9999-12-31T00:00:00Z"),
                ("d-1970", "1970-01-02T00:00:00Z"),
            ]
        )
        let report = try Self.ingestor(store).ingest(paths: [path])
        #expect(!report.anyRejected)
        #expect(report.deploys.added == 1)
        #expect(report.deploys.rejected == 2)
        #expect(try store.allDeploys().map(\.id) == ["d-ok"])
        let problems = report.problems.filter { $0.kind == "deploy_rejected" }.map(\.message)
        #expect(problems.contains { $0.contains("deploys/d-9999.json") && $0.contains("'started_at' (9999-12-31") })
        #expect(
            problems.contains { $0.contains("deploys/d-1970.json") && $0.contains("days before the archive's export") }
        )
    }

    @Test func anArchiveExportedInTheFutureIsRejectedWholeNamingTheField() throws {
        let store = try HistoryStore()
        let good = try Self.archive(exportedAt: "2026-11-26T02:00:00Z", deploys: [("d-ok", "2026-11-25T10:00:00Z")])
        let future = try Self.archive(exportedAt: "9999-12-31T00:00:00Z", deploys: [("d-late", "2026-11-29T10:00:00Z")])
        let report = try Self.ingestor(store).ingest(paths: [good, future])
        #expect(report.archives.map(\.status) == [.ingested, .rejected])
        #expect(report.archives[1].error?.contains("field 'exported_at' is 9999-12-31T00:00:00Z") == true)
        #expect(try store.allDeploys().map(\.id) == ["d-ok"])
        #expect(try store.snapshot().latestExport == RFC3339.parse("2026-11-26T02:00:00Z"))
    }

    @Test func theSkewIsConfigurable() throws {
        let store = try HistoryStore()
        let path = try Self.archive(exportedAt: "2026-11-30T12:00:00Z", deploys: [("d-1", "2026-11-30T10:00:00Z")])
        var strict = Self.ingestor(store)
        strict.timeBounds.maxClockSkew = 3600
        #expect(try strict.ingest(paths: [path]).anyRejected)
        #expect(try !Self.ingestor(store).ingest(paths: [path]).anyRejected)
    }

    static func historyArchive(exportedAt: String, rows: [(Int64, Double)]) throws -> String {
        let manifest = #"{"format": "deploy-history", "version": 1, "exported_at": "\#(exportedAt)"}"#
        let csv = "timestamp,value\n" + rows.map { "\($0.0),\($0.1)" }.joined(separator: "\n") + "\n"
        let files = [
            InMemoryFile(path: "manifest.json", contents: Array(manifest.utf8)),
            InMemoryFile(path: "history/cart/rt.p99.csv", contents: Array(csv.utf8)),
        ]
        return try Self.writeArchive(files, folder: "history")
    }

    /// Issue 13, item 2: one malformed history export must not wipe the stored history.
    @Test func aCoarserOrImplausibleHistoryNeverReplacesFinerStoredHistory() throws {
        let store = try HistoryStore()
        let t0: Int64 = 1_795_392_000  // 2026-11-23T00:00:00Z
        let minutes: [(Int64, Double)] = (0..<(3 * 1440)).map { i -> (Int64, Double) in
            (t0 + Int64(i) * 60, 100 + Double(i % 7))
        }
        let fine = try Self.historyArchive(exportedAt: "2026-11-26T02:00:00Z", rows: minutes)
        // Newer, at a 2-hour step: too coarse to share a grid with minutes.
        let coarse = try Self.historyArchive(
            exportedAt: "2026-11-27T02:00:00Z",
            rows: (0..<36).map { i -> (Int64, Double) in (t0 + Int64(i) * 7200, 500) }
        )
        let absurd = try Self.historyArchive(exportedAt: "2026-11-28T02:00:00Z", rows: [(1, 5), (253_402_300_799, 5)])
        let report = try Self.ingestor(store).ingest(paths: [fine, coarse, absurd])
        #expect(!report.anyRejected, "\(report.archives)")
        let stored = try #require(try store.history(app: "cart", metric: "rt.p99"), "\(report.problems)")
        #expect(stored.step == 60)
        #expect(stored.start == t0)
        #expect(stored.count == minutes.count)
        #expect(stored.values.allSatisfy { $0 < 200 })
        #expect(
            report.problems.contains {
                $0.kind == "history_merge" && $0.message.contains("finer stored history was kept")
            }
        )
        #expect(
            report.problems.contains {
                $0.kind == "history_rejected" && $0.entry == "history/cart/rt.p99.csv" && $0.archive == absurd
            }
        )
    }

    /// Issue 13, item 9: 250 broken deploy files leave 100 problem rows of that kind plus one
    /// that counts the rest, in the report and in the store.
    @Test func problemsOfOneKindAreCappedAndCounted() throws {
        let store = try HistoryStore()
        let manifest = #"{"format": "deploy-history", "version": 1, "exported_at": "2026-11-26T02:00:00Z"}"#
        var files = [InMemoryFile(path: "manifest.json", contents: Array(manifest.utf8))]
        for i in 0..<250 { files.append(InMemoryFile(path: "deploys/d-\(i).json", contents: Array("{not json".utf8))) }
        let path = try Self.writeArchive(files, folder: "flood")
        let report = try Self.ingestor(store).ingest(paths: [path])
        #expect(report.deploys.rejected == 250)
        let rejected = report.problems.filter { $0.kind == "deploy_rejected" }
        #expect(rejected.count == Ingestor.problemsPerKind + 1)
        #expect(rejected.last?.message.contains("150 more 'deploy_rejected' problem(s)") == true)
        #expect(rejected.last?.severity == .error)
        let stored = try store.status().problems.first { $0.kind == "deploy_rejected" }
        #expect(stored?.count == Ingestor.problemsPerKind + 1)
    }

    /// Issue 13, item 8: two different copies of one deploy exported at the same time (in two
    /// archives, or twice in one) are decided by content, whatever the ingest order, and said.
    @Test func conflictingCopiesAreDecidedByContentNotOrder() throws {
        func archive(_ copies: [String], source: String = "a") throws -> String {
            let manifest =
                #"{"format": "deploy-history", "version": 1, "exported_at": "2026-11-26T02:00:00Z", "source": "\#(source)"}"#
            var files = [InMemoryFile(path: "manifest.json", contents: Array(manifest.utf8))]
            for (i, app) in copies.enumerated() {
                // A second copy inside one archive: the same entry again, spelled "./deploys/...".
                let path = (i == 0 ? "" : "./") + "deploys/d-1.json"
                files.append(
                    InMemoryFile(
                        path: path,
                        contents: Array(Self.deploy("d-1", startedAt: "2026-11-25T10:00:00Z", app: app).utf8)
                    )
                )
            }
            return try Self.writeArchive(files, folder: "conflict")
        }
        let a = try archive(["cart"])
        let b = try archive(["checkout"])
        var apps: [String] = []
        for order in [[a, b], [b, a]] {
            let store = try HistoryStore()
            let report = try Self.ingestor(store).ingest(paths: order)
            #expect(report.problems.contains { $0.kind == "conflicting_deploy" && $0.message.contains("'d-1'") })
            apps.append(try #require(try store.deploy(id: "d-1")).app)
        }
        #expect(apps[0] == apps[1])
        let both = try HistoryStore()
        let report = try Self.ingestor(both).ingest(paths: [try archive(["cart", "checkout"])])
        #expect(report.problems.contains { $0.kind == "conflicting_deploy" })
        #expect(try both.deploy(id: "d-1")?.app == apps[0])
        // The same copy again is not a conflict.
        let same = try HistoryStore()
        let again = try Self.ingestor(same).ingest(paths: [a, try archive(["cart"], source: "b")])
        #expect(again.archives.map(\.status) == [.ingested, .ingested])
        #expect(!again.problems.contains { $0.kind == "conflicting_deploy" })
    }
}
