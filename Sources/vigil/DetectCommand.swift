import ArgumentParser
import VigilCore
import VigilPipeline

struct DetectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Score a timestamp,value CSV with one detector, or list the detectors.",
        discussion: """
            The first rows (half by default, or --reference N) are the reference: normal behaviour.
            Every later row gets a score, and rows scoring above the threshold are flagged.
            Examples:
              vigil detect --list
              vigil detect --detector tukey --csv cpu.csv
              vigil detect --detector esd --param alpha=0.01 --param max_outliers=20 --csv cpu.csv --json
            """
    )

    @Flag(help: "List every detector with its parameters, ranges and default threshold.")
    var list = false

    @Option(help: "The detector (see --list).")
    var detector: String?

    @Option(
        name: .customLong("param"),
        help: ArgumentHelp("A detector parameter, as key=value; repeatable.", valueName: "key=value")
    )
    var params: [String] = []

    @Option(help: ArgumentHelp("The CSV file (columns timestamp and value).", valueName: "file"))
    var csv: String?

    @Option(help: "Which deviation hurts: up, down or both.")
    var direction: String = "both"

    @Option(help: ArgumentHelp("Rows used as the reference (default: half of the rows).", valueName: "n"))
    var reference: Int?

    @Option(help: "Threshold on the score (default: the detector's textbook rule).")
    var threshold: Double?

    @Option(help: "Remove normal seasonality first, fitted on the reference rows: stl, holt-winters or profile.")
    var seasonal: String?

    @Option(help: ArgumentHelp("The seasonal period in seconds.", valueName: "seconds"))
    var period: Int64 = 86_400

    @Flag(help: #"Print {"detector","params","threshold","reference_points","scores","flagged"}."#)
    var json = false

    func validate() throws {
        if list { return }
        guard detector != nil else { throw ValidationError("Give --detector NAME (see vigil detect --list).") }
        guard csv != nil else { throw ValidationError("Give --csv FILE.") }
        guard Direction(rawValue: direction) != nil else {
            throw ValidationError("--direction must be up, down or both.")
        }
        if let seasonal, SeasonalMethod(rawValue: seasonal) == nil {
            throw ValidationError("--seasonal must be stl, holt-winters or profile, not '\(seasonal)'.")
        }
        guard period > 0 else { throw ValidationError("--period must be positive.") }
        _ = try parsedParameters()
    }

    func parsedParameters() throws -> [String: Double] { try parseDetectorParameters(params) }

    func run() throws {
        if list {
            for type in DetectorCatalog.all {
                print("\(type.name): \(type.summary)")
                print("  threshold: \(type.defaultThreshold) (score above it is anomalous)")
                for p in type.parameters {
                    print(
                        "  --param \(p.name)=\(p.defaultValue)  [\(p.minimum) … \(p.maximum)\(p.isInteger ? ", whole" : "")]  \(p.summary)"
                    )
                }
            }
            return
        }
        guard let detector, let csv, let direction = Direction(rawValue: direction) else { return }
        let result: DetectRun.Result
        do {
            result = try DetectRun.run(
                DetectRun.Configuration(
                    csvPath: csv,
                    detector: detector,
                    parameters: try parsedParameters(),
                    direction: direction,
                    referencePoints: reference,
                    threshold: threshold,
                    seasonal: seasonal.flatMap(SeasonalMethod.init),
                    period: period
                )
            )
        } catch let error as DetectRun.InputError {
            if error.isUsage { throw ValidationError(error.description) }
            throw failure(.dataError, error.description)
        }
        if json {
            try Output.printJSON(result)
            return
        }
        print(
            "\(result.detector)\(result.seasonal.map { " on \($0) residuals" } ?? "") of \(csv): \(result.scores.count) rows, reference \(result.referencePoints), "
                + "threshold \(result.threshold)"
        )
        print("flagged: \(result.flagged.count) rows")
        for i in result.flagged.prefix(30) {
            print("  row \(i)  \(RFC3339.format(result.timestamps[i]))  score \(result.scores[i])")
        }
        if result.flagged.count > 30 { print("  … \(result.flagged.count - 30) more (--json for all)") }
    }
}
