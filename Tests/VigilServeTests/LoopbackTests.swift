import Foundation
import Logging
import ServeTestSupport
import ServiceLifecycle
import Testing
import VigilServe

/// The Hummingbird server on a real 127.0.0.1 socket, spoken to by a raw HTTP/1.1 client.
struct LoopbackTests {
    /// Starts a server on a free port, runs `body` against it, then shuts it down gracefully.
    static func withServer(
        _ registry: FixtureRegistry,
        idleTimeout: Duration = .seconds(30),
        writeTimeout: Duration = .seconds(60),
        maxConnections: Int = 200,
        _ body: (_ port: Int) async throws -> Void
    ) async throws {
        var logger = Logger(label: "vigil.serve.test")
        logger.logLevel = .warning
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = RegistryServer(
            configuration: .init(
                registry: registry.root,
                port: 0,
                idleTimeout: idleTimeout,
                writeTimeout: writeTimeout,
                maxConnections: maxConnections
            ),
            logger: logger
        ) {
            continuation.yield($0)
        }
        let group = ServiceGroup(services: [server], logger: logger)
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        #expect(port > 0)
        do {
            try await body(port)
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
        await group.triggerGracefulShutdown()
        try await task.value
    }

    @Test func etagAnd304OverASocket() async throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        try await Self.withServer(registry) { port in
            let first = try await RawHTTPClient.request(port: port, target: "/v1/bundles/stable")
            #expect(first.status == 200)
            #expect(first.text == FixtureRegistry.manifest(FixtureRegistry.stableVersion))
            #expect(first[header: "Content-Type"] == "application/json")
            #expect(first[header: "Cache-Control"] == "no-cache")
            #expect(first[header: "Date"] != nil)
            let etag = try #require(first[header: "ETag"])
            #expect(etag == "\"\(FixtureRegistry.stableSHA256)\"")

            let second = try await RawHTTPClient.request(
                port: port,
                target: "/v1/bundles/stable",
                headers: [("If-None-Match", etag)]
            )
            #expect(second.status == 304)
            #expect(second.body.isEmpty)
            #expect(second[header: "ETag"] == etag)
            #expect(second[header: "Content-Length"] == nil)

            let bundlePath = "/v1/bundles/\(FixtureRegistry.stableVersion)/bundle.tar.gz"
            let bundle = try await RawHTTPClient.request(port: port, target: bundlePath)
            #expect(bundle.status == 200)
            #expect(bundle.body == FixtureRegistry.bundleBytes(FixtureRegistry.stableVersion))
            #expect(bundle[header: "Content-Type"] == "application/gzip")
            let cached = try await RawHTTPClient.request(
                port: port,
                target: bundlePath,
                headers: [("If-None-Match", "W/\"x\", \(bundle[header: "ETag"] ?? "")")]
            )
            #expect(cached.status == 304)

            let head = try await RawHTTPClient.request(port: port, method: "HEAD", target: bundlePath)
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(
                head[header: "Content-Length"]
                    == String(FixtureRegistry.bundleBytes(FixtureRegistry.stableVersion).count)
            )

            let health = try await RawHTTPClient.request(port: port, target: "/healthz")
            #expect(health.status == 200)
            #expect(health.text == #"{"status":"ok"}"#)
        }
    }

    /// Issue 13, item 4: silent connections and half-sent request heads are closed after the
    /// idle timeout instead of being held for ever; the server still answers afterwards.
    @Test func silentAndHalfOpenConnectionsAreClosed() async throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        try await Self.withServer(registry, idleTimeout: .seconds(1)) { port in
            let silent = try await Self.blocking {
                try RawHTTPClient.secondsUntilClosed(port: port, sending: [], limit: 8)
            }
            let partial = try await Self.blocking {
                try RawHTTPClient.secondsUntilClosed(
                    port: port,
                    sending: Array("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ".utf8),
                    limit: 8
                )
            }
            #expect(try #require(silent) < 6)
            #expect(try #require(partial) < 6)
            let health = try await RawHTTPClient.request(port: port, target: "/healthz")
            #expect(health.status == 200)
        }
    }

    /// Issue 13, item 4: a reader that stops reading part-way through a large bundle is
    /// disconnected after the write timeout instead of holding its connection for ever.
    @Test func aStalledReaderIsClosedAfterTheWriteTimeout() async throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        // Far more than the loopback socket buffers hold, so the server is left waiting.
        let size = 48 << 20
        try registry.write(
            "bundles/\(FixtureRegistry.stableVersion)/bundle.tar.gz",
            bytes: [UInt8](repeating: 0x5A, count: size)
        )
        try await Self.withServer(registry, writeTimeout: .seconds(1)) { port in
            let target = "/v1/bundles/\(FixtureRegistry.stableVersion)/bundle.tar.gz"
            let stalled = try await Self.blocking {
                try RawHTTPClient.stalledDownload(port: port, target: target, readFirst: 1024, stallSeconds: 4)
            }
            #expect(stalled.closed, "the server kept a stalled reader's connection open")
            #expect(stalled.received < size)
            // A reader that keeps reading gets the whole bundle.
            let whole = try await RawHTTPClient.request(port: port, target: target)
            #expect(whole.status == 200)
            #expect(whole.body.count == size)
        }
    }

    /// Issue 13, item 4: with every connection slot held by silent clients, a normal request
    /// waits in the backlog and is answered once the idle timeout frees a slot; the server
    /// neither refuses it nor spins.
    @Test func aRequestPastTheConnectionLimitWaitsAndIsAnswered() async throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        try await Self.withServer(registry, idleTimeout: .seconds(1), maxConnections: 3) { port in
            let held = try (0..<3).map { _ in try RawHTTPClient.openSilent(port: port) }
            defer { for fd in held { close(fd) } }
            let started = ContinuousClock.now
            let health = try await RawHTTPClient.request(port: port, target: "/healthz")
            #expect(health.status == 200)
            // It was not taken before a held connection timed out: the limit holds.
            #expect(ContinuousClock.now - started > .milliseconds(500))
        }
    }

    @Test func theConnectionCapFitsTheDescriptorLimit() {
        #expect(RegistryServer.connectionCap(requested: 200, descriptorLimit: nil) == 200)
        #expect(RegistryServer.connectionCap(requested: 200, descriptorLimit: 1_048_576) == 200)
        // 256 descriptors: 32 kept back, then a socket and a bundle file per connection.
        #expect(RegistryServer.connectionCap(requested: 200, descriptorLimit: 256) == 112)
        #expect(RegistryServer.connectionCap(requested: 200, descriptorLimit: 20) == 1)
    }

    static func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    @Test func hostilePathsOverASocketAre404() async throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        try await Self.withServer(registry) { port in
            for target in [
                "/v1/bundles/..%2F..%2Fetc/bundle.tar.gz",
                "/v1/bundles/2026.11.26.1/../index.json",
                "/v1/bundles/../../../../etc/passwd",
                "/v1/bundles/2026.11.27.1/bundle.tar.gz",
                "/v1/bundles/beta",
            ] {
                let r = try await RawHTTPClient.request(port: port, target: target)
                #expect(r.status == 404, "\(target)")
                #expect(r[header: "Content-Type"] == "application/json")
            }
            let post = try await RawHTTPClient.request(port: port, method: "DELETE", target: "/v1/bundles/stable")
            #expect(post.status == 405)
        }
    }

    @Test func aChannelMovesAndTheETagFollows() async throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        try await Self.withServer(registry) { port in
            let before = try await RawHTTPClient.request(port: port, target: "/v1/bundles/stable")
            try registry.writeChannel(
                "stable",
                version: FixtureRegistry.candidateVersion,
                sha256: FixtureRegistry.candidateSHA256
            )
            let after = try await RawHTTPClient.request(
                port: port,
                target: "/v1/bundles/stable",
                headers: [("If-None-Match", before[header: "ETag"] ?? "")]
            )
            #expect(after.status == 200)
            #expect(after[header: "ETag"] == "\"\(FixtureRegistry.candidateSHA256)\"")
            #expect(after.text == FixtureRegistry.manifest(FixtureRegistry.candidateVersion))
        }
    }
}
