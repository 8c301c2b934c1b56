// swift-tools-version: 6.1
// Benchmarks live in their own package so the exporter's build and CI never compile
// package-benchmark. Run: scripts/bench (or `swift package benchmark` in this folder).
import Foundation
import PackageDescription

/// A path dependency is identified by its folder's name, which depends on where the repository
/// was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

/// A package-benchmark suite in Benchmarks/<name>, using these products of the exporter's package.
func suite(_ name: String, using products: [String], extra: [Target.Dependency] = []) -> Target {
    .executableTarget(
        name: name,
        dependencies: products.map { .product(name: $0, package: root) } + extra + [.product(name: "Benchmark", package: "benchmark")],
        path: "Benchmarks/\(name)",
        plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
    )
}

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
    ],
    targets: [
        suite("SQLTextBenchmarks", using: ["SQLText"]),
        suite("QueryMetricsBenchmarks", using: ["QueryMetrics", "SQLText"], extra: [.product(name: "Prometheus", package: "swift-prometheus")]),
        suite("QueryLogBenchmarks", using: ["Collectors", "QueryMetrics", "SQLText"]),
        // What the history-ingest suites share.
        .target(
            name: "BenchmarkSupport",
            dependencies: [.product(name: "QueryMetrics", package: root), .product(name: "Benchmark", package: "benchmark")],
            path: "Support"
        ),
        suite(
            "RedshiftBenchmarks", using: ["Collectors", "QueryMetrics", "SQLText", "WarehouseClient"],
            extra: [.product(name: "Logging", package: "swift-log"), "BenchmarkSupport"]),
        suite(
            "ClickHouseBenchmarks", using: ["Collectors", "QueryMetrics", "SQLText", "WarehouseClient"],
            extra: [.product(name: "Logging", package: "swift-log"), "BenchmarkSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
