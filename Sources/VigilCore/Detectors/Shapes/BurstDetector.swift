/// Bursts: the mean harmful excess of the last `window` standardized target points.
///
/// Each point's robust z-score against the reference (``RobustStandardizer``), harmful side
/// only and capped at `cap`, is averaged over `[t − window + 1, t]` (missing points count as
/// 0). Intermittent spikes and error bursts that never stay above a level threshold for
/// several points in a row still lift the window mean, and the cap keeps one wild point from
/// looking like a burst. For counts the fleet modes first apply Anscombe's transform
/// `2·sqrt(x + 3/8)`, which makes Poisson counts roughly normal with unit variance, so the
/// score is then a window test of the Poisson rate (its normal approximation).
///
/// Source: F. J. Anscombe, "The transformation of Poisson, binomial and negative-binomial
/// data", Biometrika 35, 1948.
///
/// - Complexity: O(n) with a running sum.
public struct BurstDetector: AnomalyDetector {
    public static let name = "burst"
    public static let summary = "Bursts and intermittent spikes: rolling mean of the capped harmful robust z-score."
    public static let parameters: [DetectorParameter] = [
        DetectorParameter(
            name: "window",
            defaultValue: 5,
            minimum: 1,
            maximum: 1_000,
            isInteger: true,
            summary: "Points in the rolling window."
        ),
        DetectorParameter(
            name: "cap",
            defaultValue: 50,
            minimum: 1,
            maximum: 1e6,
            summary: "The largest contribution of one point, in noise units."
        ),
    ]
    public static let defaultThreshold = 3.0

    public let window: Int
    public let cap: Double

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        let p = try Self.resolve(parameters)
        window = Int(p["window"]!)
        cap = p["cap"]!
    }

    public func scores(for input: DetectionInput) -> [Double] {
        let n = input.target.count
        guard let z = RobustStandardizer(reference: input.reference, minimumScale: input.minimumScale) else {
            return [Double](repeating: 0, count: n)
        }
        let excess = input.target.map { x in
            x.isNaN ? 0 : min(cap, input.direction.harmful((x - z.location) / z.scale))
        }
        var sum = 0.0
        var out = [Double](repeating: 0, count: n)
        for i in 0..<n {
            sum += excess[i]
            if i >= window { sum -= excess[i - window] }
            // A missing point has no score of its own (the detectors' shared contract).
            out[i] = input.target[i].isNaN ? 0 : cleanScore(sum / Double(window))
        }
        return out
    }
}
