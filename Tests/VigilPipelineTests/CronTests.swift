import Foundation
import Testing
import VigilPipeline

struct CronTests {
    static func date(_ s: String) -> Date { ISO8601DateFormatter().date(from: s)! }

    @Test func nextTimesInUTC() throws {
        let utc = TimeZone(identifier: "UTC")!
        let nightly = try CronExpression("0 2 * * *")
        #expect(nightly.next(after: Self.date("2026-11-26T01:59:00Z"), in: utc) == Self.date("2026-11-26T02:00:00Z"))
        #expect(nightly.next(after: Self.date("2026-11-26T02:00:00Z"), in: utc) == Self.date("2026-11-27T02:00:00Z"))
        let every15 = try CronExpression("*/15 9-17 * * 1-5")
        // Saturday 2026-11-28 → Monday 09:00.
        #expect(every15.next(after: Self.date("2026-11-27T17:50:00Z"), in: utc) == Self.date("2026-11-30T09:00:00Z"))
        let minute = try CronExpression("* * * * *")
        #expect(minute.next(after: Self.date("2026-11-26T10:00:30Z"), in: utc) == Self.date("2026-11-26T10:01:00Z"))
    }

    @Test func timeZonesAndDaylightSaving() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let nightly = try CronExpression("30 2 * * *")
        // 02:30 Berlin in winter is 01:30 UTC.
        #expect(nightly.next(after: Self.date("2026-11-26T00:00:00Z"), in: berlin) == Self.date("2026-11-26T01:30:00Z"))
        // 2027-03-28 02:30 does not exist in Berlin (clocks jump 02:00 → 03:00): it runs just after the gap.
        #expect(nightly.next(after: Self.date("2027-03-27T12:00:00Z"), in: berlin) == Self.date("2027-03-28T01:30:00Z"))
        // And the next day at 02:30 CEST again.
        #expect(nightly.next(after: Self.date("2027-03-28T01:30:00Z"), in: berlin) == Self.date("2027-03-29T00:30:00Z"))
    }

    @Test func missedFiresCollapseIntoOne() throws {
        let utc = TimeZone(identifier: "UTC")!
        let hourly = try CronExpression("0 * * * *")
        let due = PipelineScheduler.latestDue(
            hourly,
            in: utc,
            after: Self.date("2026-11-26T00:30:00Z"),
            now: Self.date("2026-11-26T05:10:00Z")
        )
        #expect(due == Self.date("2026-11-26T05:00:00Z"))
        #expect(
            PipelineScheduler.latestDue(
                hourly,
                in: utc,
                after: Self.date("2026-11-26T05:00:00Z"),
                now: Self.date("2026-11-26T05:10:00Z")
            ) == nil
        )
    }

    @Test func aMinutelyCronAfterMonthsOfDowntimeRunsOnce() throws {
        let utc = TimeZone(identifier: "UTC")!
        let due = PipelineScheduler.latestDue(
            try CronExpression("* * * * *"),
            in: utc,
            after: Self.date("2026-01-01T00:00:00Z"),
            now: Self.date("2026-11-26T05:10:30Z")
        )
        #expect(due == Self.date("2026-11-26T05:10:00Z"))
    }

    @Test(arguments: ["* * * *", "60 * * * *", "* 24 * * *", "*/0 * * * *", "5-1 * * * *", "a * * * *"])
    func badExpressionsAreRefused(text: String) {
        #expect(throws: CronExpression.ParseError.self) { try CronExpression(text) }
    }
}

extension CronTests {
    /// A time with a fraction of a second must not skip the next minute (the scheduler's listing
    /// once said 14:43 at 14:41:02.4 for an every-minute cron).
    @Test func nextIsTheComingMinuteWhateverTheFractionOfASecond() throws {
        let cron = try CronExpression("* * * * *")
        let utc = TimeZone(identifier: "UTC")!
        for fraction in stride(from: 0.0, to: 1.0, by: 0.01) {
            let now = Date(timeIntervalSince1970: 1_796_000_462 + fraction)  // 14:41:02.xx
            #expect(cron.next(after: now, in: utc) == Date(timeIntervalSince1970: 1_796_000_520), "\(fraction)")
        }
    }
}
