#!/usr/bin/env bash
# The test runner's self-test: tests/run.sh, run on fixtures (a unit test,
# an e2e script, a case and a case with a server that pass, that fail, that
# skip; fixture-build/wormwatch stands in for the binary), must report
# each one's real status, the right totals, and exit non-zero. The runner
# once reported PASS for every unit test and e2e script whatever their exit
# status; this makes sure it cannot again. Run first by tests/run.sh.
set -u
cd "$(dirname "$0")/../.."
fail() { echo "runner self-test: $*"; echo "--- runner output:"; cat "$T/out"; exit 1; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
ln -s "$PWD/tests/selftest/fixture-build" "$T/sel"
WW_RUNNER_SELFTEST=1 WW_E2E_DIR=tests/selftest/e2e CORPUS="$T/no-corpus" \
    bash tests/run.sh "$T/sel" > "$T/out" 2>&1
st=$?
[ "$st" = 1 ] || fail "exit status $st with failing tests, expected 1"
while IFS= read -r want; do
    grep -qxF -- "$want" "$T/out" || grep -q -- "^$want" "$T/out" || fail "missing line: $want"
done <<'LINES'
PASS sel/test_pass
FAIL sel/test_fail (exit 1)
PASS sel/case/pass
FAIL sel/case/fail (exit 1)
SKIP sel/case/corpus: the shared real-data corpus is not at
PASS sel/case/serve_pass
FAIL sel/case/serve_fail (exit 1)
    line 4 [http GET /api/v1/infocon]: status 200, expected 201
PASS sel/pass
FAIL sel/fail (exit 1)
FAIL sel/onepass (exit 3)
SKIP sel/skip: fixture: no such tool here
failed: sel/test_fail sel/case/fail sel/case/serve_fail sel/fail sel/onepass
4 passed, 5 failed, 2 skipped
LINES
n=$(grep -cE '^(PASS|FAIL|SKIP) ' "$T/out")
[ "$n" = 11 ] || fail "$n results, expected 11"
# two builds in one run: the script marked "# one-pass: sel" runs in sel
# only, a SKIP saying so in the other; WW_EVERY_PASS=1 runs it in both
ln -s "$PWD/tests/selftest/fixture-build" "$T/other"
for every in "" 1; do
    WW_EVERY_PASS=$every WW_RUNNER_SELFTEST=1 WW_E2E_DIR=tests/selftest/e2e CORPUS="$T/no-corpus" \
        bash tests/run.sh "$T/other" "$T/sel" > "$T/out" 2>&1
    grep -qF "FAIL sel/onepass (exit 3) [" "$T/out" || fail "one-pass: not run in its build"
    if [ -z "$every" ]; then
        grep -qxF "SKIP other/onepass: heavy: run in sel only, in this run (WW_EVERY_PASS=1 runs it in each build)" \
            "$T/out" || fail "one-pass: not a SKIP naming its build in the other"
        grep -qxF "8 passed, 9 failed, 5 skipped" "$T/out" || fail "one-pass: totals"
    else
        grep -qF "FAIL other/onepass (exit 3) [" "$T/out" || fail "WW_EVERY_PASS=1: not run in every build"
    fi
done
# a fuzz build: its fuzzers run two at a time, each one's own status
# reported, in order
ln -s "$PWD/tests/selftest/fixture-fuzz" "$T/fz"
FUZZ_JOBS=2 FUZZ_SECONDS=1 WW_RUNNER_SELFTEST=1 bash tests/run.sh "$T/fz" > "$T/out" 2>&1
[ $? = 1 ] || fail "fuzz build: exit status, expected 1"
want=$'FAIL fz/fuzz_bad-1s (exit 1)\n    fixture: deadly signal\nPASS fz/fuzz_good-1s\nFAIL fz/fuzz_slow-1s (exit 2)'
[ "$(grep -E '^(PASS|FAIL|SKIP|    )' "$T/out" | sed 's/ \[[0-9.]* s\]$//')" = "$want" ] ||
    fail "fuzz build: results not as expected"
grep -qxF "1 passed, 2 failed, 0 skipped" "$T/out" || fail "fuzz build: totals"
echo "runner self-test: 11 results as expected; a one-pass script runs in its build only; fuzzers in parallel"
