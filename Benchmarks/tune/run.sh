#!/usr/bin/env bash
# Tuning benchmark (not a test): builds vigil in release, generates corpora of about 500 to
# 2,000 deploys, and prints wall time, peak memory and the threshold-sweep cost.
set -euo pipefail
cd "$(dirname "$0")/../.."
Scripts/install-deps.sh
swift build -c release --product vigil >/dev/null
exec python3 Benchmarks/tune/run.py
