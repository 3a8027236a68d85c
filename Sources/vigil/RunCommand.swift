import ArgumentParser
import Crypto
internal import Foundation
import Logging
import VigilCore
import VigilGuard
import VigilPipeline
import VigilStore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline: ingest → tune → evaluate → backtest → gate → bundle → publish → report.",
        discussion: """
            Paths come from the pipeline file; the flags override them, so one pipeline runs on
            another corpus. Every stage is recorded in the store's run history; a run that crashed
            resumes with --resume RUN_ID from the last finished stage. Two runs of one store never
            overlap: the second waits --wait seconds, then exits with status 75 naming the holder.
            Every path is checked before anything is created. The signing key must exist, except on
            the very first run with the default key path (.vigil/keys/signing.key), where a key
            pair is created; the registry then trusts only that key (vigil bundle rotate-key
            changes it). --resume-unfinished resumes the pipeline's last unfinished run, unless it
            already had 3 attempts or was started with other settings: then a fresh run starts.

            Exit status: 0 when the run finished (the gate may still have kept the bundle as
            candidate because it fell behind stable), 1 when a stage failed, 3 when the run
            finished but the bundle is below the pipeline's floors (gate.floors: by default the
            search objective's precision and false pauses, and recall 0.5) and stays candidate,
            64 for usage errors, 75 when another writer holds the store.
            Example:
              vigil run Pipelines/nightly.yaml --inputs Datasets/sample
            """
    )

    @Argument(help: "The pipeline file (YAML).") var pipeline: String
    @Option(help: ArgumentHelp("Archives: a directory or a glob (overrides the pipeline's inputs).", valueName: "dir"))
    var inputs: String?
    @Option(help: ArgumentHelp("The store (overrides the pipeline's store).", valueName: "path")) var store: String?
    @Option(help: ArgumentHelp("The registry (overrides the pipeline's registry).", valueName: "dir")) var registry:
        String?
    @Option(help: ArgumentHelp("The reports folder (overrides the pipeline's reports).", valueName: "dir")) var reports:
        String?
    @Option(
        help: ArgumentHelp(
            "Ed25519 signing key (default $VIGIL_SIGNING_KEY, else .vigil/keys/signing.key).",
            valueName: "file"
        )
    )
    var signingKey: String?
    @Option(help: ArgumentHelp("Resume a failed or killed run from its last finished stage.", valueName: "run-id"))
    var resume: String?
    @Flag(help: "Resume this pipeline's latest run when it did not finish (what the scheduler uses).")
    var resumeUnfinished = false
    @Option(help: ArgumentHelp("Seconds to wait for another run of the same store to finish.", valueName: "seconds"))
    var wait: Double = 0
    @Flag(help: #"Print {"run_id","status","bundle","gate","report","validation","stages"} as JSON."#) var json = false

    func run() throws {
        let definition: PipelineDefinition
        do { definition = try PipelineDefinition.load(path: pipeline) } catch {
            throw failure(.config, error.description)
        }
        let env = ProcessInfo.processInfo.environment
        var options = NightlyRun.Options(
            pipeline: pipeline,
            inputs: inputs ?? definition.inputs,
            store: store ?? definition.store ?? env["VIGIL_STORE"] ?? ".vigil/store.sqlite",
            registry: registry ?? definition.registry ?? env["VIGIL_REGISTRY"] ?? ".vigil/registry",
            reports: reports ?? definition.reports ?? "Reports",
            signingKey: signingKeyPath(signingKey),
            pipelineDigest: (try? Data(contentsOf: URL(fileURLWithPath: pipeline))).map(BundleFormat.sha256Hex)
        )
        let keyIsDefault = signingKey == nil && env["VIGIL_SIGNING_KEY"] == nil
        var keyPlan = try Self.preflight(options, keyIsDefault: keyIsDefault)
        let folder = (options.store as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let lock = try lockStore(options.store, as: "pipeline \(definition.name)", wait: wait)
        defer { withExtendedLifetime(lock) {} }
        let storeHandle = try HistoryStore(path: options.store)
        var resume = self.resume
        var notice: String?
        if resume == nil && resumeUnfinished {
            let latest = try storeHandle.runs(limit: 50).first { $0.pipeline == definition.name }
            switch NightlyRun.resumeDecision(latest: latest, current: options) {
            case .resume(let id):
                resume = id
                Output.warn("resuming unfinished run \(id)")
            case .fresh(let abandoning, let reason):
                if let abandoning, let reason {
                    try storeHandle.abandonRun(id: abandoning, at: Int64(Date().timeIntervalSince1970), reason: reason)
                    Output.warn(reason)
                    notice = reason
                }
            }
        } else if let resume {
            // A resumed run keeps the paths it started with, except those given again here: the
            // flag that fixes what failed it (a signing key, say) must not be ignored.
            guard let record = try storeHandle.run(id: resume) else {
                throw failure(.noInput, "No run '\(resume)' in \(options.store).")
            }
            if var saved = try? JSONDecoder().decode(NightlyRun.Options.self, from: Data(record.options.utf8)) {
                if let inputs { saved.inputs = inputs }
                if let registry { saved.registry = registry }
                if let reports { saved.reports = reports }
                if signingKey != nil { saved.signingKey = options.signingKey }
                saved.pipelineDigest = options.pipelineDigest
                options = saved
                keyPlan = try Self.preflight(options, keyIsDefault: keyIsDefault)
            }
        }
        if keyPlan == .create {
            let pub = try NightlyRun.createSigningKey(at: options.signingKey)
            Output.warn(
                "first run: created a signing key pair: \(options.signingKey) (secret) and \(pub) (give it to the "
                    + "guards); the registry will trust only this key"
            )
        }
        if options.inputs == nil {
            // A scheduled run without inputs would "succeed" night after night on stale data.
            let warning =
                "no inputs configured (the pipeline's 'inputs' or --inputs): nothing is ingested; the model "
                + "retrains on the store as it is"
            Output.warn("warning: \(warning)")
            notice = [notice, warning].compactMap { $0 }.joined(separator: "; ")
        }
        var runner = NightlyRun(definition: definition, options: options)
        runner.notice = notice
        // SIGTERM: finish the current stage, then stop; the run resumes later from there.
        let stop = StopFlag()
        signal(SIGTERM, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGTERM, queue: .global())
        source.setEventHandler {
            stop.set()
            Output.warn("SIGTERM: stopping after the current stage")
        }
        source.resume()
        defer { source.cancel() }
        runner.shouldStop = { stop.isSet }
        let started = Date()
        if Output.stderrIsTerminal {
            runner.onStage = { stage in
                Output.progress("[\(String(format: "%.0f", Date().timeIntervalSince(started))) s] \(stage)…")
            }
        } else {
            // Piped (a CronJob, the journal): one log line as each stage starts and ends, so a
            // stuck or slow stage shows while it runs, not only in the summary at the end.
            let log = Logger(label: "vigil.run", factory: { StreamLogHandler.standardError(label: $0) })
            runner.onStage = { stage in log.info("stage \(stage) started") }
            runner.onStageEnd = { stage, status, seconds, error in
                let took = String(format: "%.1f", seconds)
                if let error {
                    log.error("stage \(stage) \(status.rawValue) after \(took) s: \(error)")
                } else {
                    log.info("stage \(stage) \(status.rawValue) in \(took) s")
                }
            }
        }
        let summary: NightlyRun.Summary
        do {
            summary = try runner.run(store: storeHandle, resume: resume)
        } catch let e as StageError {
            Output.clearProgress()
            throw failure(.dataError, e.description)
        }
        Output.clearProgress()
        if let notify = definition.notify {
            for problem in Notifier.send(summary, notify: notify) { Output.warn("notification: \(problem)") }
        }
        if json {
            try Output.printJSON(summary)
        } else {
            print("run \(summary.runId): \(summary.status)")
            for s in summary.stages {
                print(
                    "  \(s.stage.padding(toLength: 9, withPad: " ", startingAt: 0)) \(s.status)\(s.seconds.map { " \(Int($0)) s" } ?? "")\(s.error.map { ": \($0)" } ?? "")"
                )
            }
            if let b = summary.bundle {
                print("bundle \(b.version) (\(b.channel)): \(b.path)")
                print("sha256 \(b.sha256)")
            }
            if let g = summary.gate { print("gate: \(g.promoted ? "promoted" : "not promoted"): \(g.reason)") }
            if let v = summary.validation {
                print(
                    "validation: precision \(fmt(v.precision)), recall \(fmt(v.recall)), F1 \(fmt(v.f1)), false pauses/100 good \(String(format: "%.1f", v.falsePausesPer100))"
                )
            }
            if let r = summary.report { print("report: \(r)") }
            if summary.status != "succeeded" { print("resume with: vigil run \(pipeline) --resume \(summary.runId)") }
        }
        if summary.status != "succeeded" { throw ExitCode(1) }
        // The run worked, but its model is too weak to guard releases: say so in the status too.
        if summary.gate?.belowFloors != nil { throw ExitCode(3) }
    }
}

extension RunCommand {
    static func preflight(_ options: NightlyRun.Options, keyIsDefault: Bool) throws -> NightlyRun.KeyPlan {
        do { return try NightlyRun.preflight(options, keyIsDefault: keyIsDefault) } catch let e
            as NightlyRun.PreflightError
        {
            throw failure(e.kind == .untrusted ? .noPermission : .noInput, e.message)
        } catch let e as StageError {
            throw failure(.dataError, e.description)
        }
    }
}

final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}

struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List the run history of a store.")
    @OptionGroup var storeOptions: StoreOptions
    @Option(help: "How many runs, newest first.") var limit = 20
    @Flag(help: "Print the runs with their stages as JSON.") var json = false

    func run() throws {
        let runs = try storeOptions.openForReading().runs(limit: limit)
        if json { return try Output.printJSON(runs) }
        if runs.isEmpty { print("no runs yet") }
        // A run still marked running while no process holds the store's lock was killed (or
        // crashed) mid-way: say so, rather than let it look alive for ever.
        let lockHeld = RunLock.isHeld(at: storeOptions.resolvedPath + ".lock")
        for r in runs {
            let took = r.finishedAt.map { " in \($0 - r.startedAt) s" } ?? ""
            let last = r.stages.last { $0.status == .succeeded }?.stage ?? "none"
            let status =
                r.status == .running && !lockHeld
                ? "died (running, but no process holds the store's lock)" : r.status.rawValue
            print(
                "\(r.id)  \(r.pipeline)  \(RFC3339.format(r.startedAt))  \(status)\(took)  last finished stage: \(last)"
            )
            if r.status == .running && !lockHeld { print("    resume it: vigil run PIPELINE_FILE --resume \(r.id)") }
            if let e = r.error { print("    error: \(e)") }
        }
    }
}
