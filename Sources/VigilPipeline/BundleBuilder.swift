public import Crypto
internal import Foundation
internal import VigilArchive
public import VigilCore
public import VigilGuard
public import VigilStore

/// The code version written into bundles.
public enum VigilVersion {
    public static let current = "0.4.0"
}

/// Builds a signed, reproducible bundle from a tuned model.
public enum BundleBuilder {
    /// What goes into a bundle besides the model: provenance.
    public struct Inputs: Sendable {
        public var model: ModelFile
        public var baselines: BaselineSet
        public var snapshot: StoreSnapshot
        public var pipelineBytes: [UInt8]

        public init(model: ModelFile, baselines: BaselineSet, snapshot: StoreSnapshot, pipelineBytes: [UInt8]) {
            self.model = model
            self.baselines = baselines
            self.snapshot = snapshot
            self.pipelineBytes = pipelineBytes
        }

        public var hashes: BundleManifest.Hashes {
            BundleManifest.Hashes(
                labels: BundleFormat.sha256Hex(Array(snapshot.labelLines.joined(separator: "\n").utf8)),
                data: BundleFormat.sha256Hex(Array(snapshot.archiveHashes.joined(separator: "\n").utf8)),
                pipeline: BundleFormat.sha256Hex(pipelineBytes)
            )
        }

        /// One digest of everything that determines the bundle's bytes but its version and
        /// parent — data, labels, pipeline, code version, the model, the creation time and the
        /// signing key — so a rerun of the same night reuses the version it got the first time,
        /// and anything else gets a new one.
        public func digest(signer: Curve25519.Signing.PublicKey) throws -> String {
            let h = hashes
            let model = BundleFormat.sha256Hex(try self.model.encoded())
            let parts = [
                h.labels, h.data, h.pipeline, VigilVersion.current, model, String(createdAt()),
                signer.rawRepresentation.base64EncodedString(),
            ]
            return BundleFormat.sha256Hex(Array(parts.joined(separator: "\n").utf8))
        }

        /// The bundle's creation time: SOURCE_DATE_EPOCH when set, else the latest export in the
        /// store, else the end of training, so reruns are identical; but never later than the
        /// wall clock (`now`), so one archive dated in the future cannot push every later
        /// bundle's version below its own.
        public func createdAt(environment: [String: String]? = nil, now: Int64? = nil) -> Int64 {
            let env = environment ?? ProcessInfo.processInfo.environment
            let wall = now ?? Int64(Date().timeIntervalSince1970)
            if let s = env["SOURCE_DATE_EPOCH"], let t = Int64(s) { return min(t, wall) }
            return min(snapshot.latestExport ?? model.historyUntil, wall)
        }
    }

    /// The bundle's bytes (a deterministic `.tar.gz`) and its manifest.
    public static func build(
        _ inputs: Inputs,
        version: String,
        parent: String?,
        key: Curve25519.Signing.PrivateKey
    ) throws -> (bytes: [UInt8], manifest: BundleManifest) {
        let encoder = BundleFormat.encoder()
        let header = Array(try encoder.encode(BundleHeader())) + [0x0A]
        let model = try inputs.model.encoded()
        let baselines = Array(try encoder.encode(BaselineEntry.entries(of: inputs.baselines))) + [0x0A]
        let created = inputs.createdAt()
        let v = inputs.model.validationFigures
        let manifest = BundleManifest(
            version: version,
            createdAt: RFC3339.format(created),
            parentVersion: parent,
            codeVersion: "vigil \(VigilVersion.current)",
            pipeline: inputs.model.pipeline,
            trainingWindow: .init(from: inputs.model.training.from, until: inputs.model.training.until),
            hashes: inputs.hashes,
            validation: .init(
                from: inputs.model.validation.from,
                model: v?.deploys,
                baseline: inputs.model.baselineFigures?.deploys,
                delayMinutesMedian: v?.delayMinutes.median
            ),
            files: [
                BundleFormat.headerPath: BundleFormat.sha256Hex(header),
                BundleFormat.modelPath: BundleFormat.sha256Hex(model),
                BundleFormat.baselinesPath: BundleFormat.sha256Hex(baselines),
            ],
            signingKey: key.publicKey.rawRepresentation.base64EncodedString()
        )
        let manifestBytes = Array(try encoder.encode(manifest)) + [0x0A]
        let signature = try key.signature(for: Data(manifestBytes))
        let files = [
            InMemoryFile(path: BundleFormat.headerPath, contents: header),
            InMemoryFile(path: BundleFormat.baselinesPath, contents: baselines),
            InMemoryFile(path: BundleFormat.manifestPath, contents: manifestBytes),
            InMemoryFile(
                path: BundleFormat.signaturePath,
                contents: Array((signature.base64EncodedString() + "\n").utf8)
            ),
            InMemoryFile(path: BundleFormat.modelPath, contents: model),
        ]
        return (try ArchiveWriter.archive(files, as: .tarGzip, modificationTime: created), manifest)
    }
}
