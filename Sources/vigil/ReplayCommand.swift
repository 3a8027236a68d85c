import ArgumentParser
internal import Foundation
import VigilCore
import VigilGuard
import VigilPipeline

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "What would a bundle have done? The decision timeline of past deploys, through the guard's code.",
        discussion: """
            Examples:
              vigil replay --bundle stable --deploy d-20261114-0005
              vigil replay --bundle .vigil/registry/bundles/2026.11.15.1/bundle.tar.gz --from 2026-11-11 --to 2026-11-15 --json
            """
    )

    @Option(help: ArgumentHelp("A bundle file, a version or a channel of the registry.", valueName: "bundle"))
    var bundle: String

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var keys: KeyOptions

    @Option(help: "One deploy.") var deploy: String?
    @Option(help: ArgumentHelp("First day or time (inclusive).", valueName: "date")) var from: String?
    @Option(help: ArgumentHelp("Last day or time (exclusive).", valueName: "date")) var to: String?

    @Flag(help: #"One JSON object per deploy and line: {"deploy_id","decision","paused_at","batch","reasons"}."#)
    var json = false

    func validate() throws {
        guard (deploy != nil) != (from != nil || to != nil) else {
            throw ValidationError("Give --deploy ID, or --from DATE and --to DATE.")
        }
        if deploy == nil && (from == nil || to == nil) { throw ValidationError("Give both --from and --to.") }
    }

    func run() throws {
        let registry = Registry(root: registryOptions.registryPath)
        let loaded = try loadVerified(try resolveBundle(bundle, registry: registry), key: try keys.load())
        let judge = try loaded.judge()
        let store = try storeOptions.openForReading()
        let corpus = try StoreCorpus(store: store)
        let deploys: [Deploy]
        if let deploy {
            guard let d = corpus.deploys.first(where: { $0.id == deploy }) else {
                throw failure(.noInput, "No deploy '\(deploy)' in the store.")
            }
            deploys = [d]
        } else {
            let a = try EvaluateCommand.parseTime(from!, flag: "--from")
            let b = try EvaluateCommand.parseTime(to!, flag: "--to")
            deploys = corpus.deploys.filter { $0.startedAt >= a && $0.startedAt < b }
        }
        let judged = try StoreCorpus.judge(deploys, truths: corpus.truths, judge: judge, store: store)
        let encoder = BundleFormat.encoder(pretty: false)
        for j in judged {
            let d = j.decision
            if json {
                // One JSON object per line, with RFC 3339 times like every --json output.
                let line = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(d)).rfc3339Times()
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
                continue
            }
            let verdict =
                d.decision == .pause
                ? "PAUSE at \(RFC3339.format(d.pausedAt!)) in batch \(d.batch.map(String.init) ?? "?")" : "continue"
            print("\(d.deployId) (\(j.deploy.app), truth: \(j.truth.label.rawValue)): \(verdict)")
            for step in d.timeline {
                print("  batch \(step.batch) \(step.startedAt.map(RFC3339.format) ?? "?"): \(step.decision.rawValue)")
            }
            for r in d.reasons {
                let exp = r.expected.map { String(format: "%.4g", $0) } ?? "?"
                let obs = r.observed.map { String(format: "%.4g", $0) } ?? "?"
                print(
                    "  reason: \(r.metric) on \(r.hosts.joined(separator: ", ")): \(r.detector) score \(String(format: "%.3g", r.score)) > \(String(format: "%.3g", r.threshold)); expected \(exp), observed \(obs) [\(r.scope)]"
                )
            }
            if !d.unjudgedMetrics.isEmpty { print("  not judged: \(d.unjudgedMetrics.joined(separator: ", "))") }
            if deploy != nil && d.decision != .pause {
                // Why it got through: per metric, the rule that came closest to firing.
                let explained = judge.explain(try StoreCorpus.evidence(j.deploy, store: store))
                if !explained.isEmpty { print("  closest to pausing, per metric (peak score / threshold):") }
                for e in explained {
                    let when = e.at.map { " at \(RFC3339.format($0))" } ?? ""
                    print(
                        "    \(e.metric): \(String(format: "%.3g", e.peak)) / \(String(format: "%.3g", e.threshold)) = \(String(format: "%.2f", e.ratio))\(when), \(e.rule) [\(e.scope), \(e.hosts) host(s)]"
                    )
                }
            }
        }
    }
}
