/* mix.h -- who a surge's sources are: the OS, country and AS breakdown of a
 * sample of them (struct ww_surge's sample), for analyze's report and the
 * collector alike.
 *
 * Shares are of the sampled sources; an OS share counts the sources whose
 * SYNs matched p0f's database (os_known of n). The spread over ASes is the
 * signal for a surge's kind the issue asks for: a worm's sources sit in many
 * networks, a campaign run from a hosting provider in few. */
#ifndef WW_MIX_H
#define WW_MIX_H
#include <stddef.h>
#include <stdint.h>

#include "detect/geo.h"
#include "detect/osdb.h"
#include "detect/surge.h"

#define WW_MIX_TOP 8

struct ww_mix_row {
    char name[WW_GEO_ORG_MAX];  /* OS label, ISO country code, or AS organisation */
    uint32_t asn;               /* AS rows: the number */
    uint32_t n;                 /* sampled sources */
};

enum { WW_MIX_OS = 4 };         /* beside WW_GEO_COUNTRY, WW_GEO_ASN */

struct ww_mix {
    int has;                    /* WW_MIX_OS | WW_GEO_COUNTRY | WW_GEO_ASN: what was available */
    uint32_t n;                 /* sources sampled */
    uint32_t os_known;          /* of them with an OS */
    uint32_t country_known, as_known; /* of them with a country, with an AS (the shares' bases) */
    uint32_t nos, ncountry, nas;/* rows below, by n descending, ties by name/number */
    uint32_t countries, ases;   /* distinct countries and ASes among the sampled */
    double as_top_share;        /* the largest AS's share of the sources with an AS */
    struct ww_mix_row os[WW_MIX_TOP], country[WW_MIX_TOP], as[WW_MIX_TOP];
};

/* The breakdown of s[0..n); db and g may be NULL (that part unavailable).
 * A row's share is its n over the part's *_known (as_top_share is as[0].n
 * over as_known); os_known, country_known, as_known over n say how much of
 * the sample each part covers. */
void ww_mix_of(const struct ww_surge_src *s, size_t n, const struct ww_osdb *db,
               const struct ww_geo *g, struct ww_mix *out);

#endif
