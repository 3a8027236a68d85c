// swift-tools-version:6.1
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

// `VIGIL_OPTIMIZE_CORE=1` (the Makefile sets it for `make demo` and `make test`) compiles VigilCore
// with -O in debug builds too: its numerical kernels are 10-50x slower unoptimized, which makes
// the demo and the test suite crawl. It is off by default because SwiftPM refuses a package that
// is depended on by version when a product of it carries unsafe flags.
let coreDebugSettings: [SwiftSetting] =
    Context.environment["VIGIL_OPTIMIZE_CORE"] == "1"
    ? [.unsafeFlags(["-O"], .when(configuration: .debug))] : []

let package = Package(
    name: "vigil",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "vigil", targets: ["vigil"]),
        .library(name: "VigilCore", targets: ["VigilCore"]),
        .library(name: "VigilArchive", targets: ["VigilArchive"]),
        .library(name: "VigilStore", targets: ["VigilStore"]),
        .library(name: "VigilSynth", targets: ["VigilSynth"]),
        .library(name: "VigilPipeline", targets: ["VigilPipeline"]),
        .library(name: "VigilGuard", targets: ["VigilGuard"]),
        .library(name: "VigilReport", targets: ["VigilReport"]),
        .library(name: "VigilServe", targets: ["VigilServe"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CArchive",
            path: "Sources/CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // Values, algorithms, ground truth: pure, no I/O, no C.
        .target(
            name: "VigilCore",
            swiftSettings: strictSettings + coreDebugSettings
        ),
        // Archives -> domain records, and the deterministic archive writer.
        .target(
            name: "VigilArchive",
            dependencies: ["VigilCore", "CArchive"],
            swiftSettings: strictSettings
        ),
        // SQLite catalog and series blobs.
        .target(
            name: "VigilStore",
            dependencies: ["VigilCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strictSettings
        ),
        // Synthetic deploy histories in the archive format, for demos, tests and benchmarks.
        .target(name: "VigilSynth", dependencies: ["VigilCore"], swiftSettings: strictSettings),
        // What the online guard links: load and verify a bundle, judge a deploy with it.
        .target(
            name: "VigilGuard",
            dependencies: ["VigilCore", "VigilArchive", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strictSettings
        ),
        // The nightly report: Markdown and SVG, rendered into in-memory files.
        .target(name: "VigilReport", dependencies: ["VigilCore"], swiftSettings: strictSettings),
        // Stages wired together: ingest (archive -> store), later tune/evaluate/publish.
        .target(
            name: "VigilPipeline",
            dependencies: [
                "VigilCore", "VigilArchive", "VigilStore", "VigilSynth", "VigilGuard", "VigilReport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),
        // The read-only pull endpoint over a registry directory (`vigil serve`).
        .target(
            name: "VigilServe",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "vigil",
            dependencies: [
                "VigilCore", "VigilPipeline", "VigilGuard", "VigilServe",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilCoreTests",
            dependencies: ["VigilCore"],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilArchiveTests",
            dependencies: ["VigilArchive", "VigilCore", "ServeTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilStoreTests",
            dependencies: [
                "VigilStore", "VigilCore", "ServeTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilSynthTests",
            dependencies: ["VigilSynth", "VigilCore"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilPipelineTests",
            dependencies: [
                "VigilPipeline", "VigilArchive", "VigilStore", "VigilSynth", "VigilCore", "ServeTestSupport",
                .product(name: "Yams", package: "Yams"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: strictSettings
        ),
        // Scratch folders for every test, and a fixture registry and a raw-socket HTTP/1.1 client for the serve tests.
        .target(name: "ServeTestSupport", path: "Tests/ServeTestSupport", swiftSettings: strictSettings),
        .testTarget(
            name: "VigilServeTests",
            dependencies: [
                "VigilServe", "ServeTestSupport",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilGuardTests",
            dependencies: [
                "VigilGuard", "VigilPipeline", "VigilStore", "VigilCore", "VigilArchive", "ServeTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "VigilReportTests",
            dependencies: ["VigilReport", "VigilCore"],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "vigilTests",
            dependencies: ["vigil", "VigilSynth", "VigilPipeline", "VigilCore", "ServeTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
