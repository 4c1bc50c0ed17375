#!/usr/bin/env bash
# Passive OS fingerprints against p0f itself, SYN by SYN, on recorded
# captures: the project's (tests/corpus/netns/victim.pcap) and the shared
# corpus's nmap scans (../shared/corpus/netns-nmap, IPv4 and IPv6; the part
# is skipped, and the test ends SKIP, when the corpus is absent). Every SYN
# that p0f -r reports must get p0f's label and kind of match (exact,
# generic, fuzzy) from tests/tools/osfp.c --each.
#
# Then real stacks and tools. A victim namespace
# V (a bridge, so one capture sees everyone with Ethernet headers) takes SYNs
# from four namespaces, each one sender: the Linux kernel (nmap -sT over a
# few ports and curl to a few more), nmap -sS, hping3 -S over ports, and
# masscan from an address of its own that the kernel of its namespace does
# not hold (--source-ip; masscan answers ARP for it itself). V captures
# with tcpdump and logs with nftables (`log prefix "ww: " flags tcp
# options`, read back from the kernel log: net.netfilter.nf_log_all_netns
# is set for the run, and put back). p0f -r on the capture says, per
# source, what p0f's database calls it; wormwatch must say the same from the
# capture and from the log with options, and from the log with its OPT
# (...) cut out (what iptables writes without --log-tcp-options) only a
# guess or nothing, never a wrong exact OS. wormwatch's answer is read from
# `analyze --p0f-db` (scanners[].os) when analyze has it, and always from
# tests/tools/osfp.c (the matcher over the ingest API, per source, with the
# raw signature: what to read when they differ). Exit 77 (SKIP, with the
# reason) without root, namespaces, p0f's database or one of the tools.
set -u
: "${WW:?WW=path/to/wormwatch}"
DB=/etc/p0f/p0f.fp
[ -r "$DB" ] || { echo "SKIP: $DB (Debian's p0f package) is absent"; exit 77; }
for t in ip nft nmap hping3 masscan curl tcpdump p0f dmesg sysctl python3; do
    command -v $t >/dev/null || { echo "SKIP: $t is missing (scripts/deps.sh installs it)"; exit 77; }
done
TOOL=$(dirname "$WW")/tool_osfp
[ -x "$TOOL" ] || { echo "no $TOOL (build the tests/tools)"; exit 1; }
. "$(dirname "$0")/netns.bash"
netns_workdir
fail() { echo "FAIL: $*"; exit 1; }

# each SYN p0f reports, as p0f says and as wormwatch says: the same
each_syn() { # CAPTURE
    rm -f "$T/each.p0f" # p0f -o appends
    p0f -f "$DB" -r "$1" -o "$T/each.p0f" >"$T/each.out" 2>&1 || fail "p0f -r $1: $(tail -3 "$T/each.out")"
    "$TOOL" --each "$DB" "$1" > "$T/each.ww" || fail "tool_osfp --each $1"
    python3 - "$1" "$T/each.p0f" "$T/each.ww" <<'PY'
import ipaddress, sys
cap, p0f_log, ww_out = sys.argv[1:4]
ip = lambda a: ipaddress.ip_address(a).compressed
p0f = {}
for line in open(p0f_log):
    f = dict(x.split("=", 1) for x in line.strip().split("] ", 1)[-1].split("|") if "=" in x)
    if f.get("mod") != "syn" or f.get("subj") != "cli":
        continue
    (c, cp), (s, sp) = f["cli"].rsplit("/", 1), f["srv"].rsplit("/", 1)
    label = f.get("os") or f.get("app") or "???"
    if label.startswith("NMap "): # p0f's spelling; CONTRACT.md's (and wormwatch's) is nmap
        label = "nmap " + label[5:]
    params = f.get("params", "")
    kind = "fuzzy" if "fuzzy" in params else "generic" if "generic" in params else "exact"
    p0f[(ip(c), int(cp), ip(s), int(sp))] = "-" if label == "???" else kind + " " + label
ww = {}
for line in open(ww_out):
    c, cp, s, sp, kind, label, sig = line.rstrip("\n").split("\t")
    ww[(ip(c), int(cp), ip(s), int(sp))] = ("-" if kind == "none" else kind + " " + label, sig)
both = [k for k in p0f if k in ww]
bad = [(k, p0f[k], ww[k]) for k in both if p0f[k] != ww[k][0]]
labels = sorted(set(p0f[k] for k in both))
print("%s: %d SYNs by p0f, %d of them by wormwatch, %d disagree (%s)" %
      (cap, len(p0f), len(both), len(bad), "; ".join(labels)))
for k, want, got in bad[:10]:
    print("  %s:%d -> %s:%d p0f %s, wormwatch %s [%s]" % (k + (want,) + got))
sys.exit(1 if bad or not p0f or len(both) < 0.95 * len(p0f) else 0)
PY
}
SKIPPED=
each_syn "$(dirname "$0")/../corpus/netns/victim.pcap" || fail "SYNs of the recorded capture"
NMAP=${CORPUS:-../shared/corpus}/netns-nmap/nmap_scans.pcap # the shared corpus, from the project root
if [ -r "$NMAP" ]; then
    each_syn "$NMAP" || fail "SYNs of the shared corpus's nmap scans"
else
    SKIPPED="the shared corpus's netns-nmap/nmap_scans.pcap is not at ${CORPUS:-../shared/corpus}"
fi

NET=198.18.$((100 + $$ % 100)) # our own /24 of the benchmarking range: our lines in a shared kernel log
VA=$NET.1
netns_add V K N H M
ip -n $V link add br0 type bridge || fail "no bridge"
netns_up $V br0 $VA/24
for x in K:11 N:12 H:13 M:14; do
    n=${x%:*}
    netns_link $n $NET.${x#*:}/24 V ""
    ip -n $V link set v-$n master br0 || fail "v-$n not on the bridge"
done
VMAC=$(ip -n $V -br link show br0 | awk '{print $3}')

netns_synlog $V "ww: "

ip netns exec $V tcpdump -i br0 -U -w "$T/cap.pcap" "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn" \
    >/dev/null 2>"$T/tcpdump.err" &
TD=$!
for _ in $(seq 50); do grep -q listening "$T/tcpdump.err" && break; sleep 0.1; done
ip netns exec $V python3 -m http.server 8080 --bind $VA --directory "$T" >/dev/null 2>&1 &
for _ in $(seq 50); do ip netns exec $V ss -ltn | grep -q ":8080 " && break; sleep 0.1; done

# the kernel: connect() scans and a few HTTP fetches
ip netns exec $K nmap -n -Pn -sT -p 20-45,8080 -T4 --max-retries 0 $VA >"$T/nmap-sT.txt" 2>&1 ||
    fail "nmap -sT: $(cat "$T/nmap-sT.txt")"
for p in 8080 81 82; do ip netns exec $K curl -s -m 2 -o /dev/null http://$VA:$p/; done
# nmap's raw SYNs
ip netns exec $N nmap -n -Pn -sS -p 20-45,8080 -T4 --max-retries 0 $VA >"$T/nmap-sS.txt" 2>&1 ||
    fail "nmap -sS: $(cat "$T/nmap-sS.txt")"
# hping3: SYNs to ports 20, 21, ...
ip netns exec $H hping3 -q -S -p ++20 -c 25 -i u20000 $VA >"$T/hping3.txt" 2>&1
# masscan from its own address, to the victim's MAC
ip netns exec $M masscan $VA -p20-45 --rate 500 --wait 1 --adapter v-V --adapter-ip $NET.15 \
    --router-mac "$VMAC" >"$T/masscan.txt" 2>&1 || fail "masscan: $(tail -3 "$T/masscan.txt")"
sleep 0.5
kill -INT $TD; wait $TD 2>/dev/null

# the kernel log since the mark, our victim's lines only
netns_synlog_read "ww: IN=br0 " | grep " DST=$VA " > "$T/nf.log"
sed -E 's/ OPT \([0-9A-F]*\)//' "$T/nf.log" > "$T/nf-noopt.log"
nlog=$(wc -l < "$T/nf.log")
[ "$nlog" -ge 100 ] || fail "$nlog SYNs in the kernel log (nf_log in a namespace?)"
grep -q " OPT (" "$T/nf.log" || fail "no OPT (...) in the kernel log"

# what p0f says, per source: the set of its labels
p0f -f "$DB" -r "$T/cap.pcap" -o "$T/p0f.log" >"$T/p0f.out" 2>&1 || fail "p0f -r: $(tail -3 "$T/p0f.out")"

# what wormwatch says
"$TOOL" "$DB" "$T/cap.pcap" > "$T/tool-pcap.txt" || fail "tool_osfp on the capture"
"$TOOL" "$DB" "$T/nf.log" > "$T/tool-log.txt" || fail "tool_osfp on the log"
"$TOOL" "$DB" "$T/nf-noopt.log" > "$T/tool-noopt.txt" || fail "tool_osfp on the log without options"
ANALYZE=0
if "$WW" analyze --help 2>&1 | grep -q -- --p0f-db; then
    ANALYZE=1
    for f in cap.pcap nf.log nf-noopt.log; do
        "$WW" analyze --format json --p0f-db "$DB" "$T/$f" > "$T/$f.json" || fail "analyze $f"
    done
fi

python3 - "$T" "$NET" "$ANALYZE" <<'PY'
import json, re, sys
T, NET, ANALYZE = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
who = {NET + ".11": "kernel (nmap -sT, curl)", NET + ".12": "nmap -sS",
       NET + ".13": "hping3 -S", NET + ".15": "masscan"}
p0f = {}
for line in open(T + "/p0f.log"):
    # [2026/11/30 12:23:02] mod=syn|cli=198.18.148.11/43542|srv=...|subj=cli|os=...|...
    f = dict(x.split("=", 1) for x in line.strip().split("] ", 1)[-1].split("|") if "=" in x)
    if f.get("mod") != "syn" or f.get("subj") != "cli":
        continue
    src = f["cli"].rsplit("/", 1)[0]
    label = f.get("os") or f.get("app") or "???"
    if label.startswith("NMap "): # p0f's spelling; CONTRACT.md's (and wormwatch's) is nmap
        label = "nmap " + label[5:]
    params = f.get("params", "")
    kind = "fuzzy" if "fuzzy" in params else "generic" if "generic" in params else "exact"
    p0f.setdefault(src, set()).add("-" if label == "???" else kind + " " + label)

def tool(name):
    out = {}
    for line in open(T + "/" + name):
        src, kind, label, sig = line.rstrip("\n").split("\t")
        out[src] = (kind, label, sig)
    return out

pcap, log, noopt = tool("tool-pcap.txt"), tool("tool-log.txt"), tool("tool-noopt.txt")
bad = []
for src, what in sorted(who.items()):
    if src not in p0f:
        bad.append("%s (%s): p0f saw no SYN from it" % (src, what))
        continue
    want = p0f[src]
    for name, got in (("capture", pcap), ("log", log)):
        kind, label, sig = got.get(src, ("absent", "-", ""))
        ok = kind + " " + label in want if label != "-" else want == {"-"}
        print("%-16s %-24s p0f %-28s wormwatch (%s) %s %s  [%s]" %
              (src, what, ",".join(sorted(want)), name, kind, label, sig))
        if not ok:
            bad.append("%s (%s): p0f says %s, wormwatch on the %s %s %s (%s)" %
                       (src, what, sorted(want), name, kind, label, sig))
    kind, label, sig = noopt.get(src, ("absent", "-", ""))
    print("%-16s %-24s without options: %s %s  [%s]" % (src, what, kind, label, sig))
    if kind not in ("guess", "none"):
        bad.append("%s (%s): the log without options gave %s %s" % (src, what, kind, label))
    elif kind == "guess" and want != {"-"} and not any(w.endswith(" " + label) for w in want):
        print("    (a guess that p0f does not share: %s)" % label)
# the kernel and nmap are what p0f's database knows: they must be named, and how
for src, label in ((NET + ".11", "generic Linux 2.2.x-3.x"), (NET + ".12", "exact nmap SYN scan")):
    if label not in p0f.get(src, ()):
        bad.append("%s: p0f itself did not say %s but %s" % (src, label, p0f.get(src)))
if ANALYZE:
    for f, src_of in (("cap.pcap", pcap), ("nf.log", log), ("nf-noopt.log", noopt)):
        d = json.load(open("%s/%s.json" % (T, f)))
        got = {}
        for s in d["scanners"]:
            got.setdefault(s["src"], set()).add(s.get("os"))
            if f == "nf-noopt.log" and s.get("os") and s.get("os_match") != "guess":
                bad.append("analyze %s: %s os %s (%s), not a guess" % (f, s["src"], s["os"], s.get("os_match")))
        for src, (kind, label, sig) in src_of.items():
            print("analyze %-13s %-16s os %s" % (f, src, sorted(got.get(src, {"(not a scanner)"}), key=str)))
            if src not in got:
                continue
            if (label if label != "-" else None) not in got[src]:
                bad.append("analyze %s: %s os %s, the matcher says %s" % (f, src, got[src], label))
if bad:
    print("\n".join("FAIL: " + b for b in bad))
    sys.exit(1)
print("osfp.sh: wormwatch agrees with p0f on %d sources%s" %
      (len(who), " (analyze too)" if ANALYZE else " (analyze has no --p0f-db yet: the matcher alone)"))
PY
[ $? = 0 ] || exit 1
[ -z "$SKIPPED" ] || { echo "SKIP (part): $SKIPPED"; exit 77; }
