/// Post-processing of a streaming score, as NAB's stronger detectors do: judge the recent
/// level of the score against its own history (Numenta's anomaly likelihood), then keep
/// only the first alert of a burst.
///
/// Both steps are causal (row `i` uses rows up to `i`) and threshold-free, so one corpus-wide
/// threshold still applies afterwards:
///
/// 1. **Likelihood** (when `likelihoodWindow > 0`): with `a_i` the mean of the last `average`
///    raw scores and `μ`, `σ` the mean and standard deviation of `a` over the
///    `likelihoodWindow` rows before `i`, the score becomes `max(0, (a_i − μ) / max(σ, floor))`
///    where `floor = 10⁻³·max(1, |μ|)`. A detector that is noisy on a file raises its own `μ`
///    and `σ` there, so its alarms count less — the idea of `nupic`'s `AnomalyLikelihood`
///    (which then maps z through the Gaussian tail; any monotone map ranks rows the same). Rows
///    with fewer than `average + 1` scores of history keep 0.
/// 2. **Suppression** (when `suppress > 0`): with an `alertLevel`, the `suppress` rows after a
///    row scoring at least `alertLevel` score 0 (a suppressed row does not extend the
///    suppression), as a live detector mutes itself after an alert; the corpus threshold then
///    usually lands near `alertLevel`. Without one (`alertLevel = 0`), a row keeps its score only
///    if it is strictly above every score of the `suppress` rows before it, so a burst raises one
///    alert at any threshold, unless it keeps growing.
public struct ScoreShaping: Sendable, Hashable, Codable {
    public var likelihoodWindow: Int
    public var average: Int
    public var suppress: Int
    public var alertLevel: Double
    /// When positive: divide each score by the largest of the `record` scores before it (at least `recordFloor`).
    public var record: Int
    public var recordFloor: Double

    public init(
        likelihoodWindow: Int = 0,
        average: Int = 10,
        suppress: Int = 0,
        alertLevel: Double = 0,
        record: Int = 0,
        recordFloor: Double = 1
    ) {
        self.record = record
        self.recordFloor = recordFloor
        precondition(likelihoodWindow >= 0 && average > 0 && suppress >= 0, "window sizes must not be negative")
        self.likelihoodWindow = likelihoodWindow
        self.average = average
        self.suppress = suppress
        self.alertLevel = alertLevel
    }

    /// The shaped scores.
    /// - Complexity: O(n).
    public func apply(_ raw: [Double]) -> [Double] {
        var s = raw
        if likelihoodWindow > 0 { s = likelihood(s) }
        if record > 0 { s = relativeToRecent(s) }
        if suppress > 0 { s = alertLevel > 0 ? muteAfterAlerts(s) : suppressRepeats(s) }
        return s
    }

    /// `s_i / max(recordFloor, s_{i−record} … s_{i−1})`, by a monotone deque.
    func relativeToRecent(_ s: [Double]) -> [Double] {
        var out = s
        var deque: [Int] = []
        var head = 0
        for i in s.indices {
            while head < deque.count && deque[head] < i - record { head += 1 }
            let m = head < deque.count ? max(recordFloor, s[deque[head]]) : recordFloor
            out[i] = s[i] / m
            while deque.count > head && s[deque[deque.count - 1]] <= s[i] { deque.removeLast() }
            deque.append(i)
            if head > 4096 {
                deque.removeFirst(head)
                head = 0
            }
        }
        return out
    }

    func muteAfterAlerts(_ s: [Double]) -> [Double] {
        var out = s
        var mutedUntil = -1
        for i in s.indices {
            if i <= mutedUntil {
                out[i] = 0
            } else if s[i] >= alertLevel {
                mutedUntil = i + suppress
            }
        }
        return out
    }

    func likelihood(_ raw: [Double]) -> [Double] {
        let n = raw.count
        var averaged = [Double](repeating: 0, count: n)
        var sum = 0.0
        for i in 0..<n {
            sum += raw[i]
            if i >= average { sum -= raw[i - average] }
            averaged[i] = sum / Double(min(i + 1, average))
        }
        var out = [Double](repeating: 0, count: n)
        // Rolling mean and variance of `averaged` over the rows before i (shifted sums around a pivot).
        var count = 0
        var s1 = 0.0
        var s2 = 0.0
        var pivot = 0.0
        for i in 0..<n {
            if count > average {
                let mean = pivot + s1 / Double(count)
                let variance = max(0, s2 / Double(count) - (s1 / Double(count)) * (s1 / Double(count)))
                let sd = max(variance.squareRoot(), 1e-3 * max(1, abs(mean)))
                out[i] = cleanScore((averaged[i] - mean) / sd)
            }
            if count == 0 { pivot = averaged[i] }
            let d = averaged[i] - pivot
            s1 += d
            s2 += d * d
            count += 1
            if count > likelihoodWindow {
                let old = averaged[i - likelihoodWindow] - pivot
                s1 -= old
                s2 -= old * old
                count -= 1
            }
        }
        return out
    }

    func suppressRepeats(_ s: [Double]) -> [Double] {
        var out = s
        var deque: [Int] = []  // indices of a decreasing run of scores within the last `suppress` rows
        var head = 0
        for i in s.indices {
            while head < deque.count && deque[head] < i - suppress { head += 1 }
            if head < deque.count && s[deque[head]] >= s[i] { out[i] = 0 }
            while deque.count > head && s[deque[deque.count - 1]] <= s[i] { deque.removeLast() }
            deque.append(i)
            if head > 4096 {
                deque.removeFirst(head)
                head = 0
            }
        }
        return out
    }
}

/// A streaming scorer followed by ``ScoreShaping``.
///
/// With `suppressSeconds > 0`, the suppression spans that much time instead of
/// `shaping.suppress` rows: `suppressSeconds / step` rows, `step` the series' most common gap
/// between rows, so an hourly and a 5-minute series are muted for the same time.
public struct ShapedScorer: StreamingScorer {
    public var inner: any StreamingScorer
    public var shaping: ScoreShaping
    public var suppressSeconds: Int64

    public init(inner: any StreamingScorer, shaping: ScoreShaping, suppressSeconds: Int64 = 0) {
        precondition(suppressSeconds >= 0, "suppressSeconds must not be negative")
        self.inner = inner
        self.shaping = shaping
        self.suppressSeconds = suppressSeconds
    }

    public func scores(values: [Double], times: [Int64]) -> [Double] {
        var shaping = shaping
        if suppressSeconds > 0 {
            let step = SeasonalResidualScorer.commonStep(times)
            shaping.suppress = max(1, Int((Double(suppressSeconds) / Double(step)).rounded()))
        }
        return shaping.apply(inner.scores(values: values, times: times))
    }
}

/// The largest of several streaming scores, row by row (for example one detector at several window sizes).
public struct MaxOfScorers: StreamingScorer {
    public var scorers: [any StreamingScorer]

    public init(_ scorers: [any StreamingScorer]) {
        precondition(!scorers.isEmpty, "need at least one scorer")
        self.scorers = scorers
    }

    public func scores(values: [Double], times: [Int64]) -> [Double] {
        var out = [Double](repeating: 0, count: values.count)
        for scorer in scorers {
            for (i, s) in scorer.scores(values: values, times: times).enumerated() { out[i] = max(out[i], s) }
        }
        return out
    }
}
