internal import GRDB
internal import VigilCore

/// One run of a pipeline, as run history records it.
public struct RunRecord: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case running, succeeded, failed
    }

    public struct Stage: Sendable, Hashable, Codable {
        public var stage: String
        public var startedAt: Int64
        public var finishedAt: Int64?
        public var status: Status
        /// A JSON object of the stage's figures.
        public var figures: String?
        public var error: String?

        enum CodingKeys: String, CodingKey {
            case stage, status, figures, error
            case startedAt = "started_at"
            case finishedAt = "finished_at"
        }

        /// Times in RFC 3339, figures as a JSON object of numbers and text (not JSON in a string).
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(stage, forKey: .stage)
            try c.encode(status, forKey: .status)
            try c.encode(RFC3339.format(startedAt), forKey: .startedAt)
            try c.encodeIfPresent(finishedAt.map(RFC3339.format), forKey: .finishedAt)
            try c.encodeIfPresent(
                figures.flatMap { JSONValue(json: $0) }.map { $0.typingFigures(inside: "figures") },
                forKey: .figures
            )
            try c.encodeIfPresent(error, forKey: .error)
        }
    }

    public var id: String
    public var pipeline: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var status: Status
    /// The run's options (paths), JSON, so a resumed run uses the same ones.
    public var options: String
    /// The run's summary, JSON, when it finished.
    public var summary: String?
    public var error: String?
    /// How many times it was started or resumed.
    public var attempts: Int = 1
    public var stages: [Stage]

    public init(
        id: String,
        pipeline: String,
        startedAt: Int64,
        finishedAt: Int64?,
        status: Status,
        options: String,
        summary: String?,
        error: String?,
        attempts: Int = 1,
        stages: [Stage]
    ) {
        self.id = id
        self.pipeline = pipeline
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.status = status
        self.options = options
        self.summary = summary
        self.error = error
        self.attempts = attempts
        self.stages = stages
    }

    enum CodingKeys: String, CodingKey {
        case id, pipeline, status, options, summary, error, stages, attempts
        case startedAt = "started_at"
        case finishedAt = "finished_at"
    }

    /// Times in RFC 3339; the saved options and summary as nested JSON objects, their figures
    /// as numbers (they are stored as text).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(pipeline, forKey: .pipeline)
        try c.encode(status, forKey: .status)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(RFC3339.format(startedAt), forKey: .startedAt)
        try c.encodeIfPresent(finishedAt.map(RFC3339.format), forKey: .finishedAt)
        try c.encode(JSONValue(json: options) ?? .string(options), forKey: .options)
        try c.encodeIfPresent(
            summary.map { (JSONValue(json: $0) ?? .string($0)).typingFigures() },
            forKey: .summary
        )
        try c.encodeIfPresent(error, forKey: .error)
        try c.encode(stages, forKey: .stages)
    }
}

extension HistoryStore {
    public func startRun(id: String, pipeline: String, at: Int64, options: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO run (id, pipeline, started_at, status, options) VALUES (?, ?, ?, 'running', ?)",
                arguments: [id, pipeline, at, options]
            )
        }
    }

    /// Marks a resumed run running again (one more attempt), with the options it now runs with.
    public func reopenRun(id: String, options: String? = nil) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    UPDATE run SET status = 'running', finished_at = NULL, error = NULL, attempts = attempts + 1,
                        options = COALESCE(?, options)
                    WHERE id = ?
                    """,
                arguments: [options, id]
            )
        }
    }

    /// Closes an unfinished run that will not be resumed, saying why.
    public func abandonRun(id: String, at: Int64, reason: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE run SET status = 'failed', finished_at = COALESCE(finished_at, ?), error = ? WHERE id = ?",
                arguments: [at, reason, id]
            )
        }
    }

    public func finishRun(id: String, at: Int64, status: RunRecord.Status, summary: String?, error: String?) throws {
        try writer.write { db in
            try db.execute(
                sql: "UPDATE run SET finished_at = ?, status = ?, summary = ?, error = ? WHERE id = ?",
                arguments: [at, status.rawValue, summary, error, id]
            )
        }
    }

    public func startStage(run: String, stage: String, position: Int, at: Int64) throws {
        try writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO run_stage (run_id, position, stage, started_at, status) VALUES (?, ?, ?, ?, 'running')
                    ON CONFLICT (run_id, stage) DO UPDATE SET started_at = excluded.started_at, status = 'running',
                        finished_at = NULL, figures = NULL, error = NULL
                    """,
                arguments: [run, position, stage, at]
            )
        }
    }

    public func finishStage(
        run: String,
        stage: String,
        at: Int64,
        status: RunRecord.Status,
        figures: String?,
        error: String?
    ) throws {
        try writer.write { db in
            try db.execute(
                sql:
                    "UPDATE run_stage SET finished_at = ?, status = ?, figures = ?, error = ? WHERE run_id = ? AND stage = ?",
                arguments: [at, status.rawValue, figures, error, run, stage]
            )
        }
    }

    public func run(id: String) throws -> RunRecord? {
        try runs(where: "WHERE id = ?", arguments: [id]).first
    }

    /// Every run, newest first.
    public func runs(limit: Int = 100) throws -> [RunRecord] {
        try runs(where: "ORDER BY started_at DESC, id DESC LIMIT ?", arguments: [limit])
    }

    private func runs(where clause: String, arguments: StatementArguments) throws -> [RunRecord] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM run \(clause)", arguments: arguments).map { r in
                let id: String = r["id"]
                let stages = try Row.fetchAll(
                    db,
                    sql: "SELECT * FROM run_stage WHERE run_id = ? ORDER BY position",
                    arguments: [id]
                ).map { s in
                    RunRecord.Stage(
                        stage: s["stage"],
                        startedAt: s["started_at"],
                        finishedAt: s["finished_at"],
                        status: RunRecord.Status(rawValue: s["status"]) ?? .failed,
                        figures: s["figures"],
                        error: s["error"]
                    )
                }
                return RunRecord(
                    id: id,
                    pipeline: r["pipeline"],
                    startedAt: r["started_at"],
                    finishedAt: r["finished_at"],
                    status: RunRecord.Status(rawValue: r["status"]) ?? .failed,
                    options: r["options"],
                    summary: r["summary"],
                    error: r["error"],
                    attempts: r["attempts"],
                    stages: stages
                )
            }
        }
    }
}
