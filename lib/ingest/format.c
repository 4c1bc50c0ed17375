/* format.c -- the registry of input formats and one text input's parsing
 * (see format.h).
 *
 * Sniffing. Captures are told by magic number (the first 4 bytes, either
 * byte order):
 *   a1b2c3d4  pcap, microseconds      a1b23c4d  pcap, nanoseconds
 *   0a0d0d0a  pcapng Section Header Block (a palindrome)
 * Text is told by shape, line by line through the buffer, each line asked of
 * the text formats in the table's order:
 *   - dshield: "YYYY-MM-DD HH:MM:SS" followed by exactly 8 tabs;
 *   - winfw: a W3C header of Windows Firewall ("#Version:", "#Software:
 *     Microsoft Windows Firewall", "#Fields: date time action"), or a record
 *     shaped like one ("YYYY-MM-DD HH:MM:SS ALLOW|DROP|INFO-...");
 *   - netfilter: a line (not a '#' comment) holding both "SRC=" and "PROTO=";
 *   - other comments and blank lines say nothing; other lines are passed over
 *     (a syslog file has plenty of non-firewall lines).
 * If no line decides, text is netfilter (the parser counts what it cannot
 * use), and so is an empty input. A NUL byte in a line examined before a
 * decision means binary of an unknown kind: WW_FMT_AUTO.
 * The last line may be cut short by the buffer's end; every test above only
 * needs a prefix of the line, except the tab count, which then fails safe
 * (netfilter). */
#include "ingest/format.h"

#include <string.h>

static int prefix(const unsigned char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(s, p, k) == 0;
}

static int has(const unsigned char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++)
        if (s[i] == (unsigned char)needle[0] && memcmp(s + i, needle, k) == 0) return 1;
    return 0;
}

/* "YYYY-MM-DD HH:MM:SS" */
static int datetime(const unsigned char *s, size_t n)
{
    static const char shape[] = "dddd-dd-dd dd:dd:dd";
    if (n < 19) return 0;
    for (int i = 0; i < 19; i++)
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != (unsigned char)shape[i]) return 0;
    return 1;
}

static int sniff_pcap(const unsigned char *buf, size_t len)
{
    static const unsigned char magic[][4] = {
        {0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1},
        {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1},
        {0x0a, 0x0d, 0x0d, 0x0a},
    };
    for (size_t i = 0; len >= 4 && i < sizeof magic / sizeof magic[0]; i++)
        if (!memcmp(buf, magic[i], 4)) return 1;
    return 0;
}

static int sniff_dshield(const unsigned char *s, size_t n)
{
    size_t tabs = 0;
    if (!datetime(s, n)) return 0;
    for (size_t i = 19; i < n; i++) tabs += s[i] == '\t';
    return tabs == 8;
}

static int sniff_winfw(const unsigned char *s, size_t n)
{
    if (s[0] == '#')
        return prefix(s, n, "#Version:") || prefix(s, n, "#Software: Microsoft Windows Firewall") ||
               prefix(s, n, "#Fields: date time action");
    return datetime(s, n) && (prefix(s + 19, n - 19, " ALLOW ") || prefix(s + 19, n - 19, " DROP ") ||
                              prefix(s + 19, n - 19, " INFO-"));
}

static int sniff_netfilter(const unsigned char *s, size_t n)
{
    return s[0] != '#' && has(s, n, "SRC=") && has(s, n, "PROTO=");
}

/* In sniffing order. */
static const struct ww_format_type types[] = {
    {WW_FMT_PCAP, "pcap", sniff_pcap, NULL, NULL, NULL},
    {WW_FMT_DSHIELD, "dshield", NULL, sniff_dshield, ww_parse_dshield, ww_parse_ctx_newfile},
    {WW_FMT_WINFW, "winfw", NULL, sniff_winfw, ww_parse_winfw, ww_parse_ctx_newfile},
    {WW_FMT_NETFILTER, "netfilter", NULL, sniff_netfilter, ww_parse_netfilter, ww_parse_ctx_newfile},
};
#define NTYPES (sizeof types / sizeof types[0])

const struct ww_format_type *ww_format_get(enum ww_format f)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].id == f) return &types[i];
    return NULL;
}

static enum ww_format line_format(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].sniff_line && types[i].sniff_line(s, n)) return types[i].id;
    return WW_FMT_AUTO;
}

enum ww_format ww_format_sniff(const unsigned char *buf, size_t len)
{
    for (size_t i = 0; i < NTYPES; i++)
        if (types[i].sniff_head && types[i].sniff_head(buf, len)) return types[i].id;
    size_t i = prefix(buf, len, "\xEF\xBB\xBF") ? 3 : 0; /* UTF-8 BOM */
    while (i < len) {
        const unsigned char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len, n = end - i;
        if (memchr(buf + i, 0, n)) return WW_FMT_AUTO;
        while (n > 0 && (buf[i + n - 1] == '\r' || buf[i + n - 1] == ' ')) n--;
        if (n > 0) {
            enum ww_format f = line_format(buf + i, n);
            if (f != WW_FMT_AUTO) return f;
        }
        i = end + 1;
    }
    return WW_FMT_NETFILTER;
}

const char *ww_format_name(enum ww_format f)
{
    const struct ww_format_type *t = ww_format_get(f);
    return f == WW_FMT_AUTO ? "auto" : t ? t->name : "?";
}

enum ww_err ww_format_from_name(const char *s, enum ww_format *f)
{
    if (!s) return WW_ERR_FORMAT;
    if (!strcmp(s, "auto")) return *f = WW_FMT_AUTO, WW_OK;
    if (!strcmp(s, "pcapng")) return *f = WW_FMT_PCAP, WW_OK;
    for (size_t i = 0; i < NTYPES; i++)
        if (!strcmp(s, types[i].name)) return *f = types[i].id, WW_OK;
    return WW_ERR_FORMAT;
}

/* ---- one text input ---- */

/* A text format: what the sniff said, netfilter for anything else. */
static const struct ww_format_type *text_type(enum ww_format f)
{
    const struct ww_format_type *t = ww_format_get(f);
    return t && t->parse ? t : ww_format_get(WW_FMT_NETFILTER);
}

void ww_lines_init(struct ww_lines *l, enum ww_format f, const struct ww_parse_ctx *opts,
                   struct ww_input_stats *st)
{
    l->type = f == WW_FMT_AUTO ? NULL : text_type(f);
    if (opts) l->pctx = *opts;
    else ww_parse_ctx_init(&l->pctx);
    if (l->type) l->type->reset(&l->pctx);
    l->st = st;
}

enum ww_parse_rc ww_lines_parse(struct ww_lines *l, const char *line, size_t len,
                                struct ww_event *ev, const char **why)
{
    l->st->lines++;
    if (len > WW_INPUT_MAXLINE) {
        *why = "line longer than 64 KiB";
        l->st->skipped++;
        return WW_PARSE_BAD;
    }
    if (!l->type) {
        if (!len) return WW_PARSE_SKIP;
        l->type = text_type(ww_format_sniff((const unsigned char *)line, len));
        l->type->reset(&l->pctx);
    }
    if (len && line[len - 1] == '\r') len--;
    *why = NULL;
    enum ww_parse_rc rc = l->type->parse(&l->pctx, line, len, ev, why);
    if (rc == WW_PARSE_EVENT) l->st->events++;
    else if (rc == WW_PARSE_BAD) {
        l->st->skipped++;
        if (!*why) *why = "malformed line";
    }
    return rc;
}

void ww_lines_bad(struct ww_lines *l)
{
    l->st->lines++;
    l->st->skipped++;
}
