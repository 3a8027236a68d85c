import Dispatch

/// How the rule-set search calibrates and grows its rules.
public struct CalibrationSettings: Sendable, Hashable, Codable {
    /// The quantile of normal-operation strengths a series' scale is.
    public var quantile: Double = 0.9
    /// n₀: how many samples a metric's pooled scale is worth against a series' own.
    public var prior: Double = 20
    /// How far deploy placebos move into the pre-deploy window (seconds).
    public var placeboShift: Int64 = 3_600
    /// History placebos every this many seconds (0: none).
    public var historyEvery: Int64 = 7_200
    /// How long each history placebo is judged.
    public var historyLength: Int64 = 3_600
    /// The most rules in a set.
    public var maxRules: Int = 8
    /// Feedback may move a series' scale by at most this factor either way (1: feedback off).
    public var feedbackLimit: Double = 3
    /// How the set is built from the calibrated candidates.
    public var ruleSet: RuleSetStrategy = .union

    public init() {}

    enum CodingKeys: String, CodingKey {
        case quantile, prior
        case placeboShift = "placebo_shift"
        case historyEvery = "history_every"
        case historyLength = "history_length"
        case maxRules = "max_rules"
        case feedbackLimit = "feedback_limit"
        case ruleSet = "rule_set"
    }
}

/// How the rule-set search builds the set.
public enum RuleSetStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Every usable candidate, with one shared calibrated threshold: the deploy's strength is
    /// its largest calibrated score over all rules. Nothing is selected per rule, so little can
    /// be overfitted to the training labels (the walk-forward backtest's best on deploys-dev).
    case union
    /// Greedy growth on the fitting deploys, the best prefix checked on held-back deploys.
    case greedy
}

/// One step of the greedy rule-set search.
public struct RuleSetStep: Sendable, Hashable, Codable {
    /// The rule added (without threshold).
    public var rule: String
    /// The shared threshold of the set so far, chosen on the fitting deploys.
    public var threshold: Double
    public var fit: DeployCounts
    public var selection: DeployCounts

    enum CodingKeys: String, CodingKey {
        case rule, threshold, fit, selection
    }
}

/// What feedback changed in a calibration.
public struct FeedbackChange: Sendable, Hashable, Codable {
    public var rule: String
    public var series: String
    public var deployId: String
    /// "suppressed" (a false pause raised the series' scale) or "confirmed" (a missed
    /// confirmed fault lowered it).
    public var kind: String
    public var factor: Double

    enum CodingKeys: String, CodingKey {
        case rule, series, kind, factor
        case deployId = "deploy_id"
    }
}

/// The rule-set search: calibrate every candidate rule on normal operation, then decide the set
/// and its one threshold.
///
/// 1. **Calibrate.** Each candidate (detector configuration × decision policy) scores the
///    null samples — a placebo of every training deploy (its window moved into the pre-deploy
///    hours, when nothing was released), and history placebos for the fleet-history mode. Their
///    metric strengths per series fit a ``RuleCalibration``; a candidate's calibrated strength
///    on a deploy is its largest `strength / scale` over the deploy's metrics. Good deploys are
///    kept out of the fit, so that their calibrated strengths are out of sample for step 2.
/// 2. **Select.** `union` (the default) keeps every usable candidate; under a false-pause
///    budget of F per 100 good deploys its threshold is the (1 − F/100) quantile of the
///    strongest calibrated score of the good training deploys and the deploy placebos together
///    (``budgetThreshold(_:over:sweeper:placebos:)``). `greedy` grows a set on the fitting
///    deploys (the earlier `1 − selectionFraction`), each step adding the candidate that, with
///    one threshold shared by the set, grades best by the objective, and keeps the prefix
///    that grades best on the held-back selection deploys.
/// 3. **Feedback.** A good deploy whose alert was labeled a false positive on a metric, and
///    that a kept rule would pause there, raises that series' scale until it would not; a bad
///    deploy confirmed on a metric that the set misses lowers it until it fires, unless a false
///    pause has raised it (suppression wins, in either order). Each moves a scale by at most
///    `feedbackLimit`, and every change is reported.
///
/// A bad deploy counts as caught only when the set first fires at or after a minute before
/// its fault began (when a `change` incident says when): a pause before the fault existed is
/// right for the wrong reason.
struct RuleSetSearch {
    var space: SearchSpace
    var settings: CalibrationSettings
    var baselines: BaselineSet

    struct Candidate {
        var config: Int
        var policy: Int
    }

    /// Where a candidate's strengths sit in a row of ``strengths(of:detectors:progress:)``.
    func column(_ c: Candidate) -> Int { c.config * space.policies.count + c.policy }

    /// Raw strengths of one candidate on one judged window: per metric, before the split and in all.
    struct Strengths {
        var before: [Double]
        var total: [Double]
    }

    func run(
        _ labeled: [TuningCase],
        nulls: [NullSample],
        probes: [TuningCase] = [],
        detectors: [any AnomalyDetector],
        progress: (@Sendable (Int, Int) -> Void)?
    ) -> TuningResult {
        // The fleet-history mode has one pseudo-host: policies that differ only in min_hosts are one candidate.
        let candidates = space.configs.indices.flatMap { c in
            space.policies.indices.compactMap { p -> Candidate? in
                if space.configs[c].mode.isFleetLevel && space.policies[p].minHosts > 1
                    && space.policies.contains(where: { $0.minHosts == 1 })
                {
                    return nil
                }
                return Candidate(config: c, policy: p)
            }
        }
        // 1. Raw strengths of every candidate on the labeled deploys and the null samples.
        let labeledStrengths = strengths(
            of: labeled.map {
                ($0.evidence, space.preDeployWindow, $0.label == .bad ? $0.faultOnset.map { $0 - 60 } : nil, false)
            },
            detectors: detectors,
            progress: progress
        )
        let nullStrengths = strengths(
            of: nulls.map { ($0.evidence, $0.preDeployWindow, nil, $0.fleetLevelOnly) },
            detectors: detectors,
            progress: nil
        )
        var calibrations: [RuleCalibration] = []
        var usable = [Bool](repeating: false, count: candidates.count)
        for (i, cand) in candidates.enumerated() {
            var samples: [SeriesKey: [Double]] = [:]
            for (n, sample) in nulls.enumerated() {
                let metrics = sample.evidence.deploy.metrics.sorted { $0.name < $1.name }
                guard let s = nullStrengths[n][column(cand)] else { continue }
                for (m, metric) in metrics.enumerated() where !s.total[m].isNaN {
                    samples[SeriesKey(app: sample.evidence.deploy.app, metric: metric.name), default: []].append(
                        s.total[m]
                    )
                }
            }
            calibrations.append(
                RuleCalibration.fit(samples: samples, quantile: settings.quantile, prior: settings.prior)
            )
            usable[i] = labeledStrengths.contains { row in
                guard let s = row[column(cand)] else { return false }
                return s.total.contains { $0.isFinite && $0 > 0 }
            }
        }
        // Calibrated strength of the deploy placebos (nothing released): normal operation the
        // union's threshold also answers for.
        let deployPlacebos = nulls.indices.filter { !nulls[$0].fleetLevelOnly }
        func placeboStrength(_ rules: [Int]) -> [Double] {
            deployPlacebos.map { n in
                let metrics = nulls[n].evidence.deploy.metrics.sorted { $0.name < $1.name }
                let app = nulls[n].evidence.deploy.app
                var total = 0.0
                for i in rules {
                    guard let s = nullStrengths[n][column(candidates[i])] else { continue }
                    for (m, metric) in metrics.enumerated() where s.total[m].isFinite {
                        total = max(total, s.total[m] / calibrations[i].scale(app: app, metric: metric.name))
                    }
                }
                return total
            }
        }
        // Calibrated deploy-level strengths: before the onset split, and in all.
        func calibrated(_ i: Int, _ d: Int) -> (before: Double, total: Double) {
            guard let s = labeledStrengths[d][column(candidates[i])] else { return (-.infinity, -.infinity) }
            let metrics = labeled[d].evidence.deploy.metrics.sorted { $0.name < $1.name }
            let app = labeled[d].evidence.deploy.app
            var before = -Double.infinity
            var total = -Double.infinity
            for (m, metric) in metrics.enumerated() {
                let scale = calibrations[i].scale(app: app, metric: metric.name)
                if !s.before[m].isNaN { before = max(before, s.before[m] / scale) }
                if !s.total[m].isNaN { total = max(total, s.total[m] / scale) }
            }
            return (before, total)
        }
        var table = [[(before: Double, total: Double)]](repeating: [], count: candidates.count)
        for i in candidates.indices { table[i] = labeled.indices.map { calibrated(i, $0) } }
        var probeTable: CandidateTable?
        if !probes.isEmpty {
            let probeStrengths = strengths(
                of: probes.map {
                    ($0.evidence, space.preDeployWindow, $0.label == .bad ? $0.faultOnset.map { $0 - 60 } : nil, false)
                },
                detectors: detectors,
                progress: nil
            )
            func row(_ id: String, _ label: DeployLabel, _ deploy: Deploy, _ raw: [Strengths?]) -> CandidateTable.Row {
                let metrics = deploy.metrics.sorted { $0.name < $1.name }
                var before: [Double] = []
                var total: [Double] = []
                for i in candidates.indices {
                    var b = -Double.infinity
                    var t = -Double.infinity
                    if let s = raw[column(candidates[i])] {
                        for (m, metric) in metrics.enumerated() {
                            let scale = calibrations[i].scale(app: deploy.app, metric: metric.name)
                            if !s.before[m].isNaN { b = max(b, s.before[m] / scale) }
                            if !s.total[m].isNaN { t = max(t, s.total[m] / scale) }
                        }
                    }
                    before.append(b)
                    total.append(t)
                }
                return CandidateTable.Row(deployId: id, label: label, before: before, total: total)
            }
            func rows(_ cases: [TuningCase], _ raw: [[Strengths?]]) -> [CandidateTable.Row] {
                cases.enumerated().map { d, c in row(c.evidence.deploy.id, c.label, c.evidence.deploy, raw[d]) }
            }
            probeTable = CandidateTable(
                candidates: candidates.map(name),
                training: rows(labeled, labeledStrengths),
                probes: rows(probes, probeStrengths),
                nulls: nulls.enumerated().map { n, sample in
                    row("null:\(sample.evidence.deploy.id)", .good, sample.evidence.deploy, nullStrengths[n])
                }
            )
        }

        // 2. Grow on the fitting deploys.
        let isBad = labeled.map { $0.label == .bad }
        let fitCount = max(1, Int((Double(labeled.count) * (1 - space.selectionFraction)).rounded()))
        let fit = Array(labeled.indices.prefix(fitCount))
        let selection = Array(labeled.indices.dropFirst(fitCount))
        var sweeper = Sweeper(table: table, isBad: isBad, objective: space.objective)
        var chosen: [Int] = []
        var sequence: [(rule: Int, threshold: Double, grade: TuningObjective.Grade)] = []
        var current: TuningObjective.Grade?
        if settings.ruleSet == .union {
            chosen = candidates.indices.filter { usable[$0] }
            if let t = budgetThreshold(chosen, over: fit, sweeper: sweeper, placebos: placeboStrength(chosen)) {
                let g = space.objective.grade(sweeper.counts(rules: chosen, threshold: t, over: fit))
                sequence = [(chosen.last!, t, g)]
            } else if let (t, _, g) = sweeper.best(rules: chosen, over: fit) {
                sequence = [(chosen.last!, t, g)]
            } else {
                chosen = []
            }
        }
        while settings.ruleSet == .greedy && chosen.count < settings.maxRules {
            var best: (rule: Int, threshold: Double, grade: TuningObjective.Grade)?
            for i in candidates.indices where usable[i] && !chosen.contains(i) {
                guard let (t, _, g) = sweeper.best(rules: chosen + [i], over: fit) else { continue }
                if best == nil || best!.grade < g { best = (i, t, g) }
            }
            guard let best, current == nil || current! < best.grade else { break }
            chosen.append(best.rule)
            sequence.append(best)
            current = best.grade
        }
        // 3. The prefix that does best on the selection deploys.
        var steps: [RuleSetStep] = []
        var keep = sequence.count
        var bestSelection: TuningObjective.Grade?
        for (n, step) in sequence.enumerated() {
            let rules = settings.ruleSet == .union ? chosen : Array(chosen.prefix(n + 1))
            let fitCounts = sweeper.counts(rules: rules, threshold: step.threshold, over: fit)
            let selectionCounts = sweeper.counts(rules: rules, threshold: step.threshold, over: selection)
            steps.append(
                RuleSetStep(
                    rule: settings.ruleSet == .union
                        ? "all \(chosen.count) usable candidates" : name(candidates[step.rule]),
                    threshold: step.threshold,
                    fit: fitCounts,
                    selection: selectionCounts
                )
            )
            let g = space.objective.grade(selectionCounts)
            if selection.isEmpty {
                keep = n + 1
            } else if bestSelection == nil || bestSelection! < g {
                bestSelection = g
                keep = n + 1
            }
        }
        let kept = settings.ruleSet == .union ? chosen : Array(chosen.prefix(keep))
        let all = Array(labeled.indices)
        var threshold = 1.0
        var feasible = false
        if settings.ruleSet == .union, !kept.isEmpty,
            let t = budgetThreshold(kept, over: all, sweeper: sweeper, placebos: placeboStrength(kept))
        {
            threshold = t
            feasible = space.objective.grade(sweeper.counts(rules: kept, threshold: t, over: all)).feasible
        } else if !kept.isEmpty, let (t, _, g) = sweeper.best(rules: kept, over: all) {
            threshold = t
            feasible = g.feasible
        }
        var rules: [GuardRule] = kept.map { i in
            GuardRule(
                config: space.configs[candidates[i].config],
                policy: space.policies[candidates[i].policy],
                threshold: threshold,
                calibration: calibrations[i]
            )
        }
        // 4. Feedback.
        var changes: [FeedbackChange] = []
        if settings.feedbackLimit > 1 {
            for (r, i) in kept.enumerated() {
                (rules[r].calibration, changes) = applyFeedback(
                    rules[r].calibration!,
                    threshold: threshold,
                    rule: rules[r].name,
                    candidate: column(candidates[i]),
                    labeled: labeled,
                    strengths: labeledStrengths,
                    changes: changes
                )
            }
        }
        if rules.isEmpty {
            // Nothing pauses a training deploy within the budget: keep the first usable candidate,
            // silent (an infinite threshold would not encode), and say so.
            let i = candidates.indices.first { usable[$0] } ?? 0
            rules = [
                GuardRule(
                    config: space.configs[candidates[i].config],
                    policy: space.policies[candidates[i].policy],
                    threshold: 1e9,
                    calibration: calibrations[i]
                )
            ]
        }
        let model = GuardModel(
            rules: rules.map { ScopedRule(scope: .global, rule: $0) },
            metricsAgree: 1,
            preDeployWindow: space.preDeployWindow,
            seasonalPeriod: space.seasonalPeriod
        )
        // The final model's counts on every labeled training deploy, feedback included.
        var training = DeployCounts()
        for (d, c) in labeled.enumerated() {
            var early = false
            var paused = false
            for (r, i) in kept.enumerated() {
                guard let s = labeledStrengths[d][column(candidates[i])] else { continue }
                let metrics = c.evidence.deploy.metrics.sorted { $0.name < $1.name }
                for (m, metric) in metrics.enumerated() {
                    let t = rules[r].threshold(app: c.evidence.deploy.app, metric: metric.name)
                    if s.before[m] > t { early = true }
                    if s.total[m] > t { paused = true }
                }
            }
            training.add(label: c.label, paused: paused && !(c.label == .bad && early))
        }
        let unusableNames = candidates.indices.filter { !usable[$0] }.map { name(candidates[$0]) }
        return TuningResult(
            model: model,
            scopes: [
                ScopeDecision(
                    scope: .global,
                    accepted: true,
                    reason:
                        settings.ruleSet == .union
                        ? "all \(kept.count) usable calibrated rules, one threshold chosen on \(labeled.count) labeled deploys"
                        : "a set of \(kept.count) calibrated rule(s) grown greedily on \(fit.count) labeled deploys, checked on \(selection.count) held back",
                    candidate: rules.first,
                    labeledFit: fit.count,
                    labeledSelection: selection.count
                )
            ],
            training: training,
            feasible: feasible,
            candidatesEvaluated: candidates.count,
            thresholdsEvaluated: sweeper.thresholdsEvaluated,
            ruleSearch: steps,
            unusable: unusableNames,
            feedback: changes,
            nullSamples: nulls.count,
            candidateTable: probeTable
        )
    }

    /// The union's threshold under a false-pause budget of F per 100 good deploys: the
    /// (1 − F/100) quantile of the strongest calibrated score over the rules of the good
    /// deploys and of the deploy placebos together (no score counts as 0).
    ///
    /// It reads no bad label, so a handful of incidents cannot pull it around; with few good
    /// deploys it interpolates instead of jumping above the strongest one (which a count of
    /// whole false pauses, floor(g · F/100) = 0, forces). The placebos make it honest: good
    /// training deploys alone under-state the tail that new deploys reach (on a generated
    /// corpus, 6.4 false pauses per 100 in the walk-forward against 0.5 with the placebos).
    /// `nil` for an objective without a budget, or when nothing scores.
    func budgetThreshold(_ rules: [Int], over deploys: [Int], sweeper: Sweeper, placebos: [Double]) -> Double? {
        guard case .constrainedRecall(_, let budget) = space.objective, budget > 0, budget < 100 else { return nil }
        let good = deploys.filter { !sweeper.isBad[$0] }.map { d in
            let t = sweeper.combined(rules, d).total
            return t.isFinite ? max(t, 0) : 0
        }
        guard let q = Quantile.linear(good + placebos, p: 1 - budget / 100), q > 0 else { return nil }
        return q
    }

    func name(_ c: Candidate) -> String {
        "\(space.configs[c.config]) [\(space.policies[c.policy])]"
    }

    /// Raw strengths of every candidate on every window, on all cores; `nil` where the
    /// window does not apply to the candidate's mode. `split` (a time) separates "before".
    func strengths(
        of windows: [(evidence: DeployEvidence, preDeployWindow: Int64, split: Int64?, fleetLevelOnly: Bool)],
        detectors: [any AnomalyDetector],
        progress: (@Sendable (Int, Int) -> Void)?
    ) -> [[Strengths?]] {
        let configs = space.configs
        let policies = space.policies
        let baselines = self.baselines
        // Each configuration is scored once per distinct warm-up; policies reduce the scores.
        let warmups = Array(Set(policies.map(\.warmupSeconds))).sorted()
        var out = [[Strengths?]](
            repeating: [Strengths?](repeating: nil, count: configs.count * policies.count),
            count: windows.count
        )
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let rows = buffer
            DispatchQueue.concurrentPerform(iterations: windows.count) { w in
                let window = windows[w]
                let metrics = window.evidence.deploy.metrics.sorted { $0.name < $1.name }
                var row = [Strengths?](repeating: nil, count: configs.count * policies.count)
                for (c, config) in configs.enumerated() {
                    if window.fleetLevelOnly && !config.mode.isFleetLevel { continue }
                    for warmup in warmups {
                        var perPolicy = [Strengths](
                            repeating: Strengths(
                                before: [Double](repeating: .nan, count: metrics.count),
                                total: [Double](repeating: .nan, count: metrics.count)
                            ),
                            count: policies.count
                        )
                        var any = false
                        for (m, metric) in metrics.enumerated() {
                            let hosts = DeployJudge.hostScores(
                                evidence: window.evidence,
                                metric: metric,
                                config: config,
                                detector: detectors[c],
                                baselines: baselines,
                                preDeployWindow: window.preDeployWindow,
                                warmup: warmup
                            )
                            guard !hosts.isEmpty else { continue }
                            any = true
                            for (p, policy) in policies.enumerated() where policy.warmupSeconds == warmup {
                                let (before, total) = DeployJudge.metricStrength(
                                    hosts,
                                    policy: policy,
                                    split: window.split
                                )
                                perPolicy[p].before[m] = before
                                perPolicy[p].total[m] = total
                            }
                        }
                        guard any else { continue }
                        for (p, policy) in policies.enumerated() where policy.warmupSeconds == warmup {
                            row[c * policies.count + p] = perPolicy[p]
                        }
                    }
                }
                rows[w] = row
            }
        }
        progress?(configs.count, configs.count)
        return out
    }

    /// Moves series scales of one kept rule so that labeled feedback is honoured, within limits.
    func applyFeedback(
        _ calibration: RuleCalibration,
        threshold: Double,
        rule: String,
        candidate i: Int,
        labeled: [TuningCase],
        strengths: [[Strengths?]],
        changes: [FeedbackChange]
    ) -> (RuleCalibration, [FeedbackChange]) {
        var cal = calibration
        var changes = changes
        let limit = settings.feedbackLimit
        for (d, c) in labeled.enumerated() {
            guard let s = strengths[d][i] else { continue }
            let metrics = c.evidence.deploy.metrics.sorted { $0.name < $1.name }
            let app = c.evidence.deploy.app
            for (m, metric) in metrics.enumerated() {
                let key = RuleCalibration.key(app: app, metric: metric.name)
                let base = calibration.scale(app: app, metric: metric.name)
                var entry = cal.series[key] ?? RuleCalibration.Series(scale: base, samples: 0)
                let factor = entry.feedback ?? 1
                // The series' scale moves by `f`, and the change is listed.
                func record(_ f: Double, _ kind: String) {
                    entry.scale = base * f
                    entry.feedback = f
                    cal.series[key] = entry
                    changes.append(
                        FeedbackChange(rule: rule, series: key, deployId: c.evidence.deploy.id, kind: kind, factor: f)
                    )
                }
                if c.label == .good, c.falseAlarmMetrics.contains(metric.name), s.total[m].isFinite,
                    s.total[m] > threshold * entry.scale
                {
                    let wanted = min(limit, s.total[m] / (threshold * base) * 1.05)
                    guard wanted > factor else { continue }
                    record(wanted, "suppressed")
                } else if c.label == .bad, factor <= 1, c.confirmedMetrics.contains(metric.name), s.total[m].isFinite,
                    s.total[m] > 0, s.total[m] <= threshold * entry.scale, !(s.before[m] > threshold * entry.scale)
                {
                    let wanted = max(1 / limit, s.total[m] / (threshold * base) / 1.05)
                    // Never below a level that would fire before the fault.
                    let floor = s.before[m].isFinite ? s.before[m] / (threshold * base) * 1.05 : 0
                    let f = max(wanted, floor)
                    guard f < factor, s.total[m] > threshold * base * f else { continue }
                    record(f, "confirmed")
                }
            }
        }
        return (cal, changes)
    }
}

/// Sweeps one threshold shared by a set of rules over calibrated deploy strengths.
struct Sweeper {
    /// `table[rule][deploy]`: the deploy's calibrated strength before the onset split and in all.
    let table: [[(before: Double, total: Double)]]
    let isBad: [Bool]
    let objective: TuningObjective
    var thresholdsEvaluated = 0

    init(table: [[(before: Double, total: Double)]], isBad: [Bool], objective: TuningObjective) {
        self.table = table
        self.isBad = isBad
        self.objective = objective
    }

    func combined(_ rules: [Int], _ d: Int) -> (before: Double, total: Double) {
        var b = -Double.infinity
        var t = -Double.infinity
        for r in rules {
            b = max(b, table[r][d].before)
            t = max(t, table[r][d].total)
        }
        return (b, t)
    }

    func counts(rules: [Int], threshold: Double, over deploys: [Int]) -> DeployCounts {
        var c = DeployCounts()
        for d in deploys {
            let (b, t) = combined(rules, d)
            if isBad[d] {
                c.add(label: .bad, paused: t > threshold && !(b > threshold))
            } else {
                c.add(label: .good, paused: t > threshold)
            }
        }
        return c
    }

    /// The best shared threshold: midway between consecutive distinct strengths, highest first;
    /// ties keep the higher threshold.
    mutating func best(rules: [Int], over deploys: [Int]) -> (Double, DeployCounts, TuningObjective.Grade)? {
        let values = deploys.map { combined(rules, $0) }
        var levels = Set<Double>()
        for v in values {
            if v.total.isFinite { levels.insert(v.total) }
            if v.before.isFinite { levels.insert(v.before) }
        }
        let sorted = levels.sorted(by: >)
        var best: (Double, DeployCounts, TuningObjective.Grade)?
        for (n, value) in sorted.enumerated() {
            let next = n + 1 < sorted.count ? sorted[n + 1] : value / 2
            let threshold = (value + next) / 2
            guard threshold > 0, threshold < value else { continue }
            var c = DeployCounts()
            for (k, d) in deploys.enumerated() {
                let (b, t) = values[k]
                if isBad[d] {
                    c.add(label: .bad, paused: t > threshold && !(b > threshold))
                } else {
                    c.add(label: .good, paused: t > threshold)
                }
            }
            thresholdsEvaluated += 1
            let g = objective.grade(c)
            if best == nil || best!.2 < g { best = (threshold, c, g) }
        }
        return best
    }
}

/// Every candidate's calibrated deploy strengths (before the onset split, and in all), on the
/// training deploys and on probe deploys: for studying the search, not part of a model.
public struct CandidateTable: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public var deployId: String
        public var label: DeployLabel
        public var before: [Double]
        public var total: [Double]
    }
    public var candidates: [String]
    public var training: [Row]
    public var probes: [Row]
    /// The null samples the calibration was fitted on (placebos), labeled good.
    public var nulls: [Row]
}
