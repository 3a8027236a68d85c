import Foundation

/// The two-sample, two-sided Kolmogorov–Smirnov test.
///
/// `D = max_v |F_x(v) - F_y(v)|` over the pooled points, with right-continuous empirical CDFs
/// `F(v) = #{sample ≤ v}/size`.
///
/// Source: N. Smirnov, Ann. Math. Statist. 19(2), 1948; J. L. Hodges, "The significance
/// probability of the Smirnov two-sample test", Arkiv för Matematik 3, 1958; scipy 1.17
/// `ks_2samp`.
public enum KolmogorovSmirnov {
    /// The statistic and its p-values.
    public struct Result: Sendable, Hashable {
        /// `D = max|F_x - F_y|`, computed from float differences `k1/n1 - k2/n2` as scipy does.
        public var d: Double
        /// The first point of `concat(sorted x, sorted y)` at which the extreme difference is reached.
        public var location: Double
        /// `+1` when `max(F_x - F_y) ≥ max(F_y - F_x)`, else `-1`.
        public var sign: Int
        /// `D` rounded onto the lattice `h / lcm(n1, n2)`.
        public var dLattice: Double
        /// Exact `P(D ≥ d)` by lattice-path counting.
        public var pExact: Double
        /// The limiting Kolmogorov distribution `Q(√(n1 n2/(n1+n2)) · D)`.
        public var pKolmogorovLimit: Double
    }

    /// The statistic `D` and where it is reached, without a p-value.
    public struct Statistic: Sendable, Hashable {
        /// `D = max|F_x - F_y|`, computed from float differences `k1/n1 - k2/n2` as scipy does.
        public var d: Double
        /// The first point of `concat(sorted x, sorted y)` at which the extreme difference is reached.
        public var location: Double
        /// `+1` when `max(F_x - F_y) ≥ max(F_y - F_x)`, else `-1`.
        public var sign: Int
    }

    /// Runs the test.
    ///
    /// - Parameters:
    ///   - x: First sample, without NaN.
    ///   - y: Second sample, without NaN.
    /// - Returns: `nil` when either sample is empty.
    /// - Complexity: O(N + n1·n2) (the exact p-value visits every lattice point once).
    public static func test(_ x: [Double], _ y: [Double]) -> Result? {
        guard let s = statistic(x, y) else { return nil }
        let n1 = x.count
        let n2 = y.count
        let g = gcd(n1, n2)
        let lcm = (n1 / g) * n2
        let h = Int((s.d * Double(lcm)).rounded(.toNearestOrEven))
        let en = Double(n1) * Double(n2) / Double(n1 + n2)
        return Result(
            d: s.d,
            location: s.location,
            sign: s.sign,
            dLattice: Double(h) / Double(lcm),
            pExact: exactPValue(n1: n1, n2: n2, h: h),
            pKolmogorovLimit: kolmogorovSurvival(en.squareRoot() * s.d)
        )
    }

    /// The statistic alone, for samples too large for the exact p-value.
    ///
    /// - Parameters:
    ///   - x: First sample, without NaN.
    ///   - y: Second sample, without NaN.
    /// - Returns: `nil` when either sample is empty.
    /// - Complexity: O(N): large samples are counted in buckets and only the buckets that can
    ///   hold an extreme are sorted and merged; small ones are radix-sorted and merged whole.
    public static func statistic(_ x: [Double], _ y: [Double]) -> Statistic? {
        guard !x.isEmpty, !y.isEmpty else { return nil }
        var extremes = Extremes()
        if x.count + y.count < bucketingThreshold || !walkByBucketing(x, y, into: &extremes) {
            walk(RadixSort.sortedKeys(x), RadixSort.sortedKeys(y), from: (0, 0), n: (x.count, y.count), into: &extremes)
        }
        return extremes.statistic
    }

    /// Pooled samples at least this large are bucketed before sorting.
    static let bucketingThreshold = 2048

    /// The extremes of `F_x - F_y` seen so far, each with the first value (in ascending order)
    /// that reached it among the values of x and among those of y.
    struct Extremes {
        var maxX = -Double.infinity
        var maxXAt: UInt64 = 0
        var maxY = -Double.infinity
        var maxYAt: UInt64 = 0
        var minX = Double.infinity
        var minXAt: UInt64 = 0
        var minY = Double.infinity
        var minYAt: UInt64 = 0

        /// scipy evaluates the difference at each point of concat(sorted x, sorted y) and reports
        /// the first extreme in that order, so values of x take precedence.
        var statistic: Statistic {
            let maxDiff = max(maxX, maxY)
            let minDiff = min(minX, minY)
            let minS = -minDiff
            let positive = !(minS > maxDiff)
            let key = positive ? (maxX == maxDiff ? maxXAt : maxYAt) : (minX == minDiff ? minXAt : minYAt)
            return Statistic(
                d: max(minS, maxDiff),
                location: RadixSort.value(ofKey: key),
                sign: positive ? 1 : -1
            )
        }
    }

    /// Walks the distinct values of two sorted key runs in ascending order; `from` counts the
    /// points of each sample below the runs, `n` the sample sizes. At each value, `F_x - F_y`
    /// counts every point ≤ it.
    static func walk(
        _ kx: [UInt64],
        _ ky: [UInt64],
        from start: (Int, Int),
        n: (Int, Int),
        into e: inout Extremes
    ) {
        let d1 = Double(n.0)
        let d2 = Double(n.1)
        let c1 = kx.count
        let c2 = ky.count
        kx.withUnsafeBufferPointer { sx in
            ky.withUnsafeBufferPointer { sy in
                var i = 0
                var j = 0
                while i < c1 || j < c2 {
                    let v = j == c2 || (i < c1 && sx[i] <= sy[j]) ? sx[i] : sy[j]
                    let i0 = i
                    let j0 = j
                    while i < c1 && sx[i] == v { i += 1 }
                    while j < c2 && sy[j] == v { j += 1 }
                    let diff = Double(start.0 + i) / d1 - Double(start.1 + j) / d2
                    if i > i0 {
                        if diff > e.maxX {
                            e.maxX = diff
                            e.maxXAt = v
                        }
                        if diff < e.minX {
                            e.minX = diff
                            e.minXAt = v
                        }
                    }
                    if j > j0 {
                        if diff > e.maxY {
                            e.maxY = diff
                            e.maxYAt = v
                        }
                        if diff < e.minY {
                            e.minY = diff
                            e.minYAt = v
                        }
                    }
                }
            }
        }
    }

    /// The walk, restricted to the values that can reach an extreme.
    ///
    /// Both samples are counted in equal-width buckets (range from evenly spaced points, values
    /// outside it clamped into the edge buckets, so bucketing is monotone). The difference at
    /// each bucket's last value is exact from the counts; inside a bucket with `a` points of x and
    /// `c` of y after `X` and `Y`, it lies between `X/n1 - (Y+c)/n2` and `(X+a)/n1 - Y/n2`
    /// (rounding is monotone). Only buckets whose bounds reach the best exact values are
    /// gathered, sorted and walked. Returns `false` when no usable range is found.
    static func walkByBucketing(_ x: [Double], _ y: [Double], into e: inout Extremes) -> Bool {
        let n1 = x.count
        let n2 = y.count
        var lo = Double.infinity
        var hi = -Double.infinity
        for v in [x, y] {
            for i in stride(from: 0, to: v.count, by: max(1, v.count / 512)) {
                lo = min(lo, v[i])
                hi = max(hi, v[i])
            }
        }
        guard lo.isFinite, hi.isFinite, hi > lo else { return false }
        let buckets = max(64, min(4096, (n1 + n2) / 8))
        let top = Double(buckets)
        let scale = top / (hi - lo)
        guard scale.isFinite, scale > 0 else { return false }
        @inline(__always) func bucket(_ v: Double) -> Int {
            let t = (v - lo) * scale
            return t < 0 ? 0 : (t < top ? Int(t) : buckets - 1)
        }
        func histogram(_ v: [Double]) -> [Int] {
            var counts = [Int](repeating: 0, count: buckets)
            counts.withUnsafeMutableBufferPointer { c in
                v.withUnsafeBufferPointer { p in
                    for value in p { c[bucket(value)] += 1 }
                }
            }
            return counts
        }
        let cx = histogram(x)
        let cy = histogram(y)
        let d1 = Double(n1)
        let d2 = Double(n2)
        var bestMax = -Double.infinity
        var bestMin = Double.infinity
        var sx = 0
        var sy = 0
        for b in 0..<buckets where cx[b] + cy[b] > 0 {
            sx += cx[b]
            sy += cy[b]
            let diff = Double(sx) / d1 - Double(sy) / d2
            bestMax = max(bestMax, diff)
            bestMin = min(bestMin, diff)
        }
        var slot = [Int](repeating: -1, count: buckets)
        var starts: [(Int, Int)] = []
        sx = 0
        sy = 0
        for b in 0..<buckets {
            let a = cx[b]
            let c = cy[b]
            if a + c > 0
                && (Double(sx + a) / d1 - Double(sy) / d2 >= bestMax
                    || Double(sx) / d1 - Double(sy + c) / d2 <= bestMin)
            {
                slot[b] = starts.count
                starts.append((sx, sy))
            }
            sx += a
            sy += c
        }
        var gx = [[Double]](repeating: [], count: starts.count)
        var gy = [[Double]](repeating: [], count: starts.count)
        for (v, g) in [(x, 0), (y, 1)] {
            v.withUnsafeBufferPointer { p in
                for value in p {
                    let s = slot[bucket(value)]
                    if s >= 0 {
                        if g == 0 { gx[s].append(value) } else { gy[s].append(value) }
                    }
                }
            }
        }
        for s in starts.indices {
            walk(RadixSort.sortedKeys(gx[s]), RadixSort.sortedKeys(gy[s]), from: starts[s], n: (n1, n2), into: &e)
        }
        return true
    }

    /// The large-sample p-value of scipy's `ks_2samp(method="asymp")`:
    /// `P(D_m ≥ d)` of the one-sample distribution (``KolmogorovDistribution``) at
    /// `m = round(n1·n2/(n1+n2))`, rounding half to even.
    ///
    /// - Complexity: that of ``KolmogorovDistribution/survival(_:n:)``.
    public static func asymptoticPValue(d: Double, n1: Int, n2: Int) -> Double {
        let en = Double(n1) * Double(n2) / Double(n1 + n2)
        return KolmogorovDistribution.survival(d, n: Int(en.rounded(.toNearestOrEven)))
    }

    /// Exact `P(D ≥ h/lcm(n1, n2))` under the null hypothesis.
    ///
    /// A uniformly random monotone lattice path from `(0,0)` to `(n1,n2)` steps right from `(i,j)`
    /// with probability `(n1-i)/(n1+n2-i-j)`. The path has `D ≥ d` exactly when it reaches a point
    /// with `|i·n2/g - j·n1/g| ≥ h`. Probability mass is pushed forward through the points
    /// strictly inside the band and summed where it first leaves, so the p-value is a sum of
    /// positive terms (no `1 - p` cancellation; cf. Viehmann 2021, arXiv:2102.08037). Ties get
    /// no special treatment.
    ///
    /// - Complexity: O(n1·n2) time, O(n2) memory.
    public static func exactPValue(n1: Int, n2: Int, h: Int) -> Double {
        guard h > 0 else { return 1 }
        let g = gcd(n1, n2)
        let a = n2 / g
        let b = n1 / g
        func outside(_ i: Int, _ j: Int) -> Bool { abs(i * a - j * b) >= h }
        var row = [Double](repeating: 0, count: n2 + 1)
        row[0] = 1
        var pOut = 0.0
        for i in 0...n1 {
            var next = [Double](repeating: 0, count: n2 + 1)
            for j in 0...n2 {
                let mass = row[j]
                if mass == 0 { continue }
                let remaining = Double(n1 + n2 - i - j)
                if remaining == 0 { continue }
                if i < n1 {
                    let step = mass * Double(n1 - i) / remaining
                    if outside(i + 1, j) { pOut += step } else { next[j] += step }
                }
                if j < n2 {
                    let step = mass * Double(n2 - j) / remaining
                    if outside(i, j + 1) { pOut += step } else { row[j + 1] += step }
                }
            }
            row = next
        }
        return min(max(pOut, 0), 1)
    }

    /// The survival function of the limiting Kolmogorov distribution,
    /// `Q(z) = 2 Σ_{k≥1} (-1)^(k-1) exp(-2k²z²)`.
    ///
    /// For `z < 1` the alternating series converges slowly, so the Jacobi-theta form
    /// `1 - √(2π)/z Σ_{k≥1} exp(-(2k-1)²π²/(8z²))` is used instead.
    ///
    /// Source: A. Kolmogorov, Giornale dell'Istituto Italiano degli Attuari 4, 1933.
    /// - Complexity: O(1) (at most a few dozen terms).
    public static func kolmogorovSurvival(_ z: Double) -> Double {
        if z <= 0 { return 1 }
        if z < 1 {
            var s = 0.0
            for k in 1...50 {
                let odd = Double(2 * k - 1)
                let term = exp(-odd * odd * Double.pi * Double.pi / (8 * z * z))
                s += term
                if term < 1e-17 * s { break }
            }
            return min(1, max(0, 1 - (2 * Double.pi).squareRoot() / z * s))
        }
        var s = 0.0
        var sign = 1.0
        for k in 1...100 {
            let kd = Double(k)
            let term = exp(-2 * kd * kd * z * z)
            s += sign * term
            sign = -sign
            if term < 1e-17 * abs(s) { break }
        }
        return min(1, max(0, 2 * s))
    }

    private static func gcd(_ a: Int, _ b: Int) -> Int {
        var (x, y) = (a, b)
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }
}
