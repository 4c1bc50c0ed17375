/* hold.h -- event time for a detector fed by many sensors: per-sensor
 * watermarks, an allowed lateness, and a reorder buffer that hands events
 * on in event-time order once every sensor that matters has passed them.
 * See hold.c for the rules and why. */
#ifndef WW_HOLD_H
#define WW_HOLD_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/event.h"
#include "core/wtime.h"

#define WW_HOLD_LATENESS_US (26 * WW_HOUR_US) /* a day's upload, two hours late */
#define WW_HOLD_MAX_EVENTS ((size_t)8 << 20)  /* waiting events (104 bytes each) */

struct ww_hold_opts {
    int64_t lateness_us;   /* default WW_HOLD_LATENESS_US */
    size_t max_events;     /* default WW_HOLD_MAX_EVENTS */
};

struct ww_hold_sensor {
    int64_t id;
    int64_t wm_us;         /* latest event time it reported; INT64_MIN: none yet */
    int64_t birth_us;      /* not reported yet: holds from this event time
                              (INT64_MIN: from the first data anybody sent) */
    uint64_t events, late; /* events added; those already judged when they came */
    int live;              /* registered (a key not revoked) */
    int stale;             /* not holding: silent past the lateness */
};

/* Holding or stale, from plain figures (the collector's /sensors answers
 * with it from stored watermarks): a sensor holds while its position -- its
 * watermark, or for one that never reported its birth (the first data when
 * INT64_MIN) -- is not behind the frontier by more than the lateness. */
int ww_hold_is_stale(int64_t frontier_us, int64_t lateness_us, int64_t first_us, int64_t wm_us,
                     int64_t birth_us);

struct ww_hold;
struct ww_hold *ww_hold_new(const struct ww_hold_opts *o); /* NULL = defaults */
void ww_hold_free(struct ww_hold *h);

/* Registers (or updates) a sensor: its birth and whether it is live. */
void ww_hold_sensor_set(struct ww_hold *h, int64_t id, int64_t birth_us, int live);
/* Adds a sensor's events (tag: the caller's id of where they are kept, e.g.
 * a log row, non-decreasing from call to call). Those older than the release
 * point are late: counted, returned, not kept. Moves the sensor's watermark. */
size_t ww_hold_add(struct ww_hold *h, int64_t sensor, int64_t tag, const struct ww_event *ev,
                   size_t n);
/* After ww_hold_load: puts back what was waiting when the state was saved
 * (events of rows from ww_hold_oldest_tag up to the save), without counting
 * or moving anything; events older than the release point are skipped. */
void ww_hold_readd(struct ww_hold *h, int64_t tag, const struct ww_event *ev, size_t n);

/* Hands on, in event-time order (ties by the event's fields, so the order
 * never depends on arrival), every waiting event older than the release
 * point; tells `changed` of each sensor that turned stale or came back.
 * Returns the number of events handed on. */
struct ww_hold_cb {
    void (*event)(void *ctx, const struct ww_event *ev);
    void (*changed)(void *ctx, const struct ww_hold_sensor *s);
    void *ctx;
};
size_t ww_hold_release(struct ww_hold *h, const struct ww_hold_cb *cb);

/* The two rules above on their own, for a detector that keeps its events
 * elsewhere (the ClickHouse store's): ww_hold_point is the release point
 * sensors s[0 .. n) allow (INT64_MIN: none yet; the caller never moves
 * back), updating each one's stale flag and telling cb->changed (cb may be
 * NULL) of a live sensor that turned stale or came back; first_us is the
 * earliest event time ever added (INT64_MAX: none). ww_hold_order is the
 * order events are released in (<0, 0, >0 as for qsort): time, then a hash
 * of the fields, then the fields. */
int64_t ww_hold_point(struct ww_hold_sensor *s, size_t n, int64_t first_us, int64_t lateness_us,
                      const struct ww_hold_cb *cb);
int ww_hold_order(const struct ww_event *a, const struct ww_event *b);

struct ww_hold_stats {
    int64_t frontier_us;   /* the latest event time of any sensor (INT64_MIN: none) */
    int64_t release_us;    /* events before this are judged (INT64_MIN: none yet) */
    int64_t first_us;      /* the earliest event time ever added (INT64_MAX: none) */
    int64_t lateness_us;
    uint64_t waiting, late, forced; /* forced: released early, the buffer being full */
    size_t sensors, stale;
};
void ww_hold_stats(const struct ww_hold *h, struct ww_hold_stats *out);
/* The sensors, by id; owned by h, valid until the next call that changes it. */
size_t ww_hold_sensors(const struct ww_hold *h, const struct ww_hold_sensor **out);
/* The smallest tag with an event waiting (INT64_MAX if none). */
int64_t ww_hold_oldest_tag(const struct ww_hold *h);

/* The state without the waiting events (the caller keeps those: see
 * ww_hold_readd): a new ww_malloc'd buffer, its length returned. Format in
 * hold.c. ww_hold_load: WW_OK and *out, or WW_ERR_PARSE with the reason;
 * o NULL keeps the saved lateness. */
size_t ww_hold_save(const struct ww_hold *h, unsigned char **out);
enum ww_err ww_hold_load(const void *buf, size_t len, const struct ww_hold_opts *o,
                         struct ww_hold **out, char *err, size_t errlen);

#endif
