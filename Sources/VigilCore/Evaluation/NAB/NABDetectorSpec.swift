/// A streaming detector configuration for NAB, written `name` or `name:key=value,key=value`.
///
/// `name` is `windowed_gaussian` (NAB's own baseline, ``WindowedGaussianScorer``),
/// `zscore_ensemble` (``ZScoreEnsembleScorer``: keys `long`, `short`, `jump` 0/1, `shift`,
/// `shift_weight`, `lag` and `lag2` in seconds, `steadier`, `min_history`, `long_time` in seconds), or any ``DetectorCatalog``
/// detector, run on a trailing window by ``RollingDetectorScorer``. Keys:
///
/// | key | meaning | default |
/// |---|---|---|
/// | `window` | trailing rows compared with (6400 for `windowed_gaussian`) | 1000 |
/// | `refit` | rows between refits (the step, for `windowed_gaussian`) | 1; 50 for `arima_ksigma`; 100 for `windowed_gaussian` |
/// | `seasonal` | `stl`, `holt-winters` or `profile`: score residuals of a seasonal baseline | none |
/// | `period` | the seasonal period, seconds | 86400 |
/// | `history` | seconds of history the baseline is fitted on | 3 periods |
/// | `seasonal_refit` | rows between baseline refits | 288 |
/// | `likelihood` | ``ScoreShaping`` likelihood window, rows (0: off) | 0 |
/// | `average` | ``ScoreShaping`` short average, rows | 10 |
/// | `suppress` | ``ScoreShaping`` suppression, rows (0: off) | 0 |
/// | `suppress_time` | the same in seconds (rows = seconds / the series' step); overrides `suppress` | 0 |
/// | `alert` | ``ScoreShaping`` alert level for suppression, raw score (0: relative suppression) | 0 |
/// | `record`, `record_floor` | ``ScoreShaping``: divide by the largest of the last `record` scores | 0, 1 |
///
/// Any other key is a parameter of the detector (`alpha`, `p`, `window` of the two-sample
/// tests is `test_window` here). Two-sample detectors see the `test_window − 1` rows
/// before each block as target context; `esd` always refits every row, since it pools its
/// target points.
public struct NABDetectorSpec: Sendable, Hashable {
    /// The text the spec was parsed from; also the detector's name in results.
    public var text: String
    public var name: String
    public var options: [String: String]

    /// Parses and checks a spec.
    ///
    /// - Throws: ``DetectorError`` for an unknown detector, key or value.
    public init(_ text: String) throws(DetectorError) {
        self.text = text
        let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
        name = parts.first ?? ""
        options = [:]
        if parts.count == 2 {
            for pair in parts[1].split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1).map(String.init)
                guard kv.count == 2, !kv[0].isEmpty else {
                    throw DetectorError(message: "In detector spec '\(text)': '\(pair)' is not key=value.")
                }
                options[kv[0]] = kv[1]
            }
        }
        _ = try makeScorer()
    }

    private static let shapingKeys: Set<String> = [
        "likelihood", "average", "suppress", "suppress_time", "alert", "record", "record_floor",
    ]
    private static let ensembleKeys: Set<String> = [
        "long", "short", "jump", "shift", "shift_weight", "lag", "lag2", "steadier", "min_history", "long_time",
    ]
    private static let seasonalKeys: Set<String> = ["seasonal", "period", "history", "seasonal_refit"]
    private static let rollingKeys: Set<String> = ["window", "refit"]

    /// The scorer the spec describes.
    ///
    /// - Throws: ``DetectorError`` for an unknown detector, key or value.
    public func makeScorer() throws(DetectorError) -> any StreamingScorer {
        var base: any StreamingScorer
        if name == "windowed_gaussian" {
            for key in options.keys
            where !(Self.rollingKeys.contains(key) || Self.shapingKeys.contains(key) || Self.seasonalKeys.contains(key))
            {
                throw DetectorError(message: "Detector spec '\(text)': windowed_gaussian has no option '\(key)'.")
            }
            let window = try int("window", 6400, minimum: 1)
            let step = try int("refit", 100, minimum: 1)
            guard step <= window else {
                throw DetectorError(message: "Detector spec '\(text)': refit must not exceed window.")
            }
            base = WindowedGaussianScorer(window: window, step: step)
        } else if name == "zscore_ensemble" {
            for key in options.keys
            where
                !(Self.ensembleKeys.contains(key) || Self.shapingKeys.contains(key) || Self.seasonalKeys.contains(key))
            {
                throw DetectorError(message: "Detector spec '\(text)': zscore_ensemble has no option '\(key)'.")
            }
            base = ZScoreEnsembleScorer(
                long: try int("long", 6400, minimum: 2),
                short: try int("short", 0, minimum: 0),
                jump: try int("jump", 0, minimum: 0) > 0,
                shift: try int("shift", 0, minimum: 0),
                shiftWeight: try double("shift_weight", 1),
                lag: Int64(try int("lag", 0, minimum: 0)),
                lag2: Int64(try int("lag2", 0, minimum: 0)),
                steadier: try double("steadier", 1),
                minimumHistory: try int("min_history", 30, minimum: 2),
                longSeconds: Int64(try int("long_time", 0, minimum: 0))
            )
        } else {
            guard let type = DetectorCatalog.type(named: name) else {
                throw DetectorError(
                    message: "Unknown detector '\(name)' in '\(text)'; known: windowed_gaussian, zscore_ensemble, "
                        + DetectorCatalog.all.map { $0.name }.joined(separator: ", ") + "."
                )
            }
            var parameters: [String: Double] = [:]
            for (key, value) in options
            where !(Self.rollingKeys.contains(key) || Self.shapingKeys.contains(key) || Self.seasonalKeys.contains(key))
            {
                let parameter = key == "test_window" ? "window" : key
                guard let v = Double(value) else {
                    throw DetectorError(message: "Detector spec '\(text)': '\(key)' must be a number, not '\(value)'.")
                }
                parameters[parameter] = v
            }
            let detector = try type.init(parameters: parameters)
            let isTwoSample = name == "mann_whitney" || name == "ks"
            let context = isTwoSample ? Int(parameters["window"] ?? 15) - 1 : 0
            let defaultRefit = name == "arima_ksigma" ? 50 : isTwoSample ? 10 : 1
            let refit = name == "esd" ? 1 : try int("refit", defaultRefit, minimum: 1)
            base = RollingDetectorScorer(
                detector: detector,
                window: try int("window", 1000, minimum: 2),
                refit: refit,
                context: context,
                minimumHistory: 30
            )
        }
        if let seasonal = options["seasonal"] {
            guard let method = SeasonalMethod(rawValue: seasonal) else {
                throw DetectorError(message: "Detector spec '\(text)': seasonal must be stl, holt-winters or profile.")
            }
            let period = Int64(try int("period", 86_400, minimum: 60))
            base = SeasonalResidualScorer(
                method: method,
                period: period,
                history: Int64(try int("history", Int(3 * period), minimum: Int(period))),
                refit: try int("seasonal_refit", 288, minimum: 1),
                inner: base
            )
        }
        let shaping = ScoreShaping(
            likelihoodWindow: try int("likelihood", 0, minimum: 0),
            average: try int("average", 10, minimum: 1),
            suppress: try int("suppress", 0, minimum: 0),
            alertLevel: try double("alert", 0),
            record: try int("record", 0, minimum: 0),
            recordFloor: try double("record_floor", 1)
        )
        let suppressSeconds = Int64(try int("suppress_time", 0, minimum: 0))
        if shaping.likelihoodWindow > 0 || shaping.suppress > 0 || shaping.record > 0 || suppressSeconds > 0 {
            base = ShapedScorer(inner: base, shaping: shaping, suppressSeconds: suppressSeconds)
        }
        return base
    }

    private func double(_ key: String, _ defaultValue: Double) throws(DetectorError) -> Double {
        guard let raw = options[key] else { return defaultValue }
        guard let v = Double(raw), v.isFinite, v >= 0 else {
            throw DetectorError(message: "Detector spec '\(text)': '\(key)' must be a number ≥ 0, not '\(raw)'.")
        }
        return v
    }

    private func int(_ key: String, _ defaultValue: Int, minimum: Int) throws(DetectorError) -> Int {
        guard let raw = options[key] else { return defaultValue }
        guard let v = Int(raw), v >= minimum else {
            throw DetectorError(
                message: "Detector spec '\(text)': '\(key)' must be a whole number ≥ \(minimum), not '\(raw)'."
            )
        }
        return v
    }
}
