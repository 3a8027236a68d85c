internal import GRDB

/// What a model was trained from, in canonical text, so a bundle can name its inputs by hash.
public struct StoreSnapshot: Sendable, Hashable {
    /// The SHA-256 of every ingested archive, sorted: the data.
    public var archiveHashes: [String]
    /// One line per effective feedback label and effective incident, sorted: the label snapshot.
    public var labelLines: [String]
    /// The latest `exported_at` of an ingested archive (Unix seconds), if any.
    public var latestExport: Int64?
}

extension HistoryStore {
    /// The store's inputs in canonical form (independent of ingest order and time).
    public func snapshot() throws -> StoreSnapshot {
        try writer.read { db in
            let hashes = try String.fetchAll(
                db,
                sql: "SELECT sha256 FROM archive WHERE status = 'ingested' ORDER BY sha256"
            )
            let latest = try Int64.fetchOne(db, sql: "SELECT MAX(exported_at) FROM archive WHERE status = 'ingested'")
            var lines = try Row.fetchAll(
                db,
                sql: "SELECT deploy_id, alert_id, verdict, labeled_at FROM effective_feedback"
            ).map { r -> String in
                let deploy: String = r["deploy_id"]
                let alert: String = r["alert_id"]
                let verdict: String = r["verdict"]
                let at: Int64 = r["labeled_at"]
                return "feedback\t\(deploy)\t\(alert)\t\(verdict)\t\(at)"
            }
            lines += try Row.fetchAll(
                db,
                sql: "SELECT id, app, deploy_id, cause, start, end, metrics, hosts FROM effective_incident"
            ).map { r -> String in
                let id: String = r["id"]
                let app: String = r["app"]
                let deploy: String? = r["deploy_id"]
                let cause: String = r["cause"]
                let start: Int64 = r["start"]
                let end: Int64 = r["end"]
                let metrics: String? = r["metrics"]
                let hosts: String? = r["hosts"]
                return
                    "incident\t\(id)\t\(app)\t\(deploy ?? "")\t\(cause)\t\(start)\t\(end)\t\(metrics ?? "")\t\(hosts ?? "")"
            }
            lines.sort()
            return StoreSnapshot(archiveHashes: hashes, labelLines: lines, latestExport: latest)
        }
    }
}
