extension ARIMA {
    /// A conditional-sum-of-squares fit.
    public struct Estimate: Sendable, Hashable {
        /// The minimizing coefficients (`mean` is 0 when not estimated).
        public var coefficients: Coefficients
        /// `Σ e_t²` at the minimum.
        public var sumOfSquares: Double
        /// `Σ e_t² / (n - d - p)`.
        public var sigma2: Double
    }

    /// Estimates `(μ, φ, θ)` by minimizing the conditional sum of squares of ``css(_:d:coefficients:)``.
    ///
    /// Levenberg–Marquardt on the residual vector `e_p…e_{n-d-1}` with a central-difference
    /// Jacobian, started from `μ = mean(w)`, `φ = θ = 0`; a step is accepted only if it lowers
    /// the sum of squares and keeps the MA polynomial `1 + Σ θ_j z^j` invertible (checked with
    /// the Schur–Cohn step-down recursion), so the result is an invertible local minimum.
    ///
    /// Source: K. Levenberg (1944), D. Marquardt (1963); Box, Jenkins & Reinsel §7.1.
    ///
    /// - Parameters:
    ///   - y: The observed series.
    ///   - p: AR order.
    ///   - d: Differencing order.
    ///   - q: MA order.
    ///   - includeMean: Estimate `μ` (meaningful only when `d = 0`).
    /// - Returns: `nil` when fewer than `p + q + 2` differenced observations remain after the
    ///   first `p`.
    /// - Complexity: O(iterations · (p+q+1) · n·(p+q)).
    public static func estimateCSS(_ y: [Double], p: Int, d: Int, q: Int, includeMean: Bool) -> Estimate? {
        let w = difference(y, order: d)
        let useMean = includeMean && d == 0
        let k = (useMean ? 1 : 0) + p + q
        guard w.count - p >= k + 2 else { return nil }
        func unpack(_ x: [Double]) -> Coefficients {
            let off = useMean ? 1 : 0
            return Coefficients(
                mean: useMean ? x[0] : 0,
                ar: Array(x[off..<(off + p)]),
                ma: Array(x[(off + p)..<(off + p + q)])
            )
        }
        func residuals(_ x: [Double]) -> [Double] {
            let c = unpack(x)
            return Array(cssResiduals(w, mean: c.mean, ar: c.ar, ma: c.ma).dropFirst(p))
        }
        func sumSq(_ r: [Double]) -> Double { r.reduce(0) { $0 + $1 * $1 } }

        var x = [Double](repeating: 0, count: k)
        if useMean { x[0] = w.reduce(0, +) / Double(w.count) }
        var r = residuals(x)
        var ss = sumSq(r)
        var lambda = 1e-3
        for _ in 0..<500 {
            // Central-difference Jacobian.
            var jac = [[Double]](repeating: [], count: k)
            for i in 0..<k {
                let h = 1e-6 * max(1, abs(x[i]))
                var xp = x
                var xm = x
                xp[i] += h
                xm[i] -= h
                let rp = residuals(xp)
                let rm = residuals(xm)
                jac[i] = zip(rp, rm).map { ($0 - $1) / (2 * h) }
            }
            var jtj = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            var jtr = [Double](repeating: 0, count: k)
            for i in 0..<k {
                for j in i..<k {
                    var s = 0.0
                    for t in r.indices { s += jac[i][t] * jac[j][t] }
                    jtj[i][j] = s
                    jtj[j][i] = s
                }
                var s = 0.0
                for t in r.indices { s += jac[i][t] * r[t] }
                jtr[i] = s
            }
            var improved = false
            var converged = false
            for _ in 0..<60 {
                var a = jtj
                for i in 0..<k { a[i][i] += lambda * max(jtj[i][i], 1e-12) }
                guard let delta = LinearAlgebra.solve(a, jtr.map { -$0 }) else {
                    lambda *= 10
                    continue
                }
                let candidate = zip(x, delta).map { $0 + $1 }
                let cand = unpack(candidate)
                if Polynomial.isInvertibleMA(cand.ma) {
                    let rc = residuals(candidate)
                    let sc = sumSq(rc)
                    if sc < ss {
                        let stepSize = zip(delta, candidate).map { abs($0) / max(1, abs($1)) }.max() ?? 0
                        converged = (ss - sc) <= 1e-15 * ss || stepSize < 1e-12
                        x = candidate
                        r = rc
                        ss = sc
                        lambda = max(lambda / 10, 1e-12)
                        improved = true
                        break
                    }
                }
                lambda *= 10
            }
            if !improved || converged { break }
        }
        let coefficients = unpack(x)
        return Estimate(coefficients: coefficients, sumOfSquares: ss, sigma2: ss / Double(w.count - p))
    }
}
