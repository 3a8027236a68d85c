import ArgumentParser
internal import Foundation
import VigilCore
import VigilPipeline
import VigilStore

struct DeploysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploys",
        abstract: "Look at stored deploys, or remove ones that should not be there.",
        subcommands: [List.self, Show.self, Delete.self, Removals.self]
    )

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove deploys from the store (with their series), recording who removed what and why.",
            discussion: """
                For a deploy that should never have been stored: a bad export, a test deploy, a
                clock gone wrong. All ids are removed in one transaction, or none when one is
                unknown. Each removal is recorded in the store (vigil deploys removals lists them).
                Labels that name a removed deploy stay, pending: a later archive that brings the
                deploy back applies them again. Holds the store's lock like vigil run.
                Example:
                  vigil deploys delete d-20261125-0042 --reason "exported with a broken clock"
                """
        )

        @Argument(help: "The deploy ids.")
        var ids: [String]

        @Option(help: "Why (recorded with the removal).")
        var reason: String

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: ArgumentHelp("Wait this long for a run holding the store's lock.", valueName: "seconds"))
        var wait: Double = 0

        @Flag(help: "Print JSON (the removals).")
        var json = false

        func validate() throws {
            guard !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--reason must say why; it is recorded with the removal.")
            }
        }

        func run() throws {
            let lock = try lockStore(storeOptions.resolvedPath, as: "vigil deploys delete", wait: wait)
            defer { withExtendedLifetime(lock) {} }
            let store = try storeOptions.openExisting()
            let removals: [Removal]
            do {
                removals = try store.deleteDeploys(ids: ids, reason: reason, at: Int64(Date().timeIntervalSince1970))
            } catch let error as StoreError where error.code == .notFound {
                throw failure(.noInput, error.message)
            }
            if json {
                try Output.printJSON(removals)
                return
            }
            for r in removals { print("removed \(r.id): \(r.detail)") }
        }
    }

    struct Removals: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List what was removed from the store, when and why.")

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print JSON.")
        var json = false

        func run() throws {
            let removals = try storeOptions.openForReading().removals()
            if json {
                try Output.printJSON(removals)
                return
            }
            for r in removals { print("\(RFC3339.format(r.at))  \(r.what) \(r.id): \(r.reason) (\(r.detail))") }
            if removals.isEmpty { print("nothing was removed") }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored deploys with their ground truth.")

        @OptionGroup var storeOptions: StoreOptions

        @Option(help: "Only this app.")
        var app: String?

        @Option(help: "Only deploys with this ground truth: bad, good or unlabeled.")
        var label: String?

        func validate() throws {
            if let label, DeployLabel(rawValue: label) == nil {
                throw ValidationError("--label must be bad, good or unlabeled, not '\(label)'.")
            }
        }

        @Option(help: "At most this many, newest first (0: all).")
        var limit: Int = 50

        @Flag(help: "Print JSON (one array).")
        var json = false

        struct Line: Encodable {
            var id: String
            var app: String
            var startedAt: String
            var strategy: String?
            var outcome: String?
            var alerts: Int
            var label: DeployLabel
            var reason: String
        }

        func run() throws {
            let store = try storeOptions.openForReading()
            let truths = try store.groundTruths()
            var lines: [Line] = []
            for d in try store.allDeploys().reversed() {
                guard app == nil || d.app == app, let truth = truths[d.id],
                    label == nil || truth.label.rawValue == label
                else { continue }
                lines.append(
                    Line(
                        id: d.id,
                        app: d.app,
                        startedAt: RFC3339.format(d.startedAt),
                        strategy: d.strategy?.rawValue,
                        outcome: d.outcome?.rawValue,
                        alerts: d.alerts.count,
                        label: truth.label,
                        reason: truth.reason
                    )
                )
                if limit > 0 && lines.count == limit { break }
            }
            if json {
                try Output.printJSON(lines)
                return
            }
            for l in lines {
                print(
                    "\(l.id)  \(l.app)  \(l.startedAt)  \(l.strategy ?? "?")/\(l.outcome ?? "?")  alerts \(l.alerts)  "
                        + "\(l.label.rawValue): \(l.reason)"
                )
            }
            if lines.isEmpty { print("no deploys match") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one deploy: batches, hosts, metrics, alerts, labels, ground truth and series."
        )

        @Argument(help: "The deploy id.")
        var id: String

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Print JSON.")
        var json = false

        struct Shown: Encodable {
            var deploy: Deploy
            var truth: DeployTruth
            var labels: [LabelVersion]
            var series: [SeriesSummary]
        }
        struct LabelVersion: Encodable {
            var label: FeedbackLabel
            var effective: Bool
        }

        func run() throws {
            let store = try storeOptions.openForReading()
            guard let deploy = try store.deploy(id: id), let truth = try store.groundTruth(deployId: id) else {
                throw failure(.noInput, "No deploy '\(id)' in '\(storeOptions.resolvedPath)'.")
            }
            let labels = try store.feedbackVersions(deployId: id)
            let series = try store.seriesSummaries(deployId: id)
            if json {
                try Output.printJSON(
                    Shown(
                        deploy: deploy,
                        truth: truth,
                        labels: labels.map { LabelVersion(label: $0.label, effective: $0.effective) },
                        series: series
                    )
                )
                return
            }
            print("deploy \(deploy.id) of \(deploy.app)\(deploy.env.map { " (\($0))" } ?? "")")
            print(
                "  \(deploy.strategy?.rawValue ?? "unknown strategy"), \(RFC3339.format(deploy.startedAt)) to "
                    + "\(deploy.finishedAt.map(RFC3339.format) ?? "?"), outcome \(deploy.outcome?.rawValue ?? "?")"
            )
            if let change = deploy.change { print("  change: \(change.commit ?? "?") \(change.summary ?? "")") }
            for b in deploy.batches {
                print(
                    "  batch \(b.index): \(b.startedAt.map(RFC3339.format) ?? "?") hosts \(b.hosts.joined(separator: ", "))"
                )
            }
            print(
                "  baseline hosts: \(deploy.baselineHosts.isEmpty ? "none" : deploy.baselineHosts.joined(separator: ", "))"
            )
            for m in deploy.metrics {
                print(
                    "  metric \(m.name): \(m.kind?.rawValue ?? "?"), \(m.unit ?? "?"), direction \(m.direction.rawValue), "
                        + "step \(m.stepSeconds.map { "\($0) s" } ?? "?")"
                )
            }
            if let guardRun = deploy.guardRun {
                print("  guard (bundle \(guardRun.bundleVersion ?? "?")): \(guardRun.alerts.count) alerts")
                for a in guardRun.alerts {
                    print(
                        "    \(a.id) at \(RFC3339.format(a.at)) batch \(a.batch.map(String.init) ?? "?") "
                            + "\(a.detector ?? "?") on \(a.metric ?? "?"): \(a.action ?? "?")"
                    )
                }
            } else {
                print("  guard: did not run")
            }
            for (label, effective) in labels {
                print(
                    "    label on \(label.alertId): \(label.verdict.rawValue) by \(label.labeledBy ?? "?") at "
                        + "\(RFC3339.format(label.labeledAt))\(effective ? " (effective)" : " (superseded)")"
                )
            }
            print(
                "  ground truth: \(truth.label.rawValue) (\(truth.reason))"
                    + (truth.faultOnset.map { ", fault onset \(RFC3339.format($0))" } ?? "")
            )
            for w in truth.windows {
                print(
                    "    window \(w.incidentId) [\(w.cause.rawValue)] \(RFC3339.format(w.start))–\(RFC3339.format(w.end)) "
                        + "metrics \(w.metrics.joined(separator: ",")) hosts \(w.hosts.joined(separator: ","))"
                )
            }
            print(
                "  series: \(series.count) host series, \(series.reduce(0) { $0 + $1.count }) points, "
                    + "\(series.reduce(0) { $0 + $1.missing }) missing"
            )
        }
    }
}
