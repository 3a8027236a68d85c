import VigilCore

extension AppSimulator {
    /// The guard's rule: a static k-sigma band from the hour before the deploy, on the mean over released hosts.
    enum GuardRule {
        static let sigmas = 3.0
        static let consecutive = 2
        static let preWindow: Int64 = 3600
    }

    /// Runs one deploy batch by batch: hosts switch, effects start, the guard watches, humans decide.
    mutating func simulate(_ plan: DeployPlan, nextStart: Int64?) -> SimDeploy {
        var plan = plan
        var rng = SplitMix64(seed: plan.key, path: 1)
        let horizon = plan.start + plan.plannedDuration + 4 * 3600
        var local = effects.filter { $0.start < horizon && $0.end > plan.start - GuardRule.preWindow }
        var own: [Effect] = []
        var executed: [(hosts: [Int], start: Int64, end: Int64)] = []
        var alerts: [SimAlert] = []
        var alerted = Set<Int>()
        var streak = [Int](repeating: 0, count: app.metrics.count)
        var hostsSoFar: [Int] = []
        var outcome = Outcome.completed
        var finishedAt: Int64?
        var stopped = false
        var t = plan.start
        let onset = plan.fault.map { plan.start + $0.delay }
        let humanAt = plan.humanRollbackDelay.flatMap { delay in onset.map { $0 + delay } }
        let rollbackTime = Int64(rng.int(2...6)) * 60
        // Now and then the guard trips on nothing (a scrape glitch, a flaky rule).
        let spurious: (at: Int64, metric: Int)? =
            plan.guardRuns && rng.chance(0.03)
            ? (
                plan.start + Int64(rng.int(1...max(1, Int(plan.plannedDuration / 60) - 1))) * 60,
                rng.int(0...(app.metrics.count - 1))
            )
            : nil

        for (i, hosts) in plan.batches.enumerated() where !stopped {
            if plan.abortBeforeBatch == i {
                outcome = .aborted
                finishedAt = t + Int64(rng.int(1...3)) * 60
                stopped = true
                break
            }
            let batchStart = t
            hostsSoFar += hosts
            let mask = Effect.mask(hosts)
            if let fault = plan.fault {
                for c in fault.components {
                    let e = Effect(
                        metric: c.metric,
                        hostMask: mask,
                        start: batchStart + fault.delay,
                        end: .max,
                        rampIn: c.rampIn,
                        shape: c.shape
                    )
                    own.append(e)
                    local.append(e)
                }
            }
            for blip in plan.blips {
                let e = Effect(
                    metric: blip.metric,
                    hostMask: mask,
                    start: batchStart,
                    end: batchStart + Int64(blip.decay * 6),
                    shape: .blip(peak: blip.peak, decay: blip.decay)
                )
                own.append(e)
                local.append(e)
            }
            let stats = plan.guardRuns ? preStats(hosts: hostsSoFar, start: plan.start, effects: local) : []
            let bakeEnd = batchStart + plan.bakes[i]
            var batchEnd = bakeEnd
            var resumedAt: Int64?
            var tau = batchStart + 60
            scan: while tau <= bakeEnd {
                defer { tau += 60 }
                if let humanAt, tau >= humanAt, alerts.isEmpty {
                    batchEnd = tau
                    finishedAt = tau + rollbackTime
                    outcome = .rolledBack
                    stopped = true
                    break scan
                }
                guard plan.guardRuns, alerts.count < 4 else { continue }
                for m in app.metrics.indices where !alerted.contains(m) && tau % app.metrics[m].step == 0 {
                    let x = meanValue(metric: m, hosts: hostsSoFar, at: tau, effects: local)
                    if violates(metric: m, value: x, stats: stats[m]) { streak[m] += 1 } else { streak[m] = 0 }
                    if let spurious, spurious.metric == m, spurious.at == tau { streak[m] = GuardRule.consecutive }
                    guard streak[m] >= GuardRule.consecutive else { continue }
                    alerted.insert(m)
                    let action = guardAction(first: alerts.isEmpty, rng: &rng)
                    alerts.append(SimAlert(at: tau, batch: i, metric: m, detector: app.detectors[m], action: action))
                    if action == "observed" { continue }
                    batchEnd = tau
                    if action == "rolled_back" {
                        finishedAt = tau + rollbackTime
                        outcome = .rolledBack
                        stopped = true
                        break scan
                    }
                    // Paused: a human looks, then rolls back, resumes, or leaves it paused.
                    let pause = Int64(rng.int(4...20)) * 60
                    let faultShowing = onset.map { tau >= $0 } ?? false
                    let decision = rng.weighted(faultShowing ? [0.85, 0.08, 0.07] : [0.1, 0.82, 0.08])
                    switch decision {
                    case 0:
                        finishedAt = tau + pause + rollbackTime
                        outcome = .rolledBack
                        stopped = true
                    case 1:
                        resumedAt = tau + pause
                    default:
                        outcome = .paused
                        stopped = true
                    }
                    break scan
                }
            }
            executed.append((hosts, batchStart, batchEnd))
            if let resumedAt {
                t = resumedAt
            } else {
                t = bakeEnd + plan.gaps[i]
            }
        }
        if !stopped {
            finishedAt = max(executed.last?.end ?? plan.start, t - (plan.gaps.last ?? 0))
        }
        var deploy = SimDeploy(
            plan: plan,
            executed: executed,
            finishedAt: finishedAt,
            outcome: outcome,
            alerts: alerts,
            faultOnset: nil,
            faultEnd: nil,
            faultHosts: [],
            exportDay: 0,
            bundleVersion: bundleVersion(day: plan.day)
        )

        // When does the fault stop: at the rollback, else when a fix ships (before the next deploy).
        var faultEnd: Int64?
        if plan.fault != nil {
            if outcome == .rolledBack, let finishedAt {
                faultEnd = finishedAt
            } else {
                var end = deploy.effectiveEnd + Int64(rng.int(30...100)) * 60
                if let nextStart { end = min(end, max(deploy.effectiveEnd, nextStart - 300)) }
                faultEnd = end
            }
        }
        var kept: [Effect] = []
        var faultHosts = Set<Int>()
        var earliest: Int64?
        for var e in own {
            if e.end == .max {
                guard let faultEnd, e.start < faultEnd else { continue }
                e.end = faultEnd
                for h in 0..<app.hostCount where e.covers(host: h) { faultHosts.insert(h) }
                earliest = min(earliest ?? e.start, e.start)
            } else if outcome == .rolledBack, let finishedAt {
                e.end = min(e.end, finishedAt)
                guard e.start < e.end else { continue }
            }
            kept.append(e)
        }
        if plan.fault != nil && faultHosts.isEmpty {
            // Rolled back before the fault could show: nothing bad ever reached the data.
            plan.fault = nil
            deploy.plan = plan
        } else if plan.fault != nil {
            deploy.faultOnset = earliest
            deploy.faultEnd = faultEnd
            deploy.faultHosts = faultHosts.sorted()
        }
        effects += kept
        let endDay = Int((deploy.effectiveEnd - config.startDay) / 86_400)
        // Records of deploys the guard interfered with are reconciled, so they lag more often.
        let lag = rng.chance(alerts.isEmpty ? knobs.exportLagRate : min(1, 3 * knobs.exportLagRate))
        deploy.exportDay = min(config.days - 1, endDay + (lag ? 1 : 0))
        return deploy
    }

    private func guardAction(first: Bool, rng: inout SplitMix64) -> String {
        guard app.guardEnforcing else { return "observed" }
        let weights = first ? [0.65, 0.25, 0.1] : [0.55, 0.4, 0.05]
        return ["paused", "rolled_back", "observed"][rng.weighted(weights)]
    }

    private func bundleVersion(day: Int) -> String {
        let date = RFC3339.formatDate(config.startDay + Int64(day - 1) * 86_400).replacingDashes()
        return "\(date).\(day % 3 + 1)"
    }

    /// Mean and standard deviation of the released-host mean over the hour before the deploy, per metric.
    private func preStats(hosts: [Int], start: Int64, effects: [Effect]) -> [(mean: Double, sd: Double)] {
        app.metrics.indices.map { m in
            let step = app.metrics[m].step
            var values: [Double] = []
            var t = (start - GuardRule.preWindow) / step * step
            while t < start {
                values.append(meanValue(metric: m, hosts: hosts, at: t, effects: effects))
                t += step
            }
            let mean = values.reduce(0, +) / Double(max(1, values.count))
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, values.count - 1))
            return (mean, variance.squareRoot())
        }
    }

    private func meanValue(metric m: Int, hosts: [Int], at t: Int64, effects: [Effect]) -> Double {
        let traffic = signal.traffic(at: t)
        var total = 0.0
        for h in hosts { total += signal.value(metric: m, host: h, at: t, traffic: traffic, effects: effects) }
        return total / Double(hosts.count)
    }

    /// Whether `value` breaks the static band in the direction that hurts, by enough to matter.
    private func violates(metric m: Int, value x: Double, stats: (mean: Double, sd: Double)) -> Bool {
        let profile = app.metrics[m]
        let k = GuardRule.sigmas
        switch profile.model {
        case .ratio:
            // Compare failure fractions; a tiny absolute drop is not worth a page.
            let failure = 1 - x
            let baseFailure = 1 - stats.mean
            let sd = max(stats.sd, baseFailure * 0.05, 1e-5)
            return (failure - baseFailure) / sd > k && failure - baseFailure > 0.004
        case .count:
            let sd = max(stats.sd, 0.5)
            return (x - stats.mean) / sd > k && x > stats.mean * 1.8 + 3 * Double(profile.step) / 60
        case .continuous:
            let sd = max(stats.sd, abs(stats.mean) * 0.02)
            let z = (x - stats.mean) / sd
            let relative = (x - stats.mean) / max(abs(stats.mean), 1e-9)
            switch profile.spec.direction {
            case .up: return z > k && relative > 0.15
            case .down: return z < -k && relative < -0.15
            case .both: return abs(z) > k && abs(relative) > 0.2
            }
        }
    }
}
