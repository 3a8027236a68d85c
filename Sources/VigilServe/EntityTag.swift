/// The `If-None-Match` side of conditional requests (RFC 9110, sections 8.8.3 and 13.1.2).
enum EntityTag {
    /// The quoted strong entity tag that identifies a bundle: its hex SHA-256.
    static func strong(_ opaque: String) -> String { "\"\(opaque)\"" }

    /// Whether any `If-None-Match` field value matches the current tag, by weak comparison.
    ///
    /// Each value is `*` or a comma-separated list of entity tags, each `"opaque"` or `W/"opaque"`.
    /// Weak comparison ignores the `W/` prefix. A bare token without quotes is taken as the opaque
    /// part, so a sloppy client still gets its 304.
    ///
    /// - Parameters:
    ///   - values: Every `If-None-Match` field of the request, in order.
    ///   - opaque: The current tag without quotes.
    /// - Returns: `true` when the client's copy is current and the answer is 304.
    static func noneMatchHits(_ values: [String], current opaque: String) -> Bool {
        for value in values {
            for tag in tags(in: value) {
                if tag == "*" || tag == opaque { return true }
            }
        }
        return false
    }

    /// The opaque parts of the entity tags in one field value, with `*` kept as is.
    static func tags(in value: String) -> [String] {
        var result: [String] = []
        var rest = Substring(value)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" || $0 == "," }
            if rest.isEmpty { return result }
            if rest.hasPrefix("W/") { rest = rest.dropFirst(2) }
            if rest.first == "\"" {
                rest = rest.dropFirst()
                guard let close = rest.firstIndex(of: "\"") else { return result }  // unterminated: ignore
                result.append(String(rest[..<close]))
                rest = rest[rest.index(after: close)...]
            } else {
                let end = rest.firstIndex(of: ",") ?? rest.endIndex
                let token = rest[..<end].trimmingSpaces()
                if !token.isEmpty { result.append(String(token)) }
                rest = rest[end...]
            }
        }
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var s = self
        while let c = s.first, c == " " || c == "\t" { s = s.dropFirst() }
        while let c = s.last, c == " " || c == "\t" { s = s.dropLast() }
        return s
    }
}
