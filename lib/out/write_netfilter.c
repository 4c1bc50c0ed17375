/* write_netfilter.c -- one event as a netfilter LOG line (see write.h).
 *
 * Field order and spelling follow the kernel's nf_log_syslog.c:
 *   IPv4: IN= OUT= MAC=dst:src:type SRC= DST= LEN= TOS=0x00 PREC=0x00 TTL= ID= [CE ][DF ]
 *         [OPT (IP options) ]
 *   IPv6: IN= OUT= MAC=... SRC= DST= LEN= TC=0 HOPLIMIT= FLOWLBL=
 *   then PROTO=TCP SPT= DPT= [SEQ= ACK= ]WINDOW= RES=0x00 <flag words> URGP=
 *        [OPT (TCP options) ]
 *        PROTO=UDP SPT= DPT= LEN=
 *        PROTO=ICMP|ICMPv6 TYPE= CODE= [ID= SEQ=]   (echo and echo reply)
 *        PROTO=<number>
 * each token followed by one space, the kernel's trailing space included.
 * A SYN with a fingerprint (ev->fp) is written as the kernel logs it with
 * `--log-tcp-sequence --log-tcp-options --log-ip-options` for what the
 * fingerprint knows: SEQ/ACK when it saw them, its TCP options in
 * uppercase hex, the IP options (NOPs) of its length, CE, RES=0x04 (NS)
 * for ecn, the flow label; the rest from ww_write_shape as before.
 * The line is built with a bounded cursor (no printf: simulate writes
 * millions of these), the stamp from Hinnant's civil_from_days. */
#include "out/write.h"
#include "core/num.h"
#include "core/wtime.h"

#include <string.h>

/* v in exactly `width` digits. */
static void putw(struct ww_cur *c, unsigned v, int width)
{
    char t[8];
    for (int i = width - 1; i >= 0; i--, v /= 10) t[i] = (char)('0' + v % 10);
    ww_cur_put(c, t, (size_t)width);
}

static void puthex(struct ww_cur *c, unsigned v, int width)
{
    static const char hex[] = "0123456789abcdef";
    char t[8];
    for (int i = width - 1; i >= 0; i--, v >>= 4) t[i] = hex[v & 15];
    ww_cur_put(c, t, (size_t)width);
}

/* As the kernel's %02X: uppercase. */
static void puthex_upper(struct ww_cur *c, unsigned v, int width)
{
    static const char hex[] = "0123456789ABCDEF";
    char t[8];
    for (int i = width - 1; i >= 0; i--, v >>= 4) t[i] = hex[v & 15];
    ww_cur_put(c, t, (size_t)width);
}

static void stamp(struct ww_cur *c, int64_t us)
{
    int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
    int64_t frac = us - secs * 1000000;
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400, y;
    unsigned m, d;
    ww_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) y = 0;
    putw(c, (unsigned)y, 4); ww_cur_put(c, "-", 1);
    putw(c, m, 2); ww_cur_put(c, "-", 1);
    putw(c, d, 2); ww_cur_put(c, "T", 1);
    putw(c, (unsigned)(rem / 3600), 2); ww_cur_put(c, ":", 1);
    putw(c, (unsigned)(rem / 60 % 60), 2); ww_cur_put(c, ":", 1);
    putw(c, (unsigned)(rem % 60), 2); ww_cur_put(c, ".", 1);
    putw(c, (unsigned)frac, 6);
    ww_cur_puts(c, "+00:00");
}

static void addr(struct ww_cur *c, const struct ww_addr *a)
{
    if (a->family == 4) {
        for (int i = 12; i < 16; i++) {
            if (i > 12) ww_cur_put(c, ".", 1);
            ww_cur_putu(c, a->b[i]);
        }
        return;
    }
    for (int i = 0; i < 16; i += 2) { /* fully expanded, as the kernel's %pI6 */
        if (i) ww_cur_put(c, ":", 1);
        puthex(c, (unsigned)a->b[i] << 8 | a->b[i + 1], 4);
    }
}

static void kv(struct ww_cur *c, const char *key, uint64_t v)
{
    ww_cur_puts(c, key);
    ww_cur_putu(c, v);
    ww_cur_put(c, " ", 1);
}

size_t ww_netfilter_format(const struct ww_event *ev, const char *host, char *buf, size_t size)
{
    static const struct { uint8_t bit; const char *word; } flagwords[] = {
        {WW_TH_CWR, "CWR "}, {WW_TH_ECE, "ECE "}, {WW_TH_URG, "URG "}, {WW_TH_ACK, "ACK "},
        {WW_TH_PSH, "PSH "}, {WW_TH_RST, "RST "}, {WW_TH_SYN, "SYN "}, {WW_TH_FIN, "FIN "}};
    struct ww_write_shape sh;
    struct ww_cur c = {buf, buf + size, 0};
    int v6 = ev->src.family == 6;

    if (!size || (ev->src.family != 4 && ev->src.family != 6) || ev->dst.family != ev->src.family)
        return 0;
    ww_write_shape(ev, &sh);
    stamp(&c, ev->ts_us);
    ww_cur_put(&c, " ", 1);
    ww_cur_puts(&c, host && *host ? host : "localhost");
    ww_cur_puts(&c, " kernel: ");
    if (ev->action == WW_ACTION_DROP) ww_cur_puts(&c, "DROP ");
    else if (ev->action == WW_ACTION_ACCEPT) ww_cur_puts(&c, "ACCEPT ");
    ww_cur_puts(&c, "IN=eth0 OUT= MAC=");
    for (int i = 0; i < 12; i++) {
        puthex(&c, i < 6 ? sh.dmac[i] : sh.smac[i - 6], 2);
        ww_cur_put(&c, ":", 1);
    }
    ww_cur_puts(&c, v6 ? "86:dd SRC=" : "08:00 SRC=");
    addr(&c, &ev->src);
    ww_cur_puts(&c, " DST=");
    addr(&c, &ev->dst);
    ww_cur_put(&c, " ", 1);
    if (v6) {
        kv(&c, "LEN=", 40u + sh.l4len);
        kv(&c, "TC=", 0);
        kv(&c, "HOPLIMIT=", sh.ttl);
        kv(&c, "FLOWLBL=", sh.flow);
    } else {
        kv(&c, "LEN=", 20u + sh.ipoptlen + sh.l4len);
        ww_cur_puts(&c, "TOS=0x00 PREC=0x00 ");
        kv(&c, "TTL=", sh.ttl);
        kv(&c, "ID=", sh.ipid);
        if (sh.mbz) ww_cur_puts(&c, "CE ");
        if (sh.df) ww_cur_puts(&c, "DF ");
        if (sh.ipoptlen) {
            ww_cur_puts(&c, "OPT (");
            for (unsigned i = 0; i < sh.ipoptlen; i++) ww_cur_puts(&c, "01"); /* NOPs */
            ww_cur_puts(&c, ") ");
        }
    }
    switch (ev->proto) {
    case WW_PROTO_TCP:
        ww_cur_puts(&c, "PROTO=TCP ");
        kv(&c, "SPT=", ev->sport);
        kv(&c, "DPT=", ev->dport);
        if (sh.logseq) {
            kv(&c, "SEQ=", sh.seq);
            kv(&c, "ACK=", sh.ack);
        }
        kv(&c, "WINDOW=", sh.window);
        ww_cur_puts(&c, "RES=0x");
        puthex_upper(&c, (unsigned)sh.res << 2, 2);
        ww_cur_put(&c, " ", 1);
        for (size_t i = 0; i < sizeof flagwords / sizeof flagwords[0]; i++)
            if (sh.tcpflags & flagwords[i].bit) ww_cur_puts(&c, flagwords[i].word);
        kv(&c, "URGP=", sh.urgp);
        if (sh.logopt && sh.optlen) {
            ww_cur_puts(&c, "OPT (");
            for (unsigned i = 0; i < sh.optlen; i++) puthex_upper(&c, sh.opt[i], 2);
            ww_cur_puts(&c, ") ");
        }
        break;
    case WW_PROTO_UDP:
        ww_cur_puts(&c, "PROTO=UDP ");
        kv(&c, "SPT=", ev->sport);
        kv(&c, "DPT=", ev->dport);
        kv(&c, "LEN=", sh.l4len);
        break;
    case WW_PROTO_ICMP:
    case WW_PROTO_ICMP6:
        ww_cur_puts(&c, ev->proto == WW_PROTO_ICMP ? "PROTO=ICMP " : "PROTO=ICMPv6 ");
        kv(&c, "TYPE=", ev->sport);
        kv(&c, "CODE=", ev->dport);
        if (sh.payload) { /* echo and echo reply */
            kv(&c, "ID=", sh.echo >> 16);
            kv(&c, "SEQ=", sh.echo & 0xffff);
        }
        break;
    default:
        kv(&c, "PROTO=", ev->proto);
        break;
    }
    ww_cur_put(&c, "\n", 1);
    if (c.full || c.p == c.end) return 0; /* overflowed, or no room for a NUL */
    *c.p = 0;
    return (size_t)(c.p - buf);
}
