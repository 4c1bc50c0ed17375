/* atomic.c -- files that are whole or absent, for the sensor's state and
 * spool (see sensor_int.h). A file is written under a temporary name in its
 * directory, every byte (write(2) may take less than asked: it is called
 * again for the rest, and again after EINTR), fsync'ed, and only then
 * renamed over its name; the directory is fsync'ed so the rename survives a
 * crash. A reader therefore sees the old file or the new one, never part. */
#include "sensor/sensor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum ww_err ww_mkdirs(const char *path, char *err, size_t errlen)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++)
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s", strerror(errno));
                return WW_ERR_IO;
            }
            if (!(*p = c)) return WW_OK;
        }
}

/* Every byte, or WW_ERR_IO with errno saying why. */
static enum ww_err write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return WW_ERR_IO;
        if (n == 0) { /* no progress and no reason: as a full disk */
            errno = ENOSPC;
            return WW_ERR_IO;
        }
        p += n, len -= (size_t)n;
    }
    return WW_OK;
}

enum ww_err ww_write_atomic(const char *dir, const char *tmp, const char *name,
                            const void *data, size_t len, char *err, size_t errlen)
{
    char tpath[4096], path[4096];
    snprintf(tpath, sizeof tpath, "%s/%s", dir, tmp);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(tpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return WW_ERR_IO;
    }
    int bad = write_all(fd, data, len) || fsync(fd) < 0;
    int e = errno;
    if (close(fd) < 0 && !bad) bad = 1, e = errno;
    if (!bad && rename(tpath, path) < 0) bad = 1, e = errno;
    if (bad) {
        unlink(tpath);
        snprintf(err, errlen, "%s", strerror(e));
        return WW_ERR_IO;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return WW_OK;
}
