import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One real HTTP request (a GET unless told otherwise), for tests that talk to a running exporter.
public struct HTTPGet: Sendable {
    public let status: Int
    public let contentType: String?
    public let body: String

    public static func fetch(_ url: String, method: String = "GET") async throws -> HTTPGet {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return HTTPGet(
            status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
            body: String(decoding: data, as: UTF8.self))
    }

    /// The body parsed as a Prometheus exposition.
    public var exposition: Exposition { Exposition(text: body) }

    /// The value of the sample named `name` whose label set is exactly `labels`, nil when absent.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        exposition.value(name, labels)
    }
}
