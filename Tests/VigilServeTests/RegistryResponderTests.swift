import Foundation
import ServeTestSupport
import Testing

@testable import VigilServe

struct RegistryResponderTests {
    typealias Fixture = FixtureRegistry

    static func withRegistry(_ body: (FixtureRegistry, RegistryResponder) throws -> Void) throws {
        let registry = try FixtureRegistry.make()
        defer { registry.delete() }
        try body(registry, RegistryResponder(registry: registry.root))
    }

    /// The body as a client receives it: the bytes, or the streamed file's.
    static func received(_ response: RegistryResponse) -> [UInt8] {
        response.file.map { [UInt8](FileManager.default.contents(atPath: $0) ?? Data()) } ?? response.body
    }

    static func json(_ response: RegistryResponse) throws -> [String: String] {
        try JSONDecoder().decode([String: String].self, from: Data(response.body))
    }

    @Test func servesTheStableManifestWithTheBundleDigestAsETag() throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(method: "GET", path: "/v1/bundles/stable")
            #expect(r.status == 200)
            #expect(r.body == Array(Fixture.manifest(Fixture.stableVersion).utf8))
            #expect(r[header: "Content-Type"] == "application/json")
            #expect(r[header: "ETag"] == "\"\(Fixture.stableSHA256)\"")
            #expect(r[header: "Cache-Control"] == "no-cache")
            #expect(r[header: "Content-Length"] == String(r.body.count))
            let candidate = responder.respond(method: "GET", path: "/v1/bundles/candidate")
            #expect(candidate.status == 200)
            #expect(candidate[header: "etag"] == "\"\(Fixture.candidateSHA256)\"")
        }
    }

    @Test(arguments: [
        "\"\(FixtureRegistry.stableSHA256)\"",
        "W/\"\(FixtureRegistry.stableSHA256)\"",
        "\"0000\", \"\(FixtureRegistry.stableSHA256)\"",
        "\"0000\",W/\"\(FixtureRegistry.stableSHA256)\"  ",
        "*",
    ])
    func matchingIfNoneMatchIsNotModified(_ value: String) throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(method: "GET", path: "/v1/bundles/stable", headers: [("If-None-Match", value)])
            #expect(r.status == 304)
            #expect(r.body.isEmpty)
            #expect(r[header: "ETag"] == "\"\(Fixture.stableSHA256)\"")
            #expect(r[header: "Content-Type"] == nil)
        }
    }

    @Test(arguments: ["\"\(FixtureRegistry.candidateSHA256)\"", "\"\"", "\"unterminated", ""])
    func otherIfNoneMatchGetsTheBody(_ value: String) throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(method: "GET", path: "/v1/bundles/stable", headers: [("if-none-match", value)])
            #expect(r.status == 200)
            #expect(!r.body.isEmpty)
        }
    }

    @Test func ifNoneMatchIsReadFromEveryField() throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(
                method: "GET",
                path: "/v1/bundles/stable",
                headers: [("If-None-Match", "\"0000\""), ("If-None-Match", "\"\(Fixture.stableSHA256)\"")]
            )
            #expect(r.status == 304)
        }
    }

    @Test func servesAnIndexedBundle() throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(method: "GET", path: "/v1/bundles/\(Fixture.candidateVersion)/bundle.tar.gz")
            #expect(r.status == 200)
            #expect(Self.received(r) == Fixture.bundleBytes(Fixture.candidateVersion))
            // Issue 13, item 4: the bundle is streamed from its file, never read whole per request.
            #expect(r.body.isEmpty && r.file != nil)
            #expect(r[header: "Content-Type"] == "application/gzip")
            #expect(r[header: "ETag"] == "\"\(Fixture.candidateSHA256)\"")
            let again = responder.respond(
                method: "GET",
                path: "/v1/bundles/\(Fixture.candidateVersion)/bundle.tar.gz",
                headers: [("If-None-Match", "\"\(Fixture.candidateSHA256)\"")]
            )
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
        }
    }

    @Test func headKeepsTheHeadersAndDropsTheBody() throws {
        try Self.withRegistry { (_, responder) throws in
            let path = "/v1/bundles/\(Fixture.stableVersion)/bundle.tar.gz"
            let r = responder.respond(method: "HEAD", path: path)
            #expect(r.status == 200)
            #expect(r.body.isEmpty && r.file == nil)
            #expect(r[header: "Content-Length"] == String(Fixture.bundleBytes(Fixture.stableVersion).count))
        }
    }

    @Test func aQueryIsIgnored() throws {
        try Self.withRegistry { (_, responder) throws in
            #expect(responder.respond(method: "GET", path: "/v1/bundles/stable?x=1").status == 200)
        }
    }

    @Test func healthz() throws {
        try Self.withRegistry { (registry, responder) throws in
            let r = responder.respond(method: "GET", path: "/healthz")
            #expect(r.status == 200)
            #expect(try Self.json(r) == ["status": "ok"])
            registry.delete()
            let gone = responder.respond(method: "GET", path: "/healthz")
            #expect(gone.status == 503)
            #expect(try Self.json(gone)["status"] == "unavailable")
        }
    }

    // MARK: 404 and 405

    @Test func channelWithoutAFileIs404() throws {
        try Self.withRegistry { (registry, responder) throws in
            try registry.remove("channels/stable.json")
            let r = responder.respond(method: "GET", path: "/v1/bundles/stable")
            #expect(r.status == 404)
            #expect(r[header: "Content-Type"] == "application/json")
            #expect(String(decoding: r.body, as: UTF8.self) == #"{"error":"no bundle on channel stable"}"#)
        }
    }

    @Test(arguments: ["/v1/bundles/beta", "/v1/bundles/Stable", "/v1/bundles/2026.11.26.1", "/v1/bundles/%73table"])
    func unknownChannelIs404(_ path: String) throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(method: "GET", path: path)
            let error = try Self.json(r)["error"]
            #expect(r.status == 404)
            #expect(error?.hasPrefix("unknown channel") == true)
        }
    }

    @Test func versionNotInTheIndexIs404EvenWhenItsDirectoryExists() throws {
        try Self.withRegistry { (registry, responder) throws in
            // An interrupted publish: files written, index not yet updated.
            try registry.write("bundles/2026.11.27.1/bundle.tar.gz", bytes: [1, 2, 3])
            let r = responder.respond(method: "GET", path: "/v1/bundles/2026.11.27.1/bundle.tar.gz")
            #expect(r.status == 404)
            #expect(try Self.json(r) == ["error": "no bundle 2026.11.27.1"])
        }
    }

    @Test func noIndexYetIs404() throws {
        try Self.withRegistry { (registry, responder) throws in
            try registry.remove("index.json")
            let r = responder.respond(method: "GET", path: "/v1/bundles/\(Fixture.stableVersion)/bundle.tar.gz")
            #expect(r.status == 404)
        }
    }

    @Test(arguments: [
        "/v1/bundles/..%2F..%2Fetc/bundle.tar.gz",
        "/v1/bundles/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/bundles/2026.11.26.1/../index.json",
        "/v1/bundles/2026.11.26.1/..%2Findex.json",
        "/v1/bundles/2026.11.26.1/manifest.json",
        "/v1/bundles/../index.json",
        "/v1/bundles/..",
        "/v1/bundles/../../etc/passwd",
        "/v1/bundles/2026.11.26.1%2F..%2F..%2Findex.json/bundle.tar.gz",
        "/v1/bundles/2026.11.26.1/bundle.tar.gz/",
        "/v1/bundles/2026.11.26.1//bundle.tar.gz",
        "/v1/bundles//2026.11.26.1/bundle.tar.gz",
        "/v1/bundles/2026.11.26.01x/bundle.tar.gz",
        "/v1/bundles/2026.11.26.1234567/bundle.tar.gz",
        "/v1/bundles/2026.11.26/bundle.tar.gz",
        "/v1/bundles/2026.11.26.1./bundle.tar.gz",
        "/v1/bundles/\u{0662}026.11.26.1/bundle.tar.gz",
        "/v1/bundles/2026%2E11%2E26%2E1/bundle.tar.gz",
        "/v1/bundles/stable/",
        "/index.json",
        "/channels/stable.json",
        "/bundles/2026.11.26.1/bundle.tar.gz",
        "//v1/bundles/stable",
        "/v1//bundles/stable",
        "/V1/bundles/stable",
        "/healthz/",
        "v1/bundles/stable",
        "",
        "/",
    ])
    func traversalAndOtherPathsAre404(_ path: String) throws {
        try Self.withRegistry { (_, responder) throws in
            let r = responder.respond(method: "GET", path: path)
            #expect(r.status == 404)
            let error = try Self.json(r)["error"]
            #expect(r[header: "ETag"] == nil)
            #expect(error != nil)
        }
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
    func writesAreNotAllowed(_ method: String) throws {
        try Self.withRegistry { (_, responder) throws in
            for path in ["/v1/bundles/stable", "/v1/bundles/\(Fixture.stableVersion)/bundle.tar.gz", "/healthz"] {
                let r = responder.respond(method: method, path: path)
                #expect(r.status == 405)
                #expect(r[header: "Allow"] == "GET, HEAD")
            }
            #expect(responder.respond(method: method, path: "/elsewhere").status == 404)
        }
    }

    // MARK: 503: a registry that is there but broken

    @Test(arguments: [
        "not json",
        "{}",
        #"{"version": 12, "sha256": "x"}"#,
        #"{"version": "../../etc", "sha256": "\#(FixtureRegistry.stableSHA256)"}"#,
        #"{"version": "2026.11.25.1", "sha256": "\r\nX-Injected: 1"}"#,
        #"{"channel": "candidate", "version": "2026.11.25.1", "sha256": "\#(FixtureRegistry.stableSHA256)"}"#,
    ])
    func corruptChannelFileIs503(_ text: String) throws {
        try Self.withRegistry { (registry, responder) throws in
            try registry.write("channels/stable.json", text)
            let r = responder.respond(method: "GET", path: "/v1/bundles/stable")
            #expect(r.status == 503)
            #expect(r[header: "Content-Type"] == "application/json")
            let message = try #require(try Self.json(r)["error"])
            #expect(message.contains("channels/stable.json"))
            #expect(!message.contains(registry.root.path))
            #expect(r.detail != nil)
        }
    }

    @Test func channelFileThatIsADirectoryIs503() throws {
        try Self.withRegistry { (registry, responder) throws in
            try registry.remove("channels/stable.json")
            try FileManager.default.createDirectory(
                at: registry.root.appendingPathComponent("channels/stable.json"),
                withIntermediateDirectories: true
            )
            #expect(responder.respond(method: "GET", path: "/v1/bundles/stable").status == 503)
        }
    }

    @Test(arguments: [
        "[]",
        #"{"format": "vigil-registry", "format_version": 2, "bundles": []}"#,
        #"{"format": "other", "format_version": 1, "bundles": []}"#,
        #"{"format": "vigil-registry", "format_version": 1, "bundles": [{"version": "2026.11.25.1", "sha256": "zz"}]}"#,
    ])
    func corruptIndexIs503(_ text: String) throws {
        try Self.withRegistry { (registry, responder) throws in
            try registry.write("index.json", text)
            let r = responder.respond(method: "GET", path: "/v1/bundles/\(Fixture.stableVersion)/bundle.tar.gz")
            #expect(r.status == 503)
            #expect(try Self.json(r)["error"]?.contains("index.json") == true)
        }
    }

    @Test func listedButMissingFilesAre503() throws {
        try Self.withRegistry { (registry, responder) throws in
            try registry.remove("bundles/\(Fixture.stableVersion)/bundle.tar.gz")
            let r = responder.respond(method: "GET", path: "/v1/bundles/\(Fixture.stableVersion)/bundle.tar.gz")
            #expect(r.status == 503)
            #expect(try Self.json(r)["error"]?.contains("bundles/\(Fixture.stableVersion)/bundle.tar.gz") == true)
            try registry.remove("bundles/\(Fixture.stableVersion)/manifest.json")
            let channel = responder.respond(method: "GET", path: "/v1/bundles/stable")
            #expect(channel.status == 503)
            #expect(try Self.json(channel)["error"]?.contains("bundles/\(Fixture.stableVersion)/manifest.json") == true)
        }
    }

    /// Issue 13, item 6: a link out of the registry is never followed; /healthz says when the
    /// index the bundle routes read is unusable.
    @Test func linksOutOfTheRegistryAreRefusedAndHealthzChecksTheIndex() throws {
        try Self.withRegistry { (registry, responder) throws in
            let bundle = registry.root.appendingPathComponent("bundles/\(Fixture.stableVersion)/bundle.tar.gz")
            try FileManager.default.removeItem(at: bundle)
            try FileManager.default.createSymbolicLink(atPath: bundle.path, withDestinationPath: "/etc/passwd")
            let r = responder.respond(method: "GET", path: "/v1/bundles/\(Fixture.stableVersion)/bundle.tar.gz")
            #expect(r.status == 503)
            #expect(try Self.json(r)["error"]?.contains("a link that leaves the registry") == true)
            #expect(!String(decoding: Self.received(r), as: UTF8.self).contains("root:"))
            #expect(responder.respond(method: "GET", path: "/healthz").status == 200)
            try registry.write("index.json", "{not json")
            let health = responder.respond(method: "GET", path: "/healthz")
            #expect(health.status == 503)
            #expect(try Self.json(health)["error"]?.contains("index.json") == true)
        }
    }

    /// Issue 13, item 5: a bundle copied under a newer version's folder is not served.
    @Test func aBundleCopiedUnderAnotherVersionIs503() throws {
        try Self.withRegistry { (registry, responder) throws in
            let copied = "bundles/\(Fixture.candidateVersion)"
            try registry.write("\(copied)/manifest.json", Fixture.manifest(Fixture.stableVersion))
            for path in ["/v1/bundles/candidate", "/v1/bundles/\(Fixture.candidateVersion)/bundle.tar.gz"] {
                let r = responder.respond(method: "GET", path: path)
                #expect(r.status == 503, "\(path)")
                #expect(
                    try Self.json(r)["error"]?.contains(
                        "the manifest of \(Fixture.stableVersion), not \(Fixture.candidateVersion)"
                    )
                        == true
                )
            }
            #expect(responder.respond(method: "GET", path: "/v1/bundles/stable").status == 200)
        }
    }

    // MARK: Pieces

    @Test func versionPattern() {
        for valid in ["2026.11.26.1", "2026.01.01.123456", "0000.00.00.0"] { #expect(BundleVersion.isValid(valid)) }
        for invalid in [
            "2026.11.26", "2026.11.26.1234567", "26.11.26.1", "2026.1.26.1", "2026.11.26.", "..", "", "a026.11.26.1",
        ] {
            #expect(!BundleVersion.isValid(invalid))
        }
    }

    @Test func entityTagLists() {
        #expect(EntityTag.tags(in: #"W/"a", "b",c , "d,e""#) == ["a", "b", "c", "d,e"])
        #expect(EntityTag.tags(in: " * ") == ["*"])
        #expect(EntityTag.tags(in: "") == [])
    }
}
