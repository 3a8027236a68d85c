import Foundation
import Testing
import VigilCore
import VigilSynth

struct SeriesTests {
    @Test func headersAndMalformedRowsStayWithinTheReaderLimit() {
        var malformedFiles = 0
        for series in Fixtures.index.series.values {
            let expected = series.path.hasPrefix("metrics/") ? "timestamp,host,value" : "timestamp,value"
            #expect(series.header == expected, "\(series.path)")
            let total = series.rows.count + series.malformed
            #expect(total > 0)
            #expect(
                series.malformed * 100 < total * 2,
                "\(series.path): \(series.malformed) of \(total) rows malformed"
            )
            if series.malformed > 0 { malformedFiles += 1 }
        }
        #expect(malformedFiles > 0, "the reader's skip-and-count rule should be exercised")
        #expect(malformedFiles * 10 < Fixtures.index.series.count)
    }

    @Test func metricFilesCoverReleasedAndBaselineHostsAroundTheDeploy() throws {
        for deploy in Fixtures.index.deploys.values {
            let hosts = Set(deploy.released + deploy.baseline)
            for metric in deploy.metrics {
                let series = try #require(
                    Fixtures.index.series["\(deploy.archive)/metrics/\(deploy.id)/\(metric.name).csv"]
                )
                let step = metric.stepSeconds ?? 60
                #expect(Set(series.rows.compactMap(\.host)) == hosts, "\(deploy.id)/\(metric.name)")
                let times = series.rows.map(\.t)
                let first = try #require(times.min())
                let last = try #require(times.max())
                #expect(first >= deploy.startedAt - 7200 && first < deploy.startedAt - 7200 + step + 600)
                #expect(last <= deploy.effectiveEnd + 3600 && last > deploy.effectiveEnd + 3600 - step - 600)
                #expect(times.allSatisfy { $0 % step == 0 })
            }
        }
    }

    @Test func valuesAreInRangeForTheirUnits() {
        for deploy in Fixtures.index.deploys.values {
            for metric in deploy.metrics {
                guard let series = Fixtures.index.series["\(deploy.archive)/metrics/\(deploy.id)/\(metric.name).csv"]
                else { continue }
                let values = series.rows.compactMap(\.value)
                #expect(values.allSatisfy { $0 >= 0 }, "\(metric.name) negative")
                switch metric.unit {
                case "ratio": #expect(values.allSatisfy { $0 <= 1 })
                case "percent": #expect(values.allSatisfy { $0 <= 100 })
                case "count": #expect(values.allSatisfy { $0 == $0.rounded() })
                default: break
                }
                if metric.name == "success.rate" {
                    let mean = values.reduce(0, +) / Double(max(1, values.count))
                    #expect(mean > 0.97 && mean < 1, "success.rate mean \(mean)")
                }
            }
        }
    }

    @Test func readerRulesAreExercised() {
        let all = Fixtures.index.series.values
        let spellings = all.reduce(into: Set<String>()) { $0.formUnion($1.missingSpellings) }
        #expect(spellings == ["", "NaN", "null"])
        #expect(all.contains { $0.duplicates > 0 }, "some re-sent (duplicate) rows")
        #expect(all.contains { $0.rfc3339 }, "one exporter writes RFC 3339")
        #expect(all.contains { !$0.rfc3339 })
        // Missing values stay rare.
        let rows = all.reduce(0) { $0 + $1.rows.count }
        let missing = all.reduce(0) { $0 + $1.rows.filter { $0.value == nil }.count }
        #expect(missing > 0 && missing * 100 < rows)
        // A later archive re-sends some history that an earlier one had.
        var overlaps = 0
        for series in all where series.archive > 0 && series.path.hasPrefix("history/") {
            let dayStart = Fixtures.sampleConfig.startDay + Int64(series.archive) * 86_400
            if series.rows.contains(where: { $0.t < dayStart }) { overlaps += 1 }
        }
        #expect(overlaps > 0)
    }

    @Test func rfc3339TimestampsUseOneAppsExporter() {
        var appsWithRFC = Set<String>()
        for series in Fixtures.index.series.values where series.rfc3339 {
            let parts = series.path.split(separator: "/")
            if parts[0] == "history" {
                appsWithRFC.insert(String(parts[1]))
            } else if let deploy = Fixtures.index.deploys[String(parts[1])] {
                appsWithRFC.insert(deploy.app)
            }
        }
        #expect(appsWithRFC.count == 1)
    }

    @Test func seasonalityShowsInHistory() throws {
        // Traffic-driven metrics are higher in the afternoon than before dawn, and lower at weekends.
        let config = Fixtures.sampleConfig
        let index = Fixtures.index
        let apps = Set(index.deploys.values.map(\.app))
        for app in apps {
            let series = try #require(index.series["0/history/\(app)/rt.p99.csv"])
            var night: [Double] = []
            var afternoon: [Double] = []
            for row in series.rows {
                guard let value = row.value else { continue }
                let hour = (row.t % 86_400) / 3600
                if hour >= 2 && hour < 5 { night.append(value) }
                if hour >= 14 && hour < 17 { afternoon.append(value) }
            }
            let nightMean = night.reduce(0, +) / Double(night.count)
            let afternoonMean = afternoon.reduce(0, +) / Double(afternoon.count)
            #expect(afternoonMean > nightMean * 1.1, "\(app): \(afternoonMean) vs \(nightMean)")
        }
        _ = config
    }
}
