/// One HTTP response of the pull endpoint, independent of any server framework.
public struct RegistryResponse: Sendable, Hashable {
    /// One header field; names keep the spelling they were given, lookups ignore case.
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The status code: 200, 304, 404, 405 or 503.
    public var status: Int
    public var headers: [Field]
    public var body: [UInt8]
    /// A file sent as the body instead of `body`, streamed in chunks as the client reads it:
    /// a bundle is never held in memory whole, however many clients stall mid-download.
    public var file: String?
    /// Why a request failed on the server's side (a 503): the log line carries it, the client gets a shorter message.
    public var detail: String?

    public init(status: Int, headers: [Field] = [], body: [UInt8] = [], file: String? = nil, detail: String? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.file = file
        self.detail = detail
    }

    /// The value of the first header named `name`, compared without regard to case.
    public subscript(header name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}
