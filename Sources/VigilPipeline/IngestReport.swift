public import VigilCore
public import VigilStore

/// What happened to one archive.
public struct ArchiveIngestResult: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case ingested
        /// Already in the store (same SHA-256); nothing changed.
        case unchanged
        /// Rejected whole; nothing of it was stored but the rejection and its problems.
        case rejected
        /// Forgotten by an operator (`vigil ingest --forget`): skipped, never ingested again.
        case forgotten
    }

    public var path: String
    public var sha256: String
    public var status: Status
    public var error: String?
    public var counts: ArchiveCounts

    public init(
        path: String,
        sha256: String,
        status: Status,
        error: String? = nil,
        counts: ArchiveCounts = ArchiveCounts()
    ) {
        self.path = path
        self.sha256 = sha256
        self.status = status
        self.error = error
        self.counts = counts
    }
}

/// The outcome of `vigil ingest`, in the shape its `--json` prints.
public struct IngestReport: Sendable, Hashable, Codable {
    public struct ArchiveLine: Sendable, Hashable, Codable {
        public var path: String
        public var sha256: String
        public var status: ArchiveIngestResult.Status
        public var error: String?
    }
    public struct Deploys: Sendable, Hashable, Codable {
        public var added = 0
        public var updated = 0
        public var rejected = 0
    }
    public struct Labels: Sendable, Hashable, Codable {
        public var applied = 0
        public var pending = 0
        public var skippedLines = 0
        enum CodingKeys: String, CodingKey {
            case applied, pending
            case skippedLines = "skipped_lines"
        }
    }
    public struct ProblemLine: Sendable, Hashable, Codable {
        public var archive: String
        public var entry: String?
        public var line: Int?
        public var severity: Problem.Severity
        public var kind: String
        public var message: String
    }

    public var archives: [ArchiveLine] = []
    public var deploys = Deploys()
    public var series = 0
    public var points = 0
    public var labels = Labels()
    public var problems: [ProblemLine] = []

    public init() {}

    /// Whether any archive was rejected whole.
    public var anyRejected: Bool { archives.contains { $0.status == .rejected } }

    mutating func add(_ result: ArchiveIngestResult, problems archiveProblems: [Problem]) {
        archives.append(.init(path: result.path, sha256: result.sha256, status: result.status, error: result.error))
        let c = result.counts
        deploys.added += c.deploysAdded
        deploys.updated += c.deploysUpdated
        deploys.rejected += c.deploysRejected
        series += c.series
        points += c.points
        labels.applied += c.labelsApplied + c.labelsResolvedFromPending
        labels.pending += c.labelsPending
        labels.skippedLines += c.labelLinesSkipped
        for p in archiveProblems {
            problems.append(
                .init(
                    archive: result.path,
                    entry: p.entry,
                    line: p.line,
                    severity: p.severity,
                    kind: p.kind,
                    message: p.message
                )
            )
        }
    }
}
