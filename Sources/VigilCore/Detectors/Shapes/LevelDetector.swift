/// A level shift: each point's robust distance from the reference, in reference noise units.
///
/// `score = harm((x − median(ref)) / scale)` with ``RobustStandardizer``'s scale. Unlike
/// ``ZScoreDetector`` (mean and standard deviation), one outlier in the reference neither
/// moves the centre nor inflates the scale. Persistence comes from the decision policy
/// (`consecutive`), so `level` with 3 points in a row is "three minutes beyond k sigma".
///
/// - Complexity: O(n + m) for n target and m reference points.
public struct LevelDetector: AnomalyDetector {
    public static let name = "level"
    public static let summary = "Level shift: robust z-score (median, MAD) of each point against the reference."
    public static let parameters: [DetectorParameter] = []
    public static let defaultThreshold = 4.0

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        _ = try Self.resolve(parameters)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        guard let z = RobustStandardizer(reference: input.reference, minimumScale: input.minimumScale) else {
            return [Double](repeating: 0, count: input.target.count)
        }
        return input.target.map { x in
            x.isNaN ? 0 : cleanScore(input.direction.harmful((x - z.location) / z.scale))
        }
    }
}
