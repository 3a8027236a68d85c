/// Small persistent shifts and slow trends: Page's one-sided CUSUM of the standardized target.
///
/// With `z_t` the robust z-score of each target point against the reference (see
/// ``RobustStandardizer``), harmful side positive, `S_t = max(0, S_{t−1} + z_t − k)` from
/// `S_0 = 0`; the score is `S_t`. For `.both` two sums run, one per side, and the score is
/// the larger. A missing point adds nothing and lets the sum decay by `k`. A shift of δ
/// noise units (δ > k) grows the sum by δ − k a minute, so a leak or a modest regression that
/// never crosses a level threshold still accumulates; in-control, the sum hovers near 0.
///
/// Source: E. S. Page, "Continuous inspection schemes", Biometrika 41, 1954; D. C. Montgomery,
/// Introduction to Statistical Quality Control, ch. 9 (k = half the shift to detect).
///
/// - Complexity: O(n + m).
public struct CUSUMDetector: AnomalyDetector {
    public static let name = "cusum"
    public static let summary = "Slow drifts and modest shifts: one-sided CUSUM of the robust z-score, allowance k."
    public static let parameters: [DetectorParameter] = [
        DetectorParameter(
            name: "k",
            defaultValue: 1,
            minimum: 0,
            maximum: 10,
            summary: "Allowance in noise units subtracted each point (half the shift to detect)."
        )
    ]
    public static let defaultThreshold = 10.0

    public let k: Double

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        k = try Self.resolve(parameters)["k"]!
    }

    public func scores(for input: DetectionInput) -> [Double] {
        guard let z = RobustStandardizer(reference: input.reference, minimumScale: input.minimumScale) else {
            return [Double](repeating: 0, count: input.target.count)
        }
        var up = 0.0
        var down = 0.0
        return input.target.map { x in
            let d = x.isNaN ? 0 : (x - z.location) / z.scale
            up = max(0, up + d - k)
            down = max(0, down - d - k)
            if x.isNaN { return 0 }  // the sums carry on; a missing point has no score of its own
            switch input.direction {
            case .up: return cleanScore(up)
            case .down: return cleanScore(down)
            case .both: return cleanScore(max(up, down))
            }
        }
    }
}
