/// Tukey's box-plot fences `Q1 - k·IQR` and `Q3 + k·IQR`.
///
/// Quartiles are type-7 (linear) quantiles as computed by ``Quantile``; `IQR = Q3 - Q1`.
/// A point is flagged when it lies strictly outside a fence; a point exactly on a fence is not.
///
/// Source: J. W. Tukey, *Exploratory Data Analysis*, 1977.
public struct TukeyFences: Sendable, Hashable {
    /// First quartile (25th percentile).
    public var q1: Double
    /// Median (50th percentile).
    public var median: Double
    /// Third quartile (75th percentile).
    public var q3: Double
    /// Fence multiplier, usually 1.5 ("outer" fences use 3).
    public var k: Double

    /// The interquartile range `Q3 - Q1`.
    public var iqr: Double { q3 - q1 }
    /// The lower fence `Q1 - k·IQR`.
    public var lower: Double { q1 - k * iqr }
    /// The upper fence `Q3 + k·IQR`.
    public var upper: Double { q3 + k * iqr }

    /// Creates fences from known quartiles.
    public init(q1: Double, median: Double, q3: Double, k: Double = 1.5) {
        self.q1 = q1
        self.median = median
        self.q3 = q3
        self.k = k
    }

    /// Computes the quartiles of `x` and the fences with multiplier `k`.
    ///
    /// NaN values are ignored. A constant sample has `IQR = 0`, so both fences equal the
    /// constant and nothing in it is flagged.
    ///
    /// - Returns: `nil` when `x` has no non-NaN value.
    /// - Complexity: O(n log n).
    public init?(_ x: [Double], k: Double = 1.5) {
        guard let q = Quantile.linear(x, ps: [0.25, 0.5, 0.75]) else { return nil }
        self.init(q1: q[0], median: q[1], q3: q[2], k: k)
    }

    /// Indices (ascending) of the points strictly below the lower fence. NaN is never flagged.
    /// - Complexity: O(n).
    public func lowIndices(in x: [Double]) -> [Int] {
        let fence = lower
        return x.indices.filter { x[$0] < fence }
    }

    /// Indices (ascending) of the points strictly above the upper fence. NaN is never flagged.
    /// - Complexity: O(n).
    public func highIndices(in x: [Double]) -> [Int] {
        let fence = upper
        return x.indices.filter { x[$0] > fence }
    }

    /// Indices (ascending) of the points strictly outside either fence. NaN is never flagged.
    /// - Complexity: O(n).
    public func flaggedIndices(in x: [Double]) -> [Int] {
        let (lo, hi) = (lower, upper)
        return x.indices.filter { x[$0] < lo || x[$0] > hi }
    }
}
