/* store_ch_query.c -- the ClickHouse engine's read side (store_ch.h).
 * PLACEHOLDER until branch chq lands: every query answers WW_ERR_FORMAT
 * ("not built"), so the engine links; replaced whole by the real file. */
#include "store/store_ch.h"

int chq_port(struct ww_store *st, int port, int64_t day, struct ww_store_rows *out)
{ (void)st, (void)port, (void)day, (void)out; return WW_ERR_FORMAT; }
int chq_porthistory(struct ww_store *st, int port, int64_t from_day, int64_t to_day, int hourly,
                    struct ww_store_rows *out)
{ (void)st, (void)port, (void)from_day, (void)to_day, (void)hourly, (void)out; return WW_ERR_FORMAT; }
int chq_topports(struct ww_store *st, enum ww_store_by by, int limit, int64_t day, struct ww_store_rows *out)
{ (void)st, (void)by, (void)limit, (void)day, (void)out; return WW_ERR_FORMAT; }
int chq_sources(struct ww_store *st, int limit, int port, int64_t now_us, struct ww_store_rows *out)
{ (void)st, (void)limit, (void)port, (void)now_us, (void)out; return WW_ERR_FORMAT; }
int chq_ip(struct ww_store *st, const struct ww_addr *a, struct ww_store_ip *out)
{ (void)st, (void)a, (void)out; return WW_ERR_FORMAT; }
int chq_alerts(struct ww_store *st, int limit, struct ww_store_rows *out)
{ (void)st, (void)limit, (void)out; return WW_ERR_FORMAT; }
int chq_floods(struct ww_store *st, int limit, int64_t day, struct ww_store_rows *out)
{ (void)st, (void)limit, (void)day, (void)out; return WW_ERR_FORMAT; }
int chq_active(struct ww_store *st, int64_t now_us, struct ww_store_rows *out)
{ (void)st, (void)now_us, (void)out; return WW_ERR_FORMAT; }
int chq_sensors(struct ww_store *st, int64_t now_us, struct ww_store_rows *out)
{ (void)st, (void)now_us, (void)out; return WW_ERR_FORMAT; }
int chq_time(struct ww_store *st, struct ww_store_time *out)
{ return ch_det_time(ch_st(st), out); }
int chq_span(struct ww_store *st, int64_t now_us, int64_t *first_day, int64_t *last_day)
{ (void)st, (void)now_us; *first_day = *last_day = -1; return WW_ERR_FORMAT; }
int chq_growth(struct ww_store *st, int port, int proto, int64_t from_hour, int64_t end_hour,
               struct ww_store_rows *out)
{ (void)st, (void)port, (void)proto, (void)from_hour, (void)end_hour, (void)out; return WW_ERR_FORMAT; }
int chq_new_sources(struct ww_store *st, int port, int64_t from_us, int64_t to_us, int limit,
                    struct ww_store_rows *out, int64_t *total)
{ (void)st, (void)port, (void)from_us, (void)to_us, (void)limit, (void)out, (void)total; return WW_ERR_FORMAT; }
int chq_notices(struct ww_store *st, int64_t after, int limit,
                int (*fn)(void *ctx, int64_t id, const char *kind, int64_t created_us, const char *body),
                void *ctx)
{ (void)st, (void)after, (void)limit, (void)fn, (void)ctx; return WW_ERR_FORMAT; }
int chq_notices_pending(struct ww_store *st, int64_t after, int64_t *count, int64_t *last)
{ (void)st, (void)after; *count = *last = 0; return WW_ERR_FORMAT; }
int chq_cursor_get(struct ww_store *st, const char *target, int64_t *last_id)
{ (void)st, (void)target, (void)last_id; return WW_ERR_ARG; }
int chq_cursor_set(struct ww_store *st, const char *target, int64_t last_id)
{ (void)st, (void)target, (void)last_id; return WW_ERR_FORMAT; }
int chq_backscatter(struct ww_store *st, int64_t day, int limit, struct ww_store_rows *out)
{ (void)st, (void)day, (void)limit, (void)out; return WW_ERR_FORMAT; }
int chq_metrics(struct ww_store *st, FILE *out)
{ (void)st, (void)out; return WW_OK; }
