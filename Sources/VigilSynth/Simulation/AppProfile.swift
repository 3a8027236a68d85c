import VigilCore

/// One synthetic application: its hosts, metrics, exporter quirks and guard settings.
struct AppProfile: Sendable {
    var index: Int
    var name: String
    var hosts: [String]
    var metrics: [MetricProfile]
    /// Base of every series key of this app.
    var key: UInt64
    /// Shift of the daily traffic curve, in seconds.
    var phase: Int64
    /// Relative weekend traffic.
    var weekendFactor: Double
    /// This app's exporter writes RFC 3339 timestamps with a `+08:00` offset instead of Unix seconds.
    var rfc3339Timestamps: Bool
    /// This app's exporter writes rows grouped by host instead of by timestamp.
    var hostMajorRows: Bool
    /// The guard pauses or rolls back (`true`) or only observes.
    var guardEnforcing: Bool
    /// The detector the guard bundle uses per metric, parallel to `metrics`.
    var detectors: [String]

    var hostCount: Int { hosts.count }

    func metricIndex(_ name: String) -> Int? { metrics.firstIndex { $0.name == name } }

    static let names: [(app: String, host: String)] = [
        ("cart-service", "cart"), ("payment-gateway", "pay"), ("search-api", "search"),
        ("order-service", "order"), ("inventory-service", "inv"), ("user-profile", "user"),
        ("notification-hub", "notify"), ("recommendation-engine", "reco"), ("checkout-web", "checkout"),
        ("auth-service", "auth"), ("pricing-service", "price"), ("shipping-tracker", "ship"),
    ]

    static let detectorNames = ["tukey", "esd", "arima_ksigma", "zscore"]

    /// The apps of a corpus: names from the fixed list in order, then numbered rounds.
    static func catalog(_ config: SynthConfig) -> [AppProfile] {
        var apps: [AppProfile] = []
        var rfcApp = -1
        if config.apps >= 2 {
            var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("rfc3339-app"))
            rfcApp = rng.int(0...(min(config.apps, names.count) - 1))
        }
        for index in 0..<config.apps {
            var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("app"), UInt64(index))
            let round = index / names.count + 1
            let entry = names[index % names.count]
            let name = round == 1 ? entry.app : "\(entry.app)-\(round)"
            let prefix = round == 1 ? entry.host : "\(entry.host)\(round)"
            let hostCount = rng.int(9...14)
            var numbers = Array(1...(hostCount * 2))
            rng.shuffle(&numbers)
            let hosts = numbers.prefix(hostCount).sorted().map { n in
                n < 10 ? "\(prefix)-0\(n)" : "\(prefix)-\(n)"
            }
            var templates = MetricTemplate.core
            let resource = rng.pick(MetricTemplate.resources)
            templates.append(resource)
            var extras = MetricTemplate.extras.filter { $0.name != resource.name }
            rng.shuffle(&extras)
            templates += extras.prefix(rng.weighted([0.65, 0.25, 0.1]))
            let metrics = templates.map { $0.profile(using: &rng) }
            let detectors = metrics.map { _ in rng.pick(detectorNames) }
            apps.append(
                AppProfile(
                    index: index,
                    name: name,
                    hosts: hosts,
                    metrics: metrics,
                    key: SeedMix.derive(config.seed, SeedMix.tag("series"), UInt64(index)),
                    phase: Int64(rng.int(-90...90)) * 60,
                    weekendFactor: rng.uniform(0.62, 0.85),
                    rfc3339Timestamps: index == rfcApp,
                    hostMajorRows: rng.chance(0.3),
                    guardEnforcing: rng.chance(0.8),
                    detectors: detectors
                )
            )
        }
        return apps
    }
}
