public import Foundation

/// Maps one pull request to its response, reading the registry directory; no sockets involved.
///
/// Routes (everything else is 404; a route with another method than `GET` or `HEAD` is 405):
///
/// - `GET /v1/bundles/{candidate|stable}`: the manifest of the bundle the channel points to,
///   `application/json`, with `ETag: "<bundle sha256>"` and `Cache-Control: no-cache`.
/// - `GET /v1/bundles/{version}/bundle.tar.gz`: the bundle, `application/gzip`, with
///   `ETag: "<sha256 from index.json>"`; only versions listed in `index.json` are served.
/// - `GET /healthz`: `{"status":"ok"}` while the registry directory is readable, else 503.
///
/// Both bundle routes answer `304 Not Modified` (with the ETag, without a body) when an
/// `If-None-Match` field matches. A channel without a file, a version not in the index and an
/// unknown channel are 404; a registry file that exists but cannot be read or parsed is 503.
/// Error bodies are `{"error": "..."}`.
///
/// The request path is never decoded or joined to the registry root: ``RegistryRoute`` admits
/// only fixed names and versions of the form `2026.11.26.1`, and the file paths are built from
/// those alone.
public struct RegistryResponder: Sendable {
    private let registry: RegistryDirectory

    /// - Parameter registry: The registry's root directory.
    public init(registry: URL) {
        self.registry = RegistryDirectory(root: registry)
    }

    /// The response to one request.
    ///
    /// - Parameters:
    ///   - method: The request method, such as `GET`.
    ///   - path: The request target's path as received, still percent-encoded; a query is ignored.
    ///   - headers: The request's header fields; only `If-None-Match` is read.
    /// - Returns: The response; file errors become 503 responses, never throws.
    public func respond(method: String, path: String, headers: [(name: String, value: String)] = []) -> RegistryResponse
    {
        let route = RegistryRoute(path: path)
        if route == .none { return Self.error(404, "not found") }
        guard method == "GET" || method == "HEAD" else {
            var response = Self.error(405, "method \(method) not allowed; use GET")
            response.headers.append(.init("Allow", "GET, HEAD"))
            return response
        }
        let ifNoneMatch = headers.filter { $0.name.lowercased() == "if-none-match" }.map(\.value)
        var response = answer(route, ifNoneMatch: ifNoneMatch)
        if method == "HEAD" {
            response.body = []
            response.file = nil
        }
        return response
    }

    private func answer(_ route: RegistryRoute, ifNoneMatch: [String]) -> RegistryResponse {
        switch route {
        case .health:
            guard registry.isReadable else {
                var response = Self.json(503, ["status": "unavailable", "error": "registry directory is not readable"])
                response.detail = "\(registry.root.path) is not a readable directory"
                return response
            }
            // The index every bundle route reads: healthy only when it is usable (or not yet written).
            do {
                try registry.checkIndex()
            } catch {
                return Self.unavailable(error)
            }
            return Self.json(200, ["status": "ok"])
        case .channel(let channel):
            do {
                guard let pointer = try registry.pointer(for: channel) else {
                    return Self.error(404, "no bundle on channel \(channel.rawValue)")
                }
                if EntityTag.noneMatchHits(ifNoneMatch, current: pointer.sha256) {
                    return Self.notModified(etag: pointer.sha256)
                }
                let manifest = try registry.bundleFile(.manifest, version: pointer.version)
                return Self.content(manifest, type: "application/json", etag: pointer.sha256)
            } catch {
                return Self.unavailable(error)
            }
        case .unknownChannel:
            let names = RegistryChannel.allCases.map(\.rawValue).joined(separator: ", ")
            return Self.error(404, "unknown channel; channels are \(names)")
        case .bundle(let version):
            do {
                guard let sha256 = try registry.indexedSHA256(of: version) else {
                    return Self.error(404, "no bundle \(version)")
                }
                if EntityTag.noneMatchHits(ifNoneMatch, current: sha256) {
                    return Self.notModified(etag: sha256)
                }
                let archive = try registry.archiveFile(version: version)
                var response = Self.content([], type: "application/gzip", etag: sha256)
                response.file = archive.path
                response.headers = response.headers.map {
                    $0.name == "Content-Length" ? .init("Content-Length", String(archive.size)) : $0
                }
                return response
            } catch {
                return Self.unavailable(error)
            }
        case .malformedVersion:
            return Self.error(404, "no such bundle; versions look like 2026.11.26.1")
        case .none:
            return Self.error(404, "not found")
        }
    }

    // MARK: Building responses

    private static func content(_ body: [UInt8], type: String, etag: String) -> RegistryResponse {
        RegistryResponse(
            status: 200,
            headers: [
                .init("Content-Type", type), .init("Content-Length", String(body.count)),
                .init("ETag", EntityTag.strong(etag)), .init("Cache-Control", "no-cache"),
            ],
            body: body
        )
    }

    private static func notModified(etag: String) -> RegistryResponse {
        RegistryResponse(
            status: 304,
            headers: [.init("ETag", EntityTag.strong(etag)), .init("Cache-Control", "no-cache")]
        )
    }

    private static func unavailable(_ failure: RegistryDirectory.Failure) -> RegistryResponse {
        var response = error(503, "registry unavailable: \(failure.message)")
        response.detail = failure.message
        return response
    }

    private static func error(_ status: Int, _ message: String) -> RegistryResponse {
        json(status, ["error": message])
    }

    private static func json(_ status: Int, _ object: [String: String]) -> RegistryResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a dictionary of strings cannot fail.
        let body = (try? [UInt8](encoder.encode(object))) ?? []
        return RegistryResponse(
            status: status,
            headers: [.init("Content-Type", "application/json"), .init("Content-Length", String(body.count))],
            body: body
        )
    }
}
