internal import Crypto
public import Foundation
public import VigilCore

/// The bundle format: a `.tar.gz` holding, in this order,
///
/// - `HEADER.json` — `{"format": "vigil-bundle", "format_version": 1}`, read before anything
///   else so a newer format is refused with a clear message;
/// - `baselines.json` — the seasonal baselines the single-metric mode needs;
/// - `manifest.json` — versions, provenance, validation figures, the SHA-256 of every other file;
/// - `manifest.sig` — the Ed25519 signature of `manifest.json`'s bytes, base64;
/// - `model.json` — the tuned model file (``GuardModel`` under `model`, and how it was found).
public enum BundleFormat {
    public static let name = "vigil-bundle"
    public static let version = 1
    public static let headerPath = "HEADER.json"
    public static let manifestPath = "manifest.json"
    public static let signaturePath = "manifest.sig"
    public static let modelPath = "model.json"
    public static let baselinesPath = "baselines.json"
    /// `2026.11.26.1`: the UTC date of the training window's end, then a counter.
    public static let versionPattern = #"^[0-9]{4}\.[0-9]{2}\.[0-9]{2}\.[0-9]{1,6}$"#

    public static func isValidVersion(_ v: String) -> Bool {
        v.range(of: versionPattern, options: .regularExpression) != nil
    }

    /// Orders versions by date, then counter.
    public static func versionPrecedes(_ a: String, _ b: String) -> Bool {
        let x = a.split(separator: ".").compactMap { Int($0) }
        let y = b.split(separator: ".").compactMap { Int($0) }
        return x.lexicographicallyPrecedes(y)
    }

    /// Sorted keys, NaN and infinities as strings: the same value always gives the same bytes.
    public static func encoder(pretty: Bool = true) -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting =
            pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        e.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        return e
    }

    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity",
            negativeInfinity: "-Infinity",
            nan: "NaN"
        )
        return d
    }

    public static func sha256Hex(_ bytes: some DataProtocol) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }
}

/// The first entry of a bundle.
public struct BundleHeader: Sendable, Hashable, Codable {
    public var format: String
    public var formatVersion: Int

    public init(format: String = BundleFormat.name, formatVersion: Int = BundleFormat.version) {
        self.format = format
        self.formatVersion = formatVersion
    }

    enum CodingKeys: String, CodingKey {
        case format
        case formatVersion = "format_version"
    }
}

/// What a bundle is, where it came from, and how it did.
public struct BundleManifest: Sendable, Hashable, Codable {
    public struct Window: Sendable, Hashable, Codable {
        public var from: String?
        public var until: String?
        public init(from: String?, until: String?) {
            self.from = from
            self.until = until
        }
    }

    public struct Hashes: Sendable, Hashable, Codable {
        /// SHA-256 of the canonical label snapshot (effective feedback and incidents).
        public var labels: String
        /// SHA-256 of the sorted SHA-256s of every ingested archive.
        public var data: String
        /// SHA-256 of the pipeline file's bytes.
        public var pipeline: String
        public init(labels: String, data: String, pipeline: String) {
            self.labels = labels
            self.data = data
            self.pipeline = pipeline
        }
    }

    /// Deploy-level figures on the validation days, the model's and the static baseline's.
    public struct Validation: Sendable, Hashable, Codable {
        public var from: String?
        public var model: DeployFigures?
        public var baseline: DeployFigures?
        public var delayMinutesMedian: Double?

        public init(from: String?, model: DeployFigures?, baseline: DeployFigures?, delayMinutesMedian: Double?) {
            self.from = from
            self.model = model
            self.baseline = baseline
            self.delayMinutesMedian = delayMinutesMedian
        }

        enum CodingKeys: String, CodingKey {
            case from, model, baseline
            case delayMinutesMedian = "delay_minutes_median"
        }
    }

    public var format: String
    public var formatVersion: Int
    public var version: String
    public var createdAt: String
    public var parentVersion: String?
    public var codeVersion: String
    public var pipeline: String
    public var trainingWindow: Window
    public var hashes: Hashes
    public var validation: Validation
    /// SHA-256 of every other file of the bundle, by path.
    public var files: [String: String]
    /// The Ed25519 public key that signed this manifest, base64 (informative: trust comes from
    /// the key the reader is given, not from this field).
    public var signingKey: String

    public init(
        version: String,
        createdAt: String,
        parentVersion: String?,
        codeVersion: String,
        pipeline: String,
        trainingWindow: Window,
        hashes: Hashes,
        validation: Validation,
        files: [String: String],
        signingKey: String
    ) {
        format = BundleFormat.name
        formatVersion = BundleFormat.version
        self.version = version
        self.createdAt = createdAt
        self.parentVersion = parentVersion
        self.codeVersion = codeVersion
        self.pipeline = pipeline
        self.trainingWindow = trainingWindow
        self.hashes = hashes
        self.validation = validation
        self.files = files
        self.signingKey = signingKey
    }

    enum CodingKeys: String, CodingKey {
        case format, version, pipeline, hashes, validation, files
        case formatVersion = "format_version"
        case createdAt = "created_at"
        case parentVersion = "parent_version"
        case codeVersion = "code_version"
        case trainingWindow = "training_window"
        case signingKey = "signing_key"
    }
}

/// One seasonal baseline in `baselines.json`.
public struct BaselineEntry: Sendable, Hashable, Codable {
    public var app: String
    public var metric: String
    public var method: SeasonalMethod
    public var baseline: SeasonalBaseline

    public init(app: String, metric: String, method: SeasonalMethod, baseline: SeasonalBaseline) {
        self.app = app
        self.metric = metric
        self.method = method
        self.baseline = baseline
    }

    /// The entries of a baseline set, in a stable order.
    public static func entries(of set: BaselineSet) -> [BaselineEntry] {
        set.baselines.map {
            BaselineEntry(app: $0.key.app, metric: $0.key.metric, method: $0.key.method, baseline: $0.value)
        }
        .sorted { ($0.app, $0.metric, $0.method.rawValue) < ($1.app, $1.metric, $1.method.rawValue) }
    }

    public static func set(of entries: [BaselineEntry]) -> BaselineSet {
        BaselineSet(
            Dictionary(
                entries.map { (BaselineSet.Key(app: $0.app, metric: $0.metric, method: $0.method), $0.baseline) },
                uniquingKeysWith: { a, _ in a }
            )
        )
    }
}

/// The part of `model.json` the guard needs.
public struct BundleModel: Sendable, Codable {
    public var model: GuardModel
}
