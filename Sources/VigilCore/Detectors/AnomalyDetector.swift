/// What a detector looks at: the points to score and what they are compared with.
public struct DetectionInput: Sendable, Hashable {
    /// The points to score (for example a released host after its batch started); NaN is missing.
    public var target: [Double]
    /// The normal behaviour they are compared with (the same host before the deploy, baseline
    /// hosts over the same minutes, or history); NaN is missing.
    public var reference: [Double]
    /// Which deviation hurts.
    public var direction: Direction
    /// The smallest noise scale a detector may assume (0: none). The fleet modes set it from
    /// the other hosts' noise, so a host that happened to be flat before the deploy does not
    /// turn every later wiggle into a huge score; counts get at least the Poisson scale.
    public var minimumScale: Double

    public init(target: [Double], reference: [Double], direction: Direction = .both, minimumScale: Double = 0) {
        self.target = target
        self.reference = reference
        self.direction = direction
        self.minimumScale = minimumScale
    }
}

/// A tunable parameter of a detector, with the range a grid search may explore.
public struct DetectorParameter: Sendable, Hashable, Codable {
    public var name: String
    public var defaultValue: Double
    public var minimum: Double
    public var maximum: Double
    /// Whether only whole numbers are meaningful.
    public var isInteger: Bool
    public var summary: String

    public init(
        name: String,
        defaultValue: Double,
        minimum: Double,
        maximum: Double,
        isInteger: Bool = false,
        summary: String
    ) {
        self.name = name
        self.defaultValue = defaultValue
        self.minimum = minimum
        self.maximum = maximum
        self.isInteger = isInteger
        self.summary = summary
    }

    func validate(_ value: Double) throws(DetectorError) {
        guard value.isFinite, value >= minimum, value <= maximum else {
            throw DetectorError(
                message: "Parameter '\(name)' must be between \(minimum) and \(maximum), not \(value)."
            )
        }
        if isInteger && value != value.rounded() {
            throw DetectorError(message: "Parameter '\(name)' must be a whole number, not \(value).")
        }
    }
}

/// A detector was configured wrongly (unknown name or parameter, value out of range).
public struct DetectorError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Turns a series into per-point anomaly scores; thresholding is separate.
///
/// Scores are non-negative, larger means more anomalous, and never NaN: a missing target
/// point scores 0, and a reference too small to judge gives all zeros. Scores are
/// direction-aware: with `.up`, a drop scores 0. The threshold is not part of the
/// detector, so a tuner can sweep every threshold over one score array; each detector
/// names the threshold that reproduces its textbook rule (``defaultThreshold``).
public protocol AnomalyDetector: Sendable {
    /// The name used in pipeline files, bundles and `vigil detect --detector`.
    static var name: String { get }
    /// One line on what the detector does.
    static var summary: String { get }
    /// Tunable parameters other than the threshold.
    static var parameters: [DetectorParameter] { get }
    /// The threshold at which a score means "anomalous" in the textbook rule.
    static var defaultThreshold: Double { get }

    /// Creates the detector; missing parameters take their defaults.
    ///
    /// - Throws: ``DetectorError`` for an unknown parameter or a value out of range.
    init(parameters: [String: Double]) throws(DetectorError)

    /// The anomaly score of every point of `input.target`.
    func scores(for input: DetectionInput) -> [Double]
}

extension AnomalyDetector {
    /// Resolves parameters: checks names and ranges, fills defaults.
    static func resolve(_ given: [String: Double]) throws(DetectorError) -> [String: Double] {
        var values: [String: Double] = [:]
        for p in parameters { values[p.name] = p.defaultValue }
        for (name, value) in given {
            guard let p = parameters.first(where: { $0.name == name }) else {
                let known = parameters.map(\.name).joined(separator: ", ")
                throw DetectorError(
                    message: "Detector '\(Self.name)' has no parameter '\(name)'"
                        + (known.isEmpty ? "." : " (it has: \(known)).")
                )
            }
            try p.validate(value)
            values[name] = value
        }
        return values
    }
}

/// Every detector, by name.
public enum DetectorCatalog {
    public static let all: [any AnomalyDetector.Type] = [
        ZScoreDetector.self, TukeyDetector.self, ESDDetector.self, ARIMAKSigmaDetector.self,
        MannWhitneyDetector.self, KSDetector.self, DonutDetector.self, LevelDetector.self, CUSUMDetector.self,
        SpreadDetector.self, BurstDetector.self,
    ]

    /// Creates the detector called `name` with `parameters`.
    ///
    /// - Throws: ``DetectorError`` naming the known detectors when `name` is unknown.
    public static func make(
        _ name: String,
        parameters: [String: Double] = [:]
    ) throws(DetectorError)
        -> any AnomalyDetector
    {
        guard let type = all.first(where: { $0.name == name }) else {
            throw DetectorError(
                message: "Unknown detector '\(name)'; known: \(all.map { $0.name }.joined(separator: ", "))."
            )
        }
        return try type.init(parameters: parameters)
    }

    /// The detector type called `name`, if any.
    public static func type(named name: String) -> (any AnomalyDetector.Type)? {
        all.first { $0.name == name }
    }
}

/// Indices whose score is strictly above `threshold`.
public func flaggedIndices(_ scores: [Double], threshold: Double) -> [Int] {
    scores.indices.filter { scores[$0] > threshold }
}

extension Direction {
    /// The part of a signed deviation that hurts: positive for `.up`, negative for `.down`, either for `.both`.
    @inlinable
    public func harmful(_ deviation: Double) -> Double {
        switch self {
        case .up: return max(0, deviation)
        case .down: return max(0, -deviation)
        case .both: return abs(deviation)
        }
    }
}

/// A scale that is never zero: `value` when positive, else a tiny fraction of the level,
/// so a constant reference gives large but finite scores to any departure.
@inlinable
func positiveScale(_ value: Double, level: Double) -> Double {
    value > 0 && value.isFinite ? value : max(1e-9, 1e-6 * abs(level))
}

/// Scores are finite and non-negative; a NaN (missing input) becomes 0.
@inlinable
func cleanScore(_ s: Double) -> Double {
    s.isNaN ? 0 : min(max(s, 0), 1e12)
}
