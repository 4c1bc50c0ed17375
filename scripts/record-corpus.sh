#!/usr/bin/env bash
# record-corpus.sh -- records the project's own real corpus (tests/corpus/netns/)
# from real tools between network namespaces. Run as root on a Debian host that
# allows `ip netns add` and reads /dev/kmsg:
#
#     sudo scripts/record-corpus.sh [OUTDIR]      # OUTDIR default tests/corpus/netns
#
# Three namespaces (all names start with wwrec-, all removed on exit):
#   wwrec-scan  the scanners: 192.0.2.10-15/24 and 2001:db8:aa::10/64 on wwrec-s0
#   wwrec-cli   a benign client: 198.51.100.20/24 and 2001:db8:bb::20/64 on wwrec-c0
#   wwrec-vic   the victim, a host with two links (wwrec-vs: 192.0.2.1, 2001:db8:aa::1;
#               wwrec-vc: 198.51.100.1, 2001:db8:bb::1) and its service addresses
#               203.0.113.50-81/32, 2001:db8:cc::50/128 and ::51/128 on its loopback
#               (behind the link to the scanners, as if routed). A web server (python3 -m http.server) listens on port 80
#               of every address; nftables accepts 80/tcp, established traffic and
#               ICMP, and logs and drops everything else with two rules:
#                 203.0.113.51 and 2001:db8:cc::51:
#                     log prefix "WWREC-OPT-DROP: " flags tcp options   (OPT (...) in the line)
#                 every other address:
#                     log prefix "WWREC-DROP: "                         (no TCP options)
#               Every nmap scan below targets both .50 and .51 (::50 and ::51), so
#               each scan is recorded under both rules.
#
# The traffic, one scanner address per tool so that each scanner's kind, flags and
# protocol are known exactly (the scanner's route source is switched between steps):
#   192.0.2.10       nmap -sS  -p 1-150  203.0.113.50,51    (port 80 open)
#   192.0.2.11       nmap -sT  -p 1-100  203.0.113.50,51    (connect scan)
#   192.0.2.12       nmap -sU  -p 1-60   203.0.113.50,51
#   192.0.2.13       nmap -sF  -p 1-100  203.0.113.50,51
#   2001:db8:aa::10  nmap -6 -sS -p 1-100 2001:db8:cc::50,51
#   192.0.2.14       masscan 203.0.113.50-81 ports 23,80,139,445 (a horizontal sweep)
#   192.0.2.15       hping3 -S -p 25 -c 300 203.0.113.52 (a SYN flood from one source)
#   random sources   hping3 -S --rand-source -p 8080 -c 300 203.0.113.53 (a spoofed SYN flood)
#   198.51.100.20    15 successful HTTP GETs of 203.0.113.50:80, 2 attempts at :8080 (dropped)
#   2001:db8:bb::20  15 successful HTTP GETs of [2001:db8:cc::50]:80
#
# What is kept (OUTDIR):
#   victim.pcap      tcpdump -i any on the victim (Linux cooked, snaplen 128), IP only
#   kernel.dmesg     `dmesg --follow` output: [uptime] PREFIX IN=...
#   kernel.syslog    rsyslogd (own config, imkmsg reading /dev/kmsg, traditional file
#                    format): Mon DD HH:MM:SS host kernel: PREFIX IN=...
#   kernel.journal   systemd-journald (own config and runtime directory, in a private
#                    mount namespace, reading /dev/kmsg) into a journal file, printed by
#                    `journalctl --file ... -k -o short`
#   tools.log        what nmap, masscan, hping3 and the client printed
#   versions.txt     kernel and tool versions of this recording
# The three log forms keep only this recording's lines: those between two markers
# written to /dev/kmsg at start and end, and carrying one of the two prefixes.
# The kernel prints LOG lines from a non-init namespace only with
# net.netfilter.nf_log_all_netns=1; it is set for the recording and restored.
set -eu

[ "$(id -u)" = 0 ] || { echo "record-corpus.sh: run as root" >&2; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/tests/corpus/netns}

export DEBIAN_FRONTEND=noninteractive
PKGS="nmap masscan hping3 tcpdump nftables iproute2 rsyslog systemd systemd-journal-remote python3 util-linux"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    apt-get -o DPkg::Lock::Timeout=900 update -qq
    apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends $missing
fi
JOURNALD=
for p in /lib/systemd/systemd-journald /usr/lib/systemd/systemd-journald; do
    [ -x "$p" ] && JOURNALD=$p && break
done
[ -n "$JOURNALD" ] || { echo "record-corpus.sh: no systemd-journald" >&2; exit 1; }

S=wwrec-scan C=wwrec-cli V=wwrec-vic
T=$(mktemp -d /tmp/wwrec.XXXXXX)
chmod 755 "$T"
PIDS=""
OLD_NFLOG=$(sysctl -n net.netfilter.nf_log_all_netns)
cleanup() {
    set +e
    for p in $PIDS; do kill "$p" 2>/dev/null; done
    for p in $PIDS; do wait "$p" 2>/dev/null; done
    for n in $S $C $V; do ip netns del $n 2>/dev/null; done
    sysctl -qw net.netfilter.nf_log_all_netns="$OLD_NFLOG"
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# leftovers of an interrupted run
for n in $S $C $V; do ip netns del $n 2>/dev/null || true; done

RUN="$(date +%s)-$$"
mark() { echo "<5>WWREC-MARK $1 $RUN" > /dev/kmsg; }

# --- the kernel log readers, started before any traffic -------------------
# dmesg, as it prints the kernel log
dmesg --follow > "$T/dmesg.all" 2>/dev/null &
PIDS="$PIDS $!"
# rsyslogd with its own configuration: imkmsg reads /dev/kmsg
mkdir "$T/rsyslog"
cat > "$T/rsyslog/rsyslog.conf" <<EOF
global(workDirectory="$T/rsyslog")
module(load="imkmsg")
*.* action(type="omfile" file="$T/syslog.all" template="RSYSLOG_TraditionalFileFormat")
EOF
rsyslogd -n -f "$T/rsyslog/rsyslog.conf" -i "$T/rsyslog/rsyslogd.pid" &
PIDS="$PIDS $!"
# systemd-journald in a private mount namespace: its own configuration and its
# own /run/systemd and /run/log (the journal file lands in $T/jlog), so the
# host's logging is not touched
mkdir "$T/jrun" "$T/jlog"
cat > "$T/journald.conf" <<'EOF'
[Journal]
Storage=volatile
ReadKMsg=yes
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
RuntimeMaxUse=256M
EOF
unshare -m --propagation private sh -c '
    mkdir -p /run/systemd /run/log
    mount --bind "$1/jrun" /run/systemd && mount --bind "$1/jlog" /run/log &&
    mount --bind "$1/journald.conf" /etc/systemd/journald.conf && exec "$2"' sh "$T" "$JOURNALD" \
    > "$T/journald.out" 2>&1 &
JPID=$!
PIDS="$PIDS $JPID"
sleep 2

# --- the namespaces -------------------------------------------------------
sysctl -qw net.netfilter.nf_log_all_netns=1
for n in $S $C $V; do ip netns add $n; ip -n $n link set lo up; done
ip link add wwrec-s0 address 02:77:00:00:00:10 type veth peer name wwrec-vs address 02:77:00:00:00:01
ip link add wwrec-c0 address 02:77:00:00:00:20 type veth peer name wwrec-vc address 02:77:00:00:00:02
ip link set wwrec-s0 netns $S; ip link set wwrec-vs netns $V
ip link set wwrec-c0 netns $C; ip link set wwrec-vc netns $V
for n in $S $C $V; do
    ip netns exec $n sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
ip netns exec $V sysctl -qw net.ipv4.conf.wwrec-vs.rp_filter=0 net.ipv4.conf.wwrec-vc.rp_filter=0
for i in 10 11 12 13 14 15; do ip -n $S addr add 192.0.2.$i/24 dev wwrec-s0; done
ip -n $S addr add 2001:db8:aa::10/64 dev wwrec-s0 nodad
ip -n $C addr add 198.51.100.20/24 dev wwrec-c0
ip -n $C addr add 2001:db8:bb::20/64 dev wwrec-c0 nodad
ip -n $V addr add 192.0.2.1/24 dev wwrec-vs
ip -n $V addr add 2001:db8:aa::1/64 dev wwrec-vs nodad
ip -n $V addr add 198.51.100.1/24 dev wwrec-vc
ip -n $V addr add 2001:db8:bb::1/64 dev wwrec-vc nodad
for i in $(seq 50 81); do ip -n $V addr add 203.0.113.$i/32 dev lo; done
ip -n $V addr add 2001:db8:cc::50/128 dev lo nodad
ip -n $V addr add 2001:db8:cc::51/128 dev lo nodad
ip -n $S link set wwrec-s0 up; ip -n $C link set wwrec-c0 up
ip -n $V link set wwrec-vs up; ip -n $V link set wwrec-vc up
ip -n $S route add 203.0.113.0/24 via 192.0.2.1 src 192.0.2.10
ip -n $S -6 route add 2001:db8:cc::/64 via 2001:db8:aa::1 src 2001:db8:aa::10
ip -n $C route add 203.0.113.0/24 via 198.51.100.1 src 198.51.100.20
ip -n $C -6 route add 2001:db8:cc::/64 via 2001:db8:bb::1 src 2001:db8:bb::20
ip netns exec $V nft -f - <<'EOF'
table inet wwrec {
    chain input {
        type filter hook input priority filter; policy drop;
        iif "lo" accept
        ct state established,related accept
        meta l4proto { icmp, ipv6-icmp } accept
        tcp dport 80 accept
        ip daddr 203.0.113.51 log prefix "WWREC-OPT-DROP: " flags tcp options drop
        ip6 daddr 2001:db8:cc::51 log prefix "WWREC-OPT-DROP: " flags tcp options drop
        log prefix "WWREC-DROP: " drop
    }
}
EOF
ip netns exec $V nft list ruleset > "$T/ruleset.nft"

mkdir "$T/www"; echo "wwrec" > "$T/www/index.html"
ip netns exec $V python3 -m http.server 80 --bind :: --directory "$T/www" > /dev/null 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 1 50); do
    ip netns exec $V ss -ltn 2>/dev/null | grep -q ':80 ' && break
    sleep 0.2
done
ip netns exec $V tcpdump -i any -n -s 128 -U -w "$T/victim.pcap" 'ip or ip6' > /dev/null 2> "$T/tcpdump.err" &
TD=$!
PIDS="$PIDS $TD"
sleep 2

# --- the recording ----------------------------------------------------------
mark start
tool() { echo "### $*" >> "$T/tools.log"; "$@" >> "$T/tools.log" 2>&1 || echo "(exit $?)" >> "$T/tools.log"; sleep 1; }
src() { ip -n $S route replace 203.0.113.0/24 via 192.0.2.1 src "$1"; }
NM="nmap -n -Pn --max-retries 0 --max-rate 300 -e wwrec-s0"
src 192.0.2.10; tool ip netns exec $S $NM -sS -p 1-150 203.0.113.50 203.0.113.51
src 192.0.2.11; tool ip netns exec $S $NM -sT -p 1-100 203.0.113.50 203.0.113.51
src 192.0.2.12; tool ip netns exec $S $NM -sU -p 1-60 203.0.113.50 203.0.113.51
src 192.0.2.13; tool ip netns exec $S $NM -sF -p 1-100 203.0.113.50 203.0.113.51
tool ip netns exec $S $NM -6 -sS -p 1-100 2001:db8:cc::50 2001:db8:cc::51
src 192.0.2.10
tool ip netns exec $S masscan 203.0.113.50-203.0.113.81 -p23,80,139,445 --rate 200 --wait 2 \
    --adapter wwrec-s0 --adapter-ip 192.0.2.14 --adapter-mac 02:77:00:00:00:10 \
    --router-mac 02:77:00:00:00:01 --seed 1
tool ip netns exec $S hping3 -I wwrec-s0 -a 192.0.2.15 -S -p 25 -c 300 -i u3000 203.0.113.52
tool ip netns exec $S hping3 -I wwrec-s0 --rand-source -S -p 8080 -c 300 -i u3000 203.0.113.53
ip netns exec $C python3 - >> "$T/tools.log" 2>&1 <<'EOF'
import socket, urllib.request
ok = 0
for url in ["http://203.0.113.50/"] * 15 + ["http://[2001:db8:cc::50]/"] * 15:
    ok += urllib.request.urlopen(url, timeout=5).read() == b"wwrec\n"
print("### benign client: %d of 30 HTTP GETs answered" % ok)
for i in range(2): # a port that is not open: dropped and logged, twice
    try:
        socket.create_connection(("203.0.113.50", 8080), timeout=1.5)
    except OSError as e:
        print("### benign client: 203.0.113.50:8080:", e)
EOF
sleep 2
mark end
sleep 2

# --- stop, collect ------------------------------------------------------------
kill -INT $TD; wait $TD || true
kill -TERM $JPID; wait $JPID || true
sleep 1 # rsyslog and dmesg have read everything by now
mkdir -p "$OUT"
# the lines of this recording: between the markers, with one of the prefixes
keep() { awk -v run="$RUN" '
    index($0, "WWREC-MARK start " run) { on = 1; next }
    index($0, "WWREC-MARK end " run) { on = 0; next }
    on && /WWREC-(OPT-)?DROP: IN=/' "$1"; }
keep "$T/dmesg.all" > "$OUT/kernel.dmesg"
keep "$T/syslog.all" > "$OUT/kernel.syslog"
journalctl --file "$(find "$T/jlog" -name system.journal | head -1)" -k -o short --no-pager > "$T/journal.all"
keep "$T/journal.all" > "$OUT/kernel.journal"
cp "$T/victim.pcap" "$OUT/victim.pcap"
# masscan redraws its progress line with carriage returns: keep its results only
tr '\r' '\n' < "$T/tools.log" | grep -v -e '^rate: ' -e '^ *$' | sed 's/ *$//' > "$OUT/tools.log"
{
    echo "recorded: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "kernel: $(uname -sr)"
    echo "boot time (for analyze --boot-time with kernel.dmesg): $(date -u -d "$(uptime -s)" +%Y-%m-%dT%H:%M:%SZ)"
    echo "nmap: $(nmap --version | head -1)"
    echo "masscan: $(masscan --version 2>&1 | grep -m1 -i 'masscan version')"
    echo "hping3: $(hping3 --version 2>&1 | head -1)"
    echo "tcpdump: $(tcpdump --version 2>&1 | head -1); $(tcpdump --version 2>&1 | sed -n 2p)"
    echo "nftables: $(nft --version)"
    echo "rsyslogd: $(rsyslogd -v | head -1)"
    echo "systemd-journald, journalctl: $(journalctl --version | head -1)"
    echo "dmesg: $(dmesg --version)"
    echo "python3: $(python3 --version)"
    echo "victim ruleset:"
    sed 's/^/    /' "$T/ruleset.nft"
} > "$OUT/versions.txt"
for f in kernel.dmesg kernel.syslog kernel.journal; do
    n=$(wc -l < "$OUT/$f")
    echo "$f: $n lines"
    [ "$n" -gt 0 ] || { echo "record-corpus.sh: no kernel lines in $f" >&2; exit 1; }
done
echo "victim.pcap: $(stat -c %s "$OUT/victim.pcap") bytes"
du -sh "$OUT"
