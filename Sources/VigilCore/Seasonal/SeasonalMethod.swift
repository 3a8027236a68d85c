/// The seasonal models a ``SeasonalBaseline`` can fit.
public enum SeasonalMethod: String, CaseIterable, Codable, Sendable {
    /// STL decomposition (``STL``): last trend plus the last cycle's seasonal component.
    case stl
    /// Additive Holt–Winters with fitted parameters (``HoltWinters/fitted(to:period:)``).
    case holtWinters = "holt-winters"
    /// Per-bucket medians (``SeasonalProfile``).
    case profile
}
