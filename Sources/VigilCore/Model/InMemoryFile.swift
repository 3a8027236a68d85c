/// A file produced in memory (an archive entry, a report page) before one writer puts it on disk.
public struct InMemoryFile: Sendable, Hashable {
    /// A relative path with `/` separators.
    public var path: String
    public var contents: [UInt8]

    public init(path: String, contents: [UInt8]) {
        self.path = path
        self.contents = contents
    }

    public init(path: String, text: String) {
        self.init(path: path, contents: Array(text.utf8))
    }
}
