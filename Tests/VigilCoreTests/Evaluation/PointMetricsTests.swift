import Testing
import VigilCore

struct PointMetricsTests {
    /// `metrics.json`: every key of every case, within its stated tolerance.
    @Test func matchesScikitLearnReferenceForEveryCase() throws {
        let cases = try ReferenceFixture.load("metrics")
        #expect(cases.count == 7)
        for c in cases {
            let truth = try c.inputArray("truth").map { $0 == 1 }
            let predicted = try c.inputArray("pred").map { $0 == 1 }
            let scores = try c.inputArray("scores")
            var checked: Set<String> = []
            func scalar(_ key: String, _ value: Double) {
                c.check(key, value)
                checked.insert(key)
            }
            func exact(_ key: String, _ value: Int) {
                c.checkExact(key, JSONValue(value))
                checked.insert(key)
            }
            func all(_ prefix: String, _ counts: PointCounts) {
                scalar(prefix + "precision", counts.precision)
                scalar(prefix + "recall", counts.recall)
                scalar(prefix + "f1", counts.f1)
                exact(prefix + "tp", counts.truePositives)
                exact(prefix + "fp", counts.falsePositives)
                exact(prefix + "fn", counts.falseNegatives)
            }

            all("", PointMetrics.counts(truth: truth, predicted: predicted))
            all("pa_", PointAdjustment.counts(truth: truth, predicted: predicted))
            c.checkExact(
                "pa_pred",
                JSONValue(PointAdjustment.adjusted(predicted, truth: truth).map { $0 ? 1 : 0 })
            )
            checked.insert("pa_pred")
            for delay in try #require(c.params["delays"]?.ints) {
                all("pa_delay\(delay)_", PointAdjustment.counts(truth: truth, predicted: predicted, delay: delay))
            }

            let best = try #require(PointMetrics.bestF1(truth: truth, scores: scores))
            scalar("best_f1", best.f1)
            scalar("best_f1_threshold", best.threshold)
            scalar("best_f1_precision", best.precision)
            scalar("best_f1_recall", best.recall)
            exact("best_f1_tp", best.counts.truePositives)
            exact("best_f1_fp", best.counts.falsePositives)
            exact("best_f1_fn", best.counts.falseNegatives)

            let bestPA = try #require(PointAdjustment.bestF1(truth: truth, scores: scores))
            scalar("best_pa_f1", bestPA.f1)
            scalar("best_pa_f1_threshold", bestPA.threshold)
            scalar("best_pa_f1_precision", bestPA.precision)
            scalar("best_pa_f1_recall", bestPA.recall)

            scalar("average_precision", try #require(PointMetrics.averagePrecision(truth: truth, scores: scores)))
            #expect(checked == c.expectedKeys, "\(c.name): unchecked \(c.expectedKeys.subtracting(checked))")
        }
    }

    /// The O(n log n) sweeps agree with thresholding at every distinct score, on random data with ties and delays.
    @Test(arguments: [nil, 0, 2, 5] as [Int?])
    func sweepsAgreeWithBruteForce(delay: Int?) {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<40 {
            let n = 1 + Int(rng.next() % 60)
            var truth: [Bool] = []
            while truth.count < n {
                let anomalous = rng.nextUnit() < 0.3
                let run = 1 + Int(rng.next() % 6)
                truth += [Bool](repeating: anomalous, count: run)
            }
            truth = Array(truth.prefix(n))
            let scores = (0..<n).map { _ in Double(rng.next() % 8) / 4 }
            var bestPlain: ThresholdChoice?
            var bestAdjusted: ThresholdChoice?
            for t in Set(scores).sorted(by: >) {
                let predicted = PointMetrics.predictions(scores: scores, threshold: t)
                let plain = PointMetrics.counts(truth: truth, predicted: predicted)
                let adjusted = PointAdjustment.counts(truth: truth, predicted: predicted, delay: delay)
                if bestPlain.map({ plain.isBetterF1(than: $0.counts) }) ?? true {
                    bestPlain = ThresholdChoice(threshold: t, counts: plain)
                }
                if bestAdjusted.map({ adjusted.isBetterF1(than: $0.counts) }) ?? true {
                    bestAdjusted = ThresholdChoice(threshold: t, counts: adjusted)
                }
            }
            if delay == nil { #expect(PointMetrics.bestF1(truth: truth, scores: scores) == bestPlain) }
            #expect(PointAdjustment.bestF1(truth: truth, scores: scores, delay: delay) == bestAdjusted)
        }
    }

    @Test func edgeCases() {
        #expect(PointMetrics.bestF1(truth: [], scores: []) == nil)
        #expect(PointMetrics.averagePrecision(truth: [false, false], scores: [1, 2]) == nil)
        #expect(PointAdjustment.segments([true, false, true, true]) == [0..<1, 2..<4])
        #expect(
            PointAdjustment.adjusted([false, false, true], truth: [true, true, true], delay: 1) == [
                false, false, false,
            ]
        )
        let zero = PointCounts(truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 3)
        #expect(zero.precision == 0 && zero.recall == 0 && zero.f1 == 0)
        // A missing (NaN) score sorts below every number: only the lowest threshold (−∞) reaches it.
        let best = PointMetrics.bestF1(truth: [true, false, true], scores: [.nan, 0.1, 0.9])
        #expect(best?.threshold == -.infinity && best?.counts.truePositives == 2)
        let top = PointMetrics.bestF1(truth: [false, false, true], scores: [.nan, 0.1, 0.9])
        #expect(top?.threshold == 0.9 && top?.f1 == 1)
    }
}
