public import Foundation
public import ServiceLifecycle

/// `vigil schedule DIR`: runs every scheduled pipeline of a folder at its cron times, in its time zone.
///
/// - After downtime, a pipeline whose schedule was missed (once or many times) runs once.
/// - Each run is a child `vigil run --resume-unfinished PIPELINE`, so a run the scheduler's
///   stop interrupted resumes at the next schedule.
/// - On graceful shutdown (SIGTERM, SIGINT) it starts no new run, asks the current one to stop
///   after its stage (SIGTERM to the child, which checkpoints between stages), waits, and returns.
public struct PipelineScheduler: Service {
    public var directory: String
    /// The last fire time of each pipeline, so missed schedules are noticed across restarts.
    public var statePath: String
    /// The `vigil` executable to run pipelines with.
    public var executable: String
    public var log: @Sendable (String) -> Void

    public init(directory: String, statePath: String, executable: String, log: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.statePath = statePath
        self.executable = executable
        self.log = log
    }

    struct Entry {
        var path: String
        var cron: CronExpression
        var timeZone: TimeZone
    }

    /// What the scheduler makes of one file of its folder.
    public struct Found: Sendable, Hashable {
        public var path: String
        /// When it runs next, for a scheduled, valid pipeline.
        public var next: Date?
        /// Why it does not run, or a warning about how it runs.
        public var note: String?

        /// One line for the log and the terminal.
        public var line: String {
            let when = next.map { "next run \(ISO8601DateFormatter().string(from: $0))" } ?? "not run"
            return "\(path): \(when)\(note.map { " (\($0))" } ?? "")"
        }
    }

    /// Every pipeline file of the folder, sorted by name, with when it runs next or why not.
    public func survey(now: Date = Date()) -> [Found] {
        scan(now: now).found
    }

    /// The scheduled pipelines of the folder, sorted by file name, and what was found.
    func scan(now: Date = Date()) -> (entries: [Entry], found: [Found]) {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        var entries: [Entry] = []
        var found: [Found] = []
        for name in names {
            let path = "\(directory)/\(name)"
            do {
                let p = try PipelineDefinition.load(path: path)
                guard let s = p.schedule else {
                    found.append(Found(path: path, note: "no schedule section"))
                    continue
                }
                let entry = Entry(
                    path: path,
                    cron: try CronExpression(s.cron),
                    timeZone: TimeZone(identifier: s.timeZone)!
                )
                entries.append(entry)
                found.append(
                    Found(
                        path: path,
                        next: entry.cron.next(after: now, in: entry.timeZone),
                        note: p.inputs == nil
                            ? "no inputs: each run ingests nothing and retrains on the store as it is" : nil
                    )
                )
            } catch {
                found.append(Found(path: path, note: "invalid: \(error)"))
            }
        }
        return (entries, found)
    }

    func loadState() -> [String: Double] {
        guard let data = FileManager.default.contents(atPath: statePath),
            let state = try? JSONDecoder().decode([String: Double].self, from: data)
        else { return [:] }
        return state
    }

    func saveState(_ state: [String: Double]) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        if let data = try? encoder.encode(state) { try? AtomicFile.write(Array(data), to: statePath) }
    }

    /// The latest fire time in `(after, now]`, if any: several missed fires collapse into one.
    public static func latestDue(_ cron: CronExpression, in zone: TimeZone, after: Date, now: Date) -> Date? {
        // Look back over growing windows, so a minutely cron after months of downtime costs
        // minutes of fires, not months.
        let lookbacks: [Double] = [3_600, 86_400, 32 * 86_400, 367 * 86_400, 6 * 367 * 86_400]
        for lookback in lookbacks {
            let windowStart = max(after, now.addingTimeInterval(-lookback))
            var t = windowStart
            var due: Date?
            while let next = cron.next(after: t, in: zone), next <= now {
                due = next
                t = next
            }
            if due != nil || windowStart == after { return due }
        }
        return nil
    }

    public func run() async throws {
        var state = loadState()
        log("scheduling pipelines in \(directory)")
        var lastSurvey: [String] = []
        while !Task.isShuttingDownGracefully {
            let now = Date()
            let (entries, found) = scan(now: now)
            // Say what was found whenever it changes (a file added, removed, broken or fixed).
            let survey = found.map { "\($0.path)|\($0.next == nil)|\($0.note ?? "")" }
            if survey != lastSurvey {
                lastSurvey = survey
                if found.isEmpty { log("no pipeline files in \(directory): nothing runs until one is added") }
                for f in found { log(f.line) }
                if entries.isEmpty && !found.isEmpty { log("no scheduled pipeline: nothing runs until one is fixed") }
            }
            for e in entries {
                if Task.isShuttingDownGracefully { break }
                guard let last = state[e.path].map(Date.init(timeIntervalSince1970:)) else {
                    // First sight: start counting from now, do not replay the past.
                    state[e.path] = now.timeIntervalSince1970
                    saveState(state)
                    continue
                }
                guard let due = Self.latestDue(e.cron, in: e.timeZone, after: last, now: now) else { continue }
                state[e.path] = due.timeIntervalSince1970
                saveState(state)
                log("running \(e.path) (due \(ISO8601DateFormatter().string(from: due)))")
                let status = await runChild(e.path)
                log("\(e.path) finished with status \(status)")
            }
            // Sleep until the next fire of any pipeline, at most a minute (pipelines may be added).
            let next =
                entries.compactMap { $0.cron.next(after: Date(), in: $0.timeZone) }.min()
                ?? Date().addingTimeInterval(60)
            let seconds = min(60, max(0.2, next.timeIntervalSinceNow + 0.05))
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
        }
        log("stopped")
    }

    /// Runs one pipeline as a child process; on graceful shutdown asks it to stop after its stage.
    func runChild(_ path: String) async -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["run", path, "--resume-unfinished", "--wait", "600"]
        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { p in
            exited.continuation.yield(p.terminationStatus)
            exited.continuation.finish()
        }
        do { try process.run() } catch {
            log("cannot start \(executable): \(error)")
            return -1
        }
        let pid = process.processIdentifier
        return await withGracefulShutdownHandler {
            var status: Int32 = -1
            for await s in exited.stream { status = s }
            return status
        } onGracefulShutdown: {
            kill(pid, SIGTERM)
        }
    }
}
