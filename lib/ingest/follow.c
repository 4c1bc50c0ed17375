/* follow.c -- follow a growing log file as `tail -F` does.
 *
 * One fd, one buffer of WW_FOLLOW_LINEMAX bytes. buf[start..end) holds bytes
 * read but not yet handed out; `pos` is the file offset of buf[start], i.e.
 * just past the last complete line returned (the resumable position).
 * When a read hits EOF we stat the path:
 *  - a different inode (or the path gone and back): the file was rotated.
 *    We read the old fd once more to EOF (lines the writer added just before
 *    the rename), then drop any unterminated tail and switch to the new file
 *    at offset 0;
 *  - same inode, size below what we have read: truncated; restart at 0.
 * Only '\n'-terminated lines are returned, so a line being written is never
 * cut in two. No thread, no busy loop: the caller polls (sensor sleeps
 * ~100 ms when every file said 0). Nothing is allocated per line.
 *
 * Rotation while nobody was following: the saved inode is no longer at path.
 * Rotators rename within the directory and keep the base name as a prefix
 * (FILE.1, FILE.0, FILE-20261127), so the directory is scanned once for a
 * regular file with that prefix and that (device, inode). If found, it is
 * opened at the saved offset in place of path: the EOF check above then
 * notices that path holds another inode and moves on to it, exactly as for a
 * rotation seen live. A saved position therefore always names the file being
 * read (its inode), whichever name it has now. Compressed (FILE.1.gz is a new
 * inode) or deleted files cannot be found: ww_follow_started says so and the
 * caller warns. */
#include "ingest/follow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

struct ww_follow {
    char *path, *rotated;         /* rotated: the sibling opened at start */
    enum ww_follow_start how;
    int fd;
    uint64_t ino, pos;
    size_t start, end;
    char buf[WW_FOLLOW_LINEMAX];
};

static void reset(struct ww_follow *f)
{
    f->start = f->end = 0;
}

static int try_open(struct ww_follow *f, const char *path, uint64_t ino, uint64_t off)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        close(fd);
        return -1;
    }
    f->fd = fd;
    f->ino = (uint64_t)st.st_ino;
    f->pos = 0;
    if (ino && f->ino == ino && off <= (uint64_t)st.st_size && off > 0
        && lseek(fd, (off_t)off, SEEK_SET) == (off_t)off)
        f->pos = off;
    reset(f);
    return 0;
}

struct ww_follow *ww_follow_open(const char *path, uint64_t inode, uint64_t offset)
{
    struct ww_follow *f = ww_calloc(1, sizeof *f);
    f->path = ww_strdup(path);
    f->fd = -1;
    int opened = try_open(f, path, inode, offset) == 0;
    if (!inode) {
        f->how = WW_FOLLOW_FRESH;
    } else if (opened && f->ino == inode) {
        f->how = f->pos == offset ? WW_FOLLOW_RESUMED : WW_FOLLOW_TRUNCATED;
    } else {
        char sib[4096];
        int found;
        f->how = WW_FOLLOW_LOST;
        if (!ww_follow_find_rotated(path, inode, sib, sizeof sib, &found) && found) {
            int nfd = f->fd;
            uint64_t nino = f->ino;
            f->fd = -1;
            if (try_open(f, sib, inode, offset) == 0 && f->ino == inode) {
                f->how = WW_FOLLOW_ROTATED;
                f->rotated = ww_strdup(sib);
                if (nfd >= 0) close(nfd);
            } else { /* renamed again under our feet: keep the new file */
                if (f->fd >= 0) close(f->fd);
                f->fd = nfd;
                f->ino = nino;
                f->pos = 0;
            }
        }
    }
    return f;
}

enum ww_err ww_follow_find_rotated(const char *path, uint64_t inode, char *buf, size_t size,
                                   int *found)
{
    *found = 0;
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    char dir[4096];
    int n = slash ? snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path)
                  : snprintf(dir, sizeof dir, ".");
    if (n < 0 || (size_t)n >= sizeof dir)
        return WW_ERR_LIMIT;
    size_t blen = strlen(base);
    DIR *d = opendir(dir);
    struct stat dst, st;
    if (!d)
        return WW_ERR_IO;
    if (fstat(dirfd(d), &dst) < 0) {
        closedir(d);
        return WW_ERR_IO;
    }
    enum ww_err rc = WW_OK;
    for (struct dirent *de; !*found && !rc && (de = readdir(d));) {
        if (!blen || strncmp(de->d_name, base, blen) || !de->d_name[blen]
            || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0
            || !S_ISREG(st.st_mode) || (uint64_t)st.st_ino != inode || st.st_dev != dst.st_dev)
            continue;
        n = snprintf(buf, size, "%s/%s", dir, de->d_name);
        if (n >= 0 && (size_t)n < size) *found = 1;
        else rc = WW_ERR_LIMIT;
    }
    closedir(d);
    return rc;
}

enum ww_follow_start ww_follow_started(const struct ww_follow *f, const char **rotated)
{
    if (rotated)
        *rotated = f->how == WW_FOLLOW_ROTATED ? f->rotated : NULL;
    return f->how;
}

/* Returns bytes read (>0), 0 at EOF or error. */
static size_t fill(struct ww_follow *f)
{
    if (f->start > 0) {
        memmove(f->buf, f->buf + f->start, f->end - f->start);
        f->end -= f->start;
        f->start = 0;
    }
    for (;;) {
        ssize_t n = read(f->fd, f->buf + f->end, sizeof f->buf - f->end);
        if (n > 0) {
            f->end += (size_t)n;
            return (size_t)n;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return 0;
    }
}

/* At EOF: 1 if we switched files or rewound (read again), else 0. */
static int check_rotate(struct ww_follow *f)
{
    struct stat st, fst;
    if (stat(f->path, &st) == 0 && (uint64_t)st.st_ino != f->ino) {
        if (fill(f) > 0)
            return 1; /* the old file still had lines */
        close(f->fd);
        f->fd = -1;
        return try_open(f, f->path, 0, 0) == 0;
    }
    if (fstat(f->fd, &fst) == 0 && (uint64_t)fst.st_size < f->pos + (f->end - f->start)) {
        lseek(f->fd, 0, SEEK_SET);
        f->pos = 0;
        reset(f);
        return 1;
    }
    return 0;
}

int ww_follow_line(struct ww_follow *f, const char **line, size_t *len)
{
    if (f->fd < 0 && try_open(f, f->path, 0, 0) < 0)
        return 0;
    for (int round = 0; round < 4; round++) {
        char *nl = memchr(f->buf + f->start, '\n', f->end - f->start);
        if (nl) {
            *line = f->buf + f->start;
            *len = (size_t)(nl - *line);
            f->pos += *len + 1;
            f->start += *len + 1;
            return 1;
        }
        if (f->start == 0 && f->end == sizeof f->buf) { /* overlong: cut */
            *line = f->buf;
            *len = f->end;
            f->pos += f->end;
            reset(f);
            return 1;
        }
        if (fill(f) > 0)
            continue;
        if (!check_rotate(f))
            return 0;
    }
    return 0;
}

void ww_follow_pos(const struct ww_follow *f, uint64_t *inode, uint64_t *offset)
{
    *inode = f->ino;
    *offset = f->pos;
}

const char *ww_follow_path(const struct ww_follow *f)
{
    return f->path;
}

void ww_follow_free(struct ww_follow *f)
{
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    ww_free(f->path);
    ww_free(f->rotated);
    ww_free(f);
}
