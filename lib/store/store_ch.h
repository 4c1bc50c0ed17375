/* store_ch.h -- what the ClickHouse engine's files share (not an API):
 * store_clickhouse.c (open, schema, keys, submit, the engine's table),
 * store_ch_query.c (the read side), store_ch_detect.c (the surge detector
 * one front-end at a time runs over everybody's events, and retention).
 * Design: docs/clickhouse-schema.md; the SQL: clickhouse_schema.sql.
 *
 * Clients: a ww_ch (client/clickhouse.h) is one connection used by one
 * thread at a time, so the engine keeps a pool per target and a call takes
 * one (ch_get) and gives it back (ch_put). Two targets: CH_DB, the --db
 * server (raw events, aggregates, batches: the Distributed tables, readable
 * and writable from any shard), and CH_HOME, shard 1 of the cluster (the
 * shared small tables: keys, alerts, floods, notices, meta, ...). Shards'
 * HTTP ports are taken to be --db's (system.clusters names only their TCP
 * ports): shards on one port, each on its own host. */
#ifndef WW_STORE_CH_H
#define WW_STORE_CH_H
#include <pthread.h>
#include <stdint.h>

#include "client/clickhouse.h"
#include "core/buf.h"
#include "detect/hold.h"
#include "store/engine.h"

#define CH_SCHEMA_VERSION 2
#define CH_POOL_MAX 64          /* idle connections kept per target */
#define CH_TIMEOUT_MS 60000     /* each request, whole (CH_SUBMIT: CH_SUBMIT_TIMEOUT_MS) */
#define CH_SUBMIT_TIMEOUT_MS 10000 /* each request of a commit round (store_clickhouse.c) */
#define CH_ANSWER_MAX (256u << 20)
#define CH_DONE_BIT (1ULL << 62)     /* batches.v of a done row: outlives its front-end's claims */
/* A batch claim without its done row, older than this: its front-end died.
 * A front-end writes its done row within it or not at all (each request of
 * a round bounded by CH_SUBMIT_TIMEOUT_MS, the events insert begun only
 * while two of them still fit), so another front-end never takes a batch
 * whose done row may yet come. */
#define CH_CLAIM_STALE_US 30000000LL
#define CH_CLOCK_SKEW_US 5000000LL /* front-ends' clocks agree within this (NTP): added to another's claim */

/* CH_SUBMIT: CH_DB, CH_HOMEW: CH_HOME, with CH_SUBMIT_TIMEOUT_MS timeouts
 * (commit rounds; the detector's writes, bounded by its lease) */
enum ch_target { CH_DB, CH_HOME, CH_SUBMIT, CH_HOMEW, CH_TARGETS };

struct ch_pool {
    char *url;                  /* http://host:port/db */
    struct ww_ch *idle[CH_POOL_MAX];
    size_t nidle;
};

struct ch_key {                 /* a keys row, as the front-end caches it */
    int64_t id, created, revoked, birth, ver;
    char name[65];
    unsigned char hash[32];
};

struct ch_det;                  /* store_ch_detect.c */
struct job;                     /* store_clickhouse.c: a submission in a commit round */

struct ch_store {
    struct ww_store base;       /* first: the engine's table (engine.h) */
    char *spec;                 /* clickhouse://host:port/db?cluster=NAME, for messages */
    char *db, *cluster;         /* database name; cluster (NULL: none named) */
    char *user, *password;      /* from the config file; NULL = ClickHouse's default user */
    struct ch_pool pool[CH_TARGETS];
    char **shard_url;           /* every shard's http://host:port/db (schema, retention) */
    size_t nshards;
    uint64_t frontend;          /* this process's id among the front-ends (random) */
    pthread_mutex_t mu;         /* pools, counters, status, keys cache */
    struct ww_store_counters counters;
    int failed;                 /* the last write failed */
    char why[512];              /* ... and why */
    struct ch_key *keys;        /* cache of keys FINAL (ch_keys_refresh) */
    size_t nkeys;
    int64_t keys_at;            /* monotonic us the cached read began; 0 = none yet */
    int64_t keys_min;           /* reads begun before this are stale (a key written since) */
    int64_t keys_began;         /* when the latest read began (in flight or done) */
    int keys_reading, keys_rc;  /* a read in flight; the result of the latest done */
    uint64_t keys_gen;          /* reads done */
    pthread_cond_t keys_cv;     /* a read done */
    int64_t release_us;         /* the detector's release point as last read (late counts) */
    struct ww_store_opts opts;
    int64_t lateness_us;
    struct ch_det *det;         /* NULL until start */
    struct { int64_t sensor; char *batch_id; } *inflight; /* batches in hand (submit) */
    size_t ninflight;
    struct job *jobs, **jobs_tail; /* submissions waiting for the committer's next round */
    pthread_cond_t work, jobs_done;
    pthread_t committer;
    int committer_on, stop;
};

static inline struct ch_store *ch_st(struct ww_store *s) { return (struct ch_store *)s; }

/* Pool: a connected client of target t (opened on demand), NULL with the
 * reason in st->why if it cannot be made; ch_put gives it back (or closes
 * it if the pool is full). */
struct ww_ch *ch_get(struct ch_store *st, enum ch_target t);
void ch_put(struct ch_store *st, enum ch_target t, struct ww_ch *c);

/* One statement or query on target t, the SQL built printf-style. Errors:
 * the ClickHouse message goes to st->why (not marking the store failed),
 * and the call returns WW_ERR_FORMAT for a query, WW_ERR_IO for a write.
 * ch_query hands each row to fn (client/clickhouse.h). ch_int: the first
 * column of the first row as an integer (def when no row or \N). */
int ch_exec(struct ch_store *st, enum ch_target t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int ch_query(struct ch_store *st, enum ch_target t, ww_ch_row_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int ch_int(struct ch_store *st, enum ch_target t, int64_t def, int64_t *out, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* INSERT INTO table FORMAT fmt of body on target t, synchronously on every
 * shard it goes to (insert_distributed_sync=1). WW_ERR_IO on failure. */
int ch_insert(struct ch_store *st, enum ch_target t, const char *table, const char *format,
              const void *body, size_t len);

/* SQL literals, into b: a quoted string ('...' with \\ \' escapes), an
 * address as toFixedString(unhex('32 hex'), 16). */
void ch_lit_str(struct ww_buf *b, const char *s, size_t n);
void ch_lit_addr(struct ww_buf *b, const struct ww_addr *a);
/* A FixedString(16) column's bytes (len 16) to an address (IPv4-mapped ->
 * family 4); WW_ERR_PARSE if len is not 16. */
int ch_col_addr(const char *col, size_t len, struct ww_addr *out);
/* A column as an integer (\N and junk: def). */
int64_t ch_col_int(const char *col, int64_t def);

/* RowBinary writers for inserts (little-endian, String = LEB128 length +
 * bytes, FixedString(16) = the 16 bytes). */
void ch_rb_u8(struct ww_buf *b, uint8_t v);
void ch_rb_u16(struct ww_buf *b, uint16_t v);
void ch_rb_u32(struct ww_buf *b, uint32_t v);
void ch_rb_u64(struct ww_buf *b, uint64_t v);
void ch_rb_f64(struct ww_buf *b, double v);
void ch_rb_str(struct ww_buf *b, const void *s, size_t n);
void ch_rb_len(struct ww_buf *b, uint64_t n); /* a String's or an Array's length (LEB128) */
void ch_rb_addr(struct ww_buf *b, const struct ww_addr *a);

/* The schema (clickhouse_schema.sql) statement by statement: each ends
 * with ';' at the end of a line that is not a `--` comment; comment-only
 * chunks are skipped. Each goes to fn made for cluster (ch_schema_stmt);
 * fn's first non-zero return stops the walk and is returned; WW_ERR_PARSE
 * if the file ends in an unfinished statement. ch_schema_stmt: one
 * statement (n bytes of s) with @CLUSTER@ named, or for cluster NULL each
 * "Distributed(@CLUSTER@, currentDatabase(), X_local...)" made
 * "Merge(currentDatabase(), '^X_local$')"; ww_free it. */
int ch_schema_each(const char *file, const char *cluster, int (*fn)(void *ctx, const char *sql), void *ctx);
char *ch_schema_stmt(const char *cluster, const char *s, size_t n);

/* The keys cache, read again unless it holds a read begun at or after
 * `asked` (monotonic us; 0: one under KEYS_REFRESH_US old and begun after
 * the last ch_keys_stale). One read at a time: callers a read in flight
 * would serve wait for it, so a burst of unknown secrets costs one query;
 * reads asked for (asked != 0) come at most one a KEYS_FORCED_US. WW_OK,
 * or the error of the read that served the caller (the old copy stays).
 * Under st->mu. ch_keys_stale (under st->mu): a key was written, the cache
 * no longer counts as fresh. */
int ch_keys_refresh(struct ch_store *st, int64_t asked);
void ch_keys_stale(struct ch_store *st);

/* store_ch_detect.c: the detector. ch_det_start starts its thread (it
 * competes for the lease with the other front-ends; only the holder
 * judges); ch_det_stop stops and frees it (saving its state if it holds
 * the lease). ch_det_time fills the event-time figures (from this
 * front-end's detector if it holds the lease, else from what the holder
 * last saved in meta). ch_det_waiting: events stored but not judged yet. */
int ch_det_start(struct ch_store *st, char *err, size_t errlen);
void ch_det_stop(struct ch_store *st);
int ch_det_time(struct ch_store *st, struct ww_store_time *out);

/* store_ch_query.c: the read side (engine.h ops). */
int chq_port(struct ww_store *st, int port, int64_t day, struct ww_store_rows *out);
int chq_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day, int hourly,
                    struct ww_store_rows *out);
int chq_topports(struct ww_store *st, enum ww_store_by by, int limit, int64_t day,
                 struct ww_store_rows *out);
int chq_sources(struct ww_store *st, int limit, int port, int64_t now_us, struct ww_store_rows *out);
int chq_ip(struct ww_store *st, const struct ww_cidr *key, struct ww_store_ip *out);
int chq_alerts(struct ww_store *st, int limit, struct ww_store_rows *out);
int chq_alert_sample(struct ww_store *st, int port, int proto, int64_t start_us, struct ww_addr *a,
                     size_t *n);
int chq_floods(struct ww_store *st, int limit, int64_t day, struct ww_store_rows *out);
int chq_active(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
int chq_sensors(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
int chq_time(struct ww_store *st, struct ww_store_time *out);
int chq_span(struct ww_store *st, int64_t now_us, int64_t *first_day, int64_t *last_day);
int chq_growth(struct ww_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
               struct ww_store_rows *out);
int chq_new_sources(struct ww_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                    struct ww_store_rows *out, int64_t *total);
int chq_notices(struct ww_store *st, int64_t after, int limit,
                int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us,
                          const char *body),
                void *ctx);
int chq_notices_pending(struct ww_store *st, int64_t after, int64_t *count, int64_t *last);
int chq_cursor_get(struct ww_store *st, const char *target, int64_t *last_id);
int chq_cursor_set(struct ww_store *st, const char *target, int64_t last_id);
int chq_backscatter(struct ww_store *st, int64_t day, int limit, struct ww_store_rows *out);
int chq_metrics(struct ww_store *st, FILE *out);

#endif
