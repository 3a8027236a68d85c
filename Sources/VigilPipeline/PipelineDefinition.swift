internal import Foundation
public import VigilCore
internal import Yams

/// A pipeline file that does not parse or validate: names the file, line and key.
public struct PipelineError: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var line: Int?
    public var key: String
    public var message: String

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        return key.isEmpty ? "\(place): \(message)" : "\(place): '\(key)': \(message)"
    }
}

/// A pipeline definition (`Pipelines/*.yaml`): what the nightly job searches and where its data is.
public struct PipelineDefinition: Sendable {
    /// How the deploys are split in time.
    public enum Split: Sendable, Hashable {
        /// The last `n` calendar days (UTC) that have deploys are the validation days.
        case validationDays(Int)
        /// Deploys that start before this Unix time train; the rest validate.
        case trainUntil(Int64)
    }

    /// When the scheduler runs it: a five-field cron expression in a time zone.
    public struct Schedule: Sendable, Hashable {
        public var cron: String
        public var timeZone: String
    }

    /// Who hears about a run: a command (the JSON summary on its standard input) and/or a webhook.
    public struct Notify: Sendable, Hashable {
        public var command: String?
        public var webhook: String?
        /// Which outcomes notify: failure, gate_refused, success.
        public var on: Set<String>
    }

    public var name: String
    /// The store path, relative to the working directory; `nil` leaves it to the command line.
    public var store: String?
    /// A directory or a glob of archives; only new archives are ingested.
    public var inputs: String?
    public var registry: String?
    public var reports: String?
    public var schedule: Schedule?
    public var gate: GateTolerances
    /// Bundles the registry keeps besides every bundle ever stable.
    public var keepBundles: Int
    /// Days the nightly report's walk-forward section judges (the last days with deploys,
    /// each with a model tuned on what was known before it); 0 leaves the section out.
    public var walkForwardDays: Int
    public var notify: Notify?
    public var split: Split
    public var space: SearchSpace
    /// The file it came from.
    public var path: String

    /// Caps on the search a pipeline file may ask for, so that any accepted file tunes in
    /// bounded memory: detector configurations, decision policies, and their product.
    public static let maxConfigurations = 5_000
    public static let maxPolicies = 1_000
    public static let maxCandidates = 50_000

    /// Reads and validates a pipeline file.
    ///
    /// - Throws: ``PipelineError`` naming the line and key of the first problem.
    public static func load(path: String) throws(PipelineError) -> PipelineDefinition {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw PipelineError(file: path, line: nil, key: "", message: "cannot read the file (missing or not UTF-8)")
        }
        return try parse(text, path: path)
    }

    /// Parses pipeline YAML; `path` is used in error messages.
    public static func parse(_ text: String, path: String) throws(PipelineError) -> PipelineDefinition {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw PipelineError(file: path, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        guard let root else { throw PipelineError(file: path, line: nil, key: "", message: "the file is empty") }
        let r = Reader(path: path)
        let top = try r.mapping(
            root,
            key: "",
            allowed: [
                "name", "store", "inputs", "registry", "reports", "schedule", "gate", "retention", "backtest", "notify",
                "search",
            ]
        )
        guard let nameNode = top["name"] else {
            throw PipelineError(file: path, line: root.mark?.line, key: "name", message: "is required")
        }
        let name = try r.string(nameNode, key: "name")
        guard name.range(of: #"^[A-Za-z0-9._-]{1,64}$"#, options: .regularExpression) != nil else {
            throw r.error(nameNode, "name", "must be 1-64 letters, digits, '.', '_' or '-' (it names report folders)")
        }
        let store = try top["store"].map { n throws(PipelineError) in try r.string(n, key: "store") }
        let inputs = try top["inputs"].map { n throws(PipelineError) in try r.string(n, key: "inputs") }
        let registry = try top["registry"].map { n throws(PipelineError) in try r.string(n, key: "registry") }
        let reports = try top["reports"].map { n throws(PipelineError) in try r.string(n, key: "reports") }
        var schedule: Schedule?
        if let n = top["schedule"] {
            let m = try r.mapping(n, key: "schedule", allowed: ["cron", "timezone"])
            guard let c = m["cron"] else { throw r.error(n, "schedule.cron", "is required") }
            let cron = try r.string(c, key: "schedule.cron")
            do { _ = try CronExpression(cron) } catch {
                throw r.error(c, "schedule.cron", error.description)
            }
            let zone =
                try m["timezone"].map { z throws(PipelineError) in try r.string(z, key: "schedule.timezone") } ?? "UTC"
            guard TimeZone(identifier: zone) != nil else {
                throw r.error(
                    m["timezone"] ?? n,
                    "schedule.timezone",
                    "unknown time zone '\(zone)' (use an IANA name like Europe/Berlin)"
                )
            }
            schedule = Schedule(cron: cron, timeZone: zone)
        }
        var gate = GateTolerances()
        var floorsGiven: (precision: Double?, falsePauses: Double?, recall: Double?) = (nil, nil, nil)
        if let n = top["gate"] {
            let m = try r.mapping(
                n,
                key: "gate",
                allowed: ["recall", "precision", "false_pauses_per_100", "f1", "floors"]
            )
            if let fn = m["floors"] {
                let fm = try r.mapping(
                    fn,
                    key: "gate.floors",
                    allowed: ["min_precision", "max_false_pauses_per_100", "min_recall"]
                )
                func floor(_ k: String, _ range: ClosedRange<Double>) throws(PipelineError) -> Double? {
                    guard let v = fm[k] else { return nil }
                    let x = try r.number(v, key: "gate.floors.\(k)")
                    guard range.contains(x) else {
                        throw r.error(v, "gate.floors.\(k)", "must be in [\(range.lowerBound), \(range.upperBound)]")
                    }
                    return x
                }
                floorsGiven = (
                    try floor("min_precision", 0...1), try floor("max_false_pauses_per_100", 0...100),
                    try floor("min_recall", 0...1)
                )
            }
            func tolerance(_ k: String, _ d: Double) throws(PipelineError) -> Double {
                guard let v = m[k] else { return d }
                let x = try r.number(v, key: "gate.\(k)")
                guard x >= 0 else { throw r.error(v, "gate.\(k)", "a tolerance must be >= 0") }
                return x
            }
            gate = GateTolerances(
                recall: try tolerance("recall", gate.recall),
                precision: try tolerance("precision", gate.precision),
                falsePausesPer100: try tolerance("false_pauses_per_100", gate.falsePausesPer100),
                f1: try tolerance("f1", gate.f1),
                floors: gate.floors
            )
        }
        var keep = 10
        if let n = top["retention"] {
            let m = try r.mapping(n, key: "retention", allowed: ["keep_bundles"])
            if let k = m["keep_bundles"] { keep = try r.integer(k, key: "retention.keep_bundles", minimum: 1) }
        }
        var walkForwardDays = 4
        if let n = top["backtest"] {
            let m = try r.mapping(n, key: "backtest", allowed: ["days"])
            if let d = m["days"] { walkForwardDays = try r.integer(d, key: "backtest.days", minimum: 0) }
        }
        var notify: Notify?
        if let n = top["notify"] {
            let m = try r.mapping(n, key: "notify", allowed: ["command", "webhook", "on"])
            let command = try m["command"].map { c throws(PipelineError) in try r.string(c, key: "notify.command") }
            let webhook = try m["webhook"].map { c throws(PipelineError) in try r.string(c, key: "notify.webhook") }
            if let webhook, !(webhook.hasPrefix("http://") || webhook.hasPrefix("https://")) {
                throw r.error(m["webhook"]!, "notify.webhook", "must be an http:// or https:// URL")
            }
            var on: Set<String> = ["failure", "gate_refused", "success"]
            if let o = m["on"] {
                on = Set(try r.strings(o, key: "notify.on"))
                for e in on where !["failure", "gate_refused", "success"].contains(e) {
                    throw r.error(o, "notify.on", "'\(e)' is not one of failure, gate_refused, success")
                }
            }
            guard command != nil || webhook != nil else { throw r.error(n, "notify", "give a command or a webhook") }
            notify = Notify(command: command, webhook: webhook, on: on)
        }
        guard let searchNode = top["search"] else {
            throw PipelineError(file: path, line: root.mark?.line, key: "search", message: "is required")
        }
        let (split, space) = try r.search(searchNode)
        // Floors not given default to the search's own objective: a bundle must at least meet
        // what the pipeline asked the search for.
        if case .constrainedRecall(let p, let f) = space.objective {
            gate.floors.minPrecision = p
            gate.floors.maxFalsePausesPer100 = f
        }
        gate.floors.minPrecision = floorsGiven.precision ?? gate.floors.minPrecision
        gate.floors.maxFalsePausesPer100 = floorsGiven.falsePauses ?? gate.floors.maxFalsePausesPer100
        gate.floors.minRecall = floorsGiven.recall ?? gate.floors.minRecall
        return PipelineDefinition(
            name: name,
            store: store,
            inputs: inputs,
            registry: registry,
            reports: reports,
            schedule: schedule,
            gate: gate,
            keepBundles: keep,
            walkForwardDays: walkForwardDays,
            notify: notify,
            split: split,
            space: space,
            path: path
        )
    }
}

/// Walks YAML nodes, turning every mismatch into a ``PipelineError`` with its line.
private struct Reader {
    var path: String

    func error(_ node: Node, _ key: String, _ message: String) -> PipelineError {
        PipelineError(file: path, line: node.mark?.line, key: key, message: message)
    }

    func mapping(_ node: Node, key: String, allowed: Set<String>) throws(PipelineError) -> [String: Node] {
        guard let m = node.mapping else { throw error(node, key, "must be a mapping") }
        var result: [String: Node] = [:]
        for (k, v) in m {
            guard let name = k.string else { throw error(k, key, "keys must be strings") }
            let full = key.isEmpty ? name : "\(key).\(name)"
            guard allowed.contains(name) else {
                throw error(k, full, "unknown key; expected one of: \(allowed.sorted().joined(separator: ", "))")
            }
            guard result[name] == nil else { throw error(k, full, "appears twice") }
            result[name] = v
        }
        return result
    }

    func string(_ node: Node, key: String) throws(PipelineError) -> String {
        guard let s = node.scalar?.string, !s.isEmpty else { throw error(node, key, "must be a non-empty string") }
        return s
    }

    func number(_ node: Node, key: String) throws(PipelineError) -> Double {
        guard let s = node.scalar?.string, let v = Double(s), v.isFinite else {
            throw error(node, key, "must be a number")
        }
        return v
    }

    func integer(_ node: Node, key: String, minimum: Int) throws(PipelineError) -> Int {
        let v = try number(node, key: key)
        guard v == v.rounded(), v >= Double(minimum), v < 1e9 else {
            throw error(node, key, "must be a whole number >= \(minimum)")
        }
        return Int(v)
    }

    /// A list of numbers, a single number, or a range `{from, to, step}`.
    func values(_ node: Node, key: String) throws(PipelineError) -> [Double] {
        switch node {
        case .scalar:
            return [try number(node, key: key)]
        case .sequence(let s):
            guard !s.isEmpty else { throw error(node, key, "must not be empty") }
            guard s.count <= 10_000 else {
                throw error(node, key, "a list holds at most 10,000 values, not \(s.count)")
            }
            var out: [Double] = []
            for (i, n) in s.enumerated() { out.append(try number(n, key: "\(key)[\(i)]")) }
            return out
        case .mapping:
            let m = try mapping(node, key: key, allowed: ["from", "to", "step"])
            guard let f = m["from"], let t = m["to"], let st = m["step"] else {
                throw error(node, key, "a range needs from, to and step")
            }
            let from = try number(f, key: "\(key).from")
            let to = try number(t, key: "\(key).to")
            let step = try number(st, key: "\(key).step")
            guard step > 0, to >= from, (to - from) / step <= 10_000 else {
                throw error(node, key, "a range needs step > 0, to >= from and at most 10,000 values")
            }
            let count = Int(((to - from) / step + 1e-9).rounded(.down))
            return (0...count).map { from + Double($0) * step }
        case .alias:
            throw error(node, key, "aliases are not supported")
        }
    }

    func strings(_ node: Node, key: String) throws(PipelineError) -> [String] {
        if case .scalar = node { return [try string(node, key: key)] }
        guard let s = node.sequence, !s.isEmpty else { throw error(node, key, "must be a string or a non-empty list") }
        var out: [String] = []
        for (i, n) in s.enumerated() { out.append(try string(n, key: "\(key)[\(i)]")) }
        return out
    }

    func search(_ node: Node) throws(PipelineError) -> (PipelineDefinition.Split, SearchSpace) {
        let key = "search"
        let m = try mapping(
            node,
            key: key,
            allowed: [
                "split", "selection_fraction", "objective", "scopes", "policy", "detectors", "seasonal_period",
                "pre_deploy_window", "max_thresholds", "calibration",
            ]
        )
        var split = PipelineDefinition.Split.validationDays(4)
        if let s = m["split"] {
            let sm = try mapping(s, key: "\(key).split", allowed: ["validation_days", "train_until"])
            switch (sm["validation_days"], sm["train_until"]) {
            case (let v?, nil):
                split = .validationDays(try integer(v, key: "\(key).split.validation_days", minimum: 1))
            case (nil, let t?):
                let text = try string(t, key: "\(key).split.train_until")
                guard let seconds = RFC3339.parse(text) ?? RFC3339.parse(text + "T00:00:00Z") else {
                    throw error(t, "\(key).split.train_until", "must be a date (2026-11-10) or an RFC 3339 time")
                }
                split = .trainUntil(seconds)
            default:
                throw error(s, "\(key).split", "give exactly one of validation_days and train_until")
            }
        }
        var space = SearchSpace(configs: [])
        if let f = m["selection_fraction"] {
            let v = try number(f, key: "\(key).selection_fraction")
            guard v >= 0, v < 1 else { throw error(f, "\(key).selection_fraction", "must be in [0, 1)") }
            space.selectionFraction = v
        }
        if let t = m["max_thresholds"] {
            let n = try integer(t, key: "\(key).max_thresholds", minimum: 1)
            guard n <= 100_000 else { throw error(t, "\(key).max_thresholds", "must be at most 100,000, not \(n)") }
            space.maxThresholds = n
        }
        if let p = m["seasonal_period"] {
            space.seasonalPeriod = Int64(try integer(p, key: "\(key).seasonal_period", minimum: 60))
        }
        if let p = m["pre_deploy_window"] {
            space.preDeployWindow = Int64(try integer(p, key: "\(key).pre_deploy_window", minimum: 60))
        }
        if let o = m["objective"] { space.objective = try objective(o, key: "\(key).objective") }
        if let c = m["calibration"] { space.calibration = try calibration(c, key: "\(key).calibration") }
        if let s = m["scopes"] {
            let sm = try mapping(s, key: "\(key).scopes", allowed: ["levels", "min_labeled_deploys"])
            if let l = sm["levels"] {
                var levels: [ScopeLevel] = [.global]
                for (i, name) in try strings(l, key: "\(key).scopes.levels").enumerated() {
                    guard let level = ScopeLevel(rawValue: name) else {
                        throw error(l, "\(key).scopes.levels[\(i)]", "must be global, kind or app, not '\(name)'")
                    }
                    if !levels.contains(level) { levels.append(level) }
                }
                space.scopeLevels = levels
            }
            if let n = sm["min_labeled_deploys"] {
                space.minLabeledDeploys = try integer(n, key: "\(key).scopes.min_labeled_deploys", minimum: 1)
            }
        }
        var agree = [1.0]
        if let p = m["policy"] {
            let pk = "\(key).policy"
            let pm = try mapping(p, key: pk, allowed: ["consecutive", "warmup_seconds", "min_hosts", "metrics_agree"])
            func ints(_ name: String, minimum: Int) throws(PipelineError) -> [Int] {
                guard let n = pm[name] else { return [name == "warmup_seconds" ? 0 : 1] }
                let vs = try values(n, key: "\(pk).\(name)")
                for v in vs where v != v.rounded() || v < Double(minimum) || v > 1e7 {
                    throw error(
                        n,
                        "\(pk).\(name)",
                        "values must be whole numbers from \(minimum) to 10,000,000, not \(v)"
                    )
                }
                return Array(Set(vs.map { Int($0) })).sorted()
            }
            let consecutive = try ints("consecutive", minimum: 1)
            let warmup = try ints("warmup_seconds", minimum: 0)
            let hosts = try ints("min_hosts", minimum: 1)
            agree = try ints("metrics_agree", minimum: 1).map(Double.init)
            let policies = consecutive.count * warmup.count * hosts.count * agree.count
            guard policies <= PipelineDefinition.maxPolicies else {
                throw error(
                    p,
                    pk,
                    "the policy grid has \(policies) combinations (consecutive × warmup_seconds × min_hosts × "
                        + "metrics_agree); keep it at most \(PipelineDefinition.maxPolicies)"
                )
            }
            space.policies = consecutive.flatMap { c in
                warmup.flatMap { w in
                    hosts.map { h in DecisionPolicy(consecutive: c, warmupSeconds: Int64(w), minHosts: h) }
                }
            }
        }
        space.metricsAgree = agree.map { Int($0) }
        guard let d = m["detectors"] else { throw error(node, "\(key).detectors", "is required") }
        space.configs = try detectors(d, key: "\(key).detectors")
        let candidates = space.configs.count * max(space.policies.count, 1) * max(space.metricsAgree.count, 1)
        guard candidates <= PipelineDefinition.maxCandidates else {
            throw error(
                node,
                key,
                "the search has \(space.configs.count) configurations × \(space.policies.count) policies × "
                    + "\(space.metricsAgree.count) metrics_agree = \(candidates) candidate rules; keep it at most "
                    + "\(PipelineDefinition.maxCandidates)"
            )
        }
        return (split, space)
    }

    /// `calibration:` turns on the calibrated rule-set search; every key is optional.
    func calibration(_ node: Node, key: String) throws(PipelineError) -> CalibrationSettings {
        var s = CalibrationSettings()
        if node.scalar?.string == "true" { return s }
        let m = try mapping(
            node,
            key: key,
            allowed: [
                "quantile", "prior", "placebo_shift", "history_every", "history_length", "max_rules", "feedback_limit",
                "rule_set",
            ]
        )
        if let n = m["quantile"] {
            s.quantile = try number(n, key: "\(key).quantile")
            guard s.quantile > 0, s.quantile < 1 else { throw error(n, "\(key).quantile", "must be in (0, 1)") }
        }
        if let n = m["prior"] {
            s.prior = try number(n, key: "\(key).prior")
            guard s.prior >= 0 else { throw error(n, "\(key).prior", "must be >= 0") }
        }
        if let n = m["placebo_shift"] {
            s.placeboShift = Int64(try integer(n, key: "\(key).placebo_shift", minimum: 60))
        }
        if let n = m["history_every"] {
            s.historyEvery = Int64(try integer(n, key: "\(key).history_every", minimum: 0))
        }
        if let n = m["history_length"] {
            s.historyLength = Int64(try integer(n, key: "\(key).history_length", minimum: 60))
        }
        if let n = m["max_rules"] { s.maxRules = try integer(n, key: "\(key).max_rules", minimum: 1) }
        if let n = m["feedback_limit"] {
            s.feedbackLimit = try number(n, key: "\(key).feedback_limit")
            guard s.feedbackLimit >= 1, s.feedbackLimit <= 100 else {
                throw error(n, "\(key).feedback_limit", "must be from 1 (off) to 100")
            }
        }
        if let n = m["rule_set"] {
            let v = try string(n, key: "\(key).rule_set")
            guard let strategy = RuleSetStrategy(rawValue: v) else {
                throw error(
                    n,
                    "\(key).rule_set",
                    "must be one of \(RuleSetStrategy.allCases.map(\.rawValue).joined(separator: ", ")), not '\(v)'"
                )
            }
            s.ruleSet = strategy
        }
        return s
    }

    func objective(_ node: Node, key: String) throws(PipelineError) -> TuningObjective {
        let m = try mapping(
            node,
            key: key,
            allowed: ["maximize", "min_precision", "max_false_pauses_per_100", "f_beta"]
        )
        if let b = m["f_beta"] {
            guard m.count == 1 else { throw error(node, key, "f_beta stands alone") }
            let beta = try number(b, key: "\(key).f_beta")
            guard beta > 0 else { throw error(b, "\(key).f_beta", "must be positive") }
            return .fBeta(beta)
        }
        guard let goal = m["maximize"], try string(goal, key: "\(key).maximize") == "recall" else {
            throw error(node, key, "give f_beta, or maximize: recall with min_precision and max_false_pauses_per_100")
        }
        let p =
            try m["min_precision"].map { n throws(PipelineError) in try number(n, key: "\(key).min_precision") } ?? 0
        let f =
            try m["max_false_pauses_per_100"].map { n throws(PipelineError) in
                try number(n, key: "\(key).max_false_pauses_per_100")
            } ?? 100
        guard (0...1).contains(p) else { throw error(node, "\(key).min_precision", "must be in [0, 1]") }
        guard f >= 0 else { throw error(node, "\(key).max_false_pauses_per_100", "must be >= 0") }
        return .constrainedRecall(minPrecision: p, maxFalsePausesPer100: f)
    }

    func detectors(_ node: Node, key: String) throws(PipelineError) -> [DetectorConfig] {
        guard let list = node.sequence, !list.isEmpty else { throw error(node, key, "must be a non-empty list") }
        var configs: [DetectorConfig] = []
        for (i, item) in list.enumerated() {
            let k = "\(key)[\(i)]"
            let m = try mapping(item, key: k, allowed: ["name", "modes", "seasonal", "params"])
            guard let nameNode = m["name"] else { throw error(item, "\(k).name", "is required") }
            let name = try string(nameNode, key: "\(k).name")
            guard let type = DetectorCatalog.type(named: name) else {
                let known = DetectorCatalog.all.map { $0.name }.joined(separator: ", ")
                throw error(nameNode, "\(k).name", "unknown detector '\(name)'; known: \(known)")
            }
            var modes: [DetectionMode] = [.beforeAfter]
            if let mn = m["modes"] {
                modes = []
                for (j, s) in try strings(mn, key: "\(k).modes").enumerated() {
                    guard let mode = DetectionMode(rawValue: s) else {
                        let known = DetectionMode.allCases.map(\.rawValue).joined(separator: ", ")
                        throw error(mn, "\(k).modes[\(j)]", "unknown mode '\(s)'; known: \(known)")
                    }
                    modes.append(mode)
                }
            }
            var seasonal: [SeasonalMethod] = []
            if let sn = m["seasonal"] {
                for (j, s) in try strings(sn, key: "\(k).seasonal").enumerated() {
                    guard let method = SeasonalMethod(rawValue: s) else {
                        throw error(sn, "\(k).seasonal[\(j)]", "must be stl, holt-winters or profile, not '\(s)'")
                    }
                    seasonal.append(method)
                }
            }
            if modes.contains(.singleMetric) && seasonal.isEmpty {
                throw error(
                    item,
                    "\(k).seasonal",
                    "the single_metric mode needs a seasonal model (stl, holt-winters or profile)"
                )
            }
            var grid: [(String, [Double])] = []
            if let pn = m["params"] {
                guard let pm = pn.mapping else { throw error(pn, "\(k).params", "must be a mapping") }
                for (kn, vn) in pm {
                    guard let pname = kn.string else { throw error(kn, "\(k).params", "keys must be strings") }
                    guard let spec = type.parameters.first(where: { $0.name == pname }) else {
                        let known = type.parameters.map(\.name).joined(separator: ", ")
                        throw error(kn, "\(k).params.\(pname)", "'\(name)' has no such parameter (it has: \(known))")
                    }
                    let vs = try values(vn, key: "\(k).params.\(pname)")
                    for v in vs where v < spec.minimum || v > spec.maximum || (spec.isInteger && v != v.rounded()) {
                        throw error(
                            vn,
                            "\(k).params.\(pname)",
                            "\(v) is outside \(spec.minimum)...\(spec.maximum)\(spec.isInteger ? " (whole numbers)" : "")"
                        )
                    }
                    grid.append((pname, vs))
                }
            }
            grid.sort { $0.0 < $1.0 }
            // Count before building: a product of long lists must be refused, not allocated.
            var count = 1
            for (_, vs) in grid {
                count = count.multipliedReportingOverflow(by: Set(vs).count).overflow ? Int.max : count * Set(vs).count
                if count > PipelineDefinition.maxConfigurations {
                    throw error(
                        item,
                        k,
                        "its parameter grid has more than \(PipelineDefinition.maxConfigurations) combinations; "
                            + "keep the whole grid at most \(PipelineDefinition.maxConfigurations) configurations"
                    )
                }
            }
            var combos: [[String: Double]] = [[:]]
            for (pname, vs) in grid {
                combos = combos.flatMap { c in
                    vs.map { v in
                        var n = c
                        n[pname] = v
                        return n
                    }
                }
            }
            for mode in modes {
                let methods: [SeasonalMethod?] =
                    mode == .singleMetric ? seasonal : (mode.isFleetLevel && !seasonal.isEmpty ? seasonal : [nil])
                for method in methods {
                    for params in combos {
                        let config = DetectorConfig(detector: name, parameters: params, mode: mode, seasonal: method)
                        if !configs.contains(config) { configs.append(config) }
                    }
                }
            }
        }
        guard configs.count <= PipelineDefinition.maxConfigurations else {
            throw error(
                node,
                key,
                "the grid has \(configs.count) configurations; keep it at most \(PipelineDefinition.maxConfigurations)"
            )
        }
        return configs
    }
}
