public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The calls of Prometheus's HTTP API that the report makes: an instant query, the exemplars of a
/// query's series, and the alerts.
public struct PrometheusAPI: Sendable {
    /// One exemplar Prometheus stored (`--enable-feature=exemplar-storage`): the query behind an
    /// observation, with the labels of the series it came with.
    public struct Exemplar: Sendable, Equatable {
        public var series: [String: String]
        /// The exporter's: `query_id`, and `trace_id` when the statement carried a traceparent.
        public var labels: [String: String]
        public var value: Double
        /// Seconds since the epoch.
        public var timestamp: Double
    }

    /// One series of an instant vector.
    public struct Sample: Sendable, Equatable {
        public var labels: [String: String]
        public var value: Double

        public init(labels: [String: String], value: Double) {
            self.labels = labels
            self.value = value
        }

        /// The label's value, empty when the series does not have it (as PromQL sees it).
        public subscript(label: String) -> String { labels[label] ?? "" }
    }

    /// An alert that is pending or firing.
    public struct Alert: Sendable, Equatable {
        public var name: String
        public var state: String
        public var labels: [String: String]
        public var summary: String
    }

    /// Prometheus answered with an error, or not with what its API documents.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let base: URL

    /// `base` is the server's root, such as `http://127.0.0.1:9090`.
    public init(base: URL) {
        self.base = base
    }

    /// Evaluates `promql` now and returns its series (an instant vector; a scalar becomes one
    /// series without labels).
    public func query(_ promql: String) async throws -> [Sample] {
        var components = URLComponents(url: base.appendingPathComponent("api/v1/query"), resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "query", value: promql)]
        let data = try await fetch(components.url!)
        struct Answer: Decodable {
            struct Result: Decodable {
                var metric: [String: String]?
                var value: [ValuePart]
            }
            struct Payload: Decodable {
                var resultType: String
                var result: Results
            }
            enum Results: Decodable {
                case vector([Result]), scalar([ValuePart])
                init(from decoder: any Decoder) throws {
                    let container = try decoder.singleValueContainer()
                    if let vector = try? container.decode([Result].self) { self = .vector(vector) } else { self = .scalar(try container.decode([ValuePart].self)) }
                }
            }
            var data: Payload
        }
        let answer = try decode(Answer.self, from: data, for: promql)
        switch answer.data.result {
        case .vector(let results):
            return results.map { Sample(labels: $0.metric ?? [:], value: $0.value.last?.number ?? .nan) }
        case .scalar(let pair):
            return [Sample(labels: [:], value: pair.last?.number ?? .nan)]
        }
    }

    /// The exemplars of the series `promql` selects over the last `seconds`, the largest value
    /// first. Empty where Prometheus stores none (its exemplar storage is off by default).
    public func exemplars(_ promql: String, lastSeconds seconds: Double) async throws -> [Exemplar] {
        let end = Date().timeIntervalSince1970
        var components = URLComponents(url: base.appendingPathComponent("api/v1/query_exemplars"), resolvingAgainstBaseURL: false)!
        components.queryItems = [
            URLQueryItem(name: "query", value: promql), URLQueryItem(name: "start", value: String(end - seconds)),
            URLQueryItem(name: "end", value: String(end)),
        ]
        let data = try await fetch(components.url!)
        struct Answer: Decodable {
            struct Series: Decodable {
                struct Entry: Decodable {
                    var labels: [String: String]
                    var value: String
                    var timestamp: Double
                }
                var seriesLabels: [String: String]
                var exemplars: [Entry]
            }
            var data: [Series]?
        }
        return try decode(Answer.self, from: data, for: "the exemplars of \(promql)").data.map { series in
            series.flatMap { one in
                one.exemplars.map { Exemplar(series: one.seriesLabels, labels: $0.labels, value: Double($0.value) ?? .nan, timestamp: $0.timestamp) }
            }
        }?.sorted { $0.value > $1.value } ?? []
    }

    /// The alerts that are pending or firing, firing first, then by name.
    public func alerts() async throws -> [Alert] {
        let data = try await fetch(base.appendingPathComponent("api/v1/alerts"))
        struct Answer: Decodable {
            struct Entry: Decodable {
                var labels: [String: String]
                var annotations: [String: String]?
                var state: String
            }
            struct Payload: Decodable { var alerts: [Entry] }
            var data: Payload
        }
        return try decode(Answer.self, from: data, for: "alerts").data.alerts
            .map { Alert(name: $0.labels["alertname"] ?? "", state: $0.state, labels: $0.labels, summary: $0.annotations?["summary"] ?? "") }
            .sorted { ($0.state == "firing" ? 0 : 1, $0.name) < ($1.state == "firing" ? 0 : 1, $1.name) }
    }

    private func fetch(_ url: URL) async throws -> Data {
        var request = URLRequest(url: url)
        request.timeoutInterval = 10
        let (data, _) = try await URLSession.shared.data(for: request)
        return data
    }

    /// Decodes a success, or throws Prometheus's own error message (a PromQL syntax error, say).
    private func decode<T: Decodable>(_ type: T.Type, from data: Data, for what: String) throws -> T {
        guard let status = try? JSONDecoder().decode(AnswerStatus.self, from: data) else {
            throw Failure(description: "Prometheus did not answer \(what) with JSON: \(String(decoding: data.prefix(200), as: UTF8.self))")
        }
        guard status.status == "success" else {
            throw Failure(description: "Prometheus refused \(what): \(status.error ?? "no reason given")")
        }
        return try JSONDecoder().decode(type, from: data)
    }
}

/// Every answer's envelope: `success`, or `error` with a reason.
private struct AnswerStatus: Decodable {
    var status: String
    var error: String?
}

/// One half of Prometheus's `[time, "value"]` pair: a number or a string.
private enum ValuePart: Decodable {
    case time(Double), text(String)

    var number: Double? {
        if case .text(let text) = self { return Double(text) }
        return nil
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let time = try? container.decode(Double.self) { self = .time(time) } else { self = .text(try container.decode(String.self)) }
    }
}
