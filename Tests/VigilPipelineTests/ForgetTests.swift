import Foundation
import ServeTestSupport
import Testing
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

/// Issue 13, item 1: an archive that should never have been ingested is forgotten, and the store
/// ends as if it never had been (what it overwrote comes back from the other archives).
struct ForgetTests {
    static let now: Int64 = 1_796_000_000  // 2026-11-30T00:53:20Z
    static let t0: Int64 = 1_795_392_000  // 2026-11-23T00:00:00Z

    struct Export {
        var exportedAt: String
        var deploys: [(id: String, app: String, start: String)] = []
        /// Host series of rt.p99 for these deploys, constant at the value given.
        var series: [(deployId: String, value: Double)] = []
        /// History rows of cart/rt.p99: (minute from t0, value).
        var history: [(Int64, Double)] = []
        var incidents: [(id: String, deployId: String)] = []
    }

    static func write(_ export: Export, name: String) throws -> String {
        let manifest = #"{"format": "deploy-history", "version": 1, "exported_at": "\#(export.exportedAt)"}"#
        var files = [InMemoryFile(path: "manifest.json", contents: Array(manifest.utf8))]
        for d in export.deploys {
            files.append(
                InMemoryFile(
                    path: "deploys/\(d.id).json",
                    contents: Array(IngestHardeningTests.deploy(d.id, startedAt: d.start, app: d.app).utf8)
                )
            )
        }
        for s in export.series {
            let start = RFC3339.parse(export.deploys.first { $0.id == s.deployId }!.start)!
            let rows = (0..<30).map { "\(start + Int64($0) * 60),cart-1,\(s.value)" }
            files.append(
                InMemoryFile(
                    path: "metrics/\(s.deployId)/rt.p99.csv",
                    contents: Array(("timestamp,host,value\n" + rows.joined(separator: "\n") + "\n").utf8)
                )
            )
        }
        if !export.history.isEmpty {
            let csv = "timestamp,value\n" + export.history.map { "\(t0 + $0.0 * 60),\($0.1)" }.joined(separator: "\n")
            files.append(InMemoryFile(path: "history/cart/rt.p99.csv", contents: Array((csv + "\n").utf8)))
        }
        if !export.incidents.isEmpty {
            let lines = export.incidents.map {
                #"{"type": "incident", "id": "\#($0.id)", "app": "cart", "deploy_id": "\#($0.deployId)", "cause": "change", "start": "2026-11-24T10:00:00Z", "end": "2026-11-24T10:30:00Z"}"#
            }
            files.append(
                InMemoryFile(path: "labels/incidents.jsonl", contents: Array(lines.joined(separator: "\n").utf8))
            )
        }
        return try IngestHardeningTests.writeArchive(files, folder: "forget", name: name)
    }

    static func ingestor(_ store: HistoryStore) -> Ingestor {
        var ingestor = Ingestor(store: store)
        ingestor.timeBounds = Ingestor.TimeBounds(now: { Self.now })
        return ingestor
    }

    /// Three exports; the middle one overwrote a deploy with a wrong copy, added a deploy of its
    /// own with series and an incident, and merged wrong values into history.
    static func exports() throws -> (good1: String, bad: String, good2: String) {
        let good1 = try write(
            Export(
                exportedAt: "2026-11-24T02:00:00Z",
                deploys: [("d-1", "cart", "2026-11-23T10:00:00Z"), ("d-2", "cart", "2026-11-23T12:00:00Z")],
                series: [("d-2", 100)],
                history: (0..<1440).map { ($0, 100) }
            ),
            name: "good1"
        )
        let bad = try write(
            Export(
                exportedAt: "2026-11-25T02:00:00Z",
                deploys: [("d-2", "evil", "2026-11-23T12:00:00Z"), ("d-3", "cart", "2026-11-24T10:00:00Z")],
                series: [("d-2", 999), ("d-3", 999)],
                history: (600..<2400).map { ($0, 999) },
                incidents: [("INC-1", "d-3")]
            ),
            name: "bad"
        )
        let good2 = try write(
            Export(
                exportedAt: "2026-11-26T02:00:00Z",
                deploys: [("d-4", "cart", "2026-11-25T10:00:00Z")],
                history: (2000..<3000).map { ($0, 101) }
            ),
            name: "good2"
        )
        return (good1, bad, good2)
    }

    struct Contents: Equatable {
        var deploys: [String]
        var series: [String]
        var history: [Double?]
        var incidents: [String]
    }

    static func contents(_ store: HistoryStore) throws -> Contents {
        let deploys = try store.allDeploys()
        var series: [String] = []
        for d in deploys {
            for s in try store.series(deployId: d.id, metric: "rt.p99") {
                series.append("\(d.id)/\(s.host)=\(s.series.values.first ?? .nan)")
            }
        }
        let history = try store.history(app: "cart", metric: "rt.p99")
        return Contents(
            deploys: deploys.map { "\($0.id):\($0.app)" },
            series: series,
            history: history.map { h in (0..<h.count).map { h.values[$0].isNaN ? nil : h.values[$0] } } ?? [],
            incidents: try store.incidents().map(\.id)
        )
    }

    @Test func forgettingAnArchiveLeavesTheStoreAsIfItHadNeverBeenIngested() throws {
        let (good1, bad, good2) = try Self.exports()
        let expected = try HistoryStore()
        #expect(try !Self.ingestor(expected).ingest(paths: [good1, good2]).anyRejected)

        let store = try HistoryStore()
        let ingestor = Self.ingestor(store)
        #expect(try !ingestor.ingest(paths: [good1, bad, good2]).anyRejected)
        #expect(try Self.contents(store) != Self.contents(expected))

        let archive = try ingestor.storedArchive(named: bad)
        #expect(archive.path.hasPrefix("/"))
        let (outcome, skipped) = try ingestor.forget(archive, reason: "exported from a broken clock")
        #expect(skipped.isEmpty)
        #expect(try Self.contents(store) == Self.contents(expected))
        #expect(outcome.deploysRemoved == ["d-3"])
        #expect(outcome.deploysRestored == ["d-2"])
        #expect(outcome.historyRebuilt == ["cart/rt.p99"])
        #expect(outcome.incidentsRemoved == 1)

        let removal = try #require(try store.removals().last)
        #expect(removal.what == "archive")
        #expect(removal.id == archive.sha256)
        #expect(removal.reason == "exported from a broken clock")
        #expect(removal.detail.contains("bad.tar.gz"))

        // The nightly ingest of the same inbox skips it from now on.
        let again = try ingestor.ingest(paths: [good1, bad, good2])
        #expect(again.archives.map(\.status) == [.unchanged, .forgotten, .unchanged])
        #expect(!again.anyRejected)
        #expect(try Self.contents(store) == Self.contents(expected))
    }

    @Test func archivesAreNamedByFileNameOrHashAndTyposForgetNothing() throws {
        let (good1, bad, _) = try Self.exports()
        let store = try HistoryStore()
        let ingestor = Self.ingestor(store)
        _ = try ingestor.ingest(paths: [good1, bad])
        let byFile = try ingestor.storedArchive(named: bad)
        #expect(try ingestor.storedArchive(named: "bad.tar.gz") == byFile)
        #expect(try ingestor.storedArchive(named: String(byFile.sha256.prefix(10)).uppercased()) == byFile)
        #expect(throws: ForgetError.self) { try ingestor.storedArchive(named: "bda.tar.gz") }
        #expect(throws: ForgetError.self) { try ingestor.storedArchive(named: "0123") }
    }

    /// The three exports ingested, the bad one found, and the store's contents before any forget.
    static func allThreeIngested() throws -> (
        store: HistoryStore, ingestor: Ingestor, archive: StoredArchive, before: Contents, good1: String, good2: String
    ) {
        let (good1, bad, good2) = try exports()
        let store = try HistoryStore()
        let ingestor = ingestor(store)
        _ = try ingestor.ingest(paths: [good1, bad, good2])
        return (store, ingestor, try ingestor.storedArchive(named: bad), try contents(store), good1, good2)
    }

    @Test func aForgetThatWouldLoseAnotherArchivesDataIsRefusedUnlessAccepted() throws {
        let (store, ingestor, archive, before, good1, _) = try Self.allThreeIngested()
        try FileManager.default.removeItem(atPath: good1)

        let error = try #require(throws: ForgetError.self) { try ingestor.forget(archive, reason: "x") }
        #expect(error.message.contains("good1.tar.gz") && error.message.contains("--accept-loss"))
        #expect(try Self.contents(store) == before)
        #expect(try store.removals().isEmpty)

        let (outcome, skipped) = try ingestor.forget(archive, reason: "x", acceptLoss: true)
        #expect(skipped.count == 1)
        // d-2 existed only in good1 besides the bad copy: it is gone, and so is its series.
        #expect(outcome.deploysRemoved == ["d-2", "d-3"])
        #expect(try store.allDeploys().map(\.id) == ["d-1", "d-4"])
        let history = try #require(try store.history(app: "cart", metric: "rt.p99"))
        #expect(history.values.allSatisfy { $0.isNaN || $0 == 101 })
    }

    @Test func aChangedArchiveOrAFailureWhileRestoringChangesNothing() throws {
        let (store, ingestor, archive, before, _, good2) = try Self.allThreeIngested()

        // Reading another archive again fails half-way (here: limits it no longer fits in); the
        // transaction rolls back.
        var strict = ingestor
        strict.limits = ArchiveLimits(maxTotalBytes: 300, maxCompressionRatio: 1000)
        let failed = try #require(throws: ForgetError.self) { try strict.forget(archive, reason: "x") }
        #expect(failed.message.contains("Nothing was changed"))
        #expect(try Self.contents(store) == before)
        #expect(try store.forgottenArchive(sha256: archive.sha256) == nil)

        // Different bytes at the recorded path: the content check refuses before anything.
        try Data("not an archive".utf8).write(to: URL(fileURLWithPath: good2))
        let changed = try #require(throws: ForgetError.self) { try ingestor.forget(archive, reason: "x") }
        #expect(changed.message.contains("has changed since it was ingested"))
        #expect(try Self.contents(store) == before)
    }
}
