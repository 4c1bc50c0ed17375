#!/usr/bin/env bash
# The man pages (docs/man/*.1): each formats without a single groff warning
# (groff -man -ww), its .TH names its file, and wormwatch(1) is an index:
# under COMMANDS every command of `wormwatch help` has an entry pointing at
# its own page and no other, and SEE ALSO names every wormwatch-*(1) page.
set -u
: "${WW:?WW=path/to/wormwatch}"
cd "$(dirname "$0")/../.."
command -v groff > /dev/null || { echo "SKIP: groff is not installed"; exit 77; }
fail=0
for f in docs/man/*.1; do
    w=$(groff -man -Tutf8 -ww -z "$f" 2>&1)
    [ -z "$w" ] || { echo "FAIL: $f: groff warns:"; echo "$w"; fail=1; }
done
"$WW" help > /dev/null 2>&1 # the command list is on stdout or stderr
cmds=$("$WW" help 2>&1 | awk '/^Commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{on=0}' | grep -vx help)
[ -n "$cmds" ] || { echo "FAIL: no commands in 'wormwatch help'"; exit 1; }
python3 - $cmds <<'PY' || fail=1
import glob, os, re, sys
cmds = sys.argv[1:]
pages = sorted(os.path.basename(p)[:-2] for p in glob.glob("docs/man/wormwatch-*.1"))
bad = []
for p in glob.glob("docs/man/*.1"):
    th = re.search(r'^\.TH\s+(\S+)\s+1\b', open(p).read(), re.M)
    if not th or th.group(1).lower() != os.path.basename(p)[:-2]:
        bad.append("%s: .TH does not name the page" % p)
text = open("docs/man/wormwatch.1").read()
sections = dict(re.findall(r'^\.SH ("?[A-Z ]+"?)\n(.*?)(?=^\.SH |\Z)', text, re.M | re.S))
refs = lambda s: re.findall(r'\b(wormwatch-[a-z]+) ?\(1\)', s)
entries = {}
for m in re.finditer(r'^\.TP\n\.B (\S+)[^\n]*\n(.*?)(?=^\.TP|\Z)', sections.get("COMMANDS", ""), re.M | re.S):
    entries[m.group(1)] = refs(m.group(2))
for c in cmds:
    if c not in entries:
        bad.append("COMMANDS has no entry for %s" % c)
    elif entries[c] != ["wormwatch-" + c]:
        bad.append("COMMANDS entry %s points at %s, not wormwatch-%s(1) alone" % (c, entries[c], c))
    if "wormwatch-" + c not in pages:
        bad.append("no page docs/man/wormwatch-%s.1" % c)
seealso = set(refs(sections.get("SEE ALSO", "")))
for p in pages:
    if p not in seealso:
        bad.append("SEE ALSO misses %s(1)" % p)
for b in bad:
    print("FAIL: " + b)
sys.exit(1 if bad else 0)
PY
[ $fail = 0 ] && echo "man pages: no warnings, wormwatch(1) indexes every command and page"
exit $fail
