import ArgumentParser

/// Measurements on public or generated data: throughput and accuracy, printed, never asserted.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure detectors on public benchmarks and generated data.",
        subcommands: [BenchNABCommand.self, BenchKPICommand.self]
    )
}
