#!/bin/bash
# layers.sh -- lib/'s include graph runs one way: no file includes from a
# folder its library does not link (scripts/check-layers.sh, from the
# ww_room lines of CMakeLists.txt).
cd "$(dirname "$0")/../.." && scripts/check-layers.sh
