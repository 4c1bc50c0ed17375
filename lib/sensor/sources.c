/* sources.c -- the sensor's followed files and its live capture.
 *
 * Files: each is followed as `tail -F` does (lib/ingest/follow.c) from its
 * committed position; a file rotated while the sensor was down is found
 * again by its inode among its renamed siblings and read from the saved
 * offset to its end before the new file; if it is gone, the possible loss
 * is said. Lines go through the format registry (ww_lines, format.h): the
 * format is sniffed from each file's first non-empty line, as analyze
 * sniffs a file's start, and every line is counted the same way; a bad line
 * is said (the first 10 of a file, then every 1000th) and counted, and the
 * count is said at exit.
 *
 * Capture: ww_capture_open_live (lib/ingest/pcap.c, the same packet-to-
 * events path as analyze's captures; a kernel ring of --capture-buffer,
 * whose drops sensor.c says) with the sensor's privileges, which
 * are then given up for good before the first packet is read, as OpenBSD's
 * pflogd does. The state directory is handed to the user first, since the
 * spool is written after the drop. */
#include "sensor/sensor_int.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"

#define FILE_LINES_PER_ROUND 10000

struct file_src *files_open(const struct ww_sensor_opts *so, const uint64_t *pos,
                            const struct slog *log)
{
    struct file_src *fs = ww_calloc(so->nfiles ? so->nfiles : 1, sizeof *fs);
    for (size_t i = 0; i < so->nfiles; i++) {
        const char *rot, *path = so->files[i];
        uint64_t ino = pos[2 * i], off = pos[2 * i + 1];
        fs[i].f = ww_follow_open(path, ino, off);
        ww_lines_init(&fs[i].lines, WW_FMT_AUTO, NULL, &fs[i].st);
        switch (ww_follow_started(fs[i].f, &rot)) {
        case WW_FOLLOW_ROTATED:
            sensor_warn(log, "%s was rotated while the sensor was stopped: reading the rest of %s "
                        "(from byte %" PRIu64 ") first", path, rot, off);
            break;
        case WW_FOLLOW_LOST:
            sensor_warn(log, "%s was rotated while the sensor was stopped and the old file "
                        "(inode %" PRIu64 ") is no longer in its directory (deleted or "
                        "compressed?): whatever was written to it after byte %" PRIu64 " is LOST "
                        "(how many bytes cannot be known); reading the new file from its start",
                        path, ino, off);
            break;
        case WW_FOLLOW_TRUNCATED:
            sensor_warn(log, "%s was truncated while the sensor was stopped (it was read up to "
                        "byte %" PRIu64 "): whatever was written after that before the truncation "
                        "is LOST (how many bytes cannot be known); reading it from its start",
                        path, off);
            break;
        default:
            break;
        }
    }
    return fs;
}

int files_read(struct file_src *fs, size_t n, ww_event_fn emit, void *ctx, const struct slog *log,
               volatile sig_atomic_t *stop)
{
    int got = 0;
    for (size_t i = 0; i < n && !*stop; i++) {
        const char *line, *why;
        size_t len;
        struct ww_event ev;
        for (int k = 0; k < FILE_LINES_PER_ROUND && ww_follow_line(fs[i].f, &line, &len) == 1; k++) {
            got = 1;
            fs[i].st.bytes += len + 1;
            switch (ww_lines_parse(&fs[i].lines, line, len, &ev, &why)) {
            case WW_PARSE_EVENT:
                emit(ctx, &ev);
                break;
            case WW_PARSE_BAD: {
                char at[4200];
                snprintf(at, sizeof at, "%s: line", ww_follow_path(fs[i].f));
                sensor_bad(log, at, fs[i].st.lines, why, "line", &fs[i].st);
                break;
            }
            case WW_PARSE_SKIP:
                break;
            }
        }
    }
    return got;
}

void files_where(const struct file_src *fs, size_t n, uint64_t *pos)
{
    for (size_t i = 0; i < n; i++) ww_follow_pos(fs[i].f, &pos[2 * i], &pos[2 * i + 1]);
}

void files_close(struct file_src *fs, size_t n, const struct slog *log)
{
    for (size_t i = 0; i < n; i++) {
        if (fs[i].st.skipped)
            sensor_warn(log, "%s: %" PRIu64 " bad lines skipped", ww_follow_path(fs[i].f),
                        fs[i].st.skipped);
        ww_follow_free(fs[i].f);
    }
    ww_free(fs);
}

/* Give the state directory to pw, then become pw for good. */
static enum ww_err drop_privileges(const struct ww_sensor_opts *so, char *err, size_t errlen)
{
    struct passwd *pw = getpwnam(so->user);
    if (!pw) {
        snprintf(err, errlen, "no user '%s' to drop privileges to", so->user);
        return WW_ERR_ARG;
    }
    static const char *const files[] = {"", "/spool", "/state", "/instance"};
    char path[4200];
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        snprintf(path, sizeof path, "%s%s", so->statedir, files[i]);
        if (chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT) {
            snprintf(err, errlen, "cannot chown %s: %s", path, strerror(errno));
            return WW_ERR_IO;
        }
    }
    if (setgroups(1, &pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0
        || setuid(pw->pw_uid) < 0 || setuid(0) == 0) {
        snprintf(err, errlen, "cannot drop privileges to %s: %s", so->user, strerror(errno));
        return WW_ERR_IO;
    }
    return WW_OK;
}

enum ww_err capture_open(const struct ww_sensor_opts *so, ww_event_fn emit, void *ctx,
                         struct ww_input_stats *st, struct ww_capture **out, char *err,
                         size_t errlen)
{
    enum ww_err rc = ww_capture_open_live(so->ifname, so->capture_buffer, emit, ctx, st, out, err, errlen);
    if (rc || geteuid() != 0) return rc;
    return drop_privileges(so, err, errlen);
}
