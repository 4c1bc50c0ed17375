-- clickhouse_schema.sql -- the ClickHouse store's schema (issue 15), version 2
-- (issue 17 added events' fp, os, os_name, src_os and alerts' sample,
-- os_mix; store_clickhouse.c's migrations take a version 1 store there).
-- Design and the SQLite-to-ClickHouse mapping: docs/clickhouse-schema.md.
-- For ClickHouse 18.16: no DateTime64 (times are UInt64 microseconds since
-- 1970 UTC), no table TTL (retention = ALTER TABLE ... DROP PARTITION, run by
-- the collector), no ON CLUSTER without ZooKeeper (this file is run on every
-- shard over its own HTTP port, one statement per request: a statement ends
-- with ';' at the end of a line that is not a comment). Every statement is idempotent, so running
-- the file again is harmless. @CLUSTER@ is replaced by the cluster's name
-- (the ?cluster= of --db) before the file is sent.
-- Addresses are FixedString(16): core/addr.h's 16 bytes, IPv4 as the
-- IPv4-mapped IPv6 address (IPv6NumToString shows ::ffff:a.b.c.d).
-- Per shard: *_local tables; the unsuffixed Distributed table of each is
-- what the collector reads and writes. Shared small tables (keys, alerts,
-- ...) exist on every shard but only the home shard's copy is used (shard 1
-- of the cluster, see the design document).

-- raw events, one row per ww_event; d = UTC day of ts (written by the
-- collector, tz-free), port = ww_event_port(), reply = ww_event_is_reply();
-- fp: a SYN's fingerprint as text (core/synfp.h ww_synfp_format, '' if
-- none), os and os_name its match in the front-end's p0f database
-- (detect/osdb.h; 0 and '' if none). Columns past count came with version
-- 2 (added at the end, as its migration adds them)
CREATE TABLE IF NOT EXISTS events_local (
    d Date, ts UInt64, src FixedString(16), dst FixedString(16),
    sport UInt16, dport UInt16, port UInt16, proto UInt8, tcpflags UInt8,
    action UInt8, outcome UInt8, reply UInt8, sensor UInt64, count UInt32,
    fp String DEFAULT '', os UInt16 DEFAULT 0, os_name String DEFAULT ''
) ENGINE = MergeTree PARTITION BY d ORDER BY (port, proto, ts);
CREATE TABLE IF NOT EXISTS events AS events_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), events_local, cityHash64(src));

-- per port, protocol and hour (SQLite agg_hour); h = hour number
CREATE TABLE IF NOT EXISTS agg_hour_local (
    d Date, port UInt16, proto UInt8, h UInt32,
    records AggregateFunction(sum, UInt64),
    nsrc AggregateFunction(uniqCombined, FixedString(16)),
    ndst AggregateFunction(uniqCombined, FixedString(16)),
    nsens AggregateFunction(uniqCombined, UInt64)
) ENGINE = AggregatingMergeTree PARTITION BY d ORDER BY (port, proto, h);
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_hour_mv TO agg_hour_local AS
    SELECT d, port, proto, toUInt32(intDiv(ts, 3600000000)) AS h,
           sumState(toUInt64(count)) AS records, uniqCombinedState(src) AS nsrc,
           uniqCombinedState(dst) AS ndst, uniqCombinedState(sensor) AS nsens
    FROM events_local GROUP BY d, port, proto, h;
CREATE TABLE IF NOT EXISTS agg_hour AS agg_hour_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), agg_hour_local);

-- per port, protocol and day (SQLite agg_day); its top sources are
-- agg_src's rows of that day and port
CREATE TABLE IF NOT EXISTS agg_day_local (
    d Date, port UInt16, proto UInt8,
    records AggregateFunction(sum, UInt64),
    nsrc AggregateFunction(uniqCombined, FixedString(16)),
    ndst AggregateFunction(uniqCombined, FixedString(16)),
    nsens AggregateFunction(uniqCombined, UInt64)
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(d) ORDER BY (d, port, proto);
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_day_mv TO agg_day_local AS
    SELECT d, port, proto,
           sumState(toUInt64(count)) AS records, uniqCombinedState(src) AS nsrc,
           uniqCombinedState(dst) AS ndst, uniqCombinedState(sensor) AS nsens
    FROM events_local GROUP BY d, port, proto;
CREATE TABLE IF NOT EXISTS agg_day AS agg_day_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), agg_day_local);

-- per source, day, port and protocol (SQLite srcs: records, first/last,
-- targets, ports, sensors, byport, days; agg_day's top): probes only, a
-- reply's sender is a victim, not a source. One source's rows sit on one
-- shard (events are sharded by cityHash64(src)).
CREATE TABLE IF NOT EXISTS agg_src_local (
    d Date, src FixedString(16), port UInt16, proto UInt8,
    records AggregateFunction(sum, UInt64),
    first AggregateFunction(min, UInt64), last AggregateFunction(max, UInt64),
    ntgt AggregateFunction(uniqCombined, FixedString(16)),
    nsens AggregateFunction(uniqCombined, UInt64)
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(d) ORDER BY (d, src, port, proto);
CREATE MATERIALIZED VIEW IF NOT EXISTS agg_src_mv TO agg_src_local AS
    SELECT d, src, port, proto,
           sumState(toUInt64(count)) AS records, minState(ts) AS first, maxState(ts) AS last,
           uniqCombinedState(dst) AS ntgt, uniqCombinedState(sensor) AS nsens
    FROM events_local WHERE reply = 0 GROUP BY d, src, port, proto;
CREATE TABLE IF NOT EXISTS agg_src AS agg_src_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), agg_src_local);

-- a source's first and last time ever, for new_sources without a scan of agg_src
CREATE TABLE IF NOT EXISTS src_seen_local (
    src FixedString(16),
    first AggregateFunction(min, UInt64), last AggregateFunction(max, UInt64)
) ENGINE = AggregatingMergeTree ORDER BY src;
CREATE MATERIALIZED VIEW IF NOT EXISTS src_seen_mv TO src_seen_local AS
    SELECT src, minState(ts) AS first, maxState(ts) AS last
    FROM events_local WHERE reply = 0 GROUP BY src;
CREATE TABLE IF NOT EXISTS src_seen AS src_seen_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), src_seen_local);

-- a source's OS (SQLite srcs.os, os_name): its best match over its SYNs,
-- the smallest os, with that match's label as text (version 2)
CREATE TABLE IF NOT EXISTS src_os_local (
    src FixedString(16),
    os_min AggregateFunction(min, UInt16), os_label AggregateFunction(argMin, String, UInt16)
) ENGINE = AggregatingMergeTree ORDER BY src;
CREATE MATERIALIZED VIEW IF NOT EXISTS src_os_mv TO src_os_local AS
    SELECT src, minState(os) AS os_min, argMinState(os_name, os) AS os_label
    FROM events_local WHERE reply = 0 AND os > 0 GROUP BY src;
CREATE TABLE IF NOT EXISTS src_os AS src_os_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), src_os_local);

-- backscatter: a victim's (the reply's src) replies per protocol and day
CREATE TABLE IF NOT EXISTS backscatter_local (
    d Date, victim FixedString(16), proto UInt8,
    records AggregateFunction(sum, UInt64),
    first AggregateFunction(min, UInt64), last AggregateFunction(max, UInt64),
    ntgt AggregateFunction(uniqCombined, FixedString(16))
) ENGINE = AggregatingMergeTree PARTITION BY toYYYYMM(d) ORDER BY (d, victim, proto);
CREATE MATERIALIZED VIEW IF NOT EXISTS backscatter_mv TO backscatter_local AS
    SELECT d, src AS victim, proto,
           sumState(toUInt64(count)) AS records, minState(ts) AS first, maxState(ts) AS last,
           uniqCombinedState(dst) AS ntgt
    FROM events_local WHERE reply = 1 GROUP BY d, victim, proto;
CREATE TABLE IF NOT EXISTS backscatter AS backscatter_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), backscatter_local);

-- batches: a sensor's batch ids, claimed then done (issue item 3: a batch
-- id is accepted once per sensor across all front-ends). A front-end first
-- inserts a claim (state 0), reads the rows of that (sensor, batch_id), and
-- goes on only if no done row (state 1) and no live claim of another
-- front-end is there (younger than 30 s; a front-end that backed off
-- withdrew its claim, state 2); then the events, then the done row (ts =
-- arrival, events = records, wm = the batch's latest event time, late = its
-- events already judged). One row per front-end and batch id: a merge never
-- folds one front-end's claim into another's (that would hide a live claim
-- from the second front-end), and v orders one front-end's rows (a done row,
-- bit 62, outlives its later claims). Readers take done rows, once per
-- (sensor, batch_id). Sharded by sensor, unpartitioned (a partition would
-- split a retry from its first row); retention by ALTER TABLE ... DELETE.
CREATE TABLE IF NOT EXISTS batches_local (
    sensor UInt64, batch_id String, ts UInt64, events UInt64, wm UInt64,
    late UInt64, frontend UInt64, state UInt8, v UInt64
) ENGINE = ReplacingMergeTree(v) ORDER BY (sensor, batch_id, frontend);
CREATE TABLE IF NOT EXISTS batches AS batches_local
    ENGINE = Distributed(@CLUSTER@, currentDatabase(), batches_local, sensor);

-- ---- shared small tables: read and written on the home shard only --------
-- A change is a new row with a larger ver (the writer's microsecond clock),
-- readers use FINAL (or argMax by ver), merges keep the latest.

-- meta: version (of this schema); the detector's lease ('detector': v =
-- the front-end's id, ver = the lease's expiry) and its saved state
-- (surge, surge_wm, release, sensors: blobs and numbers as text in v)
CREATE TABLE IF NOT EXISTS meta (k String, v String, ver UInt64)
    ENGINE = ReplacingMergeTree(ver) ORDER BY k;

CREATE TABLE IF NOT EXISTS keys (
    id UInt64, name String, hash FixedString(32), created UInt64, revoked UInt64,
    birth Int64, ver UInt64
) ENGINE = ReplacingMergeTree(ver) ORDER BY name;

CREATE TABLE IF NOT EXISTS alerts (
    port UInt16, proto UInt8, start UInt64, alert UInt64, end UInt64,
    sources UInt64, new_sources UInt64, baseline_new Float64, score Float64,
    explanation String, side String, kind String, sensors UInt64, new_targets UInt64,
    new_per_bucket String, growth_per_hour Float64, doubling_s Float64,
    population Float64, saturation UInt64, ver UInt64,
    sample String DEFAULT '', os_mix String DEFAULT ''
) ENGINE = ReplacingMergeTree(ver) ORDER BY (port, proto, start);

CREATE TABLE IF NOT EXISTS floods (
    target FixedString(16), port UInt16, proto UInt8, start UInt64, end UInt64,
    sources UInt64, records UInt64, ver UInt64
) ENGINE = ReplacingMergeTree(ver) ORDER BY (target, port, proto, start);

-- notices: id = the alert's or flood's ver (microseconds), unique per row
CREATE TABLE IF NOT EXISTS notices (id UInt64, kind String, created UInt64, body String)
    ENGINE = ReplacingMergeTree ORDER BY id;

CREATE TABLE IF NOT EXISTS notify_cursors (target String, last_id UInt64)
    ENGINE = ReplacingMergeTree(last_id) ORDER BY target;

CREATE TABLE IF NOT EXISTS dshield_keys (
    userid UInt64, key_id UInt64, apikey String, every UInt64, ver UInt64
) ENGINE = ReplacingMergeTree(ver) ORDER BY userid;

CREATE TABLE IF NOT EXISTS dshield_nonces (userid UInt64, nonce String, ts UInt64)
    ENGINE = ReplacingMergeTree(ts) ORDER BY (userid, nonce);

-- history moved from a SQLite store (`wormwatch store copy`): its
-- aggregates as plain figures (its distinct counts cannot become
-- uniqCombined states), added by the queries to what the views hold.
-- ports: port * 256 + proto.
CREATE TABLE IF NOT EXISTS hist_hour (
    port UInt16, proto UInt8, h UInt32, records UInt64, nsrc UInt64, ndst UInt64, nsens UInt64
) ENGINE = ReplacingMergeTree ORDER BY (port, proto, h);
CREATE TABLE IF NOT EXISTS hist_day (
    d Date, port UInt16, proto UInt8, records UInt64, nsrc UInt64, ndst UInt64, nsens UInt64,
    top_src Array(FixedString(16)), top_records Array(UInt64)
) ENGINE = ReplacingMergeTree ORDER BY (d, port, proto);
CREATE TABLE IF NOT EXISTS hist_src (
    src FixedString(16), first UInt64, last UInt64, records UInt64, ntgt UInt64, nport UInt64,
    nsens UInt64, ports Array(UInt32), port_records Array(UInt64), days Array(UInt16),
    day_records Array(UInt64)
) ENGINE = ReplacingMergeTree ORDER BY src;
CREATE TABLE IF NOT EXISTS hist_bsc (
    d Date, victim FixedString(16), proto UInt8, records UInt64, first UInt64, last UInt64,
    ntgt UInt64
) ENGINE = ReplacingMergeTree ORDER BY (d, victim, proto);

-- the version row last: a schema whose version row exists is complete
INSERT INTO meta (k, v, ver) VALUES ('version', '2', 2);
