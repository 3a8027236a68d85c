/// Point- and window-level figures over many series (each released host's metric of each
/// deploy), summed series by series so that no segment spans two series.
public struct PointEvaluation: Sendable, Hashable, Codable {
    /// Point-wise counts.
    public var points: PointCounts
    /// Point-adjusted (Donut): a labeled segment with any alert counts whole.
    public var pointAdjusted: PointCounts
    /// Point-adjusted with a maximum delay: the alert must come within `delay` points of the segment's start.
    public var pointAdjustedDelayed: PointCounts
    public var delay: Int
    /// Each labeled window once; each cluster of alerts outside windows once.
    public var windows: WindowMetrics
    public var series: Int

    enum CodingKeys: String, CodingKey {
        case points, delay, windows, series
        case pointAdjusted = "point_adjusted"
        case pointAdjustedDelayed = "point_adjusted_delayed"
    }

    public init(_ views: [PointView], delay: Int = 5) {
        var p = PointCounts(truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0)
        var a = p
        var d = p
        var w = WindowMetrics(windows: 0, detected: 0, falseClusters: 0)
        for v in views {
            p = p + PointMetrics.counts(truth: v.truth, predicted: v.alerts)
            a = a + PointAdjustment.counts(truth: v.truth, predicted: v.alerts)
            d = d + PointAdjustment.counts(truth: v.truth, predicted: v.alerts, delay: delay)
            w = w + WindowMetrics(truth: v.truth, alerts: v.alerts)
        }
        points = p
        pointAdjusted = a
        pointAdjustedDelayed = d
        self.delay = delay
        windows = w
        series = views.count
    }
}

extension PointCounts {
    static func + (x: PointCounts, y: PointCounts) -> PointCounts {
        PointCounts(
            truePositives: x.truePositives + y.truePositives,
            falsePositives: x.falsePositives + y.falsePositives,
            falseNegatives: x.falseNegatives + y.falseNegatives,
            trueNegatives: x.trueNegatives + y.trueNegatives
        )
    }
}
