#!/usr/bin/env bash
# Side-by-side detector benchmark: VigilCore against adtk, statsmodels and scipy on the same inputs.
#
#   Benchmarks/detectors/run.sh                       # n = 10^4, 10^5, 10^6 (arima up to 10^5)
#   SIZES=10000,100000 BUDGET=0.5 Benchmarks/detectors/run.sh
#   CASES=stl,ks Benchmarks/detectors/run.sh
#
# Makes a throwaway virtualenv (Benchmarks/.venv) with the pinned peers, builds the Swift side
# (Benchmarks/detectors, its own package, release) and runs bench.py, which writes seeded inputs
# to Benchmarks/.work/detectors, times both sides (best of k), checks that the answers agree
# and prints points per second and the ratio. Target (issue 3): at least 20x the peer's
# throughput with the same answers. Prints figures; the exit code says only whether it ran.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"
SIZES=${SIZES:-10000,100000,1000000}
ARIMA_MAX=${ARIMA_MAX:-100000}
BUDGET=${BUDGET:-1.0}
CASES=${CASES:-tukey,esd,stl,holt_winters,arima,mann_whitney,ks}
PYTHON=${PYTHON:-python3}
venv=Benchmarks/.venv

if ! "$venv/bin/python" -c 'import adtk, statsmodels, scipy' 2>/dev/null; then
    echo "Creating $venv with the pinned peers ..." >&2
    "$PYTHON" -m venv "$venv"
    "$venv/bin/pip" install -q -r "$here/requirements.txt" >&2
fi

# The bench package names the root package by the path .work/vigil, so that its package
# identity is "vigil" whatever this clone's folder is called.
mkdir -p "$here/.work"
ln -sfn ../../.. "$here/.work/vigil"
swift build -c release --package-path "$here" >&2
bin="$(swift build -c release --package-path "$here" --show-bin-path)/VigilDetectorBench"

"$venv/bin/python" "$here/bench.py" --bench "$bin" --work Benchmarks/.work/detectors \
    --sizes "$SIZES" --arima-max "$ARIMA_MAX" --budget "$BUDGET" --cases "$CASES" \
    --json Benchmarks/.work/detectors/results.json
