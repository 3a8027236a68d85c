import Foundation
import Testing
import VigilCore
import VigilReport

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Same inputs, same report: the renderer against committed golden files.
/// Regenerate with `VIGIL_UPDATE_GOLDEN=1 swift test --filter ReportTests` after an intended change.
struct ReportTests {
    static func figures(tp: Int, fp: Int, fn: Int, good: Int) -> DeployCounts {
        var c = DeployCounts()
        c.tp = tp
        c.fp = fp
        c.fn = fn
        c.bad = tp + fn
        c.good = good
        return c
    }

    static func evaluation(tp: Int, fp: Int, fn: Int, good: Int, app: String) -> DeployEvaluation {
        var judged: [JudgedDeploy] = []
        func add(_ label: DeployLabel, paused: Bool) {
            let id = "d-\(judged.count)"
            let deploy = Deploy(
                id: id,
                app: app,
                startedAt: 1_800_000_000,
                batches: [Batch(index: 0, startedAt: 1_800_000_000, hosts: ["h"])],
                metrics: []
            )
            let truth = DeployTruth(
                deployId: id,
                label: label,
                faultOnset: label == .bad ? 1_800_000_000 : nil,
                windows: [],
                incidentIds: [],
                alertsWithoutVerdict: [],
                reason: ""
            )
            let reason = PauseReason(
                metric: "rt.p99",
                kind: .business,
                scope: "global",
                hosts: ["h"],
                detector: "zscore before_after",
                mode: .beforeAfter,
                at: 1_800_000_300,
                score: 7,
                threshold: 5,
                expected: 100,
                observed: 180
            )
            let decision = DeployDecision(
                deployId: id,
                decision: paused ? .pause : .continue,
                pausedAt: paused ? 1_800_000_300 : nil,
                batch: paused ? 0 : nil,
                reasons: paused ? [reason] : [],
                timeline: [],
                unjudgedMetrics: []
            )
            judged.append(JudgedDeploy(deploy: deploy, truth: truth, decision: decision))
        }
        for _ in 0..<tp { add(.bad, paused: true) }
        for _ in 0..<fn { add(.bad, paused: false) }
        for _ in 0..<fp { add(.good, paused: true) }
        for _ in 0..<(good - fp) { add(.good, paused: false) }
        return DeployEvaluation(judged, resamples: 200)
    }

    static var input: ReportInput {
        var r = ReportInput(pipeline: "nightly", runId: "nightly-20261115T020000-abcd", date: "2026-11-15")
        r.bundle = .init(
            version: "2026.11.15.1",
            channel: "stable",
            promoted: true,
            reason: "no regression",
            sha256: "ab12"
        )
        r.validationFrom = "2026-11-11T00:00:00Z"
        r.model = evaluation(tp: 6, fp: 1, fn: 2, good: 30, app: "cart")
        r.baseline = evaluation(tp: 8, fp: 25, fn: 0, good: 30, app: "cart")
        r.stable = evaluation(tp: 5, fp: 1, fn: 3, good: 30, app: "cart")
        r.recordedGuard = evaluation(tp: 6, fp: 8, fn: 2, good: 30, app: "cart")
        r.stableVersion = "2026.11.14.1"
        r.curve = ThresholdPoint.curve(
            margins: (0..<40).map { i in (Double(i) / 10, i % 4 == 0 ? .bad : .good) },
            factors: ThresholdPoint.standardFactors
        )
        r.stories = [.init(deployId: "d-7", app: "cart", what: "false pause", detail: "rt.p99 on h | score 7 > 5")]
        var walk = ReportInput.WalkForward(days: 3)
        walk.from = "2026-11-12"
        walk.to = "2026-11-15"
        walk.model = evaluation(tp: 4, fp: 1, fn: 1, good: 40, app: "cart")
        walk.recordedGuard = evaluation(tp: 3, fp: 9, fn: 2, good: 40, app: "cart")
        walk.perDay = [
            .init(
                date: "2026-11-13",
                model: figures(tp: 2, fp: 1, fn: 0, good: 20),
                recordedGuard: figures(tp: 1, fp: 4, fn: 1, good: 20),
                threshold: 6.5
            ),
            .init(
                date: "2026-11-14",
                model: figures(tp: 2, fp: 0, fn: 1, good: 20),
                recordedGuard: figures(tp: 2, fp: 5, fn: 1, good: 20),
                threshold: nil
            ),
        ]
        walk.untrained = ["2026-11-12"]
        walk.misses = [.init(deployId: "d-9", app: "cart", what: "miss", detail: "closest: cpu.util 2.000 of 6.500")]
        r.walkForward = walk
        r.coverage = [("deploys", "39 (8 bad, 30 good, 1 unlabeled)")]
        r.problems = [("duplicate_rows", "warning", 3)]
        r.search = [("objective", "maximize F1")]
        r.rules = [("global", "zscore before_after, threshold 5.000")]
        r.scopeDecisions = [("kind:system", "does not beat its parent")]
        r.feedback = ["cart/rt.p99 (level counterfactual): suppressed, scale × 1.50 after d-7"]
        r.changes = ["global: zscore before_after, threshold 4.000 → zscore before_after, threshold 5.000"]
        r.stages = [
            .init(name: "ingest", status: "succeeded", seconds: 2),
            .init(name: "tune", status: "succeeded", seconds: 30),
        ]
        return r
    }

    @Test func theReportMatchesItsGoldenFiles() throws {
        let files = ReportRenderer.render(Self.input)
        #expect(
            files.map(\.path) == [
                "2026-11-15-nightly-20261115T020000-abcd.md", "2026-11-15-nightly-20261115T020000-abcd-pr.svg",
                "2026-11-15-nightly-20261115T020000-abcd-f1.svg",
            ]
        )
        let golden = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")
        if ProcessInfo.processInfo.environment["VIGIL_UPDATE_GOLDEN"] == "1" {
            for f in files { try Data(f.contents).write(to: golden.appendingPathComponent(f.path)) }
        }
        for f in files {
            let expected = try Data(contentsOf: golden.appendingPathComponent(f.path))
            #expect(Data(f.contents) == expected, "\(f.path) differs from its golden file")
        }
        // Rendering twice gives the same bytes.
        #expect(ReportRenderer.render(Self.input) == files)
    }

    /// Issue 16, item 7: undefined figures print "–", not 0.000; a small sample says so; the
    /// worst table says how many rows it left out.
    @Test func figuresThatWouldMisleadAreSaidPlainly() throws {
        var input = Self.input
        input.model = Self.evaluation(tp: 0, fp: 0, fn: 2, good: 3, app: "quiet")
        input.storiesLeftOut = 5
        let text = String(decoding: ReportRenderer.render(input)[0].contents, as: UTF8.self)
        #expect(text.contains("| quiet | 2 | 3 | 0 | 0 | 2 | – | 0.000 | – |"), "\(text)")
        #expect(text.contains("| this bundle | – | 0.000 | –"))
        #expect(text.contains("**With 2 bad deploys the sample is too small to judge recall or F1**"))
        #expect(text.contains("… and 5 more not shown here"))
    }

    @Test func theReportHasItsSectionsInOrder() throws {
        let text = String(decoding: ReportRenderer.render(Self.input)[0].contents, as: UTF8.self)
        let sections = [
            "**Bundle 2026.11.15.1", "## Deploy-level figures", "vs stable", "## Breakdowns", "### By app",
            "## Threshold sensitivity", "## Worst false pauses", "## Last 3 days, walk-forward",
            "| this pipeline | 0.800 (", "| recorded guard |", "| 2026-11-13 | 22 | 2 | 2 | 1 | 1 / 4 | 6.500 |",
            "nothing known to train on before them: 2026-11-12", "| d-9 | cart | closest: cpu.util 2.000 of 6.500 |",
            "## Label coverage", "## The search",
            "### What feedback changed", "- cart/rt.p99 (level counterfactual): suppressed, scale × 1.50 after d-7",
            "### What changed", "## Stage timings",
        ]
        var last = text.startIndex
        for s in sections {
            let range = try #require(text.range(of: s, range: last..<text.endIndex), "missing or out of order: \(s)")
            last = range.upperBound
        }
        // Without a backtest the section says why.
        var off = Self.input
        off.walkForward = ReportInput.WalkForward(days: 4)
        off.walkForward?.note = "No labeled deploy is known before 2026-11-12"
        let offText = String(decoding: ReportRenderer.render(off)[0].contents, as: UTF8.self)
        #expect(
            offText.contains(
                "## Last 4 days, walk-forward\n\nNot judged: No labeled deploy is known before 2026-11-12."
            )
        )
        // A pipe inside a cell does not break the table.
        #expect(text.contains(#"rt.p99 on h \| score 7 > 5"#))
    }

    @Test func chartsAreWellFormedSVG() throws {
        for f in ReportRenderer.render(Self.input).dropFirst() {
            let parser = XMLParser(data: Data(f.contents))
            #expect(parser.parse(), "\(f.path) is not well-formed XML")
            let text = String(decoding: f.contents, as: UTF8.self)
            #expect(text.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
            #expect(!text.contains("<script"))
        }
    }
}

extension ReportTests {
    @Test func theTrendPageListsNightsInOrderWithUndefinedFiguresAsDashes() throws {
        let rows = [
            TrendRow(
                date: "2026-11-16",
                runId: "r2",
                bundle: "2026.11.16.1",
                promoted: false,
                bad: 4,
                good: 20,
                precision: nil,
                recall: 0,
                falsePausesPer100: 0,
                delayMedianMinutes: nil,
                labelCoverage: 0.9
            ),
            TrendRow(
                date: "2026-11-15",
                runId: "r1",
                bundle: "2026.11.15.1",
                promoted: true,
                bad: 5,
                good: 20,
                precision: 1,
                recall: 0.6,
                falsePausesPer100: 0,
                delayMedianMinutes: 3.5,
                labelCoverage: 0.8
            ),
        ]
        let files = ReportRenderer.trend(pipeline: "nightly", rows: rows)
        #expect(files.map(\.path) == ["trend.md", "trend.svg"])
        let text = String(decoding: files[0].contents, as: UTF8.self)
        let first = try #require(text.range(of: "| 2026-11-15 | r1 | 2026.11.15.1 (stable) | 5 | 20 | 1.000 | 0.600 |"))
        let second = try #require(text.range(of: "| 2026-11-16 | r2 | 2026.11.16.1 (candidate) | 4 | 20 | – | 0.000 |"))
        #expect(first.lowerBound < second.lowerBound)
        let svg = String(decoding: files[1].contents, as: UTF8.self)
        #expect(svg.contains(">recall</text>") && svg.contains(">label coverage</text>"))
    }
}
