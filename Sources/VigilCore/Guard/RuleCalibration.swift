/// How a rule's raw strengths are put on one scale across series: the strength a series
/// typically reaches in normal operation.
///
/// A raw z-score of 15 means different things on a quiet success rate and on a spiky p99. For
/// each series (app, metric) the nightly run collects strengths of the rule where nothing was
/// wrong — placebo windows cut from before each deploy, the app's history for the
/// fleet-history mode — and keeps a high quantile of them as the series' ``scale``. The
/// rule's threshold is in these units: a metric fires when its raw strength exceeds
/// `threshold × scale(app, metric)`, so one threshold means about the same rarity on every series.
///
/// Series with few samples are shrunk toward the metric's pooled quantile across apps
/// (`(n·q_series + n₀·q_metric) / (n + n₀)`); a metric never seen uses ``fallback``, so an app
/// with no labels at all is guarded from its first deploy.
public struct RuleCalibration: Sendable, Hashable, Codable {
    /// One series' scale and how it came about.
    public struct Series: Sendable, Hashable, Codable {
        public var scale: Double
        /// Normal-operation samples the series contributed.
        public var samples: Int
        /// The factor feedback applied (above 1: false pauses raised the bar; below 1:
        /// confirmed incidents lowered it); `nil` when none.
        public var feedback: Double?

        public init(scale: Double, samples: Int, feedback: Double? = nil) {
            self.scale = scale
            self.samples = samples
            self.feedback = feedback
        }
    }

    /// The quantile of normal-operation strengths each scale is.
    public var quantile: Double
    /// Per metric name, the pooled scale of every app.
    public var metrics: [String: Double]
    /// Per series, keyed `app/metric`.
    public var series: [String: Series]
    /// The scale of a metric never seen.
    public var fallback: Double

    public init(quantile: Double, metrics: [String: Double], series: [String: Series], fallback: Double) {
        self.quantile = quantile
        self.metrics = metrics
        self.series = series
        self.fallback = fallback
    }

    public static func key(app: String, metric: String) -> String { "\(app)/\(metric)" }

    /// The scale for one series: its own, else its metric's, else the fallback.
    public func scale(app: String, metric: String) -> Double {
        series[Self.key(app: app, metric: metric)]?.scale ?? metrics[metric] ?? fallback
    }

    /// Fits the scales from normal-operation strengths per series.
    ///
    /// - Parameters:
    ///   - samples: strengths per (app, metric); −∞ (never scored above nothing) counts as 0,
    ///     NaN is skipped.
    ///   - quantile: the quantile each scale is (0.9: the strength one normal window in ten exceeds).
    ///   - prior: n₀, how many samples the metric's pooled value is worth in the shrinkage.
    /// - Returns: the calibration; no scale is below a quarter of the rule's pooled positive
    ///   quantile (so a series whose samples are all 0 gets a shrunk scale, floored there).
    public static func fit(
        samples: [SeriesKey: [Double]],
        quantile: Double = 0.9,
        prior: Double = 20
    ) -> RuleCalibration {
        func clean(_ values: [Double]) -> [Double] {
            values.compactMap { $0.isNaN ? nil : ($0.isFinite ? max($0, 0) : ($0 > 0 ? 1e12 : 0)) }
        }
        var byMetric: [String: [Double]] = [:]
        var cleaned: [SeriesKey: [Double]] = [:]
        for (key, values) in samples {
            let c = clean(values)
            guard !c.isEmpty else { continue }
            cleaned[key] = c
            byMetric[key.metric, default: []] += c
        }
        let all = byMetric.values.flatMap { $0 }
        // A rule that is mostly silent in normal operation (a CUSUM that never leaves 0) has a
        // quantile of 0 on many series; no scale goes below a quarter of the rule's typical
        // non-zero strength, or any wiggle would be infinitely rare.
        let positive = Quantile.linear(all.filter { $0 > 0 }, p: quantile) ?? 1
        let least = max(0.25 * positive, 1e-9)
        let fallback = max(Quantile.linear(all, p: quantile) ?? positive, least)
        var metricScales: [String: Double] = [:]
        for (metric, values) in byMetric {
            metricScales[metric] = max(Quantile.linear(values, p: quantile) ?? fallback, least)
        }
        var series: [String: Series] = [:]
        for (key, values) in cleaned {
            let base = metricScales[key.metric] ?? fallback
            let own = Quantile.linear(values, p: quantile) ?? base
            let n = Double(values.count)
            let scale = (n * own + prior * base) / (n + prior)
            series[Self.key(app: key.app, metric: key.metric)] = Series(scale: max(scale, least), samples: values.count)
        }
        return RuleCalibration(quantile: quantile, metrics: metricScales, series: series, fallback: fallback)
    }
}

/// One series of an app: the unit of calibration.
public struct SeriesKey: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var app: String
    public var metric: String
    public init(app: String, metric: String) {
        self.app = app
        self.metric = metric
    }
    public static func < (a: SeriesKey, b: SeriesKey) -> Bool { (a.app, a.metric) < (b.app, b.metric) }
    public var description: String { "\(app)/\(metric)" }
}
