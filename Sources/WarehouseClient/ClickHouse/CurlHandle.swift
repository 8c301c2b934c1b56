import CCurl
import Foundation
import Synchronization

/// One libcurl easy handle, which keeps its HTTP connection open between requests (keep-alive).
/// libcurl lets a handle be used by one thread at a time; its owner runs every request on one
/// serial queue.
final class CurlHandle: @unchecked Sendable {
    /// One POST.
    struct Request {
        var url: String
        var headers: [String]
        var body: String
        var connectTimeout: Duration
        /// The whole request's deadline, nil for none.
        var timeout: Duration?
        var caFile: String?
        var userAgent: String
        /// Set from another thread to end the transfer at libcurl's next progress call.
        var abort: AbortFlag
    }

    /// What came back: the HTTP status and headers and the body, or why nothing did.
    struct Response {
        var curlCode: CURLcode
        /// libcurl's description of a failed transfer; empty when it succeeded.
        var curlMessage: String
        var status: Int
        /// Header names in lower case.
        var headers: [String: String]
        var body: [UInt8]
        /// Whether the request reached the server: a timeout before is a connection failure.
        var connected: Bool
    }

    private let handle: UnsafeMutableRawPointer

    private static let initialised: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    init() throws(WarehouseError) {
        guard Self.initialised, let handle = curl_easy_init() else { throw WarehouseError(.connection, "libcurl could not be initialised") }
        self.handle = handle
    }

    deinit { curl_easy_cleanup(handle) }

    /// Runs the request, blocking the calling thread until it ends, fails or is aborted.
    func perform(_ request: Request) -> Response {
        let sink = ResponseSink()
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        let abortPointer = Unmanaged.passUnretained(request.abort).toOpaque()
        var headers: UnsafeMutablePointer<curl_slist>?
        for header in request.headers { headers = curl_slist_append(headers, header) }
        defer { curl_slist_free_all(headers) }
        // reset keeps the open connection and the DNS cache, and clears the last request's options.
        curl_easy_reset(handle)
        _ = ccurl_set_string(handle, CURLOPT_URL, request.url)
        _ = ccurl_set_long(handle, CURLOPT_POST, 1)
        let body = Array(request.body.utf8)
        _ = ccurl_set_long(handle, CURLOPT_POSTFIELDSIZE, body.count)
        _ = body.withUnsafeBufferPointer { ccurl_set_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
        _ = ccurl_set_slist(handle, CURLOPT_HTTPHEADER, headers)
        _ = ccurl_set_string(handle, CURLOPT_USERAGENT, request.userAgent)
        // Anything libcurl decodes: servers from 25.10 compress whenever the client says it can.
        _ = ccurl_set_string(handle, CURLOPT_ACCEPT_ENCODING, "")
        // Responses of query_log run to megabytes: fewer, larger reads than the 16 KB default.
        _ = ccurl_set_long(handle, CURLOPT_BUFFERSIZE, 512 << 10)
        _ = ccurl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = ccurl_set_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        _ = ccurl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(request.connectTimeout.milliseconds))
        _ = ccurl_set_long(handle, CURLOPT_TIMEOUT_MS, Int(request.timeout?.milliseconds ?? 0))
        if let caFile = request.caFile { _ = ccurl_set_string(handle, CURLOPT_CAINFO, caFile) }
        _ = ccurl_set_write_function(handle, CURLOPT_WRITEFUNCTION, writeBody)
        _ = ccurl_set_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
        _ = ccurl_set_write_function(handle, CURLOPT_HEADERFUNCTION, writeHeader)
        _ = ccurl_set_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
        _ = ccurl_set_long(handle, CURLOPT_NOPROGRESS, 0)
        _ = ccurl_set_progress_function(handle, checkAbort)
        _ = ccurl_set_pointer(handle, CURLOPT_XFERINFODATA, abortPointer)
        // The details of a failure ("no alternative certificate subject name matches target host
        // name …"), where curl_easy_strerror has only the code's name.
        var details = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

        let code = details.withUnsafeMutableBufferPointer { buffer in
            _ = ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, UnsafeMutableRawPointer(buffer.baseAddress))
            defer { _ = ccurl_set_pointer(handle, CURLOPT_ERRORBUFFER, nil) }
            return withExtendedLifetime((sink, request.abort)) { curl_easy_perform(handle) }
        }
        var status = 0
        _ = ccurl_get_long(handle, CURLINFO_RESPONSE_CODE, &status)
        // Not the connect time, which is 0 on a connection kept from an earlier request.
        var sent = 0
        _ = ccurl_get_long(handle, CURLINFO_REQUEST_SIZE, &sent)
        let detail = details.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let message = code == CURLE_OK ? "" : detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        return Response(
            curlCode: code, curlMessage: message, status: status,
            headers: sink.headers, body: sink.body, connected: sent > 0 || status > 0)
    }
}

/// Tells a transfer in progress to stop.
final class AbortFlag: Sendable {
    private let raised = Atomic(false)

    func raise() { raised.store(true, ordering: .relaxed) }
    var isRaised: Bool { raised.load(ordering: .relaxed) }
}

/// Where libcurl's callbacks put a response; used on the transfer's thread only.
private final class ResponseSink {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    /// The body's announced length: reserved at its first bytes, so a response of hundreds of
    /// megabytes is written once, not copied at every doubling of its buffer.
    var announcedLength = 0
}

private let writeBody: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    if sink.body.isEmpty, sink.announcedLength > length { sink.body.reserveCapacity(sink.announcedLength) }
    data.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: length)) }
    return length
}

private let writeHeader: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int = { data, size, count, context in
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    let line = data.withMemoryRebound(to: UInt8.self, capacity: length) { String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self) }
    if line.hasPrefix("HTTP/") {
        // A new response (after a redirect or a 100 Continue): its headers replace the last one's.
        sink.headers = [:]
        sink.announcedLength = 0
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        sink.headers[name] = value
        // Of the bytes sent, which gzip makes fewer than the body: a hint, never trusted past 256 MB.
        if name == "content-length", let length = Int(value) { sink.announcedLength = min(length, 256 << 20) }
    }
    return length
}

private let checkAbort: @convention(c) (UnsafeMutableRawPointer?, curl_off_t, curl_off_t, curl_off_t, curl_off_t) -> Int32 = { context, _, _, _, _ in
    guard let context else { return 0 }
    return Unmanaged<AbortFlag>.fromOpaque(context).takeUnretainedValue().isRaised ? 1 : 0
}
