#!/usr/bin/env bash
# DShield's own sensor client (../shared/peers/dshield-sensor: DShield.py and
# fwlogparser.py, unmodified but for its url line) reporting to `wormwatch
# serve` on loopback through POST /submitapi/:
#  1. a key registered with `key add --dshield-userid`; the client, with its
#     own HOME and dshield.ini, reads a netfilter log (prefix DSHIELDINPUT,
#     `pi` format: epoch seconds first) written here with recent times, and
#     posts; the collector answers 200 and /api/v1/port/139 and topports
#     show the records (S, SA, UDP and ICMP lines);
#  2. a second run posts nothing (the client's mark), no batch is added;
#  3. its request sent again as captured (the client's `localcopy` keeps the
#     body it sent, header and all): the nonce was used, 401 "replayed";
#  4. the same logs under a new nonce: 200, a duplicate, counted once;
#  5. a wrong apikey, an unknown user id, a malformed header: 401; a log
#     dated past --max-future: 400 naming its index; a revoked key: 401;
#  6. sampled runs: 250,000 lines in the last day, read by three runs of
#     the client (100,000 lines kept whole; 100,000 keeping every 2nd;
#     49,996 keeping every 3rd): the collector follows the client's rule
#     and counts 249,995 records (the 5 missing are the client's: lines in
#     the same second as its mark), not the 166,665 entries it was sent.
# The client keeps its state in /var/tmp/dshield (a fixed path), so the
# script runs itself in a private mount namespace (unshare -m; -r when not
# root) with a tmpfs on /var/tmp: a real sensor's state is never touched.
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
PEER=$(cd "$HERE/../.." && pwd)/../shared/peers/dshield-sensor
[ -f "$PEER/fwlogparser.py" ] && [ -f "$PEER/DShield.py" ] ||
    { echo "SKIP: DShield's client is not at $PEER"; exit 77; }
command -v curl > /dev/null || { echo "SKIP: curl not installed"; exit 77; }
python3 -c 'import requests' 2> /dev/null || { echo "SKIP: python3-requests not installed"; exit 77; }

if [ -z "${WW_DSHIELD_NS:-}" ]; then
    command -v unshare > /dev/null || { echo "SKIP: no unshare(1) for a private /var/tmp"; exit 77; }
    flags=-m
    [ "$(id -u)" = 0 ] || flags=-rm
    unshare $flags true 2> /dev/null ||
        { echo "SKIP: cannot make a mount namespace (unshare $flags) for a private /var/tmp"; exit 77; }
    WW_DSHIELD_NS=1 exec unshare $flags bash "$0" "$@"
fi
mount --make-rprivate / 2> /dev/null
mount -t tmpfs tmpfs /var/tmp || { echo "FAIL: no tmpfs on /var/tmp in the namespace"; exit 1; }
[ -S /dev/log ] && mount --bind /dev/null /dev/log # the client's syslog lines stay here

T=$(mktemp -d)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$HERE/serve.bash"
DB=$T/ww.db
USERID=4711

APIKEY=$("$WW" key add dshield-1 --dshield-userid $USERID --db "$DB") || fail "key add --dshield-userid"
[[ "$APIKEY" =~ ^[A-Za-z0-9+/=]{32}$ ]] || fail "key add printed no apikey: $APIKEY"
"$WW" key list --db "$DB" | grep -q "dshield-1 .*active.*dshield userid $USERID" ||
    fail "key list does not show the user id: $("$WW" key list --db "$DB")"
serve_start --db "$DB" --rate-limit 0 --max-future 1h

# the client, copied, with only its url line changed
mkdir -p "$T/client" "$T/home/etc" "$T/run"
cp "$PEER/DShield.py" "$PEER/fwlogparser.py" "$T/client/"
sed -i "s|^    url = 'https://www.dshield.org/submitapi/'$|    url = '$URL/submitapi/'|" "$T/client/DShield.py"
[ "$(grep -c "url = '$URL/submitapi/'" "$T/client/DShield.py")" = 1 ] || fail "the client's url line was not found"
cmp -s <(grep -v "^    url = " "$PEER/DShield.py") <(grep -v "^    url = " "$T/client/DShield.py") ||
    fail "the copied client differs in more than its url line"
# its dshield.ini: $HOME/.dshield.ini as the README says, and the same in
# $HOME/etc/dshield.ini, which the client reads first (an /etc/dshield.ini
# on this machine would otherwise come before the first)
cat > "$T/home/.dshield.ini" <<EOF
[DShield]
userid = $USERID
apikey = $APIKEY
honeypotip =
replacehoneypotip =
anonymizeip =
anonymizemask =
fwlogfile = $T/fw.log
localcopy = $T/sent.json
EOF
cp "$T/home/.dshield.ini" "$T/home/etc/dshield.ini"

# the log: 12 SYNs to tcp/139 from 12 sources, 2 SYN-ACKs to tcp/4444, 3 UDP
# to 1434, one ICMP echo, dated in the last few minutes
NOW=$(date +%s)
python3 - "$NOW" > "$T/fw.log" <<'EOF'
import sys
now = int(sys.argv[1])
pre = "%d sensor kernel:[ 1234.567890] DSHIELDINPUT IN=eth0 OUT= MAC=00:16:3e:00:00:01:00:16:3e:00:00:02:08:00 "
t = now - 300
for i in range(12):
    print(pre % (t + i) + "SRC=203.0.113.%d DST=198.51.100.7 LEN=60 TOS=0x00 PREC=0x00 TTL=50 ID=%d DF"
          " PROTO=TCP SPT=%d DPT=139 WINDOW=64240 RES=0x00 SYN URGP=0" % (i + 1, 100 + i, 40000 + i))
for i in range(2):
    print(pre % (t + 20 + i) + "SRC=192.0.2.%d DST=198.51.100.7 LEN=44 TOS=0x00 PREC=0x00 TTL=50 ID=7"
          " PROTO=TCP SPT=80 DPT=4444 WINDOW=1024 RES=0x00 ACK SYN URGP=0" % (i + 1))
for i in range(3):
    print(pre % (t + 30 + i) + "SRC=198.18.0.%d DST=198.51.100.7 LEN=404 TOS=0x00 PREC=0x00 TTL=110"
          " ID=9 PROTO=UDP SPT=1025 DPT=1434 LEN=384" % (i + 1))
print(pre % (t + 40) + "SRC=198.18.1.1 DST=198.51.100.7 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=1"
      " PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1")
EOF
DAY=$(date -u -d "@$((NOW - 300))" +%F)
DAY2=$(date -u -d "@$((NOW - 250))" +%F) # the lines may straddle midnight UTC

metric() { curl -sf "$URL/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
records() { # tcp/udp records on port $1 over the days the lines span
    local total=0 a
    for d in $(printf '%s\n' $DAY $DAY2 | sort -u); do
        a=$(curl -sf "$URL/api/v1/port/$1?date=$d" | python3 -c '
import json, sys
print(sum(x["records"] for x in json.load(sys.stdin)["data"] if x["proto"] == sys.argv[1]))' "$2") ||
            fail "no answer to /api/v1/port/$1?date=$d"
        total=$((total + a))
    done
    echo $total
}
client() {
    (cd "$T/client" && env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY NO_PROXY='*' \
        HOME="$T/home" python3 fwlogparser.py -l "$T/fw.log" -p "$T/run/") > "$T/client.out" 2>&1 ||
        fail "the client failed: $(tail -5 "$T/client.out")"
}

# 1. the client's run is taken
client
[ -s "$T/sent.json" ] || fail "the client kept no copy: it had no 200 ($(tail -3 "$T/client.out"))"
grep -q '"flags": "S"' "$T/sent.json" && grep -q '"flags": "AS"' "$T/sent.json" ||
    fail "the client sent no S / AS flags: $(head -c 300 "$T/sent.json")"
[ "$(records 139 tcp)" = 12 ] || fail "tcp/139: $(records 139 tcp) records, want 12"
[ "$(records 4444 tcp)" = 2 ] || fail "tcp/4444: $(records 4444 tcp) records, want 2"
[ "$(records 1434 udp)" = 3 ] || fail "udp/1434: $(records 1434 udp) records, want 3"
TOP=$(curl -sf "$URL/api/v1/topports/sources?date=$DAY2") || fail "no answer to topports"
python3 -c '
import json, sys
d = json.loads(sys.argv[1])["ports"]
assert d[0]["port"] == 139 and d[0]["sources"] == 12, d' "$TOP" 2> /dev/null ||
    [ "$DAY" != "$DAY2" ] || fail "topports: tcp/139 with 12 sources is not first: $TOP"
[ -f /var/tmp/dshield/lastfwlog ] || fail "the client kept no mark in the private /var/tmp"
B1=$(metric wormwatch_batches_total)
[ "$B1" = 1 ] || fail "batches after one run: $B1, want 1"

# 2. a second run has no new lines and posts nothing
client
[ "$(metric wormwatch_batches_total)" = "$B1" ] || fail "the second run posted: batches $(metric wormwatch_batches_total)"
[ "$(grep -c '^{' "$T/sent.json")" = 1 ] || fail "the second run posted (its copy grew)"

# the captured request: its body, and the header it carried
python3 - "$T" <<'EOF'
import json, sys
t = sys.argv[1]
sent = [json.loads(l) for l in open(t + "/sent.json") if l.startswith("{")][0]
open(t + "/auth", "w").write(sent["authheader"])
open(t + "/body.json", "w").write(json.dumps(sent))
EOF
post() { # post AUTHHEADER BODYFILE -> "STATUS BODY"
    curl -s -o "$T/reply" -w '%{http_code}' -X POST -H 'content-type: application/json' \
        -H "X-ISC-Authorization: $1" --data-binary "@$2" "$URL/submitapi/"
    echo " $(cat "$T/reply")"
}
sign() { # sign APIKEY [USERID]: a fresh header, made as DShield.py makes it
    python3 - "$1" "${2:-$USERID}" <<'EOF'
import base64, hashlib, hmac, os, sys
key, uid = sys.argv[1], sys.argv[2]
nonce = base64.b64encode(os.urandom(8)).decode()
mac = hmac.new((nonce + uid).encode(), msg=key.encode(), digestmod=hashlib.sha256).digest()
print("ISC-HMAC-SHA256 Credentials=%s Userid=%s Nonce=%s" % (base64.b64encode(mac).decode(), uid, nonce))
EOF
}

# 3. the request replayed as captured: refused, nothing counted
r=$(post "$(cat "$T/auth")" "$T/body.json")
[[ "$r" == "401 "*replayed* ]] || fail "a replayed request: $r, want 401 naming a replay"
# 4. the same logs under a new nonce: a duplicate, counted once
r=$(post "$(sign "$APIKEY")" "$T/body.json")
[[ "$r" == '200 '*'"duplicate":true'* ]] || fail "the same logs, a new nonce: $r, want 200 duplicate"
[ "$(records 139 tcp)" = 12 ] || fail "tcp/139 after a resend: $(records 139 tcp), want 12"

# 5. refusals
WRONG=$(printf '%s' "$APIKEY" | tr 'A-Za-z' 'B-ZAb-za')
r=$(post "$(sign "$WRONG")" "$T/body.json")
[[ "$r" == "401 "*'"error"'* ]] || fail "a wrong apikey: $r, want 401"
r=$(post "$(sign "$APIKEY" 4712)" "$T/body.json")
[[ "$r" == "401 "* ]] || fail "an unknown user id: $r, want 401"
r=$(post "ISC-HMAC-SHA256 Userid=$USERID" "$T/body.json")
[[ "$r" == "401 "* ]] || fail "a header without credentials: $r, want 401"
r=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary "@$T/body.json" "$URL/submitapi/")
[ "$r" = 401 ] || fail "no header: $r, want 401"
python3 - "$T" "$NOW" <<'EOF'
import json, sys
t, now = sys.argv[1], int(sys.argv[2])
d = json.load(open(t + "/body.json"))
d["logs"][2]["time"] = now + 86400
json.dump(d, open(t + "/future.json", "w"))
EOF
r=$(post "$(sign "$APIKEY")" "$T/future.json")
[[ "$r" == '400 '*'logs[2]: time '*'in the future'* ]] || fail "a log dated tomorrow: $r, want 400 naming logs[2]"
"$WW" key revoke dshield-1 --db "$DB" || fail "key revoke"
r=$(post "$(sign "$APIKEY")" "$T/body.json")
[[ "$r" == "401 "*revoked* ]] || fail "a revoked key: $r, want 401"
[ "$(records 139 tcp)" = 12 ] || fail "tcp/139 after the refusals: $(records 139 tcp), want 12"
[ "$(metric wormwatch_batches_total)" = 2 ] || fail "batches: $(metric wormwatch_batches_total), want 2 (one new, one duplicate)"
# 6. sampled runs, counted as what they are
APIKEY2=$("$WW" key add dshield-2 --dshield-userid 4712 --db "$DB") || fail "key add dshield-2"
sed -i "s|^userid = .*|userid = 4712|; s|^apikey = .*|apikey = $APIKEY2|; s|^fwlogfile = .*|fwlogfile = $T/big.log|; /^localcopy/d" \
    "$T/home/.dshield.ini" "$T/home/etc/dshield.ini"
rm -rf /var/tmp/dshield
NOW=$(date +%s)
python3 - "$NOW" > "$T/big.log" <<'EOF'
import sys
now = int(sys.argv[1])
pre = "%d sensor kernel:[ 1234.567890] DSHIELDINPUT IN=eth0 OUT= MAC=00:16:3e:00:00:01:00:16:3e:00:00:02:08:00 "
for i in range(250000):
    print(pre % (now - 86000 + i // 3) + "SRC=10.%d.%d.%d DST=198.51.100.7 LEN=60 TOS=0x00 PREC=0x00 TTL=50"
          " ID=1 DF PROTO=TCP SPT=40000 DPT=2222 WINDOW=64240 RES=0x00 SYN URGP=0"
          % (i >> 16, (i >> 8) & 255, i & 255))
EOF
for run in 1 2 3; do
    (cd "$T/client" && env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY NO_PROXY='*' \
        HOME="$T/home" python3 fwlogparser.py -l "$T/big.log" -p "$T/run/") > "$T/client.out" 2>&1 ||
        fail "sampled run $run: the client failed: $(tail -5 "$T/client.out")"
done
DAY=$(date -u -d "@$((NOW - 86000))" +%F)
DAY2=$(date -u -d "@$NOW" +%F)
n=$(records 2222 tcp)
[ "$n" = 249995 ] || fail "sampled runs: tcp/2222 has $n records, want 249995 (166665 entries were sent)"
serve_stop
echo "dshield_client: all checks passed"
