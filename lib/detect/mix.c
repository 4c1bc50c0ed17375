/* mix.c -- a surge's sources broken down by OS, country and AS (see mix.h).
 * STUB until issue 17's geo branch lands. */
#include "detect/mix.h"

#include <string.h>

void ww_mix_of(const struct ww_surge_src *s, size_t n, const struct ww_osdb *db,
               const struct ww_geo *g, struct ww_mix *out)
{
    (void)s;
    (void)db;
    (void)g;
    memset(out, 0, sizeof *out);
    out->n = (uint32_t)n;
}
