#!/usr/bin/env bash
# The example config, contrib/wormwatch.conf (installed as an example by
# `cmake --install`), is one `wormwatch serve` accepts: every key it names,
# set or commented out, is a serve option; serve started with it (plus a
# temporary --db and a free loopback port) reads it without a warning,
# answers the API, and stops cleanly on SIGTERM, leaving no lock file. A
# key serve does not know is warned about, so the check can see one.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
CONF=$PWD/contrib/wormwatch.conf
command -v curl > /dev/null || { echo "SKIP: curl is not installed"; exit 77; }
T=$(mktemp -d); PID=
trap '[ -n "$PID" ] && kill -9 $PID 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# serve's options, from its usage text
"$WW" serve --help > "$T/help" 2>&1
keys=$(sed -n 's/^#\{0,1\}\([a-z][a-z-]*\) *=.*/\1/p' "$CONF")
[ -n "$keys" ] || fail "no key = value lines in $CONF"
for k in $keys; do
    [ "$k" != config ] && grep -q -- "--$k\b" "$T/help" || fail "$CONF names '$k', which is not a serve option"
done

. tests/e2e/serve.bash
serve_start --config "$CONF" --db "$T/ww.db"
curl -sf "$URL/api/v1/infocon" > "$T/infocon" || fail "GET /api/v1/infocon failed"
python3 -c 'import json,sys; assert "level" in json.load(open(sys.argv[1]))' "$T/infocon" ||
    fail "infocon is not the API's JSON: $(cat "$T/infocon")"
serve_stop
extra=$(grep -v -e "listening on" -e "shutting down" "$T/serve.log")
[ -z "$extra" ] || fail "serve said more than it should with $CONF: $extra"
[ ! -e "$T/ww.db-lock" ] || fail "the store's lock file is left after a clean stop"

# the check can fail: a key serve does not know is named
cp "$CONF" "$T/bad.conf"
echo "collector = http://127.0.0.1:1" >> "$T/bad.conf" # a sensor option
serve_start --config "$T/bad.conf" --db "$T/ww.db"
serve_stop
grep -q "ignoring 'collector'" "$T/serve.log" || fail "an unknown key was not warned about: $(cat "$T/serve.log")"
echo "serve accepts contrib/wormwatch.conf"
