import VigilCore

/// Small hand-made deploys: two released hosts in two batches, one baseline host, one or two metrics.
enum GuardTestData {
    static let t0: Int64 = 1_800_000_000
    static let step: Int64 = 60

    /// A deploy whose released hosts shift by `shift` (in noise sigmas) from `faultAfter`
    /// seconds after the deploy starts; `blip` adds a one-point spike right after each batch starts.
    static func evidence(
        id: String,
        app: String = "cart",
        seed: UInt64,
        shift: Double = 0,
        faultAfter: Int64 = 300,
        blip: Double = 0,
        metrics: [MetricSpec] = [MetricSpec(name: "rt", kind: .business, direction: .up, stepSeconds: 60)],
        start: Int64 = t0
    ) -> DeployEvidence {
        let batches = [
            Batch(index: 0, startedAt: start, finishedAt: start + 600, hosts: ["h1"]),
            Batch(index: 1, startedAt: start + 600, finishedAt: start + 1_200, hosts: ["h2"]),
        ]
        let deploy = Deploy(
            id: id,
            app: app,
            startedAt: start,
            finishedAt: start + 1_800,
            batches: batches,
            baselineHosts: ["b1"],
            metrics: metrics
        )
        var rng = SplitMix64(seed: seed)
        var series: [String: [HostSeries]] = [:]
        let first = start - 7_200
        let count = Int((7_200 + 2_400) / step)
        for metric in metrics {
            var hosts: [HostSeries] = []
            for host in ["b1", "h1", "h2"] {
                let batchStart = host == "h1" ? start : start + 600
                let values = (0..<count).map { i -> Double in
                    let t = first + Int64(i) * step
                    var v = 100 + rng.nextGaussian()
                    if host != "b1" && t >= start + faultAfter && t >= batchStart { v += shift }
                    if host != "b1" && t == batchStart { v += blip }
                    return v
                }
                hosts.append(HostSeries(host: host, series: RegularSeries(start: first, step: step, values: values)))
            }
            series[metric.name] = hosts
        }
        return DeployEvidence(deploy: deploy, series: series)
    }
}
