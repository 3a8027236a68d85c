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

    @Test func badInputNamesTheFileLineAndField() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let csv = dir.appendingPathComponent("bad.csv")
        try "timestamp,value\n1795600800,1\nnot-a-time,2\n".write(to: csv, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["detect", "--detector", "zscore", "--csv", csv.path])
        #expect(r.status == 64)
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
