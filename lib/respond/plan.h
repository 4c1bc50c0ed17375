/* plan.h -- what `wormwatch block` blocks: the networks to drop, the
 * networks to spare and the ports to close, gathered from one of three
 * places before block.h turns them into nftables rules:
 *   - `wormwatch analyze --format json` output: its "scanners", whose "src"
 *     is an address or the prefix a group of rotating addresses was
 *     reported as (and, to close the surging ports, the ports of its
 *     "surges");
 *   - a plain list of addresses or CIDRs, one a line, # comments;
 *   - a running collector: GET /api/v1/sources, addresses or prefixes as
 *     analyze's (and /api/v1/alerts for the
 *     surging ports) through client/http.h. The caller owns libcurl's global
 *     state (curl_global_init before, curl_global_cleanup after).
 * Each gatherer adds to the plan and returns WW_OK, or an enum ww_err with
 * one sentence in the caller's err buffer (it names the file, the JSON path
 * or the URL). Files are named by path, "-" meaning stdin. */
#ifndef WW_PLAN_H
#define WW_PLAN_H
#include <stddef.h>

#include "respond/block.h"

struct ww_plan {
    struct ww_cidr *nets;   /* to block */
    size_t nnets, capnets;
    struct ww_cidr *allow;  /* never blocked; spared by the closed ports */
    size_t nallow, capallow;
    struct ww_portrange ports[WW_BLOCK_MAX_PORTS]; /* to close */
    size_t nports;
};

/* "192.0.2.0/24,2001:db8::1" added to the allow list; WW_ERR_PARSE if one is
 * not an address or CIDR. */
int ww_plan_allow(struct ww_plan *p, const char *list);
/* The plain list at path. */
int ww_plan_list(struct ww_plan *p, const char *path, char *err, size_t errlen);
/* analyze JSON at path; with surging, the surges' ports too. */
int ww_plan_analyze(struct ww_plan *p, const char *path, int surging, char *err, size_t errlen);
/* The collector at url: its top `limit` sources; with surging, the ports of
 * its top `limit` alerts too. */
int ww_plan_collector(struct ww_plan *p, const char *url, unsigned long long limit, int surging,
                      char *err, size_t errlen);
/* Points o's allow list and ports at the plan's. */
void ww_plan_opts(const struct ww_plan *p, struct ww_block_opts *o);
void ww_plan_release(struct ww_plan *p);

#endif
