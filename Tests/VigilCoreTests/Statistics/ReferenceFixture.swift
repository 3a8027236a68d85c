import Foundation
import Testing

/// A JSON value decoded from a reference-vector file.
enum JSONValue: Decodable, Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let b = try? c.decode(Bool.self) {
            self = .bool(b)
        } else if let d = try? c.decode(Double.self) {
            self = .number(d)
        } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) {
            self = .array(a)
        } else {
            self = .object(try c.decode([String: JSONValue].self))
        }
    }

    var double: Double? {
        if case .number(let d) = self { return d }
        return nil
    }
    var int: Int? { double.flatMap { Int(exactly: $0) } }
    var bool: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }
    var array: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }
    var doubles: [Double]? { array?.compactMap(\.double) }
    var ints: [Int]? { array?.compactMap(\.int) }
    subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }
}

/// Tolerance of one expected key: `"exact"` or `{"abs": a, "rel": r}`.
enum ReferenceTolerance: Sendable {
    case exact
    case close(abs: Double, rel: Double)

    init(_ json: JSONValue?) {
        if let a = json?["abs"]?.double, let r = json?["rel"]?.double {
            self = .close(abs: a, rel: r)
        } else {
            self = .exact
        }
    }

    func accepts(_ actual: Double, _ expected: Double) -> Bool {
        switch self {
        case .exact: return actual == expected
        case .close(let a, let r): return abs(actual - expected) <= a + r * abs(expected)
        }
    }
}

/// One case of a reference file (see `Fixtures/reference/README.md`).
struct ReferenceCase: Sendable {
    var name: String
    var input: JSONValue
    var params: JSONValue
    var expected: JSONValue
    var tolerance: JSONValue

    /// The keys in `expected`.
    var expectedKeys: Set<String> {
        if case .object(let o) = expected { return Set(o.keys) }
        return []
    }

    /// A numeric input array, e.g. `x`.
    func inputArray(_ key: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Double] {
        try #require(input[key]?.doubles, "\(name): missing input \(key)", sourceLocation: sourceLocation)
    }

    func tolerance(_ key: String) -> ReferenceTolerance { ReferenceTolerance(tolerance[key]) }

    /// Checks a scalar against `expected[key]` within its tolerance.
    func check(_ key: String, _ actual: Double?, sourceLocation: SourceLocation = #_sourceLocation) {
        guard let e = expected[key]?.double else {
            Issue.record("\(name): no expected number \(key)", sourceLocation: sourceLocation)
            return
        }
        guard let actual else {
            Issue.record("\(name).\(key): actual is nil, expected \(e)", sourceLocation: sourceLocation)
            return
        }
        #expect(
            tolerance(key).accepts(actual, e),
            "\(name).\(key): actual \(actual) expected \(e)",
            sourceLocation: sourceLocation
        )
    }

    /// Checks an array element-wise; `null` expected positions must be `nil` or are skipped.
    func check(_ key: String, _ actual: [Double?], sourceLocation: SourceLocation = #_sourceLocation) {
        check(key, actual, against: expected[key], label: key, sourceLocation: sourceLocation)
    }

    /// Checks an array element-wise against `expected[key]`.
    func check(_ key: String, _ actual: [Double], sourceLocation: SourceLocation = #_sourceLocation) {
        check(key, actual.map { Optional($0) }, sourceLocation: sourceLocation)
    }

    /// Checks `actual` against an explicit expected array (e.g. one row of a nested list).
    func check(
        _ key: String,
        _ actual: [Double?],
        against json: JSONValue?,
        label: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard let e = json?.array else {
            Issue.record("\(name): no expected array \(label)", sourceLocation: sourceLocation)
            return
        }
        guard e.count == actual.count else {
            Issue.record(
                "\(name).\(label): count \(actual.count) expected \(e.count)",
                sourceLocation: sourceLocation
            )
            return
        }
        let tol = tolerance(key)
        var failures = 0
        for (i, (a, ev)) in zip(actual, e).enumerated() {
            switch (a, ev.double) {
            case (_, nil):
                continue  // undefined position
            case (nil, let ed?):
                failures += 1
                if failures <= 5 {
                    Issue.record("\(name).\(label)[\(i)]: nil, expected \(ed)", sourceLocation: sourceLocation)
                }
            case (let ad?, let ed?):
                if !tol.accepts(ad, ed) {
                    failures += 1
                    if failures <= 5 {
                        Issue.record(
                            "\(name).\(label)[\(i)]: actual \(ad) expected \(ed) (diff \(ad - ed))",
                            sourceLocation: sourceLocation
                        )
                    }
                }
            }
        }
        #expect(failures == 0, "\(name).\(label): \(failures) mismatches", sourceLocation: sourceLocation)
    }

    /// Checks an exact value (integer, boolean, index list, nested index lists).
    func checkExact(_ key: String, _ actual: JSONValue, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(expected[key] != nil, "\(name): no expected \(key)", sourceLocation: sourceLocation)
        #expect(expected[key] == actual, "\(name).\(key)", sourceLocation: sourceLocation)
    }
}

extension JSONValue {
    init(_ ints: [Int]) { self = .array(ints.map { .number(Double($0)) }) }
    init(_ lists: [[Int]]) { self = .array(lists.map { JSONValue($0) }) }
    init(_ bools: [Bool]) { self = .array(bools.map { .bool($0) }) }
    init(_ int: Int) { self = .number(Double(int)) }
}

/// Loads `Fixtures/reference/<name>.json` from the test bundle.
enum ReferenceFixture {
    private struct File: Decodable {
        var cases: [RawCase]
    }
    private struct RawCase: Decodable {
        var name: String
        var input: JSONValue
        var params: JSONValue
        var expected: JSONValue
        var tolerance: JSONValue
    }

    static func load(_ name: String) throws -> [ReferenceCase] {
        let base = try #require(Bundle.module.resourceURL, "test bundle has no resource URL")
        let url = base.appendingPathComponent("Fixtures/reference/\(name).json")
        let data = try Data(contentsOf: url)
        let file = try JSONDecoder().decode(File.self, from: data)
        return file.cases.map {
            ReferenceCase(
                name: $0.name,
                input: $0.input,
                params: $0.params,
                expected: $0.expected,
                tolerance: $0.tolerance
            )
        }
    }
}
