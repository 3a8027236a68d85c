import Testing
import VigilCore

struct DeployJudgeTests {
    static func model(
        _ detector: String = "zscore",
        mode: DetectionMode = .beforeAfter,
        threshold: Double = 3,
        policy: DecisionPolicy = DecisionPolicy()
    ) -> GuardModel {
        GuardModel(
            global: GuardRule(
                config: DetectorConfig(detector: detector, mode: mode),
                policy: policy,
                threshold: threshold
            )
        )
    }

    @Test func aShiftOnReleasedHostsPausesWithReasons() throws {
        let evidence = GuardTestData.evidence(id: "d1", seed: 1, shift: 20)
        let decision = try DeployJudge(model: Self.model(policy: DecisionPolicy(consecutive: 3))).judge(evidence)
        #expect(decision.decision == .pause)
        // The fault shows 300 s in; three points in a row above 3 sigma end at +420 s, in batch 0.
        #expect(decision.pausedAt == GuardTestData.t0 + 420)
        #expect(decision.batch == 0)
        #expect(decision.timeline.map(\.decision) == [.pause])
        let reason = try #require(decision.reasons.first)
        #expect(reason.metric == "rt")
        #expect(reason.hosts == ["h1"])
        #expect(reason.mode == .beforeAfter)
        #expect(reason.score > 3)
        #expect(abs((reason.observed ?? 0) - 120) < 5)
        #expect(abs((reason.expected ?? 0) - 100) < 1)
    }

    @Test func aQuietDeployContinues() throws {
        let evidence = GuardTestData.evidence(id: "d2", seed: 2)
        let decision = try DeployJudge(model: Self.model(threshold: 6)).judge(evidence)
        #expect(decision.decision == .continue)
        #expect(decision.reasons.isEmpty)
        #expect(decision.timeline.map(\.batch) == [0, 1])
    }

    @Test func warmUpIgnoresTheRestartBlip() throws {
        let evidence = GuardTestData.evidence(id: "d3", seed: 3, blip: 30)
        let noGrace = try DeployJudge(model: Self.model(threshold: 6)).judge(evidence)
        #expect(noGrace.decision == .pause)
        let grace = try DeployJudge(model: Self.model(threshold: 6, policy: DecisionPolicy(warmupSeconds: 60)))
            .judge(evidence)
        #expect(grace.decision == .continue)
    }

    @Test func hostsThatMustAgreeWaitForTheSecondBatch() throws {
        let evidence = GuardTestData.evidence(id: "d4", seed: 4, shift: 20)
        let decision = try DeployJudge(model: Self.model(policy: DecisionPolicy(minHosts: 2))).judge(evidence)
        #expect(decision.decision == .pause)
        #expect(decision.batch == 1)
        #expect(decision.reasons.first?.hosts == ["h1", "h2"])
        // More hosts than there are: capped at the two released hosts.
        let capped = try DeployJudge(model: Self.model(policy: DecisionPolicy(minHosts: 9))).judge(evidence)
        #expect(capped.pausedAt == decision.pausedAt)
    }

    @Test func unjudgedMetricsAreReportedNotGuessed() throws {
        var evidence = GuardTestData.evidence(id: "d5", seed: 5, shift: 20)
        evidence.series = [:]
        let decision = try DeployJudge(model: Self.model()).judge(evidence)
        #expect(decision.decision == .continue)
        #expect(decision.unjudgedMetrics == ["rt"])
        // Single-metric mode without a seasonal baseline falls back to before/after, and says so.
        let single = GuardModel(
            global: GuardRule(
                config: DetectorConfig(detector: "zscore", mode: .singleMetric, seasonal: .profile),
                policy: DecisionPolicy(),
                threshold: 3
            )
        )
        let d2 = try DeployJudge(model: single).judge(GuardTestData.evidence(id: "d6", seed: 6, shift: 20))
        #expect(d2.unjudgedMetrics.isEmpty)
        #expect(d2.decision == .pause)
        #expect(d2.reasons.first?.mode == .beforeAfter)
        // So does released-vs-unreleased without baseline hosts.
        var noBaseline = GuardTestData.evidence(id: "d8", seed: 8, shift: 20)
        noBaseline.deploy.baselineHosts = []
        let rvu = try DeployJudge(model: Self.model(mode: .releasedVsUnreleased)).judge(noBaseline)
        #expect(rvu.reasons.first?.mode == .beforeAfter)
    }

    @Test func kOfNMetricsMustAgree() throws {
        let metrics = [
            MetricSpec(name: "a", kind: .business, direction: .up),
            MetricSpec(name: "b", kind: .system, direction: .up),
        ]
        var evidence = GuardTestData.evidence(id: "d7", seed: 7, shift: 20, metrics: metrics)
        // Only metric a shifts: quiet b by replacing its series with a fault-free one.
        evidence.series["b"] = GuardTestData.evidence(id: "q", seed: 8, metrics: [metrics[1]]).series["b"]
        var model = Self.model(threshold: 5)
        #expect(try DeployJudge(model: model).judge(evidence).decision == .pause)
        model.metricsAgree = 2
        #expect(try DeployJudge(model: model).judge(evidence).decision == .continue)
    }

    @Test func scopedRulesOverrideTheGlobalOne() {
        let global = GuardRule(
            config: DetectorConfig(detector: "zscore", mode: .beforeAfter),
            policy: .init(),
            threshold: 3
        )
        let kindRule = GuardRule(
            config: DetectorConfig(detector: "tukey", mode: .beforeAfter),
            policy: .init(),
            threshold: 2
        )
        let appRule = GuardRule(
            config: DetectorConfig(detector: "esd", mode: .beforeAfter),
            policy: .init(),
            threshold: 1
        )
        let model = GuardModel(
            global: global,
            overrides: [
                ScopedRule(scope: RuleScope(kind: .system), rule: kindRule),
                ScopedRule(scope: RuleScope(app: "cart"), rule: appRule),
            ]
        )
        #expect(model.rule(app: "cart", kind: .system).rule == appRule)
        #expect(model.rule(app: "pay", kind: .system).rule == kindRule)
        #expect(model.rule(app: "pay", kind: .business).rule == global)
        #expect(model.rule(app: "pay", kind: nil).scope == .global)
    }

    /// The tuner's shortcut: a host fires at threshold τ exactly when its strength exceeds τ.
    @Test func strengthIsTheLargestThresholdAtWhichAHostFires() {
        var rng = SplitMix64(seed: 99)
        for trial in 0..<300 {
            let n = Int(rng.next() % 40)
            let times = (0..<n).map { Int64($0) * 60 }
            let scores = (0..<n).map { _ in (rng.nextUnit() * 8).rounded() / 2 }
            let host = HostScores(
                host: "h",
                batch: 0,
                batchStart: 0,
                times: times,
                scores: scores,
                observed: scores,
                expected: scores
            )
            let policy = DecisionPolicy(
                consecutive: 1 + Int(rng.next() % 4),
                warmupSeconds: Int64(rng.next() % 4) * 60,
                minHosts: 1
            )
            let strength = DeployJudge.hostStrength(host, policy: policy)
            for tau in stride(from: -0.25, through: 4.25, by: 0.25) {
                let fires = DeployJudge.metricFiring([host], policy: policy, threshold: tau) != nil
                #expect(fires == (strength > tau), "trial \(trial), threshold \(tau)")
            }
        }
    }

    @Test func pointViewsMarkAlertsAndLabeledWindows() throws {
        let evidence = GuardTestData.evidence(id: "p1", seed: 21, shift: 20)
        let t0 = GuardTestData.t0
        let window = AnomalousWindow(
            incidentId: "INC-1",
            cause: .change,
            metrics: ["rt"],
            hosts: ["h1", "h2"],
            start: t0 + 300,
            end: t0 + 1_800
        )
        let judge = try DeployJudge(model: Self.model(threshold: 5, policy: DecisionPolicy(consecutive: 2)))
        let views = judge.pointViews(evidence, windows: [window])
        #expect(views.map(\.host) == ["h1", "h2"])
        let h1 = try #require(views.first)
        // The first shifted point cannot alert alone (two in a row are needed); the second does.
        #expect(h1.truth[5] && !h1.alerts[5])
        #expect(h1.truth[6] && h1.alerts[6])
        #expect(!h1.truth[0] && !h1.alerts[0])
        let e = PointEvaluation(views, delay: 1)
        #expect(e.windows.windows == 2 && e.windows.detected == 2 && e.windows.falseClusters == 0)
        #expect(e.pointAdjusted.recall == 1)
        #expect(e.points.recall < 1)
        #expect(e.series == 2)
    }
}
