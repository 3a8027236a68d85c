internal import CArchive
public import VigilCore

/// Writes archives whose bytes depend only on the files given: entries sorted by
/// path, one fixed modification time, owner 0:0 without names, mode 0644, and no
/// timestamp in the gzip header.
public enum ArchiveWriter {
    public enum Container: String, Sendable, CaseIterable {
        case tar
        case tarGzip = "tar.gz"
        case tarZstd = "tar.zst"
        case zip

        /// The file name extension conventionally used for this container.
        public var fileExtension: String { rawValue }
    }

    /// Returns the bytes of an archive holding `files`.
    ///
    /// - Parameters:
    ///   - files: the entries; their order does not matter, they are sorted by path.
    ///   - container: the container and compression.
    ///   - modificationTime: the Unix time stamped on every entry.
    /// - Throws: ``ArchiveError`` with code `writeFailed` when libarchive refuses an entry,
    ///   or when two files share a path.
    public static func archive(
        _ files: [InMemoryFile],
        as container: Container = .tarGzip,
        modificationTime: Int64 = 0
    ) throws(ArchiveError) -> [UInt8] {
        ensureUTF8Locale()
        let sorted = files.sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.path == b.path {
            throw ArchiveError(code: .writeFailed, message: "Two entries share the path '\(a.path)'.")
        }
        // libarchive may call back until archive_write_free (which closes an unfinished archive),
        // so the sink must outlive the handle: retained here, so that this defer runs after the free.
        let sink = Sink()
        let retained = Unmanaged.passRetained(sink)
        defer { retained.release() }
        guard let a = archive_write_new() else {
            throw ArchiveError(code: .writeFailed, message: "libarchive could not allocate a writer.")
        }
        var freed = false
        defer { if !freed { archive_write_free(a) } }
        switch container {
        case .tar:
            archive_write_set_format_pax_restricted(a)
            archive_write_add_filter_none(a)
        case .tarGzip:
            archive_write_set_format_pax_restricted(a)
            archive_write_add_filter_gzip(a)
            archive_write_set_options(a, "gzip:!timestamp,gzip:compression-level=6")
        case .tarZstd:
            archive_write_set_format_pax_restricted(a)
            archive_write_add_filter_zstd(a)
        case .zip:
            archive_write_set_format_zip(a)
            archive_write_add_filter_none(a)
        }
        // Without this, the last block of an uncompressed tar is padded to 10 KiB, which is
        // deterministic but wasteful; 512 keeps tar files small.
        archive_write_set_bytes_in_last_block(a, 1)

        let context = retained.toOpaque()
        let opened = archive_write_open(
            a,
            context,
            nil,
            { _, context, buffer, length in
                guard let context, let buffer else { return -1 }
                let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
                return length
            },
            nil
        )
        guard opened == ARCHIVE_OK else {
            throw ArchiveError(
                code: .writeFailed,
                message: "Cannot start the archive: \(ArchiveReader.errorString(a))."
            )
        }
        for file in sorted {
            if let reason = ArchiveReader.unsafePathReason(file.path) {
                throw ArchiveError(code: .writeFailed, message: "Entry '\(file.path)' \(reason).")
            }
            guard let entry = archive_entry_new() else {
                throw ArchiveError(code: .writeFailed, message: "libarchive could not allocate an entry.")
            }
            defer { archive_entry_free(entry) }
            archive_entry_set_pathname_utf8(entry, file.path)
            archive_entry_set_filetype(entry, CARCHIVE_AE_IFREG)
            archive_entry_set_perm(entry, 0o644)
            archive_entry_set_size(entry, Int64(file.contents.count))
            archive_entry_set_mtime(entry, time_t(modificationTime), 0)
            archive_entry_set_uid(entry, 0)
            archive_entry_set_gid(entry, 0)
            guard archive_write_header(a, entry) == ARCHIVE_OK else {
                throw ArchiveError(
                    code: .writeFailed,
                    message: "Cannot write entry '\(file.path)': \(ArchiveReader.errorString(a))."
                )
            }
            var offset = 0
            while offset < file.contents.count {
                let written = file.contents.withUnsafeBytes {
                    archive_write_data(a, $0.baseAddress! + offset, $0.count - offset)
                }
                guard written > 0 else {
                    throw ArchiveError(
                        code: .writeFailed,
                        message: "Cannot write data of '\(file.path)': \(ArchiveReader.errorString(a))."
                    )
                }
                offset += written
            }
        }
        guard archive_write_close(a) == ARCHIVE_OK else {
            throw ArchiveError(
                code: .writeFailed,
                message: "Cannot finish the archive: \(ArchiveReader.errorString(a))."
            )
        }
        archive_write_free(a)
        freed = true
        return sink.bytes
    }
}

private final class Sink {
    var bytes: [UInt8] = []
}
