import Testing
import VigilCore

struct ARIMATests {
    @Test func matchesStatsmodelsReferenceForEveryCase() throws {
        let cases = try ReferenceFixture.load("arima")
        #expect(cases.count == 9)
        for c in cases {
            let y = try c.inputArray("y")
            let order = try #require(c.params["order"]?.ints)
            let (p, d, q) = (order[0], order[1], order[2])
            if c.name.hasPrefix("estimate_") {
                try checkEstimate(c, y: y, p: p, d: d, q: q)
                continue
            }
            let coefficients = ARIMA.Coefficients(
                mean: c.params["mean"]?.double ?? 0,
                ar: try #require(c.params["ar"]?.doubles),
                ma: try #require(c.params["ma"]?.doubles)
            )
            let css = ARIMA.css(y, d: d, coefficients: coefficients)
            c.check("css_pred", css.oneStep.predictions)
            c.check("css_resid", css.oneStep.residuals)
            c.check("css_sum_sq", css.sumOfSquares)
            let firstIndex = try #require(c.params["css_first_index"]?.int)
            #expect(css.oneStep.predictions.prefix(firstIndex).allSatisfy { $0 == nil }, "\(c.name)")
            #expect(css.oneStep.predictions.dropFirst(firstIndex).allSatisfy { $0 != nil }, "\(c.name)")
            let kalman = ARIMA.kalmanOneStep(y, d: d, coefficients: coefficients)
            c.check("kalman_pred", kalman.predictions)
            c.check("kalman_resid", kalman.residuals)
            #expect(kalman.predictions.prefix(d).allSatisfy { $0 == nil }, "\(c.name)")
        }
    }

    private func checkEstimate(_ c: ReferenceCase, y: [Double], p: Int, d: Int, q: Int) throws {
        let includeMean = c.params["trend"] == .string("c")
        let estimate = try #require(ARIMA.estimateCSS(y, p: p, d: d, q: q, includeMean: includeMean))
        let names = try #require(c.params["param_names"]?.array).compactMap { json -> String? in
            if case .string(let s) = json { return s }
            return nil
        }
        let coefficients = estimate.coefficients
        let values = (includeMean ? [coefficients.mean] : []) + coefficients.ar + coefficients.ma
        #expect(names.count == values.count, "\(c.name): parameter count")
        for key in ["params", "css_params"] {
            let tolerance = c.tolerance(key)
            for (name, value) in zip(names, values) {
                let expected = try #require(c.expected[key]?[name]?.double, "\(c.name).\(key).\(name)")
                #expect(
                    tolerance.accepts(value, expected),
                    "\(c.name).\(key).\(name): actual \(value) expected \(expected)"
                )
            }
        }
        c.check("css_sigma2", estimate.sigma2)
        c.check("sigma2", estimate.sigma2)
    }

    @Test func differencing() {
        #expect(ARIMA.difference([1, 4, 9, 16], order: 1) == [3, 5, 7])
        #expect(ARIMA.difference([1, 4, 9, 16], order: 2) == [2, 2])
        #expect(ARIMA.difference([1], order: 2).isEmpty)
    }

    @Test func seriesShorterThanTheOrdersHasNoResiduals() {
        let css = ARIMA.css([1, 2], d: 1, coefficients: .init(ar: [0.5]))
        #expect(css.oneStep.predictions == [nil, nil])
        #expect(css.sumOfSquares == 0)
        #expect(ARIMA.estimateCSS([1, 2, 3], p: 1, d: 0, q: 1, includeMean: true) == nil)
    }

    @Test func constantSeriesHasZeroResidualsAtItsMean() throws {
        let y = [Double](repeating: 4, count: 40)
        let css = ARIMA.css(y, d: 0, coefficients: .init(mean: 4, ar: [0.3], ma: [0.2]))
        #expect(css.sumOfSquares == 0)
        let kalman = ARIMA.kalmanOneStep(y, d: 0, coefficients: .init(mean: 4, ar: [0.3], ma: [0.2]))
        #expect(kalman.residuals.allSatisfy { $0 == 0 })
    }

    @Test func kalmanConvergesToCSS() {
        var rng = SplitMix64(seed: 3)
        var y = [Double]()
        var prev = 0.0
        var prevE = 0.0
        for _ in 0..<300 {
            let e = rng.nextGaussian()
            let v = 0.5 * prev + e + 0.3 * prevE
            y.append(10 + v)
            prev = v
            prevE = e
        }
        let coefficients = ARIMA.Coefficients(mean: 10, ar: [0.5], ma: [0.3])
        let css = ARIMA.css(y, d: 0, coefficients: coefficients)
        let kalman = ARIMA.kalmanOneStep(y, d: 0, coefficients: coefficients)
        let last = y.count - 1
        #expect(abs((css.oneStep.predictions[last] ?? .nan) - (kalman.predictions[last] ?? .nan)) < 1e-8)
    }
}
