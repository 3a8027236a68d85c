import Foundation

/// The standard normal distribution.
public enum NormalDistribution {
    /// `Phi(z) = erfc(-z/√2)/2`.
    /// - Complexity: O(1).
    public static func cdf(_ z: Double) -> Double { 0.5 * erfc(-z / 2.0.squareRoot()) }

    /// The survival function `1 - Phi(z) = erfc(z/√2)/2`, accurate in the upper tail.
    /// - Complexity: O(1).
    public static func survival(_ z: Double) -> Double { 0.5 * erfc(z / 2.0.squareRoot()) }
}
