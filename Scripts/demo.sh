#!/usr/bin/env bash
# Runs the whole nightly pipeline on the bundled sample data and says where the results are:
# ingest -> tune -> evaluate -> backtest -> gate -> bundle -> publish -> report, into a fresh .demo folder.
set -euo pipefail
demo_dir=${1:-.demo}
bin="$(swift build --show-bin-path)/vigil"
rm -rf "$demo_dir"
mkdir -p "$demo_dir"
echo "== vigil bundle keygen --out-dir $demo_dir/keys"
"$bin" bundle keygen --out-dir "$demo_dir/keys"
echo
echo "== vigil run Pipelines/nightly.yaml --inputs Datasets/sample (store, registry and reports in $demo_dir)"
"$bin" run Pipelines/nightly.yaml --inputs Datasets/sample \
    --store "$demo_dir/store.sqlite" --registry "$demo_dir/registry" --reports "$demo_dir/reports" \
    --signing-key "$demo_dir/keys/signing.key"
echo
echo "== vigil bundle verify stable"
"$bin" bundle verify stable --registry "$demo_dir/registry" --public-key "$demo_dir/keys/signing.pub"
bundle=$(ls "$demo_dir"/registry/bundles/*/bundle.tar.gz | tail -1)
report=$(ls "$demo_dir"/reports/nightly/*.md | grep -v '/trend\.md$' | tail -1)
echo
echo "Bundle: $bundle"
echo "Report: $report (charts beside it; nights so far: $demo_dir/reports/nightly/trend.md)"
echo "Try:    $bin replay --bundle stable --registry $demo_dir/registry --public-key $demo_dir/keys/signing.pub --store $demo_dir/store.sqlite --from 2026-11-13 --to 2026-11-14"
echo "        $bin serve --registry $demo_dir/registry --port 8080"
