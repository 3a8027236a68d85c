/// The two-sided Mann–Whitney U (Wilcoxon rank-sum) test.
///
/// The pooled sample is ranked with midranks for ties; `U1 = R1 - n1(n1+1)/2` where `R1` is the
/// rank sum of `x`, and `U2 = n1·n2 - U1`. With `U = max(U1, U2)`, `N = n1 + n2` and tie groups of
/// sizes `t`:
///
/// - asymptotic: `σ = √(n1 n2/12 · ((N+1) - Σ(t³-t)/(N(N-1))))`,
///   `z = (U - n1 n2/2 - 0.5)/σ`, `p = min(1, 2(1 - Φ(z)))` (continuity correction always
///   subtracted, as scipy's `mannwhitneyu(use_continuity=True)`);
/// - exact (no ties only): `p = min(1, 2 P(U ≥ max(U1, U2)))` from the exact null distribution.
///
/// Source: H. B. Mann and D. R. Whitney, Ann. Math. Statist. 18(1), 1947; scipy 1.17
/// `scipy/stats/_mannwhitneyu.py`.
public enum MannWhitneyU {
    /// The statistics and p-values of one test.
    public struct Result: Sendable, Hashable {
        /// `U` of the first sample.
        public var u1: Double
        /// `U` of the second sample, `n1·n2 - U1`.
        public var u2: Double
        /// Tie-corrected normal approximation with continuity correction.
        public var pAsymptotic: Double
        /// Exact p-value; `nil` when there are ties or the samples are too large.
        public var pExact: Double?
    }

    /// The largest pooled size for which ``Result/pExact`` is computed (the path counts stay
    /// below 2^53, so the distribution is exact in `Double`).
    public static let maxExactPooledCount = 50

    /// Runs the two-sided test.
    ///
    /// Edge cases: when every pooled value is tied, `σ = 0` and the asymptotic p-value is 1.
    ///
    /// - Parameters:
    ///   - x: First sample (size n1 ≥ 1), without NaN.
    ///   - y: Second sample (size n2 ≥ 1), without NaN.
    /// - Returns: `nil` when either sample is empty.
    /// - Complexity: O(N) (radix sort), plus O(n1²·n2) for the exact p-value.
    public static func test(_ x: [Double], _ y: [Double]) -> Result? {
        let n1 = x.count
        let n2 = y.count
        guard n1 > 0, n2 > 0 else { return nil }
        // Sort each sample (as order-preserving integer keys), then walk both in step: each tie
        // group of the pooled sample is the run of equal keys at the two heads.
        let kx = RadixSort.sortedKeys(x)
        let ky = RadixSort.sortedKeys(y)
        let nTotal = n1 + n2
        var r1 = 0.0
        var tieTerm = 0.0
        kx.withUnsafeBufferPointer { sx in
            ky.withUnsafeBufferPointer { sy in
                var i = 0
                var j = 0
                while i < n1 || j < n2 {
                    let v = j == n2 || (i < n1 && sx[i] <= sy[j]) ? sx[i] : sy[j]
                    let start = i + j
                    var a = 0
                    while i < n1 && sx[i] == v {
                        i += 1
                        a += 1
                    }
                    while j < n2 && sy[j] == v { j += 1 }
                    let end = i + j - 1
                    let midrank = Double(start + end + 2) / 2
                    let t = Double(end - start + 1)
                    tieTerm += t * t * t - t
                    r1 += Double(a) * midrank
                }
            }
        }
        let nd1 = Double(n1)
        let nd2 = Double(n2)
        let bigN = Double(nTotal)
        let u1 = r1 - nd1 * (nd1 + 1) / 2
        let u2 = nd1 * nd2 - u1
        let u = max(u1, u2)
        var pAsym = 1.0
        if nTotal > 1 {
            let variance = nd1 * nd2 / 12 * ((bigN + 1) - tieTerm / (bigN * (bigN - 1)))
            if variance > 0 {
                let z = (u - nd1 * nd2 / 2 - 0.5) / variance.squareRoot()
                pAsym = min(1, 2 * NormalDistribution.survival(z))
            }
        }
        var pExact: Double?
        if tieTerm == 0 && nTotal <= maxExactPooledCount {
            pExact = min(1, 2 * exactUpperTail(u, n1: n1, n2: n2))
        }
        return Result(u1: u1, u2: u2, pAsymptotic: pAsym, pExact: pExact)
    }

    /// `P(U ≥ u)` under the null hypothesis for sample sizes `n1`, `n2` without ties.
    ///
    /// The counts of U are the coefficients of the Gaussian binomial
    /// `[N choose n1]_q = Π_{i=1}^{n1} (1 - q^{n2+i}) / (1 - q^i)`, built by alternately
    /// multiplying by `1 - q^{n2+i}` and dividing by `1 - q^i`, then divided by `C(N, n1)`.
    ///
    /// - Complexity: O(n1²·n2) time, O(n1·n2) memory.
    public static func exactUpperTail(_ u: Double, n1: Int, n2: Int) -> Double {
        let (m, n) = n1 <= n2 ? (n1, n2) : (n2, n1)
        let maxU = m * n
        var c = [Double](repeating: 0, count: maxU + 1)
        c[0] = 1
        for i in stride(from: 1, through: m, by: 1) {
            let up = n + i
            if up <= maxU {
                for k in stride(from: maxU, through: up, by: -1) { c[k] -= c[k - up] }
            }
            if i <= maxU {
                for k in i...maxU { c[k] += c[k - i] }
            }
        }
        let total = c.reduce(0, +)
        let first = max(0, Int(u.rounded(.up)))
        guard first <= maxU else { return 0 }
        return c[first...].reduce(0, +) / total
    }
}
