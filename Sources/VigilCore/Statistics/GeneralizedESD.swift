/// Rosner's generalized extreme Studentized deviate (ESD) test for up to `r` outliers.
///
/// For `i = 1…r`, on the points not yet removed: `R_i = max|x - x̄| / s` (ddof = 1), the
/// maximizing point is removed (lowest original index on an exact tie), and
/// `λ_i = (n-i) t / √((n-i-1+t²)(n-i+1))` with `t = t.isf(α/(2(n-i+1)), n-i-1)`.
/// The number of outliers is the largest `i` with `R_i > λ_i` (0 if none), so a later
/// rejection un-masks earlier, smaller statistics.
///
/// Source: B. Rosner, "Percentage Points for a Generalized ESD Many-Outlier Procedure",
/// Technometrics 25(2), 1983; NIST/SEMATECH e-Handbook, §1.3.5.17.3.
public struct GeneralizedESD: Sendable, Hashable {
    /// `R_i` for each step.
    public var r: [Double]
    /// `λ_i` for each step.
    public var lambda: [Double]
    /// The t quantile used for `λ_i`.
    public var tQuantile: [Double]
    /// The original index removed at each step.
    public var removedIndices: [Int]
    /// The largest `i` with `R_i > λ_i`, or 0.
    public var numOutliers: Int
    /// `removedIndices[0..<numOutliers]`, ascending.
    public var outlierIndices: [Int]

    /// Runs the test.
    ///
    /// Edge cases: the number of steps is capped at `n - 2` (each step needs `n-i-1 ≥ 1`
    /// degrees of freedom), so `n < 3` gives an empty result. When the remaining points are
    /// constant, `s = 0` and `R_i = 0` (never NaN), which never rejects.
    ///
    /// - Parameters:
    ///   - x: The sample, without NaN.
    ///   - alpha: Significance level in `(0, 1)`.
    ///   - maxOutliers: The upper bound `r` on the number of outliers.
    /// - Complexity: O(n log r + r²) for `n > 4(r+1)` and `n ≥ 64`, else O(n·r).
    public static func test(_ x: [Double], alpha: Double, maxOutliers: Int) -> GeneralizedESD {
        let n = x.count
        let steps = max(0, min(maxOutliers, n - 2))
        var result = GeneralizedESD(
            r: [],
            lambda: [],
            tQuantile: [],
            removedIndices: [],
            numOutliers: 0,
            outlierIndices: []
        )
        let (r, removed) =
            n >= 64 && n > 4 * (steps + 1) ? extremesRemoval(x, steps: steps) : naiveRemoval(x, steps: steps)
        result.r = r
        result.removedIndices = removed
        for i in stride(from: 1, through: steps, by: 1) {
            let remaining = Double(n - i)
            let t = StudentT.inverseSurvival(alpha / (2 * (remaining + 1)), df: remaining - 1)
            result.tQuantile.append(t)
            result.lambda.append(remaining * t / ((remaining - 1 + t * t) * (remaining + 1)).squareRoot())
        }
        for i in result.r.indices.reversed() where result.r[i] > result.lambda[i] {
            result.numOutliers = i + 1
            break
        }
        result.outlierIndices = result.removedIndices.prefix(result.numOutliers).sorted()
        return result
    }

    /// `R_i` and the removed index of each step, recomputing the mean and sd of the remaining
    /// points at every step.
    /// - Complexity: O(n·steps).
    static func naiveRemoval(_ x: [Double], steps: Int) -> (r: [Double], removed: [Int]) {
        var active = Array(x.indices)
        var r: [Double] = []
        var removed: [Int] = []
        for _ in stride(from: 1, through: steps, by: 1) {
            let (mean, sd) = Moments.meanAndSD(active.map { x[$0] })
            var best = -1.0
            var bestPosition = 0
            // `active` stays in ascending index order, so strict `>` keeps the lowest index.
            for (pos, idx) in active.enumerated() where abs(x[idx] - mean) > best {
                best = abs(x[idx] - mean)
                bestPosition = pos
            }
            r.append(sd > 0 ? best / sd : 0)
            removed.append(active.remove(at: bestPosition))
        }
        return (r, removed)
    }

    /// The same sequence in O(n): the point farthest from the mean is always the largest or the
    /// smallest remaining one, so one pass keeps the `steps` largest and `steps` smallest
    /// points (lowest index first among equal values), and the mean and the sum of squared
    /// deviations are downdated as points leave (`μ' = μ - (x-μ)/(m-1)`,
    /// `M2' = M2 - (x-μ)(x-μ')`). The statistics agree with ``naiveRemoval(_:steps:)`` to
    /// rounding (it falls back to ``naiveRemoval(_:steps:)`` when the remaining spread drops
    /// below 10⁻⁶ of the initial one). Needs `n > 2·steps`, so the two lists do not overlap.
    /// - Complexity: O(n log steps + steps²).
    static func extremesRemoval(_ x: [Double], steps: Int) -> (r: [Double], removed: [Int]) {
        let n = x.count
        guard steps > 0 else { return ([], []) }
        let (mean0, _) = Moments.meanAndSD(x)
        var m2 = 0.0
        for v in x { m2 += (v - mean0) * (v - mean0) }
        let m2Initial = m2
        // Largest first (ties: lowest index first), and smallest first likewise; a later equal
        // value never displaces an earlier one because the scan runs in index order.
        var high: [(value: Double, index: Int)] = []
        var low: [(value: Double, index: Int)] = []
        high.reserveCapacity(steps + 1)
        low.reserveCapacity(steps + 1)
        for (i, v) in x.enumerated() {
            if high.count < steps || v > high[high.count - 1].value {
                var k = high.count
                while k > 0 && high[k - 1].value < v { k -= 1 }
                high.insert((v, i), at: k)
                if high.count > steps { high.removeLast() }
            }
            if low.count < steps || v < low[low.count - 1].value {
                var k = low.count
                while k > 0 && low[k - 1].value > v { k -= 1 }
                low.insert((v, i), at: k)
                if low.count > steps { low.removeLast() }
            }
        }
        var mean = mean0
        var count = n
        var nextHigh = 0
        var nextLow = 0
        var r: [Double] = []
        var removed: [Int] = []
        for _ in 0..<steps {
            // Once the removed points carried almost all of the spread, the downdated sum of
            // squares is mostly rounding: recompute every step instead.
            if m2 <= 1e-6 * m2Initial { return naiveRemoval(x, steps: steps) }
            let sd = count > 1 ? (max(m2, 0) / Double(count - 1)).squareRoot() : 0
            let h = high[nextHigh]
            let l = low[nextLow]
            let dh = abs(h.value - mean)
            let dl = abs(l.value - mean)
            let takeHigh = dh > dl || (dh == dl && h.index < l.index)
            let chosen = takeHigh ? h : l
            if takeHigh { nextHigh += 1 } else { nextLow += 1 }
            r.append(sd > 0 ? max(dh, dl) / sd : 0)
            removed.append(chosen.index)
            let newMean = mean - (chosen.value - mean) / Double(count - 1)
            m2 -= (chosen.value - mean) * (chosen.value - newMean)
            mean = newMean
            count -= 1
        }
        return (r, removed)
    }
}
