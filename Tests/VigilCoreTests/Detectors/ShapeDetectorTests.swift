import Foundation
import Testing
import VigilCore

/// The shape detectors against their formulas, on inputs small enough to check by hand.
/// Reference [1, 2, 3, 4, 5]: median 3, MAD 1, so the robust scale is 1.4826 (above 0.5 · sd).
struct ShapeDetectorTests {
    static let reference: [Double] = [1, 2, 3, 4, 5]
    static let scale = 1.4826
    /// A target point `z` robust standard deviations from the reference's median.
    static func at(_ z: Double) -> Double { 3 + z * scale }

    @Test func standardizerUsesTheMADUnlessFloorsAreHigher() throws {
        let z = try #require(RobustStandardizer(reference: Self.reference))
        #expect(z.location == 3)
        #expect(abs(z.scale - Self.scale) < 1e-12)
        // A constant reference has MAD 0 and sd 0: the caller's floor decides.
        #expect(try #require(RobustStandardizer(reference: [5, 5, 5], minimumScale: 0.5)).scale == 0.5)
        #expect(try #require(RobustStandardizer(reference: [5, 5, 5])).scale == 5e-9)
        // One wild point among zeros: the MAD is 0, half the sd keeps the scale honest.
        let counts = try #require(RobustStandardizer(reference: [0, 0, 0, 0, 0, 0, 0, 0, 0, 10]))
        #expect(abs(counts.scale - 0.5 * 3.1622776601683795) < 1e-12)
        #expect(RobustStandardizer(reference: [1, .nan, 2]) == nil, "fewer than 3 present points")
    }

    @Test func levelIsTheHarmfulRobustZ() throws {
        let d = try LevelDetector()
        let target = [Self.at(4), Self.at(-2), .nan]
        let up = d.scores(for: DetectionInput(target: target, reference: Self.reference, direction: .up))
        #expect(abs(up[0] - 4) < 1e-9 && up[1] == 0 && up[2] == 0)
        let down = d.scores(for: DetectionInput(target: target, reference: Self.reference, direction: .down))
        #expect(down[0] == 0 && abs(down[1] - 2) < 1e-9)
    }

    @Test func cusumAccumulatesTheExcessOverK() throws {
        let d = try CUSUMDetector(parameters: ["k": 1])
        let target = [Self.at(2), Self.at(2), Self.at(0), Self.at(0), .nan]
        let up = d.scores(for: DetectionInput(target: target, reference: Self.reference, direction: .up))
        // S = max(0, S + z − 1): 1, 2, 1, 0; a missing point scores 0.
        for (s, e) in zip(up, [1.0, 2, 1, 0, 0]) { #expect(abs(s - e) < 1e-9, "\(up)") }
        let down = d.scores(for: DetectionInput(target: target, reference: Self.reference, direction: .down))
        #expect(down.allSatisfy { $0 == 0 })
        // Two-sided: the larger of the two sums.
        let both = d.scores(for: DetectionInput(target: [Self.at(-3)], reference: Self.reference, direction: .both))
        #expect(abs(both[0] - 2) < 1e-9)
    }

    @Test func aSlowDriftAccumulatesWhereALevelRuleStaysQuiet() throws {
        let noise: [Double] = (0..<120).map { i in 100 + sin(Double(i) * 1.7) }
        let drift: [Double] = (0..<50).map { i in
            let wiggle: Double = sin(Double(i) * 2.3)
            return 100 + wiggle + 0.05 * Double(i)
        }
        let level = try LevelDetector().scores(for: DetectionInput(target: drift, reference: noise, direction: .up))
        let cusum = try CUSUMDetector().scores(for: DetectionInput(target: drift, reference: noise, direction: .up))
        #expect(level.max()! < LevelDetector.defaultThreshold)
        #expect(cusum.last! > CUSUMDetector.defaultThreshold, "\(cusum)")
    }

    @Test func burstIsTheWindowMeanOfCappedHarmfulZ() throws {
        let d = try BurstDetector(parameters: ["window": 2, "cap": 3])
        let target = [Self.at(5), Self.at(1), Self.at(0), Self.at(-4)]
        let s = d.scores(for: DetectionInput(target: target, reference: Self.reference, direction: .up))
        // Capped excess 3, 1, 0, 0 → window means 1.5, 2, 0.5, 0.
        for (x, e) in zip(s, [1.5, 2, 0.5, 0]) { #expect(abs(x - e) < 1e-9, "\(s)") }
    }

    @Test func spreadFlagsAVarianceIncreaseWhateverTheDirection() throws {
        var g = SplitMix64(seed: 9)
        let reference = (0..<120).map { _ in 50 + g.nextGaussian() }
        let calm = (0..<60).map { _ in 50 + g.nextGaussian() }
        let noisy = (0..<60).map { _ in 50 + 5 * g.nextGaussian() }
        let d = try SpreadDetector()
        for direction in [Direction.up, .down, .both] {
            let a = d.scores(for: DetectionInput(target: calm, reference: reference, direction: direction))
            let b = d.scores(for: DetectionInput(target: noisy, reference: reference, direction: direction))
            #expect(Quantile.linear(Array(a.suffix(50)), p: 0.5)! < 1.5)
            #expect(b.suffix(50).allSatisfy { $0 > SpreadDetector.defaultThreshold }, "\(b)")
        }
    }

    @Test func calibrationShrinksEachSeriesTowardItsMetric() {
        let a = (1...10).map(Double.init)
        let samples: [SeriesKey: [Double]] = [
            SeriesKey(app: "a", metric: "rt"): a,
            SeriesKey(app: "b", metric: "rt"): [20],
        ]
        let c = RuleCalibration.fit(samples: samples, quantile: 0.9, prior: 20)
        let pooled = Quantile.linear(a + [20], p: 0.9)!
        #expect(c.metrics["rt"] == pooled)
        let ownA = Quantile.linear(a, p: 0.9)!
        #expect(abs(c.scale(app: "a", metric: "rt") - (10 * ownA + 20 * pooled) / 30) < 1e-12)
        #expect(abs(c.scale(app: "b", metric: "rt") - (20 + 20 * pooled) / 21) < 1e-12)
        // An app never seen gets the metric's pooled scale; a metric never seen, the fallback.
        #expect(c.scale(app: "new", metric: "rt") == pooled)
        #expect(c.scale(app: "new", metric: "qps") == c.fallback)
        // With no prior a series stands on its own samples.
        #expect(RuleCalibration.fit(samples: samples, quantile: 0.9, prior: 0).scale(app: "a", metric: "rt") == ownA)
    }

    @Test func aSilentSeriesCannotBlowUpScores() {
        // A CUSUM that never leaves 0 on one series: its scale is floored at a quarter of the
        // rule's typical positive strength, never 0.
        let samples: [SeriesKey: [Double]] = [
            SeriesKey(app: "a", metric: "rt"): [Double](repeating: 0, count: 50),
            SeriesKey(app: "b", metric: "rt"): [4, 4, 4, 4],
        ]
        let c = RuleCalibration.fit(samples: samples, quantile: 0.9, prior: 0)
        #expect(c.scale(app: "a", metric: "rt") == 1)
        #expect(c.series.values.allSatisfy { $0.scale > 0 })
    }
}
