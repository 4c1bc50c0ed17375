/* store_ch_detect.c -- the surge detector over a ClickHouse store
 * (store_ch.h). PLACEHOLDER until branch chdet lands: no detector runs;
 * replaced whole by the real file. */
#include "store/store_ch.h"

int ch_det_start(struct ch_store *st, char *err, size_t errlen)
{ (void)st, (void)err, (void)errlen; return WW_OK; }
void ch_det_stop(struct ch_store *st) { st->det = NULL; }
int ch_det_time(struct ch_store *st, struct ww_store_time *out)
{
    *out = (struct ww_store_time){.frontier_us = INT64_MIN, .release_us = INT64_MIN,
                                  .lateness_us = st->lateness_us};
    return WW_OK;
}
