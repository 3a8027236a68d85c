/// ARIMA(p, d, q) fitted on the reference, one-step-ahead residuals on the target in robust sigmas.
///
/// The model is estimated by conditional sum of squares (CSS) on the reference window
/// (``ARIMA/estimateCSS(_:p:d:q:includeMean:)``); the same recursion then runs on and on
/// through the target, so each target point is compared with its one-step prediction. The
/// residual scale is the robust sigma `1.4826 · MAD` of the reference residuals, which a few
/// outliers in the reference do not inflate. `score = harm(residual / sigma)`; the
/// threshold is the k of the k-sigma rule (3).
///
/// Missing points are filled by linear interpolation for the recursion and score 0. When
/// the reference is too short to fit (fewer than `10 + p + q + d` points) or the fit fails,
/// every score is 0.
public struct ARIMAKSigmaDetector: AnomalyDetector {
    public static let name = "arima_ksigma"
    public static let summary =
        "ARIMA(p,d,q) by CSS on the reference; one-step residuals on the target in robust sigmas."
    public static let parameters: [DetectorParameter] = [
        DetectorParameter(name: "p", defaultValue: 1, minimum: 0, maximum: 5, isInteger: true, summary: "AR order."),
        DetectorParameter(
            name: "d",
            defaultValue: 0,
            minimum: 0,
            maximum: 2,
            isInteger: true,
            summary: "Differencing."
        ),
        DetectorParameter(name: "q", defaultValue: 1, minimum: 0, maximum: 5, isInteger: true, summary: "MA order."),
    ]
    public static let defaultThreshold = 3.0

    public var p: Int
    public var d: Int
    public var q: Int

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        let values = try Self.resolve(parameters)
        p = Int(values["p"] ?? 1)
        d = Int(values["d"] ?? 0)
        q = Int(values["q"] ?? 1)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        var scores = [Double](repeating: 0, count: input.target.count)
        let reference = interpolated(input.reference)
        guard reference.count >= 10 + p + q + d,
            let fit = ARIMA.estimateCSS(reference, p: p, d: d, q: q, includeMean: d == 0)
        else { return scores }
        let series = interpolated(input.reference + input.target)
        guard series.count == input.reference.count + input.target.count else { return scores }
        let residuals = ARIMA.css(series, d: d, coefficients: fit.coefficients).oneStep.residuals
        let referenceResiduals = residuals.prefix(input.reference.count).compactMap { $0 }.filter(\.isFinite)
        guard let median = Quantile.linear(referenceResiduals, p: 0.5),
            let mad = Quantile.linear(referenceResiduals.map { abs($0 - median) }, p: 0.5)
        else { return scores }
        let sigma = positiveScale(1.4826 * mad, level: fit.coefficients.mean)
        for i in input.target.indices where !input.target[i].isNaN {
            guard let e = residuals[input.reference.count + i], e.isFinite else { continue }
            scores[i] = cleanScore(input.direction.harmful(e / sigma))
        }
        return scores
    }
}

/// Fills missing points by linear interpolation (edges by the nearest value); all missing gives `[]`.
func interpolated(_ x: [Double]) -> [Double] {
    guard let first = x.firstIndex(where: { !$0.isNaN }) else { return [] }
    var out = x
    var last = first
    for i in 0..<first { out[i] = x[first] }
    for i in (first + 1)..<max(first + 1, x.count) where !x[i].isNaN {
        if i - last > 1 {
            for k in (last + 1)..<i {
                let t = Double(k - last) / Double(i - last)
                out[k] = x[last] + (x[i] - x[last]) * t
            }
        }
        last = i
    }
    for i in (last + 1)..<max(last + 1, x.count) { out[i] = x[last] }
    return out
}
