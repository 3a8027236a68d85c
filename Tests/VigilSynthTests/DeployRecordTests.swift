import Foundation
import Testing
import VigilCore
import VigilSynth

struct DeployRecordTests {
    static let detectors: Set<String> = ["tukey", "esd", "arima_ksigma", "zscore"]
    static let actions: Set<String> = ["paused", "rolled_back", "observed"]

    @Test func requiredFieldsAndEnums() throws {
        let index = Fixtures.index
        #expect(index.problems.isEmpty, "\(index.problems)")
        #expect(index.deploys.count == Fixtures.sample.truth.count)
        for deploy in index.deploys.values {
            let json = try CorpusIndex.object(
                try #require(Fixtures.sample.archives[deploy.archive].file(at: deploy.path)).contents
            )
            for field in ["id", "app", "started_at", "batches", "metrics"] {
                #expect(json[field] != nil, "\(deploy.id) lacks \(field)")
            }
            #expect(deploy.path == "deploys/\(deploy.id).json")
            #expect(deploy.env == "prod")
            #expect(Strategy(rawValue: deploy.strategy) != nil, "\(deploy.strategy)")
            #expect(Outcome(rawValue: deploy.outcome) != nil, "\(deploy.outcome)")
            #expect(!deploy.metrics.isEmpty && (4...6).contains(deploy.metrics.count))
            #expect(Set(deploy.metrics.map(\.name)).count == deploy.metrics.count)
            for metric in deploy.metrics {
                #expect(metric.unit?.isEmpty == false)
                #expect([30, 60, 300].contains(metric.stepSeconds ?? 0))
            }
            #expect(deploy.id.range(of: "^d-\\d{8}-\\d{4}$", options: .regularExpression) != nil)
            #expect(deploy.id.dropFirst(2).prefix(8) == RFC3339.formatDate(deploy.startedAt).filter { $0 != "-" })
        }
    }

    @Test func batchesAreOrderedAndHostsDisjoint() {
        for deploy in Fixtures.index.deploys.values {
            #expect((1...4).contains(deploy.batches.count), "\(deploy.id) has \(deploy.batches.count) batches")
            #expect(deploy.batches.map(\.index) == Array(0..<deploy.batches.count))
            var previousEnd = deploy.startedAt
            #expect(deploy.batches.first?.startedAt == deploy.startedAt)
            for batch in deploy.batches {
                #expect((1...4).contains(batch.hosts.count))
                #expect(batch.startedAt >= previousEnd)
                let end = batch.finishedAt ?? batch.startedAt
                #expect(end >= batch.startedAt)
                previousEnd = end
            }
            if let finishedAt = deploy.finishedAt { #expect(finishedAt >= previousEnd) }
            let released = deploy.released
            #expect(Set(released).count == released.count, "\(deploy.id) releases a host twice")
            #expect(Set(released).isDisjoint(with: deploy.baseline), "\(deploy.id): released and baseline overlap")
            #expect(deploy.baseline.count <= 4)
            let prefix = released[0].split(separator: "-").first
            #expect((released + deploy.baseline).allSatisfy { $0.split(separator: "-").first == prefix })
        }
    }

    @Test func guardAlertsAreWellFormedAndOutcomesConsistent() {
        var alertIds = Set<String>()
        var withoutGuard = 0
        for deploy in Fixtures.index.deploys.values {
            if !deploy.hasGuard { withoutGuard += 1 }
            for alert in deploy.alerts {
                #expect(alertIds.insert(alert.id).inserted, "alert id \(alert.id) reused")
                #expect(Self.detectors.contains(alert.detector))
                #expect(Self.actions.contains(alert.action))
                #expect(deploy.metrics.contains { $0.name == alert.metric })
                #expect(deploy.batches.indices.contains(alert.batch))
                #expect(alert.at >= deploy.batches[alert.batch].startedAt && alert.at <= deploy.effectiveEnd)
            }
            let actions = deploy.alerts.map(\.action)
            switch deploy.outcome {
            case "paused":
                #expect(deploy.finishedAt == nil)
                #expect(actions.last == "paused")
            case "completed":
                #expect(!actions.contains("rolled_back"))
                #expect(deploy.finishedAt != nil)
            case "rolled_back":
                #expect(deploy.finishedAt != nil)
            default:
                #expect(deploy.finishedAt != nil)
            }
            if actions.contains("rolled_back") { #expect(deploy.outcome == "rolled_back") }
        }
        #expect(withoutGuard > 0, "some deploys should run without a guard")
        #expect(!alertIds.isEmpty)
    }

    @Test func strategiesAndBaselinesVary() {
        let deploys = Array(Fixtures.index.deploys.values)
        #expect(Set(deploys.map(\.strategy)) == ["rolling", "blue_green", "canary"])
        #expect(deploys.contains { $0.baseline.isEmpty })
        #expect(deploys.contains { $0.baseline.count >= 3 })
        #expect(deploys.contains { $0.batches.count == 4 })
        #expect(Set(deploys.map(\.outcome)).isSuperset(of: ["completed", "rolled_back"]))
        for deploy in deploys where deploy.strategy == "canary" {
            #expect(deploy.batches[0].hosts.count == 1)
        }
    }

    @Test func truthMatchesDeployRecords() throws {
        let index = Fixtures.index
        let corpus = Fixtures.sample
        #expect(Set(corpus.truth.map(\.deployId)) == Set(index.deploys.keys))
        #expect(corpus.truth.map(\.deployId) == corpus.truth.map(\.deployId).sorted())
        for truth in corpus.truth {
            let deploy = try #require(index.deploys[truth.deployId])
            #expect(corpus.archives[deploy.archive].name == truth.archive)
            #expect(deploy.app == truth.app && deploy.startedAt == truth.startedAt && deploy.outcome == truth.outcome)
            #expect(truth.guardAlerts == (deploy.hasGuard ? deploy.alerts.count : nil))
            // A deploy arrives in its own day's archive or a later one, never an earlier one.
            #expect(corpus.archives[deploy.archive].periodFrom + 86_400 > deploy.startedAt)
        }
    }
}
