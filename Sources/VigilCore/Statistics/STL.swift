/// Seasonal–trend decomposition by loess (STL).
///
/// A port of the netlib Fortran `stl.f` (as in statsmodels' `STL`) with every jump equal to 1,
/// so loess is evaluated at every point. Starting from `trend = 0` and unit robustness weights,
/// `outerIterations + 1` passes each run `innerIterations` times:
///
/// 1. `d = y - trend`;
/// 2. each cycle-subseries of `d` is smoothed by loess (`seasonalWindow`, `seasonalDegree`) and
///    extrapolated by one point at each end, giving `C` of length `n + 2·period`;
/// 3. `L` = moving averages of lengths `period`, `period`, 3 of `C`, then loess
///    (`lowPassWindow`, `lowPassDegree`, unweighted);
/// 4. `seasonal = C[period ..< period+n] - L`;
/// 5. `trend = loess(y - seasonal)` (`trendWindow`, `trendDegree`).
///
/// Between passes the robustness weights are bisquare, `(1 - (r/h)²)²` with `r = |y - trend -
/// seasonal|` and `h = 6·median(r)` (1 when `r ≤ 0.001h`, 0 when `r > 0.999h`, all 1 when
/// `h = 0`). Loess uses tricube weights on the window `[nleft, nright]` with bandwidth
/// `h = max(x - nleft, nright - x)` (plus `(len-n)/2` when the window exceeds the series).
///
/// Source: R. B. Cleveland, W. S. Cleveland, J. E. McRae and I. Terpenning, "STL: A
/// Seasonal-Trend Decomposition Procedure Based on Loess", Journal of Official Statistics 6(1),
/// 1990; netlib `stl.f`; statsmodels `tsa/stl/_stl.pyx`.
public struct STL: Sendable, Hashable {
    /// Length of the seasonal cycle, ≥ 2.
    public var period: Int
    /// Loess window of the cycle-subseries smoothing (odd, ≥ 3).
    public var seasonalWindow: Int
    /// Loess window of the trend smoothing (odd, > period).
    public var trendWindow: Int
    /// Loess window of the low-pass filter (odd, > period).
    public var lowPassWindow: Int
    /// Local polynomial degree (0 or 1) of the seasonal loess.
    public var seasonalDegree: Int
    /// Local polynomial degree (0 or 1) of the trend loess.
    public var trendDegree: Int
    /// Local polynomial degree (0 or 1) of the low-pass loess.
    public var lowPassDegree: Int
    /// Number of inner passes.
    public var innerIterations: Int
    /// Number of robustness passes; robustness weights are used exactly when this is > 0.
    public var outerIterations: Int

    /// Creates a decomposition with explicit settings.
    ///
    /// - Parameters:
    ///   - trendWindow: Defaults to statsmodels' `ceil(1.5·period / (1 - 1.5/seasonalWindow))`,
    ///     made odd.
    ///   - lowPassWindow: Defaults to `period + 1`, plus 1 if even.
    /// - Precondition: `period ≥ 2`, windows ≥ 3, degrees in {0, 1}.
    public init(
        period: Int,
        seasonalWindow: Int = 7,
        trendWindow: Int? = nil,
        lowPassWindow: Int? = nil,
        seasonalDegree: Int = 1,
        trendDegree: Int = 1,
        lowPassDegree: Int = 1,
        innerIterations: Int = 2,
        outerIterations: Int = 0
    ) {
        precondition(period >= 2, "STL period must be at least 2")
        precondition(seasonalWindow >= 3, "STL seasonal window must be at least 3")
        precondition([seasonalDegree, trendDegree, lowPassDegree].allSatisfy { $0 == 0 || $0 == 1 })
        self.period = period
        self.seasonalWindow = seasonalWindow
        if let trendWindow {
            self.trendWindow = trendWindow
        } else {
            var nt = Int((1.5 * Double(period) / (1 - 1.5 / Double(seasonalWindow))).rounded(.up))
            if nt % 2 == 0 { nt += 1 }
            self.trendWindow = nt
        }
        if let lowPassWindow {
            self.lowPassWindow = lowPassWindow
        } else {
            self.lowPassWindow = period % 2 == 0 ? period + 1 : period + 2
        }
        self.seasonalDegree = seasonalDegree
        self.trendDegree = trendDegree
        self.lowPassDegree = lowPassDegree
        self.innerIterations = innerIterations
        self.outerIterations = outerIterations
    }

    /// The components of a decomposition.
    public struct Decomposition: Sendable, Hashable {
        /// The seasonal component.
        public var seasonal: [Double]
        /// The trend component.
        public var trend: [Double]
        /// `y - seasonal - trend`.
        public var resid: [Double]
        /// The robustness weights used in the final pass (all 1 when `outerIterations = 0`).
        public var robustWeights: [Double]
    }

    /// Decomposes `y`.
    ///
    /// Edge cases: a constant series gives `seasonal = 0` and `trend = y` up to rounding; a
    /// series shorter than two periods is still processed (each subseries has at least one
    /// point), but the seasonal estimate is then poorly determined. NaN is not supported and
    /// propagates.
    ///
    /// - Returns: `nil` when `y` is empty.
    /// - Complexity: O((inner·(outer+1)) · n · (seasonalWindow + trendWindow + lowPassWindow)).
    public func decompose(_ y: [Double]) -> Decomposition? {
        let n = y.count
        guard n > 0 else { return nil }
        var trend = [Double](repeating: 0, count: n)
        var seasonal = [Double](repeating: 0, count: n)
        var rw = [Double](repeating: 1, count: n)
        var useWeights = false
        var pass = 0
        while true {
            innerLoop(y, rw: rw, useWeights: useWeights, seasonal: &seasonal, trend: &trend)
            pass += 1
            if pass > outerIterations { break }
            rw = Self.robustnessWeights(y, fit: (0..<n).map { trend[$0] + seasonal[$0] })
            useWeights = true
        }
        if outerIterations <= 0 {
            rw = [Double](repeating: 1, count: n)
        }
        let resid = (0..<n).map { y[$0] - seasonal[$0] - trend[$0] }
        return Decomposition(seasonal: seasonal, trend: trend, resid: resid, robustWeights: rw)
    }

    /// `stlstp`: the inner loop.
    private func innerLoop(
        _ y: [Double],
        rw: [Double],
        useWeights: Bool,
        seasonal: inout [Double],
        trend: inout [Double]
    ) {
        let n = y.count
        let np = period
        for _ in 0..<innerIterations {
            let detrended = (0..<n).map { y[$0] - trend[$0] }
            let cycle = subseriesSmooth(detrended, rw: rw, useWeights: useWeights)
            let filtered = Self.movingAverage(
                Self.movingAverage(Self.movingAverage(cycle, length: np), length: np),
                length: 3
            )
            let low = Self.loess(filtered, window: lowPassWindow, degree: lowPassDegree, rw: nil)
            for i in 0..<n { seasonal[i] = cycle[np + i] - low[i] }
            let deseasonalized = (0..<n).map { y[$0] - seasonal[$0] }
            trend = Self.loess(deseasonalized, window: trendWindow, degree: trendDegree, rw: useWeights ? rw : nil)
        }
    }

    /// `stlss`: loess on each cycle-subseries, with one extrapolated point at each end.
    private func subseriesSmooth(_ d: [Double], rw: [Double], useWeights: Bool) -> [Double] {
        let n = d.count
        let np = period
        let ns = seasonalWindow
        var out = [Double](repeating: 0, count: n + 2 * np)
        var scratch = [Double](repeating: 0, count: n / np + 3)
        for j in 0..<np where j < n {
            let positions = Array(stride(from: j, to: n, by: np))
            let k = positions.count
            let sub = positions.map { d[$0] }
            let subWeights: [Double]? = useWeights ? positions.map { rw[$0] } : nil
            var smooth = [Double](repeating: 0, count: k + 2)
            let inner = Self.loess(sub, window: ns, degree: seasonalDegree, rw: subWeights)
            for i in 0..<k { smooth[i + 1] = inner[i] }
            let right = min(ns, k)
            smooth[0] =
                Self.estimate(
                    sub,
                    window: ns,
                    degree: seasonalDegree,
                    at: 0,
                    left: 1,
                    right: right,
                    rw: subWeights,
                    w: &scratch
                ) ?? smooth[1]
            let left = max(1, k - ns + 1)
            smooth[k + 1] =
                Self.estimate(
                    sub,
                    window: ns,
                    degree: seasonalDegree,
                    at: Double(k + 1),
                    left: left,
                    right: k,
                    rw: subWeights,
                    w: &scratch
                ) ?? smooth[k]
            for m in 0..<(k + 2) { out[m * np + j] = smooth[m] }
        }
        return out
    }

    /// `stlma`: moving average of `length` by a running sum; the result has `count - length + 1` points.
    static func movingAverage(_ x: [Double], length: Int) -> [Double] {
        let outCount = x.count - length + 1
        guard outCount > 0 else { return [] }
        let flen = Double(length)
        var v = 0.0
        for i in 0..<length { v += x[i] }
        var out = [Double](repeating: 0, count: outCount)
        out[0] = v / flen
        if outCount > 1 {
            for j in 1..<outCount {
                v = v - x[j - 1] + x[j + length - 1]
                out[j] = v / flen
            }
        }
        return out
    }

    /// `stless` with jump 1: loess of `y` evaluated at every position (1-based `1…n`).
    static func loess(_ y: [Double], window len: Int, degree: Int, rw: [Double]?) -> [Double] {
        let n = y.count
        var out = [Double](repeating: 0, count: n)
        guard n >= 2 else {
            if n == 1 { out[0] = y[0] }
            return out
        }
        var w = [Double](repeating: 0, count: n + 1)
        if len >= n {
            for i in 1...n {
                out[i - 1] =
                    estimate(y, window: len, degree: degree, at: Double(i), left: 1, right: n, rw: rw, w: &w)
                    ?? y[i - 1]
            }
            return out
        }
        let half = (len + 1) / 2
        // Without robustness weights, a window centred on its point has the same normalized
        // tricube weights everywhere, and a degree-1 fit adds nothing to them (the weighted mean
        // position is the point itself): apply them there as a fixed filter. The sums differ
        // from `estimate`'s only by rounding.
        let kernel = rw == nil && len % 2 == 1 ? centredKernel(window: len) : []
        var left = 1
        var right = len
        for i in 1...n {
            if i > half && right != n {
                left += 1
                right += 1
            }
            if !kernel.isEmpty && i - left == right - i {
                out[i - 1] = kernel.withUnsafeBufferPointer { k in
                    y.withUnsafeBufferPointer { v in
                        // Four partial sums, so the additions do not wait on one another.
                        let base = left - 1
                        var s0 = 0.0
                        var s1 = 0.0
                        var s2 = 0.0
                        var s3 = 0.0
                        var j = 0
                        while j + 4 <= len {
                            s0 += k[j] * v[base + j]
                            s1 += k[j + 1] * v[base + j + 1]
                            s2 += k[j + 2] * v[base + j + 2]
                            s3 += k[j + 3] * v[base + j + 3]
                            j += 4
                        }
                        while j < len {
                            s0 += k[j] * v[base + j]
                            j += 1
                        }
                        return (s0 + s1) + (s2 + s3)
                    }
                }
                continue
            }
            out[i - 1] =
                estimate(y, window: len, degree: degree, at: Double(i), left: left, right: right, rw: rw, w: &w)
                ?? y[i - 1]
        }
        return out
    }

    /// The normalized tricube weights of `estimate` for an odd window centred on its point.
    static func centredKernel(window len: Int) -> [Double] {
        let h = Double((len - 1) / 2)
        let h9 = 0.999 * h
        let h1 = 0.001 * h
        var w = [Double](repeating: 0, count: len)
        var a = 0.0
        for j in 0..<len {
            let r = abs(Double(j) - h)
            if r <= h9 {
                if r <= h1 {
                    w[j] = 1
                } else {
                    let q = r / h
                    let c = 1 - q * q * q
                    w[j] = c * c * c
                }
                a += w[j]
            }
        }
        for j in 0..<len { w[j] /= a }
        return w
    }

    /// `stlest`: the local (degree 0 or 1) tricube-weighted fit at 1-based position `xs`
    /// using the 1-based window `left…right`; `nil` when every weight is 0.
    static func estimate(
        _ y: [Double],
        window len: Int,
        degree: Int,
        at xs: Double,
        left: Int,
        right: Int,
        rw: [Double]?,
        w: inout [Double]
    ) -> Double? {
        let n = y.count
        if w.count < n + 1 { w = [Double](repeating: 0, count: n + 1) }
        let range = Double(n) - 1
        var h = max(xs - Double(left), Double(right) - xs)
        if len > n { h += Double((len - n) / 2) }
        let h9 = 0.999 * h
        let h1 = 0.001 * h
        var a = 0.0
        for j in left...right {
            w[j] = 0
            let r = abs(Double(j) - xs)
            if r <= h9 {
                if r <= h1 {
                    w[j] = 1
                } else {
                    let q = r / h
                    let c = 1 - q * q * q
                    w[j] = c * c * c
                }
                if let rw { w[j] *= rw[j - 1] }
                a += w[j]
            }
        }
        guard a > 0 else { return nil }
        for j in left...right { w[j] /= a }
        if h > 0 && degree > 0 {
            var mean = 0.0
            for j in left...right { mean += w[j] * Double(j) }
            var b = xs - mean
            var c = 0.0
            for j in left...right {
                let dj = Double(j) - mean
                c += w[j] * dj * dj
            }
            if c.squareRoot() > 0.001 * range {
                b /= c
                for j in left...right { w[j] *= b * (Double(j) - mean) + 1 }
            }
        }
        var ys = 0.0
        for j in left...right { ys += w[j] * y[j - 1] }
        return ys
    }

    /// `stlrwt`: bisquare robustness weights with `h = 6·median|y - fit|`.
    static func robustnessWeights(_ y: [Double], fit: [Double]) -> [Double] {
        let n = y.count
        let r = (0..<n).map { abs(y[$0] - fit[$0]) }
        let sorted = r.sorted()
        let mid1 = n / 2
        let mid2 = n - n / 2 - 1
        let cmad = 3 * (sorted[mid1] + sorted[mid2])
        guard cmad > 0 else { return [Double](repeating: 1, count: n) }
        let c9 = 0.999 * cmad
        let c1 = 0.001 * cmad
        return r.map { ri in
            if ri <= c1 { return 1 }
            if ri <= c9 {
                let q = ri / cmad
                let u = 1 - q * q
                return u * u
            }
            return 0
        }
    }
}
