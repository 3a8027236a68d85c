public import Crypto
internal import Foundation
internal import VigilGuard

extension NightlyRun {
    /// What a run may do about its signing key, decided before anything is created.
    public enum KeyPlan: Sendable, Equatable {
        /// The key exists and the registry trusts it (or trusts none yet).
        case use
        /// First run in the default place: create the key pair there.
        case create
    }

    /// Why a run cannot start; nothing was created or changed.
    public struct PreflightError: Error, CustomStringConvertible, Sendable {
        public enum Kind: Sendable {
            /// A path does not exist (inputs, the signing key).
            case missing
            /// The registry does not trust the signing key.
            case untrusted
        }
        public var kind: Kind
        public var message: String
        public var description: String { message }
    }

    /// Checks every path a run needs before the run creates anything (store, keys, folders):
    /// the inputs exist, the signing key exists (or this is the very first run and the key is
    /// the default one), and the registry trusts that key.
    ///
    /// - Parameter keyIsDefault: the key path was not given (flag or environment): a missing
    ///   key may then be created, once, while the registry trusts no key yet.
    /// - Throws: ``PreflightError`` naming the path and what to do.
    public static func preflight(_ options: Options, keyIsDefault: Bool) throws -> KeyPlan {
        if let inputs = options.inputs, !inputs.contains(where: { "*?[".contains($0) }) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: inputs, isDirectory: &isDirectory), isDirectory.boolValue
            else {
                throw PreflightError(
                    kind: .missing,
                    message: "The inputs folder '\(inputs)' does not exist; nothing was created or changed."
                )
            }
        }
        let registry = Registry(root: options.registry)
        let trusted = try registry.trustedKeys()
        guard FileManager.default.fileExists(atPath: options.signingKey) else {
            let names = trusted.map {
                " The registry trusts " + $0.active.map(\.fingerprint).joined(separator: ", ") + "."
            }
            if keyIsDefault && trusted == nil { return .create }
            throw PreflightError(
                kind: .missing,
                message: "No signing key at '\(options.signingKey)'.\(names ?? "") Pass the key the registry trusts "
                    + "(--signing-key), or create one with vigil bundle keygen (and vigil bundle rotate-key to "
                    + "trust it); nothing was created or changed."
            )
        }
        let key: Curve25519.Signing.PrivateKey
        do { key = try SigningKeys.privateKey(path: options.signingKey) } catch {
            throw PreflightError(kind: .missing, message: error.message)
        }
        do { try registry.checkSigner(key.publicKey) } catch let error as StageError {
            throw PreflightError(kind: .untrusted, message: error.description)
        }
        return .use
    }

    /// Creates an Ed25519 key pair: the private key at `path` (mode 0600), the public one
    /// beside it as `.pub`. Returns the public key's path.
    @discardableResult
    public static func createSigningKey(at path: String) throws -> String {
        let key = Curve25519.Signing.PrivateKey()
        try AtomicFile.write(Array((key.rawRepresentation.base64EncodedString() + "\n").utf8), to: path)
        chmod(path, 0o600)
        let pub = (path as NSString).deletingPathExtension + ".pub"
        try AtomicFile.write(Array((key.publicKey.rawRepresentation.base64EncodedString() + "\n").utf8), to: pub)
        return pub
    }
}
