import Foundation
import ServeTestSupport
import Testing
import VigilCore

@testable import VigilArchive

struct ArchiveRoundTripTests {
    static let files = [
        InMemoryFile(path: "manifest.json", text: "{}"),
        InMemoryFile(path: "deploys/d-1.json", text: "{\"id\": \"d-1\"}"),
        InMemoryFile(path: "metrics/d-1/cpu.util.csv", text: String(repeating: "1795600800,h,1.5\n", count: 2000)),
        InMemoryFile(path: "labels/ünïcode-名前.jsonl", text: "{}\n"),
        InMemoryFile(path: "empty.txt", contents: []),
    ]

    static func temporaryPath(_ name: String) -> String {
        let dir = (try? Scratch.directory("archive")) ?? Scratch.root
        return dir.appendingPathComponent(name).path
    }

    static func readAll(_ path: String) throws -> [InMemoryFile] {
        var files: [InMemoryFile] = []
        try ArchiveReader.forEachEntry(inArchiveAt: path) { entry in
            if case .file(let p, let c) = entry { files.append(InMemoryFile(path: p, contents: c)) }
        }
        return files
    }

    @Test(arguments: ArchiveWriter.Container.allCases)
    func writerOutputReadsBackInSortedOrder(container: ArchiveWriter.Container) throws {
        let bytes = try ArchiveWriter.archive(Self.files, as: container, modificationTime: 1_795_600_800)
        let path = Self.temporaryPath("a.\(container.fileExtension)")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let read = try Self.readAll(path)
        let expected = Self.files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        #expect(read == expected)
    }

    @Test(arguments: ArchiveWriter.Container.allCases)
    func writerIsDeterministicWhateverTheInputOrder(container: ArchiveWriter.Container) throws {
        let a = try ArchiveWriter.archive(Self.files, as: container, modificationTime: 42)
        let b = try ArchiveWriter.archive(Self.files.reversed(), as: container, modificationTime: 42)
        #expect(a == b)
        let c = try ArchiveWriter.archive(Self.files, as: container, modificationTime: 43)
        #expect(a != c)
    }

    @Test func writerRefusesDuplicateAndUnsafePaths() {
        #expect(throws: ArchiveError.self) {
            try ArchiveWriter.archive([InMemoryFile(path: "a", text: "1"), InMemoryFile(path: "a", text: "2")])
        }
        #expect(throws: ArchiveError.self) { try ArchiveWriter.archive([InMemoryFile(path: "../a", text: "1")]) }
        #expect(throws: ArchiveError.self) { try ArchiveWriter.archive([InMemoryFile(path: "/a", text: "1")]) }
    }

    @Test func unsafePathRules() {
        #expect(ArchiveReader.unsafePathReason("a/b.json") == nil)
        #expect(ArchiveReader.unsafePathReason("a..b/c") == nil)
        #expect(ArchiveReader.unsafePathReason("/a") != nil)
        #expect(ArchiveReader.unsafePathReason("a/../b") != nil)
        #expect(ArchiveReader.unsafePathReason("..") != nil)
        #expect(ArchiveReader.unsafePathReason("a\\b") != nil)
        #expect(ArchiveReader.normalized("./././a/b") == "a/b")
    }

    @Test func totalCapRejectsTheWholeArchive() throws {
        let bytes = try ArchiveWriter.archive(Self.files, as: .tarGzip)
        let path = Self.temporaryPath("cap.tar.gz")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: ArchiveError.self) {
            try ArchiveReader.forEachEntry(inArchiveAt: path, limits: ArchiveLimits(maxTotalBytes: 10_000)) { _ in }
        }
        do {
            try ArchiveReader.forEachEntry(inArchiveAt: path, limits: ArchiveLimits(maxTotalBytes: 10_000)) { _ in }
        } catch let error as ArchiveError {
            #expect(error.code == .expansionCapExceeded)
        }
        // Within the cap it reads.
        #expect(try Self.readAll(path).count == Self.files.count)
    }

    @Test func perEntryLimitSkipsOnlyThatEntry() throws {
        let bytes = try ArchiveWriter.archive(Self.files, as: .zip)
        let path = Self.temporaryPath("entry.zip")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        var rejected: [Problem] = []
        var read: [String] = []
        try ArchiveReader.forEachEntry(inArchiveAt: path, limits: ArchiveLimits(maxEntryBytes: 1000)) { entry in
            switch entry {
            case .file(let p, _): read.append(p)
            case .rejected(let problem): rejected.append(problem)
            }
        }
        #expect(rejected.map(\.entry) == ["metrics/d-1/cpu.util.csv"])
        #expect(read.count == Self.files.count - 1)
    }

    @Test func missingFileIsUnreadable() {
        do {
            try ArchiveReader.forEachEntry(inArchiveAt: "/nonexistent/x.tar.gz") { _ in }
            Issue.record("expected an error")
        } catch let error as ArchiveError {
            #expect(error.code == .unreadable)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
