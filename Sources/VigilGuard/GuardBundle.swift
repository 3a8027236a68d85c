public import Crypto
internal import Foundation
internal import VigilArchive
public import VigilCore

/// Why a bundle was refused.
public struct BundleError: Error, Sendable, CustomStringConvertible, Hashable {
    public enum Reason: String, Sendable, Hashable {
        case unreadable, truncated
        case futureFormat = "future_format"
        case notABundle = "not_a_bundle"
        case unsigned
        case badSignature = "bad_signature"
        case tampered, invalid
        /// Signed as one version, asked for as another (a bundle copied under a newer name).
        case wrongVersion = "wrong_version"
    }

    public var reason: Reason
    public var message: String
    public var description: String { "\(message) [\(reason.rawValue)]" }

    public init(_ reason: Reason, _ message: String) {
        self.reason = reason
        self.message = message
    }
}

/// A loaded, verified bundle: what the online guard scores with.
public struct GuardBundle: Sendable {
    public var manifest: BundleManifest
    public var model: GuardModel
    public var baselines: BaselineSet
    /// The verified bytes of every file, by path.
    public var files: [String: [UInt8]]

    /// Loads and verifies the bundle at `path` against `publicKey`.
    ///
    /// Refuses, saying which: an unreadable or truncated archive, a format newer than this
    /// reader, a missing signature, a signature that does not verify, a file whose SHA-256
    /// differs from the manifest's, a file the manifest does not list or lists but lacks, a
    /// file the archive holds twice, and — with `version` — a bundle whose signed manifest
    /// names another version than the one it was asked for under.
    public static func load(
        path: String,
        publicKey: Curve25519.Signing.PublicKey,
        version: String? = nil
    ) throws(BundleError) -> GuardBundle {
        guard let raw = FileManager.default.contents(atPath: path) else {
            throw BundleError(.unreadable, "Cannot read the bundle '\(path)'.")
        }
        do {
            try GzipEnvelope.verify(Array(raw), name: path)
        } catch {
            throw BundleError(.truncated, "The bundle '\(path)' is truncated or corrupt: \(error.message)")
        }
        var files: [String: [UInt8]] = [:]
        do {
            try ArchiveReader.forEachEntry(inArchiveAt: path, limits: ArchiveLimits(maxTotalBytes: 4 << 30)) { entry in
                switch entry {
                case .file(let p, let contents):
                    // Readers differ on which copy of a twice-stored file they take: refuse both.
                    guard files[p] == nil else {
                        throw BundleError(.tampered, "'\(path)' holds \(p) twice: refused.")
                    }
                    files[p] = contents
                case .rejected(let problem):
                    throw BundleError(.invalid, "'\(path)' holds an entry a bundle never has: \(problem.message)")
                }
            }
        } catch let error as BundleError {
            throw error
        } catch let error as ArchiveError {
            if error.code == .unreadable {
                throw BundleError(.unreadable, "Cannot read the bundle '\(path)': \(error.message)")
            }
            throw BundleError(.truncated, "The bundle '\(path)' is truncated or corrupt: \(error.message)")
        } catch {
            throw BundleError(.unreadable, "Cannot read the bundle '\(path)': \(error)")
        }
        let bundle = try verify(files: files, name: path, publicKey: publicKey)
        if let version, bundle.manifest.version != version {
            throw BundleError(
                .wrongVersion,
                "'\(path)' is signed as version \(bundle.manifest.version), not \(version): a bundle copied under another name."
            )
        }
        return bundle
    }

    /// Verifies unpacked bundle files.
    public static func verify(
        files: [String: [UInt8]],
        name: String,
        publicKey: Curve25519.Signing.PublicKey
    ) throws(BundleError) -> GuardBundle {
        let decoder = BundleFormat.decoder()
        guard let headerBytes = files[BundleFormat.headerPath] else {
            throw BundleError(.notABundle, "'\(name)' has no \(BundleFormat.headerPath): not a vigil bundle.")
        }
        guard let header = try? decoder.decode(BundleHeader.self, from: Data(headerBytes)),
            header.format == BundleFormat.name
        else {
            throw BundleError(.notABundle, "'\(name)' has a header that is not a vigil bundle header.")
        }
        guard header.formatVersion <= BundleFormat.version else {
            throw BundleError(
                .futureFormat,
                "'\(name)' has bundle format version \(header.formatVersion); this guard reads up to \(BundleFormat.version). Upgrade the guard."
            )
        }
        guard let manifestBytes = files[BundleFormat.manifestPath] else {
            throw BundleError(.truncated, "'\(name)' has no \(BundleFormat.manifestPath).")
        }
        guard let signatureText = files[BundleFormat.signaturePath] else {
            throw BundleError(.unsigned, "'\(name)' is not signed (no \(BundleFormat.signaturePath)).")
        }
        guard
            let signature = Data(
                base64Encoded: String(decoding: signatureText, as: UTF8.self).trimmingCharacters(
                    in: .whitespacesAndNewlines
                )
            ),
            publicKey.isValidSignature(signature, for: Data(manifestBytes))
        else {
            throw BundleError(
                .badSignature,
                "The signature of '\(name)' does not verify with the given public key: tampered manifest or another key."
            )
        }
        let manifest: BundleManifest
        do {
            manifest = try decoder.decode(BundleManifest.self, from: Data(manifestBytes))
        } catch {
            throw BundleError(.invalid, "The manifest of '\(name)' does not decode: \(error)")
        }
        guard manifest.formatVersion <= BundleFormat.version else {
            throw BundleError(.futureFormat, "The manifest of '\(name)' has format version \(manifest.formatVersion).")
        }
        let signedPaths: Set = [BundleFormat.headerPath, BundleFormat.manifestPath, BundleFormat.signaturePath]
        for (p, expected) in manifest.files.sorted(by: { $0.key < $1.key }) {
            guard let bytes = files[p] else {
                throw BundleError(.truncated, "'\(name)' lacks \(p), which its manifest lists.")
            }
            let actual = BundleFormat.sha256Hex(bytes)
            guard actual == expected else {
                throw BundleError(
                    .tampered,
                    "\(p) in '\(name)' has SHA-256 \(actual), the manifest says \(expected): tampered."
                )
            }
        }
        for p in files.keys.sorted() where manifest.files[p] == nil && !signedPaths.contains(p) {
            throw BundleError(.tampered, "'\(name)' holds \(p), which its manifest does not list.")
        }
        let headerHash = BundleFormat.sha256Hex(headerBytes)
        guard manifest.files[BundleFormat.headerPath] == nil || manifest.files[BundleFormat.headerPath] == headerHash
        else {
            throw BundleError(.tampered, "The header of '\(name)' differs from the one its manifest lists.")
        }
        let model: GuardModel
        let baselines: [BaselineEntry]
        do {
            model = try decoder.decode(BundleModel.self, from: Data(files[BundleFormat.modelPath] ?? [])).model
            baselines = try decoder.decode([BaselineEntry].self, from: Data(files[BundleFormat.baselinesPath] ?? []))
        } catch {
            throw BundleError(.invalid, "The model files of '\(name)' do not decode: \(error)")
        }
        return GuardBundle(manifest: manifest, model: model, baselines: BaselineEntry.set(of: baselines), files: files)
    }

    /// A judge over this bundle's model and baselines: the same code the offline evaluation runs.
    public func judge() throws(BundleError) -> DeployJudge {
        do {
            return try DeployJudge(model: model, baselines: baselines)
        } catch {
            throw BundleError(.invalid, "The bundle's model names a detector this guard cannot build: \(error.message)")
        }
    }
}

/// Ed25519 keys on disk: base64 of the 32 raw bytes, one line.
public enum SigningKeys {
    public static func privateKey(path: String) throws(BundleError) -> Curve25519.Signing.PrivateKey {
        guard let raw = read(path), let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
            throw BundleError(.unreadable, "Cannot read an Ed25519 private key (base64, 32 bytes) from '\(path)'.")
        }
        return key
    }

    public static func publicKey(path: String) throws(BundleError) -> Curve25519.Signing.PublicKey {
        guard let raw = read(path), let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else {
            throw BundleError(.unreadable, "Cannot read an Ed25519 public key (base64, 32 bytes) from '\(path)'.")
        }
        return key
    }

    static func read(_ path: String) -> Data? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return Data(
            base64Encoded: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        )
    }
}
