import Testing
import VigilCore

struct TunerTests {
    /// Bad deploys shift by 8 sigma; good ones have a restart blip of 12 sigma on one point.
    static func cases(count: Int, seed: UInt64, app: String = "cart") -> [TuningCase] {
        (0..<count).map { i in
            let bad = i % 3 == 0
            let evidence = GuardTestData.evidence(
                id: "\(app)-\(i)",
                app: app,
                seed: seed &+ UInt64(i),
                shift: bad ? 8 : 0,
                blip: bad ? 0 : 12,
                start: GuardTestData.t0 + Int64(i) * 86_400
            )
            return TuningCase(evidence: evidence, label: bad ? .bad : .good)
        }
    }

    static let space = SearchSpace(
        configs: [DetectorConfig(detector: "zscore", mode: .beforeAfter)],
        policies: [DecisionPolicy(consecutive: 1), DecisionPolicy(consecutive: 3)],
        metricsAgree: [1],
        objective: .constrainedRecall(minPrecision: 0.95, maxFalsePausesPer100: 1)
    )

    @Test func findsThePolicyThatSeparatesFaultsFromBlips() throws {
        let result = try Tuner(space: Self.space, baselines: BaselineSet()).tune(Self.cases(count: 30, seed: 1))
        #expect(result.feasible)
        #expect(result.model.global.policy.consecutive == 3)
        #expect(result.training.recall == 1)
        #expect(result.training.fp == 0)
    }

    /// What the sweep counted is what the judge decides, deploy by deploy.
    @Test func theTunedModelJudgesTrainingDeploysAsTheSearchCounted() throws {
        let cases = Self.cases(count: 24, seed: 2)
        var space = Self.space
        space.configs.append(DetectorConfig(detector: "tukey", mode: .releasedVsUnreleased))
        space.objective = .fBeta(1)
        let result = try Tuner(space: space, baselines: BaselineSet()).tune(cases)
        let judge = try DeployJudge(model: result.model)
        var counts = DeployCounts()
        for c in cases { counts.add(label: c.label, paused: judge.judge(c.evidence).decision == .pause) }
        #expect(counts == result.training)
    }

    @Test func theSameInputGivesTheSameModel() throws {
        let cases = Self.cases(count: 18, seed: 3)
        let a = try Tuner(space: Self.space, baselines: BaselineSet()).tune(cases)
        let b = try Tuner(space: Self.space, baselines: BaselineSet()).tune(cases.reversed())
        #expect(a == b)
    }

    @Test func scopesWithFewLabelsFallBackToTheirParent() throws {
        var space = Self.space
        space.scopeLevels = [.global, .app]
        space.minLabeledDeploys = 100
        let result = try Tuner(space: space, baselines: BaselineSet()).tune(Self.cases(count: 12, seed: 4))
        #expect(result.model.rules.count == 1)
        let app = try #require(result.scopes.first { $0.scope == RuleScope(app: "cart") })
        #expect(!app.accepted)
        #expect(app.reason.contains("needs 100"))
    }

    @Test func noLabeledDeployIsAClearError() {
        let unlabeled = Self.cases(count: 3, seed: 5).map { TuningCase(evidence: $0.evidence, label: .unlabeled) }
        #expect(throws: DetectorError.self) { try Tuner(space: Self.space, baselines: BaselineSet()).tune(unlabeled) }
    }
}

extension TunerTests {
    @Test func aThresholdCapLimitsTheSweep() throws {
        var space = Self.space
        space.maxThresholds = 1
        let capped = try Tuner(space: space, baselines: BaselineSet()).tune(Self.cases(count: 30, seed: 6))
        #expect(capped.thresholdsEvaluated <= capped.candidatesEvaluated)
        let full = try Tuner(space: Self.space, baselines: BaselineSet()).tune(Self.cases(count: 30, seed: 6))
        #expect(full.thresholdsEvaluated > capped.thresholdsEvaluated)
    }
}
