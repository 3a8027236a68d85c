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
