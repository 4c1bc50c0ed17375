#!/usr/bin/env bash
# Scanners that hide (issue 18), made by real tools in namespaces this test
# makes (tests/e2e/netns.bash) and captured by tcpdump on the victim:
# - nmap -6 from 20 addresses of 2001:db8:77:1::/64 on the scanner's
#   interface, 5 ports each (one nmap per address, -S): no address does
#   enough to be a scanner; grouped per /64 (the default) they are one
#   vertical scanner, reported as the prefix with its 20 addresses; at
#   --v6-prefix 128 nothing is called;
# - nmap --scan-delay 500ms over 30 ports from 198.18.0.10: a slow scan at
#   the test's scale (analyze's --window 2s sees at most 4 ports in a window;
#   --slow-horizon 2m with --slow-port-threshold 20 calls it, slow, once).
# A client's HTTP fetches from 198.18.1.20 are never a scanner.
# Exit 77 (SKIP, saying why) when namespaces cannot be made.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nmap tcpdump python3; do command -v $t >/dev/null || { echo "missing $t"; exit 1; }; done
. "$(dirname "$0")/netns.bash"
T=$(mktemp -d)
trap 'netns_cleanup; rm -rf "$T"' EXIT
netns_add S V C
src6=""
for i in $(seq 1 20); do src6="$src6,2001:db8:77:1::$((i * 37)):$i/64"; done
netns_link S "198.18.0.10/24${src6}" V "198.18.0.50/24,2001:db8:77:1::50/64"
netns_link C 198.18.1.20/24 V 198.18.1.50/24
mkdir "$T/www"; echo hello > "$T/www/index.html"
ip netns exec $V python3 -m http.server 8080 --bind 0.0.0.0 --directory "$T/www" >/dev/null 2>&1 &
ip netns exec $V tcpdump -i any -U -w "$T/cap.pcap" 'tcp or udp or icmp or icmp6' >/dev/null 2>&1 &
TD=$!
for i in $(seq 1 50); do
    ip netns exec $V ss -ltn 2>/dev/null | grep -q ':8080 ' && break
    sleep 0.2
done
sleep 0.5 # let tcpdump start capturing
for i in 1 $(seq 1 20); do # the first twice: its first probes can go while nmap finds the victim's MAC
    p=$(( (i - 1) * 5 + 1 ))
    ip netns exec $S nmap -6 -n -Pn -sS -S "2001:db8:77:1::$((i * 37)):$i" -e v-V -p $p-$((p + 4)) \
        -T4 --max-retries 0 2001:db8:77:1::50 >> "$T/nmap6.txt" 2>&1 || { cat "$T/nmap6.txt"; exit 1; }
done
ip netns exec $S nmap -n -Pn -sS --scan-delay 500ms -p 1001-1030 --max-retries 0 198.18.0.50 > "$T/nmap4.txt" 2>&1 ||
    { cat "$T/nmap4.txt"; exit 1; }
for i in $(seq 1 5); do
    ip netns exec $C python3 -c "import urllib.request;urllib.request.urlopen('http://198.18.1.50:8080/',timeout=3).read()" || echo "client fetch failed"
done
sleep 1
kill -INT $TD; wait $TD 2>/dev/null
grep -q "Nmap done: 1 IP address (1 host up)" "$T/nmap4.txt" || { echo "nmap --scan-delay did not finish:"; cat "$T/nmap4.txt"; exit 1; }
fail=0
"$WW" analyze --format json "$T/cap.pcap" > "$T/grouped.json" || exit 1
"$WW" analyze --format json --v6-prefix 128 "$T/cap.pcap" > "$T/alone.json" || exit 1
"$WW" analyze --format json --window 2s --slow-horizon 2m --slow-port-threshold 20 "$T/cap.pcap" > "$T/slow.json" || exit 1
"$WW" analyze --format json --window 2s --slow-horizon 0 "$T/cap.pcap" > "$T/noslow.json" || exit 1
python3 - "$T" <<'PY' || fail=1
import json, sys
t = sys.argv[1]
def scanners(name):
    return {s["src"]: s for s in json.load(open("%s/%s.json" % (t, name)))["scanners"]}
g = scanners("grouped")
assert "2001:db8:77:1::/64" in g, "the /64 not called: %s" % list(g)
s = g["2001:db8:77:1::/64"]
assert s["kind"] == "vertical" and s["addresses"] == 20 and s["ports"] >= 95, s
assert not any(k.startswith("2001:db8:77:1:") and k != s["src"] for k in g), "an address of the /64 alone: %s" % list(g)
assert "198.18.1.20" not in g and "2001:db8:77:1::50" not in g, list(g)
print("ok: nmap -6 from 20 addresses of one /64 is one scanner:", s["src"], s["kind"], s["ports"], "ports,", s["addresses"], "addresses")
a = scanners("alone")
assert not any(k.startswith("2001:db8:77:1") for k in a), "at --v6-prefix 128: %s" % list(a)
print("ok: at --v6-prefix 128 none of them is a scanner")
sl = scanners("slow")
s = sl.get("198.18.0.10")
assert s and s.get("slow") is True and s["kind"] == "vertical" and s["span"] >= 10, s
assert [x for x in json.load(open(t + "/slow.json"))["scanners"] if x["src"] == "198.18.0.10"] == [s]
assert "198.18.1.20" not in sl, list(sl)
print("ok: nmap --scan-delay 500ms over 30 ports is a slow vertical scan, span %d s" % s["span"])
n = scanners("noslow")
assert "198.18.0.10" not in n, n.get("198.18.0.10")
print("ok: without the horizon (and a 2 s window) it is not called")
PY
exit $fail
