extension ARIMA {
    /// The variance statsmodels gives approximately diffuse states (`initial_variance`).
    public static let approximateDiffuseVariance = 1e6

    /// One-step predictions from the Kalman filter, as statsmodels'
    /// `ARIMA(order).filter(params).fittedvalues`.
    ///
    /// The state is `(Δ⁰y_{t-1}, …, Δ^{d-1}y_{t-1}, u_t)`: `y_t = Σ_i Δ^i y_{t-1} + u_t[0]` and
    /// `Δ^i y_t = Σ_{k≥i} Δ^k y_{t-1} + u_t[0]`, where `u` is the ARMA part of the differenced
    /// series in Harvey's form (`r = max(p, q+1)`, `φ` in the first column of the transition,
    /// identity superdiagonal, selection `(1, θ_1, …, θ_{r-1})`). The ARMA block starts from
    /// its stationary covariance `P_0 = T P_0 Tᵀ + R Rᵀ`; the `d` integrated states start at 0
    /// with variance ``approximateDiffuseVariance`` (statsmodels' SARIMAX default, which the
    /// reference values reproduce; filtering the differenced series instead, which is what an
    /// exact-diffuse start amounts to, misses them by up to about `y²/10⁶` in the first few
    /// predictions). `σ²` cancels. The first `d` entries are `nil`.
    ///
    /// Source: J. Durbin and S. J. Koopman, *Time Series Analysis by State Space Methods*, 2nd
    /// ed., §3.4 and §5.6; A. C. Harvey, *Forecasting, Structural Time Series Models and the
    /// Kalman Filter*, 1989; statsmodels `tsa/statespace/sarimax.py`.
    ///
    /// - Returns: Predictions and residuals. A non-stationary AR part has no stationary
    ///   initialization and yields all-`nil` output.
    /// - Complexity: O(n·(d+r)³) plus O(r⁶) for the initial covariance.
    public static func kalmanOneStep(_ y: [Double], d: Int, coefficients: Coefficients) -> OneStep {
        var pred = [Double?](repeating: nil, count: y.count)
        var resid = [Double?](repeating: nil, count: y.count)
        let phi = coefficients.ar
        let theta = coefficients.ma
        let mu = d == 0 ? coefficients.mean : 0
        let r = max(phi.count, theta.count + 1)
        var arma = [[Double]](repeating: [Double](repeating: 0, count: r), count: r)
        for i in 0..<r {
            if i < phi.count { arma[i][0] = phi[i] }
            if i + 1 < r { arma[i][i + 1] = 1 }
        }
        var sel = [Double](repeating: 0, count: r)
        sel[0] = 1
        for j in 0..<theta.count { sel[j + 1] = theta[j] }
        let armaQ = (0..<r).map { i in (0..<r).map { j in sel[i] * sel[j] } }
        guard let armaP0 = stationaryCovariance(arma, armaQ) else {
            return OneStep(predictions: pred, residuals: resid)
        }
        let m = d + r
        var tm = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var q = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var cov = [[Double]](repeating: [Double](repeating: 0, count: m), count: m)
        var z = [Double](repeating: 0, count: m)
        for i in 0..<d {
            for k in i..<d { tm[i][k] = 1 }
            tm[i][d] = 1
            z[i] = 1
            cov[i][i] = approximateDiffuseVariance
        }
        z[d] = 1
        for i in 0..<r {
            for j in 0..<r {
                tm[d + i][d + j] = arma[i][j]
                q[d + i][d + j] = armaQ[i][j]
                cov[d + i][d + j] = armaP0[i][j]
            }
        }
        var state = [Double](repeating: 0, count: m)
        for t in y.indices {
            // F = Z P Z', v = y - mu - Z a.
            let pz = (0..<m).map { i in (0..<m).reduce(0.0) { $0 + cov[i][$1] * z[$1] } }
            let f = (0..<m).reduce(0.0) { $0 + z[$1] * pz[$1] }
            let forecast = mu + (0..<m).reduce(0.0) { $0 + z[$1] * state[$1] }
            let v = y[t] - forecast
            if t >= d {
                pred[t] = forecast
                resid[t] = v
            }
            // Update: a|t = a + P Z' v / F, P|t = P - P Z' Z P / F; predict: a = T a|t, P = T P|t T' + Q.
            if f > 0 {
                for i in 0..<m { state[i] += pz[i] * v / f }
                for i in 0..<m {
                    for j in 0..<m { cov[i][j] -= pz[i] * pz[j] / f }
                }
            }
            state = (0..<m).map { i in (0..<m).reduce(0.0) { $0 + tm[i][$1] * state[$1] } }
            let tpt = matmul(matmul(tm, cov), transpose(tm))
            for i in 0..<m {
                for j in 0..<m { cov[i][j] = tpt[i][j] + q[i][j] }
            }
        }
        return OneStep(predictions: pred, residuals: resid)
    }

    /// Solves `P = T P Tᵀ + Q` through `(I - T ⊗ T) vec P = vec Q`.
    private static func stationaryCovariance(_ tm: [[Double]], _ q: [[Double]]) -> [[Double]]? {
        let r = tm.count
        let n = r * r
        var a = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        var b = [Double](repeating: 0, count: n)
        for i in 0..<r {
            for j in 0..<r {
                let row = i * r + j
                b[row] = q[i][j]
                a[row][row] += 1
                for k in 0..<r {
                    for l in 0..<r { a[row][k * r + l] -= tm[i][k] * tm[j][l] }
                }
            }
        }
        guard let x = LinearAlgebra.solve(a, b) else { return nil }
        return (0..<r).map { i in (0..<r).map { j in x[i * r + j] } }
    }

    private static func matmul(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        let n = a.count
        let m = b.first?.count ?? 0
        return (0..<n).map { i in
            (0..<m).map { j in
                var s = 0.0
                for k in 0..<b.count { s += a[i][k] * b[k][j] }
                return s
            }
        }
    }

    private static func transpose(_ a: [[Double]]) -> [[Double]] {
        guard let cols = a.first?.count else { return [] }
        return (0..<cols).map { j in a.map { $0[j] } }
    }
}
