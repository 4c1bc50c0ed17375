#!/usr/bin/env bash
# Real tools as peers: nmap scans a victim namespace while tcpdump captures on
# the victim and a benign client fetches a page over HTTP; wormwatch must name
# the scanner and not the client. Hosts live in network namespaces this test
# creates (198.18.0.0/15, the benchmarking range) and removes.
# Exit 77 (reported as SKIP, never as a pass) when namespaces cannot be made.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nmap tcpdump python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
id=$$; S=wwscan$id; V=wwvic$id; C=wwcli$id
T=$(mktemp -d)
cleanup() {
    [ -n "${TD:-}" ] && kill "$TD" 2>/dev/null
    [ -n "${HS:-}" ] && kill "$HS" 2>/dev/null
    ip netns del $S 2>/dev/null; ip netns del $V 2>/dev/null; ip netns del $C 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
ip netns add $S 2>/dev/null || { echo "cannot create network namespaces here"; exit 77; }
ip netns add $V && ip netns add $C || exit 1
set -e
ip link add s$id type veth peer name vs$id
ip link add c$id type veth peer name vc$id
ip link set s$id netns $S; ip link set vs$id netns $V
ip link set c$id netns $C; ip link set vc$id netns $V
ip -n $S addr add 198.18.0.10/24 dev s$id
ip -n $V addr add 198.18.0.50/24 dev vs$id
ip -n $C addr add 198.18.1.20/24 dev c$id
ip -n $V addr add 198.18.1.50/24 dev vc$id
for n in $S $V $C; do ip -n $n link set lo up; done
ip -n $S link set s$id up; ip -n $V link set vs$id up
ip -n $C link set c$id up; ip -n $V link set vc$id up
mkdir "$T/www"; echo hello > "$T/www/index.html"
ip netns exec $V python3 -m http.server 8080 --bind 0.0.0.0 --directory "$T/www" >/dev/null 2>&1 &
HS=$!
ip netns exec $V tcpdump -i any -U -w "$T/cap.pcap" 'tcp or udp or icmp' >/dev/null 2>&1 &
TD=$!
for i in $(seq 1 50); do
    ip netns exec $V ss -ltn 2>/dev/null | grep -q ':8080 ' && break
    sleep 0.2
done
sleep 0.5 # let tcpdump start capturing
set +e
ip netns exec $S nmap -n -Pn -sS -p 1-200,8080 -T4 --max-retries 1 198.18.0.50 > "$T/nmap.txt" 2>&1
ip netns exec $S nmap -n -Pn -sU -p 53,67,123,137,161 -T4 --max-retries 0 198.18.0.50 >> "$T/nmap.txt" 2>&1
for i in $(seq 1 10); do
    ip netns exec $C python3 -c "import urllib.request;urllib.request.urlopen('http://198.18.1.50:8080/',timeout=3).read()" || echo "client fetch failed"
done
sleep 1
kill -INT $TD; wait $TD 2>/dev/null; TD=
grep -q "8080/tcp open" "$T/nmap.txt" || { echo "nmap did not see the open port:"; cat "$T/nmap.txt"; exit 1; }
"$WW" analyze --format json "$T/cap.pcap" > "$T/out.json" || exit 1
python3 - "$T/out.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
sc = {s["src"]: s for s in d["scanners"]}
assert "198.18.0.10" in sc, "nmap source not found: %s" % list(sc)
s = sc["198.18.0.10"]
assert s["ports"] >= 150, s
assert s["kind"] == "vertical", s
assert "udp" in s["proto"] and "tcp" in s["proto"], s
assert "198.18.1.20" not in sc, "benign client called a scanner"
p = [x for x in d["ports"] if x["port"] == 8080 and x["proto"] == "tcp"]
assert p and p[0]["sources"] == 2, p
print("ok: scanner", s)
PY
