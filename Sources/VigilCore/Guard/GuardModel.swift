/// What a detector is asked to do on one metric: which detector, with which parameters, in
/// which mode, on which seasonal residual. Everything but the threshold.
public struct DetectorConfig: Sendable, Hashable, Codable, CustomStringConvertible {
    public var detector: String
    public var parameters: [String: Double]
    public var mode: DetectionMode
    /// The seasonal baseline subtracted in ``DetectionMode/singleMetric`` (required there, ignored otherwise).
    public var seasonal: SeasonalMethod?

    public init(
        detector: String,
        parameters: [String: Double] = [:],
        mode: DetectionMode,
        seasonal: SeasonalMethod? = nil
    ) {
        self.detector = detector
        self.parameters = parameters
        self.mode = mode
        self.seasonal = mode.usesSeasonal ? seasonal : nil
    }

    /// `tukey(k=3) before_after`, `arima_ksigma(p=1) single_metric/stl`: stable, for reports and logs.
    public var description: String {
        let params = parameters.keys.sorted().map { "\($0)=\(formatParameter(parameters[$0]!))" }
        let head = params.isEmpty ? detector : "\(detector)(\(params.joined(separator: ",")))"
        return "\(head) \(mode.rawValue)" + (seasonal.map { "/\($0.rawValue)" } ?? "")
    }
}

/// Turns per-point anomaly flags into a decision: what separates a real fault from a blip.
public struct DecisionPolicy: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Points in a row above the threshold before a host counts as anomalous.
    public var consecutive: Int
    /// Seconds after a host's batch starts during which its points are ignored (restarts blip).
    public var warmupSeconds: Int64
    /// Released hosts that must be anomalous together before a metric fires; capped at the
    /// number of released hosts that have the metric.
    public var minHosts: Int

    public init(consecutive: Int = 1, warmupSeconds: Int64 = 0, minHosts: Int = 1) {
        self.consecutive = max(1, consecutive)
        self.warmupSeconds = max(0, warmupSeconds)
        self.minHosts = max(1, minHosts)
    }

    enum CodingKeys: String, CodingKey {
        case consecutive
        case warmupSeconds = "warmup_seconds"
        case minHosts = "min_hosts"
    }

    public var description: String { "\(consecutive) in a row, warm-up \(warmupSeconds) s, \(minHosts) host(s)" }

    /// Decoding validates what `init` clamps: a model file is input too.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let consecutive = try c.decode(Int.self, forKey: .consecutive)
        let warmup = try c.decode(Int64.self, forKey: .warmupSeconds)
        let hosts = try c.decode(Int.self, forKey: .minHosts)
        guard consecutive >= 1, warmup >= 0, hosts >= 1 else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "consecutive and min_hosts must be at least 1 and warmup_seconds at least 0"
                )
            )
        }
        self.init(consecutive: consecutive, warmupSeconds: warmup, minHosts: hosts)
    }
}

/// A detector configuration, its decision policy and its threshold: everything needed to decide on one metric.
public struct GuardRule: Sendable, Hashable, Codable {
    public var config: DetectorConfig
    public var policy: DecisionPolicy
    /// A point is anomalous when its score is strictly above this (times the series' scale
    /// when the rule is calibrated).
    public var threshold: Double
    /// Per-series scales; `nil` for a raw threshold (models before format 2, the static guard).
    public var calibration: RuleCalibration?

    public init(config: DetectorConfig, policy: DecisionPolicy, threshold: Double, calibration: RuleCalibration? = nil)
    {
        self.config = config
        self.policy = policy
        self.threshold = threshold
        self.calibration = calibration
    }

    /// The raw-score threshold on one series: ``threshold`` times its calibrated scale.
    public func threshold(app: String, metric: String) -> Double {
        threshold * (calibration?.scale(app: app, metric: metric) ?? 1)
    }

    /// `level counterfactual, 3 in a row, warm-up 300 s, 1 host(s)`: the rule without its threshold.
    public var name: String { "\(config) [\(policy)]" }
}

/// Where a rule applies: every metric, the metrics of one kind, or every metric of one app.
///
/// A deploy's metric uses the most specific rule: its app's, else its kind's, else the global one.
public struct RuleScope: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var app: String?
    public var kind: MetricKind?

    public init(app: String? = nil, kind: MetricKind? = nil) {
        self.app = app
        self.kind = kind
    }

    public static let global = RuleScope()

    /// 0 global, 1 kind, 2 app: the order in which scopes are tuned and overridden.
    public var level: Int { app != nil ? 2 : (kind != nil ? 1 : 0) }

    public var description: String {
        if let app { return "app:\(app)" }
        if let kind { return "kind:\(kind.rawValue)" }
        return "global"
    }

    public static func < (a: RuleScope, b: RuleScope) -> Bool {
        (a.level, a.description) < (b.level, b.description)
    }
}

/// A scope and its rule.
public struct ScopedRule: Sendable, Hashable, Codable {
    public var scope: RuleScope
    public var rule: GuardRule
    public init(scope: RuleScope, rule: GuardRule) {
        self.scope = scope
        self.rule = rule
    }
}

/// The whole decision model of the guard: scoped rule sets and how metrics combine.
///
/// A metric is judged by the rules of its most specific scope that has any (its app's, else
/// its kind's, else the global ones); it fires when any of them fires (the rule set is an OR),
/// at the earliest firing.
public struct GuardModel: Sendable, Hashable, Codable {
    /// Rules, sorted by scope (stable within a scope); at least one is global.
    public private(set) var rules: [ScopedRule]
    /// Metrics that must fire together before the deploy pauses (k of n); capped at the
    /// number of metrics that could be judged.
    public var metricsAgree: Int
    /// Seconds before the deploy that count as "before" for the before/after mode and as the
    /// reference of the other modes.
    public var preDeployWindow: Int64
    /// The period of seasonal baselines, in seconds.
    public var seasonalPeriod: Int64

    public init(
        global: GuardRule,
        overrides: [ScopedRule] = [],
        metricsAgree: Int = 1,
        preDeployWindow: Int64 = 7_200,
        seasonalPeriod: Int64 = 86_400
    ) {
        self.init(
            rules: [ScopedRule(scope: .global, rule: global)] + overrides.filter { $0.scope != .global },
            metricsAgree: metricsAgree,
            preDeployWindow: preDeployWindow,
            seasonalPeriod: seasonalPeriod
        )
    }

    /// A model from rule sets: every rule with its scope; at least one global rule.
    ///
    /// - Precondition: `rules` holds a global rule.
    public init(
        rules: [ScopedRule],
        metricsAgree: Int = 1,
        preDeployWindow: Int64 = 7_200,
        seasonalPeriod: Int64 = 86_400
    ) {
        precondition(rules.contains { $0.scope == .global }, "a model needs a global rule")
        // A stable sort: the order of rules within a scope is kept.
        self.rules = rules.enumerated().sorted { ($0.element.scope, $0.offset) < ($1.element.scope, $1.offset) }
            .map(\.element)
        self.metricsAgree = max(1, metricsAgree)
        self.preDeployWindow = preDeployWindow
        self.seasonalPeriod = seasonalPeriod
    }

    enum CodingKeys: String, CodingKey {
        case rules
        case metricsAgree = "metrics_agree"
        case preDeployWindow = "pre_deploy_window"
        case seasonalPeriod = "seasonal_period"
    }

    /// Decoding refuses a model without a global rule, with a non-finite threshold or scale,
    /// or with k < 1.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let rules = try c.decode([ScopedRule].self, forKey: .rules)
        let agree = try c.decode(Int.self, forKey: .metricsAgree)
        func finiteScales(_ r: GuardRule) -> Bool {
            guard let cal = r.calibration else { return true }
            let all = [cal.fallback] + Array(cal.metrics.values) + cal.series.values.map(\.scale)
            return all.allSatisfy { $0.isFinite && $0 > 0 }
        }
        guard rules.contains(where: { $0.scope == .global }), agree >= 1,
            rules.allSatisfy({ $0.rule.threshold.isFinite && finiteScales($0.rule) })
        else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription:
                        "a model needs a global rule, finite thresholds, positive finite scales and metrics_agree >= 1"
                )
            )
        }
        self.init(
            rules: rules,
            metricsAgree: agree,
            preDeployWindow: try c.decode(Int64.self, forKey: .preDeployWindow),
            seasonalPeriod: try c.decode(Int64.self, forKey: .seasonalPeriod)
        )
    }

    /// The static 3-sigma rule that every retrained model must beat: a z-score of each released
    /// host after its batch started against the same host before the deploy, one point above 3
    /// on one host of one metric pauses.
    public static let staticThreeSigma = GuardModel(
        global: GuardRule(
            config: DetectorConfig(detector: ZScoreDetector.name, mode: .beforeAfter),
            policy: DecisionPolicy(),
            threshold: ZScoreDetector.defaultThreshold
        )
    )

    /// The first global rule.
    public var global: GuardRule { rules.first { $0.scope == .global }!.rule }

    /// The global rule set.
    public var globalRules: [GuardRule] { rules.filter { $0.scope == .global }.map(\.rule) }

    /// The rule for a metric of `kind` of `app`: the first of ``rules(app:kind:)``.
    public func rule(app: String, kind: MetricKind?) -> (scope: RuleScope, rule: GuardRule) {
        let set = rules(app: app, kind: kind)
        return (set.scope, set.rules[0])
    }

    /// The rule set for a metric of `kind` of `app`: the app's, else the kind's, else the global one.
    public func rules(app: String, kind: MetricKind?) -> (scope: RuleScope, rules: [GuardRule]) {
        let own = rules.filter { $0.scope.app == app }
        if !own.isEmpty { return (own[0].scope, own.map(\.rule)) }
        if let kind {
            let ofKind = rules.filter { $0.scope.app == nil && $0.scope.kind == kind }
            if !ofKind.isEmpty { return (ofKind[0].scope, ofKind.map(\.rule)) }
        }
        return (.global, globalRules)
    }

    /// A copy with `rule` as the only rule at `scope`, replacing any there.
    public func setting(_ rule: GuardRule, at scope: RuleScope) -> GuardModel {
        var copy = self
        copy.rules.removeAll { $0.scope == scope }
        copy.rules.append(ScopedRule(scope: scope, rule: rule))
        copy.rules = copy.rules.enumerated().sorted { ($0.element.scope, $0.offset) < ($1.element.scope, $1.offset) }
            .map(\.element)
        return copy
    }

    /// Every distinct (config, seasonal) the model uses, in a stable order.
    public var configs: [DetectorConfig] {
        var seen = Set<DetectorConfig>()
        return rules.map(\.rule.config).filter { seen.insert($0).inserted }
    }
}

/// `3`, `1.5`, `0.001`: the shortest form that reads back exactly.
func formatParameter(_ v: Double) -> String {
    v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)"
}
