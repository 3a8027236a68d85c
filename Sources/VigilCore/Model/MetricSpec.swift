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
