internal import Crypto
internal import Foundation
public import VigilCore
internal import VigilGuard
internal import VigilReport
public import VigilStore

/// `vigil run`: ingest → tune → evaluate → backtest → gate → bundle → publish → report, each stage
/// recorded in the store's run history, resumable from the last finished stage.
public struct NightlyRun: Sendable {
    public static let stages = ["ingest", "tune", "evaluate", "backtest", "gate", "bundle", "publish", "report"]

    /// Paths the run uses; stored with the run so that a resumed run uses the same ones.
    public struct Options: Sendable, Hashable, Codable {
        public var pipeline: String
        public var inputs: String?
        public var store: String
        public var registry: String
        public var reports: String
        public var signingKey: String
        /// SHA-256 of the pipeline file's content: a run is not resumed under another one.
        public var pipelineDigest: String?

        public init(
            pipeline: String,
            inputs: String?,
            store: String,
            registry: String,
            reports: String,
            signingKey: String,
            pipelineDigest: String? = nil
        ) {
            self.pipeline = pipeline
            self.inputs = inputs
            self.store = store
            self.registry = registry
            self.reports = reports
            self.signingKey = signingKey
            self.pipelineDigest = pipelineDigest
        }

        enum CodingKeys: String, CodingKey {
            case pipeline, inputs, store, registry, reports
            case signingKey = "signing_key"
            case pipelineDigest = "pipeline_digest"
        }

        /// What differs from `other`, one phrase per setting (`signing key a → b`).
        public func differences(from other: Options) -> [String] {
            var changes: [String] = []
            func compare(_ name: String, _ a: String?, _ b: String?) {
                if a != b { changes.append("\(name) \(a ?? "none") → \(b ?? "none")") }
            }
            compare("pipeline file", other.pipeline, pipeline)
            compare("inputs", other.inputs, inputs)
            compare("registry", other.registry, registry)
            compare("reports", other.reports, reports)
            compare("signing key", other.signingKey, signingKey)
            if let a = other.pipelineDigest, let b = pipelineDigest, a != b {
                changes.append("the pipeline file's content")
            }
            return changes
        }
    }

    public struct StageSummary: Sendable, Hashable, Codable {
        public var stage: String
        public var status: String
        public var seconds: Double?
        public var figures: [String: String]?
        public var error: String?

        enum CodingKeys: String, CodingKey { case stage, status, seconds, figures, error }

        public init(stage: String, status: String, seconds: Double?, figures: [String: String]?, error: String?) {
            self.stage = stage
            self.status = status
            self.seconds = seconds
            self.figures = figures
            self.error = error
        }

        /// Figures are kept as text; they are written as the numbers they are.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stage, forKey: .stage)
            try c.encode(status, forKey: .status)
            try c.encodeIfPresent(seconds, forKey: .seconds)
            try c.encodeIfPresent(figures?.mapValues(JSONValue.figure), forKey: .figures)
            try c.encodeIfPresent(error, forKey: .error)
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            stage = try c.decode(String.self, forKey: .stage)
            status = try c.decode(String.self, forKey: .status)
            seconds = try c.decodeIfPresent(Double.self, forKey: .seconds)
            error = try c.decodeIfPresent(String.self, forKey: .error)
            // Summaries saved before figures were typed hold text; newer ones numbers.
            if let text = try? c.decodeIfPresent([String: String].self, forKey: .figures) {
                figures = text
            } else if let any = try c.decodeIfPresent([String: JSONFigure].self, forKey: .figures) {
                figures = any.mapValues(\.text)
            }
        }
    }

    /// A figure read back as whatever JSON scalar it was written as.
    struct JSONFigure: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let b = try? c.decode(Bool.self) {
                text = b ? "true" : "false"
            } else if let i = try? c.decode(Int64.self) {
                text = String(i)
            } else if let d = try? c.decode(Double.self) {
                text = String(d)
            } else {
                text = try c.decode(String.self)
            }
        }
    }

    public struct BundleSummary: Sendable, Hashable, Codable {
        public var version: String
        public var path: String
        public var sha256: String
        public var channel: String
    }

    public struct GateSummary: Sendable, Hashable, Codable {
        public var promoted: Bool
        public var reason: String
        /// The pipeline's floors the candidate missed: a weak model, kept as candidate.
        public var belowFloors: [String]?

        enum CodingKeys: String, CodingKey {
            case promoted, reason
            case belowFloors = "below_floors"
        }
    }

    /// What `vigil run --json` prints.
    public struct Summary: Sendable, Hashable, Codable {
        public var runId: String
        public var pipeline: String
        public var status: String
        public var bundle: BundleSummary?
        public var gate: GateSummary?
        public var report: String?
        public var validation: DeployFigures?
        public var stages: [StageSummary]
        public var error: String?
        /// Why an unfinished run was not resumed, when this run replaced it.
        public var notice: String?

        enum CodingKeys: String, CodingKey {
            case pipeline, status, bundle, gate, report, validation, stages, error, notice
            case runId = "run_id"
        }
    }

    /// What the evaluate stage keeps for the report.
    struct Evaluation: Codable {
        var model: DeployEvaluation?
        var baseline: DeployEvaluation?
        /// What the guard that ran online did on the validation deploys, when it ran there.
        var recordedGuard: DeployEvaluation?
        var stable: DeployEvaluation?
        var stableVersion: String?
        var curve: [ThresholdPoint]
        var stories: [Story]
        /// How many stories there were before the first 20 were kept.
        var storiesTotal: Int?
        var changes: [String]

        struct Story: Codable {
            var deployId: String
            var app: String
            var what: String
            var detail: String
        }
    }

    /// What the backtest stage keeps for the report: the last days judged walk-forward.
    struct WalkForward: Codable {
        var days: Int
        var report: BacktestRun.Report?
        /// Why there is no report (switched off, or nothing to train on).
        var note: String?
    }

    public var definition: PipelineDefinition
    public var options: Options
    /// Called with `<stage>:start` and `<stage>:end` around every stage; a test throws or kills here.
    public var failpoint: (@Sendable (String) throws -> Void)?
    /// Called with each stage's name as it starts (progress on a terminal).
    public var onStage: (@Sendable (String) -> Void)?
    /// Called as each stage ends: its name, how it ended, its seconds, and the error if it failed.
    public var onStageEnd: (@Sendable (String, RunRecord.Status, Double, String?) -> Void)?
    /// Asked before each stage: true stops the run there (after SIGTERM), resumable later.
    public var shouldStop: (@Sendable () -> Bool)?
    /// Said in the summary (and so in the notification): why an unfinished run was not resumed.
    public var notice: String?

    public init(definition: PipelineDefinition, options: Options) {
        self.definition = definition
        self.options = options
    }

    var runsDirectory: String {
        "\((options.store as NSString).deletingLastPathComponent.isEmpty ? "." : (options.store as NSString).deletingLastPathComponent)/runs"
    }

    static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    /// A new run id: `<pipeline>-<UTC time>-<4 hex>`.
    public static func newRunId(pipeline: String) -> String {
        let t = RFC3339.format(now()).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            .replacingOccurrences(of: "Z", with: "")
        return "\(pipeline)-\(t)-\(String(format: "%04x", Int(UInt16.random(in: 0...UInt16.max))))"
    }

    /// Runs every stage, or, with `resume`, the stages after the last one that finished.
    /// What `--resume-unfinished` does with a pipeline's latest run.
    public enum ResumeDecision: Sendable, Equatable {
        /// Resume this run.
        case resume(String)
        /// Start a fresh run; when an unfinished one is given up, which and why.
        case fresh(abandoning: String?, reason: String?)
    }

    /// Attempts (the start and each resume) after which an unfinished run is given up.
    public static let maxAttempts = 3

    /// Resume the latest run when it did not finish, unless it already had ``maxAttempts``
    /// attempts (a failure a retry cannot fix must not block every later night) or it was
    /// started with other settings (the fix for what failed it): then start fresh, which also
    /// ingests the archives that arrived since.
    public static func resumeDecision(latest: RunRecord?, current: Options) -> ResumeDecision {
        guard let latest, latest.status != .succeeded else { return .fresh(abandoning: nil, reason: nil) }
        if latest.attempts >= maxAttempts {
            let last = latest.error.map { " (last error: \($0))" } ?? ""
            return .fresh(
                abandoning: latest.id,
                reason: "run \(latest.id) did not finish in \(latest.attempts) attempts\(last); giving it up and "
                    + "starting a fresh run"
            )
        }
        if let saved = try? JSONDecoder().decode(Options.self, from: Data(latest.options.utf8)) {
            let changes = current.differences(from: saved)
            if !changes.isEmpty {
                return .fresh(
                    abandoning: latest.id,
                    reason: "run \(latest.id) was started with other settings (\(changes.joined(separator: "; "))); "
                        + "starting a fresh run with these"
                )
            }
        }
        return .resume(latest.id)
    }

    public func run(store: HistoryStore, resume: String? = nil) throws -> Summary {
        let runId: String
        if let resume {
            guard let record = try store.run(id: resume) else { throw StageError("No run '\(resume)' in the store.") }
            guard record.pipeline == definition.name else {
                throw StageError("Run '\(resume)' belongs to pipeline '\(record.pipeline)', not '\(definition.name)'.")
            }
            guard record.status != .succeeded else {
                throw StageError("Run '\(resume)' already succeeded; nothing to resume.")
            }
            runId = resume
            let opts = String(decoding: try BundleFormat.encoder(pretty: false).encode(options), as: UTF8.self)
            try store.reopenRun(id: runId, options: opts)
        } else {
            runId = Self.newRunId(pipeline: definition.name)
            let opts = String(decoding: try BundleFormat.encoder(pretty: false).encode(options), as: UTF8.self)
            try store.startRun(id: runId, pipeline: definition.name, at: Self.now(), options: opts)
        }
        let dir = "\(runsDirectory)/\(runId)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // What a killed run left half-written (its temporary files) goes before this one starts.
        AtomicFile.removeLeftovers(under: dir)
        AtomicFile.removeLeftovers(under: options.registry)
        let done = Set(try store.run(id: runId)?.stages.filter { $0.status == .succeeded }.map(\.stage) ?? [])
        var failure: String?
        for (position, stage) in Self.stages.enumerated() where !done.contains(stage) {
            if shouldStop?() == true {
                failure = "interrupted before \(stage) (asked to stop); resume with --resume \(runId)"
                break
            }
            onStage?(stage)
            let stageStarted = Date()
            try store.startStage(run: runId, stage: stage, position: position, at: Self.now())
            do {
                try failpoint?("\(stage):start")
                let figures = try perform(stage, runId: runId, dir: dir, store: store)
                try failpoint?("\(stage):end")
                onStageEnd?(stage, .succeeded, Date().timeIntervalSince(stageStarted), nil)
                let json = String(decoding: try BundleFormat.encoder(pretty: false).encode(figures), as: UTF8.self)
                try store.finishStage(
                    run: runId,
                    stage: stage,
                    at: Self.now(),
                    status: .succeeded,
                    figures: json,
                    error: nil
                )
            } catch {
                onStageEnd?(stage, .failed, Date().timeIntervalSince(stageStarted), "\(error)")
                failure = "\(stage): \(error)"
                try store.finishStage(
                    run: runId,
                    stage: stage,
                    at: Self.now(),
                    status: .failed,
                    figures: nil,
                    error: "\(error)"
                )
                break
            }
        }
        var summary = try summarize(runId: runId, dir: dir, store: store)
        summary.status = failure == nil ? "succeeded" : "failed"
        summary.error = failure
        summary.notice = notice
        let text = String(decoding: try BundleFormat.encoder(pretty: false).encode(summary), as: UTF8.self)
        try store.finishRun(
            id: runId,
            at: Self.now(),
            status: failure == nil ? .succeeded : .failed,
            summary: text,
            error: failure
        )
        return summary
    }

    func perform(_ stage: String, runId: String, dir: String, store: HistoryStore) throws -> [String: String] {
        let registry = Registry(root: options.registry)
        switch stage {
        case "ingest":
            guard let inputs = options.inputs else { return ["archives": "0", "note": "no inputs configured"] }
            let paths = try Self.archives(in: inputs)
            let report = try Ingestor(store: store).ingest(paths: paths)
            try AtomicFile.write(Array(try BundleFormat.encoder().encode(report)), to: "\(dir)/ingest.json")
            let count = { (s: ArchiveIngestResult.Status) in String(report.archives.filter { $0.status == s }.count) }
            return [
                "archives": String(paths.count), "ingested": count(.ingested), "unchanged": count(.unchanged),
                "rejected": count(.rejected), "forgotten": count(.forgotten),
                "deploys_added": String(report.deploys.added),
            ]
        case "tune":
            let model = try TuneRun.run(pipeline: definition, store: store)
            try AtomicFile.write(try model.encoded(), to: "\(dir)/model.json")
            return [
                "configurations": String(model.search.configurations),
                "thresholds": String(model.search.thresholdsEvaluated),
                "validation_f1": model.validationFigures.map { fixed3($0.deploys.f1) } ?? "none",
            ]
        case "evaluate":
            let model = try ModelFile.load(path: "\(dir)/model.json")
            let evaluation = try evaluate(model, store: store, registry: registry)
            try AtomicFile.write(Array(try BundleFormat.encoder().encode(evaluation)), to: "\(dir)/evaluation.json")
            return [
                "f1": evaluation.model.map { fixed3($0.deploys.f1) } ?? "none",
                "baseline_f1": evaluation.baseline.map { fixed3($0.deploys.f1) } ?? "none",
                "stable_f1": evaluation.stable.map { fixed3($0.deploys.f1) } ?? "none",
            ]
        case "backtest":
            let walk = try walkForward(store: store)
            try AtomicFile.write(Array(try BundleFormat.encoder().encode(walk)), to: "\(dir)/backtest.json")
            guard let r = walk.report else { return ["note": walk.note ?? ""] }
            return [
                "days": String(r.days.count),
                "recall": fixed3(r.model.deploys.recall),
                "precision": fixed3(r.model.deploys.precision),
                "false_pauses_per_100": String(format: "%.1f", r.model.deploys.falsePausesPer100),
            ]
        case "gate":
            let model = try ModelFile.load(path: "\(dir)/model.json")
            let key = try SigningKeys.privateKey(path: options.signingKey)
            let gate = try PublishRun.gate(
                model: model,
                store: store,
                registry: registry,
                publicKey: key.publicKey,
                tolerances: definition.gate
            )
            try AtomicFile.write(Array(try BundleFormat.encoder().encode(gate)), to: "\(dir)/gate.json")
            return ["promoted": String(gate.promoted), "reason": gate.reason]
        case "bundle":
            let model = try ModelFile.load(path: "\(dir)/model.json")
            let key = try SigningKeys.privateKey(path: options.signingKey)
            guard let pipelineBytes = FileManager.default.contents(atPath: options.pipeline) else {
                throw StageError("Cannot read the pipeline file '\(options.pipeline)'.")
            }
            let built = try PublishRun.build(
                model: model,
                pipelineBytes: Array(pipelineBytes),
                store: store,
                registry: registry,
                key: key
            )
            try AtomicFile.write(built.bytes, to: "\(dir)/bundle.tar.gz")
            try AtomicFile.write(built.manifestBytes, to: "\(dir)/manifest.json")
            try AtomicFile.write(Array("\(built.inputsDigest)\n\(built.reused)\n".utf8), to: "\(dir)/bundle.inputs")
            return ["version": built.manifest.version, "sha256": BundleFormat.sha256Hex(built.bytes)]
        case "publish":
            let built = try loadBuilt(dir)
            var gate = try BundleFormat.decoder().decode(
                GateDecision.self,
                from: FileManager.default.contents(atPath: "\(dir)/gate.json") ?? Data()
            )
            // A resumed run whose stable bundle moved since its gate stage judges again.
            let stableNow = try registry.pointer(.stable).map { "stable bundle \($0.version)" }
            if stableNow.map({ gate.against != $0 }) ?? gate.against.hasPrefix("stable bundle") {
                let key = try SigningKeys.privateKey(path: options.signingKey)
                gate = try PublishRun.gate(
                    model: try ModelFile.load(path: "\(dir)/model.json"),
                    store: store,
                    registry: registry,
                    publicKey: key.publicKey,
                    tolerances: definition.gate
                )
            }
            let result = try PublishRun.publish(built, gate: gate, registry: registry)
            try AtomicFile.write(Array(try BundleFormat.encoder().encode(result)), to: "\(dir)/publish.json")
            let removed = try registry.gc(keep: definition.keepBundles)
            return ["version": result.version, "channel": result.channel, "gc_removed": String(removed.count)]
        case "report":
            let files = try report(runId: runId, dir: dir, store: store)
            return ["report": files]
        default:
            throw StageError("Unknown stage \(stage).")
        }
    }

    func loadBuilt(_ dir: String) throws -> PublishRun.Built {
        guard let bytes = FileManager.default.contents(atPath: "\(dir)/bundle.tar.gz"),
            let manifestBytes = FileManager.default.contents(atPath: "\(dir)/manifest.json"),
            let inputs = FileManager.default.contents(atPath: "\(dir)/bundle.inputs")
        else { throw StageError("The bundle stage's files are missing from \(dir); rerun without --resume.") }
        let lines = String(decoding: inputs, as: UTF8.self).split(separator: "\n").map(String.init)
        return PublishRun.Built(
            bytes: Array(bytes),
            manifest: try BundleFormat.decoder().decode(BundleManifest.self, from: manifestBytes),
            manifestBytes: Array(manifestBytes),
            inputsDigest: lines.first ?? "",
            reused: lines.count > 1 && lines[1] == "true",
            signer: try SigningKeys.privateKey(path: options.signingKey).publicKey
        )
    }

    /// The last `backtest.days` days with deploys, judged walk-forward (``BacktestRun``).
    func walkForward(store: HistoryStore) throws -> WalkForward {
        let n = definition.walkForwardDays
        guard n > 0 else { return WalkForward(days: 0, report: nil, note: "switched off (backtest.days: 0)") }
        let days = Set(
            try StoreCorpus(store: store).deploys.map { $0.startedAt - (($0.startedAt % 86_400) + 86_400) % 86_400 }
        )
        .sorted().suffix(n)
        guard let first = days.first, let last = days.last else {
            return WalkForward(days: n, report: nil, note: "no deploy in the store")
        }
        do {
            let report = try BacktestRun.run(
                pipeline: definition,
                store: store,
                from: first,
                to: last + 86_400,
                skipUntrainedDays: true
            )
            return WalkForward(days: n, report: report, note: nil)
        } catch let error as StageError {
            return WalkForward(days: n, report: nil, note: error.description)
        }
    }

    /// The validation figures of the model, the static baseline and the current stable bundle,
    /// the threshold curve, the worst stories and the rule changes against stable.
    func evaluate(_ model: ModelFile, store: HistoryStore, registry: Registry) throws -> Evaluation {
        let corpus = try StoreCorpus(store: store)
        let from = model.validation.from.flatMap { RFC3339.parse($0) } ?? model.historyUntil
        let validation = corpus.deploys.filter { $0.startedAt >= from }
        let baselines = try PublishRun.baselines(for: model, corpus: corpus, store: store)
        let judge = try DeployJudge(model: model.model, baselines: baselines)
        let judged = try StoreCorpus.judge(validation, truths: corpus.truths, judge: judge, store: store)
        var stable: DeployEvaluation?
        var stableVersion: String?
        var changes: [String] = []
        if let pointer = try registry.pointer(.stable), let key = try? SigningKeys.privateKey(path: options.signingKey)
        {
            let bundle = try GuardBundle.load(
                path: registry.bundlePath(pointer.version),
                publicKey: key.publicKey,
                version: pointer.version
            )
            stable = DeployEvaluation(
                try StoreCorpus.judge(validation, truths: corpus.truths, judge: try bundle.judge(), store: store)
            )
            stableVersion = pointer.version
            changes = RuleChanges.between(old: bundle.model, new: model.model)
        } else {
            changes = ["first bundle of this registry"]
        }
        var margins: [(margin: Double, label: DeployLabel)] = []
        for d in validation {
            let label = corpus.truths[d.id]?.label ?? .unlabeled
            guard label != .unlabeled else { continue }
            margins.append((judge.pauseMargin(try StoreCorpus.evidence(d, store: store)), label))
        }
        let curve =
            margins.isEmpty ? [] : ThresholdPoint.curve(margins: margins, factors: ThresholdPoint.standardFactors)
        var stories: [Evaluation.Story] = []
        for j in judged where j.truth.label == .good && j.paused {
            let reasons = j.decision.reasons.map {
                "\($0.metric) on \($0.hosts.joined(separator: ", ")): \($0.detector) score \(fixed3($0.score)) > \(fixed3($0.threshold))"
            }
            stories.append(
                .init(
                    deployId: j.deploy.id,
                    app: j.deploy.app,
                    what: "false pause",
                    detail: reasons.joined(separator: "; ")
                )
            )
        }
        for j in judged where j.truth.label == .bad && !j.caught {
            let metrics = Set(j.truth.windows.filter { $0.cause == .change }.flatMap(\.metrics))
            let closest = judge.explain(try StoreCorpus.evidence(j.deploy, store: store))
            stories.append(
                .init(
                    deployId: j.deploy.id,
                    app: j.deploy.app,
                    what: j.paused ? "miss (paused before the fault began)" : "miss",
                    detail:
                        "\(j.truth.reason); affected metrics: \(metrics.isEmpty ? "unknown" : metrics.sorted().joined(separator: ", "))"
                        + (j.decision.unjudgedMetrics.isEmpty
                            ? "" : "; not judged: \(j.decision.unjudgedMetrics.joined(separator: ", "))")
                        + (j.paused ? "" : "; " + BacktestRun.whyMissed(closest, affected: metrics))
                )
            )
        }
        return Evaluation(
            model: DeployEvaluation(judged),
            baseline: model.baselineFigures,
            recordedGuard: RecordedGuard.evaluate(validation, truths: corpus.truths),
            stable: stable,
            stableVersion: stableVersion,
            curve: curve,
            stories: Array(stories.prefix(20)),
            storiesTotal: stories.count,
            changes: changes
        )
    }

    func report(runId: String, dir: String, store: HistoryStore) throws -> String {
        let decoder = BundleFormat.decoder()
        let model = try ModelFile.load(path: "\(dir)/model.json")
        let evaluation = try decoder.decode(
            Evaluation.self,
            from: FileManager.default.contents(atPath: "\(dir)/evaluation.json") ?? Data()
        )
        let publish = try? decoder.decode(
            PublishRun.Result.self,
            from: FileManager.default.contents(atPath: "\(dir)/publish.json") ?? Data()
        )
        let ingest = try? decoder.decode(
            IngestReport.self,
            from: FileManager.default.contents(atPath: "\(dir)/ingest.json") ?? Data()
        )
        let record = try store.run(id: runId)
        var input = ReportInput(
            pipeline: definition.name,
            runId: runId,
            date: RFC3339.formatDate(record?.startedAt ?? Self.now())
        )
        if let p = publish {
            input.bundle = .init(
                version: p.version,
                channel: p.channel,
                promoted: p.channel == "stable",
                reason: p.gate?.reason ?? "already stable",
                sha256: p.sha256
            )
        }
        input.validationFrom = model.validation.from
        input.model = evaluation.model
        input.baseline = evaluation.baseline
        input.recordedGuard = evaluation.recordedGuard
        input.stable = evaluation.stable
        input.stableVersion = evaluation.stableVersion
        input.curve = evaluation.curve
        input.stories = evaluation.stories.map {
            .init(deployId: $0.deployId, app: $0.app, what: $0.what, detail: $0.detail)
        }
        input.storiesLeftOut = max(0, (evaluation.storiesTotal ?? input.stories.count) - input.stories.count)
        // A run resumed from before the backtest stage existed has no file: no section. A file
        // that does not decode is an error, not a silently missing section.
        if let bytes = FileManager.default.contents(atPath: "\(dir)/backtest.json") {
            let walk = try decoder.decode(WalkForward.self, from: bytes)
            if walk.days > 0 { input.walkForward = Self.section(walk) }
        }
        let status = try store.status()
        let l = status.labels
        input.coverage = [
            ("deploys", "\(status.deploys) (\(l.bad) bad, \(l.good) good, \(l.unlabeled) unlabeled)"),
            ("alerts with a verdict", "\(l.alertsWithVerdict) of \(l.alerts)"),
            ("incidents", "\(l.incidents)"),
            ("labels waiting for their deploy", "\(l.pendingFeedback) feedback, \(l.pendingIncidents) incidents"),
            ("archives in the store", "\(status.archives.ingested) ingested, \(status.archives.rejected) rejected"),
        ]
        if let ingest {
            let by = Dictionary(grouping: ingest.archives, by: \.status.rawValue).mapValues(\.count)
            input.coverage.append(
                (
                    "this run's archives",
                    "\(by["ingested"] ?? 0) ingested, \(by["unchanged"] ?? 0) unchanged, \(by["rejected"] ?? 0) rejected"
                        + ((by["forgotten"] ?? 0) > 0 ? ", \(by["forgotten"]!) skipped as forgotten" : "")
                )
            )
        }
        input.problems = status.problems.map { ($0.kind, $0.severity, $0.count) }
        input.search = [
            ("objective", model.search.objective),
            (
                "configurations × policies",
                "\(model.search.configurations) × \(model.search.policies), k of n in \(model.search.metricsAgree)"
            ),
            ("thresholds evaluated", "\(model.search.thresholdsEvaluated)"),
            ("training", "\(model.training.from ?? "?") to \(model.training.until ?? "?")"),
            (
                "training counts",
                "\(model.trainingCounts.tp)/\(model.trainingCounts.bad) bad paused, \(model.trainingCounts.fp)/\(model.trainingCounts.good) good paused"
            ),
        ]
        if let unusable = model.search.unusable, !unusable.isEmpty {
            input.search.append(("no usable score on any training deploy (left out)", unusable.joined(separator: "; ")))
        }
        input.feedback = (model.search.feedback ?? []).map {
            "\($0.series) (\($0.rule)): \($0.kind), scale × \(String(format: "%.2f", $0.factor)) after \($0.deployId)"
        }
        input.rules = model.model.rules.map {
            ($0.scope.description, "\($0.rule.config), threshold \(fixed3($0.rule.threshold)), \($0.rule.policy)")
        }
        input.scopeDecisions = model.scopes.map { ($0.scope.description, ($0.accepted ? "chosen: " : "") + $0.reason) }
        input.changes = evaluation.changes
        input.stages = (record?.stages ?? []).map { s in
            .init(name: s.stage, status: s.status.rawValue, seconds: s.finishedAt.map { Double($0 - s.startedAt) })
        }
        let folder = "\(options.reports)/\(definition.name)"
        let files = ReportRenderer.render(input)
        for f in files { try AtomicFile.write(f.contents, to: "\(folder)/\(f.path)") }
        // This night's figures beside its report, then the trend page over every night kept there.
        let d = evaluation.model?.deploys
        let trendRow = TrendRow(
            date: input.date,
            runId: runId,
            bundle: input.bundle?.version,
            promoted: input.bundle?.promoted,
            bad: d?.bad ?? 0,
            good: d?.good ?? 0,
            precision: d.flatMap { $0.tp + $0.fp == 0 ? nil : $0.precision },
            recall: d.flatMap { $0.bad == 0 ? nil : $0.recall },
            falsePausesPer100: d.flatMap { $0.good == 0 ? nil : $0.falsePausesPer100 },
            delayMedianMinutes: evaluation.model?.delayMinutes.median,
            labelCoverage: l.alerts == 0 ? nil : Double(l.alertsWithVerdict) / Double(l.alerts)
        )
        let base = String(files[0].path.dropLast(3))
        try AtomicFile.write(
            Array(try BundleFormat.encoder().encode(trendRow)) + [0x0A],
            to: "\(folder)/\(base).trend.json"
        )
        var rows: [TrendRow] = []
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        where name.hasSuffix(".trend.json") {
            guard let data = FileManager.default.contents(atPath: "\(folder)/\(name)") else { continue }
            do { rows.append(try BundleFormat.decoder().decode(TrendRow.self, from: data)) } catch {
                throw StageError("The trend file '\(folder)/\(name)' does not decode: \(error).")
            }
        }
        for f in ReportRenderer.trend(pipeline: definition.name, rows: rows) {
            try AtomicFile.write(f.contents, to: "\(folder)/\(f.path)")
        }
        // The index of every pipeline's reports.
        var all: [String] = []
        var trends: [String] = []
        let pipelines = (try? FileManager.default.contentsOfDirectory(atPath: options.reports)) ?? []
        for p in pipelines.sorted() {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(options.reports)/\(p)")) ?? []
            all += names.filter { $0.hasSuffix(".md") && $0 != "README.md" && $0 != "trend.md" }.map { "\(p)/\($0)" }
            if names.contains("trend.md") { trends.append("\(p)/trend.md") }
        }
        let index = ReportRenderer.index(reports: all, trends: trends)
        try AtomicFile.write(index.contents, to: "\(options.reports)/\(index.path)")
        return "\(folder)/\(files[0].path)"
    }

    static func section(_ walk: WalkForward) -> ReportInput.WalkForward {
        var w = ReportInput.WalkForward(days: walk.days)
        w.note = walk.note
        guard let r = walk.report else { return w }
        w.from = String(r.from.prefix(10))
        w.to = String(r.to.prefix(10))
        w.model = r.model
        w.recordedGuard = r.recordedGuard
        w.untrained = r.untrainedDays
        w.perDay = r.days.map {
            .init(date: $0.date, model: $0.model, recordedGuard: $0.recordedGuard, threshold: $0.threshold)
        }
        w.misses = r.deploys.filter { $0.truth == .bad && !$0.caught }.map { m in
            .init(
                deployId: m.decision.deployId,
                app: m.app,
                what: "miss",
                detail: m.decision.decision == .pause
                    ? "paused before the fault began"
                    : BacktestRun.whyMissed(m.closest ?? [], affected: Set(m.affectedMetrics ?? []))
            )
        }
        return w
    }

    func summarize(runId: String, dir: String, store: HistoryStore) throws -> Summary {
        let decoder = BundleFormat.decoder()
        let record = try store.run(id: runId)
        var summary = Summary(runId: runId, pipeline: definition.name, status: "running", stages: [])
        if let p = try? decoder.decode(
            PublishRun.Result.self,
            from: FileManager.default.contents(atPath: "\(dir)/publish.json") ?? Data()
        ) {
            summary.bundle = .init(version: p.version, path: p.path, sha256: p.sha256, channel: p.channel)
            if let g = p.gate {
                summary.gate = .init(promoted: p.channel == "stable", reason: g.reason, belowFloors: g.belowFloors)
            }
        }
        if let e = try? decoder.decode(
            Evaluation.self,
            from: FileManager.default.contents(atPath: "\(dir)/evaluation.json") ?? Data()
        ) {
            summary.validation = e.model?.deploys
        }
        for s in record?.stages ?? [] {
            let figures = s.figures.flatMap { try? decoder.decode([String: String].self, from: Data($0.utf8)) }
            if s.stage == "report" { summary.report = figures?["report"] }
            summary.stages.append(
                .init(
                    stage: s.stage,
                    status: s.status.rawValue,
                    seconds: s.finishedAt.map { Double($0 - s.startedAt) },
                    figures: figures,
                    error: s.error
                )
            )
        }
        return summary
    }

    /// Archives in a directory, or matching a glob, sorted.
    public static func archives(in inputs: String) throws -> [String] {
        let suffixes = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".zip"]
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: inputs, isDirectory: &isDirectory), isDirectory.boolValue {
            return try FileManager.default.contentsOfDirectory(atPath: inputs)
                .filter { n in suffixes.contains { n.hasSuffix($0) } }.sorted().map { "\(inputs)/\($0)" }
        }
        var g = glob_t()
        defer { globfree(&g) }
        guard glob(inputs, 0, nil, &g) == 0 else { throw StageError("No archives match '\(inputs)'.") }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }
}

func fixed3(_ x: Double) -> String { String(format: "%.3f", x) }

/// Rule changes between two models, one line each.
public enum RuleChanges {
    public static func between(old a: GuardModel, new b: GuardModel) -> [String] {
        var changes: [String] = []
        let scopes = Set(a.rules.map(\.scope) + b.rules.map(\.scope)).sorted()
        func text(_ r: GuardRule) -> String { "\(r.config), threshold \(fixed3(r.threshold)), \(r.policy)" }
        for s in scopes {
            let x = a.rules.first { $0.scope == s }?.rule
            let y = b.rules.first { $0.scope == s }?.rule
            switch (x, y) {
            case (nil, let y?): changes.append("added \(s): \(text(y))")
            case (let x?, nil): changes.append("removed \(s): \(text(x))")
            case (let x?, let y?) where x != y: changes.append("\(s): \(text(x)) → \(text(y))")
            default: break
            }
        }
        if a.metricsAgree != b.metricsAgree {
            changes.append("metrics that must agree: \(a.metricsAgree) → \(b.metricsAgree)")
        }
        return changes
    }
}
