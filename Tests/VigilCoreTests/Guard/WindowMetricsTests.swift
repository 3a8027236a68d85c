import Testing
import VigilCore

struct WindowMetricsTests {
    static func bits(_ s: String) -> [Bool] { s.map { $0 == "1" } }

    @Test func eachWindowAndEachFalseClusterCountsOnce() {
        let truth = Self.bits("0011100000111000")
        let alerts = Self.bits("1101100110000011")
        let m = WindowMetrics(truth: truth, alerts: alerts)
        #expect(m.windows == 2)
        #expect(m.detected == 1)
        // Clusters outside: [0,1], [7,8], [14,15]; index 3-4 lie in the first window.
        #expect(m.falseClusters == 3)
        #expect(m.precision == 0.25)
        #expect(m.recall == 0.5)
    }

    @Test func aMergeGapJoinsNearbyAlerts() {
        let truth = Self.bits("00000000")
        let alerts = Self.bits("10100001")
        #expect(WindowMetrics(truth: truth, alerts: alerts).falseClusters == 3)
        #expect(WindowMetrics(truth: truth, alerts: alerts, mergeGap: 1).falseClusters == 2)
        #expect(WindowMetrics(truth: truth, alerts: alerts, mergeGap: 4).falseClusters == 1)
    }

    @Test func emptyInputsGiveZerosNotNaN() {
        let m = WindowMetrics(truth: [], alerts: [])
        #expect(m.precision == 0 && m.recall == 0 && m.f1 == 0)
        let sum = WindowMetrics(truth: Self.bits("11"), alerts: Self.bits("01")) + m
        #expect(sum.recall == 1)
    }
}
