/// ARIMA(p, d, q) recursions for fixed or estimated coefficients.
///
/// Sign convention (statsmodels and R): for the d-times differenced series `w_t`,
/// `w_t - μ = Σ_i φ_i (w_{t-i} - μ) + e_t + Σ_j θ_j e_{t-j}`; `μ` is used only when `d = 0`.
///
/// Source: G. E. P. Box, G. M. Jenkins, G. C. Reinsel, *Time Series Analysis*, 4th ed., §7.1
/// (conditional sum of squares); statsmodels `tsa/arima`.
public enum ARIMA {
    /// Fixed ARMA coefficients of the differenced series.
    public struct Coefficients: Sendable, Hashable {
        /// Process mean `μ` of the differenced series (ignored by callers when `d > 0`).
        public var mean: Double
        /// AR coefficients `φ_1…φ_p`.
        public var ar: [Double]
        /// MA coefficients `θ_1…θ_q`.
        public var ma: [Double]

        /// Creates coefficients.
        public init(mean: Double = 0, ar: [Double] = [], ma: [Double] = []) {
            self.mean = mean
            self.ar = ar
            self.ma = ma
        }
    }

    /// One-step predictions and residuals on the original index; `nil` where undefined.
    public struct OneStep: Sendable, Hashable {
        /// One-step predictions of `y`.
        public var predictions: [Double?]
        /// `y - prediction`.
        public var residuals: [Double?]
    }

    /// The conditional-sum-of-squares result.
    public struct CSS: Sendable, Hashable {
        /// Predictions and residuals; the first `d + p` entries are `nil`.
        public var oneStep: OneStep
        /// `Σ e_t²` over the defined residuals.
        public var sumOfSquares: Double
    }

    /// The d-th difference of `y` (length `max(n - d, 0)`).
    /// - Complexity: O(n·d).
    public static func difference(_ y: [Double], order d: Int) -> [Double] {
        var w = y
        for _ in 0..<max(d, 0) {
            guard w.count > 1 else { return [] }
            w = (1..<w.count).map { w[$0] - w[$0 - 1] }
        }
        return w
    }

    /// The CSS residual recursion on the differenced series.
    ///
    /// `e_t = (w_t - μ) - Σ_i φ_i (w_{t-i} - μ) - Σ_j θ_j e_{t-j}` for `t = p…n-d-1`, with every
    /// `e` of index `< p` taken as 0. On the original index, `resid[t+d] = e_t` and
    /// `pred[t+d] = y[t+d] - e_t`.
    ///
    /// Edge cases: when `n ≤ d + p` every entry is `nil` and the sum of squares is 0.
    ///
    /// - Parameters:
    ///   - y: The observed series, without NaN.
    ///   - d: Differencing order.
    ///   - coefficients: `μ` (used only when `d = 0`), φ and θ.
    /// - Complexity: O(n·(p + q)).
    public static func css(_ y: [Double], d: Int, coefficients: Coefficients) -> CSS {
        let w = difference(y, order: d)
        let mu = d == 0 ? coefficients.mean : 0
        let e = cssResiduals(w, mean: mu, ar: coefficients.ar, ma: coefficients.ma)
        let p = coefficients.ar.count
        var pred = [Double?](repeating: nil, count: y.count)
        var resid = [Double?](repeating: nil, count: y.count)
        var ss = 0.0
        if w.count > p {
            for t in p..<w.count {
                resid[t + d] = e[t]
                pred[t + d] = y[t + d] - e[t]
                ss += e[t] * e[t]
            }
        }
        return CSS(oneStep: OneStep(predictions: pred, residuals: resid), sumOfSquares: ss)
    }

    /// The raw CSS residuals of a (differenced) series; entries before `p` are 0.
    static func cssResiduals(_ w: [Double], mean mu: Double, ar: [Double], ma: [Double]) -> [Double] {
        let p = ar.count
        var e = [Double](repeating: 0, count: w.count)
        guard w.count > p else { return e }
        for t in p..<w.count {
            var v = w[t] - mu
            for (i, phi) in ar.enumerated() { v -= phi * (w[t - i - 1] - mu) }
            for (j, theta) in ma.enumerated() where t - j - 1 >= p { v -= theta * e[t - j - 1] }
            e[t] = v
        }
        return e
    }
}
