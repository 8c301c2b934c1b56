// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "warehouse_exporter",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "warehouse_exporter", targets: ["warehouse_exporter"]),
        .executable(name: "warehouse_demo", targets: ["warehouse_demo"]),
        // For the Benchmarks/ and Fuzz/ packages, which build SQLText on its own.
        .library(name: "SQLText", targets: ["SQLText"]),
        .library(name: "QueryMetrics", targets: ["QueryMetrics"]),
        .library(name: "Collectors", targets: ["Collectors"]),
        .library(name: "WarehouseClient", targets: ["WarehouseClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CCrypt",
            pkgConfig: "libcrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The build's revision and date, set with -Xcc -D at build time (docs/deploy.md).
        .target(name: "CBuildStamp"),
        .target(
            name: "SQLText",
            swiftSettings: strict
        ),
        .target(
            name: "WarehouseClient",
            dependencies: [
                "CLibPQ",
                "CCurl",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "QueryMetrics",
            dependencies: ["SQLText"],
            swiftSettings: strict
        ),
        .target(
            name: "Collectors",
            dependencies: [
                "WarehouseClient",
                "QueryMetrics",
                "SQLText",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Exporter",
            dependencies: [
                "CBuildStamp",
                "CCrypt",
                "CZlib",
                "SQLText",
                "WarehouseClient",
                "QueryMetrics",
                "Collectors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "warehouse_exporter",
            dependencies: [
                "Exporter",
                "SQLText",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Demo",
            dependencies: ["WarehouseClient", "SQLText"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "warehouse_demo",
            dependencies: [
                "Demo",
                "Exporter",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: ["WarehouseClient"],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SQLTextTests",
            dependencies: ["SQLText", "TestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "QueryMetricsTests",
            dependencies: ["QueryMetrics", "SQLText", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "WarehouseClientTests",
            dependencies: ["WarehouseClient", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CollectorsTests",
            dependencies: [
                "Collectors", "QueryMetrics", "SQLText", "WarehouseClient", "TestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ExporterTests",
            dependencies: [
                "Exporter", "Collectors", "QueryMetrics", "SQLText", "WarehouseClient", "TestSupport", "Demo",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Read by path from the source tree, so a change shows in the diff rather than a bundle.
            exclude: ["Golden"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
