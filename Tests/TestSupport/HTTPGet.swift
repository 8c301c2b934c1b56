import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One real HTTP GET, for tests that talk to a running exporter.
public struct HTTPGet: Sendable {
    public let status: Int
    public let contentType: String?
    public let body: String

    public static func fetch(_ url: String) async throws -> HTTPGet {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 10
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        return HTTPGet(
            status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type"),
            body: String(decoding: data, as: UTF8.self))
    }

    /// The value of the one sample whose line starts with `series` (name and labels, as exposed).
    public func sample(_ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1).split(separator: " ").first ?? "")
        }
        return nil
    }
}
