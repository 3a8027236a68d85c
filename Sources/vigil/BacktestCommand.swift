import ArgumentParser
internal import Foundation
import Logging
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

struct BacktestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backtest",
        abstract: "Walk-forward evaluation: for each day, tune on the days before it, then judge that day.",
        discussion: """
            For every UTC day in [--from, --to), the pipeline's search runs as the nightly job \
            would have run that morning: on the deploys and labels of the archives whose period \
            had ended (every such day trains; the judged day is the held-out data). The tuned \
            model then judges that day's deploys through the guard's own code. Figures are pooled \
            over the days with bootstrap 95% intervals, beside what the guard that actually ran \
            did (its pauses and rollbacks, from the archives), and per day. A pause more than a \
            minute before a bad deploy's fault began (a change incident's start) counts as a miss.

            --inputs ingests archives first (into --store, or a temporary store that is removed \
            afterwards). Example:
              vigil backtest Pipelines/nightly.yaml --inputs exports/ --from 2026-11-07 --to 2026-11-16
            """
    )

    @Argument(help: ArgumentHelp("The pipeline file whose search is backtested.", valueName: "pipeline"))
    var pipeline: String

    @Option(help: ArgumentHelp("Archives to ingest first: a directory or a glob.", valueName: "dir"))
    var inputs: String?

    @Option(
        help: ArgumentHelp(
            "The store to use (and ingest --inputs into); without it, a temporary store.",
            valueName: "path"
        )
    )
    var store: String?

    @Option(help: ArgumentHelp("First judged day (inclusive).", valueName: "date")) var from: String
    @Option(help: ArgumentHelp("End of the judged days (exclusive).", valueName: "date")) var to: String

    @Option(
        help: ArgumentHelp(
            "Also write one JSON line per judged deploy here (vigil replay --json's shape).",
            valueName: "file"
        )
    )
    var decisions: String?

    @Flag(help: "Print the whole report as JSON.") var json = false

    func validate() throws {
        guard inputs != nil || store != nil else { throw ValidationError("Give --inputs DIR, --store PATH, or both.") }
    }

    func run() throws {
        let fromTime = try EvaluateCommand.parseTime(from, flag: "--from")
        let toTime = try EvaluateCommand.parseTime(to, flag: "--to")
        let definition: PipelineDefinition
        do { definition = try PipelineDefinition.load(path: pipeline) } catch {
            throw failure(.config, error.description)
        }
        var temporary: String?
        let storePath: String
        if let store {
            storePath = store
        } else {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-backtest-\(getpid())").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            temporary = dir
            storePath = "\(dir)/store.sqlite"
        }
        defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
        let history: HistoryStore
        if let inputs {
            let folder = (storePath as NSString).deletingLastPathComponent
            if !folder.isEmpty {
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            history = try HistoryStore(path: storePath)
            let paths: [String]
            do { paths = try NightlyRun.archives(in: inputs) } catch { throw failure(.noInput, "\(error)") }
            guard !paths.isEmpty else { throw failure(.noInput, "No archives in '\(inputs)'.") }
            var logger = Logger(label: "vigil.backtest")
            logger.logLevel = .critical
            let report = try Ingestor(store: history, limits: ArchiveLimits(), logger: logger).ingest(paths: paths) {
                p in
                Output.progress("ingest [\(p.archiveIndex + 1)/\(p.archiveCount)] \(p.archiveName)")
            }
            Output.clearProgress()
            if report.anyRejected {
                Output.warn("some archives were rejected; vigil ingest --json \(inputs) says why")
            }
        } else {
            guard FileManager.default.fileExists(atPath: storePath) else {
                throw failure(.noInput, "No store at '\(storePath)'.")
            }
            history = try HistoryStore(path: storePath)
        }
        let report: BacktestRun.Report
        do {
            report = try BacktestRun.run(pipeline: definition, store: history, from: fromTime, to: toTime) { date in
                Output.progress("backtest: tuning for \(date)")
            }
        } catch let error as StageError {
            Output.clearProgress()
            throw failure(.dataError, error.description)
        }
        Output.clearProgress()
        if let decisions {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(
                positiveInfinity: "Infinity",
                negativeInfinity: "-Infinity",
                nan: "NaN"
            )
            var text = ""
            for row in report.deploys {
                text += String(decoding: try encoder.encode(row.decision), as: UTF8.self) + "\n"
            }
            try text.write(toFile: decisions, atomically: true, encoding: .utf8)
        }
        if json {
            try Output.printJSON(report)
            return
        }
        print(BacktestText.render(report))
    }
}

/// The human-readable backtest summary (the nightly report renders the same figures as Markdown).
enum BacktestText {
    static func render(_ r: BacktestRun.Report) -> String {
        func line(_ name: String, _ e: DeployEvaluation) -> String {
            let d = e.deploys
            var s =
                "\(name): precision \(f3(d.precision)) recall \(f3(d.recall)) F1 \(f3(d.f1)) false pauses/100 good \(f1(d.falsePausesPer100))"
            if let ci = d.ci95 {
                s +=
                    "\n    95% intervals: precision \(f3(ci.precision.low))-\(f3(ci.precision.high)), recall \(f3(ci.recall.low))-\(f3(ci.recall.high)), false pauses/100 \(f1(ci.falsePausesPer100.low))-\(f1(ci.falsePausesPer100.high))"
            }
            return s
        }
        var out: [String] = []
        let d = r.model.deploys
        out.append(
            "walk-forward \(r.from.prefix(10)) .. \(r.to.prefix(10)) (pipeline \(r.pipeline)): \(d.bad + d.good + d.unlabeled) deploys, \(d.bad) bad, \(d.good) good, \(d.unlabeled) unlabeled"
        )
        out.append(line("model", r.model))
        out.append(line("recorded guard", r.recordedGuard))
        if let m = r.model.delayMinutes.median { out.append("median delay \(f1(m)) min") }
        out.append("")
        out.append("day         deploys  bad  caught  false pauses  guard caught/false  rules  threshold  seconds")
        for day in r.days {
            let c = day.model
            let g = day.recordedGuard
            out.append(
                "\(day.date)  \(pad(c.bad + c.good + c.unlabeled, 7))  \(pad(c.bad, 3))  \(pad(c.tp, 6))  \(pad(c.fp, 12))  \(pad(g.tp, 9))/\(g.fp)\(String(repeating: " ", count: max(0, 7 - String(g.fp).count)))  \(pad(day.rules.count, 5))  \(day.threshold.map(f3) ?? "-")  \(f1(day.seconds))"
            )
        }
        let missed = r.deploys.filter { $0.truth == .bad && !$0.caught }
        if !missed.isEmpty {
            out.append("")
            out.append("bad deploys let through, and what came closest to pausing them (peak score of threshold):")
            for m in missed {
                let why =
                    m.decision.decision == .pause
                    ? "paused before the fault began"
                    : BacktestRun.whyMissed(m.closest ?? [], affected: Set(m.affectedMetrics ?? []))
                out.append("  \(m.decision.deployId) (\(m.app)): \(why)")
            }
        }
        if !r.untrainedDays.isEmpty {
            out.append("")
            out.append("not judged, nothing known to train on before them: \(r.untrainedDays.joined(separator: ", "))")
        }
        return out.joined(separator: "\n")
    }

    static func f3(_ x: Double) -> String { String(format: "%.3f", x) }
    static func f1(_ x: Double) -> String { String(format: "%.1f", x) }
    static func pad(_ n: Int, _ w: Int) -> String {
        let s = String(n)
        return String(repeating: " ", count: max(0, w - s.count)) + s
    }
}
