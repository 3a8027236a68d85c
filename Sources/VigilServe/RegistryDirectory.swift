internal import Foundation

/// Read-only access to a registry directory laid out as `docs/Registry.md` describes.
///
/// Every path is built here from the root and fixed names; the only variable parts are a
/// ``RegistryChannel`` and a version that passed ``BundleVersion/isValid(_:)``.
struct RegistryDirectory: Sendable {
    /// Where a channel points, from `channels/<channel>.json`.
    struct Pointer: Equatable {
        var version: String
        var sha256: String
    }

    /// A registry file that exists but cannot be used: the answer is 503, not 404.
    struct Failure: Error, Equatable {
        /// For the client: names the registry file, never the server's directory.
        var message: String
    }

    let root: URL

    /// The channel's pointer, or `nil` when the channel has no file yet.
    func pointer(for channel: RegistryChannel) throws(Failure) -> Pointer? {
        let name = "channels/\(channel.rawValue).json"
        guard let bytes = try read(name) else { return nil }
        let file: ChannelFile
        do {
            file = try JSONDecoder().decode(ChannelFile.self, from: bytes)
        } catch {
            throw Failure(message: "\(name) is not a channel file: \(Self.describe(error))")
        }
        if let named = file.channel, named != channel.rawValue {
            throw Failure(message: "\(name) names channel '\(named)'")
        }
        guard BundleVersion.isValid(file.version) else {
            throw Failure(message: "\(name) names an invalid version")
        }
        guard SHA256Hex.isValid(file.sha256) else {
            throw Failure(message: "\(name) has an invalid sha256")
        }
        return Pointer(version: file.version, sha256: file.sha256.lowercased())
    }

    /// Whether `index.json` is usable: absent (nothing published yet) or a readable index this
    /// server understands.
    func checkIndex() throws(Failure) {
        _ = try index()
    }

    /// The SHA-256 that `index.json` lists for `version`, or `nil` when it lists no such bundle
    /// (or there is no index yet).
    func indexedSHA256(of version: String) throws(Failure) -> String? {
        guard let index = try index() else { return nil }
        guard let entry = index.bundles.first(where: { $0.version == version }) else { return nil }
        guard SHA256Hex.isValid(entry.sha256) else {
            throw Failure(message: "index.json has an invalid sha256 for \(version)")
        }
        return entry.sha256.lowercased()
    }

    private func index() throws(Failure) -> IndexFile? {
        guard let bytes = try read("index.json") else { return nil }
        let index: IndexFile
        do {
            index = try JSONDecoder().decode(IndexFile.self, from: bytes)
        } catch {
            throw Failure(message: "index.json is not a registry index: \(Self.describe(error))")
        }
        guard index.format == "vigil-registry", index.formatVersion == 1 else {
            throw Failure(
                message:
                    "index.json is \(index.format) version \(index.formatVersion); this server reads vigil-registry 1"
            )
        }
        return index
    }

    /// The bytes of `bundles/<version>/<file>`; a missing file is a broken registry, since an
    /// index or channel entry only ever names a bundle that was written first.
    ///
    /// The bundle's `manifest.json` (a copy of the signed one) must name `version`: a bundle
    /// copied under a newer version's folder is refused here, before any guard downloads it.
    func bundleFile(_ file: BundleFile, version: String) throws(Failure) -> [UInt8] {
        precondition(BundleVersion.isValid(version), "unvalidated version")
        let manifestName = "bundles/\(version)/\(BundleFile.manifest.rawValue)"
        guard let manifest = try read(manifestName) else {
            throw Failure(message: "\(manifestName) is missing although the registry lists \(version)")
        }
        let named: ManifestFile
        do {
            named = try JSONDecoder().decode(ManifestFile.self, from: manifest)
        } catch {
            throw Failure(message: "\(manifestName) is not a bundle manifest: \(Self.describe(error))")
        }
        guard named.version == version else {
            throw Failure(message: "\(manifestName) is the manifest of \(named.version), not \(version)")
        }
        if file == .manifest { return [UInt8](manifest) }
        let name = "bundles/\(version)/\(file.rawValue)"
        guard let bytes = try read(name) else {
            throw Failure(message: "\(name) is missing although the registry lists \(version)")
        }
        return [UInt8](bytes)
    }

    /// The path and size of `bundles/<version>/bundle.tar.gz`, after the same checks as
    /// ``bundleFile(_:version:)``, for streaming: the server never reads a bundle whole.
    func archiveFile(version: String) throws(Failure) -> (path: String, size: Int) {
        _ = try bundleFile(.manifest, version: version)
        let name = "bundles/\(version)/\(BundleFile.archive.rawValue)"
        let url = try contained(name)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
            (attributes[.type] as? FileAttributeType) == .typeRegular,
            let size = (attributes[.size] as? NSNumber)?.intValue
        else {
            throw Failure(message: "\(name) is missing although the registry lists \(version)")
        }
        guard FileManager.default.isReadableFile(atPath: url.path) else {
            throw Failure(message: "\(name) cannot be read")
        }
        return (url.path, size)
    }

    enum BundleFile: String {
        case archive = "bundle.tar.gz"
        case manifest = "manifest.json"
    }

    /// Whether the root is a directory this process can list.
    var isReadable: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) && isDirectory.boolValue
            && FileManager.default.isReadableFile(atPath: root.path)
    }

    /// The file at `relativePath` under the root, `nil` when it does not exist.
    /// The URL of `relativePath` under the root; never one a link takes out of the registry
    /// (bundle.tar.gz -> /etc/passwd).
    private func contained(_ relativePath: String) throws(Failure) -> URL {
        let url = root.appendingPathComponent(relativePath, isDirectory: false)
        let base = root.resolvingSymlinksInPath().path
        let resolved = url.resolvingSymlinksInPath().path
        guard resolved.hasPrefix(base.hasSuffix("/") ? base : base + "/") else {
            throw Failure(message: "\(relativePath) is a link that leaves the registry")
        }
        return url
    }

    private func read(_ relativePath: String) throws(Failure) -> Data? {
        let url = try contained(relativePath)
        do {
            return try Data(contentsOf: url)
        } catch let error as CocoaError where error.code == .fileReadNoSuchFile || error.code == .fileNoSuchFile {
            return nil
        } catch {
            throw Failure(message: "\(relativePath) cannot be read: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted: return "not valid JSON"
        case DecodingError.keyNotFound(let key, _): return "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case let error as CocoaError:
            if let posix = error.userInfo[NSUnderlyingErrorKey] as? POSIXError {
                return String(cString: strerror(posix.code.rawValue))
            }
            return "error \(error.code.rawValue)"
        default: return "\(error)"
        }
    }
}

/// The fields of `channels/<channel>.json` that serving needs.
private struct ChannelFile: Decodable {
    var channel: String?
    var version: String
    var sha256: String
}

/// The field of a bundle's `manifest.json` that serving checks.
private struct ManifestFile: Decodable {
    var version: String
}

/// The fields of `index.json` that serving needs.
private struct IndexFile: Decodable {
    struct Entry: Decodable {
        var version: String
        var sha256: String
    }

    var format: String
    var formatVersion: Int
    var bundles: [Entry]

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
        case bundles
    }
}
