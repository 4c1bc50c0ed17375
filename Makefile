# Thin wrapper around CMake. The two commands the README promises:
#   make demo    install what is missing, build, start a collector, load a
#                simulated worm outbreak through real sensors, serve the
#                dashboard until Ctrl-C
#   make check   install what is missing, build (normal, ASan+UBSan, fuzzers),
#                run every test in each build
CORPUS ?= ../shared/corpus
JOBS ?= 2
MAKEFLAGS += --no-print-directory
FUZZ_SECONDS ?= 10

.PHONY: all deps build asan fuzz demo check test clean bench bench-clickhouse

all: build

deps:
	@sh scripts/deps.sh

build:
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build build -j$(JOBS)

asan:
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DWW_SANITIZE=ON \
	      -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build build-asan -j$(JOBS)

fuzz:
	cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DWW_FUZZ=ON \
	      -DCMAKE_C_COMPILER=clang >/dev/null
	cmake --build build-fuzz -j$(JOBS) --target fuzzers

demo: deps build
	scripts/demo.sh

test: build
	tests/run.sh build

check: deps build asan fuzz
	tests/run.sh build build-asan build-fuzz

bench: build
	bench/run.sh build

# the collector on ClickHouse beside SQLite (issue 15; about 16 minutes, 25 GB in $TMPDIR)
bench-clickhouse: build
	python3 bench/clickhouse.py build

clean:
	rm -rf build build-asan build-fuzz
