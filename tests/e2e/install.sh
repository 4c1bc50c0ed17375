#!/usr/bin/env bash
# `cmake --install` of the build that made $WW (its directory) into a
# temporary prefix puts every file where it belongs: the binary in bin (and it
# runs), each docs/man/*.1 in share/man/man1 (and man finds and formats it
# without a warning), the systemd units contrib/systemd/* in
# WW_SYSTEMD_UNIT_DIR with ExecStart= naming the installed binary (otherwise
# unchanged), and contrib/wormwatch.conf and contrib/known-scanners.txt in
# the doc directory. A staged install (DESTDIR, prefix /usr) gives the units
# exactly as in the source tree.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
B=$(cd "$(dirname "$WW")" && pwd)
[ -f "$B/CMakeCache.txt" ] || { echo "SKIP: $B is not a CMake build directory"; exit 77; }
command -v cmake > /dev/null || { echo "SKIP: cmake is not installed"; exit 77; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
cache() { sed -n "s/^$1:[A-Z]*=//p" "$B/CMakeCache.txt"; }
UNITDIR=$(cache WW_SYSTEMD_UNIT_DIR)
[ -n "$UNITDIR" ] || fail "$B has no install rules (no WW_SYSTEMD_UNIT_DIR in its cache)"
for v in WW_SYSTEMD_UNIT_DIR CMAKE_INSTALL_BINDIR CMAKE_INSTALL_DATAROOTDIR CMAKE_INSTALL_MANDIR CMAKE_INSTALL_DOCDIR; do
    case $(cache $v) in /*) echo "SKIP: $v is absolute; this test installs only under a temporary prefix"; exit 77 ;; esac
done

R=$T/root
rm -f "$B/install_manifest.txt"
cmake --install "$B" --prefix "$R" > "$T/log" 2>&1 || fail "cmake --install: $(cat "$T/log")"
outside=$(grep -v "^$R/" "$B/install_manifest.txt")
[ -z "$outside" ] || fail "installed outside the prefix: $outside"
one() { # NAME DIR-SUFFIX: the one installed file of that name, in a directory ending so
    local hits
    hits=$(find "$R" -type f -name "$1")
    [ "$(echo "$hits" | grep -c .)" = 1 ] || fail "installed $1: '$hits', want exactly one"
    case $(dirname "$hits") in */$2) ;; *) fail "$1 installed in $(dirname "$hits"), not in .../$2" ;; esac
    echo "$hits"
}

# the binary, and that it runs
BIN=$(one wormwatch bin) || exit 1
[ -x "$BIN" ] || fail "$BIN is not executable"
"$BIN" --help > "$T/help" 2>&1 || fail "installed wormwatch --help: exit $?"
grep -q "analyze" "$T/help" || fail "installed wormwatch --help lists no commands: $(cat "$T/help")"
"$BIN" help analyze > /dev/null 2>&1 || fail "installed wormwatch help analyze failed"

# man pages: every one, byte for byte; man finds and formats each
for f in docs/man/*.1; do
    p=$(one "$(basename "$f")" man/man1) || exit 1
    cmp -s "$f" "$p" || fail "$p is not $f"
done
MAN=$(dirname "$(dirname "$p")")
if command -v man > /dev/null; then
    for f in docs/man/*.1; do
        page=$(basename "$f" .1)
        found=$(man -M "$MAN" -w "$page" 2>/dev/null) || fail "man -M $MAN does not find $page"
        [ "$found" = "$MAN/man1/$page.1" ] || fail "man finds $page at $found"
        w=$(MANWIDTH=80 man -l "$found" 2>&1 > /dev/null) || fail "man -l $page: exit $?"
        [ -z "$w" ] || fail "man -l $page warns: $w"
    done
else
    echo "(man is not installed: pages not formatted)"
fi

# the example config, byte for byte, among the docs
CONF=$(one wormwatch.conf doc/wormwatch/examples) || exit 1
cmp -s contrib/wormwatch.conf "$CONF" || fail "$CONF is not contrib/wormwatch.conf"
KNOWN=$(one known-scanners.txt doc/wormwatch/examples) || exit 1
cmp -s contrib/known-scanners.txt "$KNOWN" || fail "$KNOWN is not contrib/known-scanners.txt"

# systemd units: ExecStart= names the installed binary; nothing else changed
n=0
for f in contrib/systemd/*; do
    u=$R/$UNITDIR/$(basename "$f")
    [ -f "$u" ] || fail "no $UNITDIR/$(basename "$f") under the prefix"
    n=$((n + 1))
    case $f in *.service) ;; *) cmp -s "$f" "$u" || fail "$u differs from $f"; continue ;; esac
    exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
    [ "$exe" = "$BIN" ] || fail "$(basename "$u"): ExecStart=$exe, but the binary is at $BIN"
    sed "s|^ExecStart=$BIN |ExecStart=/usr/bin/wormwatch |" "$u" | cmp -s - "$f" ||
        fail "$(basename "$u") differs from $f beyond its ExecStart= path"
done
[ $n -gt 0 ] || fail "no units in contrib/systemd"

# nothing else was installed
want=$(( 3 + $(ls docs/man/*.1 | wc -l) + n ))
got=$(find "$R" -type f | wc -l)
[ "$got" = "$want" ] || fail "$got files installed, want $want: $(cd "$R" && find . -type f)"

# a package build: DESTDIR staging with prefix /usr gives the units as they are
DESTDIR=$T/stage cmake --install "$B" --prefix /usr > "$T/log" 2>&1 || fail "DESTDIR install: $(cat "$T/log")"
[ -x "$T/stage/usr${BIN#"$R"}" ] || fail "DESTDIR install: no /usr${BIN#"$R"}"
for f in contrib/systemd/*; do
    cmp -s "$f" "$T/stage/usr/$UNITDIR/$(basename "$f")" || fail "DESTDIR install, prefix /usr: $(basename "$f") is not as in the source tree"
done
echo "install: $got files in place, the binary runs, the units point at it, man formats every page"
