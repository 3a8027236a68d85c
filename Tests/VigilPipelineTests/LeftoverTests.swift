import Foundation
import ServeTestSupport
import Testing
import VigilPipeline

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
