import Foundation

/// A metric's values put on a scale where hosts differ by an offset and noise is roughly even.
///
/// - Counts (unit `count`): Anscombe's `2·sqrt(x + 3/8)`, which makes Poisson noise about 1.
/// - Non-negative levels that exceed 1 (latencies, CPU %, queue lengths, requests/s):
///   `log(x + c)` with `c` a tenth of the median level, so a traffic surge that doubles every
///   host doubles them alike and a host twice as loaded is not twice as "anomalous".
/// - Anything else (ratios such as a success rate, signed values): unchanged.
public enum ValueTransform: Sendable, Hashable {
    case identity
    case anscombe
    case log(offset: Double)

    /// The transform for a metric with `unit`, chosen from a sample of its values (the
    /// pre-deploy window), so the same data always gets the same transform.
    public static func choose(unit: String?, sample: [Double]) -> ValueTransform {
        if unit == "count" { return .anscombe }
        let present = sample.filter { $0.isFinite }
        guard let lowest = present.min(), let highest = present.max(), lowest >= 0, highest > 1,
            let median = Quantile.linear(present, p: 0.5), median > 0
        else { return .identity }
        return .log(offset: 0.1 * median)
    }

    public func callAsFunction(_ x: Double) -> Double {
        guard x.isFinite else { return .nan }
        switch self {
        case .identity: return x
        case .anscombe: return 2 * (max(x, 0) + 0.375).squareRoot()
        case .log(let c): return naturalLog(max(x, 0) + c)
        }
    }

    /// The noise floor of transformed values: 1 for counts (Poisson), else none.
    public var noiseFloor: Double {
        if case .anscombe = self { return 1 }
        return 0
    }
}

private func naturalLog(_ x: Double) -> Double { log(x) }

/// The fleet modes: each released host compared, minute by minute, with hosts that did not
/// get the change, or the fleet with its own history when every host has it.
///
/// All three first transform the values (``ValueTransform``) and subtract each host's median
/// over the pre-deploy window, so hosts that run at different levels compare by their change.
///
/// - ``DetectionMode/counterfactual``: a difference in differences. At each minute the
///   counterfactual change is the median change of the hosts not released at that minute:
///   the baseline hosts and the hosts of later batches. A traffic peak that lifts every host
///   cancels; a host's own pre-deploy noise against the other hosts is its reference.
///   Minutes with no unreleased host are missing (``DetectionMode/fleetHistory`` covers them).
/// - ``DetectionMode/withinFleet``: against the median change of every host at that minute,
///   released or not. A fault on some hosts, or a variance increase, shows even when every
///   host is released; a fault that moves all hosts alike cancels.
/// - ``DetectionMode/fleetHistory``: the mean of the released hosts against its own
///   pre-deploy level plus the change the app's history (a seasonal baseline) expects between
///   the pre-deploy window and each minute; only minutes without unreleased hosts. One input,
///   for the pseudo-host ``fleetHost``.
/// - ``DetectionMode/fleetLoad``: the same fleet mean, less what the app's load explains: the
///   least-squares slope of the fleet's change on the load's relative change, fitted over the
///   pre-deploy window, times the load's change at each minute. Blue-green fleets move
///   together with traffic, so their own level is a poor reference; their level per unit of
///   load is a better one (the capacity-planning view of CPU and latency against throughput).
///   An app without a load metric, or a window too short to fit the slope, gets the seasonal
///   expectation of ``DetectionMode/fleetHistory`` instead; the load metric itself is not
///   judged in this mode (``DeployJudge`` leaves it out: a traffic peak is not a fault).
///
/// The residual's noise is larger where the counterfactual is noisier (few unreleased hosts)
/// or moves a lot (hosts answer a common shock in proportion, not identically), so each target
/// residual is shrunk by `s / sqrt(s² + 1.57·σ̄²/n + (κ·D)²)`, with s the host's noise, σ̄ the
/// median noise of the hosts, n the hosts the counterfactual took its median over, D the
/// counterfactual change and κ = ``heterogeneity``. A detector then reads it on the host's
/// own noise scale.
///
/// Source: the released-versus-unreleased difference in differences of FUNNEL (H. Zhang et
/// al., "FUNNEL: Assessing Software Changes in Web-based Services", KDD 2015 / IEEE TSC 2018).
public enum FleetComparison {
    /// The pseudo-host of ``DetectionMode/fleetHistory``.
    public static let fleetHost = "*fleet*"
    /// How far hosts' answers to a common shock may differ (κ, relative).
    public static let heterogeneity = 0.25

    /// Inputs for every released host (or the fleet) under one of the fleet modes.
    ///
    /// - Parameters:
    ///   - expectation: for ``DetectionMode/fleetHistory``, the seasonal expectation of the
    ///     metric at given times (untransformed), or `nil` for a flat one.
    ///   - load: for ``DetectionMode/fleetLoad``, every host's series of the app's load metric.
    /// - Returns: empty when the mode cannot apply (no pre-deploy data, no released series,
    ///   no unreleased host ever for `counterfactual`, always some for `fleetHistory`).
    public static func inputs(
        deploy: Deploy,
        metric: MetricSpec,
        series: [HostSeries],
        mode: DetectionMode,
        preDeployWindow: Int64,
        expectation: (@Sendable ([Int64]) -> [Double])?,
        load: [HostSeries]? = nil
    ) -> [HostDetectionInput] {
        guard let grid = Grid(deploy: deploy, series: series, preDeployWindow: preDeployWindow) else { return [] }
        switch mode {
        case .counterfactual, .withinFleet:
            return hostInputs(grid, deploy: deploy, metric: metric, mode: mode)
        case .fleetHistory:
            return fleetInputs(grid, deploy: deploy, metric: metric, expected: .seasonal(expectation))
        case .fleetLoad:
            // The load metric itself, or an app without one: the seasonal expectation.
            guard let load, !load.isEmpty else {
                return fleetInputs(grid, deploy: deploy, metric: metric, expected: .seasonal(expectation))
            }
            return fleetInputs(grid, deploy: deploy, metric: metric, expected: .load(load, else: expectation))
        default:
            return []
        }
    }

    /// The least-squares part of the fleet's change that the app's load explains: the slope of
    /// the change on the load's relative change from its pre-deploy median (averaged over every
    /// host, released or not: the app's traffic), fitted on the pre-deploy window, times the
    /// load's change at each minute. Linear in the load, as CPU is in throughput. `nil` when the window has fewer than 20 minutes with both, or no load change.
    static func loadExplained(change: [Double], pre: Range<Int>, times: [Int64], load: [HostSeries]) -> [Double]? {
        var ratio = [Double](repeating: 0, count: times.count)
        var count = [Int](repeating: 0, count: times.count)
        for s in load {
            let row = times.map { DetectionInputBuilder.value(of: s.series, at: $0) }
            let before = row[pre].filter { !$0.isNaN }
            guard before.count >= 3, let m = Quantile.linear(before, p: 0.5), m > 0 else { continue }
            for k in row.indices where !row[k].isNaN {
                ratio[k] += row[k] / m - 1
                count[k] += 1
            }
        }
        let x = (0..<times.count).map { count[$0] > 0 ? ratio[$0] / Double(count[$0]) : .nan }
        let pairs = pre.filter { !x[$0].isNaN && !change[$0].isNaN }
        guard pairs.count >= 20 else { return nil }
        let mx = pairs.reduce(0) { $0 + x[$1] } / Double(pairs.count)
        let my = pairs.reduce(0) { $0 + change[$1] } / Double(pairs.count)
        var sxx = 0.0
        var sxy = 0.0
        for k in pairs {
            sxx += (x[k] - mx) * (x[k] - mx)
            sxy += (x[k] - mx) * (change[k] - my)
        }
        guard sxx > 1e-12 else { return nil }
        let slope = sxy / sxx
        // Minutes without a load reading explain nothing (their change stays whole).
        return x.map { $0.isNaN ? 0 : slope * ($0 - mx) }
    }

    /// Every host's raw values on one time grid from the pre-deploy window to the last point.
    struct Grid {
        var times: [Int64]
        var hosts: [String]
        /// `raw[h][k]`: host h at `times[k]`, NaN when missing.
        var raw: [[Double]]
        /// Indices of the pre-deploy window.
        var pre: Range<Int>
        /// When each host got the change; `nil` for hosts never released here.
        var releasedAt: [Int64?]
        var batchOf: [Int?]

        init?(deploy: Deploy, series: [HostSeries], preDeployWindow: Int64) {
            let sorted = series.filter { !$0.series.values.isEmpty }.sorted { $0.host < $1.host }
            guard let step = sorted.map(\.series.step).min(), step > 0 else { return nil }
            let first = deploy.startedAt - preDeployWindow
            let last = sorted.map(\.series.end).max() ?? first
            guard last >= deploy.startedAt else { return nil }
            let count = Int((last - first) / step) + 1
            guard count > 0, count <= 1_000_000 else { return nil }
            times = (0..<count).map { first + Int64($0) * step }
            var seen = Set<String>()
            hosts = []
            raw = []
            for s in sorted where seen.insert(s.host).inserted {
                hosts.append(s.host)
                raw.append(times.map { DetectionInputBuilder.value(of: s.series, at: $0) })
            }
            let preEnd = times.firstIndex { $0 >= deploy.startedAt } ?? times.count
            pre = 0..<preEnd
            var release: [String: (Int64, Int)] = [:]
            for b in deploy.batches.sorted(by: { $0.index < $1.index }) {
                for h in b.hosts where release[h] == nil { release[h] = (b.startedAt ?? deploy.startedAt, b.index) }
            }
            releasedAt = hosts.map { release[$0]?.0 }
            batchOf = hosts.map { release[$0]?.1 }
        }

        func isReleased(_ h: Int, at k: Int) -> Bool {
            guard let r = releasedAt[h] else { return false }
            return times[k] >= r
        }
    }

    static func median(_ values: inout [Double]) -> Double {
        Quantile.linear(values, p: 0.5) ?? .nan
    }

    static func hostInputs(_ g: Grid, deploy: Deploy, metric: MetricSpec, mode: DetectionMode) -> [HostDetectionInput] {
        let n = g.times.count
        let preSample = g.raw.flatMap { $0[g.pre] }
        let transform = ValueTransform.choose(unit: metric.unit, sample: preSample)
        // Changes from each host's own pre-deploy median.
        var y: [[Double]] = []
        var usable: [Bool] = []
        for row in g.raw {
            let t = row.map { transform($0) }
            let before = t[g.pre].filter { !$0.isNaN }
            if before.count >= 3, let m = Quantile.linear(before, p: 0.5) {
                y.append(t.map { $0 - m })
                usable.append(true)
            } else {
                y.append([Double](repeating: .nan, count: n))
                usable.append(false)
            }
        }
        // Pre-deploy residuals against the median of all hosts: each host's own noise.
        var column: [Double] = []
        var preResidual = [[Double]](repeating: [], count: g.hosts.count)
        for k in g.pre {
            column.removeAll(keepingCapacity: true)
            for h in g.hosts.indices where usable[h] && !y[h][k].isNaN { column.append(y[h][k]) }
            let m = median(&column)
            for h in g.hosts.indices { preResidual[h].append(y[h][k] - m) }
        }
        let noise = g.hosts.indices.map { h in
            usable[h] ? (RobustStandardizer(reference: preResidual[h])?.scale ?? .nan) : .nan
        }
        let typical = Quantile.linear(noise, p: 0.5) ?? 0
        let floor = max(0.5 * typical, transform.noiseFloor)
        // The counterfactual change at each minute and how many hosts it stands on.
        var counterfactual = [Double](repeating: .nan, count: n)
        var support = [Int](repeating: 0, count: n)
        for k in 0..<n {
            column.removeAll(keepingCapacity: true)
            for h in g.hosts.indices where usable[h] && !y[h][k].isNaN {
                if mode == .withinFleet || !g.isReleased(h, at: k) { column.append(y[h][k]) }
            }
            support[k] = column.count
            if !column.isEmpty { counterfactual[k] = median(&column) }
        }
        if mode == .counterfactual && !support[g.pre.upperBound...].contains(where: { $0 > 0 }) { return [] }
        var result: [HostDetectionInput] = []
        for h in g.hosts.indices where usable[h] {
            guard let releasedAt = g.releasedAt[h], let batch = g.batchOf[h] else { continue }
            let s = max(noise[h].isNaN ? 0 : noise[h], floor, 1e-12)
            var target: [Double] = []
            var times: [Int64] = []
            for k in g.pre.upperBound..<n where g.times[k] >= releasedAt {
                times.append(g.times[k])
                let d = counterfactual[k]
                guard support[k] > 0, !d.isNaN, !y[h][k].isNaN else {
                    target.append(.nan)
                    continue
                }
                let spread = 1.57 * typical * typical / Double(support[k])
                let common = heterogeneity * d
                let shrink = s / (s * s + spread + common * common).squareRoot()
                target.append((y[h][k] - d) * shrink)
            }
            result.append(
                HostDetectionInput(
                    host: g.hosts[h],
                    batch: batch,
                    input: DetectionInput(
                        target: target,
                        reference: preResidual[h],
                        direction: metric.direction,
                        minimumScale: floor
                    ),
                    targetTimes: times
                )
            )
        }
        return result
    }

    /// What the fleet's change is expected to be anyway, subtracted before detection.
    enum FleetExpectation {
        /// The app's seasonal history (untransformed values at given times), or flat.
        case seasonal((@Sendable ([Int64]) -> [Double])?)
        /// What the app's load explains (``loadExplained(change:pre:times:load:)``); the
        /// seasonal expectation where the pre-deploy window cannot fit it.
        case load([HostSeries], else: (@Sendable ([Int64]) -> [Double])?)
    }

    /// The fleet's pseudo-host input: the released hosts' mean change, less what `expected` says.
    static func fleetInputs(
        _ g: Grid,
        deploy: Deploy,
        metric: MetricSpec,
        expected explanation: FleetExpectation
    ) -> [HostDetectionInput] {
        let n = g.times.count
        let released = g.hosts.indices.filter { g.releasedAt[$0] != nil }
        guard !released.isEmpty else { return [] }
        // Where some host that never gets the change, or gets it later, still reports.
        var counterfactualAt = [Bool](repeating: false, count: n)
        var mean = [Double](repeating: .nan, count: n)
        for k in 0..<n {
            counterfactualAt[k] = g.hosts.indices.contains { !g.isReleased($0, at: k) && !g.raw[$0][k].isNaN }
            var sum = 0.0
            var c = 0
            for h in released where !g.raw[h][k].isNaN {
                sum += g.raw[h][k]
                c += 1
            }
            if c > 0 { mean[k] = sum / Double(c) }
        }
        guard
            let start = (g.pre.upperBound..<n).first(where: { !counterfactualAt[$0] && g.times[$0] >= deploy.startedAt }
            )
        else { return [] }
        let transform = ValueTransform.choose(unit: metric.unit, sample: Array(mean[g.pre]))
        // Each host centred on its own pre-deploy median before averaging: hosts run at
        // different levels, so a host missing a minute (a restart mid-rollout) would otherwise
        // move a raw mean and look like a change.
        var offsets: [(host: Int, offset: Double)] = []
        for h in released {
            let v = g.raw[h][g.pre].map { transform($0) }.filter { !$0.isNaN }
            if v.count >= 3, let m = Quantile.linear(v, p: 0.5) { offsets.append((h, m)) }
        }
        var t = [Double](repeating: .nan, count: n)
        for k in 0..<n {
            var sum = 0.0
            var c = 0
            for (h, offset) in offsets where !g.raw[h][k].isNaN {
                let x = transform(g.raw[h][k])
                guard !x.isNaN else { continue }
                sum += x - offset
                c += 1
            }
            if c > 0 { t[k] = sum / Double(c) }
        }
        let before = t[g.pre].filter { !$0.isNaN }
        guard before.count >= 3, let base = Quantile.linear(before, p: 0.5) else { return [] }
        var expected = [Double](repeating: 0, count: n)
        func seasonal(_ expectation: (@Sendable ([Int64]) -> [Double])?) {
            guard let expectation else { return }
            let e = expectation(g.times).map { transform($0) }
            let eBefore = e[g.pre].filter { !$0.isNaN }
            if eBefore.count >= 3, let eBase = Quantile.linear(eBefore, p: 0.5) {
                expected = e.map { $0.isNaN ? 0 : $0 - eBase }
            }
        }
        switch explanation {
        case .seasonal(let expectation):
            seasonal(expectation)
        case .load(let load, let fallback):
            let raw = (0..<n).map { t[$0] - base }
            if let e = loadExplained(change: raw, pre: g.pre, times: g.times, load: load) {
                expected = e
            } else {
                seasonal(fallback)
            }
        }
        let change = (0..<n).map { t[$0] - base - expected[$0] }
        var target: [Double] = []
        var times: [Int64] = []
        for k in start..<n {
            times.append(g.times[k])
            target.append(counterfactualAt[k] ? .nan : change[k])
        }
        // The fleet mean is no quieter than its hosts' typical noise over √n allows: without
        // this floor a flat pre-deploy hour would turn any later wiggle into a huge score.
        var hostNoise: [Double] = []
        for h in released {
            let values = g.raw[h][g.pre].map { transform($0) }
            if let z = RobustStandardizer(reference: values) { hostNoise.append(z.scale) }
        }
        let typical = Quantile.linear(hostNoise, p: 0.5) ?? 0
        let floor = max(transform.noiseFloor, 0.5 * typical) / Double(released.count).squareRoot()
        let lastBatch = deploy.batches.map(\.index).max() ?? 0
        var input = HostDetectionInput(
            host: fleetHost,
            batch: lastBatch,
            input: DetectionInput(
                target: target,
                reference: Array(change[g.pre]),
                direction: metric.direction,
                minimumScale: floor
            ),
            targetTimes: times
        )
        input.batchStart = g.times[start]
        return [input]
    }
}
