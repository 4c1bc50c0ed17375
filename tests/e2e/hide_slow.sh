#!/usr/bin/env bash
# Issue 18 with real tools: a slow scan logged by nftables. In namespaces
# this test makes, real nmap -sS --scan-delay 400ms probes 30 ports of the
# victim V, one at a time, while a benign client C fetches a page from V's
# one open port a few times. V logs every SYN with nftables (`log prefix ...
# flags tcp options`, read back from the kernel log:
# net.netfilter.nf_log_all_netns is set for the run and put back); the log
# says nothing of outcomes, so only the thresholds can call (no TRW).
# The scan is scaled by the detector's options, not by waiting hours: a
# threshold window of 1s (--window's least) with a vertical threshold of 5
# ports (--port-threshold 5: nmap's delay leaves at most 3 probes in any
# second, so even this tight window never fires) and a horizon of a minute
# (--slow-horizon 1m --slow-port-threshold 20). analyze must report the
# scanner with "slow": true, kind vertical, most of its 30 ports and a span
# matching the scan's duration in the log; never the client; with --slow-horizon 0 (the
# window alone) not the scanner; with the defaults (a 5-minute window) the
# scanner, not slow. Exit 77 (SKIP, with the reason) without root,
# namespaces or a tool; an analyze without --slow-horizon fails.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip nft nmap curl dmesg sysctl python3; do
    command -v $t >/dev/null || { echo "SKIP: $t is missing (scripts/deps.sh installs it)"; exit 77; }
done
"$WW" analyze --help 2>&1 | grep -q -- --slow-horizon ||
    { echo "FAIL: analyze keeps no long horizon (no --slow-horizon)"; exit 1; }
. "$(dirname "$0")/netns.bash"
netns_workdir
fail() { echo "FAIL: $*"; exit 1; }

NET=198.18.$((100 + $$ % 100)) # our own /24 of the benchmarking range
SA=$NET.10 VA=$NET.50 CA=198.19.$((100 + $$ % 100)).20
netns_add S V C
netns_link S $SA/24 V $VA/24
netns_link C $CA/24 V ${CA%.*}.1/24
ip -n $C route add $VA/32 via ${CA%.*}.1 || fail "route C"

PFX="ww18slow-$$: " # our lines in a kernel log others write too
netns_synlog $V "$PFX" "ip daddr $VA"
mkdir "$T/www"; echo hello > "$T/www/index.html"
ip netns exec $V python3 -m http.server 8080 --bind $VA --directory "$T/www" >/dev/null 2>&1 &
for _ in $(seq 50); do ip netns exec $V ss -ltn | grep -q ":8080 " && break; sleep 0.1; done

# the client, beside the scan: five fetches, two seconds apart
( for _ in 1 2 3 4 5; do
      ip netns exec $C curl -s -m 3 -o /dev/null "http://$VA:8080/" || echo "fetch failed" >> "$T/client.err"
      sleep 2
  done ) &
CL=$!
started=$(date +%s%N)
ip netns exec $S nmap -n -Pn -sS --scan-delay 400ms --max-retries 0 -p 2001-2030 $VA >"$T/nmap.txt" 2>&1 ||
    fail "nmap: $(cat "$T/nmap.txt")"
took=$((($(date +%s%N) - started) / 1000000))
wait $CL
[ -s "$T/client.err" ] && fail "the client's fetches: $(cat "$T/client.err")"
echo "nmap --scan-delay 400ms over 30 ports: $took ms"

netns_synlog_read "$PFX" > "$T/nf.log"
nlog=$(grep -c " SRC=$SA " "$T/nf.log")
[ "$nlog" -ge 30 ] || fail "$nlog of the scan's 30 SYNs in the kernel log (nf_log in a namespace?)"
[ "$(grep -c " SRC=$CA " "$T/nf.log")" -ge 5 ] || fail "the client's SYNs are not in the kernel log"

WINDOW="--window 1s --port-threshold 5"
SLOW="$WINDOW --slow-horizon 1m --slow-port-threshold 20"
"$WW" analyze --format json $SLOW "$T/nf.log" > "$T/slow.json" || fail "analyze $SLOW"
"$WW" analyze --format json $WINDOW --slow-horizon 0 "$T/nf.log" > "$T/window.json" || fail "analyze --slow-horizon 0"
"$WW" analyze --format json "$T/nf.log" > "$T/defaults.json" || fail "analyze"
python3 - "$T" "$SA" "$CA" "$took" <<'PY' || exit 1
import json, re, sys
T, SA, CA, took = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) / 1000
# the scan's duration as the log has it: its first and last SYN's [uptime]
stamps = [float(m.group(1)) for line in open(T + "/nf.log") if " SRC=%s " % SA in line
          for m in [re.match(r"\[\s*(\d+\.\d+)\]", line)] if m]
logged = max(stamps) - min(stamps)
bad = []
def scanners(name):
    d = json.load(open("%s/%s.json" % (T, name)))
    return {s["src"]: s for s in d["scanners"]}
for name in ("slow", "window", "defaults"):
    sc = scanners(name)
    s = sc.get(SA)
    print("%-8s the scan: %s; the client: %s" % (name, "%s %s ports %d probes %d%s" % (
        s["kind"], s.get("method"), s["ports"], s["probes"],
        ", slow, span %s s" % s.get("span") if s.get("slow") else "") if s else "not reported",
        "REPORTED" if CA in sc else "not reported"))
    if CA in sc:
        bad.append("%s: the client %s is a scanner" % (name, CA))
    if name == "slow":
        if not s:
            bad.append("slow: the scan is not reported")
        elif not s.get("slow") or s["kind"] != "vertical" or s["ports"] < 25:
            bad.append("slow: %s" % s)
        elif abs(s.get("span", -99) - logged) > 1.5:
            bad.append("slow: span %s s, the log's scan took %.1f s" % (s.get("span"), logged))
    elif name == "window" and s:
        bad.append("window alone (--slow-horizon 0): the scan is reported: %s" % s)
    elif name == "defaults" and (not s or s.get("slow")):
        bad.append("defaults: the 5-minute window should call the scan, not slow: %s" % s)
print("the scan: %.1f s in the log (nmap ran %.1f s)" % (logged, took))
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
echo "ok: hide_slow"
