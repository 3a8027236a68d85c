import Testing
import VigilCore

struct RegularSeriesTests {
    @Test func mergingTakesTheUnionAndNewerPresentValuesWin() {
        let older = RegularSeries(start: 0, step: 60, values: [1, 2, 3, .nan])
        let newer = RegularSeries(start: 120, step: 60, values: [30, .nan, 50])
        let merged = older.merging(newer: newer)
        #expect(merged == RegularSeries(start: 0, step: 60, values: [1, 2, 30, .nan, 50]))
    }

    @Test func mergingWithDisjointRangesLeavesAGap() {
        let a = RegularSeries(start: 0, step: 10, values: [1])
        let b = RegularSeries(start: 30, step: 10, values: [4])
        #expect(a.merging(newer: b) == RegularSeries(start: 0, step: 10, values: [1, .nan, .nan, 4]))
        #expect(b.merging(newer: a) == RegularSeries(start: 0, step: 10, values: [1, .nan, .nan, 4]))
    }

    @Test func regriddingKeepsEveryPointAtItsTime() {
        let s = RegularSeries(start: 100, step: 300, values: [1, .nan, 3])
        let fine = s.regridded(toStep: 60)
        #expect(fine.count == 11)
        for i in 0..<s.count where !s.values[i].isNaN {
            #expect(fine.values[(Int(s.time(at: i) - fine.start) / 60)] == s.values[i])
        }
        #expect(fine.missingCount == 9)
        #expect(s.regridded(toStep: 300) == s)
    }

    @Test func equalityTreatsMissingAsEqual() {
        #expect(RegularSeries(start: 0, step: 1, values: [.nan]) == RegularSeries(start: 0, step: 1, values: [.nan]))
        #expect(RegularSeries(start: 0, step: 1, values: [.nan]) != RegularSeries(start: 0, step: 1, values: [0]))
        #expect(RegularSeries(start: 0, step: 1, values: [1, .nan, 2]).missingCount == 1)
    }

    @Test func splitMixIsDeterministic() {
        var a = SplitMix64(seed: 42)
        var b = SplitMix64(seed: 42)
        var c = SplitMix64(seed: 43)
        let xs = (0..<5).map { _ in a.next() }
        #expect(xs == (0..<5).map { _ in b.next() })
        #expect(xs != (0..<5).map { _ in c.next() })
        // The reference sequence of SplitMix64 for seed 0 (Vigna's splitmix64.c).
        var zero = SplitMix64(seed: 0)
        #expect(zero.next() == 0xE220_A839_7B1D_CDAF)
    }
}
