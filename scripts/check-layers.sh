#!/bin/sh
# check-layers.sh [ROOT] -- no include in lib/ runs back up the graph.
# The graph is CMakeLists.txt's: each `ww_room(NAME deps...)` line says which
# folders' libraries lib/NAME/ links, and a file in lib/NAME/ may include
# "X/..." only when X is NAME or a folder NAME reaches through those links.
# Prints each offending include as FILE:LINE and exits 1 if there is one.
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
python3 - "$root" <<'PY'
import re, sys, glob, os
root = sys.argv[1]
cm = open(os.path.join(root, 'CMakeLists.txt')).read()
deps = {}
for m in re.finditer(r'^ww_room\((\w+)([^)]*)\)', cm, re.M):
    deps[m.group(1)] = set(re.findall(r'\bww_(\w+)', m.group(2)))
def reach(r, seen=None):
    seen = set() if seen is None else seen
    for d in deps.get(r, ()):
        if d not in seen:
            seen.add(d); reach(d, seen)
    return seen
bad = 0
for room in sorted(os.listdir(os.path.join(root, 'lib'))):
    if not os.path.isdir(os.path.join(root, 'lib', room)): continue
    if room not in deps:
        print('lib/%s/: not a ww_room in CMakeLists.txt' % room); bad += 1; continue
    ok = reach(room) | {room}
    for f in sorted(glob.glob(os.path.join(root, 'lib', room, '*.[ch]'))):
        for n, line in enumerate(open(f), 1):
            m = re.match(r'\s*#\s*include\s+"([^"/]+)/', line)
            q = re.match(r'\s*#\s*include\s+"([^"/]+)"', line)
            if q:
                print('%s:%d: include without its folder: %s' % (os.path.relpath(f, root), n, q.group(1))); bad += 1
            elif m and m.group(1) not in ok:
                print('%s:%d: %s/ may not include from %s/ (it links only %s)' % (
                    os.path.relpath(f, root), n, room, m.group(1), ' '.join(sorted(ok - {room})) or 'nothing'))
                bad += 1
sys.exit(1 if bad else 0)
PY
