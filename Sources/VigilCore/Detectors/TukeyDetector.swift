/// Tukey's boxplot fences on the reference window, scored in interquartile ranges.
///
/// With Q1, Q3 the type-7 (numpy linear) quartiles of the reference and IQR = Q3 − Q1, a
/// point above Q3 scores `(x − Q3) / IQR` and one below Q1 scores `(Q1 − x) / IQR` (each
/// only when its direction hurts). So `score > k` is exactly "outside the fences
/// Q1 − k·IQR, Q3 + k·IQR" (strict, as the reference vectors): the threshold is Tukey's k
/// (1.5 for outliers, 3 for far-out points).
///
/// Source: J. W. Tukey, Exploratory Data Analysis, 1977.
public struct TukeyDetector: AnomalyDetector {
    public static let name = "tukey"
    public static let summary =
        "Tukey boxplot fences on the reference window; the score is the distance beyond Q1/Q3 in IQRs."
    public static let parameters: [DetectorParameter] = []
    public static let defaultThreshold = 1.5

    public init(parameters: [String: Double] = [:]) throws(DetectorError) {
        _ = try Self.resolve(parameters)
    }

    public func scores(for input: DetectionInput) -> [Double] {
        var present = 0
        for x in input.reference where !x.isNaN {
            present += 1
            if present == 4 { break }
        }
        guard present >= 4, let q = Quantile.linear(input.reference, ps: [0.25, 0.75]) else {
            return [Double](repeating: 0, count: input.target.count)
        }
        let q1 = q[0]
        let q3 = q[1]
        let iqr = positiveScale(q3 - q1, level: (q1 + q3) / 2)
        let direction = input.direction
        let n = input.target.count
        let up = direction != .down
        let down = direction != .up
        // Per point: (x − Q3)/IQR above Q3, (Q1 − x)/IQR below Q1, each only on a harmful side;
        // NaN scores 0 and scores stop at 1e12, as cleanScore.
        return [Double](unsafeUninitializedCapacity: n) { out, initialized in
            input.target.withUnsafeBufferPointer { target in
                for i in 0..<n {
                    let x = target[i]
                    let excess = x > q3 ? (up ? x - q3 : 0) : (x < q1 && down ? q1 - x : 0)
                    let s = excess / iqr
                    out[i] = s > 1e12 ? 1e12 : s
                }
            }
            initialized = n
        }
    }
}
