#!/usr/bin/env bash
# Issue 13's attacks on `vigil serve` (stalled readers, descriptor exhaustion); prints figures.
# Usage: Benchmarks/serve/run.sh [attack.py options]   (builds the release vigil first)
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product vigil >/dev/null
exec python3 Benchmarks/serve/attack.py "$(swift build -c release --show-bin-path)/vigil" "$@"
