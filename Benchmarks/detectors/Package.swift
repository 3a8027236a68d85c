// swift-tools-version:6.1
import PackageDescription

// Times VigilCore's detectors on input files shared with the Python peers (see run.sh).
// `.work/vigil` is a symlink to the repository root that run.sh creates, so the dependency's
// package identity is "vigil" whatever the clone's folder is called.
let package = Package(
    name: "vigil-detector-bench",
    platforms: [.macOS(.v14)],
    dependencies: [.package(path: ".work/vigil")],
    targets: [
        .executableTarget(
            name: "VigilDetectorBench",
            dependencies: [.product(name: "VigilCore", package: "vigil")],
            swiftSettings: [
                .enableUpcomingFeature("ExistentialAny"),
                .enableUpcomingFeature("MemberImportVisibility"),
                .enableUpcomingFeature("InternalImportsByDefault"),
            ]
        )
    ]
)
