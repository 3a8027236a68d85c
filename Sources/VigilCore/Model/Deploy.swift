/// One release of one application, as the release platform exported it.
///
/// Times are Unix seconds (UTC). Only `id`, `app`, `startedAt`, `batches`
/// and `metrics` are required by the archive format; the rest may be absent.
public struct Deploy: Sendable, Hashable, Codable {
    public var id: String
    public var app: String
    public var env: String?
    public var strategy: Strategy?
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var outcome: Outcome?
    public var change: Change?
    public var batches: [Batch]
    public var baselineHosts: [String]
    public var metrics: [MetricSpec]
    /// What the online guard did during this deploy; `nil` when no guard ran.
    public var guardRun: GuardRun?

    public init(
        id: String,
        app: String,
        env: String? = nil,
        strategy: Strategy? = nil,
        startedAt: Int64,
        finishedAt: Int64? = nil,
        outcome: Outcome? = nil,
        change: Change? = nil,
        batches: [Batch],
        baselineHosts: [String] = [],
        metrics: [MetricSpec],
        guardRun: GuardRun? = nil
    ) {
        self.id = id
        self.app = app
        self.env = env
        self.strategy = strategy
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.change = change
        self.batches = batches
        self.baselineHosts = baselineHosts
        self.metrics = metrics
        self.guardRun = guardRun
    }

    /// Every host that received the new version, in batch order, without repeats.
    public var releasedHosts: [String] {
        var seen = Set<String>()
        var hosts: [String] = []
        for batch in batches.sorted(by: { $0.index < $1.index }) {
            for host in batch.hosts where seen.insert(host).inserted { hosts.append(host) }
        }
        return hosts
    }

    /// The end of the deploy: `finishedAt`, else the latest batch time, else `startedAt`.
    public var effectiveEnd: Int64 {
        if let finishedAt { return max(finishedAt, startedAt) }
        let batchTimes = batches.flatMap { [$0.startedAt, $0.finishedAt].compactMap { $0 } }
        return max(startedAt, batchTimes.max() ?? startedAt)
    }

    /// The alerts the online guard raised, empty when no guard ran.
    public var alerts: [GuardAlert] { guardRun?.alerts ?? [] }
}

public enum Strategy: String, Sendable, Hashable, Codable, CaseIterable {
    case rolling
    case blueGreen = "blue_green"
    case canary
}

public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
    case completed
    case paused
    case rolledBack = "rolled_back"
    case aborted
}

public struct Change: Sendable, Hashable, Codable {
    public var commit: String?
    public var summary: String?
    public init(commit: String? = nil, summary: String? = nil) {
        self.commit = commit
        self.summary = summary
    }
}

/// A step of a deploy: a set of hosts switched to the new version together.
public struct Batch: Sendable, Hashable, Codable {
    public var index: Int
    public var startedAt: Int64?
    public var finishedAt: Int64?
    public var hosts: [String]
    public init(index: Int, startedAt: Int64?, finishedAt: Int64? = nil, hosts: [String]) {
        self.index = index
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.hosts = hosts
    }
}

public struct GuardRun: Sendable, Hashable, Codable {
    public var bundleVersion: String?
    public var alerts: [GuardAlert]
    public init(bundleVersion: String? = nil, alerts: [GuardAlert]) {
        self.bundleVersion = bundleVersion
        self.alerts = alerts
    }
}

/// An interception by the online guard during a deploy.
public struct GuardAlert: Sendable, Hashable, Codable {
    public var id: String
    public var at: Int64
    public var batch: Int?
    public var detector: String?
    public var metric: String?
    public var action: String?
    public init(
        id: String,
        at: Int64,
        batch: Int? = nil,
        detector: String? = nil,
        metric: String? = nil,
        action: String? = nil
    ) {
        self.id = id
        self.at = at
        self.batch = batch
        self.detector = detector
        self.metric = metric
        self.action = action
    }
}
