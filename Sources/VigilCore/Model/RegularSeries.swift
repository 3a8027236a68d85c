/// A series on a regular time grid; a missing point is `Double.nan`.
///
/// `values[i]` is the value at `start + i * step` (Unix seconds).
public struct RegularSeries: Sendable, Hashable {
    public var start: Int64
    public var step: Int64
    public var values: [Double]

    public init(start: Int64, step: Int64, values: [Double]) {
        precondition(step > 0, "step must be positive")
        self.start = start
        self.step = step
        self.values = values
    }

    public var count: Int { values.count }
    /// The time of the last slot, or `start - step` when empty.
    public var end: Int64 { start + Int64(values.count - 1) * step }
    public var missingCount: Int { values.reduce(0) { $0 + ($1.isNaN ? 1 : 0) } }

    public func time(at index: Int) -> Int64 { start + Int64(index) * step }

    // NaN != NaN, so equality must treat two missing points as equal.
    public static func == (lhs: RegularSeries, rhs: RegularSeries) -> Bool {
        guard lhs.start == rhs.start, lhs.step == rhs.step, lhs.values.count == rhs.values.count else { return false }
        for (a, b) in zip(lhs.values, rhs.values) where !(a == b || (a.isNaN && b.isNaN)) { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(start)
        hasher.combine(step)
        hasher.combine(values.count)
        for v in values { hasher.combine(v.isNaN ? Double.nan.bitPattern : v.bitPattern) }
    }

    /// The same points on a finer grid whose step divides this one's; the new slots are missing.
    ///
    /// - Precondition: `finerStep` is positive and divides `step`.
    public func regridded(toStep finerStep: Int64) -> RegularSeries {
        precondition(finerStep > 0 && step % finerStep == 0, "the new step must divide the old one")
        if finerStep == step { return self }
        let factor = Int(step / finerStep)
        var values = [Double](repeating: .nan, count: self.values.isEmpty ? 0 : (self.values.count - 1) * factor + 1)
        for (i, v) in self.values.enumerated() { values[i * factor] = v }
        return RegularSeries(start: start, step: finerStep, values: values)
    }

    /// Merges `newer` into `self`: the union of both grids, where `newer`'s present points win
    /// and its missing points leave `self`'s values alone.
    ///
    /// - Precondition: both series share the step and their grids are aligned.
    public func merging(newer: RegularSeries) -> RegularSeries {
        precondition(step == newer.step && (newer.start - start) % step == 0, "grids must be aligned")
        if values.isEmpty { return newer }
        if newer.values.isEmpty { return self }
        let lo = min(start, newer.start)
        let hi = max(end, newer.end)
        var merged = [Double](repeating: .nan, count: Int((hi - lo) / step) + 1)
        let a = Int((start - lo) / step)
        for (i, v) in values.enumerated() { merged[a + i] = v }
        let b = Int((newer.start - lo) / step)
        for (i, v) in newer.values.enumerated() where !v.isNaN { merged[b + i] = v }
        return RegularSeries(start: lo, step: step, values: merged)
    }
}

/// One host's series of one metric.
public struct HostSeries: Sendable, Hashable {
    public var host: String
    public var series: RegularSeries
    public init(host: String, series: RegularSeries) {
        self.host = host
        self.series = series
    }
}
