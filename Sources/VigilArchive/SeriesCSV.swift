internal import Foundation
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

    /// The longest series one host may have (20 million points, 160 MB), far below SQLite's blob limit.
    public static let maxSeriesLength: Int64 = 20_000_000

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
        bytes.withUnsafeBufferPointer {
            parse(entry: entry, buffer: $0, withHost: withHost, declaredStep: declaredStep)
        }
    }

    private static func parse(
        entry: String,
        buffer: UnsafeBufferPointer<UInt8>,
        withHost: Bool,
        declaredStep: Int64?
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
                    "bad_header",
                    line: header.line,
                    "'\(entry)' line \(header.line): the header has no '\(name)' column (expected '\(expected)')."
                )
            }
            columns.append(index)
        }
        let timeColumn = columns[0]
        let hostColumn = withHost ? columns[1] : -1
        let valueColumn = columns[withHost ? 2 : 1]
        let columnCount = names.count

        // Rows go to flat arrays (no per-host arrays to grow); the grid is built in one pass after.
        var hosts: [[UInt8]] = []
        let estimatedRows = buffer.count / 24 + 16
        var rowHost: [Int32] = []
        var rowTime: [Int64] = []
        var rowValue: [Double] = []
        rowHost.reserveCapacity(estimatedRows)
        rowTime.reserveCapacity(estimatedRows)
        rowValue.reserveCapacity(estimatedRows)
        var hostMin: [Int64] = []
        var hostMax: [Int64] = []
        var hostLast: [Int64] = []
        var hostCount: [Int] = []
        var gaps = GapStats()
        var sortedPerHost = true
        var hostIndexByName: [[UInt8]: Int] = [:]
        var firstBad: [(line: Int, reason: String)] = []
        var lastHost = -1
        var fieldStore = [UnsafeBufferPointer<UInt8>](
            repeating: UnsafeBufferPointer(start: nil, count: 0),
            count: columnCount
        )

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
            // Years 1 to 9999, as RFC 3339 allows; also keeps every sum of spans far from overflow.
            guard time >= -62_135_596_800 && time <= 253_402_300_799 else {
                bad("field 'timestamp' is out of range (years 1 to 9999)")
                continue
            }
            let valueField =
                count > valueColumn
                ? fieldStore[valueColumn].trimmedASCIISpaces() : UnsafeBufferPointer(start: nil, count: 0)
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
                // Rows usually repeat the last host or cycle through the hosts in order: try those first.
                let next = lastHost + 1 < hosts.count ? lastHost + 1 : 0
                if lastHost >= 0 && bytesEqual(hosts[lastHost], hostField) {
                    hostIndex = lastHost
                } else if next < hosts.count && bytesEqual(hosts[next], hostField) {
                    hostIndex = next
                } else if hosts.count <= 16, let found = hosts.firstIndex(where: { bytesEqual($0, hostField) }) {
                    hostIndex = found
                } else if hosts.count > 16, let found = hostIndexByName[Array(hostField)] {
                    // Many hosts: a dictionary keeps the lookup from growing with the host count.
                    hostIndex = found
                } else {
                    hosts.append(Array(hostField))
                    hostIndex = hosts.count - 1
                    if hosts.count == 17 {
                        for (i, name) in hosts.enumerated() { hostIndexByName[name] = i }
                    } else if hosts.count > 17 {
                        hostIndexByName[hosts[hostIndex]] = hostIndex
                    }
                }
                lastHost = hostIndex
            }
            if hostIndex == hostCount.count {
                hostMin.append(time)
                hostMax.append(time)
                hostLast.append(time)
                hostCount.append(0)
                if !withHost { hosts.append([]) }
            } else {
                let previous = hostLast[hostIndex]
                if time > previous {
                    gaps.add(time - previous)
                } else if time < previous {
                    sortedPerHost = false
                }
                hostLast[hostIndex] = time
                if time < hostMin[hostIndex] { hostMin[hostIndex] = time }
                if time > hostMax[hostIndex] { hostMax[hostIndex] = time }
            }
            hostCount[hostIndex] += 1
            rowHost.append(Int32(truncatingIfNeeded: hostIndex))
            rowTime.append(time)
            rowValue.append(value)
        }

        if result.badRows > 0 {
            let detail = firstBad.map { "line \($0.line): \($0.reason)" }.joined(separator: "; ")
            let share = Double(result.badRows) / Double(max(result.rows, 1))
            if share > maxBadRowFraction {
                return reject(
                    "bad_rows_rejected",
                    line: firstBad.first?.line,
                    "'\(entry)': \(result.badRows) of \(result.rows) rows (\(percent(share))) do not parse, more than "
                        + "\(percent(maxBadRowFraction)); the file is rejected (\(detail))."
                )
            }
            result.problems.append(
                .warning(
                    "bad_rows",
                    entry: entry,
                    line: firstBad.first?.line,
                    "'\(entry)': \(result.badRows) of \(result.rows) rows skipped (\(detail))."
                )
            )
        }
        if result.rows == 0 {
            result.problems.append(.warning("empty_file", entry: entry, "'\(entry)' has a header but no rows."))
            return result
        }

        let step: Int64
        if let declared = declaredStep, declared > 0 {
            step = declared
        } else if sortedPerHost {
            step = gaps.step(
                points: rowTime.count,
                span: zip(hostMin, hostMax).reduce(0) { $0 + $1.1 - $1.0 },
                hosts: hosts.count
            )
        } else {
            var timesPerHost = [[Int64]](repeating: [], count: hosts.count)
            for (h, t) in zip(rowHost, rowTime) { timesPerHost[Int(h)].append(t) }
            step = inferStep(timesPerHost)
        }
        let origin = hostMin.min() ?? 0
        @inline(__always) func slot(_ t: Int64) -> Int64 {
            let offset = t - origin
            let whole = offset / step
            let rest = offset - whole * step
            return rest * 2 >= step ? whole + 1 : whole
        }
        // Slot bounds per host: rounding to the nearest slot is monotonic in time. The grid may
        // hold gaps, but not so many that a few rows expand into gigabytes.
        var lo = [Int64](repeating: 0, count: hosts.count)
        var offsets = [Int](repeating: 0, count: hosts.count + 1)
        let slotBudget = Int64(rowTime.count) * 50 + 10_000
        for h in hosts.indices {
            lo[h] = slot(hostMin[h])
            let length = slot(hostMax[h]) - lo[h] + 1
            if length > Int64(hostCount[h]) * 50 + 10_000 || length > maxSeriesLength
                || Int64(offsets[h]) + length > slotBudget
            {
                return reject(
                    "sparse_grid",
                    line: nil,
                    "'\(entry)': the timestamps span \(hostMax[h] - hostMin[h]) s at a step of \(step) s for only "
                        + "\(hostCount[h]) points on host '\(String(decoding: hosts[h], as: UTF8.self))'; check that "
                        + "timestamps are in seconds. The file is rejected."
                )
            }
            offsets[h + 1] = offsets[h] + Int(length)
        }
        var grid = [Double](repeating: .nan, count: offsets[hosts.count])
        // The original time of the row that filled each slot (Int64.min: none), to tell a true
        // duplicate (same timestamp and host) from a different time snapped onto the same slot.
        var slotTime = [Int64](repeating: .min, count: offsets[hosts.count])
        var snapped = 0
        var collisions = 0
        grid.withUnsafeMutableBufferPointer { grid in
            slotTime.withUnsafeMutableBufferPointer { slotTime in
                for i in rowTime.indices {
                    let h = Int(rowHost[i])
                    let t = rowTime[i]
                    if (t - origin) % step != 0 { snapped += 1 }
                    let k = offsets[h] + Int(slot(t) - lo[h])
                    if slotTime[k] == t {
                        result.duplicateRows += 1
                    } else if slotTime[k] != .min {
                        collisions += 1
                    }
                    slotTime[k] = t
                    grid[k] = rowValue[i]  // rows are in file order: the last one wins
                }
            }
        }
        for h in hosts.indices.sorted(by: { hosts[$0].lexicographicallyPrecedes(hosts[$1]) }) {
            let host = String(decoding: hosts[h], as: UTF8.self)
            let values = Array(grid[offsets[h]..<offsets[h + 1]])
            result.series.append(
                HostSeries(host: host, series: RegularSeries(start: origin + lo[h] * step, step: step, values: values))
            )
        }
        if result.duplicateRows > 0 {
            result.problems.append(
                .warning(
                    "duplicate_rows",
                    entry: entry,
                    "'\(entry)': \(result.duplicateRows) duplicate (timestamp\(withHost ? ", host" : "")) row\(result.duplicateRows == 1 ? "" : "s"); the last of each was kept."
                )
            )
        }
        if snapped > 0 {
            result.problems.append(
                .warning(
                    "off_grid",
                    entry: entry,
                    "'\(entry)': \(snapped) points were off the \(step) s grid and were moved to the nearest slot"
                        + (collisions > 0
                            ? "; \(collisions) of them landed on an occupied slot, where the later row was kept." : ".")
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
        var gaps = GapStats()
        var points = 0
        var span: Int64 = 0
        for times in timesPerHost {
            let sorted = times.sorted()
            points += sorted.count
            if let lo = sorted.first, let hi = sorted.last { span += hi - lo }
            for (a, b) in zip(sorted, sorted.dropFirst()) where b > a { gaps.add(b - a) }
        }
        return gaps.step(points: points, span: span, hosts: timesPerHost.count)
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

/// Counts the gaps between consecutive timestamps: their greatest common divisor and the most common one.
struct GapStats {
    // Most files have one or two distinct gaps: a small table avoids hashing every row.
    private var small: [(gap: Int64, count: Int)] = []
    private var overflow: [Int64: Int] = [:]
    private(set) var divisor: Int64 = 0

    mutating func add(_ gap: Int64) {
        if divisor == 0 || gap % divisor != 0 { divisor = SeriesCSV.gcd(divisor, gap) }
        for i in small.indices where small[i].gap == gap {
            small[i].count += 1
            return
        }
        if small.count < 8 { small.append((gap, 1)) } else { overflow[gap, default: 0] += 1 }
    }

    /// The most common gap (ties: the smaller); `nil` when there were none.
    var mode: Int64? {
        var best: (gap: Int64, count: Int)?
        for candidate in small + overflow.map({ (gap: $0.key, count: $0.value) }) {
            if let b = best, b.count > candidate.count || (b.count == candidate.count && b.gap < candidate.gap) {
                continue
            }
            best = candidate
        }
        return best?.gap
    }

    /// The divisor when it keeps the grid at most 8 times denser than the points, else the mode; 60 without gaps.
    func step(points: Int, span: Int64, hosts: Int) -> Int64 {
        guard let mode else { return 60 }
        if divisor > 0 && divisor != mode && span / divisor + Int64(hosts) <= Int64(points) * 8 { return divisor }
        return mode
    }
}

/// Compares a stored name with a field; names are short, so an inline loop beats a call to memcmp.
@inline(__always)
private func bytesEqual(_ a: [UInt8], _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    return a.withUnsafeBufferPointer { a in
        var i = a.count - 1
        // Host names tend to differ at the end (cart-03, cart-17): compare from the back.
        while i >= 0 {
            if a[i] != b[i] { return false }
            i -= 1
        }
        return true
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
        var end = buffer.count
        if let found = memchr(buffer.baseAddress! + start, 10, buffer.count - start) {
            end = buffer.baseAddress!.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
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
