public import Crypto
internal import Foundation
internal import VigilCore
internal import VigilGuard
public import VigilStore

/// Bundle a tuned model, publish it as `candidate`, and promote it to `stable` if the gate lets it.
public enum PublishRun {
    public struct Result: Sendable, Codable {
        public var version: String
        public var path: String
        public var sha256: String
        /// `stable` when promoted (or already stable), else `candidate`.
        public var channel: String
        public var gate: GateDecision?
        /// The same inputs were published before: the registry already had this exact bundle.
        public var reused: Bool
    }

    public static func run(
        model: ModelFile,
        pipelineBytes: [UInt8],
        store: HistoryStore,
        registry: Registry,
        key: Curve25519.Signing.PrivateKey,
        tolerances: GateTolerances = GateTolerances()
    ) throws -> Result {
        let corpus = try StoreCorpus(store: store)
        let methods = Array(Set(model.model.configs.compactMap(\.seasonal))).sorted { $0.rawValue < $1.rawValue }
        let baselines = try StoreCorpus.baselines(
            for: corpus.deploys,
            methods: methods,
            until: model.historyUntil,
            period: model.model.seasonalPeriod,
            store: store
        )
        let inputs = BundleBuilder.Inputs(
            model: model,
            baselines: baselines,
            snapshot: try store.snapshot(),
            pipelineBytes: pipelineBytes
        )
        let digest = inputs.digest
        let index = try registry.index()
        let stable = try registry.pointer(.stable)
        let version: String
        let parent: String?
        let reused: Bool
        if let earlier = index.bundles.last(where: { $0.inputs == digest }) {
            (version, parent, reused) = (earlier.version, earlier.parent, true)
        } else {
            (version, parent, reused) = (
                try registry.nextVersion(day: inputs.createdAt()), stable?.version ?? index.bundles.last?.version, false
            )
        }
        let (bytes, manifest) = try BundleBuilder.build(inputs, version: version, parent: parent, key: key)
        let manifestBytes = Array(try BundleFormat.encoder().encode(manifest)) + [0x0A]
        let entry = try registry.publish(bytes: bytes, manifest: manifest, inputs: digest, manifestBytes: manifestBytes)
        if stable?.version == version {
            return Result(
                version: version,
                path: registry.bundlePath(version),
                sha256: entry.sha256,
                channel: "stable",
                gate: registry.gateDecision(version),
                reused: reused
            )
        }

        // The gate: the candidate and the incumbent on the same validation deploys, through the
        // guard's own loading and judging code.
        let candidate = try GuardBundle.load(path: registry.bundlePath(version), publicKey: key.publicKey)
        let from = model.validation.from.flatMap { RFC3339.parse($0) } ?? model.historyUntil
        let validation = corpus.deploys.filter { $0.startedAt >= from }
        let candidateFigures = DeployEvaluation(
            try StoreCorpus.judge(validation, truths: corpus.truths, judge: try candidate.judge(), store: store)
        ).deploys
        let incumbentJudge: DeployJudge
        let against: String
        if let stable {
            let incumbent = try GuardBundle.load(path: registry.bundlePath(stable.version), publicKey: key.publicKey)
            incumbentJudge = try incumbent.judge()
            against = "stable bundle \(stable.version)"
        } else {
            incumbentJudge = try DeployJudge(model: .staticThreeSigma)
            against = "static 3-sigma baseline"
        }
        let incumbentFigures = DeployEvaluation(
            try StoreCorpus.judge(validation, truths: corpus.truths, judge: incumbentJudge, store: store)
        ).deploys
        let decision = GateDecision.decide(
            version: version,
            candidate: candidateFigures,
            incumbent: incumbentFigures,
            against: against,
            incumbentIsBaseline: stable == nil,
            tolerances: tolerances
        )
        try registry.recordGate(decision, version: version)
        if decision.promoted {
            try registry.move(.stable, to: entry, at: manifest.createdAt, reason: decision.reason)
        }
        return Result(
            version: version,
            path: registry.bundlePath(version),
            sha256: entry.sha256,
            channel: decision.promoted ? "stable" : "candidate",
            gate: decision,
            reused: reused
        )
    }
}
