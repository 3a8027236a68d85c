import Testing
import VigilCore

struct RFC3339Tests {
    @Test(arguments: [
        ("2026-11-25T10:00:00Z", Int64(1_795_600_800)),
        ("2026-11-25t10:00:00z", 1_795_600_800),
        ("2026-11-25 10:00:00Z", 1_795_600_800),
        ("2026-11-25T18:00:00+08:00", 1_795_600_800),
        ("2026-11-25T05:30:00-04:30", 1_795_600_800),
        ("2026-11-25T10:00:00.999Z", 1_795_600_800),
        ("1970-01-01T00:00:00Z", 0),
        ("1969-12-31T23:59:59Z", -1),
        ("2024-02-29T00:00:00Z", 1_709_164_800),
        ("2016-12-31T23:59:60Z", 1_483_228_799),
    ])
    func parsesValidTimes(text: String, expected: Int64) {
        #expect(RFC3339.parse(text) == expected)
    }

    @Test(arguments: [
        "", "2026-11-25", "2026-11-25T10:00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z", "2026-11-25T24:00:00Z",
        "2026-11-25T10:00:00+0800", "2026-11-25T10:00:00Zjunk", "2026-11-25T10:00:00.Z", "26-11-25T10:00:00Z",
        "yesterday",
    ])
    func rejectsInvalidTimes(text: String) {
        #expect(RFC3339.parse(text) == nil)
    }

    @Test func formatRoundTripsEverySecondOfSampledDays() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<10_000 {
            let t = Int64(rng.next() % 8_000_000_000) - 2_000_000_000
            let text = RFC3339.format(t)
            #expect(RFC3339.parse(text) == t, "\(t) -> \(text)")
        }
        #expect(RFC3339.format(1_795_600_800) == "2026-11-25T10:00:00Z")
        #expect(RFC3339.formatDate(1_795_600_800) == "2026-11-25")
    }
}
