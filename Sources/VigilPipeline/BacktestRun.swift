internal import Foundation
public import VigilCore
public import VigilStore

/// `vigil backtest`: walk-forward (rolling-origin) evaluation. For each day, tune as the
/// nightly run would on what was known before that day — the deploys and the labels of the
/// archives whose period had ended — then judge that day's deploys with the tuned model.
/// Pooled and per-day figures, beside the guard that actually ran (its pauses and rollbacks
/// are in the archives).
///
/// The judged days are scored with every label the store has now (the most complete truth);
/// training never sees a label that arrived after its day began.
public enum BacktestRun {
    /// One judged day.
    public struct Day: Sendable, Codable {
        public var date: String
        public var trainingDeploys: Int
        public var model: DeployCounts
        public var recordedGuard: DeployCounts
        /// The rules the day's model used, and their shared threshold.
        public var rules: [String]
        public var threshold: Double?
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case date, model, rules, threshold, seconds
            case trainingDeploys = "training_deploys"
            case recordedGuard = "recorded_guard"
        }
    }

    /// One judged deploy, for scoring from outside and for the misses table.
    public struct Judged: Sendable, Codable {
        public var decision: DeployDecision
        public var truth: DeployLabel
        /// Paused, and for a bad deploy not before its fault began.
        public var caught: Bool
        public var app: String
        /// For a deploy that got through: how close each metric came.
        public var closest: [MetricExplanation]?
        /// For a bad deploy: the metrics its change incidents named.
        public var affectedMetrics: [String]?

        enum CodingKeys: String, CodingKey {
            case decision, truth, caught, app, closest
            case affectedMetrics = "affected_metrics"
        }
    }

    public struct Report: Sendable, Codable {
        public var pipeline: String
        public var from: String
        public var to: String
        public var days: [Day]
        /// Pooled over the days, with bootstrap intervals.
        public var model: DeployEvaluation
        public var recordedGuard: DeployEvaluation
        public var deploys: [Judged]
        /// Days left out because no labeled deploy was known before them (nothing to train on).
        public var untrainedDays: [String]

        enum CodingKeys: String, CodingKey {
            case pipeline, from, to, days, model, deploys
            case recordedGuard = "recorded_guard"
            case untrainedDays = "untrained_days"
        }
    }

    /// One line on why a bad deploy got through: per metric, the rule that came closest.
    /// The metrics the post-mortem named come first; then the closest of the others.
    public static func whyMissed(_ closest: [MetricExplanation], affected: Set<String>) -> String {
        func text(_ e: MetricExplanation) -> String {
            "\(e.metric) \(String(format: "%.3f", e.peak)) of \(String(format: "%.3f", e.threshold)) (\(e.rule), \(e.scope))"
        }
        guard !closest.isEmpty else { return "no metric could be judged" }
        let named = closest.filter { affected.contains($0.metric) }
        let other = closest.first { !affected.contains($0.metric) }
        var parts: [String] = []
        if !named.isEmpty { parts.append("on the affected metrics: " + named.map(text).joined(separator: "; ")) }
        if let other { parts.append((affected.isEmpty ? "closest: " : "closest elsewhere: ") + text(other)) }
        return parts.joined(separator: "; ")
    }

    /// Walks forward over the UTC days in `[from, to)`.
    ///
    /// - Parameters:
    ///   - skipUntrainedDays: leave out (and list) a day before which no labeled deploy is
    ///     known, instead of failing; the nightly report's section does, `vigil backtest` does not.
    ///   - progress: called with each day's date as it starts.
    public static func run(
        pipeline: PipelineDefinition,
        store: HistoryStore,
        from: Int64,
        to: Int64,
        skipUntrainedDays: Bool = false,
        progress: (@Sendable (String) -> Void)? = nil
    ) throws -> Report {
        guard from < to else { throw StageError("--from must be before --to.") }
        let everything = try StoreCorpus(store: store)
        var days: [Day] = []
        var judged: [JudgedDeploy] = []
        var recorded: [JudgedDeploy] = []
        var rows: [Judged] = []
        var untrained: [String] = []
        var day = from - ((from % 86_400) + 86_400) % 86_400
        while day < to {
            let next = day + 86_400
            let date = String(RFC3339.format(day).prefix(10))
            progress?(date)
            let deploys = everything.deploys.filter { $0.startedAt >= max(day, from) && $0.startedAt < min(next, to) }
            defer { day = next }
            guard !deploys.isEmpty else { continue }
            let started = Date()
            let known = try StoreCorpus(store: store, knownAt: day)
            guard known.deploys.contains(where: { known.truths[$0.id]?.label != .unlabeled }) else {
                if skipUntrainedDays {
                    untrained.append(date)
                    continue
                }
                throw StageError("No labeled deploy is known before \(date): start the backtest later.")
            }
            // A research hook: VIGIL_BACKTEST_DUMP=DIR writes every candidate's calibrated
            // strengths on the training deploys and on the judged day (scored with today's labels).
            var probes: [TuningCase] = []
            let dump = ProcessInfo.processInfo.environment["VIGIL_BACKTEST_DUMP"]
            if dump != nil {
                probes = try deploys.map { d in
                    let t = everything.truths[d.id]
                    return TuningCase(
                        evidence: try StoreCorpus.evidence(d, store: store),
                        label: t?.label ?? .unlabeled,
                        faultOnset: t?.faultStartKnown == true ? t?.faultOnset : nil
                    )
                }
            }
            let file = try TuneRun.run(
                pipeline: pipeline,
                store: store,
                knownAt: day,
                split: .trainUntil(day),
                probes: probes,
                candidateTable: { table in
                    guard let dump else { return }
                    let encoder = JSONEncoder()
                    encoder.nonConformingFloatEncodingStrategy = .convertToString(
                        positiveInfinity: "Infinity",
                        negativeInfinity: "-Infinity",
                        nan: "NaN"
                    )
                    try? FileManager.default.createDirectory(atPath: dump, withIntermediateDirectories: true)
                    try? encoder.encode(table).write(to: URL(fileURLWithPath: "\(dump)/\(date).json"))
                }
            )
            let methods = Array(Set(file.model.configs.compactMap(\.seasonal))).sorted { $0.rawValue < $1.rawValue }
            let baselines = try StoreCorpus.baselines(
                for: deploys,
                methods: methods,
                until: day,
                period: file.model.seasonalPeriod,
                store: store
            )
            let judge = try DeployJudge(model: file.model, baselines: baselines)
            let today = try StoreCorpus.judge(deploys, truths: everything.truths, judge: judge, store: store)
            let guardToday = deploys.map { d in
                JudgedDeploy(
                    deploy: d,
                    truth: everything.truths[d.id] ?? GroundTruth.evaluate(deploy: d, verdicts: [:], incidents: []),
                    decision: RecordedGuard.decision(d)
                )
            }
            for j in today {
                var closest: [MetricExplanation]?
                if !j.paused, j.truth.label == .bad {
                    closest = judge.explain(try StoreCorpus.evidence(j.deploy, store: store))
                }
                rows.append(
                    Judged(
                        decision: j.decision,
                        truth: j.truth.label,
                        caught: j.caught,
                        app: j.deploy.app,
                        closest: closest,
                        affectedMetrics: j.truth.label == .bad
                            ? Set(j.truth.windows.filter { $0.cause == .change }.flatMap(\.metrics)).sorted() : nil
                    )
                )
            }
            judged += today
            recorded += guardToday
            let global = file.model.globalRules
            days.append(
                Day(
                    date: date,
                    trainingDeploys: known.deploys.count,
                    model: DeployCounts(today),
                    recordedGuard: DeployCounts(guardToday),
                    rules: file.model.rules.map { "\($0.scope): \($0.rule.name)" },
                    threshold: global.first?.threshold,
                    seconds: Date().timeIntervalSince(started)
                )
            )
        }
        guard !judged.isEmpty else {
            if !untrained.isEmpty {
                throw StageError("No labeled deploy is known before \(untrained.last ?? ""): nothing to train on.")
            }
            throw StageError("No deploy started between \(RFC3339.format(from)) and \(RFC3339.format(to)).")
        }
        return Report(
            pipeline: pipeline.name,
            from: RFC3339.format(from),
            to: RFC3339.format(to),
            days: days,
            model: DeployEvaluation(judged),
            recordedGuard: DeployEvaluation(recorded),
            deploys: rows,
            untrainedDays: untrained
        )
    }
}

/// What the guard that ran online did, from the archives: it paused at its first alert whose
/// action was a pause or a rollback.
public enum RecordedGuard {
    /// What the guard that ran online did on `deploys` (nothing where it did not run), judged against the
    /// same truths: the first baseline, since it is what the platform has today. `nil` when it
    /// ran on none of them.
    public static func evaluate(_ deploys: [Deploy], truths: [String: DeployTruth]) -> DeployEvaluation? {
        // Where it did not run it paused nothing: judged on the same deploys as any model.
        guard deploys.contains(where: { $0.guardRun != nil }) else { return nil }
        return DeployEvaluation(
            deploys.map { d in
                JudgedDeploy(
                    deploy: d,
                    truth: truths[d.id] ?? GroundTruth.evaluate(deploy: d, verdicts: [:], incidents: []),
                    decision: decision(d)
                )
            }
        )
    }

    public static func decision(_ deploy: Deploy) -> DeployDecision {
        let stops = deploy.alerts.filter { ["paused", "pause", "rolled_back", "rollback"].contains($0.action ?? "") }
            .sorted { ($0.at, $0.id) < ($1.at, $1.id) }
        let batches = deploy.batches.sorted { $0.index < $1.index }
        guard let first = stops.first else { return .continued(deploy) }
        let running = batches.last { ($0.startedAt ?? deploy.startedAt) <= first.at }
        return DeployDecision(
            deployId: deploy.id,
            decision: .pause,
            pausedAt: first.at,
            batch: running?.index ?? first.batch,
            reasons: [
                PauseReason(
                    metric: first.metric ?? "?",
                    kind: deploy.metrics.first { $0.name == first.metric }?.kind,
                    scope: "recorded",
                    hosts: [],
                    detector: first.detector ?? "recorded guard",
                    mode: .beforeAfter,
                    at: first.at,
                    score: .nan,
                    threshold: .nan,
                    expected: nil,
                    observed: nil
                )
            ],
            timeline: batches.filter { ($0.startedAt ?? deploy.startedAt) <= first.at }.map {
                .init(
                    batch: $0.index,
                    startedAt: $0.startedAt,
                    decision: $0.index == running?.index ? .pause : .continue
                )
            },
            unjudgedMetrics: []
        )
    }
}
