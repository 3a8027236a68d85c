import Testing
import VigilCore

struct GroundTruthTests {
    static let t0: Int64 = 1_795_600_800

    static func deploy(id: String = "d1", alerts: [GuardAlert] = [], guardRan: Bool = true) -> Deploy {
        Deploy(
            id: id,
            app: "cart",
            startedAt: t0,
            finishedAt: t0 + 3000,
            batches: [
                Batch(index: 0, startedAt: t0, hosts: ["h1"]),
                Batch(index: 1, startedAt: t0 + 900, hosts: ["h2", "h3"]),
            ],
            baselineHosts: ["b1"],
            metrics: [MetricSpec(name: "rt"), MetricSpec(name: "err")],
            guardRun: guardRan ? GuardRun(alerts: alerts) : nil
        )
    }

    static func incident(
        id: String = "I1",
        deployId: String? = "d1",
        cause: IncidentCause = .change,
        start: Int64 = t0 + 600,
        end: Int64 = t0 + 1200,
        metrics: [String]? = nil,
        hosts: [String]? = nil,
        app: String = "cart"
    ) -> Incident {
        Incident(
            id: id,
            app: app,
            deployId: deployId,
            cause: cause,
            start: start,
            end: end,
            metrics: metrics,
            hosts: hosts
        )
    }

    @Test func noAlertsAndNoIncidentsIsGood() {
        let truth = GroundTruth.evaluate(deploy: Self.deploy(), verdicts: [:], incidents: [])
        #expect(truth.label == .good)
        #expect(truth.faultOnset == nil)
        #expect(GroundTruth.evaluate(deploy: Self.deploy(guardRan: false), verdicts: [:], incidents: []).label == .good)
    }

    @Test func changeIncidentMakesBadWithEarliestOnset() {
        let truth = GroundTruth.evaluate(
            deploy: Self.deploy(),
            verdicts: [:],
            incidents: [
                Self.incident(id: "late", start: Self.t0 + 900), Self.incident(id: "early", start: Self.t0 + 300),
            ]
        )
        #expect(truth.label == .bad)
        #expect(truth.faultOnset == Self.t0 + 300)
        #expect(truth.faultStartKnown)
        #expect(truth.incidentIds == ["early", "late"])
    }

    @Test func otherCauseIncidentDoesNotMakeBadButGivesWindow() {
        let truth = GroundTruth.evaluate(
            deploy: Self.deploy(),
            verdicts: [:],
            incidents: [Self.incident(cause: .other)]
        )
        #expect(truth.label == .good)
        #expect(truth.windows.count == 1)
        #expect(truth.windows[0].cause == .other)
    }

    @Test func truePositiveAlertMakesBadWithAlertOnset() {
        let alerts = [GuardAlert(id: "a2", at: Self.t0 + 700), GuardAlert(id: "a1", at: Self.t0 + 500)]
        let truth = GroundTruth.evaluate(
            deploy: Self.deploy(alerts: alerts),
            verdicts: ["a1": .falsePositive, "a2": .truePositive],
            incidents: []
        )
        #expect(truth.label == .bad)
        #expect(truth.faultOnset == Self.t0 + 700)
        #expect(!truth.faultStartKnown, "an alert fires after the fault began: an upper bound only")
    }

    @Test func incidentOnsetWinsOverAlertOnset() {
        let alerts = [GuardAlert(id: "a1", at: Self.t0 + 100)]
        let truth = GroundTruth.evaluate(
            deploy: Self.deploy(alerts: alerts),
            verdicts: ["a1": .truePositive],
            incidents: [Self.incident(start: Self.t0 + 900)]
        )
        #expect(truth.faultOnset == Self.t0 + 900)
    }

    @Test func allFalsePositivesIsGoodAndMissingVerdictIsUnlabeled() {
        let alerts = [GuardAlert(id: "a1", at: Self.t0 + 100), GuardAlert(id: "a2", at: Self.t0 + 200)]
        let good = GroundTruth.evaluate(
            deploy: Self.deploy(alerts: alerts),
            verdicts: ["a1": .falsePositive, "a2": .falsePositive],
            incidents: []
        )
        #expect(good.label == .good)
        let unlabeled = GroundTruth.evaluate(
            deploy: Self.deploy(alerts: alerts),
            verdicts: ["a1": .falsePositive],
            incidents: []
        )
        #expect(unlabeled.label == .unlabeled)
        #expect(unlabeled.alertsWithoutVerdict == ["a2"])
        // A bad deploy stays bad even with unlabeled alerts.
        let bad = GroundTruth.evaluate(deploy: Self.deploy(alerts: alerts), verdicts: [:], incidents: [Self.incident()])
        #expect(bad.label == .bad)
    }

    @Test func verdictsOnUnknownAlertsAreIgnored() {
        let truth = GroundTruth.evaluate(deploy: Self.deploy(), verdicts: ["zz": .truePositive], incidents: [])
        #expect(truth.label == .good)
    }

    @Test func incidentWithoutDeployCoversOverlappingDeploysOfTheApp() {
        let byApp = Self.incident(deployId: nil, start: Self.t0 - 100, end: Self.t0 + 10)
        #expect(GroundTruth.covers(byApp, Self.deploy()))
        #expect(!GroundTruth.covers(Self.incident(deployId: nil, app: "other"), Self.deploy()))
        #expect(
            !GroundTruth.covers(Self.incident(deployId: nil, start: Self.t0 + 3001, end: Self.t0 + 4000), Self.deploy())
        )
        #expect(
            GroundTruth.covers(Self.incident(deployId: nil, start: Self.t0 + 3000, end: Self.t0 + 4000), Self.deploy())
        )
        #expect(!GroundTruth.covers(Self.incident(deployId: "d2"), Self.deploy()))
        let truth = GroundTruth.evaluate(deploy: Self.deploy(), verdicts: [:], incidents: [byApp])
        #expect(truth.label == .bad)
        // Without metrics and hosts, the window covers every metric on every released host, not baseline hosts.
        #expect(truth.windows[0].metrics == ["rt", "err"])
        #expect(truth.windows[0].hosts == ["h1", "h2", "h3"])
        #expect(truth.windows[0].contains(metric: "rt", host: "h2", time: Self.t0))
        #expect(!truth.windows[0].contains(metric: "rt", host: "b1", time: Self.t0))
    }

    @Test func windowKeepsIncidentMetricsAndHosts() {
        let truth = GroundTruth.evaluate(
            deploy: Self.deploy(),
            verdicts: [:],
            incidents: [Self.incident(metrics: ["rt"], hosts: ["h1"])]
        )
        #expect(
            truth.windows == [
                AnomalousWindow(
                    incidentId: "I1",
                    cause: .change,
                    metrics: ["rt"],
                    hosts: ["h1"],
                    start: Self.t0 + 600,
                    end: Self.t0 + 1200
                )
            ]
        )
    }
}
