#!/usr/bin/env bash
# The dashboard in a real browser: scripts/demo.sh loads a simulated Code
# Red-like outbreak (139/tcp) into a real `wormwatch serve` through real
# `wormwatch sensor` processes; a sensor key with a hostile name is added;
# then tests/browser/dashboard.test.js drives Debian's chromium (headless,
# via playwright-core) through every page. Screenshots are kept in
# $WW_ARTIFACTS/dashboard (default tests/artifacts/dashboard, gitignored).
# Skips (77) only when chromium or node is not installed.
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
DEMO=
cleanup() {
    [ -n "$DEMO" ] && kill -TERM -- -"$DEMO" 2>/dev/null && wait "$DEMO" 2>/dev/null
    rm -rf "$T"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$T/demo.log"; exit 1; }

# the demo in its own process group, so that everything it started stops with it
WW="$WW" WW_DEMO_DIR="$T/demo" WW_DEMO_PORT=0 WW_DEMO_READY="$T/url" \
    setsid bash "$ROOT/scripts/demo.sh" > "$T/demo.log" 2>&1 &
DEMO=$!
for _ in $(seq 1200); do
    [ -s "$T/url" ] && break
    kill -0 $DEMO 2>/dev/null || fail "demo.sh exited before it was ready"
    sleep 0.5
done
[ -s "$T/url" ] || fail "demo.sh not ready after 10 minutes"
URL=$(cat "$T/url")
"$WW" key add "$HOSTILE" --db "$T/demo/wormwatch.db" > /dev/null || fail "key add with a hostile name"
node "$B/dashboard.test.js" "$URL" "$ART" "$HOSTILE" || fail "browser checks (screenshots in $ART)"
echo "dashboard: all checks passed; screenshots in $ART"
