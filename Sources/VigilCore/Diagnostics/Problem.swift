/// Something wrong with the input, found while loading it.
///
/// A problem is a result, not an error: a bad row or entry is reported and
/// the rest loads. Errors that stop an archive also end up as problems, so
/// analysts can ask the store what went wrong and where.
public struct Problem: Sendable, Hashable, Codable {
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case warning
        case error

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .error }
    }

    /// A short machine-readable kind, such as `bad_rows` or `unsafe_path`, for grouping in reports.
    public var kind: String
    public var severity: Severity
    /// The archive entry (path inside the archive), when the problem is about one.
    public var entry: String?
    /// The 1-based line inside the entry, when the problem is about one.
    public var line: Int?
    public var message: String

    public init(kind: String, severity: Severity, entry: String? = nil, line: Int? = nil, message: String) {
        self.kind = kind
        self.severity = severity
        self.entry = entry
        self.line = line
        self.message = message
    }

    public static func warning(_ kind: String, entry: String? = nil, line: Int? = nil, _ message: String) -> Problem {
        Problem(kind: kind, severity: .warning, entry: entry, line: line, message: message)
    }

    public static func error(_ kind: String, entry: String? = nil, line: Int? = nil, _ message: String) -> Problem {
        Problem(kind: kind, severity: .error, entry: entry, line: line, message: message)
    }
}
