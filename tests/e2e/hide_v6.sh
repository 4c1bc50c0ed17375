#!/usr/bin/env bash
# Issue 18 with real tools: an IPv6 scanner rotating its source inside one
# /64. Namespace S holds 48 addresses of 2001:db8:77:1::/64 on its link to
# the victim V (nodad); real nmap -6 -sS runs once per address (-S, three
# ports each, eight runs at a time), so V sees 144 SYNs from 48 sources, no
# source past three ports: under TRW's four failures and the window's 15
# ports alone, past them as a /64. A benign client C (its own /64) fetches a
# page from V a few times. V captures with tcpdump and logs with nftables
# (`log prefix ... flags tcp options`, read back from the kernel log:
# net.netfilter.nf_log_all_netns is set for the run and put back).
# analyze must report, from the capture and from the log, ONE scanner of the
# /64: src "2001:db8:77:1::/64", addresses 48, at least 100 ports; never
# the client; and with --v6-prefix 128 no scanner inside the /64 (each
# address too few probes: the grouping is what finds it).
# Then `sensor --block` in V following that real kernel log blocks the /64
# (cut around --block-allow 2001:db8:77:1::5): a real connection from an
# address of the /64 that never scanned is dropped, one from the allowed
# address and the client's still answered (sensor_block_prefix.sh checks the
# set's elements on written lines; this is the real packets' side).
# Exit 77 (SKIP, with the reason) without root, namespaces or a tool; an
# analyze that groups no sources per prefix, or a sensor without --block, fails.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft nmap tcpdump curl dmesg sysctl python3 xargs; do
    command -v $t >/dev/null || { echo "SKIP: $t is missing (scripts/deps.sh installs it)"; exit 77; }
done
"$WW" analyze --help 2>&1 | grep -q -- --v6-prefix ||
    { echo "FAIL: analyze groups no sources per prefix (no --v6-prefix)"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/netns.bash"
netns_workdir
fail() { echo "FAIL: $*"; exit 1; }

N=48                          # the scanner's addresses
P64=2001:db8:77:1             # its /64
VA=2001:db8:78::1             # the victim
CA=2001:db8:79::20            # the client
netns_add S V C
netns_link S $P64::1000/64 V $VA/64
for i in $(seq 1 $((N - 1))); do
    ip -n $S addr add $P64::$(printf %x $((0x1000 + i)))/64 dev v-V nodad || fail "address $i"
done
ip -n $S addr add $P64::5/64 dev v-V nodad || fail "the allowed address"    # scans nothing
ip -n $S addr add $P64::beef/64 dev v-V nodad || fail "the unused address" # scans nothing
ip -n $S -6 route add $VA/128 dev v-V || fail "route S"
ip -n $V -6 route add $P64::/64 dev v-S || fail "route V"
netns_link C $CA/64 V 2001:db8:79::1/64
ip -n $C -6 route add $VA/128 via 2001:db8:79::1 || fail "route C"

PFX="ww18v6-$$: " # our lines in a kernel log others write too
netns_synlog $V "$PFX" "ip6 daddr $VA"

mkdir "$T/www"; echo hello > "$T/www/index.html"
ip netns exec $V python3 -m http.server 8080 --bind :: --directory "$T/www" >/dev/null 2>&1 &
ip netns exec $V tcpdump -i any --immediate-mode -B 16384 -U -w "$T/cap.pcap" "ip6 and tcp" >/dev/null 2>"$T/tcpdump.err" &
TD=$!
for _ in $(seq 50); do grep -q listening "$T/tcpdump.err" && ip netns exec $V ss -ltn | grep -q ":8080 " && break; sleep 0.1; done
sleep 0.5 # tcpdump says listening a little before it captures
ip netns exec $C curl -s -m 3 -o /dev/null "http://[$VA]:8080/" || fail "the client cannot reach the victim"

# nmap from each address, three ports each, eight at a time
started=$(date +%s%N)
for i in $(seq 0 $((N - 1))); do
    echo "$P64::$(printf %x $((0x1000 + i))) $((1000 + 3 * i))-$((1002 + 3 * i))"
done | ip netns exec $S xargs -P 8 -L 1 sh -c \
    'nmap -6 -n -Pn -sS -e v-V -S "$0" -p "$1" --max-retries 0 -T5 '$VA' >>'"$T"'/nmap.txt 2>&1 || echo "nmap -S $0 failed" >>'"$T"'/nmap.err'
[ -s "$T/nmap.err" ] && fail "$(head -3 "$T/nmap.err"): $(tail -5 "$T/nmap.txt")"
for _ in 1 2 3; do ip netns exec $C curl -s -m 3 -o /dev/null "http://[$VA]:8080/" || fail "the client's fetch"; done
for _ in $(seq 50); do # what tcpdump received may reach the file late on a loaded machine
    [ "$(tcpdump -nr "$T/cap.pcap" "src net $P64::/64" 2>/dev/null | wc -l)" -ge $((3 * N)) ] && break
    sleep 0.1
done
kill -INT $TD; wait $TD 2>/dev/null
grep -q '^0 packets dropped' "$T/tcpdump.err" || echo "note: tcpdump: $(grep dropped "$T/tcpdump.err")"
echo "nmap: $N runs in $((($(date +%s%N) - started) / 1000000)) ms"

netns_synlog_read "$PFX" > "$T/nf.log"
nlog=$(wc -l < "$T/nf.log")
[ "$nlog" -ge $((3 * N)) ] || fail "$nlog SYNs in the kernel log (nf_log in a namespace?), $((3 * N + 4)) sent"

for f in cap.pcap nf.log; do
    "$WW" analyze --format json "$T/$f" > "$T/$f.json" 2>"$T/$f.err" || fail "analyze $f: $(cat "$T/$f.err")"
    "$WW" analyze --format json --v6-prefix 128 "$T/$f" > "$T/$f.128.json" 2>>"$T/$f.err" || fail "analyze --v6-prefix 128 $f"
done
python3 - "$T" "$N" "$P64" "$CA" <<'PY' || exit 1
import ipaddress, json, sys
T, N, P64, CA = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
net = ipaddress.ip_network(P64 + "::/64")
def inside(src):
    return ipaddress.ip_network(src, strict=False).subnet_of(net) if ":" in src else False
bad = []
for f in ("cap.pcap", "nf.log"):
    d = json.load(open("%s/%s.json" % (T, f)))
    mine = [s for s in d["scanners"] if inside(s["src"])]
    print("%-8s %d events; scanners of the /64: %s" % (f, d["input"]["events"], "; ".join(
        "%s %s %s probes %d ports %d addresses %s %s" % (s["src"], s["kind"], s.get("method"), s["probes"],
        s["ports"], s.get("addresses"), "slow" if s.get("slow") else "") for s in mine) or "none"))
    if len(mine) != 1:
        bad.append("%s: %d scanners of the /64, want one: %s" % (f, len(mine), [s["src"] for s in mine]))
    else:
        s = mine[0]
        if s["src"] != P64 + "::/64":
            bad.append("%s: src %s, want %s::/64" % (f, s["src"], P64))
        if s.get("addresses") != N:
            bad.append("%s: addresses %s, want %d" % (f, s.get("addresses"), N))
        if s["ports"] < 100:
            bad.append("%s: %d ports, want most of the %d scanned" % (f, s["ports"], 3 * N))
    if any(s["src"] == CA for s in d["scanners"]):
        bad.append("%s: the client %s is a scanner" % (f, CA))
    d = json.load(open("%s/%s.128.json" % (T, f)))
    mine = [s["src"] for s in d["scanners"] if inside(s["src"])]
    print("%-8s --v6-prefix 128: scanners of the /64: %s" % (f, mine or "none"))
    if mine:
        bad.append("%s --v6-prefix 128: %d scanners of the /64, want none: %s" % (f, len(mine), mine[:5]))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY

# sensor --block following the kernel log: real packets from the /64 dropped
"$WW" sensor --help 2>&1 | grep -q -- --block-allow || fail "sensor has no --block-allow"
ip netns exec $V python3 "$HERE/standin_collector.py" "$T" k1 & netns_at_exit $!
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
[ -s "$T/port" ] || fail "the stand-in collector did not start"
: > "$T/sensor.err"
ip netns exec $V "$WW" sensor --collector "http://127.0.0.1:$(cat "$T/port")" --key k1 --state "$T/state" \
    --flush 0.2 --block --block-allow $P64::5 --block-ttl 1h "$T/nf.log" 2>> "$T/sensor.err" & netns_at_exit $!
for _ in $(seq 100); do grep -q 'block:' "$T/sensor.err" && break; sleep 0.1; done
grep -qx "wormwatch sensor: block: blocked $P64::/64 for 1h, but for --allow $P64::5" "$T/sensor.err" ||
    fail "the sensor's blocks: $(cat "$T/sensor.err")"
reach() { # NS SRC: a connection from SRC to the victim's web server
    ip netns exec "$1" curl -s -m 2 -o /dev/null --interface "$2" "http://[$VA]:8080/"
}
reach $S $P64::beef && fail "an unused address of the blocked /64 still reaches the victim"
reach $S $P64::1000 && fail "a scanning address of the blocked /64 still reaches the victim"
reach $S $P64::5 || fail "the allowed address $P64::5 is blocked too"
reach $C $CA || fail "the client $CA is blocked"
echo "ok: hide_v6 (one scanner $P64::/64 of $N addresses from the capture and the log, none per address; the sensor's block drops the /64 but the allowed address)"
