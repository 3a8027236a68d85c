import Foundation

/// Donut (Xu et al., WWW 2018): a variational auto-encoder trained on the reference, scoring each
/// target point by how improbable its reconstruction is.
///
/// ``scores(for:)`` trains a ``DonutModel`` on the reference (``DonutTrainer``: M-ELBO, missing
/// points excluded, 1 % missing-data injection, Adam with decay, early stopping on the last
/// 30 %), then scores every target point with the window of `W` points that ends at it (the
/// reference's tail gives the first windows their context). With `log p` the reconstruction
/// log-probability of the point (``DonutModel/reconstruction(of:at:options:)``, standardized
/// units, `L` samples, MCMC imputation of missing points):
///
///     score = −log p − (log ε + ½ log 2π)
///
/// Because every predicted standard deviation exceeds the floor ε = 1e-4, `−log p > log ε +
/// ½ log 2π`, so the score is positive; it grows with `(x − μ)² / 2σ²`. A perfectly predicted
/// point with σ = 0.1 scores about 6.9; a 3σ miss at σ = 0.1 about 11.4. There is no textbook
/// threshold; ``defaultThreshold`` (12) is that 3σ miss rounded up — tune it. With a direction,
/// points on the harmless side of the reconstruction mean score 0. Missing target points
/// score 0, and a reference shorter than two windows gives all zeros.
public struct DonutDetector: AnomalyDetector {
    public static let name = "donut"
    public static let summary =
        "Donut VAE trained on the reference; score = negative reconstruction log-probability of the point."
    public static let parameters: [DetectorParameter] = [
        DetectorParameter(
            name: "latent_size",
            defaultValue: 8,
            minimum: 3,
            maximum: 8,
            isInteger: true,
            summary: "K, the latent dimensions (the paper uses 3 to 8; 8 did better on both development KPIs)."
        ),
        DetectorParameter(
            name: "window",
            defaultValue: 120,
            minimum: 4,
            maximum: 1_440,
            isInteger: true,
            summary: "W, points per window."
        ),
        DetectorParameter(
            name: "epochs",
            defaultValue: 256,
            minimum: 1,
            maximum: 10_000,
            isInteger: true,
            summary: "Most training epochs (early stopping usually ends sooner)."
        ),
        DetectorParameter(
            name: "patience",
            defaultValue: 20,
            minimum: 1,
            maximum: 10_000,
            isInteger: true,
            summary: "Epochs without a better validation loss before stopping."
        ),
        DetectorParameter(
            name: "samples",
            defaultValue: 16,
            minimum: 1,
            maximum: 4_096,
            isInteger: true,
            summary: "L, latent samples in the reconstruction probability."
        ),
        DetectorParameter(
            name: "mcmc_iterations",
            defaultValue: 10,
            minimum: 0,
            maximum: 1_000,
            isInteger: true,
            summary: "M, MCMC iterations imputing missing points of a window."
        ),
        DetectorParameter(
            name: "l2",
            defaultValue: 1e-3,
            minimum: 0,
            maximum: 1,
            summary: "λ of the L2 penalty on the weights (the paper's 1e-3; the authors' code uses 1e-4)."
        ),
        DetectorParameter(
            name: "seed",
            defaultValue: 0,
            minimum: 0,
            maximum: 4_294_967_295,
            isInteger: true,
            summary: "Seeds initialisation, training and sampling."
        ),
    ]
    public static let defaultThreshold = 12.0

    public var training: DonutTrainingOptions
    public var scoring: DonutScoringOptions

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        let values = try Self.resolve(parameters)
        var training = DonutTrainingOptions()
        training.latent = Int(values["latent_size"] ?? 8)
        training.window = Int(values["window"] ?? 120)
        training.maxEpochs = Int(values["epochs"] ?? 256)
        training.patience = Int(values["patience"] ?? 20)
        training.weightDecay = values["l2"] ?? 1e-3
        let seed = UInt64(values["seed"] ?? 0)
        training.seed = seed
        self.training = training
        scoring = DonutScoringOptions(
            samples: Int(values["samples"] ?? 16),
            mcmcIterations: Int(values["mcmc_iterations"] ?? 10),
            seed: seed ^ 0xA5A5_5A5A
        )
    }

    /// Trains on `reference`; `excluded` marks labelled anomalies (kept as input, left out of the loss).
    ///
    /// - Returns: `nil` when the reference is shorter than two windows or has no normal point.
    public func fit(
        reference: [Double],
        excluded: [Bool]? = nil
    ) -> (model: DonutModel, report: DonutTrainingReport)? {
        DonutTrainer.train(values: reference, excluded: excluded, options: training)
    }

    /// The score (see the type's discussion) of each point of `series` at `positions`, using the points before it as context.
    public func scores(
        model: DonutModel,
        series: [Double],
        at positions: Range<Int>,
        direction: Direction = .both
    ) -> [Double] {
        let floor = log(model.network.stdEpsilon) + DonutNetwork.halfLogTwoPi
        return model.reconstruction(of: series, at: positions, options: scoring).enumerated().map { k, value in
            guard let value else { return 0 }
            let x = (series[positions.lowerBound + k] - model.mean) / model.standardDeviation
            if direction != .both && direction.harmful(x - value.mean) == 0 { return 0 }
            return cleanScore(-value.logProbability - floor)
        }
    }

    public func scores(for input: DetectionInput) -> [Double] {
        guard let (model, _) = fit(reference: input.reference) else {
            return [Double](repeating: 0, count: input.target.count)
        }
        let series = input.reference + input.target
        return scores(
            model: model,
            series: series,
            at: input.reference.count..<series.count,
            direction: input.direction
        )
    }
}
