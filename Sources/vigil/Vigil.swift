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

            Exit status: 0 done; 1 a stage or a check failed (a run, a bundle that does not
            verify, a rejected archive); 3 vigil run finished but its bundle is below the
            pipeline's floors; 64 usage error (the usage is printed); 65 wrong input data;
            66 something named does not exist (file, store, deploy, bundle, run); 73 an output
            cannot be created; 75 another writer holds the store's lock (try again, or --wait);
            77 the registry does not trust the signing key; 78 the pipeline file is wrong.
            """,
        subcommands: [
            IngestCommand.self, StatusCommand.self, DeploysCommand.self, DetectCommand.self, DatasetsCommand.self,
            TuneCommand.self, EvaluateCommand.self, BundleCommand.self, ReplayCommand.self, RunCommand.self,
            RunsCommand.self, ScheduleCommand.self, BenchCommand.self, ServeCommand.self, BacktestCommand.self,
        ]
    )
}
