/* notify.c -- delivering the store's notices (notify.h).
 *
 * One thread per target: targets fail independently (a webhook that is
 * down must not hold back the mail), each blocks in its own delivery
 * (libcurl, sendmail), and each has its own backoff and cursor. The threads
 * share only the store (thread-safe; the notice calls have their own
 * connection) and the stop flag.
 *
 * A target's thread walks the store's notices in id order from its cursor,
 * the id of the last notice the target accepted, kept in the store
 * (notify_cursors, keyed by the URL as given). A target named for the first
 * time starts at the newest notice: it gets what happens from then on, not
 * the store's history. Each notice is tried until accepted -- an HTTP 2xx,
 * a datagram sent to the syslog socket, the SMTP server's or sendmail's OK
 * -- 1 s after a failure, then 2, 4, ... up to 5 min between tries, and
 * the next notice waits for it (in order, none skipped). Right after an
 * acceptance the cursor is written (and written again before the next
 * delivery if that failed), so a restart, kill -9 included, resends
 * nothing accepted, and loses nothing not accepted: notices are committed
 * with the alert they tell of, in the writer's transaction. One window is
 * left: a crash between the acceptance and the cursor's write sends that
 * notice again after the restart; it carries the same delivery id
 * ("ID-CREATED": the notice's number and its creation time in
 * microseconds, unique also across a store started anew), by which a
 * receiver drops it. With nothing to send a thread looks for new notices
 * every second.
 *
 * What is sent. http(s): POST of the notice's JSON body (for a surge, the
 * alert as /api/v1/alerts shows it) with "delivery", "kind", "created",
 * "summary" and "link" (the dashboard page) added; headers X-Wormwatch-
 * Delivery, X-Wormwatch-Event (the kind) and, with a secret,
 * X-Wormwatch-Signature: sha256=HEX, HMAC-SHA256 of the body as sent.
 * syslog: one RFC 5424 datagram, facility daemon, warning (notice for a
 * sensor back), MSGID the kind, the summary, explanation and link as MSG.
 * mailto: a plain-text mail, Subject "wormwatch: " + the summary.
 *
 * Stopping sets a flag and wakes every thread out of its wait; a delivery
 * in progress finishes first (HTTP and SMTP time out after 30 s; sendmail
 * is waited for), then the threads are joined. Metrics are kept per target under
 * one mutex. Nothing here prints: failures go to the log callback, the
 * first of a run of failures and then once at each 5-min retry, and the
 * acceptance that ends the run. */
#include "serve/notify.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client/http.h"
#include "client/mail.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"

#define POLL_US WW_SEC_US              /* looking for new notices */
#define RETRY_FIRST_US WW_SEC_US       /* after a failure, then doubling ... */
#define RETRY_MAX_US (5 * WW_MIN_US)   /* ... up to this */
#define PAGE 16                        /* notices read at a time */
#define SENDMAIL "/usr/sbin/sendmail"
#define SYSLOG_SOCKET "/dev/log"
#define FACILITY_DAEMON 3

enum kind { T_HTTP, T_SYSLOG, T_MAIL };

struct target {
    struct ww_notify *n;
    const char *url;               /* as given: the cursor's key */
    enum kind kind;
    const char *arg;               /* syslog: the socket; mailto: the address */
    char label[160];               /* for logs and metrics: no credentials, no path */
    pthread_t th;
    int started;
    /* under n->mu: */
    int64_t pending, last_ok_us;
    uint64_t failures;
};

struct ww_notify {
    const struct ww_notify_opts *o;
    struct ww_store *st;
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
    char host[256];                /* this host's name */
    char public_url[512];          /* the links' base, no trailing slash */
    pthread_mutex_t mu;
    pthread_cond_t wake;           /* CLOCK_MONOTONIC */
    int stop;
    size_t nt;
    struct target t[];
};

struct notice {
    int64_t id, created_us;
    char *kind, *body;
};

static void say(struct ww_notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct ww_notify *n, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n->log) n->log(n->log_ctx, msg);
}

/* ---- targets ---- */

static int parse(const char *url, enum kind *kind, const char **arg, char *err, size_t errlen)
{
    if (!strncmp(url, "http://", 7) || !strncmp(url, "https://", 8)) {
        const char *host = strstr(url, "//") + 2;
        *kind = T_HTTP;
        *arg = url;
        if (*host && *host != '/') return WW_OK;
        snprintf(err, errlen, "%s: no host", url);
    } else if (!strncmp(url, "syslog:", 7)) {
        *kind = T_SYSLOG;
        *arg = url[7] ? url + 7 : SYSLOG_SOCKET;
        if (**arg == '/' && strlen(*arg) < sizeof ((struct sockaddr_un *)0)->sun_path) return WW_OK;
        snprintf(err, errlen, "%s: syslog: takes nothing or a socket's absolute path"
                 " (under %zu bytes)", url, sizeof ((struct sockaddr_un *)0)->sun_path);
    } else if (!strncmp(url, "mailto:", 7)) {
        *kind = T_MAIL;
        *arg = url + 7;
        if (ww_mail_address_ok(*arg)) return WW_OK;
        snprintf(err, errlen, "%s: mailto: takes one plain address (user@example.org)", url);
    } else {
        snprintf(err, errlen, "%s: expected http://, https://, syslog:[PATH] or mailto:ADDR", url);
    }
    return WW_ERR_ARG;
}

int ww_notify_check(const char *url, char *err, size_t errlen)
{
    enum kind k;
    const char *arg;
    return parse(url, &k, &arg, err, errlen);
}

/* http(s)://host[:port], without user:password@, path or query (a
 * webhook's path often is its secret) */
static void label_of(struct target *t)
{
    if (t->kind != T_HTTP) {
        snprintf(t->label, sizeof t->label, "%s", t->url);
        return;
    }
    const char *scheme_end = strstr(t->url, "//") + 2, *host = scheme_end;
    size_t hl = strcspn(host, "/?#");
    const char *at = memchr(host, '@', hl);
    if (at) {
        hl -= (size_t)(at + 1 - host);
        host = at + 1;
    }
    snprintf(t->label, sizeof t->label, "%.*s%.*s", (int)(scheme_end - t->url), t->url,
             (int)hl, host);
}

/* ---- what is sent ---- */

void ww_notify_sign(const void *key, size_t klen, const void *body, size_t len, char hex[65])
{
    unsigned char mac[32];
    gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, klen, body, len, mac);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", mac[i]);
}

/* printable ASCII of s (others as '_'), "-" if empty, at most max bytes */
static size_t header_field(char *out, const char *s, size_t max)
{
    size_t n = 0;
    for (; s && s[n] && n < max; n++)
        out[n] = s[n] > ' ' && s[n] < 0x7f ? s[n] : '_';
    if (!n) out[n++] = '-';
    out[n] = '\0';
    return n;
}

size_t ww_notify_syslog(char *buf, size_t len, int pri, int64_t ts_us, const char *host,
                        const char *app, long pid, const char *msgid, int64_t seq,
                        const char *msg)
{
    char h[256], a[49], m[33], ts[40], sd[48] = "-";
    int64_t sec = ts_us >= 0 ? ts_us / WW_SEC_US : 0;
    header_field(h, host, 255);
    header_field(a, app, 48);
    header_field(m, msgid, 32);
    ww_time_format(sec * WW_SEC_US, ts, sizeof ts);   /* ...SSZ */
    ts[strlen(ts) - 1] = '\0';
    if (seq >= 1 && seq <= 2147483647) snprintf(sd, sizeof sd, "[meta sequenceId=\"%lld\"]", (long long)seq);
    int k = snprintf(buf, len, "<%d>1 %s.%06lldZ %s %s %ld %s %s %s", pri, ts,
                     (long long)(ts_us >= 0 ? ts_us % WW_SEC_US : 0), h, a, pid, m, sd, msg);
    return k < 0 || (size_t)k >= len ? 0 : (size_t)k;
}

static const char *str(const json_t *body, const char *key)
{
    const char *s = json_string_value(json_object_get(body, key));
    return s ? s : "";
}

/* printable ASCII: a mail header stays one line */
static void printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < ' ' || (unsigned char)*s >= 0x7f) *s = '?';
}

void ww_notify_summary(const char *kind, const json_t *body, char *buf, size_t len)
{
    const json_t *proto = json_object_get(body, "proto");
    char p[24];
    if (json_is_string(proto)) snprintf(p, sizeof p, "%.20s", json_string_value(proto));
    else snprintf(p, sizeof p, "%lld", (long long)json_integer_value(proto));
    const char *sensor = *str(body, "sensor") ? str(body, "sensor") : "?";
    if (!strcmp(kind, "surge") && *str(body, "surge_kind"))
        snprintf(buf, len, "surge on %lld/%s since %s (%s%s)",
                 (long long)json_integer_value(json_object_get(body, "port")), p, str(body, "start"),
                 str(body, "surge_kind"), !strcmp(str(body, "side"), "source") ? ", UDP source port" : "");
    else if (!strcmp(kind, "surge"))
        snprintf(buf, len, "surge on %lld/%s since %s",
                 (long long)json_integer_value(json_object_get(body, "port")), p, str(body, "start"));
    else if (!strcmp(kind, "flood"))
        snprintf(buf, len, "flood on %s port %lld/%s since %s (%lld sources): not a worm",
                 str(body, "target"), (long long)json_integer_value(json_object_get(body, "port")), p,
                 str(body, "start"), (long long)json_integer_value(json_object_get(body, "sources")));
    else if (!strcmp(kind, "sensor_silent") && *str(body, "last"))
        snprintf(buf, len, "sensor %s silent since %s", sensor, str(body, "last"));
    else if (!strcmp(kind, "sensor_silent"))
        snprintf(buf, len, "sensor %s silent", sensor);
    else if (!strcmp(kind, "sensor_back"))
        snprintf(buf, len, "sensor %s is back", sensor);
    else
        snprintf(buf, len, "%s", kind);
    printable(buf);
}

static void link_of(struct ww_notify *n, const char *kind, const json_t *body, char *buf,
                    size_t len)
{
    if (!strcmp(kind, "surge"))
        snprintf(buf, len, "%s/port/%lld", n->public_url,
                 (long long)json_integer_value(json_object_get(body, "port")));
    else if (!strcmp(kind, "flood"))
        snprintf(buf, len, "%s/alerts#floods", n->public_url);
    else if (!strncmp(kind, "sensor_", 7))
        snprintf(buf, len, "%s/sensors", n->public_url);
    else
        snprintf(buf, len, "%s/", n->public_url);
}

/* One notice, ready for every kind of target. */
struct msg {
    const struct notice *nt;
    json_t *body;                  /* the notice's JSON (an object) */
    char delivery[48], created[40], summary[256], link[600];
};

static void msg_init(struct ww_notify *n, const struct notice *nt, struct msg *m)
{
    m->nt = nt;
    m->body = json_loads(nt->body, 0, NULL);
    if (!json_is_object(m->body)) { /* not ours: sent as text */
        json_decref(m->body);
        m->body = json_pack("{s:s}", "text", nt->body);
    }
    snprintf(m->delivery, sizeof m->delivery, "%lld-%lld", (long long)nt->id,
             (long long)nt->created_us);
    ww_time_format(nt->created_us, m->created, sizeof m->created);
    ww_notify_summary(nt->kind, m->body, m->summary, sizeof m->summary);
    link_of(n, nt->kind, m->body, m->link, sizeof m->link);
}

static int send_http(struct target *t, struct ww_http *http, const struct msg *m, char *err,
                     size_t errlen)
{
    json_t *j = json_deep_copy(m->body);
    json_object_set_new(j, "delivery", json_string(m->delivery));
    json_object_set_new(j, "kind", json_string(m->nt->kind));
    json_object_set_new(j, "created", json_string(m->created));
    json_object_set_new(j, "summary", json_string(m->summary));
    json_object_set_new(j, "link", json_string(m->link));
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    char delivery[80], event[80], sig[120] = "", hex[65];
    snprintf(delivery, sizeof delivery, "X-Wormwatch-Delivery: %s", m->delivery);
    snprintf(event, sizeof event, "X-Wormwatch-Event: %.40s", m->nt->kind);
    const struct ww_notify_opts *o = t->n->o;
    if (o->secret) {
        ww_notify_sign(o->secret, o->secret_len, body, strlen(body), hex);
        snprintf(sig, sizeof sig, "X-Wormwatch-Signature: sha256=%s", hex);
    }
    const char *headers[] = {"Content-Type: application/json", "User-Agent: wormwatch",
                             "Expect:", delivery, event, o->secret ? sig : NULL, NULL};
    long status;
    int rc = ww_http_post(http, t->arg, "", headers, body, strlen(body), &status, err, errlen);
    free(body);
    if (!rc && (status < 200 || status > 299)) {
        snprintf(err, errlen, "HTTP %ld", status);
        rc = WW_ERR_IO;
    }
    return rc;
}

static int send_syslog(struct target *t, const struct msg *m, char *err, size_t errlen)
{
    char text[1400], line[2048];
    const char *expl = str(m->body, "explanation");
    snprintf(text, sizeof text, "%s%s%s %s", m->summary, *expl ? ": " : "", expl, m->link);
    int sev = !strcmp(m->nt->kind, "sensor_back") ? 5 : 4; /* notice, warning */
    size_t n = ww_notify_syslog(line, sizeof line, FACILITY_DAEMON * 8 + sev, m->nt->created_us,
                                t->n->host, "wormwatch", (long)getpid(), m->nt->kind, m->nt->id,
                                text);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", t->arg);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ssize_t k = fd < 0 ? -1 : sendto(fd, line, n, MSG_NOSIGNAL, (struct sockaddr *)&a, sizeof a);
    if (k != (ssize_t)n) snprintf(err, errlen, "%s: %s", t->arg, strerror(errno));
    if (fd >= 0) close(fd);
    return k == (ssize_t)n ? WW_OK : WW_ERR_IO;
}

/* RFC 5322 date, in English whatever the locale */
static void mail_date(int64_t us, char *buf, size_t len)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t s = (time_t)(us / WW_SEC_US);
    struct tm tm;
    gmtime_r(&s, &tm);
    snprintf(buf, len, "%s, %02d %s %d %02d:%02d:%02d +0000", wd[tm.tm_wday], tm.tm_mday,
             mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int send_mail(struct target *t, const struct msg *m, char *err, size_t errlen)
{
    struct ww_notify *n = t->n;
    char from[300], date[64];
    snprintf(from, sizeof from, "wormwatch@%s", n->host);
    mail_date(ww_now_us(), date, sizeof date);
    struct ww_buf b;
    ww_buf_init(&b, 1 << 20);
    ww_buf_addf(&b, "From: wormwatch <%s>\nTo: %s\nSubject: wormwatch: %s\nDate: %s\n"
                "Message-ID: <%s.wormwatch@%s>\nX-Wormwatch-Delivery: %s\n"
                "X-Wormwatch-Event: %s\nMIME-Version: 1.0\n"
                "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
                "%s.\n\n", from, t->arg, m->summary, date, m->delivery, n->host, m->delivery,
                m->nt->kind, m->summary);
    if (*str(m->body, "explanation")) ww_buf_addf(&b, "%s\n\n", str(m->body, "explanation"));
    const char *key;
    json_t *v;
    json_object_foreach(m->body, key, v) {
        if (!strcmp(key, "explanation")) continue;
        if (json_is_string(v)) ww_buf_addf(&b, "%s: %s\n", key, json_string_value(v));
        else if (json_is_integer(v)) ww_buf_addf(&b, "%s: %lld\n", key, (long long)json_integer_value(v));
        else if (json_is_real(v)) ww_buf_addf(&b, "%s: %.1f\n", key, json_real_value(v));
    }
    ww_buf_addf(&b, "\nDashboard: %s\n\n-- \nwormwatch serve, %s\n", m->link, n->public_url);
    char *text = ww_buf_take(&b);
    int rc = text ? ww_mail_send(n->o->smtp, n->o->sendmail ? n->o->sendmail : SENDMAIL, from,
                                 t->arg, text, err, errlen)
                  : WW_ERR_LIMIT;
    if (!text) snprintf(err, errlen, "the mail is over 1 MiB");
    ww_free(text);
    return rc;
}

/* ---- a target's thread ---- */

/* Waits until the monotonic deadline or the stop; 1 if stopping. */
static int nap(struct ww_notify *n, int64_t us)
{
    int64_t due = ww_mono_us() + us;
    struct timespec ts = {(time_t)(due / WW_SEC_US), (long)(due % WW_SEC_US) * 1000};
    pthread_mutex_lock(&n->mu);
    while (!n->stop && pthread_cond_timedwait(&n->wake, &n->mu, &ts) != ETIMEDOUT) {}
    int stop = n->stop;
    pthread_mutex_unlock(&n->mu);
    return stop;
}

static int stopping(struct ww_notify *n)
{
    pthread_mutex_lock(&n->mu);
    int stop = n->stop;
    pthread_mutex_unlock(&n->mu);
    return stop;
}

struct page { size_t n; struct notice v[PAGE]; };

static int page_add(void *ctx, int64_t id, const char *kind, int64_t created_us, const char *body)
{
    struct page *p = ctx;
    p->v[p->n++] = (struct notice){id, created_us, ww_strdup(kind ? kind : "?"),
                                   ww_strdup(body ? body : "")};
    return p->n == PAGE;
}

static void page_free(struct page *p)
{
    for (size_t i = 0; i < p->n; i++) {
        ww_free(p->v[i].kind);
        ww_free(p->v[i].body);
    }
    p->n = 0;
}

/* The target's cursor: as stored, or for a new target the newest notice
 * (stored). 1 if stopping first. */
static int cursor_load(struct target *t, int64_t *cursor)
{
    struct ww_notify *n = t->n;
    for (;;) {
        int64_t count;
        int rc = ww_store_notify_cursor(n->st, t->url, cursor);
        if (rc == WW_ERR_ARG && !(rc = ww_store_notices_pending(n->st, 0, &count, cursor)))
            rc = ww_store_notify_cursor_set(n->st, t->url, *cursor);
        if (!rc) return 0;
        say(n, "notify %s: cannot read its cursor from the store; trying again", t->label);
        if (nap(n, RETRY_MAX_US / 10)) return 1;
    }
}

static int deliver(struct target *t, struct ww_http *http, const struct notice *nt, char *err,
                   size_t errlen)
{
    struct msg m;
    msg_init(t->n, nt, &m);
    int rc = t->kind == T_HTTP ? send_http(t, http, &m, err, errlen)
           : t->kind == T_SYSLOG ? send_syslog(t, &m, err, errlen)
           : send_mail(t, &m, err, errlen);
    json_decref(m.body);
    return rc;
}

static void *target_main(void *arg)
{
    struct target *t = arg;
    struct ww_notify *n = t->n;
    struct ww_http *http = t->kind == T_HTTP ? ww_http_new() : NULL;
    struct page pg = {0};
    int64_t cursor = 0, saved, delay = 0, streak = 0;
    if (cursor_load(t, &cursor)) goto out;
    saved = cursor;
    while (!stopping(n)) {
        int64_t count, last;
        /* an acceptance whose cursor could not be written: before anything else */
        if (saved != cursor && !ww_store_notify_cursor_set(n->st, t->url, cursor)) saved = cursor;
        if (!ww_store_notices_pending(n->st, cursor, &count, &last)) {
            pthread_mutex_lock(&n->mu);
            t->pending = count;
            pthread_mutex_unlock(&n->mu);
        }
        if (ww_store_notices(n->st, cursor, PAGE, page_add, &pg) || !pg.n) {
            page_free(&pg);
            if (nap(n, POLL_US)) break;
            continue;
        }
        for (size_t i = 0; i < pg.n && !stopping(n);) {
            char err[256] = "";
            const struct notice *nt = &pg.v[i];
            if (!deliver(t, http, nt, err, sizeof err)) {
                cursor = nt->id;
                if (!ww_store_notify_cursor_set(n->st, t->url, cursor)) saved = cursor;
                pthread_mutex_lock(&n->mu);
                t->last_ok_us = ww_now_us();
                if (t->pending > 0) t->pending--;
                pthread_mutex_unlock(&n->mu);
                if (streak)
                    say(n, "notify %s: notice %lld (%s) accepted after %lld failed attempts",
                        t->label, (long long)nt->id, nt->kind, (long long)streak);
                delay = streak = 0;
                i++;
                continue;
            }
            delay = delay ? (2 * delay < RETRY_MAX_US ? 2 * delay : RETRY_MAX_US) : RETRY_FIRST_US;
            pthread_mutex_lock(&n->mu);
            t->failures++;
            pthread_mutex_unlock(&n->mu);
            if (!streak++ || delay == RETRY_MAX_US)
                say(n, "notify %s: notice %lld (%s) not accepted: %s; trying again in %lld s",
                    t->label, (long long)nt->id, nt->kind, err, (long long)(delay / WW_SEC_US));
            if (nap(n, delay)) break;
        }
        page_free(&pg);
    }
out:
    page_free(&pg);
    ww_http_free(http);
    return NULL;
}

/* ---- the notifier ---- */

struct ww_notify *ww_notify_new(const struct ww_notify_opts *o, struct ww_store *st,
                                void (*log)(void *ctx, const char *msg), void *log_ctx)
{
    if (!o || !o->ntargets) return NULL;
    struct ww_notify *n = ww_calloc(1, sizeof *n + o->ntargets * sizeof n->t[0]);
    n->o = o;
    n->st = st;
    n->log = log;
    n->log_ctx = log_ctx;
    n->nt = o->ntargets;
    pthread_mutex_init(&n->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&n->wake, &ca);
    pthread_condattr_destroy(&ca);
    if (gethostname(n->host, sizeof n->host - 1) || !*n->host) snprintf(n->host, sizeof n->host, "localhost");
    for (size_t i = 0; i < n->nt; i++) {
        struct target *t = &n->t[i];
        char err[256];
        t->n = n;
        t->url = o->targets[i];
        if (parse(t->url, &t->kind, &t->arg, err, sizeof err)) { /* ww_notify_check'ed */
            t->kind = T_SYSLOG;
            t->arg = "";
        }
        label_of(t);
    }
    return n;
}

int ww_notify_start(struct ww_notify *n, const char *self_url)
{
    if (!n) return WW_OK;
    const char *base = n->o->public_url ? n->o->public_url : self_url;
    const char *host = strstr(base, "//");
    host = host ? host + 2 : base;
    int wild = !n->o->public_url &&
               (!strncmp(host, "0.0.0.0:", 8) || !strncmp(host, "[::]:", 5));
    if (wild) /* the listener's wildcard address: this host's name instead */
        snprintf(n->public_url, sizeof n->public_url, "%.*s%s%s", (int)(host - base), base,
                 n->host, strchr(host, ']') ? strchr(host, ']') + 1 : strchr(host, ':'));
    else
        snprintf(n->public_url, sizeof n->public_url, "%s", base);
    size_t len = strlen(n->public_url);
    while (len && n->public_url[len - 1] == '/') n->public_url[--len] = '\0';
    for (size_t i = 0; i < n->nt; i++) {
        if (pthread_create(&n->t[i].th, NULL, target_main, &n->t[i])) {
            say(n, "notify %s: cannot start its thread", n->t[i].label);
            return WW_ERR_IO;
        }
        n->t[i].started = 1;
    }
    return WW_OK;
}

void ww_notify_free(struct ww_notify *n)
{
    if (!n) return;
    pthread_mutex_lock(&n->mu);
    n->stop = 1;
    pthread_cond_broadcast(&n->wake);
    pthread_mutex_unlock(&n->mu);
    for (size_t i = 0; i < n->nt; i++)
        if (n->t[i].started) pthread_join(n->t[i].th, NULL);
    pthread_cond_destroy(&n->wake);
    pthread_mutex_destroy(&n->mu);
    ww_free(n);
}

/* a label value, escaped as Prometheus wants */
static void label(FILE *out, size_t i, const char *s)
{
    fprintf(out, "{n=\"%zu\",target=\"", i + 1);
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') fputc('\\', out);
        if (*s == '\n') fputs("\\n", out);
        else fputc(*s, out);
    }
    fputs("\"}", out);
}

void ww_notify_metrics(struct ww_notify *n, FILE *out)
{
    if (!n) return;
    static const char *const head[] = {
        "# HELP wormwatch_notify_pending Notices the target has not accepted yet.\n"
        "# TYPE wormwatch_notify_pending gauge\n",
        "# HELP wormwatch_notify_last_success_timestamp_seconds When the target last accepted a notice"
        " (Unix time; 0: not since the start).\n"
        "# TYPE wormwatch_notify_last_success_timestamp_seconds gauge\n",
        "# HELP wormwatch_notify_failures_total Delivery attempts the target did not accept.\n"
        "# TYPE wormwatch_notify_failures_total counter\n"};
    static const char *const name[] = {"wormwatch_notify_pending",
                                       "wormwatch_notify_last_success_timestamp_seconds",
                                       "wormwatch_notify_failures_total"};
    pthread_mutex_lock(&n->mu);
    for (int m = 0; m < 3; m++) {
        fputs(head[m], out);
        for (size_t i = 0; i < n->nt; i++) {
            const struct target *t = &n->t[i];
            fputs(name[m], out);
            label(out, i, t->label);
            if (m == 0) fprintf(out, " %lld\n", (long long)t->pending);
            else if (m == 1) fprintf(out, " %.3f\n", (double)t->last_ok_us / 1e6);
            else fprintf(out, " %llu\n", (unsigned long long)t->failures);
        }
    }
    pthread_mutex_unlock(&n->mu);
}
