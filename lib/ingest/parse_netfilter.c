/* parse_netfilter.c -- netfilter (iptables / nftables `log`) kernel LOG lines.
 *
 * A line is   STAMP [host [kernel:] [uptime]] [PREFIX] IN=... OUT=... KEY=VALUE ...
 * The kernel's format is nf_log_dump_ipv4_packet()/ipv6 in
 * net/netfilter/nf_log_syslog.c: space-separated KEY=VALUE tokens and bare
 * words (DF, TCP flag words, `OPT (...)`), in a fixed order.
 *
 * One forward pass, nothing allocated, every read bounded by len:
 *  1. The stamp at the start picks the time (first byte dispatches):
 *     '['  dmesg `[ 3320.054983] `: boot_us + uptime;
 *     YYYY- RFC 3339 / journalctl short-iso (ww_parse_rfc3339);
 *     digit Proxmox `VMID LVL CHAIN DD/Mon/YYYY:HH:MM:SS +ZZZZ`, else the
 *           rsyslog epoch `1700000000[.frac] ` (also with a leading '@');
 *     letter BSD syslog `Mon DD HH:MM:SS` (journalctl -k short too): no year,
 *           local time. The year is ctx->year, or inferred per file: the
 *           latest year that does not put the line more than a day after
 *           "now", then +1 whenever the month runs backwards by more than
 *           six (December -> January). Local offsets come from
 *           ww_time_local_offset(), which caches them per hour. A log has
 *           many lines an hour: a stamp whose "Mon DD HH:" is the last
 *           one's, read under the same options and year state, is the last
 *           one's time moved by the minutes and seconds (stamp_bsd).
 *     If none matches, one `name:` (grep's file name) is skipped and the
 *     stamp tried once more. After a syslog stamp the kernel's own
 *     `[uptime]` is just part of the prefix and ignored.
 *  2. The packet part starts at the first `IN=` preceded by ' ', ':' or ']'
 *     (Shorewall: `DROP:IN=`), found by hopping between '=' with memchr.
 *     Without IN= (Proxmox HOST-OUT lines), `OUT=` starts it unless the
 *     token before is itself KEY=value (then the line is a damaged one).
 *     No packet part after a good stamp: a non-netfilter syslog line, SKIP.
 *  3. The text between stamp (and host name) and packet part is the log
 *     prefix; its letter runs are matched against verdict words
 *     (ACCEPT/DROP/REJECT/BLOCK/... case-insensitive); the last one wins.
 *  4. Tokens of the packet part, left to right: the key up to '=', the
 *     value up to the next space (eight bytes at a time), the key told by
 *     its length and its bytes as one word: SRC DST PROTO SPT DPT TYPE CODE
 *     are taken, every other key and word is ignored. The addresses the
 *     kernel prints (dotted quad, IPv6 in full) and the protocol names it
 *     prints (TCP, UDP, ICMP, ICMPv6) are read directly; any other form
 *     goes to ww_addr_parse / ww_proto_from_name, which read those the same.
 *     SPT DPT TYPE CODE of up to 7 digits are read as one word (dec_word),
 *     anything else by ww_num_span, which also words the error.
 *     Bare words after PROTO=TCP are flag words (after RES= in the kernel's
 *     format, after WINDOW= in Proxmox's). A token starting with '[' ends
 *     the packet: it is the quoted packet inside an ICMP error, or
 *     `INCOMPLETE [n bytes]`, whose fields must not overwrite ours.
 *  5. A TCP SYN without ACK carries its fingerprint (core/synfp.h): while
 *     the tokens go by, only where the header fields' values start is noted
 *     (TTL/HOPLIMIT, WINDOW, ID, LEN, TOS/TC, FLOWLBL, URGP, RES, SEQ/ACK
 *     of --log-tcp-sequence, the bare words DF and CE (the reserved bit,
 *     p0f's 0+), and the `(HEX)` of `OPT (HEX)`: IP options before PROTO=,
 *     TCP options after it, as iptables --log-ip-options/--log-tcp-options
 *     and nftables `log flags ip options/tcp options` print them); they are
 *     read into ev->fp after the loop, for SYNs only. The TCP options are
 *     ww_synfp_options' input; the payload is LEN less the headers; a line
 *     without TCP options whose LEN leaves exactly 20 bytes of TCP header
 *     had none (hping3's SYN), otherwise mss, scale, layout and payload are
 *     unknown (WW_FP_OPTS unset). The IPv4 TOS the kernel prints is masked
 *     to 0x1E (no ECN bits); IPv6's TC is whole.
 * Invariants: values longer than VAL_MAX bytes (MAC_MAX for MAC=, which
 * holds the whole link header in hex) are rejected; SRC, DST, PROTO must
 * exist, once each, with matching families. When PROTO is a name (the
 * kernel decoded that header) TCP and UDP need SPT and DPT (a fragment has
 * none) and ICMP and ICMPv6 need TYPE and CODE. A number (PROTO=58 over IPv4) or another
 * protocol may come without ports: nmap's protocol scan sends bare headers,
 * and those lines read `PROTO=UDPLITE INCOMPLETE [0 bytes]`. */
#include "ingest/parse.h"

#include <string.h>
#include <time.h>

#include "core/err.h"
#include "core/num.h"
#include "core/synfp.h"
#include "core/wtime.h"

#define VAL_MAX 64
#define MAC_MAX 128

/* Word-at-a-time search (little-endian machines): a byte of w equal to c
 * is a zero byte of w ^ c*0x0101..01, and zero_bytes() flags the lowest
 * zero byte exactly (a false flag can only stand above a true one), so
 * its count of trailing zero bits / 8 is the first match's offset. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define WORDWISE 1
#define ONES 0x0101010101010101ULL
static uint64_t zero_bytes(uint64_t w) { return (w - ONES) & ~w & (ONES << 7); }
static unsigned first_of(uint64_t w, char c)
{
    uint64_t z = zero_bytes(w ^ (ONES * (unsigned char)c));
    return z ? (unsigned)__builtin_ctzll(z) >> 3 : 8;
}
#else
#define WORDWISE 0
#endif

void ww_parse_ctx_init(struct ww_parse_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
}

void ww_parse_ctx_newfile(struct ww_parse_ctx *ctx)
{
    ctx->winfw_nfields = 0;
    memset(ctx->winfw_fields, 0, sizeof ctx->winfw_fields);
    ctx->winfw_utc = 0;
    ctx->last_month = 0;
    ctx->cur_year = 0;
    ctx->bsd_last.len = 0;
}

static int isdig(char c) { return (unsigned char)(c - '0') < 10; }
static int isalpha_(char c) { return (unsigned char)((c | 0x20) - 'a') < 26; }

/* "HH:MM:SS" at s; 8 on success, 0 otherwise. */
static size_t hms(const char *s, size_t len, int *h, int *mi, int *sec)
{
    if (len < 8 || s[2] != ':' || s[5] != ':') return 0;
    *h = ww_digits(s, 2); *mi = ww_digits(s + 3, 2); *sec = ww_digits(s + 6, 2);
    return *h >= 0 && *mi >= 0 && *sec >= 0 ? 8 : 0;
}

/* Three letters naming a month, 1..12, else 0. */
static int month3(const char *s, size_t len)
{
    if (len < 3 || !isalpha_(s[0]) || !isalpha_(s[1]) || !isalpha_(s[2])) return 0;
    char b[4] = {s[0], s[1], s[2], 0};
    return ww_month_from_abbr(b);
}

/* Optional ".digits" (at most 9) at s: microseconds into *us, bytes used. */
static size_t frac(const char *s, size_t len, int64_t *us)
{
    size_t i = 1;
    int64_t v = 0, scale = 100000;
    *us = 0;
    if (len < 2 || s[0] != '.' || !isdig(s[1])) return 0;
    for (; i < len && i <= 9 && isdig(s[i]); i++, scale /= 10)
        v += (s[i] - '0') * scale;
    *us = v;
    return i;
}

/* Seconds east of UTC for local time (ww_time_local_offset caches per hour). */
static int local_offset(const struct ww_parse_ctx *ctx, int y, int mon, int d, int h,
                        int mi, int s)
{
    return ctx->tz_fixed ? ctx->tz_offset : ww_time_local_offset(y, mon, d, h, mi, s);
}

static int64_t local_to_utc(const struct ww_parse_ctx *ctx, int y, int mon, int d,
                            int h, int mi, int s)
{
    int64_t t = ww_time_from_utc(y, mon, d, h, mi, s);
    return t < 0 ? -1 : t - local_offset(ctx, y, mon, d, h, mi, s);
}

/* n bytes (8..16) at a and b are the same: two overlapping word loads. */
static int same_8to16(const char *a, const char *b, size_t n)
{
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8), memcpy(&b0, b, 8);
    memcpy(&a1, a + n - 8, 8), memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* "MM:SS" at s (5 bytes there) as seconds into the hour; -1 unless a valid
 * minute and second (00..59). */
static int mmss(const char *s)
{
    int mi = ww_digits(s, 2), sec = ww_digits(s + 3, 2);
    return s[2] == ':' && mi >= 0 && mi < 60 && sec >= 0 && sec < 60 ? mi * 60 + sec : -1;
}

/* BSD syslog "Mon DD HH:MM:SS" (DD may be " 8" or "8"). Returns bytes used,
 * 0 if not this form; *ts = -1 if the form matched but the date is invalid.
 * The hour is remembered (ctx->bsd_last): its text "Mon DD HH:", the UTC
 * time of the last stamp in it, and the fields that answer depended on (the
 * year, the zone, the year inference's state as that call left it). The
 * same hour's text under the same fields is a stamp of the same hour, the
 * same offset (local offsets change on the hour: ww_time_local_offset
 * caches them per hour too) and the same year, and calling again would
 * change none of those fields: only the minutes and seconds differ. */
static size_t stamp_bsd(struct ww_parse_ctx *ctx, const char *s, size_t len, int64_t *ts)
{
    size_t i;
    int64_t t, us;
    int ms;
    if (ctx->bsd_last.len && len >= ctx->bsd_last.len + 5u &&
        same_8to16(s, ctx->bsd_last.text, ctx->bsd_last.len) && ctx->bsd_last.year == ctx->year &&
        ctx->bsd_last.cur_year == ctx->cur_year && ctx->bsd_last.last_month == ctx->last_month &&
        ctx->bsd_last.tz_fixed == ctx->tz_fixed && ctx->bsd_last.tz_offset == ctx->tz_offset &&
        (ms = mmss(s + ctx->bsd_last.len)) >= 0) {
        i = ctx->bsd_last.len + 5u;
        t = ctx->bsd_last.t + (ms - ctx->bsd_last.mmss);
    } else {
        int mon = month3(s, len), d, h, mi, sec;
        i = 3;
        if (!mon || len < 4 || s[3] != ' ') return 0;
        while (i < len && s[i] == ' ' && i < 5) i++;
        if (i + 1 < len && isdig(s[i]) && isdig(s[i + 1])) { d = ww_digits(s + i, 2); i += 2; }
        else if (i < len && isdig(s[i])) d = s[i++] - '0';
        else return 0;
        if (i >= len || s[i] != ' ') return 0;
        i++;
        size_t n = hms(s + i, len - i, &h, &mi, &sec);
        if (!n) return 0;
        i += n;
        t = -1;
        if (ww_time_from_utc(2000, mon, d, h, mi, sec) >= 0) { /* a day of some year */
            int y = ctx->year;
            if (!y) {
                if (!ctx->cur_year || mon + 6 < ctx->last_month) {
                    if (ctx->cur_year) {
                        ctx->cur_year++;
                    } else {
                        time_t now = ctx->now_us ? (time_t)(ctx->now_us / WW_SEC_US) : time(NULL);
                        struct tm tm;
                        if (!gmtime_r(&now, &tm)) tm.tm_year = 70;
                        /* The latest year that is not more than a day ahead of now. */
                        ctx->cur_year = tm.tm_year + 1900 + 1;
                        for (int k = 0; k < 2; k++) {
                            int64_t u = local_to_utc(ctx, ctx->cur_year, mon, d, h, mi, sec);
                            if (u >= 0 && u <= (int64_t)now + WW_DAY_S) break;
                            ctx->cur_year--;
                        }
                    }
                }
                ctx->last_month = mon;
                y = ctx->cur_year;
            }
            t = local_to_utc(ctx, y, mon, d, h, mi, sec);
        }
        ms = mmss(s + i - 5);
        ctx->bsd_last.len = 0;
        if (t >= 0 && ms >= 0) { /* a valid time: its hour is remembered */
            memcpy(ctx->bsd_last.text, s, i - 5); /* 9..11 bytes */
            ctx->bsd_last.len = (uint8_t)(i - 5);
            ctx->bsd_last.mmss = ms;
            ctx->bsd_last.year = ctx->year;
            ctx->bsd_last.cur_year = ctx->cur_year;
            ctx->bsd_last.last_month = ctx->last_month;
            ctx->bsd_last.tz_fixed = ctx->tz_fixed;
            ctx->bsd_last.tz_offset = ctx->tz_offset;
            ctx->bsd_last.t = t;
        }
    }
    i += frac(s + i, len - i, &us);
    *ts = t < 0 ? -1 : t * WW_SEC_US + us;
    return i;
}

/* Proxmox pvefw-logger: "VMID LVL CHAIN DD/Mon/YYYY:HH:MM:SS +ZZZZ ". */
static size_t stamp_proxmox(const char *s, size_t len, int64_t *ts)
{
    size_t i = 0;
    for (int f = 0; f < 3; f++) { /* two numbers and the chain name */
        size_t st = i;
        while (i < len && s[i] != ' ' && (f == 2 || isdig(s[i]))) i++;
        if (i == st || i >= len || s[i] != ' ') return 0;
        i++;
    }
    const char *p = s + i;
    size_t n = len - i;
    int h, mi, sec, off, mon;
    if (n < 21 || p[2] != '/' || p[6] != '/' || p[11] != ':' ||
        !(mon = month3(p + 3, 3)) || !hms(p + 12, n - 12, &h, &mi, &sec) || p[20] != ' ')
        return 0;
    size_t z = ww_parse_tzoffset(p + 21, n - 21, &off);
    if (!z) return 0;
    int d = ww_digits(p, 2), y = ww_digits(p + 7, 4);
    int64_t t = d < 0 || y < 0 ? -1 : ww_time_from_utc(y, mon, d, h, mi, sec);
    *ts = t < 0 ? -1 : (t - off) * WW_SEC_US;
    return i + 21 + z;
}

/* rsyslog "[@]SECONDS[.frac]" followed by a space; without the '@' at
 * least 9 digits (1973 on), so a stray leading number is not a time; at
 * most WW_TIME_MAX_S (the year 9999), which every writer can stamp. */
static size_t stamp_epoch(const char *s, size_t len, int64_t *ts)
{
    size_t i = s[0] == '@';
    int64_t us;
    uint64_t sec;
    const char *p = s + i;
    if (ww_num(&p, s + (len - i < 12 ? len : i + 12), WW_TIME_MAX_S, &sec)) return 0;
    size_t st = i;
    i = (size_t)(p - s);
    if (!st && i < 9) return 0;
    i += frac(s + i, len - i, &us);
    if (i >= len || s[i] != ' ') return 0;
    *ts = (int64_t)sec * WW_SEC_US + us;
    return i;
}

/* dmesg "[ SECONDS.frac]". */
static size_t stamp_dmesg(const struct ww_parse_ctx *ctx, const char *s, size_t len,
                          int64_t *ts)
{
    size_t i = 1;
    int64_t us;
    uint64_t sec;
    while (i < len && s[i] == ' ' && i < 16) i++;
    const char *p = s + i;
    if (ww_num(&p, s + (len - i < 12 ? len : i + 12), WW_TIME_MAX_S, &sec)) return 0;
    i = (size_t)(p - s);
    size_t n = frac(s + i, len - i, &us);
    if (!n) return 0;
    i += n;
    if (i >= len || s[i] != ']') return 0;
    *ts = ctx->boot_us + (int64_t)sec * WW_SEC_US + us;
    if (*ts > WW_TIME_MAX_S * WW_SEC_US + (WW_SEC_US - 1)) return 0; /* past the year 9999 */
    return i + 1;
}

/* Any stamp at s. Returns bytes used (0: none); *syslog says a host name
 * follows. *ts = -1 for a stamp of the right shape with an invalid date. */
static size_t stamp(struct ww_parse_ctx *ctx, const char *s, size_t len, int64_t *ts,
                    int *syslog)
{
    size_t n;
    *syslog = 0;
    if (len == 0) return 0;
    if (s[0] == '[') return stamp_dmesg(ctx, s, len, ts);
    if (isdig(s[0])) {
        if (len > 4 && s[4] == '-' && (n = ww_parse_rfc3339(s, len, ts))) {
            *syslog = 1;
            return n;
        }
        if ((n = stamp_proxmox(s, len, ts))) return n;
        return stamp_epoch(s, len, ts);
    }
    if (s[0] == '@') return stamp_epoch(s, len, ts);
    *syslog = 1;
    return stamp_bsd(ctx, s, len, ts);
}

/* The verdict named by the last verdict word in s[0..len), found by
 * reading the letter runs backwards from the end (the word is most often
 * the last one before the packet part). A run of 4 to 8 letters that
 * starts as a verdict word can (A B D P R) is upper-cased into 8
 * zero-padded bytes and compared as one 64-bit word with each. */
static uint8_t prefix_action(const char *s, size_t len, size_t avail)
{
    static const struct { char w[8]; uint8_t a; } words[] = {
        {"ACCEPT", WW_ACTION_ACCEPT}, {"ACCEPTED", WW_ACTION_ACCEPT},
        {"ALLOW", WW_ACTION_ACCEPT}, {"ALLOWED", WW_ACTION_ACCEPT},
        {"PASS", WW_ACTION_ACCEPT}, {"DROP", WW_ACTION_DROP},
        {"DROPPED", WW_ACTION_DROP}, {"REJECT", WW_ACTION_DROP},
        {"REJECTED", WW_ACTION_DROP}, {"BLOCK", WW_ACTION_DROP},
        {"BLOCKED", WW_ACTION_DROP}, {"DENY", WW_ACTION_DROP},
        {"DENIED", WW_ACTION_DROP},
    };
    enum { VERDICT_FIRST = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 15 | 1u << 17 };
    size_t i = len;
    while (i > 0) {
        if (!isalpha_(s[i - 1])) { i--; continue; }
        size_t e = i;
        while (i > 0 && isalpha_(s[i - 1])) i--;
        size_t wl = e - i;
        unsigned first = (unsigned)((s[i] & ~0x20) - 'A');
        if (wl < 4 || wl > 8 || !(VERDICT_FIRST >> first & 1)) continue;
        uint64_t key, w;
        if (WORDWISE && avail - i >= 8) { /* one load, masked to the word, upper-cased */
            memcpy(&key, s + i, 8);
            key &= (wl == 8 ? ~0ULL : (1ULL << 8 * wl) - 1) & 0xdfdfdfdfdfdfdfdfULL;
        } else {
            char up[8] = {0};
            for (size_t k = 0; k < wl; k++) up[k] = (char)(s[i + k] & ~0x20);
            memcpy(&key, up, 8);
        }
        for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
            if (memcpy(&w, words[k].w, 8), w == key) return words[k].a;
    }
    return WW_ACTION_UNKNOWN;
}

/* Where the value starting at p ends: the next ' ', or end. Inline: it
 * runs for every token longer than a word, and the call had cost 7% of
 * reading a log (bench_parse). */
static inline __attribute__((always_inline)) const char *to_space(const char *p, const char *end)
{
#if WORDWISE
    for (uint64_t w; end - p >= 8; p += 8) {
        unsigned n = (memcpy(&w, p, 8), first_of(w, ' '));
        if (n < 8) return p + n;
    }
#endif
    while (p < end && *p != ' ') p++;
    return p;
}

/* The token at p (not a space): returns its end (the next ' ', or end) and
 * sets *eq to its first '=', NULL for a bare word. Most tokens fit in one
 * word: then both are found in it without a loop. */
static const char *token(const char *p, const char *end, const char **eq)
{
#if WORDWISE
    if (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        unsigned sp = first_of(w, ' '), e = first_of(w, '=');
        if (e < sp) {
            *eq = p + e;
            return sp < 8 ? p + sp : to_space(p + 8, end);
        }
        if (sp < 8) {
            *eq = NULL;
            return p + sp;
        }
        p += 8; /* neither in the first eight bytes */
    }
#endif
    while (p < end && *p != ' ' && *p != '=') p++;
    if (p == end || *p == ' ') {
        *eq = NULL;
        return p;
    }
    *eq = p;
    return to_space(p + 1, end);
}

/* Three bytes as one integer, to compare a key or word with a switch. */
#define K3(a, b, c) ((uint32_t)(a) << 16 | (uint32_t)(b) << 8 | (uint32_t)(c))
static uint32_t key3(const char *s)
{
    return K3((unsigned char)s[0], (unsigned char)s[1], (unsigned char)s[2]);
}

/* The address the kernel prints, s[0..n) exactly: a dotted quad (4), or
 * IPv6 in full (2001:0db8:0000:...:000b, %pI6: 6), *a set. Anything else 0,
 * and ww_addr_parse decides (it reads these forms the same way). */
static int addr_fast(const char *s, size_t n, struct ww_addr *a)
{
    uint8_t b[16];
    if (n == 39) {
        for (int g = 0; g < 8; g++) {
            const char *q = s + 5 * g;
            int h0 = ww_hexval(q[0]), h1 = ww_hexval(q[1]), h2 = ww_hexval(q[2]), h3 = ww_hexval(q[3]);
            if ((h0 | h1 | h2 | h3) < 0 || (g < 7 && q[4] != ':')) return 0;
            b[2 * g] = (uint8_t)(h0 << 4 | h1);
            b[2 * g + 1] = (uint8_t)(h2 << 4 | h3);
        }
        ww_addr_from_v6(a, b);
        return 6;
    }
    const char *p = s, *end = s + n;
    uint64_t q = 0; /* the four bytes, in a register (little-endian order) */
    for (int k = 0; k < 4; k++) { /* 1 to 3 digits, no leading zero, <= 255 */
        if (k && (p >= end || *p++ != '.')) return 0;
        if (p >= end || !isdig(*p)) return 0;
        unsigned v = (unsigned)(*p++ - '0');
        if (p < end && isdig(*p)) {
            if (!v) return 0;
            v = v * 10 + (unsigned)(*p++ - '0');
            if (p < end && isdig(*p)) v = v * 10 + (unsigned)(*p++ - '0');
        }
        if (v > 255) return 0;
        q |= (uint64_t)v << (8 * k);
    }
    if (p != end) return 0;
    /* ww_addr_from_v4 as two word stores from registers: ::ffff:a.b.c.d (bytes
     * built on the stack and then loaded as 16 would stall the load) */
    uint64_t lo = 0, hi;
    if (WORDWISE) {
        hi = 0xffff0000ULL | q << 32;
    } else {
        const uint8_t m[8] = {0, 0, 0xff, 0xff, (uint8_t)q, (uint8_t)(q >> 8), (uint8_t)(q >> 16),
                              (uint8_t)(q >> 24)};
        memcpy(&hi, m, 8);
    }
    memcpy(a->b, &lo, 8);
    memcpy(a->b + 8, &hi, 8);
    a->family = 4;
    return 4;
}

/* Messages for the keys we take, in F_* bit order. */
static const char *const msg_dup[7] = {
    "repeated SRC", "repeated DST", "repeated PROTO", "repeated SPT", "repeated DPT",
    "repeated TYPE", "repeated CODE"};
static const char *const msg_nan[7] = {
    NULL, NULL, NULL, "SPT is not a number", "DPT is not a number",
    "TYPE is not a number", "CODE is not a number"};
static const char *const msg_range[7] = {
    NULL, NULL, NULL, "SPT out of range", "DPT out of range", "TYPE out of range",
    "CODE out of range"};

static int isbound(char c) { return c == ' ' || c == ':' || c == ']'; }

/* Where a SYN's fingerprint fields start in the line (NULL: not there),
 * noted while the tokens go by and read only for a SYN (step 5). */
struct fpvals {
    const char *ttl, *win, *id, *len, *tos, *flow, *urgp, *res, *seq, *ack;
    const char *ipopt, *tcpopt;   /* the hex inside `OPT (...)` */
    size_t ipopt_n, tcpopt_n;     /* its length in hex digits */
    uint8_t df, ce, v6;           /* DF, CE; HOPLIMIT= seen */
};

#if WORDWISE
/* The decimal digits leading the 8 bytes at v: *n of them (0..8, the first
 * non-digit found by a borrow test per byte: borrows only run past a
 * non-digit) and, when 1..7, their value: the digits shifted to the word's
 * top and combined in three multiplications (pairs, then fours, then eight;
 * Lemire, "Faster integer parsing", 2018). No loop over the digits: a loop
 * mispredicts its exit whenever the length changes from line to line (a
 * port of 2 to 5 digits, TTL 2 or 3, ID 1 to 5). */
static inline long dec_word(const char *v, unsigned *n)
{
    uint64_t w, y;
    memcpy(&w, v, 8);
    y = w - ONES * '0';
    uint64_t nd = (y | (y + ONES * (0x80 - 10))) & (ONES << 7); /* bytes not 0..9 */
    *n = nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
    if (*n - 1 >= 7) return 0;
    y <<= (8 - *n) * 8; /* leading zeros in the low bytes */
    y = (y * (10 * 256 + 1)) >> 8 & 0x00ff00ff00ff00ffULL;
    y = (y * (100 * 65536 + 1)) >> 16 & 0x0000ffff0000ffffULL;
    return (long)((y * (10000 * 4294967296ULL + 1)) >> 32);
}
#endif

/* The value at v (up to the next space) as a number <= max, "0x" hex when
 * hex; -1 if it is not one. These are read for every SYN: a decimal of at
 * most 7 digits with 8 bytes readable is one word (dec_word); other forms
 * take a plain loop. */
static inline __attribute__((always_inline)) long fpnum(const char *v, const char *end, long max,
                                                        int hex)
{
    const char *q = v;
    long x = 0;
    int d;
    if (end - v >= 5 && v[hex ? 4 : 1] == ' ' && (hex ? !memcmp(v, "0x00", 4) : v[0] == '0'))
        return 0; /* the common value, in one look */
#if WORDWISE
    if (!hex && end - v >= 8) {
        unsigned n;
        x = dec_word(v, &n);
        if (n && n < 8) return v[n] != ' ' || x > max ? -1 : x;
        x = 0;
    }
#endif
    if (hex) {
        if (end - q < 3 || q[0] != '0' || (q[1] | 0x20) != 'x') return -1;
        v = q += 2;
        while (q < end && q - v < 10 && (d = ww_hexval(*q)) >= 0) x = x * 16 + d, q++;
    } else {
        while (q < end && q - v < 10 && (unsigned char)(*q - '0') < 10) x = x * 10 + (*q++ - '0');
    }
    return q == v || (q < end && *q != ' ') || x > max ? -1 : x;
}

/* ev->fp of a TCP SYN from the values noted (ev->tcpflags are read); a
 * reason if one of them is malformed, else NULL. Runs for SYNs only, and
 * inline (2-4% of bench_parse on a log of SYNs, against out of line: the
 * call and the noted values passed through memory). IPv4 and IPv6 part
 * once (logs mix them: one branch to mispredict, not one per field). */
static inline __attribute__((always_inline)) const char *syn_fp(struct ww_event *ev,
                                                               const struct fpvals *fv,
                                                               const char *end)
{
    struct ww_synfp *fp = &ev->fp;
    long ttl = fpnum(fv->ttl, end, 255, 0), win = fpnum(fv->win, end, 65535, 0), v;
    long len = fv->len ? fpnum(fv->len, end, 65535, 0) : 0, hdr;
    uint32_t q = 0;
    uint8_t fl = ev->tcpflags;
    if ((ttl | win | len) < 0)
        return ttl < 0 ? (fv->v6 ? "HOPLIMIT is not a number up to 255" : "TTL is not a number up to 255")
             : win < 0 ? "WINDOW is not a number up to 65535" : "LEN is not a number up to 65535";
    if (!fv->len) len = -1;
    fp->ttl = (uint8_t)ttl;
    fp->win = (uint16_t)win;
    if (fv->v6) {
        fp->flags = WW_FP_SET | WW_FP_V6;
        if (fv->tos) {
            if ((v = fpnum(fv->tos, end, 255, 0)) < 0) return "TC is not a number up to 255";
            if (v & 3) q |= WW_FPQ_ECN;
        }
        if (fv->flow) {
            if ((v = fpnum(fv->flow, end, 0xfffff, 0)) < 0) return "FLOWLBL is not a number up to 1048575";
            if (v) q |= WW_FPQ_FLOW;
        }
        hdr = 40 + 20;
    } else {
        fp->flags = WW_FP_SET;
        if (fv->df) q |= WW_FPQ_DF;
        if (fv->ce) q |= WW_FPQ_ZERO_PLUS;
        if (fv->id) {
            if ((v = fpnum(fv->id, end, 65535, 0)) < 0) return "ID is not a number up to 65535";
            q |= fv->df ? (v ? WW_FPQ_ID_PLUS : 0) : (v ? 0 : WW_FPQ_ID_MINUS);
        }
        if (fv->tos) { /* the kernel masks it to 0x1E: no ECN bits, but another logger may not */
            if ((v = fpnum(fv->tos, end, 255, 1)) < 0) return "TOS is not 0x and hex up to 0xFF";
            if (v & 3) q |= WW_FPQ_ECN;
        }
        if (fv->ipopt) {
            if (fv->ipopt_n & 1 || fv->ipopt_n > 80) return "IP OPT (...) is not whole bytes of hex, at most 40";
            fp->olen = (uint8_t)(fv->ipopt_n / 2);
        }
        hdr = 20 + fp->olen + 20;
    }
    if (fv->res) { /* the reserved bits and NS, as p0f counts them */
        if ((v = fpnum(fv->res, end, 255, 1)) < 0) return "RES is not 0x and hex up to 0xFF";
        if (v) q |= WW_FPQ_ECN;
    }
    if (fl & (WW_TH_ECE | WW_TH_CWR)) q |= WW_FPQ_ECN;
    if (fl & WW_TH_URG) q |= WW_FPQ_URGF_PLUS;
    else if (fv->urgp) {
        if ((v = fpnum(fv->urgp, end, 65535, 0)) < 0) return "URGP is not a number up to 65535";
        if (v) q |= WW_FPQ_UPTR_PLUS;
    }
    if (fl & WW_TH_PSH) q |= WW_FPQ_PUSHF_PLUS;
    if (fv->seq && fv->ack) {
        long sq = fpnum(fv->seq, end, UINT32_MAX, 0), ak = fpnum(fv->ack, end, UINT32_MAX, 0);
        if (sq < 0 || ak < 0) return sq < 0 ? "SEQ is not a number up to 4294967295"
                                            : "ACK is not a number up to 4294967295";
        fp->flags |= WW_FP_SEQ;
        if (!sq) q |= WW_FPQ_SEQ_MINUS;
        if (ak) q |= WW_FPQ_ACK_PLUS;  /* a SYN without the ACK flag */
    }
    fp->quirks = q;
    if (fv->tcpopt) {
        uint8_t b[40];
        size_t n = fv->tcpopt_n / 2;
        if (fv->tcpopt_n & 1 || n > sizeof b) return "TCP OPT (...) is not whole bytes of hex, at most 40";
        for (size_t i = 0; i < n; i++) {
            int hi = ww_hexval(fv->tcpopt[2 * i]), lo = ww_hexval(fv->tcpopt[2 * i + 1]);
            if ((hi | lo) < 0) return "TCP OPT (...) is not hexadecimal";
            b[i] = (uint8_t)(hi << 4 | lo);
        }
        ww_synfp_options(fp, b, n);
        if (len > hdr + (long)n) fp->flags |= WW_FP_PAYLOAD;
    } else if (len == hdr) { /* no room for options: there were none */
        ww_synfp_options(fp, NULL, 0);
    }
    return NULL;
}

enum ww_parse_rc ww_parse_netfilter(struct ww_parse_ctx *ctx, const char *line,
                                    size_t len, struct ww_event *ev,
                                    const char **why)
{
    const char *end;
    int64_t ts = 0;
    int syslog;

    if (len && line[len - 1] == '\r') len--;
    end = line + len;

    size_t n = stamp(ctx, line, len, &ts, &syslog);
    if (!n) { /* grep's "file:" in front of the stamp? */
        const char *c = memchr(line, ':', len < 256 ? len : 256);
        if (c && !memchr(line, ' ', (size_t)(c - line)) && c + 1 < end) {
            size_t off = (size_t)(c + 1 - line);
            n = stamp(ctx, c + 1, len - off, &ts, &syslog);
            if (n) n += off;
        }
    }
    if (!n) {
        size_t i = 0;
        while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
        if (i == len || (len >= 2 && line[0] == '-' && line[1] == '-'))
            return WW_PARSE_SKIP; /* blank, or journalctl's "-- Boot ... --" */
        *why = "line has no timestamp";
        return WW_PARSE_BAD;
    }
    const char *s = line + n;
    while (s < end && *s == ' ') s++;
    const char *pfx = s; /* where the log prefix may start */
    if (syslog) {
        while (pfx < end && *pfx != ' ') pfx++;
        while (pfx < end && *pfx == ' ') pfx++;
    }

    /* Find the packet part. */
    const char *pkt = NULL, *out = NULL, *q = s, *e;
    while (q < end && (e = memchr(q, '=', (size_t)(end - q)))) {
        if (e - s >= 2 && e[-2] == 'I' && e[-1] == 'N' && (e - 2 == s || isbound(e[-3]))) {
            pkt = e - 2;
            break;
        }
        if (!out && e - s >= 3 && e[-3] == 'O' && e[-2] == 'U' && e[-1] == 'T' &&
            (e - 3 == s || isbound(e[-4])))
            out = e - 3;
        q = e + 1;
    }
    if (!pkt) {
        if (!out) return WW_PARSE_SKIP;
        const char *t = out;
        while (t > s && t[-1] == ' ') t--;
        while (t > s && t[-1] != ' ') {
            if (t[-1] == '=') {
                *why = "packet part does not start with IN= or OUT=";
                return WW_PARSE_BAD;
            }
            t--;
        }
        pkt = out;
    }
    if (ts < 0) {
        *why = "timestamp out of range";
        return WW_PARSE_BAD;
    }

    memset(ev, 0, sizeof *ev);
    ev->ts_us = ts;
    ev->count = 1;
    ev->action = pfx < pkt ? prefix_action(pfx, (size_t)(pkt - pfx), (size_t)(end - pfx)) : WW_ACTION_UNKNOWN;
    ev->outcome = ev->action == WW_ACTION_ACCEPT ? WW_OUTCOME_SUCCESS
                : ev->action == WW_ACTION_DROP ? WW_OUTCOME_FAILURE : WW_OUTCOME_UNKNOWN;

    enum { F_SRC = 1, F_DST = 2, F_PROTO = 4, F_SPT = 8, F_DPT = 16, F_TYPE = 32, F_CODE = 64 };
    unsigned have = 0, v6text = 0, spt = 0, dpt = 0, type = 0, code = 0;
    uint64_t v;
    int named = 0; /* PROTO was a name: the kernel decoded that header */
    const char *p = pkt;
    struct fpvals fv = {0};
    int opt = 0; /* the last token was a bare OPT */
    for (;;) {
        while (p < end && *p == ' ') p++;
        if (p >= end || *p == '[') break;
        const char *tok = p, *eq;
        p = token(p, end, &eq);
        int after_opt = opt;
        opt = 0;
        if (!eq) { /* a bare word */
            size_t wl = (size_t)(p - tok);
            if (*tok == '(' && wl >= 2 && p[-1] == ')') { /* OPT (HEX): the first of each, not empty */
                if (!after_opt || wl == 2) continue;
                if (!(have & F_PROTO)) {
                    if (!fv.ipopt) fv.ipopt = tok + 1, fv.ipopt_n = wl - 2;
                } else if (!fv.tcpopt) {
                    fv.tcpopt = tok + 1, fv.tcpopt_n = wl - 2;
                }
            } else if (wl == 3 && !memcmp(tok, "OPT", 3)) {
                opt = 1;
            } else if (have & F_PROTO) {
                if (ev->proto == WW_PROTO_TCP) ev->tcpflags |= ww_tcpflag_from_word(tok, wl);
            } else if (wl == 2) {
                if (tok[0] == 'D' && tok[1] == 'F') fv.df = 1;
                else if (tok[0] == 'C' && tok[1] == 'E') fv.ce = 1;
            }
            continue;
        }
        const char *val = eq + 1;
        size_t kl = (size_t)(eq - tok), vl = (size_t)(p - val);
        if (vl > VAL_MAX && !(kl == 3 && key3(tok) == K3('M', 'A', 'C') && vl <= MAC_MAX)) {
            *why = "value longer than 64 bytes";
            return WW_PARSE_BAD;
        }
        int k = -1; /* which F_* bit, by key; the fingerprint's fields noted */
        int ip = !(have & F_PROTO); /* still in the IP header's fields */
        if (kl == 3) {
            switch (key3(tok)) {
            case K3('S', 'R', 'C'): k = 0; break;
            case K3('D', 'S', 'T'): k = 1; break;
            case K3('S', 'P', 'T'): k = 3; break;
            case K3('D', 'P', 'T'): k = 4; break;
            case K3('T', 'T', 'L'): fv.ttl = val; break;
            case K3('L', 'E', 'N'): if (ip) fv.len = val; break;
            case K3('T', 'O', 'S'): fv.tos = val; break;
            case K3('R', 'E', 'S'): fv.res = val; break;
            case K3('S', 'E', 'Q'): if (!ip) fv.seq = val; break;
            case K3('A', 'C', 'K'): if (!ip) fv.ack = val; break;
            }
        } else if (kl == 2) {
            if (tok[0] == 'I' && tok[1] == 'D') { if (ip) fv.id = val; }
            else if (tok[0] == 'T' && tok[1] == 'C') fv.tos = val;
        } else if (kl == 4) {
            k = !memcmp(tok, "TYPE", 4) ? 5 : !memcmp(tok, "CODE", 4) ? 6 : -1;
            if (k < 0 && !memcmp(tok, "URGP", 4)) fv.urgp = val;
        } else if (kl == 5) {
            if (!memcmp(tok, "PROTO", 5)) k = 2;
        } else if (kl == 6) {
            if (!memcmp(tok, "WINDOW", 6)) fv.win = val;
        } else if (kl == 7) {
            if (!memcmp(tok, "FLOWLBL", 7)) fv.flow = val;
        } else if (kl == 8) {
            if (!memcmp(tok, "HOPLIMIT", 8)) fv.ttl = val, fv.v6 = 1;
        }
        if (k < 0) continue;
        if (have & (1u << k)) { *why = msg_dup[k]; return WW_PARSE_BAD; }
        have |= 1u << k;
        if (k <= 1) {
            struct ww_addr *a = k ? &ev->dst : &ev->src;
            int text = addr_fast(val, vl, a);
            if (!text) {
                if (ww_addr_parse(val, vl, a)) {
                    *why = k ? "DST is not an IP address" : "SRC is not an IP address";
                    return WW_PARSE_BAD;
                }
                text = memchr(val, ':', vl) ? 6 : 4;
            }
            if (text == 6) v6text |= 1u << k;
        } else if (k == 2) {
            int pr = vl == 3 && key3(val) == K3('T', 'C', 'P') ? WW_PROTO_TCP
                   : vl == 3 && key3(val) == K3('U', 'D', 'P') ? WW_PROTO_UDP
                   : vl == 4 && !memcmp(val, "ICMP", 4) ? WW_PROTO_ICMP
                   : vl == 6 && !memcmp(val, "ICMPv6", 6) ? WW_PROTO_ICMP6
                   : ww_proto_from_name(val, vl);
            if (pr < 0) {
                *why = ww_num_span(val, vl, 65535, &v) == WW_ERR_PARSE ? "unknown PROTO" : "PROTO out of range";
                return WW_PARSE_BAD;
            }
            ev->proto = (uint8_t)pr;
            named = !isdig(val[0]);
        } else {
            unsigned max = k <= 4 ? 65535 : 255, x;
#if WORDWISE
            unsigned nd;
            long w;
            if (vl - 1 < 7 && end - val >= 8 && (w = dec_word(val, &nd), nd == vl) && w <= max) {
                x = (unsigned)w; /* all digits, in range: what ww_num_span says */
            } else
#endif
            {
                int rc = ww_num_span(val, vl, max, &v);
                if (rc) { *why = rc == WW_ERR_PARSE ? msg_nan[k] : msg_range[k]; return WW_PARSE_BAD; }
                x = (unsigned)v;
            }
            *(k == 3 ? &spt : k == 4 ? &dpt : k == 5 ? &type : &code) = x;
        }
    }

    if (!(have & F_SRC)) { *why = "missing SRC"; return WW_PARSE_BAD; }
    if (!(have & F_DST)) { *why = "missing DST"; return WW_PARSE_BAD; }
    if (!(have & F_PROTO)) { *why = "missing PROTO"; return WW_PARSE_BAD; }
    if (v6text == 1 || v6text == 2) { /* by the text: ::ffff:a.b.c.d is family 4 */
        *why = "SRC and DST address families differ";
        return WW_PARSE_BAD;
    }
    switch (named ? ev->proto : 0) {
    case WW_PROTO_TCP: case WW_PROTO_UDP:
        if (!(have & F_SPT)) { *why = "missing SPT"; return WW_PARSE_BAD; }
        if (!(have & F_DPT)) { *why = "missing DPT"; return WW_PARSE_BAD; }
        break;
    case WW_PROTO_ICMP: case WW_PROTO_ICMP6:
        if (!(have & F_TYPE)) { *why = "missing TYPE"; return WW_PARSE_BAD; }
        if (!(have & F_CODE)) { *why = "missing CODE"; return WW_PARSE_BAD; }
        spt = type;
        dpt = code;
        break;
    }
    ev->sport = (uint16_t)spt;
    ev->dport = (uint16_t)dpt;
    if (ev->proto == WW_PROTO_TCP && (ev->tcpflags & (WW_TH_SYN | WW_TH_ACK)) == WW_TH_SYN &&
        fv.ttl && fv.win && (*why = syn_fp(ev, &fv, end)))
        return WW_PARSE_BAD;
    return WW_PARSE_EVENT;
}
