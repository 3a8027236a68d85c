/// How a deploy's metric is turned into detector inputs: what the released hosts are compared with.
public enum DetectionMode: String, Sendable, Hashable, Codable, CaseIterable {
    /// Each released host against its own seasonal expectation (from the app's history): the
    /// detector scores residuals, before the deploy as reference and after its batch started as target.
    case singleMetric = "single_metric"
    /// Each released host after its batch started against the same host before the deploy.
    case beforeAfter = "before_after"
    /// Each released host against the median of the baseline (unreleased) hosts over the same
    /// minutes; a traffic peak that hits both sides cancels. Needs baseline hosts.
    case releasedVsUnreleased = "released_vs_unreleased"
    /// Difference in differences against every host not yet released at each minute (baseline
    /// hosts and later batches), on each host's own noise scale (``FleetComparison``).
    case counterfactual
    /// Each released host against the median of all hosts at each minute (``FleetComparison``).
    case withinFleet = "within_fleet"
    /// The released fleet's mean against its pre-deploy level and the app's seasonal history,
    /// where no unreleased host is left (``FleetComparison``).
    case fleetHistory = "fleet_history"
    /// The released fleet's mean against its pre-deploy level plus what the app's load (its
    /// request rate, ``LoadMetric``) explains: a traffic peak moves CPU and latency with it, a
    /// fault moves them without it. Where no unreleased host is left (``FleetComparison``).
    case fleetLoad = "fleet_load"

    /// Whether the mode is one of ``FleetComparison``'s.
    public var isFleetMode: Bool {
        self == .counterfactual || self == .withinFleet || self == .fleetHistory || self == .fleetLoad
    }

    /// Whether the mode judges the released fleet as one pseudo-host (no host to compare with).
    public var isFleetLevel: Bool { self == .fleetHistory || self == .fleetLoad }

    /// Whether a seasonal baseline is part of the configuration (required for single-metric,
    /// optional for the fleet-level modes).
    public var usesSeasonal: Bool { self == .singleMetric || isFleetLevel }
}

/// One released host's detector input for one metric, with the times of its target points.
public struct HostDetectionInput: Sendable, Hashable {
    public var host: String
    /// The batch that released the host.
    public var batch: Int
    public var input: DetectionInput
    /// Unix time of each target point.
    public var targetTimes: [Int64]
    /// When the host's comparison starts, if not its batch's start (the fleet's pseudo-host).
    public var batchStart: Int64?

    public init(host: String, batch: Int, input: DetectionInput, targetTimes: [Int64], batchStart: Int64? = nil) {
        self.host = host
        self.batch = batch
        self.input = input
        self.targetTimes = targetTimes
        self.batchStart = batchStart
    }
}

/// Builds detector inputs for the released hosts of a deploy under one ``DetectionMode``.
public struct DetectionInputBuilder: Sendable {
    /// How long before the deploy counts as "before" (default two hours, as the archive format exports).
    public var preDeployWindow: Int64
    /// For ``DetectionMode/singleMetric``: the expected value at given times (a seasonal baseline).
    public var expectation: (@Sendable ([Int64]) -> [Double])?

    public init(preDeployWindow: Int64 = 7_200, expectation: (@Sendable ([Int64]) -> [Double])? = nil) {
        self.preDeployWindow = preDeployWindow
        self.expectation = expectation
    }

    /// The inputs of every released host that has a series, in batch then host order.
    ///
    /// - Parameters:
    ///   - deploy: batches, hosts and times.
    ///   - metric: the metric's spec (its direction goes into each input).
    ///   - series: host-level series of this metric, released and baseline hosts alike.
    ///   - mode: what each host is compared with.
    /// - Returns: the inputs; empty when the mode cannot apply (no baseline hosts for
    ///   released-vs-unreleased, no expectation for single-metric, no released series).
    public func inputs(
        deploy: Deploy,
        metric: MetricSpec,
        series: [HostSeries],
        mode: DetectionMode
    ) -> [HostDetectionInput] {
        let byHost = Dictionary(series.map { ($0.host, $0.series) }, uniquingKeysWith: { a, _ in a })
        var baseline: RegularSeries?
        if mode == .releasedVsUnreleased {
            baseline = Self.medianSeries(deploy.baselineHosts.compactMap { byHost[$0] })
            if baseline == nil { return [] }
        }
        if mode == .singleMetric && expectation == nil { return [] }
        let preStart = deploy.startedAt - preDeployWindow
        var result: [HostDetectionInput] = []
        var seen = Set<String>()
        for batch in deploy.batches.sorted(by: { $0.index < $1.index }) {
            let batchStart = batch.startedAt ?? deploy.startedAt
            for host in batch.hosts where seen.insert(host).inserted {
                guard let s = byHost[host] else { continue }
                var values = s.values
                let times = (0..<s.count).map { s.time(at: $0) }
                switch mode {
                case .beforeAfter:
                    break
                case .releasedVsUnreleased:
                    guard let baseline else { continue }
                    values = zip(times, values).map { t, v in v - Self.value(of: baseline, at: t) }
                case .singleMetric:
                    guard let expectation else { continue }
                    values = zip(values, expectation(times)).map { $0 - $1 }
                case .counterfactual, .withinFleet, .fleetHistory, .fleetLoad:
                    continue  // FleetComparison builds these
                }
                var reference: [Double] = []
                var target: [Double] = []
                var targetTimes: [Int64] = []
                for (t, v) in zip(times, values) {
                    if t >= preStart && t < deploy.startedAt {
                        reference.append(v)
                    } else if t >= batchStart {
                        target.append(v)
                        targetTimes.append(t)
                    }
                }
                result.append(
                    HostDetectionInput(
                        host: host,
                        batch: batch.index,
                        input: DetectionInput(target: target, reference: reference, direction: metric.direction),
                        targetTimes: targetTimes
                    )
                )
            }
        }
        return result
    }

    /// The value of `series` at `t` (the nearest slot), NaN outside it.
    static func value(of series: RegularSeries, at t: Int64) -> Double {
        let offset = t - series.start
        guard offset >= 0 else { return .nan }
        let k = Int((offset + series.step / 2) / series.step)
        return k < series.count ? series.values[k] : .nan
    }

    /// The per-slot median of several series on a common grid (the first series' step), NaN
    /// where no series has a value; `nil` for no series.
    static func medianSeries(_ all: [RegularSeries]) -> RegularSeries? {
        guard let first = all.first else { return nil }
        let step = first.step
        let start = all.map(\.start).min() ?? first.start
        let end = all.map(\.end).max() ?? first.end
        let count = Int((end - start) / step) + 1
        var values = [Double](repeating: .nan, count: max(count, 0))
        var column: [Double] = []
        for k in 0..<values.count {
            let t = start + Int64(k) * step
            column.removeAll(keepingCapacity: true)
            for s in all {
                let v = value(of: s, at: t)
                if !v.isNaN { column.append(v) }
            }
            if let m = Quantile.linear(column, p: 0.5) { values[k] = m }
        }
        return RegularSeries(start: start, step: step, values: values)
    }
}

/// Combines per-metric scores into one, for multi-metric detection.
///
/// Each metric's scores are first normalized by its own threshold (a normalized score above
/// 1 is anomalous for that metric), so metrics with different detectors and units compare.
public enum MultiMetricRule: Sendable, Hashable, Codable {
    /// The largest normalized score: any one metric can raise the alarm.
    case max
    /// The k-th largest normalized score: at least k metrics must agree.
    case kOfN(Int)
    /// A weighted mean of the normalized scores, weights by metric kind (default 1).
    case weighted([MetricKind: Double])

    /// Combines aligned score arrays (one per metric; the same length) with their thresholds.
    ///
    /// - Precondition: every array has the same length; thresholds are positive.
    public func combine(_ scores: [(scores: [Double], threshold: Double, kind: MetricKind?)]) -> [Double] {
        guard let n = scores.first?.scores.count else { return [] }
        precondition(scores.allSatisfy { $0.scores.count == n }, "score arrays must be aligned")
        precondition(scores.allSatisfy { $0.threshold > 0 }, "thresholds must be positive")
        return (0..<n).map { i in
            let normalized = scores.map { $0.scores[i] / $0.threshold }
            switch self {
            case .max:
                return normalized.max() ?? 0
            case .kOfN(let k):
                guard k >= 1, k <= normalized.count else { return 0 }
                return normalized.sorted(by: >)[k - 1]
            case .weighted(let weights):
                var total = 0.0
                var weightSum = 0.0
                for (s, metric) in zip(normalized, scores) {
                    let w = metric.kind.flatMap { weights[$0] } ?? 1
                    total += w * s
                    weightSum += w
                }
                return weightSum > 0 ? total / weightSum : 0
            }
        }
    }
}
