import VigilCore

/// Generates synthetic deploy-history corpora that behave like production exports.
///
/// A corpus is a world simulated from one seed: apps with seasonal, noisy,
/// host-heterogeneous metrics; deploys in batches with baseline hosts; bad
/// releases whose faults show only on released hosts; good releases made hard
/// on purpose (traffic peaks, warm-up blips, an odd baseline host); a simple
/// online guard that pauses or rolls back, misses some faults and raises false
/// alarms; and people who label alerts late, change their minds, or never do.
/// It is written out as one archive per day in the deploy-history format v1,
/// with the irregularities readers must tolerate, next to the ground truth.
///
/// Everything is a function of ``SynthConfig``: the same configuration gives
/// the same bytes on every run.
public enum Synthesizer {
    /// Generates the corpus for `config`.
    ///
    /// - Complexity: Linear in the number of deploys and in `apps * (days + historyDays)` history points.
    public static func generate(_ config: SynthConfig) -> SyntheticCorpus {
        let knobs = Knobs(seed: config.seed)
        let apps = AppProfile.catalog(config)
        var worlds = apps.map { AppSimulator.run(app: $0, config: config, knobs: knobs) }
        assignIdentifiers(&worlds, config: config)

        // Labels.
        let planner = LabelPlanner(config: config, knobs: knobs)
        var feedback: [Arrival<FeedbackLabel>] = []
        var incidents: [Arrival<Incident>] = []
        var feedbackByDeploy: [String: [Arrival<FeedbackLabel>]] = [:]
        for world in worlds {
            for deploy in world.deploys {
                let labels = planner.feedback(for: deploy)
                feedbackByDeploy[deploy.id] = labels
                feedback += labels
                incidents += planner.incidents(
                    for: deploy,
                    app: world.app,
                    appDeploys: world.deploys,
                    feedback: labels
                )
            }
            for (i, event) in world.background.enumerated() {
                incidents += planner.incidents(for: event, app: world.app, index: i)
            }
        }
        numberIncidents(&incidents)
        feedback.sort { ($0.label.labeledAt, $0.label.alertId) < ($1.label.labeledAt, $1.label.alertId) }

        // Truth.
        var truth: [SyntheticDeployTruth] = []
        for world in worlds {
            for deploy in world.deploys {
                truth.append(
                    Self.truth(
                        for: deploy,
                        app: world.app,
                        config: config,
                        feedback: feedbackByDeploy[deploy.id] ?? [],
                        incidents: incidents.map(\.label)
                    )
                )
            }
        }
        truth.sort { $0.deployId < $1.deployId }

        // Archives.
        let writer = CorpusWriter(config: config, knobs: knobs, worlds: worlds)
        var archives: [SyntheticArchive] = []
        for day in 0..<config.days {
            archives.append(
                writer.archive(
                    day: day,
                    feedback: feedback.filter { $0.day == day }.map(\.label),
                    incidents: incidents.filter { $0.day == day }.map(\.label)
                )
            )
        }
        return SyntheticCorpus(archives: archives, truth: truth)
    }

    /// Numbers deploys per start day (`d-20261125-0042`) and alerts across the corpus (`a-77`), in time order.
    private static func assignIdentifiers(_ worlds: inout [AppWorld], config: SynthConfig) {
        var order: [(start: Int64, app: Int, index: Int)] = []
        for (a, world) in worlds.enumerated() {
            for (i, deploy) in world.deploys.enumerated() { order.append((deploy.start, a, i)) }
        }
        order.sort { ($0.start, $0.app, $0.index) < ($1.start, $1.app, $1.index) }
        var perDay: [Int64: Int] = [:]
        var alertNumber = 0
        for entry in order {
            let day = entry.start.floorDiv(86_400)
            let n = (perDay[day] ?? 0) + 1
            perDay[day] = n
            let date = RFC3339.formatDate(entry.start).filter { $0 != "-" }
            let sequence = String(n).leftPadded(to: 4)
            worlds[entry.app].deploys[entry.index].id = "d-\(date)-\(sequence)"
            for k in worlds[entry.app].deploys[entry.index].alerts.indices {
                alertNumber += 1
                worlds[entry.app].deploys[entry.index].alerts[k].id = "a-\(alertNumber)"
            }
        }
    }

    /// Numbers incidents per start date (`INC-20261125-7`) in order of start, app and deploy.
    private static func numberIncidents(_ incidents: inout [Arrival<Incident>]) {
        incidents.sort {
            ($0.label.start, $0.label.app, $0.label.deployId ?? "", $0.label.end)
                < ($1.label.start, $1.label.app, $1.label.deployId ?? "", $1.label.end)
        }
        var perDay: [Int64: Int] = [:]
        for i in incidents.indices {
            let day = incidents[i].label.start.floorDiv(86_400)
            let n = (perDay[day] ?? 0) + 1
            perDay[day] = n
            let date = RFC3339.formatDate(incidents[i].label.start).filter { $0 != "-" }
            incidents[i].label.id = "INC-\(date)-\(n)"
        }
    }

    private static func truth(
        for deploy: SimDeploy,
        app: AppProfile,
        config: SynthConfig,
        feedback: [Arrival<FeedbackLabel>],
        incidents: [Incident]
    ) -> SyntheticDeployTruth {
        let fault = deploy.plan.fault
        return SyntheticDeployTruth(
            deployId: deploy.id,
            app: app.name,
            archive: CorpusWriter.archiveName(config: config, day: deploy.exportDay),
            startedAt: deploy.start,
            outcome: deploy.outcome.rawValue,
            isBad: fault != nil,
            faultKind: fault?.kinds.first?.rawValue,
            faultKinds: fault?.kinds.map(\.rawValue) ?? [],
            faultOnset: deploy.faultOnset,
            faultEnd: deploy.faultEnd,
            faultMetrics: fault?.metrics.map { app.metrics[$0].name }.sorted() ?? [],
            faultHosts: deploy.faultHosts.map { app.hosts[$0] }.sorted(),
            hardGoodKind: deploy.plan.hardGood?.rawValue,
            anomalousHost: deploy.plan.anomalousHost.map { app.hosts[$0] },
            guardAlerts: deploy.plan.guardRuns ? deploy.alerts.count : nil,
            labelsTell: labelsTell(deploy: deploy, app: app, feedback: feedback, incidents: incidents)
        )
    }

    /// The format's "ground truth derived from labels", over every label that arrives in the corpus.
    private static func labelsTell(
        deploy: SimDeploy,
        app: AppProfile,
        feedback: [Arrival<FeedbackLabel>],
        incidents: [Incident]
    ) -> String {
        let covered = incidents.contains { incident in
            guard incident.cause == .change else { return false }
            if let id = incident.deployId { return id == deploy.id }
            return incident.app == app.name && incident.start <= deploy.effectiveEnd && incident.end >= deploy.start
        }
        let verdicts = LabelPlanner.finalVerdicts(feedback)
        if covered || verdicts.values.contains(.truePositive) { return "bad" }
        let allLabeled = deploy.alerts.allSatisfy { verdicts[$0.id] == .falsePositive }
        return allLabeled ? "good" : "unlabeled"
    }
}
