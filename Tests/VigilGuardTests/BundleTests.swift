import Crypto
import Foundation
import ServeTestSupport
import Testing
import VigilArchive
import VigilCore
import VigilGuard
import VigilPipeline
import VigilStore
import VigilSynth

/// One small tuned corpus shared by the bundle tests.
final class Corpus: Sendable {
    static let shared = try! Corpus()

    let store: HistoryStore
    let model: ModelFile
    let pipeline: [UInt8]
    let key: Curve25519.Signing.PrivateKey

    init() throws {
        let dir = try Self.temporaryDirectory()
        let written = try SampleData.write(SynthConfig(seed: 11, apps: 2, days: 5), to: dir)
        store = try HistoryStore()
        _ = try Ingestor(store: store).ingest(paths: written.archives)
        let yaml = """
            name: bundle-test
            search:
              split:
                validation_days: 2
              objective:
                f_beta: 1
              policy:
                consecutive: [1, 3]
              detectors:
                - name: zscore
                  modes: [before_after]
                - name: arima_ksigma
                  modes: [single_metric]
                  seasonal: [profile]
                  params:
                    p: [1]
                    d: [0]
                    q: [0]
            """
        pipeline = Array(yaml.utf8)
        model = try TuneRun.run(pipeline: try PipelineDefinition.parse(yaml, path: "p.yaml"), store: store)
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: Data(repeating: 7, count: 32))
    }

    static func temporaryDirectory() throws -> String {
        try Scratch.directory("bundle").path
    }

    func inputs(methods given: [SeasonalMethod]? = nil) throws -> BundleBuilder.Inputs {
        let methods =
            given ?? Array(Set(model.model.configs.compactMap(\.seasonal))).sorted { $0.rawValue < $1.rawValue }
        let baselines = try StoreCorpus.baselines(
            for: try store.allDeploys(),
            methods: methods,
            until: model.historyUntil,
            period: model.model.seasonalPeriod,
            store: store
        )
        return BundleBuilder.Inputs(
            model: model,
            baselines: baselines,
            snapshot: try store.snapshot(),
            pipelineBytes: pipeline
        )
    }

    func bundle(version: String = "2026.11.06.1") throws -> [UInt8] {
        try BundleBuilder.build(try inputs(), version: version, parent: nil, key: key).bytes
    }
}

struct BundleTests {
    static func write(_ bytes: [UInt8]) throws -> String {
        let path = "\(try Corpus.temporaryDirectory())/bundle.tar.gz"
        try AtomicFile.write(bytes, to: path)
        return path
    }

    @Test func twoBuildsFromTheSameInputsAreByteIdentical() throws {
        let a = try Corpus.shared.bundle()
        let b = try Corpus.shared.bundle()
        #expect(a == b)
        #expect(try Corpus.shared.bundle(version: "2026.11.06.2") != a)
    }

    /// Issue 13, item 1: data dated in the future never dates a bundle (nor its version) past the clock.
    @Test func aBundleIsNeverCreatedAfterTheWallClock() throws {
        var inputs = try Corpus.shared.inputs()
        let clock: Int64 = 1_796_000_000
        let data = try #require(inputs.snapshot.latestExport)
        #expect(inputs.createdAt(environment: [:], now: clock) == min(data, clock))
        inputs.snapshot.latestExport = 253_402_300_799  // 9999-12-31T23:59:59Z
        #expect(inputs.createdAt(environment: [:], now: clock) == clock)
        #expect(inputs.createdAt(environment: ["SOURCE_DATE_EPOCH": "253402300799"], now: clock) == clock)
    }

    @Test func aBundleLoadsVerifiedAndJudgesAsTheModelFile() throws {
        let corpus = Corpus.shared
        let loaded = try GuardBundle.load(path: try Self.write(corpus.bundle()), publicKey: corpus.key.publicKey)
        #expect(loaded.model == corpus.model.model)
        #expect(loaded.manifest.version == "2026.11.06.1")
        #expect(loaded.manifest.hashes.pipeline == BundleFormat.sha256Hex(corpus.pipeline))

        // Seasonal baselines travel bit for bit.
        let seasonal = try corpus.inputs(methods: [.profile, .stl])
        #expect(!seasonal.baselines.baselines.isEmpty)
        let built = try BundleBuilder.build(seasonal, version: "2026.11.06.1", parent: nil, key: corpus.key).bytes
        let back = try GuardBundle.load(path: try Self.write(built), publicKey: corpus.key.publicKey)
        let encoder = BundleFormat.encoder()
        #expect(
            try encoder.encode(BaselineEntry.entries(of: back.baselines))
                == encoder.encode(BaselineEntry.entries(of: seasonal.baselines))
        )

        // Replay equals evaluation: the bundle's judge gives the validation figures tune reported.
        let all = try StoreCorpus(store: corpus.store)
        let from = try #require(corpus.model.validation.from.flatMap { RFC3339.parse($0) })
        let validation = all.deploys.filter { $0.startedAt >= from }
        let replayed = DeployEvaluation(
            try StoreCorpus.judge(validation, truths: all.truths, judge: try loaded.judge(), store: corpus.store)
        )
        let reported = try #require(corpus.model.validationFigures)
        #expect(replayed.deploys == reported.deploys, "\(replayed.deploys) vs \(reported.deploys)")
        #expect(replayed.missed == reported.missed && replayed.falsePauses == reported.falsePauses)
        #expect(replayed.delayMinutes == reported.delayMinutes)
    }

    /// Any flipped byte is refused, unless it sits in one of the few deflate bits a decoder
    /// ignores: then the bundle that loads is byte for byte the signed one. (Refusing those
    /// too would mean comparing against this machine's zlib output, which another zlib build
    /// need not reproduce: a guard host could refuse a valid bundle.)
    @Test func flippingAnyByteIsRefusedOrChangesNothing() throws {
        let corpus = Corpus.shared
        let bytes = try corpus.bundle()
        // Every byte of the gzip header and trailer, and a spread through the body.
        var positions = Array(0..<10) + Array((bytes.count - 8)..<bytes.count)
        positions += Array(Swift.stride(from: 10, to: bytes.count - 8, by: max(1, bytes.count / 80)))
        for position in positions {
            var copy = bytes
            copy[position] ^= 0x01
            let refused: Bool
            do {
                _ = try GuardBundle.load(path: try Self.write(copy), publicKey: corpus.key.publicKey)
                refused = false
            } catch { refused = true }
            if position < 10 || position >= bytes.count - 8 {
                #expect(refused, "gzip header or trailer byte \(position) flipped and the bundle still loads")
            } else if !refused {
                #expect(
                    try Self.files(of: copy) == Self.files(of: bytes),
                    "byte \(position) of \(bytes.count) flipped and a different bundle loads"
                )
            }
        }
    }

    static func files(of bytes: [UInt8]) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        try ArchiveReader.forEachEntry(inArchiveAt: try write(bytes)) { e in
            if case .file(let p, let c) = e { files[p] = c }
        }
        return files
    }

    /// Seeded fuzz (issue 13): mutated model and baseline files, re-hashed and re-signed with
    /// the trusted key so the mutations reach the decoders and the judge. Each bundle loads
    /// (and judges) or is refused; none crashes. `VIGIL_FUZZ_ITERATIONS` makes longer runs.
    @Test func signedGarbageIsRefusedOrJudgedNeverACrash() throws {
        let corpus = Corpus.shared
        let files = try Self.files(of: corpus.bundle())
        let iterations = Int(ProcessInfo.processInfo.environment["VIGIL_FUZZ_ITERATIONS"] ?? "") ?? 200
        var g = SplitMix64(seed: UInt64(ProcessInfo.processInfo.environment["VIGIL_FUZZ_SEED"] ?? "") ?? 61_206)
        let decoder = BundleFormat.decoder()
        var manifest = try decoder.decode(BundleManifest.self, from: Data(files[BundleFormat.manifestPath]!))
        var loaded = 0
        for _ in 0..<iterations {
            var mutated = files
            let target = Bool.random(using: &g) ? BundleFormat.modelPath : BundleFormat.baselinesPath
            var bytes = mutated[target]!
            for _ in 0..<Int.random(in: 1...4, using: &g) where !bytes.isEmpty {
                let i = Int.random(in: 0..<bytes.count, using: &g)
                switch Int.random(in: 0..<3, using: &g) {
                case 0:
                    bytes[i] =
                        [0x30, 0x39, 0x2D, 0x22, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x65][Int.random(in: 0..<10, using: &g)]
                case 1: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...32, using: &g)))
                default: bytes.insert(contentsOf: Array("1e308".utf8), at: i)
                }
            }
            mutated[target] = bytes
            manifest.files[target] = BundleFormat.sha256Hex(bytes)
            let manifestBytes = Array(try BundleFormat.encoder().encode(manifest)) + [0x0A]
            mutated[BundleFormat.manifestPath] = manifestBytes
            mutated[BundleFormat.signaturePath] = Array(
                (try corpus.key.signature(for: Data(manifestBytes)).base64EncodedString() + "\n").utf8
            )
            guard let bundle = try? GuardBundle.verify(files: mutated, name: "fuzz", publicKey: corpus.key.publicKey)
            else { continue }
            loaded += 1
            if let judge = try? bundle.judge() {
                for d in try corpus.store.allDeploys().prefix(2) {
                    _ = judge.judge(try StoreCorpus.evidence(d, store: corpus.store))
                }
            }
        }
        #expect(loaded <= iterations)
    }

    @Test func eachKindOfBadBundleSaysWhich() throws {
        let corpus = Corpus.shared
        let files = try Self.files(of: corpus.bundle())
        func reason(_ f: [String: [UInt8]], key: Curve25519.Signing.PublicKey? = nil) -> BundleError.Reason? {
            do {
                _ = try GuardBundle.verify(files: f, name: "b", publicKey: key ?? corpus.key.publicKey)
                return nil
            } catch { return error.reason }
        }
        #expect(reason(files) == nil)
        var unsigned = files
        unsigned[BundleFormat.signaturePath] = nil
        #expect(reason(unsigned) == .unsigned)
        let otherKey = Curve25519.Signing.PrivateKey().publicKey
        #expect(reason(files, key: otherKey) == .badSignature)
        var future = files
        future[BundleFormat.headerPath] = Array(#"{"format": "vigil-bundle", "format_version": 99}"#.utf8)
        #expect(reason(future) == .futureFormat)
        var tampered = files
        tampered[BundleFormat.modelPath]![10] ^= 1
        #expect(reason(tampered) == .tampered)
        var extra = files
        extra["extra.bin"] = [1, 2, 3]
        #expect(reason(extra) == .tampered)
        var missing = files
        missing[BundleFormat.baselinesPath] = nil
        #expect(reason(missing) == .truncated)
        // Issue 13, item 5: asked for under another version than the signed one; a file twice.
        let bytes = try corpus.bundle()
        let path = try Self.write(bytes)
        #expect(
            try GuardBundle.load(path: path, publicKey: corpus.key.publicKey, version: "2026.11.06.1").manifest.version
                == "2026.11.06.1"
        )
        do {
            _ = try GuardBundle.load(path: path, publicKey: corpus.key.publicKey, version: "2026.11.16.1")
            Issue.record("a bundle signed as 2026.11.06.1 loaded as 2026.11.16.1")
        } catch {
            #expect(error.reason == .wrongVersion)
            #expect(error.message.contains("signed as version 2026.11.06.1, not 2026.11.16.1"))
        }
        let inMemory = try Self.files(of: bytes).sorted { $0.key < $1.key }.map {
            InMemoryFile(path: $0.key, contents: $0.value)
        }
        var twice = inMemory
        twice.append(InMemoryFile(path: "./" + BundleFormat.modelPath, contents: Array("{}".utf8)))
        let twicePath = try Self.write(try ArchiveWriter.archive(twice, as: .tarGzip, modificationTime: 0))
        do {
            _ = try GuardBundle.load(path: twicePath, publicKey: corpus.key.publicKey)
            Issue.record("a bundle holding model.json twice loaded")
        } catch {
            #expect(error.reason == .tampered)
            #expect(error.message.contains("holds model.json twice"))
        }
        // A truncated file on disk.
        #expect(throws: BundleError.self) {
            try GuardBundle.load(
                path: try Self.write(Array(bytes.prefix(bytes.count / 2))),
                publicKey: corpus.key.publicKey
            )
        }
    }
}

struct RegistryTests {
    static func publish(_ registry: Registry) throws -> PublishRun.Result {
        let corpus = Corpus.shared
        return try PublishRun.run(
            model: corpus.model,
            pipelineBytes: corpus.pipeline,
            store: corpus.store,
            registry: registry,
            key: corpus.key
        )
    }

    @Test func publishGatesPromotesAndIsIdempotent() throws {
        let registry = Registry(root: try Corpus.temporaryDirectory())
        let first = try Self.publish(registry)
        let gate = try #require(first.gate)
        // The first bundle is held to what the guard that ran online did (issue 16, item 6).
        #expect(gate.against == "recorded guard (what ran online)")
        #expect(first.channel == (gate.promoted ? "stable" : "candidate"))
        #expect(try registry.pointer(.candidate)?.version == first.version)
        // The same inputs again: the same version and bytes, nothing new.
        let again = try Self.publish(registry)
        #expect(again.version == first.version && again.sha256 == first.sha256 && again.reused)
        #expect(try registry.index().bundles.count == 1)
        #expect(registry.consistencyProblems().isEmpty)
    }

    @Test func aPublishKilledAtAnyStepLeavesTheRegistryConsistent() throws {
        struct Crash: Error {}
        for step in ["bundle-written", "index-written", "candidate-pointed"] {
            var registry = Registry(root: try Corpus.temporaryDirectory())
            registry.failpoint = { if $0 == step { throw Crash() } }
            #expect(throws: (any Error).self, "\(step)") { _ = try Self.publish(registry) }
            #expect(registry.consistencyProblems().isEmpty, "after a crash at \(step)")
            // The next run finishes the job.
            registry.failpoint = nil
            let result = try Self.publish(registry)
            #expect(registry.consistencyProblems().isEmpty)
            #expect(try registry.pointer(.candidate)?.version == result.version)
        }
    }

    @Test func aPromotionKilledBetweenIndexAndPointerLeavesTheRegistryConsistent() throws {
        struct Crash: Error {}
        var registry = Registry(root: try Corpus.temporaryDirectory())
        let result = try Self.publish(registry)
        let entry = try #require(try registry.index().bundles.first { $0.version == result.version })
        registry.failpoint = { if $0 == "stable-marked" { throw Crash() } }
        #expect(throws: Crash.self) { try registry.move(.stable, to: entry, at: "t", reason: "r") }
        #expect(registry.consistencyProblems().isEmpty)
        registry.failpoint = nil
        try registry.move(.stable, to: entry, at: "t", reason: "r")
        #expect(try registry.pointer(.stable)?.version == result.version)
    }

    @Test func gateRefusesARegressionAndKeepsStable() {
        func figures(tp: Int, fp: Int, fn: Int, good: Int) -> DeployFigures {
            var c = DeployCounts()
            c.tp = tp
            c.fp = fp
            c.fn = fn
            c.bad = tp + fn
            c.good = good
            return DeployFigures(c)
        }
        let stable = figures(tp: 8, fp: 1, fn: 2, good: 100)
        let worse = figures(tp: 7, fp: 1, fn: 3, good: 100)
        let same = figures(tp: 8, fp: 1, fn: 2, good: 100)
        let noisier = figures(tp: 8, fp: 2, fn: 2, good: 100)
        let t = GateTolerances()
        #expect(
            !GateDecision.decide(version: "v", candidate: worse, incumbent: stable, against: "s", tolerances: t)
                .promoted
        )
        #expect(
            GateDecision.decide(version: "v", candidate: same, incumbent: stable, against: "s", tolerances: t).promoted
        )
        let d = GateDecision.decide(version: "v", candidate: noisier, incumbent: stable, against: "s", tolerances: t)
        #expect(!d.promoted)
        #expect(d.reason.contains("false pauses"))
        // Against the static baseline, its trivially high recall is no bar; F1 and false pauses are.
        let baseline = figures(tp: 10, fp: 90, fn: 0, good: 100)
        #expect(
            GateDecision.decide(
                version: "v",
                candidate: stable,
                incumbent: baseline,
                against: "b",
                incumbentIsBaseline: true,
                tolerances: t
            ).promoted
        )
    }

    /// Issue 16, item 2: the registry takes bundles only from the keys it trusts.
    @Test func aRegistryRefusesBundlesSignedByAKeyItDoesNotTrust() throws {
        let registry = Registry(root: try Corpus.temporaryDirectory())
        let corpus = Corpus.shared
        let inputs = try corpus.inputs()
        func publish(_ i: Int, _ key: Curve25519.Signing.PrivateKey) throws {
            let (bytes, manifest) = try BundleBuilder.build(inputs, version: "2026.11.06.\(i)", parent: nil, key: key)
            _ = try registry.publish(
                bytes: bytes,
                manifest: manifest,
                inputs: "i\(i)",
                manifestBytes: Array(try BundleFormat.encoder().encode(manifest)),
                signer: key.publicKey
            )
        }
        #expect(try registry.trustedKeys() == nil)
        try publish(1, corpus.key)
        #expect(
            try registry.trustedKeys()?.active.map(\.fingerprint) == [TrustedKeys.fingerprint(corpus.key.publicKey)]
        )
        let other = Curve25519.Signing.PrivateKey()
        #expect(throws: StageError.self) { try publish(2, other) }
        #expect(try registry.index().bundles.map(\.version) == ["2026.11.06.1"])
        try registry.rotateKey(to: other.publicKey, retireOthers: true, reason: "rotation", at: "2026-12-06T00:00:00Z")
        try publish(2, other)
        #expect(throws: StageError.self) { try publish(3, corpus.key) }
        let keys = try #require(try registry.trustedKeys())
        #expect(keys.keys.count == 2)
        #expect(keys.keys[0].retiredAt == "2026-12-06T00:00:00Z")
        #expect(keys.keys[1].reason == "rotation")
    }

    /// Issue 16, item 11: rolling back steps back through stable's history, and every move
    /// records who made it, when (wall clock) and why.
    @Test func rollbackStepsBackAndTheHistoryIsAnAuditTrail() throws {
        let registry = Registry(root: try Corpus.temporaryDirectory())
        let corpus = Corpus.shared
        let inputs = try corpus.inputs()
        var entries: [Registry.Entry] = []
        for i in 1...3 {
            let (bytes, manifest) = try BundleBuilder.build(
                inputs,
                version: "2026.11.06.\(i)",
                parent: nil,
                key: corpus.key
            )
            entries.append(
                try registry.publish(
                    bytes: bytes,
                    manifest: manifest,
                    inputs: "i\(i)",
                    manifestBytes: Array(try BundleFormat.encoder().encode(manifest)),
                    signer: corpus.key.publicKey
                )
            )
        }
        for e in entries { try registry.move(.stable, to: e, at: "t", reason: "r") }
        #expect(try registry.rollback(at: "r1").version == entries[1].version)
        #expect(try registry.rollback(at: "r2").version == entries[0].version)
        #expect(throws: StageError.self) { try registry.rollback(at: "r3") }
        #expect(try registry.pointer(.stable)?.version == entries[0].version)
        let history = try #require(try registry.pointer(.stable)?.history)
        #expect(history.suffix(2).map(\.kind) == [.rollback, .rollback])
        #expect(history.last?.by?.contains("@") == true)
        let published = try #require(try registry.pointer(.candidate)?.history.last)
        #expect(published.kind == .publish)
        #expect(published.dataTime != nil && published.at != published.dataTime)
    }

    @Test func rollbackAndGcKeepWhatWasEverStable() throws {
        let root = try Corpus.temporaryDirectory()
        let registry = Registry(root: root)
        let corpus = Corpus.shared
        let inputs = try corpus.inputs()
        var entries: [Registry.Entry] = []
        for i in 1...4 {
            let (bytes, manifest) = try BundleBuilder.build(
                inputs,
                version: "2026.11.06.\(i)",
                parent: nil,
                key: corpus.key
            )
            let mbytes = Array(try BundleFormat.encoder().encode(manifest))
            entries.append(
                try registry.publish(
                    bytes: bytes,
                    manifest: manifest,
                    inputs: "i\(i)",
                    manifestBytes: mbytes,
                    signer: corpus.key.publicKey
                )
            )
        }
        try registry.move(.stable, to: entries[0], at: "t1", reason: "first")
        try registry.move(.stable, to: entries[1], at: "t2", reason: "second")
        #expect(try registry.rollback(at: "t3").version == entries[0].version)
        #expect(try registry.pointer(.stable)?.version == entries[0].version)
        let removed = try registry.gc(keep: 1)
        // 1 and 2 were stable, 4 is the candidate and the newest: only 3 goes.
        #expect(removed == ["2026.11.06.3"])
        #expect(registry.consistencyProblems().isEmpty)
    }
}
