/// Sample quantiles.
///
/// All routines follow Hyndman & Fan (1996) definition 7, the default of R's `quantile` and of
/// `numpy.percentile(method: "linear")`.
public enum Quantile {
    /// The type-7 (linear) quantile of an already sorted, NaN-free sample.
    ///
    /// With `h = (n-1)p`, `j = floor(h)`, `g = h - j`, `a = x[j]` and `b = x[min(j+1, n-1)]`,
    /// the quantile is `a + (b-a)g` when `g < 0.5` and `b - (b-a)(1-g)` otherwise. The two
    /// branches are numpy's `_lerp`, so the result is bit-identical to numpy 2.x.
    ///
    /// Source: R. J. Hyndman and Y. Fan, "Sample Quantiles in Statistical Packages",
    /// The American Statistician 50(4), 1996; numpy `lib/_function_base_impl.py`.
    ///
    /// - Parameters:
    ///   - sorted: Ascending values without NaN.
    ///   - p: Probability in `[0, 1]`; values outside are clamped.
    /// - Returns: The quantile, or `nil` when `sorted` is empty.
    /// - Complexity: O(1).
    public static func linear(sorted: [Double], p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let (j, g) = position(count: sorted.count, p: p)
        return lerp(sorted[j], sorted[min(j + 1, sorted.count - 1)], g)
    }

    /// The type-7 (linear) quantile of an unsorted sample, computed by selection.
    ///
    /// NaN values are ignored (numpy's `nanpercentile` semantics). The sample is copied and
    /// partially ordered with introselect (quickselect on a median-of-three pivot, falling
    /// back to a full sort if partitioning degenerates), so no full sort is needed.
    ///
    /// - Parameters:
    ///   - x: Values in any order; NaN entries are skipped.
    ///   - p: Probability in `[0, 1]`; values outside are clamped.
    /// - Returns: The quantile, or `nil` when `x` has no non-NaN value.
    /// - Complexity: O(n) expected, O(n log n) worst case.
    public static func linear(_ x: [Double], p: Double) -> Double? {
        var v = x.filter { !$0.isNaN }
        guard !v.isEmpty else { return nil }
        let (j, g) = position(count: v.count, p: p)
        select(&v, k: j)
        let a = v[j]
        var b = a
        if j + 1 < v.count {
            b = v[(j + 1)...].min() ?? a
        }
        return lerp(a, b, g)
    }

    /// Several type-7 quantiles of an unsorted sample.
    ///
    /// NaN values are ignored. Large samples are bucketed instead of sorted: one pass finds the
    /// range, a second counts the points in each of 4,096 equal-width buckets, a third gathers
    /// the buckets that hold the needed order statistics, and only those are sorted. The
    /// order statistics, and so the quantiles, are exactly those of a full sort.
    ///
    /// - Parameters:
    ///   - x: Values in any order; NaN entries are skipped.
    ///   - ps: Probabilities in `[0, 1]`.
    /// - Returns: One quantile per entry of `ps`, or `nil` when `x` has no non-NaN value.
    /// - Complexity: O(n + ps.count), O(n) extra memory at worst (all points in one bucket).
    public static func linear(_ x: [Double], ps: [Double]) -> [Double]? {
        if x.count >= bucketingThreshold, let values = linearByBucketing(x, ps: ps) { return values }
        let sorted = RadixSort.sorted(x.filter { !$0.isNaN })
        guard !sorted.isEmpty else { return nil }
        return ps.map { p in
            let (j, g) = position(count: sorted.count, p: p)
            return lerp(sorted[j], sorted[min(j + 1, sorted.count - 1)], g)
        }
    }

    /// Samples at least this long are bucketed rather than sorted.
    static let bucketingThreshold = 4096

    /// ``linear(_:ps:)`` by bucketing; `nil` when no usable range is found (the caller sorts).
    ///
    /// The bucket range comes from 1,024 evenly spaced points; values outside it fall into the
    /// first or last bucket, which keeps the bucket of a value monotone in the value, so the
    /// order statistics stay exact whatever the sample saw.
    static func linearByBucketing(_ x: [Double], ps: [Double]) -> [Double]? {
        let n = x.count
        var lo = Double.infinity
        var hi = -Double.infinity
        let step = max(1, n / 1024)
        for i in stride(from: 0, to: n, by: step) where !x[i].isNaN {
            lo = min(lo, x[i])
            hi = max(hi, x[i])
        }
        if !(lo.isFinite && hi.isFinite && hi > lo) {
            // Few distinct values in the sample: take the full range instead.
            lo = .infinity
            hi = -.infinity
            for e in x where !e.isNaN {
                if e < lo { lo = e }
                if e > hi { hi = e }
            }
            guard lo.isFinite, hi.isFinite else { return nil }
            if lo == hi { return ps.map { _ in lo } }
        }
        let buckets = 4096
        let top = Double(buckets)
        let scale = top / (hi - lo)
        guard scale.isFinite, scale > 0 else { return nil }
        // Monotone in v, so each bucket holds a contiguous run of the sorted sample.
        @inline(__always) func bucket(_ v: Double) -> Int {
            let t = (v - lo) * scale
            return t < 0 ? 0 : (t < top ? Int(t) : buckets - 1)
        }
        var m = 0
        var counts = [Int](repeating: 0, count: buckets)
        counts.withUnsafeMutableBufferPointer { c in
            x.withUnsafeBufferPointer { v in
                for e in v where !e.isNaN {
                    c[bucket(e)] += 1
                    m += 1
                }
            }
        }
        guard m > 0 else { return nil }
        var before = [Int](repeating: 0, count: buckets)
        var total = 0
        for b in 0..<buckets {
            before[b] = total
            total += counts[b]
        }
        func bucketHolding(rank r: Int) -> Int {
            var lower = 0
            var upper = buckets - 1
            while lower < upper {
                let mid = (lower + upper + 1) / 2
                if before[mid] <= r { lower = mid } else { upper = mid - 1 }
            }
            return lower
        }
        let positions = ps.map { position(count: m, p: $0) }
        let ranks = positions.flatMap { [$0.0, min($0.0 + 1, m - 1)] }
        var slot = [Int](repeating: -1, count: buckets)
        var gathered: [[Double]] = []
        for r in ranks {
            let b = bucketHolding(rank: r)
            if slot[b] < 0 {
                slot[b] = gathered.count
                gathered.append([])
                gathered[gathered.count - 1].reserveCapacity(counts[b])
            }
        }
        x.withUnsafeBufferPointer { v in
            for e in v where !e.isNaN {
                let s = slot[bucket(e)]
                if s >= 0 { gathered[s].append(e) }
            }
        }
        gathered = gathered.map { RadixSort.sorted($0) }
        func orderStatistic(_ r: Int) -> Double {
            let b = bucketHolding(rank: r)
            return gathered[slot[b]][r - before[b]]
        }
        return positions.map { j, g in lerp(orderStatistic(j), orderStatistic(min(j + 1, m - 1)), g) }
    }

    /// The integer part `j` and fraction `g` of the virtual index `h = (n-1)p`.
    private static func position(count n: Int, p: Double) -> (Int, Double) {
        let clamped = min(max(p, 0), 1)
        let h = Double(n - 1) * clamped
        let fj = h.rounded(.down)
        let j = min(Int(fj), n - 1)
        return (j, h - fj)
    }

    /// numpy's `_lerp`: `a + (b-a)g` for `g < 0.5`, else `b - (b-a)(1-g)`.
    private static func lerp(_ a: Double, _ b: Double, _ g: Double) -> Double {
        let diff = b - a
        return g < 0.5 ? a + diff * g : b - diff * (1 - g)
    }

    /// Rearranges `v` so that `v[k]` is the k-th smallest, everything before it is `<=` and
    /// everything after it is `>=` (introselect).
    private static func select(_ v: inout [Double], k: Int) {
        var lo = 0
        var hi = v.count - 1
        var budget = 2 * (Int.bitWidth - v.count.leadingZeroBitCount) + 4
        while hi > lo {
            if budget == 0 {
                v[lo...hi].sort()
                return
            }
            budget -= 1
            let mid = lo + (hi - lo) / 2
            // Median of three as pivot, moved to `hi`.
            if v[mid] < v[lo] { v.swapAt(mid, lo) }
            if v[hi] < v[lo] { v.swapAt(hi, lo) }
            if v[mid] < v[hi] { v.swapAt(mid, hi) }
            let pivot = v[hi]
            // Three-way partition (Dijkstra) so runs of ties terminate quickly.
            var lt = lo
            var i = lo
            var gt = hi
            while i <= gt {
                if v[i] < pivot {
                    v.swapAt(i, lt)
                    lt += 1
                    i += 1
                } else if v[i] > pivot {
                    v.swapAt(i, gt)
                    gt -= 1
                } else {
                    i += 1
                }
            }
            if k < lt {
                hi = lt - 1
            } else if k > gt {
                lo = gt + 1
            } else {
                return
            }
        }
    }
}
