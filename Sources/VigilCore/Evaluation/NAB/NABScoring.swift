internal import Foundation

/// One data file as the Numenta Anomaly Benchmark scores it: its length and its anomaly
/// windows as row ranges, rows in file order.
public struct NABLabelledFile: Sendable, Hashable {
    /// The file's key in NAB's label files, e.g. `realKnownCause/nyc_taxi.csv`.
    public var name: String
    public var rowCount: Int
    /// The anomaly windows as inclusive row ranges, in increasing order and disjoint.
    public var windows: [ClosedRange<Int>]

    /// - Precondition: the windows lie inside `0..<rowCount`, sorted and disjoint.
    public init(name: String, rowCount: Int, windows: [ClosedRange<Int>]) {
        precondition(rowCount >= 0, "rowCount must not be negative")
        for (i, w) in windows.enumerated() {
            precondition(w.lowerBound >= 0 && w.upperBound < rowCount, "window \(w) outside 0..<\(rowCount)")
            precondition(i == 0 || windows[i - 1].upperBound < w.lowerBound, "windows must be sorted and disjoint")
        }
        self.name = name
        self.rowCount = rowCount
        self.windows = windows
    }

    /// The rows NAB never scores: `min(floor(0.15·n), 0.15·5000)`, so at most 750.
    public var probationaryLength: Int { NABScoring.probationaryLength(rowCount: rowCount) }
}

/// NAB's score of one threshold: the raw score and NAB's row counts.
///
/// The counts are of rows, as NAB reports them: a scored row inside a window is a true
/// positive when detected and a false negative otherwise; outside windows, a false positive
/// or a true negative. They do not enter the score.
public struct NABThresholdScore: Sendable, Hashable, Codable {
    /// A row counts as detected when its anomaly score is at least this.
    public var threshold: Double
    public var score: Double
    public var tp: Int
    public var tn: Int
    public var fp: Int
    public var fn: Int
    /// Windows with at least one detection.
    public var detectedWindows: Int

    public init(threshold: Double, score: Double, tp: Int, tn: Int, fp: Int, fn: Int, detectedWindows: Int) {
        self.threshold = threshold
        self.score = score
        self.tp = tp
        self.tn = tn
        self.fp = fp
        self.fn = fn
        self.detectedWindows = detectedWindows
    }
}

/// The scoring rules of the Numenta Anomaly Benchmark v1.1 (`nab/sweeper.py`, `nab/optimizer.py`,
/// `nab/runner.py`), reimplemented.
///
/// For a detection threshold `θ`, a row is *detected* when its anomaly score is at least `θ`.
/// Rows before the probationary length (``NABLabelledFile/probationaryLength``) are ignored.
/// With `σ(x) = 2/(1 + e^{5x}) − 1` for `x ≤ 3` and `−1` beyond (``scaledSigmoid(_:)``):
///
/// - A detected row `i` inside a window whose last row is `r` and which spans `w` rows is worth
///   `tpWeight · σ(−(r − i + 1)/w) / σ(−1)`: exactly `tpWeight` at the left edge, falling
///   towards 0 at the right edge. A window is worth its best detected row only (so only the
///   earliest detection counts), and `−fnWeight` when no row in it is detected.
/// - A detected row outside every window costs `fpWeight · σ((i − r)/(w − 1))` with `r`, `w`
///   the last row and width of the closest preceding window — a detection just after a window
///   costs almost nothing — and the full `−fpWeight` when no window precedes it.
/// - A file's raw score is the sum; the corpus score the sum over files.
///
/// One threshold per detector and profile is chosen for the whole corpus
/// (``CorpusSweep``): every distinct anomaly score is a candidate, plus 1.1 (nothing
/// detected), and the best raw score wins, ties going to the higher threshold. Scores are
/// normalised against the null detector (never fires) and the perfect detector
/// (``Normalization``).
///
/// Source: A. Lavin and S. Ahmad, "Evaluating Real-time Anomaly Detection Algorithms — the
/// Numenta Anomaly Benchmark", IEEE ICMLA 2015; github.com/numenta/NAB.
public enum NABScoring {
    /// The share of each file NAB leaves unscored at its start.
    public static let probationaryFraction = 0.15

    /// `min(floor(0.15·n), 0.15·5000)`, as `Sweeper._getProbationaryLength`.
    public static func probationaryLength(rowCount n: Int) -> Int {
        min(Int((probationaryFraction * Double(n)).rounded(.down)), Int(probationaryFraction * 5000))
    }

    /// NAB's scaled sigmoid: `2/(1 + e^{5x}) − 1` up to `x = 3`, then `−1`.
    ///
    /// `σ(−1) ≈ 0.98661` (a window's left edge), `σ(0) = 0`, `σ(1) ≈ −0.98661`.
    public static func scaledSigmoid(_ x: Double) -> Double {
        x > 3 ? -1 : 2 / (1 + exp(5 * x)) - 1
    }

    /// What detecting one row is worth, and the window it belongs to.
    public struct RowWeight: Sendable, Hashable {
        /// The weighted sigmoid NAB calls the row's `sweepScore`.
        public var weight: Double
        /// The index of the row's window in ``NABLabelledFile/windows``, or `nil` outside windows.
        public var window: Int?
        /// Whether the row is in the probationary period (never scored).
        public var isProbationary: Bool
    }

    /// The worth of detecting each row of `file` under `profile` (`Sweeper.calcSweepScore`).
    /// - Complexity: O(rows).
    public static func rowWeights(_ file: NABLabelledFile, profile: NABProfile) -> [RowWeight] {
        let maxTP = scaledSigmoid(-1)
        let probation = file.probationaryLength
        var out: [RowWeight] = []
        out.reserveCapacity(file.rowCount)
        var next = 0
        var previous: ClosedRange<Int>?
        for i in 0..<file.rowCount {
            while next < file.windows.count && file.windows[next].upperBound < i {
                previous = file.windows[next]
                next += 1
            }
            let weight: Double
            var window: Int?
            if next < file.windows.count && file.windows[next].contains(i) {
                let w = file.windows[next]
                let position = -Double(w.upperBound - i + 1) / Double(w.count)
                weight = scaledSigmoid(position) * profile.tpWeight / maxTP
                window = next
            } else if let previous {
                let position = Double(abs(previous.upperBound - i)) / Double(previous.count - 1)
                weight = scaledSigmoid(position) * profile.fpWeight
            } else {
                weight = -profile.fpWeight
            }
            out.append(RowWeight(weight: weight, window: window, isProbationary: i < probation))
        }
        return out
    }

    /// The raw NAB score of one file at one threshold (`Sweeper.scoreDataSet`).
    ///
    /// - Parameters:
    ///   - file: The file's length and windows.
    ///   - anomalyScores: One score per row; a row is detected when its score is at least `threshold`.
    ///   - threshold: The detection threshold.
    ///   - profile: The weights.
    /// - Complexity: O(rows).
    public static func score(
        _ file: NABLabelledFile,
        anomalyScores: [Double],
        threshold: Double,
        profile: NABProfile
    ) -> NABThresholdScore {
        precondition(anomalyScores.count == file.rowCount, "one anomaly score per row")
        let weights = rowWeights(file, profile: profile)
        var best = [Double?](repeating: nil, count: file.windows.count)
        var scorable = [Bool](repeating: false, count: file.windows.count)
        var fpSum = 0.0
        var counts = (tp: 0, tn: 0, fp: 0, fn: 0)
        for (i, row) in weights.enumerated() where !row.isProbationary {
            let detected = anomalyScores[i] >= threshold
            if let w = row.window {
                scorable[w] = true
                if detected {
                    counts.tp += 1
                    best[w] = max(best[w] ?? -.infinity, row.weight)
                } else {
                    counts.fn += 1
                }
            } else if detected {
                counts.fp += 1
                fpSum += row.weight
            } else {
                counts.tn += 1
            }
        }
        var total = fpSum
        var detectedWindows = 0
        for w in file.windows.indices where scorable[w] {
            if let b = best[w] {
                total += b
                detectedWindows += 1
            } else {
                total -= profile.fnWeight
            }
        }
        return NABThresholdScore(
            threshold: threshold,
            score: total,
            tp: counts.tp,
            tn: counts.tn,
            fp: counts.fp,
            fn: counts.fn,
            detectedWindows: detectedWindows
        )
    }

    /// The raw score at every candidate threshold over a whole corpus, in one pass over the
    /// rows sorted by anomaly score (`Sweeper.calcScoreByThreshold`), and the best threshold
    /// (`optimizer.optimizeThreshold`).
    public struct CorpusSweep: Sendable {
        /// One entry per candidate threshold, highest first: 1.1 (nothing detected unless a
        /// score reaches 1.1), then every distinct anomaly score of a scored row.
        public var thresholds: [NABThresholdScore]

        /// The threshold with the highest raw score; among equal scores the highest threshold,
        /// as NAB's stable sort keeps the first.
        public var best: NABThresholdScore {
            var b = thresholds[0]
            for t in thresholds.dropFirst() where t.score > b.score { b = t }
            return b
        }

        /// Sweeps every threshold.
        ///
        /// - Parameters:
        ///   - files: The corpus.
        ///   - anomalyScores: For each file, one score per row. NAB expects scores in [0, 1].
        ///   - profile: The weights.
        /// - Complexity: O(n log n) for n scored rows, plus O(windows) per distinct score.
        public init(files: [NABLabelledFile], anomalyScores: [[Double]], profile: NABProfile) {
            precondition(files.count == anomalyScores.count, "one score array per file")
            struct Row {
                var score: Double
                var weight: Double
                var window: Int32  // corpus-wide window index, -1 outside windows
            }
            var rows: [Row] = []
            var windowCount = 0
            for (file, scores) in zip(files, anomalyScores) {
                precondition(scores.count == file.rowCount, "one anomaly score per row of \(file.name)")
                for (i, r) in rowWeights(file, profile: profile).enumerated() where !r.isProbationary {
                    let w = r.window.map { windowCount + $0 } ?? -1
                    rows.append(Row(score: scores[i], weight: r.weight, window: Int32(w)))
                }
                windowCount += file.windows.count
            }
            // A window with no scored row (inside the probationary period) takes no part.
            var isActive = [Bool](repeating: false, count: windowCount)
            for r in rows where r.window >= 0 { isActive[Int(r.window)] = true }
            let active = isActive.indices.filter { isActive[$0] }
            var windowParts = [Double](repeating: -profile.fnWeight, count: windowCount)
            var everDetected = [Bool](repeating: false, count: windowCount)
            var detectedWindows = 0

            rows.sort { $0.score > $1.score }
            var tn = rows.reduce(0) { $0 + ($1.window < 0 ? 1 : 0) }
            var fn = rows.count - tn
            var tp = 0
            var fp = 0
            var fpSum = 0.0
            var current = 1.1
            var result: [NABThresholdScore] = []
            func record() {
                var total = fpSum
                for w in active { total += windowParts[w] }
                result.append(
                    NABThresholdScore(
                        threshold: current,
                        score: total,
                        tp: tp,
                        tn: tn,
                        fp: fp,
                        fn: fn,
                        detectedWindows: detectedWindows
                    )
                )
            }
            for r in rows {
                if r.score != current {
                    record()
                    current = r.score
                }
                if r.window >= 0 {
                    tp += 1
                    fn -= 1
                    let w = Int(r.window)
                    if !everDetected[w] {
                        everDetected[w] = true
                        detectedWindows += 1
                        windowParts[w] = r.weight
                    } else {
                        windowParts[w] = max(windowParts[w], r.weight)
                    }
                } else {
                    fp += 1
                    tn -= 1
                    fpSum += r.weight
                }
            }
            record()
            thresholds = result
        }
    }

    /// NAB's normalisation: `100 · (raw − null) / (perfect − null)`.
    public struct Normalization: Sendable, Hashable, Codable {
        /// The raw score of the detector that never fires: `−fnWeight` per window with a scored row.
        public var null: Double
        /// The raw score of a detector that finds every window at its left edge: `tpWeight` per window.
        public var perfect: Double

        /// The null and perfect scores of `files` under `profile`, as `runner.normalize` computes
        /// them (the perfect score counts every window of the label file).
        public init(files: [NABLabelledFile], profile: NABProfile) {
            null = files.reduce(0) {
                $0
                    + NABScoring.score(
                        $1,
                        anomalyScores: .init(repeating: 0, count: $1.rowCount),
                        threshold: 1.1,
                        profile: profile
                    ).score
            }
            perfect = Double(files.reduce(0) { $0 + $1.windows.count }) * profile.tpWeight
        }

        /// `100 · (raw − null) / (perfect − null)`; 0 when the corpus has no windows.
        public func normalized(_ raw: Double) -> Double {
            perfect > null ? 100 * (raw - null) / (perfect - null) : 0
        }
    }
}
