import Foundation
import VigilCore

/// The value of every metric of one app, on each host and in aggregate, at any time.
///
/// A value is a pure function of (app, metric, host, time, effects): a daily and
/// weekly traffic curve (times app-wide peaks) drives a per-host level, effects
/// change it, and counter-based noise (see ``SeedMix``) perturbs it.
struct SignalModel: Sendable {
    let app: AppProfile
    var peaks: [TrafficPeak] = []
    /// `hostScale[m * hostCount + h]`: the host's level relative to the app's.
    private let hostScale: [Double]
    /// `hostNoise[m * hostCount + h]`: the host's noise relative to the app's.
    private let hostNoise: [Double]
    /// `seriesKeys[m * hostCount + h]`.
    private let seriesKeys: [UInt64]
    private let aggregateKeys: [UInt64]
    private let meanHostScale: [Double]

    init(app: AppProfile) {
        self.app = app
        var scales: [Double] = []
        var noises: [Double] = []
        var keys: [UInt64] = []
        var means: [Double] = []
        for (m, metric) in app.metrics.enumerated() {
            var total = 0.0
            for h in 0..<app.hostCount {
                let hash = SeedMix.derive(app.key, 1, UInt64(m), UInt64(h))
                let scale = exp(metric.hostSpread * SeedMix.gaussian(hash))
                scales.append(scale)
                noises.append(exp(0.2 * SeedMix.gaussian(SeedMix.mix(hash))))
                keys.append(SeedMix.derive(app.key, 2, UInt64(m), UInt64(h)))
                total += scale
            }
            means.append(total / Double(app.hostCount))
        }
        hostScale = scales
        hostNoise = noises
        seriesKeys = keys
        meanHostScale = means
        aggregateKeys = app.metrics.indices.map { SeedMix.derive(app.key, 3, UInt64($0)) }
    }

    // MARK: Traffic

    /// Relative traffic: about 0.25 at night to 1.1 at the evening peak, lower at weekends, times peaks.
    func traffic(at t: Int64) -> Double {
        let local = t + app.phase
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let hour = Double(local - day * 86_400) / 3600
        var daily = 0.56 - 0.34 * cos(2 * Double.pi * (hour - 4) / 24)
        daily += 0.10 * exp(-(hour - 20.5) * (hour - 20.5) / 2.9) + 0.07 * exp(-(hour - 11) * (hour - 11) / 4.5)
        // 1970-01-01 was a Thursday; 0 is Sunday.
        let weekday = ((day + 4) % 7 + 7) % 7
        let weekly = weekday == 0 || weekday == 6 ? app.weekendFactor : (weekday == 5 ? 0.96 : 1)
        var value = daily * weekly
        for peak in peaks where t > peak.start && t < peak.end { value *= peak.multiplier(at: t) }
        return value
    }

    // MARK: Host values

    /// The noiseless level of `metric` on `host` at `t`, after effects; also returns the noise multiplier.
    @inline(__always)
    func level(metric m: Int, host h: Int, at t: Int64, traffic: Double, effects: [Effect]) -> (Double, Double) {
        let profile = app.metrics[m]
        let index = m * app.hostCount + h
        var level = profile.base * hostScale[index] * (1 + profile.trafficSensitivity * (traffic - 1))
        if profile.model == .count { level *= Double(profile.step) / 60 }
        var noise = hostNoise[index]
        for effect in effects where effect.metric == m && effect.isActive(at: t) && effect.covers(host: h) {
            apply(effect, to: &level, noise: &noise, at: t, step: profile.model == .count ? profile.step : 60)
        }
        return (level, noise)
    }

    @inline(__always)
    private func apply(_ effect: Effect, to level: inout Double, noise: inout Double, at t: Int64, step: Int64) {
        let elapsed = Double(t - effect.start)
        let strength = effect.rampIn > 0 ? min(1, elapsed / Double(effect.rampIn)) : 1
        switch effect.shape {
        case .scale(let factor): level *= 1 + (factor - 1) * strength
        case .add(let amount): level += amount * strength * Double(step) / 60
        case .ramp(let perHour, let cap): level *= 1 + min(cap, perHour * elapsed / 3600)
        case .noise(let factor): noise *= factor
        case .blip(let peak, let decay): level *= 1 + (peak - 1) * exp(-elapsed / decay)
        }
    }

    /// The value of `metric` on `host` at `t`.
    func value(metric m: Int, host h: Int, at t: Int64, traffic: Double, effects: [Effect]) -> Double {
        let (level, noiseFactor) = level(metric: m, host: h, at: t, traffic: traffic, effects: effects)
        let key = seriesKeys[m * app.hostCount + h]
        return realize(metric: m, level: level, noiseFactor: noiseFactor, key: key, t: t)
    }

    // MARK: App aggregate

    /// The app-level aggregate (mean or sum over hosts) of `metric` at `t`, with `active` effects applied.
    func aggregate(metric m: Int, at t: Int64, active: [Effect]) -> Double {
        let profile = app.metrics[m]
        let traffic = traffic(at: t)
        let n = Double(app.hostCount)
        var level: Double
        if active.isEmpty {
            level = profile.base * meanHostScale[m] * (1 + profile.trafficSensitivity * (traffic - 1))
            if profile.model == .count { level *= Double(profile.step) / 60 }
        } else {
            level = 0
            for h in 0..<app.hostCount {
                level += self.level(metric: m, host: h, at: t, traffic: traffic, effects: active).0
            }
            level /= n
        }
        if profile.aggregation == .sum { level *= n }
        // Averaging over hosts shrinks the white noise.
        let noiseFactor = profile.aggregation == .sum && profile.model == .count ? 1 : 1 / n.squareRoot()
        return realize(metric: m, level: level, noiseFactor: noiseFactor, key: aggregateKeys[m], t: t)
    }

    // MARK: Noise

    @inline(__always)
    private func realize(metric m: Int, level: Double, noiseFactor: Double, key: UInt64, t: Int64) -> Double {
        let profile = app.metrics[m]
        let hash = SeedMix.point(key, t)
        let drift = profile.drift * smooth(key: key, t: t)
        switch profile.model {
        case .continuous:
            var white = SeedMix.gaussian(hash)
            // Rare outliers: heavy tails are what real monitoring looks like.
            if SeedMix.unit(SeedMix.mix(hash)) < 0.002 { white *= 4 }
            let value = level * (1 + drift + profile.noise * noiseFactor * white)
            return min(profile.upperBound, max(0, value))
        case .ratio:
            let white = SeedMix.gaussian(hash)
            let failure = level * max(0.05, 1 + drift + profile.noise * noiseFactor * white)
            return max(0, 1 - failure)
        case .count:
            return Double(SignalModel.poisson(mean: level * max(0, 1 + drift), hash: hash))
        }
    }

    /// A slow component: linear interpolation between standard normal knots every 15 minutes.
    @inline(__always)
    private func smooth(key: UInt64, t: Int64) -> Double {
        let knot = t >= 0 ? t / 900 : (t - 899) / 900
        let fraction = Double(t - knot * 900) / 900
        let a = SeedMix.gaussian(SeedMix.point(key ^ 0x5A5A_5A5A, knot))
        let b = SeedMix.gaussian(SeedMix.point(key ^ 0x5A5A_5A5A, knot + 1))
        return a + (b - a) * fraction
    }

    /// A Poisson deviate from a hash: inversion for small means, a normal approximation above 30.
    static func poisson(mean: Double, hash: UInt64) -> Int {
        guard mean > 0 else { return 0 }
        if mean >= 30 {
            return max(0, Int((mean + mean.squareRoot() * SeedMix.gaussian(hash)).rounded()))
        }
        var rng = SplitMix64(seed: hash)
        let limit = exp(-mean)
        var product = rng.nextUnit()
        var count = 0
        while product > limit {
            product *= rng.nextUnit()
            count += 1
        }
        return count
    }
}
