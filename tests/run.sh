#!/usr/bin/env bash
# Runs every test against each build directory given (default: build).
#   unit tests   BUILD/test_*           (tests/unit/test_*.c)
#   end to end   tests/e2e/cases/*.case (declarative, run by tests/e2e/run_cases.py)
#                tests/e2e/*.sh         (scripts that need real tools)
#   fuzzing      BUILD/fuzz_*: replay tests/fuzz/regress/NAME-*, then fuzz
#                for $FUZZ_SECONDS (default 15) from a fresh corpus
# Prints PASS/FAIL per test and closes with "N passed, N failed".
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export CORPUS=${CORPUS:-$ROOT/../shared/corpus}
FUZZ_SECONDS=${FUZZ_SECONDS:-15}
[ $# -eq 0 ] && set -- build
if [ ! -f "$CORPUS/README.md" ]; then
    echo "the real-data corpus is not at $CORPUS (set CORPUS=.../shared/corpus)"
    echo "0 passed, 1 failed"
    exit 1
fi
pass=0; fail=0; skip=0; failed=""
LOG=$(mktemp -d); trap 'rm -rf "$LOG"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

result() { # name status logfile (status 77: the test could not run here)
    if [ "$2" = 0 ]; then pass=$((pass+1)); echo "PASS $1"
    elif [ "$2" = 77 ]; then skip=$((skip+1)); echo "SKIP $1: $(tail -1 "$3")"
    else fail=$((fail+1)); failed="$failed $1"; echo "FAIL $1"; sed 's/^/    /' "$3" | tail -40; fi
}

for B in "$@"; do
    [ -d "$B" ] || { echo "no build directory $B"; fail=$((fail+1)); continue; }
    tag=$(basename "$B")
    fuzzbuild=$(ls "$B"/fuzz_* 2>/dev/null | head -1) # a fuzz build only fuzzes
    for t in "$B"/test_*; do
        [ -x "$t" ] && [ -z "$fuzzbuild" ] || continue
        (cd "$ROOT" && "$t") > "$LOG/out" 2>&1; result "$tag/$(basename "$t")" $? "$LOG/out"
    done
    if [ -x "$B/wormwatch" ] && [ -z "$fuzzbuild" ]; then
        python3 tests/e2e/run_cases.py "$B/wormwatch" tests/e2e/cases > "$LOG/out" 2>&1
        st=$?; result "$tag/e2e-cases" $st "$LOG/out"
        grep -E '^(ok|not ok)' "$LOG/out" | sed 's/^/    /'
        for s in tests/e2e/*.sh; do
            [ -f "$s" ] || continue
            WW="$ROOT/$B/wormwatch" bash "$s" > "$LOG/out" 2>&1
            result "$tag/$(basename "$s" .sh)" $? "$LOG/out"
        done
    fi
    for f in "$B"/fuzz_*; do
        [ -x "$f" ] || continue
        name=$(basename "$f"); short=${name#fuzz_}
        regs=$(ls tests/fuzz/regress/"$short"-* 2>/dev/null)
        if [ -n "$regs" ]; then
            "$f" $regs > "$LOG/out" 2>&1; result "$tag/$name-regressions" $? "$LOG/out"
        fi
        work=$(mktemp -d)
        "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -artifact_prefix="$work/" \
            "$work" > "$LOG/out" 2>&1
        st=$?
        if [ $st != 0 ]; then
            mkdir -p tests/fuzz/found
            for c in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
                [ -f "$c" ] && cp "$c" "tests/fuzz/found/$short-$(basename "$c")"
            done
            echo "crashing inputs copied to tests/fuzz/found/" >> "$LOG/out"
        fi
        result "$tag/$name-${FUZZ_SECONDS}s" $st "$LOG/out"
        rm -rf "$work"
    done
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
