internal import Foundation
internal import GRDB
public import VigilCore

/// What the store records about one archive file.
public struct ArchiveInfo: Sendable, Hashable {
    public var sha256: String
    public var name: String
    public var path: String
    public var sizeBytes: Int64
    /// Wall-clock Unix time of the ingest.
    public var ingestedAt: Int64

    public init(sha256: String, name: String, path: String, sizeBytes: Int64, ingestedAt: Int64) {
        self.sha256 = sha256
        self.name = name
        self.path = path
        self.sizeBytes = sizeBytes
        self.ingestedAt = ingestedAt
    }
}

/// The tallies of one ingested archive.
public struct ArchiveCounts: Sendable, Hashable, Codable {
    public var deploysAdded = 0
    public var deploysUpdated = 0
    public var deploysRejected = 0
    /// Deploys this archive carried that the store already had from a later export.
    public var deploysKeptNewer = 0
    public var series = 0
    public var points = 0
    public var historySeries = 0
    public var labelsApplied = 0
    public var labelsPending = 0
    /// Labels of earlier archives that this archive's deploys resolved.
    public var labelsResolvedFromPending = 0
    public var labelLinesSkipped = 0

    public init() {}
}

extension HistoryStore {
    /// The status of an archive already seen, by content hash.
    public func archiveStatus(sha256: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT status FROM archive WHERE sha256 = ?", arguments: [sha256])
        }
    }

    /// Runs `body` in one write transaction for one archive; if it throws, nothing it did is kept.
    ///
    /// A previous rejected attempt of the same archive is replaced.
    public func ingest<T>(_ info: ArchiveInfo, _ body: (IngestSession) throws -> T) throws -> T {
        try writer.write { db in
            try db.execute(
                sql: "DELETE FROM archive WHERE sha256 = ? AND status = 'rejected'",
                arguments: [info.sha256]
            )
            try db.cachedStatement(
                sql: """
                    INSERT INTO archive (sha256, name, path, size_bytes, status, ingested_at)
                    VALUES (?, ?, ?, ?, 'ingested', ?)
                    """
            ).execute(
                arguments: [info.sha256, info.name, info.path, info.sizeBytes, info.ingestedAt]
            )
            let session = try IngestSession(db: db, archiveId: db.lastInsertedRowID, archiveName: info.name)
            return try body(session)
        }
    }

    /// Records an archive that was rejected whole, with its problems, in a transaction of its own.
    public func recordRejection(_ info: ArchiveInfo, error: String, manifest: Manifest?, problems: [Problem]) throws {
        try writer.write { db in
            try db.execute(
                sql: "DELETE FROM archive WHERE sha256 = ? AND status = 'rejected'",
                arguments: [info.sha256]
            )
            try db.cachedStatement(
                sql: """
                    INSERT INTO archive (sha256, name, path, size_bytes, status, error, ingested_at, exported_at, source)
                    VALUES (?, ?, ?, ?, 'rejected', ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    info.sha256, info.name, info.path, info.sizeBytes, error, info.ingestedAt, manifest?.exportedAt,
                    manifest?.source,
                ]
            )
            let id = db.lastInsertedRowID
            for p in problems { try insertProblem(db, archiveId: id, archiveName: info.name, p) }
        }
    }
}

func insertProblem(_ db: Database, archiveId: Int64?, archiveName: String, _ p: Problem) throws {
    try db.cachedStatement(
        sql:
            "INSERT INTO problem (archive_id, archive, entry, line, severity, kind, message) VALUES (?, ?, ?, ?, ?, ?, ?)"
    ).execute(arguments: [archiveId, archiveName, p.entry, p.line, p.severity.rawValue, p.kind, p.message])
}

/// The writes of one archive's ingest, inside its transaction.
public final class IngestSession {
    public enum DeployUpsert: Sendable, Equatable {
        case added
        case updated
        /// The store has this deploy from a later export; the incoming copy was ignored.
        case keptNewer
        /// The store has the same copy from the same export time.
        case identical
        /// The store has a different copy exported at the same time: the one with the larger
        /// content digest is kept, whatever the order (`incomingKept` says which).
        case conflict(incomingKept: Bool)
    }

    /// A digest of a deploy's content (FNV-1a 64 over its JSON with sorted keys): the same on
    /// every machine, so a tie between two copies is decided the same way everywhere.
    static func digest(_ d: Deploy) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = (try? encoder.encode(d)) ?? Data()
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes {
            hash ^= UInt64(b)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    let db: Database
    public let archiveId: Int64
    let archiveName: String
    /// The export time of the archive, which orders copies of the same deploy or history.
    public private(set) var exportedAt: Int64 = 0
    private let pendingBefore: Set<String>

    init(db: Database, archiveId: Int64, archiveName: String) throws {
        self.db = db
        self.archiveId = archiveId
        self.archiveName = archiveName
        pendingBefore = try Self.pendingKeys(db)
    }

    /// A session writing again, on behalf of an archive already stored, the records of it that a
    /// forgotten archive had displaced.
    init(db: Database, restoring archive: StoredArchive) {
        self.db = db
        archiveId = archive.id
        archiveName = archive.name
        exportedAt = archive.exportedAt ?? 0
        pendingBefore = []
    }

    private static func pendingKeys(_ db: Database) throws -> Set<String> {
        // Keyed by what the label is about, not by row, so a newer version of a label that is
        // still pending does not count as resolving it.
        let feedback = try String.fetchAll(
            db,
            sql: "SELECT 'f:' || length(deploy_id) || ':' || deploy_id || alert_id FROM pending_feedback"
        )
        let incidents = try String.fetchAll(db, sql: "SELECT 'i:' || id FROM pending_incident")
        return Set(feedback + incidents)
    }

    public func setManifest(_ manifest: Manifest) throws {
        exportedAt = manifest.exportedAt
        try db.cachedStatement(
            sql: "UPDATE archive SET exported_at = ?, source = ?, period_from = ?, period_to = ? WHERE id = ?"
        ).execute(
            arguments: [manifest.exportedAt, manifest.source, manifest.periodFrom, manifest.periodTo, archiveId]
        )
    }

    /// Stores a deploy, replacing an earlier copy unless the stored copy comes from a later export.
    public func upsertDeploy(_ d: Deploy) throws -> DeployUpsert {
        let digest = Self.digest(d)
        let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT exported_at, digest FROM deploy WHERE id = ?"),
            arguments: [d.id]
        )
        var outcome = DeployUpsert.added
        if let row {
            let existing: Int64 = row["exported_at"]
            let stored: String? = row["digest"]
            if existing > exportedAt { return .keptNewer }
            outcome = .updated
            if existing == exportedAt, let stored {
                if stored == digest { return .identical }
                if stored > digest { return .conflict(incomingKept: false) }
                outcome = .conflict(incomingKept: true)
            }
            try db.cachedStatement(sql: "DELETE FROM deploy WHERE id = ?").execute(arguments: [d.id])
        }
        try db.cachedStatement(
            sql: """
                INSERT INTO deploy (id, app, env, strategy, started_at, finished_at, end_at, outcome, change_commit,
                    change_summary, guard_ran, guard_bundle_version, archive_id, exported_at, digest)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                d.id, d.app, d.env, d.strategy?.rawValue, d.startedAt, d.finishedAt, d.effectiveEnd,
                d.outcome?.rawValue,
                d.change?.commit, d.change?.summary, d.guardRun != nil, d.guardRun?.bundleVersion, archiveId,
                exportedAt, digest,
            ]
        )
        var seenBatches = Set<Int>()
        for b in d.batches where seenBatches.insert(b.index).inserted {
            try db.cachedStatement(
                sql: "INSERT INTO batch (deploy_id, idx, started_at, finished_at) VALUES (?, ?, ?, ?)"
            ).execute(
                arguments: [d.id, b.index, b.startedAt, b.finishedAt]
            )
        }
        var position = 0
        for b in d.batches {
            for h in b.hosts {
                try db.cachedStatement(
                    sql:
                        "INSERT OR IGNORE INTO deploy_host (deploy_id, host, role, batch_idx, position) VALUES (?, ?, 'released', ?, ?)"
                ).execute(
                    arguments: [d.id, h, b.index, position]
                )
                position += 1
            }
        }
        for h in d.baselineHosts {
            try db.cachedStatement(
                sql:
                    "INSERT OR IGNORE INTO deploy_host (deploy_id, host, role, batch_idx, position) VALUES (?, ?, 'baseline', NULL, ?)"
            ).execute(
                arguments: [d.id, h, position]
            )
            position += 1
        }
        for (i, m) in d.metrics.enumerated() {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO deploy_metric (deploy_id, position, name, kind, unit, direction, step_s)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [d.id, i, m.name, m.kind?.rawValue, m.unit, m.direction.rawValue, m.stepSeconds]
            )
        }
        for (i, a) in d.alerts.enumerated() {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO alert (deploy_id, position, id, at, batch_idx, detector, metric, action)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [d.id, i, a.id, a.at, a.batch, a.detector, a.metric, a.action]
            )
        }
        return outcome
    }

    /// Stores the host series of one metric of one deploy, replacing every host's earlier copy,
    /// unless the stored copy comes from a later export.
    ///
    /// - Returns: `false` when the stored copy was kept.
    public func putSeries(deployId: String, metric: String, _ series: [HostSeries]) throws -> Bool {
        let newest = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT MAX(exported_at) FROM series WHERE deploy_id = ? AND metric = ?"),
            arguments: [deployId, metric]
        )
        if let newest, newest > exportedAt { return false }
        try db.cachedStatement(sql: "DELETE FROM series WHERE deploy_id = ? AND metric = ?").execute(arguments: [
            deployId, metric,
        ])
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO series (deploy_id, metric, host, start, step, count, missing, data, archive_id, exported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        )
        for s in series {
            try insert.execute(arguments: [
                deployId, metric, s.host, s.series.start, s.series.step, s.series.count, s.series.missingCount,
                SeriesBlob.encode(s.series.values), archiveId, exportedAt,
            ])
        }
        return true
    }

    /// Merges app-level history into the stored one: the union of both, the later export's values winning.
    ///
    /// A missing point never erases a stored value. When the steps differ, both are laid on
    /// the finer common grid (their greatest common divisor); a grid offset is corrected by
    /// moving the incoming points to the stored grid.
    ///
    /// - Returns: a warning to report, if the merge had to resolve a conflict.
    public func mergeHistory(app: String, metric: String, _ incoming: RegularSeries) throws -> String? {
        var warning: String?
        var merged = incoming
        var mergedExport = exportedAt
        if let row = try Row.fetchOne(
            db,
            sql: "SELECT start, step, count, data, exported_at FROM history WHERE app = ? AND metric = ?",
            arguments: [app, metric]
        ) {
            let storedExport: Int64 = row["exported_at"]
            let count: Int = row["count"]
            guard let values = SeriesBlob.decode(row["data"], count: count) else {
                throw StoreError(code: .corruptBlob, message: "The stored history of \(app)/\(metric) is corrupt.")
            }
            let stored = RegularSeries(start: row["start"], step: row["step"], values: values)
            let incomingIsNewer = exportedAt >= storedExport
            // Different steps (say 5-minute back history, then 1-minute days) merge on the finer
            // common grid, as long as it is no more than 60 times finer than the coarser one.
            let fine = gcd(stored.step, incoming.step)
            let base: RegularSeries
            var aligned: RegularSeries
            if max(stored.step, incoming.step) / fine <= 60 {
                base = stored.regridded(toStep: fine)
                aligned = incoming.regridded(toStep: fine)
            } else {
                // Steps too far apart to share a grid: the finer history wins, whichever is newer,
                // so one coarse (or broken) export never wipes weeks of minute data.
                let incomingIsFiner = incoming.step < stored.step
                base = incomingIsFiner ? incoming : stored
                aligned = base
                warning =
                    "history \(app)/\(metric): step \(incoming.step) s cannot share a grid with the stored "
                    + "\(stored.step) s; "
                    + (incomingIsFiner
                        ? "the finer incoming history replaced the stored one"
                        : "the finer stored history was kept and the incoming points were ignored")
            }
            let offset = ((aligned.start - base.start) % fine + fine) % fine
            if offset != 0 {
                aligned.start += offset * 2 >= fine ? fine - offset : -offset
                warning = "history \(app)/\(metric): points moved by \(offset) s onto the stored grid"
            }
            // A union spanning far more slots than both have points (a timestamp in milliseconds, a
            // clock years off) would allocate without bound: keep the stored history instead.
            let lo = min(base.start, aligned.start)
            let hi = max(base.end, aligned.end)
            let slots = (hi - lo) / base.step + 1
            if slots > Int64(base.count + aligned.count) * 50 + 10_000 || slots > SeriesLimits.maxLength {
                warning =
                    "history \(app)/\(metric): the incoming points (\(RFC3339.format(incoming.start)) to "
                    + "\(RFC3339.format(incoming.end))) lie too far from the stored history (\(RFC3339.format(stored.start)) "
                    + "to \(RFC3339.format(stored.end))) to share a grid; the incoming points were ignored"
                merged = stored
            } else {
                merged = incomingIsNewer ? base.merging(newer: aligned) : aligned.merging(newer: base)
            }
            mergedExport = max(storedExport, exportedAt)
        }
        try db.cachedStatement(
            sql: """
                INSERT OR REPLACE INTO history (app, metric, start, step, count, missing, data, archive_id, exported_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                app, metric, merged.start, merged.step, merged.count, merged.missingCount,
                SeriesBlob.encode(merged.values), archiveId, mergedExport,
            ]
        )
        try db.cachedStatement(
            sql: "INSERT OR IGNORE INTO history_source (app, metric, archive_id) VALUES (?, ?, ?)"
        ).execute(arguments: [app, metric, archiveId])
        return warning
    }

    public func addFeedback(_ label: FeedbackLabel, entry: String, line: Int) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO feedback (deploy_id, alert_id, verdict, labeled_by, labeled_at, note, archive_id, exported_at,
                    entry, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            label.deployId, label.alertId, label.verdict.rawValue, label.labeledBy, label.labeledAt, label.note,
            archiveId,
            exportedAt, entry, line,
        ])
    }

    public func addIncident(_ incident: Incident, entry: String, line: Int) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO incident (id, app, deploy_id, cause, severity, start, end, metrics, hosts, archive_id,
                    exported_at, entry, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(arguments: [
            incident.id, incident.app, incident.deployId, incident.cause.rawValue, incident.severity, incident.start,
            incident.end, incident.metrics.map(encodeList), incident.hosts.map(encodeList), archiveId, exportedAt,
            entry, line,
        ])
    }

    public func addProblem(_ problem: Problem) throws {
        try insertProblem(db, archiveId: archiveId, archiveName: archiveName, problem)
    }

    /// Removes the series this archive stored for deploys the store does not have.
    ///
    /// - Returns: the deploy ids and how many host series each lost.
    public func dropOrphanSeries() throws -> [(deployId: String, count: Int)] {
        let rows = try Row.fetchAll(
            db,
            sql: """
                SELECT deploy_id, COUNT(*) AS n FROM series s
                WHERE archive_id = ? AND NOT EXISTS (SELECT 1 FROM deploy d WHERE d.id = s.deploy_id)
                GROUP BY deploy_id ORDER BY deploy_id
                """,
            arguments: [archiveId]
        )
        try db.cachedStatement(
            sql: """
                DELETE FROM series WHERE archive_id = ?
                AND NOT EXISTS (SELECT 1 FROM deploy d WHERE d.id = series.deploy_id)
                """
        ).execute(
            arguments: [archiveId]
        )
        return rows.map { ($0["deploy_id"], $0["n"]) }
    }

    /// Label tallies after every record of the archive is in.
    public func labelCounts() throws -> (applied: Int, pending: Int, resolvedFromPending: Int) {
        let mine =
            try Int.fetchOne(
                db,
                sql:
                    "SELECT (SELECT COUNT(*) FROM feedback WHERE archive_id = ?) + (SELECT COUNT(*) FROM incident WHERE archive_id = ?)",
                arguments: [archiveId, archiveId]
            ) ?? 0
        let minePending =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT (SELECT COUNT(*) FROM feedback f WHERE f.archive_id = ?
                            AND NOT EXISTS (SELECT 1 FROM alert a WHERE a.deploy_id = f.deploy_id AND a.id = f.alert_id))
                         + (SELECT COUNT(*) FROM incident i WHERE i.archive_id = ? AND i.deploy_id IS NOT NULL
                            AND NOT EXISTS (SELECT 1 FROM deploy d WHERE d.id = i.deploy_id))
                    """,
                arguments: [archiveId, archiveId]
            ) ?? 0
        let pendingNow = try Self.pendingKeys(db)
        let resolved = pendingBefore.subtracting(pendingNow).count
        return (mine - minePending, minePending, resolved)
    }

    /// Writes the archive's tallies onto its row.
    public func finish(_ counts: ArchiveCounts) throws {
        try db.cachedStatement(
            sql: """
                UPDATE archive SET deploys_added = ?, deploys_updated = ?, deploys_rejected = ?, deploys_kept_newer = ?,
                    series = ?, points = ?, history_series = ?, labels_applied = ?, labels_pending = ?,
                    label_lines_skipped = ?
                WHERE id = ?
                """
        ).execute(
            arguments: [
                counts.deploysAdded, counts.deploysUpdated, counts.deploysRejected, counts.deploysKeptNewer,
                counts.series, counts.points, counts.historySeries, counts.labelsApplied, counts.labelsPending,
                counts.labelLinesSkipped, archiveId,
            ]
        )
    }
}

enum SeriesLimits {
    /// The longest series the store keeps (20 million points, 160 MB), far below SQLite's blob limit.
    static let maxLength: Int64 = 20_000_000
}

private func gcd(_ a: Int64, _ b: Int64) -> Int64 {
    var (x, y) = (abs(a), abs(b))
    while y != 0 { (x, y) = (y, x % y) }
    return x
}

/// Lists are stored as JSON arrays of strings.
func encodeList(_ list: [String]) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])) ?? Data("[]".utf8)
    return String(decoding: data, as: UTF8.self)
}

func decodeList(_ text: String?) -> [String]? {
    guard let text, let data = text.data(using: .utf8) else { return nil }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String]
}

extension IngestSession {
    /// The host series and points this archive left in the store.
    public func seriesTotals() throws -> (series: Int, points: Int) {
        let row = try Row.fetchOne(
            db,
            sql: "SELECT COUNT(*) AS n, COALESCE(SUM(count), 0) AS p FROM series WHERE archive_id = ?",
            arguments: [archiveId]
        )
        return (row?["n"] ?? 0, row?["p"] ?? 0)
    }
}
