/* outbox.c -- the sensor's events on their way out: DShield batches, the
 * batches the spool has not taken yet, the spool, the state file.
 *
 * An event's target is hidden as --anonymize says (by default its Crypto-PAn
 * pseudonym under the deployment's key, cryptopan.h; or masked to its first
 * bits; or not at all) and the event appended as a DShield TSV line to the
 * open batch, which closes at --batch events or --flush seconds. A TCP
 * SYN's fingerprint (core/synfp.h), when the input showed one, follows as a
 * tenth field in its text form (the collector's ingest/batch.c reads it).
 * Exactly-once, end to end, rests on this order:
 *   1. the closed batch is stored in the spool (fsync + rename) as
 *      <seq>-<instance>-<seq>.batch;
 *   2. only then the state file (per file: path, inode, offset just past the
 *      last line in that batch; the journal cursor of the last entry in it;
 *      and the next seq) is replaced atomically; if it cannot be, the batch
 *      is taken out of the spool again (not spooled, as if 1 had failed);
 *   3. the submitter (submit.c) POSTs the oldest spooled batch with
 *      X-Batch-Id = <instance>-<seq> and deletes it only after a 200.
 * A crash between 1 and 2 leaves a spooled batch whose seq >= the state's
 * next seq: at start such batches are deleted (never sent; their lines are
 * read again from the saved offsets). A crash between a 200 and the delete
 * resends a batch under the same id, which the collector drops as duplicate.
 * So every line is in exactly one batch id, and each id is stored once.
 *
 * Bounded whatever the disk does. A closed batch the spool cannot take (disk
 * full, I/O error) waits in memory, in a FIFO of closed batches, each with
 * the positions just past its last line; they are spooled oldest first once
 * the spool works again (tried at least every second, and whenever a batch
 * left the spool). Past HELD_MAX bytes in that FIFO its oldest batch is
 * dropped and the state committed past it: the state never passes a line
 * that was neither spooled nor counted as dropped. The spool is bounded by
 * --spool-max; past it its oldest batches are dropped. One policy, oldest
 * first, in both: an early warning needs what scanners do now more than what
 * they did before the outage, and the collector judges every bucket on what
 * arrives. Every dropped event (also those of batches the collector
 * rejected) is counted; the total is logged at most every 5 s while it
 * moves, and at exit.
 *
 * Memory: the open batch (a core/buf.h buffer of at most --batch lines)
 * and HELD_MAX (or one). */
#include "sensor/sensor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "out/write.h"
#include "sensor/cryptopan.h"
#include "sensor/spool.h"

#define LINE_MAX_OUT 512                   /* one DShield TSV line */
#define HELD_MAX ((size_t)4 << 20)         /* memory for batches the spool refused */
#define STATE_MAX ((size_t)64 << 20)       /* the state file's text */

/* A closed batch the spool has not taken yet, and the positions just past
 * its last line, committed when it is spooled or dropped. */
struct held {
    struct held *next;
    char *data;
    size_t len, n, cost;          /* text bytes, events, memory it takes */
    char jcur[WW_SENSOR_CURSOR_MAX]; /* journal cursor of its last entry */
    uint64_t pos[];               /* per file: inode, offset */
};

static void load_instance(struct outbox *o)
{
    char path[4096], err[256];
    snprintf(path, sizeof path, "%s/instance", o->statedir);
    FILE *fp = fopen(path, "r");
    if (fp) {
        int ok = fscanf(fp, "%32[0-9a-f]", o->instance) == 1 && strlen(o->instance) == 16;
        fclose(fp);
        if (ok) return;
    }
    unsigned char r[8] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
        uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)ww_mono_us();
        memcpy(r, &x, sizeof r);
    }
    if (fd >= 0) close(fd);
    for (int i = 0; i < 8; i++) snprintf(o->instance + 2 * i, 3, "%02x", r[i]);
    char line[40];
    int n = snprintf(line, sizeof line, "%s\n", o->instance);
    if (ww_write_atomic(o->statedir, ".instance.tmp", "instance", line, (size_t)n, err, sizeof err))
        sensor_warn(o->log, "cannot write %s: %s", path, err);
}

/* The Crypto-PAn key: --anonymize-key, else STATE/anonymize.key, made at
 * the first start (32 bytes from getrandom, mode 0600) and kept: the same
 * target keeps its pseudonym across restarts. */
static enum ww_err load_key(struct outbox *o, const char *file, char *err, size_t errlen)
{
    uint8_t key[WW_CRYPTOPAN_KEYLEN];
    char path[4200], e[256];
    if (!file) {
        snprintf(path, sizeof path, "%s/anonymize.key", o->statedir);
        file = path;
        if (access(path, F_OK) < 0 && errno == ENOENT) {
            if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
                snprintf(err, errlen, "cannot make an anonymization key: getrandom: %s",
                         strerror(errno));
                return WW_ERR_IO;
            }
            enum ww_err rc = ww_write_atomic(o->statedir, ".anonymize.key.tmp", "anonymize.key", key,
                                             sizeof key, e, sizeof e);
            explicit_bzero(key, sizeof key);
            if (rc) {
                snprintf(err, errlen, "cannot write %s: %s", path, e);
                return rc;
            }
            sensor_warn(o->log, "made the anonymization key %s: targets leave as pseudonyms under "
                        "it; copy it to every sensor of this deployment", path);
        }
    }
    enum ww_err rc = ww_cryptopan_key_read(file, key, err, errlen);
    if (rc) return rc;
    o->cpan = ww_malloc(sizeof *o->cpan);
    ww_cryptopan_init(o->cpan, key);
    explicit_bzero(key, sizeof key);
    return WW_OK;
}

/* state: "seq N", then "file INODE OFFSET PATH" lines or "journal CURSOR" */
static void load_state(struct outbox *o)
{
    char path[4096], line[4200];
    snprintf(path, sizeof path, "%s/state", o->statedir);
    o->next_seq = 1;
    FILE *fp = fopen(path, "r");
    if (!fp) return;
    while (fgets(line, sizeof line, fp)) {
        unsigned long long a, b;
        int at = 0;
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "seq %llu", &a) == 1)
            o->next_seq = a;
        else if (!strncmp(line, "journal ", 8) && strlen(line + 8) < WW_SENSOR_CURSOR_MAX)
            memcpy(o->jcur, line + 8, strlen(line + 8) + 1);
        else if (sscanf(line, "file %llu %llu %n", &a, &b, &at) == 2 && at)
            for (size_t i = 0; i < o->npaths; i++)
                if (!strcmp(o->paths[i], line + at)) {
                    o->pos[2 * i] = a;
                    o->pos[2 * i + 1] = b;
                }
    }
    fclose(fp);
}

/* Writes the state: h's positions and next_seq. Only once it is written are
 * they the committed ones. */
static enum ww_err save_state(struct outbox *o, const struct held *h, uint64_t next_seq,
                              char *err, size_t errlen)
{
    struct ww_buf b;
    ww_buf_init(&b, STATE_MAX);
    ww_buf_addf(&b, "seq %" PRIu64 "\n", next_seq);
    for (size_t i = 0; i < o->npaths; i++)
        ww_buf_addf(&b, "file %" PRIu64 " %" PRIu64 " %s\n", h->pos[2 * i], h->pos[2 * i + 1],
                    o->paths[i]);
    if (h->jcur[0]) ww_buf_addf(&b, "journal %s\n", h->jcur);
    enum ww_err rc = b.err ? WW_ERR_LIMIT : WW_OK;
    if (rc) snprintf(err, errlen, "the state would pass %zu MiB", STATE_MAX >> 20);
    else rc = ww_write_atomic(o->statedir, ".state.tmp", "state", b.p, b.len, err, errlen);
    ww_buf_reset(&b);
    if (rc) return rc;
    memcpy(o->pos, h->pos, 2 * o->npaths * sizeof *o->pos);
    memcpy(o->jcur, h->jcur, sizeof o->jcur);
    o->next_seq = next_seq;
    return WW_OK;
}

enum ww_err outbox_open(struct outbox *o, const struct ww_sensor_opts *so, const struct slog *log,
                        outbox_where_fn where, void *where_ctx, char *err, size_t errlen)
{
    char e[256], spdir[4200];
    enum ww_err rc;
    memset(o, 0, sizeof *o);
    o->statedir = so->statedir, o->log = log;
    o->paths = so->files, o->npaths = so->nfiles;
    o->batch_max = so->batch_max, o->anon = so->anon, o->anon_bits = so->anon_bits;
    o->where = where, o->where_ctx = where_ctx;
    o->spool_warn_t = -60;
    ww_buf_init(&o->batch, (size_t)o->batch_max * LINE_MAX_OUT);
    o->pos = ww_calloc(2 * o->npaths + 1, sizeof *o->pos);
    if (ww_mkdirs(o->statedir, e, sizeof e)) {
        snprintf(err, errlen, "cannot create %s: %s", o->statedir, e);
        return WW_ERR_IO;
    }
    if (o->anon == WW_SENSOR_ANON_CRYPTOPAN && (rc = load_key(o, so->anon_key, err, errlen)))
        return rc;
    load_instance(o);
    load_state(o);
    snprintf(spdir, sizeof spdir, "%s/spool", o->statedir);
    if (ww_spool_open(spdir, so->spool_max, &o->spool, e, sizeof e)) {
        snprintf(err, errlen, "cannot open spool %s: %s", spdir, e);
        return WW_ERR_IO;
    }
    ww_spool_truncate(o->spool, o->next_seq); /* spooled, never committed */
    if (ww_spool_last_seq(o->spool) >= o->next_seq) o->next_seq = ww_spool_last_seq(o->spool) + 1;
    o->t0 = sensor_now();
    return WW_OK;
}

/* The positions now: past the last line read. */
static struct held *held_new(const struct outbox *o)
{
    struct held *h = ww_calloc(1, sizeof *h + 2 * o->npaths * sizeof *h->pos);
    o->where(o->where_ctx, h->pos, h->jcur);
    return h;
}

static int held_committed(const struct outbox *o, const struct held *h)
{
    return !memcmp(h->pos, o->pos, 2 * o->npaths * sizeof *o->pos) && !strcmp(h->jcur, o->jcur);
}

static void held_pop(struct outbox *o)
{
    struct held *h = o->head;
    if (!(o->head = h->next)) o->tail = NULL;
    o->held_bytes -= h->cost;
    ww_free(h->data);
    ww_free(h);
}

/* Spool the oldest held batch, then commit its positions; if the state
 * cannot be written, the batch leaves the spool again (a spooled batch is
 * always a committed one). On failure the batch is still held. */
static enum ww_err spool_head(struct outbox *o)
{
    struct held *h = o->head;
    char id[WW_SPOOL_IDMAX + 1], err[256];
    uint64_t dropped = 0, seq = o->next_seq;
    snprintf(id, sizeof id, "%s-%" PRIu64, o->instance, seq);
    enum ww_err rc = ww_spool_put(o->spool, seq, id, h->data, h->len, &dropped, err, sizeof err);
    o->drop_spool += dropped;
    if (!rc && (rc = save_state(o, h, seq + 1, err, sizeof err)))
        ww_spool_truncate(o->spool, seq);
    if (rc) {
        if (!o->spool_warned && sensor_now() - o->spool_warn_t >= 60) { /* a full disk may flap */
            sensor_warn(o->log, "cannot spool batch %s: %s; batches wait in memory (at most %zu MiB, "
                        "then the oldest are dropped) until it can", id, err, HELD_MAX >> 20);
            o->spool_warned = 1;
            o->spool_warn_t = sensor_now();
        }
        o->spool_retry = sensor_now() + 1;
        return rc;
    }
    if (o->spool_warned) sensor_warn(o->log, "spooling again, from batch %s", id);
    o->spool_warned = 0;
    held_pop(o);
    return WW_OK;
}

void outbox_spool_held(struct outbox *o)
{
    while (o->head && sensor_now() >= o->spool_retry && spool_head(o) == WW_OK) {}
}

void outbox_commit(struct outbox *o)
{
    char err[256];
    struct held *h = held_new(o);
    o->t0 = sensor_now();
    if (!o->bn) {
        if (!o->head && !held_committed(o, h)) /* lines without events: a later commit retries */
            save_state(o, h, o->next_seq, err, sizeof err);
        ww_free(h);
    } else {
        h->len = o->batch.len;
        h->data = ww_realloc(ww_buf_take(&o->batch), h->len + 1); /* no slack while held */
        h->n = o->bn;
        h->cost = sizeof *h + 2 * o->npaths * sizeof *h->pos + h->len;
        o->bn = 0;
        *(o->tail ? &o->tail->next : &o->head) = h;
        o->tail = h;
        o->held_bytes += h->cost;
    }
    outbox_spool_held(o);
    while (o->held_bytes > HELD_MAX && o->head != o->tail) {
        o->drop_held += o->head->n;
        save_state(o, o->head, o->next_seq, err, sizeof err); /* counted: the state may pass them */
        held_pop(o);
    }
}

enum ww_err outbox_save_now(struct outbox *o, const char *jcur, char *err, size_t errlen)
{
    struct held *h = held_new(o);
    snprintf(h->jcur, sizeof h->jcur, "%s", jcur);
    enum ww_err rc = save_state(o, h, o->next_seq, err, errlen);
    ww_free(h);
    return rc;
}

void outbox_add(struct outbox *o, const struct ww_event *e)
{
    struct ww_event ev = *e;
    char line[LINE_MAX_OUT];
    if (o->anon == WW_SENSOR_ANON_CRYPTOPAN)
        ww_cryptopan_addr(o->cpan, &ev.dst);
    else if (o->anon == WW_SENSOR_ANON_MASK) /* an IPv6 target keeps its /48 */
        ww_addr_mask(&ev.dst, ev.dst.family == 4 ? o->anon_bits : 48);
    size_t n = ww_dshield_format(&ev, "0", line, sizeof line);
    if (!n) return;
    if (ev.fp.flags) { /* a SYN's fingerprint: the tenth field (ingest/batch.c) */
        char fp[WW_SYNFP_TEXT];
        size_t k = ww_synfp_format(&ev.fp, fp, sizeof fp);
        if (k && n + k + 1 < sizeof line) {
            line[n - 1] = '\t';
            memcpy(line + n, fp, k);
            n += k;
            line[n++] = '\n';
        }
    }
    ww_buf_add(&o->batch, line, n); /* room for --batch lines: cannot fail */
    if (++o->bn >= o->batch_max) outbox_commit(o);
}

void outbox_log_dropped(struct outbox *o, int force)
{
    uint64_t all = o->drop_spool + o->drop_held + o->drop_rejected;
    if (all == o->drop_logged || (!force && sensor_now() - o->drop_log_t < 5)) return;
    sensor_warn(o->log, "dropped %" PRIu64 " events (%" PRIu64 " in all: %" PRIu64 " oldest "
                "spooled past --spool-max, %" PRIu64 " oldest held in memory while the spool "
                "failed, %" PRIu64 " rejected by the collector)", all - o->drop_logged, all,
                o->drop_spool, o->drop_held, o->drop_rejected);
    o->drop_logged = all;
    o->drop_log_t = sensor_now();
}

void outbox_finish(struct outbox *o, int lost)
{
    o->spool_retry = 0;
    outbox_commit(o);
    if (o->head) {
        size_t n = 0;
        for (struct held *h = o->head; h; h = h->next) n += h->n;
        if (lost) o->drop_held += n;
        sensor_warn(o->log, "%zu events could not be spooled: %s", n, lost ? "DROPPED" :
                    "not committed, they are read again at the next start");
        while (o->head) held_pop(o);
    }
    outbox_log_dropped(o, 1);
}

void outbox_release(struct outbox *o)
{
    while (o->head) held_pop(o);
    ww_buf_reset(&o->batch);
    ww_free(o->pos);
    if (o->cpan) explicit_bzero(o->cpan, sizeof *o->cpan); /* the key schedule is the key */
    ww_free(o->cpan);
    ww_spool_free(o->spool);
}
