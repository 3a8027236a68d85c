import Foundation
import Testing
import VigilCore
import VigilSynth

struct FaultPlacementTests {
    static let kinds: Set<String> = [
        "level_shift", "error_burst", "success_drop", "resource_leak", "variance_increase",
    ]

    @Test func truthPlacesFaultsOnReleasedHostsOnly() throws {
        for truth in Fixtures.sample.truth {
            let deploy = try #require(Fixtures.index.deploys[truth.deployId])
            #expect(truth.isBad == (truth.faultKind != nil))
            guard truth.isBad else {
                #expect(truth.faultHosts.isEmpty && truth.faultMetrics.isEmpty && truth.faultOnset == nil)
                continue
            }
            #expect(Self.kinds.contains(truth.faultKind ?? ""))
            #expect(truth.faultKinds.first == truth.faultKind && truth.faultKinds.allSatisfy(Self.kinds.contains))
            #expect(!truth.faultHosts.isEmpty)
            #expect(Set(truth.faultHosts).isSubset(of: deploy.released), "\(truth.deployId): fault off released hosts")
            #expect(Set(truth.faultHosts).isDisjoint(with: deploy.baseline))
            #expect(Set(truth.faultMetrics).isSubset(of: deploy.metrics.map(\.name)))
            let onset = try #require(truth.faultOnset)
            let end = try #require(truth.faultEnd)
            #expect(onset >= deploy.startedAt && onset <= deploy.startedAt + 15 * 60, "\(truth.deployId) onset")
            #expect(end > onset)
            #expect(truth.hardGoodKind == nil)
        }
    }

    @Test func hardGoodDeploysAreGood() throws {
        let kinds: Set<String> = ["traffic_peak", "warmup_blip", "anomalous_baseline_host"]
        var seen = Set<String>()
        for truth in Fixtures.sample.truth {
            guard let kind = truth.hardGoodKind else {
                #expect(truth.anomalousHost == nil)
                continue
            }
            seen.insert(kind)
            #expect(kinds.contains(kind))
            #expect(!truth.isBad)
            if kind == "anomalous_baseline_host" {
                let deploy = try #require(Fixtures.index.deploys[truth.deployId])
                #expect(deploy.baseline.contains(truth.anomalousHost ?? ""), "\(truth.deployId)")
            }
        }
        #expect(seen == kinds)
    }

    /// The mean change of `metric` on `hosts` from the hour before the deploy to `[from, to)`.
    static func change(
        _ values: [String: [Int64: Double]],
        hosts: [String],
        before start: Int64,
        from: Int64,
        to: Int64
    )
        -> Double?
    {
        var pre: [Double] = []
        var post: [Double] = []
        for host in hosts {
            for (t, v) in values[host] ?? [:] {
                if t >= start - 3600 && t < start { pre.append(v) }
                if t >= from && t < to { post.append(v) }
            }
        }
        guard !pre.isEmpty, !post.isEmpty else { return nil }
        return post.reduce(0, +) / Double(post.count) - pre.reduce(0, +) / Double(pre.count)
    }

    /// In the data, a fault moves its metric on the released hosts in the harmful direction, and not on the baseline.
    @Test func dataShowsFaultsOnReleasedHostsNotOnBaseline() throws {
        var checked = 0
        var separated = 0
        for truth in Fixtures.sample.truth where truth.isBad {
            guard let kind = truth.faultKind, ["level_shift", "error_burst", "success_drop"].contains(kind) else {
                continue
            }
            let deploy = try #require(Fixtures.index.deploys[truth.deployId])
            guard !deploy.baseline.isEmpty, let onset = truth.faultOnset, let end = truth.faultEnd else { continue }
            let metric = ["level_shift": "rt.p99", "error_burst": "log.error.count", "success_drop": "success.rate"][
                kind
            ]!
            guard truth.faultMetrics.contains(metric) else { continue }
            let values = Fixtures.index.values(deploy: deploy, metric: metric)
            let to = min(end, onset + 1800)
            guard to - onset >= 180,
                let released = Self.change(
                    values,
                    hosts: truth.faultHosts,
                    before: deploy.startedAt,
                    from: onset,
                    to: to
                ),
                let baseline = Self.change(
                    values,
                    hosts: deploy.baseline,
                    before: deploy.startedAt,
                    from: onset,
                    to: to
                )
            else { continue }
            let harm = metric == "success.rate" ? -1.0 : 1.0
            checked += 1
            if harm * (released - baseline) > 0 { separated += 1 }
        }
        #expect(checked >= 5, "too few bad deploys to check: \(checked)")
        #expect(Double(separated) >= 0.85 * Double(checked), "\(separated) of \(checked) faults visible")
    }

    /// Baseline hosts of bad deploys look like the hosts of good deploys: nothing leaks onto them.
    @Test func baselineHostsOfBadDeploysStayQuiet() throws {
        var ratios: [Double] = []
        for truth in Fixtures.sample.truth where truth.isBad && truth.faultMetrics.contains("rt.p99") {
            let deploy = try #require(Fixtures.index.deploys[truth.deployId])
            guard !deploy.baseline.isEmpty, let onset = truth.faultOnset, let end = truth.faultEnd else { continue }
            let values = Fixtures.index.values(deploy: deploy, metric: "rt.p99")
            var pre: [Double] = []
            var post: [Double] = []
            for host in deploy.baseline {
                for (t, v) in values[host] ?? [:] {
                    if t >= deploy.startedAt - 3600 && t < deploy.startedAt { pre.append(v) }
                    if t >= onset && t < end { post.append(v) }
                }
            }
            guard !pre.isEmpty, !post.isEmpty else { continue }
            ratios.append((post.reduce(0, +) / Double(post.count)) / (pre.reduce(0, +) / Double(pre.count)))
        }
        #expect(!ratios.isEmpty)
        #expect(ratios.allSatisfy { $0 < 1.25 }, "\(ratios)")
    }
}
