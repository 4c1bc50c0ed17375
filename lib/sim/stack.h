/* stack.h -- the TCP stacks behind the simulator's sources: what each
 * one's SYN looks like (struct ww_synfp, core/synfp.h), and which stack a
 * source has.
 *
 * One table (stack.c) holds every stack -- name, the label p0f 3 gives its
 * SYN, initial TTL, window rule, MSS, window scale, option layout, quirks --
 * with the sources each row was taken from, and one table of mixes: which
 * stacks a role's sources run, in percent (the worm's infected hosts are
 * Windows 2000/XP; background hosts whatever the writers' initial TTL
 * made them: Windows, a Unix or a tool that sends TTL 255; block sweeps
 * and vertical scans nmap, masscan or ZMap; research scanners ZMap; the
 * telnet campaign Mirai; the spoofed flood hping3).
 *
 * A source's stack and its SYN are pure functions of its address (its
 * hash, ww_write_addr_hash) and role: the simulator draws nothing for
 * them, so a run's other fields stay what they were and a source sends the
 * same SYN every time. The hop count is the writers' own (6-25, from the
 * same hash), so a stack whose initial TTL agrees with ww_write_initial_ttl
 * keeps the TTL the writers gave that source before the stacks. */
#ifndef WW_SIM_STACK_H
#define WW_SIM_STACK_H
#include <stddef.h>
#include <stdint.h>

#include "core/addr.h"
#include "core/synfp.h"

/* Who a source is (its role chooses its mix). HOST: a background host,
 * its mix chosen by ww_write_initial_ttl (128 WINDOWS, 64 UNIX, 255
 * CRAFTED). */
enum {
    WW_SIM_ROLE_HOST = 0, WW_SIM_ROLE_WORM, WW_SIM_ROLE_WINDOWS, WW_SIM_ROLE_UNIX,
    WW_SIM_ROLE_CRAFTED, WW_SIM_ROLE_SCANNER, WW_SIM_ROLE_RESEARCH, WW_SIM_ROLE_CAMPAIGN,
    WW_SIM_ROLE_FLOOD, WW_SIM_NROLES
};

struct ww_sim_stack {
    const char *name;   /* what sends it ("Windows XP SP2", "masscan") */
    const char *p0f;    /* the label p0f 3.09 prints for it (os=), "???" if none */
    const char *match;  /* how p0f matches it: "exact", "generic" (a g: label),
                           "fuzzy" (p0f's near miss) or "none" (as osdb.h names them) */
    uint8_t ittl;       /* initial TTL; 0: 37-59, one per source (nmap) */
    uint8_t win_mss;    /* window = mss * win_mss; 0: win */
    uint16_t win;       /* window; 0 (and win_mss 0): one per source, any value (Mirai) */
    uint16_t mss;       /* MSS option's value (when the layout has one) */
    uint8_t ws;         /* window scale option's value */
    uint8_t eol_pad;    /* bytes after an EOL */
    uint8_t nopt;
    uint8_t opt[10];    /* option kinds in order (core/synfp.h's numbering) */
    uint32_t quirks;    /* WW_FPQ_* */
};

extern const struct ww_sim_stack ww_sim_stacks[];
extern const unsigned ww_sim_nstacks;

/* The role's name ("worm", "windows", ...), NULL past the last. */
const char *ww_sim_role_name(unsigned role);
/* The stack (an index into ww_sim_stacks) of source src in that role. */
unsigned ww_sim_stack_pick(unsigned role, const struct ww_addr *src);
/* Stack k's SYN as sent by src (hops, per-source TTL and window from its
 * hash): fp's every field, flags WW_FP_SET | WW_FP_OPTS (| WW_FP_V6). */
void ww_sim_stack_fp(unsigned k, const struct ww_addr *src, struct ww_synfp *fp);
/* Stack k as a line of p0f's database would write it, with the initial
 * TTL ("*:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0"; nmap's "*:64-:...",
 * a per-source window "*"); returns the length (< size), or 0 if it does
 * not fit. */
size_t ww_sim_stack_sig(unsigned k, char *buf, size_t size);
/* Role's share of stack k, in percent (0: never). */
unsigned ww_sim_stack_share(unsigned role, unsigned k);

#endif
