import Foundation

/// Donut's training settings; the defaults are the paper's (Xu et al., WWW 2018, section 4).
public struct DonutTrainingOptions: Sendable, Hashable, Codable {
    /// `W`: points per window.
    public var window = 120
    /// `K`: latent dimensions (the paper uses 3 to 8).
    public var latent = 3
    /// Units of each of the two hidden layers of the encoder and the decoder.
    public var hidden = 100
    /// The floor of every standard deviation.
    public var stdEpsilon = 1e-4
    public var batchSize = 256
    /// The most epochs; early stopping usually ends training sooner.
    public var maxEpochs = 256
    /// Epochs without a better validation loss before training stops.
    public var patience = 20
    public var learningRate = 1e-3
    /// The learning rate is multiplied by this every ``learningRateDecayEpochs`` epochs.
    public var learningRateDecay = 0.75
    public var learningRateDecayEpochs = 10
    /// Each gradient tensor is rescaled to at most this L2 norm (per tensor, as the reference code's `clip_by_norm`).
    public var gradientClipNorm = 10.0
    /// `λ` of the L2 penalty `λ/2 · Σ W²` on the weight matrices.
    public var weightDecay = 1e-3
    /// The fraction of training points turned missing afresh each epoch.
    public var missingInjectionRate = 0.01
    /// The trailing fraction of the training series held out for early stopping.
    public var validationFraction = 0.3
    public var seed: UInt64 = 0
    /// Threads computing the two halves of each minibatch; the result does not depend on it.
    public var threads = 2

    public init() {}
}

/// What happened during training.
public struct DonutTrainingReport: Sendable, Hashable, Codable {
    /// Mean training loss (negative M-ELBO per window, without the L2 term) of each epoch.
    public var trainingLoss: [Double] = []
    /// Mean validation loss of each epoch (empty when the series is too short to hold some out).
    public var validationLoss: [Double] = []
    /// The epoch (0-based) whose parameters were kept.
    public var bestEpoch = 0
    public var steps = 0
}

/// Trains a ``DonutModel`` with Adam on the M-ELBO.
///
/// Values are standardized with the mean and standard deviation of the normal training
/// points (not missing, not labelled anomalous). Missing points enter the network as 0 and,
/// like labelled anomalies, are left out of the reconstruction term. Each epoch turns a fresh
/// ``DonutTrainingOptions/missingInjectionRate`` of the points missing, shuffles the windows,
/// and takes Adam steps (β₁ 0.9, β₂ 0.999) on full minibatches with per-tensor gradient
/// clipping, L2 weight decay and a learning rate decayed every few epochs. After each epoch
/// the loss on the held-out tail (fixed noise, no injection) decides which parameters to
/// keep; training stops after ``DonutTrainingOptions/patience`` epochs without improvement.
///
/// Each minibatch is split into two fixed halves whose gradients are computed concurrently
/// and summed in a fixed order, so a seed gives the same model on any number of threads.
public enum DonutTrainer {
    /// Trains on `values` (NaN is missing).
    ///
    /// - Parameters:
    ///   - values: The training series.
    ///   - excluded: `true` for labelled anomalies (kept as input, left out of the loss); `nil` for none.
    ///   - options: Architecture and optimisation settings.
    /// - Returns: `nil` when fewer than `window` normal windows' worth of points remain, or every point
    ///   is missing or excluded.
    public static func train(
        values: [Double],
        excluded: [Bool]? = nil,
        options: DonutTrainingOptions = DonutTrainingOptions()
    ) -> (model: DonutModel, report: DonutTrainingReport)? {
        precondition(excluded.map { $0.count == values.count } ?? true, "excluded must match values")
        let w = options.window
        var normal: [Double] = []
        for (i, v) in values.enumerated() where !v.isNaN && !(excluded?[i] ?? false) { normal.append(v) }
        guard values.count >= 2 * w, normal.count >= w else { return nil }
        let mean = normal.reduce(0, +) / Double(normal.count)
        var variance = 0.0
        for v in normal { variance += (v - mean) * (v - mean) }
        let sd = positiveScale((variance / Double(normal.count)).squareRoot(), level: mean)

        var x = [Double](repeating: 0, count: values.count)
        var alpha = [Double](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() where !v.isNaN {
            x[i] = (v - mean) / sd
            alpha[i] = excluded?[i] ?? false ? 0 : 1
        }
        var rng = SplitMix64(seed: options.seed)
        var network = DonutNetwork(
            window: w,
            latent: options.latent,
            hidden: options.hidden,
            stdEpsilon: options.stdEpsilon,
            using: &rng
        )
        // Hold out the tail when it has a window's worth of points and leaves one to train on.
        var split = values.count - Int((Double(values.count) * options.validationFraction).rounded())
        if values.count - split < w || split < w { split = values.count }
        let trainEnds = Array((w - 1)..<split)
        let validationEnds = split < values.count ? Array((split + w - 1)..<values.count) : []
        var validationNoise = SplitMix64(seed: options.seed ^ 0x5EED_0F_DA7A)
        let validationXi = (0..<(validationEnds.count * options.latent)).map { _ in validationNoise.nextGaussian() }

        var optimizer = Adam(shape: network.layers)
        var report = DonutTrainingReport()
        var best = network
        var bestLoss = Double.infinity
        let batch = min(options.batchSize, trainEnds.count)
        for epoch in 0..<options.maxEpochs {
            var epochX = x
            var epochAlpha = alpha
            if options.missingInjectionRate > 0 {
                for i in 0..<split where rng.nextUnit() < options.missingInjectionRate {
                    epochX[i] = 0
                    epochAlpha[i] = 0
                }
            }
            var order = trainEnds
            order.shuffle(using: &rng)
            let rate =
                options.learningRate * pow(options.learningRateDecay, Double(epoch / options.learningRateDecayEpochs))
            var lossSum = 0.0
            var seen = 0
            var start = 0
            while start + batch <= order.count {
                let ends = Array(order[start..<(start + batch)])
                let noise = (0..<(batch * options.latent)).map { _ in rng.nextGaussian() }
                let (loss, gradient) = lossAndGradient(
                    network,
                    x: epochX,
                    alpha: epochAlpha,
                    ends: ends,
                    noise: noise,
                    weightDecay: options.weightDecay,
                    threads: options.threads
                )
                lossSum += loss
                seen += batch
                optimizer.step(&network.layers, gradient: gradient, rate: rate, clipNorm: options.gradientClipNorm)
                report.steps += 1
                start += batch
            }
            report.trainingLoss.append(lossSum / Double(max(seen, 1)))
            guard !validationEnds.isEmpty else {
                best = network
                report.bestEpoch = epoch
                continue
            }
            let validation =
                meanLoss(
                    network,
                    x: x,
                    alpha: alpha,
                    ends: validationEnds,
                    noise: validationXi,
                    threads: options.threads
                )
            report.validationLoss.append(validation)
            if validation < bestLoss {
                bestLoss = validation
                best = network
                report.bestEpoch = epoch
            } else if epoch - report.bestEpoch >= options.patience {
                break
            }
        }
        return (DonutModel(network: best, mean: mean, standardDeviation: sd), report)
    }

    /// The windows ending at `ends`, gathered row by row.
    static func gather(_ series: [Double], ends: ArraySlice<Int>, window: Int) -> [Double] {
        var out = [Double](repeating: 0, count: ends.count * window)
        for (r, t) in ends.enumerated() {
            for j in 0..<window { out[r * window + j] = series[t - window + 1 + j] }
        }
        return out
    }

    /// Σ −M-ELBO over a minibatch and the gradient of its mean plus the L2 term; the two halves run concurrently.
    static func lossAndGradient(
        _ network: DonutNetwork,
        x: [Double],
        alpha: [Double],
        ends: [Int],
        noise: [Double],
        weightDecay: Double,
        threads: Int
    ) -> (loss: Double, gradient: [DenseLayer]) {
        let k = network.latent
        let halves = [0..<(ends.count / 2), (ends.count / 2)..<ends.count]
        let scale = 1 / Double(ends.count)
        let results = parallelMap(halves.count, threads: threads) { part -> (loss: Double, gradient: [DenseLayer]) in
            let range = halves[part]
            var gradient: [DenseLayer]? = network.zeroGradient()
            let loss = network.negativeELBO(
                x: gather(x, ends: ends[range], window: network.window),
                alpha: gather(alpha, ends: ends[range], window: network.window),
                noise: Array(noise[(range.lowerBound * k)..<(range.upperBound * k)]),
                rows: range.count,
                gradientScale: scale,
                gradient: &gradient
            )
            return (loss, gradient!)
        }
        var gradient = results[0].gradient
        for part in 1..<results.count {
            for l in gradient.indices {
                for i in gradient[l].weights.indices { gradient[l].weights[i] += results[part].gradient[l].weights[i] }
                for i in gradient[l].bias.indices { gradient[l].bias[i] += results[part].gradient[l].bias[i] }
            }
        }
        network.addWeightDecay(weightDecay, to: &gradient)
        return (results.reduce(0) { $0 + $1.loss }, gradient)
    }

    /// The mean −M-ELBO over the windows ending at `ends`, without gradient.
    static func meanLoss(
        _ network: DonutNetwork,
        x: [Double],
        alpha: [Double],
        ends: [Int],
        noise: [Double],
        threads: Int
    ) -> Double {
        let k = network.latent
        let chunk = 512
        let chunks = stride(from: 0, to: ends.count, by: chunk).map { $0..<min($0 + chunk, ends.count) }
        let losses = parallelMap(chunks.count, threads: threads) { c -> Double in
            let range = chunks[c]
            var none: [DenseLayer]?
            return network.negativeELBO(
                x: gather(x, ends: ends[range], window: network.window),
                alpha: gather(alpha, ends: ends[range], window: network.window),
                noise: Array(noise[(range.lowerBound * k)..<(range.upperBound * k)]),
                rows: range.count,
                gradient: &none
            )
        }
        return losses.reduce(0, +) / Double(max(ends.count, 1))
    }
}

/// Adam (Kingma and Ba 2015) over a list of dense layers, with per-tensor norm clipping.
struct Adam {
    var m: [DenseLayer]
    var v: [DenseLayer]
    var t = 0
    let beta1 = 0.9
    let beta2 = 0.999
    let epsilon = 1e-8

    init(shape: [DenseLayer]) {
        m = shape.map { $0.zeroed() }
        v = m
    }

    mutating func step(_ parameters: inout [DenseLayer], gradient: [DenseLayer], rate: Double, clipNorm: Double) {
        t += 1
        let correction1 = 1 - pow(beta1, Double(t))
        let correction2 = 1 - pow(beta2, Double(t))
        let stepSize = rate * correction2.squareRoot() / correction1
        for l in parameters.indices {
            Self.update(
                &parameters[l].weights,
                gradient[l].weights,
                &m[l].weights,
                &v[l].weights,
                stepSize,
                clipNorm,
                beta1,
                beta2,
                epsilon
            )
            Self.update(
                &parameters[l].bias,
                gradient[l].bias,
                &m[l].bias,
                &v[l].bias,
                stepSize,
                clipNorm,
                beta1,
                beta2,
                epsilon
            )
        }
    }

    // swift-format-ignore: AlwaysUseLowerCamelCase
    private static func update(
        _ p: inout [Double],
        _ g: [Double],
        _ m: inout [Double],
        _ v: inout [Double],
        _ stepSize: Double,
        _ clipNorm: Double,
        _ beta1: Double,
        _ beta2: Double,
        _ epsilon: Double
    ) {
        var norm = 0.0
        for x in g { norm += x * x }
        norm = norm.squareRoot()
        let clip = norm > clipNorm ? clipNorm / norm : 1
        for i in p.indices {
            let gi = g[i] * clip
            m[i] = beta1 * m[i] + (1 - beta1) * gi
            v[i] = beta2 * v[i] + (1 - beta2) * gi * gi
            p[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
        }
    }
}
