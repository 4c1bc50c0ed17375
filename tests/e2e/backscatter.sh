#!/usr/bin/env bash
# Backscatter from real tools: hping3 floods a victim with spoofed random
# sources, the victim's kernel answers them, and a "telescope" that owns
# none of those addresses receives the answers: SYN-ACKs from an open port
# (a SYN flood) and ICMP port unreachables from a closed one (a UDP flood).
# The victim's route to everywhere is the telescope (the spoofed sources
# are "routed to the telescope"), where tcpdump records what arrives.
# `analyze` must report the victim under backscatter (tcp and icmp, with
# records and targets) and never as a scanner (Moore, Voelker and Savage,
# USENIX Security 2001). Hosts live in network namespaces this test makes
# (tests/e2e/netns.bash; 198.18.0.0/15, the benchmarking range) and removes.
# Exit 77 (SKIP, with the reason) when namespaces cannot be made.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip hping3 tcpdump python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
. "$(dirname "$0")/netns.bash"
D=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$D"' EXIT
SYNS=${SYNS:-400}   # spoofed SYNs to the open port
UDPS=${UDPS:-300}   # spoofed UDP datagrams to a closed port
netns_add A V TEL
netns_link A 198.18.0.10/24 V 198.18.0.50/24
netns_link V 198.18.1.50/24 TEL 198.18.1.1/24
# the victim answers anyone: no reverse-path filter, no ICMP rate limit,
# and every reply leaves towards the telescope
for k in net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
         net.ipv4.conf.v-A.rp_filter=0 net.ipv4.icmp_ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
         net.ipv4.icmp_msgs_burst=100000 net.ipv4.tcp_syncookies=1; do
    ip netns exec $V sysctl -qw "$k" 2>/dev/null || echo "note: sysctl $k not set in the victim"
done
ip -n $V route add default via 198.18.1.1 || { echo "no default route in the victim"; exit 1; }
ip -n $A route add default via 198.18.0.50 || exit 1
mkdir "$D/www"
ip netns exec $V python3 -m http.server 8080 --bind 0.0.0.0 --directory "$D/www" >/dev/null 2>&1 &
ip netns exec $TEL tcpdump -i v-V -n -U -w "$D/telescope.pcap" 'tcp or icmp' >"$D/tcpdump.err" 2>&1 &
TD=$!
for i in $(seq 1 50); do
    ip netns exec $V ss -ltn 2>/dev/null | grep -q ':8080 ' && break
    sleep 0.2
done
sleep 1 # let tcpdump start capturing
ip netns exec $A hping3 -q -I v-V --rand-source -S -p 8080 -c "$SYNS" -i u2000 198.18.0.50 \
    > "$D/hping3.txt" 2>&1
ip netns exec $A hping3 -q -I v-V --rand-source --udp -p 9999 -c "$UDPS" -i u2000 198.18.0.50 \
    >> "$D/hping3.txt" 2>&1
sleep 2
kill -INT $TD; wait $TD 2>/dev/null
cat "$D/tcpdump.err" | grep -E "packets (captured|received)" || true
"$WW" analyze --format json "$D/telescope.pcap" > "$D/out.json" || { echo "analyze failed"; exit 1; }
"$WW" analyze --format text "$D/telescope.pcap" > "$D/out.txt" || { echo "analyze (text) failed"; exit 1; }
python3 - "$D/out.json" "$D/out.txt" "$SYNS" "$UDPS" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
syns, udps = int(sys.argv[3]), int(sys.argv[4])
victim = "198.18.0.50"
bs = d["backscatter"]
print("backscatter:", json.dumps(bs))
by = {(b["victim"], b["proto"]): b for b in bs}
# --rand-source draws from all of IPv4: a few sources the victim does not
# answer (martians), or draws twice; its SYN-ACKs are one event per spoofed
# (address, port), retransmissions folded. Measured: 388 of 400, 275 of 300
tcp = by.get((victim, "tcp"))
assert tcp, "no tcp backscatter from the victim: %s" % bs
assert tcp["records"] >= syns // 2, tcp
assert tcp["targets"] >= syns // 2, tcp
icmp = by.get((victim, "icmp"))
assert icmp, "no icmp backscatter from the victim: %s" % bs
assert icmp["records"] >= udps // 2, icmp
assert icmp["targets"] >= udps // 2, icmp
assert len(bs) == 2, "backscatter from others: %s" % bs
for b in bs:
    assert b["start"] <= b["end"], b
assert not any(s["src"] == victim for s in d["scanners"]), "victim called a scanner: %s" % d["scanners"]
assert not d["surges"], d["surges"]
assert "Backscatter" in text and victim in text.split("Backscatter", 1)[1], text
print("ok: victim %s answered %d SYNs with %d SYN-ACKs and %d UDPs with %d unreachables seen"
      % (victim, syns, tcp["records"], udps, icmp["records"]))
PY
