#!/bin/sh
# Installs the Debian packages wormwatch needs to build and test, if missing.
# Used by `make deps` (and so by `make demo`, `make check` and .ci/run).
set -e
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev libpcap-dev \
libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev libgnutls28-dev \
libsqlite3-dev sqlite3 curl python3 tcpdump nmap iproute2 gnuplot-nox"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
