/// A generated corpus: the daily archives and what really happened in each deploy.
public struct SyntheticCorpus: Sendable, Hashable {
    /// One archive per day, in day order.
    public var archives: [SyntheticArchive]
    /// One record per deploy, sorted by deploy id.
    public var truth: [SyntheticDeployTruth]

    public init(archives: [SyntheticArchive], truth: [SyntheticDeployTruth]) {
        self.archives = archives
        self.truth = truth
    }

    /// The truth as JSON Lines: one object per deploy with sorted keys, in deploy-id order.
    ///
    /// Absent optional fields are written as `null`, so every line has the same keys.
    public func truthJSONLines() -> String {
        var out = ""
        for record in truth {
            func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
            func optional(_ value: Int64?) -> JSONValue { value.map { .int($0) } ?? .null }
            let json = JSONValue.object([
                ("deploy_id", .string(record.deployId)),
                ("app", .string(record.app)),
                ("archive", .string(record.archive)),
                ("started_at", .int(record.startedAt)),
                ("outcome", .string(record.outcome)),
                ("is_bad", .bool(record.isBad)),
                ("fault_kind", optional(record.faultKind)),
                ("fault_kinds", .strings(record.faultKinds)),
                ("fault_onset", optional(record.faultOnset)),
                ("fault_end", optional(record.faultEnd)),
                ("fault_metrics", .strings(record.faultMetrics)),
                ("fault_hosts", .strings(record.faultHosts)),
                ("hard_good_kind", optional(record.hardGoodKind)),
                ("anomalous_host", optional(record.anomalousHost)),
                ("guard_alerts", record.guardAlerts.map { .int($0) } ?? .null),
                ("labels_tell", .string(record.labelsTell)),
            ])
            out += json.compact(sortedKeys: true)
            out += "\n"
        }
        return out
    }

    /// Counts for reports and logs.
    public var summary: SyntheticCorpusSummary {
        SyntheticCorpusSummary(
            archives: archives.count,
            files: archives.reduce(0) { $0 + $1.files.count },
            totalBytes: archives.reduce(0) { $0 + $1.totalBytes },
            deploys: truth.count,
            bad: truth.filter(\.isBad).count,
            hardGood: truth.filter { $0.hardGoodKind != nil }.count,
            labeledBad: truth.filter { $0.labelsTell == "bad" }.count,
            labeledGood: truth.filter { $0.labelsTell == "good" }.count,
            unlabeled: truth.filter { $0.labelsTell == "unlabeled" }.count,
            guardAlerts: truth.reduce(0) { $0 + ($1.guardAlerts ?? 0) }
        )
    }
}

/// Headline counts of a ``SyntheticCorpus``.
public struct SyntheticCorpusSummary: Sendable, Hashable, Codable, CustomStringConvertible {
    public var archives: Int
    public var files: Int
    public var totalBytes: Int
    public var deploys: Int
    public var bad: Int
    public var hardGood: Int
    public var labeledBad: Int
    public var labeledGood: Int
    public var unlabeled: Int
    public var guardAlerts: Int

    public var description: String {
        "\(archives) archives, \(files) files, \(totalBytes) bytes; \(deploys) deploys (\(bad) bad, "
            + "\(hardGood) hard good); labels: \(labeledBad) bad, \(labeledGood) good, \(unlabeled) unlabeled; "
            + "\(guardAlerts) guard alerts"
    }
}
