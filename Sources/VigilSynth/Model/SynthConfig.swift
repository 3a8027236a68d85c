/// What to generate: how many apps and days, how dense, and from which seed.
///
/// The same configuration always produces the same corpus, byte for byte.
public struct SynthConfig: Sendable, Hashable {
    /// 2026-11-01T00:00:00Z, the default first day.
    public static let defaultStartDay: Int64 = 1_793_491_200

    /// The seed of every random decision.
    public var seed: UInt64
    /// The number of applications; names come from a fixed list, then numbered (`cart-service-2`).
    public var apps: Int
    /// The number of daily exports (archives).
    public var days: Int
    /// Multiplies the 2-4 deploys per app per day.
    public var scale: Int
    /// Unix seconds of the first day's 00:00Z; must be a multiple of 86,400.
    public var startDay: Int64
    /// Days of app-level back history carried in the first archive.
    public var historyDays: Int
    /// The step of the back history (before `startDay`) in the first archive, as long-retention
    /// storage downsamples it: each metric is written at `max(its step, backHistoryStep)`.
    /// `nil` writes back history at the metric's own step (about five times larger).
    public var backHistoryStep: Int64?
    /// The `source` written into every manifest; `nil` means `synth/seed-<seed>`.
    public var source: String?

    public init(
        seed: UInt64 = 42,
        apps: Int = 3,
        days: Int = 14,
        scale: Int = 1,
        startDay: Int64 = SynthConfig.defaultStartDay,
        historyDays: Int = 14,
        backHistoryStep: Int64? = 300,
        source: String? = nil
    ) {
        precondition(apps >= 1, "apps must be at least 1")
        precondition(days >= 1, "days must be at least 1")
        precondition(scale >= 1, "scale must be at least 1")
        precondition(historyDays >= 0, "historyDays must not be negative")
        precondition(startDay % 86_400 == 0, "startDay must be midnight UTC")
        precondition(backHistoryStep.map { $0 > 0 && 86_400 % $0 == 0 } ?? true, "backHistoryStep must divide a day")
        self.seed = seed
        self.apps = apps
        self.days = days
        self.scale = scale
        self.startDay = startDay
        self.historyDays = historyDays
        self.backHistoryStep = backHistoryStep
        self.source = source
    }

    /// The manifest `source`.
    var sourceName: String { source ?? "synth/seed-\(seed)" }
}
