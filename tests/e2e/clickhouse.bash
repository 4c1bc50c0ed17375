# tests/e2e/clickhouse.bash -- sourced by the e2e scripts that need a
# ClickHouse cluster (issue 15): two real clickhouse-server processes
# (Debian's 18.16) on loopback, each with its own config, data directory
# and ports under $T, forming one two-shard cluster `ww` (remote_servers).
# Not a test itself. The script sets T (its temporary directory) and fail()
# first, and calls ch_stop from its EXIT trap.
#
# What 18.16 lacks shapes this: `ON CLUSTER` DDL needs ZooKeeper, so a
# schema is created on each shard over its own HTTP port; table TTL does
# not exist (retention drops partitions); DateTime64 does not exist.
#
# ch_start: starts both shards (SKIP, exit 77, when clickhouse-server is not
# installed); waits up to 60 s for each to answer `SELECT version()` over
# HTTP; sets CH1, CH2 (their HTTP URLs), CH_USER and CH_PASSWORD (a user
# with a password on both) and CH_PIDS.
# ch_q URL SQL: runs SQL over HTTP, its answer on stdout; fails the test on
# an error.
# ch_stop: stops both (SIGTERM, then SIGKILL after 10 s).

ch_start() {
    command -v clickhouse-server > /dev/null || [ -x /usr/sbin/clickhouse-server ] ||
        { echo "clickhouse-server not installed (make deps)"; exit 77; }
    local server=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
    # ports below the kernel's ephemeral range (32768-60999), where an
    # outgoing connection of anything else on the machine may hold one
    local base=$(( 20000 + RANDOM % 12700 )) n
    CH_PIDS=
    # users: default (no password, as Debian's), and ww with a password
    # (CH_USER, CH_PASSWORD) for the tests of credentials
    CH_USER=ww CH_PASSWORD=ww-test-secret
    cat > "$T/users.xml" <<EOF
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.0/8</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <$CH_USER><password>$CH_PASSWORD</password><networks><ip>127.0.0.0/8</ip></networks>
      <profile>default</profile><quota>default</quota></$CH_USER>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
EOF
    for n in 1 2; do
        local d="$T/ch$n" http=$((base + n * 10)) tcp=$((base + n * 10 + 1)) inter=$((base + n * 10 + 2))
        mkdir -p "$d/data" "$d/tmp" "$d/user_files"
        cat > "$d/config.xml" <<EOF
<yandex>
  <logger><level>warning</level><log>$d/log.txt</log><errorlog>$d/err.txt</errorlog></logger>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <interserver_http_port>$inter</interserver_http_port>
  <listen_host>127.0.0.1</listen_host>
  <path>$d/data/</path>
  <tmp_path>$d/tmp/</tmp_path>
  <user_files_path>$d/user_files/</user_files_path>
  <users_config>$T/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>5368709</mark_cache_size>
  <remote_servers>
    <ww>
      <shard><replica><host>127.0.0.1</host><port>$((base + 11))</port></replica></shard>
      <shard><replica><host>127.0.0.1</host><port>$((base + 21))</port></replica></shard>
    </ww>
  </remote_servers>
  <macros><shard>$n</shard></macros>
</yandex>
EOF
        "$server" --config-file="$d/config.xml" > "$d/stdout" 2>&1 &
        CH_PIDS="$CH_PIDS $!"
        printf -v "CH$n" %s "http://127.0.0.1:$http"
    done
    local url
    for url in "$CH1" "$CH2"; do
        for _ in $(seq 600); do
            curl -sf "$url/?query=SELECT%20version()" > /dev/null 2>&1 && continue 2
            sleep 0.1
        done
        fail "clickhouse-server at $url did not start: $(tail -3 "$T"/ch*/err.txt "$T"/ch*/stdout 2>/dev/null)"
    done
}

ch_q() {
    local out
    out=$(curl -s -w '\n%{http_code}' "$1/" --data-binary "$2") || fail "clickhouse at $1 unreachable"
    [ "${out##*$'\n'}" = 200 ] || fail "clickhouse at $1: $2: ${out%$'\n'*}"
    printf '%s\n' "${out%$'\n'*}"
}

ch_stop() {
    [ -n "${CH_PIDS:-}" ] || return 0
    kill -TERM $CH_PIDS 2>/dev/null
    for _ in $(seq 100); do
        kill -0 $CH_PIDS 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL $CH_PIDS 2>/dev/null
    CH_PIDS=
}
