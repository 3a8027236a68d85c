import Testing
import VigilCore

struct QuantileTests {
    @Test func matchesNumpyReferenceForEveryCase() throws {
        let cases = try ReferenceFixture.load("quantiles")
        #expect(cases.count == 8)
        for c in cases {
            let x = try c.inputArray("x")
            let ks = try #require(c.params["k"]?.doubles)
            let sorted = x.sorted()
            c.check("q25", Quantile.linear(sorted: sorted, p: 0.25))
            c.check("q50", Quantile.linear(sorted: sorted, p: 0.5))
            c.check("q75", Quantile.linear(sorted: sorted, p: 0.75))
            // The selection-based path must agree bit for bit with the sorted one.
            for p in [0.25, 0.5, 0.75] {
                #expect(Quantile.linear(x, p: p) == Quantile.linear(sorted: sorted, p: p), "\(c.name) p=\(p)")
            }
            let fences = try ks.map { k in try #require(TukeyFences(x, k: k)) }
            c.check("iqr", fences[0].iqr)
            c.check("lower_fence", fences.map(\.lower))
            c.check("upper_fence", fences.map(\.upper))
            c.checkExact("flagged_indices", JSONValue(fences.map { $0.flaggedIndices(in: x) }))
            c.checkExact("flagged_low_indices", JSONValue(fences.map { $0.lowIndices(in: x) }))
            c.checkExact("flagged_high_indices", JSONValue(fences.map { $0.highIndices(in: x) }))
        }
    }

    @Test func emptyAndAllNaNInputGiveNil() {
        #expect(Quantile.linear([], p: 0.5) == nil)
        #expect(Quantile.linear(sorted: [], p: 0.5) == nil)
        #expect(Quantile.linear([.nan, .nan], p: 0.5) == nil)
        #expect(Quantile.linear([Double](), ps: [0.5]) == nil)
        #expect(TukeyFences([.nan]) == nil)
    }

    @Test func nanIsIgnored() {
        #expect(Quantile.linear([3, .nan, 1, 2], p: 0.5) == 2)
        #expect(Quantile.linear([.nan, 4, 1], ps: [0, 1]) == [1, 4])
        let fences = TukeyFences([1, 2, .nan, 3, 4, 100])
        #expect(fences?.flaggedIndices(in: [1, 2, .nan, 3, 4, 100]) == [5])
    }

    @Test func singleAndTwoPointSamples() {
        #expect(Quantile.linear([7], p: 0.3) == 7)
        #expect(Quantile.linear([1, 3], p: 0.25) == 1.5)
        #expect(Quantile.linear([1, 3], p: 1) == 3)
        #expect(Quantile.linear([1, 3], p: 0) == 1)
    }

    @Test func constantSeriesFlagsNothing() throws {
        let x = [Double](repeating: 4.25, count: 31)
        let fences = try #require(TukeyFences(x, k: 1.5))
        #expect(fences.iqr == 0)
        #expect(fences.flaggedIndices(in: x).isEmpty)
    }

    @Test func pointOnFenceIsNotFlagged() {
        let fences = TukeyFences(q1: 1, median: 2, q3: 3, k: 1.5)
        #expect(fences.lower == -2)
        #expect(fences.flaggedIndices(in: [-2, 6, -2.0001, 6.0001]) == [2, 3])
    }

    @Test func permutationInvariance() {
        var rng = SplitMix64(seed: 42)
        for trial in 0..<50 {
            let n = 1 + trial * 7
            var x = (0..<n).map { _ in Double(Int.random(in: -20...20, using: &rng)) / 4 }
            let ps = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1]
            let reference = Quantile.linear(x, ps: ps)
            x.shuffle(using: &rng)
            #expect(Quantile.linear(x, ps: ps) == reference)
            for (i, p) in ps.enumerated() {
                #expect(Quantile.linear(x, p: p) == reference?[i])
            }
        }
    }

    @Test func monotoneInP() {
        let x = [5.0, -1, 3, 3, 8, 2.5, 0, 11]
        var last = -Double.infinity
        for i in 0...100 {
            let q = Quantile.linear(x, p: Double(i) / 100) ?? .nan
            #expect(q >= last)
            last = q
        }
    }
}

struct QuantileSelectionTests {
    @Test func selectionAgreesWithSortingOnLargeTiedSamples() {
        var rng = SplitMix64(seed: 99)
        let x = (0..<20_001).map { _ in Double(Int.random(in: 0...3, using: &rng)) }
        let sorted = x.sorted()
        for p in [0.0, 0.001, 0.25, 0.5, 0.6180339887, 0.75, 0.999, 1] {
            #expect(Quantile.linear(x, p: p) == Quantile.linear(sorted: sorted, p: p), "p=\(p)")
        }
        let ascending = (0..<5000).map(Double.init)
        #expect(Quantile.linear(ascending, p: 0.5) == 2499.5)
        #expect(Quantile.linear(ascending.reversed(), p: 0.25) == 1249.75)
    }
}
