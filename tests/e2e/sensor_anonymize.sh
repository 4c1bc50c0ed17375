#!/usr/bin/env bash
# The sensor's targets stay countable when their addresses are hidden
# (wormwatch-sensor(1), --anonymize; lib/sensor/cryptopan.c). A log of 120
# probes to tcp/4444 of 100 distinct targets in three /24s:
#  1. the default (Crypto-PAn, a key made in the state directory, mode 0600)
#     into the real collector: /api/v1/port/4444 counts 100 targets, and the
#     topports by targets agree;
#  2. what the sensor sends (the stand-in collector keeps the bodies): 100
#     distinct targets, none a real one, in three /24s as the real ones are;
#     sources as they are; another sensor given a copy of the key
#     (--anonymize-key) sends the very same pseudonyms, one with its own key
#     others;
#  3. --anonymize 16 (as before this change) into the real collector: 3
#     targets, the /16s; --anonymize none: the real targets;
#  4. refusals: a key file open to others, --anonymize-key without
#     cryptopan, a bad --anonymize.
set -u
: "${WW:?WW=path/to/wormwatch}"
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
SPID= CPID= PID=
cleanup() {
    for p in $SPID $CPID $PID; do kill $p 2>/dev/null; done
    wait 2>/dev/null; rm -rf "$T"
}
trap "cleanup 2>/dev/null" EXIT
fail() { echo "FAIL: $*"; echo "--- sensor log"; tail -20 "$T/sensor.err"; exit 1; }
. "$HERE/serve.bash"
command -v curl >/dev/null || { echo "SKIP: curl is not installed"; exit 77; }
DAY=2026-11-27

# LOG(DPORT): 120 probes; target i % 100 of 192.0.2.1-40, 198.51.100.1-30,
# 203.0.113.1-30; source i of 198.18.0.0/16
python3 - "$T" <<'PY'
import sys
d = sys.argv[1]
tg = ["192.0.2.%d" % i for i in range(1, 41)] + ["198.51.100.%d" % i for i in range(1, 31)] \
   + ["203.0.113.%d" % i for i in range(1, 31)]
open(d + "/targets", "w").write("\n".join(tg) + "\n")
for port in (4444, 4445, 4446):
    with open("%s/fw%d.log" % (d, port), "w") as f:
        for i in range(120):
            f.write("2026-11-27T10:%02d:%02d+00:00 fw kernel: DROP IN=eth0 OUT= SRC=198.18.%d.%d "
                    "DST=%s LEN=48 TOS=0x00 PREC=0x00 TTL=113 ID=1 DF PROTO=TCP SPT=%d DPT=%d "
                    "WINDOW=64240 RES=0x00 SYN URGP=0\n"
                    % (i // 60, i % 60, i // 200, i % 200 + 1, tg[i % 100], 1024 + i, port))
PY

# run_sensor NAME COLLECTOR KEYFILE LOG [OPTION...]: until the collector
# has what it sends (until "$(eval $GOT)" = "$WANT"), then SIGTERM
run_sensor() {
    local name=$1 coll=$2 key=$3 log=$4; shift 4
    "$WW" sensor --collector "$coll" --key-file "$key" --state "$T/state-$name" --batch 50 \
        --flush 0.2 "$@" "$log" 2>>"$T/sensor.err" & SPID=$!
    for _ in $(seq 300); do [ "$(eval "$GOT")" = "$WANT" ] && break; sleep 0.2; done
    kill -TERM $SPID; wait $SPID; local rc=$?; SPID=
    [ $rc = 0 ] || fail "sensor $name exit $rc"
    local got; got=$(eval "$GOT")
    [ "$got" = "$WANT" ] || fail "sensor $name: $GOT: '$got', want '$WANT'"
}
counts() { # PORT -> "records sources targets" on $DAY
    curl -sf "$URL/api/v1/port/$1?date=$DAY" | python3 -c '
import json, sys
d = [x for x in json.load(sys.stdin)["data"] if x["proto"] == "tcp"]
print(*((d[0]["records"], d[0]["sources"], d[0]["targets"]) if d else (0, 0, 0)))'
}

# 1. the default, into the real collector
DB=$T/ww.db
serve_key SECRET s1; echo "$SECRET" > "$T/key"
serve_start --db "$DB" --config /dev/null
GOT='counts 4444' WANT='120 120 100' # records sources targets
run_sensor a "$URL" "$T/key" "$T/fw4444.log"
grep -q "made the anonymization key $T/state-a/anonymize.key" "$T/sensor.err" \
    || fail "no word of the key made"
[ "$(stat -c '%s %a' "$T/state-a/anonymize.key")" = "32 600" ] \
    || fail "the key made: $(stat -c '%s %a' "$T/state-a/anonymize.key")"
got=$(curl -sf "$URL/api/v1/topports/targets?date=$DAY&limit=5" | python3 -c '
import json, sys
print([p["targets"] for p in json.load(sys.stdin)["ports"] if p["port"] == 4444])')
[ "$got" = "[100]" ] || fail "topports/targets: 4444 has $got targets, want [100]"
echo "ok: default (Crypto-PAn): 120 records, 100 targets on the collector"

# 3. --anonymize 16, the old masking, into the same collector
GOT='counts 4445' WANT='120 120 3'
run_sensor m "$URL" "$T/key" "$T/fw4445.log" --anonymize 16
echo "ok: --anonymize 16: 3 targets (the /16s)"
serve_stop

# 2. what leaves the sensor, at the stand-in collector
SKEY=0123456789abcdef; echo "$SKEY" > "$T/skey"
rm -f "$T/port"
python3 "$HERE/standin_collector.py" "$T" "$SKEY" & CPID=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
SURL=http://127.0.0.1:$(cat "$T/port")
sent() { # -> the (source, target) pairs received, in order, one per line;
          # a batch sent again (its answer lost) counted once, as by a collector
    python3 -c '
import sys
seen, new = set(), False
for line in open(sys.argv[1]):
    if line.startswith("#batch "): new = line not in seen; seen.add(line)
    elif new: f = line.split("\t"); print(f[3], f[5])' "$T/received" 2>/dev/null
}
GOT='sent | wc -l' WANT=120
cp "$T/state-a/anonymize.key" "$T/shared.key"
run_sensor b "$SURL" "$T/skey" "$T/fw4446.log" --anonymize-key "$T/shared.key"
sent > "$T/b"; rm "$T/received"
run_sensor c "$SURL" "$T/skey" "$T/fw4446.log" # its own key
sent > "$T/c"; rm "$T/received"
run_sensor n "$SURL" "$T/skey" "$T/fw4446.log" --anonymize none
sent > "$T/n"; rm "$T/received"
python3 - "$T" <<'PY' || fail "what the sensors sent"
import sys
d = sys.argv[1]
real = open(d + "/targets").read().split()
b, c, n = ([l.split() for l in open("%s/%s" % (d, x))] for x in "bcn")
want_src = ["198.18.%d.%d" % (i // 200, i % 200 + 1) for i in range(120)]
for name, got in (("b", b), ("c", c), ("n", n)):
    assert [s for s, _ in got] == want_src, "%s: sources changed" % name
tb, tc = [t for _, t in b], [t for _, t in c]
assert [t for _, t in n] == [real[i % 100] for i in range(120)], "none: targets changed"
for name, t in (("shared key", tb), ("own key", tc)):
    assert len(set(t)) == 100, "%s: %d distinct targets, want 100" % (name, len(set(t)))
    assert not set(t) & set(real), "%s: real targets sent: %s" % (name, set(t) & set(real))
    # target i and i+100 are one real target: one pseudonym
    assert all(t[i] == t[i + 100] for i in range(20)), "%s: not one pseudonym per target" % name
    net = lambda a: a.rsplit(".", 1)[0]
    assert len({net(a) for a in t}) == 3, "%s: %d /24s, want 3" % (name, len({net(a) for a in t}))
    assert [net(a) for a in t[:100]] == [net(t[0])] * 40 + [net(t[40])] * 30 + [net(t[70])] * 30, \
        "%s: the /24s do not hold the targets they should" % name
assert not set(tb) & set(tc), "another key gave the same pseudonyms"
print("ok: 100 distinct pseudonyms, none real, in 3 /24s; sources as they are; another key, others")
PY
# a fourth sensor, given the same copy of a's key: the same pseudonyms as b
run_sensor d "$SURL" "$T/skey" "$T/fw4446.log" --anonymize-key "$T/shared.key"
sent > "$T/d"
cmp -s "$T/b" "$T/d" || fail "two sensors with one key sent different pseudonyms"
echo "ok: one key copied to two sensors, the same pseudonyms"

# 4. refusals
chmod 644 "$T/shared.key"
"$WW" sensor --collector "$SURL" --key-file "$T/skey" --state "$T/state-e" \
    --anonymize-key "$T/shared.key" "$T/fw4446.log" 2>"$T/e.err"; rc=$?
[ $rc = 1 ] || fail "a key open to others: exit $rc, want 1"
grep -q "the anonymization key $T/shared.key is open to group or others (mode 644)" "$T/e.err" \
    || fail "a key open to others: $(cat "$T/e.err")"
"$WW" sensor --collector "$SURL" --key-file "$T/skey" --anonymize 16 --anonymize-key "$T/shared.key" \
    "$T/fw4446.log" 2>"$T/e.err"; rc=$?
[ $rc = 2 ] && grep -q "anonymize-key goes with --anonymize cryptopan" "$T/e.err" \
    || fail "--anonymize-key with --anonymize 16: exit $rc: $(cat "$T/e.err")"
"$WW" sensor --collector "$SURL" --key-file "$T/skey" --anonymize 33 "$T/fw4446.log" 2>"$T/e.err"; rc=$?
[ $rc = 2 ] && grep -q "bad --anonymize '33'" "$T/e.err" || fail "--anonymize 33: exit $rc"
echo "ok: refusals"
! grep -E "AddressSanitizer|runtime error|LeakSanitizer" "$T/sensor.err" || fail "sanitizer"
echo "sensor_anonymize.sh: all passed"
