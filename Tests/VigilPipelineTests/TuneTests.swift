import Foundation
import ServeTestSupport
import Testing
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore
import VigilSynth

struct TuneTests {
    static let pipeline = """
        name: test
        search:
          split:
            validation_days: 2
          objective:
            f_beta: 1
          scopes:
            levels: [global, kind]
            min_labeled_deploys: 5
          policy:
            consecutive: [1, 3]
            warmup_seconds: [0, 120]
          detectors:
            - name: zscore
              modes: [before_after, released_vs_unreleased]
        """

    static func temporaryDirectory() throws -> String {
        try Scratch.directory("tune").path
    }

    /// A small generated corpus in an in-memory store, plus the archives' paths.
    static func store(extra: [String] = []) throws -> (HistoryStore, [String]) {
        let dir = try temporaryDirectory()
        let written = try SampleData.write(SynthConfig(seed: 7, apps: 2, days: 5), to: dir)
        let store = try HistoryStore()
        let report = try Ingestor(store: store).ingest(paths: written.archives + extra)
        #expect(!report.anyRejected)
        return (store, written.archives)
    }

    /// An archive that only carries labels: a change incident on each of `deploys`, exported
    /// three days after the last of them started (later than all the data, not in the future).
    static func incidentArchive(for deploys: [Deploy], in dir: String) throws -> String {
        let exported = RFC3339.format((deploys.map(\.startedAt).max() ?? 0) + 3 * 86_400)
        let manifest = #"""
            {"format": "deploy-history", "version": 1, "exported_at": "\#(exported)", "source": "test/relabel"}
            """#
        let lines = deploys.map { d in
            #"{"type": "incident", "id": "INC-\#(d.id)", "app": "\#(d.app)", "deploy_id": "\#(d.id)", "cause": "change", "start": "\#(RFC3339.format(d.startedAt))", "end": "\#(RFC3339.format(d.startedAt + 600))"}"#
        }
        let files = [
            InMemoryFile(path: "manifest.json", contents: Array(manifest.utf8)),
            InMemoryFile(path: "labels/relabel.jsonl", contents: Array((lines.joined(separator: "\n") + "\n").utf8)),
        ]
        let path = "\(dir)/relabel.tar.gz"
        try AtomicFile.write(try ArchiveWriter.archive(files, as: .tarGzip, modificationTime: 0), to: path)
        return path
    }

    @Test func validationDeploysAreNeverSeenByTheSearch() throws {
        let definition = try PipelineDefinition.parse(Self.pipeline, path: "test.yaml")
        let (store, _) = try Self.store()
        let before = try TuneRun.run(pipeline: definition, store: store)

        // Relabel every validation deploy as bad: the search must not notice.
        let deploys = try store.allDeploys()
        let split = try TuneRun.splitTime(definition.split, deploys: deploys)
        let validation = deploys.filter { $0.startedAt >= split }
        #expect(!validation.isEmpty)
        let relabel = try Self.incidentArchive(for: validation, in: try Self.temporaryDirectory())
        let (relabeled, _) = try Self.store(extra: [relabel])
        let after = try TuneRun.run(pipeline: definition, store: relabeled)

        #expect(after.model == before.model)
        #expect(after.scopes == before.scopes)
        #expect(after.trainingCounts == before.trainingCounts)
        #expect(after.validationFigures?.deploys.bad == validation.count)
        #expect(after.validationFigures != before.validationFigures)
    }

    @Test func evaluateReplaysTheValidationDaysAsTuneReported() throws {
        let definition = try PipelineDefinition.parse(Self.pipeline, path: "test.yaml")
        let (store, _) = try Self.store()
        let file = try TuneRun.run(pipeline: definition, store: store)
        let from = try #require(file.validation.from.flatMap { RFC3339.parse($0) })
        let report = try EvaluateRun.run(model: file, store: store, from: from, to: from + 30 * 86_400)
        #expect(report.model == file.validationFigures)
        #expect(report.baseline == file.baselineFigures)
        // The model file reads back as it was written.
        let dir = try Self.temporaryDirectory()
        try AtomicFile.write(try file.encoded(), to: "\(dir)/model.json")
        let loaded = try ModelFile.load(path: "\(dir)/model.json")
        #expect(try loaded.encoded() == file.encoded())
    }

    @Test(arguments: [
        ("name: x\nsearch:\n  detectors:\n    - name: nope\n", 4, "search.detectors[0].name"),
        (
            "name: x\nsearch:\n  detectors:\n    - name: tukey\n      params:\n        k: [1]\n", 6,
            "search.detectors[0].params.k"
        ),
        (
            "name: x\nsearch:\n  detectors:\n    - name: esd\n      params:\n        alpha: [0.9]\n", 6,
            "search.detectors[0].params.alpha"
        ),
        ("name: x\nsearch:\n  detector: []\n", 3, "search.detector"),
        (
            "name: x\nsearch:\n  detectors:\n    - name: zscore\n      modes: [single_metric]\n", 4,
            "search.detectors[0].seasonal"
        ),
        (
            "name: x\nsearch:\n  policy:\n    consecutive: {from: 3, to: 1, step: 1}\n  detectors:\n    - name: zscore\n",
            4, "search.policy.consecutive"
        ),
        (
            "name: x\nsearch:\n  split:\n    validation_days: 0\n  detectors:\n    - name: zscore\n", 4,
            "search.split.validation_days"
        ),
        ("name: 'a b'\nsearch:\n  detectors:\n    - name: zscore\n", 1, "name"),
        (
            "name: x\nsearch:\n  calibration:\n    rule_set: best\n  detectors:\n    - name: level\n", 4,
            "search.calibration.rule_set"
        ),
        (
            "name: x\nsearch:\n  calibration:\n    quantile: 1.5\n  detectors:\n    - name: level\n", 4,
            "search.calibration.quantile"
        ),
        ("name: x\nbacktest:\n  days: -1\nsearch:\n  detectors:\n    - name: level\n", 3, "backtest.days"),
        ("name: x\nbacktest:\n  weeks: 1\nsearch:\n  detectors:\n    - name: level\n", 3, "backtest.weeks"),
        // Issue 13, item 3: a search that would exhaust memory is refused by its size, with its line.
        (
            "name: x\nsearch:\n  policy:\n    consecutive: {from: 1, to: 10000, step: 1}\n"
                + "    warmup_seconds: {from: 0, to: 10000, step: 1}\n    min_hosts: {from: 1, to: 10000, step: 1}\n"
                + "  detectors:\n    - name: level\n",
            4, "search.policy"
        ),
        (
            "name: x\nsearch:\n  detectors:\n    - name: mann_whitney\n      params:\n"
                + "        window: {from: 3, to: 1440, step: 1}\n        reference_window: {from: 10, to: 10000, step: 1}\n",
            4, "search.detectors[0]"
        ),
        (
            "name: x\nsearch:\n  policy:\n    consecutive: [\(Array(1...10_001).map(String.init).joined(separator: ", "))]\n"
                + "  detectors:\n    - name: level\n",
            4, "search.policy.consecutive"
        ),
        (
            "name: x\nsearch:\n  policy:\n    consecutive: {from: 1, to: 600, step: 1}\n  detectors:\n"
                + "    - name: mann_whitney\n      params:\n        window: {from: 3, to: 102, step: 1}\n",
            3, "search"
        ),
        (
            "name: x\nsearch:\n  max_thresholds: 1000000000\n  detectors:\n    - name: level\n", 3,
            "search.max_thresholds"
        ),
    ])
    func badPipelinesNameTheLineAndKey(yaml: String, line: Int, key: String) {
        do {
            _ = try PipelineDefinition.parse(yaml, path: "p.yaml")
            Issue.record("accepted a bad pipeline: \(yaml)")
        } catch {
            #expect(error.line == line, "\(error)")
            #expect(error.key == key, "\(error)")
            #expect(error.description.hasPrefix("p.yaml:\(line): '\(key)'"))
        }
    }

    @Test func rangesAndListsExpandToTheGrid() throws {
        let yaml = """
            name: grid
            search:
              policy:
                consecutive: {from: 1, to: 5, step: 2}
                min_hosts: [1, 2]
              detectors:
                - name: esd
                  params:
                    alpha: [0.01, 0.05]
                - name: arima_ksigma
                  modes: [single_metric]
                  seasonal: [stl, profile]
            """
        let p = try PipelineDefinition.parse(yaml, path: "grid.yaml")
        #expect(p.space.policies.count == 6)
        #expect(p.space.configs.count == 4)
        #expect(p.space.seasonalMethods == [.stl, .profile])
        #expect(p.split == .validationDays(4))
        #expect(p.walkForwardDays == 4)
        let off = try PipelineDefinition.parse("backtest:\n  days: 0\n" + yaml, path: "grid.yaml")
        #expect(off.walkForwardDays == 0)
    }

    @Test func theCommittedPipelineIsValid() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let p = try PipelineDefinition.load(path: root.appendingPathComponent("Pipelines/nightly.yaml").path)
        #expect(p.name == "nightly")
        #expect(!p.space.configs.isEmpty)
    }
}
