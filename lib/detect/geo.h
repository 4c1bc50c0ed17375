/* geo.h -- country and autonomous system of an address, from MaxMind-format
 * databases the user supplies (`--geoip FILE`, `--asn FILE`), read through
 * libmaxminddb.
 *
 * Layouts: GeoLite2-Country / -City and DB-IP's Lite country databases
 * (country.iso_code, else registered_country.iso_code), GeoLite2-ASN and
 * DB-IP's Lite ASN database (autonomous_system_number,
 * autonomous_system_organization). Either file may be absent; what is not
 * known is said so (ww_geo_has). The handle is read-only after the open and
 * may be shared by threads (libmaxminddb's lookups are). */
#ifndef WW_GEO_H
#define WW_GEO_H
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/err.h"

#define WW_GEO_ORG_MAX 96

enum { WW_GEO_COUNTRY = 1, WW_GEO_ASN = 2 };

struct ww_geoinfo {
    char country[3];                /* ISO 3166 alpha-2, "" if unknown */
    uint32_t asn;                   /* 0 if unknown */
    char as_org[WW_GEO_ORG_MAX];    /* "" if unknown; whole UTF-8 characters (cut to
                                       fit), control characters and bad bytes as ? */
};

struct ww_geo;

/* Opens either or both databases (NULL: not given). WW_OK; WW_ERR_IO or
 * WW_ERR_PARSE with "FILE: reason" in err; *out NULL after an error. */
enum ww_err ww_geo_open(const char *country_path, const char *asn_path, struct ww_geo **out,
                        char *err, size_t errlen);
void ww_geo_close(struct ww_geo *g);
/* WW_GEO_COUNTRY | WW_GEO_ASN: which databases are open (0 for NULL). */
int ww_geo_has(const struct ww_geo *g);
/* Fills *out (zeroed first); returns which of WW_GEO_* were found for a. */
int ww_geo_lookup(const struct ww_geo *g, const struct ww_addr *a, struct ww_geoinfo *out);

#endif
