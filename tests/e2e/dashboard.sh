#!/usr/bin/env bash
# The dashboard in a real browser: scripts/demo.sh loads a simulated Code
# Red-like outbreak (139/tcp) into a real `wormwatch serve` through real
# `wormwatch sensor` processes, twice: ending now, and ending 2006-08-05
# (history, as a collector fed old logs holds it); a sensor key with a
# hostile name is added; `wormwatch report` on the 2006 store anchors at its
# latest day and says so; then tests/browser/dashboard.test.js drives
# Debian's chromium (headless, via playwright-core) through every page of
# both. The first collector has the MaxMind test databases (serve --geoip,
# --asn; tests/e2e/mmdb.bash) when they can be built, the 2006 one none: the
# browser sees sources' countries and ASes on one, "unavailable" on the
# other. Screenshots are kept in $WW_ARTIFACTS/dashboard (default
# tests/artifacts/dashboard, gitignored).
# Skips (77) only when chromium or node is not installed.
# one-pass: build (tests/run.sh): mostly the browser's time;
#   the pages' server code runs under ASan in serve_http and collector_kinds
set -u
: "${WW:?WW=path/to/wormwatch}"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
[ -x /usr/bin/chromium ] || { echo "/usr/bin/chromium is not installed (apt-get install chromium)"; exit 77; }
command -v node > /dev/null || { echo "node is not installed (apt-get install nodejs npm)"; exit 77; }
B=$ROOT/tests/browser
if [ ! -d "$B/node_modules/playwright-core" ]; then
    (cd "$B" && npm ci --no-audit --no-fund) || { echo "FAIL: npm ci in tests/browser"; exit 1; }
fi
if [ -z "${WW_ARTIFACTS:-}" ]; then
    WW_ARTIFACTS=$ROOT/tests/artifacts
    mkdir -p "$WW_ARTIFACTS" && echo '*' > "$WW_ARTIFACTS/.gitignore"
fi
ART=$WW_ARTIFACTS/dashboard
mkdir -p "$ART"
HOSTILE='<script>alert(1)</script>'
T=$(mktemp -d)
DEMO= OLD=
cleanup() {
    for p in $DEMO $OLD; do kill -TERM -- -"$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 20 "$T/demo.log" "$T/old.log"; exit 1; }

# the MaxMind test databases, for the first demo's collector, when they can be built
GEO=
if [ -r "$ROOT/tests/e2e/mmdb.bash" ] && perl -MMaxMind::DB::Writer::Tree -e1 2>/dev/null; then
    . "$ROOT/tests/e2e/mmdb.bash"
    mmdb_build "$T/mmdb"
    GEO="--geoip $MMDB_COUNTRY --asn $MMDB_ASN"
else
    echo "(no MaxMind test databases: both collectors without --geoip and --asn)"
fi
# each demo in its own process group, so that everything it started stops with it
WW_DEMO_SERVE_ARGS="$GEO" WW="$WW" WW_DEMO_DIR="$T/demo" WW_DEMO_PORT=0 WW_DEMO_READY="$T/url" \
    setsid bash "$ROOT/scripts/demo.sh" > "$T/demo.log" 2>&1 &
DEMO=$!
WW="$WW" WW_DEMO_DIR="$T/old" WW_DEMO_PORT=0 WW_DEMO_READY="$T/old-url" WW_DEMO_END=2006-08-05T00:00:00Z \
    setsid bash "$ROOT/scripts/demo.sh" > "$T/old.log" 2>&1 &
OLD=$!
for _ in $(seq 1200); do
    [ -s "$T/url" ] && [ -s "$T/old-url" ] && break
    kill -0 $DEMO 2>/dev/null || fail "demo.sh exited before it was ready"
    kill -0 $OLD 2>/dev/null || fail "demo.sh (2006) exited before it was ready"
    sleep 0.5
done
[ -s "$T/url" ] && [ -s "$T/old-url" ] || fail "demo.sh not ready after 10 minutes"
URL=$(cat "$T/url") OLD_URL=$(cat "$T/old-url")
"$WW" key add "$HOSTILE" --db "$T/demo/wormwatch.db" > /dev/null || fail "key add with a hostile name"

# report on the 2006 store: anchored at its latest day, and saying so (with
# --db it reads the file, which the collector writes within 5 s)
sleep 6
NOTE='Showing 2006-08-04, the latest day with data'
for how in "--db $T/old/wormwatch.db" "--collector $OLD_URL"; do
    out=$("$WW" report $how --limit 3 --by sources topports 2>&1) || fail "report $how topports: $out"
    grep -q "^$NOTE" <<< "$out" || fail "report $how topports does not say where it anchored: $out"
    grep -q '^top ports by sources on 2006-08-04' <<< "$out" || fail "report $how topports not of 2006-08-04: $out"
    grep -q '^139 ' <<< "$out" || fail "report $how topports lacks 139: $out"
done
out=$("$WW" report --db "$T/old/wormwatch.db" infocon) || fail "report infocon: $out"
grep -q "^$NOTE" <<< "$out" && grep -qE '^infocon (yellow|orange|red)' <<< "$out" \
    || fail "report infocon is not as of 2006-08-04: $out"
"$WW" report --db "$T/old/wormwatch.db" --format json topports > "$T/json" 2> "$T/json.err" || fail "report --format json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["date"]=="2006-08-04" and d["ports"], d' "$T/json" \
    || fail "report --format json: standard output is not the JSON of 2006-08-04: $(cat "$T/json")"
grep -q "$NOTE" "$T/json.err" || fail "report --format json does not say where it anchored on standard error"
out=$("$WW" report --db "$T/old/wormwatch.db" --date 2006-08-03 topports) || fail "report --date"
grep -q 'Showing' <<< "$out" && fail "report --date 2006-08-03 says it anchored: $out"
grep -q '^top ports by records on 2006-08-03' <<< "$out" || fail "report --date 2006-08-03: $out"
out=$("$WW" report --collector "$URL" topports) || fail "report on today's store"
grep -q 'Showing' <<< "$out" && fail "report on a store of today says it anchored: $out"
echo "report: anchored at 2006-08-04 and said so (--db, --collector, json); --date and today's store not"

node "$B/dashboard.test.js" "$URL" "$ART" "$HOSTILE" "$OLD_URL" || fail "browser checks (screenshots in $ART)"
echo "dashboard: all checks passed; screenshots in $ART"
