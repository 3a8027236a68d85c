internal import Foundation

#if canImport(FoundationNetworking)
internal import FoundationNetworking
#endif

/// Tells people about a run: a command gets the JSON summary on standard input, a webhook gets it POSTed.
///
/// Best effort: a notification that fails is reported back, never fails the run.
public enum Notifier {
    /// Which event a summary is: failure, gate_refused or success.
    public static func event(of summary: NightlyRun.Summary) -> String {
        if summary.status != "succeeded" { return "failure" }
        if summary.gate?.promoted == false { return "gate_refused" }
        return "success"
    }

    /// Sends `summary` as configured; returns a line per problem.
    public static func send(_ summary: NightlyRun.Summary, notify: PipelineDefinition.Notify) -> [String] {
        let event = event(of: summary)
        guard notify.on.contains(event) else { return [] }
        struct Envelope: Encodable {
            var event: String
            var summary: NightlyRun.Summary
        }
        guard let body = try? JSONEncoder().encode(Envelope(event: event, summary: summary)) else {
            return ["cannot encode the summary"]
        }
        var problems: [String] = []
        if let command = notify.command {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
            let input = Pipe()
            process.standardInput = input
            do {
                try process.run()
                input.fileHandleForWriting.write(body)
                try? input.fileHandleForWriting.close()
                process.waitUntilExit()
                if process.terminationStatus != 0 {
                    problems.append("notify command exited with \(process.terminationStatus)")
                }
            } catch {
                problems.append("notify command failed to start: \(error)")
            }
        }
        if let webhook = notify.webhook, let url = URL(string: webhook) {
            var request = URLRequest(url: url, timeoutInterval: 10)
            request.httpMethod = "POST"
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = body
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var failure: String?
            URLSession.shared.dataTask(with: request) { _, response, error in
                if let error {
                    failure = "webhook failed: \(error.localizedDescription)"
                } else if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
                    failure = "webhook answered \(http.statusCode)"
                }
                done.signal()
            }.resume()
            if done.wait(timeout: .now() + 15) == .timedOut {
                problems.append("webhook timed out")
            } else if let failure {
                problems.append(failure)
            }
        }
        return problems
    }
}
