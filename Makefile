# The two set-up commands of the README:
#   make demo   install system packages if missing, build, run the nightly job on Datasets/sample
#   make test   install system packages if missing, build and run every test
SWIFT ?= swift
# VigilCore optimized in debug builds too (see Package.swift); never set for packages that depend on vigil.
export VIGIL_OPTIMIZE_CORE ?= 1
DEMO_DIR ?= .demo

.PHONY: demo test build deps consumer-check sample bench-ingest bench-detectors lint format clean

deps:
	@Scripts/install-deps.sh

build: deps
	$(SWIFT) build

demo: build
	@Scripts/demo.sh "$(DEMO_DIR)"

test: deps
	$(SWIFT) test

# Regenerates the committed sample byte for byte (see Datasets/README.md).
sample: build
	rm -rf Datasets/sample
	$$($(SWIFT) build --show-bin-path)/vigil datasets synth --seed 42 --apps 3 --days 14 --out Datasets/sample
	cd Datasets/sample && sha256sum * > ../SHA256SUMS

# A package that depends on vigil by URL and version resolves and builds (what other teams do).
consumer-check:
	.ci/consumer-check.sh

lint:
	$(SWIFT) format lint --strict --recursive --parallel Package.swift Sources Tests

format:
	Scripts/format.sh

bench-ingest:
	Benchmarks/ingest/run.sh

# Side by side with adtk, statsmodels and scipy (see Benchmarks/README.md).
bench-detectors:
	Benchmarks/detectors/run.sh

clean:
	rm -rf .build $(DEMO_DIR)
