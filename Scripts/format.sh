#!/usr/bin/env bash
# Formats the Swift sources in place, then lints them strictly (configuration: .swift-format).
set -euo pipefail
cd "$(dirname "$0")/.."
swift format format --in-place --recursive --parallel Package.swift Sources Tests
swift format lint --strict --recursive --parallel Package.swift Sources Tests
