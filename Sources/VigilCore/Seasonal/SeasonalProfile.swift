/// A robust time-of-day or time-of-week profile: per phase bucket, the median and the scaled MAD
/// of a history.
///
/// The period is split into buckets of `bucketSeconds`. A time `t` falls in bucket
/// `floor(((t - origin) mod period) / bucketSeconds)`, where the origin is Unix time 0 for
/// ``Period/daily`` (midnight UTC) and Monday 00:00 UTC (Unix day 4, `345_600`) for
/// ``Period/weekly``. For each bucket with at least `minPointsPerBucket` non-missing history
/// points the profile keeps
///
/// - the median `med` (type-7 quantile at 0.5, see ``Quantile``), and
/// - `MAD = 1.4826 · median(|x - med|)`, a consistent estimate of the standard deviation for
///   normal data.
///
/// ``expected(at:)`` is the bucket's median and ``scale(at:)`` its MAD floored at
/// `1e-9 · max(1, |med|)`, so a score `(x - expected) / scale` is always finite. Buckets with too
/// few points give `nil`.
///
/// Source: F. R. Hampel, "The influence curve and its role in robust estimation", JASA 69, 1974
/// (the MAD and its 1.4826 consistency constant).
public struct SeasonalProfile: Codable, Sendable, Hashable {
    /// The length of the cycle.
    public enum Period: String, CaseIterable, Codable, Sendable, Hashable {
        /// 86,400 s; buckets are times of day, aligned to midnight UTC.
        case daily
        /// 604,800 s; buckets are times of week, aligned to Monday 00:00 UTC.
        case weekly

        /// The period in seconds.
        public var seconds: Int64 {
            switch self {
            case .daily: 86_400
            case .weekly: 604_800
            }
        }

        /// The Unix time at which phase 0 starts (midnight UTC, or the Monday of 1970-01-05).
        public var origin: Int64 {
            switch self {
            case .daily: 0
            case .weekly: 4 * 86_400
            }
        }

        /// The period whose length is `seconds`, or `nil` when it is neither a day nor a week.
        public init?(seconds: Int64) {
            guard let period = Self.allCases.first(where: { $0.seconds == seconds }) else { return nil }
            self = period
        }
    }

    /// The robust location and spread of one bucket.
    public struct Bucket: Codable, Sendable, Hashable {
        /// The number of non-missing history points in the bucket.
        public var count: Int
        /// Their median.
        public var median: Double
        /// `1.4826 · median(|x - median|)`, without any floor (0 for a constant bucket).
        public var mad: Double
    }

    /// The cycle.
    public var period: Period
    /// The bucket width in seconds; it divides the period.
    public var bucketSeconds: Int64
    /// The fewest points a bucket needs to be used.
    public var minPointsPerBucket: Int
    /// One entry per bucket, phase 0 first; `nil` where the history had too few points.
    public var buckets: [Bucket?]

    /// Fits a profile to the non-missing points of `history`.
    ///
    /// - Parameters:
    ///   - history: The series to summarize; NaN points are ignored. Its step need not divide
    ///     the bucket width: each point goes to the bucket containing its time.
    ///   - period: Daily or weekly.
    ///   - bucketSeconds: The bucket width (default 5 minutes).
    ///   - minPointsPerBucket: The fewest points for a bucket to have a value.
    /// - Returns: The profile, or `nil` when no bucket has `minPointsPerBucket` points.
    /// - Precondition: `bucketSeconds > 0` divides the period; `minPointsPerBucket ≥ 1`.
    /// - Complexity: O(n log n) for n history points.
    public static func fit(
        _ history: RegularSeries,
        period: Period,
        bucketSeconds: Int64 = 300,
        minPointsPerBucket: Int = 3
    ) -> SeasonalProfile? {
        precondition(
            bucketSeconds > 0 && period.seconds % bucketSeconds == 0,
            "the bucket width must divide the period"
        )
        precondition(minPointsPerBucket >= 1, "a bucket needs at least one point")
        let bucketCount = Int(period.seconds / bucketSeconds)
        var samples = [[Double]](repeating: [], count: bucketCount)
        for (i, v) in history.values.enumerated() where !v.isNaN {
            samples[bucketIndex(history.time(at: i), period: period, bucketSeconds: bucketSeconds)].append(v)
        }
        var buckets = [Bucket?](repeating: nil, count: bucketCount)
        for (b, x) in samples.enumerated() where x.count >= minPointsPerBucket {
            let sorted = x.sorted()
            guard let median = Quantile.linear(sorted: sorted, p: 0.5),
                let deviation = Quantile.linear(sorted.map { abs($0 - median) }, p: 0.5)
            else { continue }
            buckets[b] = Bucket(count: x.count, median: median, mad: 1.4826 * deviation)
        }
        guard buckets.contains(where: { $0 != nil }) else { return nil }
        return SeasonalProfile(
            period: period,
            bucketSeconds: bucketSeconds,
            minPointsPerBucket: minPointsPerBucket,
            buckets: buckets
        )
    }

    /// Creates a profile from its parts.
    /// - Precondition: `buckets.count · bucketSeconds` is the period.
    public init(period: Period, bucketSeconds: Int64, minPointsPerBucket: Int, buckets: [Bucket?]) {
        precondition(Int64(buckets.count) * bucketSeconds == period.seconds, "the buckets must cover the period")
        self.period = period
        self.bucketSeconds = bucketSeconds
        self.minPointsPerBucket = minPointsPerBucket
        self.buckets = buckets
    }

    /// The index of the bucket containing Unix time `t`.
    public func bucketIndex(at t: Int64) -> Int {
        Self.bucketIndex(t, period: period, bucketSeconds: bucketSeconds)
    }

    /// The bucket containing Unix time `t`, or `nil` when it had too few points.
    public func bucket(at t: Int64) -> Bucket? {
        buckets[bucketIndex(at: t)]
    }

    /// The median of the bucket containing `t`, or `nil` when it had too few points.
    public func expected(at t: Int64) -> Double? {
        bucket(at: t)?.median
    }

    /// The MAD of the bucket containing `t`, floored at `1e-9 · max(1, |median|)` so that it is
    /// always positive; `nil` when the bucket had too few points.
    public func scale(at t: Int64) -> Double? {
        guard let bucket = bucket(at: t) else { return nil }
        return max(bucket.mad, 1e-9 * max(1, abs(bucket.median)))
    }

    private static func bucketIndex(_ t: Int64, period: Period, bucketSeconds: Int64) -> Int {
        let p = period.seconds
        // Reduce before subtracting so no time overflows; the remainder then lies in (-2p, p).
        let phase = ((t % p - period.origin) % p + p) % p
        return Int(phase / bucketSeconds)
    }
}
