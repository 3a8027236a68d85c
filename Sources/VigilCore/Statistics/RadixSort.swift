/// Ascending sort of `Double` arrays by least-significant-digit radix sort on their bit patterns.
///
/// Each value maps to an unsigned key that orders like the value: a non-negative value sets its
/// sign bit, a negative one flips every bit. The keys are sorted byte by byte (eight passes
/// whose 256 buckets stay in the first-level cache) and mapped back. The standard library's comparison sort takes
/// about ten times as long on a million values (see `shared/SWIFT-ON-THIS-MACHINE.md`).
///
/// `-0.0` becomes `+0.0`, so equal values have equal keys. Callers pass NaN-free input.
///
/// Source: H. H. Seward, "Information sorting in the application of electronic digital
/// computers to business operations", MIT Digital Computer Laboratory report R-232, 1954;
/// P. Herf, "Radix Tricks" (2001), for the float key transform.
enum RadixSort {
    /// Arrays shorter than this use the standard library's sort.
    static let threshold = 512

    /// The order-preserving key of a non-NaN value; `-0.0` and `+0.0` share a key.
    @inline(__always)
    static func key(_ v: Double) -> UInt64 {
        let bits = (v + 0).bitPattern  // -0.0 + 0 is +0.0
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    /// The value of a key made by ``key(_:)``.
    @inline(__always)
    static func value(ofKey key: UInt64) -> Double {
        Double(bitPattern: key & (1 << 63) != 0 ? key & ~(1 << 63) : ~key)
    }

    /// `x` sorted ascending.
    /// - Complexity: O(n).
    static func sorted(_ x: [Double]) -> [Double] {
        let n = x.count
        if n < threshold { return x.sorted() }
        let keys = sortedKeys(x)
        return [Double](unsafeUninitializedCapacity: n) { out, initialized in
            keys.withUnsafeBufferPointer { k in
                for i in 0..<n { out[i] = value(ofKey: k[i]) }
            }
            initialized = n
        }
    }

    /// The keys of `x` (``key(_:)``), sorted ascending: eight passes of one byte each, all eight
    /// histograms counted in one read, a pass skipped when every key has the same byte there.
    /// - Complexity: O(n).
    static func sortedKeys(_ x: [Double]) -> [UInt64] {
        let n = x.count
        var keys = [UInt64](unsafeUninitializedCapacity: n) { k, initialized in
            x.withUnsafeBufferPointer { v in
                for i in 0..<n { k[i] = key(v[i]) }
            }
            initialized = n
        }
        if n < threshold {
            keys.sort()
            return keys
        }
        var counts = [Int](repeating: 0, count: 8 * 256)
        counts.withUnsafeMutableBufferPointer { c in
            keys.withUnsafeBufferPointer { k in
                for i in 0..<n {
                    let key = k[i]
                    for pass in 0..<8 {
                        c[pass &* 256 &+ Int(truncatingIfNeeded: (key &>> UInt64(8 &* pass)) & 0xFF)] &+= 1
                    }
                }
            }
        }
        var scratch = [UInt64](repeating: 0, count: n)
        var inKeys = true
        var offsets = [Int](repeating: 0, count: 256)
        for pass in 0..<8 {
            let base = pass * 256
            let shift = UInt64(8 * pass)
            let any = inKeys ? keys[0] : scratch[0]
            if counts[base + Int((any >> shift) & 0xFF)] == n { continue }
            var total = 0
            for d in 0..<256 {
                offsets[d] = total
                total += counts[base + d]
            }
            offsets.withUnsafeMutableBufferPointer { o in
                keys.withUnsafeMutableBufferPointer { a in
                    scratch.withUnsafeMutableBufferPointer { b in
                        let (src, dst) = inKeys ? (a, b) : (b, a)
                        for i in 0..<n {
                            let key = src[i]
                            let d = Int(truncatingIfNeeded: (key &>> shift) & 0xFF)
                            dst[o[d]] = key
                            o[d] &+= 1
                        }
                    }
                }
            }
            inKeys.toggle()
        }
        return inKeys ? keys : scratch
    }
}
