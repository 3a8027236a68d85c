public import VigilCore

/// What a deploy-history archive holds, one record at a time.
public enum ArchiveRecord: Sendable {
    /// Always the first record.
    case manifest(Manifest)
    case deploy(Deploy, entry: String)
    /// `metrics/<deploy-id>/<metric>.csv`: host-level series around one deploy.
    case deploySeries(deployId: String, metric: String, entry: String, series: [HostSeries])
    /// `history/<app>/<metric>.csv`: the app-level aggregate history of one metric.
    case history(app: String, metric: String, entry: String, series: RegularSeries)
    case feedback(FeedbackLabel, entry: String, line: Int)
    case incident(Incident, entry: String, line: Int)
    /// A recoverable problem; the archive goes on.
    case problem(Problem)
    /// End of a labels file: how many of its lines were skipped.
    case labelFileSummary(entry: String, lines: Int, skippedLines: Int)
    /// A series file handed on unparsed, so that another thread can parse it: call
    /// ``UnparsedSeries/parse()`` and handle its records in place of this one.
    case unparsedSeries(UnparsedSeries)
}

/// A series CSV entry whose parsing was left to the consumer of the records.
public struct UnparsedSeries: Sendable {
    let entry: String
    let contents: [UInt8]
    /// The deploy and metric for `metrics/` files; `nil` deploy for `history/` files, with the app.
    let deployId: String?
    let app: String?
    let metric: String
    let declaredStep: Int64?

    /// Parses the file into the records the reader would have produced.
    public func parse() -> [ArchiveRecord] {
        let result = SeriesCSV.parse(
            entry: entry,
            bytes: contents,
            withHost: deployId != nil,
            declaredStep: declaredStep
        )
        var records = result.problems.map(ArchiveRecord.problem)
        guard !result.rejected else { return records }
        if let deployId {
            if !result.series.isEmpty {
                records.append(.deploySeries(deployId: deployId, metric: metric, entry: entry, series: result.series))
            }
        } else if let app, let series = result.series.first {
            records.append(.history(app: app, metric: metric, entry: entry, series: series.series))
        }
        return records
    }
}

/// Reads archives in the deploy-history format, version 1 (`spec/deploy-history-format.md`).
///
/// The manifest is always delivered first. When the archive does not store
/// `manifest.json` as its first file, the reader makes one extra pass to find it.
public enum DeployHistoryReader {
    /// Names of deploys, apps and metrics: `[A-Za-z0-9._:-]{1,128}`.
    public static func isValidName(_ name: some StringProtocol) -> Bool {
        guard (1...128).contains(name.utf8.count) else { return false }
        return name.utf8.allSatisfy { c in
            (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 46 || c == 95 || c == 58
                || c == 45
        }
    }

    /// Reads the archive at `path`, calling `body` for each record.
    ///
    /// - Throws: ``ArchiveError`` when the archive is rejected whole (unreadable, corrupt,
    ///   over a cap, or with a missing or unsupported manifest); errors from `body` unchanged.
    /// - Parameter handOff: asked before each series file; when it returns `true`, the file is
    ///   passed on as ``ArchiveRecord/unparsedSeries(_:)`` instead of being parsed here.
    public static func read(
        archiveAt path: String,
        limits: ArchiveLimits = ArchiveLimits(),
        handOff: (() -> Bool)? = nil,
        _ body: (ArchiveRecord) throws -> Void
    ) throws {
        var pending: [Problem] = []
        var parser = EntryParser(handOff: handOff)
        var manifestFirst = true
        do {
            try ArchiveReader.forEachEntry(inArchiveAt: path, limits: limits) { raw in
                switch raw {
                case .rejected(let problem):
                    if parser.manifest == nil { pending.append(problem) } else { try body(.problem(problem)) }
                case .file(let entryPath, let contents):
                    if parser.manifest == nil {
                        guard entryPath == "manifest.json" else { throw ManifestNotFirst() }
                        let manifest = try parseManifest(contents, archive: path)
                        parser.manifest = manifest
                        try body(.manifest(manifest))
                        for problem in pending { try body(.problem(problem)) }
                        pending = []
                        return
                    }
                    try parser.parse(entry: entryPath, contents: contents, body)
                }
            }
        } catch is ManifestNotFirst {
            manifestFirst = false
        }
        if manifestFirst {
            if parser.manifest == nil { throw missingManifest(path) }
            return
        }

        // Second pass: find the manifest; third pass: everything else.
        var manifest: Manifest?
        try ArchiveReader.forEachEntry(inArchiveAt: path, limits: limits) { raw in
            if case .file(let entryPath, let contents) = raw, entryPath == "manifest.json", manifest == nil {
                manifest = try parseManifest(contents, archive: path)
            }
        }
        guard let manifest else { throw missingManifest(path) }
        try body(.manifest(manifest))
        parser = EntryParser(handOff: handOff)
        parser.manifest = manifest
        var seenManifest = false
        try ArchiveReader.forEachEntry(inArchiveAt: path, limits: limits) { raw in
            switch raw {
            case .rejected(let problem):
                try body(.problem(problem))
            case .file(let entryPath, let contents):
                if entryPath == "manifest.json" && !seenManifest {
                    seenManifest = true
                    return
                }
                try parser.parse(entry: entryPath, contents: contents, body)
            }
        }
    }

    private struct ManifestNotFirst: Error {}

    private static func missingManifest(_ path: String) -> ArchiveError {
        ArchiveError(
            code: .invalidManifest,
            message: "'\(path)' has no manifest.json at its root; it is not a deploy-history archive."
        )
    }

    /// Parses and checks `manifest.json`.
    ///
    /// - Throws: ``ArchiveError`` with code `invalidManifest`, naming the field.
    public static func parseManifest(_ bytes: [UInt8], archive: String) throws(ArchiveError) -> Manifest {
        func invalid(_ message: String) -> ArchiveError {
            ArchiveError(code: .invalidManifest, message: "'\(archive)': manifest.json \(message).")
        }
        let json: JSONObject
        do { json = try JSONObject.parse(bytes) } catch { throw invalid("is \(describeJSONError(error))") }
        do {
            let format = try json.string("format")
            guard format == Manifest.formatName else {
                throw invalid("field 'format' is '\(format)', expected '\(Manifest.formatName)'")
            }
            let version = try json.int("version")
            guard version >= 1 else { throw invalid("field 'version' is \(version), expected 1") }
            guard version <= Manifest.supportedVersion else {
                throw invalid(
                    "field 'version' is \(version); this reader supports version \(Manifest.supportedVersion) "
                        + "(upgrade vigil to read it)"
                )
            }
            let period = try json.optionalObject("period")
            let periodFrom = try period?.optionalTime("from")
            let periodTo = try period?.optionalTime("to")
            // exported_at orders archives; without it, fall back to the period's end.
            let exportedAt = try json.optionalTime("exported_at") ?? periodTo ?? 0
            return Manifest(
                format: format,
                version: version,
                exportedAt: exportedAt,
                source: try json.optionalString("source"),
                periodFrom: periodFrom,
                periodTo: periodTo
            )
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw invalid(describeJSONError(error))
        }
    }
}

/// Turns one entry into records; remembers the deploys seen so far for their declared steps.
struct EntryParser {
    var manifest: Manifest?
    let handOff: (() -> Bool)?

    init(handOff: (() -> Bool)? = nil) {
        self.handOff = handOff
    }

    mutating func parse(entry: String, contents: [UInt8], _ body: (ArchiveRecord) throws -> Void) throws {
        let parts = entry.split(separator: "/", omittingEmptySubsequences: false)
        func badName(_ what: String, _ name: Substring) throws {
            try body(
                .problem(
                    .error(
                        "bad_name",
                        entry: entry,
                        "Entry '\(entry)': \(what) '\(name)' does not match [A-Za-z0-9._:-]{1,128}; skipped."
                    )
                )
            )
        }
        switch (parts.count, parts.first) {
        case (1, "manifest.json"):
            try body(.problem(.warning("duplicate_manifest", entry: entry, "A second manifest.json was ignored.")))
        case (2, "deploys") where parts[1].hasSuffix(".json"):
            let id = parts[1].dropLast(5)
            guard DeployHistoryReader.isValidName(id) else { return try badName("deploy id", id) }
            switch DeployParser.parse(contents, entry: entry, fileId: String(id)) {
            case .success(let deploy, let warnings):
                for w in warnings { try body(.problem(w)) }
                try body(.deploy(deploy, entry: entry))
            case .failure(let problem):
                try body(.problem(problem))
            }
        case (3, "metrics") where parts[2].hasSuffix(".csv"):
            let id = parts[1]
            let metric = parts[2].dropLast(4)
            guard DeployHistoryReader.isValidName(id) else { return try badName("deploy id", id) }
            guard DeployHistoryReader.isValidName(metric) else { return try badName("metric name", metric) }
            let unparsed = UnparsedSeries(
                entry: entry,
                contents: contents,
                deployId: String(id),
                app: nil,
                metric: String(metric),
                // The step is inferred from the data, never from the deploy file, whose
                // place in the archive would otherwise change the result.
                declaredStep: nil
            )
            if handOff?() == true { return try body(.unparsedSeries(unparsed)) }
            for record in unparsed.parse() { try body(record) }
        case (3, "history") where parts[2].hasSuffix(".csv"):
            let app = parts[1]
            let metric = parts[2].dropLast(4)
            guard DeployHistoryReader.isValidName(app) else { return try badName("app", app) }
            guard DeployHistoryReader.isValidName(metric) else { return try badName("metric name", metric) }
            let unparsed = UnparsedSeries(
                entry: entry,
                contents: contents,
                deployId: nil,
                app: String(app),
                metric: String(metric),
                declaredStep: nil
            )
            if handOff?() == true { return try body(.unparsedSeries(unparsed)) }
            for record in unparsed.parse() { try body(record) }
        case (2, "labels") where parts[1].hasSuffix(".jsonl") && parts[1].count > 6:
            try LabelParser.parse(contents, entry: entry, body)
        default:
            try body(
                .problem(
                    .warning(
                        "unknown_entry",
                        entry: entry,
                        "Entry '\(entry)' is not part of the deploy-history format (version 1); ignored."
                    )
                )
            )
        }
    }
}
