import VigilCore

/// Renders the simulated worlds and labels into one archive per day, in the deploy-history format v1.
struct CorpusWriter {
    let config: SynthConfig
    let knobs: Knobs
    let worlds: [AppWorld]

    static func archiveName(config: SynthConfig, day: Int) -> String {
        "export-" + RFC3339.formatDate(config.startDay + Int64(day + 1) * 86_400)
    }

    func archive(
        day: Int,
        feedback: [FeedbackLabel],
        incidents: [Incident]
    ) -> SyntheticArchive {
        let dayStart = config.startDay + Int64(day) * 86_400
        let date = RFC3339.formatDate(dayStart)
        var files: [InMemoryFile] = [manifest(day: day)]
        for world in worlds {
            for deploy in world.deploys where deploy.exportDay == day {
                files.append(InMemoryFile(path: "deploys/\(deploy.id).json", text: deployJSON(deploy, app: world.app)))
                for m in world.app.metrics.indices {
                    files.append(metricFile(deploy, metric: m, world: world))
                }
            }
            for m in world.app.metrics.indices {
                files.append(historyFile(world: world, metric: m, day: day))
            }
        }
        if !feedback.isEmpty {
            let lines = feedback.map { CorpusWriter.feedbackJSON($0).compact() }
            files.append(labelFile("labels/feedback-\(date).jsonl", lines: lines))
        }
        if !incidents.isEmpty {
            let lines = incidents.map { CorpusWriter.incidentJSON($0).compact() }
            files.append(labelFile("labels/incidents-\(date).jsonl", lines: lines))
        }
        files.sort { Array($0.path.utf8).lexicographicallyPrecedes(Array($1.path.utf8)) }
        return SyntheticArchive(
            name: CorpusWriter.archiveName(config: config, day: day),
            periodFrom: dayStart,
            files: files
        )
    }

    // MARK: JSON entries

    private func manifest(day: Int) -> InMemoryFile {
        let from = config.startDay + Int64(day) * 86_400
        let json = JSONValue.object([
            ("format", .string(Manifest.formatName)),
            ("version", .int(Manifest.supportedVersion)),
            ("exported_at", .string(RFC3339.format(from + 86_400 + 7200))),
            ("source", .string(config.sourceName)),
            (
                "period",
                .object([("from", .string(RFC3339.format(from))), ("to", .string(RFC3339.format(from + 86_400)))])
            ),
        ])
        return InMemoryFile(path: "manifest.json", text: json.pretty())
    }

    func deployJSON(_ deploy: SimDeploy, app: AppProfile) -> String {
        var members: [(String, JSONValue)] = [
            ("id", .string(deploy.id)),
            ("app", .string(app.name)),
            ("env", .string("prod")),
            ("strategy", .string(deploy.plan.strategy.rawValue)),
            ("started_at", .string(RFC3339.format(deploy.start))),
        ]
        if let finishedAt = deploy.finishedAt { members.append(("finished_at", .string(RFC3339.format(finishedAt)))) }
        members.append(("outcome", .string(deploy.outcome.rawValue)))
        members.append(
            ("change", .object([("commit", .string(deploy.plan.commit)), ("summary", .string(deploy.plan.summary))]))
        )
        members.append(
            (
                "batches",
                .array(
                    deploy.executed.enumerated().map { i, batch in
                        .object([
                            ("index", .int(i)),
                            ("started_at", .string(RFC3339.format(batch.start))),
                            ("finished_at", .string(RFC3339.format(batch.end))),
                            ("hosts", .strings(batch.hosts.map { app.hosts[$0] })),
                        ])
                    }
                )
            )
        )
        members.append(("baseline_hosts", .strings(deploy.plan.baseline.map { app.hosts[$0] })))
        members.append(
            (
                "metrics",
                .array(
                    app.metrics.map { metric in
                        .object([
                            ("name", .string(metric.name)),
                            ("kind", .string(metric.spec.kind?.rawValue ?? "system")),
                            ("unit", .string(metric.spec.unit ?? "")),
                            ("direction", .string(metric.spec.direction.rawValue)),
                            ("step_s", .int(metric.step)),
                        ])
                    }
                )
            )
        )
        if deploy.plan.guardRuns {
            let alerts = deploy.alerts.map { alert in
                JSONValue.object([
                    ("id", .string(alert.id)),
                    ("at", .string(RFC3339.format(alert.at))),
                    ("batch", .int(alert.batch)),
                    ("detector", .string(alert.detector)),
                    ("metric", .string(app.metrics[alert.metric].name)),
                    ("action", .string(alert.action)),
                ])
            }
            members.append(
                ("guard", .object([("bundle_version", .string(deploy.bundleVersion)), ("alerts", .array(alerts))]))
            )
        }
        return JSONValue.object(members).pretty()
    }

    static func feedbackJSON(_ label: FeedbackLabel) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("feedback")),
            ("deploy_id", .string(label.deployId)),
            ("alert_id", .string(label.alertId)),
            ("verdict", .string(label.verdict.rawValue)),
        ]
        if let by = label.labeledBy { members.append(("labeled_by", .string(by))) }
        members.append(("labeled_at", .string(RFC3339.format(label.labeledAt))))
        if let note = label.note { members.append(("note", .string(note))) }
        return .object(members)
    }

    static func incidentJSON(_ incident: Incident) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("type", .string("incident")),
            ("id", .string(incident.id)),
            ("app", .string(incident.app)),
        ]
        if let deployId = incident.deployId { members.append(("deploy_id", .string(deployId))) }
        members.append(("cause", .string(incident.cause.rawValue)))
        if let severity = incident.severity { members.append(("severity", .string(severity))) }
        members.append(("start", .string(RFC3339.format(incident.start))))
        members.append(("end", .string(RFC3339.format(incident.end))))
        if let metrics = incident.metrics { members.append(("metrics", .strings(metrics))) }
        if let hosts = incident.hosts { members.append(("hosts", .strings(hosts))) }
        return .object(members)
    }

    private func labelFile(_ path: String, lines: [String]) -> InMemoryFile {
        var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("labels"), SeedMix.tag(path))
        var text = lines.joined(separator: "\n") + "\n"
        if let first = lines.first, rng.chance(knobs.malformedLabelFileRate) {
            // An export cut mid-line: not valid JSON, to be skipped and counted.
            text += String(first.prefix(first.count / 2)) + "\n"
        }
        return InMemoryFile(path: path, text: text)
    }

    // MARK: Series

    private func metricFile(_ deploy: SimDeploy, metric m: Int, world: AppWorld) -> InMemoryFile {
        let app = world.app
        let profile = app.metrics[m]
        let step = profile.step
        let first = (deploy.start - 7200 + step - 1).floorDiv(step) * step
        let last = (deploy.effectiveEnd + 3600).floorDiv(step) * step
        let timestamps = Array(stride(from: first, through: last, by: Int(step)))
        let hosts = (deploy.releasedHosts + deploy.plan.baseline).sorted { app.hosts[$0] < app.hosts[$1] }
        let effects = world.effects.filter { $0.metric == m && $0.start <= last && $0.end > first }
        var builder = CSVBuilder(
            timestamps: timestamps,
            hostNames: hosts.map { app.hosts[$0] },
            decimals: profile.decimals,
            rfc3339: app.rfc3339Timestamps,
            upperBound: profile.upperBound
        )
        let traffic = timestamps.map { world.signal.traffic(at: $0) }
        func row(_ ti: Int, _ hi: Int) -> CSVBuilder.Row {
            let value = world.signal.value(
                metric: m,
                host: hosts[hi],
                at: timestamps[ti],
                traffic: traffic[ti],
                effects: effects
            )
            return CSVBuilder.Row(time: Int32(ti), host: Int16(hi), value: value)
        }
        if app.hostMajorRows {
            for hi in hosts.indices { for ti in timestamps.indices { builder.rows.append(row(ti, hi)) } }
        } else {
            for ti in timestamps.indices { for hi in hosts.indices { builder.rows.append(row(ti, hi)) } }
        }
        let path = "metrics/\(deploy.id)/\(profile.name).csv"
        var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("csv"), SeedMix.tag(path))
        return InMemoryFile(path: path, contents: builder.render(knobs: knobs, rng: &rng))
    }

    private func historyFile(world: AppWorld, metric m: Int, day: Int) -> InMemoryFile {
        let app = world.app
        let profile = app.metrics[m]
        let step = profile.step
        let path = "history/\(app.name)/\(profile.name).csv"
        var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("history"), UInt64(app.index), UInt64(m), UInt64(day))
        let dayStart = config.startDay + Int64(day) * 86_400
        var from = dayStart
        var timestamps: [Int64] = []
        if day == 0 && config.historyDays > 0 {
            // Back history from long-retention storage, possibly downsampled.
            let backStep = max(step, config.backHistoryStep ?? step)
            timestamps += stride(from: dayStart - Int64(config.historyDays) * 86_400, to: dayStart, by: Int(backStep))
        } else if day > 0 && rng.chance(0.25) {
            // Some exports re-send the tail of the previous day (overlap: later values win).
            from -= Int64(rng.int(1...4)) * 1800
        }
        let to = dayStart + 86_400
        timestamps += stride(from: from, to: to, by: Int(step))
        let candidates = world.effects.filter { $0.metric == m && $0.start < to && $0.end > timestamps[0] }
        var builder = CSVBuilder(
            timestamps: timestamps,
            hostNames: [],
            decimals: profile.decimals,
            rfc3339: app.rfc3339Timestamps,
            upperBound: profile.upperBound
        )
        var next = 0
        var active: [Effect] = []
        for (ti, t) in timestamps.enumerated() {
            while next < candidates.count && candidates[next].start <= t {
                active.append(candidates[next])
                next += 1
            }
            if !active.isEmpty { active.removeAll { $0.end <= t } }
            let value = world.signal.aggregate(metric: m, at: t, active: active.filter { $0.start <= t })
            builder.rows.append(CSVBuilder.Row(time: Int32(ti), host: -1, value: value))
        }
        var fileRng = SplitMix64(seed: config.seed, path: SeedMix.tag("csv"), SeedMix.tag(path), UInt64(day))
        return InMemoryFile(path: path, contents: builder.render(knobs: knobs, rng: &fileRng))
    }
}
