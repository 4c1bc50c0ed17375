#!/usr/bin/env bash
# `wormwatch exposure` against real Samba servers, cross-checked by nbtscan
# and nmap's smb-protocols on the same hosts.
#
# Three server namespaces, each with its own smbd + nmbd (Debian's, run in
# the foreground with their own smb.conf and state under a temp dir), joined
# to a client namespace by veth pairs (198.18.0.0/15, the benchmarking range):
#   srv1 198.18.41.2  NetBIOS on, `server min protocol = NT1`  -> 137/139/445, SMB1: high
#   srv2 198.18.42.2  `disable netbios`, `smb ports = 445`      -> only 445 (also over IPv6)
#                     `server signing = mandatory`                  -> low, "NetBIOS is off"
#   srv3 198.18.43.2  NetBIOS on, nftables drops 137/udp, 139/445 -> none
# and srv1 again with 445 dropped: SMB1 found through a session on 139.
# Names and workgroup must agree with nbtscan, the dialects with nmap; any
# disagreement fails. The namespaces are tests/e2e/netns.bash's: exit 77
# (SKIP) only when they cannot be made; a missing tool is a failure. Every
# daemon is ended and every namespace deleted on exit. KEEP=1 leaves them up
# (for debugging) and says where.
set -u
: "${WW:?WW=path/to/wormwatch}"
for t in ip smbd nmbd nbtscan nmap nft python3; do
    command -v $t >/dev/null || { echo "missing $t (install samba nbtscan nmap nftables)"; exit 1; }
done
. "$(dirname "$0")/netns.bash"
T=$(mktemp -d)
trap 'netns_cleanup; [ "${KEEP:-0}" = 1 ] && echo "KEEP=1: dir $T" || rm -rf "$T"' EXIT
netns_add cli srv1 srv2 srv3
SRV=($srv1 $srv2 $srv3)
for i in 1 2 3; do
    netns_link cli 198.18.4$i.1/24,2001:db8:4$i::1/64 srv$i 198.18.4$i.2/24,2001:db8:4$i::2/64
done
CLI=$cli

set -e
# smb.conf for server i: name, extra [global] lines
samba_conf() {
    local i=$1 name=$2 extra=$3
    local d=$T/srv$i
    mkdir -p "$d"/{private,lock,state,cache,pid,share,ncalrpc,nmbd}
    cat > "$d/smb.conf" <<EOF
[global]
    netbios name = $name
    workgroup = WWLAB$i
    server string = wormwatch test $i
    server role = standalone server
    interfaces = 198.18.4$i.2/24 2001:db8:4$i::2/64
    bind interfaces only = yes
    private dir = $d/private
    lock directory = $d/lock
    state directory = $d/state
    cache directory = $d/cache
    pid directory = $d/pid
    ncalrpc dir = $d/ncalrpc
    # each nmbd its own packet-server socket: the default, /run/samba/nmbd,
    # is one path for all (namespaces do not separate it), and two nmbds
    # starting together failed with NT_STATUS_ADDRESS_ALREADY_ASSOCIATED
    nmbd:socket dir = $d/nmbd
    log file = $d/log.%m
    log level = 1
    load printers = no
    printcap name = /dev/null
    disable spoolss = yes
    usershare path =
    map to guest = bad user
    local master = no
    preferred master = no
    domain master = no
$extra
[share]
    path = $d/share
    guest ok = yes
EOF
}
samba_conf 1 SRV1NT1 "    server min protocol = NT1"
samba_conf 2 SRV2NONB "    disable netbios = yes
    smb ports = 445
    server signing = mandatory"
samba_conf 3 SRV3FW ""
ip netns exec ${SRV[2]} nft -f - <<'EOF'
table inet wwexp {
    chain input {
        type filter hook input priority 0; policy accept;
        udp dport 137 drop
        tcp dport { 139, 445 } drop
    }
}
EOF
# setsid: on SIGTERM the daemons signal their whole process group, which
# with --no-process-group would otherwise be this script's (and its caller's)
for i in 1 2 3; do
    n=${SRV[$((i-1))]} d=$T/srv$i
    setsid ip netns exec "$n" smbd --foreground --no-process-group -s "$d/smb.conf" > "$d/smbd.out" 2>&1 &
    if [ $i != 2 ]; then
        setsid ip netns exec "$n" nmbd --foreground --no-process-group -s "$d/smb.conf" > "$d/nmbd.out" 2>&1 &
    fi
done
set +e
# ready: smbd listens on 445 (and 139), nmbd on 137 and has registered its names
ready() {
    local n=$1 want=$2
    ip netns exec "$n" ss -lntu 2>/dev/null | grep -Eo ':(137|139|445) ' | sort -u | tr -d ': \n' | grep -qx "$want"
}
for i in $(seq 1 100); do
    ready ${SRV[0]} 137139445 && ready ${SRV[1]} 445 && ready ${SRV[2]} 137139445 && break
    sleep 0.2
done
if ! { ready ${SRV[0]} 137139445 && ready ${SRV[1]} 445 && ready ${SRV[2]} 137139445; }; then
    echo "samba did not come up"; tail -n 20 "$T"/srv*/*.out "$T"/srv*/log.*; exit 1
fi
# nmbd answers node status only once its names are registered (a few seconds)
for i in $(seq 1 60); do
    ip netns exec $CLI nbtscan -q 198.18.41.2 2>/dev/null | grep -q SRV1NT1 && break
    sleep 0.5
done

fail=0
ip netns exec $CLI "$WW" exposure --format json --timeout 2 \
    198.18.41.2 198.18.42.2 2001:db8:42::2 198.18.43.2 > "$T/exp.json" 2> "$T/exp.err"
st=$?
[ $st = 0 ] || { echo "wormwatch exposure exited $st:"; cat "$T/exp.err"; fail=1; }
ip netns exec $CLI "$WW" exposure --format text --timeout 2 198.18.41.2 198.18.42.2 198.18.43.2 \
    > "$T/exp.txt" 2>&1 || { echo "text run failed"; fail=1; }
ip netns exec $CLI "$WW" exposure --format json --only-exposed --timeout 1 198.18.43.0/30 198.18.42.2 \
    > "$T/only.json" 2> "$T/only.err" || { echo "--only-exposed run failed"; fail=1; }
cat "$T/exp.txt"
for i in 1 2 3; do
    ip netns exec $CLI nbtscan -v -s '|' 198.18.4$i.2 > "$T/nbtscan$i.txt" 2>&1
    ip netns exec $CLI nmap -n -Pn -p445 --script smb-protocols 198.18.4$i.2 > "$T/nmap$i.txt" 2>&1
done
# then srv1 with 445 dropped: SMB (and SMB1) must still be found through 139
ip netns exec ${SRV[0]} nft add table inet wwexp445 &&
ip netns exec ${SRV[0]} nft add chain inet wwexp445 input '{ type filter hook input priority 0; }' &&
ip netns exec ${SRV[0]} nft add rule inet wwexp445 input tcp dport 445 drop || fail=1
ip netns exec $CLI "$WW" exposure --format json --timeout 1 198.18.41.2 > "$T/only139.json" 2> "$T/only139.err" ||
    { echo "139-only run failed"; fail=1; }

python3 - "$T" <<'PY' || fail=1
import json, re, sys
T = sys.argv[1]
hosts = {h["addr"]: h for h in json.load(open(T + "/exp.json"))["hosts"]}
errors = []
def check(cond, what):
    if not cond: errors.append(what)

def nbtscan(i):
    """nbtscan -v -s '|': lines ADDR|NAME|<SUFFIX>|... ; names and groups."""
    names = set()
    for line in open("%s/nbtscan%d.txt" % (T, i)):
        f = [x.strip() for x in line.split("|")]
        m = len(f) >= 3 and re.fullmatch(r"([0-9a-fA-F]{2})([UG])", f[2])
        if m:
            names.add((f[1], int(m.group(1), 16), m.group(2) == "G"))
    return names

def nmap_dialects(i):
    """smb-protocols' dialect lines: 'NT LM 0.12 (SMBv1) ...', '2:0:2', '2.0.2', '3.11' ..."""
    out, on = [], False
    for line in open("%s/nmap%d.txt" % (T, i)):
        s = line.strip("|_ \n")
        if s.startswith("dialects:"): on = True; continue
        if not on: continue
        if not s or s.endswith(":"): break
        if s.startswith("NT LM 0.12"): out.append("NT LM 0.12"); continue
        d = re.sub(r"[^0-9]", "", s)  # 2:0:2 / 2.0.2 / 2.02 -> 202; 3:1:1 -> 311
        d = {"202": "2.0.2", "210": "2.1", "21": "2.1", "300": "3.0", "30": "3.0",
             "302": "3.0.2", "311": "3.1.1"}.get(d)
        if d: out.append(d)
    return out

ww_names = lambda h: {(n["name"], n["suffix"], n["group"]) for n in h["name_table"]}

# srv1: everything on, SMB1 -> high
h = hosts.get("198.18.41.2", {})
check(h.get("netbios_ns") and h.get("netbios_ssn") and h.get("smb"), "srv1: 137/139/445 not all reported: %s" % h)
check(h.get("smb1") is True and h.get("risk") == "high", "srv1: SMB1/high expected: %s" % h)
check(h.get("workgroup") == "WWLAB1" and "SRV1NT1" in h.get("names", []), "srv1 names: %s" % h)
check(h.get("file_server") == "SRV1NT1", "srv1 file server: %s" % h)
check(h.get("signing_required") is False, "srv1 signing: %s" % h)
nb = nbtscan(1)
check(nb, "nbtscan saw no names on srv1: %s" % open(T + "/nbtscan1.txt").read())
check(ww_names(h) == nb, "srv1 names table: wormwatch %s, nbtscan %s" % (sorted(ww_names(h)), sorted(nb)))
nm = nmap_dialects(1)
check(nm and h.get("smb_dialects") == nm, "srv1 dialects: wormwatch %s, nmap %s" % (h.get("smb_dialects"), nm))
check("NT LM 0.12" in nm and "3.1.1" in nm, "srv1: nmap's list lacks SMB1 or 3.1.1: %s" % nm)

# srv2: NetBIOS off, 445 on (IPv4 and IPv6), signing mandatory -> low
for a in ("198.18.42.2", "2001:db8:42::2"):
    h = hosts.get(a, {})
    check(not h.get("netbios_ns") and not h.get("netbios_ssn") and h.get("smb"), "srv2 %s ports: %s" % (a, h))
    check(h.get("smb1") is False and h.get("signing_required") is True and h.get("risk") == "low",
          "srv2 %s verdict: %s" % (a, h))
    check("NetBIOS is off, but SMB on 445 is still reachable" in h.get("summary", ""), "srv2 summary: %s" % h)
h = hosts.get("198.18.42.2", {})
check(nbtscan(2) == set() and h.get("names") == [], "srv2: names where NetBIOS is off")
nm = nmap_dialects(2)
check(nm and h.get("smb_dialects") == nm, "srv2 dialects: wormwatch %s, nmap %s" % (h.get("smb_dialects"), nm))
check(hosts.get("2001:db8:42::2", {}).get("smb_dialects") == nm, "srv2 dialects over IPv6 differ")

# srv3: firewalled -> nothing
h = hosts.get("198.18.43.2", {})
check(not h.get("netbios_ns") and not h.get("netbios_ssn") and not h.get("smb") and h.get("risk") == "none",
      "srv3 should be unreachable: %s" % h)
check(nbtscan(3) == set(), "nbtscan saw names on firewalled srv3")
check(nmap_dialects(3) == [], "nmap saw dialects on firewalled srv3")

txt = open(T + "/exp.txt").read()
check("NetBIOS is off, but SMB on 445 is still reachable" in txt, "text report lacks the plain sentence")
check("198.18.41.2: risk high" in txt and "198.18.43.2: risk none" in txt, "text verdicts")
h = json.load(open(T + "/only139.json"))["hosts"][0]
check(h["netbios_ssn"] and not h["smb"] and h["smb1"] and h["risk"] == "high"
      and h["smb_dialects"] == ["NT LM 0.12", "3.1.1"] and h["signing_required"] is False
      and "through a NetBIOS session on 139" in h["summary"], "srv1 with 445 dropped: %s" % h)
only = [x["addr"] for x in json.load(open(T + "/only.json"))["hosts"]]
check(only == ["198.18.42.2"], "--only-exposed gave %s" % only)
for e in errors: print("FAIL:", e)
if errors:
    for f in ("exp.json", "nbtscan1.txt", "nmap1.txt", "nmap2.txt"):
        print("----", f); print(open(T + "/" + f).read())
    sys.exit(1)
print("ok: wormwatch agrees with nbtscan and nmap on 3 servers")
PY
[ $fail = 0 ] || { tail -n 5 "$T"/srv*/*.out; exit 1; }
exit 0
