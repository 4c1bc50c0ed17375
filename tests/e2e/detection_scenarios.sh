#!/usr/bin/env bash
# The harness of bench/detection.py's scenario rows (simulate --scenario:
# witty, quiet-port, campaign, flood, research scanners, backscatter), one
# seed each over two days of background: every row is measured and printed,
# and the campaign (a surge on 23/tcp today) is called. What the detector
# makes of the others is the table in docs/DETECTION.md, not a pass/fail here.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; cat "$T/out"; exit 1; }
python3 bench/detection.py "$WW" --quick --no-doc --seeds 1 \
    --only witty,quiet-5555,campaign,flood,scanners,backscatter > "$T/out" 2>&1 || fail "detection.py exited $?"
for s in witty quiet-5555 campaign flood scanners backscatter; do
    grep -q "^| $s: .* | 1 | [01]/1 |" "$T/out" || fail "no row for $s"
    grep -q "^$s  *seed  1: called" "$T/out" || fail "no run of $s"
done
grep -q "^campaign  *seed  1: called yes" "$T/out" || fail "the campaign was not called"
grep -q "^run time: " "$T/out" || fail "no run time"
echo "detection scenarios: 6 rows measured"
