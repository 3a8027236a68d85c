public import Foundation

/// Any JSON value, for outputs that carry JSON read back from somewhere (a run's saved options
/// and summary) as a nested object rather than as a string holding JSON.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses JSON text; `nil` when it is not JSON.
    public init?(json text: String) {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return nil }
        self = value
    }

    /// A figure recorded as text, as the number or boolean it holds (`"6"` → 6, `"true"` → true);
    /// other text stays text.
    public static func figure(_ text: String) -> JSONValue {
        if text == "true" { return .bool(true) }
        if text == "false" { return .bool(false) }
        if let i = Int64(text) { return .int(i) }
        if let d = Double(text), d.isFinite, text.contains(where: \.isNumber), !text.contains(where: \.isLetter) {
            return .double(d)
        }
        return .string(text)
    }

    /// The same value with every string under a `figures` key read as a figure.
    public func typingFigures(inside key: String? = nil) -> JSONValue {
        switch self {
        case .string(let s) where key == "figures": return .figure(s)
        case .object(let o):
            return .object(
                Dictionary(
                    uniqueKeysWithValues: o.map { k, v in
                        (k, key == "figures" ? v.typingFigures(inside: "figures") : v.typingFigures(inside: k))
                    }
                )
            )
        case .array(let a): return .array(a.map { $0.typingFigures(inside: key) })
        default: return self
        }
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? c.decode(Int64.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            self = .double(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    /// The same value with every time written as Unix seconds (an integer under a key ending
    /// in `_at`, or named `at`, `start` or `end`) written in RFC 3339 instead.
    public func rfc3339Times(key: String? = nil) -> JSONValue {
        switch self {
        case .int(let t) where key.map { $0.hasSuffix("_at") || ["at", "start", "end"].contains($0) } == true:
            return (0..<253_402_300_800).contains(t) ? .string(RFC3339.format(t)) : self
        case .object(let o):
            return .object(Dictionary(uniqueKeysWithValues: o.map { k, v in (k, v.rfc3339Times(key: k)) }))
        case .array(let a): return .array(a.map { $0.rfc3339Times(key: key) })
        default: return self
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}
