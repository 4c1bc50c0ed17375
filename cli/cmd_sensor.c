/* cmd_sensor.c -- `wormwatch sensor`: follow firewall logs, detect scanners
 * locally, and ship the events to a collector without loss or duplication.
 *
 * One thread, one loop: read new complete lines from every followed file
 * (lib/ingest/follow.c, tail -F semantics) or entries from journalctl; parse each
 * (format sniffed per file, as analyze does), anonymize its target address,
 * feed the scan detector, and append it as a DShield TSV line to the current
 * batch. A batch closes at --batch events or --flush seconds.
 *
 * Exactly-once, end to end, rests on this order:
 *   1. the closed batch is stored in the spool (fsync + rename) as
 *      <seq>-<instance>-<seq>.batch;
 *   2. only then the state file (per file: path, inode, offset just past the
 *      last line in that batch; the journal cursor of the last entry in it;
 *      and the next seq) is replaced atomically; if it cannot be, the batch
 *      is taken out of the spool again (not spooled, as if 1 had failed);
 *   3. the submitter POSTs the oldest spooled batch with X-Batch-Id =
 *      <instance>-<seq> and deletes it only after a 200.
 * A crash between 1 and 2 leaves a spooled batch whose seq >= the state's
 * next seq: at start such batches are deleted (never sent; their lines are
 * read again from the saved offsets). A crash between a 200 and the delete
 * resends a batch under the same id, which the collector drops as duplicate.
 * So every line is in exactly one batch id, and each id is stored once.
 * Errors, 5xx and 429 retry with exponential backoff (0.5 s doubling to
 * 60 s); 400/401/413 can never succeed, so that batch is dropped, loudly.
 *
 * Bounded whatever the disk does. A closed batch the spool cannot take (disk
 * full, I/O error) waits in memory, in a FIFO of closed batches, each with
 * the positions just past its last line; they are spooled oldest first once
 * the spool works again (tried at least every second, and whenever a batch
 * left the spool). Past HELD_MAX bytes in that FIFO its oldest batch is
 * dropped and the state committed past it: the state never passes a line
 * that was neither spooled nor counted as dropped. The spool is bounded by --spool-max;
 * past it its oldest batches are dropped. One policy, oldest first, in both:
 * an early warning needs what scanners do now more than what they did
 * before the outage, and the collector judges every bucket on what arrives.
 * Every dropped event (also those of batches the collector rejected) is
 * counted; the total is logged at most every 5 s while it moves, and at exit.
 *
 * A file rotated while the sensor was down is found again by its inode among
 * its renamed siblings (lib/ingest/follow.c) and read from the saved offset to its
 * end before the new file; if it is gone, the possible loss is logged.
 *
 * --journal: `journalctl -f -o json _TRANSPORT=kernel` (the match -k adds,
 * without -k's implied -b, so a cursor also carries across a reboot), run
 * with fork+exec (cursors and -D paths need no shell quoting). Each output
 * line is one entry; jansson takes __CURSOR, __REALTIME_TIMESTAMP, _HOSTNAME
 * and MESSAGE (a string, or an array of byte values when not UTF-8), and the
 * netfilter parser gets "RFC3339-time host kernel: MESSAGE". The cursor of
 * the last entry read is the journal's position: committed at step 2 like a
 * file offset, and given back as --after-cursor at start. With no cursor
 * saved (first start) a one-shot `journalctl -n 1` finds the newest kernel
 * entry, whose cursor is saved at once: only newer messages are read, and a
 * restart before the first message still misses none. Entries that cannot
 * be used are skipped with a warning naming their output line, and counted;
 * their cursor still advances. */
#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pcap/pcap.h>
#include <inttypes.h>
#include <jansson.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/addr.h"
#include "respond/block.h"
#include "cli.h"
#include "core/event.h"
#include "ingest/follow.h"
#include "core/mem.h"
#include "ingest/format.h"
#include "out/write.h"
#include "ingest/decode.h"
#include "ingest/flows.h"
#include "detect/scan.h"
#include "sensor/spool.h"
#include "core/wtime.h"

#define LINE_MAX_OUT 512 /* one DShield TSV line */
#define CURSOR_MAX 512   /* journal cursors are ~150 bytes */
#define HELD_MAX ((size_t)4 << 20) /* memory for batches the spool refused */

struct source {
    struct ww_follow *f;          /* file mode */
    struct ww_parse_ctx ctx;
    enum ww_format fmt;           /* WW_FMT_AUTO until the first line */
    uint64_t ino, off;            /* last committed position */
};

/* A closed batch the spool has not taken yet, and the positions just past
 * its last line, committed when it is spooled or dropped. */
struct held {
    struct held *next;
    char *data;
    size_t len, n, cost;          /* text bytes, events, memory it takes */
    char jcur[CURSOR_MAX];        /* journal cursor of its last entry */
    uint64_t pos[];               /* per source: inode, offset */
};

struct sensor {
    const char *collector, *statedir;
    char key[256], instance[33];
    unsigned long long batch_max, spool_max;
    double flush_s;
    unsigned anon_bits;
    struct source *src;
    size_t nsrc;
    int jfd;                      /* --journal: journalctl's stdout, or -1 */
    pid_t jpid;
    const char *jdir;             /* --journal-directory */
    char jcur[CURSOR_MAX];        /* cursor of the last entry read */
    char jcur_saved[CURSOR_MAX];  /* ... and of the last one committed */
    unsigned long long jline, jbad;
    struct ww_spool *spool;
    uint64_t next_seq;
    char *batch;                  /* TSV text of the open batch */
    size_t blen, bcap, bn;
    double batch_t0;
    struct held *head, *tail;     /* closed batches waiting for the spool */
    size_t held_bytes;            /* their cost */
    double spool_retry;           /* while the spool fails: when to try again */
    int spool_warned;             /* its failure logged, recovery not yet */
    double spool_warn_t;          /* when a failure was last logged */
    struct ww_scan *scan;
    pcap_t *pcap;                 /* --interface */
    int linktype;
    struct ww_flows *flows;
    uint64_t *seen;               /* hashes of scanners already logged */
    size_t nseen, seencap;
    struct ww_block *block;       /* --block: active response (lib/respond/block.c) */
    struct ww_addr *later;        /* scanners the rate limit held back */
    size_t nlater, latercap;
    CURL *curl;
    double backoff, next_try;
    uint64_t drop_spool, drop_held, drop_rejected; /* events dropped, by why */
    uint64_t drop_logged;         /* the total last logged, and when */
    double drop_log_t;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static double now_s(void) { return (double)ww_mono_us() / 1e6; }

static int mkdirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0700) < 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    return mkdir(buf, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* write to DIR/.name.tmp, fsync, rename to DIR/name; 0 or -errno */
static int write_atomic(const char *dir, const char *name, const char *data, size_t len)
{
    char tmp[4096], path[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    ssize_t n = write(fd, data, len);
    int err = n < 0 ? -errno : n != (ssize_t)len ? -ENOSPC : fsync(fd) < 0 ? -errno : 0;
    if (close(fd) < 0 && !err) err = -errno;
    if (!err && rename(tmp, path) < 0) err = -errno;
    if (err) {
        unlink(tmp);
        return err;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) { fsync(dfd); close(dfd); }
    return 0;
}

static void load_instance(struct sensor *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/instance", s->statedir);
    FILE *fp = fopen(path, "r");
    if (fp) {
        int ok = fscanf(fp, "%32[0-9a-f]", s->instance) == 1 && strlen(s->instance) == 16;
        fclose(fp);
        if (ok) return;
    }
    unsigned char r[8] = {0};
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0 || read(fd, r, sizeof r) != (ssize_t)sizeof r) {
        uint64_t x = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(now_s() * 1e9);
        memcpy(r, &x, sizeof r);
    }
    if (fd >= 0) close(fd);
    for (int i = 0; i < 8; i++) snprintf(s->instance + 2 * i, 3, "%02x", r[i]);
    char line[40];
    int n = snprintf(line, sizeof line, "%s\n", s->instance);
    int rc = write_atomic(s->statedir, "instance", line, (size_t)n);
    if (rc < 0)
        ww_warn("sensor: cannot write %s: %s", path, strerror(-rc));
}

/* state: "seq N", then "file INODE OFFSET PATH" lines or "journal CURSOR" */
static void load_state(struct sensor *s, uint64_t *inos, uint64_t *offs)
{
    char path[4096], line[4200];
    snprintf(path, sizeof path, "%s/state", s->statedir);
    s->next_seq = 1;
    FILE *fp = fopen(path, "r");
    if (!fp) return;
    while (fgets(line, sizeof line, fp)) {
        unsigned long long a, b;
        int pos = 0;
        line[strcspn(line, "\n")] = 0;
        if (sscanf(line, "seq %llu", &a) == 1)
            s->next_seq = a;
        else if (!strncmp(line, "journal ", 8) && strlen(line + 8) < CURSOR_MAX) {
            memcpy(s->jcur, line + 8, strlen(line + 8) + 1);
            memcpy(s->jcur_saved, s->jcur, sizeof s->jcur);
        }
        else if (sscanf(line, "file %llu %llu %n", &a, &b, &pos) == 2 && pos)
            for (size_t i = 0; i < s->nsrc; i++)
                if (!strcmp(ww_follow_path(s->src[i].f), line + pos)) {
                    inos[i] = a;
                    offs[i] = b;
                }
    }
    fclose(fp);
}

/* Writes the state: h's positions and next_seq. Only once it is written are
 * they the committed ones. 0 or -errno. */
static int save_state(struct sensor *s, const struct held *h, uint64_t next_seq)
{
    size_t cap = 64 + CURSOR_MAX, len;
    for (size_t i = 0; i < s->nsrc; i++) cap += strlen(ww_follow_path(s->src[i].f)) + 64;
    char *buf = ww_malloc(cap);
    len = (size_t)snprintf(buf, cap, "seq %" PRIu64 "\n", next_seq);
    for (size_t i = 0; i < s->nsrc; i++)
        len += (size_t)snprintf(buf + len, cap - len, "file %" PRIu64 " %" PRIu64 " %s\n",
                                h->pos[2 * i], h->pos[2 * i + 1], ww_follow_path(s->src[i].f));
    if (h->jcur[0])
        len += (size_t)snprintf(buf + len, cap - len, "journal %s\n", h->jcur);
    int rc = write_atomic(s->statedir, "state", buf, len);
    ww_free(buf);
    if (rc < 0) return rc;
    for (size_t i = 0; i < s->nsrc; i++) {
        s->src[i].ino = h->pos[2 * i];
        s->src[i].off = h->pos[2 * i + 1];
    }
    memcpy(s->jcur_saved, h->jcur, sizeof s->jcur_saved);
    s->next_seq = next_seq;
    return 0;
}

/* The positions now: past the last line read. */
static struct held *held_new(const struct sensor *s)
{
    struct held *h = ww_calloc(1, sizeof *h + 2 * s->nsrc * sizeof *h->pos);
    for (size_t i = 0; i < s->nsrc; i++)
        ww_follow_pos(s->src[i].f, &h->pos[2 * i], &h->pos[2 * i + 1]);
    memcpy(h->jcur, s->jcur, sizeof h->jcur);
    return h;
}

static int held_committed(const struct sensor *s, const struct held *h)
{
    for (size_t i = 0; i < s->nsrc; i++)
        if (h->pos[2 * i] != s->src[i].ino || h->pos[2 * i + 1] != s->src[i].off) return 0;
    return !strcmp(h->jcur, s->jcur_saved);
}

static void held_pop(struct sensor *s)
{
    struct held *h = s->head;
    if (!(s->head = h->next)) s->tail = NULL;
    s->held_bytes -= h->cost;
    ww_free(h->data);
    ww_free(h);
}

/* Spool the oldest held batch, then commit its positions; if the state
 * cannot be written, the batch leaves the spool again (a spooled batch is
 * always a committed one). 0, or -errno and the batch is still held. */
static int spool_head(struct sensor *s)
{
    struct held *h = s->head;
    char id[WW_SPOOL_IDMAX + 1];
    uint64_t dropped = 0, seq = s->next_seq;
    snprintf(id, sizeof id, "%s-%" PRIu64, s->instance, seq);
    int rc = ww_spool_put(s->spool, seq, id, h->data, h->len, &dropped);
    s->drop_spool += dropped;
    if (!rc && (rc = save_state(s, h, seq + 1)) < 0)
        ww_spool_truncate(s->spool, seq);
    if (rc < 0) {
        if (!s->spool_warned && now_s() - s->spool_warn_t >= 60) { /* a full disk may flap */
            ww_warn("sensor: cannot spool batch %s: %s; batches wait in memory (at most %zu MiB, "
                    "then the oldest are dropped) until it can", id, strerror(-rc), HELD_MAX >> 20);
            s->spool_warned = 1;
            s->spool_warn_t = now_s();
        }
        s->spool_retry = now_s() + 1;
        return rc;
    }
    if (s->spool_warned) ww_warn("sensor: spooling again, from batch %s", id);
    s->spool_warned = 0;
    held_pop(s);
    return 0;
}

/* Spool the held batches, oldest first, while the spool takes them; while it
 * fails, try at most once a second (or when a 200 freed space). */
static void spool_held(struct sensor *s)
{
    while (s->head && now_s() >= s->spool_retry && spool_head(s) == 0) {}
}

/* Close the open batch into the queue of held batches, spool them, and past
 * HELD_MAX drop the oldest, counted, and commit past them.
 * Memory: the open batch, at most --batch events, and HELD_MAX (or one). */
static void commit(struct sensor *s)
{
    struct held *h = held_new(s);
    s->batch_t0 = now_s();
    if (!s->bn) {
        if (!s->head && !held_committed(s, h))
            save_state(s, h, s->next_seq); /* lines without events: a later commit retries */
        ww_free(h);
    } else {
        h->data = ww_realloc(s->batch, s->blen);
        h->len = s->blen;
        h->n = s->bn;
        h->cost = sizeof *h + 2 * s->nsrc * sizeof *h->pos + h->len;
        s->batch = NULL;
        s->blen = s->bcap = s->bn = 0;
        *(s->tail ? &s->tail->next : &s->head) = h;
        s->tail = h;
        s->held_bytes += h->cost;
    }
    spool_held(s);
    while (s->held_bytes > HELD_MAX && s->head != s->tail) {
        s->drop_held += s->head->n;
        save_state(s, s->head, s->next_seq); /* counted: the state may pass them */
        held_pop(s);
    }
}

/* Events dropped since the last report, and in all: logged at most every
 * 5 s while the count moves, and at exit. */
static void log_dropped(struct sensor *s, int force)
{
    uint64_t all = s->drop_spool + s->drop_held + s->drop_rejected;
    if (all == s->drop_logged || (!force && now_s() - s->drop_log_t < 5)) return;
    ww_warn("sensor: dropped %" PRIu64 " events (%" PRIu64 " in all: %" PRIu64 " oldest spooled "
            "past --spool-max, %" PRIu64 " oldest held in memory while the spool failed, %" PRIu64
            " rejected by the collector)", all - s->drop_logged, all, s->drop_spool, s->drop_held,
            s->drop_rejected);
    s->drop_logged = all;
    s->drop_log_t = now_s();
}

/* --block: the same code and safeguards as `wormwatch block`, one scanner
 * at a time; those over the rate limit wait in s->later, in order, and are
 * retried first on later rounds until the limit holds one back again. */
static enum ww_block_result block_scanner(struct sensor *s, const struct ww_addr *a, int retry)
{
    char why[512];
    enum ww_block_result r = ww_block_add(s->block, a, ww_now_us(), why, sizeof why);
    if (r != WW_BLOCK_LIMITED || !retry) /* a wait is said once */
        fprintf(stderr, "wormwatch sensor: block: %s\n", why);
    return r;
}

static void log_scanners(struct sensor *s)
{
    const struct ww_scanner *sc;
    size_t n = ww_scan_results(s->scan, &sc), done = 0;
    while (done < s->nlater && block_scanner(s, &s->later[done], 1) != WW_BLOCK_LIMITED)
        done++;
    if (done) {
        memmove(s->later, s->later + done, (s->nlater - done) * sizeof *s->later);
        s->nlater -= done;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t h = ww_addr_hash(&sc[i].src) | 1;
        size_t j;
        for (j = 0; j < s->nseen && s->seen[j] != h; j++) {}
        if (j < s->nseen) continue;
        if (s->nseen == s->seencap) {
            s->seencap = s->seencap ? 2 * s->seencap : 64;
            s->seen = ww_realloc(s->seen, s->seencap * sizeof *s->seen);
        }
        s->seen[s->nseen++] = h;
        char a[WW_ADDR_STRLEN];
        ww_addr_format(&sc[i].src, a);
        if (!strcmp(sc[i].kind, "vertical"))
            fprintf(stderr, "wormwatch sensor: scanner %s vertical (%s): %" PRIu64 " ports\n",
                    a, sc[i].method, sc[i].ports);
        else if (!strcmp(sc[i].kind, "horizontal"))
            fprintf(stderr, "wormwatch sensor: scanner %s horizontal (%s): %" PRIu64 " hosts\n",
                    a, sc[i].method, sc[i].targets);
        else
            fprintf(stderr, "wormwatch sensor: scanner %s %s (%s): %" PRIu64 " hosts, %" PRIu64 " ports\n",
                    a, sc[i].kind, sc[i].method, sc[i].targets, sc[i].ports);
        if (s->block && block_scanner(s, &sc[i].src, 0) == WW_BLOCK_LIMITED &&
            s->nlater < 4096) {
            if (s->nlater == s->latercap) {
                s->latercap = s->latercap ? 2 * s->latercap : 64;
                s->later = ww_realloc(s->later, s->latercap * sizeof *s->later);
            }
            s->later[s->nlater++] = sc[i].src;
        }
    }
}

static void anonymize(struct ww_addr *a, unsigned bits)
{
    unsigned first = a->family == 4 ? 12 : 0, keep = a->family == 4 ? bits : 48;
    for (unsigned i = 0; i < 16 - first; i++) {
        unsigned bit = i * 8;
        if (bit >= keep)
            a->b[first + i] = 0;
        else if (keep - bit < 8)
            a->b[first + i] &= (uint8_t)(0xff00u >> (keep - bit));
    }
}

static void add_event(struct sensor *s, const struct ww_event *e);

static void handle_line(struct sensor *s, struct source *src, const char *line, size_t len)
{
    struct ww_event ev;
    const char *why;
    enum ww_parse_rc rc;
    if (src->fmt == WW_FMT_AUTO) {
        if (!len) return;
        src->fmt = ww_format_sniff((const unsigned char *)line, len);
        if (src->fmt != WW_FMT_WINFW && src->fmt != WW_FMT_DSHIELD) src->fmt = WW_FMT_NETFILTER;
    }
    if (src->fmt == WW_FMT_WINFW) rc = ww_parse_winfw(&src->ctx, line, len, &ev, &why);
    else if (src->fmt == WW_FMT_DSHIELD) rc = ww_parse_dshield(&src->ctx, line, len, &ev, &why);
    else rc = ww_parse_netfilter(&src->ctx, line, len, &ev, &why);
    if (rc == WW_PARSE_EVENT)
        add_event(s, &ev);
}

/* Runs journalctl with args (after the common ones); its stdout is *fd.
 * It gets SIGTERM if the sensor dies, even by kill -9. */
static pid_t journalctl(const struct sensor *s, const char *a1, const char *a2, int *fd)
{
    const char *argv[16] = {"journalctl", "-q", "-o", "json", "--all",
                            "--output-fields=MESSAGE,_HOSTNAME"};
    int n = 6, p[2];
    if (s->jdir) { argv[n++] = "-D"; argv[n++] = s->jdir; }
    argv[n++] = a1;
    if (a2) argv[n++] = a2;
    argv[n++] = "_TRANSPORT=kernel";
    argv[n] = NULL;
    if (pipe(p) < 0) return -1;
    pid_t parent = getpid(), pid = fork();
    if (pid == 0) {
        if (dup2(p[1], 1) < 0) _exit(127);
        close(p[0]);
        close(p[1]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);
        execvp(argv[0], (char *const *)argv);
        fprintf(stderr, "wormwatch: sensor: cannot run journalctl: %s\n", strerror(errno));
        _exit(127);
    }
    close(p[1]);
    if (pid < 0) {
        close(p[0]);
        return -1;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    *fd = p[0];
    return pid;
}

static void journal_warn(struct sensor *s, const char *what)
{
    s->jbad++;
    if (s->jbad <= 10 || s->jbad % 1000 == 0)
        ww_warn("sensor: journalctl output line %llu: %s; entry skipped (%llu so far)",
                s->jline, what, s->jbad);
}

/* One line of `journalctl -o json`: an entry, fed to the netfilter parser as
 * "2026-11-27T00:00:00.000000Z host kernel: MESSAGE". */
static void handle_entry(struct sensor *s, struct source *src, const char *line, size_t len)
{
    static char out[WW_FOLLOW_LINEMAX];
    json_error_t je;
    json_t *o = json_loadb(line, len, JSON_ALLOW_NUL, &je), *msg, *jc = json_object_get(o, "__CURSOR");
    const char *cur = json_string_value(jc);
    const char *rt = json_string_value(json_object_get(o, "__REALTIME_TIMESTAMP"));
    const char *host = json_string_value(json_object_get(o, "_HOSTNAME"));
    char *end;
    if (!o || !json_is_object(o)) {
        char what[200];
        snprintf(what, sizeof what, "not a JSON object%s%s%s", o ? "" : " (", o ? "" : je.text, o ? "" : ")");
        journal_warn(s, what);
        goto done;
    }
    if (!cur || !*cur || strlen(cur) >= CURSOR_MAX || strlen(cur) != json_string_length(jc)
        || strchr(cur, '\n')) {
        journal_warn(s, "no usable __CURSOR");
        goto done;
    }
    snprintf(s->jcur, sizeof s->jcur, "%s", cur); /* read, whatever follows */
    errno = 0;
    unsigned long long us = rt ? strtoull(rt, &end, 10) : 0;
    struct tm tm;
    time_t sec = (time_t)(us / 1000000);
    if (!rt || !*rt || *end || errno || !gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999) {
        journal_warn(s, "bad __REALTIME_TIMESTAMP");
        goto done;
    }
    int n = snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s kernel: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (unsigned)(us % 1000000), host && *host && !strchr(host, ' ')
                     && strlen(host) < 256 ? host : "-");
    size_t k = (size_t)n;
    msg = json_object_get(o, "MESSAGE");
    if (json_is_string(msg)) {
        size_t ml = json_string_length(msg);
        if (ml > sizeof out - k) ml = sizeof out - k;
        memcpy(out + k, json_string_value(msg), ml);
        k += ml;
    } else if (json_is_array(msg)) { /* not UTF-8: the bytes as numbers */
        size_t i;
        json_t *b;
        json_array_foreach(msg, i, b) {
            json_int_t v = json_integer_value(b);
            if (!json_is_integer(b) || v < 0 || v > 255) break;
            if (k < sizeof out) out[k++] = (char)v;
        }
        if (i < json_array_size(msg)) {
            journal_warn(s, "MESSAGE is neither text nor bytes");
            goto done;
        }
    } else {
        journal_warn(s, "no MESSAGE");
        goto done;
    }
    handle_line(s, src, out, k);
done:
    json_decref(o);
}

/* live capture: a decoded packet's event (flow decided), via ww_flows */
static void on_flow_event(void *ctx, const struct ww_event *e)
{
    add_event(ctx, e);
}

static void on_packet(u_char *ctx, const struct pcap_pkthdr *h, const u_char *data)
{
    struct sensor *s = (struct sensor *)ctx;
    struct ww_pkt pk;
    const char *why;
    if (ww_pkt_decode(s->linktype, data, h->caplen, &pk, &why) == WW_PKT_OK)
        ww_flows_packet(s->flows, (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec, &pk);
}

/* Open the capture with our privileges, then give them up for good before
 * the first packet is read (as OpenBSD's pflogd). The state directory is
 * handed to the user first, since the spool is written after the drop. */
static int open_capture(struct sensor *s, const char *ifname, const char *user)
{
    char eb[PCAP_ERRBUF_SIZE] = "";
    s->pcap = pcap_open_live(ifname, 262, 1, 100, eb);
    if (!s->pcap) {
        ww_warn("sensor: cannot capture on %s: %s", ifname, eb);
        return -1;
    }
    s->linktype = pcap_datalink(s->pcap);
    if (!ww_pkt_linktype_supported(s->linktype)) {
        ww_warn("sensor: %s: unsupported link type %d", ifname, s->linktype);
        return -1;
    }
    if (pcap_setnonblock(s->pcap, 1, eb) < 0) {
        ww_warn("sensor: %s: %s", ifname, eb);
        return -1;
    }
    if (geteuid() != 0)
        return 0;
    struct passwd *pw = getpwnam(user);
    if (!pw) {
        ww_warn("sensor: no user '%s' to drop privileges to", user);
        return -1;
    }
    static const char *const files[] = {"", "/spool", "/state", "/instance"};
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s%s", s->statedir, files[i]);
        if (chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT) {
            ww_warn("sensor: cannot chown %s: %s", path, strerror(errno));
            return -1;
        }
    }
    if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
        || setuid(pw->pw_uid) < 0 || setuid(0) == 0) {
        ww_warn("sensor: cannot drop privileges to %s: %s", user, strerror(errno));
        return -1;
    }
    return 0;
}

static void add_event(struct sensor *s, const struct ww_event *e)
{
    struct ww_event ev = *e;
    ww_scan_event(s->scan, &ev);
    anonymize(&ev.dst, s->anon_bits);
    if (s->bcap - s->blen < LINE_MAX_OUT) {
        s->bcap = s->bcap * 2 + LINE_MAX_OUT;
        s->batch = ww_realloc(s->batch, s->bcap);
    }
    size_t n = ww_dshield_format(&ev, "0", s->batch + s->blen, s->bcap - s->blen);
    if (!n) return;
    s->blen += n;
    if (++s->bn >= s->batch_max) commit(s);
}

/* Post the oldest spooled batch if its time has come; 1 if one was settled. */
static int submit_one(struct sensor *s)
{
    if (now_s() < s->next_try) return 0;
    uint64_t seq;
    char id[WW_SPOOL_IDMAX + 1], *data;
    size_t len;
    int rc = ww_spool_oldest(s->spool, &seq, id, &data, &len);
    if (rc <= 0) {
        if (rc < 0) ww_warn("sensor: cannot read spooled batch: %s", strerror(-rc));
        return 0;
    }
    char auth[300], bid[100];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", s->key);
    snprintf(bid, sizeof bid, "X-Batch-Id: %s", id);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    h = curl_slist_append(h, bid);
    h = curl_slist_append(h, "Content-Type: text/tab-separated-values");
    h = curl_slist_append(h, "Expect:");
    char url[2048];
    size_t ul = strlen(s->collector);
    snprintf(url, sizeof url, "%s%s/api/v1/submit", s->collector,
             ul && s->collector[ul - 1] == '/' ? "." : "");
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_reset(s->curl);
    curl_easy_setopt(s->curl, CURLOPT_URL, url);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, data);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_WRITEDATA, sink);
    CURLcode cc = curl_easy_perform(s->curl);
    long status = 0;
    if (cc == CURLE_OK) curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    if (sink) fclose(sink);
    if (status == 200 || status == 400 || status == 401 || status == 413) {
        if (status != 200) {
            size_t n = 0;
            for (size_t i = 0; i < len; i++) n += data[i] == '\n';
            s->drop_rejected += n;
            ww_warn("sensor: collector REJECTED batch %s with HTTP %ld: batch DROPPED (%zu events)",
                    id, status, n);
        }
        ww_spool_remove(s->spool, seq);
        s->spool_retry = 0; /* there may be room now */
        s->backoff = 0.5;
        s->next_try = 0;
        ww_free(data);
        return 1;
    }
    ww_free(data);
    if (cc != CURLE_OK)
        ww_warn("sensor: batch %s: %s; retry in %.1f s", id, curl_easy_strerror(cc), s->backoff);
    else
        ww_warn("sensor: batch %s: HTTP %ld; retry in %.1f s", id, status, s->backoff);
    s->next_try = now_s() + s->backoff;
    s->backoff = s->backoff * 2 > 60 ? 60 : s->backoff * 2;
    return 0;
}

/* First start in journal mode: the newest kernel entry's cursor (none if
 * there is none yet), saved at once, so that only newer messages are read,
 * now and after any restart. */
static int start_cursor(struct sensor *s)
{
    static char out[WW_FOLLOW_LINEMAX];
    size_t len = 0;
    int fd = -1, st = 0;
    pid_t pid = journalctl(s, "--lines=1", NULL, &fd);
    if (pid < 0) {
        ww_warn("sensor: cannot run journalctl: %s", strerror(errno));
        return -1;
    }
    for (ssize_t n; len < sizeof out && (n = read(fd, out + len, sizeof out - len)) != 0;)
        if (n > 0) len += (size_t)n;
        else if (errno != EINTR) break;
    close(fd);
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        ww_warn("sensor: journalctl failed (see above) finding the newest kernel message");
        return -1;
    }
    char *nl = memchr(out, '\n', len);
    json_t *o = json_loadb(out, nl ? (size_t)(nl - out) : len, 0, NULL);
    const char *cur = json_string_value(json_object_get(o, "__CURSOR"));
    if (cur && *cur && strlen(cur) < CURSOR_MAX && !strchr(cur, '\n')) {
        snprintf(s->jcur, sizeof s->jcur, "%s", cur);
        struct held *h = held_new(s);
        int rc = save_state(s, h, s->next_seq);
        if (rc < 0)
            ww_warn("sensor: cannot write state in %s: %s", s->statedir, strerror(-rc));
        ww_free(h);
    }
    json_decref(o);
    return 0;
}

static int read_key_file(const char *path, char *key, size_t size)
{
    FILE *fp = fopen(path, "r");
    if (!fp) return -1;
    int ok = fgets(key, (int)size, fp) != NULL;
    fclose(fp);
    if (!ok) return -1;
    size_t n = strlen(key);
    while (n && isspace((unsigned char)key[n - 1])) key[--n] = 0;
    return n ? 0 : -1;
}

static const char usage[] =
    "usage: wormwatch sensor --collector URL (--key SECRET | --key-file F) [OPTIONS]\n"
    "                        (FILE... | --journal | --interface IF [--user NAME])\n"
    "\n"
    "Follows firewall logs (tail -F: rotation and truncation handled, position\n"
    "kept in the state directory) or the kernel's journal (--journal), reports\n"
    "scanners found locally on stderr, and submits the events in batches to a\n"
    "wormwatch collector (POST URL/api/v1/submit, DShield TSV), spooling them on\n"
    "disk while it is unreachable. No event is lost or sent twice across a\n"
    "collector outage or a sensor restart, short of the bounds below (drops\n"
    "oldest first, counted and logged).\n"
    "\n"
    "  --collector URL     collector base URL, e.g. http://127.0.0.1:8080\n"
    "  --key SECRET        sensor key (from `wormwatch key add`)\n"
    "  --key-file F        read the key from F's first line (preferred)\n"
    "  --state DIR         state and spool (default $XDG_STATE_HOME/wormwatch,\n"
    "                      else ~/.local/state/wormwatch)\n"
    "  --batch N           events per batch (default 1000)\n"
    "  --flush SECONDS     close a batch at least this often (default 2)\n"
    "  --anonymize BITS    keep BITS leading bits of IPv4 targets (default 16;\n"
    "                      IPv6 targets keep 48)\n"
    "  --spool-max BYTES   spool bound; oldest batches dropped past it (default 256 MiB);\n"
    "                      batches the spool cannot take wait in memory, at most\n"
    "                      4 MiB, past which the oldest are dropped (counted, logged)\n"
    "  --journal           read the kernel's messages with journalctl, resuming at\n"
    "                      the saved cursor (first start: new messages only)\n"
    "  --journal-directory DIR\n"
    "                      with --journal: read the journal files in DIR\n"
    "                      (journalctl -D), e.g. a host's journal in a container\n"
    "  --interface IF      capture live on IF with libpcap (probes and their\n"
    "                      outcome, as analyze does for captures)\n"
    "  --user NAME         with --interface as root: open the capture, then drop\n"
    "                      to NAME (default nobody) before reading any packet;\n"
    "                      the state directory is handed to NAME\n"
    "  --block             block each scanner found with nftables, as `wormwatch\n"
    "                      block --apply` would (table inet wormwatch; never\n"
    "                      loopback, this host's addresses or --block-allow)\n"
    "  --block-ttl D       how long a block lasts (default 24h)\n"
    "  --block-allow CIDR  never block these (repeatable)\n"
    "  --block-rate N      at most N new blocks a minute (default 10)\n";

int cmd_sensor(int argc, char **argv);
int cmd_sensor(int argc, char **argv)
{
    const struct ww_command *cmd = &ww_cmd_sensor;
    static const struct option lo[] = {
        {"collector", 1, 0, 'c'}, {"key", 1, 0, 'k'}, {"key-file", 1, 0, 'K'},
        {"state", 1, 0, 's'}, {"batch", 1, 0, 'b'}, {"flush", 1, 0, 'f'},
        {"anonymize", 1, 0, 'a'}, {"spool-max", 1, 0, 'm'}, {"journal", 0, 0, 'j'},
        {"journal-directory", 1, 0, 'J'},
        {"interface", 1, 0, 'i'}, {"user", 1, 0, 'u'}, {"help", 0, 0, 'h'},
        {"block", 0, 0, 'B'}, {"block-ttl", 1, 0, 'T'}, {"block-allow", 1, 0, 'A'},
        {"block-rate", 1, 0, 'R'}, {0, 0, 0, 0}};
    struct ww_block_opts bo = {0};
    struct ww_cidr allow[64];
    int blocking = 0;
    struct sensor s = {.batch_max = 1000, .spool_max = 256ull << 20, .flush_s = 2,
                       .anon_bits = 16, .backoff = 0.5, .jfd = -1, .spool_warn_t = -60};
    const char *keyfile = NULL, *state = NULL, *ifname = NULL, *user = "nobody";
    int journal = 0, c;
    unsigned long long u;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'c': s.collector = optarg; break;
        case 'k': snprintf(s.key, sizeof s.key, "%s", optarg); break;
        case 'K': keyfile = optarg; break;
        case 's': state = optarg; break;
        case 'b':
            if (ww_parse_uint(optarg, 1000000, &s.batch_max) || !s.batch_max)
                return ww_usage_error(cmd, "bad --batch '%s'", optarg);
            break;
        case 'f':
            if (ww_parse_double(optarg, 0.01, 86400, &s.flush_s))
                return ww_usage_error(cmd, "bad --flush '%s'", optarg);
            break;
        case 'a':
            if (ww_parse_uint(optarg, 32, &u)) return ww_usage_error(cmd, "bad --anonymize '%s'", optarg);
            s.anon_bits = (unsigned)u;
            break;
        case 'm':
            if (ww_parse_uint(optarg, ~0ull, &s.spool_max) || !s.spool_max)
                return ww_usage_error(cmd, "bad --spool-max '%s'", optarg);
            break;
        case 'j': journal = 1; break;
        case 'J': s.jdir = optarg; break;
        case 'i': ifname = optarg; break;
        case 'u': user = optarg; break;
        case 'B': blocking = 1; break;
        case 'T':
            if ((bo.ttl_us = ww_parse_duration(optarg)) <= 0)
                return ww_usage_error(cmd, "bad --block-ttl '%s' (e.g. 90s, 30m, 36h, 10d)", optarg);
            break;
        case 'A':
            if (bo.nallow == 64 || ww_cidr_parse(optarg, strlen(optarg), &allow[bo.nallow]))
                return ww_usage_error(cmd, "bad --block-allow '%s' (at most 64 of ADDR[/LEN])", optarg);
            bo.nallow++;
            break;
        case 'R':
            if (ww_parse_uint(optarg, 100000, &u) || !u)
                return ww_usage_error(cmd, "bad --block-rate '%s'", optarg);
            bo.rate = (unsigned)u;
            break;
        case 'h': fputs(usage, stdout); return WW_EXIT_OK;
        default: return ww_usage_error(cmd, "bad option");
        }
    }
    if (!s.collector) return ww_usage_error(cmd, "--collector URL is required");
    if (keyfile && read_key_file(keyfile, s.key, sizeof s.key) < 0) {
        ww_warn("sensor: cannot read a key from %s", keyfile);
        return WW_EXIT_FAIL;
    }
    if (!s.key[0]) return ww_usage_error(cmd, "--key or --key-file is required");
    if (journal + !!ifname + (optind < argc) != 1)
        return ww_usage_error(cmd, "give FILE..., --journal or --interface IF (one of them)");
    if (s.jdir && !journal) return ww_usage_error(cmd, "--journal-directory needs --journal");
    if ((bo.ttl_us || bo.nallow || bo.rate) && !blocking)
        return ww_usage_error(cmd, "--block-ttl, --block-allow and --block-rate go with --block");
    if (blocking && ifname)
        return ww_usage_error(cmd, "--block needs the privileges --interface gives up");
    if (blocking) {
        char err[512];
        bo.allow = allow;
        if (!(s.block = ww_block_open(&bo, err, sizeof err))) {
            ww_warn("sensor: --block: %s", err);
            return WW_EXIT_FAIL;
        }
    }

    char sdir[4096];
    if (state) snprintf(sdir, sizeof sdir, "%s", state);
    else if (getenv("XDG_STATE_HOME") && *getenv("XDG_STATE_HOME"))
        snprintf(sdir, sizeof sdir, "%s/wormwatch", getenv("XDG_STATE_HOME"));
    else
        snprintf(sdir, sizeof sdir, "%s/.local/state/wormwatch", getenv("HOME") ? getenv("HOME") : ".");
    s.statedir = sdir;
    if (mkdirs(sdir) < 0) {
        ww_warn("sensor: cannot create %s: %s", sdir, strerror(errno));
        return WW_EXIT_FAIL;
    }
    load_instance(&s);

    s.nsrc = (size_t)(argc - optind);
    s.src = ww_calloc(s.nsrc ? s.nsrc : 1, sizeof *s.src);
    uint64_t *inos = ww_calloc(s.nsrc + 1, sizeof *inos), *offs = ww_calloc(s.nsrc + 1, sizeof *offs);
    for (size_t i = 0; i < s.nsrc; i++) s.src[i].f = ww_follow_open(argv[optind + (int)i], 0, 0);
    load_state(&s, inos, offs);
    for (size_t i = 0; i < s.nsrc; i++) {
        ww_follow_free(s.src[i].f);
        s.src[i].f = ww_follow_open(argv[optind + (int)i], inos[i], offs[i]);
        ww_follow_pos(s.src[i].f, &s.src[i].ino, &s.src[i].off);
        const char *rot, *path = argv[optind + (int)i];
        switch (ww_follow_started(s.src[i].f, &rot)) {
        case WW_FOLLOW_ROTATED:
            ww_warn("sensor: %s was rotated while the sensor was stopped: reading the rest of %s "
                    "(from byte %" PRIu64 ") first", path, rot, offs[i]);
            break;
        case WW_FOLLOW_LOST:
            ww_warn("sensor: %s was rotated while the sensor was stopped and the old file "
                    "(inode %" PRIu64 ") is no longer in its directory (deleted or compressed?): "
                    "whatever was written to it after byte %" PRIu64 " is LOST (how many bytes "
                    "cannot be known); reading the new file from its start",
                    path, inos[i], offs[i]);
            break;
        case WW_FOLLOW_TRUNCATED:
            ww_warn("sensor: %s was truncated while the sensor was stopped (it was read up to "
                    "byte %" PRIu64 "): whatever was written after that before the truncation "
                    "is LOST (how many bytes cannot be known); reading it from its start",
                    path, offs[i]);
            break;
        default:
            break;
        }
        ww_parse_ctx_init(&s.src[i].ctx);
    }
    ww_free(inos);
    ww_free(offs);

    char spdir[4200];
    snprintf(spdir, sizeof spdir, "%s/spool", sdir);
    int rc = ww_spool_open(spdir, s.spool_max, &s.spool);
    if (rc < 0) {
        ww_warn("sensor: cannot open spool %s: %s", spdir, strerror(-rc));
        return WW_EXIT_FAIL;
    }
    ww_spool_truncate(s.spool, s.next_seq); /* spooled, never committed */
    if (ww_spool_last_seq(s.spool) >= s.next_seq) s.next_seq = ww_spool_last_seq(s.spool) + 1;

    struct source jsrc = {0};
    ww_parse_ctx_init(&jsrc.ctx);
    if (journal) {
        char after[CURSOR_MAX + 32];
        int fd = -1;
        if (!s.jcur[0] && start_cursor(&s) < 0) return WW_EXIT_FAIL;
        if (s.jcur[0]) snprintf(after, sizeof after, "--after-cursor=%s", s.jcur);
        s.jpid = journalctl(&s, "-f", s.jcur[0] ? after : "--lines=all", &fd);
        if (s.jpid < 0) {
            ww_warn("sensor: cannot run journalctl: %s", strerror(errno));
            return WW_EXIT_FAIL;
        }
        s.jfd = fd;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        jsrc.fmt = WW_FMT_NETFILTER;
    }

    if (ifname) {
        if (open_capture(&s, ifname, user) < 0) return WW_EXIT_FAIL;
        s.flows = ww_flows_new(1u << 16, 3 * 1000000LL, on_flow_event, &s);
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    s.curl = curl_easy_init();
    s.scan = ww_scan_new(NULL);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    s.batch_t0 = now_s();
    static char jbuf[WW_FOLLOW_LINEMAX];
    size_t jlen = 0;
    int jskip = 0, jfailed = 0;

    while (!stop) {
        int got = 0;
        for (size_t i = 0; i < s.nsrc && !stop; i++) {
            const char *line;
            size_t len;
            for (int k = 0; k < 10000 && ww_follow_line(s.src[i].f, &line, &len) == 1; k++) {
                got = 1;
                handle_line(&s, &s.src[i], line, len);
            }
        }
        if (s.jfd >= 0) {
            /* non-blocking pipe: take whole lines, keep a partial one */
            ssize_t n = read(s.jfd, jbuf + jlen, sizeof jbuf - jlen);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
                int st = 0;
                if (waitpid(s.jpid, &st, 0) == s.jpid) s.jpid = 0;
                if (!stop) {
                    ww_warn("sensor: journalctl exited (%s %d)", WIFSIGNALED(st) ? "signal" : "status",
                            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
                    jfailed = 1;
                }
                stop = 1;
            }
            if (n > 0) {
                size_t used = 0;
                jlen += (size_t)n;
                got = 1;
                for (char *nl; (nl = memchr(jbuf + used, '\n', jlen - used)); used = (size_t)(nl - jbuf) + 1) {
                    if (jskip) { /* the end of an overlong line */
                        jskip = 0;
                    } else {
                        s.jline++;
                        handle_entry(&s, &jsrc, jbuf + used, (size_t)(nl - jbuf) - used);
                    }
                }
                if (used == 0 && jlen == sizeof jbuf) { /* overlong: skip to its end */
                    if (!jskip) {
                        s.jline++;
                        journal_warn(&s, "longer than 64 KiB");
                    }
                    jskip = 1;
                    used = jlen;
                }
                memmove(jbuf, jbuf + used, jlen - used);
                jlen -= used;
            }
        }
        if (s.pcap) {
            int n = pcap_dispatch(s.pcap, 10000, on_packet, (u_char *)&s);
            if (n > 0) got = 1;
            if (n < 0) {
                ww_warn("sensor: capture: %s", pcap_geterr(s.pcap));
                stop = 1;
            }
        }
        if (now_s() - s.batch_t0 >= s.flush_s) {
            commit(&s);
            log_scanners(&s);
        }
        log_dropped(&s, 0);
        while (!stop && submit_one(&s)) {}
        spool_held(&s);
        if (!got && !stop) {
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    if (s.flows) ww_flows_flush(s.flows);
    s.spool_retry = 0;
    commit(&s);
    if (s.head) {
        size_t n = 0;
        for (struct held *h = s.head; h; h = h->next) n += h->n;
        if (s.pcap) s.drop_held += n;
        ww_warn("sensor: %zu events could not be spooled: %s", n, s.pcap ? "DROPPED" :
                "not committed, they are read again at the next start");
        while (s.head) held_pop(&s);
    }
    log_dropped(&s, 1);
    log_scanners(&s);
    if (s.flows) ww_flows_free(s.flows);
    if (s.pcap) pcap_close(s.pcap);
    if (s.jfd >= 0) close(s.jfd);
    if (s.jpid > 0) {
        kill(s.jpid, SIGTERM);
        waitpid(s.jpid, NULL, 0);
    }
    if (s.jbad) ww_warn("sensor: %llu journal entries skipped", s.jbad);
    for (size_t i = 0; i < s.nsrc; i++) ww_follow_free(s.src[i].f);
    ww_free(s.src);
    ww_free(s.batch);
    ww_free(s.seen);
    ww_free(s.later);
    if (s.block) ww_block_close(s.block);
    ww_scan_free(s.scan);
    ww_spool_free(s.spool);
    curl_easy_cleanup(s.curl);
    curl_global_cleanup();
    return jfailed ? WW_EXIT_FAIL : WW_EXIT_OK;
}

const struct ww_command ww_cmd_sensor = {"sensor", cmd_sensor,
    "follow firewall logs and submit their events to a collector", usage};
