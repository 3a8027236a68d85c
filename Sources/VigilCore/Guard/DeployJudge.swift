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
        observed: Double?
    ) {
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

        enum CodingKeys: String, CodingKey {
            case batch, decision
            case startedAt = "started_at"
        }
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

    /// The rule that applies to `metric` of the deploy, its scope, and its released hosts' scores.
    func scores(of metric: MetricSpec, in evidence: DeployEvidence) -> (RuleScope, GuardRule, [HostScores]) {
        let (scope, rule) = model.rule(app: evidence.deploy.app, kind: metric.kind)
        let hosts = Self.hostScores(
            evidence: evidence,
            metric: metric,
            config: rule.config,
            detector: detectors[rule.config]!,
            baselines: baselines,
            preDeployWindow: model.preDeployWindow
        )
        return (scope, rule, hosts)
    }

    /// The decision on one deploy.
    public func judge(_ evidence: DeployEvidence) -> DeployDecision {
        let deploy = evidence.deploy
        var firings: [(at: Int64, reason: PauseReason)] = []
        var unjudged: [String] = []
        var judged = 0
        for metric in deploy.metrics.sorted(by: { $0.name < $1.name }) {
            let (scope, rule, hosts) = scores(of: metric, in: evidence)
            guard !hosts.isEmpty else {
                unjudged.append(metric.name)
                continue
            }
            judged += 1
            guard let fire = Self.metricFiring(hosts, policy: rule.policy, threshold: rule.threshold) else { continue }
            let fired = fire.hosts
            let best = fired.max { $0.score < $1.score }!
            firings.append(
                (
                    fire.at,
                    PauseReason(
                        metric: metric.name,
                        kind: metric.kind,
                        scope: scope.description,
                        hosts: fired.map(\.host),
                        detector: rule.config.description,
                        mode: hosts[0].mode,
                        at: fire.at,
                        score: best.score,
                        threshold: rule.threshold,
                        expected: best.expected.isNaN ? nil : best.expected,
                        observed: best.observed.isNaN ? nil : best.observed
                    )
                )
            )
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
        return DeployDecision(
            deployId: deploy.id,
            decision: .continue,
            pausedAt: nil,
            batch: nil,
            reasons: [],
            timeline: batches.map { .init(batch: $0.index, startedAt: $0.startedAt, decision: .continue) },
            unjudgedMetrics: unjudged
        )
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
        preDeployWindow: Int64
    ) -> [HostScores] {
        let scores = hostScores(
            evidence: evidence,
            metric: metric,
            mode: config.mode,
            seasonal: config.seasonal,
            detector: detector,
            baselines: baselines,
            preDeployWindow: preDeployWindow
        )
        if !scores.isEmpty || config.mode == .beforeAfter { return scores }
        return hostScores(
            evidence: evidence,
            metric: metric,
            mode: .beforeAfter,
            seasonal: nil,
            detector: detector,
            baselines: baselines,
            preDeployWindow: preDeployWindow
        )
    }

    static func hostScores(
        evidence: DeployEvidence,
        metric: MetricSpec,
        mode: DetectionMode,
        seasonal: SeasonalMethod?,
        detector: any AnomalyDetector,
        baselines: BaselineSet,
        preDeployWindow: Int64
    ) -> [HostScores] {
        let deploy = evidence.deploy
        guard let series = evidence.series[metric.name], !series.isEmpty else { return [] }
        var expectation: (@Sendable ([Int64]) -> [Double])?
        if mode == .singleMetric {
            guard let method = seasonal, let baseline = baselines[deploy.app, metric.name, method] else {
                return []
            }
            expectation = { baseline.expected(at: $0) }
        }
        let builder = DetectionInputBuilder(preDeployWindow: preDeployWindow, expectation: expectation)
        let inputs = builder.inputs(deploy: deploy, metric: metric, series: series, mode: mode)
        let end = deploy.effectiveEnd
        let raw = Dictionary(series.map { ($0.host, $0.series) }, uniquingKeysWith: { a, _ in a })
        var result: [HostScores] = []
        result.reserveCapacity(inputs.count)
        for h in inputs {
            let keep = h.targetTimes.prefix { $0 <= end }.count
            var input = h.input
            input.target.removeLast(input.target.count - keep)
            let times = Array(h.targetTimes.prefix(keep))
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
            let batchStart = deploy.batches.first { $0.index == h.batch }?.startedAt ?? deploy.startedAt
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
            let (_, rule, hosts) = scores(of: metric, in: evidence)
            guard !hosts.isEmpty else { continue }
            let s = Self.metricStrength(hosts, policy: rule.policy)
            ratios.append(rule.threshold > 0 ? s / rule.threshold : (s > 0 ? .infinity : -.infinity))
        }
        let k = min(model.metricsAgree, ratios.count)
        guard k > 0 else { return -.infinity }
        return ratios.sorted(by: >)[k - 1]
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
            let (_, rule, hosts) = scores(of: metric, in: evidence)
            for h in hosts {
                let eligibleFrom = h.batchStart + rule.policy.warmupSeconds
                var run = 0
                var alerts = [Bool](repeating: false, count: h.scores.count)
                for i in h.scores.indices {
                    run = h.times[i] >= eligibleFrom && h.scores[i] > rule.threshold ? run + 1 : 0
                    alerts[i] = run >= rule.policy.consecutive
                }
                let truth = h.times.map { t in
                    windows.contains { $0.contains(metric: metric.name, host: h.host, time: t) }
                }
                views.append(PointView(metric: metric.name, host: h.host, alerts: alerts, truth: truth))
            }
        }
        return views
    }
}
