import ArgumentParser
internal import Foundation
import VigilArchive
import VigilPipeline
import VigilSynth

struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets",
        abstract: "Sample data.",
        subcommands: [Synth.self]
    )

    struct Synth: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate synthetic deploy-history archives that behave like production.",
            discussion: """
                Writes one archive per day into DIR, plus truth.jsonl (what the generator knows about each
                deploy, beyond the deliberately incomplete labels). The same arguments give the same bytes.
                """
        )

        @Option(help: "Random seed.")
        var seed: UInt64 = 42

        @Option(help: "Number of applications.")
        var apps: Int = 3

        @Option(help: "Number of daily archives.")
        var days: Int = 14

        @Option(help: "Multiplies the number of deploys per app and day.")
        var scale: Int = 1

        @Option(help: ArgumentHelp("Output directory.", valueName: "dir"))
        var out: String

        @Option(help: "Container: tar, tar.gz, tar.zst or zip.")
        var container: String = "tar.gz"

        func validate() throws {
            guard apps >= 1 else { throw ValidationError("--apps must be at least 1.") }
            guard days >= 1 else { throw ValidationError("--days must be at least 1.") }
            guard scale >= 1 else { throw ValidationError("--scale must be at least 1.") }
            guard ArchiveWriter.Container(rawValue: container) != nil else {
                throw ValidationError("--container must be one of tar, tar.gz, tar.zst, zip.")
            }
        }

        func run() throws {
            let config = SynthConfig(seed: seed, apps: apps, days: days, scale: scale)
            let written = try SampleData.write(
                config,
                to: out,
                container: ArchiveWriter.Container(rawValue: container)!
            )
            print(
                "wrote \(written.archives.count) archives (\(written.bytes) bytes, \(written.deploys) deploys) to \(out)"
            )
            print("truth: \(written.truthPath)")
        }
    }
}
