/* submit.c -- the oldest spooled batch to the collector (see outbox.c for
 * the protocol), through the one HTTP client (lib/client/http.h: http and
 * https only), on one connection kept between batches.
 *
 * POST URL/api/v1/submit, DShield TSV, with the sensor's key as a bearer
 * token and X-Batch-Id = the batch's id. A 200 settles the batch (it leaves
 * the spool). 400, 401 and 413 can never succeed, so that batch is dropped,
 * loudly, and counted. Anything else -- no answer, 5xx, 429 -- is retried
 * with exponential backoff, 0.5 s doubling to 60 s, reset by a settled
 * batch. */
#include "sensor/sensor_int.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "sensor/spool.h"

void submit_init(struct submit *u, const struct ww_sensor_opts *so, const struct slog *log)
{
    memset(u, 0, sizeof *u);
    u->collector = so->collector, u->key = so->key, u->log = log;
    u->http = ww_http_new();
    u->backoff = 0.5;
}

void submit_release(struct submit *u) { ww_http_free(u->http); }

/* The batch was settled: out of the spool (there may be room now). */
static void settled(struct submit *u, struct outbox *o, uint64_t seq)
{
    ww_spool_remove(o->spool, seq);
    o->spool_retry = 0;
    u->backoff = 0.5;
    u->next_try = 0;
}

int submit_one(struct submit *u, struct outbox *o)
{
    if (sensor_now() < u->next_try) return 0;
    uint64_t seq;
    char id[WW_SPOOL_IDMAX + 1], *data, err[256], auth[300], bid[100];
    size_t len;
    if (ww_spool_oldest(o->spool, &seq, id, &data, &len, err, sizeof err)) {
        sensor_warn(u->log, "cannot read spooled batch: %s", err);
        return 0;
    }
    if (!data) return 0;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", u->key);
    snprintf(bid, sizeof bid, "X-Batch-Id: %s", id);
    const char *const headers[] = {auth, bid, "Content-Type: text/tab-separated-values",
                                   "Expect:", NULL};
    long status = 0;
    enum ww_err rc = ww_http_post(u->http, u->collector, "/api/v1/submit", headers, data, len,
                                  &status, err, sizeof err);
    if (status == 200 || status == 400 || status == 401 || status == 413) {
        if (status != 200) {
            size_t n = 0;
            for (size_t i = 0; i < len; i++) n += data[i] == '\n';
            o->drop_rejected += n;
            sensor_warn(u->log, "collector REJECTED batch %s with HTTP %ld: batch DROPPED (%zu "
                        "events)", id, status, n);
        }
        settled(u, o, seq);
        ww_free(data);
        return 1;
    }
    ww_free(data);
    if (rc)
        sensor_warn(u->log, "batch %s: %s; retry in %.1f s", id, err, u->backoff);
    else
        sensor_warn(u->log, "batch %s: HTTP %ld; retry in %.1f s", id, status, u->backoff);
    u->next_try = sensor_now() + u->backoff;
    u->backoff = u->backoff * 2 > 60 ? 60 : u->backoff * 2;
    return 0;
}
