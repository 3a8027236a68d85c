internal import CArchive

/// Checks the parts of a `.tar.gz` that no entry covers: the gzip header, CRC-32 and length.
///
/// libarchive ignores the gzip trailer when reading, so a flipped byte there, or in the header's
/// time stamp or OS byte, would go unnoticed by a reader that only checks entry contents. A
/// signed bundle must reject any changed byte.
public enum GzipEnvelope {
    /// The most a verified stream may expand to (a bundle is a few megabytes).
    public static let maximumSize = 1 << 30

    /// The 10-byte header the deterministic writer produces: no name, no time stamp, Unix.
    public static let canonicalHeader: [UInt8] = [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]

    /// Throws unless `bytes` is one gzip member with the canonical header whose trailer's CRC-32
    /// and length match the decompressed data.
    public static func verify(_ bytes: [UInt8], name: String) throws(ArchiveError) {
        guard bytes.count >= 18, Array(bytes.prefix(10)) == canonicalHeader else {
            throw ArchiveError(code: .corrupt, message: "'\(name)' does not start with the canonical gzip header.")
        }
        let data = try decompressed(bytes, name: name)
        let n = bytes.count
        let crc =
            UInt32(bytes[n - 8]) | UInt32(bytes[n - 7]) << 8 | UInt32(bytes[n - 6]) << 16 | UInt32(bytes[n - 5]) << 24
        let size =
            UInt32(bytes[n - 4]) | UInt32(bytes[n - 3]) << 8 | UInt32(bytes[n - 2]) << 16 | UInt32(bytes[n - 1]) << 24
        guard crc == crc32(data), size == UInt32(truncatingIfNeeded: data.count) else {
            throw ArchiveError(code: .corrupt, message: "The gzip trailer of '\(name)' does not match its data.")
        }
    }

    /// The gzip stream's decompressed bytes.
    static func decompressed(_ bytes: [UInt8], name: String) throws(ArchiveError) -> [UInt8] {
        ensureUTF8Locale()
        guard let a = archive_read_new() else {
            throw ArchiveError(code: .unreadable, message: "libarchive could not allocate a reader.")
        }
        defer { archive_read_free(a) }
        archive_read_support_filter_gzip(a)
        archive_read_support_format_raw(a)
        var out: [UInt8] = []
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            guard archive_read_open_memory(a, raw.baseAddress, raw.count) == ARCHIVE_OK else { return false }
            var entry: OpaquePointer?
            guard archive_read_next_header(a, &entry) == ARCHIVE_OK else { return false }
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let n = buffer.withUnsafeMutableBytes { archive_read_data(a, $0.baseAddress, $0.count) }
                if n < 0 { return false }
                if n == 0 { return true }
                // A bundle is small; refuse to expand a bomb before anything is verified.
                if out.count + n > maximumSize { return false }
                out.append(contentsOf: buffer[0..<n])
            }
        }
        guard ok else { throw ArchiveError(code: .corrupt, message: "'\(name)' is not a valid gzip stream.") }
        return out
    }

    static let table: [UInt32] = (0..<256).map { i in
        var c = UInt32(i)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// CRC-32 (IEEE 802.3), as gzip uses.
    public static func crc32(_ data: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in data { c = table[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }
}
