import Foundation
import Testing

/// `vigil detect` end to end, on a generated CSV and on a NAB file from `../shared`.
struct DetectCommandTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let nabFile = repository.deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/nab/data/realKnownCause/machine_temperature_system_failure.csv").path
    static let sharedAvailable = FileManager.default.fileExists(atPath: nabFile)
    static let inCI = ProcessInfo.processInfo.environment["CI"] == "true"

    @Test func listShowsEveryDetectorWithItsParameters() throws {
        let r = try CommandLineTests.run(["detect", "--list"])
        #expect(r.status == 0)
        for name in ["zscore", "tukey", "esd", "arima_ksigma", "mann_whitney", "ks", "--param alpha="] {
            #expect(r.stdout.contains(name), "\(name)")
        }
    }

    @Test func scoresAGeneratedSeriesAndFlagsTheSpike() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("s.csv")
        var lines = ["timestamp,value"]
        for i in 0..<200 { lines.append("\(1_795_600_800 + i * 60),\(i == 150 ? 40 : 10 + (i % 7)).0") }
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["detect", "--detector", "tukey", "--param", "unused=1", "--csv", csv.path])
        #expect(r.status == 64)
        #expect(r.stderr.contains("no parameter 'unused'"))
        let ok = try CommandLineTests.run(["detect", "--detector", "tukey", "--csv", csv.path, "--json"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ok.stdout.utf8)) as? [String: Any])
        #expect(object["detector"] as? String == "tukey")
        #expect((object["scores"] as? [Double])?.count == 200)
        #expect(object["flagged"] as? [Int] == [150])
        #expect(object["params"] is [String: Any])
    }

    @Test(arguments: ["stl", "holt-winters", "profile"])
    func aSeasonalBaselineExposesASpikeTheRawSeriesHides(method: String) throws {
        // Four days at 5 minutes of a strong daily wave; on day 4 a bump of +8 at the wave's trough.
        // (Three reference days: the profile needs 3 points per 5-minute bucket.)
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("daily.csv")
        var lines = ["timestamp,value"]
        var g = 0.0
        for i in 0..<(4 * 288) {
            g = (g * 7919 + 13).truncatingRemainder(dividingBy: 101)
            let wave = 50 + 40 * sin(2 * Double.pi * Double(i % 288) / 288)
            let bump = i == 3 * 288 + 216 ? 8.0 : 0
            lines.append("\(1_795_564_800 + i * 300),\(wave + bump + (g - 50) / 100)")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: csv, atomically: true, encoding: .utf8)
        let raw = try CommandLineTests.run([
            "detect", "--detector", "zscore", "--csv", csv.path, "--reference", "864", "--json",
        ])
        let rawFlagged = try #require(try JSONSerialization.jsonObject(with: Data(raw.stdout.utf8)) as? [String: Any])[
            "flagged"
        ]
        #expect((rawFlagged as? [Int])?.contains(3 * 288 + 216) == false)
        let r = try CommandLineTests.run([
            "detect", "--detector", "zscore", "--seasonal", method, "--csv", csv.path, "--reference", "864", "--json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let detectProblems = try SchemaValidator.problems(r.stdout, against: "detect")
        #expect(detectProblems.isEmpty, "\(detectProblems.prefix(3))")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((object["flagged"] as? [Int])?.contains(3 * 288 + 216) == true, "\(method)")
        #expect(object["seasonal"] as? String == method)
    }

    @Test func badInputNamesTheFileLineAndField() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("bad.csv")
        try "timestamp,value\n1795600800,1\nnot-a-time,2\n".write(to: csv, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["detect", "--detector", "zscore", "--csv", csv.path])
        #expect(r.status == 65)
        #expect(r.stderr.contains("line 3") && r.stderr.contains("'timestamp'"))
        #expect(try CommandLineTests.run(["detect", "--detector", "nope", "--csv", csv.path]).status == 64)
        #expect(try CommandLineTests.run(["detect", "--csv", csv.path]).status == 64)
    }

    @Test(
        .enabled(
            if: sharedAvailable || inCI,
            "../shared/datasets/nab is absent: skipping the NAB run (it is required when CI=true)"
        )
    )
    func everyDetectorRunsOnANABFile() throws {
        #expect(FileManager.default.fileExists(atPath: Self.nabFile), "missing \(Self.nabFile)")
        for detector in ["zscore", "tukey", "esd", "arima_ksigma", "mann_whitney", "ks"] {
            let r = try CommandLineTests.run(["detect", "--detector", detector, "--csv", Self.nabFile, "--json"])
            #expect(r.status == 0, "\(detector): \(r.stderr)")
            let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect((object?["scores"] as? [Double])?.count == 22_695, "\(detector)")
        }
    }
}
