import Foundation

/// A fully connected layer `y = x·W + b` on row-major minibatches, with hand-written backprop.
///
/// `weights` is `inputs × outputs`, row-major (`weights[i * outputs + j]` connects input `i`
/// to output `j`), so every kernel's inner loop runs over `outputs` contiguously and the
/// optimizer can vectorize it (`y[j] += a * w[j]`, no reassociation needed). A batch is
/// `rows × inputs` row-major. Activations are separate (``DonutActivation``).
public struct DenseLayer: Sendable, Hashable {
    public private(set) var inputs: Int
    public private(set) var outputs: Int
    /// `inputs × outputs`, row-major.
    public var weights: [Double]
    /// `outputs`.
    public var bias: [Double]

    /// A layer with the given values.
    public init(inputs: Int, outputs: Int, weights: [Double], bias: [Double]) {
        precondition(inputs > 0 && outputs > 0, "a layer needs inputs and outputs")
        precondition(weights.count == inputs * outputs && bias.count == outputs, "shape mismatch")
        self.inputs = inputs
        self.outputs = outputs
        self.weights = weights
        self.bias = bias
    }

    /// Glorot-uniform weights (TensorFlow's dense-layer default, as in the Donut reference code), zero bias.
    public init(inputs: Int, outputs: Int, using rng: inout some RandomNumberGenerator) {
        let limit = (6 / Double(inputs + outputs)).squareRoot()
        let weights = (0..<(inputs * outputs)).map { _ in Double.random(in: -limit..<limit, using: &rng) }
        self.init(inputs: inputs, outputs: outputs, weights: weights, bias: [Double](repeating: 0, count: outputs))
    }

    /// `y = x·W + b` for `rows` rows.
    ///
    /// - Complexity: O(rows · inputs · outputs).
    func forward(_ x: UnsafePointer<Double>, rows: Int, into y: UnsafeMutablePointer<Double>) {
        weights.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                MatrixKernels.multiply(
                    x,
                    w.baseAddress!,
                    bias: b.baseAddress!,
                    into: y,
                    rows: rows,
                    inner: inputs,
                    cols: outputs
                )
            }
        }
    }

    /// Accumulates `∂L/∂W += xᵀ·dy` and `∂L/∂b += Σ dy` into `gradient`, and writes `dx = dy·Wᵀ` when asked.
    ///
    /// - Parameters:
    ///   - x: The layer's input batch, `rows × inputs`.
    ///   - dy: `∂L/∂y`, `rows × outputs`.
    ///   - gradient: Accumulates the parameter gradient.
    ///   - dx: When not `nil`, receives `∂L/∂x` (`rows × inputs`; overwritten).
    func backward(
        x: UnsafePointer<Double>,
        dy: UnsafePointer<Double>,
        rows: Int,
        gradient: inout DenseLayer,
        dx: UnsafeMutablePointer<Double>?
    ) {
        let n = inputs
        let m = outputs
        gradient.weights.withUnsafeMutableBufferPointer { gw in
            MatrixKernels.accumulateTransposed(x, dy, into: gw.baseAddress!, rows: rows, m: n, n: m)
        }
        gradient.bias.withUnsafeMutableBufferPointer { gb in
            for r in 0..<rows {
                let dyr = dy + r * m
                for j in 0..<m { gb[j] += dyr[j] }
            }
        }
        guard let dx else { return }
        let transposed = transposedWeights()
        transposed.withUnsafeBufferPointer { wt in
            MatrixKernels.multiply(dy, wt.baseAddress!, bias: nil, into: dx, rows: rows, inner: m, cols: n)
        }
    }

    /// `Wᵀ`, `outputs × inputs` row-major.
    func transposedWeights() -> [Double] {
        var t = [Double](repeating: 0, count: weights.count)
        for i in 0..<inputs {
            for j in 0..<outputs { t[j * inputs + i] = weights[i * outputs + j] }
        }
        return t
    }

    /// A layer of the same shape with every value 0 (a gradient accumulator).
    func zeroed() -> DenseLayer {
        DenseLayer(
            inputs: inputs,
            outputs: outputs,
            weights: [Double](repeating: 0, count: weights.count),
            bias: [Double](repeating: 0, count: bias.count)
        )
    }
}

/// The element-wise functions of Donut's layers and their derivatives.
public enum DonutActivation {
    /// `max(0, a)`.
    public static func relu(_ a: Double) -> Double { a > 0 ? a : 0 }

    /// `log(1 + eᵃ)`, computed without overflow.
    public static func softplus(_ a: Double) -> Double {
        a > 0 ? a + log1p(exp(-a)) : log1p(exp(a))
    }

    /// `1 / (1 + e⁻ᵃ)`, the derivative of ``softplus(_:)``.
    public static func sigmoid(_ a: Double) -> Double {
        if a >= 0 { return 1 / (1 + exp(-a)) }
        let e = exp(a)
        return e / (1 + e)
    }
}
