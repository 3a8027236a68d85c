/// The header of one deploy-history export.
public struct Manifest: Sendable, Hashable, Codable {
    public static let formatName = "deploy-history"
    public static let supportedVersion = 1

    public var format: String
    public var version: Int
    public var exportedAt: Int64
    public var source: String?
    public var periodFrom: Int64?
    public var periodTo: Int64?

    public init(
        format: String = Manifest.formatName,
        version: Int = Manifest.supportedVersion,
        exportedAt: Int64,
        source: String? = nil,
        periodFrom: Int64? = nil,
        periodTo: Int64? = nil
    ) {
        self.format = format
        self.version = version
        self.exportedAt = exportedAt
        self.source = source
        self.periodFrom = periodFrom
        self.periodTo = periodTo
    }
}
