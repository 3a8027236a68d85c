import ArgumentParser
internal import Foundation
import VigilCore
import VigilPipeline

struct BenchKPICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi",
        abstract: "Train a detector on the first half of a labelled KPI series and score the second half.",
        discussion: """
            The CSV has columns timestamp, value and label (0 normal, 1 anomalous), like the Donut sample KPIs.
            Labels of the first half only keep anomalies out of training. Prints the best point-adjusted F1
            over all thresholds on the second half (optimistic, the Donut paper's metric) and the
            point-adjusted F1, precision and recall at the threshold that is best on the first half (honest).
            Examples:
              vigil bench kpi --csv donut_cpu4.csv --detector donut --param latent_size=3
              vigil bench kpi --csv donut_cpu4.csv --detector tukey --seasonal profile --json
            """
    )

    @Option(help: ArgumentHelp("The CSV file (columns timestamp, value, label).", valueName: "file"))
    var csv: String

    @Option(help: "The detector (see vigil detect --list).")
    var detector: String

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A detector parameter, as key=value; repeatable.", valueName: "key=value")
    )
    var params: [String] = []

    @Option(help: "Remove normal seasonality first, fitted on the first half: stl, holt-winters or profile.")
    var seasonal: String?

    @Option(help: ArgumentHelp("The seasonal period in seconds.", valueName: "seconds"))
    var period: Int64 = 86_400

    @Flag(
        help: """
            Print {"detector","best_f1_point_adjusted","f1_at_train_threshold","precision","recall",\
            "train_seconds","score_seconds"}.
            """
    )
    var json = false

    func validate() throws {
        if let seasonal, SeasonalMethod(rawValue: seasonal) == nil {
            throw ValidationError("--seasonal must be stl, holt-winters or profile, not '\(seasonal)'.")
        }
        guard period > 0 else { throw ValidationError("--period must be positive.") }
        _ = try parsedParameters()
    }

    func parsedParameters() throws -> [String: Double] { try parseDetectorParameters(params) }

    func run() throws {
        let result: KPIBench.Result
        do {
            result = try KPIBench.run(
                KPIBench.Configuration(
                    csvPath: csv,
                    detector: detector,
                    parameters: try parsedParameters(),
                    seasonal: seasonal.flatMap(SeasonalMethod.init),
                    period: period
                )
            )
        } catch let error as KPIBench.InputError {
            if error.isUsage { throw ValidationError(error.description) }
            throw failure(.dataError, error.description)
        }
        if json {
            try Output.printJSON(result)
            return
        }
        print("\(result.detector) on \(csv): train \(result.trainPoints) points, test \(result.testPoints) points")
        print(
            "  best point-adjusted F1 (test, any threshold): \(format(result.bestF1PointAdjusted)) at \(result.bestThreshold)"
        )
        print(
            "  point-adjusted F1 at the training threshold \(result.trainThreshold): \(format(result.f1AtTrainThreshold)) "
                + "(precision \(format(result.precision)), recall \(format(result.recall)))"
        )
        print(
            "  train \(format(result.trainSeconds)) s, score \(format(result.scoreSeconds)) s "
                + "(\(Int(result.pointsPerSecond.rounded())) points/s); processor time: train "
                + "\(format(result.trainCPUSeconds)) s, score \(format(result.scoreCPUSeconds)) s"
        )
        if let epochs = result.epochs { print("  epochs: \(epochs.run), parameters kept from epoch \(epochs.kept)") }
    }

    private func format(_ x: Double) -> String {
        String(format: "%.3f", x)
    }
}
