#!/usr/bin/env bash
# collector_prefix.sh -- the collector keeps IPv6 sources rotating inside a
# /64 as one source (issue 18), through a real `wormwatch serve`:
#   - 300 probes to 300 ports of one host, each from a new address of
#     2001:db8:77:1::/64: one row in /api/v1/sources, src the /64,
#     addresses and ports 300 (HyperLogLog past 128: within 3%), records 300;
#   - a single IPv6 address (2001:db8:aa::10, as the real corpus names it)
#     and an IPv4 one keep their plain address, addresses 1;
#   - /api/v1/ip/ADDR for any address of the /64 answers for the group
#     (its prefix and addresses), and so does /api/v1/ip/2001:db8:77:1::/64;
#     a prefix that is no group's (/48) is a 404;
#   - the same after a kill -9 and a restart (the log replayed), and with
#     the batch sent again split in two out of order (duplicates refused,
#     the smallest address still the group's representative);
#   - the dashboard in a real browser (Debian's chromium, headless, its
#     scripts run): port 1000's sources table shows the /64 with its 300
#     addresses, and the group's link leads to its page (prefix, addresses);
#     without chromium the rest runs and the test then exits 77 naming it;
#   - the same answers from the ClickHouse store (a two-shard cluster,
#     tests/e2e/clickhouse.bash), which groups at query time; without
#     clickhouse-server the rest runs and the test then exits 77 naming it;
#   - `serve --v6-prefix 128` on a fresh store: 300 sources, none grouped;
#     --v6-prefix 0 and 129 are usage errors.
set -u
: "${WW:?WW=path/to/wormwatch}"
command -v curl > /dev/null || { echo "curl not installed"; exit 77; }
T=$(mktemp -d)
HERE=$(cd "$(dirname "$0")" && pwd)
PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; type ch_stop > /dev/null 2>&1 && ch_stop; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; [ -f "$T/serve.log" ] && tail -5 "$T/serve.log"; exit 1; }
. "$HERE/serve.bash"

# 300 addresses of one /64 (in a shuffled order: the representative is the
# smallest, ::1:5 is not the first sent), one port each; two lone sources
python3 - "$T" <<'EOF' || fail "making the batches"
import random, sys
d = sys.argv[1]
R = random.Random(18)
hosts = list(range(5, 305))
R.shuffle(hosts)
def line(sec, src, dport):
    return "2026-01-15 10:%02d:%02d +00:00\t00\t1\t%s\t40000\t192.0.2.9\t%d\t6\tS\n" % (
        sec // 60, sec % 60, src, dport)
rows = [line(i, "2001:db8:77:1::1:%x" % h, 1000 + i) for i, h in enumerate(hosts)]
rows += [line(400 + i, "2001:db8:aa::10", 22) for i in range(3)]
rows += [line(500 + i, "198.51.100.7", 23) for i in range(2)]
open(d + "/all.tsv", "w").write("".join(rows))
open(d + "/late.tsv", "w").write("".join(rows[150:]))
open(d + "/early.tsv", "w").write("".join(rows[:150]))
EOF

submit() { # KEY BATCH FILE
    local code
    code=$(curl -s -o "$T/submit.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $1" \
        -H "X-Batch-Id: $2" -H 'Content-Type: text/tab-separated-values' \
        --data-binary "@$3" "$URL/api/v1/submit")
    [ "$code" = 200 ] || fail "submit $2: HTTP $code $(cat "$T/submit.json")"
}

# check: the sources list and the ip answers, as one /64 group
check() { # WHEN
    curl -sf "$URL/api/v1/sources?limit=10&date=2026-01-15" > "$T/sources.json" ||
        fail "$1: no answer to /api/v1/sources"
    curl -sf "$URL/api/v1/sources?limit=10&port=1000&date=2026-01-15" > "$T/port.json" ||
        fail "$1: no answer to /api/v1/sources?port=1000"
    for a in 2001:db8:77:1::1:5 2001:db8:77:1::1:12c 2001:db8:77:1::/64 2001:db8:aa::10; do
        curl -sf "$URL/api/v1/ip/$a" > "$T/ip-${a//[:\/]/_}.json" || fail "$1: no answer to /api/v1/ip/$a"
    done
    local code
    code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/ip/2001:db8:77::/48")
    [ "$code" = 404 ] || fail "$1: /api/v1/ip/2001:db8:77::/48 answered $code, want 404 (no group has it)"
    python3 - "$T" "$1" <<'EOF' || fail "$1: the sources are not grouped per /64 (above)"
import json, sys
d, when = sys.argv[1], sys.argv[2]
bad = []
def want(what, got, exp):
    if got != exp: bad.append("%s: %r, want %r" % (what, got, exp))
def near(what, got, exp):  # distinct counts: exact to 128, then HyperLogLog (~1.6%)
    if not isinstance(got, int) or abs(got - exp) > exp * 0.03:
        bad.append("%s: %r, want %d within 3%%" % (what, got, exp))
src = {s["src"]: s for s in json.load(open(d + "/sources.json"))["sources"]}
want("sources listed", sorted(src), sorted(["2001:db8:77:1::/64", "2001:db8:aa::10", "198.51.100.7"]))
g = src.get("2001:db8:77:1::/64", {})
near("group addresses", g.get("addresses"), 300)
want("group records", g.get("records"), 300)
near("group ports", g.get("ports"), 300)
want("group prefix", g.get("prefix"), "2001:db8:77:1::/64")
one = src.get("2001:db8:aa::10", {})
want("lone v6 addresses", one.get("addresses"), 1)
want("lone v6 records", one.get("records"), 3)
want("lone v6 prefix", one.get("prefix"), "2001:db8:aa::/64")
v4 = src.get("198.51.100.7", {})
want("v4 addresses", v4.get("addresses"), 1)
want("v4 prefix", v4.get("prefix"), None)
port = json.load(open(d + "/port.json"))["sources"]
want("port 1000's sources", [(s["src"], s["records"]) for s in port], [("2001:db8:77:1::/64", 1)])
for f in ("2001_db8_77_1__1_5", "2001_db8_77_1__1_12c", "2001_db8_77_1___64"):
    ip = json.load(open(d + "/ip-%s.json" % f))
    want(f + " src", ip.get("src"), "2001:db8:77:1::/64")
    near(f + " addresses", ip.get("addresses"), 300)
    want(f + " records", ip.get("records"), 300)
    want(f + " kinds", ip.get("kinds"), ["vertical"])
ip = json.load(open(d + "/ip-2001_db8_aa__10.json"))
want("lone ip src", ip.get("src"), "2001:db8:aa::10")
want("lone ip addresses", ip.get("addresses"), 1)
for b in bad: print("  %s: %s" % (when, b))
sys.exit(1 if bad else 0)
EOF
}

DB="$T/ww.db"
serve_key K s1
serve_start --db "$DB"
submit "$K" b1 "$T/all.tsv"
check "after one batch"
BROWSER=
if [ -x /usr/bin/chromium ]; then
    dom() { # URL FILE: the page as the browser left it (dash.js refreshes the tables)
        timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --virtual-time-budget=4000 \
            --user-data-dir="$T/chromium" --dump-dom "$1" > "$2" 2> "$T/chromium.err" ||
            fail "chromium on $1: $(tail -3 "$T/chromium.err")"
    }
    dom "$URL/port/1000?date=2026-01-15" "$T/port.html"
    python3 - "$T/port.html" "$URL" > "$T/link" <<'EOF' || fail "the port page's sources table: $(cat "$T/link")"
import html, re, sys
page = open(sys.argv[1]).read()
rows = re.findall(r'<tr><td class="k-ip" data-label="Source"><a href="([^"]+)">([^<]+)</a></td>'
                  r'<td class="k-num" data-label="Addresses">([^<]+)</td>', page)
if [r for r in rows if r[1] == "2001:db8:77:1::/64"] and \
        all(abs(int(r[2].replace(",", "")) - 300) <= 9 for r in rows):
    print(sys.argv[2] + html.unescape(rows[0][0]))
    sys.exit(0)
print("rows %r" % rows)
sys.exit(1)
EOF
    dom "$(cat "$T/link")" "$T/group.html"
    grep -q 'data-field="prefix" data-fmt="ip">2001:db8:77:1::/64<' "$T/group.html" &&
        grep -Eq 'data-field="addresses" data-fmt="num">(29[1-9]|30[0-9])<' "$T/group.html" ||
        fail "the group's page ($(cat "$T/link")) shows no prefix and addresses"
else
    BROWSER="/usr/bin/chromium is not installed (apt-get install chromium): the dashboard was not checked"
fi
kill -9 $PID; wait $PID 2>/dev/null; PID=
serve_start --db "$DB"
check "after kill -9 and a restart"
submit "$K" b2 "$T/late.tsv"  # the same events again, a new batch: counted again
submit "$K" b1 "$T/all.tsv"   # a duplicate: nothing
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d.get("duplicate") else 1)' \
    "$T/submit.json" || fail "batch b1 again was not a duplicate: $(cat "$T/submit.json")"
curl -sf "$URL/api/v1/ip/2001:db8:77:1::1:99" > "$T/again.json" || fail "no answer to ip after b2"
python3 - "$T/again.json" <<'EOF' || fail "the group after half the batch again: $(cat "$T/again.json")"
import json, sys
ip = json.load(open(sys.argv[1]))
sys.exit(0 if (ip["src"], ip["records"]) == ("2001:db8:77:1::/64", 450) and abs(ip["addresses"] - 300) <= 9 else 1)
EOF
serve_stop

# --v6-prefix 128: every address its own source again
DB="$T/ww128.db"
serve_key K s1
serve_start --db "$DB" --v6-prefix 128
submit "$K" b1 "$T/early.tsv"
curl -sf "$URL/api/v1/ip/2001:db8:77:1::1:5" > "$T/ip128.json" || true
curl -sf "$URL/api/v1/sources?limit=1000&date=2026-01-15" > "$T/s128.json" || fail "no sources (128)"
python3 - "$T/s128.json" <<'EOF' || fail "--v6-prefix 128 grouped sources: $(head -c 600 "$T/s128.json")"
import json, sys
s = json.load(open(sys.argv[1]))["sources"]
sys.exit(0 if len(s) == 150 and all(x["addresses"] == 1 and "/" not in x["src"] for x in s) else 1)
EOF
code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v1/ip/2001:db8:77:1::/64")
[ "$code" = 404 ] || fail "--v6-prefix 128: /api/v1/ip/2001:db8:77:1::/64 answered $code, want 404"
serve_stop
for bad in 0 129 x; do
    "$WW" serve --db "$T/bad.db" --v6-prefix $bad 2> "$T/err"; rc=$?
    [ $rc = 2 ] || fail "serve --v6-prefix $bad: exit $rc, want 2"
    grep -q -- "--v6-prefix" "$T/err" || fail "serve --v6-prefix $bad: $(cat "$T/err")"
done
# the ClickHouse engine alike
CHSKIP=
if command -v clickhouse-server > /dev/null || [ -x /usr/sbin/clickhouse-server ]; then
    . "$HERE/clickhouse.bash"
    ch_start
    H1=${CH1#http://} H2=${CH2#http://}
    DB="clickhouse://$H2/wwp?cluster=ww&shards=$H1,$H2"
    serve_key K s1
    serve_start --db "$DB" --rate-limit 0
    submit "$K" b1 "$T/all.tsv"
    check "on ClickHouse"
    serve_stop
else
    CHSKIP="clickhouse-server is not installed (scripts/deps.sh): the ClickHouse store was not checked"
fi
[ -z "$CHSKIP" ] || { echo "SKIP: the rest passed; $CHSKIP"; exit 77; }
[ -z "$BROWSER" ] || { echo "SKIP: the rest passed; $BROWSER"; exit 77; }
echo "ok: the collector groups IPv6 sources per /64 (300 addresses, one source; lone addresses kept)"
