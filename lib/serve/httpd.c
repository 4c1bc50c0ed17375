/* httpd.c -- the collector's HTTP daemon (httpd.h), behind `wormwatch serve`.
 *
 * libmicrohttpd with an internal polling thread and one thread per
 * connection (keep-alive sensors hold a connection each; a submit blocks
 * its thread until the store's group commit, so threads, not an event
 * loop). The store is thread-safe and does the durability and the
 * aggregation (group commit in its own writer thread); this file only
 * speaks HTTP.
 *
 * Connections are scarce (1,024 at once, a thread each), so nobody may hold
 * many of them doing nothing (slowloris). Every connection is listed
 * (struct conn, from MHD's connection notifications) with its client
 * address and the time it started or finished its last request:
 *   - one address (IPv4 address, IPv6 /64) holds at most --max-per-address
 *     at once; beyond that a new one is shut down as it is accepted;
 *   - a request must arrive within --header-timeout of that time: its
 *     headers, and its body too unless it is an authenticated submit
 *     (sensors may send large bodies slowly). libmicrohttpd's own timeout
 *     restarts on every byte, so a client trickling a header line now and
 *     then would never hit it; ours is a deadline: the calling thread sweeps
 *     the list once a second and shuts down (shutdown(2); libmicrohttpd
 *     then closes) every connection past it. Idle keep-alive connections
 *     go the same way. An entry leaves the list in the close notification,
 *     which comes before libmicrohttpd closes the descriptor, both under
 *     s->lock, so the sweep never touches a reused descriptor.
 *
 * Every request is first checked as a whole (bad_request): headers over
 * 8 KiB (431), a %00 in its URL, two framing headers (400). Then:
 *   POST /api/v1/submit   checks are ordered cheap-first and all happen on
 *       the first callback, before any body byte is read: method (405),
 *       X-Batch-Id (400), Content-Length over --max-body (413), the bearer
 *       key (401, constant-time in the store), the sensor's token bucket
 *       (429 + Retry-After; it counts events, see rate_take). The body is
 *       then buffered -- counting streamed bytes too, so chunked uploads
 *       cannot exceed --max-body -- parsed whole by ww_batch_parse() (400
 *       names the first bad line, also one dated before 1970 or past this
 *       clock + --max-future; nothing is stored), and handed to
 *       ww_store_submit(), which returns once the batch is committed
 *       durably; then the 200. While the store cannot write (a full disk)
 *       it takes nothing: 503 + Retry-After, so a 200 is always durable.
 *   POST /submitapi/      DShield's own sensors: the same, but for the
 *       authentication (X-ISC-Authorization, checked and its nonce taken by
 *       submitapi.c: 401, or 503 while the store cannot write) in place of
 *       the bearer key and X-Batch-Id, and the body (DShield's JSON, parsed
 *       by submitapi.c, which also derives the batch id from the logs).
 *   GET  /api/v1/...      api.c answers (the same function `report`
 *       and the dashboard use); a 503 (+ Retry-After) rather than figures
 *       that miss acknowledged batches; /metrics is Prometheus text.
 *   GET  anything else    the dashboard (dash.c), optionally behind
 *       HTTP basic auth (--dashboard-user), with a strict CSP.
 * GETs are answered on the request's last callback, not its first, which
 * keeps the connection alive (answer_later); an error found on the first
 * callback closes it, unread body and all.
 *
 * Every API error is JSON {"error":"..."}, every answer says nosniff.
 * The stop signals are blocked in every thread (by the caller) and taken by
 * sigtimedwait() in the calling thread, which sweeps the connections
 * between signals; a signal stops the daemon, finishing requests in
 * flight. The options are the caller's (cli/cmd_serve.c reads them from the
 * command line and the config file). */
#include "serve/httpd.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/wtime.h"
#include "ingest/batch.h"
#include "serve/api.h"
#include "serve/dash.h"
#include "serve/submitapi.h"

#define MAX_HEADER 8192    /* request line and headers; more is a 431 */
#define MAX_EVENTS 4000000 /* per batch; a 16 MiB body holds ~200k lines */
#define RETRY_AFTER "5"    /* seconds, with a 503 while the store cannot write */

static const unsigned statuses[] = {200, 400, 401, 404, 405, 413, 414, 429, 431, 500, 503};
#define NSTATUS (sizeof statuses / sizeof statuses[0])

struct bucket { int64_t sensor; double tokens, last_n; int64_t last_us; }; /* rate_take */

struct conn {                      /* one TCP connection (MHD's socket context) */
    struct conn *prev, *next;
    int fd;
    uint8_t addr[16];              /* what --max-per-address counts (addr_key) */
    int64_t since_us;              /* accepted, or its last request completed */
    int busy;                      /* off the deadline: a request is being answered */
    int nul;                       /* the request's URL decodes a %00 (unescape) */
};

struct server {
    struct ww_store *st;           /* thread-safe (store.h) */
    const struct ww_serve_opts *o;
    void (*log)(void *ctx, const char *msg);
    void *log_ctx;
    pthread_mutex_t lock;          /* everything below */
    uint64_t by_status[NSTATUS + 1];
    struct bucket *buckets;
    size_t nbuckets;
    struct conn *conns;            /* every open connection */
    int store_failed;              /* as last logged */
    struct ww_notify *notify;      /* set before the daemon starts (thread-safe) */
};

struct req {                       /* one POST /submit in progress */
    int64_t sensor;
    double taken;                  /* tokens taken for it (rate_take) */
    int dshield;                   /* POST /submitapi/ (submitapi.c) */
    char batch_id[65];
    struct ww_buf body;            /* at most --max-body: past it, it fails (and stays failed) */
    struct ww_batch batch;         /* parsed outside the store lock */
};

static void vsay(struct server *s, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && msg[n - 1] == '\n') msg[--n] = '\0'; /* libmicrohttpd ends its lines */
    if (s->log) s->log(s->log_ctx, msg);
}

static void say(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct server *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsay(s, fmt, ap);
    va_end(ap);
}

/* libmicrohttpd's error log, through ours */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    vsay(cls, fmt, ap);
}

/* ---- responses ---- */

static void count_status(struct server *s, unsigned status)
{
    size_t i = 0;
    while (i < NSTATUS && statuses[i] != status) i++;
    pthread_mutex_lock(&s->lock);
    s->by_status[i]++;
    pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result respond(struct server *s, struct MHD_Connection *c, unsigned status,
                            char *body, const char *ctype, const char *hname,
                            const char *hval)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body,
                                                             MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (hname) MHD_add_response_header(r, hname, hval);
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    count_status(s, status);
    return rc;
}

static enum MHD_Result send_json(struct server *s, struct MHD_Connection *c,
                                 unsigned status, json_t *j)
{
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    size_t n = strlen(text);
    text = ww_realloc(text, n + 2); /* MHD frees with free(), as jansson allocates */
    memcpy(text + n, "\n", 2);
    return respond(s, c, status, text, "application/json",
                   status == 503 ? "Retry-After" : NULL, RETRY_AFTER);
}

static enum MHD_Result error_hdr(struct server *s, struct MHD_Connection *c,
                                 unsigned status, const char *msg,
                                 const char *hname, const char *hval)
{
    json_t *j = json_pack("{s:s}", "error", msg);
    char *text = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return respond(s, c, status, text, "application/json", hname, hval);
}

static enum MHD_Result error(struct server *s, struct MHD_Connection *c,
                             unsigned status, const char *msg)
{
    return error_hdr(s, c, status, msg, NULL, NULL);
}

/* Logs when the store stops or starts writing again (a full disk). */
static void store_state(struct server *s)
{
    char why[160];
    int failed = ww_store_status(s->st, why, sizeof why) != WW_OK;
    pthread_mutex_lock(&s->lock);
    int changed = failed != s->store_failed;
    s->store_failed = failed;
    pthread_mutex_unlock(&s->lock);
    if (changed && failed)
        say(s, "the store cannot write (%s): submissions and queries get 503 until it can", why);
    else if (changed)
        say(s, "the store writes again");
}

/* ---- submit ---- */

static int valid_batch_id(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n < 1 || n > 64) return 0;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= 'a' && id[i] <= 'z') ||
              (id[i] >= '0' && id[i] <= '9') || id[i] == '.' || id[i] == '_' || id[i] == '-'))
            return 0;
    return 1;
}

/* Token bucket per sensor, in events (the store's work grows with them,
 * not with batches): it holds one second's worth, refilled at rate/s.
 * A batch is judged before its body is read, its size unknown: assumed as
 * large as the sensor's last one (the first as large as the bucket), it
 * needs that many tokens, at most a full bucket, and takes them at once,
 * so concurrent batches of one sensor cannot pass on the same tokens and a
 * sensor over its rate is turned away before it uploads and we parse. Once
 * parsed it settles the difference (rate_settle), which may leave a debt
 * that later batches wait out; a batch that fails keeps what it took. */
static struct bucket *bucket_of(struct server *s, int64_t sensor) /* under s->lock; refilled */
{
    int64_t t = ww_mono_us();
    struct bucket *b = NULL;
    for (size_t i = 0; i < s->nbuckets && !b; i++)
        if (s->buckets[i].sensor == sensor) b = &s->buckets[i];
    if (!b) {
        s->buckets = ww_realloc(s->buckets, (s->nbuckets + 1) * sizeof *s->buckets);
        b = &s->buckets[s->nbuckets++];
        *b = (struct bucket){sensor, s->o->rate, s->o->rate, t};
    }
    b->tokens += (double)(t - b->last_us) / 1e6 * s->o->rate;
    if (b->tokens > s->o->rate) b->tokens = s->o->rate;
    b->last_us = t;
    return b;
}

/* 0 when the batch may pass (*taken set), else the seconds to wait. */
static unsigned rate_take(struct server *s, int64_t sensor, double *taken)
{
    unsigned wait = 0;
    *taken = 0;
    if (s->o->rate <= 0) return 0;
    pthread_mutex_lock(&s->lock);
    struct bucket *b = bucket_of(s, sensor);
    double need = b->last_n < s->o->rate ? b->last_n : s->o->rate;
    if (b->tokens < need) wait = 1 + (unsigned)((need - b->tokens) / s->o->rate);
    else b->tokens -= (*taken = b->last_n);
    pthread_mutex_unlock(&s->lock);
    return wait;
}

static void rate_settle(struct server *s, int64_t sensor, double taken, size_t n)
{
    if (s->o->rate <= 0) return;
    pthread_mutex_lock(&s->lock);
    struct bucket *b = bucket_of(s, sensor);
    b->tokens -= (double)n - taken;
    if (b->tokens > s->o->rate) b->tokens = s->o->rate;
    b->last_n = (double)n;
    pthread_mutex_unlock(&s->lock);
}

static enum MHD_Result too_many(struct server *s, struct MHD_Connection *c, unsigned wait)
{
    char secs[16];
    snprintf(secs, sizeof secs, "%u", wait);
    return error_hdr(s, c, 429, "too many events from this sensor", "Retry-After", secs);
}

static enum MHD_Result submit_start(struct server *s, struct MHD_Connection *c,
                                    const char *method, int dshield, void **con_cls)
{
    if (strcmp(method, "POST")) return error_hdr(s, c, 405, "use POST", "Allow", "POST");
    const char *id = dshield ? "" : MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Batch-Id");
    if (!dshield && !valid_batch_id(id))
        return error(s, c, 400, "X-Batch-Id must be 1..64 characters of [A-Za-z0-9._-]");
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                 MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl && strtoull(cl, NULL, 10) > s->o->max_body) return error(s, c, 413, "body too large");
    int64_t sensor = 0;
    if (dshield) { /* DShield's own header, checked (its nonce taken) by submitapi.c */
        char msg[160];
        unsigned st = ww_submitapi_auth(s->st, MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                        "X-ISC-Authorization"), ww_now_us(), &sensor, msg, sizeof msg);
        if (st == 503) store_state(s);
        if (st == 503) return error_hdr(s, c, 503, msg, "Retry-After", RETRY_AFTER);
        if (st != 200) return error_hdr(s, c, 401, msg, "WWW-Authenticate", "ISC-HMAC-SHA256");
    } else {
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                       MHD_HTTP_HEADER_AUTHORIZATION);
        if (!auth || strncasecmp(auth, "Bearer ", 7)) /* the scheme is case-insensitive */
            return error_hdr(s, c, 401, "missing bearer key", "WWW-Authenticate", "Bearer");
        char name[65];
        int rc = ww_store_key_check(s->st, auth + 7 + strspn(auth + 7, " "), &sensor, name);
        if (rc || sensor <= 0)
            return error_hdr(s, c, 401, "unknown or revoked key", "WWW-Authenticate", "Bearer");
    }
    double taken;
    unsigned wait = rate_take(s, sensor, &taken);
    if (wait) return too_many(s, c, wait);
    struct req *r = ww_calloc(1, sizeof *r);
    r->sensor = sensor;
    r->taken = taken;
    r->dshield = dshield;
    ww_buf_init(&r->body, s->o->max_body);
    memcpy(r->batch_id, id, strlen(id) + 1);
    *con_cls = r;
    return MHD_YES;
}

static enum MHD_Result submit_body(struct server *s, struct MHD_Connection *c,
                                   struct req *r, const char *data, size_t *size)
{
    if (*size) { /* too large: the rest is read and dropped, answered at the end */
        ww_buf_add(&r->body, data, *size);
        *size = 0;
        return MHD_YES;
    }
    if (r->body.err) return error(s, c, 413, "body too large");
    int fmt = r->dshield ? WW_BATCH_TSV : ww_batch_fmt_from_type(
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE));
    if (fmt < 0)
        return error(s, c, 400, "Content-Type must be text/tab-separated-values or application/x-ndjson");

    uint64_t line;
    const char *why;
    char msg[256];
    int dup = 0;
    size_t n = 0;
    r->batch.max = MAX_EVENTS;
    r->batch.latest_us = ww_now_us() + s->o->max_future_us;
    int rc = r->dshield ? ww_submitapi_parse(&r->batch, r->body.p ? r->body.p : "", r->body.len,
                                             r->batch_id, &why)
                        : ww_batch_parse(&r->batch, fmt, r->body.p ? r->body.p : "", r->body.len,
                                         &line, &why);
    if (rc && r->dshield) return error(s, c, 400, why);
    if (rc) {
        if (line) snprintf(msg, sizeof msg, "line %llu: %s", (unsigned long long)line, why);
        else snprintf(msg, sizeof msg, "%s", why);
        return error(s, c, 400, msg);
    }
    n = r->batch.n;
    rate_settle(s, r->sensor, r->taken, n);
    int64_t every = 1; /* a DShield run keeping every Nth line: each stands for N */
    if (r->dshield && ww_store_dshield_sampling(s->st, r->sensor, &every, 0) == WW_OK)
        for (size_t i = 0; i < n; i++) r->batch.ev[i].count = (uint32_t)every;
    if (!n) { /* a DShield run that sampled every line away */
        if (r->dshield) ww_store_dshield_sampling(s->st, r->sensor, &every, 1);
        return send_json(s, c, 200, json_pack("{s:i,s:b}", "accepted", 0, "duplicate", 0));
    }
    rc = ww_store_submit(s->st, r->sensor, r->batch_id, r->batch.ev, n, &dup);
    store_state(s);
    if (!rc && !dup && r->dshield)
        ww_store_dshield_sampling(s->st, r->sensor, &every, ww_submitapi_next_sampling(every, n));
    if (rc) {
        char reason[160], text[256];
        ww_store_status(s->st, reason, sizeof reason);
        snprintf(text, sizeof text, "the store cannot write (%s); batch not stored, retry later",
                 *reason ? reason : "database or disk error");
        return error_hdr(s, c, 503, text, "Retry-After", RETRY_AFTER);
    }
    return send_json(s, c, 200, json_pack("{s:I,s:b}", "accepted", (json_int_t)(dup ? 0 : n),
                                          "duplicate", dup));
}

/* ---- queries ---- */

/* The request's query string rebuilt from MHD's decoded arguments,
 * percent-encoded again, for ww_api_get() and the dashboard: a new string
 * (free() it), or NULL when over 1 KiB (414). */
struct qbuf { FILE *f; int n; };

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    struct qbuf *q = cls;
    (void)kind;
    if (q->n++) fputc('&', q->f);
    ww_api_urlenc(q->f, key);
    fputc('=', q->f);
    ww_api_urlenc(q->f, value);
    return MHD_YES;
}

static char *query_string(struct MHD_Connection *c)
{
    char *s = NULL;
    size_t len = 0;
    struct qbuf q = {open_memstream(&s, &len), 0};
    if (!q.f) return NULL;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
    fclose(q.f);
    if (len < 1024) return s;
    free(s);
    return NULL;
}

static enum MHD_Result query(struct server *s, struct MHD_Connection *c, const char *url)
{
    char full[1600], *q = query_string(c);
    if (!q || strlen(url) > 500) {
        free(q);
        return error(s, c, 414, "request URI too long");
    }
    snprintf(full, sizeof full, "%s%s%s", url, *q ? "?" : "", q);
    free(q);
    unsigned status;
    json_t *j = ww_api_get(s->st, full, ww_now_us(), &status);
    if (status == 503) store_state(s);
    return send_json(s, c, status, j);
}

static enum MHD_Result metrics(struct server *s, struct MHD_Connection *c)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return error(s, c, 500, "out of memory");
    struct ww_store_counters n;
    ww_store_counters(s->st, &n);
    pthread_mutex_lock(&s->lock);
    fprintf(f, "# HELP wormwatch_http_requests_total HTTP requests answered, by status.\n"
               "# TYPE wormwatch_http_requests_total counter\n");
    for (size_t i = 0; i < NSTATUS; i++)
        fprintf(f, "wormwatch_http_requests_total{code=\"%u\"} %llu\n", statuses[i],
                (unsigned long long)s->by_status[i]);
    fprintf(f, "wormwatch_http_requests_total{code=\"other\"} %llu\n",
            (unsigned long long)s->by_status[NSTATUS]);
    pthread_mutex_unlock(&s->lock);
    fprintf(f, "# HELP wormwatch_events_ingested_total Events stored from accepted batches.\n"
               "# TYPE wormwatch_events_ingested_total counter\n"
               "wormwatch_events_ingested_total %llu\n"
               "# HELP wormwatch_batches_total Batches answered 200 (new or duplicate).\n"
               "# TYPE wormwatch_batches_total counter\n"
               "wormwatch_batches_total %llu\n"
               "# HELP wormwatch_batches_duplicate_total Batches whose X-Batch-Id was already stored.\n"
               "# TYPE wormwatch_batches_duplicate_total counter\n"
               "wormwatch_batches_duplicate_total %llu\n",
            (unsigned long long)n.events, (unsigned long long)n.batches,
            (unsigned long long)n.duplicates);
    ww_notify_metrics(s->notify, f); /* the --notify targets */
    int rc = ww_store_metrics(s->st, f); /* the store's files and tables */
    if (fclose(f) && !rc) rc = WW_ERR_IO;
    if (rc) {
        free(buf);
        return error(s, c, 500, "store failed");
    }
    return respond(s, c, 200, buf, "text/plain; version=0.0.4", NULL, NULL);
}

/* Compares without an early exit (the lengths leak, not the bytes). */
static int same(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned diff = la != lb;
    for (size_t i = 0; i < la; i++) diff |= (unsigned)(a[i] ^ b[i % (lb ? lb : 1)]);
    return diff == 0;
}

static int dash_auth_ok(struct server *s, struct MHD_Connection *c)
{
    char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
    int ok = user && pass && same(user, s->o->dash_user) & same(pass, s->o->dash_pass);
    MHD_free(user);
    MHD_free(pass);
    return ok;
}

/* Everything else is the dashboard (lib/serve/dash.c): HTML rendered from the
 * same API, behind optional basic auth, with a strict CSP. */
static enum MHD_Result dashboard(struct server *s, struct MHD_Connection *c, const char *url,
                                 const char *method)
{
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return error_hdr(s, c, 405, "use GET", "Allow", "GET, HEAD");
    if (s->o->dash_user && !dash_auth_ok(s, c))
        return error_hdr(s, c, 401, "the dashboard needs a user name and password",
                         "WWW-Authenticate", "Basic realm=\"wormwatch\", charset=\"UTF-8\"");
    char *q = query_string(c);
    if (!q) return error(s, c, 414, "request URI too long");
    struct ww_dash_page pg;
    int rc = ww_dash_render(s->st, url, q, ww_now_us(), &pg);
    free(q);
    if (rc) return error(s, c, 500, "the page could not be rendered");
    struct MHD_Response *r = MHD_create_response_from_buffer(
        pg.len, pg.body, pg.body_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_COPY);
    ww_dash_page_free(&pg);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, pg.content_type);
    MHD_add_response_header(r, "Content-Security-Policy", WW_DASH_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    enum MHD_Result qrc = MHD_queue_response(c, pg.status, r);
    MHD_destroy_response(r);
    count_status(s, pg.status);
    return qrc;
}

/* ---- connections: per-address cap, header deadline ---- */

/* The address a connection counts under: IPv4 (also v4-mapped) whole, IPv6
 * by its /64, which one host or customer commonly holds entirely. */
static void addr_key(const struct sockaddr *sa, uint8_t key[16])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(key, 0, 16);
    if (sa && sa->sa_family == AF_INET) {
        memcpy(key, mapped, 12);
        memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa && sa->sa_family == AF_INET6) {
        const uint8_t *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        memcpy(key, b, memcmp(b, mapped, 12) ? 8 : 16);
    }
}

static void on_connection(void *cls, struct MHD_Connection *c, void **ctx,
                          enum MHD_ConnectionNotificationCode code)
{
    struct server *s = cls;
    struct conn *k = *ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        k = ww_calloc(1, sizeof *k);
        k->fd = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd;
        addr_key(MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS)->client_addr,
                 k->addr);
        k->since_us = ww_mono_us();
        unsigned same = 0;
        pthread_mutex_lock(&s->lock);
        for (struct conn *o = s->conns; o; o = o->next) same += !memcmp(o->addr, k->addr, 16);
        if ((k->next = s->conns)) k->next->prev = k;
        s->conns = k;
        if (s->o->per_address && same >= s->o->per_address) shutdown(k->fd, SHUT_RDWR);
        pthread_mutex_unlock(&s->lock);
        *ctx = k;
    } else if (k) {
        pthread_mutex_lock(&s->lock);
        if (k->prev) k->prev->next = k->next;
        else s->conns = k->next;
        if (k->next) k->next->prev = k->prev;
        pthread_mutex_unlock(&s->lock);
        ww_free(k);
        *ctx = NULL;
    }
}

static struct conn *conn_of(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* busy: the request is in (the deadline stops); idle: a request is done
 * (the deadline starts again, for the next one on this connection). */
static void conn_busy(struct server *s, struct MHD_Connection *c, int busy)
{
    struct conn *k = conn_of(c);
    if (!k) return;
    pthread_mutex_lock(&s->lock);
    k->busy = busy;
    k->since_us = ww_mono_us();
    pthread_mutex_unlock(&s->lock);
}

/* Once a second, from the thread in ww_serve_run. */
static void sweep(struct server *s)
{
    int64_t t = ww_mono_us();
    pthread_mutex_lock(&s->lock);
    for (struct conn *k = s->conns; k; k = k->next)
        if (!k->busy && t - k->since_us > s->o->header_us) shutdown(k->fd, SHUT_RDWR);
    pthread_mutex_unlock(&s->lock);
}

/* ---- requests ---- */

/* libmicrohttpd's decoding of the path and of each query key and value,
 * noting a %00: a C string would end there ("date=2026-01-15%00junk" read
 * as a good date), so such a request is refused instead. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *text)
{
    struct conn *k = conn_of(c);
    (void)cls;
    if (k && strstr(text, "%00")) k->nul = 1;
    return MHD_http_unescape(text);
}

/* Counts Content-Length and Transfer-Encoding headers; a Transfer-Encoding
 * other than "chunked" (which libmicrohttpd would read until the close)
 * counts twice. */
static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    if (!strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING))
        *(int *)cls += strcasecmp(value, "chunked") ? 2 : 1;
    else if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
        *(int *)cls += 1;
    return MHD_YES;
}

/* What is wrong with a request as a whole, seen on its first callback: NULL,
 * or why, with *status 431 or 400. Two framing headers (Content-Length and
 * Transfer-Encoding, or either twice) or an odd Transfer-Encoding are how a
 * request is smuggled past a proxy that reads the other one. libmicrohttpd
 * answers a header block over its 32 KiB buffer itself (its 431 has an
 * HTML body, which 0.9.75 cannot replace); ours comes first. */
static const char *bad_request(struct MHD_Connection *c, unsigned *status)
{
    const union MHD_ConnectionInfo *hs =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    struct conn *k = conn_of(c);
    int framing = 0;
    *status = 431;
    if (hs && hs->header_size > MAX_HEADER) return "request line and headers over 8 KiB";
    *status = 400;
    if (k && k->nul) return "the URL holds a NUL (%00)";
    MHD_get_connection_values(c, MHD_HEADER_KIND, count_framing, &framing);
    if (framing > 1)
        return "one Content-Length or one Transfer-Encoding: chunked, not both or twice";
    return NULL;
}

/* *con_cls of a request other than a submit: answered on its last callback,
 * since libmicrohttpd 0.9.75 closes the connection after an answer queued
 * on the first (it cannot tell the body is done), and keep-alive is wanted. */
static int answer_later;

static enum MHD_Result answer(struct server *s, struct MHD_Connection *c, const char *url,
                              const char *method)
{
    int known = !strcmp(url, "/metrics") || !strncmp(url, "/api/v1/", 8);
    if (known && strcmp(method, "GET") && strcmp(method, "HEAD"))
        return error_hdr(s, c, 405, "use GET", "Allow", "GET, HEAD");
    if (!strcmp(url, "/metrics")) return metrics(s, c);
    if (!known) return dashboard(s, c, url, method);
    return query(s, c, url);
}

/* The first callback comes when the headers are in; a request is busy (off
 * the header deadline) once it is whole, or once a submit is authenticated
 * (a sensor's body may take its time). */
static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version,
                               const char *data, size_t *size, void **con_cls)
{
    struct server *s = cls;
    (void)version, (void)data;
    if (*con_cls == &answer_later) {
        if (*size) { /* a body nobody asked for: dropped, under the deadline */
            *size = 0;
            return MHD_YES;
        }
        conn_busy(s, c, 1);
        return answer(s, c, url, method);
    }
    if (*con_cls) return submit_body(s, c, *con_cls, data, size);
    unsigned status;
    const char *why = bad_request(c, &status);
    if (why) return error(s, c, status, why); /* and the connection closes */
    int dshield = !strcmp(url, "/submitapi/"); /* DShield's own sensors (submitapi.c) */
    if (strcmp(url, "/api/v1/submit") && !dshield) {
        *con_cls = &answer_later;
        return MHD_YES;
    }
    enum MHD_Result rc = submit_start(s, c, method, dshield, con_cls);
    if (*con_cls) conn_busy(s, c, 1);
    return rc;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    struct req *r = *con_cls;
    (void)toe;
    conn_busy(cls, c, 0);
    if (!r || *con_cls == &answer_later) return;
    ww_buf_reset(&r->body);
    ww_batch_release(&r->batch);
    ww_free(r);
    *con_cls = NULL;
}

/* ---- the daemon ---- */

int ww_serve_run(const struct ww_serve_opts *o, struct ww_store *st,
                 void (*log)(void *ctx, const char *msg), void *log_ctx)
{
    struct server s = {.st = st, .o = o, .log = log, .log_ctx = log_ctx};
    int v6 = o->addr.ss_family == AF_INET6, rc = WW_ERR_IO;
    pthread_mutex_init(&s.lock, NULL);
    s.notify = ww_notify_new(o->notify, st, log, log_ctx);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0) | (o->tls_cert ? MHD_USE_TLS : 0);
    struct MHD_OptionItem tls[] = {
        {MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)o->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)o->tls_key}, {MHD_OPTION_END, 0, NULL}};
    struct MHD_Daemon *d = MHD_start_daemon(
        flags, 0, NULL, NULL, handler, &s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, &s,
        MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&o->addr,
        MHD_OPTION_NOTIFY_COMPLETED, completed, &s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, &s,
        MHD_OPTION_UNESCAPE_CALLBACK, unescape, &s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32768,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
        MHD_OPTION_ARRAY, o->tls_cert ? tls : tls + 2,
        MHD_OPTION_END);
    if (!d) {
        say(&s, "cannot listen on %s", o->listen);
    } else {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        char host[INET6_ADDRSTRLEN] = "";
        if (v6) inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&o->addr)->sin6_addr, host, sizeof host);
        else inet_ntop(AF_INET, &((const struct sockaddr_in *)&o->addr)->sin_addr, host, sizeof host);
        char self[INET6_ADDRSTRLEN + 32];
        snprintf(self, sizeof self, "http%s://%s%s%s:%u", o->tls_cert ? "s" : "", v6 ? "[" : "",
                 host, v6 ? "]" : "", info ? (unsigned)info->port : 0u);
        say(&s, "listening on %s", self);
        if (ww_notify_start(s.notify, self) == WW_OK) { /* --notify's threads */
            int sig;
            struct timespec second = {1, 0};
            while ((sig = sigtimedwait(&o->stop, NULL, &second)) < 0) sweep(&s);
            say(&s, "%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
            rc = WW_OK;
        }
        MHD_stop_daemon(d);
    }
    ww_notify_free(s.notify);
    ww_free(s.buckets);
    pthread_mutex_destroy(&s.lock);
    return rc;
}
