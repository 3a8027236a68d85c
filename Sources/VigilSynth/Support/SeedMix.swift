import VigilCore

/// Stateless hashing that turns a seed and a path of integers into an independent stream seed or a noise value.
///
/// Every random decision of the generator draws from a ``SplitMix64`` seeded by
/// `SeedMix.derive(seed, ...)` with a distinct path, so adding a deploy or an app
/// does not shift the random numbers of the others, and the same seed gives the
/// same corpus byte for byte. Signal noise is *counter based*: the noise of a
/// point is a hash of (series key, timestamp), so any point can be evaluated in
/// any order and the guard simulation and the CSV writer see the same values.
enum SeedMix {
    /// The SplitMix64 finalizer: a bijective avalanche mix of 64 bits.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Combines a seed with a path of integers into one well-mixed value.
    static func derive(_ seed: UInt64, _ path: UInt64...) -> UInt64 {
        derive(seed, path: path)
    }

    static func derive(_ seed: UInt64, path: [UInt64]) -> UInt64 {
        var h = mix(seed ^ 0x5EED_5EED_0000_0001)
        for part in path { h = mix(h ^ mix(part &+ 0x2545_F491_4F6C_DD1D)) }
        return h
    }

    /// A stable 64-bit tag for a string (FNV-1a), for use in derivation paths.
    static func tag(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The hash of a series key at a timestamp.
    @inline(__always)
    static func point(_ key: UInt64, _ t: Int64) -> UInt64 {
        mix(key ^ mix(UInt64(bitPattern: t) &* 0xD6E8_FEB8_6659_FD93))
    }

    /// A uniform double in [0, 1) from a hash.
    @inline(__always)
    static func unit(_ hash: UInt64) -> Double {
        Double(hash >> 11) * 0x1.0p-53
    }

    /// An approximately standard normal deviate from a hash (Irwin–Hall sum of four 16-bit uniforms).
    ///
    /// Bounded to about ±3.46; uses no libm call, so it is identical on every platform.
    @inline(__always)
    static func gaussian(_ hash: UInt64) -> Double {
        let a = Double(hash & 0xFFFF) + Double((hash >> 16) & 0xFFFF)
        let b = Double((hash >> 32) & 0xFFFF) + Double(hash >> 48)
        // Sum of four U(0,1) has mean 2 and variance 1/3.
        return ((a + b + 2) / 65_536 - 2) * 1.732_050_807_568_877_2
    }
}

extension SplitMix64 {
    /// A generator for the stream at `path` under `seed`.
    init(seed: UInt64, path: UInt64...) {
        self.init(seed: SeedMix.derive(seed, path: path))
    }

    /// A uniform integer in `range` (Lemire's multiply-high, without rejection; bias below 2^-40 for small ranges).
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        let width = UInt64(range.upperBound - range.lowerBound) + 1
        return range.lowerBound + Int(width.multipliedFullWidth(by: next()).high)
    }

    /// A uniform double in `[low, high)`.
    mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUnit()
    }

    /// `true` with probability `p`.
    mutating func chance(_ p: Double) -> Bool {
        nextUnit() < p
    }

    /// One element of a non-empty array, uniformly.
    mutating func pick<T>(_ items: [T]) -> T {
        precondition(!items.isEmpty, "pick from an empty array")
        return items[int(0...(items.count - 1))]
    }

    /// An index drawn with the given non-negative weights.
    mutating func weighted(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = nextUnit() * total
        for (i, w) in weights.enumerated() {
            if u < w { return i }
            u -= w
        }
        return weights.count - 1
    }

    /// A Fisher–Yates shuffle that uses only this generator.
    mutating func shuffle<T>(_ items: inout [T]) {
        guard items.count > 1 else { return }
        for i in stride(from: items.count - 1, to: 0, by: -1) {
            items.swapAt(i, int(0...i))
        }
    }

    /// A standard normal deviate without libm (see ``SeedMix/gaussian(_:)``).
    mutating func normal() -> Double {
        SeedMix.gaussian(next())
    }
}
