import Foundation
import ServeTestSupport
import Testing
import VigilCore
import VigilStore

enum StoreKind: String, CaseIterable, CustomStringConvertible {
    case memory, file
    var description: String { rawValue }

    func make() throws -> HistoryStore {
        switch self {
        case .memory: return try HistoryStore()
        case .file:
            let dir = try Scratch.directory("store")
            return try HistoryStore(path: dir.appendingPathComponent("store.sqlite").path)
        }
    }
}

struct HistoryStoreTests {
    static let t0: Int64 = 1_795_600_800

    static func deploy(_ id: String, outcome: Outcome = .completed, alerts: [GuardAlert] = []) -> Deploy {
        Deploy(
            id: id,
            app: "cart",
            strategy: .canary,
            startedAt: t0,
            finishedAt: t0 + 600,
            outcome: outcome,
            batches: [Batch(index: 0, startedAt: t0, hosts: ["h1", "h2"])],
            baselineHosts: ["b1"],
            metrics: [MetricSpec(name: "rt", kind: .business, unit: "ms", direction: .up, stepSeconds: 60)],
            guardRun: GuardRun(bundleVersion: "v1", alerts: alerts)
        )
    }

    static func info(_ sha: String) -> ArchiveInfo {
        ArchiveInfo(sha256: sha, name: "\(sha).tar.gz", path: "/x/\(sha).tar.gz", sizeBytes: 1, ingestedAt: 0)
    }

    static func ingest(
        _ store: HistoryStore,
        _ sha: String,
        exportedAt: Int64,
        _ body: (IngestSession) throws -> Void
    ) throws {
        try store.ingest(info(sha)) { session in
            try session.setManifest(Manifest(exportedAt: exportedAt))
            try body(session)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func deployRoundTripsAndLaterExportReplaces(kind: StoreKind) throws {
        let store = try kind.make()
        let original = Self.deploy(
            "d1",
            alerts: [
                GuardAlert(id: "a1", at: Self.t0 + 60, batch: 0, detector: "tukey", metric: "rt", action: "paused")
            ]
        )
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            let outcome = try s.upsertDeploy(original)
            #expect(outcome == .added)
        }
        #expect(try store.deploy(id: "d1") == original)
        let resent = Self.deploy("d1", outcome: .rolledBack)
        try Self.ingest(store, "B", exportedAt: 200) { (s: IngestSession) throws in
            let outcome = try s.upsertDeploy(resent)
            #expect(outcome == .updated)
        }
        #expect(try store.deploy(id: "d1") == resent)
        try Self.ingest(store, "C", exportedAt: 150) { (s: IngestSession) throws in
            let outcome = try s.upsertDeploy(original)
            #expect(outcome == .keptNewer)
        }
        #expect(try store.deploy(id: "d1") == resent)
    }

    /// Issue 13, item 1: an operator can remove a deploy that should not be stored; the removal
    /// is recorded, and an unknown id removes nothing.
    @Test(arguments: StoreKind.allCases)
    func deletingDeploysRemovesTheirSeriesAndIsRecorded(kind: StoreKind) throws {
        let store = try kind.make()
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            for id in ["d1", "d2"] {
                _ = try s.upsertDeploy(Self.deploy(id))
                _ = try s.putSeries(
                    deployId: id,
                    metric: "rt",
                    [HostSeries(host: "h1", series: RegularSeries(start: Self.t0, step: 60, values: [1, 2]))]
                )
            }
        }
        #expect(throws: StoreError.self) { try store.deleteDeploys(ids: ["d1", "nope"], reason: "test", at: 5) }
        #expect(try store.deploy(id: "d1") != nil)
        #expect(try store.removals().isEmpty)
        let removed = try store.deleteDeploys(ids: ["d1"], reason: "exported with a broken clock", at: 7)
        #expect(removed.map(\.id) == ["d1"])
        #expect(removed[0].detail.contains("1 host series"))
        #expect(try store.deploy(id: "d1") == nil)
        #expect(try store.series(deployId: "d1", metric: "rt").isEmpty)
        #expect(try store.deploy(id: "d2") != nil)
        #expect(try store.series(deployId: "d2", metric: "rt").count == 1)
        #expect(try store.removals().map { "\($0.id) \($0.at) \($0.reason)" } == ["d1 7 exported with a broken clock"])
    }

    @Test(arguments: StoreKind.allCases)
    func seriesRoundTripBitExactlyAndReplacePerMetric(kind: StoreKind) throws {
        let store = try kind.make()
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            _ = try s.upsertDeploy(Self.deploy("d1"))
            #expect(
                try s.putSeries(
                    deployId: "d1",
                    metric: "rt",
                    [
                        HostSeries(
                            host: "h1",
                            series: RegularSeries(start: Self.t0, step: 60, values: [1.5, .nan, -0.0, 1e-300])
                        ),
                        HostSeries(host: "h2", series: RegularSeries(start: Self.t0, step: 60, values: [2])),
                    ]
                )
            )
        }
        let read = try store.series(deployId: "d1", metric: "rt")
        #expect(read.map(\.host) == ["h1", "h2"])
        #expect(read[0].series == RegularSeries(start: Self.t0, step: 60, values: [1.5, .nan, -0.0, 1e-300]))
        #expect(read[0].series.values[2].sign == .minus)
        try Self.ingest(store, "B", exportedAt: 200) { (s: IngestSession) throws in
            #expect(
                try s.putSeries(
                    deployId: "d1",
                    metric: "rt",
                    [HostSeries(host: "h3", series: RegularSeries(start: 0, step: 60, values: [9]))]
                )
            )
        }
        #expect(try store.series(deployId: "d1", metric: "rt").map(\.host) == ["h3"])
        try Self.ingest(store, "C", exportedAt: 50) { (s: IngestSession) throws in
            #expect(try !s.putSeries(deployId: "d1", metric: "rt", []))
        }
    }

    @Test(arguments: StoreKind.allCases)
    func historyUnionsWithLaterValuesWinning(kind: StoreKind) throws {
        let store = try kind.make()
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            #expect(
                try s.mergeHistory(app: "cart", metric: "rt", RegularSeries(start: 0, step: 60, values: [1, 2, 3]))
                    == nil
            )
        }
        try Self.ingest(store, "B", exportedAt: 200) { (s: IngestSession) throws in
            _ = try s.mergeHistory(
                app: "cart",
                metric: "rt",
                RegularSeries(start: 120, step: 60, values: [30, .nan, 50])
            )
        }
        #expect(
            try store.history(app: "cart", metric: "rt")
                == RegularSeries(start: 0, step: 60, values: [1, 2, 30, .nan, 50])
        )
        // An older export only fills gaps.
        try Self.ingest(store, "C", exportedAt: 150) { (s: IngestSession) throws in
            _ = try s.mergeHistory(
                app: "cart",
                metric: "rt",
                RegularSeries(start: 60, step: 60, values: [-2, -3, -4, -5])
            )
        }
        #expect(
            try store.history(app: "cart", metric: "rt")
                == RegularSeries(start: 0, step: 60, values: [1, 2, 30, -4, 50])
        )
        // A misaligned grid is moved onto the stored one, with a warning.
        try Self.ingest(store, "D", exportedAt: 300) { (s: IngestSession) throws in
            let warning = try s.mergeHistory(
                app: "cart",
                metric: "rt",
                RegularSeries(start: 250, step: 60, values: [7])
            )
            #expect(warning?.contains("moved") == true)
        }
        #expect(try store.history(app: "cart", metric: "rt")?.values == [1, 2, 30, -4, 7])
        // A finer step: both are laid on the finer grid, nothing is lost.
        try Self.ingest(store, "E", exportedAt: 400) { (s: IngestSession) throws in
            _ = try s.mergeHistory(app: "cart", metric: "rt", RegularSeries(start: 240, step: 30, values: [8, 8.5, 9]))
        }
        let fine = try #require(try store.history(app: "cart", metric: "rt"))
        #expect(fine.step == 30)
        #expect(fine == RegularSeries(start: 0, step: 30, values: [1, .nan, 2, .nan, 30, .nan, -4, .nan, 8, 8.5, 9]))
    }

    @Test func historyFarFromTheStoredOneIsIgnoredNotExpanded() throws {
        let store = try HistoryStore()
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            _ = try s.mergeHistory(app: "cart", metric: "rt", RegularSeries(start: 0, step: 60, values: [1, 2]))
        }
        try Self.ingest(store, "B", exportedAt: 200) { (s: IngestSession) throws in
            let warning = try s.mergeHistory(
                app: "cart",
                metric: "rt",
                RegularSeries(start: 999_999_999_960, step: 60, values: [1])
            )
            #expect(warning?.contains("too far") == true)
        }
        #expect(try store.history(app: "cart", metric: "rt") == RegularSeries(start: 0, step: 60, values: [1, 2]))
    }

    @Test func aNewerVersionOfAPendingLabelDoesNotCountAsResolved() throws {
        let store = try HistoryStore()
        let first = FeedbackLabel(deployId: "dx", alertId: "a1", verdict: .truePositive, labeledAt: 1000)
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            try s.addFeedback(first, entry: "labels/a.jsonl", line: 1)
        }
        try Self.ingest(store, "B", exportedAt: 200) { (s: IngestSession) throws in
            var newer = first
            newer.labeledAt = 2000
            try s.addFeedback(newer, entry: "labels/b.jsonl", line: 1)
            let counts = try s.labelCounts()
            #expect(counts.resolvedFromPending == 0)
            #expect(counts.pending == 1)
        }
    }

    @Test func tiesInLabeledAtGoToTheLaterRowOfTheArchive() throws {
        let store = try HistoryStore()
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            _ = try s.upsertDeploy(Self.deploy("d1", alerts: [GuardAlert(id: "a1", at: Self.t0)]))
            // Same labeled_at; the second file comes later in the archive though its line number is lower.
            try s.addFeedback(
                FeedbackLabel(deployId: "d1", alertId: "a1", verdict: .truePositive, labeledAt: 5),
                entry: "labels/a.jsonl",
                line: 9
            )
            try s.addFeedback(
                FeedbackLabel(deployId: "d1", alertId: "a1", verdict: .falsePositive, labeledAt: 5),
                entry: "labels/b.jsonl",
                line: 1
            )
        }
        #expect(try store.feedbackVersions(deployId: "d1").first { $0.effective }?.label.verdict == .falsePositive)
    }

    @Test(arguments: StoreKind.allCases)
    func latestLabeledAtWinsAndPendingResolves(kind: StoreKind) throws {
        let store = try kind.make()
        let tp = FeedbackLabel(deployId: "d1", alertId: "a1", verdict: .truePositive, labeledAt: 1000)
        let fp = FeedbackLabel(deployId: "d1", alertId: "a1", verdict: .falsePositive, labeledAt: 2000)
        // The newer verdict arrives first, before its deploy: it is pending.
        try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
            try s.addFeedback(fp, entry: "labels/x.jsonl", line: 1)
            #expect(try s.labelCounts().pending == 1)
        }
        #expect(try store.status().labels.pendingFeedback == 1)
        try Self.ingest(store, "B", exportedAt: 200) { (s: IngestSession) throws in
            _ = try s.upsertDeploy(Self.deploy("d1", alerts: [GuardAlert(id: "a1", at: Self.t0)]))
            try s.addFeedback(tp, entry: "labels/y.jsonl", line: 1)
            let counts = try s.labelCounts()
            #expect(counts.applied == 1)
            #expect(counts.pending == 0)
            #expect(counts.resolvedFromPending == 1)
        }
        let versions = try store.feedbackVersions(deployId: "d1")
        #expect(versions.count == 2)
        #expect(versions.first { $0.effective }?.label == fp)
        #expect(try store.groundTruth(deployId: "d1")?.label == .good)
        #expect(try store.status().labels.pendingFeedback == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func aThrowingIngestLeavesNothingBehind(kind: StoreKind) throws {
        struct Injected: Error {}
        let store = try kind.make()
        #expect(throws: Injected.self) {
            try Self.ingest(store, "A", exportedAt: 100) { (s: IngestSession) throws in
                _ = try s.upsertDeploy(Self.deploy("d1"))
                try s.addProblem(.warning("x", "y"))
                throw Injected()
            }
        }
        let status = try store.status()
        #expect(status.deploys == 0)
        #expect(status.archives.ingested == 0)
        #expect(status.problems.isEmpty)
        #expect(try store.archiveStatus(sha256: "A") == nil)
    }

    @Test func reopeningAFileStoreKeepsDataAndMigratesOnce() throws {
        let dir = try Scratch.directory("store")
        let path = dir.appendingPathComponent("s.sqlite").path
        do {
            let store = try HistoryStore(path: path)
            try Self.ingest(store, "A", exportedAt: 1) { _ = try $0.upsertDeploy(Self.deploy("d1")) }
        }
        let again = try HistoryStore(path: path)
        #expect(try again.status().deploys == 1)
        #expect(try again.archiveStatus(sha256: "A") == "ingested")
    }

    /// Issue 13, item 10: a command that only reads opens the store read-only.
    @Test func aStoreOpensReadOnlyForReading() throws {
        let path = try Scratch.directory("store").appendingPathComponent("s.sqlite").path
        do {
            let store = try HistoryStore(path: path)
            try Self.ingest(store, "A", exportedAt: 1) { _ = try $0.upsertDeploy(Self.deploy("d1")) }
        }
        let reader = try HistoryStore(readingAt: path)
        #expect(try reader.status().deploys == 1)
        #expect(try reader.deploy(id: "d1") != nil)
        #expect(throws: (any Error).self) {
            try Self.ingest(reader, "B", exportedAt: 2) { _ = try $0.upsertDeploy(Self.deploy("d2")) }
        }
        #expect(throws: StoreError.self) { try HistoryStore(readingAt: path + ".missing") }
    }

    @Test func unopenablePathIsAClearError() {
        do {
            _ = try HistoryStore(path: "/nonexistent-dir/x/store.sqlite")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .cannotOpen)
            #expect(error.message.contains("/nonexistent-dir/x/store.sqlite"))
        }
    }
}
