import Foundation

/// Special functions used by the distribution routines.
public enum SpecialFunctions {
    /// The regularized incomplete beta function `I_x(a, b)`.
    ///
    /// `I_x(a,b) = x^a (1-x)^b / (a B(a,b)) · 1/(1+ d1/(1+ d2/(1+ …)))`, evaluated with the
    /// modified Lentz continued fraction when `x < (a+1)/(a+b+2)`, and through the symmetry
    /// `I_x(a,b) = 1 - I_{1-x}(b,a)` otherwise.
    ///
    /// Source: W. H. Press et al., *Numerical Recipes*, 3rd ed., §6.4 (`betai`, `betacf`);
    /// Lentz's algorithm, §5.2.
    ///
    /// - Parameters:
    ///   - x: Argument in `[0, 1]`.
    ///   - a: Positive shape.
    ///   - b: Positive shape.
    ///   - complement: `1 - x`, if the caller knows it more accurately than `1 - x`.
    /// - Returns: `I_x(a, b)` in `[0, 1]`; NaN for invalid arguments.
    /// - Complexity: O(sqrt(max(a, b))) continued-fraction terms.
    public static func regularizedIncompleteBeta(
        _ x: Double,
        a: Double,
        b: Double,
        complement: Double? = nil
    )
        -> Double
    {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        let y = complement ?? (1 - x)
        if x == 0 { return 0 }
        if y == 0 { return 1 }
        let lnFront = a * log(x) + b * log(y) - logBeta(a, b)
        if x < (a + 1) / (a + b + 2) {
            return exp(lnFront) * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(lnFront) * betaContinuedFraction(y, a: b, b: a) / b
    }

    /// `log B(a, b) = lgamma(a) + lgamma(b) - lgamma(a+b)`.
    public static func logBeta(_ a: Double, _ b: Double) -> Double {
        lgamma(a) + lgamma(b) - lgamma(a + b)
    }

    /// The continued fraction of `I_x(a,b)` by the modified Lentz method (NR `betacf`).
    private static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        let eps = 1e-16
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let fm = Double(m)
            let m2 = 2 * fm
            var aa = fm * (b - fm) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + fm) * (qab + fm) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) <= eps { break }
        }
        return h
    }
}
