/* write_dshield.c -- events as DShield TSV lines, the inverse of
 * ingest/parse_dshield.c: always in UTC ("+00:00"), so that format-then-parse
 * gives back the same event (to the second). Flags are netfilter words
 * joined by commas. Caller's buffer, nothing allocated. */
#include <stdio.h>
#include <string.h>
#include "out/write.h"
#include "core/wtime.h"

size_t ww_dshield_format(const struct ww_event *ev, const char *userid,
                         char *buf, size_t size)
{
    char t[32], src[WW_ADDR_STRLEN], dst[WW_ADDR_STRLEN], proto[8], flags[40] = "";
    const char *name = ww_proto_name(ev->proto);

    ww_time_format(ev->ts_us, t, sizeof t);
    if (strlen(t) != 20) return 0; /* "YYYY-MM-DDTHH:MM:SSZ": year 0..9999 */
    t[10] = ' ';
    t[19] = 0;
    if (name) snprintf(proto, sizeof proto, "%s", name);
    else snprintf(proto, sizeof proto, "%u", ev->proto);
    if (ev->proto == WW_PROTO_TCP) ww_tcpflags_format(ev->tcpflags, ',', flags, sizeof flags);
    int n = snprintf(buf, size, "%s +00:00\t%s\t%u\t%s\t%u\t%s\t%u\t%s\t%s\n", t,
                     userid ? userid : "0", ev->count ? ev->count : 1u,
                     ww_addr_format(&ev->src, src), ev->sport,
                     ww_addr_format(&ev->dst, dst), ev->dport, proto, flags);
    return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}
