import Foundation
import Testing

/// `vigil bench kpi` end to end, on a generated series and on a slice of a Donut KPI from `../shared`.
struct BenchKPICommandTests {
    static let kpiFile = DetectCommandTests.repository.deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/kpi/donut_cpu4.csv").path
    static let sharedAvailable = FileManager.default.fileExists(atPath: kpiFile)
    static let keys: Set<String> = [
        "detector", "best_f1_point_adjusted", "f1_at_train_threshold", "precision", "recall", "train_seconds",
        "score_seconds",
    ]

    static func runJSON(_ arguments: [String]) throws -> [String: Any] {
        let r = try CommandLineTests.run(["bench", "kpi"] + arguments + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let problems = try SchemaValidator.problems(r.stdout, against: "bench-kpi")
        #expect(problems.isEmpty, "\(problems.prefix(3))")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    @Test func generatedSeriesWithObviousSpikesScoresPerfectly() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("kpi.csv")
        var lines = ["timestamp,value,label"]
        for i in 0..<400 {
            let spike = i % 97 == 50
            lines.append("\(1_469_376_000 + i * 300),\(spike ? 30 : 10 + Double(i % 5) / 10),\(spike ? 1 : 0)")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let object = try Self.runJSON(["--csv", csv.path, "--detector", "zscore"])
        #expect(Set(object.keys) == Self.keys)
        #expect(object["best_f1_point_adjusted"] as? Double == 1)
        #expect(object["f1_at_train_threshold"] as? Double == 1)
        let text = try CommandLineTests.run(["bench", "kpi", "--csv", csv.path, "--detector", "tukey"])
        #expect(text.status == 0 && text.stdout.contains("best point-adjusted F1"))
    }

    @Test func badInputExitsWithItsStatus() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("nolabel.csv")
        try "timestamp,value\n1,2\n2,3\n".write(to: csv, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["bench", "kpi", "--csv", csv.path, "--detector", "zscore"])
        #expect(r.status == 65 && r.stderr.contains("'label'"))
        #expect(try CommandLineTests.run(["bench", "kpi", "--csv", csv.path, "--detector", "nope"]).status == 64)
    }

    @Test(
        .enabled(
            if: sharedAvailable || DetectCommandTests.inCI,
            "../shared/datasets/kpi is absent: skipping the KPI run (it is required when CI=true)"
        )
    )
    func everyDetectorRunsOnAKPISlice() throws {
        #expect(FileManager.default.fileExists(atPath: Self.kpiFile), "missing \(Self.kpiFile)")
        // The first 7 days: small enough for a debug build, long enough for a 3-day daily profile.
        let text = try String(contentsOfFile: Self.kpiFile, encoding: .utf8)
        let slice = text.split(separator: "\n").prefix(1 + 7 * 288).joined(separator: "\n") + "\n"
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("cpu4-slice.csv")
        try slice.write(to: csv, atomically: true, encoding: .utf8)
        let runs: [[String]] = [
            ["--detector", "donut", "--param", "window=24", "--param", "epochs=2", "--param", "samples=4"],
            ["--detector", "tukey"], ["--detector", "esd"], ["--detector", "arima_ksigma"], ["--detector", "zscore"],
            ["--detector", "zscore", "--seasonal", "profile"],
        ]
        for run in runs {
            let object = try Self.runJSON(["--csv", csv.path] + run)
            #expect(Set(object.keys) == Self.keys, "\(run)")
            let f1 = try #require(object["best_f1_point_adjusted"] as? Double)
            #expect(f1 >= 0 && f1 <= 1, "\(run)")
        }
    }
}
