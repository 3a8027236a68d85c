internal import Foundation

/// Scores a series row by row, each row against earlier rows only, as a detector running live would.
///
/// The contract: `scores(values:times:)[i]` depends on `values[0...i]` and `times[0...i]`
/// alone, so appending rows never changes an earlier score. Scores are finite and
/// non-negative; larger means more anomalous. A missing value (NaN) scores 0.
public protocol StreamingScorer: Sendable {
    /// One score per row.
    ///
    /// - Parameters:
    ///   - values: The series in row order; NaN is missing.
    ///   - times: Unix seconds of each row (may repeat or step back, as NAB's files do).
    func scores(values: [Double], times: [Int64]) -> [Double]
}

/// NAB's Windowed Gaussian detector: the Gaussian tail probability of each value under the
/// mean and standard deviation of a sliding window of earlier values.
///
/// `score = 1 − Q(|x − μ|/σ)` with `Q` the standard normal survival function, `μ` and `σ` the
/// mean and population standard deviation (σ = 10⁻⁶ when 0) of the window. The window grows
/// row by row up to `window` rows, then slides by `step` rows at a time (the newest rows wait
/// in a buffer until `step` of them have arrived). The first row scores 0. With NAB's
/// settings (window 6400, step 100) this is `nab/detectors/gaussian/windowedGaussian_detector.py`.
public struct WindowedGaussianScorer: StreamingScorer {
    public var window: Int
    public var step: Int

    public init(window: Int = 6400, step: Int = 100) {
        precondition(window > 0 && step > 0 && step <= window, "need 0 < step <= window")
        self.window = window
        self.step = step
    }

    public func scores(values: [Double], times: [Int64]) -> [Double] {
        var scores = [Double](repeating: 0, count: values.count)
        var data: [Double] = []
        data.reserveCapacity(window)
        var buffer: [Double] = []
        var mean = 0.0
        var sd = 1.0
        var m2 = 0.0
        for (i, x) in values.enumerated() {
            if !data.isEmpty && !x.isNaN {
                scores[i] = 1 - NormalDistribution.survival(abs(x - mean) / sd)
            }
            guard !x.isNaN else { continue }
            if data.count < window {
                // Welford's update while the window grows.
                data.append(x)
                let delta = x - mean
                mean += delta / Double(data.count)
                m2 += delta * (x - mean)
                sd = (m2 / Double(data.count)).squareRoot()
                if sd == 0 { sd = 0.000_001 }
            } else {
                buffer.append(x)
                if buffer.count == step {
                    data.removeFirst(step)
                    data.append(contentsOf: buffer)
                    buffer.removeAll(keepingCapacity: true)
                    (mean, sd) = Self.meanAndPopulationSD(data)
                    if sd == 0 { sd = 0.000_001 }
                }
            }
        }
        return scores.map(cleanScore)
    }

    /// Two-pass mean and population standard deviation (numpy's `mean`, `std`).
    static func meanAndPopulationSD(_ x: [Double]) -> (Double, Double) {
        let mean = x.reduce(0, +) / Double(x.count)
        let ss = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, (ss / Double(x.count)).squareRoot())
    }
}

/// Runs any ``AnomalyDetector`` on a trailing window, so each row is judged by the rows before it.
///
/// Rows are taken in blocks of `refit` rows. For the block starting at row `b`, the
/// reference is the (at most) `window` rows before `b − context`, the target the `context`
/// rows before `b` followed by the block; the block's scores are the last `refit` target
/// scores. So a model fitted on the reference (ARIMA, the quartiles) is refitted every
/// `refit` rows, not every row; `context` lets a sliding two-sample test see the rows just
/// before the block, as it would live. A detector whose target scores depend on later
/// target points (generalized ESD pools them) stays causal only with `refit = 1`. Blocks with
/// fewer than `minimumHistory` reference rows score 0.
///
/// - Complexity: one detector call per block: O(n/refit) calls on `window + context + refit` points.
public struct RollingDetectorScorer: StreamingScorer {
    public var detector: any AnomalyDetector
    public var window: Int
    public var refit: Int
    public var context: Int
    public var minimumHistory: Int
    public var direction: Direction

    public init(
        detector: any AnomalyDetector,
        window: Int,
        refit: Int = 1,
        context: Int = 0,
        minimumHistory: Int = 30,
        direction: Direction = .both
    ) {
        precondition(window > 0 && refit > 0 && context >= 0, "window and refit must be positive")
        self.detector = detector
        self.window = window
        self.refit = refit
        self.context = context
        self.minimumHistory = minimumHistory
        self.direction = direction
    }

    public func scores(values: [Double], times: [Int64]) -> [Double] {
        var scores = [Double](repeating: 0, count: values.count)
        var b = 0
        while b < values.count {
            let end = min(b + refit, values.count)
            let split = max(0, b - context)
            let referenceStart = max(0, split - window)
            if split - referenceStart >= minimumHistory {
                let input = DetectionInput(
                    target: Array(values[split..<end]),
                    reference: Array(values[referenceStart..<split]),
                    direction: direction
                )
                let s = detector.scores(for: input)
                for (k, i) in (b..<end).enumerated() { scores[i] = s[s.count - (end - b) + k] }
            }
            b = end
        }
        return scores.map(cleanScore)
    }
}

/// Feeds another scorer the residuals of a seasonal baseline refitted on trailing history.
///
/// Every `refit` rows a ``SeasonalBaseline`` of `method` is fitted on the rows of the last
/// `history` seconds before the block (laid on a regular grid of the series' most common
/// step), and the block's residuals `value − expected` go to `inner`. Rows with no
/// baseline yet (too little history) get residual 0; rows whose expectation is unknown, NaN.
public struct SeasonalResidualScorer: StreamingScorer {
    public var method: SeasonalMethod
    public var period: Int64
    public var history: Int64
    public var refit: Int
    public var inner: any StreamingScorer

    public init(method: SeasonalMethod, period: Int64, history: Int64, refit: Int, inner: any StreamingScorer) {
        precondition(period > 0 && history > 0 && refit > 0, "period, history and refit must be positive")
        self.method = method
        self.period = period
        self.history = history
        self.refit = refit
        self.inner = inner
    }

    public func scores(values: [Double], times: [Int64]) -> [Double] {
        inner.scores(values: residuals(values: values, times: times), times: times)
    }

    /// The streaming residuals.
    public func residuals(values: [Double], times: [Int64]) -> [Double] {
        precondition(values.count == times.count, "one time per value")
        let step = Self.commonStep(times)
        var out = [Double](repeating: .nan, count: values.count)
        var b = 0
        var lo = 0
        while b < values.count {
            let end = min(b + refit, values.count)
            var baseline: SeasonalBaseline?
            if b > 0 {
                let now = times[b - 1]
                while lo < b && times[lo] < now - history { lo += 1 }
                baseline = Self.fit(method, times: times[lo..<b], values: values[lo..<b], step: step, period: period)
            }
            if let baseline {
                let expected = baseline.expected(at: Array(times[b..<end]))
                for (k, i) in (b..<end).enumerated() { out[i] = values[i] - expected[k] }
            } else {
                for i in b..<end { out[i] = 0 }
            }
            b = end
        }
        return out
    }

    /// The most common positive gap between consecutive rows (1 when there is none).
    static func commonStep(_ times: [Int64]) -> Int64 {
        var gaps: [Int64: Int] = [:]
        for (a, b) in zip(times, times.dropFirst()) where b > a { gaps[b - a, default: 0] += 1 }
        return gaps.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) })?.key ?? 1
    }

    static func fit(
        _ method: SeasonalMethod,
        times: ArraySlice<Int64>,
        values: ArraySlice<Double>,
        step: Int64,
        period: Int64
    ) -> SeasonalBaseline? {
        guard let start = times.min(), let end = times.max(), end > start else { return nil }
        let count = Int((end - start) / step) + 1
        guard count <= 1_000_000 else { return nil }
        var grid = [Double](repeating: .nan, count: count)
        for (t, v) in zip(times, values) {
            let k = Int(((t - start) + step / 2) / step)
            if k >= 0 && k < count { grid[k] = v }
        }
        return SeasonalBaseline.fit(
            method,
            history: RegularSeries(start: start, step: step, values: grid),
            period: period
        )
    }
}
