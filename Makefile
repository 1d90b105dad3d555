# Strata: the two quick-start commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
APT_PACKAGES := libopenblas-dev liblapacke-dev pkg-config libsqlite3-dev
DEMO_DIR ?= demo
DEMO_LOANS ?= 1000000
STRATA := .build/release/strata

.PHONY: setup build release demo test lint format bench peers clean

## setup: install the system packages Strata builds against (Debian; needs root or sudo).
setup:
	@if ! pkg-config --exists openblas 2>/dev/null || [ ! -f /usr/include/lapacke.h ] || [ ! -f /usr/include/sqlite3.h ]; then \
		echo "installing $(APT_PACKAGES)"; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && $$SUDO DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PACKAGES) >/dev/null; \
	fi

build: setup
	swift build

release: setup
	swift build -c release

## demo: generate a 1M-loan tape and run the whole pipeline on it, writing the report to demo/.
demo: release
	@mkdir -p $(DEMO_DIR)
	$(STRATA) generate --loans $(DEMO_LOANS) --seed 42 --as-of 2026-06-30 --out $(DEMO_DIR)/tape.csv
	$(STRATA) ingest $(DEMO_DIR)/tape.csv --out $(DEMO_DIR)/book.strata --rejects $(DEMO_DIR)/rejects.csv
	$(STRATA) inspect $(DEMO_DIR)/book.strata
	$(STRATA) scorecard fit $(DEMO_DIR)/book.strata --holdout 0.3 --seed 42 --out $(DEMO_DIR)/model.json --export $(DEMO_DIR)/scorecard
	$(STRATA) score $(DEMO_DIR)/book.strata --model $(DEMO_DIR)/model.json --out $(DEMO_DIR)/scored.strata
	$(STRATA) segment $(DEMO_DIR)/scored.strata --log annual_income,balance --k 6 --seed 42 --out $(DEMO_DIR)/segments.md --assignments $(DEMO_DIR)/segmented.strata
	$(STRATA) risk $(DEMO_DIR)/segmented.strata --by product,grade --out $(DEMO_DIR)/risk.md

## test: install what is needed, build, run every test. CI adds SWIFT_FLAGS="-Xswiftc -warnings-as-errors".
SWIFT_FLAGS ?=
test: setup
	swift build --build-tests $(SWIFT_FLAGS)
	swift test --skip-build

lint:
	swift format lint --strict --recursive Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Benchmarks

format:
	swift format --in-place --recursive Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Benchmarks

## bench: ordo-one benchmarks (release); peers: Strata against polars, DuckDB, pandas, numpy.
bench: setup
	cd Benchmarks && swift package --disable-sandbox benchmark

peers: release
	python3 Benchmarks/peers/compare.py

clean:
	rm -rf .build Benchmarks/.build $(DEMO_DIR)
