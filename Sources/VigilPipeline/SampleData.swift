internal import Foundation
public import VigilArchive
internal import VigilCore
public import VigilSynth

/// Writes a synthetic corpus as archives in the deploy-history format.
public enum SampleData {
    public struct Written: Sendable {
        public var archives: [String]
        public var truthPath: String
        public var deploys: Int
        public var bytes: Int
    }

    /// Generates the corpus for `config` and writes one archive per day into `directory`,
    /// plus `truth.jsonl`, the generator's own record of which deploys really were bad
    /// (the labels in the archives are deliberately incomplete).
    ///
    /// The output is byte-for-byte the same for the same configuration.
    public static func write(
        _ config: SynthConfig,
        to directory: String,
        container: ArchiveWriter.Container = .tarGzip
    ) throws -> Written {
        let corpus = Synthesizer.generate(config)
        var paths: [String] = []
        var bytes = 0
        for archive in corpus.archives {
            let manifest = archive.files.first { $0.path == "manifest.json" }
            let mtime =
                manifest.flatMap { try? DeployHistoryReader.parseManifest($0.contents, archive: archive.name) }?
                .exportedAt ?? 0
            let data = try ArchiveWriter.archive(archive.files, as: container, modificationTime: mtime)
            let path = "\(directory)/\(archive.name).\(container.fileExtension)"
            try AtomicFile.write(data, to: path)
            paths.append(path)
            bytes += data.count
        }
        let truthPath = "\(directory)/truth.jsonl"
        try AtomicFile.write(Array(corpus.truthJSONLines().utf8), to: truthPath)
        return Written(archives: paths, truthPath: truthPath, deploys: corpus.truth.count, bytes: bytes)
    }
}
