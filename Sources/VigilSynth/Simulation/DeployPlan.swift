import VigilCore

enum FaultKind: String, Sendable, CaseIterable {
    case levelShift = "level_shift"
    case errorBurst = "error_burst"
    case successDrop = "success_drop"
    case resourceLeak = "resource_leak"
    case varianceIncrease = "variance_increase"
}

enum HardGoodKind: String, Sendable, CaseIterable {
    case trafficPeak = "traffic_peak"
    case warmupBlip = "warmup_blip"
    case anomalousBaselineHost = "anomalous_baseline_host"
}

/// What a bad release does to the hosts that receive it.
struct FaultPlan: Sendable {
    struct Component: Sendable {
        var kind: FaultKind
        var metric: Int
        var shape: Effect.Shape
        var rampIn: Int64
    }

    var components: [Component]
    /// Seconds between a host's restart on the new version and the fault showing.
    var delay: Int64

    var kinds: [FaultKind] {
        var seen: [FaultKind] = []
        for c in components where !seen.contains(c.kind) { seen.append(c.kind) }
        return seen
    }
    var metrics: [Int] { Array(Set(components.map(\.metric))).sorted() }
}

/// A deploy as planned before the guard and the humans act on it.
struct DeployPlan: Sendable {
    var app: Int
    var day: Int
    var start: Int64
    var strategy: Strategy
    /// Host indices per planned batch.
    var batches: [[Int]]
    var bakes: [Int64]
    var gaps: [Int64]
    var baseline: [Int]
    var guardRuns: Bool
    var fault: FaultPlan?
    var hardGood: HardGoodKind?
    var anomalousHost: Int?
    /// The app-wide traffic peak planted during this deploy (hard good `traffic_peak`).
    var peak: TrafficPeak?
    /// Warm-up transient per batch: (metric, peak, decay).
    var blips: [(metric: Int, peak: Double, decay: Double)] = []
    /// Humans roll a missed bad release back this long after the fault shows, if it is still running.
    var humanRollbackDelay: Int64?
    /// Aborted for unrelated reasons before this batch.
    var abortBeforeBatch: Int?
    var commit: String
    var summary: String
    /// Seed of this deploy's simulation and label streams.
    var key: UInt64

    var plannedDuration: Int64 { bakes.reduce(0, +) + gaps.reduce(0, +) }
    var isBad: Bool { fault != nil }
}

/// One alert of the simulated guard.
struct SimAlert: Sendable {
    var at: Int64
    var batch: Int
    var metric: Int
    var detector: String
    var action: String
    var id = ""
}

/// A deploy after simulation: what ran, when, what the guard did, and where the fault is.
struct SimDeploy: Sendable {
    var plan: DeployPlan
    var executed: [(hosts: [Int], start: Int64, end: Int64)]
    var finishedAt: Int64?
    var outcome: Outcome
    var alerts: [SimAlert]
    var faultOnset: Int64?
    var faultEnd: Int64?
    var faultHosts: [Int]
    var exportDay: Int
    var bundleVersion: String
    var id = ""

    var start: Int64 { plan.start }
    var releasedHosts: [Int] { executed.flatMap(\.hosts) }

    /// As `Deploy.effectiveEnd`: `finishedAt`, else the latest batch time.
    var effectiveEnd: Int64 {
        if let finishedAt { return max(finishedAt, start) }
        return executed.map(\.end).max() ?? start
    }
}
