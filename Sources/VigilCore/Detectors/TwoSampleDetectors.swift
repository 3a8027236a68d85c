internal import Foundation

/// Canary-judge style detectors: a sliding window of the target against the reference.
///
/// At target point `i` the window is the last `window` non-missing target points up to `i`;
/// the score is `−log10(p)` of a two-sided two-sample test between the window and the
/// latest `reference_window` reference points, set to 0 unless the window's median moved
/// from the reference median in the harmful direction by at least `min_effect` times the reference scale (the larger of
/// |median| and the IQR), so a tiny but consistent shift on a large sample does not pause a
/// release. The threshold 2 means p < 0.01.
struct SlidingTwoSampleTest: Sendable {
    var window: Int
    var referenceWindow: Int
    var minEffect: Double
    var pValue: @Sendable ([Double], [Double]) -> Double?

    func scores(for input: DetectionInput) -> [Double] {
        var scores = [Double](repeating: 0, count: input.target.count)
        // The latest points of the reference, as a canary judge compares windows of similar size.
        let reference = Array(input.reference.filter { !$0.isNaN }.suffix(referenceWindow))
        guard reference.count >= 3, let referenceMedian = Quantile.linear(reference, p: 0.5),
            let q1 = Quantile.linear(reference, p: 0.25), let q3 = Quantile.linear(reference, p: 0.75)
        else { return scores }
        let scale = positiveScale(max(abs(referenceMedian), q3 - q1), level: referenceMedian)
        var recent: [Double] = []
        for (i, x) in input.target.enumerated() {
            guard !x.isNaN else { continue }
            recent.append(x)
            if recent.count > window { recent.removeFirst() }
            guard recent.count >= min(window, 3), let median = Quantile.linear(recent, p: 0.5) else { continue }
            guard input.direction.harmful(median - referenceMedian) >= minEffect * scale,
                input.direction.harmful(median - referenceMedian) > 0, let p = pValue(recent, reference)
            else { continue }
            scores[i] = cleanScore(-log10(max(p, 1e-300)))
        }
        return scores
    }
}

extension SlidingTwoSampleTest {
    /// Reads the shared parameters (already resolved: present and in range).
    init(_ values: [String: Double], pValue: @escaping @Sendable ([Double], [Double]) -> Double?) {
        self.init(
            window: Int(values["window"] ?? 15),
            referenceWindow: Int(values["reference_window"] ?? 120),
            minEffect: values["min_effect"] ?? 0.05,
            pValue: pValue
        )
    }
}

/// Mann–Whitney U between a sliding target window and the reference (tie-corrected asymptotic p).
public struct MannWhitneyDetector: AnomalyDetector {
    public static let name = "mann_whitney"
    public static let summary =
        "Sliding-window Mann–Whitney U against the reference, with an effect-size floor; score −log10 p."
    public static let parameters: [DetectorParameter] = twoSampleParameters
    public static let defaultThreshold = 2.0

    let test: SlidingTwoSampleTest

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        test = SlidingTwoSampleTest(try Self.resolve(parameters), pValue: { MannWhitneyU.test($0, $1)?.pAsymptotic })
    }

    public func scores(for input: DetectionInput) -> [Double] { test.scores(for: input) }
}

/// Two-sample Kolmogorov–Smirnov between a sliding target window and the reference (exact p).
public struct KSDetector: AnomalyDetector {
    public static let name = "ks"
    public static let summary =
        "Sliding-window two-sample Kolmogorov–Smirnov against the reference, with an effect-size floor."
    public static let parameters: [DetectorParameter] = twoSampleParameters
    public static let defaultThreshold = 2.0

    let test: SlidingTwoSampleTest

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        test = SlidingTwoSampleTest(try Self.resolve(parameters), pValue: { KolmogorovSmirnov.test($0, $1)?.pExact })
    }

    public func scores(for input: DetectionInput) -> [Double] { test.scores(for: input) }
}

private let twoSampleParameters: [DetectorParameter] = [
    DetectorParameter(
        name: "window",
        defaultValue: 15,
        minimum: 3,
        maximum: 1440,
        isInteger: true,
        summary: "Target points in the sliding window."
    ),
    DetectorParameter(
        name: "reference_window",
        defaultValue: 120,
        minimum: 10,
        maximum: 100_000,
        isInteger: true,
        summary: "Latest reference points the window is compared with."
    ),
    DetectorParameter(
        name: "min_effect",
        defaultValue: 0.05,
        minimum: 0,
        maximum: 10,
        summary: "Smallest median shift that counts, as a fraction of the reference scale."
    ),
]
