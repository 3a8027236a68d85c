/// Why the store could not do what was asked.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Wrapped: String, Hashable, Sendable { case cannotOpen, schemaTooNew, corruptBlob, notFound }
        private let wrapped: Wrapped
        private init(_ wrapped: Wrapped) { self.wrapped = wrapped }

        /// The database file cannot be opened or created.
        public static let cannotOpen = Code(.cannotOpen)
        /// The database was written by a newer vigil with migrations this one does not know.
        public static let schemaTooNew = Code(.schemaTooNew)
        /// A stored series blob does not match its recorded length.
        public static let corruptBlob = Code(.corruptBlob)
        /// The requested record does not exist.
        public static let notFound = Code(.notFound)

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

    public var description: String {
        if let cause { return "\(code): \(message) (\(cause))" }
        return "\(code): \(message)"
    }
}
