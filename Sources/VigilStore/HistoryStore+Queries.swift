internal import Foundation
internal import GRDB
public import VigilCore

/// What `vigil status` reports.
public struct StoreStatus: Sendable, Hashable, Codable {
    public struct Archives: Sendable, Hashable, Codable {
        public var ingested: Int
        public var rejected: Int
        public var lastExportedAt: String?
    }
    public struct Labels: Sendable, Hashable, Codable {
        public var bad: Int
        public var good: Int
        public var unlabeled: Int
        public var alerts: Int
        public var alertsWithVerdict: Int
        public var feedbackVersions: Int
        public var incidents: Int
        public var pendingFeedback: Int
        public var pendingIncidents: Int
    }
    public struct ProblemCount: Sendable, Hashable, Codable {
        public var kind: String
        public var severity: String
        public var count: Int
    }
    public var deploys: Int
    public var apps: [String]
    public var firstDeployAt: String?
    public var lastDeployAt: String?
    public var archives: Archives
    public var series: Int
    public var points: Int
    public var historySeries: Int
    public var labels: Labels
    public var problems: [ProblemCount]
}

/// A stored problem, with the archive it came from.
public struct StoredProblem: Sendable, Hashable, Codable {
    public var archive: String
    public var problem: Problem
}

/// A summary of one stored host series.
public struct SeriesSummary: Sendable, Hashable, Codable {
    public var metric: String
    public var host: String
    public var start: Int64
    public var step: Int64
    public var count: Int
    public var missing: Int
}

extension HistoryStore {
    public func status() throws -> StoreStatus {
        let truths = try groundTruths()
        return try writer.read { db in
            let deploys = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM deploy") ?? 0
            let apps = try String.fetchAll(db, sql: "SELECT DISTINCT app FROM deploy ORDER BY app")
            let range = try Row.fetchOne(db, sql: "SELECT MIN(started_at) AS lo, MAX(started_at) AS hi FROM deploy")
            let archives = try Row.fetchOne(
                db,
                sql: """
                    SELECT SUM(status = 'ingested') AS ok, SUM(status = 'rejected') AS bad,
                        MAX(CASE WHEN status = 'ingested' THEN exported_at END) AS last
                    FROM archive
                    """
            )
            let series = try Row.fetchOne(
                db,
                sql: "SELECT COUNT(*) AS n, COALESCE(SUM(count), 0) AS points FROM series"
            )
            let historySeries = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM history") ?? 0
            let alerts = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alert") ?? 0
            let withVerdict =
                try Int.fetchOne(
                    db,
                    sql: """
                        SELECT COUNT(*) FROM alert a
                        WHERE EXISTS (SELECT 1 FROM feedback f WHERE f.deploy_id = a.deploy_id AND f.alert_id = a.id)
                        """
                ) ?? 0
            let problems = try Row.fetchAll(
                db,
                sql: """
                    SELECT kind, severity, COUNT(*) AS n FROM problem
                    GROUP BY kind, severity ORDER BY severity DESC, n DESC, kind
                    """
            ).map { StoreStatus.ProblemCount(kind: $0["kind"], severity: $0["severity"], count: $0["n"]) }
            let lo: Int64? = range?["lo"]
            let hi: Int64? = range?["hi"]
            let last: Int64? = archives?["last"]
            return StoreStatus(
                deploys: deploys,
                apps: apps,
                firstDeployAt: lo.map(RFC3339.format),
                lastDeployAt: hi.map(RFC3339.format),
                archives: .init(
                    ingested: archives?["ok"] ?? 0,
                    rejected: archives?["bad"] ?? 0,
                    lastExportedAt: last.map(RFC3339.format)
                ),
                series: series?["n"] ?? 0,
                points: series?["points"] ?? 0,
                historySeries: historySeries,
                labels: .init(
                    bad: truths.values.filter { $0.label == .bad }.count,
                    good: truths.values.filter { $0.label == .good }.count,
                    unlabeled: truths.values.filter { $0.label == .unlabeled }.count,
                    alerts: alerts,
                    alertsWithVerdict: withVerdict,
                    feedbackVersions: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM feedback") ?? 0,
                    incidents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM effective_incident") ?? 0,
                    pendingFeedback: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_feedback") ?? 0,
                    pendingIncidents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM pending_incident") ?? 0
                ),
                problems: problems
            )
        }
    }

    /// One deploy as stored, or `nil`.
    public func deploy(id: String) throws -> Deploy? {
        try deploys(where: "d.id = ?", [id]).first
    }

    /// Every stored deploy, ordered by start time then id.
    public func allDeploys() throws -> [Deploy] {
        try deploys(where: "1", [])
    }

    /// The deploys a nightly run at `time` would have known: started before it, from an archive
    /// whose period ended by then (or, without a period, exported by then).
    public func deploys(knownAt time: Int64) throws -> [Deploy] {
        try deploys(
            where: """
                started_at < ? AND archive_id IN (
                    SELECT id FROM archive WHERE COALESCE(period_to, exported_at) <= ?)
                """,
            [time, time]
        )
    }

    private func deploys(where condition: String, _ arguments: StatementArguments) throws -> [Deploy] {
        try writer.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM deploy d WHERE \(condition) ORDER BY started_at, id",
                arguments: arguments
            )
            var byId: [String: Int] = [:]
            var deploys: [Deploy] = rows.enumerated().map { i, r in
                byId[r["id"]] = i
                let guardRan: Bool = r["guard_ran"]
                let commit: String? = r["change_commit"]
                let summary: String? = r["change_summary"]
                return Deploy(
                    id: r["id"],
                    app: r["app"],
                    env: r["env"],
                    strategy: (r["strategy"] as String?).flatMap(Strategy.init),
                    startedAt: r["started_at"],
                    finishedAt: r["finished_at"],
                    outcome: (r["outcome"] as String?).flatMap(Outcome.init),
                    change: commit == nil && summary == nil ? nil : Change(commit: commit, summary: summary),
                    batches: [],
                    baselineHosts: [],
                    metrics: [],
                    guardRun: guardRan ? GuardRun(bundleVersion: r["guard_bundle_version"], alerts: []) : nil
                )
            }
            guard !deploys.isEmpty else { return [] }
            let filter = "deploy_id IN (SELECT id FROM deploy d WHERE \(condition))"
            for r in try Row.fetchAll(
                db,
                sql: "SELECT * FROM batch WHERE \(filter) ORDER BY deploy_id, idx",
                arguments: arguments
            ) {
                guard let i = byId[r["deploy_id"]] else { continue }
                deploys[i].batches.append(
                    Batch(index: r["idx"], startedAt: r["started_at"], finishedAt: r["finished_at"], hosts: [])
                )
            }
            for r in try Row.fetchAll(
                db,
                sql: "SELECT * FROM deploy_host WHERE \(filter) ORDER BY deploy_id, position",
                arguments: arguments
            ) {
                guard let i = byId[r["deploy_id"]] else { continue }
                let role: String = r["role"]
                if role == "baseline" {
                    deploys[i].baselineHosts.append(r["host"])
                } else if let idx: Int = r["batch_idx"],
                    let b = deploys[i].batches.firstIndex(where: { $0.index == idx })
                {
                    deploys[i].batches[b].hosts.append(r["host"])
                }
            }
            for r in try Row.fetchAll(
                db,
                sql: "SELECT * FROM deploy_metric WHERE \(filter) ORDER BY deploy_id, position",
                arguments: arguments
            ) {
                guard let i = byId[r["deploy_id"]] else { continue }
                deploys[i].metrics.append(
                    MetricSpec(
                        name: r["name"],
                        kind: (r["kind"] as String?).flatMap(MetricKind.init),
                        unit: r["unit"],
                        direction: Direction(rawValue: r["direction"]) ?? .both,
                        stepSeconds: r["step_s"]
                    )
                )
            }
            for r in try Row.fetchAll(
                db,
                sql: "SELECT * FROM alert WHERE \(filter) ORDER BY deploy_id, position",
                arguments: arguments
            ) {
                guard let i = byId[r["deploy_id"]] else { continue }
                deploys[i].guardRun?.alerts.append(
                    GuardAlert(
                        id: r["id"],
                        at: r["at"],
                        batch: r["batch_idx"],
                        detector: r["detector"],
                        metric: r["metric"],
                        action: r["action"]
                    )
                )
            }
            return deploys
        }
    }

    /// The host series of one metric of one deploy, ordered by host.
    public func series(deployId: String, metric: String) throws -> [HostSeries] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM series WHERE deploy_id = ? AND metric = ? ORDER BY host",
                arguments: [deployId, metric]
            ).map { r in
                let count: Int = r["count"]
                guard let values = SeriesBlob.decode(r["data"], count: count) else {
                    throw StoreError(code: .corruptBlob, message: "The stored series \(deployId)/\(metric) is corrupt.")
                }
                return HostSeries(
                    host: r["host"],
                    series: RegularSeries(start: r["start"], step: r["step"], values: values)
                )
            }
        }
    }

    /// What series a deploy has, without their values.
    public func seriesSummaries(deployId: String) throws -> [SeriesSummary] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT metric, host, start, step, count, missing FROM series WHERE deploy_id = ? ORDER BY metric, host",
                arguments: [deployId]
            ).map {
                SeriesSummary(
                    metric: $0["metric"],
                    host: $0["host"],
                    start: $0["start"],
                    step: $0["step"],
                    count: $0["count"],
                    missing: $0["missing"]
                )
            }
        }
    }

    /// The app-level history of one metric, or `nil`.
    public func history(app: String, metric: String) throws -> RegularSeries? {
        try writer.read { db in
            guard
                let r = try Row.fetchOne(
                    db,
                    sql: "SELECT * FROM history WHERE app = ? AND metric = ?",
                    arguments: [app, metric]
                )
            else { return nil }
            let count: Int = r["count"]
            guard let values = SeriesBlob.decode(r["data"], count: count) else {
                throw StoreError(code: .corruptBlob, message: "The stored history \(app)/\(metric) is corrupt.")
            }
            return RegularSeries(start: r["start"], step: r["step"], values: values)
        }
    }

    /// Every version of every feedback label on a deploy, oldest first, with which one is effective.
    public func feedbackVersions(deployId: String) throws -> [(label: FeedbackLabel, effective: Bool)] {
        try writer.read { db in
            let effective = Set(
                try Int64.fetchAll(
                    db,
                    sql: "SELECT row_id FROM effective_feedback WHERE deploy_id = ?",
                    arguments: [deployId]
                )
            )
            return try Row.fetchAll(
                db,
                sql: "SELECT * FROM feedback WHERE deploy_id = ? ORDER BY alert_id, labeled_at, row_id",
                arguments: [deployId]
            ).map { (feedback(from: $0), effective.contains($0["row_id"])) }
        }
    }

    /// The effective version of every incident.
    public func incidents() throws -> [Incident] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM effective_incident ORDER BY start, id").map(incident(from:))
        }
    }

    /// The ground truth of one deploy, or `nil` when the store does not have it.
    public func groundTruth(deployId: String) throws -> DeployTruth? {
        guard let deploy = try deploy(id: deployId) else { return nil }
        let (verdicts, incidents) = try writer.read { db in
            let verdicts = try Row.fetchAll(
                db,
                sql: "SELECT alert_id, verdict FROM effective_feedback WHERE deploy_id = ?",
                arguments: [deployId]
            )
            let incidents = try Row.fetchAll(
                db,
                sql: "SELECT * FROM effective_incident WHERE deploy_id = ? OR (deploy_id IS NULL AND app = ?)",
                arguments: [deployId, deploy.app]
            ).map(incident(from:))
            return (verdicts, incidents)
        }
        var map: [String: Verdict] = [:]
        for r in verdicts { map[r["alert_id"]] = Verdict(rawValue: r["verdict"]) }
        return GroundTruth.evaluate(deploy: deploy, verdicts: map, incidents: incidents)
    }

    /// The ground truth of every stored deploy, by deploy id.
    public func groundTruths() throws -> [String: DeployTruth] {
        try groundTruths(knownAt: nil)
    }

    /// Ground truth from the labels known at `time`: only labels from archives whose period
    /// ended by then (or, without a period, exported by then), each label's latest version among
    /// those. `nil` uses every label. Every stored deploy gets a truth.
    public func groundTruths(knownAt time: Int64?) throws -> [String: DeployTruth] {
        let deploys = try allDeploys()
        let cutoff = time ?? Int64.max
        let (verdictRows, incidents) = try writer.read { db in
            (
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT deploy_id, alert_id, verdict FROM (
                            SELECT f.*, ROW_NUMBER() OVER (
                                PARTITION BY deploy_id, alert_id
                                ORDER BY labeled_at DESC, f.exported_at DESC, archive_id DESC, row_id DESC) AS rank
                            FROM feedback f JOIN archive a ON a.id = f.archive_id
                            WHERE COALESCE(a.period_to, f.exported_at) <= ?)
                        WHERE rank = 1
                        """,
                    arguments: [cutoff]
                ),
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM (
                            SELECT i.*, ROW_NUMBER() OVER (
                                PARTITION BY i.id ORDER BY i.exported_at DESC, archive_id DESC, row_id DESC) AS rank
                            FROM incident i JOIN archive a ON a.id = i.archive_id
                            WHERE COALESCE(a.period_to, i.exported_at) <= ?)
                        WHERE rank = 1
                        """,
                    arguments: [cutoff]
                ).map(incident(from:))
            )
        }
        var verdicts: [String: [String: Verdict]] = [:]
        for r in verdictRows { verdicts[r["deploy_id"], default: [:]][r["alert_id"]] = Verdict(rawValue: r["verdict"]) }
        var byDeploy: [String: [Incident]] = [:]
        var byApp: [String: [Incident]] = [:]
        for i in incidents {
            if let d = i.deployId { byDeploy[d, default: []].append(i) } else { byApp[i.app, default: []].append(i) }
        }
        var result: [String: DeployTruth] = [:]
        for d in deploys {
            result[d.id] = GroundTruth.evaluate(
                deploy: d,
                verdicts: verdicts[d.id] ?? [:],
                incidents: (byDeploy[d.id] ?? []) + (byApp[d.app] ?? [])
            )
        }
        return result
    }

    /// Stored problems, newest archive first, at most `limit`.
    public func problems(limit: Int = 100) throws -> [StoredProblem] {
        try writer.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM problem ORDER BY archive_id DESC, row_id LIMIT ?",
                arguments: [limit]
            ).map { r in
                StoredProblem(
                    archive: r["archive"],
                    problem: Problem(
                        kind: r["kind"],
                        severity: Problem.Severity(rawValue: r["severity"]) ?? .warning,
                        entry: r["entry"],
                        line: r["line"],
                        message: r["message"]
                    )
                )
            }
        }
    }
}

private func feedback(from r: Row) -> FeedbackLabel {
    FeedbackLabel(
        deployId: r["deploy_id"],
        alertId: r["alert_id"],
        verdict: Verdict(rawValue: r["verdict"]) ?? .falsePositive,
        labeledBy: r["labeled_by"],
        labeledAt: r["labeled_at"],
        note: r["note"]
    )
}

private func incident(from r: Row) -> Incident {
    Incident(
        id: r["id"],
        app: r["app"],
        deployId: r["deploy_id"],
        cause: IncidentCause(rawValue: r["cause"]) ?? .other,
        severity: r["severity"],
        start: r["start"],
        end: r["end"],
        metrics: decodeList(r["metrics"]),
        hosts: decodeList(r["hosts"])
    )
}

extension HistoryStore {
    /// Every row of every table, as text, in a fixed order; the wall-clock ingest time is left out.
    ///
    /// Two stores with the same dump hold the same data. Tests use it to prove that a
    /// failed or repeated ingest changed nothing.
    public func dump() throws -> String {
        try writer.read { db in
            let tables = try String.fetchAll(
                db,
                sql:
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%' ORDER BY name"
            )
            var out = ""
            for table in tables {
                out += "# \(table)\n"
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2, 3") {
                    let cells = row.columnNames.filter { $0 != "ingested_at" }.map { name -> String in
                        let value: DatabaseValue = row[name]
                        return "\(name)=\(value)"
                    }
                    out += cells.joined(separator: " ") + "\n"
                }
            }
            return out
        }
    }
}
