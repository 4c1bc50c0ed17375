/* write_dshield.c -- events as DShield TSV lines, the inverse of
 * ingest/parse_dshield.c: always in UTC ("+00:00"), so that format-then-parse
 * gives back the same event (to the second). The rest in DShield's own form,
 * as its reference client (fwlogparser.py) sends it: the protocol as its
 * number (6, 17, 1), TCP flags as letters in that client's order
 * 12UAPRSF (CWR, ECE, URG, ACK, PSH, RST, SYN, FIN: "S", "AS", "UPF").
 * Caller's buffer, nothing allocated. */
#include <string.h>
#include "out/write.h"
#include "core/num.h"
#include "core/wtime.h"

/* The line is written piece by piece, as snprintf would write it: what
 * fits in the caller's buffer (and a NUL), the whole length counted. The
 * sensor formats every event it captures: snprintf and its conversions were
 * a quarter of its time. */
struct out {
    char *p, *end; /* end: the last byte, kept for the NUL */
    size_t n;      /* the whole line's length */
};

static void put(struct out *o, const char *s, size_t len)
{
    size_t room = (size_t)(o->end - o->p), k = len < room ? len : room;
    memcpy(o->p, s, k);
    o->p += k, o->n += len;
}

/* v in decimal, at least width digits (zero-padded) */
static void put_u(struct out *o, unsigned long v, int width)
{
    char d[WW_DEC_MAX], *p = ww_dec(d, v, width);
    put(o, p, (size_t)(d + sizeof d - p));
}

static void put_addr(struct out *o, const struct ww_addr *a)
{
    static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (a->family == 4 && !memcmp(a->b, v4mapped, 12)) {
        for (int i = 12; i < 16; i++) {
            put_u(o, a->b[i], 1);
            if (i < 15) put(o, ".", 1);
        }
        return;
    }
    char t[WW_ADDR_STRLEN];
    put(o, t, strlen(ww_addr_format(a, t)));
}

size_t ww_dshield_format(const struct ww_event *ev, const char *userid,
                         char *buf, size_t size)
{
    static const struct { char letter; uint8_t bit; } order[] = {
        {'1', WW_TH_CWR}, {'2', WW_TH_ECE}, {'U', WW_TH_URG}, {'A', WW_TH_ACK},
        {'P', WW_TH_PSH}, {'R', WW_TH_RST}, {'S', WW_TH_SYN}, {'F', WW_TH_FIN},
    };
    /* the day and second as ww_time_format has them (floor division) */
    int64_t ts = ev->ts_us;
    int64_t secs = ts >= 0 ? ts / WW_SEC_US : -((-ts + WW_SEC_US - 1) / WW_SEC_US);
    int64_t days = secs >= 0 ? secs / WW_DAY_S : -((-secs + WW_DAY_S - 1) / WW_DAY_S);
    int64_t rem = secs - days * WW_DAY_S, y;
    unsigned m, d;
    ww_civil_from_days(days, &y, &m, &d);
    if (y < -999 || y > 9999) return 0; /* the year in four characters */
    if (!size) return 0;
    struct out o = {buf, buf + size - 1, 0};
    if (y < 0) put(&o, "-", 1);
    put_u(&o, (unsigned long)(y < 0 ? -y : y), y < 0 ? 3 : 4);
    put(&o, "-", 1), put_u(&o, m, 2), put(&o, "-", 1), put_u(&o, d, 2), put(&o, " ", 1);
    put_u(&o, (unsigned long)(rem / WW_HOUR_S), 2), put(&o, ":", 1);
    put_u(&o, (unsigned long)(rem / 60 % 60), 2), put(&o, ":", 1);
    put_u(&o, (unsigned long)(rem % 60), 2);
    put(&o, " +00:00\t", 8);
    userid = userid ? userid : "0";
    put(&o, userid, strlen(userid)), put(&o, "\t", 1);
    put_u(&o, ev->count ? ev->count : 1u, 1), put(&o, "\t", 1);
    put_addr(&o, &ev->src), put(&o, "\t", 1), put_u(&o, ev->sport, 1), put(&o, "\t", 1);
    put_addr(&o, &ev->dst), put(&o, "\t", 1), put_u(&o, ev->dport, 1), put(&o, "\t", 1);
    put_u(&o, ev->proto, 1), put(&o, "\t", 1);
    if (ev->proto == WW_PROTO_TCP)
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
            if (ev->tcpflags & order[i].bit) put(&o, &order[i].letter, 1);
    put(&o, "\n", 1);
    *o.p = 0;
    return o.n < size ? o.n : 0;
}
