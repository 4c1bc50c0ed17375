/* store_sqlite.c -- the SQLite store engine (store.h, engine.h): open,
 * keys, and the write side; the engine's table is at the end. Queries are
 * in store_query.c, blob encodings in store_blob.c. --db PATH or
 * sqlite:PATH.
 *
 * Durability is the log, not the aggregates. A submitted batch is
 * committed as one `batches` row (sensor, batch_id: the primary key that
 * makes a retry a duplicate) and one `log` row holding its events in a
 * compact binary form; the caller's 200 waits for that COMMIT (WAL,
 * synchronous=FULL). One writer thread does every write: it takes all the
 * batches queued while it was busy and commits them in one transaction
 * (group commit: one fsync for many batches, so latency stays at about one
 * commit while throughput grows with load).
 *
 * Aggregates (per port/proto and hour, per port/proto and day with its top
 * sources, per source with its ports and daily timeline) live in a
 * write-back cache of entries in memory (an array found through a
 * core/hash.h index). Applying a batch updates entries
 * and queues each entry that turns dirty. A batch is applied in passes
 * (issue 16): its sources' hashes first, and what finding their entries
 * reads fetched ahead over the whole batch (src_prefetch), so the cache
 * misses of a thousand events overlap; its port-hours and port-days, few
 * per batch, found once through a small memo; the reads of entries not
 * cached in one read transaction per round (not a lock round trip each).
 * Between commits the writer flushes dirty entries oldest-first, as many
 * as a time budget (larger when the backlog is) allows at the cost per row
 * last measured, each written whole (INSERT OR REPLACE, no read) with
 * `wm`, the id of the last log row applied to it, in each table's key
 * order (write_sorted). Clean entries not touched for a while are evicted
 * when the cache is over its budget, and read back on the next miss.
 *
 * Crash recovery rests on two watermarks: meta.applied = every log row up
 * to it is in every aggregate row (the oldest dirty entry's first id, less
 * one), and each row's own wm. On start the log rows after `applied` are
 * replayed, and a row skips ids <= its wm (already flushed). The surge
 * detector (lib/detect/surge.c) is in memory too; its state is saved into meta
 * every 60 s, when the log behind it grows long, and at close, with
 * surge_wm, and replayed from the log past surge_wm. Log rows at or below
 * both watermarks are deleted.
 *
 * A full (or failing) disk loses nothing acknowledged. A flush changes
 * nothing in memory until its COMMIT succeeds, so after a failure every
 * entry is still dirty, `applied` and surge_wm have not moved, and no log
 * row they do not cover is deleted. An apply that fails midway (a read
 * error) drops the whole cache and catches up on the log as a start does.
 * While a round's writes fail the store is `failed`: submissions are
 * refused (serve: 503), queries whose aggregates lag the log answer nothing
 * (503), and the writer tries again every FAIL_RETRY_US until a write
 * succeeds. A start whose flush fails starts failed all the same (only a
 * log it cannot read stops it). After a failure, once writes succeed, the
 * WAL is checkpointed and truncated (it may have grown while checkpoints
 * could not run), as soon as the disk has room for the database file to
 * grow to its full size: a checkpoint without that room would fail midway
 * and take the room the writes need.
 *
 * One writing process per store: the writer holds flock on PATH-lock, and
 * a clean close unlinks it while still holding it; openers re-check after
 * flock that the name still points at the inode they locked (store_lock_take).
 *
 * Schema (meta.version = 2):
 *   meta(k, v)  version, applied, surge_wm, surge (blob), hold (blob), hold_lo
 *   keys(id, name, hash, created, revoked, last_seen, wm, birth)
 *               hash = SHA-256(secret hex); wm = the latest event time the
 *               sensor sent; birth = the frontier when the key was made
 *               (NULL: before any data), see lib/detect/hold.c
 *   batches(sensor, batch_id, ts, events)   log(id, sensor, data, fmt)
 *               fmt: data's form (store_blob.c; NULL: form 1, older rows)
 *   agg_hour(port, proto, t, records, nsrc, ndst, nsens, src, dst, sens, wm)
 *   agg_day(..., same, top, wm)             t = hour or day number
 *   srcs(src, first_seen, last_seen, records, ntgt, nport, nsens, tgt, ports,
 *        sens, byport, days, wm, os, os_name, naddr, addrs, rep)  one row per
 *        source group (issue 18: ww_store_opts.v4_prefix, v6_prefix; IPv6
 *        per /64 by default): src the group's prefix in CIDR text (a plain
 *        address for a group of one by the options: IPv4 by default),
 *        every event of an address inside it counted there; addrs the
 *        distinct addresses (a dcount blob), naddr its count, rep the
 *        smallest address seen (so the row is the same whatever order
 *        events came in). A row without addrs (naddr NULL: a store from
 *        before grouping) is read as a group of one, its address; it is
 *        not merged into its group's row: new events of that address go to
 *        the group's row, and /api/v1/ip falls back to the address's own
 *        row when its group has none. os: the smallest nonzero
 *        match of its SYNs' fingerprints (detect/osdb.h; the writer matches
 *        each event's fp with ww_store_enrich's database, at the first
 *        apply and at a replay alike: the log keeps the fp), os_name its
 *        p0f label as text, which a later, different database leaves as it
 *        was until a better match comes
 *   alerts(port, proto, start, alert, end, sources, new_sources,
 *          baseline_new, score, explanation, side, kind, sensors, new_targets,
 *          new_per_bucket, growth_per_hour, doubling_s, population,
 *          saturation, sample, os_mix)  unique (port, proto, start); rewritten
 *          while the surge's end, kind, growth or sample change
 *          (write_alerts); sample: its sampled new sources' addresses
 *          (struct ww_surge's sample, 17 bytes each: 16 and the family),
 *          os_mix: their OS breakdown (detect/mix.h) as the writer's p0f
 *          database named it, text "SAMPLED\tKNOWN" then "N\tLABEL" lines
 *          (NULL: no database), so a later database leaves it as it was
 *   floods(target, port, proto, start, end, sources, records)  unique
 *          (target, port, proto, start): many sources on one target, never
 *          alerts (write_floods)
 *   notices(id, kind, created, body)  what serve --notify sends, written in
 *          the writer's transactions (a new alert and its notice commit
 *          together); body is JSON text
 *   notify_cursors(target, last_id)  the last notice each target accepted,
 *          written by the notifier on its own connection (see "notices")
 *   dshield_keys(userid, key_id, apikey, every)  a keys row registered for a DShield
 *          user id, with its apikey in clear: /submitapi/'s HMAC needs it
 *   dshield_nonces(userid, nonce, ts)  nonces seen, kept DSHIELD_NONCE_KEEP_US
 *   backscatter(victim, proto, t, records, first, last, ntgt, tgt, wm)  a DoS
 *          victim's replies received unasked (core/event.h ww_event_is_reply)
 *          per protocol and day: sums, min, max and a distinct-targets
 *          set, so alike whatever order batches come in (the ISC's
 *          backscatter report over pooled sensors); an entry of the cache
 *          like the others (K_BSC), replayed the same way. Replies count
 *          in agg_hour and agg_day but not in their top sources nor in
 *          srcs: the victim is no source (scanner) for sources and ip
 * Distinct counts are exact to 128 then HyperLogLog (store_blob.c); the
 * count is also an integer column so ordering never decodes blobs. All SQL
 * is prepared once with bound parameters. */
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/hash.h"
#include "core/mem.h"
#include "store/store_int.h"
#include "detect/known.h"
#include "detect/mix.h"
#include "detect/osdb.h"
#include "detect/hold.h"
#include "detect/surge.h"
#include "core/wtime.h"

#define CACHE_MAX 1500000           /* entries before clean ones are evicted */
#define FLUSH_AGE_US 5000000        /* a dirty entry waits this long for more updates */
#define SURGE_SAVE_US 60000000LL    /* surge state saved at least this often */
#define SURGE_SAVE_EVENTS 4000000   /* ... or when this many events are behind it (~110 MB of log) */
#define FAIL_RETRY_US 500000        /* after a failed write, the writer tries again after this */
#define CKPT_RETRY_US 5000000       /* ... a failed checkpoint after this */
#define STR_(x) #x
#define STR(x) STR_(x)              /* a macro's value as a string literal */
#define DSHIELD_NONCE_KEEP_US (400 * WW_DAY_US) /* a DShield nonce is refused again this long */

enum {
    S_KEY_ADD, S_KEY_REVOKE, S_KEY_ALL, S_KEY_SEEN, S_BATCH_ADD, S_LOG_ADD,
    S_HOUR_GET, S_HOUR_PUT, S_DAY_GET, S_DAY_PUT, S_SRC_GET, S_SRC_PUT, S_ALERT_PUT,
    S_META_PUT, S_LOG_DEL,
    S_NOTICE_ADD, S_NOTICE_SURGE, S_NOTICE_SENSOR, /* notices (serve --notify) */
    S_DS_FREE, S_DS_ADD, S_DS_GET, S_DS_USERID, S_NONCE_ADD, S_NONCE_PRUNE,
    S_DS_EVERY, S_DS_EVERY_SET, S_KEY_HOLD,
    S_FLOOD_PUT, S_NOTICE_FLOOD, /* floods (write_floods) */
    S_BSC_GET, S_BSC_PUT, /* backscatter */
    S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_KEY_ADD] = "INSERT INTO keys(name, hash, created, revoked, last_seen, birth)"
                  " VALUES(?,?,?,0,0,(SELECT max(wm) FROM keys))",
    [S_KEY_REVOKE] = "UPDATE keys SET revoked = 1 WHERE name = ? AND revoked = 0",
    [S_KEY_ALL] = "SELECT id, name, hash, created, revoked, last_seen FROM keys ORDER BY id",
    [S_KEY_SEEN] = "UPDATE keys SET last_seen = ?1,"
                   " wm = CASE WHEN ?3 IS NULL THEN wm ELSE max(coalesce(wm, ?3), ?3) END WHERE id = ?2",
    [S_BATCH_ADD] = "INSERT OR IGNORE INTO batches(sensor, batch_id, ts, events) VALUES(?,?,?,?)",
    [S_LOG_ADD] = "INSERT INTO log(sensor, data, fmt) VALUES(?,?," STR(LOG_FMT) ")",
    [S_HOUR_GET] = "SELECT records, src, dst, sens, wm FROM agg_hour WHERE port=? AND proto=? AND t=?",
    [S_HOUR_PUT] = "INSERT OR REPLACE INTO agg_hour VALUES(?,?,?,?,?,?,?,?,?,?,?)",
    [S_DAY_GET] = "SELECT records, src, dst, sens, wm, top FROM agg_day WHERE port=? AND proto=? AND t=?",
    [S_DAY_PUT] = "INSERT OR REPLACE INTO agg_day VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [S_SRC_GET] = "SELECT records, tgt, ports, sens, wm, byport, days, first_seen, last_seen,"
                  " os, os_name, addrs, rep FROM srcs WHERE src=?",
    [S_SRC_PUT] = "INSERT OR REPLACE INTO srcs VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    /* what changes while a surge lasts: its end, kind and growth */
    [S_ALERT_PUT] = "INSERT INTO alerts(port, proto, start, alert, end, sources, new_sources,"
                    " baseline_new, score, explanation, side, kind, sensors, new_targets,"
                    " new_per_bucket, growth_per_hour, doubling_s, population, saturation,"
                    " sample, os_mix) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(port, proto, start) DO UPDATE SET end = excluded.end,"
                    " explanation = excluded.explanation, side = excluded.side,"
                    " kind = excluded.kind, sensors = excluded.sensors,"
                    " new_targets = excluded.new_targets, new_per_bucket = excluded.new_per_bucket,"
                    " growth_per_hour = excluded.growth_per_hour, doubling_s = excluded.doubling_s,"
                    " population = excluded.population, saturation = excluded.saturation,"
                    " sample = excluded.sample, os_mix = excluded.os_mix",
    [S_META_PUT] = "INSERT OR REPLACE INTO meta VALUES(?,?)",
    [S_LOG_DEL] = "DELETE FROM log WHERE id <= ?",
    [S_NOTICE_ADD] = "INSERT INTO notices(kind, created, body) VALUES(?,?,?)",
    /* a row only for an alert not stored yet: its body as /api/v1/alerts shows it */
    [S_NOTICE_SURGE] = "SELECT " STORE_SURGE_JSON " WHERE NOT EXISTS (SELECT 1 FROM alerts"
                       " WHERE port = ?1 AND proto = ?11 AND start = ?12)",
    /* DShield keys: a user id whose key was revoked may be registered again */
    [S_DS_FREE] = "DELETE FROM dshield_keys WHERE userid = ?"
                  " AND key_id IN (SELECT id FROM keys WHERE revoked != 0)",
    [S_DS_ADD] = "INSERT INTO dshield_keys(userid, key_id, apikey) VALUES(?, ?, ?)",
    [S_DS_GET] = "SELECT k.id, d.apikey FROM dshield_keys d JOIN keys k ON k.id = d.key_id"
                 " WHERE d.userid = ? AND k.revoked = 0",
    [S_DS_USERID] = "SELECT d.userid FROM dshield_keys d JOIN keys k ON k.id = d.key_id"
                    " WHERE k.name = ?",
    [S_NONCE_ADD] = "INSERT INTO dshield_nonces(userid, nonce, ts) VALUES(?, ?, ?)",
    [S_NONCE_PRUNE] = "DELETE FROM dshield_nonces WHERE ts < ?",
    [S_DS_EVERY] = "SELECT every FROM dshield_keys WHERE key_id = ?1",
    [S_DS_EVERY_SET] = "UPDATE dshield_keys SET every = ?2 WHERE key_id = ?1",
    /* the hold's sensors (detect/hold.c): every key, its birth, live or not */
    [S_KEY_HOLD] = "SELECT id, birth, revoked FROM keys",
    [S_BSC_GET] = "SELECT records, tgt, wm, first, last FROM backscatter"
                  " WHERE victim=? AND proto=? AND t=?",
    [S_BSC_PUT] = "INSERT OR REPLACE INTO backscatter VALUES(?,?,?,?,?,?,?,?,?)",
    /* a sensor gone silent or back: its notice's body */
    [S_NOTICE_SENSOR] = "SELECT " STORE_SENSOR_JSON " FROM keys WHERE id = ?1",
    [S_FLOOD_PUT] = "INSERT INTO floods(target, port, proto, start, end, sources, records)"
                    " VALUES(?1,?2,?3,?4,?5,?6,?7) ON CONFLICT(target, port, proto, start)"
                    " DO UPDATE SET end = excluded.end, sources = excluded.sources,"
                    " records = excluded.records",
    /* a row only for a flood not stored yet: its body as /api/v1/floods shows it */
    [S_NOTICE_FLOOD] = "SELECT " STORE_FLOOD_JSON " WHERE NOT EXISTS (SELECT 1"
                       " FROM floods WHERE target = ?1 AND port = ?2 AND proto = ?3 AND start = ?4)",
};

/* the alerts' columns issue 14 added (migrate() adds them to older stores) */
#define ALERT_NEW_COLS "side TEXT, kind TEXT, sensors INTEGER, new_targets INTEGER," \
                       " new_per_bucket TEXT, growth_per_hour REAL, doubling_s REAL," \
                       " population REAL, saturation INTEGER, sample BLOB, os_mix TEXT"
#define AGG_COLS "port INTEGER, proto INTEGER, t INTEGER, records INTEGER, nsrc INTEGER," \
                 " ndst INTEGER, nsens INTEGER, src BLOB, dst BLOB, sens BLOB, wm INTEGER"
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);"
    "INSERT OR IGNORE INTO meta VALUES('version', 2);"
    "CREATE TABLE IF NOT EXISTS keys(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    " hash BLOB NOT NULL, created INTEGER, revoked INTEGER, last_seen INTEGER, wm INTEGER,"
    " birth INTEGER);"
    "CREATE TABLE IF NOT EXISTS batches(sensor INTEGER, batch_id TEXT, ts INTEGER,"
    " events INTEGER, PRIMARY KEY(sensor, batch_id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS batches_ts ON batches(sensor, ts);"
    "CREATE TABLE IF NOT EXISTS log(id INTEGER PRIMARY KEY AUTOINCREMENT, sensor INTEGER,"
    " data BLOB, fmt INTEGER);"
    "CREATE TABLE IF NOT EXISTS agg_hour(" AGG_COLS ", PRIMARY KEY(port, proto, t)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS agg_day(" AGG_COLS ", top BLOB, PRIMARY KEY(port, proto, t))"
    " WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS agg_day_t ON agg_day(t);"
    "CREATE TABLE IF NOT EXISTS srcs(src TEXT PRIMARY KEY, first_seen INTEGER,"
    " last_seen INTEGER, records INTEGER, ntgt INTEGER, nport INTEGER, nsens INTEGER,"
    " tgt BLOB, ports BLOB, sens BLOB, byport BLOB, days BLOB, wm INTEGER, os INTEGER,"
    " os_name TEXT, naddr INTEGER, addrs BLOB, rep TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS alerts(id INTEGER PRIMARY KEY, port INTEGER, proto INTEGER,"
    " start INTEGER, alert INTEGER, end INTEGER, sources INTEGER, new_sources INTEGER,"
    " baseline_new REAL, score REAL, explanation TEXT, " ALERT_NEW_COLS ","
    " UNIQUE(port, proto, start));"
    "CREATE TABLE IF NOT EXISTS floods(id INTEGER PRIMARY KEY, target TEXT, port INTEGER,"
    " proto INTEGER, start INTEGER, end INTEGER, sources INTEGER, records INTEGER,"
    " UNIQUE(target, port, proto, start));"
    "CREATE INDEX IF NOT EXISTS floods_end ON floods(end);"
    /* notices for serve --notify (lib/serve/notify.c), and how far each target got */
    "CREATE TABLE IF NOT EXISTS notices(id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
    " created INTEGER NOT NULL, body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS notify_cursors(target TEXT PRIMARY KEY, last_id INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS dshield_keys(userid INTEGER PRIMARY KEY, key_id INTEGER NOT NULL,"
    " apikey TEXT NOT NULL, every INTEGER NOT NULL DEFAULT 1);"
    "CREATE TABLE IF NOT EXISTS dshield_nonces(userid INTEGER, nonce TEXT, ts INTEGER,"
    " PRIMARY KEY(userid, nonce)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS dshield_nonces_ts ON dshield_nonces(ts);"
    "CREATE TABLE IF NOT EXISTS backscatter(victim TEXT, proto INTEGER, t INTEGER,"
    " records INTEGER, first INTEGER, last INTEGER, ntgt INTEGER, tgt BLOB, wm INTEGER,"
    " PRIMARY KEY(victim, proto, t)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS backscatter_t ON backscatter(t, records);";

/* ---- the writer's state ---------------------------------------------------- */

enum { K_HOUR, K_DAY, K_SRC, K_BSC };

struct ent {
    uint8_t kind, proto;
    uint16_t port;
    uint16_t os;                  /* K_SRC: its best OS match (detect/osdb.h), 0 if none */
    uint8_t glen;                 /* K_SRC: the group's prefix length (src is masked to it) */
    int64_t t;                    /* hour or day number */
    struct ww_addr src;           /* K_SRC; K_BSC: the victim */
    int dirty;
    int64_t lo;                   /* first log id applied since the last flush */
    int64_t dirty_us;             /* when it turned dirty (monotonic) */
    int64_t stored_wm;            /* last log id in the stored row (replay skips up to it) */
    int64_t wm;                   /* last log id applied */
    uint64_t touched;             /* writer round of the last update */
    int64_t records, first, last;
    struct ww_dcount d[3];        /* agg: src, dst, sensors; source: targets, ports, sensors;
                                     backscatter: targets */
    struct tally top;             /* day: top sources; source: ports */
    struct tally days;            /* source: timeline */
    const char *os_name;          /* K_SRC: os's label (the database's, or interned) */
    struct ww_addr rep;           /* K_SRC: the smallest address seen in the group */
    struct ww_dcount addrs;       /* K_SRC: the group's distinct addresses */
};

struct job {                      /* one submit waiting for its commit */
    int64_t sensor;
    const char *batch_id;
    const struct ww_event *ev;
    size_t n;
    int done, rc, dup;
    struct job *next;
};

struct writer {
    pthread_t th;
    pthread_mutex_t mu;           /* everything down to `stop` */
    pthread_cond_t work, done;
    struct job *head, **tail;
    int stop;
    unsigned sync_wanted;
    int64_t committed;            /* last log id committed */
    int64_t applied;              /* meta.applied as last written */
    int64_t agg_last;             /* last log id applied to the aggregates */
    int failed;                   /* the last round's writes failed (commit or flush) */
    uint64_t rounds;              /* rounds ended */
    char why[160];                /* SQLite's reason for the last failed write */
    uint64_t batches, events, duplicates, sources;  /* for /metrics */

    /* writer thread only: */
    struct ent **ents;            /* the cache: ents[0 .. n), cap allocated */
    size_t n, cap, evict_at;      /* evict() once n passes evict_at */
    size_t evict_dn;              /* dirty entries when evict() last ran */
    struct ww_hash index;         /* key -> ents[] */
    struct ent **dirty;
    size_t dhead, dn, dcap;
    uint64_t round;
    int64_t now_us;               /* monotonic, at the start of this round */
    int ckpt;                     /* a write failed: checkpoint once writes succeed */
    int rebuild;                  /* an apply failed midway: rebuild from the log */
    struct ww_surges *surges;
    struct ww_hold *hold;         /* event time in front of the detector (detect/hold.c) */
    const struct ww_known *known; /* their events skip the detector (store.h) */
    const struct ww_osdb *osdb;   /* matches SYN fingerprints (ww_store_enrich); may be NULL */
    char **names;                 /* OS labels read back that the database does not name alike */
    size_t nnames;
    int64_t surge_wm, saved_surge_wm, surge_saved_us;
    int64_t saved_hold_lo;        /* log rows from here on hold waiting events */
    int64_t keys_synced_us;       /* the hold's sensors last read from keys */
    uint64_t events_since_save;
    struct ww_surge *alert_last;  /* each surge result as last written (0xff: not yet) */
    size_t nalert;
    struct ww_flood *flood_last;  /* each flood as last written (0xff: not yet) */
    size_t nflood;
    struct change { int64_t sensor, wm; int stale; } *changes; /* sensors gone silent or back, */
    size_t nchanges, changes_cap; /* ... their notices not written yet */
    unsigned char *hold_snap;     /* the hold as after the last apply (under mu) */
    size_t hold_snap_len;
    uint64_t hold_waiting;        /* its waiting events (the bytes leave them out) */
    unsigned char *buf;           /* encode scratch */
    size_t bufcap;
    struct wrow *wrows;           /* flush's scratch: WROW_CHUNK rows to sort */
    uint64_t *hs;                 /* apply's scratch: the batch's sources' hashes */
    struct ww_event *rev;         /* a round's events, copied from its submitters */
    size_t rcap;
    size_t hscap;
    uint64_t row_ns;              /* flush's last cost per row written */
};

/* ---- small helpers --------------------------------------------------------- */

static sqlite3_stmt *stmt(struct sq_store *st, int which)
{
    sqlite3_stmt *s = st->stmt[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int exec(struct sq_store *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? WW_OK : WW_ERR_IO;
}

static int step_done(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

static int meta_put_int(struct sq_store *st, const char *k, int64_t v)
{
    sqlite3_stmt *s = stmt(st, S_META_PUT);
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, v);
    return step_done(s);
}

/* The integer a one-value statement gives (a pragma, a count), 0 if none. */
static int64_t sql_int(struct sq_store *st, const char *sql)
{
    sqlite3_stmt *s;
    int64_t v = 0;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK) return 0;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int64_t meta_get_int(sqlite3 *db, const char *k)
{
    sqlite3_stmt *s;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k=?", -1, &s, NULL) != SQLITE_OK) return 0;
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* ---- open / close ---------------------------------------------------------- */

static void sq_close(struct ww_store *s);

static int open_err(struct sq_store *st, char *err, size_t errlen, const char *what, int rc)
{
    if (err && errlen)
        snprintf(err, errlen, "%s: %s", what, st->db ? sqlite3_errmsg(st->db) : "cannot open");
    sq_close(&st->base);
    return rc;
}

/* Columns added since version 2 first shipped (an older store gains them;
 * an older binary ignores them, but for the log's rows of form 2, which it
 * would not read: a store once opened by this one is not for an older
 * one). Each: a query that fails while they are missing, and what adds
 * them. */
static int migrate(struct sq_store *st)
{
    static const char *const steps[][2] = {
        {"SELECT wm, birth FROM keys LIMIT 0",
         "ALTER TABLE keys ADD COLUMN wm INTEGER; ALTER TABLE keys ADD COLUMN birth INTEGER;"},
        {"SELECT fmt FROM log LIMIT 0", "ALTER TABLE log ADD COLUMN fmt INTEGER;"},
        {"SELECT side, saturation FROM alerts LIMIT 0",
         "ALTER TABLE alerts ADD COLUMN side TEXT; ALTER TABLE alerts ADD COLUMN kind TEXT;"
         " ALTER TABLE alerts ADD COLUMN sensors INTEGER;"
         " ALTER TABLE alerts ADD COLUMN new_targets INTEGER;"
         " ALTER TABLE alerts ADD COLUMN new_per_bucket TEXT;"
         " ALTER TABLE alerts ADD COLUMN growth_per_hour REAL;"
         " ALTER TABLE alerts ADD COLUMN doubling_s REAL;"
         " ALTER TABLE alerts ADD COLUMN population REAL;"
         " ALTER TABLE alerts ADD COLUMN saturation INTEGER;"},
        {"SELECT sample, os_mix FROM alerts LIMIT 0",
         "ALTER TABLE alerts ADD COLUMN sample BLOB; ALTER TABLE alerts ADD COLUMN os_mix TEXT;"},
        {"SELECT os, os_name FROM srcs LIMIT 0",
         "ALTER TABLE srcs ADD COLUMN os INTEGER; ALTER TABLE srcs ADD COLUMN os_name TEXT;"},
        {"SELECT naddr, addrs, rep FROM srcs LIMIT 0", /* issue 18: rows of groups */
         "ALTER TABLE srcs ADD COLUMN naddr INTEGER; ALTER TABLE srcs ADD COLUMN addrs BLOB;"
         " ALTER TABLE srcs ADD COLUMN rep TEXT;"},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(st->db, steps[i][0], -1, &s, NULL) == SQLITE_OK) {
            sqlite3_finalize(s);
            continue;
        }
        if (exec(st, steps[i][1])) return WW_ERR_IO;
    }
    return WW_OK;
}

static int sq_open(const char *path, const char *user, const char *password, struct ww_store **out,
                   char *err, size_t errlen)
{
    (void)user, (void)password; /* a file has none */
    struct sq_store *st = ww_calloc(1, sizeof *st);
    st->base.ops = &ww_store_sqlite;
    st->stmt = ww_calloc(S_COUNT, sizeof *st->stmt);
    *out = NULL;
    st->path = ww_strdup(path);
    size_t n = strlen(path) + sizeof "-lock";
    st->lockpath = ww_malloc(n);
    snprintf(st->lockpath, n, "%s-lock", path);
    st->lockfd = -1;
    pthread_mutex_init(&st->wlock, NULL);
    pthread_mutex_init(&st->rlock, NULL);
    pthread_mutex_init(&st->start_lock, NULL);
    pthread_mutex_init(&st->nlock, NULL);
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
        return open_err(st, err, errlen, path, WW_ERR_IO);
    sqlite3_busy_timeout(st->db, 10000);
    if (exec(st, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-262144;"
                 " PRAGMA wal_autocheckpoint=16384;") ||
        exec(st, "BEGIN IMMEDIATE;") || exec(st, schema) || migrate(st) || exec(st, "COMMIT;"))
        return open_err(st, err, errlen, path, WW_ERR_IO);
    int64_t version = meta_get_int(st->db, "version");
    if (version != 2) {
        if (err && errlen)
            snprintf(err, errlen, "%s: store version %lld, this wormwatch reads version 2"
                     " (start a new store)", path, (long long)version);
        sq_close(&st->base);
        return WW_ERR_FORMAT;
    }
    for (int i = 0; i < S_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, sql_text[i], -1, SQLITE_PREPARE_PERSISTENT,
                               &st->stmt[i], NULL) != SQLITE_OK)
            return open_err(st, err, errlen, "prepare", WW_ERR_IO);
    if (sqlite3_open_v2(path, &st->rdb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return open_err(st, err, errlen, path, WW_ERR_IO);
    sqlite3_busy_timeout(st->rdb, 10000);
    sqlite3_exec(st->rdb, "PRAGMA cache_size=-131072;", NULL, NULL, NULL);
    *out = &st->base;
    return WW_OK;
}

/* ---- keys ------------------------------------------------------------------ */

static void secret_hash(const char *secret, unsigned char out[32])
{
    gnutls_hash_fast(GNUTLS_DIG_SHA256, secret, strlen(secret), out);
}

static int key_add(struct ww_store *base, const char *name, char secret[65])
{
    struct sq_store *st = sq(base);
    size_t len = strlen(name);
    if (len < 1 || len > 64) return WW_ERR_ARG;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] > '~') return WW_ERR_ARG;
    unsigned char raw[32], hash[32];
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) != 0) return WW_ERR_IO;
    for (int i = 0; i < 32; i++) snprintf(secret + 2 * i, 3, "%02x", raw[i]);
    secret_hash(secret, hash);
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = stmt(st, S_KEY_ADD);
    sqlite3_bind_text(s, 1, name, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, ww_now_us());
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->wlock);
    if (rc == SQLITE_CONSTRAINT) return WW_ERR_ARG;
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

static int key_revoke(struct ww_store *base, const char *name)
{
    struct sq_store *st = sq(base);
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = stmt(st, S_KEY_REVOKE);
    sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
    int rc = step_done(s), changed = sqlite3_changes(st->db);
    pthread_mutex_unlock(&st->wlock);
    if (rc) return rc;
    return changed == 1 ? WW_OK : WW_ERR_ARG;
}

/* Reads keys on the query connection, so a key added or revoked by another
 * process counts at once; compares every live key's hash in constant time
 * (no early exit). */
static int key_check(struct ww_store *base, const char *secret, int64_t *sensor_id, char name[65])
{
    struct sq_store *st = sq(base);
    unsigned char hash[32];
    secret_hash(secret, hash);
    int64_t found = 0;
    pthread_mutex_lock(&st->rlock);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v3(st->rdb, sql_text[S_KEY_ALL], -1, 0, &s, NULL) != SQLITE_OK) {
        pthread_mutex_unlock(&st->rlock);
        return WW_ERR_IO;
    }
    while (sqlite3_step(s) == SQLITE_ROW) {
        const unsigned char *h = sqlite3_column_blob(s, 2);
        if (sqlite3_column_bytes(s, 2) != 32 || !h) continue;
        unsigned diff = 0;
        for (int i = 0; i < 32; i++) diff |= (unsigned)(h[i] ^ hash[i]);
        if (diff == 0 && sqlite3_column_int(s, 4) == 0) {
            found = sqlite3_column_int64(s, 0);
            if (name) snprintf(name, 65, "%s", (const char *)sqlite3_column_text(s, 1));
        }
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->rlock);
    if (!found) return WW_ERR_ARG;
    *sensor_id = found;
    return WW_OK;
}

static int key_list(struct ww_store *base,
                    void (*fn)(void *ctx, const char *name, int64_t created, int revoked,
                               int64_t last_seen),
                    void *ctx)
{
    struct sq_store *st = sq(base);
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = stmt(st, S_KEY_ALL);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, (const char *)sqlite3_column_text(s, 1), sqlite3_column_int64(s, 3),
           sqlite3_column_int(s, 4), sqlite3_column_int64(s, 5));
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->wlock);
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

/* ---- notices (serve --notify) ----------------------------------------------
 *
 * Written by the writer, inside its transactions: notice_add for any notice
 * (the sensor watermarks' silent/back), notice_surge for an alert not stored
 * before (called from write_alerts before the alert's row, so a rewrite of
 * its end, after a restart or a failed flush, adds nothing). Read, and the
 * targets' cursors written, by the notifier's threads on a connection of
 * their own (ndb, opened on first use, one call at a time under nlock, busy
 * timeout like the others): a cursor write waits for the writer's
 * transaction without holding up the queries' connection. */

static int notice_add(struct sq_store *st, const char *kind, int64_t created_us, const char *json)
{
    sqlite3_stmt *s = stmt(st, S_NOTICE_ADD);
    sqlite3_bind_text(s, 1, kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, created_us);
    sqlite3_bind_text(s, 3, json, -1, SQLITE_TRANSIENT);
    return step_done(s);
}

const char *store_surge_kind(const struct ww_surge *r)
{
    return r->kind == WW_SURGE_CAMPAIGN ? "campaign" : "spreading";
}

const char *store_surge_side(const struct ww_surge *r)
{
    return r->side == WW_SURGE_SPORT ? "source" : "destination";
}

void store_surge_json_bind(sqlite3_stmt *s, const struct ww_surge *r, const char *expl)
{
    char t[40];
    const char *pn = ww_proto_name(r->proto);
    sqlite3_bind_int(s, 1, r->port);
    if (pn) sqlite3_bind_text(s, 2, pn, -1, SQLITE_STATIC);
    else sqlite3_bind_int(s, 2, r->proto);
    sqlite3_bind_text(s, 3, ww_time_format(r->start_us, t, sizeof t), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 4, ww_time_format(r->alert_us, t, sizeof t), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 5, ww_time_format(r->end_us, t, sizeof t), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 6, (int64_t)r->sources);
    sqlite3_bind_int64(s, 7, (int64_t)r->new_sources);
    sqlite3_bind_double(s, 8, r->baseline_new);
    sqlite3_bind_double(s, 9, r->score);
    sqlite3_bind_text(s, 10, expl, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 11, r->proto);
    sqlite3_bind_int64(s, 12, r->start_us);
    sqlite3_bind_text(s, 13, store_surge_kind(r), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 14, store_surge_side(r), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 15, r->sensors);
    sqlite3_bind_int64(s, 16, (int64_t)r->new_targets);
}

/* A notice for surge r (explanation expl) unless its alert is stored already. */
static int notice_surge(struct sq_store *st, const struct ww_surge *r, const char *expl)
{
    sqlite3_stmt *s = stmt(st, S_NOTICE_SURGE);
    store_surge_json_bind(s, r, expl);
    int rc = sqlite3_step(s);
    char *json = rc == SQLITE_ROW ? ww_strdup((const char *)sqlite3_column_text(s, 0)) : NULL;
    sqlite3_reset(s);
    if (rc == SQLITE_DONE) return WW_OK; /* stored before: no notice */
    if (rc != SQLITE_ROW) return WW_ERR_IO;
    rc = notice_add(st, "surge", ww_now_us(), json);
    ww_free(json);
    return rc;
}

/* The notifier's connection, opened on first use; call under nlock. */
static sqlite3 *notify_db(struct sq_store *st)
{
    if (!st->ndb) {
        if (sqlite3_open_v2(st->path, &st->ndb, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                            NULL) != SQLITE_OK) {
            sqlite3_close(st->ndb);
            st->ndb = NULL;
            return NULL;
        }
        sqlite3_busy_timeout(st->ndb, 10000);
    }
    return st->ndb;
}

/* Prepares sql on the notifier's connection, taking nlock (released by
 * notify_end, also after a NULL). */
static sqlite3_stmt *notify_prep(struct sq_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    pthread_mutex_lock(&st->nlock);
    sqlite3 *db = notify_db(st);
    if (db && sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) s = NULL;
    return s;
}

static void notify_end(struct sq_store *st, sqlite3_stmt *s)
{
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->nlock);
}

static int notices(struct ww_store *base, int64_t after, int limit,
                   int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us,
                             const char *body),
                   void *ctx)
{
    struct sq_store *st = sq(base);
    sqlite3_stmt *s = notify_prep(st, "SELECT id, kind, created, body FROM notices"
                                      " WHERE id > ? ORDER BY id LIMIT ?");
    if (!s) {
        notify_end(st, s);
        return WW_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, after);
    sqlite3_bind_int(s, 2, limit);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (fn(ctx, sqlite3_column_int64(s, 0), (const char *)sqlite3_column_text(s, 1),
               sqlite3_column_int64(s, 2), (const char *)sqlite3_column_text(s, 3))) {
            rc = SQLITE_DONE;
            break;
        }
    notify_end(st, s);
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

static int notices_pending(struct ww_store *base, int64_t after, int64_t *count, int64_t *last)
{
    struct sq_store *st = sq(base);
    sqlite3_stmt *s = notify_prep(st, "SELECT (SELECT count(*) FROM notices WHERE id > ?),"
                                      " (SELECT coalesce(max(id), 0) FROM notices)");
    int rc = WW_ERR_IO;
    if (s) {
        sqlite3_bind_int64(s, 1, after);
        if (sqlite3_step(s) == SQLITE_ROW) {
            *count = sqlite3_column_int64(s, 0);
            *last = sqlite3_column_int64(s, 1);
            rc = WW_OK;
        }
    }
    notify_end(st, s);
    return rc;
}

static int cursor_get(struct ww_store *base, const char *target, int64_t *last_id)
{
    struct sq_store *st = sq(base);
    sqlite3_stmt *s = notify_prep(st, "SELECT last_id FROM notify_cursors WHERE target = ?");
    int rc = WW_ERR_IO;
    if (s) {
        sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
        int step = sqlite3_step(s);
        if (step == SQLITE_ROW) *last_id = sqlite3_column_int64(s, 0);
        rc = step == SQLITE_ROW ? WW_OK : step == SQLITE_DONE ? WW_ERR_ARG : WW_ERR_IO;
    }
    notify_end(st, s);
    return rc;
}

static int cursor_set(struct ww_store *base, const char *target, int64_t last_id)
{
    struct sq_store *st = sq(base);
    sqlite3_stmt *s = notify_prep(st, "INSERT OR REPLACE INTO notify_cursors VALUES(?,?)");
    int rc = WW_ERR_IO;
    if (s) {
        sqlite3_bind_text(s, 1, target, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, last_id);
        rc = sqlite3_step(s) == SQLITE_DONE ? WW_OK : WW_ERR_IO;
    }
    notify_end(st, s);
    return rc;
}

/* ---- DShield keys (serve's /submitapi/) ------------------------------------ */

/* A DShield key is a keys row (so it is listed, revoked and counted as a
 * sensor like any other) whose hash is of random bytes nobody holds, so it
 * never passes as a bearer key, plus a dshield_keys row with the apikey in
 * clear: DShield's header is an HMAC keyed by the nonce and user id over the
 * apikey, which the server can only recompute if it keeps the apikey itself. */
static int dshield_add(struct ww_store *base, const char *name, int64_t userid,
                       char apikey[WW_STORE_APIKEY + 1])
{
    struct sq_store *st = sq(base);
    size_t len = strlen(name);
    if (len < 1 || len > 64 || userid < 1) return WW_ERR_ARG;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)name[i] <= ' ' || (unsigned char)name[i] > '~') return WW_ERR_ARG;
    unsigned char raw[WW_STORE_APIKEY / 4 * 3], hash[32];
    gnutls_datum_t in = {raw, sizeof raw}, b64 = {NULL, 0};
    if (gnutls_rnd(GNUTLS_RND_KEY, raw, sizeof raw) || gnutls_rnd(GNUTLS_RND_KEY, hash, sizeof hash) ||
        gnutls_base64_encode2(&in, &b64))
        return WW_ERR_IO;
    int ok = b64.size == WW_STORE_APIKEY; /* no padding: 3 bytes in, 4 characters out */
    if (ok) memcpy(apikey, b64.data, WW_STORE_APIKEY), apikey[WW_STORE_APIKEY] = 0;
    gnutls_free(b64.data);
    if (!ok) return WW_ERR_IO;

    pthread_mutex_lock(&st->wlock);
    int rc = exec(st, "BEGIN IMMEDIATE;") ? SQLITE_ERROR : SQLITE_DONE;
    sqlite3_stmt *s = stmt(st, S_DS_FREE);
    sqlite3_bind_int64(s, 1, userid);
    if (rc == SQLITE_DONE) rc = sqlite3_step(s);
    sqlite3_reset(s);
    s = stmt(st, S_KEY_ADD);
    sqlite3_bind_text(s, 1, name, (int)len, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s, 2, hash, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 3, ww_now_us());
    if (rc == SQLITE_DONE) rc = sqlite3_step(s);
    sqlite3_reset(s);
    s = stmt(st, S_DS_ADD);
    sqlite3_bind_int64(s, 1, userid);
    sqlite3_bind_int64(s, 2, sqlite3_last_insert_rowid(st->db));
    sqlite3_bind_text(s, 3, apikey, WW_STORE_APIKEY, SQLITE_TRANSIENT);
    if (rc == SQLITE_DONE) rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE || exec(st, "COMMIT;")) {
        exec(st, "ROLLBACK;");
        rc = rc == SQLITE_CONSTRAINT ? WW_ERR_ARG : WW_ERR_IO;
    } else {
        rc = WW_OK;
    }
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

/* Recomputes base64(HMAC-SHA256(key = nonce + userid, apikey)) and compares
 * it with the header's in constant time; only then records the nonce (a
 * forger cannot fill the table) and prunes the ones past their time, in one
 * transaction: WW_ERR_IO (nothing recorded) while the store cannot write. */
static int dshield_check(struct ww_store *base, int64_t userid, const char *nonce,
                         const char *credentials, int64_t now_us, int64_t *sensor_id, int *replay)
{
    struct sq_store *st = sq(base);
    char key[128];
    unsigned char mac[32];
    *replay = 0;
    int klen = snprintf(key, sizeof key, "%s%lld", nonce, (long long)userid);
    if (klen < 0 || (size_t)klen >= sizeof key) return WW_ERR_ARG;

    pthread_mutex_lock(&st->wlock);
    int64_t id = 0;
    unsigned diff = 1;
    sqlite3_stmt *s = stmt(st, S_DS_GET);
    sqlite3_bind_int64(s, 1, userid);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *apikey = (const char *)sqlite3_column_text(s, 1);
        gnutls_datum_t in = {mac, sizeof mac}, b64 = {NULL, 0};
        id = sqlite3_column_int64(s, 0);
        if (apikey && !gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, (size_t)klen, apikey, strlen(apikey), mac) &&
            !gnutls_base64_encode2(&in, &b64)) {
            size_t lc = strlen(credentials);
            diff = lc != b64.size;
            for (size_t i = 0; i < b64.size; i++) diff |= (unsigned)(b64.data[i] ^ (lc ? credentials[i % lc] : 0));
            gnutls_free(b64.data);
        }
        rc = SQLITE_DONE;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) {
        rc = WW_ERR_IO;
    } else if (diff || id <= 0) {
        rc = WW_ERR_ARG;
    } else if (exec(st, "BEGIN IMMEDIATE;")) {
        rc = WW_ERR_IO;
    } else {
        s = stmt(st, S_NONCE_PRUNE);
        sqlite3_bind_int64(s, 1, now_us - DSHIELD_NONCE_KEEP_US);
        rc = sqlite3_step(s);
        sqlite3_reset(s);
        s = stmt(st, S_NONCE_ADD);
        sqlite3_bind_int64(s, 1, userid);
        sqlite3_bind_text(s, 2, nonce, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, now_us);
        if (rc == SQLITE_DONE) rc = sqlite3_step(s);
        sqlite3_reset(s);
        *replay = rc == SQLITE_CONSTRAINT;
        if ((rc != SQLITE_DONE && !*replay) || exec(st, *replay ? "ROLLBACK;" : "COMMIT;")) {
            exec(st, "ROLLBACK;");
            rc = WW_ERR_IO;
        } else {
            rc = WW_OK;
            *sensor_id = id;
        }
    }
    pthread_mutex_unlock(&st->wlock);
    return rc;
}

/* On the query connection, so that key_list's callback may call it. */
/* The sampling the key's client is at (see serve/submitapi.c): read, or
 * with next > 0 set. */
static int dshield_sampling(struct ww_store *base, int64_t sensor, int64_t *every, int64_t next)
{
    struct sq_store *st = sq(base);
    *every = 1;
    pthread_mutex_lock(&st->wlock);
    sqlite3_stmt *s = stmt(st, next > 0 ? S_DS_EVERY_SET : S_DS_EVERY);
    sqlite3_bind_int64(s, 1, sensor);
    if (next > 0) sqlite3_bind_int64(s, 2, next);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW && sqlite3_column_int64(s, 0) > 0) *every = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->wlock);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

static int dshield_userid(struct ww_store *base, const char *name, int64_t *userid)
{
    struct sq_store *st = sq(base);
    sqlite3_stmt *s;
    pthread_mutex_lock(&st->rlock);
    int rc = sqlite3_prepare_v3(st->rdb, sql_text[S_DS_USERID], -1, 0, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) *userid = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    pthread_mutex_unlock(&st->rlock);
    return rc == SQLITE_ROW ? WW_OK : rc == SQLITE_DONE ? WW_ERR_ARG : WW_ERR_IO;
}

/* ---- the cache ------------------------------------------------------------- */

#define SRC_SALT 0x9e3779b97f4a7c15ULL /* ent_hash of a source: its address's hash ^ this */

static uint64_t ent_hash(const struct ent *k)
{
    if (k->kind == K_SRC) return ww_addr_hash(&k->src) ^ SRC_SALT;
    if (k->kind == K_BSC) return ww_addr_hash(&k->src) ^ ww_hash64((uint64_t)k->t << 8 ^ k->proto);
    return ww_hash64(((uint64_t)k->t << 24) ^ ((uint64_t)k->port << 8) ^ k->proto ^
                     ((uint64_t)k->kind << 62));
}

static int ent_eq(const void *ents, uint32_t i, const void *key)
{
    const struct ent *a = ((struct ent *const *)ents)[i], *b = key;
    if (a->kind != b->kind) return 0;
    if (a->kind == K_SRC) return ww_addr_eq(&a->src, &b->src);
    if (a->kind == K_BSC)
        return a->proto == b->proto && a->t == b->t && ww_addr_eq(&a->src, &b->src);
    return a->port == b->port && a->proto == b->proto && a->t == b->t;
}

static void ent_free(struct ent *e)
{
    for (int i = 0; i < 3; i++) ww_dcount_release(&e->d[i]);
    ww_dcount_release(&e->addrs);
    tally_free(&e->top);
    tally_free(&e->days);
    ww_free(e);
}

static void bind_blob(sqlite3_stmt *s, int col, const unsigned char *b, size_t len)
{
    sqlite3_bind_blob(s, col, b, (int)len, SQLITE_TRANSIENT);
}

static const unsigned char *col_blob(sqlite3_stmt *s, int col, size_t *len)
{
    *len = (size_t)sqlite3_column_bytes(s, col);
    return sqlite3_column_blob(s, col);
}

/* A backscatter entry's row, if there is one. */
static int bsc_load(struct sq_store *st, struct ent *e)
{
    sqlite3_stmt *s = stmt(st, S_BSC_GET);
    char text[WW_ADDR_STRLEN];
    size_t len;
    sqlite3_bind_text(s, 1, ww_addr_format(&e->src, text), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, e->proto);
    sqlite3_bind_int64(s, 3, e->t);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        e->records = sqlite3_column_int64(s, 0);
        const unsigned char *b = col_blob(s, 1, &len);
        blob_dcount_decode(&e->d[0], b, len);
        e->wm = e->stored_wm = sqlite3_column_int64(s, 2);
        e->first = sqlite3_column_int64(s, 3);
        e->last = sqlite3_column_int64(s, 4);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

/* The label a stored source's OS had: the database's own string when it
 * names os alike (the common case: one strcmp), else a copy kept for the
 * writer's life (the database changed since; few labels exist). */
static const char *os_intern(struct writer *w, uint16_t os, const char *name)
{
    const char *db = os ? ww_osdb_name(w->osdb, os) : NULL;
    if (db && !strcmp(db, name)) return db;
    for (size_t i = 0; i < w->nnames; i++)
        if (!strcmp(w->names[i], name)) return w->names[i];
    w->names = ww_realloc(w->names, (w->nnames + 1) * sizeof *w->names);
    return w->names[w->nnames++] = ww_strdup(name);
}

/* Reads an entry's row, if there is one. */
static int ent_load(struct sq_store *st, struct writer *w, struct ent *e)
{
    sqlite3_stmt *s;
    char text[WW_CIDR_STRLEN];
    size_t len;
    if (e->kind == K_BSC) return bsc_load(st, e);
    if (e->kind == K_SRC) {
        s = stmt(st, S_SRC_GET);
        struct ww_cidr g = {e->src, e->glen};
        sqlite3_bind_text(s, 1, ww_cidr_format(&g, text), -1, SQLITE_TRANSIENT);
    } else {
        s = stmt(st, e->kind == K_HOUR ? S_HOUR_GET : S_DAY_GET);
        sqlite3_bind_int(s, 1, e->port);
        sqlite3_bind_int(s, 2, e->proto);
        sqlite3_bind_int64(s, 3, e->t);
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        e->records = sqlite3_column_int64(s, 0);
        for (int i = 0; i < 3; i++) {
            const unsigned char *b = col_blob(s, 1 + i, &len);
            blob_dcount_decode(&e->d[i], b, len);
        }
        e->wm = e->stored_wm = sqlite3_column_int64(s, 4);
        if (e->kind != K_HOUR) {
            const unsigned char *b = col_blob(s, 5, &len);
            tally_decode(&e->top, b, len);
        }
        if (e->kind == K_SRC) {
            const unsigned char *b = col_blob(s, 6, &len);
            tally_decode(&e->days, b, len);
            e->first = sqlite3_column_int64(s, 7);
            e->last = sqlite3_column_int64(s, 8);
            const char *name = (const char *)sqlite3_column_text(s, 10);
            if (name) {
                e->os = (uint16_t)sqlite3_column_int(s, 9);
                e->os_name = os_intern(w, e->os, name);
            }
            const char *r = (const char *)sqlite3_column_text(s, 12);
            if (sqlite3_column_type(s, 11) != SQLITE_NULL && r &&
                !ww_addr_parse(r, strlen(r), &e->rep)) {
                b = col_blob(s, 11, &len);
                blob_dcount_decode(&e->addrs, b, len);
            } else { /* a row from before grouping: its one address */
                e->rep = e->src;
                ww_dcount_add(&e->addrs, ww_addr_hash(&e->src));
            }
        }
    } else if (e->kind == K_SRC && rc == SQLITE_DONE) {
        w->sources++;
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

/* The entry of key k (whose ent_hash is h), read or made if not cached;
 * NULL if reading fails. */
static struct ent *ent_get_h(struct sq_store *st, struct writer *w, const struct ent *k, uint64_t h)
{
    uint32_t i = ww_hash_find(&w->index, h, ent_eq, w->ents, k);
    if (i != WW_HASH_NONE) return w->ents[i];
    struct ent *e = ww_calloc(1, sizeof *e);
    e->kind = k->kind;
    e->port = k->port;
    e->proto = k->proto;
    e->t = k->t;
    e->src = k->src;
    e->glen = k->glen;
    e->top.cap = k->kind == K_SRC ? SRC_PORTS : TOPK;
    e->days.cap = SRC_DAYS;
    e->days.recent = 1;
    e->first = INT64_MAX;
    e->last = INT64_MIN;
    if (ent_load(st, w, e)) {
        ent_free(e);
        return NULL;
    }
    if (w->n == w->cap) {
        w->cap = w->cap ? 2 * w->cap : 1 << 16;
        w->ents = ww_realloc(w->ents, w->cap * sizeof *w->ents);
    }
    w->ents[w->n] = e;
    ww_hash_add(&w->index, h, (uint32_t)w->n++);
    return e;
}

static struct ent *ent_get(struct sq_store *st, struct writer *w, const struct ent *k)
{
    return ent_get_h(st, w, k, ent_hash(k));
}

/* The cached entry a source's hash (ent_hash) most likely names: the one
 * in the first slot it probes, if that slot holds its hash; else NULL. */
static struct ent *src_guess(const struct writer *w, uint64_t h)
{
    struct ww_hash_slot sl = w->index.slot[(uint32_t)h & w->index.mask];
    return sl.ref && sl.hash == (uint32_t)h ? w->ents[sl.ref - 1] : NULL;
}

/* A batch's sources, before it is applied: their hashes into hs[], and
 * what finding and updating their entries will read, fetched into the
 * cache in passes over the whole batch (index slots, then ents[], then
 * the entries, then their tallies and port sets), so that the misses of
 * a thousand events overlap instead of coming one after another. */
static void src_prefetch(const struct sq_store *st, struct writer *w, const struct ww_event *ev,
                         size_t n, uint64_t *hs)
{
    for (size_t i = 0; i < n; i++) {
        struct ww_cidr g;
        store_group(&st->base, &ev[i].src, &g);
        hs[i] = ww_addr_hash(&g.addr);
        __builtin_prefetch(&w->index.slot[(uint32_t)(hs[i] ^ SRC_SALT) & w->index.mask]);
    }
    for (size_t i = 0; i < n; i++) {
        struct ww_hash_slot sl = w->index.slot[(uint32_t)(hs[i] ^ SRC_SALT) & w->index.mask];
        if (sl.ref && sl.hash == (uint32_t)(hs[i] ^ SRC_SALT)) __builtin_prefetch(&w->ents[sl.ref - 1]);
    }
    for (size_t i = 0; i < n; i++) {
        const struct ent *e = src_guess(w, hs[i] ^ SRC_SALT);
        if (e) /* the whole entry: four lines */
            for (size_t b = 0; b < sizeof *e; b += 64) __builtin_prefetch((const char *)e + b);
    }
    for (size_t i = 0; i < n; i++) {
        const struct ent *e = src_guess(w, hs[i] ^ SRC_SALT);
        if (!e) continue;
        if (e->top.e) __builtin_prefetch(e->top.e);
        if (e->days.e) __builtin_prefetch(e->days.e);
        if (e->d[1].lg && e->d[1].lg != WW_DCOUNT_LG_HLL) __builtin_prefetch(e->d[1].u.set);
    }
}

/* Marks e as touched by log row id; NULL if the row already holds it. */
static struct ent *touch(struct writer *w, struct ent *e, int64_t id)
{
    if (!e || id <= e->stored_wm) return NULL;
    e->wm = id;
    if (!e->dirty) {
        e->dirty = 1;
        e->lo = id;
        e->dirty_us = w->now_us;
        if (w->dhead + w->dn == w->dcap) {
            if (w->dhead && w->dhead >= w->dcap / 2) {
                memmove(w->dirty, w->dirty + w->dhead, w->dn * sizeof *w->dirty);
                w->dhead = 0;
            } else {
                w->dcap = w->dcap ? 2 * w->dcap : 4096;
                w->dirty = ww_realloc(w->dirty, w->dcap * sizeof *w->dirty);
            }
        }
        w->dirty[w->dhead + w->dn++] = e;
    }
    e->touched = w->round;
    return e;
}

/* Drops clean entries not touched in this round or the last; the rest
 * close up in ents[] and are indexed anew. Called once the cache holds
 * evict_at entries: CACHE_MAX, or a quarter more than the last eviction
 * kept (mostly dirty entries, which cannot go yet), so that a cache full
 * of dirty entries is not scanned and indexed anew every round -- or, past
 * CACHE_MAX, once a quarter of CACHE_MAX of the entries dirty then have
 * been flushed (they may go now: a backlog's peak is not kept for good). */
static void evict(struct writer *w)
{
    size_t k = 0;
    for (size_t i = 0; i < w->n; i++) {
        struct ent *e = w->ents[i];
        if (!e->dirty && e->touched + 1 < w->round) ent_free(e);
        else w->ents[k++] = e;
    }
    w->n = k;
    w->evict_at = k + CACHE_MAX / 4 > CACHE_MAX ? k + CACHE_MAX / 4 : CACHE_MAX;
    w->evict_dn = w->dn;
    ww_hash_clear(&w->index);
    for (size_t i = 0; i < w->n; i++) ww_hash_put(&w->index, ent_hash(w->ents[i]), (uint32_t)i);
}

/* ---- applying a batch ------------------------------------------------------ */

enum { SURGE_NO, SURGE_YES, SURGE_READD };

/* What the hold releases, to the surge detector: but a known scanner's
 * events (store.h's known), which the hold saw like any. */
static void to_surges(void *ctx, const struct ww_event *ev)
{
    struct writer *w = ctx;
    if (!ww_known_label(w->known, &ev->src)) ww_surges_event(w->surges, ev);
}

/* A sensor went silent past the lateness, or came back: a notice, written
 * by the next flush with the hold's state (so a restart neither loses nor
 * repeats it). */
static void sensor_changed(void *ctx, const struct ww_hold_sensor *s)
{
    struct writer *w = ctx;
    if (w->nchanges == w->changes_cap)
        w->changes = ww_realloc(w->changes, (w->changes_cap = w->changes_cap ? 2 * w->changes_cap : 8) *
                                                sizeof *w->changes);
    w->changes[w->nchanges++] = (struct change){s->id, s->wm_us, s->stale};
}

static int write_changes(struct sq_store *st, struct writer *w)
{
    int rc = WW_OK;
    for (size_t i = 0; i < w->nchanges && !rc; i++) {
        sqlite3_stmt *s = stmt(st, S_NOTICE_SENSOR);
        sqlite3_bind_int64(s, 1, w->changes[i].sensor);
        sqlite3_bind_int64(s, 2, w->changes[i].wm);
        int step = sqlite3_step(s);
        char *json = step == SQLITE_ROW ? ww_strdup((const char *)sqlite3_column_text(s, 0)) : NULL;
        sqlite3_reset(s);
        if (json) rc = notice_add(st, w->changes[i].stale ? "sensor_silent" : "sensor_back",
                                  ww_now_us(), json);
        else if (step != SQLITE_DONE) rc = WW_ERR_IO; /* DONE: a key deleted since */
        ww_free(json);
    }
    return rc;
}

/* The hold's state for queries (/sensors, /metrics) to read under mu:
 * taken once a round (and after a catch-up), not per batch. */
static void snapshot_hold(struct writer *w)
{
    unsigned char *b;
    size_t len = ww_hold_save(w->hold, &b);
    struct ww_hold_stats hs;
    ww_hold_stats(w->hold, &hs);
    pthread_mutex_lock(&w->mu);
    ww_free(w->hold_snap);
    w->hold_snap = b;
    w->hold_snap_len = len;
    w->hold_waiting = hs.waiting;
    pthread_mutex_unlock(&w->mu);
}

/* The hold's sensors are the keys: their birth, revoked or not. Read at
 * start and then at most once a second (a key added by `wormwatch key`
 * runs in another process), and at once when a batch comes from a sensor
 * the hold does not know yet. */
static int sync_keys(struct sq_store *st, struct writer *w)
{
    sqlite3_stmt *s = stmt(st, S_KEY_HOLD);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        ww_hold_sensor_set(w->hold, sqlite3_column_int64(s, 0),
                           sqlite3_column_type(s, 1) == SQLITE_NULL ? INT64_MIN
                                                                    : sqlite3_column_int64(s, 1),
                           sqlite3_column_int(s, 2) == 0);
    sqlite3_reset(s);
    w->keys_synced_us = ww_mono_us();
    return rc == SQLITE_DONE ? WW_OK : WW_ERR_IO;
}

/* A reply (core/event.h ww_event_is_reply) from log row id to its
 * victim's backscatter of the day. */
static int apply_backscatter(struct sq_store *st, struct writer *w, int64_t id,
                             const struct ww_event *e)
{
    struct ent k = {.kind = K_BSC, .src = e->src, .proto = e->proto,
                    .t = ww_floordiv(e->ts_us, WW_DAY_US)};
    struct ent *g = ent_get(st, w, &k);
    if (!g) return WW_ERR_IO;
    if (!touch(w, g, id)) return WW_OK;
    g->records += e->count ? e->count : 1;
    if (e->ts_us < g->first) g->first = e->ts_us;
    if (e->ts_us > g->last) g->last = e->ts_us;
    ww_dcount_add(&g->d[0], ww_addr_hash(&e->dst));
    return WW_OK;
}

/* Applies log row id (sensor's events, the caller's copy: their os is
 * filled here) to the aggregates (agg) and to the surge detector through
 * the hold (surge: SURGE_YES; SURGE_READD puts back what was waiting in
 * the hold when its state was saved). */
static int apply(struct sq_store *st, struct writer *w, int64_t id, int64_t sensor,
                 struct ww_event *ev, size_t n, int agg, int surge)
{
    if (w->osdb) /* each SYN's fingerprint matched, for its source and the surge's sample */
        for (size_t i = 0; i < n; i++)
            ev[i].os = ev[i].fp.flags ? ww_osdb_match(w->osdb, &ev[i].fp) : 0;
    uint64_t sens = ww_hash64((uint64_t)sensor ^ 0x5e5e5e5e5e5e5e5eULL);
    uint8_t key[17];
    /* a batch's events fall in few port-hours and port-days: the entries
     * last found for them, by a small hash of the key (entries stay put
     * until the round ends) */
    struct ent *memo[64] = {0};
    if (agg) {
        w->agg_last = id;
        if (n > w->hscap) w->hs = ww_realloc(w->hs, (w->hscap = n) * sizeof *w->hs);
        src_prefetch(st, w, ev, n, w->hs);
    }
    for (size_t i = 0; agg && i < n; i++) {
        const struct ww_event *e = &ev[i];
        /* a victim's replies: backscatter, in the port figures, never a source's */
        int reply = ww_event_is_reply(e);
        if (reply && apply_backscatter(st, w, id, e)) return WW_ERR_IO;
        int64_t cnt = e->count ? e->count : 1;
        uint16_t port = ww_event_port(e); /* analyze's rule too: ICMP is port 0 */
        /* hs: the hash of the source's group (src_prefetch), its srcs row's;
         * the day's top sources are groups; a port's distinct sources stay
         * addresses (ha), as ClickHouse's views count them */
        struct ww_cidr grp;
        store_group(&st->base, &e->src, &grp);
        uint64_t hs = w->hs[i], ha = ww_addr_hash(&e->src), hd = ww_addr_hash(&e->dst);
        for (int kind = K_HOUR; kind <= K_DAY; kind++) {
            int64_t t = ww_floordiv(e->ts_us, kind == K_DAY ? WW_DAY_US : WW_HOUR_US);
            struct ent **m = &memo[(port ^ (unsigned)e->proto << 3 ^ (unsigned)t * 5 ^
                                    (unsigned)kind << 5) & 63];
            struct ent *g = *m;
            if (!g || g->kind != kind || g->port != port || g->proto != e->proto || g->t != t) {
                struct ent k = {.kind = (uint8_t)kind, .port = port, .proto = e->proto, .t = t};
                if (!(g = *m = ent_get(st, w, &k))) return WW_ERR_IO;
            }
            if (!touch(w, g, id)) continue;
            g->records += cnt;
            ww_dcount_add(&g->d[0], ha);
            ww_dcount_add(&g->d[1], hd);
            ww_dcount_add(&g->d[2], sens);
            if (kind == K_DAY && !reply) {
                tally_key_addr(key, &grp.addr);
                tally_add(&g->top, key, (uint64_t)cnt, 0);
            }
        }
        if (reply) continue;
        struct ent k = {.kind = K_SRC, .src = grp.addr, .glen = grp.len};
        struct ent *g = ent_get_h(st, w, &k, hs ^ SRC_SALT);
        if (!g) return WW_ERR_IO;
        if (!touch(w, g, id)) continue;
        g->records += cnt;
        ww_dcount_add(&g->addrs, ha);
        if (!g->rep.family || memcmp(e->src.b, g->rep.b, 16) < 0) g->rep = e->src; /* one family */
        if (e->ts_us < g->first) g->first = e->ts_us;
        if (e->ts_us > g->last) g->last = e->ts_us;
        if (e->os && (!g->os || e->os < g->os)) {
            const char *name = ww_osdb_name(w->osdb, e->os);
            if (name) g->os = e->os, g->os_name = name;
        }
        ww_dcount_add(&g->d[0], hd);
        ww_dcount_add(&g->d[1], ww_hash64(((uint64_t)e->proto << 16) | port));
        ww_dcount_add(&g->d[2], sens);
        tally_key_int(key, (int64_t)port << 8 | e->proto);
        tally_add(&g->top, key, (uint64_t)cnt, 0);
        tally_key_int(key, ww_floordiv(e->ts_us, WW_DAY_US));
        tally_add(&g->days, key, (uint64_t)cnt, 0);
    }
    if (surge == SURGE_READD) {
        ww_hold_readd(w->hold, id, ev, n);
    } else if (surge) {
        ww_hold_add(w->hold, sensor, id, ev, n);
        struct ww_hold_cb cb = {to_surges, sensor_changed, w};
        w->events_since_save += ww_hold_release(w->hold, &cb);
        w->surge_wm = id;
    }
    return WW_OK;
}

/* ---- flushing -------------------------------------------------------------- */

static unsigned char *scratch(struct writer *w, size_t need)
{
    if (need > w->bufcap) {
        w->bufcap = need;
        w->buf = ww_realloc(w->buf, need);
    }
    return w->buf;
}

static int bsc_write(struct sq_store *st, struct writer *w, struct ent *e, const char *text)
{
    unsigned char *b = scratch(w, DCOUNT_BLOB_MAX);
    size_t len = blob_dcount_encode(&e->d[0], b);
    sqlite3_stmt *s = stmt(st, S_BSC_PUT);
    sqlite3_bind_text(s, 1, text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, e->proto);
    sqlite3_bind_int64(s, 3, e->t);
    sqlite3_bind_int64(s, 4, e->records);
    sqlite3_bind_int64(s, 5, e->first);
    sqlite3_bind_int64(s, 6, e->last);
    sqlite3_bind_int64(s, 7, (int64_t)ww_dcount_count(&e->d[0]));
    bind_blob(s, 8, b, len);
    sqlite3_bind_int64(s, 9, e->wm);
    return step_done(s);
}

/* Writes e's row; text: its address's (K_SRC, K_BSC). */
static int ent_write(struct sq_store *st, struct writer *w, struct ent *e, const char *text)
{
    if (e->kind == K_BSC) return bsc_write(st, w, e, text);
    unsigned char *b = scratch(w, 4 * DCOUNT_BLOB_MAX + TALLY_ENTRY * (SRC_PORTS + SRC_DAYS + TOPK));
    size_t off = 0, len[5];
    unsigned char *part[5];
    for (int i = 0; i < 3; i++) {
        part[i] = b + off;
        off += len[i] = blob_dcount_encode(&e->d[i], b + off);
    }
    part[3] = b + off;
    off += len[3] = tally_encode(&e->top, b + off);
    part[4] = b + off;
    len[4] = tally_encode(&e->days, b + off);
    sqlite3_stmt *s;
    int c = 1;
    if (e->kind == K_SRC) {
        s = stmt(st, S_SRC_PUT);
        sqlite3_bind_text(s, c++, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, c++, e->first);
        sqlite3_bind_int64(s, c++, e->last);
    } else {
        s = stmt(st, e->kind == K_HOUR ? S_HOUR_PUT : S_DAY_PUT);
        sqlite3_bind_int(s, c++, e->port);
        sqlite3_bind_int(s, c++, e->proto);
        sqlite3_bind_int64(s, c++, e->t);
    }
    sqlite3_bind_int64(s, c++, e->records);
    for (int i = 0; i < 3; i++) sqlite3_bind_int64(s, c++, (int64_t)ww_dcount_count(&e->d[i]));
    for (int i = 0; i < 3; i++) bind_blob(s, c++, part[i], len[i]);
    if (e->kind == K_SRC) {
        bind_blob(s, c++, part[3], len[3]);
        bind_blob(s, c++, part[4], len[4]);
        sqlite3_bind_int64(s, c++, e->wm);
        if (e->os_name) {
            sqlite3_bind_int(s, c++, e->os);
            sqlite3_bind_text(s, c++, e->os_name, -1, SQLITE_STATIC);
        } else { /* bindings outlive a reset: the last row's OS is not this one's */
            sqlite3_bind_null(s, c++);
            sqlite3_bind_null(s, c++);
        }
        unsigned char *ab = b + off + len[4];
        char rep[WW_ADDR_STRLEN];
        sqlite3_bind_int64(s, c++, (int64_t)ww_dcount_count(&e->addrs));
        bind_blob(s, c++, ab, blob_dcount_encode(&e->addrs, ab));
        sqlite3_bind_text(s, c++, ww_addr_format(&e->rep, rep), -1, SQLITE_TRANSIENT);
    } else {
        sqlite3_bind_int64(s, c++, e->wm);
        if (e->kind == K_DAY) bind_blob(s, c++, part[3], len[3]);
    }
    return step_done(s);
}

/* ---- alerts and floods: what the detector called ------------------------- */

/* New sources per bucket since the surge's start, from its growth slots
 * (WW_SURGE_SLOTS / WW_STORE_BUCKETS per bucket): out[0 .. returned). */
size_t store_alert_buckets(const struct ww_surge *r, int64_t out[WW_STORE_BUCKETS])
{
    size_t per = WW_SURGE_SLOTS / WW_STORE_BUCKETS, n = 0;
    uint32_t ns = r->nslots < WW_SURGE_SLOTS ? r->nslots : WW_SURGE_SLOTS;
    for (uint32_t i = 0; i < ns; i++) {
        if (i % per == 0) out[n++] = 0;
        out[n - 1] += r->slots[i];
    }
    return n;
}

size_t store_alert_explain(const struct ww_surge *r, char *buf, size_t len)
{
    char when[40], kind[256];
    const char *pn = ww_proto_name(r->proto);
    int k = snprintf(buf, len,
                     "port %u/%s: %llu sources new to the port in the hour from %s"
                     " (%llu sources in all), baseline %.1f new, spread %.1f, z = %.1f",
                     r->port, pn ? pn : "?", (unsigned long long)r->new_sources,
                     ww_time_format(r->start_us, when, sizeof when), (unsigned long long)r->sources,
                     r->baseline_new, r->spread, r->score);
    if (k >= 0 && (size_t)k < len && r->new_targets)
        k += snprintf(buf + k, len - (size_t)k, "; the new sources reached %llu %s from %s",
                      (unsigned long long)r->new_targets,
                      r->side == WW_SURGE_SPORT ? "destination ports" : "targets",
                      r->sensors > 1 ? "more than one sensor" : "one sensor");
    /* the kind in words, as analyze says it (detect/surge.h) */
    if (k >= 0 && (size_t)k < len)
        k += snprintf(buf + k, len - (size_t)k, "; %s", ww_surge_growth_text(r, kind, sizeof kind));
    return k < 0 ? 0 : (size_t)k < len ? (size_t)k : len - 1;
}

/* Writes each surge result that changed since it was last written (new,
 * or its end, kind or growth moved: any byte of it), the notice of a new
 * one first. */
size_t store_alert_sample(const struct ww_surge *r, unsigned char *b)
{
    uint32_t n = r->nsample <= WW_SURGE_SAMPLE ? r->nsample : WW_SURGE_SAMPLE;
    for (uint32_t i = 0; i < n; i++) tally_key_addr(b + 17 * i, &r->sample[i].a);
    return 17 * (size_t)n;
}

size_t store_alert_sample_decode(const unsigned char *b, size_t len, struct ww_addr *a)
{
    size_t n = 0;
    for (size_t i = 0; b && i + 17 <= len && n < WW_SURGE_SAMPLE; i += 17, n++) {
        a[n] = (struct ww_addr){.family = b[i + 16]};
        memcpy(a[n].b, b + i, 16);
    }
    return n;
}

size_t store_alert_os_text(const struct ww_surge *r, const struct ww_osdb *db, char *text, size_t size)
{
    uint32_t n = r->nsample <= WW_SURGE_SAMPLE ? r->nsample : WW_SURGE_SAMPLE;
    if (!db || !n) return 0;
    struct ww_mix mix;
    ww_mix_of(r->sample, n, db, NULL, &mix);
    size_t k = (size_t)snprintf(text, size, "%u\t%u", (unsigned)mix.n, (unsigned)mix.os_known);
    for (uint32_t i = 0; i < mix.nos && i < WW_MIX_TOP && k < size; i++)
        k += (size_t)snprintf(text + k, size - k, "\n%u\t%s", (unsigned)mix.os[i].n, mix.os[i].name);
    return k < size ? k : 0;
}

void store_alert_os_mix(struct ww_store_alert *a, const char *t)
{
    unsigned n, known;
    if (!t || sscanf(t, "%u\t%u", &n, &known) != 2) return;
    a->os_has = 1;
    a->os_known = known;
    for (t = strchr(t, '\n'); t && a->nos < WW_STORE_MIX_TOP; t = strchr(t, '\n')) {
        const char *tab = strchr(++t, '\t'), *nl = strchr(t, '\n');
        if (!tab || (nl && nl < tab)) break;
        size_t len = (size_t)((nl ? nl : tab + strlen(tab)) - tab - 1);
        if (len >= sizeof a->os[0].name) len = sizeof a->os[0].name - 1;
        a->os[a->nos].n = (uint32_t)strtoul(t, NULL, 10);
        memcpy(a->os[a->nos].name, tab + 1, len);
        a->os[a->nos++].name[len] = '\0';
    }
}

/* An alert's sample (?20: the addresses) and its OS breakdown (?21, text;
 * NULL without a database), as the schema above says. */
static void bind_sample(struct writer *w, sqlite3_stmt *s, const struct ww_surge *r)
{
    unsigned char a[WW_SURGE_SAMPLE * 17];
    char text[STORE_OS_TEXT_MAX];
    size_t n = store_alert_sample(r, a), k = store_alert_os_text(r, w->osdb, text, sizeof text);
    if (n) bind_blob(s, 20, a, n);
    if (k) sqlite3_bind_text(s, 21, text, (int)k, SQLITE_TRANSIENT);
}

static int write_alerts(struct sq_store *st, struct writer *w)
{
    const struct ww_surge *r;
    size_t n = ww_surges_results(w->surges, &r);
    if (n > w->nalert) {
        w->alert_last = ww_realloc(w->alert_last, n * sizeof *w->alert_last);
        memset(w->alert_last + w->nalert, 0xff, (n - w->nalert) * sizeof *w->alert_last);
        w->nalert = n;
    }
    for (size_t i = 0; i < n; i++) {
        if (!memcmp(&w->alert_last[i], &r[i], sizeof r[i])) continue;
        char expl[WW_STORE_EXPLAIN], nb[WW_STORE_BUCKETS * 21 + 1];
        int64_t b[WW_STORE_BUCKETS];
        size_t nbk = store_alert_buckets(&r[i], b), k = 0;
        nb[0] = '\0';
        for (size_t j = 0; j < nbk; j++)
            k += (size_t)snprintf(nb + k, sizeof nb - k, "%s%lld", j ? "," : "", (long long)b[j]);
        store_alert_explain(&r[i], expl, sizeof expl);
        if (notice_surge(st, &r[i], expl)) return WW_ERR_IO; /* before the alert is stored */
        sqlite3_stmt *s = stmt(st, S_ALERT_PUT);
        sqlite3_bind_int(s, 1, r[i].port);
        sqlite3_bind_int(s, 2, r[i].proto);
        sqlite3_bind_int64(s, 3, r[i].start_us);
        sqlite3_bind_int64(s, 4, r[i].alert_us);
        sqlite3_bind_int64(s, 5, r[i].end_us);
        sqlite3_bind_int64(s, 6, (int64_t)r[i].sources);
        sqlite3_bind_int64(s, 7, (int64_t)r[i].new_sources);
        sqlite3_bind_double(s, 8, r[i].baseline_new);
        sqlite3_bind_double(s, 9, r[i].score);
        sqlite3_bind_text(s, 10, expl, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(s, 11, store_surge_side(&r[i]), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 12, store_surge_kind(&r[i]), -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 13, r[i].sensors);
        sqlite3_bind_int64(s, 14, (int64_t)r[i].new_targets);
        sqlite3_bind_text(s, 15, nb, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(s, 16, r[i].growth_per_hour);
        sqlite3_bind_double(s, 17, r[i].doubling_s);
        sqlite3_bind_double(s, 18, r[i].population);
        sqlite3_bind_int64(s, 19, r[i].saturation_us);
        bind_sample(w, s, &r[i]);
        if (step_done(s)) return WW_ERR_IO;
        memcpy(&w->alert_last[i], &r[i], sizeof r[i]);
    }
    return WW_OK;
}

/* A flood's key and figures as ?1 .. ?7 (target, port, proto, start, end,
 * sources, records). */
static void bind_flood(sqlite3_stmt *s, const struct ww_flood *f, const char *target)
{
    sqlite3_bind_text(s, 1, target, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(s, 2, f->port);
    sqlite3_bind_int(s, 3, f->proto);
    sqlite3_bind_int64(s, 4, f->start_us);
    sqlite3_bind_int64(s, 5, f->end_us);
    sqlite3_bind_int64(s, 6, (int64_t)f->sources);
    sqlite3_bind_int64(s, 7, (int64_t)f->records);
}

void store_flood_json_bind(sqlite3_stmt *s, const struct ww_flood *f)
{
    char target[WW_ADDR_STRLEN], t[40];
    const char *pn = ww_proto_name(f->proto);
    bind_flood(s, f, ww_addr_format(&f->target, target));
    if (pn) sqlite3_bind_text(s, 8, pn, -1, SQLITE_STATIC);
    else sqlite3_bind_int(s, 8, f->proto);
    sqlite3_bind_text(s, 9, ww_time_format(f->start_us, t, sizeof t), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 10, ww_time_format(f->end_us, t, sizeof t), -1, SQLITE_TRANSIENT);
}

/* Floods as alerts are: each one new or changed since last written, a
 * notice (kind "flood") for a new one, in the same transaction. */
static int write_floods(struct sq_store *st, struct writer *w)
{
    const struct ww_flood *f;
    size_t n = ww_surges_floods(w->surges, &f);
    if (n > w->nflood) {
        w->flood_last = ww_realloc(w->flood_last, n * sizeof *w->flood_last);
        memset(w->flood_last + w->nflood, 0xff, (n - w->nflood) * sizeof *w->flood_last);
        w->nflood = n;
    }
    for (size_t i = 0; i < n; i++) {
        if (!memcmp(&w->flood_last[i], &f[i], sizeof f[i])) continue;
        char target[WW_ADDR_STRLEN];
        ww_addr_format(&f[i].target, target);
        /* the notice first: it asks whether the flood is stored yet */
        sqlite3_stmt *s = stmt(st, S_NOTICE_FLOOD);
        store_flood_json_bind(s, &f[i]);
        int rc = sqlite3_step(s);
        char *json = rc == SQLITE_ROW ? ww_strdup((const char *)sqlite3_column_text(s, 0)) : NULL;
        sqlite3_reset(s);
        rc = rc != SQLITE_ROW && rc != SQLITE_DONE ? WW_ERR_IO
           : json ? notice_add(st, "flood", ww_now_us(), json) : WW_OK;
        ww_free(json);
        if (rc) return rc;
        s = stmt(st, S_FLOOD_PUT);
        bind_flood(s, &f[i], target);
        if (step_done(s)) return WW_ERR_IO;
        memcpy(&w->flood_last[i], &f[i], sizeof f[i]);
    }
    return WW_OK;
}

static int meta_put_blob(struct sq_store *st, const char *k, unsigned char *b, size_t len)
{
    sqlite3_stmt *s = stmt(st, S_META_PUT);
    sqlite3_bind_text(s, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(s, 2, b, len, SQLITE_TRANSIENT);
    int rc = step_done(s);
    ww_free(b);
    return rc;
}

/* The detector and the hold in front of it, as of log row surge_wm; the
 * log rows from hold_lo on hold events still waiting (kept, and put back
 * into the hold by a restart). */
static int save_surges(struct sq_store *st, struct writer *w, int64_t hold_lo)
{
    unsigned char *b = NULL;
    size_t len = ww_surges_save(w->surges, &b);
    int rc = meta_put_blob(st, "surge", b, len);
    if (!rc) {
        len = ww_hold_save(w->hold, &b);
        rc = meta_put_blob(st, "hold", b, len);
    }
    if (!rc) rc = meta_put_int(st, "hold_lo", hold_lo);
    if (!rc) rc = meta_put_int(st, "surge_wm", w->surge_wm);
    return rc;
}

/* A write (or a read) failed: keeps SQLite's reason (a ROLLBACK would reset
 * it) and asks for a checkpoint once writes succeed again. */
static void note_failure(struct sq_store *st, struct writer *w)
{
    pthread_mutex_lock(&w->mu);
    snprintf(w->why, sizeof w->why, "%s", sqlite3_errmsg(st->db));
    pthread_mutex_unlock(&w->mu);
    w->ckpt = 1;
}

/* Ends the transaction: COMMIT if rc is WW_OK, else (or if COMMIT fails)
 * ROLLBACK, keeping the reason. */
static int finish(struct sq_store *st, struct writer *w, int rc)
{
    if (!rc) rc = exec(st, "COMMIT");
    if (rc) {
        note_failure(st, w);
        if (!sqlite3_get_autocommit(st->db)) exec(st, "ROLLBACK");
    }
    return rc;
}

/* A row to write and its key as the table orders it: an address's text
 * (srcs, backscatter: TEXT keys compare bytewise), else (port, proto, t). */
struct wrow {
    struct ent *e;
    char text[WW_CIDR_STRLEN];
};

static int wrow_cmp(const void *x, const void *y)
{
    const struct wrow *a = x, *b = y;
    const struct ent *p = a->e, *q = b->e;
    int c;
    if (p->kind != q->kind) return p->kind < q->kind ? -1 : 1;
    if ((p->kind == K_SRC || p->kind == K_BSC) && (c = strcmp(a->text, b->text))) return c;
    if (p->port != q->port) return p->port < q->port ? -1 : 1;
    if (p->proto != q->proto) return p->proto < q->proto ? -1 : 1;
    return (p->t > q->t) - (p->t < q->t);
}

#define WROW_CHUNK 65536 /* rows sorted at a time */

/* Writes es[0 .. n) in each table's key order, a chunk at a time: rows
 * next to each other in the B-tree are written one after the other (each
 * leaf page is found and changed once while it is hot, not once per row
 * scattered over the table). */
static int write_sorted(struct sq_store *st, struct writer *w, struct ent **es, size_t n)
{
    for (size_t at = 0; at < n; at += WROW_CHUNK) {
        size_t m = n - at < WROW_CHUNK ? n - at : WROW_CHUNK;
        if (!w->wrows) w->wrows = ww_malloc(WROW_CHUNK * sizeof *w->wrows);
        for (size_t i = 0; i < m; i++) {
            struct wrow *r = &w->wrows[i];
            r->e = es[at + i];
            if (r->e->kind == K_SRC) ww_cidr_format(&(struct ww_cidr){r->e->src, r->e->glen}, r->text);
            else if (r->e->kind == K_BSC) ww_addr_format(&r->e->src, r->text);
        }
        qsort(w->wrows, m, sizeof *w->wrows, wrow_cmp);
        for (size_t i = 0; i < m; i++)
            if (ent_write(st, w, w->wrows[i].e, w->wrows[i].text)) return WW_ERR_IO;
    }
    return WW_OK;
}

/* One transaction: dirty entries oldest-first, those dirty for FLUSH_AGE_US
 * at least (so a hot entry is written once for many batches), until
 * budget_us is spent -- or all of them if budget_us < 0 --, new alerts, the
 * watermarks, the surge state if due, and the log rows no longer needed.
 * Nothing in memory changes until the COMMIT succeeds: after a failure
 * every entry is still dirty and queued, `applied` and the surge
 * watermark where they were, so the next flush writes it all again and no
 * log row is deleted before what it holds is in the aggregates. */
static int flush(struct sq_store *st, struct writer *w, int64_t budget_us, int save)
{
    int64_t t0 = ww_mono_us();
    if (!w->dn && !save && w->applied == w->agg_last) return WW_OK;
    if (budget_us >= 0 && !save && w->dn && t0 - w->dirty[w->dhead]->dirty_us < FLUSH_AGE_US &&
        w->events_since_save < SURGE_SAVE_EVENTS)
        return WW_OK;
    /* not fsync'd: the log holds all of it, and the next commit of batches
     * (synchronous=FULL) makes it durable too, WAL frames being in order */
    int rc = exec(st, "PRAGMA synchronous=NORMAL; BEGIN IMMEDIATE");
    /* entries written: dirty[dhead .. dhead + k), the due ones, as many as
     * the budget allows at the cost per row last measured (at least 64) */
    size_t k = w->dn;
    if (budget_us >= 0) {
        size_t most = (size_t)(budget_us * 1000 / (w->row_ns ? w->row_ns : 5000));
        if (most < 64) most = 64;
        for (k = 0; k < w->dn && k < most; k++)
            if (t0 - w->dirty[w->dhead + k]->dirty_us < FLUSH_AGE_US) break;
    }
    int64_t t1 = ww_mono_us();
    if (!rc && k) rc = write_sorted(st, w, w->dirty + w->dhead, k);
    int64_t applied = k < w->dn ? w->dirty[w->dhead + k]->lo - 1 : w->agg_last;
    int save_now = save || w->nchanges || w->events_since_save >= SURGE_SAVE_EVENTS ||
                   (w->events_since_save && ww_mono_us() - w->surge_saved_us >= SURGE_SAVE_US);
    if (!rc) rc = write_alerts(st, w);
    if (!rc) rc = write_floods(st, w);
    if (!rc) rc = write_changes(st, w);
    if (!rc && applied != w->applied) rc = meta_put_int(st, "applied", applied);
    int64_t hold_lo = save_now ? ww_hold_oldest_tag(w->hold) : w->saved_hold_lo;
    if (!rc && save_now) rc = save_surges(st, w, hold_lo);
    if (!rc) {
        int64_t keep = save_now ? w->surge_wm : w->saved_surge_wm;
        if (applied < keep) keep = applied;
        if (hold_lo - 1 < keep) keep = hold_lo - 1;
        sqlite3_stmt *s = stmt(st, S_LOG_DEL);
        sqlite3_bind_int64(s, 1, keep);
        rc = step_done(s);
    }
    rc = finish(st, w, rc);
    if (exec(st, "PRAGMA synchronous=FULL") && !rc) rc = WW_ERR_IO;
    if (!rc && k >= 64 && !save_now) { /* the cost per row, its COMMIT included, smoothed */
        uint64_t ns = (uint64_t)(ww_mono_us() - t1) * 1000 / k;
        w->row_ns = w->row_ns ? (3 * w->row_ns + ns) / 4 : ns;
    }
    if (rc) { /* alerts and floods are written again, whole, next time */
        if (w->nalert) memset(w->alert_last, 0xff, w->nalert * sizeof *w->alert_last);
        if (w->nflood) memset(w->flood_last, 0xff, w->nflood * sizeof *w->flood_last);
        return rc;
    }
    for (size_t i = 0; i < k; i++) {
        struct ent *e = w->dirty[w->dhead + i];
        e->dirty = 0;
        e->stored_wm = e->wm;
    }
    w->dhead += k;
    w->dn -= k;
    if (!w->dn) w->dhead = 0;
    w->applied = applied;
    w->nchanges = 0;
    if (save_now) {
        w->saved_surge_wm = w->surge_wm;
        w->saved_hold_lo = hold_lo;
        w->surge_saved_us = ww_mono_us();
        w->events_since_save = 0;
    }
    return WW_OK;
}

/* After a failed write, once writes succeed again: copy the WAL into the
 * database and truncate it, giving back what it grew to while it could
 * not be checkpointed. The copy grows the database file to page_count
 * pages; with less room than that it would fail midway, having taken what
 * room there was from the writes, so it waits for the room. */
static void checkpoint(struct sq_store *st, struct writer *w)
{
    struct stat sb;
    struct statvfs fs;
    int64_t need = sql_int(st, "PRAGMA page_count") * sql_int(st, "PRAGMA page_size");
    if (stat(st->path, &sb) == 0 && statvfs(st->path, &fs) == 0 &&
        need - (int64_t)sb.st_size > (int64_t)(fs.f_bavail * fs.f_frsize))
        return;
    if (sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) == SQLITE_OK)
        w->ckpt = 0;
}

/* ---- catching up on the log (at start, and after a failed apply) ------------- */

/* Applies, in order, the log rows past agg_last to the aggregates and those
 * past surge_wm to the surge detector; an aggregate row skips the ids it
 * already holds (its wm). At a start (readd), the rows from the saved
 * hold_lo up to surge_wm give the hold back what was waiting in it. A row
 * that cannot be read is an error, never the end of the log. */
static int catch_up(struct sq_store *st, struct writer *w, int readd)
{
    int64_t from = w->agg_last < w->surge_wm ? w->agg_last : w->surge_wm;
    if (readd && w->saved_hold_lo - 1 < from) from = w->saved_hold_lo - 1;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT id, sensor, data, coalesce(fmt, 1) FROM log WHERE id > ?"
                           " ORDER BY id",
                           -1, &s, NULL) != SQLITE_OK) {
        note_failure(st, w);
        return WW_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, from);
    struct ww_event *ev = NULL;
    size_t cap = 0;
    int rc = WW_OK, step = SQLITE_DONE;
    while (!rc && (step = sqlite3_step(s)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(s, 0), sensor = sqlite3_column_int64(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 2), off = 0, n = 0;
        const unsigned char *b = sqlite3_column_blob(s, 2);
        while (b && off < len) {
            if (n == cap) ev = ww_realloc(ev, (cap = cap ? 2 * cap : 1024) * sizeof *ev);
            if (log_decode_event(sqlite3_column_int(s, 3), b, len, &off, &ev[n])) break;
            ev[n++].sensor = (uint16_t)sensor;
        }
        int surge = id > w->surge_wm ? SURGE_YES
                  : readd && id >= w->saved_hold_lo ? SURGE_READD : SURGE_NO;
        rc = apply(st, w, id, sensor, ev, n, id > w->agg_last, surge);
        if (id > w->committed) w->committed = id;
    }
    if (rc || step != SQLITE_DONE) {
        note_failure(st, w);
        rc = WW_ERR_IO;
    }
    sqlite3_finalize(s);
    ww_free(ev);
    return rc;
}

static void drop_entries(struct writer *w)
{
    for (size_t i = 0; i < w->n; i++) ent_free(w->ents[i]);
    ww_hash_clear(&w->index);
    w->n = w->dn = w->dhead = 0;
}

static void writer_free(struct writer *w)
{
    drop_entries(w);
    ww_free(w->ents);
    ww_hash_release(&w->index);
    ww_free(w->dirty);
    ww_surges_free(w->surges);
    ww_hold_free(w->hold);
    ww_free(w->hold_snap);
    ww_free(w->changes);
    ww_free(w->alert_last);
    ww_free(w->flood_last);
    ww_free(w->buf);
    ww_free(w->wrows);
    ww_free(w->hs);
    ww_free(w->rev);
    for (size_t i = 0; i < w->nnames; i++) ww_free(w->names[i]);
    ww_free(w->names);
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->work);
    pthread_cond_destroy(&w->done);
    ww_free(w);
}

/* An apply that failed midway (a read error) left entries holding part of
 * a log row: all entries go, and the log is caught up on as at a start. */
static int rebuild(struct sq_store *st, struct writer *w)
{
    drop_entries(w);
    w->agg_last = w->applied;
    w->sources = (uint64_t)sql_int(st, "SELECT count(*) FROM srcs");
    int rc = catch_up(st, w, 0);
    snapshot_hold(w);
    if (!rc) w->rebuild = 0;
    return rc;
}

/* ---- the writer thread ----------------------------------------------------- */

/* Commits the jobs as one transaction; fills each job's rc and dup. Returns
 * the log id of each committed new batch in ids (0 for duplicates). */
static int commit_jobs(struct sq_store *st, struct writer *w, struct job *jobs, int64_t *ids)
{
    int rc = exec(st, "BEGIN IMMEDIATE");
    int64_t t = ww_now_us();
    size_t i = 0;
    for (struct job *j = jobs; j && !rc; j = j->next, i++) {
        uint64_t total = 0;
        for (size_t k = 0; k < j->n; k++) total += j->ev[k].count ? j->ev[k].count : 1;
        sqlite3_stmt *s = stmt(st, S_BATCH_ADD);
        sqlite3_bind_int64(s, 1, j->sensor);
        sqlite3_bind_text(s, 2, j->batch_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(s, 3, t);
        sqlite3_bind_int64(s, 4, (int64_t)total);
        if ((rc = step_done(s))) break;
        ids[i] = 0;
        j->dup = sqlite3_changes(st->db) == 0;
        if (!j->dup) {
            unsigned char *b = scratch(w, j->n * LOG_EVENT_MAX + 1);
            size_t len = 0;
            for (size_t k = 0; k < j->n; k++) len += log_encode_event(&j->ev[k], b + len);
            s = stmt(st, S_LOG_ADD);
            sqlite3_bind_int64(s, 1, j->sensor);
            sqlite3_bind_blob64(s, 2, b, len, SQLITE_STATIC);
            if ((rc = step_done(s))) break;
            ids[i] = sqlite3_last_insert_rowid(st->db);
        }
        s = stmt(st, S_KEY_SEEN);
        sqlite3_bind_int64(s, 1, t);
        sqlite3_bind_int64(s, 2, j->sensor);
        if (j->n) {
            int64_t wm = INT64_MIN;
            for (size_t k = 0; k < j->n; k++)
                if (j->ev[k].ts_us > wm) wm = j->ev[k].ts_us;
            sqlite3_bind_int64(s, 3, wm);
        }
        rc = step_done(s);
    }
    return finish(st, w, rc);
}

static void *writer_main(void *arg)
{
    struct sq_store *st = arg;
    struct writer *w = st->w;
    int64_t *ids = NULL;
    size_t idcap = 0;
    for (;;) {
        pthread_mutex_lock(&w->mu);
        while (!w->head && !w->stop && !w->sync_wanted) {
            /* after a failure try again (after the pause below), else
             * sleep until the oldest dirty entry is due, or a checkpoint
             * left to do is worth another try */
            int64_t due = w->failed ? 0
                        : w->dn ? w->dirty[w->dhead]->dirty_us + FLUSH_AGE_US
                        : w->applied != w->agg_last ? 0
                        : w->ckpt ? w->now_us + CKPT_RETRY_US : -1;
            if (due < 0) {
                pthread_cond_wait(&w->work, &w->mu);
                continue;
            }
            if (ww_mono_us() >= due) break;
            struct timespec ts = {(time_t)(due / 1000000), (long)(due % 1000000) * 1000};
            pthread_cond_timedwait(&w->work, &w->mu, &ts);
        }
        struct job *jobs = w->head;
        w->head = NULL;
        w->tail = &w->head;
        int stop = w->stop, sync = w->sync_wanted > 0;
        pthread_mutex_unlock(&w->mu);

        w->round++;
        w->now_us = ww_mono_us();
        pthread_mutex_lock(&st->wlock);
        int failed = 0;
        if (jobs) {
            size_t n = 0;
            for (struct job *j = jobs; j; j = j->next) n++;
            if (n > idcap) ids = ww_realloc(ids, (idcap = 2 * n) * sizeof *ids);
            int rc = commit_jobs(st, w, jobs, ids);
            failed = rc != 0;
            /* the events are copied out (into the writer's round buffer)
             * before the submitters are let go */
            struct applied_job { int64_t id, sensor; size_t n, at; } *todo = NULL;
            size_t ntodo = 0, i = 0, nev = 0;
            for (struct job *j = jobs; j && !rc; j = j->next, i++) {
                if (!ids[i]) continue;
                if (!todo) todo = ww_malloc(n * sizeof *todo);
                if (nev + j->n > w->rcap)
                    w->rev = ww_realloc(w->rev, (w->rcap = 2 * (nev + j->n)) * sizeof *w->rev);
                memcpy(w->rev + nev, j->ev, j->n * sizeof *j->ev);
                for (size_t k = 0; k < j->n; k++) w->rev[nev + k].sensor = (uint16_t)j->sensor;
                todo[ntodo++] = (struct applied_job){ids[i], j->sensor, j->n, nev};
                nev += j->n;
            }
            pthread_mutex_lock(&w->mu);
            for (struct job *j = jobs, *next; j; j = next) {
                next = j->next;
                j->rc = rc;
                j->done = 1;
                if (!rc) {
                    w->batches++;
                    if (j->dup) w->duplicates++;
                    else w->events += j->n;
                }
            }
            if (!rc) {
                for (size_t k = 0; k < n; k++)
                    if (ids[k] > w->committed) w->committed = ids[k];
            } else {
                w->failed = 1; /* before its submitters hear of it */
            }
            pthread_cond_broadcast(&w->done);
            pthread_mutex_unlock(&w->mu);
            /* committed and answered: if aggregating fails (a read error)
             * the cache is rebuilt from the log, which has every batch */
            if (ntodo && ww_mono_us() - w->keys_synced_us > 1000000 && sync_keys(st, w))
                note_failure(st, w); /* the keys as last read will do */
            /* one read transaction for the entries' reads: each read on
             * its own would take and drop SQLite's locks (fcntl calls) */
            if (ntodo) exec(st, "BEGIN");
            for (size_t k = 0; k < ntodo; k++) {
                if (!w->rebuild && apply(st, w, todo[k].id, todo[k].sensor, w->rev + todo[k].at,
                                         todo[k].n, 1, SURGE_YES))
                    w->rebuild = 1;
            }
            if (!sqlite3_get_autocommit(st->db)) exec(st, "COMMIT");
            if (ntodo) snapshot_hold(w);
            ww_free(todo);
        }
        /* a few ms of flushing between commits, more as the backlog grows
         * (backpressure: past a million dirty entries batches wait) */
        int64_t budget = 4000 + (int64_t)(w->dn / 25);
        if (budget > 30000 && w->dn < 1000000) budget = 30000;
        if (budget > 200000) budget = 200000;
        int rc = w->rebuild ? rebuild(st, w) : WW_OK;
        if (!rc) rc = flush(st, w, stop || sync || w->failed ? -1 : budget, stop);
        if (!rc && w->ckpt && !stop) checkpoint(st, w);
        pthread_mutex_unlock(&st->wlock);
        if (w->n > w->evict_at || (w->n > CACHE_MAX && w->dn + CACHE_MAX / 4 < w->evict_dn)) evict(w);
        failed |= rc != 0;
        pthread_mutex_lock(&w->mu);
        w->failed = failed;
        w->rounds++;
        pthread_cond_broadcast(&w->done);
        int quit = stop && !w->head;
        pthread_mutex_unlock(&w->mu);
        if (quit) break;
        if (failed) { /* a full or failing disk: try again, not in a tight loop */
            struct timespec pause = {0, FAIL_RETRY_US * 1000};
            nanosleep(&pause, NULL);
        }
    }
    ww_free(ids);
    return NULL;
}

/* ---- start: lock, replay, thread ------------------------------------------ */

/* Loads the surge state, catches up on the log and flushes. Only a log that
 * cannot be read fails the start: a flush that fails (a full disk) leaves
 * the writer failed, answering 503, and trying again by itself. */
static int replay(struct sq_store *st, struct writer *w)
{
    w->applied = w->agg_last = w->committed = meta_get_int(st->db, "applied");
    w->surge_wm = 0;
    w->saved_hold_lo = INT64_MAX;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->db, "SELECT k, v FROM meta WHERE k IN ('surge', 'hold') ORDER BY k DESC",
                           -1, &s, NULL) != SQLITE_OK) {
        note_failure(st, w);
        return WW_ERR_IO;
    }
    int loaded_surges = 0; /* the hold is taken only with the detector it was saved with */
    while (sqlite3_step(s) == SQLITE_ROW) {
        const void *b = sqlite3_column_blob(s, 1);
        size_t len = (size_t)sqlite3_column_bytes(s, 1);
        struct ww_surges *surges;
        struct ww_hold *hold;
        if (!strcmp((const char *)sqlite3_column_text(s, 0), "surge")) {
            if (ww_surges_load(b, len, &surges, NULL, 0)) continue;
            ww_surges_free(w->surges);
            w->surges = surges;
            w->surge_wm = w->saved_surge_wm = meta_get_int(st->db, "surge_wm");
            loaded_surges = 1;
        } else if (loaded_surges && !ww_hold_load(b, len, &st->hold_opts, &hold, NULL, 0)) {
            ww_hold_free(w->hold);
            w->hold = hold;
            w->saved_hold_lo = meta_get_int(st->db, "hold_lo");
        }
    }
    sqlite3_finalize(s);
    w->sources = (uint64_t)sql_int(st, "SELECT count(*) FROM srcs");
    int rc = sync_keys(st, w);
    if (!rc) rc = catch_up(st, w, 1);
    snapshot_hold(w);
    if (!rc && flush(st, w, -1, 1)) w->failed = 1;
    return rc;
}

/* The writer's lock: flock on the sidecar PATH-lock, which the holder
 * unlinks at a clean close while it still holds the lock. An opener may
 * have opened the file just before that unlink and locked it just after: it
 * then holds a lock on a name nobody else sees, so after flock it checks
 * that the name still points at the inode it locked, and starts again if
 * not. Two processes thus never both hold a lock on the file the name
 * points to. A crash leaves the sidecar (the kernel drops the flock); the
 * next opener takes it as it is. */
int store_lock_take(const char *lockpath, int *fd_out, char *err, size_t errlen)
{
    for (;;) {
        struct stat held, named;
        int fd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            if (err) snprintf(err, errlen, "%s: %s", lockpath, strerror(errno));
            return WW_ERR_IO;
        }
        if (flock(fd, LOCK_EX | LOCK_NB)) {
            close(fd);
            return WW_ERR_LIMIT;
        }
        if (fstat(fd, &held) == 0 && stat(lockpath, &named) == 0 &&
            held.st_dev == named.st_dev && held.st_ino == named.st_ino) {
            *fd_out = fd;
            return WW_OK;
        }
        close(fd); /* unlinked by its last holder after we opened it: again */
    }
}

void store_lock_release(const char *lockpath, int fd)
{
    unlink(lockpath); /* while still holding it */
    close(fd);
}

static int sq_start(struct ww_store *base, const struct ww_store_opts *o, char *err, size_t errlen)
{
    struct sq_store *st = sq(base);
    int rc = WW_OK;
    pthread_mutex_lock(&st->start_lock);
    if (st->w) goto out;
    if (o) st->hold_opts = (struct ww_hold_opts){o->lateness_us, o->hold_max};
    if (st->lockfd < 0 && (rc = store_lock_take(st->lockpath, &st->lockfd, err, errlen))) {
        if (rc == WW_ERR_LIMIT && err)
            snprintf(err, errlen, "%s: another process is already writing this store", st->path);
        goto out;
    }
    struct writer *w = ww_calloc(1, sizeof *w);
    pthread_mutex_init(&w->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->work, &ca);
    pthread_condattr_destroy(&ca);
    pthread_cond_init(&w->done, NULL);
    w->tail = &w->head;
    w->surges = ww_surges_new(NULL);
    w->hold = ww_hold_new(&st->hold_opts);
    w->known = base->known;
    w->osdb = base->osdb;
    ww_hash_init(&w->index, 1 << 16);
    w->surge_saved_us = ww_mono_us();
    w->round = 2;
    w->evict_at = CACHE_MAX;
    st->w = w;
    pthread_mutex_lock(&st->wlock);
    rc = replay(st, w);
    pthread_mutex_unlock(&st->wlock);
    if (rc && err)
        snprintf(err, errlen, "%s: replaying the log: %s", st->path, w->why);
    if (!rc && pthread_create(&w->th, NULL, writer_main, st)) {
        rc = WW_ERR_IO;
        if (err) snprintf(err, errlen, "%s: cannot start the writer thread", st->path);
    }
    if (rc) { /* nothing was half-written: the log has it all */
        st->w = NULL;
        writer_free(w);
    }
out:
    pthread_mutex_unlock(&st->start_lock);
    return rc;
}

static int sq_submit(struct ww_store *base, int64_t sensor_id, const char *batch_id,
                     const struct ww_event *ev, size_t n, int *duplicate)
{
    struct sq_store *st = sq(base);
    *duplicate = 0;
    if (!st->w && sq_start(base, NULL, NULL, 0)) return WW_ERR_IO;
    struct writer *w = st->w;
    struct job j = {.sensor = sensor_id, .batch_id = batch_id, .ev = ev, .n = n};
    pthread_mutex_lock(&w->mu);
    if (w->failed) { /* its last write failed: nothing more until one succeeds */
        pthread_mutex_unlock(&w->mu);
        return WW_ERR_IO;
    }
    *w->tail = &j;
    w->tail = &j.next;
    pthread_cond_signal(&w->work);
    while (!j.done) pthread_cond_wait(&w->done, &w->mu);
    pthread_mutex_unlock(&w->mu);
    *duplicate = j.dup;
    return j.rc;
}

int sq_sync(struct sq_store *st)
{
    struct writer *w = st->w;
    if (!w) return WW_OK;
    pthread_mutex_lock(&w->mu);
    int64_t target = w->committed;
    uint64_t round = w->rounds;
    w->sync_wanted++;
    pthread_cond_signal(&w->work);
    /* the writer flushes everything while a sync waits; give up once a
     * round ended since the call has failed, rather than wait forever */
    while (w->applied < target && !(w->failed && w->rounds != round))
        pthread_cond_wait(&w->done, &w->mu);
    int rc = w->applied < target ? WW_ERR_IO : WW_OK;
    w->sync_wanted--;
    pthread_mutex_unlock(&w->mu);
    return rc;
}

struct ww_hold *sq_hold_view(struct sq_store *st, uint64_t *waiting)
{
    struct ww_hold *h = NULL;
    struct writer *w = st->w;
    *waiting = 0;
    if (w) {
        pthread_mutex_lock(&w->mu);
        if (w->hold_snap) ww_hold_load(w->hold_snap, w->hold_snap_len, NULL, &h, NULL, 0);
        *waiting = w->hold_waiting;
        pthread_mutex_unlock(&w->mu);
        return h;
    }
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(st->rdb, "SELECT v FROM meta WHERE k='hold'", -1, &s, NULL) != SQLITE_OK)
        return NULL;
    if (sqlite3_step(s) == SQLITE_ROW)
        ww_hold_load(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), NULL, &h, NULL, 0);
    sqlite3_finalize(s);
    return h;
}

int sq_status(struct ww_store *base, char *why, size_t len)
{
    struct writer *w = sq(base)->w;
    if (len) *why = '\0';
    if (!w) return WW_OK;
    pthread_mutex_lock(&w->mu);
    int rc = w->failed ? WW_ERR_IO : WW_OK;
    if (len) snprintf(why, len, "%s", w->why);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

void sq_counters(struct ww_store *base, struct ww_store_counters *out)
{
    struct writer *w = sq(base)->w;
    *out = (struct ww_store_counters){0};
    if (!w) return;
    pthread_mutex_lock(&w->mu);
    *out = (struct ww_store_counters){w->batches, w->events, w->duplicates, w->sources};
    pthread_mutex_unlock(&w->mu);
}

static void sq_close(struct ww_store *base)
{
    struct sq_store *st = sq(base);
    struct writer *w = st->w;
    if (w) {
        pthread_mutex_lock(&w->mu);
        w->stop = 1;
        pthread_cond_signal(&w->work);
        pthread_mutex_unlock(&w->mu);
        pthread_join(w->th, NULL);
        writer_free(w);
    }
    for (int i = 0; i < S_COUNT; i++) sqlite3_finalize(st->stmt[i]);
    ww_free(st->stmt);
    if (st->db) sqlite3_close(st->db);
    if (st->rdb) sqlite3_close(st->rdb);
    if (st->ndb) sqlite3_close(st->ndb);
    if (st->lockfd >= 0) store_lock_release(st->lockpath, st->lockfd); /* last: written until here */
    ww_free(st->lockpath);
    pthread_mutex_destroy(&st->wlock);
    pthread_mutex_destroy(&st->rlock);
    pthread_mutex_destroy(&st->start_lock);
    pthread_mutex_destroy(&st->nlock);
    ww_free(st->path);
    ww_free(st);
}

const struct ww_store_ops ww_store_sqlite = {
    .open = sq_open, .close = sq_close, .start = sq_start,
    .key_add = key_add, .key_revoke = key_revoke, .key_check = key_check, .key_list = key_list,
    .dshield_add = dshield_add, .dshield_check = dshield_check, .dshield_userid = dshield_userid,
    .dshield_sampling = dshield_sampling,
    .submit = sq_submit, .status = sq_status, .counters = sq_counters, .metrics = sq_metrics,
    .port = sq_port, .porthistory = sq_porthistory, .topports = sq_topports,
    .sources = sq_sources, .ip = sq_ip, .alerts = sq_alerts, .alert_sample = sq_alert_sample, .floods = sq_floods, .active = sq_active,
    .sensors = sq_sensors, .time = sq_time,
    .span = sq_span, .growth = sq_growth, .new_sources = sq_new_sources, /* store_query.c */
    .notices = notices, .notices_pending = notices_pending,
    .notify_cursor = cursor_get, .notify_cursor_set = cursor_set,
    .backscatter = sq_backscatter,
};
