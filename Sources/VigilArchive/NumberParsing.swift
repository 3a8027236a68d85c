internal import Foundation
internal import VigilCore

/// Parsing of decimal numbers and timestamps from CSV bytes, without allocating.
enum NumberParsing {
    /// 10^p for p in 0...22, all exactly representable; a switch, so the hot path touches no global.
    @inline(__always)
    private static func exactPowerOfTen(_ p: Int) -> Double {
        switch p {
        case 0: return 1e0
        case 1: return 1e1
        case 2: return 1e2
        case 3: return 1e3
        case 4: return 1e4
        case 5: return 1e5
        case 6: return 1e6
        case 7: return 1e7
        case 8: return 1e8
        case 9: return 1e9
        case 10: return 1e10
        case 11: return 1e11
        case 12: return 1e12
        case 13: return 1e13
        case 14: return 1e14
        case 15: return 1e15
        case 16: return 1e16
        case 17: return 1e17
        case 18: return 1e18
        case 19: return 1e19
        case 20: return 1e20
        case 21: return 1e21
        default: return 1e22
        }
    }

    /// Parses a decimal number (`[+-]digits[.digits][(e|E)[+-]digits]`), correctly rounded.
    ///
    /// Most values take Clinger's fast path (at most 15 significant digits and a power of
    /// ten up to 22, where one IEEE multiplication or division is exact); the rest go
    /// through `strtod`. Returns `nil` for anything else, including `inf`, `nan` and hex.
    static func parseDouble(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        var i = 0
        let n = b.count
        guard n > 0 else { return nil }
        var negative = false
        if b[0] == UInt8(ascii: "-") || b[0] == UInt8(ascii: "+") {
            negative = b[0] == UInt8(ascii: "-")
            i = 1
        }
        var mantissa: UInt64 = 0
        var significant = 0
        var exponent = 0
        var digits = 0
        while i < n, b[i] &- 48 < 10 {
            if mantissa != 0 || b[i] != 48 { significant += 1 }
            if significant <= 19 { mantissa = mantissa &* 10 &+ UInt64(b[i] &- 48) } else { exponent += 1 }
            digits += 1
            i += 1
        }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < n, b[i] &- 48 < 10 {
                if mantissa != 0 || b[i] != 48 { significant += 1 }
                if significant <= 19 {
                    mantissa = mantissa &* 10 &+ UInt64(b[i] &- 48)
                    exponent -= 1
                }
                digits += 1
                i += 1
            }
        }
        guard digits > 0 else { return nil }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var expNegative = false
            if i < n, b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") {
                expNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var expDigits = 0
            while i < n, b[i] &- 48 < 10 {
                if e < 100_000 { e = e * 10 + Int(b[i] &- 48) }
                expDigits += 1
                i += 1
            }
            guard expDigits > 0 else { return nil }
            exponent += expNegative ? -e : e
        }
        guard i == n else { return nil }
        if significant <= 15 && mantissa < (1 << 53) && abs(exponent) <= 22 {
            var value = Double(mantissa)
            value = exponent < 0 ? value / exactPowerOfTen(-exponent) : value * exactPowerOfTen(exponent)
            return negative ? -value : value
        }
        return slowParse(b)
    }

    private static func slowParse(_ b: UnsafeBufferPointer<UInt8>) -> Double? {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: b.count + 1) { buffer in
            for (i, byte) in b.enumerated() { buffer[i] = CChar(bitPattern: byte) }
            buffer[b.count] = 0
            var end: UnsafeMutablePointer<CChar>?
            let value = strtod(buffer.baseAddress!, &end)
            guard let end, end == buffer.baseAddress! + b.count, value.isFinite else { return nil }
            return value
        }
    }

    /// Parses a timestamp: integer Unix seconds, or RFC 3339.
    static func parseTimestamp(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        guard !b.isEmpty else { return nil }
        var start = 0
        if b[0] == UInt8(ascii: "-") { start = 1 }
        // More than 18 digits could overflow, and no real time needs them.
        var allDigits = b.count - start <= 18
        var value: Int64 = 0
        if allDigits {
            for i in start..<b.count {
                let d = b[i] &- 48
                if d >= 10 {
                    allDigits = false
                    break
                }
                value = value * 10 + Int64(d)
            }
        }
        if allDigits && b.count > start { return start == 1 ? -value : value }
        return RFC3339.parse(b)
    }

    /// Whether a value field means "missing": empty, `NaN` or `null` (any case).
    static func isMissingMarker(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        switch b.count {
        case 0: return true
        case 3:
            return (b[0] | 0x20) == UInt8(ascii: "n") && (b[1] | 0x20) == UInt8(ascii: "a")
                && (b[2] | 0x20) == UInt8(ascii: "n")
        case 4:
            return (b[0] | 0x20) == UInt8(ascii: "n") && (b[1] | 0x20) == UInt8(ascii: "u")
                && (b[2] | 0x20) == UInt8(ascii: "l") && (b[3] | 0x20) == UInt8(ascii: "l")
        default: return false
        }
    }
}
