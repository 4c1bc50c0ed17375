/* sensor_int.h -- what the parts of the sensor (sensor.h) share: the log,
 * the clock, and each part's struct and calls. Not for use outside
 * lib/sensor/. */
#ifndef WW_SENSOR_INT_H
#define WW_SENSOR_INT_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "client/http.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/event.h"
#include "core/hash.h"
#include "detect/analysis.h"
#include "ingest/follow.h"
#include "ingest/format.h"
#include "ingest/pcap.h"
#include "respond/block.h"
#include "sensor/sensor.h"

#define WW_SENSOR_CURSOR_MAX 512 /* journal cursors are ~150 bytes */

/* ---- the log (sensor.c) ---- */
struct slog {
    ww_sensor_log_fn fn;
    void *ctx;
};
void sensor_warn(const struct slog *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sensor_finding(const struct slog *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* A bad line, entry or packet, counted in *st: said for the first 10 and
 * every 1000th, "WHERE N: WHY; WHAT skipped (K so far)". */
void sensor_bad(const struct slog *l, const char *where, uint64_t n, const char *why,
                const char *what, const struct ww_input_stats *st);
double sensor_now(void); /* monotonic seconds */

/* ---- atomic.c ---- */
/* mkdir -p, mode 0700. */
enum ww_err ww_mkdirs(const char *path, char *err, size_t errlen);
/* Writes DIR/TMP (every byte, however many write()s it takes), fsyncs it,
 * renames it to DIR/NAME and fsyncs DIR. WW_ERR_IO with strerror's text in
 * err if any step fails (DIR/TMP is removed then). */
enum ww_err ww_write_atomic(const char *dir, const char *tmp, const char *name,
                            const void *data, size_t len, char *err, size_t errlen);

/* ---- outbox.c ---- */
/* Where the sources are now: per followed file (inode, offset) just past
 * the last line read, and the journal cursor of the last entry read. */
typedef void (*outbox_where_fn)(void *ctx, uint64_t *pos, char jcur[WW_SENSOR_CURSOR_MAX]);

struct held;
struct ww_cryptopan; /* sensor/cryptopan.h */
struct outbox {
    const char *statedir;
    char instance[33];
    const char *const *paths;   /* the followed files, named in the state */
    size_t npaths;
    unsigned long long batch_max;
    enum ww_sensor_anon anon;
    unsigned anon_bits;
    struct ww_cryptopan *cpan;  /* ANON_CRYPTOPAN: keyed, with its cache */
    outbox_where_fn where;
    void *where_ctx;
    const struct slog *log;
    /* committed: what the state file says */
    uint64_t *pos;              /* 2 * npaths: inode, offset */
    char jcur[WW_SENSOR_CURSOR_MAX];
    uint64_t next_seq;
    struct ww_spool *spool;
    /* the open batch */
    struct ww_buf batch;        /* its DShield TSV text */
    size_t bn;                  /* its events */
    double t0;                  /* when it was opened */
    /* closed batches waiting for the spool */
    struct held *head, *tail;
    size_t held_bytes;          /* their cost */
    double spool_retry;         /* while the spool fails: when to try again */
    int spool_warned;           /* its failure logged, recovery not yet */
    double spool_warn_t;        /* when a failure was last logged */
    /* events dropped, by why, and the total last logged */
    uint64_t drop_spool, drop_held, drop_rejected, drop_logged;
    double drop_log_t;
};

/* Makes the state directory, reads (or makes) the instance id, the
 * Crypto-PAn key (when targets are pseudonymized) and the state (o->pos,
 * o->jcur, o->next_seq), opens the spool and drops what it holds past the
 * state. On failure the reason is in err. */
enum ww_err outbox_open(struct outbox *o, const struct ww_sensor_opts *so, const struct slog *log,
                        outbox_where_fn where, void *where_ctx, char *err, size_t errlen);
void outbox_add(struct outbox *o, const struct ww_event *e);
/* Close the open batch, spool what waits, commit. */
void outbox_commit(struct outbox *o);
/* Spool the batches that wait, if the spool may be tried now. */
void outbox_spool_held(struct outbox *o);
/* Commit the positions now, and jcur, without a batch (the journal's first
 * cursor). */
enum ww_err outbox_save_now(struct outbox *o, const char *jcur, char *err, size_t errlen);
void outbox_log_dropped(struct outbox *o, int force);
/* At the end: the last batch; what the spool cannot take is dropped (lost:
 * a capture cannot be read again) or left uncommitted, to be read again. */
void outbox_finish(struct outbox *o, int lost);
void outbox_release(struct outbox *o);

/* ---- submit.c ---- */
struct submit {
    const char *collector, *key;
    struct ww_http *http;
    double backoff, next_try;
    const struct slog *log;
};
void submit_init(struct submit *u, const struct ww_sensor_opts *so, const struct slog *log);
/* POST the outbox's oldest spooled batch if its time has come; 1 if one was
 * settled (accepted, or rejected for good and counted as dropped). */
int submit_one(struct submit *u, struct outbox *o);
void submit_release(struct submit *u);

/* ---- local.c ---- */
struct local {
    struct ww_analysis an;      /* the scan detector alone */
    struct ww_block *block;     /* --block */
    struct ww_scanner *seen;    /* scanners already said: src, prefix, kind, slow */
    size_t nseen, seencap;
    struct ww_hash seen_index;  /* ... found by those four */
    struct ww_cidr *later;      /* scanners the rate limit held back */
    size_t nlater, latercap;
    const struct slog *log;
};
enum ww_err local_init(struct local *l, const struct ww_scan_opts *scan,
                       const struct ww_block_opts *block, const struct slog *log, char *err,
                       size_t errlen);
void local_event(struct local *l, const struct ww_event *e);
/* Say each new scanner, block it with --block, retry those held back. */
void local_report(struct local *l);
void local_release(struct local *l);

/* ---- sources.c: followed files and the live capture ---- */
struct file_src {
    struct ww_follow *f;
    struct ww_lines lines;
    struct ww_input_stats st;
};
/* Opens each file at its committed position, saying how each began. */
struct file_src *files_open(const struct ww_sensor_opts *so, const uint64_t *pos,
                            const struct slog *log);
/* Up to 10,000 lines of each file to emit; 1 if any was read. */
int files_read(struct file_src *fs, size_t n, ww_event_fn emit, void *ctx, const struct slog *log,
               volatile sig_atomic_t *stop);
void files_where(const struct file_src *fs, size_t n, uint64_t *pos);
void files_close(struct file_src *fs, size_t n, const struct slog *log);

/* Opens the capture, then drops privileges to so->user (the state
 * directory handed to that user first, since the spool is written after). */
enum ww_err capture_open(const struct ww_sensor_opts *so, ww_event_fn emit, void *ctx,
                         struct ww_input_stats *st, struct ww_capture **out, char *err,
                         size_t errlen);

/* ---- journal.c ---- */
struct journal;
/* Starts `journalctl -f` after *cursor (committed); with none, first finds
 * the newest kernel entry's cursor and commits it through o. */
enum ww_err journal_open(struct journal **out, const struct ww_sensor_opts *so, struct outbox *o,
                         const struct slog *log);
/* Reads what journalctl wrote: entries to emit. 1 if anything was read;
 * WW_ERR_IO in *rc when journalctl ended (said, unless *stop). */
int journal_read(struct journal *j, ww_event_fn emit, void *ctx, volatile sig_atomic_t *stop,
                 enum ww_err *rc);
const char *journal_cursor(const struct journal *j);
void journal_close(struct journal *j);

#endif
