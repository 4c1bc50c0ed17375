#!/bin/sh
# Installs the Debian packages wormwatch needs to build and test, if missing.
# Used by `make deps` (and so by `make demo`, `make check` and .ci/run).
set -e
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev libpcap-dev \
libjansson-dev libmicrohttpd-dev libcurl4-openssl-dev libgnutls28-dev \
libsqlite3-dev sqlite3 curl python3 tcpdump nmap iproute2 gnuplot-nox \
libnftables-dev nftables samba nbtscan chromium systemd-journal-remote gzip \
python3-aiosmtpd python3-requests nettle-dev clickhouse-server clickhouse-client p0f tcpreplay \
libmaxminddb-dev libmaxmind-db-writer-perl hping3 masscan"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
# Node.js and npm run the browser tests (tests/browser); the machine's own
# Node is used when there is one, Debian's otherwise.
command -v node >/dev/null || missing="$missing nodejs"
command -v npm >/dev/null || missing="$missing npm"
if [ -n "$missing" ]; then
    echo "installing:$missing"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # the tests start their own servers (ClickHouse, Samba): no package's
    # service is started by the install (a postinst whose start fails, as
    # clickhouse-server's without systemd, would fail the install)
    rc=/usr/sbin/policy-rc.d
    own=""
    if [ ! -e $rc ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee $rc > /dev/null && $SUDO chmod 755 $rc && own=1
    fi
    $SUDO apt-get install -y -qq --no-install-recommends $missing || { [ -z "$own" ] || $SUDO rm -f $rc; exit 1; }
    [ -z "$own" ] || $SUDO rm -f $rc
fi
# Playwright (playwright-core, pinned in package-lock.json; it drives
# Debian's chromium and never downloads a browser)
cd "$(dirname "$0")/../tests/browser"
[ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --loglevel=error
