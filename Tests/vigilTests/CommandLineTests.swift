import Foundation
import ServeTestSupport
import Testing

/// End-to-end runs of the built `vigil` binary: exit codes, output, JSON shape.
struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        // The test bundle sits in the products folder, beside the executable.
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("vigil")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("vigil")
    }

    static func run(_ arguments: [String], in directory: URL? = nil) throws -> Run {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self)
        )
    }

    static func temporaryDirectory() throws -> URL {
        try Scratch.directory("cli")
    }

    @Test func helpListsTheCommands() throws {
        let r = try Self.run(["--help"])
        #expect(r.status == 0)
        for command in ["ingest", "status", "deploys", "datasets"] { #expect(r.stdout.contains(command)) }
    }

    @Test func usageErrorsExitWith64() throws {
        #expect(try Self.run(["ingest"]).status == 64)
        // Something named that does not exist is not a usage error: 66, and no usage banner.
        let missing = try Self.run(["ingest", "/nonexistent/archive.tar.gz"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("No such file or directory: '/nonexistent/archive.tar.gz'"))
        #expect(!missing.stderr.contains("Usage:"))
        #expect(try Self.run(["datasets", "synth", "--apps", "0", "--out", "/tmp/x"]).status == 64)
        #expect(try Self.run(["no-such-command"]).status == 64)
    }

    /// Every key of a JSON value written in camelCase (`lastDeployAt`), with its path.
    static func camelCaseKeys(_ value: Any, path: String = "") -> [String] {
        if let object = value as? [String: Any] {
            return object.flatMap { key, inner in
                let camel =
                    key.first?.isLowercase == true && key.contains(where: \.isUppercase)
                    && key.allSatisfy { $0.isLetter || $0.isNumber }
                return (camel ? ["\(path)/\(key)"] : []) + camelCaseKeys(inner, path: "\(path)/\(key)")
            }
        }
        if let array = value as? [Any] { return array.flatMap { camelCaseKeys($0, path: path + "[]") } }
        return []
    }

    @Test func synthIngestStatusAndShowEndToEnd() throws {
        let dir = try Self.temporaryDirectory()
        let data = dir.appendingPathComponent("data").path
        let store = dir.appendingPathComponent("store.sqlite").path
        let synth = try Self.run(["datasets", "synth", "--seed", "3", "--apps", "2", "--days", "3", "--out", data])
        #expect(synth.status == 0, "\(synth.stderr)")

        let ingest = try Self.run(["ingest", data, "--store", store, "--json"])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        // Not a terminal: no progress line, and stdout is the JSON object alone.
        #expect(ingest.stderr.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(ingest.stdout.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["archives", "deploys", "series", "points", "labels", "problems"])
        let archives = try #require(object["archives"] as? [[String: Any]])
        #expect(archives.count == 3)
        #expect(
            archives.allSatisfy { ($0["status"] as? String) == "ingested" && ($0["sha256"] as? String)?.count == 64 }
        )
        let deploys = try #require(object["deploys"] as? [String: Int])
        #expect(Set(deploys.keys) == ["added", "updated", "rejected"])
        #expect(deploys["added", default: 0] > 0)
        let labels = try #require(object["labels"] as? [String: Int])
        #expect(Set(labels.keys) == ["applied", "pending", "skipped_lines"])
        if let problems = object["problems"] as? [[String: Any]], let first = problems.first {
            #expect(Set(first.keys).isSuperset(of: ["archive", "severity", "message"]))
        }

        let again = try Self.run(["ingest", data, "--store", store, "--json"])
        #expect(again.status == 0)
        #expect(again.stdout.components(separatedBy: "\"unchanged\"").count - 1 == 3)

        let status = try Self.run(["status", "--store", store, "--json"])
        #expect(status.status == 0)
        let statusObject = try #require(
            try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
        )
        #expect((statusObject["deploys"] as? Int) == deploys["added"])

        // One convention for every --json output (issue 16, item 9): snake_case keys, and each
        // documented output holds to its schema in docs/schemas.
        #expect(Self.camelCaseKeys(statusObject).isEmpty, "\(Self.camelCaseKeys(statusObject))")
        let deployList = try Self.run(["deploys", "list", "--store", store, "--json"])
        let listedJSON = try JSONSerialization.jsonObject(with: Data(deployList.stdout.utf8))
        #expect(Self.camelCaseKeys(listedJSON).isEmpty, "\(Self.camelCaseKeys(listedJSON))")
        for (output, schema) in [
            (status.stdout, "status"), (deployList.stdout, "deploys-list"), (ingest.stdout, "ingest"),
        ] {
            let problems = try SchemaValidator.problems(output, against: schema)
            #expect(problems.isEmpty, "\(schema): \(problems.prefix(5))")
        }

        let human = try Self.run(["status", "--store", store])
        #expect(human.stdout.contains("ground truth:"))

        let truth = try String(contentsOfFile: "\(data)/truth.jsonl", encoding: .utf8)
        let firstLine = try #require(truth.split(separator: "\n").first)
        let firstTruth = try #require(try JSONSerialization.jsonObject(with: Data(firstLine.utf8)) as? [String: Any])
        let id = try #require(firstTruth["deployId"] as? String ?? firstTruth["deploy_id"] as? String)
        let show = try Self.run(["deploys", "show", id, "--store", store])
        #expect(show.status == 0, "\(show.stderr)")
        let shownJSON = try Self.run(["deploys", "show", id, "--store", store, "--json"]).stdout
        let showProblems = try SchemaValidator.problems(shownJSON, against: "deploys-show")
        #expect(showProblems.isEmpty, "\(showProblems.prefix(3))")
        #expect(show.stdout.contains("ground truth:"))
        #expect(try Self.run(["deploys", "show", "no-such-deploy", "--store", store]).status == 66)

        // Removing: an unknown id removes nothing; a known one goes, and the removal is listed.
        let unknown = try Self.run(["deploys", "delete", id, "no-such-deploy", "--reason", "test", "--store", store])
        #expect(unknown.status == 66)
        #expect(unknown.stderr.contains("no-such-deploy"))
        #expect(try Self.run(["deploys", "show", id, "--store", store]).status == 0)
        #expect(try Self.run(["deploys", "delete", id, "--store", store]).status == 64)  // --reason is required
        let delete = try Self.run(["deploys", "delete", id, "--reason", "bad export", "--store", store])
        #expect(delete.status == 0, "\(delete.stderr)")
        #expect(delete.stdout.contains("removed \(id)"))
        #expect(try Self.run(["deploys", "show", id, "--store", store]).status == 66)
        let removals = try Self.run(["deploys", "removals", "--store", store])
        #expect(removals.stdout.contains("deploy \(id): bad export"))

        // Forgetting an archive: by its stored name (listed by status --archives), with a reason;
        // ingest then skips it; a name that matches nothing forgets nothing.
        let listed = try Self.run(["status", "--archives", "--store", store])
        let name = try #require(listed.stdout.split(separator: "\n").last?.split(separator: " ").dropLast().last)
        let archivesJSON = try Self.run(["status", "--archives", "--store", store, "--json"]).stdout
        #expect(try SchemaValidator.problems(archivesJSON, against: "archives").isEmpty)
        #expect(try Self.run(["ingest", "--forget", String(name), "--store", store]).status == 64)  // needs --reason
        let typo = try Self.run(["ingest", "--forget", "no-such.tar.gz", "--reason", "x", "--store", store])
        #expect(typo.status == 66)
        #expect(!typo.stderr.contains("Usage:"))
        #expect(typo.stderr.contains("No stored archive is named 'no-such.tar.gz'"))
        let forget = try Self.run([
            "ingest", "--forget", String(name), "--reason", "test export", "--store", store, "--json",
        ])
        #expect(forget.status == 0, "\(forget.stderr)")
        #expect(forget.stdout.contains("\"detail\" : \"\(name) (ingested"))
        #expect(try SchemaValidator.problems(forget.stdout, against: "forget").isEmpty, "\(forget.stdout)")
        let skipped = try Self.run(["ingest", data, "--store", store])
        #expect(skipped.status == 0)
        #expect(skipped.stdout.contains("forgotten"))
        #expect(try Self.run(["deploys", "removals", "--store", store]).stdout.contains(": test export ("))
        let removalsJSON = try Self.run(["deploys", "removals", "--store", store, "--json"]).stdout
        #expect(try SchemaValidator.problems(removalsJSON, against: "removals").isEmpty, "\(removalsJSON)")
    }

    /// Issue 13, item 7: a second writer on one store waits or exits 75 naming the holder,
    /// instead of failing on a UNIQUE constraint half-way.
    @Test func ingestWaitsForTheStoresLockOrExitsWith75() throws {
        let dir = try Self.temporaryDirectory()
        let store = dir.appendingPathComponent("s.sqlite").path
        let data = dir.appendingPathComponent("data").path
        #expect(
            try Self.run(["datasets", "synth", "--seed", "4", "--apps", "1", "--days", "1", "--out", data]).status == 0
        )
        let fd = open(store + ".lock", O_RDWR | O_CREAT, 0o644)
        #expect(flock(fd, LOCK_EX) == 0)
        _ = "pid 4242, vigil run nightly".withCString { write(fd, $0, strlen($0)) }
        let busy = try Self.run(["ingest", data, "--store", store])
        #expect(busy.status == 75)
        #expect(busy.stderr.contains("pid 4242"))
        #expect(!FileManager.default.fileExists(atPath: store))
        flock(fd, LOCK_UN)
        close(fd)
        let free = try Self.run(["ingest", data, "--store", store])
        #expect(free.status == 0, "\(free.stderr)")
    }

    @Test func aRejectedArchiveExitsWith1AndNamesIt() throws {
        let dir = try Self.temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.tar.gz")
        try Data("not an archive".utf8).write(to: bad)
        let r = try Self.run(["ingest", bad.path, "--store", dir.appendingPathComponent("s.sqlite").path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("rejected"))
        #expect(r.stdout.contains("bad.tar.gz"))
    }

    @Test func synthIsByteForByteReproducible() throws {
        let a = try Self.temporaryDirectory().path
        let b = try Self.temporaryDirectory().path
        #expect(
            try Self.run(["datasets", "synth", "--seed", "9", "--apps", "1", "--days", "2", "--out", a]).status == 0
        )
        #expect(
            try Self.run(["datasets", "synth", "--seed", "9", "--apps", "1", "--days", "2", "--out", b]).status == 0
        )
        let names = try FileManager.default.contentsOfDirectory(atPath: a).sorted()
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: b).sorted()))
        #expect(names.count == 3)
        for name in names {
            #expect(FileManager.default.contentsEqual(atPath: "\(a)/\(name)", andPath: "\(b)/\(name)"), "\(name)")
        }
    }

    @Test func committedSampleRegeneratesByteForByte() throws {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let committed = repository.appendingPathComponent("Datasets/sample").path
        let fresh = try Self.temporaryDirectory().path
        let r = try Self.run(["datasets", "synth", "--seed", "42", "--apps", "3", "--days", "14", "--out", fresh])
        #expect(r.status == 0)
        let names = try FileManager.default.contentsOfDirectory(atPath: committed).sorted()
        #expect(names == (try FileManager.default.contentsOfDirectory(atPath: fresh).sorted()))
        for name in names {
            #expect(
                FileManager.default.contentsEqual(atPath: "\(committed)/\(name)", andPath: "\(fresh)/\(name)"),
                "Datasets/sample/\(name) differs from what the generator writes now: run `make sample` if the change is deliberate."
            )
        }
    }
}
