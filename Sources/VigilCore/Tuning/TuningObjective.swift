/// What the search maximizes over deploy-level counts.
public enum TuningObjective: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Maximize recall subject to precision ≥ `minPrecision` and at most
    /// `maxFalsePausesPer100` false pauses per 100 good deploys. When no candidate meets the
    /// constraints, the one with the best F1 is kept and reported as infeasible.
    case constrainedRecall(minPrecision: Double, maxFalsePausesPer100: Double)
    /// Maximize F-beta (beta > 1 favours recall).
    case fBeta(Double)

    public var description: String {
        switch self {
        case .constrainedRecall(let p, let f):
            "maximize recall subject to precision >= \(p) and false pauses per 100 good <= \(f)"
        case .fBeta(let b): "maximize F\(formatParameter(b))"
        }
    }

    /// A comparable grade of `counts`: feasible candidates first, then the objective's value,
    /// then fewer false pauses.
    public func grade(_ c: DeployCounts) -> Grade {
        switch self {
        case .constrainedRecall(let minPrecision, let maxFP):
            let feasible = c.tp + c.fp > 0 && c.precision >= minPrecision && c.falsePausesPer100 <= maxFP
            return Grade(feasible: feasible, value: feasible ? c.recall : c.f1, falsePauses: c.fp)
        case .fBeta(let beta):
            let b2 = beta * beta
            let denominator = (1 + b2) * Double(c.tp) + b2 * Double(c.fn) + Double(c.fp)
            let value = denominator == 0 ? 0 : (1 + b2) * Double(c.tp) / denominator
            return Grade(feasible: true, value: value, falsePauses: c.fp)
        }
    }

    public struct Grade: Sendable, Hashable, Comparable {
        public var feasible: Bool
        public var value: Double
        public var falsePauses: Int

        public static func < (a: Grade, b: Grade) -> Bool {
            if a.feasible != b.feasible { return !a.feasible }
            if a.value != b.value { return a.value < b.value }
            return a.falsePauses > b.falsePauses
        }
    }
}
