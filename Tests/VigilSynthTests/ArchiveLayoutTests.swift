import Foundation
import Testing
import VigilCore
import VigilSynth

struct ArchiveLayoutTests {
    static let namePattern = "[A-Za-z0-9._:-]{1,128}"

    static func matches(_ text: some StringProtocol, _ pattern: String) -> Bool {
        String(text).range(of: "^\(pattern)$", options: .regularExpression) != nil
    }

    @Test func everyPathFollowsTheLayout() {
        let corpus = Fixtures.sample
        #expect(corpus.archives.count == Fixtures.sampleConfig.days)
        for archive in corpus.archives {
            for file in archive.files {
                let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
                let ok: Bool
                switch parts.first {
                case "manifest.json": ok = parts.count == 1
                case "deploys":
                    ok =
                        parts.count == 2 && parts[1].hasSuffix(".json")
                        && Self.matches(parts[1].dropLast(5), Self.namePattern)
                case "metrics", "history":
                    ok =
                        parts.count == 3 && Self.matches(parts[1], Self.namePattern) && parts[2].hasSuffix(".csv")
                        && Self.matches(parts[2].dropLast(4), Self.namePattern)
                case "labels":
                    ok = parts.count == 2 && Self.matches(parts[1], "(feedback|incidents)-\\d{4}-\\d{2}-\\d{2}\\.jsonl")
                default: ok = false
                }
                #expect(ok, "unexpected entry \(archive.name)/\(file.path)")
                #expect(!file.path.hasPrefix("/") && !file.path.contains(".."))
            }
        }
    }

    @Test func filesAreSortedAndUnique() {
        for archive in Fixtures.sample.archives {
            let paths = archive.files.map { Array($0.path.utf8) }
            #expect(zip(paths, paths.dropFirst()).allSatisfy { $0.lexicographicallyPrecedes($1) }, "\(archive.name)")
        }
    }

    @Test func manifestsDescribeEachDay() throws {
        let config = Fixtures.sampleConfig
        for (day, archive) in Fixtures.sample.archives.enumerated() {
            let from = config.startDay + Int64(day) * 86_400
            #expect(archive.name == "export-" + RFC3339.formatDate(from + 86_400))
            #expect(archive.periodFrom == from)
            let manifest = try #require(archive.file(at: "manifest.json"))
            let json = try CorpusIndex.object(manifest.contents)
            #expect(json["format"] as? String == "deploy-history")
            #expect(json["version"] as? Int == 1)
            #expect(json["exported_at"] as? String == RFC3339.format(from + 86_400 + 7200))
            #expect(json["source"] as? String == "synth/seed-42")
            let period = try #require(json["period"] as? [String: Any])
            #expect(period["from"] as? String == RFC3339.format(from))
            #expect(period["to"] as? String == RFC3339.format(from + 86_400))
        }
    }

    @Test func everyDeployHasEveryMetricFile() {
        let index = Fixtures.index
        #expect(index.problems.isEmpty, "\(index.problems)")
        for deploy in index.deploys.values {
            for metric in deploy.metrics {
                #expect(
                    index.series["\(deploy.archive)/metrics/\(deploy.id)/\(metric.name).csv"] != nil,
                    "missing metrics/\(deploy.id)/\(metric.name).csv"
                )
            }
        }
        // And no metric directory without its deploy in the same archive.
        for key in index.series.keys where key.contains("/metrics/") {
            let parts = key.split(separator: "/")
            let deploy = index.deploys[String(parts[2])]
            #expect(deploy != nil && "\(deploy?.archive ?? -1)" == parts[0], "orphan \(key)")
        }
    }

    @Test func everyArchiveCarriesHistoryForEveryAppMetric() throws {
        let index = Fixtures.index
        let config = Fixtures.sampleConfig
        var metricsByApp: [String: [String: Int64]] = [:]
        for deploy in index.deploys.values {
            for metric in deploy.metrics { metricsByApp[deploy.app, default: [:]][metric.name] = metric.stepSeconds }
        }
        #expect(metricsByApp.count == config.apps)
        for day in 0..<config.days {
            let dayStart = config.startDay + Int64(day) * 86_400
            for (app, metrics) in metricsByApp {
                for (metric, step) in metrics {
                    let series = try #require(
                        index.series["\(day)/history/\(app)/\(metric).csv"],
                        "\(day) \(app) \(metric)"
                    )
                    #expect(series.header == "timestamp,value")
                    let times = series.rows.map(\.t)
                    let first = try #require(times.min())
                    let last = try #require(times.max())
                    if day == 0 {
                        #expect(first == dayStart - Int64(config.historyDays) * 86_400)
                    } else {
                        #expect(first >= dayStart - 4 * 1800 && first <= dayStart + 3600)
                    }
                    #expect(last < dayStart + 86_400 && last >= dayStart + 86_400 - 3600)
                    // Most of the day is present (gaps are short).
                    let inDay = Set(times.filter { $0 >= dayStart && $0 < dayStart + 86_400 })
                    let expected = Int(86_400 / step)
                    #expect(inDay.count * 100 >= expected * 97, "\(app)/\(metric) on day \(day): \(inDay.count) points")
                }
            }
        }
    }
}
