import Foundation
import Testing
import VigilCore

struct SeasonalProfileTests {
    /// Monday 2024-01-01 00:00 UTC.
    static let monday: Int64 = 1_704_067_200

    @Test func weekOriginIsMonday() {
        // 1970-01-05 (Unix day 4) and 2024-01-01 are Mondays.
        #expect(SeasonalProfile.Period.weekly.origin == 345_600)
        #expect((Self.monday / 86_400 - 4) % 7 == 0)
        #expect(SeasonalProfile.Period(seconds: 604_800) == .weekly)
        #expect(SeasonalProfile.Period(seconds: 86_400) == .daily)
        #expect(SeasonalProfile.Period(seconds: 3_600) == nil)
    }

    @Test func recoversExactMediansOfWeeklyPattern() throws {
        // Hourly buckets over three weeks at 10-minute steps; each hour of the week has a
        // distinct level, and the six points in it are level + {-2, -1, 0, 0, 1, 5}.
        let step: Int64 = 600
        let offsets: [Double] = [-2, -1, 0, 0, 1, 5]
        var values: [Double] = []
        for i in 0..<(3 * 7 * 24 * 6) {
            let hourOfWeek = (i / 6) % 168
            values.append(Double(hourOfWeek) * 10 + offsets[i % 6])
        }
        let history = RegularSeries(start: Self.monday, step: step, values: values)
        let profile = try #require(SeasonalProfile.fit(history, period: .weekly, bucketSeconds: 3_600))
        #expect(profile.buckets.count == 168)
        for hour in 0..<168 {
            let t = Self.monday + 7 * 604_800 + Int64(hour) * 3_600 + 1_800
            // Median of 18 points (three of each offset) is the level; MAD = 1.4826 · 1.
            #expect(profile.expected(at: t) == Double(hour) * 10)
            #expect(profile.bucket(at: t)?.count == 18)
            #expect(profile.scale(at: t) == 1.4826)
        }
    }

    @Test func weeklyBucketsAreAlignedToMonday() throws {
        // A level of 100 on Mondays only, else 0; the history starts on a Wednesday.
        let start = Self.monday + 2 * 86_400
        let values = (0..<(21 * 24)).map { i -> Double in
            let t = start + Int64(i) * 3_600
            let dayOfWeek = ((t / 86_400) - 4) % 7
            return dayOfWeek == 0 ? 100 : 0
        }
        let history = RegularSeries(start: start, step: 3_600, values: values)
        let profile = try #require(SeasonalProfile.fit(history, period: .weekly, bucketSeconds: 3_600))
        #expect(profile.bucketIndex(at: Self.monday) == 0)
        #expect(profile.bucketIndex(at: Self.monday - 1) == 167)
        let nextMonday = Self.monday + 10 * 604_800
        #expect(profile.expected(at: nextMonday) == 100)
        #expect(profile.expected(at: nextMonday + 86_399) == 100)
        #expect(profile.expected(at: nextMonday + 86_400) == 0)
        #expect(profile.expected(at: nextMonday - 1) == 0)
        // Times before 1970 use the same phases.
        #expect(profile.expected(at: Self.monday - 3_000 * 604_800) == 100)
    }

    @Test func ignoresMissingPoints() throws {
        // Daily, 5-minute buckets at 60 s; every other point missing, and the missing slots
        // would carry huge values if they were used.
        let start = Self.monday
        var values: [Double] = []
        for i in 0..<(3 * 1_440) {
            values.append(i % 2 == 0 ? Double((i % 1_440) / 5) : .nan)
        }
        let history = RegularSeries(start: start, step: 60, values: values)
        let profile = try #require(SeasonalProfile.fit(history, period: .daily))
        #expect(profile.buckets.count == 288)
        for b in 0..<288 {
            let t = start + 5 * 86_400 + Int64(b) * 300
            #expect(profile.expected(at: t) == Double(b))
            // Buckets hold 2 or 3 present points a day, so 6 to 9 over three days.
            let count = try #require(profile.bucket(at: t)?.count)
            #expect((6...9).contains(count))
        }
    }

    @Test func bucketsWithTooFewPointsAreUnknown() throws {
        // Only the first hour of one day is present.
        var values = [Double](repeating: .nan, count: 1_440)
        for i in 0..<60 { values[i] = 7 }
        let history = RegularSeries(start: Self.monday, step: 60, values: values)
        let profile = try #require(SeasonalProfile.fit(history, period: .daily))
        #expect(profile.expected(at: Self.monday + 86_400 + 600) == 7)
        #expect(profile.expected(at: Self.monday + 86_400 + 3_600) == nil)
        #expect(profile.scale(at: Self.monday + 86_400 + 3_600) == nil)
    }

    @Test func constantHistoryHasFlooredPositiveScale() throws {
        let history = RegularSeries(start: Self.monday, step: 60, values: [Double](repeating: 250, count: 2_880))
        let profile = try #require(SeasonalProfile.fit(history, period: .daily))
        for b in 0..<288 {
            let t = Self.monday + Int64(b) * 300
            #expect(profile.expected(at: t) == 250)
            #expect(profile.bucket(at: t)?.mad == 0)
            let scale = try #require(profile.scale(at: t))
            #expect(abs(scale - 250e-9) < 1e-20)
        }
        let zero = RegularSeries(start: Self.monday, step: 60, values: [Double](repeating: 0, count: 1_440))
        #expect(try #require(SeasonalProfile.fit(zero, period: .daily)).scale(at: Self.monday) == 1e-9)
    }

    @Test func tooLittleHistoryGivesNil() {
        let empty = RegularSeries(start: Self.monday, step: 60, values: [])
        #expect(SeasonalProfile.fit(empty, period: .daily) == nil)
        let allMissing = RegularSeries(start: Self.monday, step: 60, values: [Double](repeating: .nan, count: 500))
        #expect(SeasonalProfile.fit(allMissing, period: .weekly) == nil)
        // Two points per 5-minute bucket at most.
        let sparse = RegularSeries(start: Self.monday, step: 150, values: [Double](repeating: 1, count: 576))
        #expect(SeasonalProfile.fit(sparse, period: .daily) == nil)
        #expect(SeasonalProfile.fit(sparse, period: .daily, minPointsPerBucket: 2) != nil)
    }

    @Test func roundTripsThroughJSON() throws {
        var values = [Double](repeating: .nan, count: 1_440)
        for i in 0..<120 { values[i] = Double(i % 7) }
        let history = RegularSeries(start: Self.monday, step: 60, values: values)
        let profile = try #require(SeasonalProfile.fit(history, period: .daily))
        let data = try JSONEncoder().encode(profile)
        #expect(try JSONDecoder().decode(SeasonalProfile.self, from: data) == profile)
    }
}
