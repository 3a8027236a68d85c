/// Windows where nothing was deployed, judged as if something had been: samples of a rule's
/// strength in normal operation, for calibration.
///
/// - A **deploy placebo** moves a real deploy `shift` seconds earlier, into its own pre-deploy
///   window: the same hosts, batches and baseline hosts, judged up to the real start, with the
///   pre-deploy window shortened by `shift`. Nothing was released there, so whatever the rule
///   sees is the series' own noise, drift and neighbours' quirks.
/// - A **history placebo** treats the app's aggregate history as a one-host fleet released at
///   a past time τ (no unreleased host), so the fleet-history mode sees how the app's own
///   level moves over an hour at that time of day.
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

    /// History placebos of one (app, metric): a one-host fleet released every `every` seconds
    /// from `preDeployWindow` after the history starts, each judged for `length` seconds.
    ///
    /// - Parameter until: no placebo window reaches past this time.
    public static func history(
        app: String,
        metric: MetricSpec,
        history: RegularSeries,
        every: Int64,
        length: Int64,
        preDeployWindow: Int64,
        until: Int64
    ) -> [NullSample] {
        guard every > 0, length > 0, history.count > 0 else { return [] }
        var out: [NullSample] = []
        var tau = history.start + preDeployWindow
        // Align to the grid of `every` so that the same history gives the same placebos.
        tau += (every - ((tau % every) + every) % every) % every
        let last = min(history.end, until) - length
        while tau <= last {
            let from = Int((tau - preDeployWindow - history.start) / history.step)
            let to = Int((tau + length - history.start) / history.step)
            if from >= 0, to < history.count {
                let values = Array(history.values[from...to])
                let present = values.reduce(0) { $0 + ($1.isNaN ? 0 : 1) }
                if present * 10 >= values.count * 8 {
                    let host = "*history*"
                    let deploy = Deploy(
                        id: "placebo-\(app)-\(tau)",
                        app: app,
                        startedAt: tau,
                        finishedAt: tau + length,
                        batches: [Batch(index: 0, startedAt: tau, finishedAt: tau + length, hosts: [host])],
                        metrics: [metric]
                    )
                    let series = RegularSeries(start: history.time(at: from), step: history.step, values: values)
                    out.append(
                        NullSample(
                            evidence: DeployEvidence(
                                deploy: deploy,
                                series: [metric.name: [HostSeries(host: host, series: series)]]
                            ),
                            preDeployWindow: preDeployWindow,
                            fleetHistoryOnly: true
                        )
                    )
                }
            }
            tau += every
        }
        return out
    }
}

/// A window judged only to learn what normal looks like.
public struct NullSample: Sendable {
    public var evidence: DeployEvidence
    /// The pre-deploy window to judge it with.
    public var preDeployWindow: Int64
    /// Only the fleet-history mode learns from it (a history placebo has no hosts to compare).
    public var fleetHistoryOnly: Bool

    public init(evidence: DeployEvidence, preDeployWindow: Int64, fleetHistoryOnly: Bool = false) {
        self.evidence = evidence
        self.preDeployWindow = preDeployWindow
        self.fleetHistoryOnly = fleetHistoryOnly
    }
}
