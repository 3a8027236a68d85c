/// Shared moment helpers.
enum Moments {
    /// Two-pass mean and sample standard deviation (divisor `n-1`; 0 when `n < 2`).
    static func meanAndSD(_ x: [Double]) -> (mean: Double, sd: Double) {
        guard !x.isEmpty else { return (.nan, .nan) }
        let mean = x.reduce(0, +) / Double(x.count)
        guard x.count > 1 else { return (mean, 0) }
        var ss = 0.0
        for v in x { ss += (v - mean) * (v - mean) }
        return (mean, (ss / Double(x.count - 1)).squareRoot())
    }
}
