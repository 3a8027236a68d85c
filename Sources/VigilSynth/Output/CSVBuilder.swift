import VigilCore

/// Builds one CSV series file, then spoils it the way real exporters do: missing values,
/// a short run of missing rows, re-sent duplicates, and rarely a row that does not parse.
struct CSVBuilder {
    /// One row before serialization.
    struct Row {
        var time: Int32
        /// Index into `hostNames`, or -1 for app-level history rows.
        var host: Int16
        var value: Double
        /// 0 a value, 1 empty, 2 `NaN`, 3 `null`.
        var missing: UInt8 = 0
    }

    var timestamps: [Int64]
    var hostNames: [String]
    var decimals: Int
    var rfc3339: Bool
    /// Values never exceed this (1 for ratios, 100 for percentages).
    var upperBound: Double
    var rows: [Row] = []

    init(timestamps: [Int64], hostNames: [String], decimals: Int, rfc3339: Bool, upperBound: Double = .infinity) {
        self.timestamps = timestamps
        self.upperBound = upperBound
        self.hostNames = hostNames
        self.decimals = decimals
        self.rfc3339 = rfc3339
        rows.reserveCapacity(timestamps.count * max(1, hostNames.count))
    }

    /// Applies the irregularities with rates from `knobs`, using `rng`, then renders the file.
    mutating func render(knobs: Knobs, rng: inout SplitMix64) -> [UInt8] {
        guard !rows.isEmpty else { return Array(header.utf8) }
        // A short run of missing rows on one series.
        if rows.count > 60 && rng.chance(knobs.gapRunFileRate) {
            let host = rows[rng.int(0...(rows.count - 1))].host
            let length = rng.int(3...10)
            let first = Int32(rng.int(0...max(0, timestamps.count - length - 1)))
            rows.removeAll { $0.host == host && $0.time >= first && $0.time < first + Int32(length) }
        }
        // Scattered missing values in the three spellings.
        for i in rows.indices where rng.chance(knobs.gapRate) {
            rows[i].missing = UInt8(rng.int(1...3))
        }
        // Re-sent rows: a preliminary value first, the final one at the end (the last one wins).
        var resent: [Row] = []
        if rows.count > 20 && rng.chance(knobs.duplicateFileRate) {
            for _ in 0..<rng.int(1...3) {
                let i = rng.int(0...(rows.count - 1))
                guard rows[i].missing == 0 else { continue }
                resent.append(rows[i])
                if rng.chance(0.5) {
                    let preliminary = rows[i].value * (1 + 0.04 * rng.normal())
                    rows[i].value = min(upperBound, max(0, decimals == 0 ? preliminary.rounded() : preliminary))
                }
            }
        }
        var malformedAt = -1
        if rows.count >= 60 && rng.chance(knobs.malformedFileRate) {
            malformedAt = rng.int(0...(rows.count - 1))
        }
        var out = ByteWriter(capacity: rows.count * 26 + 64)
        out.append(header)
        let stamps = rfc3339 ? timestamps.map { Array(CSVBuilder.offsetTimestamp($0).utf8) } : []
        for (i, row) in rows.enumerated() {
            if i == malformedAt {
                writeMalformed(near: row, kind: rng.int(0...2), to: &out)
            }
            write(row, to: &out, stamps: stamps)
        }
        for row in resent { write(row, to: &out, stamps: stamps) }
        return out.bytes
    }

    private var header: String { hostNames.isEmpty ? "timestamp,value\n" : "timestamp,host,value\n" }

    private func write(_ row: Row, to out: inout ByteWriter, stamps: [[UInt8]]) {
        if rfc3339 { out.append(stamps[Int(row.time)]) } else { out.appendInt(timestamps[Int(row.time)]) }
        out.append(UInt8(ascii: ","))
        if row.host >= 0 {
            out.append(hostNames[Int(row.host)])
            out.append(UInt8(ascii: ","))
        }
        switch row.missing {
        case 0: out.appendDecimal(row.value, decimals: decimals)
        case 1: break
        case 2: out.append("NaN")
        default: out.append("null")
        }
        out.append(UInt8(ascii: "\n"))
    }

    private func writeMalformed(near row: Row, kind: Int, to out: inout ByteWriter) {
        let host = row.host >= 0 ? hostNames[Int(row.host)] + "," : ""
        switch kind {
        case 0:
            // A truncated line: the value field is missing.
            out.appendInt(timestamps[Int(row.time)])
            if row.host >= 0 { out.append("," + hostNames[Int(row.host)]) }
        case 1:
            out.append("17934912O0,\(host)")
            out.appendDecimal(row.value, decimals: decimals)
        default:
            out.appendInt(timestamps[Int(row.time)])
            out.append(",\(host)#VALUE!")
        }
        out.append(UInt8(ascii: "\n"))
    }

    /// RFC 3339 in China Standard Time (`+08:00`), as one exporter writes it.
    static func offsetTimestamp(_ t: Int64) -> String {
        String(RFC3339.format(t + 8 * 3600).dropLast()) + "+08:00"
    }
}
