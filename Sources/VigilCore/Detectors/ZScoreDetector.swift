/// The static 3-sigma rule: how many reference standard deviations a point lies from the reference mean.
///
/// `score = harm((x − mean) / sd)` with the sample standard deviation (n − 1) of the
/// non-missing reference points. The rule a retrained configuration must beat: threshold 3.
public struct ZScoreDetector: AnomalyDetector {
    public static let name = "zscore"
    public static let summary =
        "Static k-sigma rule: distance from the reference mean in reference standard deviations."
    public static let parameters: [DetectorParameter] = []
    public static let defaultThreshold = 3.0

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        _ = try Self.resolve(parameters)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        let reference = input.reference.filter { !$0.isNaN }
        guard reference.count >= 2 else { return [Double](repeating: 0, count: input.target.count) }
        let (mean, sd) = meanAndStandardDeviation(reference)
        let scale = positiveScale(sd, level: mean)
        return input.target.map { cleanScore(input.direction.harmful(($0 - mean) / scale)) }
    }
}

/// Mean and sample standard deviation (n − 1), by Welford's update.
func meanAndStandardDeviation(_ x: [Double]) -> (mean: Double, sd: Double) {
    var mean = 0.0
    var m2 = 0.0
    for (i, v) in x.enumerated() {
        let delta = v - mean
        mean += delta / Double(i + 1)
        m2 += delta * (v - mean)
    }
    return (mean, x.count > 1 ? (m2 / Double(x.count - 1)).squareRoot() : 0)
}
