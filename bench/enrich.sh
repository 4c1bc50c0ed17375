#!/bin/sh
# bench/enrich.sh BUILD [LOG] -- what knowing who the sources are costs
# `wormwatch analyze` (issue 17: the target is within 10%).
#
# On LOG (default: a seeded netfilter log of WW_BENCH_LINES lines made by
# bench/gen_netfilter.py, whose SYNs carry TTL and window but no TCP
# options) and on a copy of it whose SYN lines carry TCP options as
# `iptables --log-tcp-options` logs them (`OPT (...)`: one of three stacks'
# layouts a line, so consecutive SYNs differ often), runs
#   analyze --threads 1 -v --format json --no-progress
# with --p0f-db none (nothing matched), with p0f's own database (each SYN
# matched on the reading thread), and with it and --geoip/--asn (looked up
# per scanner when the report is written) where tests/tools/mkmmdb.pl can
# build test databases (else that row is skipped, saying so). The
# configurations run in turn, WW_BENCH_RUNS rounds; each row: the best wall
# time as lines/s; the smallest CPU time of the reading thread (analyze
# -v's `thread 0`: parsing, the matching, the detectors) plus the report's
# (the country and AS look-ups), as lines per CPU second, and its change
# against no database. The machine may be shared: the CPU columns are the
# ones to compare. Prints a Markdown table.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/enrich.sh BUILD [LOG]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
WW=$(cd "$1" && pwd)/wormwatch
[ -x "$WW" ] || { echo "bench: no $WW" >&2; exit 1; }
: "${WW_BENCH_LINES:=1000000}" "${WW_BENCH_RUNS:=3}" "${WW_BENCH_SEED:=1}"
: "${WW_P0F_DB:=/etc/p0f/p0f.fp}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wormwatch-enrich.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
say() { echo "bench: $*" >&2; }

if [ $# -ge 2 ]; then log=$2
else
    log=$TMP/nf.log
    python3 "$here/gen_netfilter.py" netfilter "$WW_BENCH_LINES" "$log" "$WW_BENCH_SEED" > /dev/null
fi
# the same lines, SYNs with options: Windows XP, Linux 3.11+, nmap's SYN scan
awk '/ SYN URGP=/ { k = NR % 3
        sub(/ *$/, k == 0 ? " OPT (020405B401010402) " : k == 1 ? " OPT (020405B40402080A0001E2400000000001030307) " : " OPT (020405B4) ") }
     { print }' "$log" > "$TMP/opt.log"
lines=$(wc -l < "$log")

[ -r "$WW_P0F_DB" ] || { say "no p0f database at $WW_P0F_DB (WW_P0F_DB=...)"; exit 1; }
geo=""
if [ -f "$root/tests/tools/mkmmdb.pl" ] && perl "$root/tests/tools/mkmmdb.pl" "$TMP" > /dev/null 2>&1; then
    c=$(ls "$TMP"/*ountry*.mmdb 2>/dev/null | head -1) a=$(ls "$TMP"/*ASN*.mmdb "$TMP"/*asn*.mmdb 2>/dev/null | head -1)
    [ -n "$c" ] && [ -n "$a" ] && geo="--geoip $c --asn $a"
fi
[ -n "$geo" ] || say "no test MaxMind databases (tests/tools/mkmmdb.pl): the --geoip/--asn rows are left out"

# once FILE ARGS...: one run; W its wall ms, C its reading thread's and
# report's CPU seconds (as "THREAD0 REPORT")
once() {
    f=$1; shift
    t0=$(date +%s%N)
    "$WW" analyze --threads 1 -v -q --format json --no-progress "$@" "$f" > /dev/null 2> "$TMP/err" ||
        { cat "$TMP/err" >&2; exit 1; }
    t1=$(date +%s%N)
    W=$(( (t1 - t0) / 1000000 ))
    C="$(sed -n 's/^wormwatch: thread 0: \([0-9.]*\) s CPU$/\1/p' "$TMP/err") $(sed -n 's/^wormwatch: report: \([0-9.]*\) s CPU$/\1/p' "$TMP/err")"
}

args_of() {
    case $1 in
    none) echo "--p0f-db none" ;;
    p0f) echo "--p0f-db $WW_P0F_DB" ;;
    geo) echo "--p0f-db $WW_P0F_DB $geo" ;;
    esac
}

dbs="none p0f"
[ -z "$geo" ] || dbs="$dbs geo"
echo "| input | databases | lines/s (wall) | reading thread CPU s | report CPU s | lines per CPU s | vs none (CPU) |"
echo "|---|---|---:|---:|---:|---:|---:|"
for f in "$log" "$TMP/opt.log"; do
    name=$( [ "$f" = "$log" ] && echo "SYNs without options" || echo "SYNs with options")
    # the configurations in turn, RUNS rounds (the machine's drift spread
    # over all of them); each one's best wall and its smallest CPU
    : > "$TMP/runs"
    i=0
    while [ $i -lt "$WW_BENCH_RUNS" ]; do
        for d in $dbs; do
            # shellcheck disable=SC2046
            once "$f" $(args_of $d)
            echo "$d $W $C" >> "$TMP/runs"
        done
        i=$((i + 1))
    done
    awk -v name="$name" -v lines="$lines" -v order="$dbs" '
        { cpu = $3 + $4
          if (!($1 in w) || $2 < w[$1]) w[$1] = $2
          if (!($1 in c) || cpu < c[$1]) { c[$1] = cpu; t[$1] = $3; r[$1] = $4 } }
        END { n = split(order, o, " ")
              for (i = 1; i <= n; i++) { d = o[i]
                  printf "| %s | %s | %d | %.3f | %.3f | %d | %+.1f%% |\n", name, d, lines * 1000 / w[d],
                         t[d], r[d], lines / c[d], (c[d] - c["none"]) * 100 / c["none"] } }' "$TMP/runs"
done
