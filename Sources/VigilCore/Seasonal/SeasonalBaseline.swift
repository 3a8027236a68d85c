/// The expected value of a metric over time, fitted on its history, so that an anomaly detector
/// can run on the residual `value - expected` instead of the raw series.
///
/// **Profile** (``SeasonalMethod/profile``): a ``SeasonalProfile`` with 5-minute buckets and
/// at least 3 points per bucket; the period must be a day (86,400 s) or a week (604,800 s).
/// The expectation is the bucket median, and NaN where the bucket had too few points.
///
/// **STL and Holt–Winters**: the history is first put on a coarser grid when a period would
/// span more than 288 samples. With `k` the smallest integer with `period / (k·step) ≤ 288`
/// that divides `period / step`, buckets of width `w = k·step` aligned to Unix time 0 take the
/// median of their present points (NaN when none), so `m = period / w` samples form one cycle
/// (1-minute data with a daily period gives 5-minute buckets, `m = 288`). Leading and trailing
/// empty buckets are dropped, then missing buckets are filled by linear interpolation between
/// the nearest present ones. The fit needs at least two cycles (`2m` buckets) after that.
///
/// - STL (``STL`` with its defaults: seasonal window 7, no robustness passes): for a bucket
///   inside the history the expectation is `trend + seasonal` there; for a later bucket it is
///   the last trend value plus the seasonal component at the same phase in the last full
///   cycle (the last `m` buckets).
/// - Holt–Winters (``HoltWinters/fitted(to:period:)``): inside the history the one-step fitted
///   values; later, the `h`-step forecast `l_n + h·b_n + s_{n-m+((h-1) mod m)}` for the bucket
///   `h` steps after the last one.
///
/// A requested time maps to the bucket that contains it (the nearest bucket centre), so the
/// expectation is piecewise constant over each bucket. Times before the first used bucket are
/// unknown (NaN).
public struct SeasonalBaseline: Sendable, Hashable, Codable {
    /// The model that produced this baseline.
    public var method: SeasonalMethod
    /// The seasonal period in seconds.
    public var period: Int64
    private var model: Model

    private enum Model: Sendable, Hashable, Codable {
        case profile(SeasonalProfile)
        case grid(GridForecast)
    }

    /// The expectation on a bucket grid: in-sample values, then a level, slope and cycle.
    private struct GridForecast: Sendable, Hashable, Codable {
        /// Index of the first bucket (`floor(time / width)`).
        var firstBucket: Int64
        /// The bucket width in seconds.
        var width: Int64
        /// The expectation of each history bucket.
        var inSample: [Double]
        /// The value `h` buckets after the history is `level + h·slope + cycle[(h-1) mod m]`.
        var level: Double
        var slope: Double
        var cycle: [Double]

        func value(at t: Int64) -> Double {
            let j = SeasonalBaseline.floorDivision(t, width) - firstBucket
            if j < 0 { return .nan }
            if j < Int64(inSample.count) { return inSample[Int(j)] }
            let h = j - Int64(inSample.count) + 1
            return level + Double(h) * slope + cycle[Int((h - 1) % Int64(cycle.count))]
        }
    }

    /// The maximum number of samples in one period for STL and Holt–Winters.
    public static let maximumSamplesPerPeriod: Int64 = 288

    /// Fits a baseline of `method` to `history`.
    ///
    /// - Parameters:
    ///   - method: The model.
    ///   - history: The metric's history; NaN marks a missing point.
    ///   - period: The seasonal period in seconds (default one day).
    /// - Returns: The baseline, or `nil` when it cannot be fitted: for the profile, a period
    ///   other than a day or a week, or no bucket with 3 points; for STL and Holt–Winters, a
    ///   period that is not a multiple of the history's step or shorter than two buckets, or
    ///   fewer than two periods between the first and last present bucket.
    /// - Complexity: Profile O(n log n); STL O(n·m); Holt–Winters O(n) per evaluation of a few
    ///   thousand, for n history buckets.
    public static func fit(
        _ method: SeasonalMethod,
        history: RegularSeries,
        period: Int64 = 86_400
    ) -> SeasonalBaseline? {
        guard period > 0 else { return nil }
        switch method {
        case .profile:
            guard let cycle = SeasonalProfile.Period(seconds: period),
                let profile = SeasonalProfile.fit(history, period: cycle)
            else { return nil }
            return SeasonalBaseline(method: method, period: period, model: .profile(profile))
        case .stl, .holtWinters:
            guard let grid = gridForecast(method, history: history, period: period) else { return nil }
            return SeasonalBaseline(method: method, period: period, model: .grid(grid))
        }
    }

    /// The expected value at each of `times` (Unix seconds), NaN where it is unknown.
    /// - Complexity: O(times.count).
    public func expected(at times: [Int64]) -> [Double] {
        switch model {
        case .profile(let profile): times.map { profile.expected(at: $0) ?? .nan }
        case .grid(let grid): times.map { grid.value(at: $0) }
        }
    }

    /// `series` minus its expectation, on the same grid; NaN where the value or the
    /// expectation is missing.
    /// - Complexity: O(series.count).
    public func residuals(of series: RegularSeries) -> RegularSeries {
        let expected = expected(at: series.values.indices.map { series.time(at: $0) })
        let values = zip(series.values, expected).map { v, e in v.isNaN || e.isNaN ? Double.nan : v - e }
        return RegularSeries(start: series.start, step: series.step, values: values)
    }

    private static func gridForecast(_ method: SeasonalMethod, history: RegularSeries, period: Int64) -> GridForecast? {
        let step = history.step
        guard period % step == 0, !history.values.isEmpty else { return nil }
        let samplesPerPeriod = period / step
        var k = max(1, (samplesPerPeriod + maximumSamplesPerPeriod - 1) / maximumSamplesPerPeriod)
        while samplesPerPeriod % k != 0 { k += 1 }
        let width = k * step
        let m = Int(samplesPerPeriod / k)
        guard m >= 2 else { return nil }

        // Median of each bucket's present points.
        let first = floorDivision(history.start, width)
        let last = floorDivision(history.end, width)
        var samples = [[Double]](repeating: [], count: Int(last - first + 1))
        for (i, v) in history.values.enumerated() where !v.isNaN {
            samples[Int(floorDivision(history.time(at: i), width) - first)].append(v)
        }
        let medians = samples.map { Quantile.linear($0, p: 0.5) ?? .nan }
        guard let lo = medians.firstIndex(where: { !$0.isNaN }),
            let hi = medians.lastIndex(where: { !$0.isNaN }),
            hi - lo + 1 >= 2 * m,
            let y = GapFilling.linearlyInterpolated(Array(medians[lo...hi]))
        else { return nil }
        let n = y.count
        let firstBucket = first + Int64(lo)

        switch method {
        case .stl:
            guard let d = STL(period: m).decompose(y) else { return nil }
            return GridForecast(
                firstBucket: firstBucket,
                width: width,
                inSample: zip(d.trend, d.seasonal).map { $0 + $1 },
                level: d.trend[n - 1],
                slope: 0,
                cycle: Array(d.seasonal[(n - m)..<n])
            )
        case .holtWinters:
            guard let model = HoltWinters.fitted(to: y, period: m) else { return nil }
            let fit = model.fit(y)
            return GridForecast(
                firstBucket: firstBucket,
                width: width,
                inSample: fit.fittedValues,
                level: fit.finalLevel,
                slope: fit.finalTrend,
                cycle: fit.finalSeasonal
            )
        case .profile:
            return nil
        }
    }

    /// `floor(a / b)` for positive `b`.
    fileprivate static func floorDivision(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return a % b != 0 && a < 0 ? q - 1 : q
    }
}
