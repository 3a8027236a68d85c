import Testing
import VigilCore

/// The large-sample paths (radix sort, bucketed quantiles, merged two-sample walks, extremes-only
/// ESD) against straightforward implementations on seeded samples with ties, negative values,
/// signed zeros and NaN.
struct LargeSampleTests {
    /// Values on a coarse grid (many ties), both signs, both zeros, a few far outliers.
    static func sample(_ n: Int, seed: UInt64, nanEvery: Int = 0) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { i in
            if nanEvery > 0 && i % nanEvery == 0 { return .nan }
            if i % 997 == 0 { return rng.nextUnit() < 0.5 ? -1e6 : 1e6 }
            if i % 101 == 0 { return rng.nextUnit() < 0.5 ? -0.0 : 0.0 }
            return (rng.nextGaussian() * 20).rounded() / 4
        }
    }

    /// Type-7 quantile from a full sort, the definition.
    static func sortedQuantile(_ x: [Double], _ p: Double) -> Double? {
        let s = x.filter { !$0.isNaN }.sorted()
        return Quantile.linear(sorted: s, p: p)
    }

    @Test(arguments: [4096, 5000, 100_000])
    func bucketedQuantilesEqualSortedOnes(n: Int) throws {
        for (seed, nanEvery) in [(1 as UInt64, 0), (2, 7)] {
            let x = Self.sample(n, seed: seed, nanEvery: nanEvery)
            let ps = [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1]
            let got = try #require(Quantile.linear(x, ps: ps))
            for (p, q) in zip(ps, got) {
                #expect(q == Self.sortedQuantile(x, p), "n=\(n) seed=\(seed) p=\(p)")
            }
        }
        let constant = [Double](repeating: 3, count: n)
        #expect(Quantile.linear(constant, ps: [0.25, 0.75]) == [3, 3])
        var infinite = Self.sample(n, seed: 3)
        infinite[10] = .infinity
        #expect(Quantile.linear(infinite, ps: [0.5, 0.9]) == [0.5, 0.9].map { Self.sortedQuantile(infinite, $0)! })
    }

    @Test(arguments: [600, 20_000])
    func mannWhitneyEqualsPooledRanking(n: Int) throws {
        let x = Self.sample(n, seed: 4)
        let y = Self.sample(n + 37, seed: 5).map { $0 + 0.25 }
        let got = try #require(MannWhitneyU.test(x, y))
        // Midranks over the pooled sample.
        let pooled = (x.map { ($0, true) } + y.map { ($0, false) }).sorted { $0.0 < $1.0 }
        var r1 = 0.0
        var start = 0
        while start < pooled.count {
            var end = start
            while end + 1 < pooled.count && pooled[end + 1].0 == pooled[start].0 { end += 1 }
            for k in start...end where pooled[k].1 { r1 += Double(start + end + 2) / 2 }
            start = end + 1
        }
        #expect(got.u1 == r1 - Double(n) * Double(n + 1) / 2)
    }

    @Test(arguments: [600, 20_000])
    func kolmogorovSmirnovStatisticEqualsSearchsorted(n: Int) throws {
        for shift in [0.0, 0.5, -0.75] {
            let x = Self.sample(n, seed: 6)
            let y = Self.sample(n / 2 + 11, seed: 7).map { $0 + shift }
            let got = try #require(KolmogorovSmirnov.statistic(x, y))
            // scipy's definition: differences at every point of concat(sorted x, sorted y), the
            // first extreme in that order giving the location.
            let sx = x.sorted()
            let sy = y.sorted()
            var cache: [Double: Double] = [:]
            func diff(_ v: Double) -> Double {
                if let d = cache[v] { return d }
                let cx = sx.reduce(0) { $0 + ($1 <= v ? 1 : 0) }
                let cy = sy.reduce(0) { $0 + ($1 <= v ? 1 : 0) }
                let d = Double(cx) / Double(sx.count) - Double(cy) / Double(sy.count)
                cache[v] = d
                return d
            }
            let all = sx + sy
            var maxAt = 0
            var minAt = 0
            for i in all.indices {
                if diff(all[i]) > diff(all[maxAt]) { maxAt = i }
                if diff(all[i]) < diff(all[minAt]) { minAt = i }
            }
            let minS = -diff(all[minAt])
            let positive = !(minS > diff(all[maxAt]))
            #expect(got.d == max(minS, diff(all[maxAt])), "shift \(shift)")
            #expect(got.sign == (positive ? 1 : -1), "shift \(shift)")
            #expect(got.location == all[positive ? maxAt : minAt], "shift \(shift)")
            let test = try #require(KolmogorovSmirnov.test(Array(x.prefix(300)), Array(y.prefix(200))))
            let alone = try #require(KolmogorovSmirnov.statistic(Array(x.prefix(300)), Array(y.prefix(200))))
            #expect(test.d == alone.d && test.location == alone.location && test.sign == alone.sign)
        }
    }

    @Test(arguments: [(200, 10), (5000, 30), (5000, 1)])
    func extremesOnlyESDMatchesRecomputation(n: Int, r: Int) {
        var rng = SplitMix64(seed: 8)
        var x = (0..<n).map { _ in (rng.nextGaussian() * 8).rounded() / 2 }
        for k in stride(from: 17, to: n, by: n / 12) { x[k] += (k % 2 == 0 ? 40 : -40) }
        let got = GeneralizedESD.test(x, alpha: 0.05, maxOutliers: r)
        // Rosner's steps, recomputing mean and sd over the remaining points every time.
        var active = Array(x.indices)
        for i in 0..<r {
            let values = active.map { x[$0] }
            let mean = values.reduce(0, +) / Double(values.count)
            let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)).squareRoot()
            var best = -1.0
            var at = 0
            for (pos, idx) in active.enumerated() where abs(x[idx] - mean) > best {
                best = abs(x[idx] - mean)
                at = pos
            }
            #expect(got.removedIndices[i] == active[at], "step \(i + 1)")
            #expect(abs(got.r[i] - best / sd) <= 1e-9 * best / sd, "step \(i + 1)")
            active.remove(at: at)
        }
    }
}
