internal import Foundation
public import VigilCore

/// `vigil bench nab`: run streaming detectors over a Numenta Anomaly Benchmark corpus, choose
/// thresholds NAB's way, score with NAB's rules, and write NAB-format result files.
///
/// A corpus folder holds `data/<category>/<file>.csv` (`timestamp,value`, rows in file order),
/// `labels/combined_windows.json` and optionally `profiles.json` (NAB's three profiles
/// otherwise). The files scored are those with an entry in the windows file.
public enum NABBench {
    public struct Configuration: Sendable {
        public var corpus: String
        /// Where thresholds are chosen; `nil` means the corpus itself (NAB's protocol).
        public var tuneCorpus: String?
        /// Where `<detector>/<category>/<detector>_<file>.csv` result files go; `nil`: nowhere.
        public var resultsOut: String?
        public var detectors: [String]

        public init(corpus: String, tuneCorpus: String? = nil, resultsOut: String? = nil, detectors: [String]) {
            self.corpus = corpus
            self.tuneCorpus = tuneCorpus
            self.resultsOut = resultsOut
            self.detectors = detectors
        }
    }

    /// The detectors run when none is named: NAB's Windowed Gaussian (the scorer's sanity
    /// check), the plain rolling z-score, each catalog detector on a trailing window with
    /// repeat suppression (without it they alert on every row of a burst and the best NAB
    /// threshold is "never"), z-scores of STL residuals, and the tuned configuration.
    public static let defaultDetectors: [String] = [
        "windowed_gaussian",
        "zscore",
        "zscore:suppress=300",
        "tukey:suppress=300",
        "esd:window=500,suppress=300",
        "arima_ksigma:suppress=300",
        "mann_whitney:suppress=300",
        "ks:suppress=300",
        "zscore:window=6400,seasonal=stl,suppress=300",
        tunedDetector,
    ]

    /// Our best configuration on the 48 public NAB files (its window sizes, lag and suppression
    /// were chosen by looking at scores on those same files; see the README's NAB section).
    public static let tunedDetector = "zscore_ensemble:jump=1,lag=604800,long_time=604800,suppress_time=108000"

    public struct DetectorResult: Sendable, Encodable {
        public var name: String
        public var profiles: [NABProfileResult]
        /// Seconds spent scoring the rows (both corpora).
        public var seconds: Double
    }

    public struct Result: Sendable, Encodable {
        public var corpus: String
        public var tuneCorpus: String?
        public var files: Int
        public var rows: Int
        public var windows: Int
        public var detectors: [DetectorResult]
    }

    public struct InputError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Progress: detector index, detector count, detector name, files done, file count.
    public typealias Progress = @Sendable (Int, Int, String, Int, Int) -> Void

    public static func run(_ configuration: Configuration, progress: Progress? = nil) throws -> Result {
        let specs: [NABDetectorSpec]
        do {
            specs = try configuration.detectors.map { (text) throws(DetectorError) in try NABDetectorSpec(text) }
        } catch {
            throw InputError(description: error.message)
        }
        let corpus = try NABCorpus.load(configuration.corpus)
        let tuning = try configuration.tuneCorpus.map { try NABCorpus.load($0) }
        var results: [DetectorResult] = []
        for (d, spec) in specs.enumerated() {
            let started = Date()
            let total = corpus.series.count + (tuning?.series.count ?? 0)
            let scores = try scoreAll(spec, corpus, done: 0, total: total) {
                progress?(d, specs.count, spec.text, $0, $1)
            }
            let tuningScores = try tuning.map { t in
                try scoreAll(spec, t, done: corpus.series.count, total: total) {
                    progress?(d, specs.count, spec.text, $0, $1)
                }
            }
            let seconds = Date().timeIntervalSince(started)
            let profiles = NABEvaluation.evaluate(
                files: corpus.series.map(\.file),
                scores: scores,
                tuning: tuning.map { t in (t.series.map(\.file), tuningScores ?? []) },
                profiles: corpus.profiles
            )
            if let out = configuration.resultsOut {
                try writeResults(spec.text, corpus: corpus, scores: scores, to: out)
            }
            results.append(DetectorResult(name: spec.text, profiles: profiles, seconds: seconds))
        }
        return Result(
            corpus: configuration.corpus,
            tuneCorpus: configuration.tuneCorpus,
            files: corpus.series.count,
            rows: corpus.series.reduce(0) { $0 + $1.file.rowCount },
            windows: corpus.series.reduce(0) { $0 + $1.file.windows.count },
            detectors: results
        )
    }

    /// Scores every file, two files at a time.
    static func scoreAll(
        _ spec: NABDetectorSpec,
        _ corpus: NABCorpus,
        done: Int,
        total: Int,
        progress: @escaping @Sendable (Int, Int) -> Void
    ) throws -> [[Double]] {
        let series = corpus.series
        let box = ResultBox(count: series.count)
        DispatchQueue.concurrentPerform(iterations: min(2, max(1, series.count))) { worker in
            var i = worker
            while i < series.count {
                let s = series[i]
                let scored = Swift.Result<[Double], DetectorError> { () throws(DetectorError) in
                    try spec.anomalyScores(values: s.values, times: s.times)
                }
                box.set(i, scored, progress: { progress(done + $0, total) })
                i += 2
            }
        }
        return try box.values()
    }

    /// Collects per-file results from the workers.
    final class ResultBox: @unchecked Sendable {
        private let lock = NSLock()
        private var results: [Swift.Result<[Double], DetectorError>?]
        private var finished = 0

        init(count: Int) { results = .init(repeating: nil, count: count) }

        func set(_ i: Int, _ r: Swift.Result<[Double], DetectorError>, progress: (Int) -> Void) {
            lock.lock()
            results[i] = r
            finished += 1
            let f = finished
            lock.unlock()
            progress(f)
        }

        func values() throws -> [[Double]] {
            try results.map { r in
                switch r {
                case .success(let v): return v
                case .failure(let e): throw InputError(description: e.message)
                case nil: throw InputError(description: "internal error: a file was not scored")
                }
            }
        }
    }

    /// Writes `<out>/<detector>/<category>/<detector>_<file>.csv` (`timestamp,value,anomaly_score,label`).
    static func writeResults(_ detector: String, corpus: NABCorpus, scores: [[Double]], to out: String) throws {
        guard !detector.contains("/") else {
            throw InputError(description: "Detector name '\(detector)' cannot name a results folder (it has '/').")
        }
        for (s, fileScores) in zip(corpus.series, scores) {
            let parts = s.file.name.split(separator: "/").map(String.init)
            let category = parts.dropLast().joined(separator: "/")
            let path =
                "\(out)/\(detector)/\(category.isEmpty ? "" : category + "/")\(detector)_\(parts.last ?? s.file.name)"
            var text = "timestamp,value,anomaly_score,label\n"
            text.reserveCapacity(s.values.count * 48)
            for i in 0..<s.file.rowCount {
                let t = s.times[i]
                let label = s.windowTimes.contains { $0.start <= t && t <= $0.end } ? 1 : 0
                text += "\(s.rawTimestamps[i]),\(s.rawValues[i]),\(fileScores[i]),\(label)\n"
            }
            try AtomicFile.write(Array(text.utf8), to: path)
        }
    }
}

/// One NAB data file: its rows as read and its windows as row ranges.
struct NABSeries: Sendable {
    var file: NABLabelledFile
    var times: [Int64]
    var values: [Double]
    var rawTimestamps: [String]
    var rawValues: [String]
    /// The windows as times, for the `label` column (NAB labels rows by time, not by row).
    var windowTimes: [(start: Int64, end: Int64)]
}

/// A NAB corpus folder, read.
struct NABCorpus: Sendable {
    var series: [NABSeries]
    var profiles: [NABProfile]

    static func load(_ directory: String) throws -> NABCorpus {
        let windowsPath = "\(directory)/labels/combined_windows.json"
        guard let data = FileManager.default.contents(atPath: windowsPath) else {
            throw NABBench.InputError(
                description:
                    "Cannot read '\(windowsPath)': a NAB corpus folder holds data/ and labels/combined_windows.json."
            )
        }
        guard let windows = try? JSONSerialization.jsonObject(with: data) as? [String: [[String]]] else {
            throw NABBench.InputError(
                description: "'\(windowsPath)' is not a NAB windows file ({\"category/file.csv\": [[start, end], …]})."
            )
        }
        var series: [NABSeries] = []
        for key in windows.keys.sorted() {
            let path = "\(directory)/data/\(key)"
            guard FileManager.default.fileExists(atPath: path) else { continue }
            series.append(try readSeries(key: key, path: path, windows: windows[key] ?? []))
        }
        guard !series.isEmpty else {
            throw NABBench.InputError(description: "No data file of '\(windowsPath)' exists under '\(directory)/data'.")
        }
        return NABCorpus(series: series, profiles: try readProfiles("\(directory)/profiles.json"))
    }

    static func readProfiles(_ path: String) throws -> [NABProfile] {
        guard let data = FileManager.default.contents(atPath: path) else { return NABProfile.all }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: [String: [String: Double]]] else {
            throw NABBench.InputError(description: "'\(path)' is not a NAB profiles file.")
        }
        var profiles: [NABProfile] = []
        for known in NABProfile.all {
            guard let costs = object[known.name]?["CostMatrix"] else { continue }
            guard let tp = costs["tpWeight"], let fp = costs["fpWeight"], let fn = costs["fnWeight"] else {
                throw NABBench.InputError(description: "'\(path)': profile '\(known.name)' lacks a weight.")
            }
            profiles.append(NABProfile(name: known.name, tpWeight: tp, fpWeight: fp, fnWeight: fn))
        }
        return profiles.isEmpty ? NABProfile.all : profiles
    }

    /// Reads `timestamp,value` rows in file order and resolves each window's start and end
    /// to the one row with that timestamp (NAB's labeller requires exactly one).
    static func readSeries(key: String, path: String, windows: [[String]]) throws -> NABSeries {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw NABBench.InputError(description: "Cannot read '\(path)'.")
        }
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
        guard let header = lines.first, header.lowercased().hasPrefix("timestamp,value") else {
            throw NABBench.InputError(description: "'\(path)' line 1: expected the header 'timestamp,value'.")
        }
        var series = NABSeries(
            file: NABLabelledFile(name: key, rowCount: 0, windows: []),
            times: [],
            values: [],
            rawTimestamps: [],
            rawValues: [],
            windowTimes: []
        )
        for (n, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 2, let t = parseTime(fields[0]) else {
                throw NABBench.InputError(description: "'\(path)' line \(n + 2): expected 'YYYY-MM-DD HH:MM:SS,value'.")
            }
            guard let v = Double(fields[1].trimmingCharacters(in: .whitespaces)), v.isFinite else {
                throw NABBench.InputError(description: "'\(path)' line \(n + 2): value '\(fields[1])' is not a number.")
            }
            series.times.append(t)
            series.values.append(v)
            series.rawTimestamps.append(String(fields[0]))
            series.rawValues.append(String(fields[1]))
        }
        var rows: [Int64: [Int]] = [:]
        for (i, t) in series.times.enumerated() { rows[t, default: []].append(i) }
        var ranges: [ClosedRange<Int>] = []
        for w in windows {
            guard w.count == 2, let start = parseTime(w[0]), let end = parseTime(w[1]) else {
                throw NABBench.InputError(description: "Window \(w) of '\(key)' is not [start, end].")
            }
            guard let a = rows[start], a.count == 1, let b = rows[end], b.count == 1, a[0] <= b[0] else {
                throw NABBench.InputError(
                    description: "Window \(w) of '\(key)': its start and end must each match exactly one row, in order."
                )
            }
            guard ranges.last.map({ $0.upperBound < a[0] }) ?? true else {
                throw NABBench.InputError(description: "Windows of '\(key)' overlap or are out of order at \(w).")
            }
            ranges.append(a[0]...b[0])
            series.windowTimes.append((start, end))
        }
        series.file = NABLabelledFile(name: key, rowCount: series.values.count, windows: ranges)
        return series
    }

    /// `YYYY-MM-DD HH:MM:SS` with an optional fraction, read as UTC.
    static func parseTime(_ text: some StringProtocol) -> Int64? {
        var s = String(text).trimmingCharacters(in: .whitespaces)
        if let dot = s.firstIndex(of: ".") { s = String(s[..<dot]) }
        guard s.count == 19 else { return Int64(s) }
        return RFC3339.parse(s + "Z")
    }
}
