public import Crypto
internal import Foundation
public import VigilCore
public import VigilGuard

/// A directory of bundles with an index and channel pointers (see docs/Registry.md).
///
/// Every write is atomic and ordered — bundle, then index, then pointer — so a reader never
/// sees a torn file or a pointer to a bundle that is not there, whenever the writer dies.
public struct Registry: Sendable {
    public enum Channel: String, Sendable, CaseIterable, Codable {
        case candidate, stable
    }

    public struct Entry: Sendable, Hashable, Codable {
        public var version: String
        public var sha256: String
        public var size: Int
        public var createdAt: String
        public var parent: String?
        public var everStable: Bool
        /// The digest of the bundle's inputs (data, labels, pipeline, code version).
        public var inputs: String

        enum CodingKeys: String, CodingKey {
            case version, sha256, size, parent, inputs
            case createdAt = "created_at"
            case everStable = "ever_stable"
        }
    }

    public struct Index: Sendable, Hashable, Codable {
        public var format = "vigil-registry"
        public var formatVersion = 1
        public var bundles: [Entry] = []
        /// The highest version ever issued, kept after gc so that no version is issued twice.
        public var highestVersion: String?

        public init() {}

        enum CodingKeys: String, CodingKey {
            case format, bundles
            case formatVersion = "format_version"
            case highestVersion = "highest_version"
        }
    }

    /// One change of a channel: an audit trail, so every field says who, when and why.
    public struct Move: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// A new bundle on `candidate`.
            case publish
            /// The promotion gate moved `stable`.
            case gate
            /// Someone moved `stable` by hand (`vigil bundle promote`).
            case promote
            /// `vigil bundle rollback`: undoes the move before it.
            case rollback
        }

        public var version: String
        /// Wall-clock time of the change (older records hold the data time here).
        public var at: String
        public var reason: String
        public var kind: Kind?
        /// `user@host` that made the change.
        public var by: String?
        /// The bundle's data time (its `created_at`), for publishes and the gate's moves.
        public var dataTime: String?

        public init(
            version: String,
            at: String,
            reason: String,
            kind: Kind? = nil,
            by: String? = nil,
            dataTime: String? = nil
        ) {
            self.version = version
            self.at = at
            self.reason = reason
            self.kind = kind
            self.by = by
            self.dataTime = dataTime
        }

        enum CodingKeys: String, CodingKey {
            case version, at, reason, kind, by
            case dataTime = "data_time"
        }

        /// Whether it undid the move before it (older records say so only in their reason).
        var isRollback: Bool { kind == .rollback || (kind == nil && reason.hasPrefix("rollback from ")) }
    }

    public struct Pointer: Sendable, Hashable, Codable {
        public var channel: Channel
        public var version: String
        public var sha256: String
        public var updatedAt: String
        /// Every version the channel pointed to, oldest first (the last is the current one).
        public var history: [Move]

        enum CodingKeys: String, CodingKey {
            case channel, version, sha256, history
            case updatedAt = "updated_at"
        }
    }

    public let root: String
    /// Called with a step name between the steps of a publish; a test throws here to simulate a crash.
    public var failpoint: (@Sendable (String) throws -> Void)?

    public init(root: String) {
        self.root = root
    }

    public func bundlePath(_ version: String) -> String { "\(root)/bundles/\(version)/bundle.tar.gz" }
    func manifestPath(_ version: String) -> String { "\(root)/bundles/\(version)/manifest.json" }
    var indexPath: String { "\(root)/index.json" }
    func pointerPath(_ c: Channel) -> String { "\(root)/channels/\(c.rawValue).json" }
    func gatePath(_ version: String) -> String { "\(root)/gate/\(version).json" }

    public func index() throws -> Index {
        guard let data = FileManager.default.contents(atPath: indexPath) else { return Index() }
        do {
            let index = try BundleFormat.decoder().decode(Index.self, from: data)
            guard index.formatVersion <= 1 else {
                throw StageError(
                    "The registry '\(root)' has format version \(index.formatVersion); this vigil reads 1."
                )
            }
            return index
        } catch let e as StageError {
            throw e
        } catch {
            throw StageError("The registry index '\(indexPath)' is corrupt: \(error)")
        }
    }

    public func pointer(_ c: Channel) throws -> Pointer? {
        guard let data = FileManager.default.contents(atPath: pointerPath(c)) else { return nil }
        do {
            return try BundleFormat.decoder().decode(Pointer.self, from: data)
        } catch {
            throw StageError("The channel pointer '\(pointerPath(c))' is corrupt: \(error)")
        }
    }

    /// The next version for a bundle created on `day` (Unix seconds): that date and a counter,
    /// always above every version the registry ever issued (even ones gc removed).
    public func nextVersion(day: Int64) throws -> String {
        let index = try index()
        var date = RFC3339.formatDate(day).replacingOccurrences(of: "-", with: ".")
        let issued = index.bundles.map(\.version) + (index.highestVersion.map { [$0] } ?? [])
        let highest = issued.max { BundleFormat.versionPrecedes($0, $1) }
        if let highest, BundleFormat.versionPrecedes("\(date).999999", highest) {
            // The data's date went backwards (another store, a pinned SOURCE_DATE_EPOCH): stay above.
            date = highest.split(separator: ".").prefix(3).joined(separator: ".")
        }
        let counters = issued.filter { $0.hasPrefix(date + ".") }.compactMap {
            Int($0.split(separator: ".").last ?? "")
        }
        return "\(date).\((counters.max() ?? 0) + 1)"
    }

    /// Runs `body` holding the registry's lock (`<root>/.lock`, flock), so that two writers —
    /// a nightly publish and a `vigil bundle gc`, or two pipelines sharing a registry — never
    /// interleave their read-modify-write of the index and pointers.
    public func locked<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let fd = open("\(root)/.lock", O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw StageError("Cannot open the registry lock '\(root)/.lock'.") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw StageError("Cannot lock the registry '\(root)'.") }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Adds a bundle to the registry and points `candidate` at it. Idempotent: publishing the
    /// same bytes under the same version again changes nothing.
    @discardableResult
    public func publish(
        bytes: [UInt8],
        manifest: BundleManifest,
        inputs: String,
        manifestBytes: [UInt8],
        signer: Curve25519.Signing.PublicKey
    ) throws -> Entry {
        let version = manifest.version
        guard BundleFormat.isValidVersion(version) else { throw StageError("'\(version)' is not a bundle version.") }
        try checkSigner(signer)
        try trustOnFirstPublish(signer, at: Self.wallClock())
        var index = try index()
        let sha = BundleFormat.sha256Hex(bytes)
        if let existing = index.bundles.first(where: { $0.version == version }) {
            guard existing.sha256 == sha else {
                throw StageError(
                    "The registry already has a different bundle \(version); versions are never overwritten."
                )
            }
        }
        try AtomicFile.write(bytes, to: bundlePath(version))
        try AtomicFile.write(manifestBytes, to: manifestPath(version))
        try failpoint?("bundle-written")
        let entry = Entry(
            version: version,
            sha256: sha,
            size: bytes.count,
            createdAt: manifest.createdAt,
            parent: manifest.parentVersion,
            everStable: index.bundles.first { $0.version == version }?.everStable ?? false,
            inputs: inputs
        )
        if !index.bundles.contains(where: { $0.version == version }) {
            index.bundles.append(entry)
            index.bundles.sort { BundleFormat.versionPrecedes($0.version, $1.version) }
            if index.highestVersion.map({ BundleFormat.versionPrecedes($0, version) }) ?? true {
                index.highestVersion = version
            }
            try writeIndex(index)
        }
        try failpoint?("index-written")
        try moveLocked(
            .candidate,
            to: entry,
            move: Move(
                version: version,
                at: Self.wallClock(),
                reason: "published",
                kind: .publish,
                by: Self.who(),
                dataTime: manifest.createdAt
            )
        )
        try failpoint?("candidate-pointed")
        return entry
    }

    /// Points `channel` at `version` (which must be in the index); pointing `stable` marks it ever-stable.
    public func move(_ channel: Channel, to entry: Entry, at: String, reason: String) throws {
        try move(channel, to: entry, move: Move(version: entry.version, at: at, reason: reason))
    }

    /// Points `channel` at `entry`, recording `move` in its history.
    public func move(_ channel: Channel, to entry: Entry, move: Move) throws {
        try locked { try moveLocked(channel, to: entry, move: move) }
    }

    /// Now, as the registry's history records it.
    public static func wallClock() -> String { RFC3339.format(Int64(Date().timeIntervalSince1970)) }

    func moveLocked(_ channel: Channel, to entry: Entry, move: Move) throws {
        let at = move.at
        var index = try index()
        guard let i = index.bundles.firstIndex(where: { $0.version == entry.version }) else {
            throw StageError("Bundle \(entry.version) is not in the registry.")
        }
        if channel == .stable && !index.bundles[i].everStable {
            index.bundles[i].everStable = true
            try writeIndex(index)
            try failpoint?("stable-marked")
        }
        var pointer =
            try pointer(channel)
            ?? Pointer(channel: channel, version: entry.version, sha256: entry.sha256, updatedAt: at, history: [])
        if pointer.version == entry.version && !pointer.history.isEmpty { return }
        pointer.version = entry.version
        pointer.sha256 = entry.sha256
        pointer.updatedAt = at
        pointer.history.append(move)
        try AtomicFile.write(Array(try BundleFormat.encoder().encode(pointer)) + [0x0A], to: pointerPath(channel))
    }

    /// Points `stable` back at the version it named before the current one.
    public func rollback(at: String) throws -> Entry {
        try locked { try rollbackLocked(at: at) }
    }

    func rollbackLocked(at: String) throws -> Entry {
        guard let pointer = try pointer(.stable) else {
            throw StageError("The stable channel is empty: nothing to roll back.")
        }
        // Replay the history as a stack: a move pushes, a rollback pops what it undid. Rolling
        // back twice then steps back twice, instead of flipping between two versions.
        var stack: [String] = []
        for move in pointer.history {
            if move.isRollback {
                if !stack.isEmpty { stack.removeLast() }
                if stack.last != move.version { stack.append(move.version) }
            } else if stack.last != move.version {
                stack.append(move.version)
            }
        }
        guard stack.count >= 2, let entry = try index().bundles.first(where: { $0.version == stack[stack.count - 2] })
        else {
            throw StageError("Stable has no earlier version to roll back to (\(pointer.version) is the first).")
        }
        guard FileManager.default.fileExists(atPath: bundlePath(entry.version)) else {
            throw StageError("Bundle \(entry.version) is gone from the registry; cannot roll back to it.")
        }
        try moveLocked(
            .stable,
            to: entry,
            move: Move(
                version: entry.version,
                at: at,
                reason: "rollback from \(pointer.version)",
                kind: .rollback,
                by: Self.who()
            )
        )
        return entry
    }

    /// Removes bundles beyond the newest `keep`, except every bundle that was ever stable and
    /// every one a channel points to; also removes directories of interrupted publishes.
    public func gc(keep: Int) throws -> [String] {
        try locked { try gcLocked(keep: keep) }
    }

    func gcLocked(keep: Int) throws -> [String] {
        var index = try index()
        let pinned = Set(try Channel.allCases.compactMap { try pointer($0)?.version })
        let newest = Set(index.bundles.suffix(max(0, keep)).map(\.version))
        let removed = index.bundles.filter {
            !$0.everStable && !pinned.contains($0.version) && !newest.contains($0.version)
        }
        .map(\.version)
        index.bundles.removeAll { removed.contains($0.version) }
        try writeIndex(index)
        let listed = Set(index.bundles.map(\.version))
        let dirs = (try? FileManager.default.contentsOfDirectory(atPath: "\(root)/bundles")) ?? []
        var deleted: [String] = []
        for d in dirs.sorted() where !listed.contains(d) {
            try FileManager.default.removeItem(atPath: "\(root)/bundles/\(d)")
            deleted.append(d)
        }
        // Temporary files of writers killed before their rename.
        for path in AtomicFile.removeLeftovers(under: root) {
            deleted.append(String(path.dropFirst(root.count + 1)))
        }
        return deleted
    }

    func writeIndex(_ index: Index) throws {
        try AtomicFile.write(Array(try BundleFormat.encoder().encode(index)) + [0x0A], to: indexPath)
    }

    public func recordGate(_ decision: GateDecision, version: String) throws {
        try AtomicFile.write(Array(try BundleFormat.encoder().encode(decision)) + [0x0A], to: gatePath(version))
    }

    public func gateDecision(_ version: String) -> GateDecision? {
        FileManager.default.contents(atPath: gatePath(version)).flatMap {
            try? BundleFormat.decoder().decode(GateDecision.self, from: $0)
        }
    }

    /// Checks what a reader relies on: the index decodes, every listed bundle file exists with
    /// its SHA-256, and every channel names a listed bundle. Returns the problems found.
    public func consistencyProblems() -> [String] {
        var problems: [String] = []
        let index: Index
        do { index = try self.index() } catch { return ["\(error)"] }
        for e in index.bundles {
            guard let data = FileManager.default.contents(atPath: bundlePath(e.version)) else {
                problems.append("bundle \(e.version) is listed but missing")
                continue
            }
            if BundleFormat.sha256Hex(data) != e.sha256 {
                problems.append("bundle \(e.version) does not match its SHA-256")
            }
        }
        for c in Channel.allCases {
            do {
                guard let p = try pointer(c) else { continue }
                if !index.bundles.contains(where: { $0.version == p.version && $0.sha256 == p.sha256 }) {
                    problems.append("channel \(c.rawValue) points to \(p.version), which the index does not list")
                }
            } catch {
                problems.append("\(error)")
            }
        }
        return problems
    }
}

/// Whether a candidate may replace the incumbent, on the same validation deploys.
public struct GateTolerances: Sendable, Hashable, Codable {
    /// How much recall and precision may drop, and false pauses per 100 good deploys rise.
    public var recall: Double
    public var precision: Double
    public var falsePausesPer100: Double
    /// How much F1 may drop; the only figure, with false pauses, checked against the static
    /// baseline, whose recall is trivially high because it pauses nearly everything.
    public var f1: Double

    /// What a candidate must reach on its own, whatever the incumbent did.
    public var floors: GateFloors

    public init(
        recall: Double = 0.01,
        precision: Double = 0.01,
        falsePausesPer100: Double = 0.5,
        f1: Double = 0,
        floors: GateFloors = GateFloors()
    ) {
        self.recall = recall
        self.precision = precision
        self.falsePausesPer100 = falsePausesPer100
        self.f1 = f1
        self.floors = floors
    }

    enum CodingKeys: String, CodingKey {
        case recall, precision, f1, floors
        case falsePausesPer100 = "false_pauses_per_100"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        recall = try c.decode(Double.self, forKey: .recall)
        precision = try c.decode(Double.self, forKey: .precision)
        falsePausesPer100 = try c.decode(Double.self, forKey: .falsePausesPer100)
        f1 = try c.decode(Double.self, forKey: .f1)
        // Gate records written before floors existed had none.
        floors = try c.decodeIfPresent(GateFloors.self, forKey: .floors) ?? GateFloors(minRecall: 0)
    }
}

/// Absolute floors of the promotion gate on validation deploys: a candidate below any of them
/// stays candidate even when it beats the incumbent (a weak model must not become stable
/// because the one before it, or the static baseline, was weaker). By default the pipeline's
/// objective gives the precision and false-pause floors.
public struct GateFloors: Sendable, Hashable, Codable {
    public var minPrecision: Double
    public var maxFalsePausesPer100: Double
    public var minRecall: Double

    public init(minPrecision: Double = 0, maxFalsePausesPer100: Double = 100, minRecall: Double = 0.5) {
        self.minPrecision = minPrecision
        self.maxFalsePausesPer100 = maxFalsePausesPer100
        self.minRecall = minRecall
    }

    enum CodingKeys: String, CodingKey {
        case minPrecision = "min_precision"
        case maxFalsePausesPer100 = "max_false_pauses_per_100"
        case minRecall = "min_recall"
    }

    /// Each floor the figures miss, as a phrase (`recall 0.429 < 0.500`).
    public func misses(_ f: DeployFigures) -> [String] {
        var misses: [String] = []
        if f.recall < minRecall - 1e-12 { misses.append(String(format: "recall %.3f < %.3f", f.recall, minRecall)) }
        if f.precision < minPrecision - 1e-12 {
            misses.append(String(format: "precision %.3f < %.3f", f.precision, minPrecision))
        }
        if f.falsePausesPer100 > maxFalsePausesPer100 + 1e-12 {
            misses.append(
                String(format: "false pauses per 100 good %.2f > %.2f", f.falsePausesPer100, maxFalsePausesPer100)
            )
        }
        return misses
    }
}

public struct GateDecision: Sendable, Hashable, Codable {
    public var version: String
    public var promoted: Bool
    /// The floors the candidate missed (then it is not promoted, however it compares).
    public var belowFloors: [String]?
    public var reason: String
    /// `stable 2026.11.14.1` or `static 3-sigma baseline`.
    public var against: String
    public var candidate: DeployFigures
    public var incumbent: DeployFigures
    public var tolerances: GateTolerances

    enum CodingKeys: String, CodingKey {
        case version, promoted, reason, against, candidate, incumbent, tolerances
        case belowFloors = "below_floors"
    }

    /// Compares figures on the same deploys.
    ///
    /// Against a stable bundle, recall and precision may not drop and false pauses may not rise
    /// beyond the tolerances. Against the static baseline (the first bundle), F1 may not drop
    /// and false pauses may not rise beyond theirs: the baseline pauses nearly every deploy, so
    /// its recall is no bar a useful model should have to clear.
    public static func decide(
        version: String,
        candidate: DeployFigures,
        incumbent: DeployFigures,
        against: String,
        incumbentIsBaseline: Bool = false,
        tolerances: GateTolerances
    ) -> GateDecision {
        var failures: [String] = []
        if candidate.bad + candidate.good == 0 {
            failures.append("no labeled validation deploy to judge it on")
        }
        if candidate.f1 < incumbent.f1 - tolerances.f1 - 1e-12 {
            failures.append(String(format: "F1 %.3f < %.3f - %.3f", candidate.f1, incumbent.f1, tolerances.f1))
        }
        if !incumbentIsBaseline, candidate.recall < incumbent.recall - tolerances.recall - 1e-12 {
            failures.append(
                String(format: "recall %.3f < %.3f - %.3f", candidate.recall, incumbent.recall, tolerances.recall)
            )
        }
        if !incumbentIsBaseline, candidate.precision < incumbent.precision - tolerances.precision - 1e-12 {
            failures.append(
                String(
                    format: "precision %.3f < %.3f - %.3f",
                    candidate.precision,
                    incumbent.precision,
                    tolerances.precision
                )
            )
        }
        if candidate.falsePausesPer100 > incumbent.falsePausesPer100 + tolerances.falsePausesPer100 + 1e-12 {
            failures.append(
                String(
                    format: "false pauses per 100 good %.2f > %.2f + %.2f",
                    candidate.falsePausesPer100,
                    incumbent.falsePausesPer100,
                    tolerances.falsePausesPer100
                )
            )
        }
        let belowFloors = candidate.bad + candidate.good == 0 ? [] : tolerances.floors.misses(candidate)
        let reason =
            !belowFloors.isEmpty
            ? "below the pipeline's floors: " + belowFloors.joined(separator: "; ")
                + (failures.isEmpty ? "" : "; and falls behind the \(against): " + failures.joined(separator: "; "))
            : failures.isEmpty
                ? String(
                    format:
                        "no regression against the %@ (F1 %.3f vs %.3f, recall %.3f vs %.3f, precision %.3f vs %.3f, false pauses/100 %.2f vs %.2f)",
                    against,
                    candidate.f1,
                    incumbent.f1,
                    candidate.recall,
                    incumbent.recall,
                    candidate.precision,
                    incumbent.precision,
                    candidate.falsePausesPer100,
                    incumbent.falsePausesPer100
                )
                : "falls behind the \(against): " + failures.joined(separator: "; ")
        return GateDecision(
            version: version,
            promoted: failures.isEmpty && belowFloors.isEmpty,
            belowFloors: belowFloors.isEmpty ? nil : belowFloors,
            reason: reason,
            against: against,
            candidate: candidate,
            incumbent: incumbent,
            tolerances: tolerances
        )
    }
}
