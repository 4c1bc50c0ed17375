/* stack.c -- the simulator's TCP stacks and who runs them (see stack.h).
 *
 * Every row is what one stack or tool puts in a SYN, and the label p0f 3.09
 * prints for it, from these sources:
 *  - p0f 3.09's database (Debian's /etc/p0f/p0f.fp, [tcp:request]) and its
 *    README ("TCP signatures"): the layouts, windows, scales and quirks of
 *    Windows, Linux, the BSDs, macOS and nmap, and their labels. Windows
 *    2000 and XP share one label ("Windows XP": 16384 or 65535, options
 *    mss,nop,nop,sok, DF with a nonzero IP ID); XP's window rounded to 44
 *    segments (64240) and Windows 10's 64240 with a window scale match
 *    only the generic "Windows NT kernel".
 *  - Linux 3.11 and newer: window 20 segments (mss*20: twice its initial
 *    window of 10, RFC 6928), scale 7, mss,sok,ts,nop,ws (p0f.fp).
 *  - nmap -sS: window 1024, MSS 1460 alone, no DF, and a TTL drawn from
 *    37-59 (nmap's tcpip.cc, build_tcp_raw: `get_random_uint() % 23 + 37`);
 *    p0f.fp's "NMap SYN scan" takes any TTL up to 64 ("64-").
 *  - masscan 1.3.2 (Debian's): templ-pkt.c's default_tcp_template: TTL 255,
 *    window 1024, a 20-byte TCP header (no options: the MSS bytes after it
 *    are past the header length), no DF.
 *  - ZMap: src/probe_modules/packet.c, make_ip_header (TTL 255, IP ID
 *    54321, no DF) and make_tcp_header (window 65535), with the 24-byte
 *    header of module_tcp_synscan.c (MSS 1460 alone).
 *  - Mirai: bot/scanner.c, a raw socket's SYN: TTL 64, a random IP ID, no
 *    DF, no options, a window drawn once per bot (rand_next() & 0xffff).
 *  - hping3 -S --rand-source: TTL 64, no options, no DF, window 512 (what
 *    Debian's hping3 sends in tests/e2e/osfp.sh; hping3(8) says 64).
 * p0f has no signature for masscan, ZMap, Mirai or hping3. It prints "???"
 * for all but ZMap, whose lone MSS it takes, fuzzily (TTL 255, no DF), for
 * "Linux 2.2.x-3.x (barebone)" (`*:64:0:*:*,0:mss:df,id+:0`): the label
 * column is what p0f prints (tests/e2e/simulate_p0f.sh checks every row
 * against the real p0f), not what the sender is.
 *
 * The mixes (percent of a role's sources) are this simulation's choice,
 * not a measurement: the worm's hosts are the Windows 2000/XP hosts of
 * 2006, the background a present-day mix. A source's stack is its address
 * hash, mixed with its role, modulo 100 against the role's rows. */
#include "sim/stack.h"

#include <stdio.h>
#include <string.h>

#include "out/write.h"

enum { EOL = 0, NOP = 1, MSS = 2, WS = 3, SOK = 4, TS = 8 };
#define DF_IDP (WW_FPQ_DF | WW_FPQ_ID_PLUS)

const struct ww_sim_stack ww_sim_stacks[] = {
    /* name                 p0f label, match             ittl w*mss win   mss   ws eol n  layout, quirks */
    {"Windows XP SP2",      "Windows XP", "exact",        128, 0, 65535, 1460, 0, 0, 4, {MSS, NOP, NOP, SOK}, DF_IDP},
    {"Windows 2000",        "Windows XP", "exact",        128, 0, 16384, 1460, 0, 0, 4, {MSS, NOP, NOP, SOK}, DF_IDP},
    {"Windows XP (64240)",  "Windows NT kernel", "generic", 128, 44, 0,  1460, 0, 0, 4, {MSS, NOP, NOP, SOK}, DF_IDP},
    {"Windows 7",           "Windows 7 or 8", "exact",    128, 0, 8192,  1460, 8, 0, 6,
     {MSS, NOP, WS, NOP, NOP, SOK}, DF_IDP},
    {"Windows 10",          "Windows NT kernel", "generic", 128, 0, 64240, 1460, 8, 0, 6,
     {MSS, NOP, WS, NOP, NOP, SOK}, DF_IDP},
    {"Linux 3.11+",         "Linux 3.11 and newer", "exact", 64, 20, 0,  1460, 7, 0, 5, {MSS, SOK, TS, NOP, WS}, DF_IDP},
    {"FreeBSD 9+",          "FreeBSD 9.x or newer", "exact", 64, 0, 65535, 1460, 6, 0, 5, {MSS, NOP, WS, SOK, TS}, DF_IDP},
    {"OpenBSD 4-5",         "OpenBSD 4.x-5.x", "exact",   64, 0, 16384,  1460, 3, 0, 9,
     {MSS, NOP, NOP, SOK, NOP, WS, NOP, NOP, TS}, DF_IDP},
    {"macOS 10.9+",         "MacOS X 10.9 or newer (sometimes iPhone or iPad)", "exact",
                                                          64, 0, 65535,  1460, 4, 1, 8,
     {MSS, NOP, WS, NOP, NOP, TS, SOK, EOL}, DF_IDP},
    {"nmap SYN scan",       "NMap SYN scan", "exact",     0, 0, 1024,    1460, 0, 0, 1, {MSS}, 0},
    {"masscan",             "???", "none",                255, 0, 1024,  0, 0, 0, 0, {0}, 0},
    {"ZMap",                "Linux 2.2.x-3.x (barebone)", "fuzzy", 255, 0, 65535, 1460, 0, 0, 1, {MSS}, 0},
    {"Mirai",               "???", "none",                64, 0, 0,      0, 0, 0, 0, {0}, 0},
    {"hping3",              "???", "none",                64, 0, 512,    0, 0, 0, 0, {0}, 0},
};
const unsigned ww_sim_nstacks = sizeof ww_sim_stacks / sizeof ww_sim_stacks[0];

enum { XP, W2K, XP64240, WIN7, WIN10, LINUX, FREEBSD, OPENBSD, MACOS, NMAP, MASSCAN, ZMAP, MIRAI,
       HPING };

/* Each role's stacks, percent adding up to 100 (HOST is resolved first). */
static const struct { uint8_t role, stack, percent; } mix[] = {
    {WW_SIM_ROLE_WORM, XP, 55},       {WW_SIM_ROLE_WORM, W2K, 35},      {WW_SIM_ROLE_WORM, XP64240, 10},
    {WW_SIM_ROLE_WINDOWS, XP, 20},    {WW_SIM_ROLE_WINDOWS, W2K, 10},   {WW_SIM_ROLE_WINDOWS, WIN7, 40},
    {WW_SIM_ROLE_WINDOWS, WIN10, 30},
    {WW_SIM_ROLE_UNIX, LINUX, 60},    {WW_SIM_ROLE_UNIX, FREEBSD, 15},  {WW_SIM_ROLE_UNIX, OPENBSD, 5},
    {WW_SIM_ROLE_UNIX, MACOS, 20},
    {WW_SIM_ROLE_CRAFTED, MASSCAN, 60}, {WW_SIM_ROLE_CRAFTED, ZMAP, 40},
    {WW_SIM_ROLE_SCANNER, NMAP, 50},  {WW_SIM_ROLE_SCANNER, MASSCAN, 30}, {WW_SIM_ROLE_SCANNER, ZMAP, 20},
    {WW_SIM_ROLE_RESEARCH, ZMAP, 100},
    {WW_SIM_ROLE_CAMPAIGN, MIRAI, 100},
    {WW_SIM_ROLE_FLOOD, HPING, 100},
};

static const char *const role_names[WW_SIM_NROLES] = {
    "host", "worm", "windows", "unix", "crafted", "scanner", "research", "campaign", "flood"};

const char *ww_sim_role_name(unsigned role) { return role < WW_SIM_NROLES ? role_names[role] : NULL; }

unsigned ww_sim_stack_share(unsigned role, unsigned k)
{
    for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
        if (mix[i].role == role && mix[i].stack == k) return mix[i].percent;
    return 0;
}

unsigned ww_sim_stack_pick(unsigned role, const struct ww_addr *src)
{
    uint64_t h = ww_write_addr_hash(src);
    if (role == WW_SIM_ROLE_HOST) {
        unsigned ttl = ww_write_initial_ttl(src);
        role = ttl == 128 ? WW_SIM_ROLE_WINDOWS : ttl == 64 ? WW_SIM_ROLE_UNIX : WW_SIM_ROLE_CRAFTED;
    }
    unsigned u = (unsigned)(ww_write_mix(h, role) % 100), last = 0;
    for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++) {
        if (mix[i].role != role) continue;
        if (u < mix[i].percent) return mix[i].stack;
        u -= mix[i].percent;
        last = mix[i].stack;
    }
    return last;
}

void ww_sim_stack_fp(unsigned k, const struct ww_addr *src, struct ww_synfp *fp)
{
    const struct ww_sim_stack *st = &ww_sim_stacks[k < ww_sim_nstacks ? k : 0];
    uint64_t h = ww_write_addr_hash(src);
    unsigned ittl = st->ittl ? st->ittl : 37 + (unsigned)(h >> 24) % 23;
    memset(fp, 0, sizeof *fp);
    fp->flags = WW_FP_SET | WW_FP_OPTS | (src->family == 6 ? WW_FP_V6 : 0);
    fp->ttl = (uint8_t)(ittl - 6 - (h >> 8) % 20); /* the writers' hops */
    fp->mss = st->mss;
    fp->win = st->win_mss ? (uint16_t)(st->mss * st->win_mss)
              : st->win ? st->win : (uint16_t)(h >> 32);
    fp->nopt = st->nopt;
    memcpy(fp->opt, st->opt, st->nopt);
    for (unsigned i = 0; i < st->nopt; i++)
        if (st->opt[i] == WS) fp->wscale = st->ws;
    fp->eol_pad = st->eol_pad;
    fp->quirks = st->quirks;
}

size_t ww_sim_stack_sig(unsigned k, char *buf, size_t size)
{
    static const char *const kind[9] = {"eol", "nop", "mss", "ws", "sok", "sack", "", "", "ts"};
    if (k >= ww_sim_nstacks) return 0;
    const struct ww_sim_stack *st = &ww_sim_stacks[k];
    char ttl[8], win[16], layout[96] = "", quirks[16] = "";
    size_t n = 0;
    snprintf(ttl, sizeof ttl, st->ittl ? "%u" : "64-", st->ittl);
    if (st->win_mss) snprintf(win, sizeof win, "mss*%u", st->win_mss);
    else if (st->win) snprintf(win, sizeof win, "%u", st->win);
    else snprintf(win, sizeof win, "*");
    for (unsigned i = 0; i < st->nopt; i++) {
        const char *name = kind[st->opt[i]];
        n += (size_t)snprintf(layout + n, sizeof layout - n, i ? ",%s" : "%s", name);
        if (st->opt[i] == EOL)
            n += (size_t)snprintf(layout + n, sizeof layout - n, "+%u", st->eol_pad);
    }
    if (st->quirks & WW_FPQ_DF) strcat(quirks, "df");
    if (st->quirks & WW_FPQ_ID_PLUS) strcat(quirks, *quirks ? ",id+" : "id+");
    int len = snprintf(buf, size, "*:%s:0:%s:%s,%u:%s:%s:0", ttl,
                       st->nopt && st->opt[0] == MSS ? "*" : "0", win, st->ws, layout, quirks);
    return len > 0 && (size_t)len < size ? (size_t)len : 0;
}
