/// How a deploy's metric is measured and which deviation hurts.
public struct MetricSpec: Sendable, Hashable, Codable {
    public var name: String
    public var kind: MetricKind?
    public var unit: String?
    public var direction: Direction
    /// The sampling step in seconds, when the exporter declared it.
    public var stepSeconds: Int64?

    public init(
        name: String,
        kind: MetricKind? = nil,
        unit: String? = nil,
        direction: Direction = .both,
        stepSeconds: Int64? = nil
    ) {
        self.name = name
        self.kind = kind
        self.unit = unit
        self.direction = direction
        self.stepSeconds = stepSeconds
    }
}

public enum MetricKind: String, Sendable, Hashable, Codable, CaseIterable {
    case system, business, log, middleware, database, cloud
}

/// Which deviation of a metric hurts: a rise, a fall, or either.
public enum Direction: String, Sendable, Hashable, Codable, CaseIterable {
    case up, down, both
}

/// The metric that carries an app's load: its request rate.
public enum LoadMetric {
    /// The first metric (by name) whose unit is a rate of requests — `req/s`, `requests/s`,
    /// `rps`, `qps`, `tps` — preferring business metrics; else one named `qps`, `rps` or `tps`.
    /// `nil` when a deploy declares none (the load-explained mode then does not apply).
    public static func find(in metrics: [MetricSpec]) -> MetricSpec? {
        let units: Set<String> = ["req/s", "reqs/s", "requests/s", "request/s", "rps", "qps", "tps", "1/s"]
        let names: Set<String> = ["qps", "rps", "tps", "requests", "request.rate", "throughput"]
        let sorted = metrics.sorted { $0.name < $1.name }
        let rates = sorted.filter { units.contains($0.unit?.lowercased() ?? "") }
        return rates.first { $0.kind == .business } ?? rates.first
            ?? sorted.first { names.contains($0.name.lowercased()) }
    }
}
