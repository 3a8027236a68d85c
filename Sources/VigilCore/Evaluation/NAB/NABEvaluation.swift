/// One detector's NAB result under one profile.
public struct NABProfileResult: Sendable, Hashable, Codable {
    public var profile: NABProfile
    /// The threshold chosen on the tuning corpus (an anomaly score; 1.1 means "never fire").
    public var threshold: Double
    /// The raw score on the scoring corpus at that threshold, and its counts.
    public var raw: NABThresholdScore
    /// `100 · (raw − null) / (perfect − null)` on the scoring corpus.
    public var normalized: Double
    public var normalization: NABScoring.Normalization
}

/// NAB's protocol for one detector: choose one threshold per profile over a tuning corpus,
/// then score the scoring corpus at it and normalise.
public enum NABEvaluation {
    /// Evaluates one detector's anomaly scores.
    ///
    /// - Parameters:
    ///   - files: The scoring corpus.
    ///   - scores: The detector's anomaly scores on `files` (one per row, in [0, 1]).
    ///   - tuning: The corpus the thresholds are chosen on, with the detector's scores; `nil`
    ///     means the scoring corpus itself (NAB's own protocol).
    ///   - profiles: The profiles (NAB's three by default).
    /// - Returns: One result per profile, in the order of `profiles`.
    /// - Complexity: One corpus sweep and one scoring pass per profile.
    public static func evaluate(
        files: [NABLabelledFile],
        scores: [[Double]],
        tuning: (files: [NABLabelledFile], scores: [[Double]])? = nil,
        profiles: [NABProfile] = NABProfile.all
    ) -> [NABProfileResult] {
        profiles.map { profile in
            let tune = tuning ?? (files, scores)
            let threshold = NABScoring.CorpusSweep(files: tune.files, anomalyScores: tune.scores, profile: profile)
                .best.threshold
            var total = NABThresholdScore(
                threshold: threshold,
                score: 0,
                tp: 0,
                tn: 0,
                fp: 0,
                fn: 0,
                detectedWindows: 0
            )
            for (file, s) in zip(files, scores) {
                let r = NABScoring.score(file, anomalyScores: s, threshold: threshold, profile: profile)
                total.score += r.score
                total.tp += r.tp
                total.tn += r.tn
                total.fp += r.fp
                total.fn += r.fn
                total.detectedWindows += r.detectedWindows
            }
            let normalization = NABScoring.Normalization(files: files, profile: profile)
            return NABProfileResult(
                profile: profile,
                threshold: threshold,
                raw: total,
                normalized: normalization.normalized(total.score),
                normalization: normalization
            )
        }
    }

    /// Maps a non-negative score into [0, 1) monotonically, `s / (1 + s)`, as NAB's files expect.
    public static func unitInterval(_ s: Double) -> Double {
        s.isFinite && s > 0 ? s / (1 + s) : 0
    }
}

extension NABDetectorSpec {
    /// The spec's anomaly scores for one file, in [0, 1] as NAB expects: `windowed_gaussian`
    /// without shaping already is a probability; other scores go through
    /// ``NABEvaluation/unitInterval(_:)``.
    ///
    /// - Throws: ``DetectorError`` when the spec is invalid.
    public func anomalyScores(values: [Double], times: [Int64]) throws(DetectorError) -> [Double] {
        let scores = try makeScorer().scores(values: values, times: times)
        let isProbability =
            name == "windowed_gaussian" && (options["likelihood"] ?? "0") == "0"
            && (options["suppress"] ?? "0") == "0"
        return isProbability ? scores : scores.map(NABEvaluation.unitInterval)
    }
}
