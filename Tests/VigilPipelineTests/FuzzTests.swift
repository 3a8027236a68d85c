import Foundation
import ServeTestSupport
import Testing
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

/// A seeded fuzz pass (issue 13): mutated inputs for the series CSV parser, the archive reader
/// (through the whole ingest) and the pipeline reader. Each may be refused, never crash or hang.
/// `VIGIL_FUZZ_ITERATIONS` (default 200 per target) and `VIGIL_FUZZ_SEED` make longer runs.
struct FuzzTests {
    static var iterations: Int {
        Int(ProcessInfo.processInfo.environment["VIGIL_FUZZ_ITERATIONS"] ?? "") ?? 200
    }
    static var seed: UInt64 {
        UInt64(ProcessInfo.processInfo.environment["VIGIL_FUZZ_SEED"] ?? "") ?? 61_206
    }

    /// One random edit: flip a bit, overwrite a byte with an interesting one, insert, delete,
    /// duplicate a run, or truncate.
    static func mutate(_ input: [UInt8], _ g: inout SplitMix64) -> [UInt8] {
        var bytes = input
        let interesting: [UInt8] = [
            0, 0x0A, 0x0D, 0x22, 0x2C, 0x2D, 0x2E, 0x30, 0x39, 0x3A, 0x45, 0x5C, 0x7B, 0x7D, 0xFF,
        ]
        for _ in 0..<Int.random(in: 1...4, using: &g) {
            guard !bytes.isEmpty else { return [UInt8.random(in: 0...255, using: &g)] }
            let i = Int.random(in: 0..<bytes.count, using: &g)
            switch Int.random(in: 0..<6, using: &g) {
            case 0: bytes[i] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &g)
            case 1: bytes[i] = interesting.randomElement(using: &g)!
            case 2:
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...8, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g)
                    },
                    at: i
                )
            case 3: bytes.removeSubrange(i..<min(bytes.count, i + Int.random(in: 1...16, using: &g)))
            case 4:
                let run = Array(bytes[i..<min(bytes.count, i + Int.random(in: 1...64, using: &g))])
                bytes.insert(contentsOf: run, at: Int.random(in: 0...bytes.count, using: &g))
            default: bytes = Array(bytes.prefix(i))
            }
        }
        return bytes
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        let url = Bundle.module.resourceURL!.appendingPathComponent("Fixtures/\(name)")
        return [UInt8](try Data(contentsOf: url))
    }

    @Test func seriesCSVParserNeverCrashes() {
        var g = SplitMix64(seed: Self.seed)
        let seed = Array(
            "timestamp,host,value\n1795600800,h1,1.5\n1795600860,h1,\n2026-11-25T10:02:00Z,h2,NaN\n1795600920,h1,1e3\n"
                .utf8
        )
        var parsed = 0
        for _ in 0..<Self.iterations * 5 {
            let input = Self.mutate(seed, &g)
            for withHost in [true, false] {
                _ = SeriesCSV.parse(entry: "metrics/d/rt.csv", bytes: input, withHost: withHost, declaredStep: 60)
                parsed += 1
            }
        }
        #expect(parsed == Self.iterations * 10)
    }

    @Test func ingestNeverCrashesOnMutatedArchives() throws {
        var g = SplitMix64(seed: Self.seed &+ 1)
        let seeds = [try Self.fixture("valid.tar"), try Self.fixture("valid.tar.gz"), try Self.fixture("valid.zip")]
        let dir = try Scratch.directory("fuzz")
        var outcomes: [ArchiveIngestResult.Status: Int] = [:]
        for n in 0..<Self.iterations {
            let seed = seeds[n % seeds.count]
            let path = dir.appendingPathComponent("m-\(n % 8)").path
            try Data(Self.mutate(seed, &g)).write(to: URL(fileURLWithPath: path))
            let store = try HistoryStore()
            let report = try Ingestor(store: store).ingest(paths: [path])
            for a in report.archives { outcomes[a.status, default: 0] += 1 }
            // Whatever got in is readable.
            _ = try store.allDeploys()
            _ = try store.status()
        }
        #expect(outcomes.values.reduce(0, +) == Self.iterations)
    }

    /// Structured: valid containers around mutated deploy JSON, series and label files, so the
    /// mutations reach the JSON, CSV and label parsers rather than dying in gzip's CRC.
    @Test func ingestNeverCrashesOnMutatedEntries() throws {
        var g = SplitMix64(seed: Self.seed &+ 2)
        var files: [InMemoryFile] = []
        try ArchiveReader.forEachEntry(
            inArchiveAt: Bundle.module.resourceURL!.appendingPathComponent("Fixtures/valid.tar").path
        ) { entry in
            if case .file(let p, let c) = entry { files.append(InMemoryFile(path: p, contents: c)) }
        }
        #expect(files.count > 3)
        let dir = try Scratch.directory("fuzz-entries")
        for n in 0..<Self.iterations {
            var mutated = files
            for _ in 0..<Int.random(in: 1...3, using: &g) {
                let i = Int.random(in: 0..<mutated.count, using: &g)
                mutated[i] = InMemoryFile(path: mutated[i].path, contents: Self.mutate(mutated[i].contents, &g))
            }
            let path = dir.appendingPathComponent("e-\(n % 8).tar").path
            try Data(try ArchiveWriter.archive(mutated, as: .tar, modificationTime: 0)).write(
                to: URL(fileURLWithPath: path)
            )
            let store = try HistoryStore()
            _ = try Ingestor(store: store).ingest(paths: [path])
            _ = try store.groundTruths()
        }
    }

    @Test func pipelineReaderNeverCrashes() throws {
        var g = SplitMix64(seed: Self.seed &+ 3)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let seed = [UInt8](try Data(contentsOf: root.appendingPathComponent("Pipelines/nightly.yaml")))
        var accepted = 0
        for _ in 0..<Self.iterations * 2 {
            let text = String(decoding: Self.mutate(seed, &g), as: UTF8.self)
            if (try? PipelineDefinition.parse(text, path: "fuzz.yaml")) != nil { accepted += 1 }
        }
        #expect(accepted <= Self.iterations * 2)
    }
}
