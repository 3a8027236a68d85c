import ArgumentParser
internal import Foundation
import VigilCore
import VigilPipeline

struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "Search detectors, decision policies and thresholds per scope on the training days.",
        discussion: """
            The pipeline file's `search` section declares the grid, the scopes, the objective and the
            time split. Deploys before the split train (the latest part of them decides whether a
            kind or app scope beats its parent); deploys after it validate, and the search never
            sees them. Prints the chosen rule per scope and the validation figures beside the
            static 3-sigma baseline.
            Example:
              vigil tune --pipeline Pipelines/nightly.yaml --store .vigil/store.sqlite --out model.json
            """
    )

    @Option(help: ArgumentHelp("The pipeline file (YAML).", valueName: "file"))
    var pipeline: String

    @OptionGroup var storeOptions: StoreOptions

    @Option(help: ArgumentHelp("Write the model file here (atomically).", valueName: "file"))
    var out: String?

    @Flag(help: "Print the model file as JSON instead of a summary.")
    var json = false

    func run() throws {
        let definition: PipelineDefinition
        do {
            definition = try PipelineDefinition.load(path: pipeline)
        } catch {
            throw failure(.config, error.description)
        }
        var options = storeOptions
        if options.store == nil, let fromFile = definition.store { options.store = fromFile }
        let store = try options.openExisting()
        let started = Date()
        let file: ModelFile
        do {
            file = try TuneRun.run(
                pipeline: definition,
                store: store,
                progress: { done, total in
                    let elapsed = Date().timeIntervalSince(started)
                    let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
                    Output.progress(
                        "scoring configurations \(done)/\(total) (\(String(format: "%.1f", Double(done) / max(elapsed, 0.001)))/s, ETA \(Int(eta)) s)"
                    )
                }
            )
        } catch let error as StageError {
            Output.clearProgress()
            throw failure(.dataError, error.description)
        }
        Output.clearProgress()
        if let out { try AtomicFile.write(try file.encoded(), to: out) }
        if json {
            print(String(decoding: try file.encoded(), as: UTF8.self), terminator: "")
            return
        }
        print(
            "pipeline \(file.pipeline): trained on deploys from \(file.training.from ?? "?") until \(file.training.until ?? "?")"
        )
        print(
            "searched \(file.search.configurations) configurations x \(file.search.policies) policies "
                + "x k in \(file.search.metricsAgree): \(file.search.thresholdsEvaluated) thresholds; objective: \(file.search.objective)"
        )
        if !file.feasible { print("warning: no global rule meets the objective's constraints on the training days") }
        print("metrics that must agree: \(file.model.metricsAgree)")
        for decision in file.scopes {
            let mark = decision.accepted ? "*" : "-"
            if decision.accepted, let r = decision.candidate {
                print(
                    "\(mark) \(decision.scope): \(r.config), threshold \(String(format: "%.4g", r.threshold)), \(r.policy)"
                )
            } else {
                print("\(mark) \(decision.scope): \(decision.reason)")
            }
        }
        if let steps = file.search.ruleSearch {
            print(
                "calibrated on \(file.search.nullSamples ?? 0) normal-operation samples; \(file.model.rules.count) rule(s):"
            )
            for r in file.model.rules {
                print("  \(r.scope): \(r.rule.name), threshold \(String(format: "%.4g", r.rule.threshold))")
            }
            for s in steps {
                print(
                    "  set \(s.rule): threshold \(String(format: "%.4g", s.threshold)), fit \(s.fit.tp)/\(s.fit.bad) bad \(s.fit.fp)/\(s.fit.good) good, held back \(s.selection.tp)/\(s.selection.bad) bad \(s.selection.fp)/\(s.selection.good) good"
                )
            }
        }
        if let unusable = file.search.unusable, !unusable.isEmpty {
            print("no usable scores on any training deploy (left out): \(unusable.joined(separator: "; "))")
        }
        if let feedback = file.search.feedback, !feedback.isEmpty {
            print("feedback changed \(feedback.count) calibration(s):")
            for f in feedback {
                print(
                    "  \(f.series) (\(f.rule)): \(f.kind) by \(String(format: "%.2f", f.factor))x after \(f.deployId)"
                )
            }
        }
        let t = file.trainingCounts
        print(
            "training: \(t.tp)/\(t.bad) bad paused, \(t.fp)/\(t.good) good paused (precision \(fmt(t.precision)), recall \(fmt(t.recall)), F1 \(fmt(t.f1)))"
        )
        if let v = file.validationFigures, let b = file.baselineFigures {
            print("validation from \(file.validation.from ?? "?"):")
            printSideBySide(model: v, baseline: b)
        } else {
            print("validation: no deploy after the split")
        }
        if let out { print("model written to \(out)") }
    }
}

func fmt(_ x: Double) -> String { String(format: "%.3f", x) }

/// The deploy-level figures of a model and of the static baseline, one line each.
func printSideBySide(model: DeployEvaluation, baseline: DeployEvaluation, recordedGuard: DeployEvaluation? = nil) {
    func line(_ name: String, _ e: DeployEvaluation) {
        let d = e.deploys
        var text =
            "  \(name.padding(toLength: 27, withPad: " ", startingAt: 0)) precision \(fmt(d.precision)) recall \(fmt(d.recall)) F1 \(fmt(d.f1)) "
            + "false pauses/100 good \(String(format: "%.1f", d.falsePausesPer100)) (tp \(d.tp), fp \(d.fp), fn \(d.fn))"
        if let ci = d.ci95 { text += " F1 95% CI [\(fmt(ci.f1.low)), \(fmt(ci.f1.high))]" }
        if let m = e.delayMinutes.median { text += "; delay median \(String(format: "%.1f", m)) min" }
        print(text)
    }
    let d = model.deploys
    print("  deploys: \(d.bad) bad, \(d.good) good, \(d.unlabeled) unlabeled (not scored)")
    line("model", model)
    // What ran online first: the baseline the platform has today; the synthetic one second.
    if let recordedGuard { line("recorded guard (ran online)", recordedGuard) }
    line("static 3-sigma (synthetic)", baseline)
}
