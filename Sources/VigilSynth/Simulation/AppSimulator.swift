import VigilCore

/// An app-wide event unrelated to any deploy: a promotion peak or an infrastructure degradation.
struct BackgroundEvent: Sendable {
    var start: Int64
    var end: Int64
    var isDegradation: Bool
}

/// Everything simulated for one app: its signal, effects, deploys and background events.
struct AppWorld: Sendable {
    var app: AppProfile
    var signal: SignalModel
    /// Sorted by start.
    var effects: [Effect]
    /// Sorted by start.
    var deploys: [SimDeploy]
    var background: [BackgroundEvent]
}

/// Plans one app's deploys day by day, then runs them in time order through the guard and the humans.
struct AppSimulator {
    let app: AppProfile
    let config: SynthConfig
    let knobs: Knobs
    var signal: SignalModel
    var effects: [Effect] = []

    init(app: AppProfile, config: SynthConfig, knobs: Knobs) {
        self.app = app
        self.config = config
        self.knobs = knobs
        self.signal = SignalModel(app: app)
    }

    static func run(app: AppProfile, config: SynthConfig, knobs: Knobs) -> AppWorld {
        var simulator = AppSimulator(app: app, config: config, knobs: knobs)
        var plans: [DeployPlan] = []
        for day in 0..<config.days { plans += simulator.planDay(day) }
        plans.sort { $0.start < $1.start }
        let background = simulator.planBackground(avoiding: plans)
        var deploys: [SimDeploy] = []
        for (i, plan) in plans.enumerated() {
            let nextStart = i + 1 < plans.count ? plans[i + 1].start : nil
            deploys.append(simulator.simulate(plan, nextStart: nextStart))
        }
        simulator.effects.sort { ($0.start, $0.metric) < ($1.start, $1.metric) }
        simulator.signal.peaks.sort { $0.start < $1.start }
        return AppWorld(
            app: app,
            signal: simulator.signal,
            effects: simulator.effects,
            deploys: deploys,
            background: background
        )
    }

    // MARK: Planning

    static let summaries = [
        "bump pricing client", "refactor cache layer", "add retry to ledger client", "upgrade netty to 4.1.115",
        "feature flag: new ranking model", "tune connection pool", "fix null check in coupon path",
        "rollout config v2", "migrate to async logger", "dependency bumps", "add tracing to checkout flow",
        "reduce allocations in serializer", "switch to regional endpoint", "batch writes to ledger",
        "enable http/2 upstream", "raise timeout for inventory lookup", "new index on orders table",
        "rework session handling",
    ]

    private mutating func planDay(_ day: Int) -> [DeployPlan] {
        var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("day"), UInt64(app.index), UInt64(day))
        let count = (2 + rng.weighted([0.55, 0.3, 0.15])) * config.scale
        let dayStart = config.startDay + Int64(day) * 86_400
        let windowStart = dayStart + 6 * 3600
        let slot = Int64(18 * 3600) / Int64(count)
        let straddle = day < config.days - 1 && rng.chance(knobs.straddleRate)
        var plans: [DeployPlan] = []
        for k in 0..<count {
            let slotStart = windowStart + Int64(k) * slot
            var start = slotStart + Int64(rng.int(0...Int(slot * 35 / 100 / 60))) * 60
            if straddle && k == count - 1 { start = max(start, dayStart + 23 * 3600 + Int64(rng.int(10...40)) * 60) }
            let budget = straddle && k == count - 1 ? Int64(5400) : slotStart + slot - start - 600
            let key = SeedMix.derive(config.seed, SeedMix.tag("deploy"), UInt64(app.index), UInt64(day), UInt64(k))
            plans.append(planDeploy(day: day, start: start, budget: max(budget, 900), key: key, rng: &rng))
        }
        return plans
    }

    private mutating func planDeploy(
        day: Int,
        start: Int64,
        budget: Int64,
        key: UInt64,
        rng: inout SplitMix64
    ) -> DeployPlan {
        let strategy = [Strategy.rolling, .canary, .blueGreen][rng.weighted([0.45, 0.35, 0.2])]
        var hosts = Array(0..<app.hostCount)
        rng.shuffle(&hosts)
        let baselineCount =
            strategy == .blueGreen
            ? (rng.chance(0.6) ? 0 : rng.int(1...2)) : rng.weighted([0.2, 0.42, 0.26, 0.08, 0.04])
        let baseline = Array(hosts.prefix(baselineCount)).sorted()
        var pool = Array(hosts.dropFirst(baselineCount))
        let batchCount = 2 + rng.weighted([0.45, 0.35, 0.2])
        var batches: [[Int]] = []
        var bakes: [Int64] = []
        var gaps: [Int64] = []
        for b in 0..<batchCount where !pool.isEmpty {
            var size: Int
            switch strategy {
            case .canary: size = b == 0 ? 1 : 1 + rng.weighted([0.5, 0.3, 0.13, 0.07])
            case .blueGreen: size = 2 + rng.weighted([0.6, 0.3, 0.1])
            case .rolling: size = 1 + rng.weighted([0.5, 0.3, 0.13, 0.07])
            }
            // Leave at least one host for each later batch.
            size = max(1, min(size, pool.count - (batchCount - b - 1)))
            batches.append(Array(pool.prefix(size)).sorted())
            pool.removeFirst(size)
            let bakeMinutes =
                strategy == .canary && b == 0
                ? rng.int(10...20) : (strategy == .blueGreen ? rng.int(8...15) : rng.int(5...15))
            bakes.append(Int64(bakeMinutes) * 60)
            gaps.append(b == batchCount - 1 ? 0 : Int64(rng.int(0...2)) * 60)
        }
        let planned = bakes.reduce(0, +) + gaps.reduce(0, +)
        if planned > budget {
            let factor = Double(budget) / Double(planned)
            bakes = bakes.map { max(180, Int64(Double($0) * factor / 60) * 60) }
            gaps = gaps.map { _ in 0 }
        }
        let commit = String(rng.next() >> 36, radix: 16).leftPadded(to: 7)
        var plan = DeployPlan(
            app: app.index,
            day: day,
            start: start,
            strategy: strategy,
            batches: batches,
            bakes: bakes,
            gaps: gaps,
            baseline: baseline,
            guardRuns: rng.chance(knobs.guardCoverage),
            fault: nil,
            hardGood: nil,
            anomalousHost: nil,
            commit: commit,
            summary: rng.pick(AppSimulator.summaries),
            key: key
        )
        if batches.count > 1 && rng.chance(knobs.abortRate) { plan.abortBeforeBatch = rng.int(1...(batches.count - 1)) }
        if rng.chance(knobs.badRate) {
            plan.fault = planFault(rng: &rng)
            if rng.chance(knobs.humanRollbackRate) { plan.humanRollbackDelay = Int64(rng.int(12...40)) * 60 }
        } else if rng.chance(knobs.hardGoodRate) {
            planHardGood(&plan, rng: &rng)
        }
        return plan
    }

    private func planFault(rng: inout SplitMix64) -> FaultPlan {
        let primary = FaultKind.allCases[rng.weighted([0.3, 0.22, 0.18, 0.15, 0.15])]
        var components = faultComponents(primary, rng: &rng)
        if components.isEmpty { components = faultComponents(.levelShift, rng: &rng) }
        if rng.chance(0.35) {
            let others = FaultKind.allCases.filter { $0 != components[0].kind }
            let secondary = faultComponents(rng.pick(others), rng: &rng)
            let used = Set(components.map(\.metric))
            components += secondary.filter { !used.contains($0.metric) }
        }
        let delay: Int64 = rng.chance(0.5) ? 0 : Int64(rng.int(2...15)) * 60
        return FaultPlan(components: components, delay: delay)
    }

    private func faultComponents(_ kind: FaultKind, rng: inout SplitMix64) -> [FaultPlan.Component] {
        func index(_ name: String) -> Int? { app.metricIndex(name) }
        switch kind {
        case .levelShift:
            guard let rt = index("rt.p99") else { return [] }
            let factor = rng.chance(0.6) ? rng.uniform(1.3, 2.2) : rng.uniform(1.08, 1.22)
            var parts = [
                FaultPlan.Component(kind: kind, metric: rt, shape: .scale(factor), rampIn: Int64(rng.int(0...2)) * 60)
            ]
            if let cpu = index("cpu.util"), rng.chance(0.3) {
                parts.append(.init(kind: kind, metric: cpu, shape: .scale(rng.uniform(1.15, 1.4)), rampIn: 60))
            }
            return parts
        case .errorBurst:
            guard let errors = index("log.error.count") else { return [] }
            let base = app.metrics[errors].base
            var parts = [
                FaultPlan.Component(
                    kind: kind,
                    metric: errors,
                    shape: .add(max(3, base * rng.uniform(2, 8))),
                    rampIn: 0
                )
            ]
            if let lb = index("lb.5xx.count"), rng.chance(0.5) {
                parts.append(
                    .init(
                        kind: kind,
                        metric: lb,
                        shape: .add(max(2, app.metrics[lb].base * rng.uniform(2, 5))),
                        rampIn: 0
                    )
                )
            }
            return parts
        case .successDrop:
            guard let success = index("success.rate") else { return [] }
            return [.init(kind: kind, metric: success, shape: .add(rng.uniform(0.0015, 0.006)), rampIn: 60)]
        case .resourceLeak:
            let candidates = ["mem.used", "cpu.util", "db.conn.active"].compactMap(index)
            guard !candidates.isEmpty else { return [] }
            let metric = rng.pick(candidates)
            let cap = app.metrics[metric].name == "mem.used" ? 1.5 : 0.9
            return [
                .init(kind: kind, metric: metric, shape: .ramp(perHour: rng.uniform(0.1, 0.5), cap: cap), rampIn: 0)
            ]
        case .varianceIncrease:
            let candidates = ["rt.p99", "cpu.util", "qps"].compactMap(index)
            guard !candidates.isEmpty else { return [] }
            return [.init(kind: kind, metric: rng.pick(candidates), shape: .noise(rng.uniform(3, 6)), rampIn: 0)]
        }
    }

    private mutating func planHardGood(_ plan: inout DeployPlan, rng: inout SplitMix64) {
        var kind = HardGoodKind.allCases[rng.weighted([0.4, 0.35, 0.25])]
        if kind == .anomalousBaselineHost && plan.baseline.isEmpty { kind = .warmupBlip }
        plan.hardGood = kind
        switch kind {
        case .trafficPeak:
            let offset = Int64(rng.int(2...max(3, Int(plan.plannedDuration / 120)))) * 60
            let peak = TrafficPeak(
                start: plan.start + offset,
                rampUp: Int64(rng.int(3...6)) * 60,
                hold: Int64(rng.int(10...30)) * 60,
                rampDown: Int64(rng.int(5...15)) * 60,
                factor: rng.uniform(1.4, 2.0)
            )
            plan.peak = peak
            signal.peaks.append(peak)
        case .warmupBlip:
            if let rt = app.metricIndex("rt.p99") {
                plan.blips.append((rt, rng.uniform(1.7, 2.8), rng.uniform(50, 120)))
            }
            if let cpu = app.metricIndex("cpu.util") {
                plan.blips.append((cpu, rng.uniform(1.25, 1.6), rng.uniform(60, 150)))
            }
            if let errors = app.metricIndex("log.error.count"), rng.chance(0.5) {
                plan.blips.append((errors, rng.uniform(2, 4), rng.uniform(40, 90)))
            }
        case .anomalousBaselineHost:
            let host = rng.pick(plan.baseline)
            plan.anomalousHost = host
            let from = plan.start - 7200 - 1800
            let to = plan.start + plan.plannedDuration + 3600 + 3600
            let mask = Effect.mask([host])
            if let rt = app.metricIndex("rt.p99") {
                effects.append(
                    Effect(metric: rt, hostMask: mask, start: from, end: to, shape: .scale(rng.uniform(1.3, 1.7)))
                )
                effects.append(
                    Effect(metric: rt, hostMask: mask, start: from, end: to, shape: .noise(rng.uniform(2, 3.5)))
                )
            }
            if let cpu = app.metricIndex("cpu.util") {
                effects.append(
                    Effect(metric: cpu, hostMask: mask, start: from, end: to, shape: .scale(rng.uniform(1.2, 1.5)))
                )
            }
            if let errors = app.metricIndex("log.error.count"), rng.chance(0.5) {
                effects.append(
                    Effect(metric: errors, hostMask: mask, start: from, end: to, shape: .scale(rng.uniform(2, 4)))
                )
            }
        }
    }

    private mutating func planBackground(avoiding plans: [DeployPlan]) -> [BackgroundEvent] {
        var rng = SplitMix64(seed: config.seed, path: SeedMix.tag("background"), UInt64(app.index))
        var events: [BackgroundEvent] = []
        let firstDay = -config.historyDays
        let totalDays = config.days + config.historyDays
        let count = max(1, totalDays / 5 + rng.int(-1...1))
        for _ in 0..<count {
            for _ in 0..<20 {
                let day = rng.int(firstDay...(config.days - 1))
                let start = config.startDay + Int64(day) * 86_400 + Int64(rng.int((8 * 60)...(22 * 60))) * 60
                let end = start + Int64(rng.int(20...60)) * 60
                let clash = plans.contains { start < $0.start + $0.plannedDuration + 2700 && end > $0.start - 2700 }
                if clash { continue }
                let degradation = rng.chance(0.5)
                if degradation {
                    let all = Effect.mask(Array(0..<app.hostCount))
                    if let rt = app.metricIndex("rt.p99") {
                        effects.append(
                            Effect(
                                metric: rt,
                                hostMask: all,
                                start: start,
                                end: end,
                                rampIn: 300,
                                shape: .scale(rng.uniform(1.4, 1.9))
                            )
                        )
                    }
                    if let errors = app.metricIndex("log.error.count") {
                        effects.append(
                            Effect(
                                metric: errors,
                                hostMask: all,
                                start: start,
                                end: end,
                                rampIn: 300,
                                shape: .scale(rng.uniform(1.5, 3))
                            )
                        )
                    }
                } else {
                    let third = (end - start) / 3
                    signal.peaks.append(
                        TrafficPeak(
                            start: start,
                            rampUp: third,
                            hold: third,
                            rampDown: end - start - 2 * third,
                            factor: rng.uniform(1.3, 1.7)
                        )
                    )
                }
                events.append(BackgroundEvent(start: start, end: end, isDegradation: degradation))
                break
            }
        }
        return events.sorted { $0.start < $1.start }
    }
}
