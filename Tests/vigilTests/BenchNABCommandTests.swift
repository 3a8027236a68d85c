import Foundation
import Testing

/// `vigil bench nab` end to end on two files of the NAB corpus in `../shared`.
struct BenchNABCommandTests {
    static let nab = DetectCommandTests.repository.deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/nab")
    static let files = ["realAdExchange/exchange-3_cpc_results.csv", "artificialNoAnomaly/art_daily_no_noise.csv"]

    /// A corpus folder with only `files`: their data, their windows, NAB's profiles.
    static func smallCorpus() throws -> URL {
        let dir = try CommandLineTests.temporaryDirectory().appendingPathComponent("nab")
        let windows = try #require(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: nab.appendingPathComponent("labels/combined_windows.json"))
            ) as? [String: Any]
        )
        var subset: [String: Any] = [:]
        for file in files {
            let target = dir.appendingPathComponent("data/\(file)")
            try FileManager.default.createDirectory(
                at: target.deletingLastPathComponent(),
                withIntermediateDirectories: true
            )
            try FileManager.default.copyItem(at: nab.appendingPathComponent("data/\(file)"), to: target)
            subset[file] = windows[file]
        }
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("labels"),
            withIntermediateDirectories: true
        )
        try JSONSerialization.data(withJSONObject: subset).write(
            to: dir.appendingPathComponent("labels/combined_windows.json")
        )
        try FileManager.default.copyItem(
            at: nab.appendingPathComponent("profiles.json"),
            to: dir.appendingPathComponent("profiles.json")
        )
        return dir
    }

    @Test(
        .enabled(
            if: DetectCommandTests.sharedAvailable || DetectCommandTests.inCI,
            "../shared/datasets/nab is absent: skipping the NAB run (it is required when CI=true)"
        )
    )
    func scoresTwoFilesPrintsJSONAndWritesNABResultFiles() throws {
        #expect(FileManager.default.fileExists(atPath: Self.nab.path), "missing \(Self.nab.path)")
        let corpus = try Self.smallCorpus()
        let out = corpus.deletingLastPathComponent().appendingPathComponent("results")
        let detectors = [
            "windowed_gaussian", "zscore_ensemble:jump=1,lag=604800,long_time=604800,suppress_time=108000",
        ]
        let r = try CommandLineTests.run(
            ["bench", "nab", "--corpus", corpus.path, "--results-out", out.path, "--json"]
                + detectors.flatMap { ["--detector", $0] }
        )
        #expect(r.status == 0, "\(r.stderr)")
        let problems = try SchemaValidator.problems(r.stdout, against: "bench-nab")
        #expect(problems.isEmpty, "\(problems.prefix(3))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let results = try #require(object["detectors"] as? [String: [String: Any]])
        #expect(Set(results.keys) == Set(detectors))
        for (name, entry) in results {
            for profile in ["standard", "reward_low_FP_rate", "reward_low_FN_rate"] {
                let score = try #require(entry[profile] as? Double, "\(name) \(profile)")
                #expect(score >= -100 && score <= 100, "\(name) \(profile): \(score)")
            }
            let thresholds = try #require(entry["threshold"] as? [String: Double])
            #expect(thresholds.count == 3)
        }
        // NAB's layout: <detector>/<category>/<detector>_<file>.csv, one row per data row.
        let file = out.appendingPathComponent(
            "windowed_gaussian/realAdExchange/windowed_gaussian_exchange-3_cpc_results.csv"
        )
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "timestamp,value,anomaly_score,label")
        #expect(lines.count == 1 + 1538)
        #expect(lines.dropFirst().filter { $0.hasSuffix(",1") }.count > 0)
        #expect(
            lines.dropFirst().allSatisfy { line in
                let score = Double(line.split(separator: ",")[2]) ?? -1
                return score >= 0 && score <= 1
            }
        )

        // Thresholds tuned on the same corpus give the same numbers as the default protocol.
        let tuned = try CommandLineTests.run([
            "bench", "nab", "--corpus", corpus.path, "--tune-corpus", corpus.path, "--detector", detectors[0],
            "--json",
        ])
        let tunedObject = try #require(
            try JSONSerialization.jsonObject(with: Data(tuned.stdout.utf8)) as? [String: [String: [String: Any]]]
        )
        #expect(
            tunedObject["detectors"]?[detectors[0]]?["standard"] as? Double
                == results[detectors[0]]?["standard"] as? Double
        )

        let human = try CommandLineTests.run(["bench", "nab", "--corpus", corpus.path, "--detector", detectors[0]])
        #expect(human.status == 0)
        #expect(human.stdout.contains("windowed_gaussian") && human.stdout.contains("2 files"))
    }

    @Test func badInputExitsWithItsStatus() throws {
        #expect(try CommandLineTests.run(["bench", "nab", "--corpus", "/nonexistent"]).status == 66)
        let r = try CommandLineTests.run(["bench", "nab", "--corpus", "/nonexistent", "--detector", "nope"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("Unknown detector"))
    }
}
