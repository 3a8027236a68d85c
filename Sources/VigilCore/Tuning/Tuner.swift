import Dispatch

/// Which levels of scope the search may specialize, beyond the global rule.
public enum ScopeLevel: String, Sendable, Hashable, Codable, CaseIterable {
    case global, kind, app
}

/// What the tuner searches: detector configurations × decision policies × thresholds, per scope.
public struct SearchSpace: Sendable, Hashable, Codable {
    public var configs: [DetectorConfig]
    public var policies: [DecisionPolicy]
    /// Candidate values of k in "k of n metrics must fire" (global only).
    public var metricsAgree: [Int]
    public var scopeLevels: [ScopeLevel]
    /// A kind or app scope is specialized only with at least this many labeled training deploys
    /// (and one bad one) in its fitting days; otherwise it falls back to its parent.
    public var minLabeledDeploys: Int
    public var objective: TuningObjective
    /// The latest fraction of the training deploys (by start time) held back inside the training
    /// days to decide whether a specialized scope beats its parent.
    public var selectionFraction: Double
    /// At most this many thresholds per candidate, evenly spread over the distinct strengths
    /// (highest first); `nil` evaluates every one.
    public var maxThresholds: Int?
    public var preDeployWindow: Int64
    public var seasonalPeriod: Int64
    /// When set, the search calibrates every candidate on normal operation and grows a global
    /// rule set (``RuleSetSearch``) instead of one rule per scope.
    public var calibration: CalibrationSettings?

    public init(
        configs: [DetectorConfig],
        policies: [DecisionPolicy] = [DecisionPolicy()],
        metricsAgree: [Int] = [1],
        scopeLevels: [ScopeLevel] = [.global],
        minLabeledDeploys: Int = 30,
        objective: TuningObjective = .fBeta(1),
        selectionFraction: Double = 0.3,
        preDeployWindow: Int64 = 7_200,
        seasonalPeriod: Int64 = 86_400
    ) {
        self.configs = configs
        self.policies = policies
        self.metricsAgree = metricsAgree
        self.scopeLevels = scopeLevels
        self.minLabeledDeploys = minLabeledDeploys
        self.objective = objective
        self.selectionFraction = selectionFraction
        self.maxThresholds = nil
        self.preDeployWindow = preDeployWindow
        self.seasonalPeriod = seasonalPeriod
        self.calibration = nil
    }

    /// Seasonal methods the configurations need baselines for.
    public var seasonalMethods: [SeasonalMethod] {
        var seen = Set<SeasonalMethod>()
        return configs.compactMap(\.seasonal).filter { seen.insert($0).inserted }
    }
}

/// A labeled training deploy.
public struct TuningCase: Sendable {
    public var evidence: DeployEvidence
    public var label: DeployLabel
    /// For a bad deploy, when its fault began (a pause more than a minute earlier is a miss).
    public var faultOnset: Int64?
    /// Metrics whose alerts on this deploy were labeled false positives (feedback).
    public var falseAlarmMetrics: Set<String>
    /// Metrics a true-positive alert or a change incident names on this deploy.
    public var confirmedMetrics: Set<String>

    public init(
        evidence: DeployEvidence,
        label: DeployLabel,
        faultOnset: Int64? = nil,
        falseAlarmMetrics: Set<String> = [],
        confirmedMetrics: Set<String> = []
    ) {
        self.evidence = evidence
        self.label = label
        self.faultOnset = faultOnset
        self.falseAlarmMetrics = falseAlarmMetrics
        self.confirmedMetrics = confirmedMetrics
    }
}

/// What the search decided for one scope, and why.
public struct ScopeDecision: Sendable, Hashable, Codable {
    public var scope: RuleScope
    public var accepted: Bool
    public var reason: String
    /// The best rule found for the scope on its fitting deploys (absent when too few labels).
    public var candidate: GuardRule?
    /// Labeled deploys in the scope: fitting days and selection days.
    public var labeledFit: Int
    public var labeledSelection: Int
    /// Whole-model counts on the selection deploys, with the parent's rule and with the candidate.
    public var parentSelection: DeployCounts?
    public var candidateSelection: DeployCounts?

    enum CodingKeys: String, CodingKey {
        case scope, accepted, reason, candidate
        case labeledFit = "labeled_fit"
        case labeledSelection = "labeled_selection"
        case parentSelection = "parent_selection"
        case candidateSelection = "candidate_selection"
    }
}

/// The tuned model and the trail that led to it.
public struct TuningResult: Sendable, Hashable, Codable {
    public var model: GuardModel
    public var scopes: [ScopeDecision]
    /// The final model's counts on every labeled training deploy.
    public var training: DeployCounts
    /// Whether the global rule meets the objective's constraints on the training deploys.
    public var feasible: Bool
    /// (configuration, policy, k) combinations whose every threshold was evaluated.
    public var candidatesEvaluated: Int
    /// Thresholds evaluated in all.
    public var thresholdsEvaluated: Int
    /// The rule-set search's steps (empty for the one-rule-per-scope search).
    public var ruleSearch: [RuleSetStep] = []
    /// Candidates that produced no usable score on any training deploy.
    public var unusable: [String] = []
    /// What feedback changed in the calibration.
    public var feedback: [FeedbackChange] = []
    /// Normal-operation windows the calibration learned from.
    public var nullSamples: Int = 0
    /// Every candidate's calibrated strengths, when probes were given (not encoded).
    public var candidateTable: CandidateTable?

    public init(
        model: GuardModel,
        scopes: [ScopeDecision],
        training: DeployCounts,
        feasible: Bool,
        candidatesEvaluated: Int,
        thresholdsEvaluated: Int,
        ruleSearch: [RuleSetStep] = [],
        unusable: [String] = [],
        feedback: [FeedbackChange] = [],
        nullSamples: Int = 0,
        candidateTable: CandidateTable? = nil
    ) {
        self.candidateTable = candidateTable
        self.model = model
        self.scopes = scopes
        self.training = training
        self.feasible = feasible
        self.candidatesEvaluated = candidatesEvaluated
        self.thresholdsEvaluated = thresholdsEvaluated
        self.ruleSearch = ruleSearch
        self.unusable = unusable
        self.feedback = feedback
        self.nullSamples = nullSamples
    }

    enum CodingKeys: String, CodingKey {
        case model, scopes, training, feasible, unusable, feedback
        case candidatesEvaluated = "candidates_evaluated"
        case thresholdsEvaluated = "thresholds_evaluated"
        case ruleSearch = "rule_search"
        case nullSamples = "null_samples"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(GuardModel.self, forKey: .model)
        scopes = try c.decode([ScopeDecision].self, forKey: .scopes)
        training = try c.decode(DeployCounts.self, forKey: .training)
        feasible = try c.decode(Bool.self, forKey: .feasible)
        candidatesEvaluated = try c.decode(Int.self, forKey: .candidatesEvaluated)
        thresholdsEvaluated = try c.decode(Int.self, forKey: .thresholdsEvaluated)
        ruleSearch = try c.decodeIfPresent([RuleSetStep].self, forKey: .ruleSearch) ?? []
        unusable = try c.decodeIfPresent([String].self, forKey: .unusable) ?? []
        feedback = try c.decodeIfPresent([FeedbackChange].self, forKey: .feedback) ?? []
        nullSamples = try c.decodeIfPresent(Int.self, forKey: .nullSamples) ?? 0
    }
}

/// Grid search over detector configurations, decision policies and thresholds.
///
/// Each (deploy, metric, configuration) is scored once; each decision policy reduces a
/// metric's host scores to one "strength" — the largest threshold at which the metric would
/// fire — so every threshold of a candidate is evaluated from one sort of the deploys'
/// strengths (``DeployJudge/metricStrength(_:policy:)`` states the equivalence).
public struct Tuner: Sendable {
    public var space: SearchSpace
    public var baselines: BaselineSet

    public init(space: SearchSpace, baselines: BaselineSet) {
        self.space = space
        self.baselines = baselines
    }

    /// Precomputed metric strengths: `[config][policy][deploy][metric]`, NaN where the metric
    /// cannot be judged under the configuration (or the deploy has fewer metrics).
    struct StrengthTable {
        var configs: Int
        var policies: Int
        var deploys: Int
        var metrics: Int
        var values: [Double]

        @inline(__always)
        func offset(_ c: Int, _ p: Int, _ d: Int) -> Int { ((c * policies + p) * deploys + d) * metrics }
    }

    /// Tunes on labeled training deploys (unlabeled ones are ignored).
    ///
    /// - Parameters:
    ///   - cases: the training deploys; validation deploys must not be among them.
    ///   - progress: called with (configurations scored, configurations) as scoring advances.
    /// - Throws: ``DetectorError`` for a configuration naming an unknown detector or parameter.
    public func tune(
        _ cases: [TuningCase],
        nulls: [NullSample] = [],
        probes: [TuningCase] = [],
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws(DetectorError) -> TuningResult {
        let labeled = cases.filter { $0.label != .unlabeled }.sorted {
            ($0.evidence.deploy.startedAt, $0.evidence.deploy.id) < (
                $1.evidence.deploy.startedAt, $1.evidence.deploy.id
            )
        }
        guard !space.configs.isEmpty, !space.policies.isEmpty else {
            throw DetectorError(message: "The search space has no detector configuration or no decision policy.")
        }
        guard !labeled.isEmpty else {
            throw DetectorError(message: "No labeled deploy in the training days: nothing to tune on.")
        }
        let detectors = try space.configs.map { c throws(DetectorError) in
            try DetectorCatalog.make(c.detector, parameters: c.parameters)
        }
        if let settings = space.calibration {
            return RuleSetSearch(space: space, settings: settings, baselines: baselines)
                .run(labeled, nulls: nulls, probes: probes, detectors: detectors, progress: progress)
        }
        let table = strengths(labeled, detectors: detectors, progress: progress)
        let metrics = labeled.map { $0.evidence.deploy.metrics.sorted { $0.name < $1.name } }
        let isBad = labeled.map { $0.label == .bad }
        let all = Array(labeled.indices)
        let fitCount = max(1, Int((Double(labeled.count) * (1 - space.selectionFraction)).rounded()))
        let fit = Array(all.prefix(fitCount))
        let selection = Array(all.dropFirst(fitCount))

        var search = Search(table: table, isBad: isBad, objective: space.objective, maxThresholds: space.maxThresholds)

        // Global: every metric of every training deploy, each k.
        let everyMetric = metrics.map { ms in [Bool](repeating: true, count: ms.count) }
        var best: (choice: Search.Choice, k: Int)?
        for k in space.metricsAgree.sorted() where k >= 1 {
            let assignment = Assignment(count: labeled.count, metrics: table.metrics)
            if let c = search.bestRule(in: everyMetric, over: all, assignment: assignment, k: k),
                best == nil || best!.choice.grade < c.grade
            {
                best = (c, k)
            }
        }
        guard let best else {
            throw DetectorError(
                message: "No threshold of any configuration pauses a training deploy: every score is zero."
            )
        }
        let k = best.k
        var assignment = Assignment(count: labeled.count, metrics: table.metrics)
        assignment.assign(everyMetric, best.choice)
        var model = GuardModel(
            global: rule(best.choice),
            metricsAgree: k,
            preDeployWindow: space.preDeployWindow,
            seasonalPeriod: space.seasonalPeriod
        )
        var decisions = [
            ScopeDecision(
                scope: .global,
                accepted: true,
                reason: "the best rule over all \(labeled.count) labeled training deploys",
                candidate: model.global,
                labeledFit: labeled.count,
                labeledSelection: 0
            )
        ]

        // Specializations: kinds, then apps; each must beat its parent on the selection deploys.
        var scopes: [(RuleScope, [[Bool]])] = []
        if space.scopeLevels.contains(.kind) {
            let kinds = Set(metrics.joined().compactMap(\.kind)).sorted { $0.rawValue < $1.rawValue }
            for kind in kinds {
                scopes.append((RuleScope(kind: kind), metrics.map { ms in ms.map { $0.kind == kind } }))
            }
        }
        if space.scopeLevels.contains(.app) {
            let apps = Set(labeled.map(\.evidence.deploy.app)).sorted()
            for app in apps {
                scopes.append(
                    (
                        RuleScope(app: app),
                        labeled.indices.map { d in
                            [Bool](repeating: labeled[d].evidence.deploy.app == app, count: metrics[d].count)
                        }
                    )
                )
            }
        }
        for (scope, mask) in scopes {
            let touches = { (d: Int) in mask[d].contains(true) }
            let fitIn = fit.filter(touches)
            let selIn = selection.filter(touches)
            var decision = ScopeDecision(
                scope: scope,
                accepted: false,
                reason: "",
                labeledFit: fitIn.count,
                labeledSelection: selIn.count
            )
            let fitBad = fitIn.filter { isBad[$0] }.count
            guard fitIn.count >= space.minLabeledDeploys, fitBad > 0 else {
                decision.reason =
                    "\(fitIn.count) labeled deploys (\(fitBad) bad) in the fitting days; needs \(space.minLabeledDeploys) and a bad one: uses its parent"
                decisions.append(decision)
                continue
            }
            guard let choice = search.bestRule(in: mask, over: fit, assignment: assignment, k: k) else {
                decision.reason = "no threshold pauses any of its deploys: uses its parent"
                decisions.append(decision)
                continue
            }
            decision.candidate = rule(choice)
            var trial = assignment
            trial.assign(mask, choice)
            let parentCounts = search.counts(over: selection, assignment: assignment, k: k)
            let candidateCounts = search.counts(over: selection, assignment: trial, k: k)
            decision.parentSelection = parentCounts
            decision.candidateSelection = candidateCounts
            let parentGrade = space.objective.grade(parentCounts)
            let candidateGrade = space.objective.grade(candidateCounts)
            if selIn.isEmpty {
                decision.reason = "no labeled deploy in the selection days to confirm it: uses its parent"
            } else if parentGrade < candidateGrade {
                decision.accepted = true
                decision.reason = "beats its parent on the \(selIn.count) labeled selection deploys it touches"
                assignment = trial
                model = model.setting(rule(choice), at: scope)
            } else {
                decision.reason = "does not beat its parent on the selection deploys: uses its parent"
            }
            decisions.append(decision)
        }
        let training = search.counts(over: all, assignment: assignment, k: k)
        return TuningResult(
            model: model,
            scopes: decisions,
            training: training,
            feasible: best.choice.grade.feasible,
            candidatesEvaluated: search.candidatesEvaluated,
            thresholdsEvaluated: search.thresholdsEvaluated
        )
    }

    func rule(_ c: Search.Choice) -> GuardRule {
        GuardRule(config: space.configs[c.config], policy: space.policies[c.policy], threshold: c.threshold)
    }

    /// Scores every (deploy, metric) under every configuration once, on all cores, and reduces
    /// each to one strength per policy. The table does not depend on the number of threads.
    func strengths(
        _ cases: [TuningCase],
        detectors: [any AnomalyDetector],
        progress: (@Sendable (Int, Int) -> Void)?
    ) -> StrengthTable {
        let metricCount = cases.map(\.evidence.deploy.metrics.count).max() ?? 0
        var table = StrengthTable(
            configs: space.configs.count,
            policies: space.policies.count,
            deploys: cases.count,
            metrics: metricCount,
            values: []
        )
        var values = [Double](repeating: .nan, count: table.configs * table.policies * table.deploys * metricCount)
        let space = self.space
        let baselines = self.baselines
        values.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            let layout = table
            for (c, config) in space.configs.enumerated() {
                let detector = detectors[c]
                DispatchQueue.concurrentPerform(iterations: cases.count) { d in
                    let evidence = cases[d].evidence
                    let metrics = evidence.deploy.metrics.sorted { $0.name < $1.name }
                    for (m, metric) in metrics.enumerated() {
                        let hosts = DeployJudge.hostScores(
                            evidence: evidence,
                            metric: metric,
                            config: config,
                            detector: detector,
                            baselines: baselines,
                            preDeployWindow: space.preDeployWindow
                        )
                        guard !hosts.isEmpty else { continue }
                        for (p, policy) in space.policies.enumerated() {
                            out[layout.offset(c, p, d) + m] = DeployJudge.metricStrength(hosts, policy: policy)
                        }
                    }
                }
                progress?(c + 1, space.configs.count)
            }
        }
        table.values = values
        return table
    }
}

/// Which configuration, policy and threshold each (deploy, metric) currently uses.
struct Assignment {
    var metrics: Int
    var config: [Int]
    var policy: [Int]
    var threshold: [Double]

    init(count: Int, metrics: Int) {
        self.metrics = metrics
        config = [Int](repeating: -1, count: count * metrics)
        policy = [Int](repeating: -1, count: count * metrics)
        threshold = [Double](repeating: .infinity, count: count * metrics)
    }

    mutating func assign(_ mask: [[Bool]], _ choice: Tuner.Search.Choice) {
        for (d, row) in mask.enumerated() {
            for (m, inScope) in row.enumerated() where inScope {
                config[d * metrics + m] = choice.config
                policy[d * metrics + m] = choice.policy
                threshold[d * metrics + m] = choice.threshold
            }
        }
    }
}

extension Tuner {
    /// The threshold sweep over one strength table.
    struct Search {
        struct Choice {
            var config: Int
            var policy: Int
            var threshold: Double
            var counts: DeployCounts
            var grade: TuningObjective.Grade
        }

        let table: StrengthTable
        let isBad: [Bool]
        let objective: TuningObjective
        let maxThresholds: Int?
        var candidatesEvaluated = 0
        var thresholdsEvaluated = 0

        init(table: StrengthTable, isBad: [Bool], objective: TuningObjective, maxThresholds: Int?) {
            self.table = table
            self.isBad = isBad
            self.objective = objective
            self.maxThresholds = maxThresholds
        }

        /// The best (configuration, policy, threshold) for the metrics in `mask`, the other
        /// metrics keeping `assignment`, over the deploys `over`. Ties keep the earliest
        /// configuration and policy and the highest threshold.
        mutating func bestRule(in mask: [[Bool]], over deploys: [Int], assignment: Assignment, k: Int) -> Choice? {
            var best: Choice?
            var effective = [(strength: Double, bad: Bool)]()
            effective.reserveCapacity(deploys.count)
            var inScope: [Double] = []
            for c in 0..<table.configs {
                for p in 0..<table.policies {
                    effective.removeAll(keepingCapacity: true)
                    for d in deploys {
                        var fired = 0
                        var judged = 0
                        inScope.removeAll(keepingCapacity: true)
                        let row = mask[d]
                        for m in row.indices {
                            if row[m] {
                                let s = table.values[table.offset(c, p, d) + m]
                                if !s.isNaN {
                                    inScope.append(s)
                                    judged += 1
                                }
                            } else {
                                let (s, t) = current(assignment, d, m)
                                if !s.isNaN {
                                    judged += 1
                                    if s > t { fired += 1 }
                                }
                            }
                        }
                        let needed = min(k, judged)
                        let e: Double
                        if needed == 0 {
                            e = -.infinity
                        } else if fired >= needed {
                            e = .infinity
                        } else {
                            let r = needed - fired
                            inScope.sort(by: >)
                            e = r <= inScope.count ? inScope[r - 1] : -.infinity
                        }
                        effective.append((e, isBad[d]))
                    }
                    candidatesEvaluated += 1
                    guard let choice = sweep(&effective, config: c, policy: p) else { continue }
                    if best == nil || best!.grade < choice.grade { best = choice }
                }
            }
            return best
        }

        @inline(__always)
        func current(_ a: Assignment, _ d: Int, _ m: Int) -> (strength: Double, threshold: Double) {
            let i = d * a.metrics + m
            let c = a.config[i]
            guard c >= 0 else { return (.nan, .infinity) }
            return (table.values[table.offset(c, a.policy[i], d) + m], a.threshold[i])
        }

        /// Every threshold between distinct effective strengths, from the highest down; the best by the objective.
        mutating func sweep(_ effective: inout [(strength: Double, bad: Bool)], config: Int, policy: Int) -> Choice? {
            effective.sort { $0.strength > $1.strength }
            var counts = DeployCounts()
            for e in effective { counts.add(label: e.bad ? .bad : .good, paused: false) }
            var i = 0
            // Always-paused deploys (enough other metrics fire) come first.
            while i < effective.count, effective[i].strength == .infinity {
                move(&counts, effective[i].bad)
                i += 1
            }
            var best: Choice?
            // With a cap, only every stride-th cut is evaluated.
            var stride = 1
            if let cap = maxThresholds {
                var distinct = 0
                var previous = Double.nan
                for e in effective[i...] where e.strength.isFinite && e.strength != previous {
                    distinct += 1
                    previous = e.strength
                }
                stride = max(1, (distinct + max(cap, 1) - 1) / max(cap, 1))
            }
            var cut = 0
            while i < effective.count, effective[i].strength.isFinite {
                let value = effective[i].strength
                while i < effective.count, effective[i].strength == value {
                    move(&counts, effective[i].bad)
                    i += 1
                }
                cut += 1
                guard cut % stride == 0 || stride == 1 else { continue }
                let next = i < effective.count && effective[i].strength.isFinite ? effective[i].strength : nil
                let threshold = next.map { (value + $0) / 2 } ?? value / 2
                guard threshold > 0, threshold < value else { continue }
                thresholdsEvaluated += 1
                let grade = objective.grade(counts)
                if best == nil || best!.grade < grade {
                    best = Choice(config: config, policy: policy, threshold: threshold, counts: counts, grade: grade)
                }
            }
            return best
        }

        private func move(_ counts: inout DeployCounts, _ bad: Bool) {
            if bad {
                counts.tp += 1
                counts.fn -= 1
            } else {
                counts.fp += 1
            }
        }

        /// Whole-model counts over `deploys` under `assignment`.
        func counts(over deploys: [Int], assignment: Assignment, k: Int) -> DeployCounts {
            var counts = DeployCounts()
            for d in deploys {
                var fired = 0
                var judged = 0
                for m in 0..<assignment.metrics {
                    let (s, t) = current(assignment, d, m)
                    if !s.isNaN {
                        judged += 1
                        if s > t { fired += 1 }
                    }
                }
                let needed = min(k, judged)
                counts.add(label: isBad[d] ? .bad : .good, paused: needed > 0 && fired >= needed)
            }
            return counts
        }
    }
}
