/// The weights of one NAB scoring profile (`config/profiles.json` of the Numenta Anomaly Benchmark).
///
/// NAB reads a `tnWeight` too but never uses it, so it is not kept here.
public struct NABProfile: Sendable, Hashable, Codable {
    /// The profile's name in `profiles.json` and in result tables.
    public var name: String
    /// The reward for a window detected at its left edge.
    public var tpWeight: Double
    /// The cost of one detection far from any window.
    public var fpWeight: Double
    /// The cost of a window with no detection.
    public var fnWeight: Double

    public init(name: String, tpWeight: Double, fpWeight: Double, fnWeight: Double) {
        self.name = name
        self.tpWeight = tpWeight
        self.fpWeight = fpWeight
        self.fnWeight = fnWeight
    }

    /// `standard`: tp 1, fp 0.11, fn 1.
    public static let standard = NABProfile(name: "standard", tpWeight: 1, fpWeight: 0.11, fnWeight: 1)
    /// `reward_low_FP_rate`: tp 1, fp 0.22, fn 1.
    public static let rewardLowFP = NABProfile(name: "reward_low_FP_rate", tpWeight: 1, fpWeight: 0.22, fnWeight: 1)
    /// `reward_low_FN_rate`: tp 1, fp 0.11, fn 2.
    public static let rewardLowFN = NABProfile(name: "reward_low_FN_rate", tpWeight: 1, fpWeight: 0.11, fnWeight: 2)

    /// NAB's three profiles, in the order NAB's README lists them.
    public static let all: [NABProfile] = [.standard, .rewardLowFP, .rewardLowFN]
}
