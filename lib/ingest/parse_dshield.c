/* parse_dshield.c -- DShield TSV lines to events (the writer is
 * out/write_dshield.c).
 *
 * The format psad and fail2ban submit to DShield, one record per line, nine
 * tab-separated fields:
 *
 *   2006-08-01 12:00:07 +02:00 \t userid \t count \t src \t sport \t dst \t
 *   dport \t proto \t flags
 *
 * The zone may be "±HH:MM", "±HHMM" or "Z"; a stamp without one is UTC.
 * proto is a name (tcp, udp, icmp, ...; any case) or a number. flags are
 * either the netfilter flag words joined by commas ("SYN", "FIN,PSH,URG"),
 * as psad and fail2ban write them, or DShield's letters SFAPRU12 in any
 * order ("S", "AS", "FPU"; 1 = CWR, 2 = ECE), as DShield's own clients send
 * them (fwlogparser.py); empty when there are none. The two never clash:
 * every flag word holds a character that is no flag letter. For ICMP the two port fields hold type and code, which is
 * also how struct ww_event keeps them, so they pass through. count says how
 * many identical records the line stands for (1..1,000,000).
 * DShield logs do not say what the firewall did: action and outcome are
 * UNKNOWN.
 *
 * It allocates nothing. */
#include <stdio.h>
#include <string.h>
#include "ingest/parse.h"
#include "core/err.h"
#include "core/num.h"
#include "core/wtime.h"

#define DSHIELD_FIELDS 9
#define DSHIELD_MAXCOUNT 1000000u

struct slice { const char *p; size_t n; };

/* A decimal number 0..max (no sign, at most 7 digits). */
static int number(struct slice s, unsigned max, unsigned *out)
{
    uint64_t v;
    if (s.n > 7 || ww_num_span(s.p, s.n, max, &v)) return -1;
    *out = (unsigned)v;
    return 0;
}

/* "YYYY-MM-DD HH:MM:SS[ ][zone]" -> epoch us; -1 on error. */
static int stamp(struct slice s, int64_t *ts_us)
{
    const char *p = s.p;
    int y, mo, d, h, mi, sec, off = 0;
    if (s.n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T') ||
        p[13] != ':' || p[16] != ':' || (y = ww_digits(p, 4)) < 0 || (mo = ww_digits(p + 5, 2)) < 0 ||
        (d = ww_digits(p + 8, 2)) < 0 || (h = ww_digits(p + 11, 2)) < 0 || (mi = ww_digits(p + 14, 2)) < 0 ||
        (sec = ww_digits(p + 17, 2)) < 0)
        return -1;
    int64_t t = ww_time_from_utc(y, mo, d, h, mi, sec);
    if (t < 0) return -1;
    size_t i = 19;
    if (i < s.n && p[i] == ' ') i++;
    if (i < s.n && ww_parse_tzoffset(p + i, s.n - i, &off) != s.n - i) return -1;
    if (i == s.n && i > 19) return -1; /* trailing space without a zone */
    *ts_us = (t - off) * WW_SEC_US;
    return 0;
}

/* DShield's letters, each at most once, any case; -1 (*out untouched) on
 * anything else. */
static int flagletters(struct slice s, uint8_t *out)
{
    static const char letters[] = "FSRPAU21"; /* bit i is letters[i] (WW_TH_*) */
    unsigned bits = 0;
    for (size_t i = 0; i < s.n; i++) {
        char c = (char)(s.p[i] >= 'a' && s.p[i] <= 'z' ? s.p[i] - 32 : s.p[i]);
        const char *at = c ? strchr(letters, c) : NULL;
        if (!at || (bits & (1u << (at - letters)))) return -1;
        bits |= 1u << (at - letters);
    }
    *out = (uint8_t)bits;
    return 0;
}

/* Comma- (or space-) separated flag words, or DShield's letters;
 * case-insensitive. */
static int flagwords(struct slice s, uint8_t *out);

int ww_dshield_tcpflags(const char *s, size_t len, uint8_t *flags)
{
    return flagwords((struct slice){s, len}, flags) ? WW_ERR_PARSE : WW_OK;
}

static int flagwords(struct slice s, uint8_t *out)
{
    *out = 0;
    if (!flagletters(s, out)) return 0;
    for (size_t i = 0; i < s.n;) {
        size_t j = i;
        while (j < s.n && s.p[j] != ',' && s.p[j] != ' ') j++;
        if (j - i != 3) return -1;
        char w[3];
        for (int k = 0; k < 3; k++)
            w[k] = (char)(s.p[i + k] >= 'a' && s.p[i + k] <= 'z' ? s.p[i + k] - 32 : s.p[i + k]);
        uint8_t bit = ww_tcpflag_from_word(w, 3);
        if (!bit) return -1;
        *out |= bit;
        i = j + 1;
        if (j + 1 == s.n) return -1; /* trailing separator */
    }
    return 0;
}

enum ww_parse_rc ww_parse_dshield(struct ww_parse_ctx *ctx, const char *line,
                                  size_t len, struct ww_event *ev,
                                  const char **why)
{
    struct slice f[DSHIELD_FIELDS];
    unsigned count, sport, dport;
    int nf = 0, proto;
    (void)ctx;

    while (len > 0 && line[len - 1] == '\r') len--;
    size_t lead = 0;
    while (lead < len && (line[lead] == ' ' || line[lead] == '\t')) lead++;
    if (lead == len || line[lead] == '#') return WW_PARSE_SKIP;

    for (size_t i = 0, start = 0; i <= len; i++) {
        if (i < len && line[i] != '\t') continue;
        if (nf == DSHIELD_FIELDS) { *why = "more than 9 tab-separated fields"; return WW_PARSE_BAD; }
        f[nf].p = line + start;
        f[nf++].n = i - start;
        start = i + 1;
    }
    if (nf != DSHIELD_FIELDS) { *why = "fewer than 9 tab-separated fields"; return WW_PARSE_BAD; }

    if (stamp(f[0], &ev->ts_us)) { *why = "bad time stamp"; return WW_PARSE_BAD; }
    if (number(f[2], DSHIELD_MAXCOUNT, &count) || count == 0) {
        *why = "count not in 1..1000000"; return WW_PARSE_BAD;
    }
    if (ww_addr_parse(f[3].p, f[3].n, &ev->src)) { *why = "bad source address"; return WW_PARSE_BAD; }
    if (ww_addr_parse(f[5].p, f[5].n, &ev->dst)) { *why = "bad destination address"; return WW_PARSE_BAD; }
    proto = ww_proto_from_name(f[7].p, f[7].n);
    if (proto < 0) { *why = "unknown protocol"; return WW_PARSE_BAD; }
    int icmp = proto == WW_PROTO_ICMP || proto == WW_PROTO_ICMP6;
    int ported = proto == WW_PROTO_TCP || proto == WW_PROTO_UDP || icmp;
    unsigned max = icmp ? 255 : 65535;
    sport = dport = 0;
    if ((ported || f[4].n) && number(f[4], max, &sport)) {
        *why = icmp ? "bad ICMP type" : "bad source port"; return WW_PARSE_BAD;
    }
    if ((ported || f[6].n) && number(f[6], max, &dport)) {
        *why = icmp ? "bad ICMP code" : "bad destination port"; return WW_PARSE_BAD;
    }
    ev->tcpflags = 0;
    if (proto == WW_PROTO_TCP && flagwords(f[8], &ev->tcpflags)) {
        *why = "bad TCP flags"; return WW_PARSE_BAD;
    }
    ev->sport = (uint16_t)sport;
    ev->dport = (uint16_t)dport;
    ev->proto = (uint8_t)proto;
    ev->count = count;
    ev->action = WW_ACTION_UNKNOWN;
    ev->outcome = WW_OUTCOME_UNKNOWN;
    ev->sensor = 0;
    ev->os = 0, ev->fp = (struct ww_synfp){0}; /* DShield's nine fields carry no fingerprint */
    return WW_PARSE_EVENT;
}
