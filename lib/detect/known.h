/* known.h -- known scanners: address prefixes with a label, and the lookup
 * of an address's label (longest prefix wins).
 *
 * `--known-scanners FILE` (analyze and serve) names the research and
 * commercial scanners an operator knows of (contrib/known-scanners.txt lists
 * the ranges scanning projects publish themselves). Their sources stay in
 * the reports, labelled, but never count toward a surge: analysis.c and the
 * collector's writer ask ww_known_label() for each event's source before
 * handing it to the surge detector, so the lookup is on every event.
 *
 * The file: one `CIDR LABEL` a line -- an IPv4 or IPv6 prefix (a bare
 * address is a /32 or /128; host bits past the prefix are cleared), blanks,
 * then the label, the rest of the line with surrounding blanks trimmed (at
 * most WW_KNOWN_LABEL_MAX bytes of UTF-8, no control characters). `#` starts
 * a comment at the start of a line or after a blank; blank lines are
 * skipped. A prefix listed twice is an error (which label would it be?);
 * nested prefixes are not: the longest one wins.
 *
 * Lookup: the prefixes are flattened once, at load, into sorted boundary
 * points per family -- each starts a stretch of addresses that all have the
 * same innermost prefix (or none) -- so a lookup is one binary search over
 * 16-byte keys: 30 to 130 ns on 10,000 prefixes, as tests/unit/detect/known.c
 * measured it on a busy 2-core machine. Nothing is allocated after the load;
 * the table is read-only and may be shared by threads. */
#ifndef WW_KNOWN_H
#define WW_KNOWN_H
#include <stddef.h>

#include "core/addr.h"
#include "core/err.h"

#define WW_KNOWN_LABEL_MAX 200

struct ww_known;

/* Reads FILE. WW_OK; WW_ERR_IO if it cannot be read (err: "FILE: reason");
 * WW_ERR_PARSE for a bad line (err: "FILE:LINE: what is wrong"); *out is
 * NULL after an error. */
enum ww_err ww_known_load(const char *path, struct ww_known **out, char *err, size_t errlen);
/* The same over text[0..len) (need not end in NUL); name stands for the
 * file in errors. */
enum ww_err ww_known_parse(const char *text, size_t len, const char *name,
                           struct ww_known **out, char *err, size_t errlen);
/* The label of the longest listed prefix holding a, or NULL (also for a
 * NULL table). Valid while the table lives. */
const char *ww_known_label(const struct ww_known *k, const struct ww_addr *a);
size_t ww_known_count(const struct ww_known *k); /* prefixes listed */
void ww_known_free(struct ww_known *k);

#endif
