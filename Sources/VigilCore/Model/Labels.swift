/// A developer's verdict on one alert of the online guard.
public struct FeedbackLabel: Sendable, Hashable, Codable {
    public var deployId: String
    public var alertId: String
    public var verdict: Verdict
    public var labeledBy: String?
    public var labeledAt: Int64
    public var note: String?

    public init(
        deployId: String,
        alertId: String,
        verdict: Verdict,
        labeledBy: String? = nil,
        labeledAt: Int64,
        note: String? = nil
    ) {
        self.deployId = deployId
        self.alertId = alertId
        self.verdict = verdict
        self.labeledBy = labeledBy
        self.labeledAt = labeledAt
        self.note = note
    }
}

public enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// The alert caught a real problem.
    case truePositive = "true_positive"
    /// Normal fluctuation: the release should have continued.
    case falsePositive = "false_positive"
}

/// A recorded problem, typically from a postmortem; also covers problems the guard missed.
public struct Incident: Sendable, Hashable, Codable {
    public var id: String
    public var app: String
    /// When absent, the incident covers every deploy of `app` overlapping `[start, end]`.
    public var deployId: String?
    public var cause: IncidentCause
    public var severity: String?
    public var start: Int64
    public var end: Int64
    /// When absent, every metric of a covered deploy.
    public var metrics: [String]?
    /// When absent, every released host of a covered deploy.
    public var hosts: [String]?

    public init(
        id: String,
        app: String,
        deployId: String? = nil,
        cause: IncidentCause,
        severity: String? = nil,
        start: Int64,
        end: Int64,
        metrics: [String]? = nil,
        hosts: [String]? = nil
    ) {
        self.id = id
        self.app = app
        self.deployId = deployId
        self.cause = cause
        self.severity = severity
        self.start = start
        self.end = end
        self.metrics = metrics
        self.hosts = hosts
    }
}

public enum IncidentCause: String, Sendable, Hashable, Codable, CaseIterable {
    /// Caused by the deploy.
    case change
    case other
}
