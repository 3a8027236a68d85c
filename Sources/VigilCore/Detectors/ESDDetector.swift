/// Rosner's generalized extreme Studentized deviate test over the reference and target together.
///
/// The test removes up to `maxOutliers` extreme points one at a time, comparing each
/// statistic `R_i` with its critical value `λ_i` at significance `alpha`, and declares the
/// first `k` removed points outliers, `k` the largest `i` with `R_i > λ_i`. A removed target
/// point `j` scores `max_{i ≥ j} R_i / λ_i` (on its harmful side only), so `score > 1` is
/// exactly Rosner's verdict, masking included; points never removed score 0. Grubbs' test
/// is the case `maxOutliers = 1`.
///
/// Source: B. Rosner, "Percentage Points for a Generalized ESD Many-Outlier Procedure",
/// Technometrics 25(2), 1983; NIST/SEMATECH e-Handbook 1.3.5.17.3.
public struct ESDDetector: AnomalyDetector {
    public static let name = "esd"
    public static let summary =
        "Generalized ESD (Rosner); Grubbs with max_outliers = 1. Score > 1 is an outlier at alpha."
    public static let parameters: [DetectorParameter] = [
        DetectorParameter(
            name: "alpha",
            defaultValue: 0.05,
            minimum: 1e-6,
            maximum: 0.5,
            summary: "Significance level."
        ),
        DetectorParameter(
            name: "max_outliers",
            defaultValue: 10,
            minimum: 1,
            maximum: 1000,
            isInteger: true,
            summary: "Most outliers the test may remove."
        ),
    ]
    public static let defaultThreshold = 1.0

    public var alpha: Double
    public var maxOutliers: Int

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        let values = try Self.resolve(parameters)
        alpha = values["alpha"] ?? 0.05
        maxOutliers = Int(values["max_outliers"] ?? 10)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        var scores = [Double](repeating: 0, count: input.target.count)
        // Pool the non-missing points; remember which target index each came from.
        var pooled: [Double] = input.reference.filter { !$0.isNaN }
        let targetStart = pooled.count
        var targetIndex: [Int] = []
        pooled.reserveCapacity(pooled.count + input.target.count)
        targetIndex.reserveCapacity(input.target.count)
        for (i, x) in input.target.enumerated() where !x.isNaN {
            pooled.append(x)
            targetIndex.append(i)
        }
        let r = min(maxOutliers, pooled.count - 3)
        guard r >= 1 else { return scores }
        let test = GeneralizedESD.test(pooled, alpha: alpha, maxOutliers: r)
        // Only the side of the mean matters here.
        let mean = pooled.reduce(0, +) / Double(pooled.count)
        var running = 0.0
        for step in stride(from: test.removedIndices.count - 1, through: 0, by: -1) {
            let lambda = test.lambda[step]
            let ratio = lambda > 0 && lambda.isFinite ? test.r[step] / lambda : 0
            running = max(running, ratio.isFinite ? ratio : 0)
            let k = test.removedIndices[step]
            guard k >= targetStart else { continue }
            let x = pooled[k]
            if input.direction.harmful(x - mean) > 0 { scores[targetIndex[k - targetStart]] = cleanScore(running) }
        }
        return scores
    }
}
