/* submitapi.h -- POST /submitapi/, where DShield's own sensors report
 * (their client, DShield.py and fwlogparser.py, unchanged but for its URL):
 * the X-ISC-Authorization header checked against a key registered for a
 * DShield user id, and their JSON firewall logs as events. httpd.c routes
 * the request and applies the same guards as to /api/v1/submit (body size,
 * rate, --max-future, the store's 503); submitapi.c says what DShield sends
 * and what the collector can know of it. */
#ifndef WW_SUBMITAPI_H
#define WW_SUBMITAPI_H
#include <stddef.h>
#include <stdint.h>

#include "ingest/batch.h"
#include "store/store.h"

/* The header (NULL if absent) checked and its nonce recorded: 200 with
 * *sensor_id set; else 401 (absent, malformed, unknown or revoked user id,
 * wrong credentials, a nonce seen before) or 503 (the store cannot write),
 * with the reason in msg. */
unsigned ww_submitapi_auth(struct ww_store *st, const char *header, int64_t now_us,
                           int64_t *sensor_id, char *msg, size_t msglen);

/* The JSON body's logs to events in b (emptied first; b->max and
 * b->latest_us as for ww_batch_parse), and batch_id derived from them, so a
 * submission sent again (a new nonce, the same logs) is a duplicate. WW_OK
 * (b->n may be 0: a sampled run can keep no line); WW_ERR_PARSE with *why
 * naming the log entry's index (in b->why, valid until the next call);
 * WW_ERR_LIMIT past b->max. */
int ww_submitapi_parse(struct ww_batch *b, const char *body, size_t len, char batch_id[65],
                       const char **why);

/* The N the client's next run keeps every Nth line at, after a run at
 * `every` that sent `entries` (fwlogparser.py's rule: N + 1 after a run that
 * read its 100,000 lines, else 1). */
int64_t ww_submitapi_next_sampling(int64_t every, size_t entries);

#endif
