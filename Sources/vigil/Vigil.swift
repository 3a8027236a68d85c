import ArgumentParser
internal import Foundation

@main
struct Vigil: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vigil",
        abstract:
            "The offline half of an unattended-release guard: ingest deploy histories, retrain detectors, publish bundles.",
        discussion: """
            Typical nightly use:
              vigil ingest exports/*.tar.gz --store .vigil/store.sqlite
              vigil status
            Generate sample data with `vigil datasets synth`.
            """,
        subcommands: [
            IngestCommand.self, StatusCommand.self, DeploysCommand.self, DetectCommand.self, DatasetsCommand.self,
            TuneCommand.self, EvaluateCommand.self, BundleCommand.self, ReplayCommand.self, RunCommand.self,
            RunsCommand.self, ScheduleCommand.self, BenchCommand.self, ServeCommand.self, BacktestCommand.self,
        ]
    )
}
