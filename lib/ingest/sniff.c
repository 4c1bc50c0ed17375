/* sniff.c -- guess an input's format from its first bytes, and format names.
 *
 * Captures are told by magic number (the first 4 bytes, either byte order):
 *   a1b2c3d4  pcap, microseconds      a1b23c4d  pcap, nanoseconds
 *   0a0d0d0a  pcapng Section Header Block (a palindrome)
 * Text is told by shape, line by line through the buffer:
 *   - a W3C header of Windows Firewall ("#Version:", "#Software: Microsoft
 *     Windows Firewall", "#Fields: date time action"), or a record shaped
 *     like one ("YYYY-MM-DD HH:MM:SS ALLOW|DROP|INFO-...") -> winfw;
 *   - "YYYY-MM-DD HH:MM:SS" followed by exactly 8 tabs -> dshield;
 *   - a line holding both "SRC=" and "PROTO=" -> netfilter;
 *   - other '#' comments and blank lines say nothing; other lines are passed
 *     over (a syslog file has plenty of non-firewall lines).
 * If no line decides, text is netfilter (the parser counts what it cannot
 * use), and so is an empty input. A NUL byte in a line examined before a
 * decision means binary of an unknown kind: WW_FMT_AUTO.
 * The last line may be cut short by the buffer's end; every test above
 * only needs a prefix of the line, except the tab count, which then fails
 * safe (netfilter). */
#include <string.h>
#include "ingest/parse.h"

static const char *const names[] = { "auto", "netfilter", "winfw", "dshield", "pcap" };

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

static enum ww_format line_format(const unsigned char *s, size_t n)
{
    if (s[0] == '#') {
        if (prefix(s, n, "#Version:") || prefix(s, n, "#Software: Microsoft Windows Firewall") ||
            prefix(s, n, "#Fields: date time action"))
            return WW_FMT_WINFW;
        return WW_FMT_AUTO;
    }
    if (datetime(s, n)) {
        size_t tabs = 0;
        for (size_t i = 19; i < n; i++) tabs += s[i] == '\t';
        if (tabs == 8) return WW_FMT_DSHIELD;
        if (prefix(s + 19, n - 19, " ALLOW ") || prefix(s + 19, n - 19, " DROP ") ||
            prefix(s + 19, n - 19, " INFO-"))
            return WW_FMT_WINFW;
    }
    if (has(s, n, "SRC=") && has(s, n, "PROTO=")) return WW_FMT_NETFILTER;
    return WW_FMT_AUTO;
}

enum ww_format ww_format_sniff(const unsigned char *buf, size_t len)
{
    if (len >= 4) {
        static const unsigned char magic[][4] = {
            {0xa1, 0xb2, 0xc3, 0xd4}, {0xd4, 0xc3, 0xb2, 0xa1},
            {0xa1, 0xb2, 0x3c, 0x4d}, {0x4d, 0x3c, 0xb2, 0xa1},
            {0x0a, 0x0d, 0x0d, 0x0a},
        };
        for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
            if (!memcmp(buf, magic[i], 4)) return WW_FMT_PCAP;
    }
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
    return (unsigned)f < sizeof names / sizeof names[0] ? names[f] : "?";
}

int ww_format_from_name(const char *s)
{
    if (!s) return -1;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(s, names[i])) return (int)i;
    if (!strcmp(s, "pcapng")) return WW_FMT_PCAP;
    return -1;
}
