import Foundation
import Testing
import VigilCore
import VigilPipeline
import VigilStore

/// The calibrated rule-set search and the walk-forward backtest, end to end on a small corpus.
struct CalibratedTuneTests {
    static let pipeline = """
        name: calibrated
        search:
          split:
            validation_days: 1
          objective:
            maximize: recall
            min_precision: 0.9
            max_false_pauses_per_100: 1
          calibration:
            history_every: 21600
          policy:
            consecutive: [1, 3]
            warmup_seconds: [300]
            min_hosts: [1]
          detectors:
            - name: level
              modes: [counterfactual, fleet_history]
              seasonal: [profile]
            - name: cusum
              modes: [counterfactual]
        """

    @Test func theUnionKeepsEveryUsableCandidateWithOneCalibratedThreshold() throws {
        let definition = try PipelineDefinition.parse(Self.pipeline, path: "calibrated.yaml")
        let (store, _) = try TuneTests.store()
        let file = try TuneRun.run(pipeline: definition, store: store)
        let unusable = try #require(file.search.unusable)
        // 3 configurations x 2 policies: every one is kept or named as unusable.
        #expect(file.model.rules.count + unusable.count == 6)
        #expect(!file.model.rules.isEmpty)
        let thresholds = Set(file.model.rules.map(\.rule.threshold))
        #expect(thresholds.count == 1, "one shared threshold: \(thresholds)")
        for r in file.model.rules {
            let c = try #require(r.rule.calibration, "\(r.rule.name) has no calibration")
            #expect(c.fallback > 0 && c.series.values.allSatisfy { $0.scale > 0 && $0.scale.isFinite })
        }
        #expect((file.search.nullSamples ?? 0) > 0)
        // Deterministic: the same store gives the same bytes.
        #expect(try TuneRun.run(pipeline: definition, store: store).encoded() == file.encoded())
        // The model file round-trips with its calibrations.
        let dir = try TuneTests.temporaryDirectory()
        try AtomicFile.write(try file.encoded(), to: "\(dir)/model.json")
        #expect(try ModelFile.load(path: "\(dir)/model.json").encoded() == file.encoded())
    }

    @Test func theBacktestNeverTrainsOnLabelsThatArrivedLater() throws {
        let definition = try PipelineDefinition.parse(Self.pipeline, path: "calibrated.yaml")
        let (store, _) = try TuneTests.store()
        let deploys = try store.allDeploys()
        let lastDay = deploys.map(\.startedAt).max()! / 86_400 * 86_400
        let report = try BacktestRun.run(
            pipeline: definition,
            store: store,
            from: lastDay - 86_400,
            to: lastDay + 86_400
        )
        #expect(report.days.count == 2)
        let pooled = report.model.deploys
        #expect(
            pooled.bad + pooled.good + pooled.unlabeled
                == report.days.map { $0.model.bad + $0.model.good + $0.model.unlabeled }.reduce(0, +)
        )
        #expect(pooled.tp == report.days.map(\.model.tp).reduce(0, +))
        #expect(report.deploys.count == deploys.filter { $0.startedAt >= lastDay - 86_400 }.count)

        // Every deploy relabeled bad by an archive exported after the judged days: the judged figures change,
        // the models trained for each day do not.
        let relabel = try TuneTests.incidentArchive(for: deploys, in: try TuneTests.temporaryDirectory())
        let (relabeled, _) = try TuneTests.store(extra: [relabel])
        let after = try BacktestRun.run(
            pipeline: definition,
            store: relabeled,
            from: lastDay - 86_400,
            to: lastDay + 86_400
        )
        #expect(after.days.map(\.rules) == report.days.map(\.rules))
        #expect(after.days.map(\.threshold) == report.days.map(\.threshold))
        #expect(after.model.deploys.bad == report.deploys.count)
    }

    /// A miss is explained on the metrics the post-mortem named first, then the closest other.
    @Test func aMissIsExplainedOnItsAffectedMetricsFirst() {
        func e(_ metric: String, _ peak: Double) -> MetricExplanation {
            MetricExplanation(
                metric: metric,
                scope: "global",
                rule: "level",
                peak: peak,
                threshold: 4,
                at: nil,
                hosts: 1
            )
        }
        let closest = [e("qps", 3), e("rt.p99", 2), e("cpu.util", 1)]
        #expect(
            BacktestRun.whyMissed(closest, affected: ["cpu.util"])
                == "on the affected metrics: cpu.util 1.000 of 4.000 (level, global); closest elsewhere: qps 3.000 of 4.000 (level, global)"
        )
        #expect(BacktestRun.whyMissed(closest, affected: []) == "closest: qps 3.000 of 4.000 (level, global)")
        #expect(BacktestRun.whyMissed([], affected: ["qps"]) == "no metric could be judged")
    }
}
