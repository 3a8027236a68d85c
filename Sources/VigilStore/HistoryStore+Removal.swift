internal import GRDB
public import VigilCore

/// One removal recorded in the store.
public struct Removal: Sendable, Hashable, Codable {
    public var what: String
    public var id: String
    public var at: Int64
    public var reason: String
    /// What went with it (app, start, series, the archive it came from).
    public var detail: String
}

extension HistoryStore {
    /// Removes deploys (their hosts, metrics, alerts and series) in one transaction and records
    /// each removal. Labels that name a removed deploy stay, pending: if a later archive brings
    /// the deploy back they apply again.
    ///
    /// - Throws: ``StoreError`` `notFound` naming the first unknown id; then nothing is removed.
    public func deleteDeploys(ids: [String], reason: String, at: Int64) throws -> [Removal] {
        try writer.write { db in
            var removals: [Removal] = []
            for id in ids {
                guard
                    let row = try Row.fetchOne(
                        db,
                        sql: """
                            SELECT d.app, d.started_at, a.name AS archive FROM deploy d
                            JOIN archive a ON a.id = d.archive_id WHERE d.id = ?
                            """,
                        arguments: [id]
                    )
                else {
                    throw StoreError(code: .notFound, message: "No deploy '\(id)' in the store; nothing was removed.")
                }
                let series =
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series WHERE deploy_id = ?", arguments: [id]) ?? 0
                try db.execute(sql: "DELETE FROM series WHERE deploy_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM deploy WHERE id = ?", arguments: [id])
                let app: String = row["app"]
                let started: Int64 = row["started_at"]
                let archive: String = row["archive"]
                let removal = Removal(
                    what: "deploy",
                    id: id,
                    at: at,
                    reason: reason,
                    detail: "app \(app), started \(RFC3339.format(started)), \(series) host series, from \(archive)"
                )
                try db.execute(
                    sql: "INSERT INTO removal (what, id, at, reason, detail) VALUES (?, ?, ?, ?, ?)",
                    arguments: [removal.what, removal.id, removal.at, removal.reason, removal.detail]
                )
                removals.append(removal)
            }
            return removals
        }
    }

    /// Every recorded removal, oldest first.
    public func removals() throws -> [Removal] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT what, id, at, reason, detail FROM removal ORDER BY row_id").map {
                Removal(what: $0["what"], id: $0["id"], at: $0["at"], reason: $0["reason"], detail: $0["detail"])
            }
        }
    }
}

/// An archive the store knows, as `vigil ingest --forget` finds it.
public struct StoredArchive: Sendable, Hashable, Codable {
    public var id: Int64
    public var sha256: String
    public var name: String
    /// Where it was read from when ingested.
    public var path: String
    /// `ingested` or `rejected`.
    public var status: String
    public var exportedAt: Int64?
}

/// What forgetting an archive took out of the store, and what other archives put back.
public struct ForgetOutcome: Sendable, Hashable, Codable {
    public var removal: Removal
    /// Deploys whose stored copy came from the archive and that no other archive carries.
    public var deploysRemoved: [String] = []
    /// Deploys whose stored copy came from the archive, now back to another archive's copy.
    public var deploysRestored: [String] = []
    /// How many fewer host series the store holds (of removed deploys, or the archive's own copies).
    public var seriesRemoved = 0
    /// History series the archive contributed to, rebuilt from the other archives (`app/metric`).
    public var historyRebuilt: [String] = []
    /// Of those, the ones no other archive carries: now gone.
    public var historyRemoved: [String] = []
    public var labelsRemoved = 0
    public var incidentsRemoved = 0
    public var problemsRemoved = 0
}

/// What forgetting an archive would touch: computed before reading the other archives.
public struct ForgetScope: Sendable, Hashable {
    public struct SeriesKey: Sendable, Hashable {
        public var deployId: String
        public var metric: String
    }
    public struct HistoryKey: Sendable, Hashable, Comparable {
        public var app: String
        public var metric: String
        public static func < (a: HistoryKey, b: HistoryKey) -> Bool { (a.app, a.metric) < (b.app, b.metric) }
    }
    public var deploys: Set<String> = []
    public var series: Set<SeriesKey> = []
    public var history: Set<HistoryKey> = []

    /// Whether other archives must be read again to put back what this one displaced.
    public var needsRestore: Bool { !deploys.isEmpty || !series.isEmpty || !history.isEmpty }
}

/// The writes that put back, from one other archive, what a forgotten archive displaced.
public struct RestoreSession {
    public let scope: ForgetScope
    let session: IngestSession

    /// Stores this archive's copy of a displaced deploy (the newest copy among the others wins).
    public func restoreDeploy(_ deploy: Deploy) throws {
        guard scope.deploys.contains(deploy.id) else { return }
        _ = try session.upsertDeploy(deploy)
    }

    public func restoreSeries(deployId: String, metric: String, _ series: [HostSeries]) throws {
        guard scope.series.contains(.init(deployId: deployId, metric: metric)) else { return }
        _ = try session.putSeries(deployId: deployId, metric: metric, series)
    }

    public func restoreHistory(app: String, metric: String, _ series: RegularSeries) throws {
        guard scope.history.contains(.init(app: app, metric: metric)) else { return }
        _ = try session.mergeHistory(app: app, metric: metric, series)
    }
}

extension HistoryStore {
    /// Every archive the store knows, in export order.
    public func storedArchives() throws -> [StoredArchive] {
        try writer.read { db in try Self.storedArchives(db, onlyIngested: false) }
    }

    private static func storedArchives(_ db: Database, onlyIngested: Bool) throws -> [StoredArchive] {
        try Row.fetchAll(
            db,
            sql: "SELECT id, sha256, name, path, status, exported_at FROM archive "
                + (onlyIngested ? "WHERE status = 'ingested' " : "") + "ORDER BY exported_at, id"
        ).map {
            StoredArchive(
                id: $0["id"],
                sha256: $0["sha256"],
                name: $0["name"],
                path: $0["path"],
                status: $0["status"],
                exportedAt: $0["exported_at"]
            )
        }
    }

    /// The record of an archive that was forgotten, if it was: ingest skips it.
    public func forgottenArchive(sha256: String) throws -> Removal? {
        try writer.read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT what, id, at, reason, detail FROM removal WHERE what = 'archive' AND id = ?
                    ORDER BY row_id DESC LIMIT 1
                    """,
                arguments: [sha256]
            ).map { Removal(what: $0["what"], id: $0["id"], at: $0["at"], reason: $0["reason"], detail: $0["detail"]) }
        }
    }

    /// What forgetting `archive` would take out: the deploys and host series whose stored copy is
    /// its own, and every history series it contributed to (another archive may hold a copy of
    /// any of them).
    public func forgetScope(of archive: StoredArchive) throws -> ForgetScope {
        try writer.read { db in try Self.forgetScope(db, archive.id) }
    }

    private static func forgetScope(_ db: Database, _ archiveId: Int64) throws -> ForgetScope {
        var scope = ForgetScope()
        scope.deploys = Set(
            try String.fetchAll(db, sql: "SELECT id FROM deploy WHERE archive_id = ?", arguments: [archiveId])
        )
        for row in try Row.fetchAll(
            db,
            sql: "SELECT DISTINCT deploy_id, metric FROM series WHERE archive_id = ?",
            arguments: [archiveId]
        ) {
            scope.series.insert(.init(deployId: row["deploy_id"], metric: row["metric"]))
        }
        // history_source knows every contributor since v5; history.archive_id the last one before.
        for row in try Row.fetchAll(
            db,
            sql: """
                SELECT app, metric FROM history_source WHERE archive_id = ?
                UNION SELECT app, metric FROM history WHERE archive_id = ?
                """,
            arguments: [archiveId, archiveId]
        ) {
            scope.history.insert(.init(app: row["app"], metric: row["metric"]))
        }
        return scope
    }

    /// Forgets an archive in one transaction: removes every row it stored (deploys and their
    /// series, labels, incidents, problems, its part of history), lets `restore` put back, from
    /// the other archives, the copies it had displaced, and records the removal so ingest skips
    /// the archive from now on.
    ///
    /// `restore` is called once per other ingested archive, in export order, with a session
    /// that writes on that archive's behalf; it hands over every deploy, series and history
    /// record of that archive (the session keeps only what the forgotten one displaced). If it
    /// throws, nothing is changed.
    public func forgetArchive(
        _ archive: StoredArchive,
        reason: String,
        at: Int64,
        restore: (StoredArchive, RestoreSession) throws -> Void
    ) throws -> ForgetOutcome {
        try writer.write { db in
            let scope = try Self.forgetScope(db, archive.id)
            func count(_ sql: String) throws -> Int {
                try Int.fetchOne(db, sql: sql, arguments: [archive.id]) ?? 0
            }
            let labels = try count("SELECT COUNT(*) FROM feedback WHERE archive_id = ?")
            let incidents = try count("SELECT COUNT(*) FROM incident WHERE archive_id = ?")
            let problems = try count("SELECT COUNT(*) FROM problem WHERE archive_id = ?")
            let seriesBefore = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series") ?? 0

            try db.execute(sql: "DELETE FROM deploy WHERE archive_id = ?", arguments: [archive.id])
            try db.execute(sql: "DELETE FROM series WHERE archive_id = ?", arguments: [archive.id])
            // A merged history cannot be taken apart: every series it touched is rebuilt from scratch.
            for key in scope.history {
                try db.execute(
                    sql: "DELETE FROM history WHERE app = ? AND metric = ?",
                    arguments: [key.app, key.metric]
                )
                try db.execute(
                    sql: "DELETE FROM history_source WHERE app = ? AND metric = ?",
                    arguments: [key.app, key.metric]
                )
            }
            try db.execute(sql: "DELETE FROM feedback WHERE archive_id = ?", arguments: [archive.id])
            try db.execute(sql: "DELETE FROM incident WHERE archive_id = ?", arguments: [archive.id])
            try db.execute(sql: "DELETE FROM history_source WHERE archive_id = ?", arguments: [archive.id])
            try db.execute(sql: "DELETE FROM archive WHERE id = ?", arguments: [archive.id])

            if scope.needsRestore {
                for other in try Self.storedArchives(db, onlyIngested: true) {
                    try restore(other, RestoreSession(scope: scope, session: IngestSession(db: db, restoring: other)))
                }
            }
            // Series of deploys now gone (another archive's series of a deploy only the forgotten
            // archive carried) go too: the store keeps no series without its deploy.
            try db.execute(
                sql: "DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM deploy d WHERE d.id = series.deploy_id)"
            )
            let seriesAfter = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM series") ?? 0

            var outcome = ForgetOutcome(
                removal: Removal(what: "archive", id: archive.sha256, at: at, reason: reason, detail: "")
            )
            let present = Set(try String.fetchAll(db, sql: "SELECT id FROM deploy"))
            outcome.deploysRestored = scope.deploys.filter { present.contains($0) }.sorted()
            outcome.deploysRemoved = scope.deploys.filter { !present.contains($0) }.sorted()
            outcome.seriesRemoved = max(0, seriesBefore - seriesAfter)
            for key in scope.history.sorted() {
                let kept =
                    try Int.fetchOne(
                        db,
                        sql: "SELECT COUNT(*) FROM history WHERE app = ? AND metric = ?",
                        arguments: [key.app, key.metric]
                    ) ?? 0
                if kept > 0 {
                    outcome.historyRebuilt.append("\(key.app)/\(key.metric)")
                } else {
                    outcome.historyRemoved.append("\(key.app)/\(key.metric)")
                }
            }
            outcome.labelsRemoved = labels
            outcome.incidentsRemoved = incidents
            outcome.problemsRemoved = problems
            outcome.removal.detail =
                "\(archive.name) (\(archive.status)"
                + (archive.exportedAt.map { ", exported \(RFC3339.format($0))" } ?? "") + ", from \(archive.path)): "
                + "\(outcome.deploysRemoved.count) deploys removed, \(outcome.deploysRestored.count) back to another "
                + "archive's copy, \(outcome.seriesRemoved) host series fewer, \(outcome.historyRebuilt.count) history "
                + "series rebuilt and \(outcome.historyRemoved.count) removed, \(labels) label(s) and \(incidents) "
                + "incident(s) removed"
            try db.execute(
                sql: "INSERT INTO removal (what, id, at, reason, detail) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    outcome.removal.what, outcome.removal.id, outcome.removal.at, outcome.removal.reason,
                    outcome.removal.detail,
                ]
            )
            return outcome
        }
    }
}
