internal import Foundation
public import VigilArchive
public import VigilCore
public import VigilStore

/// Why an archive cannot be forgotten as asked; nothing was changed.
public struct ForgetError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension Ingestor {
    /// The stored archive a user names: a file (found by its content), an archive's stored
    /// name, or a prefix of its SHA-256 (at least 8 hex digits).
    public func storedArchive(named argument: String) throws -> StoredArchive {
        let archives = try store.storedArchives()
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), !isDirectory.boolValue {
            let (sha256, _) = try Self.sha256(ofFileAt: argument)
            if let found = archives.first(where: { $0.sha256 == sha256 }) { return found }
            if let removal = try store.forgottenArchive(sha256: sha256) {
                throw ForgetError(
                    message: "'\(argument)' was already forgotten on \(RFC3339.format(removal.at)): \(removal.reason)."
                )
            }
            throw ForgetError(
                message: "'\(argument)' (SHA-256 \(sha256.prefix(12))…) was never ingested into this store."
            )
        }
        let byName = archives.filter { $0.name == argument }
        let lowered = argument.lowercased()
        let bySHA =
            lowered.count >= 8 && lowered.allSatisfy(\.isHexDigit)
            ? archives.filter { $0.sha256.hasPrefix(lowered) } : []
        let matches = byName.isEmpty ? bySHA : byName
        switch matches.count {
        case 1: return matches[0]
        case 0:
            throw ForgetError(
                message: "No stored archive is named '\(argument)' (a file, an archive name, or 8+ hex digits of its "
                    + "SHA-256; vigil status --archives lists them)."
            )
        default:
            throw ForgetError(
                message: "'\(argument)' names \(matches.count) stored archives ("
                    + matches.prefix(5).map { "\($0.name) \($0.sha256.prefix(12))" }.joined(separator: ", ")
                    + "); name one by more digits of its SHA-256."
            )
        }
    }

    /// The other ingested archives whose files cannot be read again as they were ingested
    /// (gone, or changed since), with why.
    public func unrereadableArchives(besides archive: StoredArchive) throws -> [(archive: StoredArchive, why: String)] {
        try store.storedArchives().filter { $0.status == "ingested" && $0.id != archive.id }.compactMap { other in
            guard FileManager.default.isReadableFile(atPath: other.path) else {
                return (other, "'\(other.path)' is gone or unreadable")
            }
            guard let (sha256, _) = try? Self.sha256(ofFileAt: other.path), sha256 == other.sha256 else {
                return (other, "'\(other.path)' has changed since it was ingested")
            }
            return nil
        }
    }

    /// Forgets an archive: everything it stored leaves the store in one transaction, the copies
    /// it had displaced come back from the other archives (read again from where they were
    /// ingested), the removal is recorded, and ingest skips the archive from then on.
    ///
    /// - Parameter acceptLoss: go on when some other archive cannot be read again; what only
    ///   that archive held of the displaced deploys and history is then lost. Without it the
    ///   forget is refused and nothing changes.
    /// - Throws: ``ForgetError`` when it was refused, or what stopped reading another archive
    ///   (the transaction is then rolled back).
    public func forget(
        _ archive: StoredArchive,
        reason: String,
        acceptLoss: Bool = false,
        progress: ((_ index: Int, _ name: String) -> Void)? = nil
    ) throws -> (ForgetOutcome, skipped: [String]) {
        let scope = try store.forgetScope(of: archive)
        var skip: [Int64: String] = [:]
        if scope.needsRestore {
            let unreadable = try unrereadableArchives(besides: archive)
            if !unreadable.isEmpty && !acceptLoss {
                throw ForgetError(
                    message: "Forgetting \(archive.name) means rebuilding \(scope.deploys.count) deploys and "
                        + "\(scope.history.count) history series from the other archives, but "
                        + "\(unreadable.count) cannot be read again: "
                        + unreadable.prefix(5).map(\.why).joined(separator: "; ")
                        + (unreadable.count > 5 ? "; …" : "")
                        + ". Put them back, or pass --accept-loss to lose what only they held. Nothing was changed."
                )
            }
            for u in unreadable { skip[u.archive.id] = u.why }
        }
        var index = 0
        let outcome = try store.forgetArchive(archive, reason: reason, at: timeBounds.now()) { other, session in
            index += 1
            guard skip[other.id] == nil else { return }
            progress?(index, other.name)
            do {
                try forEachRecord(inArchiveAt: other.path) { record in
                    switch record {
                    case .deploy(let deploy, _):
                        if implausibleStart(deploy, exportedAt: other.exportedAt) == nil {
                            try session.restoreDeploy(deploy)
                        }
                    case .deploySeries(let deployId, let metric, _, let series):
                        try session.restoreSeries(deployId: deployId, metric: metric, series)
                    case .history(let app, let metric, _, let series):
                        if implausibleSpan(series, exportedAt: other.exportedAt) == nil {
                            try session.restoreHistory(app: app, metric: metric, series)
                        }
                    default:
                        break
                    }
                }
            } catch {
                let why = (error as? ArchiveError)?.message ?? "\(error)"
                throw ForgetError(
                    message: "Reading \(other.name) again (to put back what \(archive.name) displaced) failed: \(why). "
                        + "Nothing was changed."
                )
            }
        }
        return (outcome, skip.values.sorted())
    }
}
