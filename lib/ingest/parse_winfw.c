/* parse_winfw.c -- Windows Firewall pfirewall.log lines to struct ww_event.
 *
 * The log is W3C extended format: '#' header lines, then one record per line,
 * columns separated by spaces, '-' for an empty column:
 *
 *   #Version: 1.5
 *   #Software: Microsoft Windows Firewall
 *   #Time Format: Local
 *   #Fields: date time action protocol src-ip dst-ip src-port dst-port size
 *            tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path
 *   2021-06-22 12:19:41 DROP UDP 192.168.178.25 224.0.0.251 5353 5353 73 - ...
 *
 * The #Fields: header is the truth about the columns: each name maps to an
 * enum ww_winfw_field in ctx->winfw_fields (unknown names are ignored), and a
 * record must have exactly that many columns. Before any #Fields: header the
 * list above is assumed (Windows always writes it). "#Time Format: UTC" makes
 * the stamps UTC; otherwise they are local time (ctx->tz_offset if the
 * caller fixed one, else the system zone at that moment).
 *
 * Semantics, from Microsoft's description of the log and the corpus:
 *   - ALLOW -> accept/success, DROP -> drop/failure; any other action
 *     (INFO-EVENTS-LOST, whose columns are all '-') is not a packet: SKIP.
 *   - The protocol is a name (TCP, UDP, ICMP, ICMPv6) or a number. Windows
 *     writes "ICMP" for ICMPv6 too; with IPv6 addresses it becomes 58.
 *   - tcpflags is letters (A F P R S U, also E C), one per set flag. Records
 *     written at the connection layer (ALE: every ALLOW TCP record, size 0)
 *     carry '-': they stand for a connection attempt, so a TCP record with
 *     no flag column is taken as a SYN, not as a NULL-scan packet.
 *   - ICMP type and code go to sport and dport, as everywhere in wormwatch.
 *   - Addresses may be in any textual IPv6 form; a "%zone" suffix is dropped.
 * Nothing is allocated; every token is a (pointer, length) slice of the line. */
#include <string.h>
#include <strings.h>
#include "ingest/parse.h"
#include "core/num.h"
#include "core/wtime.h"

struct slice { const char *p; size_t n; };

static const uint8_t default_fields[] = {
    WW_WF_DATE, WW_WF_TIME, WW_WF_ACTION, WW_WF_PROTO, WW_WF_SRC, WW_WF_DST,
    WW_WF_SPORT, WW_WF_DPORT, WW_WF_IGNORE /* size */, WW_WF_TCPFLAGS,
    WW_WF_IGNORE, WW_WF_IGNORE, WW_WF_IGNORE /* tcpsyn tcpack tcpwin */,
    WW_WF_ICMPTYPE, WW_WF_ICMPCODE, WW_WF_IGNORE, WW_WF_IGNORE /* info path */
};

static const struct { const char *name; uint8_t field; } field_names[] = {
    { "date", WW_WF_DATE }, { "time", WW_WF_TIME }, { "action", WW_WF_ACTION },
    { "protocol", WW_WF_PROTO }, { "src-ip", WW_WF_SRC }, { "dst-ip", WW_WF_DST },
    { "src-port", WW_WF_SPORT }, { "dst-port", WW_WF_DPORT },
    { "tcpflags", WW_WF_TCPFLAGS }, { "icmptype", WW_WF_ICMPTYPE },
    { "icmpcode", WW_WF_ICMPCODE },
};

static int is_word(struct slice s, const char *w)
{
    return s.n == strlen(w) && strncasecmp(s.p, w, s.n) == 0;
}

static int starts_with(const char *s, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && strncasecmp(s, prefix, k) == 0;
}

static int is_dash(struct slice s) { return s.n == 0 || (s.n == 1 && s.p[0] == '-'); }

/* A number 0..max ('-' or an absent column = 0). */
static int number(struct slice s, unsigned max, unsigned *out)
{
    uint64_t v = 0;
    if (!is_dash(s) && (s.n > 6 || ww_num_span(s.p, s.n, max, &v))) return -1;
    *out = (unsigned)v;
    return 0;
}

static enum ww_err address(struct slice s, struct ww_addr *a)
{
    const char *pct = memchr(s.p, '%', s.n);
    if (pct && memchr(s.p, ':', s.n)) s.n = (size_t)(pct - s.p); /* fe80::1%12 */
    return is_dash(s) ? WW_ERR_PARSE : ww_addr_parse(s.p, s.n, a);
}

static int tcpflags(struct slice s, uint8_t *out)
{
    static const char letters[] = "FSRPAUEC"; /* bit i = letters[i] */
    *out = 0;
    if (is_dash(s)) { *out = WW_TH_SYN; return 0; } /* connection record */
    for (size_t i = 0; i < s.n; i++) {
        const char *l = memchr(letters, s.p[i], 8);
        if (!l) return -1;
        *out |= (uint8_t)(1u << (l - letters));
    }
    return 0;
}

/* Split at runs of spaces; returns the number of tokens, or max + 1 if more. */
static int split(const char *s, size_t n, struct slice *tok, int max)
{
    int k = 0;
    size_t i = 0;
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
        if (i == n) return k;
        if (k == max) return max + 1;
        tok[k].p = s + i;
        while (i < n && s[i] != ' ' && s[i] != '\t') i++;
        tok[k].n = (size_t)(s + i - tok[k].p);
        k++;
    }
}

static enum ww_parse_rc header(struct ww_parse_ctx *ctx, const char *line,
                               size_t len, const char **why)
{
    struct slice tok[WW_WINFW_MAXFIELDS];
    if (starts_with(line, len, "#Fields:")) {
        int n = split(line + 8, len - 8, tok, WW_WINFW_MAXFIELDS);
        if (n > WW_WINFW_MAXFIELDS) { *why = "#Fields: header has more than 32 columns"; return WW_PARSE_BAD; }
        if (n == 0) { *why = "#Fields: header names no columns"; return WW_PARSE_BAD; }
        for (int i = 0; i < n; i++) {
            ctx->winfw_fields[i] = WW_WF_IGNORE;
            for (size_t j = 0; j < sizeof field_names / sizeof field_names[0]; j++)
                if (is_word(tok[i], field_names[j].name)) ctx->winfw_fields[i] = field_names[j].field;
        }
        ctx->winfw_nfields = n;
    } else if (starts_with(line, len, "#Time Format:")) {
        int n = split(line + 13, len - 13, tok, 1);
        ctx->winfw_utc = n == 1 && is_word(tok[0], "UTC");
    }
    return WW_PARSE_SKIP;
}

enum ww_parse_rc ww_parse_winfw(struct ww_parse_ctx *ctx, const char *line,
                                size_t len, struct ww_event *ev,
                                const char **why)
{
    struct slice tok[WW_WINFW_MAXFIELDS], col[WW_WF_ICMPCODE + 1];
    const uint8_t *fields = ctx->winfw_nfields > 0 ? ctx->winfw_fields : default_fields;
    int nfields = ctx->winfw_nfields > 0 ? ctx->winfw_nfields : (int)sizeof default_fields;
    int y, mo, d, h, mi, s, proto;
    unsigned sport, dport, itype, icode;

    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    if (len > 0 && line[0] == '#') return header(ctx, line, len, why);
    int n = split(line, len, tok, WW_WINFW_MAXFIELDS);
    if (n == 0) return WW_PARSE_SKIP;
    if (n != nfields) { *why = "wrong number of columns for the #Fields: header"; return WW_PARSE_BAD; }

    memset(col, 0, sizeof col);
    for (int i = 0; i < n; i++)
        if (fields[i] != WW_WF_IGNORE && fields[i] <= WW_WF_ICMPCODE) col[fields[i]] = tok[i];
    if (!col[WW_WF_DATE].p || !col[WW_WF_TIME].p || !col[WW_WF_ACTION].p ||
        !col[WW_WF_PROTO].p || !col[WW_WF_SRC].p || !col[WW_WF_DST].p) {
        *why = "#Fields: header lacks date, time, action, protocol, src-ip or dst-ip";
        return WW_PARSE_BAD;
    }

    struct slice dt = col[WW_WF_DATE], tm = col[WW_WF_TIME];
    if (dt.n != 10 || dt.p[4] != '-' || dt.p[7] != '-' || (y = ww_digits(dt.p, 4)) < 0 ||
        (mo = ww_digits(dt.p + 5, 2)) < 0 || (d = ww_digits(dt.p + 8, 2)) < 0) { *why = "bad date"; return WW_PARSE_BAD; }
    if (tm.n != 8 || tm.p[2] != ':' || tm.p[5] != ':' || (h = ww_digits(tm.p, 2)) < 0 ||
        (mi = ww_digits(tm.p + 3, 2)) < 0 || (s = ww_digits(tm.p + 6, 2)) < 0) { *why = "bad time"; return WW_PARSE_BAD; }
    int64_t t = ww_time_from_utc(y, mo, d, h, mi, s);
    if (t < 0) { *why = "date or time out of range"; return WW_PARSE_BAD; }

    if (is_word(col[WW_WF_ACTION], "ALLOW")) {
        ev->action = WW_ACTION_ACCEPT; ev->outcome = WW_OUTCOME_SUCCESS;
    } else if (is_word(col[WW_WF_ACTION], "DROP")) {
        ev->action = WW_ACTION_DROP; ev->outcome = WW_OUTCOME_FAILURE;
    } else {
        return WW_PARSE_SKIP; /* INFO-EVENTS-LOST and other non-packet records */
    }

    if (address(col[WW_WF_SRC], &ev->src)) { *why = "bad source address"; return WW_PARSE_BAD; }
    if (address(col[WW_WF_DST], &ev->dst)) { *why = "bad destination address"; return WW_PARSE_BAD; }

    struct slice p = col[WW_WF_PROTO];
    proto = is_word(p, "ICMPv6") ? WW_PROTO_ICMP6 : ww_proto_from_name(p.p, p.n);
    if (proto < 0) { *why = "unknown protocol"; return WW_PARSE_BAD; }
    if (proto == WW_PROTO_ICMP && ev->src.family == 6) proto = WW_PROTO_ICMP6;

    if (number(col[WW_WF_SPORT], 65535, &sport)) { *why = "bad source port"; return WW_PARSE_BAD; }
    if (number(col[WW_WF_DPORT], 65535, &dport)) { *why = "bad destination port"; return WW_PARSE_BAD; }
    if (number(col[WW_WF_ICMPTYPE], 255, &itype)) { *why = "bad icmptype"; return WW_PARSE_BAD; }
    if (number(col[WW_WF_ICMPCODE], 255, &icode)) { *why = "bad icmpcode"; return WW_PARSE_BAD; }
    ev->tcpflags = 0;
    if (proto == WW_PROTO_TCP && tcpflags(col[WW_WF_TCPFLAGS], &ev->tcpflags)) {
        *why = "bad tcpflags"; return WW_PARSE_BAD;
    }

    int off = ctx->winfw_utc ? 0 : ctx->tz_fixed ? ctx->tz_offset
            : ww_time_local_offset(y, mo, d, h, mi, s);
    ev->ts_us = (t - off) * WW_SEC_US;
    ev->proto = (uint8_t)proto;
    if (proto == WW_PROTO_ICMP || proto == WW_PROTO_ICMP6) {
        ev->sport = (uint16_t)itype; ev->dport = (uint16_t)icode;
    } else {
        ev->sport = (uint16_t)sport; ev->dport = (uint16_t)dport;
    }
    ev->count = 1;
    ev->sensor = 0;
    ev->os = 0, ev->fp = (struct ww_synfp){0}; /* pfirewall.log carries no fingerprint */
    return WW_PARSE_EVENT;
}
