public import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
public import Logging
import NIOCore
public import ServiceLifecycle

/// The pull endpoint over HTTP/1.1: Hummingbird in front of a ``RegistryResponder``.
///
/// A `Service`: run it in a `ServiceGroup` and shut the group down gracefully to stop it, or
/// call ``runUntilSignalled()``.
///
/// Every request goes to the responder as it was received (method, raw path, headers); the
/// server adds only `Date`. One line per request is logged, at `info`
/// (`GET /v1/bundles/stable 200`), or at `warning` with the reason for a 503.
public struct RegistryServer: Service {
    public struct Configuration: Sendable {
        /// The registry's root directory.
        public var registry: URL
        /// The address to bind, `127.0.0.1` unless told otherwise.
        public var host: String
        /// The port to bind; 0 asks the system for a free one.
        public var port: Int
        /// A connection that sends no complete request for this long — silent, stuck in its
        /// headers, or idle between keep-alive requests — is closed.
        public var idleTimeout: Duration
        /// A connection whose client takes none of a response for this long (a reader stalled
        /// half-way through a bundle) is closed.
        public var writeTimeout: Duration
        /// Connections served at once; past it the server stops accepting (the kernel's backlog
        /// holds the rest) instead of spinning on accept when descriptors run out. It is
        /// lowered to fit the process's descriptor limit (see ``connectionCap(requested:descriptorLimit:)``).
        public var maxConnections: Int

        public init(
            registry: URL,
            host: String = "127.0.0.1",
            port: Int = 8080,
            idleTimeout: Duration = .seconds(30),
            writeTimeout: Duration = .seconds(60),
            maxConnections: Int = 200
        ) {
            self.registry = registry
            self.host = host
            self.port = port
            self.idleTimeout = idleTimeout
            self.writeTimeout = writeTimeout
            self.maxConnections = maxConnections
        }
    }

    public let configuration: Configuration
    private let logger: Logger
    private let onListening: @Sendable (_ port: Int) -> Void

    /// - Parameters:
    ///   - configuration: What to serve and where.
    ///   - logger: Receives the request lines (`info`) and the server's own warnings.
    ///   - onListening: Called once the socket is bound, with the port (the chosen one for port 0).
    public init(
        configuration: Configuration,
        logger: Logger,
        onListening: @escaping @Sendable (_ port: Int) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.logger = logger
        self.onListening = onListening
    }

    /// Serves until the service group it runs in shuts down gracefully, or the task is cancelled.
    ///
    /// - Throws: When the address cannot be bound.
    public func run() async throws {
        try await application().run()
    }

    /// Serves until SIGINT or SIGTERM, then stops gracefully: requests in flight are answered.
    ///
    /// - Throws: When the address cannot be bound.
    public func runUntilSignalled() async throws {
        try await application().runService()  // SIGTERM and SIGINT shut down gracefully
    }

    private func application() -> some ApplicationProtocol {
        var frameworkLogger = logger
        frameworkLogger.logLevel = max(logger.logLevel, .warning)
        let onListening = self.onListening
        let writeTimeout = Self.timeAmount(configuration.writeTimeout)
        let limit = Self.descriptorLimit()
        let connections = Self.connectionCap(requested: configuration.maxConnections, descriptorLimit: limit)
        if connections < configuration.maxConnections {
            let message =
                "serving at most \(connections) connections, not \(configuration.maxConnections): the process may open "
                + "only \(limit ?? 0) descriptors (raise it with ulimit -n)"
            logger.warning("\(message)")
        }
        return Application(
            responder: Responder(registry: RegistryResponder(registry: configuration.registry), logger: logger),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [StalledWriteHandler(timeout: writeTimeout)],
                    idleTimeout: Self.timeAmount(configuration.idleTimeout)
                )
            ),
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(connections, logger: logger)
            ),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: frameworkLogger
        )
    }
}

extension RegistryServer {
    /// Descriptors kept for everything but client connections: the listening socket, the
    /// bundle files being streamed (one per connection, counted apart), logs, the event loops.
    static let reservedDescriptors = 32

    /// The connections the server takes at once: the requested number, but never more than the
    /// descriptor limit allows (each connection may hold a socket and a bundle file open), so
    /// accept never fails for want of a descriptor while a normal request waits.
    public static func connectionCap(requested: Int, descriptorLimit: Int?) -> Int {
        guard let descriptorLimit else { return requested }
        return max(1, min(requested, (descriptorLimit - reservedDescriptors) / 2))
    }

    /// The soft limit on open descriptors (`ulimit -n`), or `nil` when unlimited or unknown.
    static func descriptorLimit() -> Int? {
        var limit = rlimit()
        #if os(Linux)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }  // RLIM_INFINITY
        return Int(clamping: limit.rlim_cur)
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        let c = duration.components
        return .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
    }
}

private struct Responder: HTTPResponder {
    typealias Context = BasicRequestContext

    let registry: RegistryResponder
    let logger: Logger

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let answer = registry.respond(
            method: request.method.rawValue,
            path: path,
            headers: request.headers.map { (name: $0.name.rawName, value: $0.value) }
        )
        // A 503 means the registry needs attention: it is logged even when requests are not.
        logger.log(
            level: answer.status >= 500 ? .warning : .info,
            "\(request.method.rawValue) \(path) \(answer.status)\(answer.detail.map { " (\($0))" } ?? "")"
        )
        var fields = HTTPFields()
        for field in answer.headers {
            if let name = HTTPField.Name(field.name) { fields.append(HTTPField(name: name, value: field.value)) }
        }
        let body: ResponseBody
        if let file = answer.file {
            body = Self.stream(file)
        } else {
            body = answer.body.isEmpty ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
        }
        return Response(status: .init(code: answer.status), headers: fields, body: body)
    }

    /// The file in 64 KiB chunks, each written when the client has taken the previous one, so
    /// a reader that stalls holds one chunk, not the bundle.
    static func stream(_ path: String) -> ResponseBody {
        ResponseBody { writer in
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw CancellationError()
            }
            defer { try? handle.close() }
            while true {
                let chunk = try handle.read(upToCount: 65_536) ?? Data()
                if chunk.isEmpty { break }
                try await writer.write(ByteBuffer(bytes: chunk))
            }
            try await writer.finish(nil)
        }
    }
}
