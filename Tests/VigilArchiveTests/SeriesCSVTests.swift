import Foundation
import Testing
import VigilCore

@testable import VigilArchive

struct SeriesCSVTests {
    static let t0: Int64 = 1_795_600_800

    static func csv(_ lines: [String]) -> [UInt8] { Array((lines.joined(separator: "\n") + "\n").utf8) }

    @Test func unsortedRowsLandOnTheirSlotsPerHost() throws {
        let t = Self.t0
        let r = SeriesCSV.parse(
            entry: "m.csv",
            bytes: Self.csv([
                "timestamp,host,value", "\(t + 120),a,3", "\(t),b,10", "\(t),a,1", "\(t + 60),a,2", "\(t + 60),b,",
            ]),
            withHost: true
        )
        #expect(!r.rejected)
        #expect(r.problems.isEmpty)
        #expect(r.series.map(\.host) == ["a", "b"])
        #expect(r.series[0].series == RegularSeries(start: t, step: 60, values: [1, 2, 3]))
        #expect(r.series[1].series == RegularSeries(start: t, step: 60, values: [10, .nan]))
    }

    @Test func missingMarkersAndRFC3339Timestamps() {
        let r = SeriesCSV.parse(
            entry: "m.csv",
            bytes: Self.csv([
                "timestamp,value", "2026-11-25T10:00:00Z,1.5", "2026-11-25T18:01:00+08:00,", "\(Self.t0 + 120),NaN",
                "\(Self.t0 + 180),null", "\(Self.t0 + 240),NULL", "\(Self.t0 + 300),-2e-3",
            ]),
            withHost: false
        )
        #expect(r.problems.isEmpty)
        #expect(r.series.count == 1)
        #expect(
            r.series[0].series
                == RegularSeries(start: Self.t0, step: 60, values: [1.5, .nan, .nan, .nan, .nan, -0.002])
        )
    }

    @Test func duplicatesKeepTheLastRowAndAreCounted() {
        let t = Self.t0
        let r = SeriesCSV.parse(
            entry: "m.csv",
            bytes: Self.csv(["timestamp,host,value", "\(t),a,1", "\(t + 60),a,2", "\(t),a,5", "\(t),a,6", "\(t),b,9"]),
            withHost: true
        )
        #expect(r.duplicateRows == 2)
        #expect(r.series[0].series.values[0] == 6)
        #expect(r.problems.map(\.kind) == ["duplicate_rows"])
    }

    @Test func exactlyFivePercentBadRowsLoadsAndMoreRejects() {
        func file(bad: Int, total: Int) -> [UInt8] {
            var lines = ["timestamp,host,value"]
            for i in 0..<total { lines.append(i < bad ? "x,a,1" : "\(Self.t0 + Int64(i) * 60),a,\(i)") }
            return Self.csv(lines)
        }
        let atLimit = SeriesCSV.parse(entry: "m.csv", bytes: file(bad: 5, total: 100), withHost: true)
        #expect(!atLimit.rejected)
        #expect(atLimit.badRows == 5)
        #expect(atLimit.series[0].series.count == 95)
        #expect(atLimit.problems.first?.severity == .warning)
        #expect(atLimit.problems.first?.line == 2)
        let over = SeriesCSV.parse(entry: "m.csv", bytes: file(bad: 6, total: 100), withHost: true)
        #expect(over.rejected)
        #expect(over.series.isEmpty)
        #expect(over.problems.first?.severity == .error)
        #expect(over.problems.first?.message.contains("6 of 100 rows") == true)
    }

    @Test func headerWithColumnsInAnyOrderCRLFAndBOM() {
        let text = "\u{FEFF}value,timestamp,host,extra\r\n5,\(Self.t0),h,zz\r\n6,\(Self.t0 + 60),h,zz\r\n"
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Array(text.utf8), withHost: true)
        #expect(r.problems.isEmpty)
        #expect(r.series.first?.series.values == [5, 6])
    }

    @Test func missingColumnRejectsNamingTheField() {
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Self.csv(["timestamp,value", "\(Self.t0),1"]), withHost: true)
        #expect(r.rejected)
        #expect(r.problems.first?.message.contains("'host'") == true)
        #expect(r.problems.first?.line == 1)
        #expect(SeriesCSV.parse(entry: "m.csv", bytes: [], withHost: true).rejected)
    }

    @Test func declaredStepWinsAndOffGridPointsSnap() {
        let t = Self.t0
        let r = SeriesCSV.parse(
            entry: "m.csv",
            bytes: Self.csv(["timestamp,value", "\(t),1", "\(t + 31),2", "\(t + 59),3"]),
            withHost: false,
            declaredStep: 30
        )
        #expect(r.series[0].series.step == 30)
        #expect(r.series[0].series.values == [1, 2, 3])
        #expect(r.problems.contains { $0.kind == "off_grid" })
    }

    @Test func inferredStepIsTheMostCommonGap() {
        #expect(SeriesCSV.inferStep([[0, 60, 120, 300, 360]]) == 60)
        #expect(SeriesCSV.inferStep([[0]]) == 60)
        #expect(SeriesCSV.inferStep([[0, 300, 600], [0, 300]]) == 300)
        // Mixed resolutions: the common divisor keeps every point on the grid.
        #expect(SeriesCSV.inferStep([[0, 300, 600, 900, 960, 1020, 1080]]) == 60)
        // Jitter: the divisor would be 1 s, so the most common gap wins.
        #expect(SeriesCSV.inferStep([[0, 60, 121, 180, 239, 300, 360, 420]]) == 60)
    }

    @Test func farApartTimestampsAreRejectedNotExpanded() {
        let far = Self.t0 + 10 * 365 * 86_400
        let r = SeriesCSV.parse(
            entry: "m.csv",
            bytes: Self.csv(["timestamp,value", "\(Self.t0),1", "\(Self.t0 + 60),2", "\(far),3"]),
            withHost: false
        )
        #expect(r.rejected)
        #expect(r.problems.first?.kind == "sparse_grid")
    }

    @Test func millisecondTimestampsAreOutOfRangeRows() {
        var lines = ["timestamp,value"]
        for i in 0..<40 { lines.append("\(Self.t0 + Int64(i) * 60),\(i)") }
        lines.append("\(Self.t0 * 1000),99")
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Self.csv(lines), withHost: false)
        #expect(!r.rejected)
        #expect(r.badRows == 1)
        #expect(r.problems.first?.message.contains("out of range") == true)
    }

    @Test func extremeTimestampsNeverOverflow() {
        var lines = ["timestamp,host,value"]
        for h in 0..<10 {
            lines.append("-999999999999999999,h\(h),1")
            lines.append("999999999999999999,h\(h),1")
            lines.append("-62135596800,h\(h),1")
            lines.append("253402300799,h\(h),1")
        }
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Self.csv(lines), withHost: true)
        #expect(r.rejected)  // half the rows are out of range, and the rest span 10,000 years
    }

    @Test func manyHostsWithSparseRowsCannotExpandIntoGigabytes() {
        var lines = ["timestamp,host,value"]
        for h in 0..<3000 {
            lines.append("0,host-\(h),1")
            lines.append("60,host-\(h),1")
            lines.append("600000,host-\(h),1")
        }
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Self.csv(lines), withHost: true)
        #expect(r.rejected)
        #expect(r.problems.first?.kind == "sparse_grid")
    }

    @Test func manyHostsAreFoundByName() {
        var lines = ["timestamp,host,value"]
        for m in 0..<3 {
            for h in 0..<40 { lines.append("\(Self.t0 + Int64(m) * 60),host-\(h),\(h * 10 + m)") }
        }
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Self.csv(lines), withHost: true)
        #expect(r.series.count == 40)
        let h7 = r.series.first { $0.host == "host-7" }
        #expect(h7?.series.values == [70, 71, 72])
    }

    @Test func differentTimesOnOneSlotAreNotCalledDuplicates() {
        let t = Self.t0
        var lines = ["timestamp,value"]
        for i in 0..<20 { lines.append("\(t + Int64(i) * 60),\(i)") }
        lines.append("\(t + 125),99")  // off the 60 s grid, lands on the slot of t + 120
        let r = SeriesCSV.parse(entry: "m.csv", bytes: Self.csv(lines), withHost: false)
        #expect(r.duplicateRows == 0)
        #expect(r.series[0].series.step == 60)
        #expect(r.series[0].series.values[2] == 99)
        #expect(r.problems.contains { $0.kind == "off_grid" && $0.message.contains("occupied slot") })
    }
}

struct NumberParsingTests {
    static func parse(_ s: String) -> Double? {
        Array(s.utf8).withUnsafeBufferPointer { NumberParsing.parseDouble($0) }
    }

    @Test(arguments: [
        "0", "-0", "1", "182.5", "-2e-3", "1E10", "+3.25", "0.1", "123456789012345678901234", "1e308", "4.9e-324",
        "0.30000000000000004", "9007199254740993", "1.7976931348623157e308",
    ])
    func agreesWithStrtod(text: String) {
        #expect(Self.parse(text) == strtod(text, nil))
    }

    @Test func matchesStrtodOnRandomDecimals() {
        var rng = SplitMix64(seed: 1)
        for _ in 0..<20_000 {
            let digits = Int(rng.next() % 18) + 1
            var mantissa = String(rng.next() % 10)
            for _ in 1..<digits { mantissa += String(rng.next() % 10) }
            let point = Int(rng.next() % UInt64(digits + 1))
            var text = String(mantissa.prefix(point)) + "." + String(mantissa.dropFirst(point))
            if text.hasPrefix(".") { text = "0" + text }
            if rng.next() % 3 == 0 { text += "e\(Int(rng.next() % 40) - 20)" }
            if rng.next() % 2 == 0 { text = "-" + text }
            #expect(Self.parse(text) == strtod(text, nil), "\(text)")
        }
    }

    @Test(arguments: ["", "-", "1.", ".", "e5", "1e", "inf", "nan", "0x10", "1,5", "1 ", "--1", "1e+"])
    func rejectsNonDecimals(text: String) {
        if text == "1." {
            #expect(Self.parse(text) == 1)  // a trailing point is still a decimal number
        } else {
            #expect(Self.parse(text) == nil)
        }
    }

    @Test func timestampsAreSecondsOrRFC3339() {
        func ts(_ s: String) -> Int64? { Array(s.utf8).withUnsafeBufferPointer { NumberParsing.parseTimestamp($0) } }
        #expect(ts("1795600800") == 1_795_600_800)
        #expect(ts("2026-11-25T10:00:00Z") == 1_795_600_800)
        #expect(ts("1795600800.5") == nil)
        #expect(ts("") == nil)
        #expect(ts("12345678901234567890") == nil)
    }
}
