public import VigilCore

/// One night's figures, kept beside its report (`<date>-<run>.trend.json`) so the trend page
/// can be rebuilt from the reports folder alone.
public struct TrendRow: Sendable, Hashable, Codable {
    public var date: String
    public var runId: String
    public var bundle: String?
    public var promoted: Bool?
    /// Validation figures of the night's model: `nil` where undefined.
    public var bad: Int
    public var good: Int
    public var precision: Double?
    public var recall: Double?
    public var falsePausesPer100: Double?
    public var delayMedianMinutes: Double?
    /// Alerts with a verdict, of all alerts in the store that night.
    public var labelCoverage: Double?

    public init(
        date: String,
        runId: String,
        bundle: String?,
        promoted: Bool?,
        bad: Int,
        good: Int,
        precision: Double?,
        recall: Double?,
        falsePausesPer100: Double?,
        delayMedianMinutes: Double?,
        labelCoverage: Double?
    ) {
        self.date = date
        self.runId = runId
        self.bundle = bundle
        self.promoted = promoted
        self.bad = bad
        self.good = good
        self.precision = precision
        self.recall = recall
        self.falsePausesPer100 = falsePausesPer100
        self.delayMedianMinutes = delayMedianMinutes
        self.labelCoverage = labelCoverage
    }

    enum CodingKeys: String, CodingKey {
        case date, bundle, promoted, bad, good, precision, recall
        case runId = "run_id"
        case falsePausesPer100 = "false_pauses_per_100"
        case delayMedianMinutes = "delay_median_minutes"
        case labelCoverage = "label_coverage"
    }
}

extension ReportRenderer {
    /// `trend.md` and `trend.svg` of one pipeline: validation figures night by night, oldest
    /// first, with the bundle each night produced.
    public static func trend(pipeline: String, rows: [TrendRow]) -> [InMemoryFile] {
        let rows = rows.sorted { ($0.date, $0.runId) < ($1.date, $1.runId) }
        var md = Markdown()
        md.line("# \(pipeline): validation figures night by night")
        md.blank()
        md.line(
            "Each night's model on its own validation days (so nights are not judged on the same deploys); "
                + "\"–\" where a figure is undefined. Bundles marked \"candidate\" were not promoted."
        )
        md.blank()
        md.line("![trend](trend.svg)")
        md.blank()
        func text(_ x: Double?, _ digits: Int = 3) -> String { x.map { fixed($0, digits) } ?? "–" }
        md.table(
            [
                "night", "run", "bundle", "bad", "good", "precision", "recall", "false pauses / 100 good",
                "delay median (min)", "label coverage",
            ],
            rows.map { r in
                [
                    r.date, r.runId, r.bundle.map { "\($0) (\(r.promoted == true ? "stable" : "candidate"))" } ?? "–",
                    "\(r.bad)", "\(r.good)", text(r.precision), text(r.recall), text(r.falsePausesPer100, 1),
                    text(r.delayMedianMinutes, 1), text(r.labelCoverage),
                ]
            }
        )
        let n = max(1, rows.count - 1)
        func line(_ name: String, _ value: (TrendRow) -> Double?) -> (String, [(Double, Double)]) {
            (name, rows.enumerated().compactMap { i, r in value(r).map { (Double(i) / Double(n), $0) } })
        }
        let chart = SVGChart(
            title: "\(pipeline): validation figures by night",
            xLabel: rows.isEmpty ? "night" : "night (\(rows.first!.date) to \(rows.last!.date))",
            yLabel: "value",
            xRange: 0...1,
            yRange: 0...1,
            series: [
                line("recall", \.recall), line("precision", \.precision), line("label coverage", \.labelCoverage),
            ]
        )
        return [
            InMemoryFile(path: "trend.md", contents: Array(md.text.utf8)),
            InMemoryFile(path: "trend.svg", contents: Array(chart.svg.utf8)),
        ]
    }
}
