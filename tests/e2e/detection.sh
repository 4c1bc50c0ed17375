#!/usr/bin/env bash
# The short version of bench/detection.py: simulated outbreaks (Code Red-like
# on 139/tcp and on quiet 5000/tcp, Slammer-like on 1434/udp with 1-minute
# buckets) over two days of background, two seeds each, pooled from 16 /20
# sensors, plus a week of background alone. Fails if any target is missed:
# first alert before 1%, 0.1%, 5% infected; at most one false alarm per port.
# one-pass: build (tests/run.sh): simulation, a minute under ASan; its detectors run under ASan in
#   the unit tests, surge, threads and the cases
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
exec python3 bench/detection.py "$WW" --quick --no-doc --seeds 2 \
    --only codered-139,codered-5000,slammer-1434,background-30d
