/// What really happened in one synthetic deploy, next to what its labels say.
///
/// `isBad` and the fault fields are the generator's ground truth; `labelsTell`
/// is what a correct reader derives from the corpus's feedback and incidents
/// (the format's "ground truth derived from labels"), which may disagree with
/// the truth: a missed subtle fault without an incident reads as good, a late
/// label past the last archive never arrives.
public struct SyntheticDeployTruth: Sendable, Hashable, Codable {
    public var deployId: String
    public var app: String
    /// The archive whose `deploys/` holds this deploy (may be the day after it started).
    public var archive: String
    public var startedAt: Int64
    /// `completed`, `paused`, `rolled_back` or `aborted`.
    public var outcome: String
    /// Whether the release really was faulty.
    public var isBad: Bool
    /// The primary fault: `level_shift`, `error_burst`, `success_drop`, `resource_leak` or `variance_increase`.
    public var faultKind: String?
    /// Every fault kind injected, primary first.
    public var faultKinds: [String]
    /// When the fault first shows on a released host (Unix seconds).
    public var faultOnset: Int64?
    /// When the fault stops (rollback or fix).
    public var faultEnd: Int64?
    /// Metrics that carry the fault, sorted.
    public var faultMetrics: [String]
    /// Released hosts that carry the fault, sorted.
    public var faultHosts: [String]
    /// For good deploys made hard on purpose: `traffic_peak`, `warmup_blip` or `anomalous_baseline_host`.
    public var hardGoodKind: String?
    /// For `anomalous_baseline_host`, the odd baseline host.
    public var anomalousHost: String?
    /// The number of alerts the simulated guard raised; `nil` when no guard ran.
    public var guardAlerts: Int?
    /// What the labels say: `bad`, `good` or `unlabeled`.
    public var labelsTell: String

    public init(
        deployId: String,
        app: String,
        archive: String,
        startedAt: Int64,
        outcome: String,
        isBad: Bool,
        faultKind: String? = nil,
        faultKinds: [String] = [],
        faultOnset: Int64? = nil,
        faultEnd: Int64? = nil,
        faultMetrics: [String] = [],
        faultHosts: [String] = [],
        hardGoodKind: String? = nil,
        anomalousHost: String? = nil,
        guardAlerts: Int? = nil,
        labelsTell: String
    ) {
        self.deployId = deployId
        self.app = app
        self.archive = archive
        self.startedAt = startedAt
        self.outcome = outcome
        self.isBad = isBad
        self.faultKind = faultKind
        self.faultKinds = faultKinds
        self.faultOnset = faultOnset
        self.faultEnd = faultEnd
        self.faultMetrics = faultMetrics
        self.faultHosts = faultHosts
        self.hardGoodKind = hardGoodKind
        self.anomalousHost = anomalousHost
        self.guardAlerts = guardAlerts
        self.labelsTell = labelsTell
    }

    enum CodingKeys: String, CodingKey {
        case deployId = "deploy_id"
        case app
        case archive
        case startedAt = "started_at"
        case outcome
        case isBad = "is_bad"
        case faultKind = "fault_kind"
        case faultKinds = "fault_kinds"
        case faultOnset = "fault_onset"
        case faultEnd = "fault_end"
        case faultMetrics = "fault_metrics"
        case faultHosts = "fault_hosts"
        case hardGoodKind = "hard_good_kind"
        case anomalousHost = "anomalous_host"
        case guardAlerts = "guard_alerts"
        case labelsTell = "labels_tell"
    }
}
