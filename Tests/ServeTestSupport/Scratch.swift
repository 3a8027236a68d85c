package import Foundation

/// Scratch folders for tests: all under one folder per test process, removed when the process
/// exits, so a test run leaves nothing behind in the temporary directory.
package enum Scratch {
    package static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("vigil-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return url
    }()

    /// A new empty folder named `<prefix>-<UUID>`.
    package static func directory(_ prefix: String) throws -> URL {
        let dir = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
