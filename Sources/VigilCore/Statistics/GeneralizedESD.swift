/// Rosner's generalized extreme Studentized deviate (ESD) test for up to `r` outliers.
///
/// For `i = 1…r`, on the points not yet removed: `R_i = max|x - x̄| / s` (ddof = 1), the
/// maximizing point is removed (lowest original index on an exact tie), and
/// `λ_i = (n-i) t / √((n-i-1+t²)(n-i+1))` with `t = t.isf(α/(2(n-i+1)), n-i-1)`.
/// The number of outliers is the largest `i` with `R_i > λ_i` (0 if none), so a later
/// rejection un-masks earlier, smaller statistics.
///
/// Source: B. Rosner, "Percentage Points for a Generalized ESD Many-Outlier Procedure",
/// Technometrics 25(2), 1983; NIST/SEMATECH e-Handbook, §1.3.5.17.3.
public struct GeneralizedESD: Sendable, Hashable {
    /// `R_i` for each step.
    public var r: [Double]
    /// `λ_i` for each step.
    public var lambda: [Double]
    /// The t quantile used for `λ_i`.
    public var tQuantile: [Double]
    /// The original index removed at each step.
    public var removedIndices: [Int]
    /// The largest `i` with `R_i > λ_i`, or 0.
    public var numOutliers: Int
    /// `removedIndices[0..<numOutliers]`, ascending.
    public var outlierIndices: [Int]

    /// Runs the test.
    ///
    /// Edge cases: the number of steps is capped at `n - 2` (each step needs `n-i-1 ≥ 1`
    /// degrees of freedom), so `n < 3` gives an empty result. When the remaining points are
    /// constant, `s = 0` and `R_i = 0` (never NaN), which never rejects.
    ///
    /// - Parameters:
    ///   - x: The sample, without NaN.
    ///   - alpha: Significance level in `(0, 1)`.
    ///   - maxOutliers: The upper bound `r` on the number of outliers.
    /// - Complexity: O(n·r).
    public static func test(_ x: [Double], alpha: Double, maxOutliers: Int) -> GeneralizedESD {
        let n = x.count
        let steps = max(0, min(maxOutliers, n - 2))
        var active = Array(x.indices)
        var result = GeneralizedESD(
            r: [],
            lambda: [],
            tQuantile: [],
            removedIndices: [],
            numOutliers: 0,
            outlierIndices: []
        )
        for i in stride(from: 1, through: steps, by: 1) {
            let (mean, sd) = Moments.meanAndSD(active.map { x[$0] })
            var best = -1.0
            var bestPosition = 0
            // `active` stays in ascending index order, so strict `>` keeps the lowest index.
            for (pos, idx) in active.enumerated() where abs(x[idx] - mean) > best {
                best = abs(x[idx] - mean)
                bestPosition = pos
            }
            result.r.append(sd > 0 ? best / sd : 0)
            result.removedIndices.append(active.remove(at: bestPosition))
            let remaining = Double(n - i)
            let t = StudentT.inverseSurvival(alpha / (2 * (remaining + 1)), df: remaining - 1)
            result.tQuantile.append(t)
            result.lambda.append(remaining * t / ((remaining - 1 + t * t) * (remaining + 1)).squareRoot())
        }
        for i in result.r.indices.reversed() where result.r[i] > result.lambda[i] {
            result.numOutliers = i + 1
            break
        }
        result.outlierIndices = result.removedIndices.prefix(result.numOutliers).sorted()
        return result
    }
}
