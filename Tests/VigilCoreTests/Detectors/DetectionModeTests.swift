import Testing
import VigilCore

struct DetectionModeTests {
    static let t0: Int64 = 1_795_600_800

    /// Released hosts r1 (batch 0) and r2 (batch 1, 30 minutes later); baseline b1, b2.
    static let deploy = Deploy(
        id: "d",
        app: "a",
        startedAt: t0,
        finishedAt: t0 + 3600,
        batches: [Batch(index: 0, startedAt: t0, hosts: ["r1"]), Batch(index: 1, startedAt: t0 + 1800, hosts: ["r2"])],
        baselineHosts: ["b1", "b2"],
        metrics: [MetricSpec(name: "rt", direction: .up, stepSeconds: 60)]
    )

    /// Two hours before to one hour after, at 60 s, with a small per-host wobble.
    static func series(_ host: String, offset: Double, effect: (Int64) -> Double) -> HostSeries {
        let start = t0 - 7200
        let values = (0..<180).map { i -> Double in
            let t = start + Int64(i) * 60
            return 100 + offset + Double((i * 7 + host.count) % 5) * 0.2 + effect(t)
        }
        return HostSeries(host: host, series: RegularSeries(start: start, step: 60, values: values))
    }

    static func peak(_ t: Int64) -> Double { t >= t0 + 600 && t < t0 + 1500 ? 50 : 0 }

    @Test func aTrafficPeakOnEveryHostCancelsOnlyAgainstUnreleasedHosts() throws {
        let all = ["r1", "r2", "b1", "b2"].enumerated().map { Self.series($1, offset: Double($0), effect: Self.peak) }
        let detector = try ZScoreDetector()
        let builder = DetectionInputBuilder()
        let versusBaseline = builder.inputs(
            deploy: Self.deploy,
            metric: Self.deploy.metrics[0],
            series: all,
            mode: .releasedVsUnreleased
        )
        #expect(versusBaseline.map(\.host) == ["r1", "r2"])
        #expect(versusBaseline.allSatisfy { detector.scores(for: $0.input).allSatisfy { $0 < 3 } })
        let beforeAfter = builder.inputs(
            deploy: Self.deploy,
            metric: Self.deploy.metrics[0],
            series: all,
            mode: .beforeAfter
        )
        #expect(detector.scores(for: beforeAfter[0].input).contains { $0 > 3 })
    }

    @Test func aFaultOnOneReleasedHostShowsInBothModes() throws {
        let fault: (Int64) -> Double = { $0 >= Self.t0 + 300 ? 30 : 0 }
        let all = [
            Self.series("r1", offset: 0, effect: fault), Self.series("r2", offset: 1, effect: { _ in 0 }),
            Self.series("b1", offset: 2, effect: { _ in 0 }), Self.series("b2", offset: 3, effect: { _ in 0 }),
        ]
        let detector = try ZScoreDetector()
        for mode in [DetectionMode.beforeAfter, .releasedVsUnreleased] {
            let inputs = DetectionInputBuilder().inputs(
                deploy: Self.deploy,
                metric: Self.deploy.metrics[0],
                series: all,
                mode: mode
            )
            #expect(detector.scores(for: inputs[0].input).contains { $0 > 3 }, "\(mode)")
            #expect(detector.scores(for: inputs[1].input).allSatisfy { $0 < 3 }, "\(mode)")
        }
    }

    @Test func fleetHistoryIsNotMovedByAHostMissingMinutes() {
        // Blue-green: every host released at once, hosts at very different levels, and the
        // high one misses every other minute after the deploy (restarts). Nothing changed.
        let blueGreen = Deploy(
            id: "bg",
            app: "a",
            startedAt: Self.t0,
            finishedAt: Self.t0 + 3600,
            batches: [Batch(index: 0, startedAt: Self.t0, hosts: ["r1", "r2"])],
            metrics: [MetricSpec(name: "rt", direction: .up, stepSeconds: 60)]
        )
        let low = Self.series("r1", offset: 0, effect: { _ in 0 })
        var high = Self.series("r2", offset: 200, effect: { _ in 0 })
        var values = high.series.values
        for i in stride(from: 121, to: values.count, by: 2) { values[i] = .nan }
        high = HostSeries(host: "r2", series: RegularSeries(start: high.series.start, step: 60, values: values))
        let inputs = FleetComparison.inputs(
            deploy: blueGreen,
            metric: blueGreen.metrics[0],
            series: [low, high],
            mode: .fleetHistory,
            preDeployWindow: 7200,
            expectation: nil
        )
        #expect(inputs.count == 1)
        let target = inputs.first?.input.target ?? []
        #expect(!target.isEmpty && target.allSatisfy { $0.isNaN || abs($0) < 0.05 }, "\(target)")
    }

    /// Blue-green, every host released at once. The load (qps) wanders before the deploy and
    /// rises 80% after it; latency follows the load. fleet_load sees nothing where fleet_history
    /// sees the traffic; a fault that lifts latency without load shows in both.
    @Test func fleetLoadExplainsTrafficButNotAFault() throws {
        let blueGreen = Deploy(
            id: "bg",
            app: "a",
            startedAt: Self.t0,
            finishedAt: Self.t0 + 3600,
            batches: [Batch(index: 0, startedAt: Self.t0, hosts: ["r1", "r2"])],
            metrics: [
                MetricSpec(name: "qps", kind: .business, unit: "req/s", stepSeconds: 60),
                MetricSpec(name: "rt", kind: .business, unit: "ms", direction: .up, stepSeconds: 60),
            ]
        )
        func load(_ t: Int64) -> Double {
            let i = Double((t - (Self.t0 - 7200)) / 60)
            let before = 1 + 0.15 * ((i * 0.37).truncatingRemainder(dividingBy: 2) - 1)
            return 1000 * (t < Self.t0 + 600 ? before : 1.8)
        }
        func hosts(fault: Double) -> (qps: [HostSeries], rt: [HostSeries]) {
            let qps = ["r1", "r2"].map { h in Self.series(h, offset: 0, effect: { load($0) - 100 }) }
            let rt = ["r1", "r2"].enumerated().map { i, h in
                Self.series(h, offset: Double(i) * 20) { t in
                    (80 + Double(i) * 20) * (load(t) / 1000 - 1) + (t >= Self.t0 + 1200 ? fault : 0)
                }
            }
            return (qps, rt)
        }
        let detector = try ZScoreDetector()
        func peak(_ mode: DetectionMode, fault: Double) -> Double {
            let h = hosts(fault: fault)
            let inputs = FleetComparison.inputs(
                deploy: blueGreen,
                metric: blueGreen.metrics[1],
                series: h.rt,
                mode: mode,
                preDeployWindow: 7200,
                expectation: nil,
                load: mode == .fleetLoad ? h.qps : nil
            )
            guard let input = inputs.first?.input else { return .nan }
            return detector.scores(for: input).filter { !$0.isNaN }.max() ?? .nan
        }
        #expect(peak(.fleetHistory, fault: 0) > 5)
        #expect(peak(.fleetLoad, fault: 0) < 3)
        #expect(peak(.fleetLoad, fault: 30) > 5)
        // Without a load series (the load itself, or an app without one) it is fleet_history.
        let h = hosts(fault: 0)
        let withoutLoad = FleetComparison.inputs(
            deploy: blueGreen,
            metric: blueGreen.metrics[1],
            series: h.rt,
            mode: .fleetLoad,
            preDeployWindow: 7200,
            expectation: nil
        )
        let history = FleetComparison.inputs(
            deploy: blueGreen,
            metric: blueGreen.metrics[1],
            series: h.rt,
            mode: .fleetHistory,
            preDeployWindow: 7200,
            expectation: nil
        )
        #expect(!withoutLoad.isEmpty && withoutLoad == history)
        #expect(LoadMetric.find(in: blueGreen.metrics)?.name == "qps")
        // In the judge, the load explains the fleet and is not judged itself there.
        let evidence = DeployEvidence(deploy: blueGreen, series: ["qps": h.qps, "rt": h.rt])
        func judged(_ metric: MetricSpec) throws -> Bool {
            !DeployJudge.hostScores(
                evidence: evidence,
                metric: metric,
                config: DetectorConfig(detector: "zscore", mode: .fleetLoad),
                detector: try ZScoreDetector(),
                baselines: BaselineSet(),
                preDeployWindow: 7200
            ).isEmpty
        }
        #expect(try judged(blueGreen.metrics[1]))
        #expect(try !judged(blueGreen.metrics[0]))
        #expect(LoadMetric.find(in: [MetricSpec(name: "cpu.util", unit: "percent")]) == nil)
    }

    @Test func targetsStartAtEachHostsBatchAndReferencesBeforeTheDeploy() {
        let all = ["r1", "r2"].map { Self.series($0, offset: 0, effect: { _ in 0 }) }
        let inputs = DetectionInputBuilder().inputs(
            deploy: Self.deploy,
            metric: Self.deploy.metrics[0],
            series: all,
            mode: .beforeAfter
        )
        #expect(inputs[0].targetTimes.first == Self.t0)
        #expect(inputs[1].targetTimes.first == Self.t0 + 1800)
        #expect(inputs[0].input.reference.count == 120)
        #expect(inputs[1].batch == 1)
        #expect(inputs[0].input.direction == .up)
    }

    @Test func modesThatCannotApplyGiveNoInputs() {
        var noBaseline = Self.deploy
        noBaseline.baselineHosts = []
        let all = ["r1", "r2"].map { Self.series($0, offset: 0, effect: { _ in 0 }) }
        let builder = DetectionInputBuilder()
        #expect(
            builder.inputs(deploy: noBaseline, metric: noBaseline.metrics[0], series: all, mode: .releasedVsUnreleased)
                .isEmpty
        )
        #expect(
            builder.inputs(deploy: Self.deploy, metric: Self.deploy.metrics[0], series: all, mode: .singleMetric)
                .isEmpty
        )
        #expect(
            builder.inputs(deploy: Self.deploy, metric: Self.deploy.metrics[0], series: [], mode: .beforeAfter).isEmpty
        )
    }

    @Test func singleMetricScoresResidualsFromTheExpectation() throws {
        let wave: @Sendable (Int64) -> Double = { Double(($0 / 60) % 10) * 10 }
        let all = [Self.series("r1", offset: 0, effect: wave)]
        let builder = DetectionInputBuilder(expectation: { times in times.map { 100 + wave($0) } })
        let inputs = builder.inputs(
            deploy: Self.deploy,
            metric: Self.deploy.metrics[0],
            series: all,
            mode: .singleMetric
        )
        #expect(inputs.count == 1)
        #expect(inputs[0].input.target.allSatisfy { abs($0) < 1 })
    }

    @Test func multiMetricRules() {
        let a = (scores: [3.0, 0, 6], threshold: 3.0, kind: MetricKind?.some(.business))
        let b = (scores: [0.0, 4, 4], threshold: 2.0, kind: MetricKind?.some(.system))
        #expect(MultiMetricRule.max.combine([a, b]) == [1, 2, 2])
        #expect(MultiMetricRule.kOfN(2).combine([a, b]) == [0, 0, 2])
        #expect(MultiMetricRule.kOfN(3).combine([a, b]) == [0, 0, 0])
        #expect(MultiMetricRule.weighted([.business: 3]).combine([a, b]) == [0.75, 0.5, 2])
        #expect(MultiMetricRule.max.combine([]) == [])
    }
}
