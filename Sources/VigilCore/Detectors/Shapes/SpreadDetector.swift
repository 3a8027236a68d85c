/// A spread increase: the standard deviation of the last `window` standardized target points.
///
/// Each target point is standardized against the reference (``RobustStandardizer``); the
/// score at point t is the sample standard deviation of the standardized points in
/// `[t − window + 1, t]` (missing points skipped, at least `max(3, window / 2)` present, else
/// 0). In control it is about 1 whatever the metric, and a variance increase (a flapping
/// dependency, a noisy host) lifts it even when the level does not move. A level shift inside
/// the window lifts it too, briefly. Direction does not matter: more spread hurts both ways.
///
/// Source: the variance-ratio (F) test of the two windows, with the reference variance taken
/// as known; G. E. P. Box, "Non-normality and tests on variances", Biometrika 40, 1953.
///
/// - Complexity: O(n · window).
public struct SpreadDetector: AnomalyDetector {
    public static let name = "spread"
    public static let summary = "Variance increase: rolling standard deviation of the standardized target."
    public static let parameters: [DetectorParameter] = [
        DetectorParameter(
            name: "window",
            defaultValue: 10,
            minimum: 3,
            maximum: 1_000,
            isInteger: true,
            summary: "Points in the rolling window."
        )
    ]
    public static let defaultThreshold = 2.0

    public let window: Int

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        window = Int(try Self.resolve(parameters)["window"]!)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        let n = input.target.count
        guard let z = RobustStandardizer(reference: input.reference, minimumScale: input.minimumScale) else {
            return [Double](repeating: 0, count: n)
        }
        let values = input.target.map { $0.isNaN ? Double.nan : ($0 - z.location) / z.scale }
        let needed = max(3, window / 2)
        var out = [Double](repeating: 0, count: n)
        // Each window is summed afresh (two passes): running sums would keep the rounding error
        // of one huge z (a near-constant reference) long after it left the window.
        for i in 0..<n where !values[i].isNaN {
            let window = values[max(0, i - self.window + 1)...i].filter { !$0.isNaN }
            guard window.count >= needed else { continue }
            let mean = window.reduce(0, +) / Double(window.count)
            let variance = window.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(window.count - 1)
            out[i] = cleanScore(variance.squareRoot())
        }
        return out
    }
}
