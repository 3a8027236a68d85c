/// One judged deploy beside its ground truth.
public struct JudgedDeploy: Sendable, Hashable {
    public var deploy: Deploy
    public var truth: DeployTruth
    public var decision: DeployDecision

    public init(deploy: Deploy, truth: DeployTruth, decision: DeployDecision) {
        self.deploy = deploy
        self.truth = truth
        self.decision = decision
    }

    public var paused: Bool { decision.decision == .pause }

    /// A bad deploy paused more than a minute before its fault began, as a `change` incident's
    /// start says: the right deploy for the wrong reason, which counts as a miss (as the outside
    /// scorer counts it). An onset taken from a true-positive alert is only an upper bound on
    /// when the fault began, so it never makes a pause early.
    public var pausedEarly: Bool {
        guard truth.label == .bad, truth.faultStartKnown, paused, let at = decision.pausedAt,
            let onset = truth.faultOnset
        else {
            return false
        }
        return at < onset - 60
    }

    /// Whether the pause counts in precision and recall: a bad deploy's only when not early.
    public var caught: Bool { paused && !pausedEarly }

    /// Minutes from the fault onset to the pause (0 when the guard paused before the fault
    /// showed), for a caught bad deploy.
    public var delayMinutes: Double? {
        guard truth.label == .bad, let at = decision.pausedAt, let onset = truth.faultOnset else { return nil }
        return Double(max(0, at - onset)) / 60
    }

    /// Batches that started after the fault onset, up to and including the one paused: how
    /// many more batches of hosts received the bad version before the guard stopped it.
    public var delayBatches: Int? {
        guard truth.label == .bad, let at = decision.pausedAt, let onset = truth.faultOnset else { return nil }
        return deploy.batches.filter {
            let s = $0.startedAt ?? deploy.startedAt
            return s > onset && s <= at
        }.count
    }
}

/// Deploy-level confusion counts: a paused bad deploy is a true positive, a paused good one a
/// false pause; unlabeled deploys are counted apart and never enter the ratios.
public struct DeployCounts: Sendable, Hashable, Codable {
    public var bad = 0
    public var good = 0
    public var unlabeled = 0
    public var tp = 0
    public var fp = 0
    public var fn = 0

    public init() {}

    public init(_ deploys: some Sequence<JudgedDeploy>) {
        for d in deploys { add(label: d.truth.label, paused: d.caught) }
    }

    public mutating func add(label: DeployLabel, paused: Bool) {
        switch label {
        case .bad:
            bad += 1
            if paused { tp += 1 } else { fn += 1 }
        case .good:
            good += 1
            if paused { fp += 1 }
        case .unlabeled:
            unlabeled += 1
        }
    }

    /// tp / (tp + fp), 0 when nothing was paused.
    public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }
    /// tp / bad, 0 when there is no bad deploy.
    public var recall: Double { bad == 0 ? 0 : Double(tp) / Double(bad) }
    /// 2tp / (2tp + fp + fn), 0 when all three are 0.
    public var f1: Double { 2 * tp + fp + fn == 0 ? 0 : Double(2 * tp) / Double(2 * tp + fp + fn) }
    /// False pauses per 100 good deploys, 0 when there is no good deploy.
    public var falsePausesPer100: Double { good == 0 ? 0 : 100 * Double(fp) / Double(good) }
}

/// A 95% interval.
public struct Interval: Sendable, Hashable, Codable {
    public var low: Double
    public var high: Double
    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }
}

/// The deploy-level block of an evaluation.
public struct DeployFigures: Sendable, Hashable, Codable {
    public struct Intervals: Sendable, Hashable, Codable {
        public var precision: Interval
        public var recall: Interval
        public var f1: Interval
        public var falsePausesPer100: Interval

        enum CodingKeys: String, CodingKey {
            case precision, recall, f1
            case falsePausesPer100 = "false_pauses_per_100"
        }
    }

    public var bad: Int
    public var good: Int
    public var unlabeled: Int
    public var tp: Int
    public var fp: Int
    public var fn: Int
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var falsePausesPer100: Double
    /// Bootstrap percentile intervals over labeled deploys; `nil` when not computed.
    public var ci95: Intervals?

    public init(_ c: DeployCounts, ci95: Intervals? = nil) {
        bad = c.bad
        good = c.good
        unlabeled = c.unlabeled
        tp = c.tp
        fp = c.fp
        fn = c.fn
        precision = c.precision
        recall = c.recall
        f1 = c.f1
        falsePausesPer100 = c.falsePausesPer100
        self.ci95 = ci95
    }

    enum CodingKeys: String, CodingKey {
        case bad, good, unlabeled, tp, fp, fn, precision, recall, f1
        case falsePausesPer100 = "false_pauses_per_100"
        case ci95
    }
}

/// Median and 90th percentile of detection delays.
public struct DelayFigures: Sendable, Hashable, Codable {
    /// Caught bad deploys with a known fault onset.
    public var count: Int
    public var median: Double?
    public var p90: Double?

    public init(_ values: [Double]) {
        count = values.count
        median = Quantile.linear(values, p: 0.5)
        p90 = Quantile.linear(values, p: 0.9)
    }
}

/// Pauses attributed to one value of a breakdown (the first reason of each pause).
public struct AttributedPauses: Sendable, Hashable, Codable {
    /// Pauses of bad deploys.
    public var tp = 0
    /// Pauses of good deploys.
    public var fp = 0
    /// Pauses of unlabeled deploys.
    public var unlabeled = 0
    public var precision: Double { tp + fp == 0 ? 0 : Double(tp) / Double(tp + fp) }

    enum CodingKeys: String, CodingKey { case tp, fp, unlabeled, precision }

    public init() {}

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tp, forKey: .tp)
        try c.encode(fp, forKey: .fp)
        try c.encode(unlabeled, forKey: .unlabeled)
        try c.encode(precision, forKey: .precision)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        tp = try c.decode(Int.self, forKey: .tp)
        fp = try c.decode(Int.self, forKey: .fp)
        unlabeled = try c.decode(Int.self, forKey: .unlabeled)
    }
}

/// Everything an evaluation reports at the deploy level.
public struct DeployEvaluation: Sendable, Hashable, Codable {
    public struct Breakdowns: Sendable, Hashable, Codable {
        /// Full deploy-level figures per app (no intervals).
        public var app: [String: DeployFigures]
        /// Pauses attributed to the metric kind, detector configuration and mode of their first reason.
        public var kind: [String: AttributedPauses]
        public var detector: [String: AttributedPauses]
        public var mode: [String: AttributedPauses]
    }

    public var deploys: DeployFigures
    public var delayMinutes: DelayFigures
    public var delayBatches: DelayFigures
    public var by: Breakdowns
    /// Bad deploys the guard let through, and good deploys it paused, by id.
    public var missed: [String]
    public var falsePauses: [String]

    enum CodingKeys: String, CodingKey {
        case deploys
        case delayMinutes = "delay_minutes"
        case delayBatches = "delay_batches"
        case by, missed
        case falsePauses = "false_pauses"
    }

    /// Evaluates judged deploys, with bootstrap intervals from `resamples` resamples of the
    /// labeled deploys drawn with `seed` (deterministic).
    public init(_ judged: [JudgedDeploy], resamples: Int = 1_000, seed: UInt64 = 0x5EED) {
        let sorted = judged.sorted { $0.deploy.id < $1.deploy.id }
        let counts = DeployCounts(sorted)
        deploys = DeployFigures(counts, ci95: Self.bootstrap(sorted, resamples: resamples, seed: seed))
        delayMinutes = DelayFigures(sorted.compactMap { $0.caught ? $0.delayMinutes : nil })
        delayBatches = DelayFigures(sorted.compactMap { $0.caught ? $0.delayBatches.map(Double.init) : nil })
        var apps: [String: DeployCounts] = [:]
        var kind: [String: AttributedPauses] = [:]
        var detector: [String: AttributedPauses] = [:]
        var mode: [String: AttributedPauses] = [:]
        for d in sorted {
            apps[d.deploy.app, default: DeployCounts()].add(label: d.truth.label, paused: d.caught)
            guard d.caught, let first = d.decision.reasons.first else { continue }
            func count(_ table: inout [String: AttributedPauses], _ key: String) {
                switch d.truth.label {
                case .bad: table[key, default: AttributedPauses()].tp += 1
                case .good: table[key, default: AttributedPauses()].fp += 1
                case .unlabeled: table[key, default: AttributedPauses()].unlabeled += 1
                }
            }
            count(&kind, first.kind?.rawValue ?? "unspecified")
            count(&detector, first.detector)
            count(&mode, first.mode.rawValue)
        }
        by = Breakdowns(app: apps.mapValues { DeployFigures($0) }, kind: kind, detector: detector, mode: mode)
        missed = sorted.filter { $0.truth.label == .bad && !$0.caught }.map(\.deploy.id)
        falsePauses = sorted.filter { $0.truth.label == .good && $0.paused }.map(\.deploy.id)
    }

    /// Percentile bootstrap over labeled deploys; `nil` without labeled deploys.
    static func bootstrap(_ judged: [JudgedDeploy], resamples: Int, seed: UInt64) -> DeployFigures.Intervals? {
        let labeled = judged.filter { $0.truth.label != .unlabeled }.map { ($0.truth.label, $0.caught) }
        guard !labeled.isEmpty, resamples > 0 else { return nil }
        var rng = SplitMix64(seed: seed)
        var p: [Double] = []
        var r: [Double] = []
        var f: [Double] = []
        var fpr: [Double] = []
        for _ in 0..<resamples {
            var c = DeployCounts()
            for _ in labeled.indices {
                let (label, paused) = labeled[Int(rng.next() % UInt64(labeled.count))]
                c.add(label: label, paused: paused)
            }
            p.append(c.precision)
            r.append(c.recall)
            f.append(c.f1)
            fpr.append(c.falsePausesPer100)
        }
        func interval(_ x: [Double]) -> Interval {
            Interval(low: Quantile.linear(x, p: 0.025) ?? 0, high: Quantile.linear(x, p: 0.975) ?? 0)
        }
        return .init(precision: interval(p), recall: interval(r), f1: interval(f), falsePausesPer100: interval(fpr))
    }
}
