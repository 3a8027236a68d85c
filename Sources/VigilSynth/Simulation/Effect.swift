/// A change to one metric on a set of hosts over a time interval: a fault, a warm-up blip, an odd host.
struct Effect: Sendable {
    enum Shape: Sendable {
        /// Multiplies the level (the failure fraction for ratios, the mean for counts).
        case scale(Double)
        /// Adds to the level; for counts the amount is per 60 s and scaled to the metric's step.
        case add(Double)
        /// Multiplies the level by `1 + min(cap, perHour * hours since start)`: a leak.
        case ramp(perHour: Double, cap: Double)
        /// Multiplies the white-noise standard deviation.
        case noise(Double)
        /// Multiplies the level by `1 + (peak - 1) * exp(-elapsed / decay)`: a restart transient.
        case blip(peak: Double, decay: Double)
    }

    var metric: Int
    /// Bit `i` set when the effect applies to the app's host `i`.
    var hostMask: UInt64
    var start: Int64
    /// Exclusive.
    var end: Int64
    /// Seconds for `scale`/`add` to reach full strength.
    var rampIn: Int64 = 0
    var shape: Shape

    @inline(__always)
    func isActive(at t: Int64) -> Bool { t >= start && t < end }

    @inline(__always)
    func covers(host: Int) -> Bool { hostMask & (1 << UInt64(host)) != 0 }

    static func mask(_ hosts: [Int]) -> UInt64 {
        hosts.reduce(0) { $0 | (1 << UInt64($1)) }
    }
}

/// An app-wide surge of traffic (a promotion, a marketing push): it hits every host alike.
struct TrafficPeak: Sendable {
    var start: Int64
    var rampUp: Int64
    var hold: Int64
    var rampDown: Int64
    var factor: Double

    var end: Int64 { start + rampUp + hold + rampDown }

    func multiplier(at t: Int64) -> Double {
        guard t > start, t < end else { return 1 }
        let elapsed = t - start
        let strength: Double
        if elapsed < rampUp {
            strength = Double(elapsed) / Double(rampUp)
        } else if elapsed < rampUp + hold {
            strength = 1
        } else {
            strength = Double(end - t) / Double(rampDown)
        }
        return 1 + (factor - 1) * strength
    }
}
