import ArgumentParser
internal import Foundation
import VigilCore
import VigilPipeline
import VigilStore

/// Flags shared by every command that reads or writes the store.
struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The SQLite store (created when missing).",
            discussion: "Defaults to $VIGIL_STORE, else .vigil/store.sqlite.",
            valueName: "path"
        )
    )
    var store: String?

    var resolvedPath: String {
        store ?? ProcessInfo.processInfo.environment["VIGIL_STORE"] ?? ".vigil/store.sqlite"
    }

    func open() throws -> HistoryStore {
        let path = resolvedPath
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return try HistoryStore(path: path)
    }

    func openExisting() throws -> HistoryStore {
        try HistoryStore(path: try existingPath())
    }

    /// For commands that only read: a store this process cannot write opens read-only.
    func openForReading() throws -> HistoryStore {
        _ = try existingPath()
        if FileManager.default.isWritableFile(atPath: resolvedPath) { return try HistoryStore(path: resolvedPath) }
        return try HistoryStore(readingAt: resolvedPath)
    }

    private func existingPath() throws -> String {
        guard FileManager.default.fileExists(atPath: resolvedPath) else {
            throw failure(
                .noInput,
                "No store at '\(resolvedPath)'. Ingest archives first: vigil ingest ARCHIVE... --store \(resolvedPath)"
            )
        }
        return resolvedPath
    }
}

/// The store's writer lock (`<store>.lock`), held by `run`, `ingest` and `deploys delete`:
/// waits `wait` seconds, then exits 75 naming the holder.
func lockStore(_ store: String, as holder: String, wait: Double) throws -> RunLock {
    let since = RFC3339.format(Int64(Date().timeIntervalSince1970))
    do {
        return try RunLock(path: store + ".lock", holder: "pid \(getpid()), \(holder), since \(since)", timeout: wait)
    } catch let busy as RunLock.Busy {
        Output.warn("\(busy) Try again later, or pass --wait SECONDS.")
        throw ExitCode(75)
    }
}
