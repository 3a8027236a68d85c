/// A Donut weights file could not be read.
public struct DonutModelError: Error, Sendable, Hashable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// The fixed part of a Donut weights file, read first so that a reader can refuse a version it does not know.
///
/// All integers and floats are little-endian; floats are IEEE 754 binary64 bit patterns, so
/// a model reads back bit for bit. Layout of format version 1:
///
/// | bytes | field |
/// | --- | --- |
/// | 8 | magic `"VGDONUT\0"` |
/// | 4 | format version (`UInt32`, 1) |
/// | 4 | `W`, window (`UInt32`) |
/// | 4 | `K`, latent size (`UInt32`) |
/// | 4 | hidden units per layer (`UInt32`) |
/// | 4 | layer count (`UInt32`, 8) |
/// | 8 | standard-deviation floor ε (`Float64`) |
/// | 8 | standardization mean (`Float64`) |
/// | 8 | standardization standard deviation (`Float64`) |
/// | 8 × layers | each layer's `inputs`, `outputs` (`UInt32` each) |
/// | … | each layer's weights (`inputs × outputs`, row-major) then biases, `Float64` |
///
/// Layers come in ``DonutNetwork/layers`` order: encoder 1, encoder 2, encoder mean, encoder
/// std, decoder 1, decoder 2, decoder mean, decoder std.
public struct DonutModelHeader: Sendable, Hashable {
    public static let magic: [UInt8] = Array("VGDONUT".utf8) + [0]
    public static let currentFormatVersion: UInt32 = 1

    public var formatVersion: UInt32
    public var window: Int
    public var latent: Int
    public var hidden: Int
    public var layerCount: Int
    public var stdEpsilon: Double
    public var mean: Double
    public var standardDeviation: Double
}

extension DonutModel {
    /// The model as a versioned little-endian byte string (see ``DonutModelHeader``).
    public func serialized() -> [UInt8] {
        var out = DonutModelHeader.magic
        out.appendLittleEndian(DonutModelHeader.currentFormatVersion)
        out.appendLittleEndian(UInt32(window))
        out.appendLittleEndian(UInt32(latent))
        out.appendLittleEndian(UInt32(network.hidden))
        out.appendLittleEndian(UInt32(network.layers.count))
        out.appendLittleEndian(network.stdEpsilon.bitPattern)
        out.appendLittleEndian(mean.bitPattern)
        out.appendLittleEndian(standardDeviation.bitPattern)
        for layer in network.layers {
            out.appendLittleEndian(UInt32(layer.inputs))
            out.appendLittleEndian(UInt32(layer.outputs))
        }
        for layer in network.layers {
            for w in layer.weights { out.appendLittleEndian(w.bitPattern) }
            for b in layer.bias { out.appendLittleEndian(b.bitPattern) }
        }
        return out
    }

    /// Reads a model written by ``serialized()``.
    ///
    /// - Throws: ``DonutModelError`` for a wrong magic, an unknown format version, shapes that
    ///   are not Donut's, a truncated or over-long file, or non-finite values.
    public init(serialized bytes: [UInt8]) throws(DonutModelError) {
        var reader = ByteReader(bytes: bytes)
        let header = try Self.readHeader(&reader)
        let shapes = DonutNetwork.shapes(window: header.window, latent: header.latent, hidden: header.hidden)
        guard header.layerCount == shapes.count else {
            throw DonutModelError(message: "Donut weights: \(header.layerCount) layers, expected \(shapes.count).")
        }
        for (index, shape) in shapes.enumerated() {
            let inputs = Int(try reader.uint32())
            let outputs = Int(try reader.uint32())
            guard inputs == shape.inputs && outputs == shape.outputs else {
                throw DonutModelError(
                    message: "Donut weights: layer \(index) is \(inputs)×\(outputs), expected "
                        + "\(shape.inputs)×\(shape.outputs) for W=\(header.window), K=\(header.latent)."
                )
            }
        }
        var layers: [DenseLayer] = []
        for shape in shapes {
            let weights = try reader.doubles(shape.inputs * shape.outputs)
            let bias = try reader.doubles(shape.outputs)
            guard weights.allSatisfy(\.isFinite) && bias.allSatisfy(\.isFinite) else {
                throw DonutModelError(message: "Donut weights: a layer holds a non-finite value.")
            }
            layers.append(DenseLayer(inputs: shape.inputs, outputs: shape.outputs, weights: weights, bias: bias))
        }
        guard reader.isAtEnd else {
            throw DonutModelError(message: "Donut weights: \(bytes.count - reader.offset) bytes after the last layer.")
        }
        self.init(
            network: DonutNetwork(
                window: header.window,
                latent: header.latent,
                hidden: header.hidden,
                stdEpsilon: header.stdEpsilon,
                layers: layers
            ),
            mean: header.mean,
            standardDeviation: header.standardDeviation
        )
    }

    /// Reads and checks the header of a weights file.
    ///
    /// - Throws: ``DonutModelError`` for a wrong magic, an unknown version or impossible sizes.
    public static func header(of bytes: [UInt8]) throws(DonutModelError) -> DonutModelHeader {
        var reader = ByteReader(bytes: bytes)
        return try readHeader(&reader)
    }

    private static func readHeader(_ reader: inout ByteReader) throws(DonutModelError) -> DonutModelHeader {
        guard try reader.bytes(DonutModelHeader.magic.count) == DonutModelHeader.magic else {
            throw DonutModelError(message: "Not a Donut weights file (wrong magic).")
        }
        let version = try reader.uint32()
        guard version == DonutModelHeader.currentFormatVersion else {
            throw DonutModelError(
                message: "Donut weights format version \(version) is not supported (this build reads version "
                    + "\(DonutModelHeader.currentFormatVersion)); retrain or upgrade vigil."
            )
        }
        let window = Int(try reader.uint32())
        let latent = Int(try reader.uint32())
        let hidden = Int(try reader.uint32())
        let layerCount = Int(try reader.uint32())
        let epsilon = Double(bitPattern: try reader.uint64())
        let mean = Double(bitPattern: try reader.uint64())
        let sd = Double(bitPattern: try reader.uint64())
        guard (2...100_000).contains(window), (1...1_000).contains(latent), (1...100_000).contains(hidden) else {
            throw DonutModelError(
                message: "Donut weights: impossible sizes W=\(window), K=\(latent), hidden=\(hidden)."
            )
        }
        guard epsilon > 0 && epsilon.isFinite && mean.isFinite && sd > 0 && sd.isFinite else {
            throw DonutModelError(message: "Donut weights: the floor, mean or scale is not a positive finite number.")
        }
        return DonutModelHeader(
            formatVersion: version,
            window: window,
            latent: latent,
            hidden: hidden,
            layerCount: layerCount,
            stdEpsilon: epsilon,
            mean: mean,
            standardDeviation: sd
        )
    }
}

extension [UInt8] {
    mutating func appendLittleEndian(_ value: some FixedWidthInteger) {
        var v = value.littleEndian
        Swift.withUnsafeBytes(of: &v) { append(contentsOf: $0) }
    }
}

/// Sequential little-endian reads that throw on truncation.
private struct ByteReader {
    let bytes: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == bytes.count }

    mutating func bytes(_ count: Int) throws(DonutModelError) -> [UInt8] {
        guard count >= 0, bytes.count - offset >= count else {
            throw DonutModelError(message: "Donut weights are truncated at byte \(bytes.count).")
        }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    mutating func uint32() throws(DonutModelError) -> UInt32 {
        let b = try bytes(4)
        return b.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64() throws(DonutModelError) -> UInt64 {
        let b = try bytes(8)
        return b.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func doubles(_ count: Int) throws(DonutModelError) -> [Double] {
        guard bytes.count - offset >= count * 8 else {
            throw DonutModelError(message: "Donut weights are truncated at byte \(bytes.count).")
        }
        var out = [Double](repeating: 0, count: count)
        for i in 0..<count { out[i] = Double(bitPattern: try uint64()) }
        return out
    }
}
