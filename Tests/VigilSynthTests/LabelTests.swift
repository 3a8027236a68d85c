import Foundation
import Testing
import VigilCore
import VigilSynth

struct LabelTests {
    @Test func everyLineParsesExceptTheRareTruncatedOne() {
        let index = Fixtures.index
        #expect(!index.labels.isEmpty)
        var perFile: [String: Int] = [:]
        for bad in index.malformedLabelLines { perFile["\(bad.archive)/\(bad.path)", default: 0] += 1 }
        #expect(perFile.values.allSatisfy { $0 == 1 }, "at most one cut line per file")
        #expect(index.malformedLabelLines.count * 10 < index.labels.count)
        for label in index.labels {
            #expect((label.feedback == nil) != (label.incident == nil))
            let date = label.path.split(separator: "-", maxSplits: 1).last?.dropLast(6) ?? ""
            let period = RFC3339.formatDate(Fixtures.sample.archives[label.archive].periodFrom)
            #expect(date == period, "\(label.path) in archive \(label.archive)")
        }
    }

    @Test func feedbackReferencesRealAlerts() throws {
        let index = Fixtures.index
        for label in index.labels {
            guard let feedback = label.feedback else { continue }
            #expect(label.path.contains("feedback-"))
            let deploy = try #require(index.deploys[feedback.deployId], "unknown deploy \(feedback.deployId)")
            let alert = try #require(
                deploy.alerts.first { $0.id == feedback.alertId },
                "unknown alert \(feedback.alertId)"
            )
            #expect(feedback.labeledAt > alert.at)
            // A label is exported with the day it was made, or later.
            #expect(Fixtures.sample.archives[label.archive].periodFrom + 86_400 > feedback.labeledAt)
            #expect(feedback.labeledBy?.isEmpty == false)
        }
    }

    @Test func incidentsAreWellFormed() {
        let index = Fixtures.index
        let apps = Set(index.deploys.values.map(\.app))
        var ids = Set<String>()
        for label in index.labels {
            guard let incident = label.incident else { continue }
            #expect(label.path.contains("incidents-"))
            #expect(ids.insert(incident.id).inserted)
            #expect(incident.id.range(of: "^INC-\\d{8}-\\d+$", options: .regularExpression) != nil)
            #expect(apps.contains(incident.app))
            #expect(incident.start <= incident.end)
            #expect(["P1", "P2", "P3", "P4"].contains(incident.severity ?? ""))
            if let deployId = incident.deployId {
                #expect(index.deploys[deployId]?.app == incident.app)
            }
            if let hosts = incident.hosts, let deploy = incident.deployId.flatMap({ index.deploys[$0] }) {
                #expect(Set(hosts).isSubset(of: deploy.released))
            }
        }
    }

    /// Late, changed, missing and early-arriving labels, anonymous and `other` incidents are all present.
    @Test func labelIrregularitiesArePresent() throws {
        let index = Fixtures.index
        let feedback = index.labels.compactMap { label in label.feedback.map { (label.archive, $0) } }
        var byAlert: [String: [(Int, FeedbackLabel)]] = [:]
        for entry in feedback { byAlert[entry.1.alertId, default: []].append(entry) }
        let changed = byAlert.values.filter { labels in
            labels.count > 1 && Set(labels.map(\.1.verdict)).count > 1
                && labels.max { $0.1.labeledAt < $1.1.labeledAt }!.0 > labels.min { $0.1.labeledAt < $1.1.labeledAt }!.0
        }
        #expect(!changed.isEmpty, "a verdict changed in a later archive")

        let alertDay = Dictionary(
            uniqueKeysWithValues: index.deploys.values.flatMap { d in d.alerts.map { ($0.id, $0.at) } }
        )
        let late = feedback.filter { archive, label in
            let day = Int(((alertDay[label.alertId] ?? 0) - Fixtures.sampleConfig.startDay) / 86_400)
            return archive >= day + 1
        }
        #expect(!late.isEmpty, "labels that arrive days later")

        let early = index.labels.filter { label in
            guard let id = label.feedback?.deployId ?? label.incident?.deployId, let deploy = index.deploys[id] else {
                return false
            }
            return label.archive < deploy.archive
        }
        #expect(!early.isEmpty, "a label that arrives before its deploy")

        let allAlerts = index.deploys.values.flatMap(\.alerts).map(\.id)
        #expect(allAlerts.contains { byAlert[$0] == nil }, "alerts without any verdict")

        let incidents = index.labels.compactMap(\.incident)
        #expect(incidents.contains { $0.cause == .other })
        #expect(incidents.contains { $0.cause == .change && $0.deployId == nil && $0.metrics == nil })
        #expect(incidents.contains { $0.cause == .change && $0.deployId != nil })
    }

    /// Recomputes the format's label-derived ground truth from the archives alone; it must match the truth file.
    @Test func labelsTellMatchesAnIndependentDerivation() throws {
        let index = Fixtures.index
        var latest: [String: FeedbackLabel] = [:]
        for label in index.labels {
            guard let feedback = label.feedback else { continue }
            if let current = latest[feedback.alertId], current.labeledAt > feedback.labeledAt { continue }
            latest[feedback.alertId] = feedback
        }
        let incidents = index.labels.compactMap(\.incident).filter { $0.cause == .change }
        for truth in Fixtures.sample.truth {
            let deploy = try #require(index.deploys[truth.deployId])
            let covered = incidents.contains { incident in
                if let id = incident.deployId { return id == deploy.id }
                return incident.app == deploy.app && incident.start <= deploy.effectiveEnd
                    && incident.end >= deploy.startedAt
            }
            let verdicts = deploy.alerts.map { latest[$0.id]?.verdict }
            let derived: String
            if covered || verdicts.contains(.truePositive) {
                derived = "bad"
            } else if verdicts.allSatisfy({ $0 == .falsePositive }) {
                derived = "good"
            } else {
                derived = "unlabeled"
            }
            #expect(derived == truth.labelsTell, "\(truth.deployId)")
        }
    }

    @Test func labelsMostlyAgreeWithTheTruth() {
        let truth = Fixtures.sample.truth
        let labeled = truth.filter { $0.labelsTell != "unlabeled" }
        let agree = labeled.filter { ($0.labelsTell == "bad") == $0.isBad }
        #expect(Double(agree.count) >= 0.85 * Double(labeled.count))
        // But not perfectly: some bad deploys go unnoticed, as in production.
        #expect(agree.count < labeled.count)
    }
}
