import ArgumentParser
internal import Foundation
import Logging
import VigilArchive
import VigilCore
import VigilPipeline
import VigilStore

struct IngestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Load deploy-history archives (.tar, .tar.gz, .tar.zst, .zip) into the store.",
        discussion: """
            Each archive is loaded in one transaction: a rejected archive leaves the store as it was.
            An archive already loaded (same SHA-256) is reported `unchanged`. A directory argument
            means every file in it whose name ends in .tar, .tar.gz, .tgz, .tar.zst or .zip.

            Times must be plausible: an archive exported more than --max-clock-skew after this
            machine's clock is rejected whole; a deploy that started after its archive's export
            (or the clock) beyond that skew, or more than --max-deploy-age days before the export,
            is rejected alone with a problem row.

            Two writers never share a store: ingest holds the store's lock (the one vigil run
            holds), waits up to --wait seconds for it, then exits 75 naming the holder.

            An archive that should never have been loaded is taken out again with --forget:
              vigil ingest --forget exports/2026-11-20.tar.gz --reason "exporter clock at 9999"
            names it by its file, its stored name or 8+ hex digits of its SHA-256. Everything it
            stored leaves the store in one transaction; deploys and history it had overwritten
            come back from the other archives, read again from where they were ingested (when one
            of them is gone or changed, the forget is refused unless --accept-loss). The removal
            is recorded (vigil deploys removals) and ingest skips the archive from then on.

            Exit status: 0 when everything loadable loaded (warnings allowed), 1 when any archive
            was rejected whole, 64 for usage errors, 75 when the store stayed busy.
            """
    )

    @Argument(
        help: ArgumentHelp(
            "Archives or directories of archives (with --forget: stored archives, by file, name or SHA-256).",
            valueName: "archive"
        )
    )
    var archives: [String]

    @OptionGroup var storeOptions: StoreOptions

    @Flag(help: "Print one JSON object with the outcome.")
    var json = false

    @Option(help: ArgumentHelp("Cap on the bytes one archive may expand to.", valueName: "bytes"))
    var maxTotalBytes: Int64 = ArchiveLimits().maxTotalBytes

    @Option(help: ArgumentHelp("Cap on the compression ratio of one entry.", valueName: "ratio"))
    var maxRatio: Double = ArchiveLimits().maxCompressionRatio

    @Option(help: ArgumentHelp("How far times may run ahead of this machine's clock.", valueName: "seconds"))
    var maxClockSkew: Int64 = Ingestor.TimeBounds().maxClockSkew

    @Option(help: ArgumentHelp("How long before its archive's export a deploy may have started.", valueName: "days"))
    var maxDeployAge: Int64 = Ingestor.TimeBounds().maxDeployAge / 86_400

    @Option(help: ArgumentHelp("Wait this long for another writer holding the store's lock.", valueName: "seconds"))
    var wait: Double = 0

    @Flag(help: "Take the named archives out of the store instead of loading them.")
    var forget = false

    @Option(help: "Why the archives are forgotten (recorded with the removal; required with --forget).")
    var reason: String?

    @Flag(help: "With --forget: go on when another archive cannot be read again to restore what it held.")
    var acceptLoss = false

    func validate() throws {
        if forget {
            guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ValidationError("--forget needs --reason: it is recorded with the removal.")
            }
        } else {
            guard reason == nil else { throw ValidationError("--reason goes with --forget.") }
            guard !acceptLoss else { throw ValidationError("--accept-loss goes with --forget.") }
        }
        guard wait >= 0 else { throw ValidationError("--wait must be >= 0.") }
        guard maxClockSkew >= 0 else { throw ValidationError("--max-clock-skew must be >= 0.") }
        guard maxDeployAge > 0 else { throw ValidationError("--max-deploy-age must be positive.") }
        guard maxTotalBytes > 0 else { throw ValidationError("--max-total-bytes must be positive.") }
        guard maxRatio >= 1 else { throw ValidationError("--max-ratio must be at least 1.") }
    }

    func run() throws {
        if forget { return try runForget() }
        let paths = try expand(archives)
        let lock = try lockStore(storeOptions.resolvedPath, as: "vigil ingest", wait: wait)
        defer { withExtendedLifetime(lock) {} }
        let store = try storeOptions.open()
        var logger = Logger(label: "vigil.ingest")
        logger.logLevel = .critical
        var ingestor = Ingestor(
            store: store,
            limits: ArchiveLimits(maxTotalBytes: maxTotalBytes, maxCompressionRatio: maxRatio),
            logger: logger
        )
        ingestor.timeBounds = Ingestor.TimeBounds(maxClockSkew: maxClockSkew, maxDeployAge: maxDeployAge * 86_400)
        let started = Date()
        let report = try ingestor.ingest(paths: paths) { p in
            let rate = Double(p.records) / max(Date().timeIntervalSince(started), 0.001)
            Output.progress(
                "[\(p.archiveIndex + 1)/\(p.archiveCount)] \(p.archiveName): \(p.deploys) deploys, \(p.records) records (\(Int(rate))/s)"
            )
        }
        Output.clearProgress()
        if json {
            try Output.printJSON(report)
        } else {
            printHuman(report)
        }
        if report.anyRejected { throw ExitCode(1) }
    }

    private func runForget() throws {
        let lock = try lockStore(storeOptions.resolvedPath, as: "vigil ingest --forget", wait: wait)
        defer { withExtendedLifetime(lock) {} }
        let ingestor = Ingestor(store: try storeOptions.openExisting())
        // Every name is resolved before anything is forgotten: a typo forgets nothing.
        var targets: [StoredArchive] = []
        do {
            for argument in archives {
                let found = try ingestor.storedArchive(named: argument)
                if !targets.contains(found) { targets.append(found) }
            }
        } catch let error as ForgetError {
            throw failure(.noInput, error.message)
        }
        var outcomes: [ForgetOutcome] = []
        for archive in targets {
            do {
                let (outcome, skipped) = try ingestor.forget(archive, reason: reason ?? "", acceptLoss: acceptLoss) {
                    index,
                    name in Output.progress("forgetting \(archive.name): re-reading \(index) \(name)")
                }
                Output.clearProgress()
                outcomes.append(outcome)
                if !json {
                    print("forgot \(outcome.removal.detail)")
                    for why in skipped { print("  not restored from: \(why)") }
                }
            } catch let error as ForgetError {
                Output.clearProgress()
                Output.warn("Error: \(error.message)")
                if json { try Output.printJSON(outcomes) }
                throw ExitCode(1)
            }
        }
        if json { try Output.printJSON(outcomes) }
    }

    private func printHuman(_ report: IngestReport) {
        for a in report.archives {
            print(
                "\(a.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(a.path)\(a.error.map { ": \($0)" } ?? "")"
            )
        }
        let d = report.deploys
        print(
            "deploys: \(d.added) added, \(d.updated) updated, \(d.rejected) rejected; series: \(report.series) "
                + "(\(report.points) points); labels: \(report.labels.applied) applied, \(report.labels.pending) pending, "
                + "\(report.labels.skippedLines) lines skipped"
        )
        let errors = report.problems.filter { $0.severity == .error }
        let warnings = report.problems.filter { $0.severity == .warning }
        if !report.problems.isEmpty {
            print("problems: \(errors.count) errors, \(warnings.count) warnings")
            for p in errors.prefix(20) { print("  error: \(p.message)") }
            if errors.count > 20 { print("  … \(errors.count - 20) more errors") }
            // Warnings are many and alike: one line per kind, with an example.
            let byKind = Dictionary(grouping: warnings, by: \.kind)
            for kind in byKind.keys.sorted(by: { (byKind[$0]!.count, $1) > (byKind[$1]!.count, $0) }) {
                let group = byKind[kind]!
                print("  \(group.count) warning\(group.count == 1 ? "" : "s") \(kind), e.g. \(group[0].message)")
            }
            print("  (all problems: vigil ingest --json, or vigil status --problems N)")
        }
        print("store: \(storeOptions.resolvedPath)")
    }

    private func expand(_ arguments: [String]) throws -> [String] {
        var paths: [String] = []
        let suffixes = [".tar", ".tar.gz", ".tgz", ".tar.zst", ".zip"]
        for argument in arguments {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw failure(.noInput, "No such file or directory: '\(argument)'.")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: argument)
                    .filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted()
                if names.isEmpty { throw failure(.noInput, "No archives in directory '\(argument)'.") }
                paths += names.map { "\(argument)/\($0)" }
            } else {
                paths.append(argument)
            }
        }
        return paths
    }
}
