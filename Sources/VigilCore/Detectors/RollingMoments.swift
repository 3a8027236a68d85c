/// The mean and sample standard deviation of the last `window` values, updated in O(1) per value.
///
/// Sums are kept around a pivot (the first value of the current run) and rebuilt from the
/// window every `window` updates, so rounding does not drift on long series.
struct RollingMoments: Sendable {
    let window: Int
    private var values: [Double] = []
    private var head = 0
    private var pivot = 0.0
    private var s1 = 0.0
    private var s2 = 0.0
    private var updates = 0

    init(window: Int) {
        precondition(window >= 2, "window must be at least 2")
        self.window = window
        values.reserveCapacity(2 * window)
    }

    var count: Int { values.count - head }

    /// Mean and sample standard deviation (n − 1); `nil` with fewer than 2 values.
    var meanAndSD: (mean: Double, sd: Double)? {
        let n = Double(count)
        guard count >= 2 else { return nil }
        let m = s1 / n
        let variance = max(0, (s2 - n * m * m) / (n - 1))
        return (pivot + m, variance.squareRoot())
    }

    mutating func append(_ x: Double) {
        guard !x.isNaN else { return }
        if count == 0 { pivot = x }
        values.append(x)
        s1 += x - pivot
        s2 += (x - pivot) * (x - pivot)
        if count > window {
            let old = values[head] - pivot
            s1 -= old
            s2 -= old * old
            head += 1
        }
        updates += 1
        if updates >= window || head >= window {
            values.removeFirst(head)
            head = 0
            pivot = values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count)
            s1 = values.reduce(0) { $0 + ($1 - pivot) }
            s2 = values.reduce(0) { $0 + ($1 - pivot) * ($1 - pivot) }
            updates = 0
        }
    }
}
