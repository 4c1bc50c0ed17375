# Thin wrapper around CMake. The two commands the README promises:
#   make demo    install what is missing, build, analyze real sample data
#   make check   install what is missing, build (normal, ASan+UBSan, fuzzers),
#                run every test in each build
CORPUS ?= ../shared/corpus
JOBS ?= 2
MAKEFLAGS += --no-print-directory
FUZZ_SECONDS ?= 15

.PHONY: all deps build asan fuzz demo check test clean bench

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
	cmake --build build-fuzz -j$(JOBS)

demo: deps build
	build/wormwatch analyze --format text --top 8 \
	    $(CORPUS)/netns-nmap/nmap_scans.pcap \
	    $(CORPUS)/psad/syn_scan_1000_1500_multi_dst \
	    $(CORPUS)/crowdsec-hub/iptables-scan-multi-port.log

test: build
	tests/run.sh build

check: deps build asan fuzz
	tests/run.sh build build-asan build-fuzz

bench: build
	bench/run.sh build

clean:
	rm -rf build build-asan build-fuzz
