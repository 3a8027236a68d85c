public import VigilCore

/// Everything the nightly report shows, gathered by the runner.
public struct ReportInput: Sendable, Hashable {
    public struct Bundle: Sendable, Hashable {
        public var version: String
        public var channel: String
        public var promoted: Bool
        public var reason: String
        public var sha256: String
        public init(version: String, channel: String, promoted: Bool, reason: String, sha256: String) {
            self.version = version
            self.channel = channel
            self.promoted = promoted
            self.reason = reason
            self.sha256 = sha256
        }
    }

    /// A false pause or a miss, with what the guard saw.
    public struct Story: Sendable, Hashable {
        public var deployId: String
        public var app: String
        public var what: String
        public var detail: String
        public init(deployId: String, app: String, what: String, detail: String) {
            self.deployId = deployId
            self.app = app
            self.what = what
            self.detail = detail
        }
    }

    /// The last days judged walk-forward: each by a model tuned on what was known before it.
    public struct WalkForward: Sendable, Hashable {
        public struct Day: Sendable, Hashable {
            public var date: String
            public var model: DeployCounts
            public var recordedGuard: DeployCounts
            public var threshold: Double?
            public init(date: String, model: DeployCounts, recordedGuard: DeployCounts, threshold: Double?) {
                self.date = date
                self.model = model
                self.recordedGuard = recordedGuard
                self.threshold = threshold
            }
        }

        /// The days asked for (`backtest.days`).
        public var days: Int
        public var from: String?
        public var to: String?
        public var model: DeployEvaluation?
        public var recordedGuard: DeployEvaluation?
        public var perDay: [Day]
        /// Bad deploys let through, with what came closest to pausing them.
        public var misses: [Story]
        /// Days with nothing to train on (no labeled deploy known before them).
        public var untrained: [String]
        /// Why the section is empty, when it is.
        public var note: String?

        public init(days: Int) {
            self.days = days
            perDay = []
            misses = []
            untrained = []
        }
    }

    public struct Stage: Sendable, Hashable {
        public var name: String
        public var status: String
        public var seconds: Double?
        public init(name: String, status: String, seconds: Double?) {
            self.name = name
            self.status = status
            self.seconds = seconds
        }
    }

    public var pipeline: String
    public var runId: String
    /// The report's date (YYYY-MM-DD, UTC), part of its file name.
    public var date: String
    public var bundle: Bundle?
    public var validationFrom: String?
    public var model: DeployEvaluation?
    public var baseline: DeployEvaluation?
    /// What the guard that ran online did on the same deploys: the first baseline.
    public var recordedGuard: DeployEvaluation?
    public var stable: DeployEvaluation?
    public var stableVersion: String?
    public var curve: [ThresholdPoint]
    public var stories: [Story]
    /// Stories beyond the ones listed.
    public var storiesLeftOut = 0
    public var walkForward: WalkForward?
    /// Label coverage and data quality, as label: value rows.
    public var coverage: [(String, String)]
    public var problems: [(kind: String, severity: String, count: Int)]
    /// The grid and the chosen rules.
    public var search: [(String, String)]
    public var rules: [(scope: String, rule: String)]
    public var scopeDecisions: [(scope: String, decision: String)]
    /// What feedback labels changed in the calibrations, one line each.
    public var feedback: [String]
    public var changes: [String]
    public var stages: [Stage]

    public init(pipeline: String, runId: String, date: String) {
        self.pipeline = pipeline
        self.runId = runId
        self.date = date
        curve = []
        stories = []
        coverage = []
        problems = []
        search = []
        rules = []
        scopeDecisions = []
        feedback = []
        changes = []
        stages = []
    }

    public static func == (a: ReportInput, b: ReportInput) -> Bool {
        ReportRenderer.render(a) == ReportRenderer.render(b)
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(runId) }
}

/// Renders the nightly report: Markdown plus two SVG charts, as in-memory files.
public enum ReportRenderer {
    /// `<date>-<run>.md`, `<date>-<run>-pr.svg`, `<date>-<run>-f1.svg`; paths relative to the report folder.
    /// Below this many bad deploys the report says the sample is too small to judge.
    static let fewBad = 10

    public static func render(_ r: ReportInput) -> [InMemoryFile] {
        let base = "\(r.date)-\(r.runId)"
        var md = Markdown()
        md.line("# \(r.pipeline): nightly run \(r.runId)")
        md.blank()
        if let b = r.bundle {
            md.line(
                "**Bundle \(b.version): \(b.promoted ? "promoted to stable" : "not promoted, stays candidate").** \(b.reason)."
            )
            md.blank()
            md.line("SHA-256 `\(b.sha256)`, channel `\(b.channel)`.")
        } else {
            md.line("**No bundle was published.**")
        }
        md.blank()

        md.line("## Deploy-level figures on the validation days")
        md.blank()
        if let v = r.validationFrom { md.line("Deploys that started from \(v); the search never saw them.") }
        md.blank()
        if let model = r.model {
            var rows: [(String, DeployEvaluation)] = [("this bundle", model)]
            if let s = r.stable { rows.append(("stable \(r.stableVersion ?? "")", s)) }
            if let g = r.recordedGuard { rows.append(("recorded guard (ran online)", g)) }
            if let b = r.baseline { rows.append(("static 3-sigma (synthetic)", b)) }
            md.table(
                [
                    "", "precision", "recall", "F1 (95% CI)", "false pauses / 100 good", "tp", "fp", "fn",
                    "delay median / p90 (min)",
                ],
                rows.map { name, e in
                    let d = e.deploys
                    let ci = d.ci95.map { " (\(f3($0.f1.low))–\(f3($0.f1.high)))" } ?? ""
                    return [
                        name, precisionText(d), recallText(d), f1Text(d) + ci, f1(d.falsePausesPer100), "\(d.tp)",
                        "\(d.fp)", "\(d.fn)",
                        "\(e.delayMinutes.median.map(f1) ?? "–") / \(e.delayMinutes.p90.map(f1) ?? "–")",
                    ]
                }
            )
            md.blank()
            md.line(
                "\(model.deploys.bad) bad, \(model.deploys.good) good, \(model.deploys.unlabeled) unlabeled deploys (unlabeled ones are not scored)."
                    + (model.deploys.bad < Self.fewBad
                        ? " **With \(model.deploys.bad) bad deploys the sample is too small to judge recall or F1**: "
                            + "the intervals are wide, and one deploy moves recall by "
                            + "\(model.deploys.bad == 0 ? "–" : f3(1 / Double(model.deploys.bad))); the walk-forward "
                            + "section below judges more days." : "")
            )
            md.blank()
            var deltas: [[String]] = []
            for (name, other) in [
                ("stable", r.stable), ("recorded guard", r.recordedGuard), ("static 3-sigma (synthetic)", r.baseline),
            ] {
                guard let o = other?.deploys else { continue }
                let d = model.deploys
                deltas.append([
                    "vs \(name)", signed(d.precision - o.precision), signed(d.recall - o.recall), signed(d.f1 - o.f1),
                    signed(d.falsePausesPer100 - o.falsePausesPer100, digits: 1),
                ])
            }
            if !deltas.isEmpty {
                md.table(["delta", "precision", "recall", "F1", "false pauses / 100 good"], deltas)
                md.blank()
            }
            md.line("## Breakdowns")
            md.blank()
            md.line("### By app")
            md.blank()
            md.table(
                ["app", "bad", "good", "tp", "fp", "fn", "precision", "recall", "F1"],
                model.by.app.keys.sorted().map { k in
                    let d = model.by.app[k]!
                    return [
                        k, "\(d.bad)", "\(d.good)", "\(d.tp)", "\(d.fp)", "\(d.fn)", precisionText(d), recallText(d),
                        f1Text(d),
                    ]
                }
            )
            for (title, table) in [
                ("By metric kind", model.by.kind), ("By detector", model.by.detector), ("By mode", model.by.mode),
            ] {
                md.blank()
                md.line("### \(title) (pauses attributed to their first reason)")
                md.blank()
                if table.isEmpty {
                    md.line("No pause.")
                } else {
                    md.table(
                        ["", "pauses of bad deploys", "false pauses", "unlabeled", "precision"],
                        table.keys.sorted().map { k in
                            let a = table[k]!
                            return [
                                k, "\(a.tp)", "\(a.fp)", "\(a.unlabeled)", a.tp + a.fp == 0 ? "–" : f3(a.precision),
                            ]
                        }
                    )
                }
            }
            md.blank()
        }

        md.line("## Threshold sensitivity")
        md.blank()
        if r.curve.isEmpty {
            md.line("No labeled validation deploy: no curve.")
        } else {
            md.line(
                "Every rule's threshold scaled by a factor from 0.25 to 4 (1 is the tuned threshold), on the validation deploys."
            )
            md.blank()
            md.line("![precision-recall](\(base)-pr.svg)")
            md.blank()
            md.line("![F1 by threshold factor](\(base)-f1.svg)")
        }
        md.blank()

        md.line("## Worst false pauses and misses")
        md.blank()
        if r.stories.isEmpty {
            md.line("None on the validation days.")
        } else {
            md.table(
                ["deploy", "app", "what", "the guard's view"],
                r.stories.map { [$0.deployId, $0.app, $0.what, $0.detail] }
            )
            if r.storiesLeftOut > 0 {
                md.blank()
                md.line(
                    "… and \(r.storiesLeftOut) more not shown here (every one: `vigil replay --from … --to …` on the "
                        + "validation days)."
                )
            }
        }
        md.blank()

        if let w = r.walkForward { renderWalkForward(w, into: &md) }

        md.line("## Label coverage and data quality")
        md.blank()
        md.table(["", ""], r.coverage.map { [$0.0, $0.1] })
        md.blank()
        if !r.problems.isEmpty {
            md.table(["problem", "severity", "count"], r.problems.map { [$0.kind, $0.severity, "\($0.count)"] })
            md.blank()
        }

        md.line("## The search")
        md.blank()
        md.table(["", ""], r.search.map { [$0.0, $0.1] })
        md.blank()
        md.table(["scope", "rule"], r.rules.map { [$0.scope, $0.rule] })
        md.blank()
        if !r.scopeDecisions.isEmpty {
            md.table(["scope", "decision"], r.scopeDecisions.map { [$0.scope, $0.decision] })
            md.blank()
        }
        md.line("### What feedback changed")
        md.blank()
        if r.feedback.isEmpty { md.line("No feedback label changed a calibration.") }
        for f in r.feedback { md.line("- \(f)") }
        md.blank()
        md.line("### What changed against the previous stable bundle")
        md.blank()
        if r.changes.isEmpty { md.line("Nothing: the rules are the same.") }
        for c in r.changes { md.line("- \(c)") }
        md.blank()

        md.line("## Stage timings")
        md.blank()
        md.table(["stage", "status", "seconds"], r.stages.map { [$0.name, $0.status, $0.seconds.map(f1) ?? "–"] })
        var files = [InMemoryFile(path: "\(base).md", contents: Array(md.text.utf8))]
        if !r.curve.isEmpty {
            files.append(
                InMemoryFile(
                    path: "\(base)-pr.svg",
                    contents: Array(
                        SVGChart(
                            title: "Precision and recall of deploy pauses",
                            xLabel: "recall",
                            yLabel: "precision",
                            xRange: 0...1,
                            yRange: 0...1,
                            // A factor at which nothing paused has no precision: it is left out,
                            // not drawn at (0, 0).
                            series: [
                                (
                                    "threshold factors 0.25 to 4",
                                    r.curve.filter { $0.recall > 0 || $0.falsePausesPer100 > 0 }.map {
                                        ($0.recall, $0.precision)
                                    }
                                )
                            ],
                            marker: r.curve.first { $0.factor == 1 && ($0.recall > 0 || $0.falsePausesPer100 > 0) }
                                .map { ($0.recall, $0.precision) },
                            others: [
                                ("recorded guard", r.recordedGuard), ("static 3-sigma", r.baseline),
                                ("stable \(r.stableVersion ?? "")", r.stable),
                            ]
                            .compactMap { name, e in
                                guard let d = e?.deploys, d.tp + d.fp > 0 else { return nil }
                                return (name, (d.recall, d.precision))
                            }
                        ).svg.utf8
                    )
                )
            )
            files.append(
                InMemoryFile(
                    path: "\(base)-f1.svg",
                    contents: Array(
                        SVGChart(
                            title: "Deploy-level F1 by threshold factor",
                            xLabel: "threshold factor (log2; 0 is the tuned threshold)",
                            yLabel: "F1",
                            xRange: -2...2,
                            yRange: 0...1,
                            series: [("F1", r.curve.map { (log2(of: $0.factor), $0.f1) })],
                            marker: r.curve.first { $0.factor == 1 }.map { (0, $0.f1) }
                        ).svg.utf8
                    )
                )
            )
        }
        return files
    }

    static func renderWalkForward(_ w: ReportInput.WalkForward, into md: inout Markdown) {
        md.line("## Last \(w.days) days, walk-forward")
        md.blank()
        guard let model = w.model, let recorded = w.recordedGuard, let from = w.from, let to = w.to else {
            md.line("Not judged: \(w.note ?? "no deploy to judge").")
            md.blank()
            return
        }
        md.line(
            "Deploys that started from \(from) to \(to) (exclusive), each day judged by a model tuned as this pipeline tunes, on the deploys and labels known before that day; `vigil backtest` runs the same code. Beside it, what the guard that ran online did (its pauses and rollbacks, from the archives)."
        )
        md.blank()
        md.table(
            ["", "precision (95% CI)", "recall (95% CI)", "F1", "false pauses / 100 good (95% CI)", "tp", "fp", "fn"],
            [("this pipeline", model), ("recorded guard", recorded)].map { name, e in
                let d = e.deploys
                let ci = d.ci95
                func range(_ i: Interval?, _ format: (Double) -> String) -> String {
                    i.map { " (\(format($0.low))–\(format($0.high)))" } ?? ""
                }
                return [
                    name, precisionText(d) + range(ci?.precision, f3), recallText(d) + range(ci?.recall, f3), f1Text(d),
                    f1(d.falsePausesPer100) + range(ci?.falsePausesPer100, f1), "\(d.tp)", "\(d.fp)", "\(d.fn)",
                ]
            }
        )
        md.blank()
        md.table(
            ["day", "deploys", "bad", "caught", "false pauses", "recorded guard caught / false", "threshold"],
            w.perDay.map { day in
                let c = day.model
                let g = day.recordedGuard
                return [
                    day.date, "\(c.bad + c.good + c.unlabeled)", "\(c.bad)", "\(c.tp)", "\(c.fp)", "\(g.tp) / \(g.fp)",
                    day.threshold.map(f3) ?? "–",
                ]
            }
        )
        md.blank()
        if !w.untrained.isEmpty {
            md.line("Not judged, nothing known to train on before them: \(w.untrained.joined(separator: ", ")).")
            md.blank()
        }
        if w.misses.isEmpty {
            md.line("No bad deploy got through.")
        } else {
            md.line("Bad deploys that got through, and what came closest to pausing them (peak score of threshold):")
            md.blank()
            md.table(["deploy", "app", "why it got through"], w.misses.map { [$0.deployId, $0.app, $0.detail] })
        }
        md.blank()
    }

    /// `Reports/README.md`: the runs, newest first, from the report file names.
    public static func index(reports: [String], trends: [String] = []) -> InMemoryFile {
        var md = Markdown()
        md.line("# Reports")
        md.blank()
        if !trends.isEmpty {
            md.line("Across nights: " + trends.sorted().map { "[\($0)](\($0))" }.joined(separator: ", ") + ".")
            md.blank()
        }
        md.line("One Markdown report per nightly run, newest first, with its charts beside it.")
        md.blank()
        for path in reports.sorted(by: >) { md.line("- [\(path)](\(path))") }
        return InMemoryFile(path: "README.md", contents: Array(md.text.utf8))
    }

    static func log2(of x: Double) -> Double {
        var v = x
        var e = 0.0
        while v >= 2 {
            v /= 2
            e += 1
        }
        while v < 1 {
            v *= 2
            e -= 1
        }
        // log2 of v in [1, 2): a few Newton-free bisection steps are plenty for a chart.
        var low = 0.0
        var high = 1.0
        for _ in 0..<40 {
            let mid = (low + high) / 2
            if ThresholdPoint.pow2(mid) < v { low = mid } else { high = mid }
        }
        return e + (low + high) / 2
    }
}

func f3(_ x: Double) -> String { fixed(x, 3) }

/// Precision, recall and F1 as printed: "–" where undefined (precision with no pause, recall
/// with no bad deploy, F1 with either), never a misleading 0.000.
func precisionText(_ d: DeployFigures) -> String { d.tp + d.fp == 0 ? "–" : f3(d.precision) }
func recallText(_ d: DeployFigures) -> String { d.bad == 0 ? "–" : f3(d.recall) }
func f1Text(_ d: DeployFigures) -> String { d.tp + d.fp == 0 || d.bad == 0 ? "–" : f3(d.f1) }
func f1(_ x: Double) -> String { fixed(x, 1) }

func signed(_ x: Double, digits: Int = 3) -> String { (x >= 0 ? "+" : "") + fixed(x, digits) }

/// Fixed-point formatting without Foundation, rounding half away from zero.
func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "–" : (x > 0 ? "∞" : "-∞") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    let whole = Int64(scaled / scale)
    let frac = Int64(scaled - Double(whole) * scale)
    var fracText = String(frac)
    while fracText.count < digits { fracText = "0" + fracText }
    let sign = x < 0 && scaled != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fracText)"
}

struct Markdown {
    var text = ""
    mutating func line(_ s: String) { text += s + "\n" }
    mutating func blank() { if !text.hasSuffix("\n\n") { text += "\n" } }
    mutating func table(_ header: [String], _ rows: [[String]]) {
        func escape(_ s: String) -> String { s.replacingPipes() }
        line("| " + header.map(escape).joined(separator: " | ") + " |")
        line("|" + header.map { _ in "---" }.joined(separator: "|") + "|")
        for r in rows { line("| " + r.map(escape).joined(separator: " | ") + " |") }
    }
}

extension String {
    func replacingPipes() -> String {
        var out = ""
        for c in self { out += c == "|" ? "\\|" : String(c) }
        return out
    }
}
