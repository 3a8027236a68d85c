internal import Foundation
internal import VigilCore

/// Parses `deploys/<deploy-id>.json`.
///
/// Missing `id`, `app`, `started_at`, `batches` or `metrics` (or one of the wrong type)
/// rejects the deploy alone. Any other field with a wrong type or an unknown value is dropped
/// with a warning, so a newer exporter's additions do not lose the deploy.
enum DeployParser {
    enum Outcome {
        case success(Deploy, warnings: [Problem])
        case failure(Problem)
    }

    static func parse(_ bytes: [UInt8], entry: String, fileId: String) -> Outcome {
        var warnings: [Problem] = []
        func warn(_ message: String) {
            warnings.append(.warning("deploy_field", entry: entry, "'\(entry)': \(message)"))
        }
        func reject(_ message: String) -> Outcome {
            .failure(.error("deploy_rejected", entry: entry, "'\(entry)' is rejected: \(message)."))
        }
        let json: JSONObject
        do { json = try JSONObject.parse(bytes) } catch { return reject(describeJSONError(error)) }
        do {
            let id = try json.string("id")
            guard id == fileId else {
                return reject("field 'id' is '\(id)' but the file is named for '\(fileId)'")
            }
            let app = try json.string("app")
            guard DeployHistoryReader.isValidName(app) else {
                return reject("field 'app' ('\(app)') does not match [A-Za-z0-9._:-]{1,128}")
            }
            let startedAt = try json.time("started_at")
            // Past the five required fields, a field of the wrong type is dropped with a warning:
            // the format names only those five as reasons to reject a deploy.
            func optional<T>(_ read: () throws -> T?) -> T? {
                do { return try read() } catch {
                    warn("\(describeJSONError(error)); ignored")
                    return nil
                }
            }
            var batches: [Batch] = []
            for (i, b) in try json.objects("batches").enumerated() {
                let index = optional { try b.optionalInt("index") } ?? i
                let hosts = optional { try b.optionalStrings("hosts") } ?? []
                if !b.has("hosts") { warn("field '\(b.name("hosts"))' is missing; the batch has no hosts") }
                batches.append(
                    Batch(
                        index: index,
                        startedAt: optional { try lenientTime(b, "started_at", warn) },
                        finishedAt: optional { try lenientTime(b, "finished_at", warn) },
                        hosts: hosts
                    )
                )
            }
            var metrics: [MetricSpec] = []
            for m in try json.objects("metrics") {
                guard let name = optional({ try m.string("name") }) else { continue }
                guard DeployHistoryReader.isValidName(name) else {
                    warn("field '\(m.name("name"))' ('\(name)') is not a valid metric name; the metric is skipped")
                    continue
                }
                let direction = optional { try lenientEnum(m, "direction", Direction.self, warn) } ?? .both
                var step: Int64?
                if let s = optional({ try m.optionalInt("step_s") }) {
                    if s > 0 { step = Int64(s) } else { warn("field '\(m.name("step_s"))' must be positive; ignored") }
                }
                metrics.append(
                    MetricSpec(
                        name: name,
                        kind: optional { try lenientEnum(m, "kind", MetricKind.self, warn) },
                        unit: optional { try m.optionalString("unit") },
                        direction: direction,
                        stepSeconds: step
                    )
                )
            }
            var guardRun: GuardRun?
            if let g = optional({ try json.optionalObject("guard") }) {
                var alerts: [GuardAlert] = []
                for a in optional({ try g.has("alerts") ? g.objects("alerts") : [] }) ?? [] {
                    do {
                        alerts.append(
                            GuardAlert(
                                id: try a.string("id"),
                                at: try a.time("at"),
                                batch: optional { try a.optionalInt("batch") },
                                detector: optional { try a.optionalString("detector") },
                                metric: optional { try a.optionalString("metric") },
                                action: optional { try a.optionalString("action") }
                            )
                        )
                    } catch {
                        warn("\(describeJSONError(error)); the alert is skipped")
                    }
                }
                guardRun = GuardRun(bundleVersion: optional { try g.optionalString("bundle_version") }, alerts: alerts)
            }
            var change: Change?
            if let c = optional({ try json.optionalObject("change") }) {
                change = Change(
                    commit: optional { try c.optionalString("commit") },
                    summary: optional { try c.optionalString("summary") }
                )
            }
            let deploy = Deploy(
                id: id,
                app: app,
                env: optional { try json.optionalString("env") },
                strategy: optional { try lenientEnum(json, "strategy", Strategy.self, warn) },
                startedAt: startedAt,
                finishedAt: optional { try lenientTime(json, "finished_at", warn) },
                outcome: optional { try lenientEnum(json, "outcome", VigilCore.Outcome.self, warn) },
                change: change,
                batches: batches,
                baselineHosts: optional { try json.optionalStrings("baseline_hosts") } ?? [],
                metrics: metrics,
                guardRun: guardRun
            )
            return .success(deploy, warnings: warnings)
        } catch {
            return reject(describeJSONError(error))
        }
    }

    private static func lenientEnum<E: RawRepresentable<String>>(
        _ json: JSONObject,
        _ key: String,
        _ type: E.Type,
        _ warn: (String) -> Void
    ) throws -> E? {
        guard let raw = try json.optionalString(key) else { return nil }
        guard let value = E(rawValue: raw) else {
            warn("field '\(json.name(key))' has the unknown value '\(raw)'; ignored")
            return nil
        }
        return value
    }

    private static func lenientTime(_ json: JSONObject, _ key: String, _ warn: (String) -> Void) throws -> Int64? {
        guard let raw = try json.optionalString(key) else { return nil }
        guard let t = RFC3339.parse(raw) else {
            warn("field '\(json.name(key))' is not an RFC 3339 time ('\(raw)'); ignored")
            return nil
        }
        return t
    }
}

/// Parses `labels/*.jsonl`: feedback on alerts and incidents, one JSON object a line.
enum LabelParser {
    static func parse(_ bytes: [UInt8], entry: String, _ body: (ArchiveRecord) throws -> Void) throws {
        var lines = 0
        var skipped = 0
        var invalidJSON: [Int] = []
        try bytes.withUnsafeBufferPointer { buffer in
            var splitter = LineSplitter(buffer)
            while let (lineNumber, line) = splitter.next() {
                if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                lines += 1
                let json: JSONObject
                do {
                    json = try JSONObject.parse(Array(line))
                } catch {
                    skipped += 1
                    invalidJSON.append(lineNumber)
                    continue
                }
                func skip(_ message: String) throws {
                    skipped += 1
                    try body(
                        .problem(
                            .warning(
                                "bad_label",
                                entry: entry,
                                line: lineNumber,
                                "'\(entry)' line \(lineNumber): \(message); skipped."
                            )
                        )
                    )
                }
                do {
                    let type = try json.string("type")
                    switch type {
                    case "feedback":
                        let verdictText = try json.string("verdict")
                        guard let verdict = Verdict(rawValue: verdictText) else {
                            try skip(
                                "field 'verdict' is '\(verdictText)', expected 'true_positive' or 'false_positive'"
                            )
                            continue
                        }
                        let label = FeedbackLabel(
                            deployId: try json.string("deploy_id"),
                            alertId: try json.string("alert_id"),
                            verdict: verdict,
                            labeledBy: try json.optionalString("labeled_by"),
                            labeledAt: try json.time("labeled_at"),
                            note: try json.optionalString("note")
                        )
                        try body(.feedback(label, entry: entry, line: lineNumber))
                    case "incident":
                        let causeText = try json.string("cause")
                        guard let cause = IncidentCause(rawValue: causeText) else {
                            try skip("field 'cause' is '\(causeText)', expected 'change' or 'other'")
                            continue
                        }
                        let start = try json.time("start")
                        let end = try json.time("end")
                        guard end >= start else {
                            try skip("field 'end' is before field 'start'")
                            continue
                        }
                        let incident = Incident(
                            id: try json.string("id"),
                            app: try json.string("app"),
                            deployId: try json.optionalString("deploy_id"),
                            cause: cause,
                            severity: try json.optionalString("severity"),
                            start: start,
                            end: end,
                            metrics: try json.optionalStrings("metrics"),
                            hosts: try json.optionalStrings("hosts")
                        )
                        try body(.incident(incident, entry: entry, line: lineNumber))
                    default:
                        try skip("field 'type' is '\(type)', expected 'feedback' or 'incident'")
                    }
                } catch let error as JSONObject.FieldError {
                    try skip(describeJSONError(error))
                }
            }
        }
        if !invalidJSON.isEmpty {
            let shown = invalidJSON.prefix(5).map(String.init).joined(separator: ", ")
            try body(
                .problem(
                    .warning(
                        "invalid_json_lines",
                        entry: entry,
                        line: invalidJSON.first,
                        "'\(entry)': \(invalidJSON.count) line\(invalidJSON.count == 1 ? " is" : "s are") not valid JSON; skipped (line\(invalidJSON.count == 1 ? "" : "s") \(shown)"
                            + "\(invalidJSON.count > 5 ? ", …" : ""))."
                    )
                )
            )
        }
        try body(.labelFileSummary(entry: entry, lines: lines, skippedLines: skipped))
    }
}
