import Foundation
import Testing
import VigilPipeline

/// `vigil run` end to end: stages, lock, resume, and a run killed at random points.
struct RunCommandTests {
    static let pipeline = """
        name: killtest
        backtest:
          days: 2
        gate:
          floors:
            min_recall: 0
        search:
          split:
            validation_days: 2
          objective:
            f_beta: 1
          policy:
            consecutive: [1, 3]
          detectors:
            - name: zscore
              modes: [before_after, released_vs_unreleased]
        """

    /// A generated corpus and a pipeline file in a fresh folder.
    static func workspace() throws -> URL {
        let dir = try CommandLineTests.temporaryDirectory()
        let r = try CommandLineTests.run([
            "datasets", "synth", "--seed", "5", "--apps", "2", "--days", "5", "--out",
            dir.appendingPathComponent("data").path,
        ])
        #expect(r.status == 0)
        try pipeline.write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let keys = dir.appendingPathComponent("keys").path
        #expect(try CommandLineTests.run(["bundle", "keygen", "--out-dir", keys]).status == 0)
        return dir
    }

    static func runArguments(_ dir: URL) -> [String] {
        [
            "run", dir.appendingPathComponent("p.yaml").path, "--inputs", dir.appendingPathComponent("data").path,
            "--store", dir.appendingPathComponent("state/store.sqlite").path,
            "--registry", dir.appendingPathComponent("registry").path,
            "--reports", dir.appendingPathComponent("reports").path,
            "--signing-key", dir.appendingPathComponent("keys/signing.key").path,
        ]
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func aRunPublishesAVerifiedBundleAndAReport() throws {
        let dir = try Self.workspace()
        let r = try CommandLineTests.run(Self.runArguments(dir) + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        // Piped: a log line as each stage starts and ends (issue 16, item 4).
        #expect(r.stderr.contains("info vigil.run: [vigil] stage ingest started"), "\(r.stderr)")
        #expect(r.stderr.contains("stage report succeeded in "))
        let summary = try Self.json(r.stdout)
        #expect(summary["status"] as? String == "succeeded")
        let stages = try #require(summary["stages"] as? [[String: Any]])
        #expect(
            stages.map { $0["stage"] as? String } == [
                "ingest", "tune", "evaluate", "backtest", "gate", "bundle", "publish", "report",
            ]
        )
        let bundle = try #require(summary["bundle"] as? [String: Any])
        let report = try #require(summary["report"] as? String)
        #expect(FileManager.default.fileExists(atPath: report))
        // The walk-forward section judged the last two days, each with its own model.
        let markdown = try String(contentsOfFile: report, encoding: .utf8)
        #expect(markdown.contains("## Last 2 days, walk-forward"))
        #expect(markdown.contains("| this pipeline |"))
        #expect(summary["gate"] is [String: Any])
        #expect(summary["validation"] is [String: Any])
        let verify = try CommandLineTests.run([
            "bundle", "verify", try #require(bundle["path"] as? String),
            "--public-key", dir.appendingPathComponent("keys/signing.pub").path,
        ])
        #expect(verify.status == 0, "\(verify.stderr)")
        // Replaying it under another key is a failed verification (exit 1, named), not a usage error.
        let other = dir.appendingPathComponent("other-keys").path
        #expect(try CommandLineTests.run(["bundle", "keygen", "--out-dir", other]).status == 0)
        let wrongKey = try CommandLineTests.run([
            "replay", "--bundle", try #require(bundle["path"] as? String), "--public-key", "\(other)/signing.pub",
            "--store", dir.appendingPathComponent("state/store.sqlite").path, "--from", "2026-01-01", "--to",
            "2030-01-01",
        ])
        #expect(wrongKey.status == 1)
        // With the right key: one JSON object per line, times in RFC 3339 (docs/JSON.md).
        let replayed = try CommandLineTests.run([
            "replay", "--bundle", try #require(bundle["path"] as? String), "--public-key",
            dir.appendingPathComponent("keys/signing.pub").path, "--store",
            dir.appendingPathComponent("state/store.sqlite").path, "--from", "2026-01-01", "--to", "2030-01-01",
            "--json",
        ])
        #expect(replayed.status == 0, "\(replayed.stderr)")
        let lines = replayed.stdout.split(separator: "\n").map { try? Self.json(String($0)) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0?["deploy_id"] is String })
        let steps = lines.compactMap { $0?["timeline"] as? [[String: Any]] }.flatMap { $0 }
        #expect(!steps.isEmpty && steps.allSatisfy { ($0["started_at"] as? String).flatMap(RFC3339Check.parse) != nil })
        for line in replayed.stdout.split(separator: "\n") {
            let problems = try SchemaValidator.problems(String(line), against: "replay")
            #expect(problems.isEmpty, "replay: \(problems.prefix(3))")
        }
        #expect(wrongKey.stderr.contains("FAILED"))
        #expect(!wrongKey.stderr.contains("USAGE"))
        // The same bytes copied under a newer version's folder do not verify as that version.
        let original = URL(fileURLWithPath: try #require(bundle["path"] as? String))
        let copy = original.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("2099.01.01.1/bundle.tar.gz")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: original, to: copy)
        let copied = try CommandLineTests.run([
            "bundle", "verify", copy.path, "--public-key", dir.appendingPathComponent("keys/signing.pub").path,
        ])
        #expect(copied.status == 1)
        #expect(copied.stderr.contains("wrong_version"))
        // The history lists it.
        let runs = try CommandLineTests.run([
            "runs", "--store", dir.appendingPathComponent("state/store.sqlite").path, "--json",
        ])
        #expect(runs.stdout.contains(summary["run_id"] as! String))
        // runs --json: RFC 3339 times, options and summary as objects, figures as numbers (item 9).
        let history = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        let newest = try #require(history.first)
        #expect((newest["started_at"] as? String).flatMap { RFC3339Check.parse($0) } != nil)
        #expect(newest["options"] is [String: Any])
        let ingest = try #require((newest["stages"] as? [[String: Any]])?.first)
        #expect((ingest["figures"] as? [String: Any])?["archives"] as? Int == 5)
        #expect(CommandLineTests.camelCaseKeys(history).isEmpty)
        let diff = try CommandLineTests.run([
            "bundle", "diff", try #require(bundle["path"] as? String), try #require(bundle["path"] as? String),
            "--public-key", dir.appendingPathComponent("keys/signing.pub").path, "--json",
        ])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect((try Self.json(diff.stdout)["rules"] as? [Any])?.isEmpty == true)
        let bundles = try CommandLineTests.run([
            "bundle", "list", "--registry", dir.appendingPathComponent("registry").path, "--json",
        ])
        let shown = try CommandLineTests.run([
            "bundle", "show", try #require(bundle["path"] as? String), "--public-key",
            dir.appendingPathComponent("keys/signing.pub").path, "--json",
        ])
        let backtest = try CommandLineTests.run([
            "backtest", dir.appendingPathComponent("p.yaml").path, "--store",
            dir.appendingPathComponent("state/store.sqlite").path, "--from", "2026-11-05", "--to", "2030-01-01",
            "--json",
        ])
        #expect(backtest.status == 0, "\(backtest.stderr)")
        // Publishing the night's model again by hand: the same bundle, reused (and its shape).
        let modelFile = try #require(
            try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("state/runs").path).first
        )
        let published = try CommandLineTests.run([
            "bundle", "publish", "--model", dir.appendingPathComponent("state/runs/\(modelFile)/model.json").path,
            "--pipeline", dir.appendingPathComponent("p.yaml").path, "--store",
            dir.appendingPathComponent("state/store.sqlite").path, "--registry",
            dir.appendingPathComponent("registry").path, "--signing-key",
            dir.appendingPathComponent("keys/signing.key").path, "--json",
        ])
        #expect(published.status == 0, "\(published.stderr)")
        let keysFile = try String(
            contentsOf: dir.appendingPathComponent("registry/keys.json"),
            encoding: .utf8
        )
        for (output, schema) in [
            (r.stdout, "run"), (runs.stdout, "runs"), (diff.stdout, "bundle-diff"), (bundles.stdout, "bundle-list"),
            (shown.stdout, "bundle-show"), (keysFile, "registry-keys"), (backtest.stdout, "backtest"),
            (published.stdout, "bundle-publish"),
        ] {
            let problems = try SchemaValidator.problems(output, against: schema)
            #expect(problems.isEmpty, "\(schema): \(problems.prefix(5))")
        }
        // A second run on the same inputs reuses the same bundle.
        let again = try Self.json(try CommandLineTests.run(Self.runArguments(dir) + ["--json"]).stdout)
        #expect((again["bundle"] as? [String: Any])?["sha256"] as? String == bundle["sha256"] as? String)
        // The trend page has a row per night, and the index links it (issue 16, item 8).
        let reports = dir.appendingPathComponent("reports")
        let trend = try String(contentsOf: reports.appendingPathComponent("killtest/trend.md"), encoding: .utf8)
        for id in [summary["run_id"] as? String, again["run_id"] as? String] {
            #expect(trend.contains("| \(try #require(id)) | "))
        }
        #expect(FileManager.default.fileExists(atPath: reports.appendingPathComponent("killtest/trend.svg").path))
        let index = try String(contentsOf: reports.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(index.contains("[killtest/trend.md](killtest/trend.md)"))
    }

    /// Issue 16, item 1: a night that failed for a wrong setting must not be resumed for ever
    /// with that setting; the run after the fix starts fresh (ingesting again) and says why.
    @Test func aFailedRunIsGivenUpWhenTheSettingsChange() throws {
        let dir = try Self.workspace()
        let first = try CommandLineTests.run(Self.runArguments(dir))
        #expect(first.status == 0, "\(first.stderr)")
        // A reports "folder" that is a file: the report stage fails, night after night.
        let notAFolder = dir.appendingPathComponent("reports-file").path
        try Data("x".utf8).write(to: URL(fileURLWithPath: notAFolder))
        var wrong = Self.runArguments(dir)
        let at = try #require(wrong.firstIndex(of: "--reports"))
        wrong[at + 1] = notAFolder
        let failed = try CommandLineTests.run(wrong + ["--json"])
        #expect(failed.status == 1)
        let failedId = try #require(try Self.json(failed.stdout)["run_id"] as? String)

        // The same wrong settings: resumed (attempt 2).
        let retried = try CommandLineTests.run(wrong + ["--resume-unfinished", "--json"])
        #expect(retried.stderr.contains("resuming unfinished run \(failedId)"))
        #expect(try Self.json(retried.stdout)["run_id"] as? String == failedId)

        // Fixed: a fresh run, which ingests and succeeds, and says what it gave up.
        let fixed = try CommandLineTests.run(Self.runArguments(dir) + ["--resume-unfinished", "--json"])
        #expect(fixed.status == 0, "\(fixed.stderr)")
        let summary = try Self.json(fixed.stdout)
        #expect(summary["run_id"] as? String != failedId)
        let notice = try #require(summary["notice"] as? String)
        #expect(notice.contains("run \(failedId) was started with other settings (reports \(notAFolder) → "))
        #expect(fixed.stderr.contains(notice))
        let stages = try #require(summary["stages"] as? [[String: Any]])
        #expect(stages.first?["stage"] as? String == "ingest")
        #expect(stages.first?["status"] as? String == "succeeded")
        let runs = try CommandLineTests.run([
            "runs", "--store", dir.appendingPathComponent("state/store.sqlite").path, "--json",
        ])
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(runs.stdout.utf8)) as? [[String: Any]])
        let given = try #require(listed.first { $0["id"] as? String == failedId })
        #expect(given["status"] as? String == "failed")
        #expect(given["attempts"] as? Int == 2)
        #expect((given["error"] as? String)?.contains("started with other settings") == true)
    }

    /// Issue 16, item 2: paths are checked before anything is created; a key the registry does
    /// not trust, or a missing one, fails the run instead of signing with a fresh key.
    @Test func wrongPathsAndKeysFailBeforeAnythingIsCreated() throws {
        let dir = try Self.workspace()
        let store = dir.appendingPathComponent("state/store.sqlite").path
        var noInputs = Self.runArguments(dir)
        noInputs[try #require(noInputs.firstIndex(of: "--inputs")) + 1] = "/nonexistent/exports"
        let missing = try CommandLineTests.run(noInputs)
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("The inputs folder '/nonexistent/exports' does not exist"))
        #expect(!FileManager.default.fileExists(atPath: store))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("state").path))

        var typo = Self.runArguments(dir)
        typo[typo.count - 1] = dir.appendingPathComponent("keys/signing.kye").path
        let noKey = try CommandLineTests.run(typo)
        #expect(noKey.status == 66)
        #expect(noKey.stderr.contains("No signing key at"))
        #expect(!FileManager.default.fileExists(atPath: typo[typo.count - 1]))

        // The first run trusts its key; a run signed by another key is refused up front.
        #expect(try CommandLineTests.run(Self.runArguments(dir)).status == 0)
        let other = dir.appendingPathComponent("other-keys").path
        #expect(try CommandLineTests.run(["bundle", "keygen", "--out-dir", other]).status == 0)
        var otherKey = Self.runArguments(dir)
        otherKey[otherKey.count - 1] = "\(other)/signing.key"
        let refused = try CommandLineTests.run(otherKey)
        #expect(refused.status == 77)
        #expect(refused.stderr.contains("is not trusted by the registry"))

        // Rotating on purpose is recorded and then the other key publishes.
        let registry = dir.appendingPathComponent("registry").path
        let rotate = try CommandLineTests.run([
            "bundle", "rotate-key", "--registry", registry, "--public-key", "\(other)/signing.pub",
            "--reason", "yearly rotation", "--retire-others",
        ])
        #expect(rotate.status == 0, "\(rotate.stderr)")
        #expect(rotate.stdout.contains("yearly rotation"))
        #expect(rotate.stdout.contains("retired"))
        #expect(try CommandLineTests.run(otherKey).status == 0)
        let old = try CommandLineTests.run(Self.runArguments(dir))
        #expect(old.status == 77)
        #expect(old.stderr.contains("is retired in the registry"))

        // No inputs at all (item 3): the run says it ingests nothing, on stderr and in the summary.
        var noInputsAtAll = otherKey
        noInputsAtAll.removeSubrange(
            try #require(noInputsAtAll.firstIndex(of: "--inputs"))...(noInputsAtAll.firstIndex(of: "--inputs")! + 1)
        )
        let stale = try CommandLineTests.run(noInputsAtAll + ["--json"])
        #expect(stale.status == 0, "\(stale.stderr)")
        #expect(stale.stderr.contains("warning: no inputs configured"))
        #expect((try Self.json(stale.stdout)["notice"] as? String)?.contains("nothing is ingested") == true)
    }

    /// Issue 16, item 5: a candidate below the pipeline's floors stays candidate even as the
    /// first bundle (which beats the static baseline), the run exits 3 and says why everywhere.
    @Test func aModelBelowTheFloorsStaysCandidateAndTheRunSaysSo() throws {
        let dir = try Self.workspace()
        try Self.pipeline.replacingOccurrences(of: "min_recall: 0", with: "min_recall: 1")
            .write(to: dir.appendingPathComponent("p.yaml"), atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(Self.runArguments(dir) + ["--json"])
        #expect(r.status == 3, "\(r.stderr)")
        let summary = try Self.json(r.stdout)
        #expect(summary["status"] as? String == "succeeded")
        let gate = try #require(summary["gate"] as? [String: Any])
        #expect(gate["promoted"] as? Bool == false)
        let below = try #require(gate["below_floors"] as? [String])
        #expect(below.contains { $0.hasPrefix("recall ") && $0.hasSuffix(" < 1.000") })
        #expect((summary["bundle"] as? [String: Any])?["channel"] as? String == "candidate")
        let report = try String(contentsOfFile: try #require(summary["report"] as? String), encoding: .utf8)
        #expect(report.contains("not promoted, stays candidate.** below the pipeline's floors: recall"))
        let list = try CommandLineTests.run([
            "bundle", "list", "--registry", dir.appendingPathComponent("registry").path, "--json",
        ])
        let listing = try Self.json(list.stdout)
        #expect(listing["stable"] == nil || listing["stable"] is NSNull)

        // Promoting what the gate refused needs --force and a reason, both recorded (item 11).
        let version = try #require((summary["bundle"] as? [String: Any])?["version"] as? String)
        let registry = dir.appendingPathComponent("registry").path
        let key = dir.appendingPathComponent("keys/signing.pub").path
        let plain = try CommandLineTests.run([
            "bundle", "promote", version, "--registry", registry, "--public-key", key,
        ])
        #expect(plain.status == 64)
        #expect(plain.stderr.contains("The promotion gate refused \(version)"))
        let forced = try CommandLineTests.run([
            "bundle", "promote", version, "--registry", registry, "--public-key", key, "--force", "--reason",
            "incident review accepted the risk",
        ])
        #expect(forced.status == 0, "\(forced.stderr)")
        let pointer = try String(contentsOfFile: "\(registry)/channels/stable.json", encoding: .utf8)
        #expect(pointer.contains("forced over the gate's refusal: incident review accepted the risk"))
        #expect(pointer.contains("\"kind\" : \"promote\"") || pointer.contains("\"kind\": \"promote\""))
    }

    @Test func aSecondRunOfTheSameStoreExitsWith75NamingTheHolder() throws {
        let dir = try Self.workspace()
        let lockPath = dir.appendingPathComponent("state/store.sqlite.lock").path
        try FileManager.default.createDirectory(
            at: dir.appendingPathComponent("state"),
            withIntermediateDirectories: true
        )
        let fd = open(lockPath, O_RDWR | O_CREAT, 0o644)
        defer { close(fd) }
        #expect(flock(fd, LOCK_EX) == 0)
        _ = "pid 4242, pipeline killtest".withCString { write(fd, $0, strlen($0)) }
        let r = try CommandLineTests.run(Self.runArguments(dir))
        #expect(r.status == 75)
        #expect(r.stderr.contains("pid 4242"))
    }

    /// Kills `vigil run` with SIGKILL at random moments; after each kill the registry must be
    /// consistent, stable must name a verified bundle, the store must open, and the run resumes.
    @Test func killedRunsLeaveEverythingConsistentAndResume() throws {
        let dir = try Self.workspace()
        let store = dir.appendingPathComponent("state/store.sqlite").path
        let registry = dir.appendingPathComponent("registry").path
        let publicKey = dir.appendingPathComponent("keys/signing.pub").path
        // How long a whole run takes here, to spread the kills over it.
        let started = Date()
        #expect(try CommandLineTests.run(Self.runArguments(dir)).status == 0)
        let full = max(0.3, Date().timeIntervalSince(started))
        try FileManager.default.removeItem(at: dir.appendingPathComponent("state"))
        try FileManager.default.removeItem(atPath: registry)

        var generator = SystemRandomNumberGenerator()
        let deadline = Date().addingTimeInterval(240)
        var kills = 0
        while kills < 20 && Date() < deadline {
            let process = Process()
            process.executableURL = CommandLineTests.binary
            var arguments = Self.runArguments(dir)
            if let resumable = try Self.lastUnfinishedRun(store: store) { arguments += ["--resume", resumable] }
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(UInt32(Double.random(in: 0...full, using: &generator) * 1_000_000))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            kills += 1

            // The registry is consistent and stable, when set, verifies.
            let list = try CommandLineTests.run(["bundle", "list", "--registry", registry, "--json"])
            #expect(list.status == 0, "kill \(kills): \(list.stderr)")
            let listing = try Self.json(list.stdout)
            let listed = Set(((listing["bundles"] as? [[String: Any]]) ?? []).compactMap { $0["version"] as? String })
            for channel in ["stable", "candidate"] {
                guard let pointer = listing[channel] as? [String: Any], let version = pointer["version"] as? String
                else { continue }
                #expect(listed.contains(version), "kill \(kills): \(channel) names \(version), not in the index")
                let verify = try CommandLineTests.run([
                    "bundle", "verify", channel, "--registry", registry, "--public-key", publicKey,
                ])
                #expect(verify.status == 0, "kill \(kills): \(channel) does not verify: \(verify.stderr)")
            }
            // The store opens, and a run the kill left marked running is shown as dead.
            if FileManager.default.fileExists(atPath: store) {
                let runs = try CommandLineTests.run(["runs", "--store", store])
                #expect(runs.status == 0, "kill \(kills)")
                if let unfinished = try Self.lastUnfinishedRun(store: store),
                    runs.stdout.contains("\(unfinished)  ") && runs.stdout.contains("running")
                {
                    #expect(runs.stdout.contains("died (running, but no process holds the store's lock)"))
                    #expect(runs.stdout.contains("--resume \(unfinished)"))
                }
            }
        }
        #expect(kills >= 20)
        // A resumed run finishes.
        var arguments = Self.runArguments(dir) + ["--json"]
        if let resumable = try Self.lastUnfinishedRun(store: store) { arguments += ["--resume", resumable] }
        let final = try CommandLineTests.run(arguments)
        #expect(final.status == 0, "\(final.stderr)")
        #expect(try Self.json(final.stdout)["status"] as? String == "succeeded")
    }

    static func lastUnfinishedRun(store: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: store) else { return nil }
        let r = try CommandLineTests.run(["runs", "--store", store, "--json", "--limit", "1"])
        guard r.status == 0, let runs = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]],
            let last = runs.first, last["status"] as? String != "succeeded"
        else { return nil }
        return last["id"] as? String
    }
}

extension RunCommandTests {
    /// Issue 16, item 3: a folder with nothing to schedule is reported at once with what was
    /// found, instead of a scheduler that waits silently for ever.
    @Test func theSchedulerListsWhatItFoundAndRefusesAFolderWithNothingToRun() throws {
        let dir = try CommandLineTests.temporaryDirectory()
        let empty = try CommandLineTests.run(["schedule", dir.path, "--state", dir.appendingPathComponent("s").path])
        #expect(empty.status == 66)
        #expect(empty.stderr.contains("No scheduled pipeline in '\(dir.path)' (no .yaml files)."))
        try "name: broken\nsearch: [\n".write(
            to: dir.appendingPathComponent("broken.yaml"),
            atomically: true,
            encoding: .utf8
        )
        try Self.pipeline.write(to: dir.appendingPathComponent("manual.yaml"), atomically: true, encoding: .utf8)
        let none = try CommandLineTests.run(["schedule", dir.path, "--state", dir.appendingPathComponent("s").path])
        #expect(none.status == 66)
        #expect(none.stderr.contains("broken.yaml: not run (invalid:"))
        #expect(none.stderr.contains("manual.yaml: not run (no schedule section)"))

        // A scheduled pipeline without inputs is listed with its next run and a warning.
        try (Self.pipeline + "\nschedule:\n  cron: \"0 2 * * *\"\n  timezone: UTC\n").write(
            to: dir.appendingPathComponent("nightly.yaml"),
            atomically: true,
            encoding: .utf8
        )
        let scheduler = PipelineScheduler(directory: dir.path, statePath: "", executable: "") { _ in }
        let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30T00:53:20Z
        let nightly = try #require(scheduler.survey(now: now).first { $0.path.hasSuffix("nightly.yaml") })
        #expect(nightly.next == Date(timeIntervalSince1970: 1_796_004_000))  // 02:00 UTC that day
        #expect(nightly.line.contains("next run 2026-11-30T02:00:00Z (no inputs: each run ingests nothing"))
    }

    /// The scheduler runs a missed schedule once, and exits cleanly on SIGTERM.
    @Test func theSchedulerRunsAMissedScheduleOnceAndStopsOnSIGTERM() throws {
        let dir = try Self.workspace()
        let pipelines = dir.appendingPathComponent("pipelines")
        try FileManager.default.createDirectory(at: pipelines, withIntermediateDirectories: true)
        let store = dir.appendingPathComponent("state/store.sqlite").path
        let yaml = """
            name: scheduled
            store: \(store)
            inputs: \(dir.appendingPathComponent("data").path)
            registry: \(dir.appendingPathComponent("registry").path)
            reports: \(dir.appendingPathComponent("reports").path)
            schedule:
              cron: "*/5 * * * *"
              timezone: UTC
            """ + "\n" + Self.pipeline.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        let path = pipelines.appendingPathComponent("scheduled.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        // The scheduler was down for an hour: twelve fires were missed.
        let statePath = dir.appendingPathComponent("schedule-state.json").path
        let state = [path: Date().timeIntervalSince1970 - 3_600]
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: statePath))

        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["schedule", pipelines.path, "--state", statePath]
        process.currentDirectoryURL = dir
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(120)
        var runs: [[String: Any]] = []
        while Date() < deadline {
            usleep(500_000)
            if FileManager.default.fileExists(atPath: store) {
                let r = try CommandLineTests.run(["runs", "--store", store, "--json"])
                runs = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]]) ?? []
                if runs.first?["status"] as? String == "succeeded" { break }
            }
        }
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(runs.count == 1, "one run for twelve missed fires: \(runs.count); \(log)")
        #expect(runs.first?["status"] as? String == "succeeded")
        #expect(log.contains("stopped"))
    }
}

enum RFC3339Check {
    static func parse(_ text: String) -> Date? { ISO8601DateFormatter().date(from: text) }
}
