#!/usr/bin/env bash
# Runs the nightly job on the bundled sample data and says where the results are.
# For now the job is the ingest stage: load Datasets/sample into a fresh store and report its status.
set -euo pipefail
demo_dir=${1:-.demo}
bin="$(swift build --show-bin-path)/vigil"
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
store="$demo_dir/store.sqlite"
echo "== vigil ingest Datasets/sample --store $store"
"$bin" ingest Datasets/sample --store "$store"
echo
echo "== vigil status --store $store"
"$bin" status --store "$store"
echo
echo "Store: $store"
example=$("$bin" deploys list --store "$store" --label bad --limit 1 | cut -d' ' -f1)
echo "Try:   $bin deploys list --label bad --store $store"
echo "       $bin deploys show $example --store $store"
