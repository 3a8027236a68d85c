internal import Foundation
public import VigilCore
public import VigilStore

/// What `vigil tune` writes: the tuned model, how it was found, and how it did on days the search never saw.
public struct ModelFile: Sendable, Codable {
    public static let format = "vigil-model"
    public static let formatVersion = 1

    public struct Window: Sendable, Hashable, Codable {
        public var from: String?
        public var until: String?
    }

    public struct SearchSummary: Sendable, Hashable, Codable {
        public var configurations: Int
        public var policies: Int
        public var metricsAgree: [Int]
        public var candidatesEvaluated: Int
        public var thresholdsEvaluated: Int
        public var objective: String
        /// Calibrated search only: how the rule set came about.
        public var ruleSearch: [RuleSetStep]?
        /// Candidates that produced no usable score on any training deploy (never kept silently).
        public var unusable: [String]?
        /// What feedback labels changed in the calibrations.
        public var feedback: [FeedbackChange]?
        /// Normal-operation samples (placebos) the calibrations were fitted on.
        public var nullSamples: Int?

        enum CodingKeys: String, CodingKey {
            case configurations, policies, objective, unusable, feedback
            case metricsAgree = "metrics_agree"
            case candidatesEvaluated = "candidates_evaluated"
            case thresholdsEvaluated = "thresholds_evaluated"
            case ruleSearch = "rule_search"
            case nullSamples = "null_samples"
        }
    }

    public var format: String
    public var formatVersion: Int
    public var pipeline: String
    /// Deploys that started in `[from, until)` trained the model.
    public var training: Window
    /// Deploys that started at or after `validation.from` validated it.
    public var validation: Window
    /// Seasonal baselines are fitted on history before this Unix time (the end of training).
    public var historyUntil: Int64
    public var model: GuardModel
    public var scopes: [ScopeDecision]
    public var search: SearchSummary
    /// The model's counts on the labeled training deploys.
    public var trainingCounts: DeployCounts
    /// Whether the global rule met the objective's constraints on the training deploys.
    public var feasible: Bool
    /// The model and the static 3-sigma baseline on the validation deploys.
    public var validationFigures: DeployEvaluation?
    public var baselineFigures: DeployEvaluation?

    enum CodingKeys: String, CodingKey {
        case format, pipeline, training, validation, model, scopes, search, feasible
        case formatVersion = "format_version"
        case historyUntil = "history_until"
        case trainingCounts = "training_counts"
        case validationFigures = "validation_figures"
        case baselineFigures = "baseline_figures"
    }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [UInt8(ascii: "\n")]
    }

    /// Reads a model file, refusing other formats and newer versions.
    public static func load(path: String) throws -> ModelFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StageError("Cannot read the model file '\(path)'.")
        }
        struct Header: Decodable {
            var format: String?
            var format_version: Int?
        }
        guard let header = try? JSONDecoder().decode(Header.self, from: data) else {
            throw StageError("'\(path)' is not JSON.")
        }
        guard header.format == format else {
            throw StageError("'\(path)' is not a vigil model file (format '\(header.format ?? "none")').")
        }
        guard let version = header.format_version, version <= formatVersion else {
            throw StageError(
                "'\(path)' has model format version \(header.format_version.map(String.init) ?? "none"); this vigil reads up to \(formatVersion)."
            )
        }
        do {
            return try JSONDecoder().decode(ModelFile.self, from: data)
        } catch {
            throw StageError("'\(path)' is not a valid model file: \(error)")
        }
    }
}

/// A stage failed for a reason the user can act on.
public struct StageError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Deploys, their ground truth and series, as the tuning and evaluation stages read them from the store.
public struct StoreCorpus: Sendable {
    public var deploys: [Deploy]
    public var truths: [String: DeployTruth]

    public init(store: HistoryStore) throws {
        try self.init(store: store, knownAt: nil)
    }

    /// The corpus a nightly run at `time` would have seen (every deploy and label when `nil`):
    /// deploys started before it from archives of periods that ended by then, and the labels
    /// of those archives.
    public init(store: HistoryStore, knownAt time: Int64?) throws {
        let all = try time.map { try store.deploys(knownAt: $0) } ?? store.allDeploys()
        deploys = all.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
        truths = try store.groundTruths(knownAt: time)
    }

    /// The deploy's record and every host series of its metrics.
    public static func evidence(_ deploy: Deploy, store: HistoryStore) throws -> DeployEvidence {
        var series: [String: [HostSeries]] = [:]
        for metric in deploy.metrics {
            series[metric.name] = try store.series(deployId: deploy.id, metric: metric.name)
        }
        return DeployEvidence(deploy: deploy, series: series)
    }

    /// Seasonal baselines for every (app, metric) of `deploys` and each of `methods`, fitted on the
    /// app's history strictly before `until` (so validation days never shape them).
    public static func baselines(
        for deploys: [Deploy],
        methods: [SeasonalMethod],
        until: Int64,
        period: Int64,
        store: HistoryStore
    ) throws -> BaselineSet {
        guard !methods.isEmpty else { return BaselineSet() }
        var pairs = Set<[String]>()
        for d in deploys { for m in d.metrics { pairs.insert([d.app, m.name]) } }
        var set = BaselineSet()
        for pair in pairs.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let history = try store.history(app: pair[0], metric: pair[1]) else { continue }
            let kept =
                history.count == 0
                ? 0 : max(0, min(history.count, Int((until - history.start + history.step - 1) / history.step)))
            guard kept > 0 else { continue }
            let before = RegularSeries(
                start: history.start,
                step: history.step,
                values: Array(history.values.prefix(kept))
            )
            for method in methods {
                if let b = SeasonalBaseline.fit(method, history: before, period: period) {
                    set.baselines[.init(app: pair[0], metric: pair[1], method: method)] = b
                }
            }
        }
        return set
    }

    /// Judges `deploys` with `judge` on every core; results in the order of `deploys`.
    public static func judge(
        _ deploys: [Deploy],
        truths: [String: DeployTruth],
        judge: DeployJudge,
        store: HistoryStore
    ) throws -> [JudgedDeploy] {
        let inputs = try deploys.map { try Self.evidence($0, store: store) }
        var decisions = [DeployDecision?](repeating: nil, count: deploys.count)
        decisions.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: inputs.count) { i in
                out[i] = judge.judge(inputs[i])
            }
        }
        return deploys.indices.map { i in
            let truth =
                truths[deploys[i].id]
                ?? GroundTruth.evaluate(deploy: deploys[i], verdicts: [:], incidents: [])
            return JudgedDeploy(deploy: deploys[i], truth: truth, decision: decisions[i]!)
        }
    }
}
