/* store_int.h -- what the SQLite engine's three files share (not an API):
 * store_blob.c (in-memory aggregate values and their blob encodings),
 * store_sqlite.c (open, keys, the writer: log, cache, flush, replay, and
 * the engine's table) and store_query.c (the read side). Nothing of SQLite
 * is seen outside them, but for the alert texts and notice bodies, which
 * the ClickHouse store's detector (store_ch_detect.c) makes alike. */
#ifndef WW_STORE_INT_H
#define WW_STORE_INT_H
#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/dcount.h"
#include "core/hll.h"
#include "core/wtime.h"
#include "detect/hold.h"
#include "detect/surge.h"
#include "store/engine.h"

#define EXACT_MAX 128 /* distinct sets: exact up to this, then HyperLogLog */
#define TOPK 32       /* top sources kept per port and day */
#define SRC_PORTS WW_STORE_IP_PORTS /* ports kept per source */
#define SRC_DAYS WW_STORE_IP_DAYS   /* days of timeline kept per source */

/* Distinct counts (lib/core/dcount.h) as blobs: 'E' + n little-endian u64
 * hashes (exact), or 'H' + 4096 HyperLogLog registers. */
#define DCOUNT_BLOB_MAX (1 + 4096 + 8 * (WW_DCOUNT_EXACT + 1))
size_t blob_dcount_encode(const struct ww_dcount *d, unsigned char *buf);
/* d must be empty; a malformed blob leaves it empty */
void blob_dcount_decode(struct ww_dcount *d, const unsigned char *b, size_t len);

/* A bounded tally of (key, count): the heaviest keys (Space-Saving: when
 * full, a new key replaces the lightest and inherits its count as `err`, so
 * c is an upper bound and c - err a lower one), or with `recent` the newest
 * keys (a timeline: when full, the smallest key goes). Keys are 16 bytes +
 * a family/tag byte. */
struct tally_e { uint8_t k[17]; uint64_t c, err; };
#define TALLY_ENTRY 33 /* bytes per entry in a blob */
struct tally {
    uint32_t n, cap;
    int recent;
    uint64_t lo;                  /* heaviest: no count below it (finds the lightest fast) */
    struct tally_e *e;
};
void tally_add(struct tally *t, const uint8_t key[17], uint64_t c, uint64_t err);
void tally_free(struct tally *t);
size_t tally_encode(const struct tally *t, unsigned char *buf); /* buf >= TALLY_ENTRY * cap */
void tally_decode(struct tally *t, const unsigned char *b, size_t len); /* t empty, cap set */
/* sorts by guaranteed count (c - err) descending, then c, then key */
void tally_sort(struct tally *t);
/* sorts by key ascending (integer keys as numbers: a timeline by day) */
void tally_sort_keys(struct tally *t);
/* keys: an address, a (port, proto), a day */
void tally_key_addr(uint8_t k[17], const struct ww_addr *a);
void tally_key_int(uint8_t k[17], int64_t v);
int64_t tally_key_int_value(const uint8_t k[17]);

/* Events as stored in the log, in the form of the row's `fmt` column:
 * LOG_FMT (3): ts, count, dport, sport, proto, tcpflags, src, dst, then a
 * SYN's fingerprint (core/synfp.h: its flags byte, and when not 0 quirks,
 * win, mss, ttl, olen, wscale, eol_pad, nopt and the nopt option kinds),
 * so a replay matches it again as the first apply did; 2: the same without
 * the fingerprint; 1 (a row of a store written before fmt existed, NULL in
 * the column): ts, count, dport, proto, src, dst (sport and flags read as
 * 0). The sensor is the row's, not the event's. */
#define LOG_FMT 3
size_t log_encode_event(const struct ww_event *e, unsigned char *buf); /* LOG_FMT, <= LOG_EVENT_MAX */
#define LOG_EVENT_MAX (8 + 4 + 2 + 2 + 1 + 1 + 2 * 17 + 1 + 4 + 2 + 2 + 6 + WW_SYNFP_OPTS)
/* Decodes the next event of form fmt at b[*off..len); WW_ERR_PARSE if
 * malformed or of a form this build does not know. */
int log_decode_event(int fmt, const unsigned char *b, size_t len, size_t *off, struct ww_event *e);

/* store_sqlite.c: a surge alert's explanation (the figures when called,
 * its reach, then its kind and side in words: ww_surge_growth_text), and
 * its new sources per bucket from the growth slots. */
size_t store_alert_explain(const struct ww_surge *r, char *buf, size_t len);
size_t store_alert_buckets(const struct ww_surge *r, int64_t out[WW_STORE_BUCKETS]);
const char *store_surge_kind(const struct ww_surge *r); /* "campaign", "spreading" */
const char *store_surge_side(const struct ww_surge *r); /* "destination", "source" */
/* An alert's sample (issue 17), alike in both engines: its addresses as
 * 17 bytes each (tally_key_addr), b >= 17 * WW_SURGE_SAMPLE, and back (at
 * most WW_SURGE_SAMPLE into a); its OS breakdown as the writer's database
 * names it, text "SAMPLED\tKNOWN" then a "\nN\tLABEL" per row (0, nothing,
 * without a database or a sample), and that text back into an alert's
 * os_has, os_known, nos and os[] (NULL or malformed: nothing). */
#define STORE_OS_TEXT_MAX (WW_STORE_MIX_TOP * (96 + 12) + 32) /* 96: WW_GEO_ORG_MAX, a mix row's name */
struct ww_osdb;
size_t store_alert_sample(const struct ww_surge *r, unsigned char *b);
size_t store_alert_sample_decode(const unsigned char *b, size_t len, struct ww_addr *a);
size_t store_alert_os_text(const struct ww_surge *r, const struct ww_osdb *db, char *text, size_t size);
void store_alert_os_mix(struct ww_store_alert *a, const char *text);

/* Notice bodies (store.h, "notices"), JSON made by SQLite's json_object, so
 * that the ClickHouse store's detector (store_ch_detect.c, on an in-memory
 * SQLite) writes them byte for byte alike. STORE_SURGE_JSON's parameters:
 * store_surge_json_bind (?11, ?12: proto and start as integers, for the
 * caller's WHERE); STORE_FLOOD_JSON's: store_flood_json_bind (?3, ?4 the
 * same); STORE_SENSOR_JSON reads columns name, last_seen and ?2, the
 * sensor's watermark (INT64_MIN: none). */
#define STORE_SURGE_JSON "json_object('port', ?1, 'proto', ?2, 'start', ?3, 'alert', ?4," \
    " 'end', ?5, 'sources', ?6, 'new_sources', ?7, 'baseline_new', ?8, 'score', ?9," \
    " 'explanation', ?10, 'surge_kind', ?13, 'side', ?14, 'sensors', ?15, 'new_targets', ?16)"
#define STORE_FLOOD_JSON "json_object('target', ?1, 'port', ?2, 'proto', ?8, 'start', ?9," \
    " 'end', ?10, 'sources', ?6, 'records', ?7)"
#define STORE_SENSOR_JSON "json_object('sensor', name, 'last', CASE WHEN last_seen > 0 THEN" \
    " strftime('%Y-%m-%dT%H:%M:%SZ', last_seen / 1000000, 'unixepoch') END," \
    " 'watermark', CASE WHEN ?2 > -9223372036854775808 THEN" \
    " strftime('%Y-%m-%dT%H:%M:%SZ', ?2 / 1000000, 'unixepoch') END)"
void store_surge_json_bind(sqlite3_stmt *s, const struct ww_surge *r, const char *expl);
void store_flood_json_bind(sqlite3_stmt *s, const struct ww_flood *f);

struct writer;

struct sq_store {
    struct ww_store base;        /* first: the engine's table (engine.h) */
    char *path;
    sqlite3 *db;                 /* the writer's connection (and keys) */
    sqlite3_stmt **stmt;         /* db's prepared statements (store_sqlite.c) */
    pthread_mutex_t wlock;       /* db */
    sqlite3 *rdb;                /* queries */
    pthread_mutex_t rlock;       /* rdb */
    sqlite3 *ndb;                /* the notifier's (notices, cursors), opened on first use */
    pthread_mutex_t nlock;       /* ndb */
    struct writer *w;            /* NULL until ww_store_start */
    pthread_mutex_t start_lock;
    char *lockpath;              /* path + "-lock" */
    int lockfd;                  /* held: flock on lockpath (the writer runs) */
    struct ww_hold_opts hold_opts; /* from ww_store_start */
};

/* The writer's lock file (see store_sqlite.c): take flocks lockpath
 * (creating it) and makes sure the name still points at what it locked;
 * WW_ERR_LIMIT if another holds it, WW_ERR_IO (err set) if it cannot be
 * created. release unlinks it while still holding it, then closes. */
int  store_lock_take(const char *lockpath, int *fd, char *err, size_t errlen);
void store_lock_release(const char *lockpath, int fd);

static inline struct sq_store *sq(struct ww_store *st) { return (struct sq_store *)st; }

/* Blocks until every batch committed before the call is in the aggregates
 * (no-op when no writer runs); WW_ERR_IO if the writer cannot write them
 * now (a full disk): queries would miss acknowledged batches. */
int sq_sync(struct sq_store *st);
/* store_sqlite.c's status and counters, for the metrics */
int sq_status(struct ww_store *st, char *why, size_t len);
/* The hold (detect/hold.h) as this process's writer last left it, else as
 * last saved (read on rdb: call under rlock); NULL if there is none yet.
 * The caller frees it. *waiting: the writer's waiting events then (its
 * bytes leave them out), else 0. */
struct ww_hold *sq_hold_view(struct sq_store *st, uint64_t *waiting);
void sq_counters(struct ww_store *st, struct ww_store_counters *out);

/* store_query.c: the read side of the engine's table */
int sq_metrics(struct ww_store *st, FILE *out);
int sq_port(struct ww_store *st, int port, int64_t day, struct ww_store_rows *out);
int sq_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day, int hourly,
                   struct ww_store_rows *out);
int sq_topports(struct ww_store *st, enum ww_store_by by, int limit, int64_t day,
                struct ww_store_rows *out);
int sq_sources(struct ww_store *st, int limit, int port, int64_t now_us,
               struct ww_store_rows *out);
int sq_ip(struct ww_store *st, const struct ww_cidr *key, struct ww_store_ip *out);
int sq_alerts(struct ww_store *st, int limit, struct ww_store_rows *out);
int sq_alert_sample(struct ww_store *st, int port, int proto, int64_t start_us, struct ww_addr *a,
                    size_t *n);
int sq_floods(struct ww_store *st, int limit, int64_t day, struct ww_store_rows *out);
int sq_active(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
int sq_sensors(struct ww_store *st, int64_t now_us, struct ww_store_rows *out);
int sq_time(struct ww_store *st, struct ww_store_time *out);
int sq_span(struct ww_store *st, int64_t now_us, int64_t *first_day, int64_t *last_day);
int sq_growth(struct ww_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
              struct ww_store_rows *out);
int sq_new_sources(struct ww_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                   struct ww_store_rows *out, int64_t *total);
int sq_backscatter(struct ww_store *st, int64_t day, int limit, struct ww_store_rows *out);

#endif
