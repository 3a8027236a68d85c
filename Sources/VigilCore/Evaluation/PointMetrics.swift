/// Point-wise confusion counts of a binary prediction against binary truth.
///
/// Precision, recall and F1 follow scikit-learn with `zero_division=0`: each is 0 when its
/// denominator is 0. F1 is computed as `2tp / (2tp + fp + fn)`, which is exact in integers, so
/// two F1 values can be compared without rounding (``isBetterF1(than:)``).
public struct PointCounts: Sendable, Hashable, Codable {
    /// Points that are anomalous and predicted so.
    public var truePositives: Int
    /// Points that are normal but predicted anomalous.
    public var falsePositives: Int
    /// Points that are anomalous but predicted normal.
    public var falseNegatives: Int
    /// Points that are normal and predicted so.
    public var trueNegatives: Int

    public init(truePositives: Int, falsePositives: Int, falseNegatives: Int, trueNegatives: Int) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
        self.trueNegatives = trueNegatives
    }

    /// `tp / (tp + fp)`, or 0 when nothing is predicted anomalous.
    public var precision: Double {
        truePositives + falsePositives == 0 ? 0 : Double(truePositives) / Double(truePositives + falsePositives)
    }

    /// `tp / (tp + fn)`, or 0 when nothing is anomalous.
    public var recall: Double {
        truePositives + falseNegatives == 0 ? 0 : Double(truePositives) / Double(truePositives + falseNegatives)
    }

    /// `2tp / (2tp + fp + fn)`, or 0 when the denominator is 0.
    public var f1: Double {
        let denominator = 2 * truePositives + falsePositives + falseNegatives
        return denominator == 0 ? 0 : Double(2 * truePositives) / Double(denominator)
    }

    /// Whether this F1 is strictly larger than `other`'s, compared exactly as fractions of integers.
    public func isBetterF1(than other: PointCounts) -> Bool {
        let a = 2 * truePositives
        let b = 2 * truePositives + falsePositives + falseNegatives
        let c = 2 * other.truePositives
        let d = 2 * other.truePositives + other.falsePositives + other.falseNegatives
        // A zero denominator means F1 = 0 (numerator is 0 too).
        if b == 0 { return false }
        if d == 0 { return a > 0 }
        return a * d > c * b
    }
}

/// The threshold that maximises F1 over a score array, with its counts.
public struct ThresholdChoice: Sendable, Hashable, Codable {
    /// Points with `score >= threshold` are predicted anomalous.
    public var threshold: Double
    /// The counts at that threshold (after point adjustment, for the adjusted variants).
    public var counts: PointCounts

    public init(threshold: Double, counts: PointCounts) {
        self.threshold = threshold
        self.counts = counts
    }

    public var f1: Double { counts.f1 }
    public var precision: Double { counts.precision }
    public var recall: Double { counts.recall }
}

/// Point-wise detection metrics: precision/recall/F1, best F1 over thresholds, average precision.
///
/// Every function takes `truth` (true = anomalous point) and either a binary prediction or
/// real scores of the same length, larger meaning more anomalous. Thresholding is
/// `predicted = score >= threshold`, and the candidate thresholds are the distinct score
/// values. The point-adjusted (Donut) variants live in ``PointAdjustment``.
///
/// The semantics match scikit-learn 1.9 (`precision_recall_fscore_support` with
/// `zero_division=0`, `average_precision_score`) and the point adjustment of Xu et al.,
/// "Unsupervised Anomaly Detection via Variational Auto-Encoder for Seasonal KPIs in Web
/// Applications", WWW 2018; `Tests/VigilCoreTests/Fixtures/reference/metrics.json` checks them.
public enum PointMetrics {
    /// Point-wise counts of `predicted` against `truth`.
    ///
    /// - Complexity: O(n).
    public static func counts(truth: [Bool], predicted: [Bool]) -> PointCounts {
        precondition(truth.count == predicted.count, "truth and predicted differ in length")
        var tp = 0
        var fp = 0
        var fn = 0
        for (t, p) in zip(truth, predicted) {
            if t && p {
                tp += 1
            } else if p {
                fp += 1
            } else if t {
                fn += 1
            }
        }
        return PointCounts(
            truePositives: tp,
            falsePositives: fp,
            falseNegatives: fn,
            trueNegatives: truth.count - tp - fp - fn
        )
    }

    /// `score >= threshold` for every point.
    public static func predictions(scores: [Double], threshold: Double) -> [Bool] {
        scores.map { $0 >= threshold }
    }

    /// The threshold among the distinct scores with the largest point-wise F1.
    ///
    /// F1 values are compared exactly (`2tp/(2tp+fp+fn)` as integer fractions); on a tie the
    /// largest threshold wins.
    ///
    /// - Returns: `nil` when `scores` is empty.
    /// - Complexity: O(n log n): one sort and one sweep.
    public static func bestF1(truth: [Bool], scores: [Double]) -> ThresholdChoice? {
        precondition(truth.count == scores.count, "truth and scores differ in length")
        let positives = truth.lazy.filter { $0 }.count
        let events = zip(scores, truth).map {
            ThresholdSweep.Event(value: $0, positives: $1 ? 1 : 0, negatives: $1 ? 0 : 1)
        }
        return ThresholdSweep.best(events: events, positives: positives, total: truth.count)
    }

    /// scikit-learn's average precision: `Σ_k (R_k − R_{k−1}) P_k` over the distinct scores in decreasing order.
    ///
    /// Tied scores enter together and there is no interpolation.
    ///
    /// - Returns: `nil` when `truth` has no anomalous point (recall is undefined).
    /// - Complexity: O(n log n).
    public static func averagePrecision(truth: [Bool], scores: [Double]) -> Double? {
        precondition(truth.count == scores.count, "truth and scores differ in length")
        let positives = truth.lazy.filter { $0 }.count
        guard positives > 0 else { return nil }
        let keys = scores.map(ThresholdSweep.key)
        let order = keys.indices.sorted { keys[$0] > keys[$1] }
        var tp = 0
        var fp = 0
        var previousRecall = 0.0
        var sum = 0.0
        var k = 0
        while k < order.count {
            let value = keys[order[k]]
            while k < order.count && keys[order[k]] == value {
                if truth[order[k]] { tp += 1 } else { fp += 1 }
                k += 1
            }
            let recall = Double(tp) / Double(positives)
            let precision = Double(tp) / Double(tp + fp)
            sum += (recall - previousRecall) * precision
            previousRecall = recall
        }
        return sum
    }
}

/// Point adjustment (Xu et al., WWW 2018): an alarm anywhere in a labelled segment detects all of it.
///
/// A segment is a maximal run of anomalous points in the truth. With a delay `k`, a segment
/// `[s, e)` counts as detected only when an alarm falls in `[s, min(s + k + 1, e))`; then
/// every point of the segment is predicted anomalous, and otherwise none is (even where an
/// alarm came later). Predictions outside segments are unchanged. Without a delay any
/// alarm inside the segment detects it.
public enum PointAdjustment {
    /// The maximal runs of `true` in `truth`, in order.
    ///
    /// - Complexity: O(n).
    public static func segments(_ truth: [Bool]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start: Int?
        for (i, t) in truth.enumerated() {
            if t, start == nil { start = i }
            if !t, let s = start {
                result.append(s..<i)
                start = nil
            }
        }
        if let s = start { result.append(s..<truth.count) }
        return result
    }

    /// The prediction after point adjustment.
    ///
    /// - Parameters:
    ///   - predicted: The raw prediction, one per point.
    ///   - truth: The labels.
    ///   - delay: `nil` for the plain adjustment; `k` to require an alarm within `k` points of a segment's start.
    /// - Complexity: O(n).
    public static func adjusted(_ predicted: [Bool], truth: [Bool], delay: Int? = nil) -> [Bool] {
        precondition(truth.count == predicted.count, "truth and predicted differ in length")
        precondition(delay.map { $0 >= 0 } ?? true, "delay must be non-negative")
        var out = predicted
        for segment in segments(truth) {
            let window = segment.lowerBound..<detectionEnd(segment, delay: delay)
            let detected = predicted[window].contains(true)
            for i in segment { out[i] = detected }
        }
        return out
    }

    /// Point-wise counts of the adjusted prediction.
    public static func counts(truth: [Bool], predicted: [Bool], delay: Int? = nil) -> PointCounts {
        PointMetrics.counts(truth: truth, predicted: adjusted(predicted, truth: truth, delay: delay))
    }

    /// The threshold among the distinct scores with the largest point-adjusted F1.
    ///
    /// At threshold `t` a segment is detected exactly when the largest score in its detection
    /// window reaches `t`, so each segment enters the sweep once, at that maximum, with all
    /// its points; normal points enter at their own score. F1 values are compared exactly; on
    /// a tie the largest threshold wins.
    ///
    /// - Returns: `nil` when `scores` is empty.
    /// - Complexity: O(n log n): one sort and one sweep.
    public static func bestF1(truth: [Bool], scores: [Double], delay: Int? = nil) -> ThresholdChoice? {
        precondition(truth.count == scores.count, "truth and scores differ in length")
        var events: [ThresholdSweep.Event] = []
        var positives = 0
        for (s, t) in zip(scores, truth) where !t {
            events.append(ThresholdSweep.Event(value: s, positives: 0, negatives: 1))
        }
        for segment in segments(truth) {
            let window = segment.lowerBound..<detectionEnd(segment, delay: delay)
            let top = scores[window].max { ThresholdSweep.key($0) < ThresholdSweep.key($1) } ?? -.infinity
            events.append(ThresholdSweep.Event(value: top, positives: segment.count, negatives: 0))
            positives += segment.count
        }
        guard let best = ThresholdSweep.best(events: events, positives: positives, total: truth.count) else {
            return nil
        }
        guard best.counts.truePositives == 0, let top = scores.map(ThresholdSweep.key).max() else { return best }
        // F1 is 0 at every threshold, so the largest score wins the tie, even when (with a delay) it
        // lies late in a segment and so enters no event.
        let falsePositives = zip(scores, truth).filter { !$1 && ThresholdSweep.key($0) >= top }.count
        return ThresholdChoice(
            threshold: top,
            counts: PointCounts(
                truePositives: 0,
                falsePositives: falsePositives,
                falseNegatives: positives,
                trueNegatives: truth.count - positives - falsePositives
            )
        )
    }

    static func detectionEnd(_ segment: Range<Int>, delay: Int?) -> Int {
        guard let delay else { return segment.upperBound }
        return min(segment.lowerBound + delay + 1, segment.upperBound)
    }
}

/// The shared sweep: events sorted by decreasing value, counts accumulated group by group.
enum ThresholdSweep {
    struct Event {
        var value: Double
        var positives: Int
        var negatives: Int
    }

    /// The sort key: NaN (a missing score) sorts below every number.
    static func key(_ value: Double) -> Double { value.isNaN ? -.infinity : value }

    static func best(events: [Event], positives: Int, total: Int) -> ThresholdChoice? {
        let sorted = events.map { Event(value: key($0.value), positives: $0.positives, negatives: $0.negatives) }
            .sorted { $0.value > $1.value }
        var tp = 0
        var fp = 0
        var best: ThresholdChoice?
        var k = 0
        while k < sorted.count {
            let value = sorted[k].value
            while k < sorted.count && sorted[k].value == value {
                tp += sorted[k].positives
                fp += sorted[k].negatives
                k += 1
            }
            let counts = PointCounts(
                truePositives: tp,
                falsePositives: fp,
                falseNegatives: positives - tp,
                trueNegatives: total - positives - fp
            )
            if best.map({ counts.isBetterF1(than: $0.counts) }) ?? true {
                best = ThresholdChoice(threshold: value, counts: counts)
            }
        }
        return best
    }
}
