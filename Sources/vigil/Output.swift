import ArgumentParser
internal import Foundation
import VigilCore

enum Output {
    /// Prints a value as pretty, key-sorted JSON on standard output.
    ///
    /// Every `--json` output uses snake_case keys: a property without an explicit key
    /// (`lastDeployAt`) is written `last_deploy_at`. Keys that are data (app names, metric
    /// names in a dictionary) are never touched, nor explicit keys with an underscore. Times
    /// are RFC 3339 UTC (`*_at`, `start`, `end`), numbers are numbers (docs/JSON.md).
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in
            let key = path.last!
            guard key.intValue == nil, let converted = snakeCase(key.stringValue) else { return key }
            return JSONKey(stringValue: converted)
        }
        // Times are RFC 3339 in every output, whatever the type underneath keeps.
        let value = try JSONDecoder().decode(JSONValue.self, from: try encoder.encode(value)).rfc3339Times()
        encoder.keyEncodingStrategy = .useDefaultKeys
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `lastDeployAt` → `last_deploy_at`; `nil` for anything that is not a plain camelCase word.
    static func snakeCase(_ key: String) -> String? {
        guard let first = key.first, first.isLowercase, key.allSatisfy({ $0.isLetter || $0.isNumber }),
            key.contains(where: \.isUppercase)
        else { return nil }
        var out = ""
        for c in key {
            if c.isUppercase {
                out += "_" + c.lowercased()
            } else {
                out.append(c)
            }
        }
        return out
    }

    struct JSONKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// Rewrites one status line on standard error; does nothing when it is not a terminal.
    static func progress(_ line: String) {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    static func clearProgress() {
        guard stderrIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    static func warn(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// `--param key=value` options (repeatable) as a dictionary.
func parseDetectorParameters(_ params: [String]) throws -> [String: Double] {
    var values: [String: Double] = [:]
    for p in params {
        let parts = p.split(separator: "=", maxSplits: 1).map(String.init)
        guard parts.count == 2, let value = Double(parts[1]) else {
            throw ValidationError("--param must be key=number, not '\(p)'.")
        }
        values[parts[0]] = value
    }
    return values
}

/// Exit statuses (sysexits.h where one fits), listed in `vigil --help` and the README.
enum ExitStatus: Int32 {
    /// A stage or a check failed (a bundle that does not verify, a failed run).
    case failed = 1
    /// `vigil run` finished but its bundle is below the pipeline's floors.
    case belowFloors = 3
    /// The command line is wrong; the usage is printed.
    case usage = 64
    /// Input data is wrong (an archive, a model, a registry's content).
    case dataError = 65
    /// Something named does not exist (a file, a store, a deploy, a bundle, a run).
    case noInput = 66
    /// An output cannot be created.
    case cannotCreate = 73
    /// Busy: another writer holds the lock; try again later.
    case temporary = 75
    /// Not allowed: the registry does not trust the signing key.
    case noPermission = 77
    /// The pipeline file is wrong.
    case config = 78
}

/// A failure that is not a usage error: prints `Error: message` (no usage banner) and
/// returns the exit code to throw.
func failure(_ status: ExitStatus, _ message: String) -> ExitCode {
    Output.warn("Error: \(message)")
    return ExitCode(status.rawValue)
}
