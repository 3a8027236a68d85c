/// Tukey's boxplot fences on the reference window, scored in interquartile ranges.
///
/// With Q1, Q3 the type-7 (numpy linear) quartiles of the reference and IQR = Q3 − Q1, a
/// point above Q3 scores `(x − Q3) / IQR` and one below Q1 scores `(Q1 − x) / IQR` (each
/// only when its direction hurts). So `score > k` is exactly "outside the fences
/// Q1 − k·IQR, Q3 + k·IQR" (strict, as the reference vectors): the threshold is Tukey's k
/// (1.5 for outliers, 3 for far-out points).
///
/// Source: J. W. Tukey, Exploratory Data Analysis, 1977.
public struct TukeyDetector: AnomalyDetector {
    public static let name = "tukey"
    public static let summary =
        "Tukey boxplot fences on the reference window; the score is the distance beyond Q1/Q3 in IQRs."
    public static let parameters: [DetectorParameter] = []
    public static let defaultThreshold = 1.5

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        _ = try Self.resolve(parameters)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        guard let q1 = Quantile.linear(input.reference, p: 0.25), let q3 = Quantile.linear(input.reference, p: 0.75),
            input.reference.lazy.filter({ !$0.isNaN }).count >= 4
        else { return [Double](repeating: 0, count: input.target.count) }
        let iqr = positiveScale(q3 - q1, level: (q1 + q3) / 2)
        return input.target.map { x in
            let above = x > q3 ? (x - q3) / iqr : 0
            let below = x < q1 ? (q1 - x) / iqr : 0
            return cleanScore(input.direction.harmful(above > 0 ? above : -below))
        }
    }
}
