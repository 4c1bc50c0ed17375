#!/usr/bin/env bash
# Every fuzzer (tests/fuzz/fuzz_NAME.c) has a seed corpus, tests/fuzz/seed/NAME/,
# that tests/run.sh starts it from: not empty, within 64 KiB, and exactly
# what tests/fuzz/seed/make.py writes with this wormwatch (so a change to a
# format the seeds hold -- the surge state, simulate's lines -- shows here
# until the seeds are made again).
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
for c in tests/fuzz/fuzz_*.c; do
    n=${c##*/fuzz_}; n=${n%.c}; d=tests/fuzz/seed/$n
    [ -n "$(ls "$d" 2>/dev/null)" ] || fail "fuzz_$n has no seeds in $d/"
    kb=$(du -sk --apparent-size "$d" | cut -f1)
    [ "$kb" -le 64 ] || fail "$d/ holds $kb KiB; keep seeds small (64 KiB at most)"
done
python3 tests/fuzz/seed/make.py "$WW" "$T" > "$T/out" 2>&1 || fail "make.py: $(cat "$T/out")"
for d in "$T"/*/; do
    n=$(basename "$d")
    diff -r "$d" "tests/fuzz/seed/$n" > "$T/diff" 2>&1 ||
        fail "tests/fuzz/seed/$n/ is not what make.py writes now (rerun: python3 tests/fuzz/seed/make.py build/wormwatch): $(head -5 "$T/diff")"
done
echo "fuzz seeds: $(ls tests/fuzz/fuzz_*.c | wc -l) fuzzers seeded, as make.py writes them"
