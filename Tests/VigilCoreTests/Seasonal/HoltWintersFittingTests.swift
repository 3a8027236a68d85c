import Foundation
import Testing
import VigilCore

struct HoltWintersFittingTests {
    /// Simulates the innovations form of additive Holt–Winters: `y_t = l_t + b_t + s_t + e_t`
    /// followed by the component updates of ``HoltWinters``.
    static func simulate(
        alpha: Double,
        beta: Double,
        gamma: Double,
        period: Int,
        count: Int,
        noise: Double,
        seed: UInt64
    ) -> [Double] {
        var rng = SplitMix64(seed: seed)
        var season = (0..<period).map { 10 * sin(2 * Double.pi * Double($0) / Double(period)) }
        var l = 100.0
        var b = 0.05
        var y: [Double] = []
        for t in 0..<count {
            let s = season[t % period]
            let value = l + b + s + noise * rng.nextGaussian()
            y.append(value)
            let newLevel = alpha * (value - s) + (1 - alpha) * (l + b)
            let newTrend = beta * (newLevel - l) + (1 - beta) * b
            season[t % period] = gamma * (value - l - b) + (1 - gamma) * s
            l = newLevel
            b = newTrend
        }
        return y
    }

    @Test func recoversSimulationParameters() throws {
        let y = Self.simulate(alpha: 0.3, beta: 0.02, gamma: 0.25, period: 24, count: 24 * 80, noise: 1, seed: 7)
        let model = try #require(HoltWinters.fitted(to: y, period: 24))
        #expect(model.period == 24)
        #expect(abs(model.alpha - 0.3) < 0.1, "alpha \(model.alpha)")
        #expect(model.beta < 0.1, "beta \(model.beta)")
        #expect(abs(model.gamma - 0.25) < 0.15, "gamma \(model.gamma)")
        for p in [model.alpha, model.beta, model.gamma] { #expect((0...1).contains(p)) }
    }

    @Test func initialStatesComeFromFirstTwoSeasons() throws {
        let y: [Double] = [1, 2, 3, 4, 3, 4, 5, 6, 5, 6, 7, 8]
        let model = try #require(HoltWinters.fitted(to: y, period: 4))
        #expect(model.initialLevel == 2.5)
        #expect(model.initialTrend == 0.5)
        #expect(model.initialSeasonal == [-1.5, -0.5, 0.5, 1.5])
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func neverWorseThanFixedParameters(seed: UInt64) throws {
        let y = Self.simulate(alpha: 0.5, beta: 0.1, gamma: 0.1, period: 12, count: 12 * 30, noise: 2, seed: seed)
        let model = try #require(HoltWinters.fitted(to: y, period: 12))
        let best = model.fit(y).sse
        for (alpha, beta, gamma) in [
            (0.2, 0.1, 0.1), (0.5, 0.1, 0.1), (0.3, 0.0, 0.5), (0.9, 0.3, 0.9), (0.45, 0.07, 0.12),
        ] {
            var fixed = model
            fixed.alpha = alpha
            fixed.beta = beta
            fixed.gamma = gamma
            #expect(best <= fixed.fit(y).sse, "\(alpha), \(beta), \(gamma)")
        }
    }

    @Test func isDeterministic() {
        let y = Self.simulate(alpha: 0.4, beta: 0.05, gamma: 0.3, period: 8, count: 200, noise: 1, seed: 11)
        #expect(HoltWinters.fitted(to: y, period: 8) == HoltWinters.fitted(to: y, period: 8))
    }

    @Test func fillsMissingValuesByLinearInterpolation() throws {
        var y = Self.simulate(alpha: 0.3, beta: 0.02, gamma: 0.2, period: 6, count: 120, noise: 0.5, seed: 5)
        var filled = y
        filled[0] = y[1]
        let slope = (y[12] - y[9]) / 3
        filled[10] = y[9] + slope * 1
        filled[11] = y[9] + slope * 2
        filled[119] = y[118]
        for i in [0, 10, 11, 119] { y[i] = .nan }
        let withGaps = try #require(HoltWinters.fitted(to: y, period: 6))
        let reference = try #require(HoltWinters.fitted(to: filled, period: 6))
        #expect(withGaps.alpha.isFinite && withGaps.initialLevel.isFinite)
        #expect(withGaps == reference)
    }

    @Test func constantSeriesFitsExactly() throws {
        let y = [Double](repeating: 3, count: 40)
        let model = try #require(HoltWinters.fitted(to: y, period: 5))
        #expect(model.fit(y).sse == 0)
        #expect(model.fit(y).forecast(steps: 7).allSatisfy { $0 == 3 })
    }

    @Test func tooShortOrEmptyGivesNil() {
        #expect(HoltWinters.fitted(to: [1, 2, 3, 4, 5], period: 3) == nil)
        #expect(HoltWinters.fitted(to: [], period: 1) == nil)
        #expect(HoltWinters.fitted(to: [1, 2, 3, 4], period: 0) == nil)
        #expect(HoltWinters.fitted(to: [Double](repeating: .nan, count: 10), period: 2) == nil)
        #expect(HoltWinters.fitted(to: [1, 2, 3, 4, 5, 6], period: 3) != nil)
    }
}
