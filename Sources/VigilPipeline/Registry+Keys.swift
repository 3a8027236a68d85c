public import Crypto
internal import Foundation
internal import VigilGuard

/// The public keys a registry accepts bundles from (`keys.json`), and every change to them.
///
/// The first publish records its signer ("trusted on first publish"). From then on a bundle
/// signed by any other key is refused, so a typo in a key path (which used to make a fresh key
/// and publish a stable bundle no guard could verify) fails the run instead; keys change only
/// through ``Registry/rotateKey(to:retireOthers:reason:by:at:)``.
public struct TrustedKeys: Sendable, Hashable, Codable {
    public struct Key: Sendable, Hashable, Codable {
        /// The Ed25519 public key, base64 of its 32 raw bytes (the content of a `.pub` file).
        public var publicKey: String
        public var fingerprint: String
        public var addedAt: String
        public var addedBy: String
        public var reason: String
        public var retiredAt: String?

        enum CodingKeys: String, CodingKey {
            case fingerprint, reason
            case publicKey = "public_key"
            case addedAt = "added_at"
            case addedBy = "added_by"
            case retiredAt = "retired_at"
        }
    }

    public var format = "vigil-registry-keys"
    public var formatVersion = 1
    public var keys: [Key] = []

    enum CodingKeys: String, CodingKey {
        case format, keys
        case formatVersion = "format_version"
    }

    /// The keys bundles may be published with now.
    public var active: [Key] { keys.filter { $0.retiredAt == nil } }

    /// A short, stable name for a key: the first 16 hex digits of SHA-256 of its raw bytes.
    public static func fingerprint(_ key: Curve25519.Signing.PublicKey) -> String {
        String(BundleFormat.sha256Hex(key.rawRepresentation).prefix(16))
    }
}

extension Registry {
    var keysPath: String { "\(root)/keys.json" }

    /// The registry's trusted keys, or `nil` before its first publish.
    public func trustedKeys() throws -> TrustedKeys? {
        guard let data = FileManager.default.contents(atPath: keysPath) else { return nil }
        do {
            return try BundleFormat.decoder().decode(TrustedKeys.self, from: data)
        } catch {
            throw StageError("The registry's key list '\(keysPath)' cannot be read: \(error).")
        }
    }

    /// Refuses a signer the registry does not trust (any key is fine before the first publish).
    public func checkSigner(_ key: Curve25519.Signing.PublicKey) throws {
        guard let trusted = try trustedKeys() else { return }
        let encoded = key.rawRepresentation.base64EncodedString()
        guard !trusted.active.contains(where: { $0.publicKey == encoded }) else { return }
        let names = trusted.active.map(\.fingerprint).joined(separator: ", ")
        let retired = trusted.keys.contains { $0.publicKey == encoded && $0.retiredAt != nil }
        throw StageError(
            "The signing key \(TrustedKeys.fingerprint(key)) is \(retired ? "retired in" : "not trusted by") the "
                + "registry '\(root)', which takes bundles signed by \(names.isEmpty ? "no key" : names): a wrong "
                + "--signing-key path? To change keys on purpose: vigil bundle rotate-key."
        )
    }

    /// Records `key` as the first trusted key when the registry has none (called under the lock).
    func trustOnFirstPublish(_ key: Curve25519.Signing.PublicKey, at: String) throws {
        guard try trustedKeys() == nil else { return }
        var keys = TrustedKeys()
        keys.keys = [
            .init(
                publicKey: key.rawRepresentation.base64EncodedString(),
                fingerprint: TrustedKeys.fingerprint(key),
                addedAt: at,
                addedBy: Self.who(),
                reason: "the key of the registry's first publish"
            )
        ]
        try writeKeys(keys)
    }

    /// Trusts `key` from now on, with a recorded reason; `retireOthers` stops accepting the
    /// keys trusted before (guards holding only an old public key must get the new one first).
    @discardableResult
    public func rotateKey(
        to key: Curve25519.Signing.PublicKey,
        retireOthers: Bool,
        reason: String,
        by: String = Registry.who(),
        at: String
    ) throws -> TrustedKeys {
        try locked {
            var keys = try trustedKeys() ?? TrustedKeys()
            let encoded = key.rawRepresentation.base64EncodedString()
            if let i = keys.keys.firstIndex(where: { $0.publicKey == encoded }) {
                keys.keys[i].retiredAt = nil
            } else {
                keys.keys.append(
                    .init(
                        publicKey: encoded,
                        fingerprint: TrustedKeys.fingerprint(key),
                        addedAt: at,
                        addedBy: by,
                        reason: reason
                    )
                )
            }
            if retireOthers {
                for i in keys.keys.indices where keys.keys[i].publicKey != encoded && keys.keys[i].retiredAt == nil {
                    keys.keys[i].retiredAt = at
                }
            }
            try writeKeys(keys)
            return keys
        }
    }

    func writeKeys(_ keys: TrustedKeys) throws {
        try AtomicFile.write(Array(try BundleFormat.encoder().encode(keys)) + [0x0A], to: keysPath)
    }

    /// `user@host`, for the record of who changed something.
    public static func who() -> String {
        let env = ProcessInfo.processInfo.environment
        return "\(env["USER"] ?? env["LOGNAME"] ?? "unknown")@\(ProcessInfo.processInfo.hostName)"
    }
}
