/// Appends CSV fields to a byte buffer without going through `String`, with a fixed decimal format.
struct ByteWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func append(_ byte: UInt8) { bytes.append(byte) }

    mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Writes a signed integer in decimal.
    mutating func appendInt(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        var divisor: UInt64 = 1
        while divisor <= magnitude / 10 { divisor *= 10 }
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude / divisor % 10))
            divisor /= 10
        }
    }

    /// Writes `value` rounded half away from zero to `decimals` places, without trailing zeros.
    ///
    /// The rounding is done on `value * 10^decimals` in binary64, then printed from the
    /// integer, so the text depends only on the double's bits.
    mutating func appendDecimal(_ value: Double, decimals: Int) {
        precondition(value.isFinite, "only finite values are formatted")
        let scale = ByteWriter.powersOfTen[decimals]
        let scaled = Int64((value * Double(scale)).rounded())
        if scaled == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        if scaled < 0 { bytes.append(UInt8(ascii: "-")) }
        let magnitude = scaled.magnitude
        appendInt(Int64(magnitude / UInt64(scale)))
        var fraction = magnitude % UInt64(scale)
        guard fraction != 0 else { return }
        var width = decimals
        while fraction % 10 == 0 {
            fraction /= 10
            width -= 1
        }
        bytes.append(UInt8(ascii: "."))
        var divisor = UInt64(ByteWriter.powersOfTen[width - 1])
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    static let powersOfTen: [Int64] = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000, 10_000_000]
}

/// Formats a double like ``ByteWriter/appendDecimal(_:decimals:)``, as a `String`.
func formatDecimal(_ value: Double, decimals: Int) -> String {
    var writer = ByteWriter(capacity: 16)
    writer.appendDecimal(value, decimals: decimals)
    return String(decoding: writer.bytes, as: UTF8.self)
}
