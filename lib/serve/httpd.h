/* httpd.h -- the collector's HTTP daemon: sensors POST batches to
 * /api/v1/submit, the JSON API (api.h) and /metrics answer queries, and
 * everything else is the dashboard (dash.h). httpd.c says how it guards its
 * connections and in which order it checks a submit.
 *
 * ww_serve_run listens, answers until one of opts->stop arrives, finishes
 * the requests in flight and returns; the store stays the caller's (open
 * and started before, closed after). What it has to say (listening on,
 * shutting down, the store stopping or resuming writes, libmicrohttpd's own
 * errors) goes to log (if not NULL), one message a call, without a
 * newline, from any of its threads. */
#ifndef WW_HTTPD_H
#define WW_HTTPD_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "serve/notify.h"
#include "store/store.h"

struct ww_serve_opts {
    struct sockaddr_storage addr; /* where to listen (IPv4 or IPv6; port 0 = any) */
    const char *listen;           /* the same as given, for messages */
    const char *tls_cert, *tls_key; /* PEM text: HTTPS; NULL: HTTP */
    size_t max_body;              /* largest batch body */
    double rate;                  /* events/s per sensor; 0 = unlimited */
    unsigned per_address;         /* connections per address; 0 = unlimited */
    int64_t header_us;            /* a request must arrive within this */
    int64_t max_future_us;        /* events dated past now + this: 400 */
    const char *dash_user, *dash_pass; /* dashboard basic auth; NULL: none */
    const struct ww_notify_opts *notify; /* where notices go (notify.h); NULL: nowhere */
    /* the signals that stop it: blocked by the caller in every thread (so
     * before the store starts its writer), taken here with sigtimedwait */
    sigset_t stop;
};

/* WW_OK once stopped by a signal; WW_ERR_IO if it cannot listen. */
int ww_serve_run(const struct ww_serve_opts *o, struct ww_store *st,
                 void (*log)(void *ctx, const char *msg), void *log_ctx);

#endif
