// swift-tools-version: 6.1
// Benchmarks live in their own package so the exporter's build and CI never compile
// package-benchmark. Run: scripts/bench (or `swift package benchmark` in this folder).
import Foundation
import PackageDescription

/// A path dependency is identified by its folder's name, which depends on where the repository
/// was cloned.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "Benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark.git", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        .executableTarget(
            name: "SQLTextBenchmarks",
            dependencies: [
                .product(name: "SQLText", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/SQLTextBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "QueryMetricsBenchmarks",
            dependencies: [
                .product(name: "QueryMetrics", package: root),
                .product(name: "SQLText", package: root),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/QueryMetricsBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "QueryLogBenchmarks",
            dependencies: [
                .product(name: "Collectors", package: root),
                .product(name: "QueryMetrics", package: root),
                .product(name: "SQLText", package: root),
                .product(name: "Benchmark", package: "benchmark"),
            ],
            path: "Benchmarks/QueryLogBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)
