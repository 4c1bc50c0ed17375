#!/usr/bin/env bash
# Runs every test against each build directory given (default: build).
#   runner       tests/selftest/run.sh: this runner, on fixtures that pass,
#                fail and skip, must report exactly that (first, always)
#   unit tests   BUILD/test_*           (tests/unit/FOLDER/MODULE.c)
#   end to end   tests/e2e/cases/*.case (declarative, run by tests/e2e/run_cases.py;
#                one result per case)
#                tests/e2e/*.sh         (scripts that need real tools; one whose
#                header has "# one-pass: BUILD" runs only in that build when
#                BUILD is in the same run, a SKIP saying so in the others:
#                the heaviest run once in `make check`. WW_EVERY_PASS=1 runs
#                each in every build)
#   fuzzing      BUILD/fuzz_*: replay tests/fuzz/regress/NAME-*, then fuzz
#                for $FUZZ_SECONDS (default 10) in a fresh directory that
#                starts as a copy of tests/fuzz/seed/NAME/ (never written),
#                $FUZZ_JOBS fuzzers at once (default the cores, at most 2)
# Each test's own exit status decides: 0 PASS, 77 SKIP (the test could not
# run here; its last line of output says why), anything else FAIL. Tests that
# read the shared real-data corpus ($CORPUS, default ../shared/corpus) SKIP
# when it is absent. Closes with "N passed, N failed, N skipped"; exits 1 if
# any test failed.
# WW_E2E_DIR (default tests/e2e) and WW_REGRESS_DIR (default tests/fuzz/regress)
# point the runner elsewhere; the self-test uses them for its fixtures.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
export CORPUS=${CORPUS:-$ROOT/../shared/corpus}
E2E=${WW_E2E_DIR:-tests/e2e}
REGRESS=${WW_REGRESS_DIR:-tests/fuzz/regress}
FUZZ_SECONDS=${FUZZ_SECONDS:-10}
[ $# -eq 0 ] && set -- build
pass=0; fail=0; skip=0; failed=""
LOG=$(mktemp -d); trap 'rm -rf "$LOG"' EXIT
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Each result line ends with the seconds since the test's mark (set before
# it runs; the cases share one run, so only the first case's line has it).
T0=
mark() { T0=$(date +%s%N); }
result() { # name status logfile
    local t=""
    [ -n "$T0" ] && t=$(( ($(date +%s%N) - T0) / 100000000 )) && t=" [$((t / 10)).$((t % 10)) s]"
    T0=
    case $2 in
    0)  pass=$((pass+1)); echo "PASS $1$t" ;;
    77) skip=$((skip+1)); echo "SKIP $1: $(grep . "$3" | tail -1)$t" ;;
    *)  fail=$((fail+1)); failed="$failed $1"; echo "FAIL $1 (exit $2)$t"
        sed 's/^/    /' "$3" | tail -40 ;;
    esac
}

# One result per line of run_cases.py's TAP output ("ok NAME", "ok NAME #
# SKIP why", "not ok NAME" followed by indented detail). A crash of the case
# runner itself, or a status that disagrees with its lines, is a failure too.
case_results() { # tag status logfile
    local line name nok=0
    while IFS= read -r line; do
        case $line in
        "ok "*"# SKIP "*) name=${line#ok }; name=${name%% # SKIP *}
            echo "${line#*# SKIP }" > "$LOG/case"; result "$1/case/$name" 77 "$LOG/case" ;;
        "ok "*) : > "$LOG/case"; result "$1/case/${line#ok }" 0 "$LOG/case" ;;
        "not ok "*) nok=$((nok+1)); name=${line#not ok }
            awk -v n="$line" '$0==n{on=1;next} on&&/^    /{print substr($0,5);next} {on=0}' "$3" > "$LOG/case"
            result "$1/case/$name" 1 "$LOG/case" ;;
        esac
    done < "$3"
    if [ "$2" = 0 ] && [ "$nok" != 0 ]; then
        result "$1/e2e-cases-runner" 1 "$3"   # failures, yet exit 0
    elif [ "$2" != 0 ] && [ "$nok" = 0 ]; then
        result "$1/e2e-cases-runner" "$2" "$3" # crashed
    fi
}

if [ -z "${WW_RUNNER_SELFTEST:-}" ]; then
    mark; bash tests/selftest/run.sh > "$LOG/out" 2>&1; result "runner-selftest" $? "$LOG/out"
fi

BUILDS=(); for B in "$@"; do BUILDS+=("$(basename "$B")"); done
FUZZ_JOBS=${FUZZ_JOBS:-$(n=$(nproc 2>/dev/null || echo 1); [ "$n" -gt 2 ] && n=2; echo "$n")}

# One fuzzer for $FUZZ_SECONDS in a fresh copy of its seeds; writes
# OUT.name, OUT.ns (how long it ran), OUT.out and OUT.st (its exit status);
# its crashing inputs are copied to tests/fuzz/found/.
fuzz_one() { # FUZZER OUT
    local f=$1 o=$2 name=${1##*/} short work st c t0
    short=${name#fuzz_}
    echo "$tag/$name-${FUZZ_SECONDS}s" > "$o.name"; t0=$(date +%s%N)
    work=$(mktemp -d)
    [ -d "tests/fuzz/seed/$short" ] && cp "tests/fuzz/seed/$short"/* "$work/"
    "$f" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb=2048 -artifact_prefix="$work/" "$work" > "$o.out" 2>&1
    st=$?
    for c in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
        [ -f "$c" ] || continue
        mkdir -p tests/fuzz/found && cp "$c" "tests/fuzz/found/$short-${c##*/}" &&
            echo "crashing input copied to tests/fuzz/found/$short-${c##*/}" >> "$o.out"
    done
    rm -rf "$work"
    echo $(( $(date +%s%N) - t0 )) > "$o.ns"
    echo $st > "$o.st"
}
for B in "$@"; do
    [ -d "$B" ] || { echo "no build directory $B" > "$LOG/out"; result "$B" 1 "$LOG/out"; continue; }
    tag=$(basename "$B"); BD=$(cd "$B" && pwd)
    fuzzbuild=$(ls "$B"/fuzz_* 2>/dev/null | head -1) # a fuzz build only fuzzes
    for t in "$B"/test_*; do
        [ -x "$t" ] && [ -z "$fuzzbuild" ] || continue
        mark; (cd "$ROOT" && "$t") > "$LOG/out" 2>&1
        result "$tag/${t##*/}" $? "$LOG/out"
    done
    if [ -x "$B/wormwatch" ] && [ -z "$fuzzbuild" ]; then
        mark; python3 tests/e2e/run_cases.py "$B/wormwatch" "$E2E/cases" > "$LOG/cases" 2>&1
        case_results "$tag" $? "$LOG/cases"
        for s in "$E2E"/*.sh; do
            [ -f "$s" ] || continue
            only=$(sed -n 's/^# one-pass: *\([^ ]*\).*/\1/p' "$s" | head -1); name=${s##*/}; name=${name%.sh}
            if [ -n "$only" ] && [ "$only" != "$tag" ] && [ -z "${WW_EVERY_PASS:-}" ] &&
               printf '%s\n' "${BUILDS[@]}" | grep -qx "$only"; then
                echo "heavy: run in $only only, in this run (WW_EVERY_PASS=1 runs it in each build)" > "$LOG/out"
                T0=; result "$tag/$name" 77 "$LOG/out"; continue
            fi
            mark; WW="$BD/wormwatch" bash "$s" > "$LOG/out" 2>&1
            result "$tag/$name" $? "$LOG/out"
        done
    fi
    # fuzzing: each fuzzer's regressions replayed, then the fuzzers run
    # FUZZ_JOBS at a time (default: the cores, at most 2; each takes one),
    # their results reported in order
    fz=0
    for f in "$B"/fuzz_*; do
        [ -x "$f" ] || continue
        name=${f##*/}; short=${name#fuzz_}
        regs=$(ls "$REGRESS/$short"-* 2>/dev/null)
        if [ -n "$regs" ]; then
            mark; "$f" $regs > "$LOG/out" 2>&1
            result "$tag/$name-regressions" $? "$LOG/out"
        fi
        while [ "$(jobs -rp | wc -l)" -ge "$FUZZ_JOBS" ]; do wait -n; done
        fz=$((fz + 1))
        fuzz_one "$f" "$LOG/fz$fz" &
    done
    wait
    for i in $(seq "$fz"); do
        T0=$(( $(date +%s%N) - $(cat "$LOG/fz$i.ns" 2>/dev/null || echo 0) ))
        result "$(cat "$LOG/fz$i.name")" "$(cat "$LOG/fz$i.st")" "$LOG/fz$i.out"
    done
done
[ -n "$failed" ] && echo "failed:$failed"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
