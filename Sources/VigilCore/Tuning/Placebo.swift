/// Windows where nothing was deployed, judged as if something had been: samples of a rule's
/// strength in normal operation, for calibration.
///
/// - A **deploy placebo** moves a real deploy `shift` seconds earlier, into its own pre-deploy
///   window: the same hosts, batches and baseline hosts, judged up to the real start, with the
///   pre-deploy window shortened by `shift`. Nothing was released there, so whatever the rule
///   sees is the series' own noise, drift and neighbours' quirks.
/// - A **history placebo** treats the app's aggregate history as a one-host fleet released at
///   a past time τ (no unreleased host), so the fleet-level modes see how the app's own level
///   moves over an hour at that time of day.
public enum Placebo {
    /// The deploy placebo of `evidence`, or `nil` when the pre-deploy window is not longer than `shift`.
    public static func shifted(_ evidence: DeployEvidence, by shift: Int64, preDeployWindow: Int64) -> NullSample? {
        guard shift > 0, preDeployWindow > shift else { return nil }
        var deploy = evidence.deploy
        let realStart = deploy.startedAt
        deploy.startedAt -= shift
        deploy.batches = deploy.batches.map { b in
            var c = b
            c.startedAt = b.startedAt.map { min($0 - shift, realStart - 60) }
            c.finishedAt = b.finishedAt.map { min($0 - shift, realStart - 60) }
            return c
        }
        deploy.finishedAt = realStart - 60
        deploy.guardRun = nil
        return NullSample(
            evidence: DeployEvidence(deploy: deploy, series: evidence.series),
            preDeployWindow: preDeployWindow - shift
        )
    }

    /// History placebos of one app: its aggregate history of every metric as a one-host fleet
    /// released every `every` seconds from `preDeployWindow` after the history starts, each
    /// judged for `length` seconds. A metric takes part in a window when at least 80% of its
    /// points there are present; all metrics of a window share it, so the load-explained mode
    /// sees the app's request rate beside each metric.
    ///
    /// Only windows of known normal operation are kept: none starts before `known` (history
    /// before the first deploy on record may hide deploys nobody told us about) and none
    /// touches a `busy` span (a deploy and the settling time after it), so a placebo does not learn a
    /// release, or a fault it brought, as "normal". On a generated corpus this took one false
    /// pause in 220 good deploys off the walk-forward backtest and changed no catch.
    ///
    /// - Parameters:
    ///   - until: no placebo window reaches past this time.
    ///   - known: the time from which the app's deploys are on record; `nil`: all history.
    ///   - busy: spans when the app was being deployed, or settling after one.
    public static func history(
        app: String,
        metrics: [(spec: MetricSpec, history: RegularSeries)],
        every: Int64,
        length: Int64,
        preDeployWindow: Int64,
        until: Int64,
        known: Int64? = nil,
        busy: [ClosedRange<Int64>] = []
    ) -> [NullSample] {
        let available = metrics.filter { $0.history.count > 0 }.sorted { $0.spec.name < $1.spec.name }
        guard every > 0, length > 0, let first = available.map(\.history.start).min() else { return [] }
        let host = "*history*"
        var out: [NullSample] = []
        var tau = first + preDeployWindow
        // Align to the grid of `every` so that the same history gives the same placebos.
        tau += (every - ((tau % every) + every) % every) % every
        let last = min(available.map(\.history.end).max() ?? first, until) - length
        while tau <= last {
            defer { tau += every }
            if let known, tau - preDeployWindow < known { continue }
            let window = (tau - preDeployWindow)...(tau + length)
            if busy.contains(where: { $0.overlaps(window) }) { continue }
            var specs: [MetricSpec] = []
            var series: [String: [HostSeries]] = [:]
            for (spec, history) in available {
                let from = (tau - preDeployWindow - history.start) / history.step
                let to = (tau + length - history.start) / history.step
                guard tau - preDeployWindow >= history.start, from >= 0, to < Int64(history.count) else { continue }
                let values = Array(history.values[Int(from)...Int(to)])
                let present = values.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
                guard present * 10 >= values.count * 8 else { continue }
                specs.append(spec)
                series[spec.name] = [
                    HostSeries(
                        host: host,
                        series: RegularSeries(start: history.time(at: Int(from)), step: history.step, values: values)
                    )
                ]
            }
            if !specs.isEmpty {
                let deploy = Deploy(
                    id: "placebo-\(app)-\(tau)",
                    app: app,
                    startedAt: tau,
                    finishedAt: tau + length,
                    batches: [Batch(index: 0, startedAt: tau, finishedAt: tau + length, hosts: [host])],
                    metrics: specs
                )
                out.append(
                    NullSample(
                        evidence: DeployEvidence(deploy: deploy, series: series),
                        preDeployWindow: preDeployWindow,
                        fleetLevelOnly: true
                    )
                )
            }
        }
        return out
    }
}

/// A window judged only to learn what normal looks like.
public struct NullSample: Sendable {
    public var evidence: DeployEvidence
    /// The pre-deploy window to judge it with.
    public var preDeployWindow: Int64
    /// Only the fleet-level modes learn from it (a history placebo has no hosts to compare).
    public var fleetLevelOnly: Bool

    public init(evidence: DeployEvidence, preDeployWindow: Int64, fleetLevelOnly: Bool = false) {
        self.evidence = evidence
        self.preDeployWindow = preDeployWindow
        self.fleetLevelOnly = fleetLevelOnly
    }
}
