import Testing
import VigilCore

struct STLTests {
    @Test func matchesStatsmodelsReferenceForEveryCase() throws {
        let cases = try ReferenceFixture.load("stl")
        #expect(cases.count == 9)
        for c in cases {
            let y = try c.inputArray("y")
            let p = c.params
            let stl = STL(
                period: try #require(p["period"]?.int),
                seasonalWindow: try #require(p["seasonal"]?.int),
                trendWindow: try #require(p["trend"]?.int),
                lowPassWindow: try #require(p["low_pass"]?.int),
                seasonalDegree: try #require(p["seasonal_deg"]?.int),
                trendDegree: try #require(p["trend_deg"]?.int),
                lowPassDegree: try #require(p["low_pass_deg"]?.int),
                innerIterations: try #require(p["inner_iter"]?.int),
                outerIterations: try #require(p["outer_iter"]?.int)
            )
            if p["trend_from_default_formula"] == .bool(true) {
                let defaulted = STL(period: stl.period, seasonalWindow: stl.seasonalWindow)
                #expect(defaulted.trendWindow == stl.trendWindow, "\(c.name): default trend window")
            }
            if p["low_pass_from_default_formula"] == .bool(true) {
                let defaulted = STL(period: stl.period, seasonalWindow: stl.seasonalWindow)
                #expect(defaulted.lowPassWindow == stl.lowPassWindow, "\(c.name): default low-pass window")
            }
            let result = try #require(stl.decompose(y))
            c.check("seasonal", result.seasonal)
            c.check("trend", result.trend)
            c.check("resid", result.resid)
            if c.expectedKeys.contains("robust_weights") {
                c.check("robust_weights", result.robustWeights)
            }
        }
    }

    @Test func constantSeriesHasNoSeasonality() throws {
        let y = [Double](repeating: 3.5, count: 72)
        let result = try #require(STL(period: 12, outerIterations: 2).decompose(y))
        #expect(result.seasonal.allSatisfy { abs($0) < 1e-12 })
        #expect(result.trend.allSatisfy { abs($0 - 3.5) < 1e-12 })
        // Residuals are pure rounding noise, so the robustness weights are arbitrary in [0, 1].
        #expect(result.robustWeights.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    @Test func emptyAndShortSeries() {
        #expect(STL(period: 4).decompose([]) == nil)
        let short = STL(period: 4).decompose([1, 2, 3])
        #expect(short?.seasonal.count == 3)
        #expect(short?.resid.allSatisfy { $0.isFinite } == true)
    }

    @Test func componentsAddUpToTheSeries() throws {
        var rng = SplitMix64(seed: 7)
        let y = (0..<120).map { i in Double(i % 12) + 0.05 * Double(i) + rng.nextGaussian() }
        let result = try #require(STL(period: 12, outerIterations: 3).decompose(y))
        for i in y.indices {
            #expect(abs(result.seasonal[i] + result.trend[i] + result.resid[i] - y[i]) < 1e-12)
        }
    }
}

struct STLDefaultsTests {
    @Test func defaultWindowsAreOdd() {
        let even = STL(period: 24, seasonalWindow: 7)
        #expect(even.trendWindow == 47)
        #expect(even.lowPassWindow == 25)
        let odd = STL(period: 7, seasonalWindow: 9)
        #expect(odd.lowPassWindow == 9)
        #expect(odd.trendWindow % 2 == 1)
    }
}
