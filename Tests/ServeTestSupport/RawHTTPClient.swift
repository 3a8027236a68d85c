import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One response as read off the wire.
package struct RawHTTPResponse: Sendable {
    package var status: Int
    package var headers: [(name: String, value: String)]
    package var body: [UInt8]

    package subscript(header name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    package var text: String { String(decoding: body, as: UTF8.self) }
}

package struct RawHTTPError: Error, CustomStringConvertible {
    package var description: String
}

/// A minimal HTTP/1.1 client over a TCP socket to 127.0.0.1.
///
/// It sends the request target exactly as given (no normalization of `..` or `%2F`, unlike curl
/// or URLSession), with `Connection: close`, and reads until the server closes. Reads time out
/// after 10 seconds. The blocking socket calls run on a Dispatch thread, never on the Swift
/// concurrency pool, whose few threads the server under test needs.
package enum RawHTTPClient {
    package static func request(
        port: Int,
        method: String = "GET",
        target: String,
        headers: [(String, String)] = []
    ) async throws -> RawHTTPResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    with: Result { try requestBlocking(port: port, method: method, target: target, headers: headers) }
                )
            }
        }
    }

    package static func requestBlocking(
        port: Int,
        method: String = "GET",
        target: String,
        headers: [(String, String)] = []
    ) throws -> RawHTTPResponse {
        let fd = try connected(port: port, timeout: timeval(tv_sec: 10, tv_usec: 0))
        defer { close(fd) }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        let request = Array(head.utf8)
        var sent = 0
        while sent < request.count {
            let n = request[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw RawHTTPError(description: "send: errno \(errno)") }
            sent += n
        }

        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            guard n > 0 else { throw RawHTTPError(description: "recv: errno \(errno)") }
            received += buffer[..<n]
        }
        return try parse(received, method: method)
    }

    /// Connects, sends `bytes` (say, half a request head, or nothing), then waits for the server
    /// to close the connection: the seconds that took, or `nil` when it was still open after
    /// `limit` seconds.
    package static func secondsUntilClosed(port: Int, sending bytes: [UInt8], limit: Double) throws -> Double? {
        let fd = try connected(port: port, timeout: timeval(tv_sec: 0, tv_usec: 200_000))
        defer { close(fd) }
        if !bytes.isEmpty {
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        }
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while Date().timeIntervalSince(start) < limit {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return Date().timeIntervalSince(start) }
            if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                return Date().timeIntervalSince(start)
            }
        }
        return nil
    }

    /// Requests `target`, reads `readFirst` bytes, stops reading for `stallSeconds`, then reads
    /// what is left: whether the server had closed the connection (the reads end before the
    /// whole response), and how many bytes came in all.
    package static func stalledDownload(
        port: Int,
        target: String,
        readFirst: Int,
        stallSeconds: Double
    ) throws -> (received: Int, closed: Bool) {
        let fd = try connected(port: port, timeout: timeval(tv_sec: 10, tv_usec: 0))
        defer { close(fd) }
        let head = Array("GET \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n".utf8)
        _ = head.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var received = 0
        while received < readFirst {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, min($0.count, readFirst - received), 0) }
            guard n > 0 else { return (received, true) }
            received += n
        }
        Thread.sleep(forTimeInterval: stallSeconds)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return (received, true) }
            if n < 0 { return (received, errno == ECONNRESET) }
            received += n
        }
    }

    /// A connection that sends nothing, held open until the caller closes the descriptor.
    package static func openSilent(port: Int) throws -> Int32 {
        try connected(port: port, timeout: timeval(tv_sec: 10, tv_usec: 0))
    }

    /// A TCP socket connected to 127.0.0.1:`port`, with `timeout` on reads and writes.
    private static func connected(port: Int, timeout: timeval) throws -> Int32 {
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw RawHTTPError(description: "socket: errno \(errno)") }
        var t = timeout
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port)).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard status == 0 else {
            close(fd)
            throw RawHTTPError(description: "connect to port \(port): errno \(errno)")
        }
        return fd
    }

    private static func parse(_ bytes: [UInt8], method: String) throws -> RawHTTPResponse {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = bytes.indices.first(where: { bytes[$0...].starts(with: separator) }) else {
            throw RawHTTPError(description: "no end of head in \(bytes.count) bytes")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, statusParts[0].hasPrefix("HTTP/1."), let status = Int(statusParts[1]) else {
            throw RawHTTPError(description: "bad status line '\(lines[0])'")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { throw RawHTTPError(description: "bad header '\(line)'") }
            headers.append(
                (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            )
        }
        let response = RawHTTPResponse(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
        if response[header: "transfer-encoding"] != nil {
            throw RawHTTPError(
                description: "unexpected Transfer-Encoding \(response[header: "transfer-encoding"] ?? "")"
            )
        }
        if method != "HEAD", status != 304, let length = response[header: "content-length"].flatMap(Int.init),
            length != response.body.count
        {
            throw RawHTTPError(description: "Content-Length \(length) but \(response.body.count) bytes")
        }
        return response
    }
}
