/* store.h -- the collector's store: sensor keys, submitted batches, per-port
 * and per-source aggregates, surge alerts, floods, and the queries the HTTP API and
 * `wormwatch report` answer.
 *
 * An interface with engines behind it: ww_store_open picks one by the --db
 * argument (store.c's table): a path, or sqlite:PATH, is the SQLite engine
 * (store_sqlite.c); clickhouse://HOST:PORT/DB[?cluster=NAME] the ClickHouse
 * engine (store_clickhouse.c: many front-ends on one cluster).
 * Callers see an opaque handle, enum ww_err codes and plain C rows; what an
 * engine implements is engine.h.
 *
 * Days are UTC day numbers (epoch_us / 86400e6), times microseconds since
 * 1970. Queries fill a caller's struct ww_store_rows (freed with
 * ww_store_rows_free, also after an error) and return WW_OK; WW_ERR_ARG when
 * the request names nothing (an address never seen, an unknown order);
 * WW_ERR_FORMAT when the engine could not run the query; WW_ERR_IO when the
 * store cannot write (a full disk) and batches it acknowledged are not yet
 * in the aggregates: rather no answer than one that misses them.
 *
 * Threads: a handle may be used from many threads at once. Submissions are
 * written by one writer inside the store (group commit); queries first wait
 * until every batch accepted before the query began is reflected in the
 * aggregates. Opening a store starts nothing; ww_store_start (or the first
 * submit) takes the store's writer lock, replays what a crash left unapplied
 * and starts the writer, so only one process at a time may submit to a
 * store, while any may read it.
 *
 * A full or failing disk loses nothing acknowledged: a batch is
 * acknowledged once it is in the log; aggregates that cannot be written
 * stay in memory and are written again, and the log keeps every batch they
 * do not hold yet. While they cannot be written the store takes no batch
 * (WW_ERR_IO) and queries answer WW_ERR_IO; it tries again by itself. */
#ifndef WW_STORE_H
#define WW_STORE_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/event.h"

struct ww_known;
struct ww_osdb;
struct ww_geo;

struct ww_store;

/* spec: PATH, sqlite:PATH, or an engine's URL. WW_ERR_FORMAT (err says so)
 * for an engine this build does not have. */
int  ww_store_open(const char *spec, struct ww_store **out, char *err, size_t errlen);
/* The same with credentials for an engine that takes them (ClickHouse:
 * its user and password; read from a config file, never a command line);
 * NULL for none. */
int  ww_store_open_as(const char *spec, const char *user, const char *password, struct ww_store **out,
                      char *err, size_t errlen);
void ww_store_close(struct ww_store *st);

/* keys: secret = 32 random bytes as 64 hex chars; only SHA-256(secret) is
 * stored. key_add: WW_ERR_ARG if the name is taken or not 1..64 printable. */
int  ww_store_key_add(struct ww_store *st, const char *name, char secret[65]);
int  ww_store_key_revoke(struct ww_store *st, const char *name); /* WW_ERR_ARG if unknown */
/* Fills *sensor_id (>0) and name if the secret matches a live key, else WW_ERR_ARG. */
int  ww_store_key_check(struct ww_store *st, const char *secret, int64_t *sensor_id,
                        char name[65]);
int  ww_store_key_list(struct ww_store *st,
                       void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                                  int64_t last_seen),
                       void *ctx);

/* DShield sensors (serve's /submitapi/, DShield's own client unchanged):
 * a key registered for a DShield user id (>= 1), listed and revoked by name
 * like any other, with an apikey of WW_STORE_APIKEY base64 characters
 * (what dshield.ini's `apikey` takes), printed once and kept in clear:
 * their header is base64(HMAC-SHA256(key = nonce + userid, apikey)), which
 * only a server holding the apikey can check. It is no bearer key.
 * dshield_add: WW_ERR_ARG if the name is taken or bad, or the user id
 * already has a live key (a revoked one's user id may be registered again).
 * dshield_check: WW_OK when the credentials match the user id's live key
 * (compared in constant time): *sensor_id set and the nonce recorded, or,
 * if the user id already used this nonce (a replay), *replay = 1 and
 * nothing else; WW_ERR_ARG for an unknown or revoked user id or wrong
 * credentials; WW_ERR_IO (nothing recorded) while the store cannot write.
 * Nonces are kept 400 days after their use.
 * dshield_userid: the user id a key was registered for, WW_ERR_ARG if none. */
#define WW_STORE_APIKEY 32
int  ww_store_dshield_add(struct ww_store *st, const char *name, int64_t userid,
                          char apikey[WW_STORE_APIKEY + 1]);
int  ww_store_dshield_check(struct ww_store *st, int64_t userid, const char *nonce,
                            const char *credentials, int64_t now_us, int64_t *sensor_id,
                            int *replay);
int  ww_store_dshield_userid(struct ww_store *st, const char *name, int64_t *userid);
/* The N a DShield key's client keeps every Nth line at (1: all), as the
 * collector follows it run by run (serve/submitapi.c): read into *every,
 * or with next > 0 set to next. */
int  ww_store_dshield_sampling(struct ww_store *st, int64_t sensor_id, int64_t *every, int64_t next);

/* Takes the writer lock (WW_ERR_LIMIT if another process holds it, WW_ERR_IO
 * if it cannot be taken), replays batches committed but not yet aggregated,
 * starts the writer. ww_store_close releases the lock. o: NULL = defaults.
 * Event time (lib/detect/hold.c): surges are judged on what every sensor
 * sent for a bucket, each sensor waited for up to lateness_us behind the
 * latest event time any sensor reported; hold_max bounds the events that
 * wait. */
struct ww_store_opts {
    int64_t lateness_us;      /* 0 = WW_HOLD_LATENESS_US (26 h) */
    size_t hold_max;          /* 0 = WW_HOLD_MAX_EVENTS */
    /* known scanners (detect/known.h; borrowed, outliving the store): their
     * events are stored and held like any, but never reach the surge
     * detector; sources in them get a label in the answers below */
    const struct ww_known *known;
    /* ClickHouse: raw events (and hourly aggregates) kept this many days,
     * older days' partitions dropped once a day; 0 = forever. SQLite keeps
     * no raw events past their aggregation. */
    int64_t retention_days;
    /* Sources grouped per prefix (issue 18, as analyze's --v4-prefix and
     * --v6-prefix): the per-source figures (sources, ip) are kept per group;
     * 0 = the defaults, 32 (IPv4: each address alone) and 64. */
    unsigned v4_prefix, v6_prefix;
};
int  ww_store_start(struct ww_store *st, const struct ww_store_opts *o, char *err, size_t errlen);
/* Who is scanning (issue 17): p0f's database, with which the writer
 * matches each event's SYN fingerprint (struct ww_event's os) and names
 * each source's OS, and the MaxMind databases, which the API looks up at
 * query time (serve/api.c: alike for every engine); borrowed, outliving
 * the store; either NULL for none. Set before ww_store_start. */
void ww_store_enrich(struct ww_store *st, const struct ww_osdb *osdb, const struct ww_geo *geo);
const struct ww_osdb *ww_store_osdb(const struct ww_store *st);
const struct ww_geo *ww_store_geo(const struct ww_store *st);
/* One batch, atomically and durably: returns once it is committed. WW_OK
 * with *duplicate = 1 (nothing stored) if this sensor already submitted
 * batch_id; WW_ERR_IO (nothing stored: send it again later) if the store
 * cannot write now (ClickHouse: an insert that failed on one shard after
 * another took its part leaves that part in; the retry adds it again). */
int  ww_store_submit(struct ww_store *st, int64_t sensor_id, const char *batch_id,
                     const struct ww_event *ev, size_t n, int *duplicate);
/* WW_OK while the writer writes; WW_ERR_IO while it cannot (its last
 * commit or flush failed: submissions are refused, and queries WW_ERR_IO if
 * the aggregates lag). why: the reason for the last failed write
 * ("database or disk is full"), "" if none. */
int  ww_store_status(struct ww_store *st, char *why, size_t len);

/* The writer's counters since start (zeros if it is not running). */
struct ww_store_counters { uint64_t batches, events, duplicates, sources; };
void ww_store_counters(struct ww_store *st, struct ww_store_counters *out);
/* The store's own gauges as Prometheus text. */
int  ww_store_metrics(struct ww_store *st, FILE *out);

/* ---- queries ---- */

/* One bucket's figures: distinct sources, targets and sensors, and the
 * records (events times their count). */
struct ww_store_agg {
    int64_t t;                /* porthistory: the day, or hour number */
    int port, proto;          /* port: proto; topports: both */
    int64_t records, sources, targets, sensors;
};

#define WW_STORE_OS_MAX 64 /* an OS label's text, NUL included (p0f's are shorter) */

/* A source's figures over all time: those of its group (sources rotating
 * inside a prefix, ww_store_opts.v4_prefix/v6_prefix, are one source).
 * src: the group's one address while it showed one (the smallest it
 * showed: whatever order events came in), else its prefix in CIDR text;
 * prefix: the group's prefix ("" for a group of one address by the
 * options, or a row a store made before grouping kept: a group of one);
 * addresses: the distinct addresses it showed (exact to 128, then
 * HyperLogLog). */
struct ww_store_src {
    char src[WW_CIDR_STRLEN];
    char prefix[WW_CIDR_STRLEN];
    int64_t addresses;
    int64_t records, targets, ports, sensors, first_us, last_us;
    const char *label;        /* a known scanner's (ww_store_opts.known), or NULL */
    /* its OS (issue 17): the best match over its SYNs' fingerprints when
     * stored (detect/osdb.h: the smallest nonzero os), kept as p0f's label
     * text, so it stays what it was whatever database reads it later */
    char os[WW_STORE_OS_MAX];  /* "" if none */
    uint16_t os_match;         /* the match it was (WW_OS_KIND: exact .. guess); 0 if none */
};

#define WW_STORE_EXPLAIN 512
#define WW_STORE_MIX_TOP 8 /* an alert's OS rows kept (detect/mix.h's WW_MIX_TOP) */
#define WW_STORE_BUCKETS 8 /* a surge's growth kept: its first 8 buckets (hours) */
struct ww_store_alert {
    int port, proto;
    int64_t start_us, alert_us, end_us; /* end: the last hour still surging */
    int64_t sources, new_sources;
    double baseline_new, score;
    char explanation[WW_STORE_EXPLAIN];
    /* what the surge is (lib/detect/surge.h), as last written while it
     * lasted; an alert stored before these existed has kind and side "" */
    char kind[12];                 /* "spreading", "campaign" */
    char side[12];                 /* "destination"; "source": port is a UDP source port (Witty-like) */
    int64_t sensors, new_targets;  /* the new sources' sensors and targets when called */
    size_t nbuckets;               /* new sources per bucket since the start */
    int64_t new_per_bucket[WW_STORE_BUCKETS];
    double growth_per_hour;        /* r: the new sources grow as e^(r t) */
    double doubling_s;             /* spreading: ln 2 / r; 0 otherwise */
    double population;             /* spreading: sources expected in all; 0 = unknown */
    int64_t saturation_us;         /* spreading: when 95% of them will be seen; 0 = unknown */
    /* who its new sources are (issue 17): how many of them were sampled
     * (struct ww_surge's sample; ww_store_alert_sample has their
     * addresses) and their OS breakdown as the writer named it with p0f's
     * database (detect/mix.h's rows, kept as label text); os_has 0: there
     * was no database (or no sample) */
    uint32_t sampled, os_known;
    int os_has;
    size_t nos;
    struct { char name[WW_STORE_OS_MAX]; uint32_t n; } os[WW_STORE_MIX_TOP];
};

/* Many sources converging on one target and port (a DoS flood, most often
 * with spoofed sources): never an alert. */
struct ww_store_flood {
    char target[WW_ADDR_STRLEN];
    int port, proto;
    int64_t start_us, end_us;      /* first and last event to the target counted */
    int64_t sources, records;
};

/* A surge's hour (ww_store_growth): distinct sources that hour, those new
 * to the port that hour, and since the surge began. */
struct ww_store_growth {
    int64_t hour;                  /* hour number (epoch_us / 3600e6) */
    int64_t records, sources, new_sources, sources_so_far, new_so_far;
    int in_progress;               /* the hour at end_hour: not judged yet */
};

struct ww_store_sensor {
    char name[65];
    int revoked;
    int64_t created_us, last_us;   /* last submission, 0 if none */
    int64_t events_hour, events_day, batches_day, events_minute;
    int64_t wm_us;                 /* its latest event time; INT64_MIN if none */
    int stale;                     /* silent past the lateness: holds nothing */
    int holding;                   /* live and not stale: surges wait for it */
    int64_t late;                  /* its events that came after their time was judged */
};

/* Event time as the writer last left it (or as last saved): the frontier
 * (the latest event time of any sensor; INT64_MIN if none), the release
 * point (events before it are judged; INT64_MIN if none yet), the
 * lateness, and how many events wait, came late, or were judged early
 * (forced) because too many waited. */
struct ww_store_time {
    int64_t frontier_us, release_us, lateness_us;
    int64_t waiting, late, forced, sensors, stale;
};

/* A victim's backscatter on one day (ww_store_backscatter): its replies
 * of one protocol that sensors received unasked (core/event.h
 * ww_event_is_reply), the first and last of them, and the distinct
 * addresses they went to. */
struct ww_store_bsc {
    char victim[WW_ADDR_STRLEN];
    int proto;
    int64_t day, records, targets, first_us, last_us;
};

/* A query's rows: n of the one kind its query returns. */
struct ww_store_rows {
    size_t n;
    union {
        struct ww_store_agg *agg;
        struct ww_store_src *src;
        struct ww_store_alert *alert;
        struct ww_store_sensor *sensor;
        struct ww_store_growth *growth;
        struct ww_store_flood *flood;
        struct ww_store_bsc *bsc;
    };
};
void ww_store_rows_free(struct ww_store_rows *r);

/* One source: its figures, its heaviest ports (by guaranteed count,
 * heaviest first) and its days (oldest first, the newest kept). */
#define WW_STORE_IP_PORTS 32
#define WW_STORE_IP_DAYS 92
struct ww_store_ip {
    struct ww_store_src src;
    size_t nports, ndays;
    struct { int port, proto; int64_t records; } ports[WW_STORE_IP_PORTS];
    struct { int64_t day, records; } days[WW_STORE_IP_DAYS];
};

enum ww_store_by { WW_STORE_BY_RECORDS, WW_STORE_BY_SOURCES, WW_STORE_BY_TARGETS };

/* port on day, a row per protocol (agg: proto) */
int ww_store_port(struct ww_store *st, int port, int64_t day, struct ww_store_rows *out);
/* port per day, or per hour with hourly (buckets with data only; agg: t),
 * summed over protocols */
int ww_store_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day,
                         int hourly, struct ww_store_rows *out);
/* the day's heaviest (port, proto) by `by`, at most limit (agg: port, proto) */
int ww_store_topports(struct ww_store *st, enum ww_store_by by, int limit, int64_t day,
                      struct ww_store_rows *out);
/* top sources by records (src), on the latest day with data not after
 * now_us's day; port >= 0: on that port over the 30 days ending at such a
 * day, records then being each one's guaranteed count there */
int ww_store_sources(struct ww_store *st, int limit, int port, int64_t now_us,
                     struct ww_store_rows *out);
/* The group holding address a (its source row; from a store made before
 * grouping, a's own row when its group has none); WW_ERR_ARG if it was
 * never seen */
int ww_store_ip(struct ww_store *st, const struct ww_addr *a, struct ww_store_ip *out);
/* The same for a network in CIDR text's form: a host is ww_store_ip, a
 * prefix answers only as a group's own (2001:db8:77:1::/64 under the
 * default grouping); WW_ERR_ARG if no group has that prefix */
int ww_store_ip_prefix(struct ww_store *st, const struct ww_cidr *c, struct ww_store_ip *out);
/* The sampled new sources of the alert on (port, proto) that started at
 * start_us (struct ww_surge's sample, at most WW_SURGE_SAMPLE): their
 * addresses into a[0 .. *n); *n = 0 if none were kept (an engine or an
 * alert without them). WW_ERR_ARG if there is no such alert. */
int ww_store_alert_sample(struct ww_store *st, int port, int proto, int64_t start_us,
                          struct ww_addr *a, size_t *n);
/* newest first (alert) */
int ww_store_alerts(struct ww_store *st, int limit, struct ww_store_rows *out);
/* floods newest first, at most limit (0: 20); those on during day, or on
 * any day with day = INT64_MIN (flood) */
int ww_store_floods(struct ww_store *st, int limit, int64_t day, struct ww_store_rows *out);
/* alerts raised by now_us whose surge was on within the 24 h before it,
 * highest score first (alert) */
int ww_store_active(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
/* every sensor key by name: its submissions in the last minute, hour and
 * day before now_us (sensor) */
int ww_store_sensors(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
int ww_store_time(struct ww_store *st, struct ww_store_time *out);

/* The day's backscatter (bsc), heaviest victim first, at most limit: per
 * victim, protocol and day, kept as commutative aggregates (sums, min, max,
 * a distinct-targets counter) so the figures do not depend on the order
 * batches arrive in. Replies count here and in the port figures, never
 * toward a surge. */
int ww_store_backscatter(struct ww_store *st, int64_t day, int limit, struct ww_store_rows *out);

/* ---- history: where the data is, and how a surge grew ---- */

/* The first and the latest day with data (by event time), the latest not
 * after now_us's day (a sensor whose clock runs ahead must not move
 * "today" into the future); both -1 when there is none. Two index lookups. */
int ww_store_span(struct ww_store *st, int64_t now_us, int64_t *first_day, int64_t *last_day);
/* A surge on (port, proto) hour by hour from from_hour until end_hour
 * (hour numbers: its start and its end, the end of its last surging hour;
 * at most WW_STORE_GROWTH_HOURS; growth rows, one per hour with data), and
 * the hour at end_hour too while no later hour has data (the surge may go
 * on: that hour is not judged yet). "New" means not seen on the port in
 * the WW_STORE_GROWTH_DAYS days before from_hour. Distinct counts come from the hourly and daily
 * aggregates' sets (exact up to 128, then HyperLogLog: a difference of two
 * estimates, so about 1.6% of the union off). */
#define WW_STORE_GROWTH_HOURS 168
#define WW_STORE_GROWTH_DAYS 30
int ww_store_growth(struct ww_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
                    struct ww_store_rows *out);
/* Sources first seen (on any port, by any sensor) from from_us to to_us
 * that have records on port (any protocol), earliest first, at most limit
 * (src); *total: how many there are in all. Scans the sources. */
int ww_store_new_sources(struct ww_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                         struct ww_store_rows *out, int64_t *total);

/* ---- notices: what `serve --notify` delivers (lib/serve/notify.h) ----
 *
 * The writer queues a notice in the same transaction as what it tells of,
 * so neither commits without the other: kind "surge" when an alert is
 * stored the first time (body: the alert as /api/v1/alerts shows it, JSON:
 * port, proto, start, alert, end, sources, new_sources, baseline_new,
 * score, explanation, and surge_kind -- the alert's kind, "kind" being the
 * notice's --, side, sensors, new_targets), "flood" when a
 * flood is stored the first time (body: as /api/v1/floods shows it:
 * target, port, proto, start, end, sources, records), "sensor_silent" / "sensor_back" when a sensor goes
 * silent past its lateness / reports again (body: at least "sensor", its
 * key's name, and "last", RFC 3339 UTC, its last submission). Ids grow;
 * notices are kept. A target (a --notify URL) has a cursor, the id of the
 * last notice it accepted. These calls may come from any thread (their own
 * connection, one at a time); fn must not call the store. */

/* The notices after id `after`, oldest first, at most limit, to fn (which
 * stops the walk by returning non-zero). */
int ww_store_notices(struct ww_store *st, int64_t after, int limit,
                     int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us,
                               const char *body),
                     void *ctx);
/* How many notices come after `after`, and the newest one's id (0: none). */
int ww_store_notices_pending(struct ww_store *st, int64_t after, int64_t *count, int64_t *last);
/* A target's cursor; WW_ERR_ARG if it has none yet. */
int ww_store_notify_cursor(struct ww_store *st, const char *target, int64_t *last_id);
int ww_store_notify_cursor_set(struct ww_store *st, const char *target, int64_t last_id);

/* `wormwatch store copy` (store_copy.c): the history of the SQLite store
 * at path `from` (keys, DShield keys, alerts, floods, notices and cursors,
 * batch ids, the detector's state, the aggregates as figures) into `to`, an
 * open ClickHouse store. WW_ERR_ARG if `to` is not one, or already has
 * keys or events and force is 0; WW_ERR_LIMIT if a collector runs on
 * `from`; WW_ERR_FORMAT if `from` is not a store of this version or its log
 * is not all applied; WW_ERR_IO if either cannot be read or written. err
 * says which and why. progress (may be NULL) hears each table: rows so
 * far, done = 1 at its end. Safe to run again after a failure midway. */
typedef void (*ww_store_copy_fn)(void *ctx, const char *table, int64_t rows, int done);
int ww_store_copy(const char *from, struct ww_store *to, int force, ww_store_copy_fn progress,
                  void *ctx, char *err, size_t errlen);

/* The default store path, $XDG_DATA_HOME/wormwatch/wormwatch.db (else
 * ~/.local/share/wormwatch/wormwatch.db), directories created (0700).
 * Caller frees with ww_free. */
char *ww_store_default_path(void);

#endif
