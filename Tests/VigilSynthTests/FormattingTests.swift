import Foundation
import Testing
import VigilCore
import VigilSynth

/// Number and text formatting, checked on the generator's output (no `@testable`, so this also runs in release).
struct FormattingTests {
    /// Plain decimals: no exponent, no trailing zeros, at most four places; or a missing-value spelling.
    static func isPlainDecimal(_ text: String) -> Bool {
        if text.isEmpty || text == "NaN" || text == "null" { return true }
        var digits = Substring(text)
        if digits.first == "-" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII),
            whole.allSatisfy(\.isNumber), whole == "0" || whole.first != "0"
        else { return false }
        guard parts.count == 2 else { return true }
        let fraction = parts[1]
        return (1...4).contains(fraction.count) && fraction.allSatisfy { $0.isASCII && $0.isNumber }
            && fraction.last != "0"
    }

    @Test func csvValuesUseAFixedDecimalFormat() throws {
        var checked = 0
        for archive in Fixtures.sample.archives.prefix(2) {
            for file in archive.files where file.path.hasSuffix(".csv") {
                let text = String(decoding: file.contents, as: UTF8.self)
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                    // Malformed rows are deliberate and rare; they are counted elsewhere.
                    let width = file.path.hasPrefix("metrics/") ? 3 : 2
                    guard fields.count == width, Int64(fields[0]) != nil || RFC3339.parse(fields[0]) != nil else {
                        continue
                    }
                    let value = String(fields[fields.count - 1])
                    guard value != "#VALUE!" else { continue }
                    #expect(Self.isPlainDecimal(value), "\(file.path): '\(value)'")
                    checked += 1
                }
            }
        }
        #expect(checked > 100_000)
    }

    @Test func countsAreIntegersAndRatiosKeepFourPlaces() {
        for deploy in Fixtures.index.deploys.values.prefix(30) {
            for metric in deploy.metrics where metric.unit == "count" || metric.name == "success.rate" {
                let values = Fixtures.index.values(deploy: deploy, metric: metric.name).values.flatMap(\.values)
                if metric.unit == "count" {
                    #expect(values.allSatisfy { $0 == $0.rounded() })
                } else {
                    #expect(values.allSatisfy { ($0 * 10_000).rounded() == ($0 * 10_000 * 1000).rounded() / 1000 })
                    #expect(values.contains { $0 != 1 && $0 != 0 })
                }
            }
        }
    }

    @Test func errorCountsLookPoisson() {
        // Per-minute error counts: mean and variance of the quiet hour before a deploy are of the same order.
        var ratios: [Double] = []
        for deploy in Fixtures.index.deploys.values {
            let series = Fixtures.index.values(deploy: deploy, metric: "log.error.count")
            for host in deploy.baseline {
                let values = (series[host] ?? [:]).filter { $0.key < deploy.startedAt - 3600 }.map(\.value)
                guard values.count >= 40 else { continue }
                let mean = values.reduce(0, +) / Double(values.count)
                guard mean >= 1 else { continue }
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
                ratios.append(variance / mean)
            }
        }
        #expect(ratios.count >= 10)
        let median = ratios.sorted()[ratios.count / 2]
        #expect(median > 0.6 && median < 2.5, "variance/mean median \(median)")
    }

    @Test func jsonTextsAreValidAndStable() throws {
        for archive in Fixtures.sample.archives.prefix(4) {
            for file in archive.files where file.path.hasSuffix(".json") {
                _ = try CorpusIndex.object(file.contents)
                let text = String(decoding: file.contents, as: UTF8.self)
                #expect(text.hasSuffix("}\n"))
                #expect(!text.contains("\t"))
            }
        }
    }
}
