internal import Foundation
public import VigilCore

/// `vigil detect`: score one `timestamp,value` CSV with one detector.
///
/// The first `referencePoints` rows are the reference (normal behaviour); every later row
/// is scored against them. Rows are taken in file order, as NAB does.
public enum DetectRun {
    public struct Configuration: Sendable {
        public var csvPath: String
        public var detector: String
        public var parameters: [String: Double]
        public var direction: Direction
        /// Rows used as the reference; `nil` means `referenceFraction` of the rows.
        public var referencePoints: Int?
        public var referenceFraction: Double
        /// `nil`: the detector's textbook threshold.
        public var threshold: Double?
        /// A seasonal baseline fitted on the reference rows; the detector then scores the residuals.
        public var seasonal: SeasonalMethod?
        /// The seasonal period in seconds (a day by default).
        public var period: Int64

        public init(
            csvPath: String,
            detector: String,
            parameters: [String: Double] = [:],
            direction: Direction = .both,
            referencePoints: Int? = nil,
            referenceFraction: Double = 0.5,
            threshold: Double? = nil,
            seasonal: SeasonalMethod? = nil,
            period: Int64 = 86_400
        ) {
            self.seasonal = seasonal
            self.period = period
            self.csvPath = csvPath
            self.detector = detector
            self.parameters = parameters
            self.direction = direction
            self.referencePoints = referencePoints
            self.referenceFraction = referenceFraction
            self.threshold = threshold
        }
    }

    public struct Result: Sendable, Encodable {
        public var detector: String
        public var params: [String: Double]
        public var threshold: Double
        public var seasonal: String?
        public var referencePoints: Int
        /// One score per row; reference rows score 0.
        public var scores: [Double]
        /// Row indices (0-based, file order) whose score is above the threshold.
        public var flagged: [Int]
        public var timestamps: [Int64]

        enum CodingKeys: String, CodingKey {
            case detector, params, threshold, scores, flagged, seasonal
            case referencePoints = "reference_points"
        }
    }

    public struct InputError: Error, CustomStringConvertible {
        public var description: String
        /// The command line named a detector or parameter that does not exist (not the data's fault).
        public var isUsage = false
    }

    /// The detector called `name`, or an ``InputError`` saying what is wrong with it.
    static func makeDetector(_ name: String, parameters: [String: Double]) throws -> any AnomalyDetector {
        do {
            return try DetectorCatalog.make(name, parameters: parameters)
        } catch {
            throw InputError(description: error.message, isUsage: true)
        }
    }

    public static func run(_ configuration: Configuration) throws -> Result {
        let detector = try makeDetector(configuration.detector, parameters: configuration.parameters)
        let (times, values) = try readSeries(configuration.csvPath)
        let reference =
            configuration.referencePoints
            ?? Int((Double(values.count) * configuration.referenceFraction).rounded(.down))
        guard reference >= 1 && reference < values.count else {
            throw InputError(
                description: "'\(configuration.csvPath)' has \(values.count) rows; the reference must leave at least "
                    + "one row to score (reference: \(reference))."
            )
        }
        var scored = values
        if let method = configuration.seasonal {
            scored = try residuals(times: times, values: values, reference: reference, method: method, configuration)
        }
        let input = DetectionInput(
            target: Array(scored[reference...]),
            reference: Array(scored[..<reference]),
            direction: configuration.direction
        )
        let scores = [Double](repeating: 0, count: reference) + detector.scores(for: input)
        let threshold = configuration.threshold ?? type(of: detector).defaultThreshold
        var params: [String: Double] = [:]
        for p in type(of: detector).parameters { params[p.name] = configuration.parameters[p.name] ?? p.defaultValue }
        return Result(
            detector: configuration.detector,
            params: params,
            threshold: threshold,
            seasonal: configuration.seasonal?.rawValue,
            referencePoints: reference,
            scores: scores,
            flagged: flaggedIndices(scores, threshold: threshold),
            timestamps: times
        )
    }

    /// Value minus the seasonal expectation fitted on the reference rows (NaN where unknown).
    static func residuals(
        times: [Int64],
        values: [Double],
        reference: Int,
        method: SeasonalMethod,
        _ configuration: Configuration
    ) throws -> [Double] {
        // Lay the reference rows on a regular grid (the most common gap) for the fit.
        let referenceTimes = Array(times[..<reference])
        var gaps: [Int64: Int] = [:]
        for (a, b) in zip(referenceTimes, referenceTimes.dropFirst()) where b > a { gaps[b - a, default: 0] += 1 }
        guard let step = gaps.max(by: { ($0.value, -$0.key) < ($1.value, -$1.key) })?.key,
            let start = referenceTimes.min(), let end = referenceTimes.max()
        else {
            throw InputError(description: "The reference rows of '\(configuration.csvPath)' have no time step.")
        }
        let count = Int((end - start) / step) + 1
        guard count <= 20_000_000 else {
            throw InputError(description: "The reference rows of '\(configuration.csvPath)' span too long a time.")
        }
        var grid = [Double](repeating: .nan, count: count)
        for (t, v) in zip(referenceTimes, values) {
            let k = Int(((t - start) + step / 2) / step)
            if k >= 0 && k < count { grid[k] = v }
        }
        guard
            let baseline = SeasonalBaseline.fit(
                method,
                history: RegularSeries(start: start, step: step, values: grid),
                period: configuration.period
            )
        else {
            throw InputError(
                description: "Cannot fit a \(method.rawValue) baseline with period \(configuration.period) s on the "
                    + "\(reference) reference rows of '\(configuration.csvPath)' (STL and Holt-Winters need two full "
                    + "periods; the period must be a multiple of the \(step) s step)."
            )
        }
        let expected = baseline.expected(at: times)
        return zip(values, expected).map { $0 - $1 }
    }

    /// Reads `timestamp,value` rows in file order. Timestamps: Unix seconds, RFC 3339, or
    /// `YYYY-MM-DD HH:MM:SS` without a zone (NAB's form), read as UTC. Extra columns are ignored.
    static func readSeries(_ path: String) throws -> (times: [Int64], values: [Double]) {
        let (times, values, _) = try readColumns(path, labeled: false)
        return (times, values)
    }

    /// Reads `timestamp,value` (and, when `labeled`, `label`: 0 normal, 1 anomalous) rows in
    /// file order; a value may be empty, `NaN` or `null` (missing). Errors name the file, line and field.
    static func readColumns(_ path: String, labeled: Bool) throws -> (times: [Int64], values: [Double], labels: [Bool])
    {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError(description: "Cannot read '\(path)'.")
        }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw InputError(description: "'\(path)' is empty.") }
        let names = header.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        let l = names.firstIndex(of: "label")
        guard let t = names.firstIndex(of: "timestamp"), let v = names.firstIndex(of: "value"), !labeled || l != nil
        else {
            let expected = labeled ? "'timestamp', 'value' and 'label'" : "'timestamp' and 'value'"
            throw InputError(description: "'\(path)' line 1: expected columns \(expected), found '\(header)'.")
        }
        var times: [Int64] = []
        var values: [Double] = []
        var labels: [Bool] = []
        var lineNumber = 1
        let last = max(t, v, labeled ? l! : 0)
        while let line = lines.next() {
            lineNumber += 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > last else {
                throw InputError(description: "'\(path)' line \(lineNumber): expected \(names.count) fields.")
            }
            let stamp = fields[t].trimmingCharacters(in: .whitespaces)
            guard
                let time = Int64(stamp) ?? RFC3339.parse(stamp)
                    ?? (stamp.count == 19 ? RFC3339.parse(stamp + "Z") : nil)
            else {
                throw InputError(
                    description: "'\(path)' line \(lineNumber): field 'timestamp' ('\(stamp)') is not a time."
                )
            }
            let raw = fields[v].trimmingCharacters(in: .whitespaces)
            let value: Double
            if raw.isEmpty || raw.lowercased() == "nan" || raw.lowercased() == "null" {
                value = .nan
            } else if let parsed = Double(raw), parsed.isFinite {
                value = parsed
            } else {
                throw InputError(description: "'\(path)' line \(lineNumber): field 'value' ('\(raw)') is not a number.")
            }
            if labeled, let l {
                let label = fields[l].trimmingCharacters(in: .whitespaces)
                guard label == "0" || label == "1" else {
                    throw InputError(
                        description: "'\(path)' line \(lineNumber): field 'label' ('\(label)') is not 0 or 1."
                    )
                }
                labels.append(label == "1")
            }
            times.append(time)
            values.append(value)
        }
        guard !values.isEmpty else { throw InputError(description: "'\(path)' has a header but no rows.") }
        return (times, values, labels)
    }
}
