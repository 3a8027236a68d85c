import Foundation
import Testing

/// `vigil tune` and `vigil evaluate` end to end on a small generated corpus.
struct TuneCommandTests {
    static let pipeline = """
        name: cli
        search:
          split:
            validation_days: 2
          objective:
            f_beta: 1
          policy:
            consecutive: [1, 3]
          detectors:
            - name: zscore
              modes: [before_after]
        """

    @Test func tuneThenEvaluatePrintsTheDeployLevelBlock() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let data = dir.appendingPathComponent("data").path
        let store = dir.appendingPathComponent("store.sqlite").path
        #expect(
            try CommandLineTests.run(["datasets", "synth", "--seed", "7", "--apps", "2", "--days", "5", "--out", data])
                .status == 0
        )
        #expect(try CommandLineTests.run(["ingest", data, "--store", store]).status == 0)
        let pipelinePath = dir.appendingPathComponent("p.yaml").path
        try Self.pipeline.write(toFile: pipelinePath, atomically: true, encoding: .utf8)
        let modelPath = dir.appendingPathComponent("model.json").path

        let tune = try CommandLineTests.run(["tune", "--pipeline", pipelinePath, "--store", store, "--out", modelPath])
        #expect(tune.status == 0, "\(tune.stderr)")
        #expect(tune.stdout.contains("* global: zscore"))
        #expect(tune.stdout.contains("3-sigma"))
        let model =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: modelPath))) as! [String: Any]
        #expect(model["format"] as? String == "vigil-model")
        let validationFrom = try #require((model["validation"] as? [String: Any])?["from"] as? String)

        let evaluate = try CommandLineTests.run([
            "evaluate", "--model", modelPath, "--store", store, "--from", validationFrom, "--to", "2030-01-01",
            "--json",
        ])
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        let evaluateProblems = try SchemaValidator.problems(evaluate.stdout, against: "evaluate")
        #expect(evaluateProblems.isEmpty, "\(evaluateProblems.prefix(3))")
        let json = try JSONSerialization.jsonObject(with: Data(evaluate.stdout.utf8)) as! [String: Any]
        let deploys = try #require(json["deploys"] as? [String: Any])
        for key in [
            "bad", "good", "unlabeled", "tp", "fp", "fn", "precision", "recall", "f1", "false_pauses_per_100", "ci95",
        ] {
            #expect(deploys[key] != nil, "deploys.\(key)")
        }
        let delay = try #require(json["delay_minutes"] as? [String: Any])
        #expect(delay.keys.contains("median") || delay["count"] as? Int == 0)
        #expect(json["by"] is [String: Any])
        let points = try #require(json["points"] as? [String: Any])
        for key in ["points", "point_adjusted", "point_adjusted_delayed", "windows", "delay", "series"] {
            #expect(points[key] != nil, "points.\(key)")
        }
        #expect((json["baseline"] as? [String: Any])?["deploys"] is [String: Any])
        // The synthetic corpus records what its online guard did: that is the first baseline.
        #expect((json["recorded_guard"] as? [String: Any])?["deploys"] is [String: Any])
        let human = try CommandLineTests.run([
            "evaluate", "--model", modelPath, "--store", store, "--from", validationFrom, "--to", "2030-01-01",
        ])
        #expect(human.stdout.contains("recorded guard (ran online)"))
        #expect(human.stdout.contains("static 3-sigma (synthetic)"))
    }

    @Test func aBadPipelineNamesTheLineAndExits78() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let path = dir.appendingPathComponent("bad.yaml").path
        try "name: x\nsearch:\n  detectors:\n    - name: nope\n".write(toFile: path, atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["tune", "--pipeline", path, "--store", dir.appendingPathComponent("s").path])
        #expect(r.status == 78)
        #expect(r.stderr.contains("bad.yaml:4: 'search.detectors[0].name': unknown detector 'nope'"))
    }
}
