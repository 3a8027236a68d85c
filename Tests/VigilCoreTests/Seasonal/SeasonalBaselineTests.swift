import Foundation
import Testing
import VigilCore

struct SeasonalBaselineTests {
    /// Monday 2024-01-01 00:00 UTC.
    static let monday: Int64 = 1_704_067_200
    static let day: Int64 = 86_400

    /// `50 + 10·sin(2π·t/day) + noise·N(0,1)` at 60 s steps for `days` days from `start`.
    static func dailySine(start: Int64, days: Int, noise: Double, seed: UInt64) -> RegularSeries {
        var rng = SplitMix64(seed: seed)
        let values = (0..<(days * 1_440)).map { i -> Double in
            let t = start + Int64(i) * 60
            let phase = 2 * Double.pi * Double(t % day) / Double(day)
            return 50 + 10 * sin(phase) + noise * rng.nextGaussian()
        }
        return RegularSeries(start: start, step: 60, values: values)
    }

    static func meanAndStandardDeviation(_ x: [Double]) -> (mean: Double, sd: Double) {
        let present = x.filter { !$0.isNaN }
        let mean = present.reduce(0, +) / Double(present.count)
        let variance = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(present.count - 1)
        return (mean, variance.squareRoot())
    }

    @Test func methodNames() {
        #expect(SeasonalMethod.allCases.map(\.rawValue) == ["stl", "holt-winters", "profile"])
    }

    @Test(arguments: SeasonalMethod.allCases)
    func residualsOfNextDayAreAtNoiseLevel(method: SeasonalMethod) throws {
        let series = Self.dailySine(start: Self.monday, days: 8, noise: 1, seed: 42)
        let split = 7 * 1_440
        let history = RegularSeries(start: series.start, step: 60, values: Array(series.values[..<split]))
        let next = RegularSeries(start: series.time(at: split), step: 60, values: Array(series.values[split...]))
        let baseline = try #require(SeasonalBaseline.fit(method, history: history))
        #expect(baseline.method == method)
        let residuals = baseline.residuals(of: next)
        #expect(residuals.start == next.start && residuals.step == 60 && residuals.count == next.count)
        #expect(residuals.missingCount == 0)
        let (mean, sd) = Self.meanAndStandardDeviation(residuals.values)
        #expect(abs(mean) < 0.3, "\(method) mean \(mean)")
        #expect(sd > 0.9 && sd < 1.2, "\(method) sd \(sd)")
    }

    @Test(arguments: SeasonalMethod.allCases)
    func toleratesGapsAndCoarserFirstPart(method: SeasonalMethod) throws {
        let series = Self.dailySine(start: Self.monday + 7_000, days: 15, noise: 1, seed: 3)
        let split = 14 * 1_440
        var values = Array(series.values[..<split])
        // The first four days were sampled every 5 minutes; then a 6-hour and a 40-minute gap.
        for i in 0..<(4 * 1_440) where i % 5 != 0 { values[i] = .nan }
        for i in (6 * 1_440)..<(6 * 1_440 + 360) { values[i] = .nan }
        for i in (10 * 1_440 + 100)..<(10 * 1_440 + 140) { values[i] = .nan }
        let history = RegularSeries(start: series.start, step: 60, values: values)
        let next = RegularSeries(start: series.time(at: split), step: 60, values: Array(series.values[split...]))
        let baseline = try #require(SeasonalBaseline.fit(method, history: history))
        let (mean, sd) = Self.meanAndStandardDeviation(baseline.residuals(of: next).values)
        #expect(abs(mean) < 0.3, "\(method) mean \(mean)")
        #expect(sd > 0.9 && sd < 1.2, "\(method) sd \(sd)")
    }

    @Test(arguments: SeasonalMethod.allCases)
    func levelShiftSurvivesInResiduals(method: SeasonalMethod) throws {
        let series = Self.dailySine(start: Self.monday, days: 8, noise: 1, seed: 9)
        let split = 7 * 1_440
        let history = RegularSeries(start: series.start, step: 60, values: Array(series.values[..<split]))
        // From noon of the evaluated day on, the metric is 20 higher.
        var shifted = Array(series.values[split...])
        for i in 720..<shifted.count { shifted[i] += 20 }
        let next = RegularSeries(start: series.time(at: split), step: 60, values: shifted)
        let baseline = try #require(SeasonalBaseline.fit(method, history: history))
        let residuals = baseline.residuals(of: next).values
        let before = Self.meanAndStandardDeviation(Array(residuals[..<720]))
        let after = Self.meanAndStandardDeviation(Array(residuals[720...]))
        #expect(abs(before.mean) < 0.3, "\(method) before \(before.mean)")
        #expect(abs(after.mean - 20) < 0.5, "\(method) after \(after.mean)")
    }

    @Test(arguments: SeasonalMethod.allCases)
    func constantHistoryExpectsTheConstant(method: SeasonalMethod) throws {
        let history = RegularSeries(start: Self.monday, step: 60, values: [Double](repeating: 12.5, count: 3 * 1_440))
        let baseline = try #require(SeasonalBaseline.fit(method, history: history))
        let times = (0..<1_440).map { history.end + 60 + Int64($0) * 60 }
        #expect(baseline.expected(at: times).allSatisfy { abs($0 - 12.5) < 1e-9 })
        let residuals = baseline.residuals(of: history)
        #expect(residuals.values.allSatisfy { abs($0) < 1e-9 })
    }

    @Test func historyShorterThanTwoPeriods() throws {
        let history = Self.dailySine(start: Self.monday, days: 1, noise: 1, seed: 1)
        let longer = RegularSeries(
            start: history.start,
            step: 60,
            values: history.values + Array(history.values[..<700])
        )
        #expect(SeasonalBaseline.fit(.stl, history: longer) == nil)
        #expect(SeasonalBaseline.fit(.holtWinters, history: longer) == nil)
        let profile = try #require(SeasonalBaseline.fit(.profile, history: longer))
        let expected = profile.expected(at: [Self.monday + 2 * Self.day + 150])
        #expect(abs(expected[0] - 50.436) < 1)
        // Missing history at the ends does not count towards the two periods.
        var padded = [Double](repeating: .nan, count: 3 * 1_440)
        for i in 0..<(2 * 1_440 - 10) { padded[500 + i] = 1 }
        let sparse = RegularSeries(start: Self.monday, step: 60, values: padded)
        #expect(SeasonalBaseline.fit(.stl, history: sparse) == nil)
    }

    @Test func unknownWhereItCannotBeDetermined() throws {
        let history = Self.dailySine(start: Self.monday, days: 3, noise: 1, seed: 1)
        let stl = try #require(SeasonalBaseline.fit(.stl, history: history))
        #expect(stl.expected(at: [Self.monday - 600])[0].isNaN)
        #expect(!stl.expected(at: [Self.monday + 600])[0].isNaN)
        // The profile has no value in buckets that the history never covered.
        var values = history.values
        for i in 0..<60 {
            values[i] = .nan
            values[1_440 + i] = .nan
            values[2_880 + i] = .nan
        }
        let profile = try #require(
            SeasonalBaseline.fit(.profile, history: RegularSeries(start: Self.monday, step: 60, values: values))
        )
        #expect(profile.expected(at: [Self.monday + 5 * Self.day + 1_000])[0].isNaN)
        // Residuals are missing where the value is.
        let series = RegularSeries(start: Self.monday + 3 * Self.day, step: 60, values: [1, .nan, 3])
        #expect(stl.residuals(of: series).values[1].isNaN)
        #expect(!stl.residuals(of: series).values[2].isNaN)
    }

    @Test func rejectsUnusablePeriods() {
        let history = Self.dailySine(start: Self.monday, days: 3, noise: 1, seed: 1)
        #expect(SeasonalBaseline.fit(.profile, history: history, period: 3_600) == nil)
        #expect(SeasonalBaseline.fit(.stl, history: history, period: 86_430) == nil)
        #expect(SeasonalBaseline.fit(.holtWinters, history: history, period: 60) == nil)
        #expect(SeasonalBaseline.fit(.stl, history: history, period: 0) == nil)
    }

    @Test func weeklyPeriodAggregatesToAtMost288Samples() throws {
        // A weekly wave on top of the daily sine, four weeks of history at 60 s. (A sharp step
        // would be smeared over a 35-minute bucket.)
        let series = Self.dailySine(start: Self.monday, days: 29, noise: 0.5, seed: 8)
        var values = series.values
        for i in values.indices { values[i] += 15 * sin(2 * Double.pi * Double(i) / Double(7 * 1_440)) }
        let history = RegularSeries(start: Self.monday, step: 60, values: Array(values[..<(28 * 1_440)]))
        let next = RegularSeries(start: history.end + 60, step: 60, values: Array(values[(28 * 1_440)...]))
        for method in SeasonalMethod.allCases {
            let baseline = try #require(SeasonalBaseline.fit(method, history: history, period: 604_800))
            let (mean, sd) = Self.meanAndStandardDeviation(baseline.residuals(of: next).values)
            #expect(abs(mean) < 0.5, "\(method) mean \(mean)")
            // Weekly buckets are 35 minutes wide, so the daily sine adds spread within a bucket.
            #expect(sd < 1.5, "\(method) sd \(sd)")
        }
    }
}
