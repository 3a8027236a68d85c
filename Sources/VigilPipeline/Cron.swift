public import Foundation

/// A five-field cron expression: minute, hour, day of month, month, day of week (0 or 7 is Sunday).
///
/// Fields take `*`, numbers, ranges `a-b`, steps `*/n` and `a-b/n`, and comma lists. As in
/// Vixie cron, when both day fields are restricted a day matches if either does.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let text: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let daysRestricted: Bool
    let weekdaysRestricted: Bool

    public var description: String { text }

    public init(_ text: String) throws(ParseError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard fields.count == 5 else {
            throw ParseError(
                description: "a cron expression has 5 fields (minute hour day month weekday), not \(fields.count)"
            )
        }
        self.text = fields.joined(separator: " ")
        minutes = try Self.field(fields[0], "minute", 0...59)
        hours = try Self.field(fields[1], "hour", 0...23)
        days = try Self.field(fields[2], "day of month", 1...31)
        months = try Self.field(fields[3], "month", 1...12)
        weekdays = Set(try Self.field(fields[4], "day of week", 0...7).map { $0 % 7 })
        // As in Vixie cron, a day field starting with `*` (also `*/2`) does not restrict.
        daysRestricted = !fields[2].hasPrefix("*")
        weekdaysRestricted = !fields[4].hasPrefix("*")
    }

    static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(ParseError) -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2, !pieces[0].isEmpty else {
                throw ParseError(description: "bad \(name) field '\(text)'")
            }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else {
                    throw ParseError(description: "bad step in \(name) field '\(text)'")
                }
                step = s
            }
            var low = range.lowerBound
            var high = range.upperBound
            if pieces[0] != "*" {
                let bounds = pieces[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
                guard (1...2).contains(bounds.count), let a = bounds.first ?? nil, let b = bounds.last ?? nil else {
                    throw ParseError(description: "bad \(name) field '\(text)'")
                }
                low = a
                high = bounds.count == 2 ? b : (pieces.count == 2 ? range.upperBound : a)
            }
            guard range.contains(low), range.contains(high), low <= high else {
                throw ParseError(
                    description: "\(name) values must be within \(range.lowerBound)-\(range.upperBound) in '\(text)'"
                )
            }
            values.formUnion(Swift.stride(from: low, through: high, by: step))
        }
        return values
    }

    /// The first matching minute strictly after `date`, in `timeZone`; `nil` if none within five years.
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let start = date.addingTimeInterval(60 - date.timeIntervalSince1970.truncatingRemainder(dividingBy: 60))
        var day = calendar.startOfDay(for: start)
        for _ in 0..<(366 * 5) {
            let c = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
            let weekday = (c.weekday ?? 1) - 1
            let dayMatches: Bool
            switch (daysRestricted, weekdaysRestricted) {
            case (true, true): dayMatches = days.contains(c.day!) || weekdays.contains(weekday)
            case (true, false): dayMatches = days.contains(c.day!)
            case (false, true): dayMatches = weekdays.contains(weekday)
            case (false, false): dayMatches = true
            }
            if months.contains(c.month!) && dayMatches {
                for h in hours.sorted() {
                    for m in minutes.sorted() {
                        var dc = DateComponents()
                        dc.year = c.year
                        dc.month = c.month
                        dc.day = c.day
                        dc.hour = h
                        dc.minute = m
                        // A time inside a spring-forward gap resolves to just after it, so the
                        // job still runs that day, as in Vixie cron.
                        guard let candidate = calendar.date(from: dc), candidate >= start else { continue }
                        return candidate
                    }
                }
            }
            guard let next = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = next
        }
        return nil
    }
}
