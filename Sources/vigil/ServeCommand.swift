import ArgumentParser
internal import Foundation
import Logging
import VigilServe

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a registry directory read-only over HTTP, for release platforms to pull bundles.",
        discussion: """
            GET /v1/bundles/{candidate|stable}             the channel's bundle manifest (ETag, 304)
            GET /v1/bundles/{version}/bundle.tar.gz        a bundle listed in index.json (ETag, 304)
            GET /healthz                                   {"status":"ok"}

            Prints `listening on http://HOST:PORT` once bound (with --port 0, the port the
            system chose), then one line per request on standard error (with --quiet, only
            the 503s: a registry file that cannot be read). Stops on SIGINT or SIGTERM.
            """
    )

    @Option(help: ArgumentHelp("The registry directory to serve.", valueName: "dir"))
    var registry: String

    @Option(help: ArgumentHelp("The address to listen on.", valueName: "host"))
    var host = "127.0.0.1"

    @Option(help: ArgumentHelp("The port to listen on; 0 picks a free one.", valueName: "n"))
    var port = 8080

    @Flag(help: "Log only failed requests (503).")
    var quiet = false

    @Option(
        help: ArgumentHelp(
            "Close a connection that sends no complete request for this long (silent, stuck in its headers, idle).",
            valueName: "seconds"
        )
    )
    var idleTimeout = 30

    @Option(
        help: ArgumentHelp(
            "Close a connection whose client takes none of a response for this long (a stalled download).",
            valueName: "seconds"
        )
    )
    var writeTimeout = 60

    @Option(
        help: ArgumentHelp(
            "Connections served at once (lowered to fit ulimit -n); past it new ones wait in the backlog.",
            valueName: "n"
        )
    )
    var maxConnections = 200

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535.") }
        guard idleTimeout >= 1 else { throw ValidationError("--idle-timeout must be at least 1 second.") }
        guard writeTimeout >= 1 else { throw ValidationError("--write-timeout must be at least 1 second.") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1.") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: registry, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--registry \(registry) is not a directory.")
        }
    }

    func run() throws {
        var logger = Logger(label: "vigil.serve", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = quiet ? .warning : .info
        let server = RegistryServer(
            configuration: .init(
                registry: URL(fileURLWithPath: registry, isDirectory: true).standardizedFileURL,
                host: host,
                port: port,
                idleTimeout: .seconds(idleTimeout),
                writeTimeout: .seconds(writeTimeout),
                maxConnections: maxConnections
            ),
            logger: logger
        ) { [host] port in
            let shown = host.contains(":") ? "[\(host)]" : host
            // Unbuffered, so that a script reading the pipe sees the port at once.
            FileHandle.standardOutput.write(Data("listening on http://\(shown):\(port)\n".utf8))
        }
        // The other subcommands are synchronous; rather than make the root command async for
        // this one, serve on a task and block this (main, non-pool) thread until it ends.
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        Task {
            do {
                try await server.runUntilSignalled()
            } catch {
                outcome.fail(error)
            }
            done.signal()
        }
        done.wait()
        if let error = outcome.error {
            Output.warn("vigil serve: \(error)")
            throw ExitCode.failure
        }
    }
}

/// The error a server task ended with, handed back to the blocked thread.
private final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: (any Error)?

    var error: (any Error)? { lock.withLock { stored } }

    func fail(_ error: any Error) { lock.withLock { stored = error } }
}
