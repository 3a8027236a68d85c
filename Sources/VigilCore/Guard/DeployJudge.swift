/// Everything known about one deploy when it is judged: its record and its host series.
public struct DeployEvidence: Sendable {
    public var deploy: Deploy
    /// Host-level series per metric name.
    public var series: [String: [HostSeries]]

    public init(deploy: Deploy, series: [String: [HostSeries]]) {
        self.deploy = deploy
        self.series = series
    }
}

/// Seasonal baselines per app, metric and method, fitted on history (for the single-metric mode).
public struct BaselineSet: Sendable {
    public struct Key: Sendable, Hashable {
        public var app: String
        public var metric: String
        public var method: SeasonalMethod
        public init(app: String, metric: String, method: SeasonalMethod) {
            self.app = app
            self.metric = metric
            self.method = method
        }
    }

    public var baselines: [Key: SeasonalBaseline]
    public init(_ baselines: [Key: SeasonalBaseline] = [:]) { self.baselines = baselines }

    public subscript(app: String, metric: String, method: SeasonalMethod) -> SeasonalBaseline? {
        baselines[Key(app: app, metric: metric, method: method)]
    }
}

/// One released host's scores for one metric: the target points after its batch started.
public struct HostScores: Sendable, Hashable {
    public var host: String
    public var batch: Int
    /// When the host's batch started; warm-up is counted from here.
    public var batchStart: Int64
    public var times: [Int64]
    public var scores: [Double]
    /// The raw value and what it was compared with, per point (for reasons; NaN when unknown).
    public var observed: [Double]
    public var expected: [Double]
    /// The mode the scores come from: the configured one, or before/after when it could not apply.
    public var mode: DetectionMode = .beforeAfter

    public init(
        host: String,
        batch: Int,
        batchStart: Int64,
        times: [Int64],
        scores: [Double],
        observed: [Double],
        expected: [Double],
        mode: DetectionMode = .beforeAfter
    ) {
        self.mode = mode
        self.host = host
        self.batch = batch
        self.batchStart = batchStart
        self.times = times
        self.scores = scores
        self.observed = observed
        self.expected = expected
    }
}

/// Why the guard paused: the metric that fired and what it saw.
public struct PauseReason: Sendable, Hashable, Codable {
    public var metric: String
    public var kind: MetricKind?
    public var scope: String
    public var hosts: [String]
    public var detector: String
    public var mode: DetectionMode
    public var at: Int64
    public var score: Double
    public var threshold: Double
    public var expected: Double?
    public var observed: Double?
    /// The series' calibrated scale: `score / scale` against the rule's threshold `threshold / scale`.
    public var scale: Double?
    /// The decision policy of the rule that fired.
    public var policy: DecisionPolicy?

    public init(
        metric: String,
        kind: MetricKind?,
        scope: String,
        hosts: [String],
        detector: String,
        mode: DetectionMode,
        at: Int64,
        score: Double,
        threshold: Double,
        expected: Double?,
        observed: Double?,
        scale: Double? = nil,
        policy: DecisionPolicy? = nil
    ) {
        self.scale = scale
        self.policy = policy
        self.metric = metric
        self.kind = kind
        self.scope = scope
        self.hosts = hosts
        self.detector = detector
        self.mode = mode
        self.at = at
        self.score = score
        self.threshold = threshold
        self.expected = expected
        self.observed = observed
    }
}

/// The guard's decision on one deploy, with a per-batch timeline.
public struct DeployDecision: Sendable, Hashable, Codable {
    public enum Action: String, Sendable, Hashable, Codable {
        case `continue`, pause
    }

    public struct BatchStep: Sendable, Hashable, Codable {
        public var batch: Int
        public var startedAt: Int64?
        public var decision: Action

        public init(batch: Int, startedAt: Int64?, decision: Action) {
            self.batch = batch
            self.startedAt = startedAt
            self.decision = decision
        }

        enum CodingKeys: String, CodingKey {
            case batch, decision
            case startedAt = "started_at"
        }
    }

    /// The deploy went on: every batch continued.
    public static func continued(_ deploy: Deploy, unjudgedMetrics: [String] = []) -> DeployDecision {
        DeployDecision(
            deployId: deploy.id,
            decision: .continue,
            pausedAt: nil,
            batch: nil,
            reasons: [],
            timeline: deploy.batches.sorted { $0.index < $1.index }.map {
                .init(batch: $0.index, startedAt: $0.startedAt, decision: .continue)
            },
            unjudgedMetrics: unjudgedMetrics
        )
    }

    public var deployId: String
    public var decision: Action
    public var pausedAt: Int64?
    /// The batch running when the guard paused.
    public var batch: Int?
    /// The metrics that fired, earliest first; only those up to the pause when paused.
    public var reasons: [PauseReason]
    /// Every batch that started before the pause, and the decision taken while it ran.
    public var timeline: [BatchStep]
    /// Metrics that could not be judged (no series, or the mode needs data the deploy lacks).
    public var unjudgedMetrics: [String]

    public init(
        deployId: String,
        decision: Action,
        pausedAt: Int64?,
        batch: Int?,
        reasons: [PauseReason],
        timeline: [BatchStep],
        unjudgedMetrics: [String]
    ) {
        self.deployId = deployId
        self.decision = decision
        self.pausedAt = pausedAt
        self.batch = batch
        self.reasons = reasons
        self.timeline = timeline
        self.unjudgedMetrics = unjudgedMetrics
    }

    enum CodingKeys: String, CodingKey {
        case decision, batch, reasons, timeline
        case deployId = "deploy_id"
        case pausedAt = "paused_at"
        case unjudgedMetrics = "unjudged_metrics"
    }
}

/// Scores a deploy's metrics and decides, batch by batch, whether the release continues.
///
/// This is the code the online guard runs and the code the offline evaluation replays, so
/// what is measured offline is what runs online.
public struct DeployJudge: Sendable {
    public var model: GuardModel
    public var baselines: BaselineSet
    private var detectors: [DetectorConfig: any AnomalyDetector]

    /// - Throws: ``DetectorError`` when a rule names an unknown detector or a bad parameter.
    public init(model: GuardModel, baselines: BaselineSet = BaselineSet()) throws(DetectorError) {
        self.model = model
        self.baselines = baselines
        var detectors: [DetectorConfig: any AnomalyDetector] = [:]
        for config in model.configs {
            detectors[config] = try DetectorCatalog.make(config.detector, parameters: config.parameters)
        }
        self.detectors = detectors
    }

    /// One rule's view of one metric: the rule, its raw threshold on this series, and the
    /// released hosts' scores under its configuration.
    public struct RuleScores: Sendable {
        public var rule: GuardRule
        /// The raw-score threshold on this series (the rule's threshold times the series' scale).
        public var threshold: Double
        /// The series' calibrated scale (1 for an uncalibrated rule).
        public var scale: Double
        public var hosts: [HostScores]
    }

    /// The rule set that applies to `metric` of the deploy, its scope, and each rule's scores.
    /// Rules that share a configuration and warm-up share their scores.
    public func scores(of metric: MetricSpec, in evidence: DeployEvidence) -> (scope: RuleScope, rules: [RuleScores]) {
        let deploy = evidence.deploy
        let (scope, rules) = model.rules(app: deploy.app, kind: metric.kind)
        var cache: [ScoreKey: [HostScores]] = [:]
        var result: [RuleScores] = []
        for rule in rules {
            let key = ScoreKey(config: rule.config, warmup: rule.policy.warmupSeconds)
            let hosts =
                cache[key]
                ?? Self.hostScores(
                    evidence: evidence,
                    metric: metric,
                    config: rule.config,
                    detector: detectors[rule.config]!,
                    baselines: baselines,
                    preDeployWindow: model.preDeployWindow,
                    warmup: rule.policy.warmupSeconds
                )
            cache[key] = hosts
            let scale = rule.calibration?.scale(app: deploy.app, metric: metric.name) ?? 1
            result.append(RuleScores(rule: rule, threshold: rule.threshold * scale, scale: scale, hosts: hosts))
        }
        return (scope, result)
    }

    struct ScoreKey: Hashable {
        var config: DetectorConfig
        var warmup: Int64
    }

    /// The decision on one deploy.
    public func judge(_ evidence: DeployEvidence) -> DeployDecision {
        let deploy = evidence.deploy
        var firings: [(at: Int64, reason: PauseReason)] = []
        var unjudged: [String] = []
        var judged = 0
        for metric in deploy.metrics.sorted(by: { $0.name < $1.name }) {
            let (scope, rules) = scores(of: metric, in: evidence)
            guard rules.contains(where: { !$0.hosts.isEmpty }) else {
                unjudged.append(metric.name)
                continue
            }
            judged += 1
            // The rule set is an OR: the metric fires at the earliest firing of any rule.
            var earliest: (at: Int64, reason: PauseReason)?
            for r in rules where !r.hosts.isEmpty {
                guard let fire = Self.metricFiring(r.hosts, policy: r.rule.policy, threshold: r.threshold),
                    earliest == nil || fire.at < earliest!.at
                else { continue }
                let best = fire.hosts.max { $0.score < $1.score }!
                earliest = (
                    fire.at,
                    PauseReason(
                        metric: metric.name,
                        kind: metric.kind,
                        scope: scope.description,
                        hosts: fire.hosts.map(\.host),
                        detector: r.rule.config.description,
                        mode: r.hosts[0].mode,
                        at: fire.at,
                        score: best.score,
                        threshold: r.threshold,
                        expected: best.expected.isNaN ? nil : best.expected,
                        observed: best.observed.isNaN ? nil : best.observed,
                        scale: r.rule.calibration == nil ? nil : r.scale,
                        policy: r.rule.policy
                    )
                )
            }
            if let earliest { firings.append(earliest) }
        }
        firings.sort { ($0.at, $0.reason.metric) < ($1.at, $1.reason.metric) }
        let needed = min(model.metricsAgree, judged)
        let batches = deploy.batches.sorted { $0.index < $1.index }
        if needed > 0, firings.count >= needed {
            let pausedAt = firings[needed - 1].at
            let running = batches.last { ($0.startedAt ?? deploy.startedAt) <= pausedAt }
            var timeline: [DeployDecision.BatchStep] = []
            for b in batches where (b.startedAt ?? deploy.startedAt) <= pausedAt {
                timeline.append(
                    .init(
                        batch: b.index,
                        startedAt: b.startedAt,
                        decision: b.index == running?.index ? .pause : .continue
                    )
                )
            }
            return DeployDecision(
                deployId: deploy.id,
                decision: .pause,
                pausedAt: pausedAt,
                batch: running?.index,
                reasons: firings.prefix(needed).map(\.reason),
                timeline: timeline,
                unjudgedMetrics: unjudged
            )
        }
        return .continued(deploy, unjudgedMetrics: unjudged)
    }

    /// Scores of every released host of `metric` under `config`, target points up to the deploy's end.
    ///
    /// When the configured mode cannot apply — no baseline hosts for released-vs-unreleased, no
    /// seasonal baseline for single-metric — the same detector runs before/after instead, so a
    /// deploy without baseline hosts is still guarded (each host's ``HostScores/mode`` says which
    /// ran). Empty only when the metric has no released-host series.
    public static func hostScores(
        evidence: DeployEvidence,
        metric: MetricSpec,
        config: DetectorConfig,
        detector: any AnomalyDetector,
        baselines: BaselineSet,
        preDeployWindow: Int64,
        warmup: Int64 = 0
    ) -> [HostScores] {
        let scores = hostScores(
            evidence: evidence,
            metric: metric,
            mode: config.mode,
            seasonal: config.seasonal,
            detector: detector,
            baselines: baselines,
            preDeployWindow: preDeployWindow,
            warmup: warmup
        )
        // The fleet modes say where they apply; the older ones fall back to before/after.
        if !scores.isEmpty || config.mode == .beforeAfter || config.mode.isFleetMode { return scores }
        return hostScores(
            evidence: evidence,
            metric: metric,
            mode: .beforeAfter,
            seasonal: nil,
            detector: detector,
            baselines: baselines,
            preDeployWindow: preDeployWindow,
            warmup: warmup
        )
    }

    static func hostScores(
        evidence: DeployEvidence,
        metric: MetricSpec,
        mode: DetectionMode,
        seasonal: SeasonalMethod?,
        detector: any AnomalyDetector,
        baselines: BaselineSet,
        preDeployWindow: Int64,
        warmup: Int64 = 0
    ) -> [HostScores] {
        let deploy = evidence.deploy
        guard let series = evidence.series[metric.name], !series.isEmpty else { return [] }
        var expectation: (@Sendable ([Int64]) -> [Double])?
        if mode.usesSeasonal, let method = seasonal {
            if let baseline = baselines[deploy.app, metric.name, method] {
                expectation = { baseline.expected(at: $0) }
            } else if mode == .singleMetric {
                return []
            }
        } else if mode == .singleMetric {
            return []
        }
        let inputs: [HostDetectionInput]
        if mode.isFleetMode {
            // The load is what explains the fleet here, not a symptom: a traffic peak is not a
            // fault. Apps without a load metric get the seasonal expectation instead.
            var load: [HostSeries]?
            if mode == .fleetLoad, let spec = LoadMetric.find(in: deploy.metrics) {
                if spec.name == metric.name { return [] }
                load = evidence.series[spec.name]
            }
            inputs = FleetComparison.inputs(
                deploy: deploy,
                metric: metric,
                series: series,
                mode: mode,
                preDeployWindow: preDeployWindow,
                expectation: expectation,
                load: load
            )
        } else {
            let builder = DetectionInputBuilder(preDeployWindow: preDeployWindow, expectation: expectation)
            inputs = builder.inputs(deploy: deploy, metric: metric, series: series, mode: mode)
        }
        let end = deploy.effectiveEnd
        let raw = Dictionary(series.map { ($0.host, $0.series) }, uniquingKeysWith: { a, _ in a })
        var result: [HostScores] = []
        result.reserveCapacity(inputs.count)
        for h in inputs {
            let batchStart =
                h.batchStart ?? deploy.batches.first { $0.index == h.batch }?.startedAt ?? deploy.startedAt
            // Warm-up points are dropped before scoring, so a restart blip never enters a
            // detector's state (a CUSUM would carry it long after the grace).
            let from = h.targetTimes.prefix { $0 < batchStart + warmup }.count
            let keep = h.targetTimes.prefix { $0 <= end }.count
            guard keep > from else { continue }
            var input = h.input
            input.target = Array(input.target[from..<keep])
            let times = Array(h.targetTimes[from..<keep])
            let scores = detector.scores(for: input)
            var obs = [Double](repeating: .nan, count: times.count)
            var exp = [Double](repeating: .nan, count: times.count)
            let referenceMedian = Quantile.linear(input.reference.filter { !$0.isNaN }, p: 0.5) ?? .nan
            if let s = raw[h.host] {
                for (i, t) in times.enumerated() {
                    let v = DetectionInputBuilder.value(of: s, at: t)
                    obs[i] = v
                    exp[i] = mode == .beforeAfter ? referenceMedian : v - input.target[i]
                }
            }
            result.append(
                HostScores(
                    host: h.host,
                    batch: h.batch,
                    batchStart: batchStart,
                    times: times,
                    scores: scores,
                    observed: obs,
                    expected: exp,
                    mode: mode
                )
            )
        }
        return result
    }

    /// A host that fired: when, and its score, value and expectation at that point.
    public struct HostFiring: Sendable, Hashable {
        public var host: String
        public var at: Int64
        public var score: Double
        public var observed: Double
        public var expected: Double
    }

    /// The index at which `host` first has `consecutive` eligible points in a row above
    /// `threshold` (eligible: at or after its batch start plus the warm-up).
    static func firstFiring(_ host: HostScores, policy: DecisionPolicy, threshold: Double) -> Int? {
        let eligibleFrom = host.batchStart + policy.warmupSeconds
        var run = 0
        for i in host.scores.indices {
            if host.times[i] >= eligibleFrom && host.scores[i] > threshold {
                run += 1
                if run >= policy.consecutive { return i }
            } else {
                run = 0
            }
        }
        return nil
    }

    /// When a metric fires: the moment the `minHosts`-th host fires (capped at the hosts there are).
    public static func metricFiring(
        _ hosts: [HostScores],
        policy: DecisionPolicy,
        threshold: Double
    ) -> (at: Int64, hosts: [HostFiring])? {
        var fired: [HostFiring] = []
        for h in hosts {
            guard let i = firstFiring(h, policy: policy, threshold: threshold) else { continue }
            fired.append(
                HostFiring(
                    host: h.host,
                    at: h.times[i],
                    score: h.scores[i],
                    observed: h.observed[i],
                    expected: h.expected[i]
                )
            )
        }
        let needed = min(policy.minHosts, hosts.count)
        guard needed > 0, fired.count >= needed else { return nil }
        fired.sort { ($0.at, $0.host) < ($1.at, $1.host) }
        return (fired[needed - 1].at, Array(fired.prefix(needed)))
    }

    /// The largest threshold below which `host` fires under `policy`: the best run of
    /// `consecutive` eligible points, scored by its smallest point. −∞ when it can never fire.
    ///
    /// `firstFiring(threshold: τ) != nil` exactly when `hostStrength > τ`, so a tuner can
    /// sweep every threshold from one number per host.
    public static func hostStrength(_ host: HostScores, policy: DecisionPolicy) -> Double {
        let eligibleFrom = host.batchStart + policy.warmupSeconds
        let c = policy.consecutive
        var best = -Double.infinity
        var runStart = 0
        var i = 0
        let n = host.scores.count
        while i < n {
            if host.times[i] < eligibleFrom {
                i += 1
                runStart = i
                continue
            }
            if i - runStart + 1 >= c {
                var m = Double.infinity
                // A NaN breaks a run in firstFiring, so it must sink the window here too.
                for j in (i - c + 1)...i { m = host.scores[j].isNaN ? -.infinity : min(m, host.scores[j]) }
                best = max(best, m)
            }
            i += 1
        }
        return best
    }

    /// A host's strength among runs that end before `split`, and among all runs.
    static func hostStrengths(
        _ host: HostScores,
        policy: DecisionPolicy,
        split: Int64?
    ) -> (before: Double, total: Double) {
        guard let split else {
            let s = hostStrength(host, policy: policy)
            return (-.infinity, s)
        }
        var before = -Double.infinity
        var total = -Double.infinity
        forEachRun(host, policy: policy) { i, m in
            total = max(total, m)
            if host.times[i] < split { before = max(before, m) }
        }
        return (before, total)
    }

    /// The metric's strength before `split` (the metric fires before it above this) and in all:
    /// each the `minHosts`-th largest host strength (capped at the hosts there are).
    public static func metricStrength(
        _ hosts: [HostScores],
        policy: DecisionPolicy,
        split: Int64?
    ) -> (before: Double, total: Double) {
        guard !hosts.isEmpty else { return (-.infinity, -.infinity) }
        let all = hosts.map { hostStrengths($0, policy: policy, split: split) }
        let k = min(policy.minHosts, all.count) - 1
        return (all.map(\.before).sorted(by: >)[k], all.map(\.total).sorted(by: >)[k])
    }

    /// The metric's strength: the `minHosts`-th largest host strength (capped at the hosts there are).
    public static func metricStrength(_ hosts: [HostScores], policy: DecisionPolicy) -> Double {
        guard !hosts.isEmpty else { return -.infinity }
        let strengths = hosts.map { hostStrength($0, policy: policy) }.sorted(by: >)
        return strengths[min(policy.minHosts, strengths.count) - 1]
    }
}

extension DeployJudge {
    /// How far the deploy is from pausing: the deploy pauses when every rule's threshold is
    /// multiplied by a factor below this (the k-th largest of each metric's strength over its
    /// threshold). −∞ when no metric can be judged. Drives threshold-sensitivity curves.
    public func pauseMargin(_ evidence: DeployEvidence) -> Double {
        let deploy = evidence.deploy
        var ratios: [Double] = []
        for metric in deploy.metrics.sorted(by: { $0.name < $1.name }) {
            let (_, rules) = scores(of: metric, in: evidence)
            var best = -Double.infinity
            var any = false
            for r in rules where !r.hosts.isEmpty {
                any = true
                let s = Self.metricStrength(r.hosts, policy: r.rule.policy)
                best = max(best, r.threshold > 0 ? s / r.threshold : (s > 0 ? .infinity : -.infinity))
            }
            if any { ratios.append(best) }
        }
        let k = min(model.metricsAgree, ratios.count)
        guard k > 0 else { return -.infinity }
        return ratios.sorted(by: >)[k - 1]
    }

    /// Per judged metric, how close it came to firing: the rule that came closest, its peak
    /// score and threshold in the rule's own (calibrated) units, and when the peak was.
    /// Strongest first. Explains why a deploy the guard let through got through.
    public func explain(_ evidence: DeployEvidence) -> [MetricExplanation] {
        var out: [MetricExplanation] = []
        for metric in evidence.deploy.metrics.sorted(by: { $0.name < $1.name }) {
            let (scope, rules) = scores(of: metric, in: evidence)
            var best: MetricExplanation?
            for r in rules where !r.hosts.isEmpty {
                let peaks = r.hosts.map { Self.hostPeak($0, policy: r.rule.policy) }.sorted {
                    $0.strength > $1.strength
                }
                let peak = peaks[min(r.rule.policy.minHosts, peaks.count) - 1]
                let scale = r.scale > 0 ? r.scale : 1
                let e = MetricExplanation(
                    metric: metric.name,
                    scope: scope.description,
                    rule: r.rule.name,
                    peak: peak.strength.isFinite ? peak.strength / scale : 0,
                    threshold: r.rule.threshold,
                    at: peak.at,
                    hosts: r.hosts.count
                )
                if best == nil || e.ratio > best!.ratio { best = e }
            }
            if let best { out.append(best) }
        }
        return out.sorted { ($0.ratio, $1.metric) > ($1.ratio, $0.metric) }
    }

    /// ``hostStrength(_:policy:)`` and the time of the last point of its best run.
    static func hostPeak(_ host: HostScores, policy: DecisionPolicy) -> (strength: Double, at: Int64?) {
        var best = -Double.infinity
        var at: Int64?
        forEachRun(host, policy: policy) { i, m in
            if m > best {
                best = m
                at = host.times[i]
            }
        }
        return (best, at)
    }

    /// Each run of `consecutive` eligible points (after the warm-up): `body(i, m)` with `i` the
    /// run's last index and `m` its minimum, −∞ when the run holds a NaN (as in firstFiring).
    @inline(__always)
    static func forEachRun(_ host: HostScores, policy: DecisionPolicy, _ body: (Int, Double) -> Void) {
        let eligibleFrom = host.batchStart + policy.warmupSeconds
        let c = policy.consecutive
        var runStart = 0
        for i in host.scores.indices {
            if host.times[i] < eligibleFrom {
                runStart = i + 1
                continue
            }
            guard i - runStart + 1 >= c else { continue }
            var m = Double.infinity
            for j in (i - c + 1)...i { m = host.scores[j].isNaN ? -.infinity : min(m, host.scores[j]) }
            body(i, m)
        }
    }
}

/// How close one metric came to firing (``DeployJudge/explain(_:)``).
public struct MetricExplanation: Sendable, Hashable, Codable {
    public var metric: String
    public var scope: String
    /// The rule that came closest.
    public var rule: String
    /// Its peak score, in the rule's threshold units (calibrated when the rule is).
    public var peak: Double
    public var threshold: Double
    /// When the peak was (the end of its best run).
    public var at: Int64?
    public var hosts: Int

    /// peak / threshold: above 1 fires.
    public var ratio: Double { threshold > 0 ? peak / threshold : (peak > 0 ? .infinity : 0) }

    enum CodingKeys: String, CodingKey {
        case metric, scope, rule, peak, threshold, at, hosts, ratio
    }

    public init(metric: String, scope: String, rule: String, peak: Double, threshold: Double, at: Int64?, hosts: Int) {
        self.metric = metric
        self.scope = scope
        self.rule = rule
        self.peak = peak
        self.threshold = threshold
        self.at = at
        self.hosts = hosts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metric = try c.decode(String.self, forKey: .metric)
        scope = try c.decode(String.self, forKey: .scope)
        rule = try c.decode(String.self, forKey: .rule)
        peak = try c.decode(Double.self, forKey: .peak)
        threshold = try c.decode(Double.self, forKey: .threshold)
        at = try c.decodeIfPresent(Int64.self, forKey: .at)
        hosts = try c.decode(Int.self, forKey: .hosts)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(metric, forKey: .metric)
        try c.encode(scope, forKey: .scope)
        try c.encode(rule, forKey: .rule)
        try c.encode(peak, forKey: .peak)
        try c.encode(threshold, forKey: .threshold)
        try c.encodeIfPresent(at, forKey: .at)
        try c.encode(hosts, forKey: .hosts)
        try c.encode(ratio, forKey: .ratio)
    }
}

/// Deploy-level precision, recall and F1 when every threshold is scaled by a factor.
public struct ThresholdPoint: Sendable, Hashable, Codable {
    public var factor: Double
    public var precision: Double
    public var recall: Double
    public var f1: Double
    public var falsePausesPer100: Double

    /// One point per factor, from pause margins and labels (unlabeled deploys are skipped).
    public static func curve(margins: [(margin: Double, label: DeployLabel)], factors: [Double]) -> [ThresholdPoint] {
        factors.map { f in
            var c = DeployCounts()
            for m in margins { c.add(label: m.label, paused: m.margin > f) }
            return ThresholdPoint(
                factor: f,
                precision: c.precision,
                recall: c.recall,
                f1: c.f1,
                falsePausesPer100: c.falsePausesPer100
            )
        }
    }

    /// 0.25× to 4× on a log scale, 1× included.
    public static let standardFactors: [Double] = (0...24).map { pow2(Double($0 - 12) / 6) }

    public static func pow2(_ x: Double) -> Double {
        var result = 1.0
        var e = x
        // 2^x without Foundation: exp(x ln 2) by its series is overkill; repeated square roots are exact enough.
        let whole = e.rounded(.down)
        e -= whole
        result = whole >= 0 ? Double(1 << Int(whole)) : 1 / Double(1 << Int(-whole))
        // e is in [0, 1): 2^e = exp(e ln2)
        let y = e * 0.693_147_180_559_945_3
        var term = 1.0
        var sum = 1.0
        for n in 1..<20 {
            term *= y / Double(n)
            sum += term
        }
        return result * sum
    }
}

/// One released host's series of one metric as point-level evaluation sees it.
public struct PointView: Sendable, Hashable {
    public var metric: String
    public var host: String
    /// A point alerts when it ends a run of `consecutive` eligible points above the threshold.
    public var alerts: [Bool]
    /// A point is anomalous when a labeled incident window covers it (its metric, host and time).
    public var truth: [Bool]
}

extension DeployJudge {
    /// Point alerts and truth for every released host and metric of the deploy.
    public func pointViews(_ evidence: DeployEvidence, windows: [AnomalousWindow]) -> [PointView] {
        let deploy = evidence.deploy
        var views: [PointView] = []
        for metric in deploy.metrics.sorted(by: { $0.name < $1.name }) {
            let (_, rules) = scores(of: metric, in: evidence)
            // A point alerts when any rule of the set alerts there; hosts keep their first rule's grid.
            var byHost: [String: (times: [Int64], alerts: [Bool])] = [:]
            var order: [String] = []
            for r in rules {
                for h in r.hosts {
                    let eligibleFrom = h.batchStart + r.rule.policy.warmupSeconds
                    var run = 0
                    var entry = byHost[h.host] ?? (h.times, [Bool](repeating: false, count: h.times.count))
                    if byHost[h.host] == nil { order.append(h.host) }
                    let index = Dictionary(entry.times.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
                    for i in h.scores.indices {
                        run = h.times[i] >= eligibleFrom && h.scores[i] > r.threshold ? run + 1 : 0
                        if run >= r.rule.policy.consecutive, let j = index[h.times[i]] { entry.alerts[j] = true }
                    }
                    byHost[h.host] = entry
                }
            }
            for host in order {
                let (times, alerts) = byHost[host]!
                let truth = times.map { t in
                    windows.contains { $0.contains(metric: metric.name, host: host, time: t) }
                }
                views.append(PointView(metric: metric.name, host: host, alerts: alerts, truth: truth))
            }
        }
        return views
    }
}
