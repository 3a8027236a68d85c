import Foundation
import Testing
import VigilCore

/// The streaming scorers behind `vigil bench nab`.
struct StreamingScorerTests {
    static let times = (0..<3000).map { Int64($0) * 300 }

    @Test func theEnsembleFlagsASpikeAndAJumpButNotTheDailyPatternOnceALagExplainsIt() {
        // A 1-hour "day" of 12 rows at 5 minutes, and a 1-hour lag, to keep the series short.
        var g = SplitMix64(seed: 11)
        var values: [Double] = []
        for i in 0..<3000 {
            let wave: Double = 10 * sin(2 * Double.pi * Double(i % 12) / 12)
            values.append(wave + 0.1 * g.nextGaussian())
        }
        values[2500] += 3  // small against the wave, large against the residual noise
        let plain = ZScoreEnsembleScorer(long: 500).scores(values: values, times: Self.times)
        let seasonal = ZScoreEnsembleScorer(long: 500, lag: 3600).scores(values: values, times: Self.times)
        #expect(plain[2500] < 3)
        #expect(seasonal[2500] > 10)
        // With the lag, the wave itself scores low once enough history has passed.
        #expect(seasonal[1000..<2490].max()! < 6)
        #expect(seasonal.allSatisfy { $0.isFinite && $0 >= 0 })
    }

    @Test func jumpScoresAStepInsideTheUsualRange() {
        var g = SplitMix64(seed: 5)
        var values = (0..<3000).map { _ in 0.01 * g.nextGaussian() }
        for i in 0..<3000 where (i / 50) % 2 == 0 { values[i] += 1 }  // a square wave: both levels are usual
        values[2020] += 0.5  // mid-plateau: a level seen before, but a step never seen off a transition
        let plain = ZScoreEnsembleScorer(long: 1000).scores(values: values, times: Self.times)
        let withJump = ZScoreEnsembleScorer(long: 1000, jump: true).scores(values: values, times: Self.times)
        #expect(plain[2020] < 2.5)
        #expect(withJump[2020] > 3)
    }

    @Test func mutingAfterAnAlertSilencesTheNextRows() {
        let shaped = ScoreShaping(suppress: 2, alertLevel: 5).apply([0, 6, 9, 7, 1, 5, 0, 0])
        #expect(shaped == [0, 6, 0, 0, 1, 5, 0, 0])
        let relative = ScoreShaping(record: 2, recordFloor: 1).apply([0, 4, 2, 8])
        #expect(relative == [0, 4, 0.5, 2])
    }

    @Test func timeBasedWindowsFollowTheSeriesStep() {
        // A spike every 10 rows; muting for 3 hours is 36 rows at 5 minutes but 3 rows hourly.
        let values = (0..<100).map { $0 % 10 == 0 ? 10.0 : 1.0 }
        struct Echo: StreamingScorer {
            func scores(values: [Double], times: [Int64]) -> [Double] { values }
        }
        let muted = ShapedScorer(inner: Echo(), shaping: ScoreShaping(), suppressSeconds: 3 * 3600)
        let fiveMinutes = muted.scores(values: values, times: (0..<100).map { Int64($0) * 300 })
        let hourly = muted.scores(values: values, times: (0..<100).map { Int64($0) * 3600 })
        #expect(fiveMinutes.filter { $0 == 10 }.count == 1)  // every later spike is within 36 rows of a 10
        #expect(hourly.filter { $0 == 10 }.count == 10)
        let long = ZScoreEnsembleScorer(minimumHistory: 5, longSeconds: 3600 * 12)
        #expect(long.scores(values: values, times: (0..<100).map { Int64($0) * 3600 }).count == 100)
    }
}
