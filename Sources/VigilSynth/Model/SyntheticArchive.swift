public import VigilCore

/// One daily export in the deploy-history format, as in-memory entries.
public struct SyntheticArchive: Sendable, Hashable {
    /// The archive's base name without extension, after its export date: `export-2026-11-02`
    /// holds the period 2026-11-01 and was exported on 2026-11-02 at 02:00Z.
    public var name: String
    /// The period's first second (Unix seconds, 00:00Z).
    public var periodFrom: Int64
    /// The entries, sorted by path (bytewise).
    public var files: [InMemoryFile]

    public init(name: String, periodFrom: Int64, files: [InMemoryFile]) {
        self.name = name
        self.periodFrom = periodFrom
        self.files = files
    }

    /// The total uncompressed size of the entries.
    public var totalBytes: Int { files.reduce(0) { $0 + $1.contents.count } }

    /// The entry at `path`, if any.
    public func file(at path: String) -> InMemoryFile? {
        files.first { $0.path == path }
    }
}
