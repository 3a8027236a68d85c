internal import Foundation
public import VigilCore

/// `vigil bench kpi`: one detector on a labelled KPI series, trained on the first half and scored on the second.
///
/// The series is a `timestamp,value,label` CSV (the Donut / AIOps-challenge KPI format). The
/// first half (rows `0 ..< n/2`) is the training half, the rest the test half. Labels of the
/// training half are used only to leave anomalies out of training, as in the Donut paper:
///
/// - `donut` trains on the training half with labelled anomalies excluded from the M-ELBO
///   (``DonutDetector/fit(reference:excluded:)``), then scores every point of both halves, each
///   with the window that ends at it.
/// - Every other detector gets the training half as its reference with the labelled anomalies
///   dropped (turned missing), and scores the test half; the training half is scored in-sample
///   against the same reference. These detectors fit inside `scores(for:)`, so their
///   `train_seconds` is 0 and `score_seconds` includes the fit.
///
/// Two F1 values are reported, both point-adjusted (Xu et al. 2018; no delay limit, as the
/// authors' `range_lift_with_delay` default; predicted = `score >= threshold`):
/// `best_f1_point_adjusted`, the best over every threshold on the test half (optimistic, the
/// paper's metric), and `f1_at_train_threshold`, at the threshold that maximises the
/// point-adjusted F1 on the training half (honest); `precision` and `recall` belong to the latter.
public enum KPIBench {
    public struct Configuration: Sendable {
        public var csvPath: String
        public var detector: String
        public var parameters: [String: Double]
        /// Score residuals from a seasonal baseline fitted on the training half.
        public var seasonal: SeasonalMethod?
        /// The seasonal period in seconds.
        public var period: Int64

        public init(
            csvPath: String,
            detector: String,
            parameters: [String: Double] = [:],
            seasonal: SeasonalMethod? = nil,
            period: Int64 = 86_400
        ) {
            self.csvPath = csvPath
            self.detector = detector
            self.parameters = parameters
            self.seasonal = seasonal
            self.period = period
        }
    }

    public struct Result: Sendable, Encodable {
        public var detector: String
        /// Best point-adjusted F1 over all thresholds on the test half.
        public var bestF1PointAdjusted: Double
        /// The threshold of ``bestF1PointAdjusted``.
        public var bestThreshold: Double
        /// Point-adjusted F1 on the test half at ``trainThreshold``.
        public var f1AtTrainThreshold: Double
        /// Point-adjusted precision on the test half at ``trainThreshold``.
        public var precision: Double
        /// Point-adjusted recall on the test half at ``trainThreshold``.
        public var recall: Double
        /// The threshold with the best point-adjusted F1 on the training half.
        public var trainThreshold: Double
        public var trainSeconds: Double
        public var scoreSeconds: Double
        public var trainPoints: Int
        public var testPoints: Int
        /// Windows (points) scored per second on the test half.
        public var pointsPerSecond: Double
        /// Processor time (all threads) of training and of scoring the test half, for runs on a busy machine.
        public var trainCPUSeconds = 0.0
        public var scoreCPUSeconds = 0.0
        /// For a trained detector: epochs run and the (1-based) epoch whose parameters were kept.
        public var epochs: (run: Int, kept: Int)?

        enum CodingKeys: String, CodingKey {
            case detector
            case bestF1PointAdjusted = "best_f1_point_adjusted"
            case f1AtTrainThreshold = "f1_at_train_threshold"
            case precision, recall
            case trainSeconds = "train_seconds"
            case scoreSeconds = "score_seconds"
        }
    }

    /// The same error as `vigil detect`'s: a bad file, line, field or detector.
    public typealias InputError = DetectRun.InputError

    public static func run(_ configuration: Configuration) throws -> Result {
        let detector = try DetectRun.makeDetector(configuration.detector, parameters: configuration.parameters)
        let (times, raw, labels) = try readLabeledSeries(configuration.csvPath)
        let split = raw.count / 2
        guard split >= 2 else {
            throw InputError(
                description: "'\(configuration.csvPath)' has \(raw.count) rows; the bench needs at least 4."
            )
        }
        var values = raw
        if let method = configuration.seasonal {
            do {
                values = try DetectRun.residuals(
                    times: times,
                    values: raw,
                    reference: split,
                    method: method,
                    DetectRun.Configuration(
                        csvPath: configuration.csvPath,
                        detector: configuration.detector,
                        period: configuration.period
                    )
                )
            } catch let error as DetectRun.InputError {
                throw InputError(description: error.description)
            }
        }
        let trainLabels = Array(labels[..<split])
        let testLabels = Array(labels[split...])
        let trainScores: [Double]
        let testScores: [Double]
        var trainSeconds = 0.0
        let scoreSeconds: Double
        var epochs: (run: Int, kept: Int)?
        var trainCPU = 0.0
        var scoreCPU = 0.0
        if let donut = detector as? DonutDetector {
            let clock = ContinuousClock()
            let trainStart = clock.now
            let trainCPUStart = processorSeconds()
            let train = Array(values[..<split])
            guard let (model, report) = donut.fit(reference: train, excluded: trainLabels) else {
                throw InputError(
                    description: "The training half of '\(configuration.csvPath)' (\(split) rows) is shorter than two "
                        + "Donut windows or has no normal point."
                )
            }
            trainSeconds = seconds(clock.now - trainStart)
            trainCPU = processorSeconds() - trainCPUStart
            epochs = (report.trainingLoss.count, report.bestEpoch + 1)
            let scoreStart = clock.now
            let scoreCPUStart = processorSeconds()
            testScores = donut.scores(model: model, series: values, at: split..<values.count)
            scoreSeconds = seconds(clock.now - scoreStart)
            scoreCPU = processorSeconds() - scoreCPUStart
            trainScores = donut.scores(model: model, series: train, at: 0..<split)
        } else {
            var reference = Array(values[..<split])
            for i in reference.indices where trainLabels[i] { reference[i] = .nan }
            let clock = ContinuousClock()
            let scoreStart = clock.now
            let scoreCPUStart = processorSeconds()
            testScores = detector.scores(for: DetectionInput(target: Array(values[split...]), reference: reference))
            scoreSeconds = seconds(clock.now - scoreStart)
            scoreCPU = processorSeconds() - scoreCPUStart
            trainScores = detector.scores(for: DetectionInput(target: Array(values[..<split]), reference: reference))
        }
        var result = evaluate(
            detector: configuration.detector,
            trainScores: trainScores,
            trainLabels: trainLabels,
            testScores: testScores,
            testLabels: testLabels,
            trainSeconds: trainSeconds,
            scoreSeconds: scoreSeconds
        )
        result.epochs = epochs
        result.trainCPUSeconds = trainCPU
        result.scoreCPUSeconds = scoreCPU
        return result
    }

    /// The metrics of one run (see the type's discussion).
    static func evaluate(
        detector: String,
        trainScores: [Double],
        trainLabels: [Bool],
        testScores: [Double],
        testLabels: [Bool],
        trainSeconds: Double,
        scoreSeconds: Double
    ) -> Result {
        let best = PointAdjustment.bestF1(truth: testLabels, scores: testScores)
        let trainThreshold = PointAdjustment.bestF1(truth: trainLabels, scores: trainScores)?.threshold ?? .infinity
        let atTrain = PointAdjustment.counts(
            truth: testLabels,
            predicted: PointMetrics.predictions(scores: testScores, threshold: trainThreshold)
        )
        return Result(
            detector: detector,
            bestF1PointAdjusted: best?.f1 ?? 0,
            bestThreshold: best?.threshold ?? .infinity,
            f1AtTrainThreshold: atTrain.f1,
            precision: atTrain.precision,
            recall: atTrain.recall,
            trainThreshold: trainThreshold,
            trainSeconds: trainSeconds,
            scoreSeconds: scoreSeconds,
            trainPoints: trainLabels.count,
            testPoints: testLabels.count,
            pointsPerSecond: scoreSeconds > 0 ? Double(testLabels.count) / scoreSeconds : 0,
            epochs: nil
        )
    }

    /// Processor time of the whole process, every thread, in seconds.
    static func processorSeconds() -> Double {
        Double(clock()) / Double(CLOCKS_PER_SEC)
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, attoseconds) = duration.components
        return Double(s) + Double(attoseconds) * 1e-18
    }

    /// Reads `timestamp,value,label` rows in file order (label: 0 normal, 1 anomalous; value may be empty or NaN).
    static func readLabeledSeries(_ path: String) throws -> (times: [Int64], values: [Double], labels: [Bool]) {
        try DetectRun.readColumns(path, labeled: true)
    }
}
