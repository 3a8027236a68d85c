import Foundation
import Testing

@testable import VigilCore

/// Hand-written backprop against central finite differences, per layer and end to end.
struct DonutGradientTests {
    /// `|a − n| / max(1e-8, |a| + |n|)`, the usual gradient-check relative error.
    static func relativeError(_ analytic: Double, _ numeric: Double) -> Double {
        abs(analytic - numeric) / max(1e-8, abs(analytic) + abs(numeric))
    }

    static func randomArray(_ count: Int, _ rng: inout SplitMix64, scale: Double = 1) -> [Double] {
        (0..<count).map { _ in scale * rng.nextGaussian() }
    }

    @Test func denseLayerBackwardMatchesFiniteDifferences() {
        var rng = SplitMix64(seed: 1)
        let rows = 3
        var layer = DenseLayer(inputs: 5, outputs: 4, using: &rng)
        layer.bias = Self.randomArray(4, &rng)
        var x = Self.randomArray(rows * 5, &rng)
        let r = Self.randomArray(rows * 4, &rng)
        // L = Σ r ⊙ (x·W + b), so ∂L/∂y = r.
        func loss(_ layer: DenseLayer, _ x: [Double]) -> Double {
            zip(layer.apply(x, rows: rows), r).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var gradient = layer.zeroed()
        let dx = layer.backpropagate(x: x, dy: r, rows: rows, gradient: &gradient)
        let h = 1e-6
        var worst = 0.0
        for i in layer.weights.indices {
            var plus = layer
            var minus = layer
            plus.weights[i] += h
            minus.weights[i] -= h
            worst = max(worst, Self.relativeError(gradient.weights[i], (loss(plus, x) - loss(minus, x)) / (2 * h)))
        }
        for j in layer.bias.indices {
            var plus = layer
            var minus = layer
            plus.bias[j] += h
            minus.bias[j] -= h
            worst = max(worst, Self.relativeError(gradient.bias[j], (loss(plus, x) - loss(minus, x)) / (2 * h)))
        }
        for i in x.indices {
            let saved = x[i]
            x[i] = saved + h
            let up = loss(layer, x)
            x[i] = saved - h
            let down = loss(layer, x)
            x[i] = saved
            worst = max(worst, Self.relativeError(dx[i], (up - down) / (2 * h)))
        }
        #expect(worst < 1e-7, "worst relative error \(worst)")
    }

    @Test(arguments: [-30.0, -3, -0.5, 0, 0.7, 4, 40])
    func softplusDerivativeIsSigmoid(a: Double) {
        let h = 1e-6
        let numeric = (DonutActivation.softplus(a + h) - DonutActivation.softplus(a - h)) / (2 * h)
        #expect(Self.relativeError(DonutActivation.sigmoid(a), numeric) < 1e-6)
        #expect(DonutActivation.softplus(a) > 0 || a < -20)
        #expect(DonutActivation.softplus(800).isFinite)
        #expect(DonutActivation.relu(a) == max(0, a))
    }

    /// The Gaussian log-likelihood heads alone: the decoder-output gradient of the reconstruction term.
    @Test func reconstructionTermGradientOfOutputHeads() throws {
        var rng = SplitMix64(seed: 5)
        var network = DonutNetwork(window: 4, latent: 2, hidden: 3, using: &rng)
        for l in network.layers.indices {
            network.layers[l].bias = Self.randomArray(network.layers[l].outputs, &rng, scale: 0.3)
        }
        let x = Self.randomArray(8, &rng)
        let alpha = [1.0, 1, 0, 1, 1, 1, 1, 0]
        let noise = Self.randomArray(4, &rng)
        let worst = Self.worstError(network, x: x, alpha: alpha, noise: noise, rows: 2, layers: [6, 7], weightDecay: 0)
        #expect(worst.passes, "\(worst)")
    }

    /// The whole M-ELBO plus L2, every parameter of every layer.
    @Test(arguments: [(6, 2, 5), (10, 3, 7)])
    func endToEndGradientMatchesFiniteDifferences(shape: (window: Int, latent: Int, hidden: Int)) throws {
        var rng = SplitMix64(seed: 11)
        var network = DonutNetwork(window: shape.window, latent: shape.latent, hidden: shape.hidden, using: &rng)
        for l in network.layers.indices {
            network.layers[l].bias = Self.randomArray(network.layers[l].outputs, &rng, scale: 0.3)
        }
        let rows = 4
        let x = Self.randomArray(rows * shape.window, &rng)
        // Missing and anomalous points: α = 0 (so β < 1 for those windows).
        let alpha = (0..<(rows * shape.window)).map { _ in rng.nextUnit() < 0.2 ? 0.0 : 1.0 }
        let noise = Self.randomArray(rows * shape.latent, &rng)
        let worst = Self.worstError(
            network,
            x: x,
            alpha: alpha,
            noise: noise,
            rows: rows,
            layers: Array(0..<8),
            weightDecay: 1e-3
        )
        print("Donut end-to-end gradient check W=\(shape.window) K=\(shape.latent) hidden=\(shape.hidden): \(worst)")
        #expect(worst.passes, "\(worst)")
    }

    /// The loss the trainer minimises on one batch: mean −M-ELBO plus λ/2 Σ W².
    static func objective(
        _ network: DonutNetwork,
        x: [Double],
        alpha: [Double],
        noise: [Double],
        rows: Int,
        weightDecay: Double
    ) -> Double {
        var none: [DenseLayer]?
        return network.negativeELBO(x: x, alpha: alpha, noise: noise, rows: rows, gradient: &none) / Double(rows)
            + network.weightDecayPenalty(weightDecay)
    }

    /// The worst disagreement: relative error over entries of magnitude ≥ 0.01, and absolute
    /// error over all entries. Central differences with h = 1e-6 on a loss of size up to about
    /// 1e3 carry round-off near `1e-16 · 1e3 / 1e-6 = 1e-7`, which dominates the relative error
    /// of small entries; hence the two criteria.
    struct GradientCheck: CustomStringConvertible {
        var relative = 0.0
        var absolute = 0.0
        var passes: Bool { relative < 1e-5 && absolute < 1e-6 }
        var description: String { "max relative error \(relative), max absolute error \(absolute)" }
    }

    static func worse(_ check: GradientCheck, _ analytic: Double, _ numeric: Double) -> GradientCheck {
        var check = check
        check.absolute = max(check.absolute, abs(analytic - numeric))
        if max(abs(analytic), abs(numeric)) >= 1e-2 {
            check.relative = max(check.relative, relativeError(analytic, numeric))
        }
        return check
    }

    static func worstError(
        _ network: DonutNetwork,
        x: [Double],
        alpha: [Double],
        noise: [Double],
        rows: Int,
        layers: [Int],
        weightDecay: Double
    ) -> GradientCheck {
        var gradient: [DenseLayer]? = network.zeroGradient()
        _ = network.negativeELBO(
            x: x,
            alpha: alpha,
            noise: noise,
            rows: rows,
            gradientScale: 1 / Double(rows),
            gradient: &gradient
        )
        var analytic = gradient!
        network.addWeightDecay(weightDecay, to: &analytic)
        let h = 1e-6
        var worst = GradientCheck()
        func numeric(_ change: (inout DonutNetwork, Double) -> Void) -> Double {
            var plus = network
            var minus = network
            change(&plus, h)
            change(&minus, -h)
            return
                (objective(plus, x: x, alpha: alpha, noise: noise, rows: rows, weightDecay: weightDecay)
                - objective(minus, x: x, alpha: alpha, noise: noise, rows: rows, weightDecay: weightDecay)) / (2 * h)
        }
        for l in layers {
            for i in network.layers[l].weights.indices {
                let n = numeric { $0.layers[l].weights[i] += $1 }
                worst = worse(worst, analytic[l].weights[i], n)
            }
            for j in network.layers[l].bias.indices {
                let n = numeric { $0.layers[l].bias[j] += $1 }
                worst = worse(worst, analytic[l].bias[j], n)
            }
        }
        return worst
    }
}
