/* write_dshield.c -- events as DShield TSV lines, the inverse of
 * ingest/parse_dshield.c: always in UTC ("+00:00"), so that format-then-parse
 * gives back the same event (to the second). The rest in DShield's own form,
 * as its reference client (fwlogparser.py) sends it: the protocol as its
 * number (6, 17, 1), TCP flags as letters in that client's order
 * 12UAPRSF (CWR, ECE, URG, ACK, PSH, RST, SYN, FIN: "S", "AS", "UPF").
 * Caller's buffer, nothing allocated. */
#include <stdio.h>
#include <string.h>
#include "out/write.h"
#include "core/wtime.h"

size_t ww_dshield_format(const struct ww_event *ev, const char *userid,
                         char *buf, size_t size)
{
    static const struct { char letter; uint8_t bit; } order[] = {
        {'1', WW_TH_CWR}, {'2', WW_TH_ECE}, {'U', WW_TH_URG}, {'A', WW_TH_ACK},
        {'P', WW_TH_PSH}, {'R', WW_TH_RST}, {'S', WW_TH_SYN}, {'F', WW_TH_FIN},
    };
    char t[32], src[WW_ADDR_STRLEN], dst[WW_ADDR_STRLEN], flags[9];
    size_t nf = 0;

    ww_time_format(ev->ts_us, t, sizeof t);
    if (strlen(t) != 20) return 0; /* "YYYY-MM-DDTHH:MM:SSZ": year 0..9999 */
    t[10] = ' ';
    t[19] = 0;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (ev->proto == WW_PROTO_TCP && (ev->tcpflags & order[i].bit)) flags[nf++] = order[i].letter;
    flags[nf] = 0;
    int n = snprintf(buf, size, "%s +00:00\t%s\t%u\t%s\t%u\t%s\t%u\t%u\t%s\n", t,
                     userid ? userid : "0", ev->count ? ev->count : 1u,
                     ww_addr_format(&ev->src, src), ev->sport,
                     ww_addr_format(&ev->dst, dst), ev->dport, ev->proto, flags);
    return n < 0 || (size_t)n >= size ? 0 : (size_t)n;
}
