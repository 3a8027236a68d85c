#!/usr/bin/env bash
# Resolves and builds a small package that depends on vigil by URL and version, the way another
# team's guard would (SwiftPM refuses a versioned dependency whose products carry unsafe flags).
# The dependency is a clone of this repository's HEAD, tagged 0.0.1, under a temporary directory.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
git clone --quiet "$repo" "$work/vigil"
git -C "$work/vigil" tag 0.0.1
cp -r "$repo/.ci/consumer" "$work/consumer"
cat > "$work/consumer/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "consumer",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "file://$work/vigil", exact: "0.0.1")],
    targets: [
        .executableTarget(name: "consumer", dependencies: [.product(name: "VigilGuard", package: "vigil")])
    ]
)
SWIFT
cd "$work/consumer"
# The consumer's environment, not ours: no opt-in to vigil's debug-only flags.
env -u VIGIL_OPTIMIZE_CORE swift build --product consumer
"$(env -u VIGIL_OPTIMIZE_CORE swift build --show-bin-path)/consumer"
echo "consumer check: a package depending on vigil 0.0.1 (by URL and version) resolved, built and ran"
