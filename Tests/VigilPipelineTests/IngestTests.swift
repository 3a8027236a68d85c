import Foundation
import Testing
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

/// Every rule of the deploy-history format, through the ingest stage, on tiny committed
/// archives made by `Fixtures/make_fixtures.py` with Python's own tar, zip and gzip.
struct IngestTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)").path
    }

    static func ingest(
        _ names: [String],
        into store: HistoryStore? = nil,
        limits: ArchiveLimits = ArchiveLimits()
    ) throws
        -> (IngestReport, HistoryStore)
    {
        let store = try store ?? HistoryStore()
        let report = try Ingestor(store: store, limits: limits).ingest(paths: names.map(fixture))
        return (report, store)
    }

    @Test(arguments: [
        "valid.tar.gz", "valid.tar", "valid.zip", "valid.tar.zst", "misnamed-valid.zip", "manifest-last.tar.gz",
    ])
    func everyContainerLoadsTheSameData(name: String) throws {
        let (report, store) = try Self.ingest([name])
        #expect(report.archives.map(\.status) == [.ingested])
        #expect(report.deploys.added == 1)
        #expect(report.series == 12)
        #expect(report.labels.applied == 2)
        #expect(report.problems.isEmpty)
        let (_, reference) = try Self.ingest(["valid.tar.gz"])
        #expect(
            try Self.sections(store.dump(), except: ["archive"]) == Self.sections(reference.dump(), except: ["archive"])
        )
    }

    @Test func specExampleLoadsExactly() throws {
        let (_, store) = try Self.ingest(["valid.tar.gz"])
        let deploy = try #require(try store.deploy(id: "d-20261125-0042"))
        #expect(deploy.app == "cart-service")
        #expect(deploy.strategy == .canary)
        #expect(deploy.startedAt == 1_795_600_800)
        #expect(deploy.releasedHosts == ["cart-17", "cart-03", "cart-08"])
        #expect(deploy.baselineHosts == ["cart-01", "cart-02", "cart-05"])
        #expect(deploy.metrics.map(\.direction) == [.up, .down, .both, .up])
        #expect(deploy.alerts.map(\.id) == ["a-77"])
        let series = try store.series(deployId: deploy.id, metric: "rt.p99")
        #expect(series.count == 6)
        #expect(series.allSatisfy { $0.series.step == 60 && $0.series.count == 10 })
        #expect(try store.history(app: "cart-service", metric: "rt.p99")?.count == 60)
        let truth = try #require(try store.groundTruth(deployId: deploy.id))
        #expect(truth.label == .bad)
        #expect(truth.faultOnset == Int64(1_795_600_800 + 360))
    }

    @Test func hostilePathsAndLinksAreRejectedAndTheRestLoads() throws {
        let (report, store) = try Self.ingest(["hostile-paths.tar.gz"])
        #expect(report.archives.map(\.status) == [.ingested])
        #expect(report.deploys.added == 1)
        let byKind = Dictionary(grouping: report.problems, by: \.kind).mapValues(\.count)
        #expect(byKind["unsafe_path"] == 3)
        #expect(byKind["link"] == 2)
        #expect(byKind["unknown_entry"] == 1)
        #expect(report.problems.filter { $0.kind == "unknown_entry" }.allSatisfy { $0.severity == .warning })
        #expect(try store.status().problems.reduce(0) { $0 + $1.count } == 6)
    }

    @Test(arguments: [
        ("truncated.tar.gz", "damaged"), ("not-an-archive.tar.gz", "not a tar"), ("ratio-bomb.tar.gz", "200:1"),
        ("ratio-bomb-unsafe-name.tar.gz", "200:1"),
        ("manifest-v2.tar.gz", "field 'version' is 2"), ("manifest-wrong-format.tar.gz", "field 'format'"),
        ("no-manifest.tar.gz", "no manifest.json"),
    ])
    func archivesRejectedWholeLeaveTheStoreAsItWas(name: String, message: String) throws {
        let (_, store) = try Self.ingest(["valid.tar.gz"])
        let before = try store.dump()
        let (report, _) = try Self.ingest([name], into: store)
        #expect(report.archives.map(\.status) == [.rejected])
        #expect(report.anyRejected)
        #expect(report.archives[0].error?.contains(message) == true, "\(report.archives[0].error ?? "")")
        // Only the rejection record and its problem were added.
        let status = try store.status()
        #expect(status.archives.rejected == 1)
        #expect(status.archives.ingested == 1)
        #expect(status.deploys == 1)
        #expect(
            try Self.sections(store.dump(), except: ["archive", "problem"])
                == Self.sections(before, except: ["archive", "problem"])
        )
        #expect(try store.problems().contains { $0.archive == name && $0.problem.severity == .error })
    }

    /// The dump's tables, less some.
    static func sections(_ dump: String, except excluded: Set<String>) -> [String] {
        dump.components(separatedBy: "# ").filter { section in
            !excluded.contains(String(section.prefix { $0 != "\n" }))
        }
    }

    @Test func totalCapIsConfigurable() throws {
        let (report, _) = try Self.ingest(["valid.tar.gz"], limits: ArchiveLimits(maxTotalBytes: 4096))
        #expect(report.archives.map(\.status) == [.rejected])
        #expect(report.archives[0].error?.contains("expands to more than 4096 bytes") == true)
    }

    @Test func invalidDeploysAreRejectedAloneNamingTheField() throws {
        let (report, store) = try Self.ingest(["invalid-deploys.tar.gz"])
        #expect(report.archives.map(\.status) == [.ingested])
        #expect(report.deploys.added == 1)
        #expect(report.deploys.rejected == 8)
        let messages = report.problems.filter { $0.kind == "deploy_rejected" }.map(\.message)
        #expect(messages.contains { $0.contains("d-broken.json") && $0.contains("not valid JSON") })
        for field in ["id", "app", "started_at", "batches", "metrics"] {
            #expect(messages.contains { $0.contains("field '\(field)' is missing") }, "\(field)")
        }
        #expect(messages.contains { $0.contains("field 'started_at' must be an RFC 3339 time") })
        #expect(messages.contains { $0.contains("field 'id' is 'd-other'") })
        // Names outside [A-Za-z0-9._:-]{1,128} are refused, naming what was wrong.
        let badNames = report.problems.filter { $0.kind == "bad_name" }.map(\.message)
        #expect(badNames.count == 3)
        #expect(badNames.contains { $0.contains("deploy id 'd bad name'") })
        #expect(badNames.contains { $0.contains("metric name 'rt p99!'") })
        #expect(badNames.contains { $0.contains("app 'cart service'") })
        #expect(try store.status().deploys == 1)
    }

    @Test func optionalFieldsOfTheWrongTypeAreDroppedNotTheDeploy() throws {
        let (report, store) = try Self.ingest(["odd-optional-fields.tar.gz"])
        #expect(report.deploys.added == 1)
        #expect(report.deploys.rejected == 0)
        let deploy = try #require(try store.deploy(id: "d-odd"))
        #expect(deploy.env == nil)
        #expect(deploy.change == nil)
        #expect(deploy.baselineHosts.isEmpty)
        #expect(deploy.metrics.map(\.name) == ["rt.p99"])
        #expect(deploy.metrics[0].stepSeconds == nil)
        #expect(deploy.batches.map(\.index) == [0])
        #expect(report.problems.filter { $0.kind == "deploy_field" }.count >= 6)
        #expect(try store.series(deployId: "d-odd", metric: "rt.p99").count == 1)
    }

    @Test func namesFollowTheFormatsPattern() {
        #expect(DeployHistoryReader.isValidName("d-20261125-0042"))
        #expect(DeployHistoryReader.isValidName("a.b_c:d-E9"))
        #expect(DeployHistoryReader.isValidName(String(repeating: "x", count: 128)))
        #expect(!DeployHistoryReader.isValidName(String(repeating: "x", count: 129)))
        #expect(!DeployHistoryReader.isValidName(""))
        #expect(!DeployHistoryReader.isValidName("a b"))
        #expect(!DeployHistoryReader.isValidName("a/b"))
        #expect(!DeployHistoryReader.isValidName("é"))
    }

    @Test func csvRowRules() throws {
        let (report, store) = try Self.ingest(["csv-rows.tar.gz"])
        let few = try #require(report.problems.first { $0.entry == "metrics/d-20261125-0042/success.rate.csv" })
        #expect(few.severity == .warning)
        #expect(few.line == 11)
        let rates = try store.series(deployId: "d-20261125-0042", metric: "success.rate")
        #expect(rates.map(\.host) == ["cart-03", "cart-17"])
        #expect(rates.map(\.series.count) == [50, 50])
        #expect(rates.map(\.series.missingCount) == [3, 0])
        let many = try #require(report.problems.first { $0.entry == "metrics/d-20261125-0042/log.error.count.csv" })
        #expect(many.severity == .error)
        #expect(try store.series(deployId: "d-20261125-0042", metric: "log.error.count").isEmpty)
        let qps = try store.series(deployId: "d-20261125-0042", metric: "qps")
        #expect(qps.count == 1)
        #expect(qps[0].series == RegularSeries(start: 1_795_600_800, step: 60, values: [5, 2, .nan, .nan, .nan, 7.5]))
        #expect(report.problems.contains { $0.kind == "duplicate_rows" && $0.message.contains("1 duplicate") })
    }

    @Test func ingestingTheSameArchiveAgainChangesNothing() throws {
        let (_, store) = try Self.ingest(["valid.tar.gz", "labels-early.tar.gz"])
        let before = try store.dump()
        let (again, _) = try Self.ingest(["valid.tar.gz", "labels-early.tar.gz", "valid.tar.gz"], into: store)
        #expect(again.archives.map(\.status) == [.unchanged, .unchanged, .unchanged])
        #expect(try store.dump() == before)
    }

    @Test func lateAndPendingLabelsResolveAndLatestVerdictWins() throws {
        let (first, store) = try Self.ingest(["valid.tar.gz", "labels-early.tar.gz"])
        #expect(first.labels.pending == 2)
        #expect(first.labels.skippedLines == 2)
        #expect(try store.status().labels.pendingFeedback == 1)
        #expect(try store.status().labels.pendingIncidents == 1)
        #expect(try store.groundTruth(deployId: "d-20261125-0042")?.label == .bad)

        let (second, _) = try Self.ingest(["deploy-later.tar.gz"], into: store)
        #expect(second.labels.applied == 3)  // one changed verdict, two pending labels resolved
        #expect(second.labels.pending == 0)
        let status = try store.status()
        #expect(status.labels.pendingFeedback == 0)
        #expect(status.labels.pendingIncidents == 0)
        let later = try #require(try store.groundTruth(deployId: "d-later"))
        #expect(later.label == .bad)  // its incident (cause: change) arrived before it
        #expect(later.faultOnset == Int64(1_795_600_800 + 600))
        // The changed verdict is effective, the older one kept as history.
        let versions = try store.feedbackVersions(deployId: "d-20261125-0042")
        #expect(versions.map(\.label.verdict) == [.truePositive, .falsePositive])
        #expect(versions.map(\.effective) == [false, true])
        // History: the later export's values win where both have points.
        let history = try #require(try store.history(app: "cart-service", metric: "rt.p99"))
        #expect(history.start == 1_795_600_800 - 3600)
        #expect(history.count == 90)
        #expect(history.values[29] == 129)
        #expect(history.values[30] == 500)
        #expect(history.values[89] == 559)
    }

    @Test func laterExportReplacesADeployAndAnOlderOneDoesNot() throws {
        let (_, store) = try Self.ingest(["valid.tar.gz"])
        let (resend, _) = try Self.ingest(["resend.tar.gz"], into: store)
        #expect(resend.deploys.updated == 1)
        #expect(try store.deploy(id: "d-20261125-0042")?.outcome == .rolledBack)
        // Its series were not re-sent: they stay.
        #expect(try store.series(deployId: "d-20261125-0042", metric: "rt.p99").count == 6)
        let (stale, _) = try Self.ingest(["stale.tar.gz"], into: store)
        #expect(stale.deploys.updated == 0)
        #expect(stale.problems.contains { $0.kind == "stale_deploy" })
        #expect(try store.deploy(id: "d-20261125-0042")?.outcome == .rolledBack)
    }

    @Test(arguments: [1, 2, 3, 4, 5])
    func aFailureInjectedMidArchiveRollsBackEverything(failAt: Int) throws {
        struct Injected: Error {}
        let (_, store) = try Self.ingest(["valid.tar.gz"])
        let before = try store.dump()
        let ingestor = Ingestor(store: store, afterRecord: { n in if n == failAt { throw Injected() } })
        let failed = try ingestor.ingest(paths: [Self.fixture("deploy-later.tar.gz")])
        // The archive is rejected, its transaction rolled back; only the rejection is recorded.
        #expect(failed.archives.map(\.status) == [.rejected])
        #expect(failed.archives[0].error?.contains("Injected") == true)
        #expect(
            try Self.sections(store.dump(), except: ["archive", "problem"])
                == Self.sections(before, except: ["archive", "problem"])
        )
        // The same archive then loads normally.
        let report = try Ingestor(store: store).ingest(paths: [Self.fixture("deploy-later.tar.gz")])
        #expect(report.archives.map(\.status) == [.ingested])
    }

    @Test func orphanMetricsAreDroppedWithAWarning() throws {
        let (report, store) = try Self.ingest(["orphan-metrics.tar.gz"])
        let orphan = try #require(report.problems.first { $0.kind == "orphan_series" })
        #expect(orphan.message.contains("d-ghost"))
        #expect(report.series == 12)
        #expect(try store.series(deployId: "d-ghost", metric: "rt.p99").isEmpty)
    }
}
