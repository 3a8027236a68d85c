/// Gap filling shared by the seasonal models.
enum GapFilling {
    /// `y` with every NaN replaced by linear interpolation between the nearest present
    /// neighbours; leading and trailing gaps take the first and last present value.
    ///
    /// - Returns: `nil` when no value is present.
    /// - Complexity: O(n).
    static func linearlyInterpolated(_ y: [Double]) -> [Double]? {
        guard let first = y.firstIndex(where: { !$0.isNaN }) else { return nil }
        var out = y
        for i in 0..<first { out[i] = y[first] }
        var previous = first
        for i in (first + 1)..<max(y.count, first + 1) where !y[i].isNaN {
            if i > previous + 1 {
                let a = y[previous]
                let slope = (y[i] - a) / Double(i - previous)
                for k in (previous + 1)..<i { out[k] = a + slope * Double(k - previous) }
            }
            previous = i
        }
        for i in (previous + 1)..<max(y.count, previous + 1) { out[i] = y[previous] }
        return out
    }
}
