# tests/e2e/netns.bash -- network namespaces for the e2e tests, made and
# removed one way: sourced by the scripts that run real tools in them
# (block.sh, exposure.sh, live_nmap.sh) and run by run_cases.py for a case's
# [netns] section (not a test itself: tests/run.sh runs tests/e2e/*.sh).
#
# netns_add NAME...   a namespace ww-NAME-$NETNS_ID for each (NETNS_ID
#                     defaults to $$), loopback up; sets $NAME to its name.
#                     When the first cannot be made (not root, no `ip
#                     netns`) the script exits 77 (SKIP) saying why.
# netns_addr NAME ADDR...                 ADDRs on NAME's loopback
# netns_link A ADDR[,ADDR] B ADDR[,ADDR]  a veth pair, up: v-B in A, v-A in
#                     B, made inside them (so no name clashes with another
#                     test's), with the addresses (IPv6 without DAD)
# netns_synlog NS PREFIX [MATCH]  NS logs each TCP SYN (no ACK) it receives
#                     (and matching the nft MATCH, e.g. "ip daddr $VA") to
#                     the kernel log with PREFIX and its TCP options
#                     (nftables `log flags tcp options`): nf_log_all_netns on
#                     until netns_cleanup puts it back, a mark written to the
#                     log first; exits 77 when the kernel log cannot be had
# netns_synlog_read PREFIX  the kernel log's lines with PREFIX since the mark
# netns_cleanup       ends every process in them (a daemon's helpers first,
#                     while their parents are there to reap them) and
#                     deletes them; KEEP=1 leaves them up and says so. For
#                     the script's EXIT trap.
# netns_workdir       T, a directory of the script's own, and the EXIT trap:
#                     the processes given to netns_at_exit ended, then
#                     netns_cleanup, then T removed (KEEP=1 keeps it and
#                     says where)
# netns_at_exit PID...  processes outside the namespaces, ended at exit
# Anything else that fails exits 1.
NETNS_ID=${NETNS_ID:-$$}
NETNS_LIST=
NETNS_PIDS=

netns_workdir() {
    T=$(mktemp -d)
    trap netns_exit EXIT
}

netns_at_exit() { NETNS_PIDS="$NETNS_PIDS $*"; }

netns_exit() {
    local p
    for p in $NETNS_PIDS; do kill "$p" 2>/dev/null; done
    netns_cleanup
    if [ "${KEEP:-0}" = 1 ]; then echo "KEEP=1: files in $T"; else rm -rf "$T"; fi
}

netns_add() {
    local name ns
    for name in "$@"; do
        ns=ww-$name-$NETNS_ID
        if ! ip netns add "$ns" 2>/dev/null; then
            [ -n "$NETNS_LIST" ] && { echo "netns: cannot add $ns"; exit 1; }
            [ "$(id -u)" = 0 ] || { echo "network namespaces need root"; exit 77; }
            echo "cannot create network namespaces here (ip netns add failed)"; exit 77
        fi
        NETNS_LIST="$NETNS_LIST $ns"
        printf -v "$name" %s "$ns"
        ip -n "$ns" link set lo up || { echo "netns: $ns: lo down"; exit 1; }
    done
}

# netns_up NS DEV ADDR[,ADDR]: the addresses on DEV in NS, and DEV up
netns_up() {
    local a
    for a in ${3//,/ }; do
        case $a in
        *:*) ip -n "$1" addr add "$a" dev "$2" nodad ;;
        *) ip -n "$1" addr add "$a" dev "$2" ;;
        esac || { echo "netns: cannot add $a to $1 $2"; exit 1; }
    done
    ip -n "$1" link set "$2" up || { echo "netns: $1 $2 down"; exit 1; }
}

netns_addr() {
    local ns=${!1} a
    shift
    for a in "$@"; do netns_up "$ns" lo "$a"; done
}

netns_link() {
    ip -n "${!1}" link add "v-$3" type veth peer name "v-$1" netns "${!3}" ||
        { echo "netns: no veth pair $1-$3"; exit 1; }
    netns_up "${!1}" "v-$3" "$2"
    netns_up "${!3}" "v-$1" "$4"
}

NETNS_NFLOG_WAS= NETNS_MARK=
netns_synlog() {
    if [ -z "$NETNS_NFLOG_WAS" ]; then
        NETNS_NFLOG_WAS=$(sysctl -n net.netfilter.nf_log_all_netns) ||
            { echo "SKIP: no net.netfilter.nf_log_all_netns"; exit 77; }
        sysctl -qw net.netfilter.nf_log_all_netns=1 ||
            { echo "SKIP: cannot set net.netfilter.nf_log_all_netns"; exit 77; }
    fi
    ip netns exec "$1" nft -f - <<NFT || { echo "netns: no SYN log in $1"; exit 1; }
table inet wwsynlog {
    chain input {
        type filter hook input priority 10; policy accept;
        ${3:-} tcp flags & (syn | ack) == syn log prefix "$2" flags tcp options
    }
}
NFT
    NETNS_MARK="ww-synlog-$NETNS_ID-$RANDOM"
    echo "$NETNS_MARK" > /dev/kmsg 2>/dev/null || { echo "netns: cannot write /dev/kmsg"; exit 1; }
}

netns_synlog_read() {
    dmesg | sed -n "/$NETNS_MARK/,\$p" | grep -F "$1"
}

netns_cleanup() {
    [ -n "$NETNS_NFLOG_WAS" ] && sysctl -qw net.netfilter.nf_log_all_netns="$NETNS_NFLOG_WAS"
    [ -n "$NETNS_LIST" ] || return 0
    [ "${KEEP:-0}" = 1 ] && { echo "KEEP=1: namespaces$NETNS_LIST left up"; return 0; }
    local ns p stat pids= left=
    for ns in $NETNS_LIST; do pids="$pids $(ip netns pids "$ns" 2>/dev/null)"; done
    for p in $pids; do # whose parent is not this shell: a daemon's helpers
        stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
        stat=${stat##*) }; set -- $stat
        [ "$2" = $$ ] || kill "$p" 2>/dev/null
    done
    [ -n "${pids// }" ] && sleep 0.3
    for p in $pids; do kill "$p" 2>/dev/null; done
    for _ in $(seq 50); do
        left=$(for ns in $NETNS_LIST; do ip netns pids "$ns" 2>/dev/null; done)
        [ -z "$left" ] && break
        sleep 0.1
    done
    for p in $left; do kill -9 "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done # ours: reaped
    for ns in $NETNS_LIST; do ip netns del "$ns" 2>/dev/null; done
    NETNS_LIST=
}
