public import VigilCore

/// Reads the format's series CSV files (`timestamp,host,value` and `timestamp,value`).
///
/// Rules, from the archive format: a timestamp is integer Unix seconds or RFC 3339; a
/// value that is empty, `NaN` or `null` is a missing point; rows need not be sorted;
/// for duplicate `(timestamp, host)` rows the last one wins and the duplicates are
/// counted; a row that does not parse is skipped and counted, and a file where more
/// than 5% of rows do not parse is rejected.
///
/// Points are placed on a regular grid: the declared step when there is one, otherwise
/// one inferred from the gaps between timestamps (``inferStep(_:)``). A point off the grid
/// is moved to the nearest slot and counted.
public enum SeriesCSV {
    public struct Result: Sendable {
        /// One series per host (for `timestamp,value` files, one series with host `""`).
        public var series: [HostSeries]
        public var problems: [Problem]
        /// Set when the whole file was rejected; `series` is then empty.
        public var rejected: Bool
        public var rows: Int
        public var badRows: Int
        public var duplicateRows: Int
        public var pointCount: Int { series.reduce(0) { $0 + $1.series.count } }
    }

    /// The share of rows that may fail to parse before a file is rejected.
    public static let maxBadRowFraction = 0.05

    /// Parses a `timestamp,host,value` file (`withHost: true`) or a `timestamp,value` file.
    ///
    /// - Parameters:
    ///   - entry: the entry path, for messages.
    ///   - bytes: the file contents (UTF-8).
    ///   - withHost: whether the file has a `host` column.
    ///   - declaredStep: the metric's declared step in seconds, when known.
    public static func parse(entry: String, bytes: [UInt8], withHost: Bool, declaredStep: Int64? = nil) -> Result {
        bytes.withUnsafeBufferPointer { parse(entry: entry, buffer: $0, withHost: withHost, declaredStep: declaredStep) }
    }

    private static func parse(
        entry: String, buffer: UnsafeBufferPointer<UInt8>, withHost: Bool, declaredStep: Int64?
    ) -> Result {
        var result = Result(series: [], problems: [], rejected: false, rows: 0, badRows: 0, duplicateRows: 0)
        func reject(_ kind: String, line: Int?, _ message: String) -> Result {
            result.series = []
            result.rejected = true
            result.problems.append(.error(kind, entry: entry, line: line, message))
            return result
        }

        var lines = LineSplitter(buffer)
        // Header: the column names, in any order; extra columns are ignored.
        var header: (line: Int, fields: [String])?
        while let (lineNumber, line) = lines.next() {
            if line.isEmpty { continue }
            var fields: [String] = []
            var splitter = FieldSplitter(line)
            while let f = splitter.next() { fields.append(String(decoding: f, as: UTF8.self)) }
            header = (lineNumber, fields)
            break
        }
        guard let header else {
            return reject("empty_file", line: nil, "'\(entry)' is empty: expected a header line.")
        }
        let names = header.fields.map { $0.trimmingASCIISpaces().lowercased() }
        let required = withHost ? ["timestamp", "host", "value"] : ["timestamp", "value"]
        var columns: [Int] = []
        for name in required {
            guard let index = names.firstIndex(of: name) else {
                let expected = required.joined(separator: ",")
                return reject(
                    "bad_header", line: header.line,
                    "'\(entry)' line \(header.line): the header has no '\(name)' column (expected '\(expected)')."
                )
            }
            columns.append(index)
        }
        let timeColumn = columns[0]
        let hostColumn = withHost ? columns[1] : -1
        let valueColumn = columns[withHost ? 2 : 1]
        let columnCount = names.count

        var hosts: [[UInt8]] = []
        var perHost: [(times: [Int64], values: [Double], rows: [Int32])] = []
        var firstBad: [(line: Int, reason: String)] = []
        var lastHost = -1
        var fieldStore = [UnsafeBufferPointer<UInt8>](repeating: UnsafeBufferPointer(start: nil, count: 0), count: columnCount)

        while let (lineNumber, line) = lines.next() {
            if line.isEmpty { continue }
            result.rows += 1
            var splitter = FieldSplitter(line)
            var count = 0
            while let f = splitter.next() {
                if count < columnCount { fieldStore[count] = f }
                count += 1
            }
            func bad(_ reason: String) {
                result.badRows += 1
                if firstBad.count < 3 { firstBad.append((lineNumber, reason)) }
            }
            guard count >= columnCount || (count == columnCount - 1 && valueColumn == columnCount - 1) else {
                bad("expected \(columnCount) fields, found \(count)")
                continue
            }
            guard let time = NumberParsing.parseTimestamp(fieldStore[timeColumn].trimmedASCIISpaces()) else {
                bad("field 'timestamp' is not Unix seconds or RFC 3339")
                continue
            }
            let valueField = count > valueColumn ? fieldStore[valueColumn].trimmedASCIISpaces() : UnsafeBufferPointer(start: nil, count: 0)
            let value: Double
            if NumberParsing.isMissingMarker(valueField) {
                value = .nan
            } else if let v = NumberParsing.parseDouble(valueField) {
                value = v
            } else {
                bad("field 'value' is not a decimal number")
                continue
            }
            var hostIndex = 0
            if withHost {
                let hostField = fieldStore[hostColumn].trimmedASCIISpaces()
                guard !hostField.isEmpty else {
                    bad("field 'host' is empty")
                    continue
                }
                if lastHost >= 0 && hosts[lastHost].elementsEqual(hostField) {
                    hostIndex = lastHost
                } else if let found = hosts.firstIndex(where: { $0.elementsEqual(hostField) }) {
                    hostIndex = found
                } else {
                    hosts.append(Array(hostField))
                    perHost.append(([], [], []))
                    hostIndex = hosts.count - 1
                }
                lastHost = hostIndex
            } else if perHost.isEmpty {
                hosts.append([])
                perHost.append(([], [], []))
            }
            perHost[hostIndex].times.append(time)
            perHost[hostIndex].values.append(value)
            perHost[hostIndex].rows.append(Int32(truncatingIfNeeded: result.rows))
        }

        if result.badRows > 0 {
            let detail = firstBad.map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
            let share = Double(result.badRows) / Double(max(result.rows, 1))
            if share > maxBadRowFraction {
                return reject(
                    "bad_rows_rejected", line: firstBad.first?.line,
                    "'\(entry)': \(result.badRows) of \(result.rows) rows (\(percent(share))) do not parse, more than "
                        + "\(percent(maxBadRowFraction)); the file is rejected (\(detail))."
                )
            }
            result.problems.append(
                .warning(
                    "bad_rows", entry: entry, line: firstBad.first?.line,
                    "'\(entry)': \(result.badRows) of \(result.rows) rows skipped (\(detail))."
                )
            )
        }
        if result.rows == 0 {
            result.problems.append(.warning("empty_file", entry: entry, "'\(entry)' has a header but no rows."))
            return result
        }

        let step = declaredStep.flatMap { $0 > 0 ? $0 : nil } ?? inferStep(perHost.map(\.times))
        let origin = perHost.lazy.compactMap { $0.times.min() }.min() ?? 0
        var snapped = 0
        var order = Array(hosts.indices)
        order.sort { hosts[$0].lexicographicallyPrecedes(hosts[$1]) }
        for h in order {
            let (times, values, _) = perHost[h]
            var slots = [Int64](repeating: 0, count: times.count)
            var lo = Int64.max
            var hi = Int64.min
            for (i, t) in times.enumerated() {
                let offset = t - origin
                var slot = offset / step
                let rest = offset - slot * step
                if rest != 0 {
                    snapped += 1
                    if rest * 2 >= step { slot += 1 }
                }
                slots[i] = slot
                lo = min(lo, slot)
                hi = max(hi, slot)
            }
            let length = hi - lo + 1
            if length > Int64(times.count) * 50 + 10_000 {
                return reject(
                    "sparse_grid", line: nil,
                    "'\(entry)': the timestamps span \((hi - lo) * step) s at a step of \(step) s for only "
                        + "\(times.count) points; check that timestamps are in seconds. The file is rejected."
                )
            }
            var grid = [Double](repeating: .nan, count: Int(length))
            var filled = [Bool](repeating: false, count: Int(length))
            for (i, slot) in slots.enumerated() {
                let k = Int(slot - lo)
                if filled[k] { result.duplicateRows += 1 }
                filled[k] = true
                grid[k] = values[i]  // rows are in file order: the last one wins
            }
            let host = String(decoding: hosts[h], as: UTF8.self)
            result.series.append(HostSeries(host: host, series: RegularSeries(start: origin + lo * step, step: step, values: grid)))
        }
        if result.duplicateRows > 0 {
            result.problems.append(
                .warning(
                    "duplicate_rows", entry: entry,
                    "'\(entry)': \(result.duplicateRows) duplicate (timestamp\(withHost ? ", host" : "")) row\(result.duplicateRows == 1 ? "" : "s"); the last of each was kept."
                )
            )
        }
        if snapped > 0 {
            result.problems.append(
                .warning(
                    "off_grid", entry: entry,
                    "'\(entry)': \(snapped) points were off the \(step) s grid and were moved to the nearest slot."
                )
            )
        }
        return result
    }

    /// The grid step for a file's points.
    ///
    /// The greatest common divisor of all gaps between consecutive distinct timestamps keeps
    /// every point on the grid, also when a file mixes resolutions (back history downsampled
    /// to 5 minutes beside a day at 1 minute). When jitter makes that divisor tiny, so that the
    /// grid would be more than 8 times denser than the points, the most common gap is used
    /// instead and off-grid points snap to it. 60 when there is no gap at all.
    static func inferStep(_ timesPerHost: [[Int64]]) -> Int64 {
        var counts: [Int64: Int] = [:]
        var divisor: Int64 = 0
        var points = 0
        var span: Int64 = 0
        for times in timesPerHost {
            let sorted = times.sorted()
            points += sorted.count
            if let lo = sorted.first, let hi = sorted.last { span += hi - lo }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b > a {
                counts[b - a, default: 0] += 1
                divisor = gcd(divisor, b - a)
            }
        }
        guard let mode = counts.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) })?.key else {
            return 60
        }
        if divisor > 0 && divisor != mode && span / divisor + Int64(timesPerHost.count) <= Int64(points) * 8 {
            return divisor
        }
        return mode
    }

    static func gcd(_ a: Int64, _ b: Int64) -> Int64 {
        var (x, y) = (abs(a), abs(b))
        while y != 0 { (x, y) = (y, x % y) }
        return x
    }

    private static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return "\(tenths / 10).\(tenths % 10)%"
    }
}

/// Splits a buffer into lines (LF or CRLF), numbering them from 1; skips a UTF-8 BOM.
struct LineSplitter {
    private let buffer: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var lineNumber = 0

    init(_ buffer: UnsafeBufferPointer<UInt8>) {
        self.buffer = buffer
        if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
    }

    mutating func next() -> (Int, UnsafeBufferPointer<UInt8>)? {
        guard position < buffer.count else { return nil }
        lineNumber += 1
        let start = position
        var end = start
        while end < buffer.count && buffer[end] != 10 { end += 1 }
        position = end + 1
        if end > start && buffer[end - 1] == 13 { end -= 1 }
        return (lineNumber, UnsafeBufferPointer(rebasing: buffer[start..<end]))
    }
}

/// Splits one CSV line into fields; a field in double quotes may contain commas
/// (a doubled quote inside is returned as is, since names and numbers never need one).
struct FieldSplitter {
    private let line: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var done = false

    init(_ line: UnsafeBufferPointer<UInt8>) { self.line = line }

    mutating func next() -> UnsafeBufferPointer<UInt8>? {
        guard !done else { return nil }
        var start = position
        var end = position
        if start < line.count && line[start] == UInt8(ascii: "\"") {
            start += 1
            end = start
            while end < line.count && line[end] != UInt8(ascii: "\"") { end += 1 }
            let field = UnsafeBufferPointer(rebasing: line[start..<end])
            var after = end + 1
            while after < line.count && line[after] != UInt8(ascii: ",") { after += 1 }
            if after >= line.count { done = true } else { position = after + 1 }
            return field
        }
        while end < line.count && line[end] != UInt8(ascii: ",") { end += 1 }
        if end >= line.count { done = true } else { position = end + 1 }
        return UnsafeBufferPointer(rebasing: line[start..<end])
    }
}

extension UnsafeBufferPointer<UInt8> {
    func trimmedASCIISpaces() -> UnsafeBufferPointer<UInt8> {
        var lo = startIndex
        var hi = endIndex
        while lo < hi && (self[lo] == 32 || self[lo] == 9) { lo += 1 }
        while hi > lo && (self[hi - 1] == 32 || self[hi - 1] == 9) { hi -= 1 }
        if lo == startIndex && hi == endIndex { return self }
        return UnsafeBufferPointer(rebasing: self[lo..<hi])
    }
}

extension String {
    func trimmingASCIISpaces() -> String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
