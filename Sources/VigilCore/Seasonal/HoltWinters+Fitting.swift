extension HoltWinters {
    /// Fits the smoothing parameters and initial states of an additive Holt–Winters model.
    ///
    /// Initial states come from the first two seasons: `l_0` is the mean of season 1,
    /// `b_0 = (mean of season 2 - mean of season 1) / period` and `s_i` is the i-th value of
    /// season 1 minus its mean. With these fixed, `α`, `β`, `γ ∈ [0, 1]` minimize the sum of
    /// squared one-step residuals of ``fit(_:)`` (the least-squares criterion of
    /// Hyndman & Athanasopoulos §8.3 and of statsmodels' `ExponentialSmoothing`). The search is
    /// deterministic: every point of a coarse grid (α, γ ∈ {0.05, 0.2, 0.4, 0.6, 0.8, 0.95},
    /// β ∈ {0, 0.01, 0.05, 0.15, 0.4}) is evaluated, then a Nelder–Mead simplex, projected onto
    /// the unit cube, starts from each of the three best grid points and the best result wins.
    /// A parameter choice whose residuals overflow counts as infinitely bad.
    ///
    /// Missing values (NaN) are first filled by linear interpolation between the nearest
    /// present neighbours (leading and trailing gaps take the nearest present value); the
    /// fitted model therefore describes the filled series.
    ///
    /// Source: J. A. Nelder and R. Mead, "A Simplex Method for Function Minimization",
    /// The Computer Journal 7(4), 1965.
    ///
    /// - Parameters:
    ///   - y: The series, oldest first; NaN marks a missing value.
    ///   - period: The seasonal period `m` in samples.
    /// - Returns: The fitted model, or `nil` when `period < 1`, `y` has fewer than two full
    ///   seasons, or no value is present.
    /// - Complexity: O(n) per evaluation, a few hundred to a few thousand evaluations.
    public static func fitted(to y: [Double], period: Int) -> HoltWinters? {
        guard period >= 1, y.count >= 2 * period, let filled = GapFilling.linearlyInterpolated(y) else { return nil }
        let m = Double(period)
        let season1 = filled[0..<period]
        let season2 = filled[period..<(2 * period)]
        let mean1 = season1.reduce(0, +) / m
        let mean2 = season2.reduce(0, +) / m
        let level = mean1
        let trend = (mean2 - mean1) / m
        let seasonal = season1.map { $0 - mean1 }
        let objective = { (p: [Double]) -> Double in
            sumOfSquares(filled, alpha: p[0], beta: p[1], gamma: p[2], level: level, trend: trend, seasonal: seasonal)
        }

        var candidates: [(point: [Double], value: Double)] = []
        for alpha in [0.05, 0.2, 0.4, 0.6, 0.8, 0.95] {
            for beta in [0, 0.01, 0.05, 0.15, 0.4] {
                for gamma in [0.05, 0.2, 0.4, 0.6, 0.8, 0.95] {
                    let point = [alpha, beta, gamma]
                    candidates.append((point, objective(point)))
                }
            }
        }
        // A stable ordering keeps the choice deterministic among ties.
        let ranked = candidates.enumerated().sorted { a, b in
            a.element.value < b.element.value || (a.element.value == b.element.value && a.offset < b.offset)
        }
        var best = ranked[0].element
        for start in ranked.prefix(3) {
            let result = UnitCubeNelderMead.minimize(objective, from: start.element.point)
            if result.value < best.value { best = result }
        }
        return HoltWinters(
            alpha: best.point[0],
            beta: best.point[1],
            gamma: best.point[2],
            initialLevel: level,
            initialTrend: trend,
            initialSeasonal: seasonal
        )
    }

    /// The SSE of ``fit(_:)`` without building the fit; `+∞` when it is not finite.
    private static func sumOfSquares(
        _ y: [Double],
        alpha: Double,
        beta: Double,
        gamma: Double,
        level: Double,
        trend: Double,
        seasonal: [Double]
    ) -> Double {
        let m = seasonal.count
        var season = seasonal
        var l = level
        var b = trend
        var sse = 0.0
        for (t, value) in y.enumerated() {
            let s = season[t % m]
            let residual = value - (l + b + s)
            sse += residual * residual
            let newLevel = alpha * (value - s) + (1 - alpha) * (l + b)
            let newTrend = beta * (newLevel - l) + (1 - beta) * b
            season[t % m] = gamma * (value - l - b) + (1 - gamma) * s
            l = newLevel
            b = newTrend
        }
        return sse.isFinite ? sse : .infinity
    }
}

/// Nelder–Mead minimization inside the unit cube `[0, 1]^d`.
enum UnitCubeNelderMead {
    /// Minimizes `f` from `start` with reflection 1, expansion 2, contraction ½ and shrink ½;
    /// every trial point is clamped to `[0, 1]` per coordinate. Stops after `maxIterations`,
    /// when the simplex is narrower than `1e-7` in every coordinate, or when all its values
    /// agree to a relative `1e-12`.
    static func minimize(
        _ f: ([Double]) -> Double,
        from start: [Double],
        initialStep: Double = 0.1,
        maxIterations: Int = 600
    ) -> (point: [Double], value: Double) {
        let d = start.count
        let clamp = { (x: [Double]) -> [Double] in x.map { min(max($0, 0), 1) } }
        var simplex: [[Double]] = [clamp(start)]
        for i in 0..<d {
            var x = simplex[0]
            x[i] += (x[i] + initialStep <= 1) ? initialStep : -initialStep
            simplex.append(clamp(x))
        }
        var values = simplex.map(f)
        for _ in 0..<maxIterations {
            let order = values.indices.sorted { values[$0] < values[$1] || (values[$0] == values[$1] && $0 < $1) }
            simplex = order.map { simplex[$0] }
            values = order.map { values[$0] }
            let best = values[0]
            let worst = values[d]
            var width = 0.0
            for i in 0..<d {
                let coordinates = simplex.map { $0[i] }
                width = max(width, (coordinates.max() ?? 0) - (coordinates.min() ?? 0))
            }
            if width < 1e-7 || worst - best <= 1e-12 * abs(best) { break }
            var centroid = [Double](repeating: 0, count: d)
            for x in simplex.dropLast() {
                for i in 0..<d { centroid[i] += x[i] / Double(d) }
            }
            let toward = { (x: [Double], c: Double) -> [Double] in
                clamp((0..<d).map { centroid[$0] + c * (x[$0] - centroid[$0]) })
            }
            let reflected = toward(simplex[d], -1)
            let fr = f(reflected)
            if fr < best {
                let expanded = toward(simplex[d], -2)
                let fe = f(expanded)
                if fe < fr {
                    simplex[d] = expanded
                    values[d] = fe
                } else {
                    simplex[d] = reflected
                    values[d] = fr
                }
                continue
            }
            if fr < values[d - 1] {
                simplex[d] = reflected
                values[d] = fr
                continue
            }
            let contracted = fr < worst ? toward(reflected, 0.5) : toward(simplex[d], 0.5)
            let fc = f(contracted)
            if fc < min(fr, worst) {
                simplex[d] = contracted
                values[d] = fc
                continue
            }
            for k in 1...d {
                simplex[k] = clamp((0..<d).map { simplex[0][$0] + 0.5 * (simplex[k][$0] - simplex[0][$0]) })
                values[k] = f(simplex[k])
            }
        }
        let bestIndex = values.indices.min { values[$0] < values[$1] } ?? 0
        return (simplex[bestIndex], values[bestIndex])
    }
}
