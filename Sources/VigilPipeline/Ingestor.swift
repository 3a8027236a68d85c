internal import Crypto
internal import Foundation
public import Logging
public import VigilArchive
public import VigilCore
public import VigilStore

/// Progress of a long ingest, for a terminal progress line.
public struct IngestProgress: Sendable {
    public var archiveIndex: Int
    public var archiveCount: Int
    public var archiveName: String
    public var records: Int
    public var deploys: Int
}

/// Loads deploy-history archives into the store: the ingest stage of the pipeline.
///
/// Each archive is one transaction. An archive already ingested (same SHA-256) is
/// `unchanged`; one that is rejected whole leaves the store as it was, except for a
/// record of the rejection and its problems.
public struct Ingestor: Sendable {
    /// How far an archive's times may be from this machine's clock. A deploy dated in the year
    /// 9999 would otherwise become the newest data for ever: bundles are versioned by the data's
    /// date, and versions only grow.
    public struct TimeBounds: Sendable, Hashable {
        /// How far past the wall clock an export, or past its export a deploy's start, may be.
        public var maxClockSkew: Int64
        /// How long before its export a deploy may have started.
        public var maxDeployAge: Int64
        /// The wall clock (Unix seconds); tests pin it.
        public var now: @Sendable () -> Int64

        public init(
            maxClockSkew: Int64 = 86_400,
            maxDeployAge: Int64 = 400 * 86_400,
            now: (@Sendable () -> Int64)? = nil
        ) {
            self.maxClockSkew = maxClockSkew
            self.maxDeployAge = maxDeployAge
            self.now = now ?? { Int64(Date().timeIntervalSince1970) }
        }

        public static func == (a: TimeBounds, b: TimeBounds) -> Bool {
            a.maxClockSkew == b.maxClockSkew && a.maxDeployAge == b.maxDeployAge
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(maxClockSkew)
            hasher.combine(maxDeployAge)
        }
    }

    public var store: HistoryStore
    public var limits: ArchiveLimits
    public var timeBounds = TimeBounds()
    public var logger: Logger
    /// Called after each record is applied, inside the archive's transaction; a test uses it to inject failures.
    public var afterRecord: (@Sendable (Int) throws -> Void)?

    public init(
        store: HistoryStore,
        limits: ArchiveLimits = ArchiveLimits(),
        logger: Logger = Logger(label: "vigil.ingest", factory: { _ in SwiftLogNoOpLogHandler() }),
        afterRecord: (@Sendable (Int) throws -> Void)? = nil
    ) {
        self.store = store
        self.limits = limits
        self.logger = logger
        self.afterRecord = afterRecord
    }

    /// Ingests archives in order.
    ///
    /// - Throws: only when the store cannot even record a rejection; an archive that fails
    ///   for any other reason is a `rejected` line in the report, and the next one is tried.
    public func ingest(paths: [String], progress: ((IngestProgress) -> Void)? = nil) throws -> IngestReport {
        var report = IngestReport()
        for (i, path) in paths.enumerated() {
            let name = (path as NSString).lastPathComponent
            let (result, problems) = try ingest(path: path) { records, deploys in
                progress?(
                    IngestProgress(
                        archiveIndex: i,
                        archiveCount: paths.count,
                        archiveName: name,
                        records: records,
                        deploys: deploys
                    )
                )
            }
            report.add(result, problems: problems)
        }
        return report
    }

    /// Ingests one archive.
    public func ingest(
        path: String,
        progress: ((_ records: Int, _ deploys: Int) -> Void)? = nil
    ) throws -> (ArchiveIngestResult, [Problem]) {
        let name = (path as NSString).lastPathComponent
        let sha256: String
        let size: Int64
        do {
            (sha256, size) = try Self.sha256(ofFileAt: path)
        } catch {
            let message = "Cannot read '\(path)': \(error.localizedDescription)"
            logger.error("\(message)")
            return (
                ArchiveIngestResult(path: path, sha256: "", status: .rejected, error: message),
                [.error("unreadable", message)]
            )
        }
        if let removal = try store.forgottenArchive(sha256: sha256) {
            let message =
                "forgotten on \(RFC3339.format(removal.at)) (\(removal.reason)); not ingested again"
            logger.info("skipped \(name): \(message)")
            return (ArchiveIngestResult(path: path, sha256: sha256, status: .forgotten, error: message), [])
        }
        if try store.archiveStatus(sha256: sha256) == "ingested" {
            logger.info("unchanged: \(name) was already ingested")
            return (ArchiveIngestResult(path: path, sha256: sha256, status: .unchanged), [])
        }
        let info = ArchiveInfo(
            sha256: sha256,
            name: name,
            // Absolute, so that `--forget` can read it again from any working directory.
            path: URL(fileURLWithPath: path).standardizedFileURL.path,
            sizeBytes: size,
            ingestedAt: Int64(Date().timeIntervalSince1970)
        )
        var problems: [Problem] = []
        var manifest: Manifest?
        do {
            let counts = try store.ingest(info) { session in
                try load(path: path, into: session, problems: &problems, manifest: &manifest, progress: progress)
            }
            logger.info("ingested \(name): \(counts.deploysAdded) deploys added, \(counts.deploysUpdated) updated")
            return (ArchiveIngestResult(path: path, sha256: sha256, status: .ingested, counts: counts), problems)
        } catch {
            // The transaction rolled back. Whatever stopped this archive (its content, or the store
            // refusing it, such as a blob over SQLite's limit) must not stop the archives after it:
            // record the rejection and go on. If even that fails, the store itself is broken.
            let message: String
            let kind: String
            if let archiveError = error as? ArchiveError {
                message = archiveError.message
                kind = archiveError.code.description
            } else {
                message = "'\(path)' could not be stored: \(error)"
                kind = "store_failed"
            }
            problems.append(.error(kind, message))
            problems = Self.capped(problems)
            try store.recordRejection(info, error: message, manifest: manifest, problems: problems)
            logger.error("rejected \(name): \(message)")
            return (ArchiveIngestResult(path: path, sha256: sha256, status: .rejected, error: message), problems)
        }
    }

    private func load(
        path: String,
        into session: IngestSession,
        problems: inout [Problem],
        manifest: inout Manifest?,
        progress: ((Int, Int) -> Void)?
    ) throws -> ArchiveCounts {
        var counts = ArchiveCounts()
        var records = 0
        var deploys = 0
        try forEachRecord(inArchiveAt: path) { record in
            switch record {
            case .manifest(let m):
                let now = timeBounds.now()
                if m.exportedAt > now + timeBounds.maxClockSkew {
                    throw ArchiveError(
                        code: .invalidManifest,
                        message:
                            "'\(path)': manifest.json field 'exported_at' is \(RFC3339.format(m.exportedAt)), more than "
                            + "\(timeBounds.maxClockSkew / 3600) h after this machine's clock (\(RFC3339.format(now))); "
                            + "an archive from the future is refused (check the exporter's clock, or --max-clock-skew)"
                    )
                }
                manifest = m
                try session.setManifest(m)
            case .deploy(let deploy, let entry):
                deploys += 1
                if let reason = implausibleStart(deploy, exportedAt: manifest?.exportedAt) {
                    counts.deploysRejected += 1
                    problems.append(.error("deploy_rejected", entry: entry, "'\(entry)' is rejected: \(reason)."))
                    break
                }
                switch try session.upsertDeploy(deploy) {
                case .added: counts.deploysAdded += 1
                case .updated: counts.deploysUpdated += 1
                case .identical:
                    break
                case .conflict(let incomingKept):
                    if incomingKept { counts.deploysUpdated += 1 }
                    problems.append(
                        .warning(
                            "conflicting_deploy",
                            entry: entry,
                            "Deploy '\(deploy.id)' has two different copies exported at the same time; the one with "
                                + "the larger content digest was kept (\(incomingKept ? "this one" : "the stored one")), "
                                + "whatever the order of ingest."
                        )
                    )
                case .keptNewer:
                    counts.deploysKeptNewer += 1
                    problems.append(
                        .warning(
                            "stale_deploy",
                            entry: entry,
                            "Deploy '\(deploy.id)' is already stored from a later export; this older copy was ignored."
                        )
                    )
                }
            case .deploySeries(let deployId, let metric, let entry, let series):
                if try !session.putSeries(deployId: deployId, metric: metric, series) {
                    problems.append(
                        .warning(
                            "stale_series",
                            entry: entry,
                            "Series of '\(deployId)/\(metric)' are already stored from a later export; ignored."
                        )
                    )
                }
            case .history(let app, let metric, let entry, let series):
                if let reason = implausibleSpan(series, exportedAt: manifest?.exportedAt) {
                    problems.append(.error("history_rejected", entry: entry, "'\(entry)' is rejected: \(reason)."))
                    break
                }
                counts.historySeries += 1
                counts.points += series.count
                if let warning = try session.mergeHistory(app: app, metric: metric, series) {
                    problems.append(.warning("history_merge", entry: entry, warning))
                }
            case .feedback(let label, let entry, let line):
                try session.addFeedback(label, entry: entry, line: line)
            case .incident(let incident, let entry, let line):
                try session.addIncident(incident, entry: entry, line: line)
            case .problem(let problem):
                if problem.kind == "deploy_rejected" { counts.deploysRejected += 1 }
                problems.append(problem)
            case .labelFileSummary(_, _, let skipped):
                counts.labelLinesSkipped += skipped
            case .unparsedSeries:
                preconditionFailure("forEachRecord parses handed-off series before they get here")
            }
            records += 1
            if records % 256 == 0 { progress?(records, deploys) }
            try afterRecord?(records)
        }
        for orphan in try session.dropOrphanSeries() {
            problems.append(
                .warning(
                    "orphan_series",
                    entry: "metrics/\(orphan.deployId)/",
                    "Metrics for deploy '\(orphan.deployId)', which is neither in this archive nor in the store, "
                        + "were dropped (\(orphan.count) host series)."
                )
            )
        }
        let stored = try session.seriesTotals()
        counts.series = stored.series
        counts.points += stored.points
        let labels = try session.labelCounts()
        counts.labelsApplied = labels.applied
        counts.labelsPending = labels.pending
        counts.labelsResolvedFromPending = labels.resolvedFromPending
        problems = Self.capped(problems)
        for p in problems { try session.addProblem(p) }
        try session.finish(counts)
        return counts
    }

    /// Problems of one kind an archive records in full; past that, one line counts the rest.
    public static let problemsPerKind = 100

    /// The first ``problemsPerKind`` problems of each kind, in order, and for each kind with
    /// more, one problem saying how many more there were: an archive of 100,000 bad rows must
    /// not grow the store by 100,000 rows.
    static func capped(_ problems: [Problem]) -> [Problem] {
        var seen: [String: Int] = [:]
        var kept: [Problem] = []
        var worst: [String: Problem.Severity] = [:]
        for p in problems {
            seen[p.kind, default: 0] += 1
            if seen[p.kind]! <= problemsPerKind {
                kept.append(p)
            } else if p.severity == .error {
                worst[p.kind] = .error
            }
        }
        for (kind, count) in seen.sorted(by: { $0.key < $1.key }) where count > problemsPerKind {
            let more = count - problemsPerKind
            kept.append(
                Problem(
                    kind: kind,
                    severity: worst[kind] ?? .warning,
                    entry: nil,
                    line: nil,
                    message: "… and \(more) more '\(kind)' problem(s) in this archive, not listed one by one."
                )
            )
        }
        return kept
    }

    /// Why a deploy's start cannot be true, or `nil`: after its export or the wall clock (beyond
    /// the allowed skew), or long before its export.
    func implausibleStart(_ deploy: Deploy, exportedAt: Int64?) -> String? {
        let now = timeBounds.now()
        let latest = min(exportedAt ?? now, now) + timeBounds.maxClockSkew
        let started = RFC3339.format(deploy.startedAt)
        if deploy.startedAt > latest {
            return exportedAt.map {
                "field 'started_at' (\(started)) is after the archive's export (\(RFC3339.format($0)))"
            }
            .map { $0 + " or this machine's clock (\(RFC3339.format(now)))" }
                ?? "field 'started_at' (\(started)) is after this machine's clock (\(RFC3339.format(now)))"
        }
        if let exportedAt, deploy.startedAt < exportedAt - timeBounds.maxDeployAge {
            return
                "field 'started_at' (\(started)) is more than \(timeBounds.maxDeployAge / 86_400) days before the archive's "
                + "export (\(RFC3339.format(exportedAt)))"
        }
        return nil
    }

    /// Why a history series cannot be true, or `nil`: points after its export or the wall clock
    /// (beyond the allowed skew), or long before its export (a timestamp of 1, say).
    func implausibleSpan(_ series: RegularSeries, exportedAt: Int64?) -> String? {
        guard series.count > 0 else { return nil }
        let now = timeBounds.now()
        let latest = min(exportedAt ?? now, now) + timeBounds.maxClockSkew
        if series.end > latest {
            return "a point at \(RFC3339.format(series.end)) is after the archive's export or this machine's clock"
        }
        if let exportedAt, series.start < exportedAt - timeBounds.maxDeployAge {
            return "a point at \(RFC3339.format(series.start)) is more than \(timeBounds.maxDeployAge / 86_400) days "
                + "before the archive's export (\(RFC3339.format(exportedAt)))"
        }
        return nil
    }

    /// Reads the archive on a second thread (decompression and parsing) while `body` runs on
    /// this one (the store's transaction), so ingest uses both cores. Records arrive in
    /// archive order; an error on either side stops both and is rethrown here.
    func forEachRecord(inArchiveAt path: String, _ body: (ArchiveRecord) throws -> Void) throws {
        enum Item: Sendable {
            case record(ArchiveRecord)
            case failed(any Error)
            case finished
        }
        struct Stopped: Error {}
        let queue = BoundedQueue<Item>(capacity: 64)
        let limits = self.limits
        // Parsing series is the reader's heaviest work. When the writer has caught up (few records
        // waiting), the reader hands series files over unparsed and the writer parses them, so
        // the two threads share the load whichever side is slower.
        let readerDone = DispatchSemaphore(value: 0)
        let reader = Thread {
            defer { readerDone.signal() }
            do {
                try DeployHistoryReader.read(archiveAt: path, limits: limits, handOff: { queue.count < 4 }) { record in
                    guard queue.push(.record(record)) else { throw Stopped() }
                }
                queue.push(.finished)
            } catch is Stopped {
            } catch {
                queue.push(.failed(error))
            }
        }
        reader.stackSize = 8 << 20
        reader.start()
        // If body throws, close the queue so the reader stops at its next record, and wait for it:
        // no reading goes on behind a failed archive.
        defer {
            queue.close()
            readerDone.wait()
        }
        while true {
            switch queue.pop() {
            case .record(.unparsedSeries(let unparsed)):
                for record in unparsed.parse() { try body(record) }
            case .record(let record): try body(record)
            case .failed(let error): throw error
            case .finished: return
            }
        }
    }

    /// The SHA-256 (hex) and size of a file, read in 1 MiB chunks.
    static func sha256(ofFileAt path: String) throws -> (String, Int64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(data: chunk)
            size += Int64(chunk.count)
        }
        let hex = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return (hex, size)
    }
}
