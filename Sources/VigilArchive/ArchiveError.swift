/// Why an archive could not be read or written as a whole.
///
/// Problems with single entries are not errors: they become ``Problem`` values
/// and the rest of the archive still loads.
public struct ArchiveError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable {
            case unreadable, unsupportedContainer, corrupt, expansionCapExceeded, invalidManifest, writeFailed
        }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The file cannot be opened or read.
        public static let unreadable = Code(.unreadable)
        /// The content is not a tar (plain, gzip, zstd) or zip archive.
        public static let unsupportedContainer = Code(.unsupportedContainer)
        /// The container is damaged (for example a truncated gzip stream).
        public static let corrupt = Code(.corrupt)
        /// The archive expands beyond a configured cap (total bytes or compression ratio).
        public static let expansionCapExceeded = Code(.expansionCapExceeded)
        /// `manifest.json` is missing, unreadable, or names an unsupported format or version.
        public static let invalidManifest = Code(.invalidManifest)
        /// Writing an archive failed.
        public static let writeFailed = Code(.writeFailed)

        public var description: String { wrapped.rawValue }
    }

    public var code: Code
    public var message: String
    public var cause: (any Error)?

    public init(code: Code, message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(code): \(message)" }
}
