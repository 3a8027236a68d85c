import Foundation
import Testing
import VigilCore

/// NAB's scoring rules on small hand-computed cases.
struct NABScoringTests {
    /// 100 rows (probationary length 15) with one window over rows 40...49 (10 rows wide).
    static let file = NABLabelledFile(name: "cat/f.csv", rowCount: 100, windows: [40...49])

    static func detections(_ rows: [Int], count: Int = 100) -> [Double] {
        var s = [Double](repeating: 0, count: count)
        for r in rows { s[r] = 1 }
        return s
    }

    static func score(_ rows: [Int], _ profile: NABProfile = .standard) -> NABThresholdScore {
        NABScoring.score(file, anomalyScores: detections(rows), threshold: 0.5, profile: profile)
    }

    @Test func scaledSigmoidMatchesNAB() {
        #expect(
            NABScoring.scaledSigmoid(-1).isApproximatelyEqual(to: 0.986_614_298_151_430_3, relativeTolerance: 1e-12)
        )
        #expect(
            NABScoring.scaledSigmoid(-0.5).isApproximatelyEqual(to: 0.848_283_639_957_512_8, relativeTolerance: 1e-12)
        )
        #expect(NABScoring.scaledSigmoid(0) == 0)
        #expect(NABScoring.scaledSigmoid(3.01) == -1)
        #expect(NABScoring.probationaryLength(rowCount: 100) == 15)
        #expect(NABScoring.probationaryLength(rowCount: 22_695) == 750)
    }

    @Test func aDetectionAtTheLeftEdgeEarnsTheFullTruePositiveWeight() {
        let s = Self.score([40])
        #expect(s.score.isApproximatelyEqual(to: 1, relativeTolerance: 1e-12))
        #expect(s.detectedWindows == 1 && s.tp == 1 && s.fp == 0)
    }

    @Test func aLateDetectionEarnsLessAndOnlyTheEarliestCounts() {
        // Right edge: σ(−1/10)/σ(−1) = tanh(0.25)/0.98661…
        #expect(
            Self.score([49]).score.isApproximatelyEqual(
                to: 0.244_918_662_403_709_1 / 0.986_614_298_151_430_3,
                relativeTolerance: 1e-9
            )
        )
        // Halfway: position −(49−45+1)/10 = −0.5.
        let halfway = 0.848_283_639_957_512_8 / 0.986_614_298_151_430_3
        #expect(Self.score([45]).score.isApproximatelyEqual(to: halfway, relativeTolerance: 1e-9))
        #expect(Self.score([45, 46, 47, 48, 49]).score.isApproximatelyEqual(to: halfway, relativeTolerance: 1e-9))
        #expect(Self.score([40, 45]).score.isApproximatelyEqual(to: 1, relativeTolerance: 1e-12))
    }

    @Test func falsePositivesCostTheirWeightFarAwayAndLessRightAfterAWindow() {
        // Before any window: −fpWeight, plus the missed window.
        #expect(Self.score([20]).score.isApproximatelyEqual(to: -1.11, relativeTolerance: 1e-12))
        #expect(Self.score([20], .rewardLowFP).score.isApproximatelyEqual(to: -1.22, relativeTolerance: 1e-12))
        // Row 60 after the window: position (60−49)/(10−1), cost 0.11·σ(11/9).
        let after = 0.11 * (2 / (1 + exp(5.0 * 11 / 9)) - 1)
        #expect(Self.score([40, 60]).score.isApproximatelyEqual(to: 1 + after, relativeTolerance: 1e-12))
        // Right after the window the cost is almost nothing: position 1/9.
        let next = 0.11 * (2 / (1 + exp(5.0 / 9)) - 1)
        #expect(Self.score([40, 50]).score.isApproximatelyEqual(to: 1 + next, relativeTolerance: 1e-12))
        #expect(Self.score([40, 99]).score.isApproximatelyEqual(to: 1 - 0.11, relativeTolerance: 1e-12))
    }

    @Test func theNullDetectorLosesTheFalseNegativeWeightPerWindowAndProbationIsIgnored() {
        #expect(Self.score([]).score == -1)
        #expect(Self.score([], .rewardLowFN).score == -2)
        #expect(Self.score([0, 5, 14]).score == -1)
        #expect(Self.score([15]).score.isApproximatelyEqual(to: -1.11, relativeTolerance: 1e-12))
        let norm = NABScoring.Normalization(files: [Self.file], profile: .standard)
        #expect(norm.null == -1 && norm.perfect == 1)
        #expect(norm.normalized(-1) == 0 && norm.normalized(1) == 100)
        let lowFN = NABScoring.Normalization(files: [Self.file], profile: .rewardLowFN)
        #expect(lowFN.null == -2 && lowFN.normalized(1) == 100)
    }

    @Test func theSweepScoresEveryThresholdAndPicksTheBest() {
        var s = [Double](repeating: 0, count: 100)
        s[45] = 0.9
        s[70] = 0.8
        s[5] = 0.95  // probationary: never a candidate
        let sweep = NABScoring.CorpusSweep(files: [Self.file], anomalyScores: [s], profile: .standard)
        #expect(sweep.thresholds.map(\.threshold) == [1.1, 0.9, 0.8, 0])
        let halfway = 0.848_283_639_957_512_8 / 0.986_614_298_151_430_3
        #expect(sweep.thresholds[0].score == -1)
        #expect(sweep.thresholds[1].score.isApproximatelyEqual(to: halfway, relativeTolerance: 1e-9))
        #expect(sweep.best.threshold == 0.9)
        for t in sweep.thresholds {
            let direct = NABScoring.score(Self.file, anomalyScores: s, threshold: t.threshold, profile: .standard)
            #expect(direct.score.isApproximatelyEqual(to: t.score, absoluteTolerance: 1e-9), "\(t.threshold)")
            #expect(direct.tp == t.tp && direct.fp == t.fp && direct.fn == t.fn && direct.tn == t.tn)
        }
    }

    @Test func theSweepAgreesWithDirectScoringOnARandomCorpus() {
        var g = SplitMix64(seed: 7)
        let files = [
            NABLabelledFile(name: "a", rowCount: 300, windows: [60...89, 200...229]),
            NABLabelledFile(name: "b", rowCount: 200, windows: []),
            NABLabelledFile(name: "c", rowCount: 250, windows: [100...124]),
        ]
        // Scores on a coarse grid, so thresholds tie across rows and files.
        let scores = files.map { f in (0..<f.rowCount).map { _ in Double(g.next() % 50) / 50 } }
        for profile in NABProfile.all {
            let sweep = NABScoring.CorpusSweep(files: files, anomalyScores: scores, profile: profile)
            #expect(sweep.thresholds.count == 51)
            for t in sweep.thresholds {
                let direct = zip(files, scores).reduce(0.0) {
                    $0 + NABScoring.score($1.0, anomalyScores: $1.1, threshold: t.threshold, profile: profile).score
                }
                #expect(direct.isApproximatelyEqual(to: t.score, absoluteTolerance: 1e-9))
            }
            let results = NABEvaluation.evaluate(files: files, scores: scores, profiles: [profile])
            #expect(results[0].threshold == sweep.best.threshold)
            #expect(results[0].raw.score.isApproximatelyEqual(to: sweep.best.score, absoluteTolerance: 1e-9))
        }
    }

    @Test func windowedGaussianScoresTheTailProbabilityUnderEarlierRows() {
        let s = WindowedGaussianScorer(window: 3, step: 1).scores(
            values: [1, 2, 3, 10, 2],
            times: [0, 1, 2, 3, 4]
        )
        #expect(s[0] == 0)
        #expect(s[1] == 1)  // sd 0 is replaced by 1e-6: the tail probability underflows
        // Row 2 against {1, 2}: mean 1.5, population sd 0.5, z = 3.
        #expect(s[2].isApproximatelyEqual(to: 1 - NormalDistribution.survival(3), relativeTolerance: 1e-12))
        // Row 4 against the window {2, 3, 10} (slid by one).
        let (m, sd) = (5.0, ((9.0 + 4 + 25) / 3).squareRoot())
        #expect(
            s[4].isApproximatelyEqual(to: 1 - NormalDistribution.survival(abs(2 - m) / sd), relativeTolerance: 1e-12)
        )
    }

    @Test func rollingScorersAreCausal() throws {
        var g = SplitMix64(seed: 3)
        let values = (0..<400).map { _ in g.nextGaussian() }
        let times = (0..<400).map { Int64($0) * 300 }
        for spec in [
            "zscore:window=100", "tukey:window=100,refit=7", "esd:window=80", "ks", "arima_ksigma:window=120",
            "zscore:window=100,likelihood=100,suppress=20", "windowed_gaussian:window=50,refit=10",
        ] {
            let full = try NABDetectorSpec(spec).anomalyScores(values: values, times: times)
            let prefix = try NABDetectorSpec(spec).anomalyScores(
                values: Array(values[..<250]),
                times: Array(times[..<250])
            )
            #expect(Array(full[..<250]) == prefix, "\(spec)")
            #expect(full.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(spec)")
        }
        #expect(throws: DetectorError.self) { try NABDetectorSpec("nope") }
        #expect(throws: DetectorError.self) { try NABDetectorSpec("zscore:window=x") }
        #expect(throws: DetectorError.self) { try NABDetectorSpec("zscore:alpha=1") }
    }

    @Test func suppressionKeepsOnlyTheFirstAlertOfABurst() {
        let shaped = ScoreShaping(suppress: 3).apply([0, 5, 4, 5, 6, 1, 1, 1, 1, 2])
        #expect(shaped == [0, 5, 0, 0, 6, 0, 0, 0, 0, 2])
    }
}

extension Double {
    /// `|a − b| ≤ tol · max(|a|, |b|)`, in the spirit of swift-numerics' `isApproximatelyEqual`.
    fileprivate func isApproximatelyEqual(to other: Double, relativeTolerance: Double) -> Bool {
        abs(self - other) <= relativeTolerance * Swift.max(abs(self), abs(other))
    }

    /// `|a − b| ≤ tol`.
    fileprivate func isApproximatelyEqual(to other: Double, absoluteTolerance: Double) -> Bool {
        abs(self - other) <= absoluteTolerance
    }
}
