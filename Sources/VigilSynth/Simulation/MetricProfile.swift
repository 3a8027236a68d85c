import VigilCore

/// How one metric of one app behaves: its declared spec and the parameters of its signal.
struct MetricProfile: Sendable {
    /// How a value is produced from the traffic-driven level.
    enum Model: Sendable {
        /// `level * (1 + drift + noise)`, clamped to `[0, upperBound]`.
        case continuous
        /// A ratio near 1: the level is the failure fraction, the value `1 - failure`.
        case ratio
        /// A Poisson count whose mean is the level.
        case count
    }

    /// How app-level history aggregates hosts.
    enum Aggregation: Sendable {
        case mean, sum
    }

    var spec: MetricSpec
    var model: Model
    var aggregation: Aggregation
    /// The level at traffic 1 on an average host (failure fraction for ratios, mean for counts).
    var base: Double
    /// `level = base * (1 + trafficSensitivity * (traffic - 1))`.
    var trafficSensitivity: Double
    /// Relative white-noise standard deviation.
    var noise: Double
    /// Relative standard deviation of the slow, smooth component.
    var drift: Double
    /// Per-host spread of the level (log scale).
    var hostSpread: Double
    /// Decimal places written.
    var decimals: Int
    var upperBound: Double

    var name: String { spec.name }
    var step: Int64 { spec.stepSeconds ?? 60 }
}

/// A template from which an app draws a ``MetricProfile``.
struct MetricTemplate: Sendable {
    var name: String
    var kind: MetricKind
    var unit: String
    var direction: Direction
    var step: Int64
    var model: MetricProfile.Model
    var aggregation: MetricProfile.Aggregation
    var base: ClosedRange<Double>
    var trafficSensitivity: Double
    var noise: Double
    var drift: Double
    var hostSpread: Double
    var decimals: Int
    var upperBound: Double = .infinity

    func profile(using rng: inout SplitMix64) -> MetricProfile {
        // Log-uniform base level.
        let low = base.lowerBound.squareRoot()
        let high = base.upperBound.squareRoot()
        let root = rng.uniform(low, high)
        return MetricProfile(
            spec: MetricSpec(name: name, kind: kind, unit: unit, direction: direction, stepSeconds: step),
            model: model,
            aggregation: aggregation,
            base: root * root,
            trafficSensitivity: trafficSensitivity,
            noise: noise * rng.uniform(0.8, 1.25),
            drift: drift * rng.uniform(0.7, 1.3),
            hostSpread: hostSpread,
            // A tenth of a millisecond is pure noise on a 300 ms p99: keep the digits that carry signal.
            decimals: model == .continuous && root * root >= 100 ? max(0, decimals - 1) : decimals,
            upperBound: upperBound
        )
    }

    static let rtP99 = MetricTemplate(
        name: "rt.p99",
        kind: .business,
        unit: "ms",
        direction: .up,
        step: 60,
        model: .continuous,
        aggregation: .mean,
        base: 90...420,
        trafficSensitivity: 0.35,
        noise: 0.07,
        drift: 0.04,
        hostSpread: 0.08,
        decimals: 1
    )
    static let successRate = MetricTemplate(
        name: "success.rate",
        kind: .business,
        unit: "ratio",
        direction: .down,
        step: 60,
        model: .ratio,
        aggregation: .mean,
        base: 0.0006...0.004,
        trafficSensitivity: 0.4,
        noise: 0.3,
        drift: 0.1,
        hostSpread: 0.15,
        decimals: 4,
        upperBound: 1
    )
    static let errorCount = MetricTemplate(
        name: "log.error.count",
        kind: .log,
        unit: "count",
        direction: .up,
        step: 60,
        model: .count,
        aggregation: .sum,
        base: 0.4...5,
        trafficSensitivity: 1,
        noise: 0,
        drift: 0.15,
        hostSpread: 0.25,
        decimals: 0
    )
    static let cpu = MetricTemplate(
        name: "cpu.util",
        kind: .system,
        unit: "percent",
        direction: .both,
        step: 60,
        model: .continuous,
        aggregation: .mean,
        base: 18...55,
        trafficSensitivity: 0.7,
        noise: 0.05,
        drift: 0.05,
        hostSpread: 0.12,
        decimals: 1,
        upperBound: 100
    )
    static let memory = MetricTemplate(
        name: "mem.used",
        kind: .system,
        unit: "MB",
        direction: .up,
        step: 60,
        model: .continuous,
        aggregation: .mean,
        base: 1500...7000,
        trafficSensitivity: 0.08,
        noise: 0.005,
        drift: 0.02,
        hostSpread: 0.1,
        decimals: 0
    )
    static let qps = MetricTemplate(
        name: "qps",
        kind: .business,
        unit: "req/s",
        direction: .both,
        step: 60,
        model: .continuous,
        aggregation: .sum,
        base: 60...2500,
        trafficSensitivity: 1,
        noise: 0.05,
        drift: 0.03,
        hostSpread: 0.1,
        decimals: 1
    )
    static let dbConnections = MetricTemplate(
        name: "db.conn.active",
        kind: .database,
        unit: "count",
        direction: .up,
        step: 60,
        model: .continuous,
        aggregation: .sum,
        base: 12...90,
        trafficSensitivity: 0.5,
        noise: 0.08,
        drift: 0.05,
        hostSpread: 0.1,
        decimals: 0
    )
    static let queueLag = MetricTemplate(
        name: "mq.consumer.lag",
        kind: .middleware,
        unit: "messages",
        direction: .up,
        step: 30,
        model: .continuous,
        aggregation: .sum,
        base: 40...400,
        trafficSensitivity: 0.8,
        noise: 0.15,
        drift: 0.1,
        hostSpread: 0.2,
        decimals: 0
    )
    static let cacheHitRate = MetricTemplate(
        name: "cache.hit.rate",
        kind: .middleware,
        unit: "ratio",
        direction: .down,
        step: 300,
        model: .ratio,
        aggregation: .mean,
        base: 0.04...0.15,
        trafficSensitivity: 0.2,
        noise: 0.06,
        drift: 0.05,
        hostSpread: 0.1,
        decimals: 3,
        upperBound: 1
    )
    static let lb5xx = MetricTemplate(
        name: "lb.5xx.count",
        kind: .cloud,
        unit: "count",
        direction: .up,
        step: 300,
        model: .count,
        aggregation: .sum,
        base: 0.5...6,
        trafficSensitivity: 1,
        noise: 0,
        drift: 0.15,
        hostSpread: 0.2,
        decimals: 0
    )

    /// Every app has these.
    static let core: [MetricTemplate] = [rtP99, successRate, errorCount]
    /// An app draws one resource metric, then up to two more extras.
    static let resources: [MetricTemplate] = [cpu, memory]
    static let extras: [MetricTemplate] = [cpu, memory, qps, dbConnections, queueLag, cacheHitRate, lb5xx]
}
