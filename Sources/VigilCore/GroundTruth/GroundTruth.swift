/// Whether a deploy was bad, good, or cannot be judged from its labels.
public enum DeployLabel: String, Sendable, Hashable, Codable, CaseIterable {
    case bad, good, unlabeled
}

/// A stretch of time when some metrics of some hosts were anomalous, from one incident.
public struct AnomalousWindow: Sendable, Hashable, Codable {
    public var incidentId: String
    public var cause: IncidentCause
    public var metrics: [String]
    public var hosts: [String]
    public var start: Int64
    public var end: Int64

    public init(incidentId: String, cause: IncidentCause, metrics: [String], hosts: [String], start: Int64, end: Int64)
    {
        self.incidentId = incidentId
        self.cause = cause
        self.metrics = metrics
        self.hosts = hosts
        self.start = start
        self.end = end
    }

    /// Whether the point of `metric` on `host` at `time` lies in this window (ends included).
    public func contains(metric: String, host: String, time: Int64) -> Bool {
        time >= start && time <= end && metrics.contains(metric) && hosts.contains(host)
    }
}

/// The ground truth of one deploy, derived from its labels.
public struct DeployTruth: Sendable, Hashable, Codable {
    public var deployId: String
    public var label: DeployLabel
    /// When the fault began, for a bad deploy: detection delay is measured from here.
    public var faultOnset: Int64?
    /// Anomalous points for point- and window-level scoring, one window per covering incident.
    /// Windows of `cause: other` incidents are included and tagged; they do not make the deploy bad.
    public var windows: [AnomalousWindow]
    /// Ids of the incidents that cover the deploy, in time order.
    public var incidentIds: [String]
    /// Alerts without any verdict; they make a deploy that is not bad unlabeled.
    public var alertsWithoutVerdict: [String]
    /// One line on why the deploy has its label.
    public var reason: String
    /// Metrics of alerts labeled `false_positive`: a pause there was normal fluctuation.
    public var falseAlarmMetrics: [String] = []
    /// Metrics a `true_positive` alert or a covering `change` incident names.
    public var confirmedMetrics: [String] = []
    /// Whether ``faultOnset`` is a `change` incident's start. Otherwise it is the first
    /// true-positive alert, which fired some time after the fault began: an upper bound, so a
    /// pause before it is not known to be early.
    public var faultStartKnown = false

    enum CodingKeys: String, CodingKey {
        case deployId, label, faultOnset, windows, incidentIds, alertsWithoutVerdict, reason
        case falseAlarmMetrics, confirmedMetrics, faultStartKnown
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        deployId = try c.decode(String.self, forKey: .deployId)
        label = try c.decode(DeployLabel.self, forKey: .label)
        faultOnset = try c.decodeIfPresent(Int64.self, forKey: .faultOnset)
        windows = try c.decode([AnomalousWindow].self, forKey: .windows)
        incidentIds = try c.decode([String].self, forKey: .incidentIds)
        alertsWithoutVerdict = try c.decode([String].self, forKey: .alertsWithoutVerdict)
        reason = try c.decode(String.self, forKey: .reason)
        falseAlarmMetrics = try c.decodeIfPresent([String].self, forKey: .falseAlarmMetrics) ?? []
        confirmedMetrics = try c.decodeIfPresent([String].self, forKey: .confirmedMetrics) ?? []
        faultStartKnown = try c.decodeIfPresent(Bool.self, forKey: .faultStartKnown) ?? false
    }

    public init(
        deployId: String,
        label: DeployLabel,
        faultOnset: Int64?,
        windows: [AnomalousWindow],
        incidentIds: [String],
        alertsWithoutVerdict: [String],
        reason: String
    ) {
        self.deployId = deployId
        self.label = label
        self.faultOnset = faultOnset
        self.windows = windows
        self.incidentIds = incidentIds
        self.alertsWithoutVerdict = alertsWithoutVerdict
        self.reason = reason
    }
}

/// The rules of the archive format's "Ground truth derived from labels".
public enum GroundTruth {
    /// Whether `incident` covers `deploy`: it names the deploy, or it names none and is of the
    /// same app and overlaps the deploy's `[startedAt, effectiveEnd]` (ends included).
    public static func covers(_ incident: Incident, _ deploy: Deploy) -> Bool {
        if let id = incident.deployId { return id == deploy.id }
        return incident.app == deploy.app && incident.start <= deploy.effectiveEnd && incident.end >= deploy.startedAt
    }

    /// Derives a deploy's ground truth.
    ///
    /// - A deploy is **bad** if an incident with `cause: change` covers it, or any of its
    ///   alerts has a `true_positive` verdict.
    /// - It is **good** if it is not bad and every alert it had carries a `false_positive`
    ///   verdict (no alerts and no incidents: good).
    /// - Otherwise (an alert without a verdict) it is **unlabeled**.
    /// - The fault onset of a bad deploy is the earliest start of a covering `change`
    ///   incident, or else the time of its first `true_positive` alert.
    ///
    /// - Parameters:
    ///   - deploy: the deploy with its guard alerts.
    ///   - verdicts: the effective verdict per alert id (the latest `labeled_at` wins);
    ///     verdicts on alerts the deploy does not have are ignored.
    ///   - incidents: candidate incidents (the effective version of each); those that do
    ///     not cover the deploy are ignored.
    public static func evaluate(deploy: Deploy, verdicts: [String: Verdict], incidents: [Incident]) -> DeployTruth {
        let covering = incidents.filter { covers($0, deploy) }.sorted { ($0.start, $0.id) < ($1.start, $1.id) }
        let changeIncidents = covering.filter { $0.cause == .change }
        let alerts = deploy.alerts.sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        let truePositives = alerts.filter { verdicts[$0.id] == .truePositive }
        let withoutVerdict = alerts.filter { verdicts[$0.id] == nil }.map(\.id)

        let allMetrics = deploy.metrics.map(\.name)
        let released = deploy.releasedHosts
        let windows = covering.map { i in
            AnomalousWindow(
                incidentId: i.id,
                cause: i.cause,
                metrics: i.metrics ?? allMetrics,
                hosts: i.hosts ?? released,
                start: i.start,
                end: i.end
            )
        }

        let label: DeployLabel
        let onset: Int64?
        let reason: String
        if !changeIncidents.isEmpty || !truePositives.isEmpty {
            label = .bad
            onset = changeIncidents.first?.start ?? truePositives.first?.at
            if let first = changeIncidents.first {
                reason = "incident \(first.id) (cause: change) covers it"
            } else {
                reason = "alert \(truePositives[0].id) has a true_positive verdict"
            }
        } else if withoutVerdict.isEmpty {
            label = .good
            onset = nil
            reason = alerts.isEmpty ? "no alerts and no change incident" : "every alert is a false_positive"
        } else {
            label = .unlabeled
            onset = nil
            reason =
                "alert\(withoutVerdict.count == 1 ? "" : "s") \(withoutVerdict.joined(separator: ", ")) without a verdict"
        }
        var truth = DeployTruth(
            deployId: deploy.id,
            label: label,
            faultOnset: onset,
            windows: windows,
            incidentIds: covering.map(\.id),
            alertsWithoutVerdict: withoutVerdict,
            reason: reason
        )
        truth.faultStartKnown = label == .bad && !changeIncidents.isEmpty
        truth.falseAlarmMetrics = Array(
            Set(alerts.filter { verdicts[$0.id] == .falsePositive }.compactMap(\.metric))
        ).sorted()
        truth.confirmedMetrics = Array(
            Set(truePositives.compactMap(\.metric) + changeIncidents.flatMap { $0.metrics ?? allMetrics })
        ).sorted()
        return truth
    }
}
