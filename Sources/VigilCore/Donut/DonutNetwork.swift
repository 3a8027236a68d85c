import Foundation

/// Donut's variational auto-encoder: the layers, the M-ELBO and its hand-written gradient.
///
/// Encoder `q(z | x)`: `x` (a window of `W` standardized points) → ReLU dense `hidden` →
/// ReLU dense `hidden` → mean (dense `K`) and standard deviation (`softplus(dense K) + ε`).
/// Decoder `p(x | z)`: the mirror image, ending in a mean and a standard deviation for each of
/// the `W` points. The prior is `N(0, I)`. `ε` is the standard-deviation floor (1e-4).
///
/// The training objective of one window is the M-ELBO (Xu et al., WWW 2018, eq. 3):
///
///     Σ_w α_w log p(x_w | z) + β log p(z) − log q(z | x),    z = μ_z + σ_z ⊙ ξ,  ξ ~ N(0, I)
///
/// with `α_w = 0` for missing and labelled-anomalous points, `β = Σ α_w / W`, and one
/// reparameterised sample `z` (SGVB). As `(z − μ_z) / σ_z = ξ`, `−log q(z | x)` depends on the
/// parameters only through `Σ log σ_z`. The loss minimised is the negative M-ELBO averaged
/// over the minibatch, plus `λ/2 · Σ W²` over the weight matrices (not the biases).
public struct DonutNetwork: Sendable, Hashable {
    /// Points per window (`W`).
    public private(set) var window: Int
    /// Latent dimensions (`K`).
    public private(set) var latent: Int
    /// Units of each hidden layer.
    public private(set) var hidden: Int
    /// The floor added to every softplus standard deviation.
    public private(set) var stdEpsilon: Double
    /// Encoder 1, encoder 2, encoder mean, encoder std, decoder 1, decoder 2, decoder mean, decoder std.
    public var layers: [DenseLayer]

    static let encoder1 = 0
    static let encoder2 = 1
    static let encoderMean = 2
    static let encoderStd = 3
    static let decoder1 = 4
    static let decoder2 = 5
    static let decoderMean = 6
    static let decoderStd = 7
    static let layerCount = 8

    /// The `(inputs, outputs)` of each layer, in ``layers`` order.
    public static func shapes(window: Int, latent: Int, hidden: Int) -> [(inputs: Int, outputs: Int)] {
        [
            (window, hidden), (hidden, hidden), (hidden, latent), (hidden, latent),
            (latent, hidden), (hidden, hidden), (hidden, window), (hidden, window),
        ]
    }

    /// A freshly initialised network (Glorot-uniform weights, zero biases).
    public init(
        window: Int,
        latent: Int,
        hidden: Int = 100,
        stdEpsilon: Double = 1e-4,
        using rng: inout some RandomNumberGenerator
    ) {
        precondition(window >= 2 && latent >= 1 && hidden >= 1, "window ≥ 2, latent ≥ 1, hidden ≥ 1")
        precondition(stdEpsilon > 0, "the standard-deviation floor must be positive")
        self.window = window
        self.latent = latent
        self.hidden = hidden
        self.stdEpsilon = stdEpsilon
        layers = Self.shapes(window: window, latent: latent, hidden: hidden).map {
            DenseLayer(inputs: $0.inputs, outputs: $0.outputs, using: &rng)
        }
    }

    /// A network with the given layers, which must have the shapes of ``shapes(window:latent:hidden:)``.
    public init(window: Int, latent: Int, hidden: Int, stdEpsilon: Double, layers: [DenseLayer]) {
        let shapes = Self.shapes(window: window, latent: latent, hidden: hidden)
        precondition(layers.count == shapes.count, "Donut has \(shapes.count) layers")
        for (layer, shape) in zip(layers, shapes) {
            precondition(layer.inputs == shape.inputs && layer.outputs == shape.outputs, "layer shape mismatch")
        }
        self.window = window
        self.latent = latent
        self.hidden = hidden
        self.stdEpsilon = stdEpsilon
        self.layers = layers
    }

    /// Every parameter set to 0: the shape of a gradient.
    func zeroGradient() -> [DenseLayer] { layers.map { $0.zeroed() } }

    // MARK: - Forward

    /// The activations of one minibatch, kept for the backward pass.
    struct Pass {
        var rows: Int
        var h1Pre: [Double]
        var h1: [Double]
        var h2Pre: [Double]
        var h2: [Double]
        var zMean: [Double]
        var zStdPre: [Double]
        var zStd: [Double]
        var z: [Double]
        var g1Pre: [Double]
        var g1: [Double]
        var g2Pre: [Double]
        var g2: [Double]
        var xMean: [Double]
        var xStdPre: [Double]
        var xStd: [Double]
    }

    /// `q(z | x)`: the latent mean and standard deviation of each row.
    func encode(
        _ x: [Double],
        rows: Int
    ) -> (h1Pre: [Double], h1: [Double], h2Pre: [Double], h2: [Double], mean: [Double], stdPre: [Double], std: [Double])
    {
        let h1Pre = layers[Self.encoder1].apply(x, rows: rows)
        let h1 = h1Pre.map(DonutActivation.relu)
        let h2Pre = layers[Self.encoder2].apply(h1, rows: rows)
        let h2 = h2Pre.map(DonutActivation.relu)
        let mean = layers[Self.encoderMean].apply(h2, rows: rows)
        let stdPre = layers[Self.encoderStd].apply(h2, rows: rows)
        let std = stdPre.map { DonutActivation.softplus($0) + stdEpsilon }
        return (h1Pre, h1, h2Pre, h2, mean, stdPre, std)
    }

    /// The decoder's hidden activations for each latent row.
    func decodeHidden(_ z: [Double], rows: Int) -> (g1Pre: [Double], g1: [Double], g2Pre: [Double], g2: [Double]) {
        let g1Pre = layers[Self.decoder1].apply(z, rows: rows)
        let g1 = g1Pre.map(DonutActivation.relu)
        let g2Pre = layers[Self.decoder2].apply(g1, rows: rows)
        let g2 = g2Pre.map(DonutActivation.relu)
        return (g1Pre, g1, g2Pre, g2)
    }

    /// `p(x | z)`: the mean and standard deviation of every point of each row.
    func decode(_ z: [Double], rows: Int) -> (mean: [Double], std: [Double]) {
        let g = decodeHidden(z, rows: rows)
        let mean = layers[Self.decoderMean].apply(g.g2, rows: rows)
        let std = layers[Self.decoderStd].apply(g.g2, rows: rows).map { DonutActivation.softplus($0) + stdEpsilon }
        return (mean, std)
    }

    /// The full forward pass with the given noise `ξ` (`rows × latent`).
    func forward(_ x: [Double], noise: [Double], rows: Int) -> Pass {
        let e = encode(x, rows: rows)
        var z = e.mean
        for k in z.indices { z[k] += e.std[k] * noise[k] }
        let g = decodeHidden(z, rows: rows)
        let xMean = layers[Self.decoderMean].apply(g.g2, rows: rows)
        let xStdPre = layers[Self.decoderStd].apply(g.g2, rows: rows)
        let xStd = xStdPre.map { DonutActivation.softplus($0) + stdEpsilon }
        return Pass(
            rows: rows,
            h1Pre: e.h1Pre,
            h1: e.h1,
            h2Pre: e.h2Pre,
            h2: e.h2,
            zMean: e.mean,
            zStdPre: e.stdPre,
            zStd: e.std,
            z: z,
            g1Pre: g.g1Pre,
            g1: g.g1,
            g2Pre: g.g2Pre,
            g2: g.g2,
            xMean: xMean,
            xStdPre: xStdPre,
            xStd: xStd
        )
    }

    // MARK: - Objective

    static let halfLogTwoPi = 0.5 * log(2 * Double.pi)

    /// The negative M-ELBO summed over `rows` windows, and optionally its gradient.
    ///
    /// - Parameters:
    ///   - x: The windows, `rows × window`, standardized, missing points filled with 0.
    ///   - alpha: 1 where a point counts in the reconstruction term, 0 for missing or anomalous points.
    ///   - noise: `ξ`, `rows × latent` standard normal draws.
    ///   - rows: The number of windows.
    ///   - gradientScale: The gradient accumulated is that of `gradientScale · Σ −M-ELBO` (e.g. `1/B`).
    ///   - gradient: When not `nil`, accumulates the gradient (same shape as ``layers``). The L2
    ///     term is not included; see ``addWeightDecay(_:to:)``.
    /// - Returns: `Σ_rows −M-ELBO`.
    func negativeELBO(
        x: [Double],
        alpha: [Double],
        noise: [Double],
        rows: Int,
        gradientScale: Double = 1,
        gradient: inout [DenseLayer]?
    ) -> Double {
        precondition(x.count == rows * window && alpha.count == x.count && noise.count == rows * latent)
        guard rows > 0 else { return 0 }
        let p = forward(x, noise: noise, rows: rows)
        var loss = 0.0
        var betas = [Double](repeating: 0, count: rows)
        for r in 0..<rows {
            var count = 0.0
            for w in 0..<window {
                let i = r * window + w
                guard alpha[i] != 0 else { continue }
                count += alpha[i]
                let sd = p.xStd[i]
                let d = (x[i] - p.xMean[i]) / sd
                loss += alpha[i] * (Self.halfLogTwoPi + log(sd) + 0.5 * d * d)
            }
            let beta = count / Double(window)
            betas[r] = beta
            for k in 0..<latent {
                let i = r * latent + k
                let zk = p.z[i]
                loss += beta * (Self.halfLogTwoPi + 0.5 * zk * zk)
                loss -= Self.halfLogTwoPi + log(p.zStd[i]) + 0.5 * noise[i] * noise[i]
            }
        }
        guard gradient != nil else { return loss }
        let s = gradientScale
        var dxMean = [Double](repeating: 0, count: x.count)
        var dxStdPre = [Double](repeating: 0, count: x.count)
        for i in x.indices where alpha[i] != 0 {
            let sd = p.xStd[i]
            let diff = x[i] - p.xMean[i]
            let inv = 1 / sd
            dxMean[i] = -s * alpha[i] * diff * inv * inv
            let dStd = s * alpha[i] * (inv - diff * diff * inv * inv * inv)
            dxStdPre[i] = dStd * DonutActivation.sigmoid(p.xStdPre[i])
        }
        var dg2 = layers[Self.decoderMean].backpropagate(
            x: p.g2,
            dy: dxMean,
            rows: rows,
            gradient: &gradient![Self.decoderMean]
        )
        let dg2Std = layers[Self.decoderStd].backpropagate(
            x: p.g2,
            dy: dxStdPre,
            rows: rows,
            gradient: &gradient![Self.decoderStd]
        )
        for i in dg2.indices { dg2[i] = p.g2Pre[i] > 0 ? dg2[i] + dg2Std[i] : 0 }
        var dg1 = layers[Self.decoder2].backpropagate(x: p.g1, dy: dg2, rows: rows, gradient: &gradient![Self.decoder2])
        for i in dg1.indices where p.g1Pre[i] <= 0 { dg1[i] = 0 }
        var dz = layers[Self.decoder1].backpropagate(x: p.z, dy: dg1, rows: rows, gradient: &gradient![Self.decoder1])
        var dzStdPre = [Double](repeating: 0, count: dz.count)
        for r in 0..<rows {
            for k in 0..<latent {
                let i = r * latent + k
                dz[i] += s * betas[r] * p.z[i]
                let dStd = dz[i] * noise[i] - s / p.zStd[i]
                dzStdPre[i] = dStd * DonutActivation.sigmoid(p.zStdPre[i])
            }
        }
        var dh2 = layers[Self.encoderMean].backpropagate(
            x: p.h2,
            dy: dz,
            rows: rows,
            gradient: &gradient![Self.encoderMean]
        )
        let dh2Std = layers[Self.encoderStd].backpropagate(
            x: p.h2,
            dy: dzStdPre,
            rows: rows,
            gradient: &gradient![Self.encoderStd]
        )
        for i in dh2.indices { dh2[i] = p.h2Pre[i] > 0 ? dh2[i] + dh2Std[i] : 0 }
        var dh1 = layers[Self.encoder2].backpropagate(x: p.h1, dy: dh2, rows: rows, gradient: &gradient![Self.encoder2])
        for i in dh1.indices where p.h1Pre[i] <= 0 { dh1[i] = 0 }
        _ = layers[Self.encoder1].backpropagate(
            x: x,
            dy: dh1,
            rows: rows,
            gradient: &gradient![Self.encoder1],
            wantsInputGradient: false
        )
        return loss
    }

    /// `λ/2 · Σ W²` over the weight matrices (biases are not decayed).
    func weightDecayPenalty(_ lambda: Double) -> Double {
        var sum = 0.0
        for layer in layers { for w in layer.weights { sum += w * w } }
        return 0.5 * lambda * sum
    }

    /// Adds the gradient of ``weightDecayPenalty(_:)``, `λ·W`, to `gradient`.
    func addWeightDecay(_ lambda: Double, to gradient: inout [DenseLayer]) {
        for l in layers.indices {
            for i in layers[l].weights.indices { gradient[l].weights[i] += lambda * layers[l].weights[i] }
        }
    }
}

extension DenseLayer {
    /// `x·W + b` for `rows` rows of `x`.
    func apply(_ x: [Double], rows: Int) -> [Double] {
        precondition(x.count == rows * inputs, "input is not rows × inputs")
        var y = [Double](repeating: 0, count: rows * outputs)
        guard rows > 0 else { return y }
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in forward(xp.baseAddress!, rows: rows, into: yp.baseAddress!) }
        }
        return y
    }

    /// Accumulates the parameter gradient and returns `∂L/∂x` (empty when not wanted).
    func backpropagate(
        x: [Double],
        dy: [Double],
        rows: Int,
        gradient: inout DenseLayer,
        wantsInputGradient: Bool = true
    ) -> [Double] {
        precondition(x.count == rows * inputs && dy.count == rows * outputs, "shape mismatch")
        var dx = [Double](repeating: 0, count: wantsInputGradient ? rows * inputs : 0)
        guard rows > 0 else { return dx }
        x.withUnsafeBufferPointer { xp in
            dy.withUnsafeBufferPointer { dyp in
                dx.withUnsafeMutableBufferPointer { dxp in
                    backward(
                        x: xp.baseAddress!,
                        dy: dyp.baseAddress!,
                        rows: rows,
                        gradient: &gradient,
                        dx: wantsInputGradient ? dxp.baseAddress : nil
                    )
                }
            }
        }
        return dx
    }
}
