/// A minimal JSON tree with ordered objects, rendered by hand so that output is byte-stable.
indirect enum JSONValue: Sendable, Hashable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case null
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.compact() == rhs.compact() }
    func hash(into hasher: inout Hasher) { hasher.combine(compact()) }

    static func int(_ value: Int) -> JSONValue { .int(Int64(value)) }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }

    /// One-line rendering, keys in their given order unless `sortedKeys`.
    func compact(sortedKeys: Bool = false) -> String {
        var out = ""
        write(to: &out, sortedKeys: sortedKeys)
        return out
    }

    /// A readable rendering: one top-level key per line, arrays of objects one element per line.
    func pretty() -> String {
        guard case .object(let members) = self else { return compact() + "\n" }
        var out = "{\n"
        for (i, (key, value)) in members.enumerated() {
            out += "  "
            JSONValue.writeString(key, to: &out)
            out += ": "
            if case .array(let items) = value, !items.isEmpty, items.allSatisfy({ $0.isObject }) {
                out += "[\n"
                for (j, item) in items.enumerated() {
                    out += "    "
                    item.write(to: &out, sortedKeys: false)
                    out += j == items.count - 1 ? "\n" : ",\n"
                }
                out += "  ]"
            } else {
                value.write(to: &out, sortedKeys: false)
            }
            out += i == members.count - 1 ? "\n" : ",\n"
        }
        out += "}\n"
        return out
    }

    private var isObject: Bool {
        if case .object = self { return true }
        return false
    }

    private func write(to out: inout String, sortedKeys: Bool) {
        switch self {
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .int(let v): out += String(v)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                item.write(to: &out, sortedKeys: sortedKeys)
            }
            out += "]"
        case .object(let members):
            let ordered =
                sortedKeys ? members.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) } : members
            out += "{"
            for (i, (key, value)) in ordered.enumerated() {
                if i > 0 { out += ", " }
                JSONValue.writeString(key, to: &out)
                out += ": "
                value.write(to: &out, sortedKeys: sortedKeys)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, to out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}
