import VigilCore

/// A label line and the index of the archive it arrives in.
struct Arrival<Label: Sendable>: Sendable {
    var day: Int
    var label: Label
}

/// Writes what people said about the deploys: feedback on alerts and incidents, with their delays and mistakes.
struct LabelPlanner {
    let config: SynthConfig
    let knobs: Knobs

    static let people = [
        "li.wei", "zhang.min", "wang.fang", "chen.jie", "a.kumar", "m.garcia", "j.smith", "oncall-bot",
    ]
    static let truePositiveNotes = [
        "p99 jumped right after the batch", "error spike on the new version", "confirmed regression, rolled back",
        "success rate dipped on released hosts", "memory climbing on new build",
    ]
    static let falsePositiveNotes = [
        "traffic peak, not the release", "warm-up after restart", "noise", "known flaky metric",
        "baseline moved too", "promo traffic",
    ]

    func dayIndex(_ t: Int64) -> Int {
        Int((t - config.startDay).floorDiv(86_400))
    }

    /// Feedback on every alert of `deploy`, possibly missing, wrong, late, or changed later.
    func feedback(for deploy: SimDeploy) -> [Arrival<FeedbackLabel>] {
        var rng = SplitMix64(seed: deploy.plan.key, path: 2)
        var out: [Arrival<FeedbackLabel>] = []
        for alert in deploy.alerts {
            let bad = deploy.plan.fault != nil && alert.at >= (deploy.faultOnset ?? .max)
            let truth: Verdict = bad ? .truePositive : .falsePositive
            if rng.chance(knobs.missingVerdictRate) { continue }
            let final = rng.chance(knobs.wrongLabelRate) ? truth.flipped : truth
            let late = rng.chance(knobs.lateLabelRate)
            let first =
                late
                ? alert.at + Int64(rng.int(1...3)) * 86_400 + Int64(rng.int(0...360)) * 60
                : alert.at + Int64(dayIndex(alert.at) < deploy.exportDay ? rng.int(3...20) : rng.int(3...150)) * 60
            var labels: [(Verdict, Int64)] = []
            if rng.chance(knobs.changedLabelRate) {
                labels.append((final.flipped, first))
                labels.append((final, first + Int64(rng.int(1...2)) * 86_400 + Int64(rng.int(0...240)) * 60))
            } else {
                labels.append((final, first))
            }
            for (verdict, at) in labels {
                let day = dayIndex(at)
                guard day < config.days else { continue }
                let notes = verdict == .truePositive ? LabelPlanner.truePositiveNotes : LabelPlanner.falsePositiveNotes
                let label = FeedbackLabel(
                    deployId: deploy.id,
                    alertId: alert.id,
                    verdict: verdict,
                    labeledBy: rng.pick(LabelPlanner.people),
                    labeledAt: at,
                    note: rng.chance(0.5) ? rng.pick(notes) : nil
                )
                out.append(Arrival(day: day, label: label))
            }
        }
        return out
    }

    /// Incidents: postmortems of bad deploys (more often when the guard missed them), and `cause: other` events.
    ///
    /// Incident ids are left empty; the caller numbers them per day.
    func incidents(
        for deploy: SimDeploy,
        app: AppProfile,
        appDeploys: [SimDeploy],
        feedback: [Arrival<FeedbackLabel>]
    ) -> [Arrival<Incident>] {
        var rng = SplitMix64(seed: deploy.plan.key, path: 3)
        var out: [Arrival<Incident>] = []
        if let fault = deploy.plan.fault, let onset = deploy.faultOnset, let faultEnd = deploy.faultEnd {
            let caught = LabelPlanner.finalVerdicts(feedback).values.contains(.truePositive)
            let primary = fault.kinds.first ?? .levelShift
            let subtle = primary == .successDrop || primary == .varianceIncrease
            let p = caught ? 0.25 : (subtle ? 0.55 : 0.85)
            if rng.chance(p) {
                let end = min(faultEnd, onset + 6 * 3600)
                let coversOnlyThis = appDeploys.allSatisfy { other in
                    other.id == deploy.id || !(other.start <= end && other.effectiveEnd >= onset)
                }
                let coversThis = onset <= deploy.effectiveEnd
                let anonymous = coversOnlyThis && coversThis && rng.chance(0.3)
                let metrics = fault.metrics.map { app.metrics[$0].name }.sorted()
                let hosts = deploy.faultHosts.map { app.hosts[$0] }.sorted()
                let incident = Incident(
                    id: "",
                    app: app.name,
                    deployId: anonymous ? nil : deploy.id,
                    cause: .change,
                    severity: LabelPlanner.severity(rng: &rng),
                    start: onset,
                    end: end,
                    metrics: anonymous ? nil : metrics,
                    hosts: anonymous || rng.chance(0.15) ? nil : hosts
                )
                out.append(Arrival(day: arrivalDay(after: end, rng: &rng), label: incident))
            }
        } else if let peak = deploy.plan.peak, rng.chance(0.3) {
            let incident = Incident(
                id: "",
                app: app.name,
                deployId: deploy.id,
                cause: .other,
                severity: "P4",
                start: peak.start,
                end: peak.end,
                metrics: nil,
                hosts: nil
            )
            out.append(Arrival(day: arrivalDay(after: peak.end, rng: &rng), label: incident))
        }
        return out.filter { $0.day < config.days }
    }

    /// `cause: other` incidents for infrastructure degradations (and some promotions) outside deploys.
    func incidents(for event: BackgroundEvent, app: AppProfile, index: Int) -> [Arrival<Incident>] {
        var rng = SplitMix64(
            seed: config.seed,
            path: SeedMix.tag("background-incident"),
            UInt64(app.index),
            UInt64(index)
        )
        guard event.isDegradation || rng.chance(0.3), dayIndex(event.start) >= 0 else { return [] }
        let incident = Incident(
            id: "",
            app: app.name,
            deployId: nil,
            cause: .other,
            severity: LabelPlanner.severity(rng: &rng),
            start: event.start,
            end: event.end,
            metrics: event.isDegradation ? ["rt.p99"] : nil,
            hosts: nil
        )
        let arrival = Arrival(day: arrivalDay(after: event.end, rng: &rng), label: incident)
        return arrival.day < config.days ? [arrival] : []
    }

    private func arrivalDay(after t: Int64, rng: inout SplitMix64) -> Int {
        dayIndex(t) + (rng.chance(0.5) ? 0 : rng.int(1...3))
    }

    static func severity(rng: inout SplitMix64) -> String {
        ["P1", "P2", "P3", "P4"][rng.weighted([0.05, 0.25, 0.45, 0.25])]
    }

    /// The latest verdict per alert id (later `labeledAt` wins).
    static func finalVerdicts(_ labels: [Arrival<FeedbackLabel>]) -> [String: Verdict] {
        var latest: [String: (Int64, Verdict)] = [:]
        for arrival in labels {
            let label = arrival.label
            if let current = latest[label.alertId], current.0 > label.labeledAt { continue }
            latest[label.alertId] = (label.labeledAt, label.verdict)
        }
        return latest.mapValues(\.1)
    }
}
