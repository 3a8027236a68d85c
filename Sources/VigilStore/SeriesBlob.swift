internal import Foundation
internal import VigilCore

/// A series' values as one blob: `count` little-endian IEEE 754 doubles, a missing point stored as NaN.
///
/// Start, step and count live in their own columns, so the blob is the values alone.
enum SeriesBlob {
    static func encode(_ values: [Double]) -> Data {
        var data = Data(count: values.count * 8)
        data.withUnsafeMutableBytes { raw in
            for (i, v) in values.enumerated() {
                let bits = v.isNaN ? Double.nan.bitPattern : v.bitPattern
                raw.storeBytes(of: bits.littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        }
        return data
    }

    static func decode(_ data: Data, count: Int) -> [Double]? {
        guard data.count == count * 8 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<count).map { i in
                Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
            }
        }
    }
}
