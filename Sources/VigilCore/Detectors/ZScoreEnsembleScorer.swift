/// Several causal z-scores of a series, combined by their maximum: the ensemble `vigil bench nab` tunes.
///
/// At row `i`, with `μ_W`, `σ_W` the mean and sample standard deviation of the `W` rows before `i`:
///
/// - **level**: `|x_i − μ_W| / σ_W` over the long window `W = long`;
/// - **local** (when `short > 0`): the same over the `short` rows before `i`, for spikes on a drifting level;
/// - **jump** (when `jump` is true): the same for the first difference `x_i − x_{i−1}` over the
///   long window of earlier differences, for a step that stays inside the usual range;
/// - **shift** (when `shift > 0`): the mean of the last `shift` rows against the long window
///   before them, in standard errors `σ_W / √shift`, scaled by `shiftWeight`, for a small but
///   lasting change of level.
///
/// Each z-score needs `minimumHistory` rows of history (30 by default) and a positive σ (a constant history scores any
/// change at a large finite value). The score is the largest of them.
///
/// **Seasonal lags** (when `lag > 0`, and optionally `lag2`): the same z-scores are also
/// computed on the seasonal-naive residuals `x_i − x_{i−p}`, `p = lag / step` rows with `step`
/// the series' most common gap, and at each row the candidate series (the values or a
/// residual) whose standard deviation over the long window has been smallest is used; the
/// values must be beaten by the factor `steadier`. A daily or weekly pattern then stops
/// looking anomalous once a lag of history explains it, while a series without one keeps
/// its plain z-scores.
public struct ZScoreEnsembleScorer: StreamingScorer {
    public var long: Int
    public var short: Int
    public var jump: Bool
    public var shift: Int
    public var shiftWeight: Double
    /// A seasonal lag in seconds (0: none).
    public var lag: Int64
    /// A second seasonal lag in seconds (0: none).
    public var lag2: Int64
    /// The residuals replace the values where their standard deviation is below `steadier` times the values'.
    public var steadier: Double
    /// Rows of history a z-score needs (and a residual series before it can be chosen).
    public var minimumHistory: Int
    /// When positive, the long window in seconds instead of `long` rows (`longSeconds / step` rows).
    public var longSeconds: Int64

    public init(
        long: Int = 6400,
        short: Int = 0,
        jump: Bool = false,
        shift: Int = 0,
        shiftWeight: Double = 1,
        lag: Int64 = 0,
        lag2: Int64 = 0,
        steadier: Double = 1,
        minimumHistory: Int = 30,
        longSeconds: Int64 = 0
    ) {
        self.longSeconds = longSeconds
        self.minimumHistory = max(2, minimumHistory)
        precondition(long >= 2 && short >= 0 && shift >= 0 && lag >= 0 && lag2 >= 0, "sizes must not be negative")
        self.steadier = steadier
        self.lag = lag
        self.lag2 = lag2
        self.long = long
        self.short = short
        self.jump = jump
        self.shift = shift
        self.shiftWeight = shiftWeight
    }

    public func scores(values: [Double], times: [Int64]) -> [Double] {
        guard longSeconds > 0 else { return scoresWithRows(values: values, times: times) }
        var rows = self
        rows.long = max(2, Int((Double(longSeconds) / Double(SeasonalResidualScorer.commonStep(times))).rounded()))
        rows.longSeconds = 0
        return rows.scoresWithRows(values: values, times: times)
    }

    func scoresWithRows(values: [Double], times: [Int64]) -> [Double] {
        let lags = [lag, lag2].filter { $0 > 0 }
        guard !lags.isEmpty else { return plainScores(values: values) }
        // Seasonal naive: the change from the same phase one lag earlier (`lag / step` rows back).
        let step = SeasonalResidualScorer.commonStep(times)
        var candidates = [values]
        for l in lags {
            let p = max(1, Int((Double(l) / Double(step)).rounded()))
            var residuals = [Double](repeating: .nan, count: values.count)
            for i in p..<max(p, values.count) { residuals[i] = values[i] - values[i - p] }
            candidates.append(residuals)
        }
        let scored = candidates.map { plainScores(values: $0) }
        // At each row, the candidate that has been steadiest over the long window (residuals
        // must beat the values by the factor `steadier`).
        var moments = candidates.map { _ in RollingMoments(window: long) }
        var out = scored[0]
        for i in values.indices {
            var best = 0
            var bestSD = moments[0].meanAndSD?.sd ?? .infinity
            for c in 1..<candidates.count where moments[c].count >= minimumHistory {
                if let sd = moments[c].meanAndSD?.sd, sd < bestSD * (best == 0 ? steadier : 1) {
                    best = c
                    bestSD = sd
                }
            }
            out[i] = scored[best][i]
            for c in candidates.indices { moments[c].append(candidates[c][i]) }
        }
        return out
    }

    func plainScores(values: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: values.count)
        var level = RollingMoments(window: long)
        var local = RollingMoments(window: max(2, short))
        var jumps = RollingMoments(window: long)
        var lagged = RollingMoments(window: long)  // the long window that ends `shift` rows back
        var recent: [Double] = []
        var recentSum = 0.0
        var previous: Double?
        func z(_ x: Double, _ m: RollingMoments) -> Double {
            guard m.count >= minimumHistory, let (mean, sd) = m.meanAndSD else { return 0 }
            return abs(x - mean) / positiveScale(sd, level: mean)
        }
        for (i, x) in values.enumerated() {
            guard !x.isNaN else { continue }
            var s = z(x, level)
            if short > 0 { s = max(s, z(x, local)) }
            if jump, let p = previous { s = max(s, z(x - p, jumps)) }
            if shift > 0 {
                recent.append(x)
                recentSum += x
                if recent.count > shift { recentSum -= recent.removeFirst() }
                if recent.count == shift, lagged.count >= 30, let (mean, sd) = lagged.meanAndSD {
                    let se = positiveScale(sd, level: mean) / Double(shift).squareRoot()
                    s = max(s, shiftWeight * abs(recentSum / Double(shift) - mean) / se)
                }
                if i >= shift, !values[i - shift].isNaN { lagged.append(values[i - shift]) }
            }
            out[i] = cleanScore(s)
            level.append(x)
            if short > 0 { local.append(x) }
            if jump, let p = previous { jumps.append(x - p) }
            previous = x
        }
        return out
    }
}
