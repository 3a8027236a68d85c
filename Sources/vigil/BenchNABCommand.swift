import ArgumentParser
internal import Foundation
import VigilCore
import VigilPipeline

/// `vigil bench nab`: our detectors on the Numenta Anomaly Benchmark, scored by NAB's rules.
struct BenchNABCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nab",
        abstract: "Score streaming detectors on the Numenta Anomaly Benchmark with NAB's rules.",
        discussion: """
            Each row is scored against earlier rows only. One threshold per detector and profile is
            chosen over the tuning corpus (default: the corpus itself, NAB's protocol), then the corpus
            is scored with NAB's windows, scaled sigmoid, probationary period and profiles, normalised
            so that the null detector scores 0 and the perfect one 100.

            A detector is `name` or `name:key=value,…` (see NABDetectorSpec): windowed_gaussian (NAB's
            baseline, window 6400, step 100) or any `vigil detect --list` detector on a trailing window,
            with seasonal=stl|holt-winters|profile, likelihood=ROWS, suppress=ROWS and the detector's
            parameters. Examples:
              vigil bench nab --corpus ../shared/datasets/nab
              vigil bench nab --corpus ../shared/datasets/nab --detector windowed_gaussian --json
              vigil bench nab --corpus DIR --detector 'zscore:window=2000,suppress=300' --results-out out
            """
    )

    @Option(help: ArgumentHelp("The NAB corpus folder (data/, labels/combined_windows.json).", valueName: "dir"))
    var corpus: String

    @Option(help: ArgumentHelp("Choose thresholds on this corpus instead.", valueName: "dir"))
    var tuneCorpus: String?

    @Option(help: ArgumentHelp("Write NAB-format result files under this folder.", valueName: "dir"))
    var resultsOut: String?

    @Option(help: ArgumentHelp("A detector spec; repeatable (default: a standard set).", valueName: "spec"))
    var detector: [String] = []

    @Flag(help: #"Print {"detectors":{NAME:{"standard","reward_low_FP_rate","reward_low_FN_rate","threshold"}}}."#)
    var json = false

    func validate() throws {
        for spec in detector {
            do { _ = try NABDetectorSpec(spec) } catch { throw ValidationError(error.message) }
        }
    }

    func run() throws {
        guard FileManager.default.fileExists(atPath: corpus) else {
            throw failure(.noInput, "No NAB corpus at '\(corpus)' (see docs/NAB.md).")
        }
        let started = Date()
        let result: NABBench.Result
        do {
            result = try NABBench.run(
                NABBench.Configuration(
                    corpus: corpus,
                    tuneCorpus: tuneCorpus,
                    resultsOut: resultsOut,
                    detectors: detector.isEmpty ? NABBench.defaultDetectors : detector
                )
            ) { d, count, name, done, total in
                Output.progress("[\(d + 1)/\(count)] \(name): \(done)/\(total) files")
            }
        } catch let error as NABBench.InputError {
            throw failure(.dataError, error.description)
        }
        Output.clearProgress()
        if json {
            try Output.printJSON(JSONSummary(result))
            return
        }
        print(
            "NAB corpus \(result.corpus): \(result.files) files, \(result.rows) rows, \(result.windows) windows; "
                + "thresholds tuned on \(result.tuneCorpus ?? "the corpus itself")"
        )
        let names = result.detectors.first?.profiles.map(\.profile.name) ?? []
        let width = max(8, result.detectors.map(\.name.count).max() ?? 0) + 2
        print(
            "detector".padding(toLength: width, withPad: " ", startingAt: 0)
                + names.map { $0.padding(toLength: 20, withPad: " ", startingAt: 0) }.joined()
                + "windows  FP rows  seconds"
        )
        for d in result.detectors {
            var line = d.name.padding(toLength: width, withPad: " ", startingAt: 0)
            for p in d.profiles {
                line += "\(format(p.normalized, 1)) @ \(threshold(p.threshold))".padding(
                    toLength: 20,
                    withPad: " ",
                    startingAt: 0
                )
            }
            if let s = d.profiles.first {
                line += "\(s.raw.detectedWindows)/\(result.windows)".padding(toLength: 9, withPad: " ", startingAt: 0)
                line += "\(s.raw.fp)".padding(toLength: 9, withPad: " ", startingAt: 0)
            }
            line += format(d.seconds, 1)
            print(line)
        }
        print(
            "(score @ threshold per profile; windows detected and FP rows at the \(names.first ?? "first") threshold)"
        )
        print("total \(format(Date().timeIntervalSince(started), 1)) s")
    }

    private func format(_ x: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", x) }

    /// Four decimals, or `1-2.3e-13` for a threshold that close to 1 (NAB's Gaussian tail scores).
    private func threshold(_ t: Double) -> String {
        t >= 0.99995 && t < 1 ? "1-" + String(format: "%.1e", 1 - t) : format(t, 4)
    }
}

/// The `--json` shape: `{"detectors":{NAME:{"standard","reward_low_FP_rate","reward_low_FN_rate","threshold"}}}`,
/// with `threshold` keyed by profile.
private struct JSONSummary: Encodable {
    var detectors: [String: [String: JSONValue]]

    enum JSONValue: Encodable {
        case number(Double)
        case object([String: Double])

        func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            switch self {
            case .number(let x): try c.encode(x)
            case .object(let o): try c.encode(o)
            }
        }
    }

    init(_ result: NABBench.Result) {
        var detectors: [String: [String: JSONValue]] = [:]
        for d in result.detectors {
            var entry: [String: JSONValue] = [:]
            var thresholds: [String: Double] = [:]
            for p in d.profiles {
                entry[p.profile.name] = .number((p.normalized * 1000).rounded() / 1000)
                thresholds[p.profile.name] = p.threshold
            }
            entry["threshold"] = .object(thresholds)
            detectors[d.name] = entry
        }
        self.detectors = detectors
    }
}
