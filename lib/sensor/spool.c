/* spool.c -- durable FIFO of batches, one file per batch.
 *
 * Invariant: every file named DIR/<seq>-<id>.batch is a complete batch, since
 * it only gets that name by rename(2) after its bytes were fsync'ed under a
 * temporary name (DIR/.tmp-<seq>; ww_write_atomic, atomic.c); the directory
 * is fsync'ed after each rename and unlink so the name itself survives a
 * crash. Leftover .tmp-*
 * files from a crash are deleted at open. The index is an array sorted by
 * seq (batches arrive in seq order, so put appends). The byte bound counts
 * file sizes; past it the oldest batches go first (a sensor that cannot reach
 * the collector keeps the newest data), and the caller logs how many records
 * (lines: a batch is text, one record a line) went with them. */
#include "sensor/spool.h"
#include "sensor/sensor_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"

struct entry {
    uint64_t seq, size;
    char id[WW_SPOOL_IDMAX + 1];
};

struct ww_spool {
    char *dir;
    uint64_t max, bytes;
    struct entry *e;
    size_t n, cap;
};

static void entry_path(const struct ww_spool *sp, const struct entry *e, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%020" PRIu64 "-%s.batch", sp->dir, e->seq, e->id);
}

static void sync_dir(const struct ww_spool *sp)
{
    int fd = open(sp->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

static void push(struct ww_spool *sp, const struct entry *e)
{
    if (sp->n == sp->cap) {
        sp->cap = sp->cap ? sp->cap * 2 : 64;
        sp->e = ww_realloc(sp->e, sp->cap * sizeof *sp->e);
    }
    sp->e[sp->n++] = *e;
    sp->bytes += e->size;
}

static int cmp_seq(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* lines in the file at path (0 if it cannot be read) */
static uint64_t file_lines(const char *path)
{
    char buf[65536];
    uint64_t lines = 0;
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    while ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        for (ssize_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
    close(fd);
    return lines;
}

static void remove_at(struct ww_spool *sp, size_t i)
{
    char path[4096];
    entry_path(sp, &sp->e[i], path, sizeof path);
    unlink(path);
    sp->bytes -= sp->e[i].size;
    memmove(sp->e + i, sp->e + i + 1, (sp->n - i - 1) * sizeof *sp->e);
    sp->n--;
}

enum ww_err ww_spool_open(const char *dir, uint64_t max_bytes, struct ww_spool **out,
                          char *err, size_t errlen)
{
    DIR *d = NULL;
    if ((mkdir(dir, 0700) < 0 && errno != EEXIST) || !(d = opendir(dir))) {
        snprintf(err, errlen, "%s", strerror(errno));
        return WW_ERR_IO;
    }
    struct ww_spool *sp = ww_calloc(1, sizeof *sp);
    sp->dir = ww_strdup(dir);
    sp->max = max_bytes;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        size_t nl = strlen(name);
        if (!strncmp(name, ".tmp-", 5)) {
            snprintf(path, sizeof path, "%s/%s", dir, name);
            unlink(path);
            continue;
        }
        if (nl < 28 || nl - 27 > WW_SPOOL_IDMAX || name[20] != '-'
            || strcmp(name + nl - 6, ".batch"))
            continue;
        struct entry e = {0};
        char *endp;
        e.seq = strtoull(name, &endp, 10);
        if (endp != name + 20)
            continue;
        memcpy(e.id, name + 21, nl - 27);
        e.id[nl - 27] = 0;
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, name);
        if (stat(path, &st) < 0)
            continue;
        e.size = (uint64_t)st.st_size;
        push(sp, &e);
    }
    closedir(d);
    if (sp->n)
        qsort(sp->e, sp->n, sizeof *sp->e, cmp_seq);
    *out = sp;
    return WW_OK;
}

void ww_spool_free(struct ww_spool *sp)
{
    if (!sp)
        return;
    ww_free(sp->e);
    ww_free(sp->dir);
    ww_free(sp);
}

enum ww_err ww_spool_put(struct ww_spool *sp, uint64_t seq, const char *id, const char *data,
                         size_t len, uint64_t *dropped, char *err, size_t errlen)
{
    struct entry e = {.seq = seq, .size = len};
    char tmp[64], path[4096];
    *dropped = 0;
    if (strlen(id) > WW_SPOOL_IDMAX || (sp->n && sp->e[sp->n - 1].seq >= seq)) {
        snprintf(err, errlen, "%s", strerror(EINVAL));
        return WW_ERR_ARG;
    }
    strcpy(e.id, id);
    snprintf(tmp, sizeof tmp, ".tmp-%" PRIu64, seq);
    snprintf(path, sizeof path, "%020" PRIu64 "-%s.batch", seq, e.id);
    enum ww_err rc = ww_write_atomic(sp->dir, tmp, path, data, len, err, errlen);
    if (rc) return rc;
    push(sp, &e);
    if (sp->bytes <= sp->max || sp->n == 1) return WW_OK;
    while (sp->bytes > sp->max && sp->n > 1) {
        entry_path(sp, &sp->e[0], path, sizeof path);
        *dropped += file_lines(path);
        remove_at(sp, 0);
    }
    sync_dir(sp);
    return WW_OK;
}

enum ww_err ww_spool_oldest(struct ww_spool *sp, uint64_t *seq, char id[WW_SPOOL_IDMAX + 1],
                            char **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    if (!sp->n) return WW_OK;
    char path[4096];
    entry_path(sp, &sp->e[0], path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t size = (size_t)sp->e[0].size, off = 0;
    char *buf = fd < 0 ? NULL : ww_malloc(size + 1);
    while (fd >= 0 && off < size) {
        ssize_t n = read(fd, buf + off, size - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            if (n == 0) errno = EIO; /* shorter than it was */
            break;
        }
        off += (size_t)n;
    }
    if (fd < 0 || off < size) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (fd >= 0) close(fd);
        ww_free(buf);
        return WW_ERR_IO;
    }
    close(fd);
    buf[size] = 0;
    *seq = sp->e[0].seq;
    strcpy(id, sp->e[0].id);
    *data = buf;
    *len = size;
    return WW_OK;
}

void ww_spool_remove(struct ww_spool *sp, uint64_t seq)
{
    for (size_t i = 0; i < sp->n; i++)
        if (sp->e[i].seq == seq) {
            remove_at(sp, i);
            sync_dir(sp);
            return;
        }
}

void ww_spool_truncate(struct ww_spool *sp, uint64_t seq)
{
    size_t before = sp->n;
    while (sp->n && sp->e[sp->n - 1].seq >= seq)
        remove_at(sp, sp->n - 1);
    if (sp->n != before)
        sync_dir(sp);
}

size_t ww_spool_count(const struct ww_spool *sp) { return sp->n; }
uint64_t ww_spool_bytes(const struct ww_spool *sp) { return sp->bytes; }
uint64_t ww_spool_last_seq(const struct ww_spool *sp) { return sp->n ? sp->e[sp->n - 1].seq : 0; }
