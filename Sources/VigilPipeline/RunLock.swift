internal import Foundation

/// An exclusive lock on one pipeline's store, so two runs never overlap.
///
/// A `flock` on `<store>.lock`: the kernel releases it when the holder dies, so a crashed run
/// never leaves a stale lock. The file names the holder for the message the waiter prints.
public final class RunLock: @unchecked Sendable {
    public struct Busy: Error, CustomStringConvertible {
        public var holder: String
        public var description: String { "Another writer holds the store's lock: \(holder)." }
    }

    let fd: Int32

    /// Waits up to `timeout` seconds for the lock.
    public init(path: String, holder: String, timeout: Double) throws {
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw StageError("Cannot open the lock file '\(path)': \(String(cString: strerror(errno))).")
        }
        let deadline = Date().addingTimeInterval(max(0, timeout))
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            if Date() >= deadline {
                let data = FileManager.default.contents(atPath: path) ?? Data()
                let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                close(fd)
                throw Busy(holder: text.isEmpty ? "unknown holder" : text)
            }
            usleep(200_000)
        }
        ftruncate(fd, 0)
        let line = Array((holder + "\n").utf8)
        _ = line.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    /// Whether some process holds the lock at `path` now (it is only probed, never taken).
    /// A run recorded as `running` while nobody holds the lock died without finishing.
    public static func isHeld(at path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return errno == EWOULDBLOCK
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
