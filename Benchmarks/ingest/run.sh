#!/usr/bin/env bash
# Ingest benchmark: archive MB/s, points/s, peak RSS, against bare decompression of the same archives.
#
#   Benchmarks/ingest/run.sh            # scales 5 and 16 (about 550 and 1,800 deploys)
#   SCALES="1 4 16 32" Benchmarks/ingest/run.sh
#
# Targets (issue: foundation): ingest at most 3x bare decompression (bsdtar -xOf A >/dev/null),
# peak memory flat (under 500 MB) as the archives grow. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCALES=${SCALES:-"5 16"}
APPS=${APPS:-3}
DAYS=${DAYS:-14}
work=Benchmarks/.work
Scripts/install-deps.sh libarchive-tools time >/dev/null
swift build -c release --product vigil >&2
bin="$(swift build -c release --show-bin-path)/vigil"
mkdir -p "$work"

printf '%-6s %8s %9s %10s %10s %7s %9s %12s %9s\n' scale deploys "arch MB" "bsdtar s" "ingest s" ratio "MB/s" "points/s" "RSS MB"
for scale in $SCALES; do
    corpus="$work/corpus-a$APPS-d$DAYS-s$scale"
    if [ ! -f "$corpus/truth.jsonl" ]; then
        rm -rf "$corpus"
        "$bin" datasets synth --seed 1 --apps "$APPS" --days "$DAYS" --scale "$scale" --out "$corpus" >&2
    fi
    archives=("$corpus"/*.tar.gz)
    bytes=$(cat "${archives[@]}" | wc -c)
    deploys=$(wc -l < "$corpus/truth.jsonl")
    # Warm the page cache so both runs read from memory.
    cat "${archives[@]}" > /dev/null
    t0=$(date +%s.%N)
    for a in "${archives[@]}"; do bsdtar -xOf "$a" > /dev/null; done
    t1=$(date +%s.%N)
    store="$work/store-$scale.sqlite"
    rm -f "$store" "$store"-wal "$store"-shm
    /usr/bin/time -f "%e %M" -o "$work/time-$scale.txt" "$bin" ingest "$corpus" --store "$store" --json > "$work/ingest-$scale.json"
    read -r elapsed rss_kb < "$work/time-$scale.txt"
    python3 - "$scale" "$deploys" "$bytes" "$t0" "$t1" "$elapsed" "$rss_kb" "$work/ingest-$scale.json" <<'PY'
import json, sys
scale, deploys, size, t0, t1, elapsed, rss, report = sys.argv[1:]
bare = float(t1) - float(t0)
elapsed = float(elapsed)
r = json.load(open(report))
points = r["points"]
mb = int(size) / 1e6
print(f"{scale:<6} {deploys:>8} {mb:9.1f} {bare:10.2f} {elapsed:10.2f} {elapsed / bare:7.2f} {mb / elapsed:9.1f} "
      f"{points / elapsed:12.0f} {int(rss) / 1024:9.0f}")
PY
done
