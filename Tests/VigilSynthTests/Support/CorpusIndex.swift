import Foundation
import VigilCore
import VigilSynth

/// Corpora shared by the tests, generated once.
enum Fixtures {
    static let sampleConfig = SynthConfig(seed: 42, apps: 3, days: 14, scale: 1)
    static let sample = Synthesizer.generate(sampleConfig)
    static let index = CorpusIndex(sample)
}

/// A deploy JSON, parsed independently of the generator's types.
struct ParsedDeploy: Sendable {
    struct ParsedBatch: Sendable {
        var index: Int
        var startedAt: Int64
        var finishedAt: Int64?
        var hosts: [String]
    }

    struct ParsedAlert: Sendable {
        var id: String
        var at: Int64
        var batch: Int
        var detector: String
        var metric: String
        var action: String
    }

    var archive: Int
    var path: String
    var id: String
    var app: String
    var env: String?
    var strategy: String
    var startedAt: Int64
    var finishedAt: Int64?
    var outcome: String
    var batches: [ParsedBatch]
    var baseline: [String]
    var metrics: [MetricSpec]
    var hasGuard: Bool
    var alerts: [ParsedAlert]

    var released: [String] { batches.flatMap(\.hosts) }
    var effectiveEnd: Int64 {
        if let finishedAt { return max(finishedAt, startedAt) }
        return batches.compactMap { $0.finishedAt ?? $0.startedAt }.max() ?? startedAt
    }
}

/// One parsed CSV series file.
struct ParsedSeries: Sendable {
    struct Row: Sendable {
        var t: Int64
        var host: String?
        /// `nil` for a missing value (empty, `NaN`, `null`).
        var value: Double?
    }

    var archive: Int
    var path: String
    var header: String
    var rows: [Row]
    var malformed: Int
    var missingSpellings: Set<String>
    var rfc3339: Bool
    var duplicates: Int
}

/// A label line with the archive it arrived in.
struct ParsedLabel: Sendable {
    var archive: Int
    var path: String
    var feedback: FeedbackLabel?
    var incident: Incident?
}

/// Everything in a corpus, parsed the way a reader would, for assertions.
struct CorpusIndex: Sendable {
    var deploys: [String: ParsedDeploy] = [:]
    var deployOrder: [String] = []
    var series: [String: ParsedSeries] = [:]
    var labels: [ParsedLabel] = []
    var malformedLabelLines: [(archive: Int, path: String, line: String)] = []
    var problems: [String] = []

    init(_ corpus: SyntheticCorpus) {
        for (a, archive) in corpus.archives.enumerated() {
            for file in archive.files {
                let path = file.path
                if path.hasPrefix("deploys/") {
                    do {
                        let deploy = try CorpusIndex.parseDeploy(file.contents, archive: a, path: path)
                        if deploys[deploy.id] != nil { problems.append("deploy \(deploy.id) appears twice") }
                        deploys[deploy.id] = deploy
                        deployOrder.append(deploy.id)
                    } catch {
                        problems.append("\(archive.name)/\(path): \(error)")
                    }
                } else if path.hasSuffix(".csv") {
                    series["\(a)/\(path)"] = CorpusIndex.parseCSV(file.contents, archive: a, path: path)
                } else if path.hasPrefix("labels/") {
                    let text = String(decoding: file.contents, as: UTF8.self)
                    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
                        if let label = CorpusIndex.parseLabel(String(line), archive: a, path: path) {
                            labels.append(label)
                        } else {
                            malformedLabelLines.append((a, path, String(line)))
                        }
                    }
                }
            }
        }
    }

    struct ParseError: Error, CustomStringConvertible {
        var description: String
    }

    static func object(_ bytes: [UInt8]) throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            throw ParseError(description: "not an object")
        }
        return object
    }

    static func time(_ any: Any?) throws -> Int64 {
        guard let text = any as? String, let t = RFC3339.parse(text) else {
            throw ParseError(description: "bad time \(String(describing: any))")
        }
        return t
    }

    static func string(_ any: Any?, _ field: String) throws -> String {
        guard let text = any as? String else { throw ParseError(description: "missing \(field)") }
        return text
    }

    static func parseDeploy(_ bytes: [UInt8], archive: Int, path: String) throws -> ParsedDeploy {
        let json = try object(bytes)
        let batches = try (json["batches"] as? [[String: Any]] ?? []).map { b in
            ParsedDeploy.ParsedBatch(
                index: try (b["index"] as? Int).orThrow("batch index"),
                startedAt: try time(b["started_at"]),
                finishedAt: try b["finished_at"].map { try time($0) },
                hosts: b["hosts"] as? [String] ?? []
            )
        }
        let metrics = try (json["metrics"] as? [[String: Any]] ?? []).map { m in
            MetricSpec(
                name: try string(m["name"], "metric name"),
                kind: try MetricKind(rawValue: string(m["kind"], "kind")).orThrow("kind"),
                unit: m["unit"] as? String,
                direction: try Direction(rawValue: string(m["direction"], "direction")).orThrow("direction"),
                stepSeconds: (m["step_s"] as? Int).map(Int64.init)
            )
        }
        let guardRun = json["guard"] as? [String: Any]
        let alerts = try (guardRun?["alerts"] as? [[String: Any]] ?? []).map { a in
            ParsedDeploy.ParsedAlert(
                id: try string(a["id"], "alert id"),
                at: try time(a["at"]),
                batch: try (a["batch"] as? Int).orThrow("batch"),
                detector: try string(a["detector"], "detector"),
                metric: try string(a["metric"], "metric"),
                action: try string(a["action"], "action")
            )
        }
        return ParsedDeploy(
            archive: archive,
            path: path,
            id: try string(json["id"], "id"),
            app: try string(json["app"], "app"),
            env: json["env"] as? String,
            strategy: try string(json["strategy"], "strategy"),
            startedAt: try time(json["started_at"]),
            finishedAt: try json["finished_at"].map { try time($0) },
            outcome: try string(json["outcome"], "outcome"),
            batches: batches,
            baseline: try (json["baseline_hosts"] as? [String]).orThrow("baseline_hosts"),
            metrics: metrics,
            hasGuard: guardRun != nil,
            alerts: alerts
        )
    }

    static func parseLabel(_ line: String, archive: Int, path: String) -> ParsedLabel? {
        guard let json = try? object(Array(line.utf8)), let type = json["type"] as? String else { return nil }
        switch type {
        case "feedback":
            guard let deployId = json["deploy_id"] as? String, let alertId = json["alert_id"] as? String,
                let verdict = (json["verdict"] as? String).flatMap(Verdict.init(rawValue:)),
                let at = try? time(json["labeled_at"])
            else { return nil }
            let label = FeedbackLabel(
                deployId: deployId,
                alertId: alertId,
                verdict: verdict,
                labeledBy: json["labeled_by"] as? String,
                labeledAt: at,
                note: json["note"] as? String
            )
            return ParsedLabel(archive: archive, path: path, feedback: label)
        case "incident":
            guard let id = json["id"] as? String, let app = json["app"] as? String,
                let cause = (json["cause"] as? String).flatMap(IncidentCause.init(rawValue:)),
                let start = try? time(json["start"]), let end = try? time(json["end"])
            else { return nil }
            let incident = Incident(
                id: id,
                app: app,
                deployId: json["deploy_id"] as? String,
                cause: cause,
                severity: json["severity"] as? String,
                start: start,
                end: end,
                metrics: json["metrics"] as? [String],
                hosts: json["hosts"] as? [String]
            )
            return ParsedLabel(archive: archive, path: path, incident: incident)
        default:
            return nil
        }
    }

    static func parseCSV(_ bytes: [UInt8], archive: Int, path: String) -> ParsedSeries {
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        let header = lines.first.map(String.init) ?? ""
        let hasHost = header == "timestamp,host,value"
        var rows: [ParsedSeries.Row] = []
        rows.reserveCapacity(lines.count)
        var malformed = 0
        var spellings = Set<String>()
        var rfc3339 = false
        var seen = Set<String>()
        var duplicates = 0
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == (hasHost ? 3 : 2) else {
                malformed += 1
                continue
            }
            var t: Int64?
            if let unix = Int64(fields[0]) {
                t = unix
            } else if let parsed = RFC3339.parse(fields[0]) {
                t = parsed
                rfc3339 = true
            }
            let valueText = fields[fields.count - 1]
            var value: Double?
            var valid = true
            switch valueText {
            case "", "NaN", "null": spellings.insert(String(valueText))
            default:
                value = Double(valueText)
                valid = value.map { $0.isFinite } ?? false
            }
            guard let t, valid else {
                malformed += 1
                continue
            }
            let host = hasHost ? String(fields[1]) : nil
            if !seen.insert("\(t)/\(host ?? "")").inserted { duplicates += 1 }
            rows.append(.init(t: t, host: host, value: value))
        }
        return ParsedSeries(
            archive: archive,
            path: path,
            header: header,
            rows: rows,
            malformed: malformed,
            missingSpellings: spellings,
            rfc3339: rfc3339,
            duplicates: duplicates
        )
    }

    /// The metric series of a deploy: host -> time -> value (last row wins, missing values dropped).
    func values(deploy: ParsedDeploy, metric: String) -> [String: [Int64: Double]] {
        var out: [String: [Int64: Double]] = [:]
        guard let series = series["\(deploy.archive)/metrics/\(deploy.id)/\(metric).csv"] else { return out }
        for row in series.rows {
            guard let host = row.host else { continue }
            out[host, default: [:]][row.t] = row.value
        }
        return out
    }
}

extension Optional {
    func orThrow(_ what: String) throws -> Wrapped {
        guard let self else { throw CorpusIndex.ParseError(description: "missing or invalid \(what)") }
        return self
    }
}
