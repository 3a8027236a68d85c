import Foundation
import ServeTestSupport
import Testing

/// `vigil serve` as a process: the printed port, real requests, the request log, SIGTERM.
struct ServeCommandTests {
    @Test func servesOnAFreePortLogsRequestsAndStopsOnSIGTERM() throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        let process = Process()
        process.executableURL = CommandLineTests.binary
        process.arguments = ["serve", "--registry", registry.root.path, "--port", "0"]
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line names the bound port.
        var line: [UInt8] = []
        while line.last != UInt8(ascii: "\n") {
            let byte = out.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line += byte
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = "listening on http://127.0.0.1:"
        #expect(text.hasPrefix(prefix), "\(text)")
        let port = try #require(Int(text.dropFirst(prefix.count)))

        let manifest = try RawHTTPClient.requestBlocking(port: port, target: "/v1/bundles/stable")
        #expect(manifest.status == 200)
        let etag = try #require(manifest[header: "ETag"])
        let cached = try RawHTTPClient.requestBlocking(
            port: port,
            target: "/v1/bundles/stable",
            headers: [("If-None-Match", etag)]
        )
        #expect(cached.status == 304)
        let missing = try RawHTTPClient.requestBlocking(port: port, target: "/v1/bundles/2026.01.01.1/bundle.tar.gz")
        #expect(missing.status == 404)

        process.terminate()  // SIGTERM: a graceful stop
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains("GET /v1/bundles/stable 200"), "\(log)")
        #expect(log.contains("GET /v1/bundles/stable 304"))
        #expect(log.contains("GET /v1/bundles/2026.01.01.1/bundle.tar.gz 404"))
    }

    @Test func aMissingRegistryIsAUsageError() throws {
        let r = try CommandLineTests.run(["serve", "--registry", "/nonexistent/registry", "--port", "0"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("not a directory"))
    }
}
