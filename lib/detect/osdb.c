/* osdb.c -- p0f's signature database and the match of a SYN's fingerprint
 * (see osdb.h). STUB until issue 17's osdb branch lands. */
#include "detect/osdb.h"

#include <stdio.h>

struct ww_osdb { int none; };

enum ww_err ww_osdb_load(const char *path, struct ww_osdb **out, char *err, size_t errlen)
{
    *out = NULL;
    snprintf(err, errlen, "%s: not implemented yet", path ? path : WW_OSDB_DEFAULT);
    return WW_ERR_IO;
}

enum ww_err ww_osdb_parse(const char *text, size_t len, const char *name,
                          struct ww_osdb **out, char *err, size_t errlen)
{
    (void)text;
    (void)len;
    return ww_osdb_load(name, out, err, errlen);
}

void ww_osdb_free(struct ww_osdb *db) { (void)db; }

uint16_t ww_osdb_match(const struct ww_osdb *db, const struct ww_synfp *fp)
{
    (void)db;
    (void)fp;
    return 0;
}

const char *ww_osdb_name(const struct ww_osdb *db, uint16_t os)
{
    (void)db;
    (void)os;
    return NULL;
}

const char *ww_os_kind_name(uint16_t os)
{
    static const char *const k[] = {"exact", "generic", "fuzzy", "guess"};
    return WW_OS_KIND(os) < 4 ? k[WW_OS_KIND(os)] : "?";
}
