internal import Foundation
internal import VigilCore

/// A JSON object read with field paths, so every error names the field it is about.
struct JSONObject {
    let fields: [String: Any]
    /// The path of this object inside the document, such as `batches[1]`; empty at the top.
    let path: String

    struct FieldError: Error {
        let field: String
        let message: String
    }

    init(_ fields: [String: Any], path: String = "") {
        self.fields = fields
        self.path = path
    }

    /// Parses a whole document that must be a JSON object.
    static func parse(_ bytes: [UInt8]) throws -> JSONObject {
        let value = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        guard let object = value as? [String: Any] else {
            throw FieldError(field: "", message: "the document is not a JSON object")
        }
        return JSONObject(object)
    }

    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func has(_ key: String) -> Bool {
        guard let v = fields[key] else { return false }
        return !(v is NSNull)
    }

    func string(_ key: String) throws -> String {
        guard let v = fields[key], !(v is NSNull) else { throw FieldError(field: name(key), message: "is missing") }
        guard let s = v as? String else { throw FieldError(field: name(key), message: "must be a string") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        has(key) ? try string(key) : nil
    }

    func int(_ key: String) throws -> Int {
        guard let v = fields[key], !(v is NSNull) else { throw FieldError(field: name(key), message: "is missing") }
        if !(v is String), let n = v as? NSNumber, n.doubleValue == n.doubleValue.rounded(), abs(n.doubleValue) < 1e15 {
            return n.intValue
        }
        throw FieldError(field: name(key), message: "must be an integer")
    }

    func optionalInt(_ key: String) throws -> Int? {
        has(key) ? try int(key) : nil
    }

    func time(_ key: String) throws -> Int64 {
        let s = try string(key)
        guard let t = RFC3339.parse(s) else {
            throw FieldError(field: name(key), message: "must be an RFC 3339 time, not '\(s)'")
        }
        return t
    }

    func optionalTime(_ key: String) throws -> Int64? {
        has(key) ? try time(key) : nil
    }

    func object(_ key: String) throws -> JSONObject {
        guard let v = fields[key], !(v is NSNull) else { throw FieldError(field: name(key), message: "is missing") }
        guard let o = v as? [String: Any] else { throw FieldError(field: name(key), message: "must be an object") }
        return JSONObject(o, path: name(key))
    }

    func optionalObject(_ key: String) throws -> JSONObject? {
        has(key) ? try object(key) : nil
    }

    func objects(_ key: String) throws -> [JSONObject] {
        guard let v = fields[key], !(v is NSNull) else { throw FieldError(field: name(key), message: "is missing") }
        guard let array = v as? [Any] else { throw FieldError(field: name(key), message: "must be an array") }
        return try array.enumerated().map { i, element in
            guard let o = element as? [String: Any] else {
                throw FieldError(field: "\(name(key))[\(i)]", message: "must be an object")
            }
            return JSONObject(o, path: "\(name(key))[\(i)]")
        }
    }

    func strings(_ key: String) throws -> [String] {
        guard let v = fields[key], !(v is NSNull) else { throw FieldError(field: name(key), message: "is missing") }
        guard let array = v as? [Any] else {
            throw FieldError(field: name(key), message: "must be an array of strings")
        }
        return try array.enumerated().map { i, element in
            guard let s = element as? String else {
                throw FieldError(field: "\(name(key))[\(i)]", message: "must be a string")
            }
            return s
        }
    }

    func optionalStrings(_ key: String) throws -> [String]? {
        has(key) ? try strings(key) : nil
    }
}

/// Describes a JSON syntax error briefly, keeping Foundation's line and column when it gives them.
func describeJSONError(_ error: any Error) -> String {
    if let fieldError = error as? JSONObject.FieldError {
        return fieldError.field.isEmpty ? fieldError.message : "field '\(fieldError.field)' \(fieldError.message)"
    }
    let ns = error as NSError
    func trimmed(_ detail: String) -> String {
        var d = Substring(detail)
        while d.last == "." { d = d.dropLast() }
        return "not valid JSON: \(d)"
    }
    if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return trimmed(detail) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError,
        let detail = underlying.userInfo[NSDebugDescriptionErrorKey] as? String
    {
        return trimmed(detail)
    }
    return "not valid JSON"
}
