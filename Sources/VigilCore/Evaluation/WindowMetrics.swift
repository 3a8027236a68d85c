/// Window-level precision and recall over one series: each labeled anomalous window counts
/// once, however many alerts fall in it, and each cluster of alerts outside every window
/// counts once as a false positive.
///
/// - A window is a maximal run of `true` in `truth` (indices `[start, end)`).
/// - A window is detected when at least one alert lies inside it.
/// - Alerts outside windows are grouped into clusters: consecutive alerting indices, with gaps
///   of at most `mergeGap` non-alerting points, form one cluster.
/// - precision = detected windows / (detected windows + false clusters),
///   recall = detected windows / windows; each 0 when its denominator is 0.
public struct WindowMetrics: Sendable, Hashable, Codable {
    public var windows: Int
    public var detected: Int
    public var falseClusters: Int

    public var precision: Double {
        detected + falseClusters == 0 ? 0 : Double(detected) / Double(detected + falseClusters)
    }
    public var recall: Double { windows == 0 ? 0 : Double(detected) / Double(windows) }
    public var f1: Double {
        let p = precision
        let r = recall
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }

    enum CodingKeys: String, CodingKey {
        case windows, detected
        case falseClusters = "false_clusters"
    }

    public init(windows: Int, detected: Int, falseClusters: Int) {
        self.windows = windows
        self.detected = detected
        self.falseClusters = falseClusters
    }

    /// - Precondition: `truth` and `alerts` have the same length; `mergeGap >= 0`.
    public init(truth: [Bool], alerts: [Bool], mergeGap: Int = 0) {
        precondition(truth.count == alerts.count, "truth and alerts must be aligned")
        precondition(mergeGap >= 0, "mergeGap must not be negative")
        var windows = 0
        var detected = 0
        var clusters = 0
        var i = 0
        var lastFalseAlert = Int.min / 2
        while i < truth.count {
            if truth[i] {
                var hit = false
                windows += 1
                while i < truth.count && truth[i] {
                    hit = hit || alerts[i]
                    i += 1
                }
                if hit { detected += 1 }
                // A window separates clusters on either side of it.
                lastFalseAlert = Int.min / 2
                continue
            }
            if alerts[i] {
                if i - lastFalseAlert > mergeGap + 1 { clusters += 1 }
                lastFalseAlert = i
            }
            i += 1
        }
        self.init(windows: windows, detected: detected, falseClusters: clusters)
    }

    /// Sums the counts of several series.
    public static func + (a: WindowMetrics, b: WindowMetrics) -> WindowMetrics {
        WindowMetrics(
            windows: a.windows + b.windows,
            detected: a.detected + b.detected,
            falseClusters: a.falseClusters + b.falseClusters
        )
    }
}
