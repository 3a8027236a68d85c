import Testing
import VigilCore

struct DeployMetricsTests {
    static func judged(
        _ label: DeployLabel,
        paused: Bool,
        id: String,
        onset: Int64? = nil,
        pausedAt: Int64? = nil
    )
        -> JudgedDeploy
    {
        let deploy = Deploy(
            id: id,
            app: "a",
            startedAt: 0,
            batches: [
                Batch(index: 0, startedAt: 0, hosts: ["h1"]), Batch(index: 1, startedAt: 600, hosts: ["h2"]),
                Batch(index: 2, startedAt: 1_200, hosts: ["h3"]),
            ],
            metrics: []
        )
        let truth = DeployTruth(
            deployId: id,
            label: label,
            faultOnset: onset,
            windows: [],
            incidentIds: [],
            alertsWithoutVerdict: [],
            reason: ""
        )
        let decision = DeployDecision(
            deployId: id,
            decision: paused ? .pause : .continue,
            pausedAt: paused ? (pausedAt ?? 0) : nil,
            batch: nil,
            reasons: [],
            timeline: [],
            unjudgedMetrics: []
        )
        return JudgedDeploy(deploy: deploy, truth: truth, decision: decision)
    }

    @Test func countsAndRatios() {
        let all = [
            Self.judged(.bad, paused: true, id: "1", onset: 100, pausedAt: 700),
            Self.judged(.bad, paused: false, id: "2", onset: 0),
            Self.judged(.good, paused: true, id: "3"),
            Self.judged(.good, paused: false, id: "4"),
            Self.judged(.good, paused: false, id: "5"),
            Self.judged(.unlabeled, paused: true, id: "6"),
        ]
        let e = DeployEvaluation(all, resamples: 200)
        #expect(e.deploys.bad == 2 && e.deploys.good == 3 && e.deploys.unlabeled == 1)
        #expect(e.deploys.tp == 1 && e.deploys.fp == 1 && e.deploys.fn == 1)
        #expect(e.deploys.precision == 0.5 && e.deploys.recall == 0.5 && e.deploys.f1 == 0.5)
        #expect(abs(e.deploys.falsePausesPer100 - 100.0 / 3) < 1e-12)
        #expect(e.delayMinutes.median == 10)
        // Batch 1 started after the onset (100 s) and before the pause (700 s).
        #expect(e.delayBatches.median == 1)
        #expect(e.missed == ["2"] && e.falsePauses == ["3"])
        let ci = try! #require(e.deploys.ci95)
        #expect(ci.precision.low <= 0.5 && 0.5 <= ci.precision.high)
        // Deterministic for a seed.
        #expect(DeployEvaluation(all, resamples: 200) == e)
    }

    @Test func aPauseIsEarlyOnlyBeforeAKnownFaultStart() {
        // Onset from a change incident's start: a pause more than a minute before it is a miss.
        var early = Self.judged(.bad, paused: true, id: "1", onset: 1_000, pausedAt: 900)
        early.truth.faultStartKnown = true
        #expect(early.pausedEarly && !early.caught)
        var justBefore = Self.judged(.bad, paused: true, id: "2", onset: 1_000, pausedAt: 950)
        justBefore.truth.faultStartKnown = true
        #expect(justBefore.caught)
        // Onset from the first true-positive alert: the fault began before it, so no pause is early.
        let alertOnset = Self.judged(.bad, paused: true, id: "3", onset: 1_000, pausedAt: 900)
        #expect(!alertOnset.pausedEarly && alertOnset.caught)
        let e = DeployEvaluation([early, justBefore, alertOnset], resamples: 10)
        #expect(e.deploys.tp == 2 && e.deploys.fn == 1 && e.missed == ["1"])
    }

    @Test func emptyDenominatorsAreZeroNotNaN() {
        let e = DeployEvaluation([Self.judged(.good, paused: false, id: "1")], resamples: 10)
        #expect(e.deploys.precision == 0 && e.deploys.recall == 0 && e.deploys.f1 == 0)
        #expect(e.delayMinutes.median == nil)
        #expect(DeployEvaluation([], resamples: 10).deploys.ci95 == nil)
    }

    @Test func objectiveGradesFeasibleCandidatesFirst() {
        let objective = TuningObjective.constrainedRecall(minPrecision: 0.9, maxFalsePausesPer100: 5)
        var strict = DeployCounts()
        strict.bad = 10
        strict.good = 100
        strict.tp = 5
        strict.fn = 5
        var loose = strict
        loose.tp = 10
        loose.fn = 0
        loose.fp = 5
        #expect(objective.grade(loose) < objective.grade(strict))
        #expect(TuningObjective.fBeta(1).grade(strict) < TuningObjective.fBeta(1).grade(loose))
    }
}
