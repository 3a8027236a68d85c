/// Puts a target on the reference's scale: `z = (x − median(reference)) / scale`, robustly.
///
/// `scale = max(1.4826 · MAD, 0.5 · sd, minimumScale, 1e-9 · max(1, |median|))` over the
/// non-missing reference points. The MAD ignores a few outliers in the reference; the half
/// standard deviation keeps a mostly constant reference with rare jumps (error counts) from
/// getting a scale of zero; the input's `minimumScale` carries what the caller knows about the
/// series' noise (the other hosts', or the Poisson floor of counts).
///
/// Source: F. R. Hampel, "The influence curve and its role in robust estimation", JASA 69, 1974.
public struct RobustStandardizer: Sendable, Hashable {
    public var location: Double
    public var scale: Double

    /// `nil` when the reference has fewer than 3 present points.
    public init?(reference: [Double], minimumScale: Double = 0) {
        let present = reference.filter { !$0.isNaN }
        guard present.count >= 3, let median = Quantile.linear(present, p: 0.5) else { return nil }
        let mad = 1.4826 * (Quantile.linear(present.map { abs($0 - median) }, p: 0.5) ?? 0)
        let sd = Moments.meanAndSD(present).sd
        location = median
        scale = max(mad, 0.5 * sd, minimumScale.isFinite ? minimumScale : 0, 1e-9 * max(1, abs(median)))
    }

    public init(location: Double, scale: Double) {
        self.location = location
        self.scale = scale
    }

    /// The signed standardized value, harmful side positive: `−z` for `.down`, `z` otherwise.
    @inlinable
    public func signedHarm(_ x: Double, _ direction: Direction) -> Double {
        let z = (x - location) / scale
        return direction == .down ? -z : z
    }
}
