/* geo.c -- country and AS from MaxMind-format databases (see geo.h).
 * STUB until issue 17's geo branch lands. */
#include "detect/geo.h"

#include <stdio.h>
#include <string.h>

struct ww_geo { int none; };

enum ww_err ww_geo_open(const char *country_path, const char *asn_path, struct ww_geo **out,
                        char *err, size_t errlen)
{
    *out = NULL;
    snprintf(err, errlen, "%s: not implemented yet", country_path ? country_path : asn_path ? asn_path : "-");
    return WW_ERR_IO;
}

void ww_geo_close(struct ww_geo *g) { (void)g; }

int ww_geo_has(const struct ww_geo *g)
{
    (void)g;
    return 0;
}

int ww_geo_lookup(const struct ww_geo *g, const struct ww_addr *a, struct ww_geoinfo *out)
{
    (void)g;
    (void)a;
    memset(out, 0, sizeof *out);
    return 0;
}
