import Foundation
import ServeTestSupport
import Testing
import VigilPipeline
import VigilStore

/// Issue 13, item 10: temporary files of a writer killed before its rename (kill -9) are
/// removed by `bundle gc` and by the next run; a live writer's are not.
struct LeftoverTests {
    @Test func deadWritersTemporaryFilesGoLiveOnesStay() throws {
        let root = try Scratch.directory("leftovers").path
        let registry = Registry(root: root)
        try AtomicFile.write(Array("{}\n".utf8), to: "\(root)/gate/2026.11.26.1.json")
        let dead = ["\(root)/.candidate.json.tmp-2147483646", "\(root)/gate/.2026.11.26.1.json.tmp-2147483645"]
        let live = "\(root)/.stable.json.tmp-\(getpid())"
        for path in dead + [live] { try Data("half".utf8).write(to: URL(fileURLWithPath: path)) }
        let removed = try registry.gc(keep: 10)
        #expect(Set(removed) == [".candidate.json.tmp-2147483646", "gate/.2026.11.26.1.json.tmp-2147483645"])
        for path in dead { #expect(!FileManager.default.fileExists(atPath: path)) }
        #expect(FileManager.default.fileExists(atPath: live))
        #expect(FileManager.default.fileExists(atPath: "\(root)/gate/2026.11.26.1.json"))
    }
}

/// `vigil runs` tells a dead run from a live one by probing the store's lock.
struct RunLockTests {
    @Test func theLockIsSeenHeldOnlyWhileSomeoneHoldsIt() throws {
        let path = try Scratch.directory("lock").appendingPathComponent("store.sqlite.lock").path
        #expect(!RunLock.isHeld(at: path))  // no file yet
        do {
            let lock = try RunLock(path: path, holder: "test", timeout: 0)
            #expect(RunLock.isHeld(at: path))
            #expect(throws: RunLock.Busy.self) { try RunLock(path: path, holder: "second", timeout: 0) }
            withExtendedLifetime(lock) {}
        }
        #expect(!RunLock.isHeld(at: path))
        // Probing never takes it: a writer gets it at once afterwards.
        _ = try RunLock(path: path, holder: "after", timeout: 0)
    }
}

/// Issue 16, item 1: which unfinished run `--resume-unfinished` picks up, and when it gives up.
struct ResumeDecisionTests {
    static let options = NightlyRun.Options(
        pipeline: "p.yaml",
        inputs: "in",
        store: "s.sqlite",
        registry: "reg",
        reports: "rep",
        signingKey: "k/signing.key",
        pipelineDigest: "aa"
    )

    static func record(
        _ status: RunRecord.Status,
        attempts: Int,
        options: NightlyRun.Options = options
    ) throws
        -> RunRecord
    {
        let json = String(decoding: try JSONEncoder().encode(options), as: UTF8.self)
        return RunRecord(
            id: "r1",
            pipeline: "p",
            startedAt: 0,
            finishedAt: nil,
            status: status,
            options: json,
            summary: nil,
            error: "evaluate: bad key",
            attempts: attempts,
            stages: []
        )
    }

    @Test func anUnfinishedRunIsResumedAFewTimesWithTheSameSettingsThenGivenUp() throws {
        #expect(NightlyRun.resumeDecision(latest: nil, current: Self.options) == .fresh(abandoning: nil, reason: nil))
        #expect(
            NightlyRun.resumeDecision(latest: try Self.record(.succeeded, attempts: 1), current: Self.options)
                == .fresh(abandoning: nil, reason: nil)
        )
        for attempts in 1..<NightlyRun.maxAttempts {
            for status in [RunRecord.Status.failed, .running] {
                #expect(
                    NightlyRun.resumeDecision(
                        latest: try Self.record(status, attempts: attempts),
                        current: Self.options
                    )
                        == .resume("r1")
                )
            }
        }
        guard
            case .fresh("r1", let reason?) = NightlyRun.resumeDecision(
                latest: try Self.record(.failed, attempts: NightlyRun.maxAttempts),
                current: Self.options
            )
        else {
            Issue.record("a run that failed \(NightlyRun.maxAttempts) times was resumed again")
            return
        }
        #expect(reason.contains("did not finish in 3 attempts (last error: evaluate: bad key)"))
    }

    @Test func aRunStartedWithOtherSettingsIsGivenUp() throws {
        var changed = Self.options
        changed.signingKey = "right/signing.key"
        changed.pipelineDigest = "bb"
        guard
            case .fresh("r1", let reason?) = NightlyRun.resumeDecision(
                latest: try Self.record(.failed, attempts: 1),
                current: changed
            )
        else {
            Issue.record("a run was resumed under other settings")
            return
        }
        #expect(reason.contains("signing key k/signing.key → right/signing.key"))
        #expect(reason.contains("the pipeline file's content"))
        // A run saved before digests were recorded is not given up for lack of one.
        var old = Self.options
        old.pipelineDigest = nil
        #expect(
            NightlyRun.resumeDecision(
                latest: try Self.record(.failed, attempts: 1, options: old),
                current: Self.options
            )
                == .resume("r1")
        )
    }
}
