// Times VigilCore's detectors and statistics on the input files that bench.py wrote, and prints
// one JSON object per case on standard output; large outputs go to files beside the inputs.
//
//   VigilDetectorBench --inputs DIR --sizes 10000,100000 --cases tukey,esd --budget 1.0
//
// Each case is timed as the best of k calls: calls repeat until at least three have run and
// `budget` seconds have passed, or 3·budget seconds have passed, or 50 calls have run.

import Foundation
import VigilCore

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

struct Options {
    var inputs = "Benchmarks/.work/detectors"
    var sizes: [Int] = [10_000]
    var cases: [String] = []
    var budget = 1.0

    init(_ arguments: [String]) throws {
        var i = 1
        func value() throws -> String {
            i += 1
            guard i < arguments.count else { throw BenchError(description: "\(arguments[i - 1]) needs a value") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--inputs": inputs = try value()
            case "--sizes": sizes = try value().split(separator: ",").compactMap { Int($0) }
            case "--cases": cases = try value().split(separator: ",").map(String.init)
            case "--budget": budget = Double(try value()) ?? 1.0
            default: throw BenchError(description: "unknown argument \(arguments[i])")
            }
            i += 1
        }
    }
}

/// Reads a file of little-endian float64 values.
func readDoubles(_ path: String) throws -> [Double] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchError(description: "cannot read \(path); run Benchmarks/detectors/run.sh")
    }
    let count = data.count / MemoryLayout<Double>.size
    return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
        _ = data.copyBytes(to: buffer)
        initialized = count
    }
}

func writeDoubles(_ values: [Double], to path: String) throws {
    let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
    try data.write(to: URL(fileURLWithPath: path))
}

func readJSON(_ path: String) throws -> [String: Any] {
    guard let data = FileManager.default.contents(atPath: path),
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
    else { throw BenchError(description: "cannot read \(path)") }
    return object
}

/// Best-of-k wall time of `body`, and its last result.
func measure<T>(budget: Double, _ body: () -> T) -> (seconds: Double, repeats: Int, result: T) {
    let clock = ContinuousClock()
    var best = Double.infinity
    var total = 0.0
    var repeats = 0
    var result: T
    repeat {
        let start = clock.now
        result = body()
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        best = min(best, seconds)
        total += seconds
        repeats += 1
    } while repeats < 50 && total < 3 * budget && (repeats < 3 || total < budget)
    return (best, repeats, result)
}

func run(_ name: String, n: Int, options: Options) throws -> [String: Any] {
    let dir = options.inputs
    var out: [String: Any] = ["case": name, "n": n]
    func record<T>(_ timing: (seconds: Double, repeats: Int, result: T)) {
        out["seconds"] = timing.seconds
        out["repeats"] = timing.repeats
    }
    switch name {
    case "tukey":
        let x = try readDoubles("\(dir)/series-\(n).f64")
        let detector = try TukeyDetector(parameters: [:])
        let input = DetectionInput(target: x, reference: x)
        let timing = measure(budget: options.budget) {
            flaggedIndices(detector.scores(for: input), threshold: 1.5)
        }
        record(timing)
        out["flags"] = timing.result
    case "esd":
        let x = try readDoubles("\(dir)/series-\(n).f64")
        let params = try readJSON("\(dir)/params-\(n).json")
        let maxOutliers = params["esd_max_outliers"] as? Double ?? 10
        let detector = try ESDDetector(parameters: ["alpha": 0.05, "max_outliers": maxOutliers])
        let input = DetectionInput(target: x, reference: [])
        let timing = measure(budget: options.budget) {
            flaggedIndices(detector.scores(for: input), threshold: 1)
        }
        record(timing)
        out["flags"] = timing.result
    case "stl":
        let x = try readDoubles("\(dir)/series-\(n).f64")
        let stl = STL(period: 24, seasonalWindow: 7, innerIterations: 5, outerIterations: 0)
        let timing = measure(budget: options.budget) { stl.decompose(x) }
        record(timing)
        guard let result = timing.result else { throw BenchError(description: "STL returned nil") }
        try writeDoubles(result.seasonal, to: "\(dir)/ours-stl-seasonal-\(n).f64")
        try writeDoubles(result.trend, to: "\(dir)/ours-stl-trend-\(n).f64")
    case "holt_winters":
        let x = try readDoubles("\(dir)/series-\(n).f64")
        let p = try readJSON("\(dir)/params-\(n).json")
        guard let hw = p["holt_winters"] as? [String: Any], let alpha = hw["alpha"] as? Double,
            let beta = hw["beta"] as? Double, let gamma = hw["gamma"] as? Double,
            let level = hw["initial_level"] as? Double, let trend = hw["initial_trend"] as? Double,
            let seasonal = hw["initial_seasonal"] as? [Double]
        else { throw BenchError(description: "params-\(n).json lacks holt_winters") }
        let model = HoltWinters(
            alpha: alpha,
            beta: beta,
            gamma: gamma,
            initialLevel: level,
            initialTrend: trend,
            initialSeasonal: seasonal
        )
        let timing = measure(budget: options.budget) { model.fit(x) }
        record(timing)
        try writeDoubles(timing.result.fittedValues, to: "\(dir)/ours-hw-fitted-\(n).f64")
    case "arima":
        let y = try readDoubles("\(dir)/arma-\(n).f64")
        let half = n / 2
        let input = DetectionInput(target: Array(y[half...]), reference: Array(y[..<half]))
        let detector = try ARIMAKSigmaDetector(parameters: ["p": 1, "d": 0, "q": 1])
        let timing = measure(budget: options.budget) { detector.scores(for: input) }
        record(timing)
        out["flags"] = flaggedIndices(timing.result, threshold: 3)
        // Scores near the threshold, for judging flags that differ (not timed).
        out["near_threshold"] = timing.result.indices.filter { abs(timing.result[$0] - 3) < 0.03 }
        if let fit = ARIMA.estimateCSS(input.reference, p: 1, d: 0, q: 1, includeMean: true) {
            out["mean"] = fit.coefficients.mean
            out["ar"] = fit.coefficients.ar
            out["ma"] = fit.coefficients.ma
            out["sigma2"] = fit.sigma2
        }
    case "mann_whitney":
        let x = try readDoubles("\(dir)/series-\(n).f64")
        let a = Array(x[..<(n / 2)])
        let b = Array(x[(n / 2)...])
        let timing = measure(budget: options.budget) { MannWhitneyU.test(a, b) }
        record(timing)
        guard let r = timing.result else { throw BenchError(description: "Mann-Whitney returned nil") }
        out["u1"] = r.u1
        out["p"] = r.pAsymptotic
    case "ks":
        let x = try readDoubles("\(dir)/series-\(n).f64")
        let a = Array(x[..<(n / 2)])
        let b = Array(x[(n / 2)...])
        let timing = measure(budget: options.budget) { () -> (Double, Double)? in
            guard let s = KolmogorovSmirnov.statistic(a, b) else { return nil }
            return (s.d, KolmogorovSmirnov.asymptoticPValue(d: s.d, n1: a.count, n2: b.count))
        }
        record(timing)
        guard let r = timing.result else { throw BenchError(description: "KS returned nil") }
        out["d"] = r.0
        out["p"] = r.1
    default:
        throw BenchError(description: "unknown case \(name)")
    }
    return out
}

do {
    let options = try Options(CommandLine.arguments)
    for name in options.cases {
        for n in options.sizes {
            let result = try run(name, n: n, options: options)
            let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        }
    }
} catch {
    FileHandle.standardError.write(Data("VigilDetectorBench: \(error)\n".utf8))
    exit(1)
}
