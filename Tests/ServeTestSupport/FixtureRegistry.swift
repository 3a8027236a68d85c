package import Foundation

/// A small registry in a temporary directory, laid out as `docs/Registry.md` describes.
///
/// Two bundles: `2026.11.25.1` (on `stable`) and `2026.11.26.1` (on `candidate`). The bundle
/// bytes are a stand-in, not a real archive, and the digests are fixed placeholders: the server
/// serves what the registry files say and hashes nothing.
package struct FixtureRegistry: Sendable {
    package static let stableVersion = "2026.11.25.1"
    package static let candidateVersion = "2026.11.26.1"
    package static let stableSHA256 = String(repeating: "5a", count: 32)
    package static let candidateSHA256 = String(repeating: "c0", count: 32)

    package let root: URL

    /// Creates the registry in a fresh temporary directory.
    package static func make() throws -> FixtureRegistry {
        let root = Scratch.root.appendingPathComponent("registry-\(UUID().uuidString)")
        let registry = FixtureRegistry(root: root)
        for version in [stableVersion, candidateVersion] {
            try registry.write("bundles/\(version)/bundle.tar.gz", bytes: bundleBytes(version))
            try registry.write("bundles/\(version)/manifest.json", manifest(version))
        }
        try registry.write(
            "index.json",
            """
            {"format": "vigil-registry", "format_version": 1, "bundles": [
              {"version": "\(stableVersion)", "sha256": "\(stableSHA256)", "size": \(bundleBytes(stableVersion).count),
               "created_at": "2026-11-25T03:00:00Z", "parent": null, "ever_stable": true},
              {"version": "\(candidateVersion)", "sha256": "\(candidateSHA256)", "size": \(bundleBytes(candidateVersion).count),
               "created_at": "2026-11-26T03:00:00Z", "parent": "\(stableVersion)", "ever_stable": false}
            ]}
            """
        )
        try registry.writeChannel("stable", version: stableVersion, sha256: stableSHA256)
        try registry.writeChannel("candidate", version: candidateVersion, sha256: candidateSHA256)
        return registry
    }

    /// The stand-in bytes of a bundle: the gzip magic number, then the version.
    package static func bundleBytes(_ version: String) -> [UInt8] {
        [0x1F, 0x8B, 0x08, 0x00] + Array("bundle \(version)".utf8)
    }

    /// The manifest copy served for a version.
    package static func manifest(_ version: String) -> String {
        #"{"format":"vigil-bundle","format_version":1,"version":"\#(version)"}"#
    }

    package func writeChannel(_ channel: String, version: String, sha256: String) throws {
        try write(
            "channels/\(channel).json",
            """
            {"channel": "\(channel)", "version": "\(version)", "sha256": "\(sha256)",
             "updated_at": "2026-11-26T03:00:00Z", "history": [{"version": "\(version)",
             "at": "2026-11-26T03:00:00Z", "reason": "published"}]}
            """
        )
    }

    package func write(_ relativePath: String, _ text: String) throws {
        try write(relativePath, bytes: Array(text.utf8))
    }

    package func write(_ relativePath: String, bytes: [UInt8]) throws {
        let url = root.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }

    package func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: root.appendingPathComponent(relativePath))
    }

    package func delete() {
        try? FileManager.default.removeItem(at: root)
    }
}
