/// What a request path asks for, decided from the raw path alone.
///
/// This is the only place request text turns into names that later become file paths, and it
/// lets through only fixed words (`candidate`, `stable`, `bundle.tar.gz`) and versions of the
/// form `2026.11.26.1` (digits and three dots). Nothing is percent-decoded: `%2F`, `..`, empty
/// segments and trailing slashes simply match no route.
enum RegistryRoute: Equatable {
    case health
    case channel(RegistryChannel)
    /// `/v1/bundles/<name>` where `<name>` is no channel.
    case unknownChannel
    case bundle(version: String)
    /// `/v1/bundles/<something>/bundle.tar.gz` where `<something>` is no version.
    case malformedVersion
    case none

    /// Parses the path of a request target; a query (`?...`) is ignored.
    init(path rawPath: String) {
        let path = rawPath.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        // A path starts with "/", so the first segment is empty.
        guard segments.count >= 2, segments[0].isEmpty else {
            self = .none
            return
        }
        let rest = segments.dropFirst()
        switch rest.count {
        case 1 where rest[rest.startIndex] == "healthz":
            self = .health
        case 3 where rest[rest.startIndex] == "v1" && rest[rest.startIndex + 1] == "bundles":
            let name = rest[rest.startIndex + 2]
            self = RegistryChannel(rawValue: String(name)).map { .channel($0) } ?? .unknownChannel
        case 4
        where rest[rest.startIndex] == "v1" && rest[rest.startIndex + 1] == "bundles"
            && rest[rest.startIndex + 3] == "bundle.tar.gz":
            let version = rest[rest.startIndex + 2]
            self = BundleVersion.isValid(version) ? .bundle(version: String(version)) : .malformedVersion
        default:
            self = .none
        }
    }
}

/// The channels a registry keeps a pointer file for.
enum RegistryChannel: String, CaseIterable, Sendable {
    case candidate
    case stable
}

/// Bundle versions as the registry names them.
enum BundleVersion {
    /// Whether `text` matches `^[0-9]{4}\.[0-9]{2}\.[0-9]{2}\.[0-9]{1,6}$`.
    ///
    /// Only ASCII digits count, so no Unicode digit or full stop can slip into a file path.
    static func isValid(_ text: some StringProtocol) -> Bool {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        let lengths = [4...4, 2...2, 2...2, 1...6]
        for (part, allowed) in zip(parts, lengths) {
            guard allowed.contains(part.count), part.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return false }
        }
        return true
    }
}

/// SHA-256 digests as the registry writes them.
enum SHA256Hex {
    /// Whether `text` is 64 hexadecimal digits, safe to put in a header.
    static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64
            && text.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f"))
                    || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
            }
    }
}
