import Foundation
import Testing
import VigilCore
import VigilSynth

struct CorpusMixTests {
    @Test(arguments: [1, 2, 3] as [UInt64])
    func mixOfBadGoodAndUnlabeledIsSane(seed: UInt64) {
        let corpus = Synthesizer.generate(SynthConfig(seed: seed, apps: 3, days: 7))
        let truth = corpus.truth
        let n = Double(truth.count)
        func share(_ predicate: (SyntheticDeployTruth) -> Bool) -> Double { Double(truth.filter(predicate).count) / n }
        let bad = share(\.isBad)
        #expect(bad >= 0.08 && bad <= 0.35, "bad share \(bad)")
        let hardGood = share { $0.hardGoodKind != nil }
        #expect(hardGood >= 0.08 && hardGood <= 0.4, "hard good share \(hardGood)")
        let labeledBad = share { $0.labelsTell == "bad" }
        let labeledGood = share { $0.labelsTell == "good" }
        let unlabeled = share { $0.labelsTell == "unlabeled" }
        #expect(labeledBad >= 0.05 && labeledBad <= 0.35, "labeled bad \(labeledBad)")
        #expect(labeledGood >= 0.5, "labeled good \(labeledGood)")
        #expect(unlabeled <= 0.15, "unlabeled \(unlabeled)")
        #expect(abs(labeledBad + labeledGood + unlabeled - 1) < 1e-9)
        // The guard is imperfect both ways, and sometimes absent.
        #expect(truth.contains { $0.guardAlerts == nil })
        #expect(truth.contains { !$0.isBad && ($0.guardAlerts ?? 0) > 0 }, "false alarms")
        #expect(truth.contains { $0.isBad && ($0.guardAlerts ?? 0) == 0 }, "missed faults")
        #expect(truth.contains { $0.isBad && ($0.guardAlerts ?? 0) > 0 }, "caught faults")
        // Faults come in several kinds, some on more than one metric.
        #expect(Set(truth.compactMap(\.faultKind)).count >= 4)
        #expect(truth.contains { $0.faultMetrics.count > 1 })
    }

    @Test func deploysPerAppAndDay() {
        let config = SynthConfig(seed: 5, apps: 2, days: 5)
        let corpus = Synthesizer.generate(config)
        var perAppDay: [String: Int] = [:]
        for truth in corpus.truth {
            perAppDay["\(truth.app)/\((truth.startedAt - config.startDay) / 86_400)", default: 0] += 1
        }
        #expect(perAppDay.count == config.apps * config.days)
        #expect(perAppDay.values.allSatisfy { (2...4).contains($0) }, "\(perAppDay)")
    }

    @Test func scaleMultipliesDeploysRoughlyLinearly() {
        let base = SynthConfig(seed: 5, apps: 2, days: 4)
        var scaled = base
        scaled.scale = 3
        let one = Synthesizer.generate(base).truth.count
        let three = Synthesizer.generate(scaled).truth.count
        let ratio = Double(three) / Double(one)
        #expect(ratio >= 2.5 && ratio <= 3.5, "\(one) -> \(three)")
    }

    @Test func appNamesComeFromTheListThenNumbered() {
        let corpus = Synthesizer.generate(SynthConfig(seed: 9, apps: 14, days: 1))
        let apps = Set(corpus.truth.map(\.app))
        #expect(apps.contains("cart-service") && apps.contains("payment-gateway") && apps.contains("search-api"))
        #expect(apps.contains("cart-service-2") && apps.contains("payment-gateway-2"))
        #expect(apps.count == 14)
    }

    @Test func sampleSizeStaysModest() {
        let summary = Fixtures.sample.summary
        #expect(summary.deploys == Fixtures.sample.truth.count)
        #expect(summary.totalBytes < 36_000_000, "\(summary.totalBytes) bytes")
        #expect(summary.totalBytes > 5_000_000)
    }

    @Test func truthJSONLinesRoundTrip() throws {
        let corpus = Fixtures.sample
        let lines = corpus.truthJSONLines().split(separator: "\n")
        #expect(lines.count == corpus.truth.count)
        let decoder = JSONDecoder()
        for (line, truth) in zip(lines, corpus.truth) {
            let decoded = try decoder.decode(SyntheticDeployTruth.self, from: Data(line.utf8))
            #expect(decoded == truth)
            // Keys are sorted.
            let object = try CorpusIndex.object(Array(line.utf8))
            let keys = line.split(separator: "\"").enumerated().compactMap { i, part in
                object[String(part)] != nil && i % 2 == 1 ? String(part) : nil
            }
            #expect(keys.count == object.count)
            #expect(keys == keys.sorted())
        }
    }
}
