import ArgumentParser
internal import Foundation
import VigilCore
import VigilPipeline

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Judge the deploys of a time range with a tuned model and the static 3-sigma baseline.",
        discussion: """
            Every deploy that started in [--from, --to) is replayed through the guard's decision code
            and compared with its ground truth: deploy-level precision, recall, F1, false pauses per
            100 good deploys with bootstrap 95% intervals, detection delay, and breakdowns.
            Dates are YYYY-MM-DD (midnight UTC) or RFC 3339 times.
            Example:
              vigil evaluate --model model.json --from 2026-11-11 --to 2026-11-15 --json
            """
    )

    @Option(help: ArgumentHelp("The model file written by vigil tune.", valueName: "file"))
    var model: String

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("First day or time (inclusive).", valueName: "date"))
    var from: String

    @Option(help: ArgumentHelp("Last day or time (exclusive).", valueName: "date"))
    var to: String

    @Flag(help: #"Print {"deploys":{...},"delay_minutes":{...},"by":{...},"baseline":{...}}."#)
    var json = false

    static func parseTime(_ text: String, flag: String) throws -> Int64 {
        guard let t = RFC3339.parse(text) ?? RFC3339.parse(text + "T00:00:00Z") else {
            throw ValidationError("\(flag) must be a date (2026-11-10) or an RFC 3339 time, not '\(text)'.")
        }
        return t
    }

    func run() throws {
        let fromTime = try Self.parseTime(from, flag: "--from")
        let toTime = try Self.parseTime(to, flag: "--to")
        let report: EvaluateRun.Report
        do {
            let file = try ModelFile.load(path: model)
            report = try EvaluateRun.run(
                model: file,
                store: try storeOptions.openExisting(),
                from: fromTime,
                to: toTime
            )
        } catch let error as StageError {
            throw failure(.dataError, error.description)
        }
        if json {
            try Output.printJSON(report)
            return
        }
        print("deploys that started from \(report.from) to \(report.to):")
        printSideBySide(model: report.model, baseline: report.baseline, recordedGuard: report.recordedGuard)
        for (name, p) in [("model", report.points), ("3-sigma", report.baselinePoints)] {
            print(
                "  \(name.padding(toLength: 9, withPad: " ", startingAt: 0)) points: F1 \(fmt(p.points.f1)), point-adjusted F1 \(fmt(p.pointAdjusted.f1)) "
                    + "(within \(p.delay) points: \(fmt(p.pointAdjustedDelayed.f1))), windows: precision \(fmt(p.windows.precision)) recall \(fmt(p.windows.recall))"
            )
        }
        if !report.model.missed.isEmpty { print("  missed: \(report.model.missed.joined(separator: ", "))") }
        if !report.model.falsePauses.isEmpty {
            print("  false pauses: \(report.model.falsePauses.joined(separator: ", "))")
        }
    }
}
