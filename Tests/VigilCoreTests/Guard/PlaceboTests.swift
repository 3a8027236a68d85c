import Testing
import VigilCore

struct PlaceboTests {
    static let day: Int64 = 86_400
    static let metrics = [
        (
            spec: MetricSpec(name: "rt", unit: "ms", direction: .up),
            history: RegularSeries(start: 0, step: 60, values: (0..<1_440).map { 100 + Double($0 % 7) })
        )
    ]

    static func starts(known: Int64? = nil, busy: [ClosedRange<Int64>] = []) -> [Int64] {
        Placebo.history(
            app: "cart",
            metrics: metrics,
            every: 7_200,
            length: 3_600,
            preDeployWindow: 7_200,
            until: day,
            known: known,
            busy: busy
        ).map(\.evidence.deploy.startedAt)
    }

    @Test func historyPlacebosEveryTwoHoursAfterThePreDeployWindow() {
        // τ from 7200 to 86400 − 3600, every 7200 s.
        #expect(Self.starts() == stride(from: Int64(7_200), through: 79_200, by: 7_200).map { $0 })
    }

    @Test func historyPlacebosStayClearOfDeploysAndUnknownHistory() {
        let all = Self.starts()
        // A deploy from 30,000 to 31,000 (busy until an hour later) rules out every window
        // [τ − 7200, τ + 3600] that touches [30000, 34600].
        let busy: ClosedRange<Int64> = 30_000...34_600
        let clear = Self.starts(busy: [busy])
        #expect(clear == all.filter { !((($0 - 7_200)...($0 + 3_600)).overlaps(busy)) })
        #expect(clear.count == all.count - 2)
        #expect(!clear.contains(28_800) && !clear.contains(36_000))
        // Before the first deploy on record nothing is known to be normal.
        let known = Self.starts(known: 40_000)
        #expect(known == all.filter { $0 - 7_200 >= 40_000 })
        #expect(known.first == 50_400)
    }
}
