/* journal.c -- the kernel's journal as the sensor's source (--journal).
 *
 * `journalctl -f -o json _TRANSPORT=kernel` (the match -k adds, without
 * -k's implied -b, so a cursor also carries across a reboot), run with
 * fork+exec (cursors and -D paths need no shell quoting); it gets SIGTERM
 * if the sensor dies, even by kill -9. Its stdout is a non-blocking pipe
 * read into one buffer: whole lines are taken, a partial one is kept, one
 * longer than the buffer (64 KiB) is skipped to its end. Each output line
 * is one entry; jansson takes __CURSOR, __REALTIME_TIMESTAMP, _HOSTNAME and
 * MESSAGE (a string, or an array of byte values when not UTF-8), and the
 * netfilter parser, through the format registry's ww_lines like any text
 * input, gets "RFC3339-time host kernel: MESSAGE". The cursor of the last
 * entry read is the journal's position: committed with a batch like a file
 * offset (outbox.c), and given back as --after-cursor at start. With no
 * cursor saved (first start) a one-shot `journalctl -n 1` finds the newest
 * kernel entry, whose cursor is saved at once: only newer messages are
 * read, and a restart before the first message still misses none. Entries
 * that cannot be used -- not JSON, no cursor, no time, no message, or a
 * message the netfilter parser calls bad -- are skipped with a warning
 * naming their output line (the first 10, then every 1000th), and counted
 * (ww_lines' counters: lines = output lines); their cursor still advances. */
#include "sensor/sensor_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/num.h"
#include "core/wtime.h"

struct journal {
    const struct ww_sensor_opts *so;
    const struct slog *log;
    int fd;                         /* journalctl's stdout */
    pid_t pid;
    char cur[WW_SENSOR_CURSOR_MAX]; /* cursor of the last entry read */
    struct ww_lines lines;          /* netfilter */
    struct ww_input_stats st;       /* lines: journalctl output lines */
    char buf[WW_FOLLOW_LINEMAX];    /* output read, not yet taken */
    size_t len;
    int skip;                       /* in the rest of an overlong line */
    char out[WW_FOLLOW_LINEMAX];    /* an entry as a netfilter line */
};

/* Runs journalctl with args (after the common ones): *pid, and its stdout
 * *fd. It gets SIGTERM if the sensor dies, even by kill -9. WW_ERR_IO with
 * errno saying why when it cannot be started. */
static enum ww_err journalctl(const struct journal *j, const char *a1, const char *a2, pid_t *pid,
                              int *fd)
{
    const char *argv[16] = {"journalctl", "-q", "-o", "json", "--all",
                            "--output-fields=MESSAGE,_HOSTNAME"};
    int n = 6, p[2];
    if (j->so->journal_dir) { argv[n++] = "-D"; argv[n++] = j->so->journal_dir; }
    argv[n++] = a1;
    if (a2) argv[n++] = a2;
    argv[n++] = "_TRANSPORT=kernel";
    argv[n] = NULL;
    if (pipe(p) < 0) return WW_ERR_IO;
    pid_t parent = getpid();
    if ((*pid = fork()) == 0) {
        if (dup2(p[1], 1) < 0) _exit(127);
        close(p[0]);
        close(p[1]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent) _exit(127);
        execvp(argv[0], (char *const *)argv);
        /* the child of a threaded process (the sensor's detector thread):
         * nothing but async-signal-safe calls until _exit */
        static const char msg[] = "wormwatch: sensor: cannot run journalctl (exec failed)\n";
        if (write(2, msg, sizeof msg - 1) < 0) _exit(127);
        _exit(127);
    }
    int e = errno;
    close(p[1]);
    if (*pid < 0) {
        close(p[0]);
        errno = e;
        return WW_ERR_IO;
    }
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    *fd = p[0];
    return WW_OK;
}

/* An entry skipped: counted (as a line and a bad one) unless the parser
 * already counted it, and said. */
static void bad(struct journal *j, const char *what, int counted)
{
    if (!counted) ww_lines_bad(&j->lines);
    sensor_bad(j->log, "journalctl output line", j->st.lines, what, "entry", &j->st);
}

/* First start: the newest kernel entry's cursor (none if there is none
 * yet), saved at once, so that only newer messages are read, now and
 * after any restart. */
static enum ww_err start_cursor(struct journal *j, struct outbox *o)
{
    size_t len = 0;
    int fd = -1, st = 0;
    pid_t pid;
    if (journalctl(j, "--lines=1", NULL, &pid, &fd)) {
        sensor_warn(j->log, "cannot run journalctl: %s", strerror(errno));
        return WW_ERR_IO;
    }
    for (ssize_t n; len < sizeof j->buf && (n = read(fd, j->buf + len, sizeof j->buf - len)) != 0;)
        if (n > 0) len += (size_t)n;
        else if (errno != EINTR) break;
    close(fd);
    waitpid(pid, &st, 0);
    if (!WIFEXITED(st) || WEXITSTATUS(st)) {
        sensor_warn(j->log, "journalctl failed (see above) finding the newest kernel message");
        return WW_ERR_IO;
    }
    char *nl = memchr(j->buf, '\n', len), err[256];
    json_t *e = json_loadb(j->buf, nl ? (size_t)(nl - j->buf) : len, 0, NULL);
    const char *cur = json_string_value(json_object_get(e, "__CURSOR"));
    if (cur && *cur && strlen(cur) < WW_SENSOR_CURSOR_MAX && !strchr(cur, '\n')) {
        snprintf(j->cur, sizeof j->cur, "%s", cur);
        if (outbox_save_now(o, j->cur, err, sizeof err))
            sensor_warn(j->log, "cannot write state in %s: %s", o->statedir, err);
    }
    json_decref(e);
    return WW_OK;
}

enum ww_err journal_open(struct journal **out, const struct ww_sensor_opts *so, struct outbox *o,
                         const struct slog *log)
{
    struct journal *j = ww_calloc(1, sizeof *j);
    char after[WW_SENSOR_CURSOR_MAX + 32];
    j->so = so, j->log = log, j->fd = -1;
    ww_lines_init(&j->lines, WW_FMT_NETFILTER, NULL, &j->st);
    snprintf(j->cur, sizeof j->cur, "%s", o->jcur);
    *out = j;
    if (!j->cur[0] && start_cursor(j, o)) return WW_ERR_IO;
    if (j->cur[0]) snprintf(after, sizeof after, "--after-cursor=%s", j->cur);
    if (journalctl(j, "-f", j->cur[0] ? after : "--lines=all", &j->pid, &j->fd)) {
        sensor_warn(log, "cannot run journalctl: %s", strerror(errno));
        j->pid = 0;
        return WW_ERR_IO;
    }
    fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) | O_NONBLOCK);
    return WW_OK;
}

/* MESSAGE after the prefix in j->out[0..k): its text, or its bytes when it
 * is an array of numbers. The line's length, or 0 if it is neither. */
static size_t message(struct journal *j, json_t *msg, size_t k)
{
    if (json_is_string(msg)) {
        size_t ml = json_string_length(msg);
        if (ml > sizeof j->out - k) ml = sizeof j->out - k;
        memcpy(j->out + k, json_string_value(msg), ml);
        return k + ml;
    }
    size_t i;
    json_t *b;
    json_array_foreach(msg, i, b) {
        json_int_t v = json_integer_value(b);
        if (!json_is_integer(b) || v < 0 || v > 255) return 0;
        if (k < sizeof j->out) j->out[k++] = (char)v;
    }
    return k;
}

/* One entry as "2026-11-27T00:00:00.000000Z host kernel: MESSAGE" in
 * j->out: its length, or 0 and *what says why not. The cursor advances. */
static size_t entry_line(struct journal *j, json_t *e, const char **what)
{
    json_t *jc = json_object_get(e, "__CURSOR"), *msg = json_object_get(e, "MESSAGE");
    const char *cur = json_string_value(jc);
    const char *rt = json_string_value(json_object_get(e, "__REALTIME_TIMESTAMP"));
    const char *host = json_string_value(json_object_get(e, "_HOSTNAME"));
    uint64_t us;
    if (!cur || !*cur || strlen(cur) >= WW_SENSOR_CURSOR_MAX || strlen(cur) != json_string_length(jc)
        || strchr(cur, '\n'))
        return *what = "no usable __CURSOR", 0;
    snprintf(j->cur, sizeof j->cur, "%s", cur); /* read, whatever follows */
    struct tm tm;
    int ok = rt && !ww_num_str(rt, UINT64_MAX, &us);
    time_t sec = ok ? (time_t)(us / WW_SEC_US) : 0;
    if (!ok || !gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999)
        return *what = "bad __REALTIME_TIMESTAMP", 0;
    if (!json_is_string(msg) && !json_is_array(msg)) return *what = "no MESSAGE", 0;
    int n = snprintf(j->out, sizeof j->out, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s kernel: ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                     tm.tm_sec, (unsigned)(us % WW_SEC_US), host && *host && !strchr(host, ' ')
                     && strlen(host) < 256 ? host : "-");
    size_t k = message(j, msg, (size_t)n);
    if (!k) *what = "MESSAGE is neither text nor bytes";
    return k;
}

/* One line of `journalctl -o json`: an entry, to emit if it is an event. */
static void entry(struct journal *j, const char *line, size_t len, ww_event_fn emit, void *ctx)
{
    json_error_t je;
    json_t *e = json_loadb(line, len, JSON_ALLOW_NUL, &je);
    const char *what;
    struct ww_event ev;
    size_t k;
    if (!e || !json_is_object(e)) {
        char w[200];
        snprintf(w, sizeof w, "not a JSON object%s%s%s", e ? "" : " (", e ? "" : je.text, e ? "" : ")");
        bad(j, w, 0);
    } else if (!(k = entry_line(j, e, &what))) {
        bad(j, what, 0);
    } else {
        enum ww_parse_rc rc = ww_lines_parse(&j->lines, j->out, k, &ev, &what);
        if (rc == WW_PARSE_EVENT) emit(ctx, &ev);
        else if (rc == WW_PARSE_BAD) bad(j, what, 1);
    }
    json_decref(e);
}

/* journalctl ended: reaped; said unless we are stopping anyway. */
static void ended(struct journal *j, volatile sig_atomic_t *stop, enum ww_err *rc)
{
    int st = 0;
    if (waitpid(j->pid, &st, 0) == j->pid) j->pid = 0;
    if (!*stop) {
        sensor_warn(j->log, "journalctl exited (%s %d)", WIFSIGNALED(st) ? "signal" : "status",
                    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
        *rc = WW_ERR_IO;
    }
    *stop = 1;
}

int journal_read(struct journal *j, ww_event_fn emit, void *ctx, volatile sig_atomic_t *stop,
                 enum ww_err *rc)
{
    ssize_t n = read(j->fd, j->buf + j->len, sizeof j->buf - j->len);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) ended(j, stop, rc);
    if (n <= 0) return 0;
    size_t used = 0;
    j->len += (size_t)n;
    for (char *nl; (nl = memchr(j->buf + used, '\n', j->len - used)); used = (size_t)(nl - j->buf) + 1) {
        if (j->skip) /* the end of an overlong line */
            j->skip = 0;
        else
            entry(j, j->buf + used, (size_t)(nl - j->buf) - used, emit, ctx);
    }
    if (used == 0 && j->len == sizeof j->buf) { /* overlong: skip to its end */
        if (!j->skip) bad(j, "longer than 64 KiB", 0);
        j->skip = 1;
        used = j->len;
    }
    memmove(j->buf, j->buf + used, j->len - used);
    j->len -= used;
    return 1;
}

const char *journal_cursor(const struct journal *j) { return j->cur; }

void journal_close(struct journal *j)
{
    if (!j) return;
    if (j->fd >= 0) close(j->fd);
    if (j->pid > 0) {
        kill(j->pid, SIGTERM);
        waitpid(j->pid, NULL, 0);
    }
    if (j->st.skipped) sensor_warn(j->log, "%llu journal entries skipped",
                                   (unsigned long long)j->st.skipped);
    ww_free(j);
}
