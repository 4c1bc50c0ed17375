#!/usr/bin/env bash
# The harness of bench/detection.py's scenario rows (simulate --scenario:
# witty, quiet-port, campaign, flood, research scanners, backscatter), one
# seed each over two days of background: every row is measured and printed;
# the worms are called as spreading, the campaign as a campaign, the flood as
# a flood, with no false alarm. Research scanners (--known-scanners) and
# backscatter are measured, not judged here: the table in docs/DETECTION.md.
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
for want in "witty:spreading" "quiet-5555:spreading" "campaign:campaign" "flood:None"; do
    s=${want%%:*} kind=${want#*:}
    grep -q "^$s  *seed  1: called yes, kind $kind, .* 0 false alarms" "$T/out" ||
        fail "$s not called as $kind without false alarms"
done
grep -q "^run time: " "$T/out" || fail "no run time"
echo "detection scenarios: 6 rows measured"
