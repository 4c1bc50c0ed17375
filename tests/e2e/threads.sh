#!/usr/bin/env bash
# threads.sh -- `analyze --threads N` finds exactly the same whatever N:
# the JSON report (scanners, ports, surges, floods, backscatter) of 2, 3
# and 4 threads is byte-identical to one thread's, on bench/'s seeded
# inputs (a four-day netfilter log with scanners and a worm on 139/tcp, a
# capture of SYN probes and answers, one-shot sources), on several files
# pooled in one run, and on the project's own real corpus. The one-thread
# report must find something (scanners, ports, a surge), so the comparison
# is not of two empty reports.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.." || exit 1
command -v python3 >/dev/null || { echo "missing python3"; exit 1; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
GEN="python3 bench/gen_netfilter.py"
$GEN netfilter 300000 "$D/nf.log" 7 >/dev/null || exit 1
$GEN pcap 200000 "$D/syn.pcap" 7 >/dev/null || exit 1
$GEN distinct 100000 "$D/distinct.log" 7 >/dev/null || exit 1
fail=0
same() { # NAME ARGS...: every thread count against one thread
    local name=$1; shift
    "$WW" analyze --threads 1 --format json --no-progress -q "$@" > "$D/t1.json" || { echo "FAIL $name: analyze failed"; fail=1; return; }
    for t in 2 3 4; do
        "$WW" analyze --threads $t --format json --no-progress -q "$@" > "$D/t$t.json"
        if cmp -s "$D/t1.json" "$D/t$t.json"; then echo "ok   $name: --threads $t = --threads 1"
        else echo "FAIL $name: --threads $t differs from --threads 1"; diff "$D/t1.json" "$D/t$t.json" | head -5; fail=1; fi
    done
}
found() { # NAME MIN_SCANNERS MIN_PORTS MIN_SURGES: what one thread found in t1.json
    python3 - "$D/t1.json" "$@" <<'PY' || fail=1
import json, sys
d = json.load(open(sys.argv[1])); name = sys.argv[2]
want = dict(scanners=int(sys.argv[3]), ports=int(sys.argv[4]), surges=int(sys.argv[5]))
got = {k: len(d[k]) for k in want}
bad = [k for k in want if got[k] < want[k]]
print(("FAIL " if bad else "ok   ") + "%s: found %s (at least %s)" % (name, got, want))
sys.exit(1 if bad else 0)
PY
}
same netfilter "$D/nf.log";                    found netfilter 100 1000 1
same pcap "$D/syn.pcap";                       found pcap 100 1000 0
same distinct "$D/distinct.log";               found distinct 0 1 0
same pooled "$D/nf.log" "$D/syn.pcap" "$D/distinct.log"
same "known scanners, history" --known-scanners contrib/known-scanners.txt --history 139/tcp "$D/nf.log"
for f in tests/corpus/netns/*; do
    case $f in *.txt|*.md) continue ;; esac
    same "corpus ${f##*/}" "$f"
done
exit $fail
