#!/usr/bin/env bash
# The store's unit tests leave nothing behind: test_store_store and test_serve_dash each
# work in their own mkdtemp directory and remove it, and a cleanly closed
# store removes its lock file (PATH-lock). They run with TMPDIR unset and a
# private, empty /tmp (a tmpfs in a mount namespace, so files other processes
# make meanwhile do not count), which must be empty again afterwards. The
# binaries are copied out of the checkout first: it may itself be under /tmp.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
B=$(dirname "$WW")
for t in test_store_store test_serve_dash; do
    [ -x "$B/$t" ] || { echo "SKIP: no $B/$t"; exit 77; }
done
if unshare -m true 2>/dev/null; then NS="unshare -m"
elif unshare -r -m true 2>/dev/null; then NS="unshare -r -m"
else echo "SKIP: no mount namespace (unshare -m) for a private /tmp"; exit 77; fi
# shellcheck disable=SC2086
BIN=$(mktemp -d /dev/shm/ww_unit_tmpfiles.XXXXXX) || { echo "SKIP: no /dev/shm"; exit 77; }
trap 'rm -rf "$BIN"' EXIT
cp "$B/test_store_store" "$B/test_serve_dash" "$BIN/"
B=$BIN
$NS bash -c '
    mount -t tmpfs wwtmp /tmp || exit 77
    unset TMPDIR
    rc=0
    for t in test_store_store test_serve_dash; do
        "$1/$t" > /tmp/.out 2>&1 || { echo "FAIL: $t"; cat /tmp/.out; rc=1; }
        rm -f /tmp/.out
        left=$(ls -A /tmp)
        if [ -n "$left" ]; then echo "FAIL: $t left in /tmp:"; echo "$left"; rc=1; rm -rf /tmp/* /tmp/.[!.]*; fi
    done
    exit $rc' unit_tmpfiles "$B"
rc=$?
[ $rc = 0 ] && echo "test_store_store and test_serve_dash leave /tmp as they found it"
exit $rc
