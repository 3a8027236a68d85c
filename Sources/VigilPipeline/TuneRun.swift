internal import Foundation
public import VigilCore
public import VigilStore

/// `vigil tune`: split the store's deploys in time, search on the training days, and report
/// the tuned model and the static 3-sigma baseline on the validation days.
public enum TuneRun {
    /// Where the training days end: deploys starting before this Unix time train.
    public static func splitTime(_ split: PipelineDefinition.Split, deploys: [Deploy]) throws -> Int64 {
        switch split {
        case .trainUntil(let t):
            return t
        case .validationDays(let n):
            let days = Set(deploys.map { floorDiv($0.startedAt, 86_400) }).sorted()
            guard days.count > n else {
                throw StageError(
                    "The store has deploys on \(days.count) day(s); \(n) validation day(s) would leave none to train on."
                )
            }
            return days[days.count - n] * 86_400
        }
    }

    /// Runs the search and the validation; `progress` gets (configurations scored, total).
    ///
    /// - Parameters:
    ///   - knownAt: tune as a nightly run at this time would have: on the deploys and labels
    ///     known then (the walk-forward backtest); `nil` uses the whole store.
    ///   - split: overrides the pipeline's split.
    public static func run(
        pipeline: PipelineDefinition,
        store: HistoryStore,
        knownAt: Int64? = nil,
        split: PipelineDefinition.Split? = nil,
        probes: [TuningCase] = [],
        candidateTable: ((CandidateTable) -> Void)? = nil,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) throws -> ModelFile {
        let corpus = try StoreCorpus(store: store, knownAt: knownAt)
        guard !corpus.deploys.isEmpty else { throw StageError("The store has no deploys; ingest archives first.") }
        let until = try splitTime(split ?? pipeline.split, deploys: corpus.deploys)
        let train = corpus.deploys.filter { $0.startedAt < until }
        let validation = corpus.deploys.filter { $0.startedAt >= until }
        guard !train.isEmpty else {
            throw StageError("No deploy starts before \(RFC3339.format(until)): nothing to train on.")
        }

        let space = pipeline.space
        let baselines = try StoreCorpus.baselines(
            for: corpus.deploys,
            methods: space.seasonalMethods,
            until: until,
            period: space.seasonalPeriod,
            store: store
        )
        var cases: [TuningCase] = []
        var nulls: [NullSample] = []
        for d in train {
            let truth = corpus.truths[d.id]
            let label = truth?.label ?? .unlabeled
            let needed = label != .unlabeled || space.calibration != nil
            guard needed else { continue }
            let evidence = try StoreCorpus.evidence(d, store: store)
            if label != .unlabeled {
                cases.append(
                    TuningCase(
                        evidence: evidence,
                        label: label,
                        faultOnset: truth?.faultStartKnown == true ? truth?.faultOnset : nil,
                        falseAlarmMetrics: Set(truth?.falseAlarmMetrics ?? []),
                        confirmedMetrics: Set(truth?.confirmedMetrics ?? [])
                    )
                )
            }
            if let settings = space.calibration,
                let placebo = Placebo.shifted(
                    evidence,
                    by: settings.placeboShift,
                    preDeployWindow: space.preDeployWindow
                )
            {
                nulls.append(placebo)
            }
        }
        if let settings = space.calibration, settings.historyEvery > 0,
            space.configs.contains(where: { $0.mode.isFleetLevel })
        {
            nulls += try historyPlacebos(train: train, settings: settings, space: space, until: until, store: store)
        }
        let result: TuningResult
        do {
            result = try Tuner(space: space, baselines: baselines).tune(
                cases,
                nulls: nulls,
                probes: probes,
                progress: progress
            )
            if let table = result.candidateTable { candidateTable?(table) }
        } catch {
            throw StageError("Tuning failed: \(error.message)")
        }

        var validationFigures: DeployEvaluation?
        var baselineFigures: DeployEvaluation?
        if !validation.isEmpty {
            let judge = try DeployJudge(model: result.model, baselines: baselines)
            validationFigures = DeployEvaluation(
                try StoreCorpus.judge(validation, truths: corpus.truths, judge: judge, store: store)
            )
            let baseline = try DeployJudge(model: .staticThreeSigma)
            baselineFigures = DeployEvaluation(
                try StoreCorpus.judge(validation, truths: corpus.truths, judge: baseline, store: store)
            )
        }
        return ModelFile(
            format: ModelFile.format,
            formatVersion: ModelFile.formatVersion,
            pipeline: pipeline.name,
            training: .init(from: train.first.map { RFC3339.format($0.startedAt) }, until: RFC3339.format(until)),
            validation: .init(
                from: RFC3339.format(until),
                until: validation.last.map { RFC3339.format($0.startedAt + 1) }
            ),
            historyUntil: until,
            model: result.model,
            scopes: result.scopes,
            search: .init(
                configurations: space.configs.count,
                policies: space.policies.count,
                metricsAgree: space.metricsAgree,
                candidatesEvaluated: result.candidatesEvaluated,
                thresholdsEvaluated: result.thresholdsEvaluated,
                objective: space.objective.description,
                ruleSearch: space.calibration == nil ? nil : result.ruleSearch,
                unusable: space.calibration == nil ? nil : result.unusable,
                feedback: space.calibration == nil ? nil : result.feedback,
                nullSamples: space.calibration == nil ? nil : result.nullSamples
            ),
            trainingCounts: result.training,
            feasible: result.feasible,
            validationFigures: validationFigures,
            baselineFigures: baselineFigures
        )
    }

    /// History placebos of every (app, metric) the training deploys have, on history before `until`.
    static func historyPlacebos(
        train: [Deploy],
        settings: CalibrationSettings,
        space: SearchSpace,
        until: Int64,
        store: HistoryStore
    ) throws -> [NullSample] {
        var specs: [String: [String: MetricSpec]] = [:]
        for d in train { for m in d.metrics { specs[d.app, default: [:]][m.name] = m } }
        // Windows a release touched, or the time after it that a placebo is judged for
        // (`history_length`), are not normal operation.
        var known: [String: Int64] = [:]
        var busy: [String: [ClosedRange<Int64>]] = [:]
        for d in train {
            known[d.app] = min(known[d.app] ?? d.startedAt, d.startedAt)
            busy[d.app, default: []].append(d.startedAt...max(d.startedAt, d.effectiveEnd) + settings.historyLength)
        }
        var out: [NullSample] = []
        for app in specs.keys.sorted() {
            var metrics: [(spec: MetricSpec, history: RegularSeries)] = []
            for (name, spec) in specs[app]!.sorted(by: { $0.key < $1.key }) {
                if let history = try store.history(app: app, metric: name) { metrics.append((spec, history)) }
            }
            out += Placebo.history(
                app: app,
                metrics: metrics,
                every: settings.historyEvery,
                length: settings.historyLength,
                preDeployWindow: space.preDeployWindow,
                until: until,
                known: known[app],
                busy: busy[app] ?? []
            )
        }
        return out
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}

/// `vigil evaluate`: judge the deploys of a time range with a model file and with the static
/// 3-sigma baseline, through the guard's own decision code.
public enum EvaluateRun {
    public struct Report: Sendable, Encodable {
        public var from: String
        public var to: String
        public var model: DeployEvaluation
        public var baseline: DeployEvaluation
        /// What the guard that ran online did on the same deploys (from the archives), when it ran.
        public var recordedGuard: DeployEvaluation?
        /// Point, point-adjusted and window-level figures of the model over the released hosts' series.
        public var points: PointEvaluation
        public var baselinePoints: PointEvaluation

        public func encode(to encoder: any Encoder) throws {
            // The model's block at the top level, the baseline's beside it.
            try model.encode(to: encoder)
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(points, forKey: .points)
            if let recordedGuard {
                var r = c.nestedContainer(keyedBy: BaselineKeys.self, forKey: .recordedGuard)
                try r.encode(recordedGuard.deploys, forKey: .deploys)
                try r.encode(recordedGuard.delayMinutes, forKey: .delayMinutes)
                try r.encode(recordedGuard.missed, forKey: .missed)
                try r.encode(recordedGuard.falsePauses, forKey: .falsePauses)
            }
            var b = c.nestedContainer(keyedBy: BaselineKeys.self, forKey: .baseline)
            try b.encode(baseline.deploys, forKey: .deploys)
            try b.encode(baseline.delayMinutes, forKey: .delayMinutes)
            try b.encode(baseline.delayBatches, forKey: .delayBatches)
            try b.encode(baseline.by, forKey: .by)
            try b.encode(baseline.missed, forKey: .missed)
            try b.encode(baseline.falsePauses, forKey: .falsePauses)
            try b.encode(baselinePoints, forKey: .points)
        }

        enum Keys: String, CodingKey {
            case from, to, baseline, points
            case recordedGuard = "recorded_guard"
        }
        enum BaselineKeys: String, CodingKey {
            case deploys, by, missed, points
            case delayMinutes = "delay_minutes"
            case delayBatches = "delay_batches"
            case falsePauses = "false_pauses"
        }
    }

    /// Judges deploys starting in `[from, to)`.
    public static func run(model file: ModelFile, store: HistoryStore, from: Int64, to: Int64) throws -> Report {
        guard from < to else { throw StageError("--from must be before --to.") }
        let corpus = try StoreCorpus(store: store)
        let deploys = corpus.deploys.filter { $0.startedAt >= from && $0.startedAt < to }
        guard !deploys.isEmpty else {
            throw StageError("No deploy starts between \(RFC3339.format(from)) and \(RFC3339.format(to)).")
        }
        let methods = Array(Set(file.model.configs.compactMap(\.seasonal))).sorted { $0.rawValue < $1.rawValue }
        let baselines = try StoreCorpus.baselines(
            for: deploys,
            methods: methods,
            until: file.historyUntil,
            period: file.model.seasonalPeriod,
            store: store
        )
        let judge = try DeployJudge(model: file.model, baselines: baselines)
        let staticJudge = try DeployJudge(model: .staticThreeSigma)
        let model = DeployEvaluation(try StoreCorpus.judge(deploys, truths: corpus.truths, judge: judge, store: store))
        let baseline = DeployEvaluation(
            try StoreCorpus.judge(deploys, truths: corpus.truths, judge: staticJudge, store: store)
        )
        var views: [PointView] = []
        var baselineViews: [PointView] = []
        for d in deploys {
            let evidence = try StoreCorpus.evidence(d, store: store)
            let windows = corpus.truths[d.id]?.windows ?? []
            views += judge.pointViews(evidence, windows: windows)
            baselineViews += staticJudge.pointViews(evidence, windows: windows)
        }
        return Report(
            from: RFC3339.format(from),
            to: RFC3339.format(to),
            model: model,
            baseline: baseline,
            recordedGuard: RecordedGuard.evaluate(deploys, truths: corpus.truths),
            points: PointEvaluation(views),
            baselinePoints: PointEvaluation(baselineViews)
        )
    }
}
