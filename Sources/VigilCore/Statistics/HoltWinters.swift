/// Additive Holt–Winters (additive trend, additive season, not damped) with fixed smoothing
/// parameters and known initial states.
///
/// With `α`, `β`, `γ`, period `m`, `l_0`, `b_0` and `s_0…s_{m-1}` (`s_t` is the seasonal term of
/// `y_t`), for `t = 0…n-1`:
///
/// - `ŷ_t = l_t + b_t + s_t`
/// - `l_{t+1} = α(y_t - s_t) + (1-α)(l_t + b_t)`
/// - `b_{t+1} = β(l_{t+1} - l_t) + (1-β) b_t`
/// - `s_{t+m} = γ(y_t - l_t - b_t) + (1-γ) s_t`
///
/// and the h-step forecast is `l_n + h·b_n + s_{n-m+((h-1) mod m)}`.
///
/// Source: R. J. Hyndman and G. Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
/// §8.3 (the component form above, which is what statsmodels' `ExponentialSmoothing` fits).
/// statsmodels 0.15 forecasts differ at horizons that are multiples of `m` (issue #9538); this
/// type implements the textbook forecast.
public struct HoltWinters: Sendable, Hashable {
    /// Smoothing parameter of the level, α.
    public var alpha: Double
    /// Smoothing parameter of the trend, β.
    public var beta: Double
    /// Smoothing parameter of the season, γ.
    public var gamma: Double
    /// Initial level `l_0`.
    public var initialLevel: Double
    /// Initial trend `b_0`.
    public var initialTrend: Double
    /// Initial seasonal terms `s_0…s_{m-1}`; their count is the period `m`.
    public var initialSeasonal: [Double]

    /// The period `m`.
    public var period: Int { initialSeasonal.count }

    /// Creates a model with fixed parameters and initial states.
    /// - Precondition: `initialSeasonal` is not empty.
    public init(
        alpha: Double,
        beta: Double,
        gamma: Double,
        initialLevel: Double,
        initialTrend: Double,
        initialSeasonal: [Double]
    ) {
        precondition(!initialSeasonal.isEmpty, "Holt-Winters needs a seasonal period of at least 1")
        self.alpha = alpha
        self.beta = beta
        self.gamma = gamma
        self.initialLevel = initialLevel
        self.initialTrend = initialTrend
        self.initialSeasonal = initialSeasonal
    }

    /// The in-sample result of running the recursions over a series.
    public struct Fit: Sendable, Hashable {
        /// One-step fitted values `ŷ_t`.
        public var fittedValues: [Double]
        /// `y_t - ŷ_t`.
        public var residuals: [Double]
        /// `level[t] = l_{t+1}`.
        public var level: [Double]
        /// `trend[t] = b_{t+1}`.
        public var trend: [Double]
        /// `season[t] = s_{t+m}`.
        public var season: [Double]
        /// `l_n` (the initial level when the series is empty).
        public var finalLevel: Double
        /// `b_n`.
        public var finalTrend: Double
        /// The last `m` seasonal states `s_n…s_{n+m-1}`, in the order they are used next.
        public var finalSeasonal: [Double]

        /// Sum of squared residuals.
        public var sse: Double { residuals.reduce(0) { $0 + $1 * $1 } }

        /// The textbook h-step forecast `l_n + h·b_n + finalSeasonal[(h-1) mod m]` for `h = 1…steps`.
        /// - Complexity: O(steps).
        public func forecast(steps: Int) -> [Double] {
            let m = finalSeasonal.count
            return (0..<max(steps, 0)).map { k in
                finalLevel + Double(k + 1) * finalTrend + finalSeasonal[k % m]
            }
        }
    }

    /// Runs the recursions over `y`.
    ///
    /// Edge cases: an empty series returns the initial states; a series shorter than `m`
    /// returns `finalSeasonal` made of the updated terms followed by the untouched initial ones.
    /// NaN in `y` propagates.
    ///
    /// - Complexity: O(n + m).
    public func fit(_ y: [Double]) -> Fit {
        let n = y.count
        let m = period
        var seasonal = initialSeasonal
        seasonal.reserveCapacity(n + m)
        var l = initialLevel
        var b = initialTrend
        var fit = Fit(
            fittedValues: [],
            residuals: [],
            level: [],
            trend: [],
            season: [],
            finalLevel: l,
            finalTrend: b,
            finalSeasonal: []
        )
        for t in 0..<n {
            let s = seasonal[t]
            let fitted = l + b + s
            fit.fittedValues.append(fitted)
            fit.residuals.append(y[t] - fitted)
            let newLevel = alpha * (y[t] - s) + (1 - alpha) * (l + b)
            let newTrend = beta * (newLevel - l) + (1 - beta) * b
            let newSeason = gamma * (y[t] - l - b) + (1 - gamma) * s
            seasonal.append(newSeason)
            l = newLevel
            b = newTrend
            fit.level.append(l)
            fit.trend.append(b)
            fit.season.append(newSeason)
        }
        fit.finalLevel = l
        fit.finalTrend = b
        fit.finalSeasonal = Array(seasonal[n..<(n + m)])
        return fit
    }
}
