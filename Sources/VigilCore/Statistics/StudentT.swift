import Foundation

/// Student's t distribution with `df` degrees of freedom.
///
/// Tail probabilities come from the regularized incomplete beta function:
/// `P(T > t) = I_{df/(df+t²)}(df/2, 1/2) / 2` for `t ≥ 0` (Abramowitz & Stegun 26.7.1,
/// 26.5.27). The argument and its complement `t²/(df+t²)` are both formed directly, so the
/// far tail keeps full relative precision (about 1e-14 for the `df` and `p` used by the
/// outlier tests, including `df = 1` and `df` in the thousands).
public enum StudentT {
    /// The cumulative distribution function `P(T ≤ t)`.
    ///
    /// - Returns: A probability in `[0, 1]`; NaN when `df ≤ 0` or `t` is NaN.
    /// - Complexity: O(sqrt(df)) continued-fraction terms at worst.
    public static func cdf(_ t: Double, df: Double) -> Double {
        survival(-t, df: df)
    }

    /// The survival function `P(T > t)`, accurate to full relative precision in the upper tail.
    ///
    /// - Returns: A probability in `[0, 1]`; NaN when `df ≤ 0` or `t` is NaN.
    /// - Complexity: O(sqrt(df)) continued-fraction terms at worst.
    public static func survival(_ t: Double, df: Double) -> Double {
        guard df > 0, !t.isNaN else { return .nan }
        if t.isInfinite { return t > 0 ? 0 : 1 }
        let t2 = t * t
        let x = df / (df + t2)
        let y = t2 / (df + t2)
        let half = 0.5 * SpecialFunctions.regularizedIncompleteBeta(x, a: df / 2, b: 0.5, complement: y)
        return t >= 0 ? half : 1 - half
    }

    /// The density `Γ((df+1)/2) / (√(df π) Γ(df/2)) · (1 + t²/df)^(-(df+1)/2)`.
    /// - Complexity: O(1).
    public static func density(_ t: Double, df: Double) -> Double {
        guard df > 0 else { return .nan }
        let lnC = lgamma((df + 1) / 2) - lgamma(df / 2) - 0.5 * log(df * Double.pi)
        return exp(lnC - (df + 1) / 2 * log1p(t * t / df))
    }

    /// The inverse survival function: the `t` with `P(T > t) = p` (scipy's `t.isf(p, df)`).
    ///
    /// For `p < 1/2` the root of `log S(t) = log p` is bracketed by doubling and found with
    /// Newton steps on `log S` (derivative `-f(t)/S(t)`), falling back to bisection whenever a
    /// step leaves the bracket; iteration stops at a relative step below 1e-15. Symmetry gives
    /// `isf(p) = -isf(1-p)` for `p > 1/2`, and `isf(1/2) = 0`.
    ///
    /// - Parameters:
    ///   - p: Upper-tail probability in `[0, 1]`.
    ///   - df: Degrees of freedom, `> 0` (need not be an integer).
    /// - Returns: The quantile; `+∞` for `p = 0`, `-∞` for `p = 1`, NaN for invalid input.
    /// - Complexity: O(log(t)) bracket steps plus a handful of Newton steps.
    public static func inverseSurvival(_ p: Double, df: Double) -> Double {
        guard df > 0, p >= 0, p <= 1 else { return .nan }
        if p == 0 { return .infinity }
        if p == 1 { return -.infinity }
        if p == 0.5 { return 0 }
        if p > 0.5 { return -inverseSurvival(1 - p, df: df) }
        let target = log(p)
        var lo = 0.0
        var hi = 1.0
        while survival(hi, df: df) > p {
            lo = hi
            hi *= 2
            if hi.isInfinite { return .infinity }
        }
        var t = 0.5 * (lo + hi)
        for _ in 0..<400 {
            let s = survival(t, df: df)
            let g = log(s) - target
            if g > 0 { lo = t } else { hi = t }
            if g == 0 { return t }
            let slope = -density(t, df: df) / s
            var next = t - g / slope
            if !(next > lo && next < hi) || !next.isFinite {
                next = 0.5 * (lo + hi)
            }
            if abs(next - t) <= 1e-15 * abs(next) || hi - lo <= 1e-15 * hi {
                return next
            }
            t = next
        }
        return t
    }
}
