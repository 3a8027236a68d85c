import ArgumentParser
internal import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import VigilPipeline

struct ScheduleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Run every scheduled pipeline of a folder at its cron times, until SIGTERM.",
        discussion: """
            Each pipeline file with a `schedule: {cron, timezone}` section runs at its times, in its
            time zone, as `vigil run PIPELINE --resume-unfinished`. It lists what it found, and when
            each runs next, at start and whenever a file changes; a folder with no scheduled pipeline
            exits 66 with that list. After downtime, a missed schedule
            runs once, however many times it was missed (the last fire times are kept in --state).
            On SIGTERM or SIGINT no new run starts; the current run finishes its stage and stops
            (it resumes at the next schedule), and the scheduler exits with status 0.
            To schedule outside vigil, see Pipelines/deploy/ (a Kubernetes CronJob, a systemd timer).
            """
    )

    @Argument(help: "The folder of pipeline files.") var directory: String
    @Option(help: ArgumentHelp("Where the last fire times are kept.", valueName: "file"))
    var state = ".vigil/schedule-state.json"

    func validate() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("'\(directory)' is not a directory.")
        }
    }

    func run() throws {
        let executable =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let scheduler = PipelineScheduler(directory: directory, statePath: state, executable: executable) { line in
            Output.warn("[schedule \(ISO8601DateFormatter().string(from: Date()))] \(line)")
        }
        // Nothing to run is a mistake to report now, not to wait on for ever.
        let found = scheduler.survey()
        guard found.contains(where: { $0.next != nil }) else {
            throw failure(
                .noInput,
                "No scheduled pipeline in '\(directory)'"
                    + (found.isEmpty
                        ? " (no .yaml files)." : ":\n" + found.map { "  " + $0.line }.joined(separator: "\n"))
            )
        }
        let logger = Logger(label: "vigil.schedule", factory: { _ in SwiftLogNoOpLogHandler() })
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: scheduler)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        let done = DispatchSemaphore(value: 0)
        let failure = StopFlag()
        Task {
            do { try await group.run() } catch { failure.set() }
            done.signal()
        }
        done.wait()
        if failure.isSet { throw ExitCode.failure }
    }
}
