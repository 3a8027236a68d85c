import ArgumentParser
internal import Foundation
import VigilCore
import VigilStore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Summarize the store: deploys, apps, date range, label coverage, problems by kind."
    )

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print JSON.")
    var json = false

    @Option(help: ArgumentHelp("Also list the most recent problems, at most this many.", valueName: "n"))
    var problems: Int = 0

    @Flag(help: "List every stored archive (export time, status, SHA-256 prefix, name, path) and stop.")
    var archives = false

    func run() throws {
        let store = try storeOptions.openForReading()
        if archives {
            let list = try store.storedArchives()
            if json { return try Output.printJSON(list) }
            for a in list {
                print(
                    "\(a.exportedAt.map(RFC3339.format) ?? "-")  \(a.status.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                        + "\(a.sha256.prefix(12))  \(a.name)  \(a.path)"
                )
            }
            return
        }
        let status = try store.status()
        if json {
            try Output.printJSON(status)
            return
        }
        print("store: \(storeOptions.resolvedPath)")
        print(
            "archives: \(status.archives.ingested) ingested, \(status.archives.rejected) rejected"
                + (status.archives.lastExportedAt.map { "; latest export \($0)" } ?? "")
        )
        print("deploys: \(status.deploys) across \(status.apps.count) apps (\(status.apps.joined(separator: ", ")))")
        if let first = status.firstDeployAt, let last = status.lastDeployAt { print("period: \(first) to \(last)") }
        print("series: \(status.series) host series, \(status.points) points; \(status.historySeries) app histories")
        let l = status.labels
        print("ground truth: \(l.bad) bad, \(l.good) good, \(l.unlabeled) unlabeled")
        print(
            "labels: \(l.alertsWithVerdict) of \(l.alerts) alerts have a verdict (\(l.feedbackVersions) label versions); "
                + "\(l.incidents) incidents; pending: \(l.pendingFeedback) feedback, \(l.pendingIncidents) incidents"
        )
        if status.problems.isEmpty {
            print("problems: none")
        } else {
            print("problems:")
            for p in status.problems { print("  \(p.count) \(p.severity) \(p.kind)") }
        }
        if problems > 0 {
            for p in try store.problems(limit: problems) {
                let at = [p.problem.entry, p.problem.line.map { "line \($0)" }].compactMap { $0 }.joined(
                    separator: ", "
                )
                print(
                    "  [\(p.archive)\(at.isEmpty ? "" : ": \(at)")] \(p.problem.severity.rawValue): \(p.problem.message)"
                )
            }
        }
    }
}
