/* osdb.h -- passive OS fingerprints: p0f's signature database and the
 * match of a SYN's fingerprint (core/synfp.h) against it.
 *
 * The database is the one Debian's p0f package installs
 * (WW_OSDB_DEFAULT), read at run time, never copied into the project; only
 * its [tcp:request] section is used (SYNs). A match is a 16-bit value, the
 * event's `os`: the kind of match in the top four bits, the label's number
 * (1 .. 4095, in the file's order) below, so that a smaller value is better
 * evidence and a source's OS is the smallest match over its SYNs -- the same
 * whatever order they arrive in:
 *
 *   WW_OS_EXACT    a specific signature (p0f "s:") matched
 *   WW_OS_GENERIC  only a generic one ("g:") did
 *   WW_OS_FUZZY    p0f's fuzzy match (TTL further than expected, a quirk off)
 *   WW_OS_GUESS    the options were not seen (a log without OPT): the TTL's
 *                  initial value and the window alone, which stacks share
 *
 * Labels are named as p0f prints them ("Windows XP", "Linux 2.2.x-3.x",
 * "nmap SYN scan"). The table is read-only after the load and may be shared
 * by threads; ww_osdb_match allocates nothing. */
#ifndef WW_OSDB_H
#define WW_OSDB_H
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/synfp.h"

#define WW_OSDB_DEFAULT "/etc/p0f/p0f.fp"

enum { WW_OS_EXACT = 0, WW_OS_GENERIC = 1, WW_OS_FUZZY = 2, WW_OS_GUESS = 3 };
#define WW_OS_KIND(os) ((unsigned)(os) >> 12)
#define WW_OS_LABEL(os) ((unsigned)(os) & 0xfff)

struct ww_osdb;

/* Reads p0f's database (path NULL: WW_OSDB_DEFAULT). WW_OK; WW_ERR_IO if it
 * cannot be read (err: "FILE: reason"); WW_ERR_PARSE for a bad signature
 * (err: "FILE:LINE: what is wrong"); *out is NULL after an error. */
enum ww_err ww_osdb_load(const char *path, struct ww_osdb **out, char *err, size_t errlen);
/* The same over text[0..len); name stands for the file in errors. */
enum ww_err ww_osdb_parse(const char *text, size_t len, const char *name,
                          struct ww_osdb **out, char *err, size_t errlen);
void ww_osdb_free(struct ww_osdb *db);

/* fp's match (see above), 0 if none or if fp carries no fingerprint. */
uint16_t ww_osdb_match(const struct ww_osdb *db, const struct ww_synfp *fp);
/* The label's name ("Windows XP"), NULL for 0 or an unknown number. */
const char *ww_osdb_name(const struct ww_osdb *db, uint16_t os);
/* "exact", "generic", "fuzzy" or "guess". */
const char *ww_os_kind_name(uint16_t os);

#endif
