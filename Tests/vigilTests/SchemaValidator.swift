import Foundation
import VigilCore

/// The part of JSON Schema (2020-12) that docs/schemas uses: type, properties, required,
/// additionalProperties, items, enum, minimum and format date-time. Enough to hold every
/// documented `--json` output to its shape; not a general validator.
enum SchemaValidator {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("docs/schemas")

    /// The problems of `json` (a command's output) against `docs/schemas/<name>.schema.json`.
    static func problems(_ json: String, against name: String) throws -> [String] {
        let schema = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(contentsOf: schemas.appendingPathComponent("\(name).schema.json"))
        )
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))
        return check(value, schema, path: "$")
    }

    static func check(_ value: JSONValue, _ schema: JSONValue, path: String) -> [String] {
        guard case .object(let s) = schema else { return [] }
        if let type = s["type"] {
            let allowed: [String]
            switch type {
            case .string(let t): allowed = [t]
            case .array(let ts): allowed = ts.compactMap { if case .string(let t) = $0 { t } else { nil } }
            default: allowed = []
            }
            if !allowed.contains(where: { matches(value, $0) }) {
                return ["\(path): expected \(allowed.joined(separator: " or ")), found \(value)"]
            }
        }
        var problems: [String] = []
        if case .array(let options)? = s["enum"], !options.contains(value) {
            problems.append("\(path): \(value) is not one of the allowed values")
        }
        if let minimum = s["minimum"].flatMap(number), let n = number(value), n < minimum {
            problems.append("\(path): \(n) < \(minimum)")
        }
        if case .string("date-time")? = s["format"] {
            if case .string(let text) = value, ISO8601DateFormatter().date(from: text) != nil {
            } else {
                problems.append("\(path): \(value) is not an RFC 3339 time")
            }
        }
        if case .object(let object) = value {
            guard case .object(let properties)? = s["properties"] ?? .object([:]) else { return problems }
            if case .array(let required)? = s["required"] {
                for case .string(let key) in required where object[key] == nil {
                    problems.append("\(path): '\(key)' is missing")
                }
            }
            for (key, inner) in object.sorted(by: { $0.key < $1.key }) {
                if let sub = properties[key] {
                    problems += check(inner, sub, path: "\(path).\(key)")
                } else if case .object? = s["additionalProperties"] {
                    problems += check(inner, s["additionalProperties"]!, path: "\(path).\(key)")
                } else if case .bool(false)? = s["additionalProperties"] {
                    problems.append("\(path): '\(key)' is not in the schema")
                }
            }
        }
        if case .array(let array) = value, let items = s["items"] {
            for (i, inner) in array.enumerated() { problems += check(inner, items, path: "\(path)[\(i)]") }
        }
        return problems
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        default: nil
        }
    }

    static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
            ("integer", .int), ("number", .int), ("number", .double):
            true
        default: false
        }
    }
}
