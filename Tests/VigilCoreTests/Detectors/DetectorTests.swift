import Testing
import VigilCore

struct DetectorCatalogTests {
    @Test func namesAreUniqueAndEveryDetectorBuildsWithDefaults() throws {
        let names = DetectorCatalog.all.map { $0.name }
        #expect(Set(names).count == names.count)
        #expect(
            Set(names) == [
                "zscore", "tukey", "esd", "arima_ksigma", "mann_whitney", "ks", "donut", "level", "cusum", "spread",
                "burst",
            ]
        )
        for type in DetectorCatalog.all {
            _ = try type.init(parameters: [:])
            for p in type.parameters {
                #expect(p.minimum <= p.defaultValue && p.defaultValue <= p.maximum, "\(p.name)")
            }
        }
    }

    @Test func badConfigurationIsAClearError() {
        #expect(throws: DetectorError.self) { try DetectorCatalog.make("nope") }
        #expect(throws: DetectorError.self) { try DetectorCatalog.make("esd", parameters: ["alpah": 0.05]) }
        #expect(throws: DetectorError.self) { try DetectorCatalog.make("esd", parameters: ["alpha": 2]) }
        #expect(throws: DetectorError.self) { try DetectorCatalog.make("esd", parameters: ["max_outliers": 2.5]) }
        do {
            _ = try DetectorCatalog.make("esd", parameters: ["alpah": 0.05])
        } catch {
            #expect(error.message.contains("alpha"))
        }
    }
}

struct DetectorBehaviourTests {

    static func noise(_ n: Int, seed: UInt64, level: Double = 100, sd: Double = 1) -> [Double] {
        var g = SplitMix64(seed: seed)
        return (0..<n).map { _ in level + sd * g.nextGaussian() }
    }

    @Test(arguments: DetectorCatalog.all.map { $0.name })
    func edgeCasesNeverLeakNaN(name: String) throws {
        let detector = try DetectorCatalog.make(name)
        let inputs: [DetectionInput] = [
            DetectionInput(target: [1, 2, 3], reference: []),
            DetectionInput(target: [1, 2, 3], reference: [1, 2]),
            DetectionInput(target: [5, 5, 50, 5], reference: [Double](repeating: 5, count: 60)),
            DetectionInput(target: [.nan, .nan], reference: Self.noise(60, seed: 1)),
            DetectionInput(target: [], reference: Self.noise(60, seed: 1)),
            DetectionInput(target: [100, .nan, 140, 100], reference: Self.noise(60, seed: 2) + [.nan, .nan]),
            DetectionInput(target: Self.noise(30, seed: 3), reference: [Double](repeating: .nan, count: 50)),
        ]
        for input in inputs {
            let scores = detector.scores(for: input)
            #expect(scores.count == input.target.count, "\(name)")
            #expect(scores.allSatisfy { $0.isFinite && $0 >= 0 }, "\(name) \(scores)")
            for (i, x) in input.target.enumerated() where x.isNaN { #expect(scores[i] == 0, "\(name)") }
        }
    }

    // Spread measures variance, not level: a shift lifts it only while it crosses the window
    // (ShapeDetectorTests checks it on a variance increase instead).
    @Test(arguments: DetectorCatalog.all.map { $0.name }.filter { $0 != "spread" })
    func aLargeShiftIsFlaggedOnlyInItsHarmfulDirection(name: String) throws {
        let type = try #require(DetectorCatalog.type(named: name))
        // Donut needs two windows of reference: a short window keeps the test small.
        let detector = try type.init(parameters: name == "donut" ? ["window": 12, "epochs": 60] : [:])
        let reference = Self.noise(120, seed: 5)
        // ESD finds a handful of outliers (at most max_outliers), not a level shift: give it spikes.
        let anomalous = name == "esd" ? 5 : 15
        let target =
            name == "esd"
            ? Self.noise(35, seed: 6) + Self.noise(5, seed: 7, level: 130)
            : Self.noise(10, seed: 6) + Self.noise(30, seed: 7, level: 130)
        let up = detector.scores(for: DetectionInput(target: target, reference: reference, direction: .up))
        let both = detector.scores(for: DetectionInput(target: target, reference: reference, direction: .both))
        let down = detector.scores(for: DetectionInput(target: target, reference: reference, direction: .down))
        #expect(up.suffix(anomalous).allSatisfy { $0 > type.defaultThreshold }, "\(name) \(up)")
        #expect(both.suffix(anomalous).allSatisfy { $0 > type.defaultThreshold }, "\(name)")
        #expect(down.allSatisfy { $0 <= type.defaultThreshold }, "\(name) \(down)")
    }

    @Test func zscoreIsTheDistanceInStandardDeviations() throws {
        let detector = try ZScoreDetector()
        let scores = detector.scores(for: DetectionInput(target: [4, 2, 0], reference: [1, 2, 3], direction: .both))
        #expect(scores == [2, 0, 2])
    }

    @Test func tukeyScoreAboveKIsExactlyOutsideTheFences() throws {
        let cases = try ReferenceFixture.load("quantiles")
        let detector = try TukeyDetector()
        for c in cases {
            let x = try c.inputArray("x")
            let scores = detector.scores(for: DetectionInput(target: x, reference: x, direction: .both))
            let ks = try #require(c.params["k"]?.doubles)
            let expected = try #require(c.expected["flagged_indices"]?.array)
            for (k, flagged) in zip(ks, expected) {
                #expect(flaggedIndices(scores, threshold: k) == flagged.ints, "\(c.name) k=\(k)")
            }
        }
    }

    @Test func esdScoreAboveOneIsExactlyRosnersVerdict() throws {
        let cases = try ReferenceFixture.load("grubbs_esd").filter {
            $0.params["test"] == .string("generalized_esd_two_sided")
        }
        #expect(!cases.isEmpty)
        for c in cases {
            let x = try c.inputArray("x")
            let alpha = try #require(c.params["alpha"]?.double)
            let r = try #require(c.params["max_outliers"]?.int)
            guard r <= x.count - 3 else { continue }
            let detector = try ESDDetector(parameters: ["alpha": alpha, "max_outliers": Double(r)])
            let scores = detector.scores(for: DetectionInput(target: x, reference: [], direction: .both))
            let expected = try #require(c.expected["outlier_indices"]?.ints)
            #expect(flaggedIndices(scores, threshold: 1) == expected, "\(c.name)")
        }
    }

    @Test func twoSampleDetectorsIgnoreShiftsBelowTheEffectFloor() throws {
        // A shift of 0.5% on a level of 100 is significant with enough points but below a 5% floor.
        let reference = Self.noise(200, seed: 8, sd: 0.1)
        let target = Self.noise(60, seed: 9, level: 100.5, sd: 0.1)
        for name in ["mann_whitney", "ks"] {
            let floored = try DetectorCatalog.make(name, parameters: ["min_effect": 0.05])
            #expect(floored.scores(for: DetectionInput(target: target, reference: reference)).allSatisfy { $0 == 0 })
            let unfloored = try DetectorCatalog.make(name, parameters: ["min_effect": 0])
            #expect(
                unfloored.scores(for: DetectionInput(target: target, reference: reference)).last ?? 0 > 2,
                "\(name)"
            )
        }
    }

    @Test func arimaFollowsAnAutocorrelatedSeriesAndCatchesABreak() throws {
        var g = SplitMix64(seed: 21)
        var y: [Double] = []
        var prev = 0.0
        for _ in 0..<400 {
            prev = 0.8 * prev + g.nextGaussian()
            y.append(50 + prev)
        }
        let detector = try ARIMAKSigmaDetector(parameters: ["p": 1, "d": 0, "q": 0])
        var target = Array(y[300...])
        let calm = detector.scores(for: DetectionInput(target: target, reference: Array(y[..<300])))
        #expect(Double(calm.filter { $0 > 3 }.count) / Double(calm.count) < 0.05)
        target[50] += 15
        let broken = detector.scores(for: DetectionInput(target: target, reference: Array(y[..<300])))
        #expect(broken[50] > 6)
    }
}
