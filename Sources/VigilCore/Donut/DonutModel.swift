import Foundation

/// A trained Donut: the network and the standardization fitted on its training data.
///
/// Everything needed to score is here, and nothing of training: a model read back with
/// ``init(serialized:)`` scores exactly as the one that was written.
public struct DonutModel: Sendable, Hashable {
    /// The variational auto-encoder.
    public var network: DonutNetwork
    /// The mean of the normal training points, subtracted before the network sees a value.
    public var mean: Double
    /// The standard deviation of the normal training points (population, `ddof = 0`), never 0.
    public var standardDeviation: Double

    public init(network: DonutNetwork, mean: Double, standardDeviation: Double) {
        precondition(standardDeviation > 0 && standardDeviation.isFinite, "the scale must be positive")
        self.network = network
        self.mean = mean
        self.standardDeviation = standardDeviation
    }

    /// Points per window (`W`).
    public var window: Int { network.window }
    /// Latent dimensions (`K`).
    public var latent: Int { network.latent }
}

/// How a ``DonutModel`` scores: Monte-Carlo sample counts and the seed of their draws.
public struct DonutScoringOptions: Sendable, Hashable, Codable {
    /// `L`: latent samples averaged in the reconstruction probability.
    public var samples: Int
    /// `M`: MCMC iterations that impute the missing points of a window before scoring.
    public var mcmcIterations: Int
    /// Seeds every draw; a window's draws depend only on the seed and the window's position.
    public var seed: UInt64
    /// Threads scoring disjoint ranges of windows (the result does not depend on it).
    public var threads: Int

    public init(samples: Int = 16, mcmcIterations: Int = 10, seed: UInt64 = 0, threads: Int = 2) {
        precondition(samples >= 1 && mcmcIterations >= 0 && threads >= 1, "samples ≥ 1, iterations ≥ 0, threads ≥ 1")
        self.samples = samples
        self.mcmcIterations = mcmcIterations
        self.seed = seed
        self.threads = threads
    }
}

extension DonutModel {
    /// The reconstruction log-probability of the last point of each window ending at `positions`.
    ///
    /// For the window `series[t − W + 1 ... t]` (points before the start of `series` count as
    /// missing), the value is `(1/L) Σ_l log p(x_t | z_l)` with `z_l ~ q(z | x)` — Donut's
    /// reconstruction probability, in the standardized space. When the window has missing
    /// points, they are first imputed by `M` iterations of Donut's MCMC: encode, draw `z`, decode,
    /// draw `x̃ ~ p(x | z)`, replace the missing points by `x̃`'s.
    ///
    /// - Parameters:
    ///   - series: The raw values; NaN is missing.
    ///   - positions: The last index of each window to score.
    ///   - options: Sample counts, seed and threads.
    /// - Returns: One entry per position: the log-probability and the reconstruction mean of
    ///   the last point, both in standardized units; `nil` where the last point is missing.
    /// - Complexity: O(|positions| · (M + 1 + L) · network size).
    public func reconstruction(
        of series: [Double],
        at positions: Range<Int>,
        options: DonutScoringOptions = DonutScoringOptions()
    ) -> [(logProbability: Double, mean: Double)?] {
        precondition(positions.lowerBound >= 0 && positions.upperBound <= series.count, "positions out of range")
        let count = positions.count
        var result = [(logProbability: Double, mean: Double)?](repeating: nil, count: count)
        guard count > 0 else { return result }
        let parts = max(1, min(options.threads, count / 64))
        let bounds = (0...parts).map { positions.lowerBound + count * $0 / parts }
        result.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                var start = bounds[part]
                while start < bounds[part + 1] {
                    let end = min(start + 128, bounds[part + 1])
                    let chunk = reconstructChunk(series, start..<end, options)
                    for (k, value) in chunk.enumerated() { out[start - positions.lowerBound + k] = value }
                    start = end
                }
            }
        }
        return result
    }

    /// A window's own generator: the draws depend only on the seed and the window's last index.
    static func generator(seed: UInt64, position: Int) -> SplitMix64 {
        var mixer = SplitMix64(seed: seed ^ (UInt64(position) &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64(seed: mixer.next())
    }

    private func reconstructChunk(
        _ series: [Double],
        _ positions: Range<Int>,
        _ options: DonutScoringOptions
    ) -> [(logProbability: Double, mean: Double)?] {
        let w = window
        let k = latent
        let rows = positions.count
        var x = [Double](repeating: 0, count: rows * w)
        var missing = [Bool](repeating: false, count: rows * w)
        var rngs: [SplitMix64] = []
        var incomplete: [Int] = []
        for (r, t) in positions.enumerated() {
            rngs.append(Self.generator(seed: options.seed, position: t))
            var hasMissing = false
            for j in 0..<w {
                let s = t - w + 1 + j
                let v = s >= 0 ? series[s] : .nan
                if v.isNaN {
                    missing[r * w + j] = true
                    hasMissing = true
                } else {
                    x[r * w + j] = (v - mean) / standardDeviation
                }
            }
            if hasMissing { incomplete.append(r) }
        }
        if !incomplete.isEmpty && options.mcmcIterations > 0 {
            impute(&x, missing: missing, rows: incomplete, rngs: &rngs, iterations: options.mcmcIterations)
        }
        let e = network.encode(x, rows: rows)
        let samples = options.samples
        var z = [Double](repeating: 0, count: rows * samples * k)
        for r in 0..<rows {
            for l in 0..<samples {
                for d in 0..<k {
                    z[(r * samples + l) * k + d] = e.mean[r * k + d] + e.std[r * k + d] * rngs[r].nextGaussian()
                }
            }
        }
        let g = network.decodeHidden(z, rows: rows * samples)
        let meanLayer = network.layers[DonutNetwork.decoderMean]
        let stdLayer = network.layers[DonutNetwork.decoderStd]
        let h = network.hidden
        // Only the last point's column of the output layers is needed.
        let meanColumn = (0..<h).map { meanLayer.weights[$0 * w + w - 1] }
        let stdColumn = (0..<h).map { stdLayer.weights[$0 * w + w - 1] }
        let meanBias = meanLayer.bias[w - 1]
        let stdBias = stdLayer.bias[w - 1]
        var result = [(logProbability: Double, mean: Double)?](repeating: nil, count: rows)
        for r in 0..<rows where !missing[r * w + w - 1] {
            let target = x[r * w + w - 1]
            var logSum = 0.0
            var meanSum = 0.0
            for l in 0..<samples {
                let base = (r * samples + l) * h
                var mu = meanBias
                var pre = stdBias
                for j in 0..<h {
                    let a = g.g2[base + j]
                    mu += a * meanColumn[j]
                    pre += a * stdColumn[j]
                }
                let sd = DonutActivation.softplus(pre) + network.stdEpsilon
                let d = (target - mu) / sd
                logSum += -DonutNetwork.halfLogTwoPi - log(sd) - 0.5 * d * d
                meanSum += mu
            }
            result[r] = (logSum / Double(samples), meanSum / Double(samples))
        }
        return result
    }

    /// Donut's MCMC imputation: `iterations` rounds of reconstruct-and-replace on the missing points.
    private func impute(
        _ x: inout [Double],
        missing: [Bool],
        rows: [Int],
        rngs: inout [SplitMix64],
        iterations: Int
    ) {
        let w = window
        let k = latent
        var sub = [Double](repeating: 0, count: rows.count * w)
        for (i, r) in rows.enumerated() { for j in 0..<w { sub[i * w + j] = x[r * w + j] } }
        for _ in 0..<iterations {
            let e = network.encode(sub, rows: rows.count)
            var z = e.mean
            for (i, r) in rows.enumerated() {
                for d in 0..<k { z[i * k + d] += e.std[i * k + d] * rngs[r].nextGaussian() }
            }
            let decoded = network.decode(z, rows: rows.count)
            for (i, r) in rows.enumerated() {
                for j in 0..<w where missing[r * w + j] {
                    sub[i * w + j] = decoded.mean[i * w + j] + decoded.std[i * w + j] * rngs[r].nextGaussian()
                }
            }
        }
        for (i, r) in rows.enumerated() { for j in 0..<w { x[r * w + j] = sub[i * w + j] } }
    }
}
