import Testing
import VigilCore
import VigilSynth

struct DeterminismTests {
    static let small = SynthConfig(seed: 7, apps: 2, days: 3)

    @Test func sameSeedGivesSameBytes() {
        let first = Synthesizer.generate(Self.small)
        let second = Synthesizer.generate(Self.small)
        #expect(first.archives.map(\.name) == second.archives.map(\.name))
        for (a, b) in zip(first.archives, second.archives) {
            #expect(a.files.map(\.path) == b.files.map(\.path))
            for (fa, fb) in zip(a.files, b.files) where fa.contents != fb.contents {
                Issue.record("\(a.name)/\(fa.path) differs between two runs")
            }
        }
        #expect(first.truth == second.truth)
        #expect(first.truthJSONLines() == second.truthJSONLines())
        #expect(first == second)
    }

    @Test func differentSeedDiffers() {
        var other = Self.small
        other.seed = 8
        let a = Synthesizer.generate(Self.small)
        let b = Synthesizer.generate(other)
        #expect(a.truthJSONLines() != b.truthJSONLines())
        let contentsA = a.archives.flatMap { $0.files.map(\.contents) }
        let contentsB = b.archives.flatMap { $0.files.map(\.contents) }
        #expect(contentsA != contentsB)
        #expect(a.archives[0].file(at: "manifest.json")?.contents != b.archives[0].file(at: "manifest.json")?.contents)
    }

    @Test func moreDaysExtendTheSameWorld() {
        // Each day is drawn from its own stream: a longer corpus starts with the same deploys.
        var longer = Self.small
        longer.days = 4
        let short = Synthesizer.generate(Self.small)
        let long = Synthesizer.generate(longer)
        let firstDay = short.truth.filter { $0.startedAt < Self.small.startDay + 86_400 }.map(\.deployId)
        let firstDayLong = long.truth.filter { $0.startedAt < Self.small.startDay + 86_400 }.map(\.deployId)
        #expect(!firstDay.isEmpty)
        #expect(firstDay == firstDayLong)
    }

    /// FNV-1a over every archive name, path and byte, and the truth lines.
    static func digest(_ corpus: SyntheticCorpus) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ bytes: some Sequence<UInt8>) {
            for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            h = (h ^ 0xFF) &* 0x0000_0100_0000_01B3
        }
        for archive in corpus.archives {
            add(archive.name.utf8)
            for file in archive.files {
                add(file.path.utf8)
                add(file.contents)
            }
        }
        add(corpus.truthJSONLines().utf8)
        return h
    }

    /// Pins the bytes of a small corpus, so that output depending on hash seeds, thread timing or
    /// platform state shows up across processes, not only within one.
    ///
    /// A deliberate change to the generator changes this digest: check the new output, then update it.
    @Test func smallCorpusDigestIsPinned() {
        let digest = Self.digest(Synthesizer.generate(SynthConfig(seed: 7, apps: 2, days: 2)))
        #expect(digest == 0x128e_bbe5_43f6_0793, "digest is 0x\(String(digest, radix: 16))")
    }

    @Test func defaultStartDayIsNovemberFirst() {
        #expect(RFC3339.format(SynthConfig.defaultStartDay) == "2026-11-01T00:00:00Z")
        #expect(SynthConfig(seed: 1, apps: 1, days: 1).startDay == SynthConfig.defaultStartDay)
    }
}
