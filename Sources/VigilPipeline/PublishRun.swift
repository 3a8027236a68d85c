public import Crypto
internal import Foundation
internal import VigilCore
public import VigilGuard
public import VigilStore

/// Gate, bundle and publish a tuned model: the last stages of the nightly run, also behind
/// `vigil bundle publish`.
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

    /// The bundle about to be published.
    public struct Built: Sendable {
        public var bytes: [UInt8]
        public var manifest: BundleManifest
        public var manifestBytes: [UInt8]
        public var inputsDigest: String
        public var reused: Bool
        /// The public half of the key that signed it: the registry must trust it.
        public var signer: Curve25519.Signing.PublicKey
    }

    /// The candidate model and the incumbent (the stable bundle, else the static baseline) on
    /// the same validation deploys, through the guard's judge.
    public static func gate(
        model: ModelFile,
        store: HistoryStore,
        registry: Registry,
        publicKey: Curve25519.Signing.PublicKey,
        tolerances: GateTolerances
    ) throws -> GateDecision {
        let corpus = try StoreCorpus(store: store)
        let stable = try registry.pointer(.stable)
        var incumbentBundle: GuardBundle?
        var from = model.validation.from.flatMap { RFC3339.parse($0) } ?? model.historyUntil
        if let stable {
            let bundle = try GuardBundle.load(
                path: registry.bundlePath(stable.version),
                publicKey: publicKey,
                version: stable.version
            )
            // Never judge the incumbent on days it trained on: start after both training windows.
            if let until = bundle.manifest.trainingWindow.until.flatMap({ RFC3339.parse($0) }) {
                from = max(from, until)
            }
            incumbentBundle = bundle
        }
        let validation = corpus.deploys.filter { $0.startedAt >= from }
        let candidate = try DeployJudge(
            model: model.model,
            baselines: try baselines(for: model, corpus: corpus, store: store)
        )
        let candidateFigures = DeployEvaluation(
            try StoreCorpus.judge(validation, truths: corpus.truths, judge: candidate, store: store)
        ).deploys
        let incumbentJudge: DeployJudge
        let against: String
        if let stable, let incumbentBundle {
            incumbentJudge = try incumbentBundle.judge()
            against = "stable bundle \(stable.version)"
        } else {
            incumbentJudge = try DeployJudge(model: .staticThreeSigma)
            against = "static 3-sigma baseline"
        }
        // The first bundle is held to what the guard that ran online did on the same deploys
        // (from the archives) when it ran on them; the synthetic 3-sigma only when it did not.
        if stable == nil, let recorded = RecordedGuard.evaluate(validation, truths: corpus.truths),
            recorded.deploys.bad + recorded.deploys.good > 0
        {
            return GateDecision.decide(
                version: "",
                candidate: candidateFigures,
                incumbent: recorded.deploys,
                against: "recorded guard (what ran online)",
                incumbentIsBaseline: true,
                tolerances: tolerances
            )
        }
        let incumbentFigures = DeployEvaluation(
            try StoreCorpus.judge(validation, truths: corpus.truths, judge: incumbentJudge, store: store)
        ).deploys
        return GateDecision.decide(
            version: "",
            candidate: candidateFigures,
            incumbent: incumbentFigures,
            against: against,
            incumbentIsBaseline: stable == nil,
            tolerances: tolerances
        )
    }

    static func baselines(for model: ModelFile, corpus: StoreCorpus, store: HistoryStore) throws -> BaselineSet {
        let methods = Array(Set(model.model.configs.compactMap(\.seasonal))).sorted { $0.rawValue < $1.rawValue }
        return try StoreCorpus.baselines(
            for: corpus.deploys,
            methods: methods,
            until: model.historyUntil,
            period: model.model.seasonalPeriod,
            store: store
        )
    }

    /// Builds the signed bundle; a rerun with the same inputs gets the same version and bytes.
    public static func build(
        model: ModelFile,
        pipelineBytes: [UInt8],
        store: HistoryStore,
        registry: Registry,
        key: Curve25519.Signing.PrivateKey
    ) throws -> Built {
        let corpus = try StoreCorpus(store: store)
        let inputs = BundleBuilder.Inputs(
            model: model,
            baselines: try baselines(for: model, corpus: corpus, store: store),
            snapshot: try store.snapshot(),
            pipelineBytes: pipelineBytes
        )
        let digest = try inputs.digest(signer: key.publicKey)
        let index = try registry.index()
        let version: String
        let parent: String?
        let reused: Bool
        if let earlier = index.bundles.last(where: { $0.inputs == digest }) {
            (version, parent, reused) = (earlier.version, earlier.parent, true)
        } else {
            (version, parent, reused) = (
                try registry.nextVersion(day: inputs.createdAt()),
                try registry.pointer(.stable)?.version ?? index.bundles.last?.version, false
            )
        }
        let (bytes, manifest) = try BundleBuilder.build(inputs, version: version, parent: parent, key: key)
        return Built(
            bytes: bytes,
            manifest: manifest,
            manifestBytes: Array(try BundleFormat.encoder().encode(manifest)) + [0x0A],
            inputsDigest: digest,
            reused: reused,
            signer: key.publicKey
        )
    }

    /// Publishes as candidate, then moves stable when the gate passed (and records the decision).
    public static func publish(_ built: Built, gate: GateDecision, registry: Registry) throws -> Result {
        let version = built.manifest.version
        let stableBefore = try registry.pointer(.stable)?.version
        let entry = try registry.publish(
            bytes: built.bytes,
            manifest: built.manifest,
            inputs: built.inputsDigest,
            manifestBytes: built.manifestBytes,
            signer: built.signer
        )
        if stableBefore == version {
            return Result(
                version: version,
                path: registry.bundlePath(version),
                sha256: entry.sha256,
                channel: "stable",
                gate: registry.gateDecision(version),
                reused: built.reused
            )
        }
        var decision = gate
        decision.version = version
        try registry.recordGate(decision, version: version)
        if decision.promoted {
            try registry.move(
                .stable,
                to: entry,
                move: .init(
                    version: version,
                    at: Registry.wallClock(),
                    reason: decision.reason,
                    kind: .gate,
                    by: Registry.who(),
                    dataTime: built.manifest.createdAt
                )
            )
        }
        return Result(
            version: version,
            path: registry.bundlePath(version),
            sha256: entry.sha256,
            channel: decision.promoted ? "stable" : "candidate",
            gate: decision,
            reused: built.reused
        )
    }

    /// Gate, build and publish in one go.
    public static func run(
        model: ModelFile,
        pipelineBytes: [UInt8],
        store: HistoryStore,
        registry: Registry,
        key: Curve25519.Signing.PrivateKey,
        tolerances: GateTolerances = GateTolerances()
    ) throws -> Result {
        let built = try build(model: model, pipelineBytes: pipelineBytes, store: store, registry: registry, key: key)
        if try registry.pointer(.stable)?.version == built.manifest.version {
            return try publish(
                built,
                gate: registry.gateDecision(built.manifest.version) ?? dummyGate(),
                registry: registry
            )
        }
        let decision = try gate(
            model: model,
            store: store,
            registry: registry,
            publicKey: key.publicKey,
            tolerances: tolerances
        )
        return try publish(built, gate: decision, registry: registry)
    }

    static func dummyGate() -> GateDecision {
        let empty = DeployFigures(DeployCounts())
        return GateDecision(
            version: "",
            promoted: true,
            belowFloors: nil,
            reason: "already stable",
            against: "",
            candidate: empty,
            incumbent: empty,
            tolerances: GateTolerances()
        )
    }
}
