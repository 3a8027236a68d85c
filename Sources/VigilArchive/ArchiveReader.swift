internal import CArchive
public import VigilCore

/// Bounds on what reading one archive may expand to.
public struct ArchiveLimits: Sendable, Hashable {
    /// The most uncompressed bytes one archive may expand to (the format's default is 8 GiB).
    public var maxTotalBytes: Int64
    /// The highest compression ratio one entry may have (the format's default is 200:1).
    public var maxCompressionRatio: Double
    /// The largest single entry that is read into memory; a larger entry is rejected alone.
    public var maxEntryBytes: Int64

    public init(maxTotalBytes: Int64 = 8 << 30, maxCompressionRatio: Double = 200, maxEntryBytes: Int64 = 1 << 30) {
        self.maxTotalBytes = maxTotalBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.maxEntryBytes = maxEntryBytes
    }
}

/// One entry of an archive, as the reader hands it on.
public enum RawEntry: Sendable {
    /// A regular file with a safe relative path (a leading `./` removed).
    case file(path: String, contents: [UInt8])
    /// An entry that was not read: unsafe path, link, special file or oversized.
    case rejected(Problem)
}

/// Streams the entries of a tar (plain, gzip or zstd) or zip archive, detected from content.
///
/// Entries come in archive order, one at a time, so memory stays bounded by the
/// largest entry, not by the archive.
public enum ArchiveReader {
    /// The block size asked of libarchive; it is also the read-ahead slack in the ratio check.
    static let blockSize = 16 * 1024

    /// Calls `body` for every entry of the archive at `path`.
    ///
    /// An entry whose path is absolute, contains `..`, or that is a link is passed as
    /// ``RawEntry/rejected(_:)`` and the archive goes on. Directory entries are skipped.
    ///
    /// The compression ratio of an entry is its uncompressed size over the compressed
    /// bytes consumed while expanding it, plus one read block of slack (16 KiB), so an
    /// entry must expand to more than `ratio × 16 KiB` (3.2 MB at 200:1) to trip it.
    ///
    /// - Throws: ``ArchiveError`` when the archive cannot be opened, is not a supported
    ///   container, is corrupt, or exceeds a cap; any error `body` throws, unchanged.
    public static func forEachEntry(
        inArchiveAt path: String,
        limits: ArchiveLimits = ArchiveLimits(),
        _ body: (RawEntry) throws -> Void
    ) throws {
        ensureUTF8Locale()
        guard let a = archive_read_new() else {
            throw ArchiveError(code: .unreadable, message: "libarchive could not allocate a reader.")
        }
        defer { archive_read_free(a) }
        archive_read_support_filter_none(a)
        archive_read_support_filter_gzip(a)
        archive_read_support_filter_zstd(a)
        archive_read_support_format_tar(a)
        archive_read_support_format_zip(a)

        if archive_read_open_filename(a, path, blockSize) != ARCHIVE_OK {
            // libarchive reads ahead while opening, so a damaged or foreign file can fail here too.
            let message = errorString(a)
            if access(path, R_OK) != 0 {
                throw ArchiveError(code: .unreadable, message: "Cannot open '\(path)': \(message).")
            }
            throw containerError(path, message, beforeFirstEntry: true)
        }
        var totalExpanded: Int64 = 0
        var entry: OpaquePointer?
        var sawHeader = false
        while true {
            let status = archive_read_next_header(a, &entry)
            if status == ARCHIVE_EOF { break }
            if status == ARCHIVE_FATAL || status == ARCHIVE_RETRY {
                throw containerError(path, errorString(a), beforeFirstEntry: !sawHeader)
            }
            sawHeader = true
            guard let entry else { continue }
            try checkTotal(a, totalExpanded, limits, path)

            let rawName = entryPath(entry)
            let fileType = archive_entry_filetype(entry)
            if fileType == CARCHIVE_AE_IFDIR { continue }
            let name = normalized(rawName)
            if name.isEmpty { continue }
            // Entries that are refused are still expanded through the caps (and discarded), so a
            // bomb cannot hide behind an unsafe name.
            var refusal: Problem?
            if let reason = unsafePathReason(name) {
                refusal = .error("unsafe_path", entry: rawName, "Entry '\(rawName)' \(reason); skipped.")
            } else if archive_entry_hardlink(entry) != nil || fileType == CARCHIVE_AE_IFLNK {
                let target = archive_entry_symlink(entry).map { String(cString: $0) } ?? "another entry"
                refusal = .error("link", entry: name, "Entry '\(name)' is a link (to '\(target)'); links are rejected.")
            } else if fileType != CARCHIVE_AE_IFREG {
                refusal = .warning("special_file", entry: name, "Entry '\(name)' is not a regular file; skipped.")
            }
            let declared = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : -1
            let contents = try readEntry(
                a,
                name: refusal == nil ? name : rawName,
                declared: declared,
                keep: refusal == nil,
                limits: limits,
                path: path,
                totalExpanded: &totalExpanded
            )
            if let refusal {
                try body(.rejected(refusal))
            } else if let contents {
                try body(.file(path: name, contents: contents))
            } else {
                try body(.rejected(oversized(name, max(declared, limits.maxEntryBytes + 1), limits)))
            }
        }
        try checkTotal(a, totalExpanded, limits, path)
    }

    /// Expands the current entry in chunks of at most 1 MiB, checking the caps after each.
    ///
    /// - Returns: the contents, or `nil` when `keep` is false or the entry is larger than
    ///   `maxEntryBytes` (its data is then expanded through the caps and dropped).
    private static func readEntry(
        _ a: OpaquePointer,
        name: String,
        declared: Int64,
        keep: Bool,
        limits: ArchiveLimits,
        path: String,
        totalExpanded: inout Int64
    ) throws -> [UInt8]? {
        let chunk = 1 << 20
        var keeping = keep && declared <= limits.maxEntryBytes
        // Start from the declared size only up to one chunk: a lying header cannot make us allocate.
        var contents = [UInt8](repeating: 0, count: keeping ? Int(min(max(declared, 0), Int64(chunk))) : 0)
        var filled = 0
        var discard = [UInt8](repeating: 0, count: keeping ? 0 : chunk)
        var probe = [UInt8](repeating: 0, count: keeping ? 16 * 1024 : 0)
        var produced: Int64 = 0
        let consumedAtStart = archive_filter_bytes(a, -1)
        func account(_ n: Int) throws {
            totalExpanded += Int64(n)
            produced += Int64(n)
            let consumed = archive_filter_bytes(a, -1) - consumedAtStart
            if Double(produced) > limits.maxCompressionRatio * Double(consumed + Int64(blockSize)) {
                throw ArchiveError(
                    code: .expansionCapExceeded,
                    message: "Entry '\(name)' in '\(path)' expands more than "
                        + "\(formatRatio(limits.maxCompressionRatio)):1 (\(produced) bytes from about "
                        + "\(max(consumed, 1)) compressed); the archive is rejected as a possible decompression bomb."
                )
            }
            try checkTotal(a, totalExpanded, limits, path)
        }
        func damaged() -> ArchiveError {
            ArchiveError(code: .corrupt, message: "'\(path)' is damaged in entry '\(name)': \(errorString(a)).")
        }
        while true {
            let n: Int
            if keeping && filled == contents.count {
                // Full: probe for more before growing, so an exactly declared size costs no copy.
                n = probe.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
                if n > 0 {
                    contents.append(contentsOf: probe[0..<n])
                    filled += n
                    contents.append(contentsOf: repeatElement(0, count: max(contents.count, chunk)))
                }
            } else if keeping {
                let room = min(contents.count - filled, chunk)
                n = contents.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress! + filled, room) }
                if n > 0 { filled += n }
            } else {
                n = discard.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
            }
            if n == 0 { break }
            if n < 0 {
                if n == Int(ARCHIVE_WARN) { continue }
                throw damaged()
            }
            try account(n)
            if keeping && produced > limits.maxEntryBytes {
                keeping = false
                contents = []
                discard = [UInt8](repeating: 0, count: chunk)
            }
        }
        guard keeping else { return nil }
        contents.removeSubrange(filled...)
        return contents
    }

    private static func containerError(_ path: String, _ message: String, beforeFirstEntry: Bool) -> ArchiveError {
        if beforeFirstEntry && message.lowercased().contains("unrecognized archive format") {
            return ArchiveError(
                code: .unsupportedContainer,
                message: "'\(path)' is not a tar, tar.gz, tar.zst or zip archive (libarchive: \(message))."
            )
        }
        return ArchiveError(code: .corrupt, message: "'\(path)' is damaged: \(message).")
    }

    /// Why a path may not be used, or `nil` when it is a safe relative path.
    public static func unsafePathReason(_ path: String) -> String? {
        if path.hasPrefix("/") { return "has an absolute path" }
        if path.contains("\\") { return "uses '\\' in its path" }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            return "climbs out of the archive with '..'"
        }
        return nil
    }

    static func normalized(_ path: String) -> String {
        var p = Substring(path)
        while p.hasPrefix("./") { p = p.dropFirst(2) }
        return String(p)
    }

    private static func oversized(_ name: String, _ size: Int64?, _ limits: ArchiveLimits) -> Problem {
        let sizeText = size.map { " (\($0) bytes)" } ?? ""
        return .error(
            "oversized_entry",
            entry: name,
            "Entry '\(name)'\(sizeText) is larger than the per-entry limit of \(limits.maxEntryBytes) bytes; skipped."
        )
    }

    private static func checkTotal(
        _ a: OpaquePointer,
        _ expanded: Int64,
        _ limits: ArchiveLimits,
        _ path: String
    ) throws {
        // For tar, filter 0's output counts every expanded byte, skipped entries included.
        let total = max(expanded, archive_filter_bytes(a, 0))
        if total > limits.maxTotalBytes {
            throw ArchiveError(
                code: .expansionCapExceeded,
                message: "'\(path)' expands to more than \(limits.maxTotalBytes) bytes; the archive is rejected."
            )
        }
    }

    private static func entryPath(_ entry: OpaquePointer) -> String {
        if let p = archive_entry_pathname_utf8(entry) { return String(cString: p) }
        if let p = archive_entry_pathname(entry) { return String(cString: p) }
        return ""
    }

    static func errorString(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    private static func formatRatio(_ r: Double) -> String {
        r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// libarchive converts names through the C locale; without a UTF-8 locale a
/// non-ASCII name comes back NULL and writing one crashes.
private let localeOnce: Void = {
    setlocale(LC_ALL, "C.UTF-8")
    return ()
}()

func ensureUTF8Locale() { _ = localeOnce }
