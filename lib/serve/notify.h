/* notify.h -- `serve --notify`: the store's notices (store.h: a new surge
 * alert, a sensor gone silent or back) delivered to people, each to every
 * target, in order, once accepted never again, kept across restarts until
 * accepted. Targets: http:// and https:// (a signed JSON POST), syslog:
 * (RFC 5424 to a local datagram socket), mailto:ADDR (sendmail or SMTP).
 * notify.c says how (threads, retries, the cursor, stopping).
 *
 * httpd.c makes one for ww_serve_run: new before the daemon starts, start
 * once the listener's URL is known (the default for the dashboard links),
 * metrics from /metrics, free after the daemon stopped. With no targets
 * new returns NULL, and every call takes NULL and does nothing. */
#ifndef WW_NOTIFY_H
#define WW_NOTIFY_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "store/store.h"

struct ww_notify_opts {
    const char *const *targets;   /* the --notify URLs (ww_notify_check'ed) */
    size_t ntargets;
    const unsigned char *secret;  /* HMAC-SHA256 key for http(s); NULL: unsigned */
    size_t secret_len;
    const char *smtp;             /* smtp:// or smtps:// URL for mailto:; NULL: sendmail */
    const char *sendmail;         /* NULL: /usr/sbin/sendmail */
    const char *public_url;       /* the dashboard's base in links; NULL: the listener's */
};

/* WW_OK if url names a target this module delivers to, else WW_ERR_ARG
 * with what is wrong in err. */
int ww_notify_check(const char *url, char *err, size_t errlen);

struct ww_notify;
/* o and its strings must outlive it. log as httpd.h's (from any thread). */
struct ww_notify *ww_notify_new(const struct ww_notify_opts *o, struct ww_store *st,
                                void (*log)(void *ctx, const char *msg), void *log_ctx);
/* Starts a thread per target. self_url: where the daemon listens
 * ("http://127.0.0.1:8080"; a wildcard address is replaced by the host
 * name), the links' base unless o->public_url. WW_ERR_IO if a thread
 * cannot start (ww_notify_free stops those that did). */
int ww_notify_start(struct ww_notify *n, const char *self_url);
/* Stops every thread (a delivery in progress finishes first: at most its
 * timeout) and frees n. What was not accepted is sent after a restart. */
void ww_notify_free(struct ww_notify *n);
/* Per-target gauges as Prometheus text: notices pending, the last
 * acceptance, failed attempts. */
void ww_notify_metrics(struct ww_notify *n, FILE *out);

/* ---- the pieces, for tests ---- */

/* HMAC-SHA256 of body under key, lower-case hex (the X-Wormwatch-Signature
 * header is "sha256=" and this). */
void ww_notify_sign(const void *key, size_t klen, const void *body, size_t len, char hex[65]);
/* One RFC 5424 message, without framing: "<PRI>1 TIMESTAMP HOSTNAME
 * APP-NAME PROCID MSGID SD MSG", TIMESTAMP in UTC with microseconds, SD
 * [meta sequenceId="seq"] (RFC 5424 7.3.1; "-" if seq is not 1..2^31-1),
 * header fields that are empty or not printable ASCII written as "-" or
 * with '_'. The length, or 0 if buf is too small. */
size_t ww_notify_syslog(char *buf, size_t len, int pri, int64_t ts_us, const char *host,
                        const char *app, long pid, const char *msgid, int64_t seq,
                        const char *msg);
/* A notice in a line: "surge on 139/tcp since 2006-08-02T16:00:00Z",
 * "sensor edge-1 silent since ...", "sensor edge-1 is back"; printable
 * ASCII only (it goes into a mail's Subject). body: the notice's JSON. */
void ww_notify_summary(const char *kind, const json_t *body, char *buf, size_t len);

#endif
