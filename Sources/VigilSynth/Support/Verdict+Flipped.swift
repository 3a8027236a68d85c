import VigilCore

extension Verdict {
    /// The opposite verdict.
    var flipped: Verdict { self == .truePositive ? .falsePositive : .truePositive }
}
