import ArgumentParser
import Crypto
internal import Foundation
import VigilCore
import VigilGuard
import VigilPipeline

/// Where the registry and the signing keys are.
struct RegistryOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp("The registry directory (default $VIGIL_REGISTRY, else .vigil/registry).", valueName: "dir")
    )
    var registry: String?

    var registryPath: String {
        registry ?? ProcessInfo.processInfo.environment["VIGIL_REGISTRY"] ?? ".vigil/registry"
    }
}

struct KeyOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Ed25519 public key (default $VIGIL_PUBLIC_KEY, else .vigil/keys/signing.pub).",
            valueName: "file"
        )
    )
    var publicKey: String?

    var publicKeyPath: String {
        publicKey ?? ProcessInfo.processInfo.environment["VIGIL_PUBLIC_KEY"] ?? ".vigil/keys/signing.pub"
    }

    func load() throws -> Curve25519.Signing.PublicKey {
        do { return try SigningKeys.publicKey(path: publicKeyPath) } catch {
            throw failure(
                .noInput,
                "\(error.message) A guard verifies with the publisher's signing.pub: pass it with --public-key "
                    + "(or $VIGIL_PUBLIC_KEY). Publishers create a pair with vigil bundle keygen."
            )
        }
    }
}

func signingKeyPath(_ given: String?) -> String {
    given ?? ProcessInfo.processInfo.environment["VIGIL_SIGNING_KEY"] ?? ".vigil/keys/signing.key"
}

struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Build, publish, verify and manage signed model bundles in a registry.",
        discussion: """
            A bundle is a reproducible .tar.gz with a signed manifest (docs/Registry.md). Publishing puts
            it on the candidate channel; the promotion gate moves it to stable only if it does not fall
            behind the current stable bundle (or, for the first, the static 3-sigma baseline) on the
            same validation deploys.
            """,
        subcommands: [
            Keygen.self, RotateKey.self, Publish.self, List.self, Show.self, Verify.self, Promote.self, Rollback.self,
            Diff.self, GC.self,
        ]
    )

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an Ed25519 key pair for signing bundles.")

        @Option(help: ArgumentHelp("Directory for signing.key and signing.pub.", valueName: "dir"))
        var outDir = ".vigil/keys"

        @Flag(help: "Replace existing keys.")
        var force = false

        func run() throws {
            let keyPath = "\(outDir)/signing.key"
            if FileManager.default.fileExists(atPath: keyPath) && !force {
                throw ValidationError(
                    "'\(keyPath)' exists; pass --force to replace it (bundles signed with it will no longer verify)."
                )
            }
            let pub = try NightlyRun.createSigningKey(at: keyPath)
            print("private key: \(keyPath) (keep it secret)\npublic key:  \(pub) (give it to the guards)")
            print("a registry that already trusts another key takes this one after: vigil bundle rotate-key")
        }
    }

    struct RotateKey: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-key",
            abstract: "Make the registry trust another signing key (recorded, with who and why).",
            discussion: """
                A registry takes bundles signed only by the keys in its keys.json: the first publish
                records its key, and a run signed by any other key fails (a wrong --signing-key path
                must not publish bundles no guard can verify). To change keys: give the guards the new
                public key, then
                  vigil bundle rotate-key --registry DIR --public-key new/signing.pub --reason "yearly rotation"
                and run with the new private key. --retire-others stops accepting the old keys (bundles
                already signed by them stay in the registry and verify with the old public key).
                """
        )

        @Option(help: ArgumentHelp("The registry.", valueName: "dir"))
        var registry = ProcessInfo.processInfo.environment["VIGIL_REGISTRY"] ?? ".vigil/registry"

        @Option(help: ArgumentHelp("The new public key (a signing.pub file).", valueName: "file"))
        var publicKey: String

        @Option(help: "Why (recorded with the key).")
        var reason: String

        @Flag(help: "Stop accepting every other key.")
        var retireOthers = false

        @Flag(help: "Print the registry's key list as JSON.")
        var json = false

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why; it is recorded with the key.")
            }
        }

        func run() throws {
            let key: Curve25519.Signing.PublicKey
            do { key = try SigningKeys.publicKey(path: publicKey) } catch { throw failure(.noInput, error.message) }
            let keys = try Registry(root: registry).rotateKey(
                to: key,
                retireOthers: retireOthers,
                reason: reason,
                at: RFC3339.format(Int64(Date().timeIntervalSince1970))
            )
            if json { return try Output.printJSON(keys) }
            for k in keys.keys {
                print(
                    "\(k.fingerprint)  \(k.retiredAt.map { "retired \($0)" } ?? "trusted")  added \(k.addedAt) by "
                        + "\(k.addedBy): \(k.reason)"
                )
            }
        }
    }

    struct Publish: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bundle a tuned model, publish it as candidate, and promote it if the gate passes."
        )

        @Option(help: ArgumentHelp("The model file from vigil tune.", valueName: "file"))
        var model: String

        @Option(
            help: ArgumentHelp("The pipeline file it was tuned with (hashed into the manifest).", valueName: "file")
        )
        var pipeline: String

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var registryOptions: RegistryOptions

        @Option(
            help: ArgumentHelp(
                "Ed25519 private key (default $VIGIL_SIGNING_KEY, else .vigil/keys/signing.key).",
                valueName: "file"
            )
        )
        var signingKey: String?

        @Flag(help: "Print the result as JSON.")
        var json = false

        func run() throws {
            let key: Curve25519.Signing.PrivateKey
            do { key = try SigningKeys.privateKey(path: signingKeyPath(signingKey)) } catch {
                throw failure(.noInput, "\(error.message) Create one with: vigil bundle keygen")
            }
            guard let pipelineBytes = FileManager.default.contents(atPath: pipeline) else {
                throw failure(.noInput, "Cannot read the pipeline file '\(pipeline)'.")
            }
            let tolerances: GateTolerances
            do { tolerances = try PipelineDefinition.load(path: pipeline).gate } catch {
                throw failure(.config, error.description)
            }
            let result: PublishRun.Result
            do {
                result = try PublishRun.run(
                    model: try ModelFile.load(path: model),
                    pipelineBytes: Array(pipelineBytes),
                    store: try storeOptions.openExisting(),
                    registry: Registry(root: registryOptions.registryPath),
                    key: key,
                    tolerances: tolerances
                )
            } catch let e as StageError {
                throw failure(.dataError, e.description)
            }
            if json { return try Output.printJSON(result) }
            print(
                "bundle \(result.version)\(result.reused ? " (already published from the same inputs)" : ""): \(result.path)"
            )
            print("sha256 \(result.sha256), channel \(result.channel)")
            if let gate = result.gate { print("gate: \(gate.promoted ? "promoted" : "not promoted"): \(gate.reason)") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the registry's bundles and channels.")
        @OptionGroup var registryOptions: RegistryOptions
        @Flag(help: "Print the index and pointers as JSON.") var json = false

        func run() throws {
            let registry = Registry(root: registryOptions.registryPath)
            let index = try registry.index()
            let stable = try registry.pointer(.stable)
            let candidate = try registry.pointer(.candidate)
            if json {
                struct Listing: Encodable {
                    var bundles: [Registry.Entry]
                    var stable: Registry.Pointer?
                    var candidate: Registry.Pointer?
                }
                return try Output.printJSON(Listing(bundles: index.bundles, stable: stable, candidate: candidate))
            }
            if index.bundles.isEmpty { print("no bundles in \(registry.root)") }
            for e in index.bundles {
                var tags: [String] = []
                if e.version == stable?.version { tags.append("stable") }
                if e.version == candidate?.version { tags.append("candidate") }
                if e.everStable && e.version != stable?.version { tags.append("was stable") }
                let gate = registry.gateDecision(e.version).map { $0.promoted ? "gate passed" : "gate refused" } ?? ""
                print(
                    "\(e.version)  \(e.createdAt)  \(String(e.sha256.prefix(12)))  \(tags.joined(separator: ", "))\(gate.isEmpty ? "" : "  (\(gate))")"
                )
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a bundle's manifest and gate decision.")
        @Argument(help: "A version, a channel (stable, candidate) or a bundle file.") var bundle: String
        @OptionGroup var registryOptions: RegistryOptions
        @OptionGroup var keys: KeyOptions
        @Flag(help: "Print the manifest as JSON.") var json = false

        func run() throws {
            let registry = Registry(root: registryOptions.registryPath)
            let loaded = try loadVerified(try resolveBundle(bundle, registry: registry), key: try keys.load())
            if json { return try Output.printJSON(loaded.manifest) }
            let m = loaded.manifest
            print(
                "bundle \(m.version) (format \(m.formatVersion)), created \(m.createdAt), parent \(m.parentVersion ?? "none")"
            )
            print(
                "code \(m.codeVersion), pipeline \(m.pipeline), trained \(m.trainingWindow.from ?? "?") to \(m.trainingWindow.until ?? "?")"
            )
            print(
                "hashes: data \(m.hashes.data.prefix(12)), labels \(m.hashes.labels.prefix(12)), pipeline \(m.hashes.pipeline.prefix(12))"
            )
            for r in loaded.model.rules {
                print(
                    "  \(r.scope): \(r.rule.config), threshold \(String(format: "%.4g", r.rule.threshold)), \(r.rule.policy)"
                )
            }
            if let v = m.validation.model, let b = m.validation.baseline {
                print(
                    "validation: F1 \(fmt(v.f1)) (precision \(fmt(v.precision)), recall \(fmt(v.recall))); 3-sigma F1 \(fmt(b.f1))"
                )
            }
            if let gate = registry.gateDecision(m.version) {
                print("gate: \(gate.promoted ? "promoted" : "not promoted"): \(gate.reason)")
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a bundle's signature and checksums (exit 1 when it fails)."
        )
        @Argument(help: "A bundle file, a version or a channel.") var bundle: String
        @OptionGroup var registryOptions: RegistryOptions
        @OptionGroup var keys: KeyOptions

        func run() throws {
            let (path, version) = try resolveBundle(bundle, registry: Registry(root: registryOptions.registryPath))
            do {
                let b = try GuardBundle.load(path: path, publicKey: try keys.load(), version: version)
                print(
                    "OK \(b.manifest.version): signature valid, \(b.manifest.files.count) file checksums match (\(path))"
                )
            } catch let e as BundleError {
                Output.warn("FAILED \(path): \(e)")
                throw ExitCode(1)
            }
        }
    }

    struct Promote: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point stable at a bundle by hand (it must verify).",
            discussion: """
                A bundle the promotion gate refused is promoted only with --force and a --reason,
                both recorded in the stable channel's history with who did it and when.
                """
        )
        @Argument(help: "The version to promote.") var version: String
        @OptionGroup var registryOptions: RegistryOptions
        @OptionGroup var keys: KeyOptions
        @Option(help: "Why, recorded in the channel's history.") var reason: String?
        @Flag(help: "Promote a bundle the gate refused (needs --reason).") var force = false

        func run() throws {
            let registry = Registry(root: registryOptions.registryPath)
            guard let entry = try registry.index().bundles.first(where: { $0.version == version }) else {
                throw failure(.noInput, "No bundle \(version) in \(registry.root).")
            }
            var why = reason ?? "manual promotion"
            if let gate = registry.gateDecision(version), !gate.promoted {
                guard force, let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw ValidationError(
                        "The promotion gate refused \(version): \(gate.reason). Promote it anyway only with "
                            + "--force --reason WHY (both are recorded)."
                    )
                }
                why = "forced over the gate's refusal: \(reason)"
            }
            _ = try loadVerified((registry.bundlePath(version), version), key: try keys.load())
            try registry.move(
                .stable,
                to: entry,
                move: .init(version: version, at: Registry.wallClock(), reason: why, kind: .promote, by: Registry.who())
            )
            print("stable -> \(version) (\(why))")
        }
    }

    struct Rollback: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Point stable back at the version it named before.")
        @OptionGroup var registryOptions: RegistryOptions

        func run() throws {
            let registry = Registry(root: registryOptions.registryPath)
            do {
                let entry = try registry.rollback(at: RFC3339.format(Int64(Date().timeIntervalSince1970)))
                print("stable -> \(entry.version)")
            } catch let e as StageError {
                throw failure(.dataError, e.description)
            }
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What changed between two bundles: rules, thresholds, figures."
        )
        @Argument(help: "The older bundle (version, channel or file).") var old: String
        @Argument(help: "The newer bundle.") var new: String
        @OptionGroup var registryOptions: RegistryOptions
        @OptionGroup var keys: KeyOptions
        @Flag(help: "Print the changes as JSON.") var json = false

        func run() throws {
            let registry = Registry(root: registryOptions.registryPath)
            let key = try keys.load()
            let a = try loadVerified(try resolveBundle(old, registry: registry), key: key)
            let b = try loadVerified(try resolveBundle(new, registry: registry), key: key)
            let diff = BundleDiff(old: a, new: b)
            if json { return try Output.printJSON(diff) }
            print("\(diff.old) -> \(diff.new)")
            if diff.changes.isEmpty { print("  no change in rules") }
            for c in diff.changes { print("  \(c)") }
            for f in diff.figures { print("  \(f)") }
        }
    }

    struct GC: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gc",
            abstract: "Remove old bundles: keeps the newest N, every bundle ever stable, and what channels point to."
        )
        @OptionGroup var registryOptions: RegistryOptions
        @Option(help: "Bundles to keep besides the protected ones.") var keep = 10

        func validate() throws { guard keep >= 1 else { throw ValidationError("--keep must be at least 1.") } }

        func run() throws {
            let removed = try Registry(root: registryOptions.registryPath).gc(keep: keep)
            print(removed.isEmpty ? "nothing to remove" : "removed \(removed.joined(separator: ", "))")
        }
    }
}

/// A version, a channel name or a file path, to a bundle file path and the version it must be
/// signed as: the version asked for, the channel's, or the registry folder a file sits in.
func resolveBundle(_ text: String, registry: Registry) throws -> (path: String, version: String?) {
    if let channel = Registry.Channel(rawValue: text) {
        guard let p = try registry.pointer(channel) else { throw failure(.noInput, "The \(text) channel is empty.") }
        return (registry.bundlePath(p.version), p.version)
    }
    if BundleFormat.isValidVersion(text) {
        guard try registry.index().bundles.contains(where: { $0.version == text }) else {
            throw failure(.noInput, "No bundle \(text) in \(registry.root).")
        }
        return (registry.bundlePath(text), text)
    }
    guard FileManager.default.fileExists(atPath: text) else {
        throw ValidationError("'\(text)' is neither a bundle file, a version (2026.11.26.1) nor a channel.")
    }
    let parts = URL(fileURLWithPath: text).standardizedFileURL.pathComponents
    if parts.count >= 3, parts[parts.count - 3] == "bundles", BundleFormat.isValidVersion(parts[parts.count - 2]) {
        return (text, parts[parts.count - 2])
    }
    return (text, nil)
}

/// A bundle that fails verification is not a usage error: it exits 1 naming what failed, as
/// `vigil bundle verify` does.
func loadVerified(_ bundle: (path: String, version: String?), key: Curve25519.Signing.PublicKey) throws -> GuardBundle {
    let path = bundle.path
    do { return try GuardBundle.load(path: path, publicKey: key, version: bundle.version) } catch {
        Output.warn("FAILED \(path): \(error)")
        throw ExitCode(1)
    }
}

/// Rule and figure changes between two bundles.
struct BundleDiff: Encodable {
    var old: String
    var new: String
    /// For people: one sentence per change.
    var changes: [String]
    var figures: [String]
    /// For programs (`--json`): the same, as data.
    var rules: [RuleChange] = []
    var metricsAgree: [Int]?
    var validation: [String: DeployFigures] = [:]
    var changedInputs: [String] = []

    struct RuleChange: Encodable {
        var scope: String
        /// added, removed or changed.
        var change: String
        var old: GuardRule?
        var new: GuardRule?
    }

    enum CodingKeys: String, CodingKey {
        case old, new, rules, validation
        case metricsAgree = "metrics_agree"
        case changedInputs = "changed_inputs"
    }

    init(old a: GuardBundle, new b: GuardBundle) {
        old = a.manifest.version
        new = b.manifest.version
        var changes: [String] = []
        let scopes = Set(a.model.rules.map(\.scope) + b.model.rules.map(\.scope)).sorted()
        for s in scopes {
            let x = a.model.rules.first { $0.scope == s }?.rule
            let y = b.model.rules.first { $0.scope == s }?.rule
            func text(_ r: GuardRule) -> String {
                "\(r.config), threshold \(String(format: "%.4g", r.threshold)), \(r.policy)"
            }
            switch (x, y) {
            case (nil, let y?):
                changes.append("+ \(s): \(text(y))")
                rules.append(.init(scope: s.description, change: "added", old: nil, new: y))
            case (let x?, nil):
                changes.append("- \(s): \(text(x))")
                rules.append(.init(scope: s.description, change: "removed", old: x, new: nil))
            case (let x?, let y?) where x != y:
                changes.append("~ \(s): \(text(x)) -> \(text(y))")
                rules.append(.init(scope: s.description, change: "changed", old: x, new: y))
            default: break
            }
        }
        if a.model.metricsAgree != b.model.metricsAgree {
            changes.append("~ metrics that must agree: \(a.model.metricsAgree) -> \(b.model.metricsAgree)")
            metricsAgree = [a.model.metricsAgree, b.model.metricsAgree]
        }
        self.changes = changes
        var figures: [String] = []
        if let p = a.manifest.validation.model, let q = b.manifest.validation.model {
            validation = ["old": p, "new": q]
            figures.append(
                "validation F1 \(fmt(p.f1)) -> \(fmt(q.f1)), precision \(fmt(p.precision)) -> \(fmt(q.precision)), recall \(fmt(p.recall)) -> \(fmt(q.recall)) (each on its own validation days)"
            )
        }
        for (name, x, y) in [
            ("data", a.manifest.hashes.data, b.manifest.hashes.data),
            ("labels", a.manifest.hashes.labels, b.manifest.hashes.labels),
            ("pipeline", a.manifest.hashes.pipeline, b.manifest.hashes.pipeline),
        ] where x != y {
            figures.append(name == "pipeline" ? "pipeline file changed" : "\(name) changed")
            changedInputs.append(name)
        }
        self.figures = figures
    }
}
