import Foundation
import Testing
import VigilCore

/// Training, scoring and the weights format on small models (the mechanics, not the accuracy).
struct DonutModelTests {
    /// A daily-looking wave with a little deterministic noise.
    static func wave(_ count: Int, period: Int = 24) -> [Double] {
        var rng = SplitMix64(seed: 3)
        return (0..<count).map { 10 + 3 * sin(2 * Double.pi * Double($0) / Double(period)) + 0.1 * rng.nextGaussian() }
    }

    static func smallOptions(epochs: Int = 3, threads: Int = 2) -> DonutTrainingOptions {
        var options = DonutTrainingOptions()
        options.window = 12
        options.latent = 3
        options.hidden = 16
        options.batchSize = 32
        options.maxEpochs = epochs
        options.seed = 9
        options.threads = threads
        return options
    }

    @Test func weightsRoundTripBitForBit() throws {
        let (model, _) = try #require(DonutTrainer.train(values: Self.wave(300), options: Self.smallOptions()))
        let bytes = model.serialized()
        let header = try DonutModel.header(of: bytes)
        #expect(header.formatVersion == 1 && header.window == 12 && header.latent == 3 && header.hidden == 16)
        #expect(header.mean == model.mean && header.standardDeviation == model.standardDeviation)
        let loaded = try DonutModel(serialized: bytes)
        #expect(loaded == model)
        #expect(loaded.serialized() == bytes)
        let series = Self.wave(100)
        let a = model.reconstruction(of: series, at: 0..<100)
        let b = loaded.reconstruction(of: series, at: 0..<100)
        #expect(a.map { $0?.logProbability } == b.map { $0?.logProbability })
    }

    @Test func unreadableWeightsThrowWithAReason() throws {
        let (model, _) = try #require(DonutTrainer.train(values: Self.wave(300), options: Self.smallOptions(epochs: 1)))
        let bytes = model.serialized()
        #expect(throws: DonutModelError.self) { try DonutModel(serialized: Array(bytes.dropLast())) }
        #expect(throws: DonutModelError.self) { try DonutModel(serialized: bytes + [0]) }
        var wrongMagic = bytes
        wrongMagic[0] = 0
        #expect(throws: DonutModelError.self) { try DonutModel(serialized: wrongMagic) }
        var version2 = bytes
        version2[8] = 2
        do {
            _ = try DonutModel(serialized: version2)
            Issue.record("version 2 was accepted")
        } catch {
            #expect(error.message.contains("version 2"))
        }
    }

    @Test func trainingIsDeterministicForASeedOnAnyThreadCount() throws {
        let values = Self.wave(300)
        let (one, r1) = try #require(DonutTrainer.train(values: values, options: Self.smallOptions(threads: 1)))
        let (two, r2) = try #require(DonutTrainer.train(values: values, options: Self.smallOptions(threads: 2)))
        #expect(one.serialized() == two.serialized())
        #expect(r1 == r2)
        var other = Self.smallOptions()
        other.seed = 10
        let (three, _) = try #require(DonutTrainer.train(values: values, options: other))
        #expect(three.serialized() != one.serialized())
    }

    @Test func scoringDoesNotDependOnThreadsOrChunks() throws {
        let (model, _) = try #require(DonutTrainer.train(values: Self.wave(300), options: Self.smallOptions()))
        var series = Self.wave(400)
        series[50] = .nan
        series[51] = .nan
        let all = model.reconstruction(of: series, at: 0..<400, options: DonutScoringOptions(threads: 2))
        let single = model.reconstruction(of: series, at: 0..<400, options: DonutScoringOptions(threads: 1))
        let part = model.reconstruction(of: series, at: 200..<300, options: DonutScoringOptions(threads: 1))
        #expect(all.map { $0?.logProbability } == single.map { $0?.logProbability })
        #expect(all[200..<300].map { $0?.logProbability } == part.map { $0?.logProbability })
        #expect(all[50] == nil && all[51] == nil && all[52] != nil)
    }

    @Test func trainingLowersTheLossAndTheModelFlagsASpike() throws {
        var options = Self.smallOptions(epochs: 40)
        options.patience = 40
        let train = Self.wave(480)
        let (model, report) = try #require(DonutTrainer.train(values: train, options: options))
        #expect(report.trainingLoss.last! < report.trainingLoss.first!)
        #expect(!report.validationLoss.isEmpty)
        var detector = try DonutDetector(parameters: ["window": 12])
        detector.scoring.samples = 8
        var series = train + Self.wave(96).map { $0 }
        series[480 + 40] += 15
        let scores = detector.scores(model: model, series: series, at: 480..<series.count)
        #expect(scores.allSatisfy { $0 >= 0 && $0.isFinite })
        // The spike, and the point after it (whose window now holds the spike), stand out.
        let quiet = scores.enumerated().filter { !(40...42).contains($0.offset) }.map(\.element)
        #expect(scores[40] > quiet.max()!)
        // With direction .down, the upward spike scores 0.
        #expect(detector.scores(model: model, series: series, at: 520..<521, direction: .down) == [0])
    }

    @Test func detectorFollowsTheProtocol() throws {
        let detector = try DonutDetector(parameters: ["window": 12, "epochs": 2, "samples": 4, "latent_size": 4])
        #expect(detector.training.latent == 4 && detector.training.window == 12)
        var target = Self.wave(50)
        target[7] = .nan
        let scores = detector.scores(for: DetectionInput(target: target, reference: Self.wave(200)))
        #expect(scores.count == 50 && scores[7] == 0)
        #expect(scores.allSatisfy { $0 >= 0 && $0.isFinite })
        // A reference shorter than two windows gives zeros.
        #expect(
            detector.scores(for: DetectionInput(target: target, reference: Self.wave(20)))
                == Array(repeating: 0, count: 50)
        )
        #expect(throws: DetectorError.self) { try DonutDetector(parameters: ["latent_size": 9]) }
        #expect(DetectorCatalog.type(named: "donut") != nil)
    }
}
