#!/bin/sh
# bench/run.sh BUILD -- throughput and memory of `wormwatch analyze`, and
# psad -A on the same log, tcpdump's copy loop and p0f on the same capture.
# `make bench` runs it as `bench/run.sh build`.
#
# 1. Generates seeded inputs in a temporary directory (removed at exit):
#    a netfilter log (WW_BENCH_LINES lines), a pcap (WW_BENCH_PACKETS
#    packets) and a log of WW_BENCH_DISTINCT distinct one-shot sources
#    (bench/gen_netfilter.py says what is in each).
# 2. Runs `wormwatch analyze --threads N --format json --no-progress FILE >
#    /dev/null` under /usr/bin/time for each N of WW_BENCH_THREADS (1 and the
#    machine's CPUs, at most 4: analyze's --threads), best wall time of
#    WW_BENCH_RUNS runs; peak RSS is the largest of the runs.
# 3. Runs the capture's peers on the same file as wormwatch: tcpdump -r FILE
#    -w /dev/null (libpcap's read loop copying every packet out: the floor
#    for anything reading a capture through libpcap) and p0f -r FILE
#    (passive fingerprinting of every SYN and SYN-ACK: per-packet work
#    akin to ours); a peer that is not installed is skipped with a message.
# 4. Runs psad -A (offline analysis) and wormwatch on the same first
#    WW_BENCH_PSAD_LINES lines of the netfilter log, with psad configured in
#    the temporary directory (the system's /etc/psad is only read).
# 5. Prints a Markdown table and writes it, with the machine, into
#    WW_BENCH_DOC (docs/PERFORMANCE.md; empty: do not write) between
#    <!-- bench:begin --> and <!-- bench:end -->.
# Takes 2-4 minutes with the defaults on a 2-CPU machine.
set -eu

[ $# -eq 1 ] || { echo "usage: bench/run.sh BUILD   (the build directory holding wormwatch)" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
WW=$(cd "$1" && pwd)/wormwatch
[ -x "$WW" ] || { echo "bench: no $WW; run make build first" >&2; exit 1; }

: "${WW_BENCH_LINES:=1000000}" "${WW_BENCH_PACKETS:=2000000}" "${WW_BENCH_DISTINCT:=2000000}"
: "${WW_BENCH_PSAD_LINES:=50000}" "${WW_BENCH_RUNS:=3}" "${WW_BENCH_SEED:=1}"
ncpu=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
[ "$ncpu" -le 4 ] || ncpu=4
[ "$ncpu" -gt 1 ] || ncpu=""
: "${WW_BENCH_THREADS=1 $ncpu}"
: "${WW_BENCH_DOC=$root/docs/PERFORMANCE.md}"
GEN="python3 $here/gen_netfilter.py"
command -v python3 >/dev/null || { echo "bench: needs python3 (make deps)" >&2; exit 1; }

# GNU time (peak RSS, CPU time) and the peers, installed if missing; no
# service of theirs is started (psad's daemon is not wanted: psad -A runs
# on its own), as scripts/deps.sh installs.
missing=""
[ -x /usr/bin/time ] || missing="time"
command -v psad >/dev/null || [ -x /usr/sbin/psad ] || missing="$missing psad"
command -v tcpdump >/dev/null || missing="$missing tcpdump"
command -v p0f >/dev/null || [ -x /usr/sbin/p0f ] || missing="$missing p0f"
if [ -n "$missing" ]; then
    echo "bench: installing$missing" >&2
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    rc=/usr/sbin/policy-rc.d own=""
    if [ ! -e $rc ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee $rc > /dev/null && $SUDO chmod 755 $rc && own=1
    fi
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null 2>&1 ||
        { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; } ||
        echo "bench: could not install$missing: those rows are left out" >&2
    [ -z "$own" ] || $SUDO rm -f $rc
fi
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (/usr/bin/time)" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/wormwatch-bench.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
say() { echo "bench: $*" >&2; }
load=$(cut -d' ' -f1-3 /proc/loadavg)

# measure RUNS CMD...: runs CMD (stdout to /dev/null) RUNS times. Sets WALL
# (best wall seconds, from a nanosecond clock), CPU (user + sys seconds of
# that run) and RSS (largest maximum resident set of all runs, KiB).
measure() {
    m_runs=$1; shift
    WALL="" CPU="" RSS=0 m_i=0
    while [ "$m_i" -lt "$m_runs" ]; do
        m_t0=$(date +%s%N)
        if ! /usr/bin/time -o "$TMP/time" -f '%U %S %M' "$@" > /dev/null 2> "$TMP/stderr"; then
            say "failed: $*"; cat "$TMP/stderr" "$TMP/time" >&2; exit 1
        fi
        m_t1=$(date +%s%N)
        read -r m_u m_s m_m < "$TMP/time"
        m_r=$(awk -v t0="$m_t0" -v t1="$m_t1" -v u="$m_u" -v s="$m_s" -v m="$m_m" \
                  -v w="$WALL" -v c="$CPU" -v rss="$RSS" '
            BEGIN { e = (t1 - t0) / 1e9
                    if (w == "" || e < w) { w = e; c = u + s }
                    printf "%.3f %.2f %d\n", w, c, (m > rss ? m : rss) }')
        read -r WALL CPU RSS <<EOF
$m_r
EOF
        m_i=$((m_i + 1))
    done
}

ROWS="$TMP/rows"
: > "$ROWS"
# row TOOL INPUT COUNT UNIT FILE RUNS: one table row from WALL, CPU, RSS
row() {
    bytes=$(wc -c < "$5")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$bytes" "$6" "$WALL" "$CPU" "$RSS" >> "$ROWS"
    awk -v n="$3" -v b="$bytes" -v w="$WALL" -v m="$RSS" -v t="$1" -v u="$4" 'BEGIN {
        printf "bench:   %-9s %9.0f %s/s  %7.1f MB/s  peak RSS %6.1f MiB  (best %.3f s)\n",
               t, n / w, u, b / 1e6 / w, m / 1024, w }' >&2
}

# ww RUNS FILE THREADS
ww() { measure "$1" "$WW" analyze --threads "$3" --format json --no-progress "$2"; }
# "wormwatch, 1 thread", "wormwatch, 2 threads"
who() { [ "$1" = 1 ] && echo "wormwatch, 1 thread" || echo "wormwatch, $1 threads"; }

# ---- inputs ----
say "generating $WW_BENCH_LINES netfilter lines (seed $WW_BENCH_SEED)"
nlines=$($GEN netfilter "$WW_BENCH_LINES" "$TMP/netfilter.log" "$WW_BENCH_SEED")
say "generating $WW_BENCH_PACKETS packets"
npkts=$($GEN pcap "$WW_BENCH_PACKETS" "$TMP/probes.pcap" "$WW_BENCH_SEED")
head -n "$WW_BENCH_PSAD_LINES" "$TMP/netfilter.log" > "$TMP/subset.log"
nsub=$(wc -l < "$TMP/subset.log")

# ---- wormwatch throughput ----
say "wormwatch analyze, best of $WW_BENCH_RUNS, threads: $WW_BENCH_THREADS"
for t in $WW_BENCH_THREADS; do
    ww "$WW_BENCH_RUNS" "$TMP/netfilter.log" "$t"
    row "$(who "$t")" "netfilter log" "$nlines" lines "$TMP/netfilter.log" "$WW_BENCH_RUNS"
done
for t in $WW_BENCH_THREADS; do
    ww "$WW_BENCH_RUNS" "$TMP/probes.pcap" "$t"
    row "$(who "$t")" "pcap, SYN probes and answers" "$npkts" packets "$TMP/probes.pcap" "$WW_BENCH_RUNS"
done

# ---- the same capture: tcpdump's copy loop and p0f ----
if command -v tcpdump >/dev/null; then
    say "tcpdump -r -w /dev/null on the same capture, best of $WW_BENCH_RUNS"
    measure "$WW_BENCH_RUNS" tcpdump -r "$TMP/probes.pcap" -w /dev/null
    row "tcpdump -w /dev/null" "pcap, SYN probes and answers" "$npkts" packets "$TMP/probes.pcap" "$WW_BENCH_RUNS"
else
    say "tcpdump not installed: skipped (apt-get install tcpdump)"
fi
P0F=$(command -v p0f || echo /usr/sbin/p0f)
if [ -x "$P0F" ]; then
    "$P0F" -r "$TMP/probes.pcap" 2>&1 | tail -1 | grep -q "Processed $npkts packets" ||
        { say "p0f did not read every packet of the capture"; exit 1; }
    say "p0f -r on the same capture, best of $WW_BENCH_RUNS"
    measure "$WW_BENCH_RUNS" "$P0F" -r "$TMP/probes.pcap"
    row "p0f -r" "pcap, SYN probes and answers" "$npkts" packets "$TMP/probes.pcap" "$WW_BENCH_RUNS"
else
    say "p0f not installed: skipped (apt-get install p0f)"
fi
rm -f "$TMP/netfilter.log" "$TMP/probes.pcap"

# ---- the same subset: wormwatch and psad ----
"$WW" analyze --format json --no-progress "$TMP/subset.log" > "$TMP/subset.json"
if ! python3 -c 'import json, sys; i = json.load(open(sys.argv[1]))["input"]; sys.exit(not (i["events"] == int(sys.argv[2]) and i["skipped"] == 0))' \
        "$TMP/subset.json" "$nsub"; then
    say "wormwatch did not read every line of the subset:"; head -12 "$TMP/subset.json" >&2; exit 1
fi
ww "$WW_BENCH_RUNS" "$TMP/subset.log" 1
row "$(who 1)" "netfilter log, its first lines" "$nsub" lines "$TMP/subset.log" "$WW_BENCH_RUNS"

PSAD=$(command -v psad || echo /usr/sbin/psad)
psadver=""
if [ -x "$PSAD" ]; then
    # A private configuration: state, run and fifo directories in $TMP,
    # no whois or DNS lookups, HOME_NET any, no interface probing.
    P="$TMP/psad"
    mkdir -p "$P/log" "$P/run" "$P/fifo"
    sed -e "s|^PSAD_DIR .*|PSAD_DIR $P/log;|" \
        -e "s|^PSAD_RUN_DIR .*|PSAD_RUN_DIR $P/run;|" \
        -e "s|^PSAD_FIFO_DIR .*|PSAD_FIFO_DIR $P/fifo;|" \
        -e "s|^HOSTNAME .*|HOSTNAME bench;|" \
        -e "s|^HOME_NET .*|HOME_NET any;|" \
        -e "s|^ENABLE_WHOIS_LOOKUPS .*|ENABLE_WHOIS_LOOKUPS N;|" \
        -e "s|^ENABLE_DNS_LOOKUPS .*|ENABLE_DNS_LOOKUPS N;|" \
        -e "s|^ENABLE_INTF_LOCAL_NETS .*|ENABLE_INTF_LOCAL_NETS N;|" \
        -e "s|^ENABLE_FW_LOGGING_CHECK .*|ENABLE_FW_LOGGING_CHECK N;|" \
        /etc/psad/psad.conf > "$P/psad.conf"
    psadver=$("$PSAD" -c "$P/psad.conf" -V 2>/dev/null | sed -n 's/.*\(psad v[0-9.]*\).*/\1/p' | head -1)
    set -- "$PSAD" -c "$P/psad.conf" -A -m "$TMP/subset.log" --no-daemon --no-whois --no-rdns --no-netstat --no-fwcheck
    "$@" > "$TMP/psad.out" 2>&1 || { say "psad failed:"; tail -20 "$TMP/psad.out" >&2; exit 1; }
    grep -q "Found $nsub iptables log messages" "$TMP/psad.out" ||
        { say "psad did not take every line of the subset:"; head -5 "$TMP/psad.out" >&2; exit 1; }
    say "psad -A on the same $nsub lines, best of $WW_BENCH_RUNS (slow)"
    rm -rf "$P/log"/*
    measure "$WW_BENCH_RUNS" "$@"
    row "psad -A" "netfilter log, its first lines" "$nsub" lines "$TMP/subset.log" "$WW_BENCH_RUNS"
else
    say "psad not installed: skipped (apt-get install psad)"
fi

# ---- memory: distinct one-shot sources ----
say "generating $WW_BENCH_DISTINCT lines from distinct sources"
ndist=$($GEN distinct "$WW_BENCH_DISTINCT" "$TMP/distinct.log" "$WW_BENCH_SEED")
for k in 4 2 1; do
    n=$((ndist / k))
    f="$TMP/distinct.log"
    [ "$k" = 1 ] || { f="$TMP/distinct-$k.log"; head -n "$n" "$TMP/distinct.log" > "$f"; }
    for t in $WW_BENCH_THREADS; do
        ww 1 "$f" "$t"
        row "$(who "$t")" "distinct one-shot sources, one hour" "$n" lines "$f" 1
    done
    [ "$k" = 1 ] || rm -f "$f"
done

# ---- the table ----
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/^MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
rev=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo "?")
wwver=$("$WW" --version 2>/dev/null || echo wormwatch)
{
    echo "Measured $(date -u +%Y-%m-%d) with \`make bench\`: $wwver (commit $rev)${psadver:+, $psadver}."
    echo "Machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $mem RAM, $(uname -sr); load average before the run: $load."
    echo "Best of $WW_BENCH_RUNS runs (distinct-source runs: one run); peak RSS is the largest of the runs."
    echo
    echo "| tool | input | records | MB | best wall s | CPU s | records/s | MB/s | peak RSS MiB |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
    awk -F '\t' '
        function th(x,   s) { s = sprintf("%.0f", x); while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s); return s }
        { printf "| %s | %s | %s %s | %.1f | %.3f | %.2f | %s %s/s | %.1f | %.1f |\n",
                 $1, $2, th($3), $4, $5 / 1e6, $7, $8, th($3 / $7), $4, $5 / 1e6 / $7, $9 / 1024
          if ($1 == "psad -A") { pw = $7; pc = $8; pm = $9; pn = $3 }
          else if ($2 ~ /first lines/) { ww = $7; wc = $8; wm = $9 }
          if ($2 ~ /^pcap/) { if ($1 == "wormwatch, 1 thread") { kc = $8; kn = $3 } else if ($1 !~ /^wormwatch/) peers = peers sprintf("; %s %.2f s", $1, $8) } }
        END { if (pw) printf "\nOn the same %s lines wormwatch is %.0f times faster than psad -A by wall time (%s by CPU time) and peaks at %.1f MiB against %.1f MiB.\n",
                             th(pn), pw / ww, (wc > 0 ? sprintf("%.0f times", pc / wc) : "its CPU time too short to tell"), wm / 1024, pm / 1024
              if (kc && peers != "") printf "\nCPU time on the same %s packets: wormwatch analyze on one thread (first contacts, TRW and every detector) %.2f s%s.\n", th(kn), kc, peers }' "$ROWS"
} > "$TMP/table.md"
cat "$TMP/table.md"

if [ -n "$WW_BENCH_DOC" ]; then
    if [ ! -f "$WW_BENCH_DOC" ] || ! grep -q '<!-- bench:begin -->' "$WW_BENCH_DOC"; then
        printf '\n<!-- bench:begin -->\n<!-- bench:end -->\n' >> "$WW_BENCH_DOC"
    fi
    awk -v f="$TMP/table.md" '
        /<!-- bench:end -->/ { skip = 0 }
        !skip { print }
        /<!-- bench:begin -->/ { while ((getline l < f) > 0) print l; skip = 1 }' \
        "$WW_BENCH_DOC" > "$TMP/doc"
    cat "$TMP/doc" > "$WW_BENCH_DOC"
    say "wrote the table into $WW_BENCH_DOC"
fi
