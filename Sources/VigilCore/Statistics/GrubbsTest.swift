/// The two-sided Grubbs test for a single outlier.
///
/// `G = max_i |x_i - x̄| / s` with `s` the sample standard deviation (divisor `n-1`). With
/// `t = t.isf(α/(2n), n-2)`, the critical value is
/// `G_crit = (n-1)/√n · √(t² / (n-2+t²))`, and the most extreme point is an outlier when
/// `G > G_crit`.
///
/// Source: F. E. Grubbs, "Procedures for Detecting Outlying Observations in Samples",
/// Technometrics 11(1), 1969; NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.5.17.1.
public struct GrubbsTest: Sendable, Hashable {
    /// Sample size.
    public var n: Int
    /// Arithmetic mean.
    public var mean: Double
    /// Sample standard deviation (ddof = 1).
    public var sd: Double
    /// The statistic `G`; 0 for a constant sample.
    public var g: Double
    /// Index of the point attaining `G` (lowest index on an exact tie).
    public var gIndex: Int
    /// The upper `α/(2n)` quantile of Student t with `n-2` degrees of freedom.
    public var tQuantile: Double
    /// The critical value `G_crit`.
    public var critical: Double
    /// Whether `G > G_crit`.
    public var isOutlier: Bool

    /// Runs the test on `x` at significance `alpha`.
    ///
    /// Edge cases: a constant sample has `sd = 0`; then `G = 0` and nothing is an outlier
    /// (never NaN).
    ///
    /// - Parameters:
    ///   - x: The sample, without NaN.
    ///   - alpha: Significance level in `(0, 1)`.
    /// - Returns: `nil` when `n < 3` (the t quantile needs `n-2 ≥ 1` degrees of freedom).
    /// - Complexity: O(n).
    public static func test(_ x: [Double], alpha: Double) -> GrubbsTest? {
        let n = x.count
        guard n >= 3 else { return nil }
        let (mean, sd) = Moments.meanAndSD(x)
        var best = 0.0
        var bestIndex = 0
        for (i, v) in x.enumerated() where abs(v - mean) > best {
            best = abs(v - mean)
            bestIndex = i
        }
        let g = sd > 0 ? best / sd : 0
        let nd = Double(n)
        let t = StudentT.inverseSurvival(alpha / (2 * nd), df: nd - 2)
        let critical = (nd - 1) / nd.squareRoot() * (t * t / (nd - 2 + t * t)).squareRoot()
        return GrubbsTest(
            n: n,
            mean: mean,
            sd: sd,
            g: g,
            gIndex: bestIndex,
            tQuantile: t,
            critical: critical,
            isOutlier: g > critical
        )
    }
}
