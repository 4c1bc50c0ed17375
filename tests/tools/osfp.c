/* osfp.c -- tests/e2e/osfp.sh's look at what the matcher says per source,
 * without analyze (built as tool_osfp, never installed):
 *   tool_osfp [--each] P0F_DB FILE...
 * reads the files (pcap, pcapng or logs, formats sniffed) with the ingest
 * API, matches every SYN's fingerprint against p0f's database and prints,
 * per source in first-seen order, the best match over its SYNs (the
 * smallest value, as osdb.h says a source's OS is) and that SYN's raw
 * signature:
 *   SRC<TAB>KIND<TAB>NAME<TAB>SIGNATURE       (KIND NAME "none -" if none)
 * or with --each, every SYN as it comes:
 *   SRC<TAB>SPORT<TAB>DST<TAB>DPORT<TAB>KIND<TAB>NAME<TAB>SIGNATURE
 * Exits 1 on an error, saying what. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/addr.h"
#include "core/event.h"
#include "core/synfp.h"
#include "detect/osdb.h"
#include "ingest/input.h"

#define MAX_SRC 1024

struct src {
    struct ww_addr addr;
    uint16_t os;
    int seen; /* a fingerprint was seen */
    char sig[WW_SYNFP_TEXT];
};

int main(int argc, char **argv)
{
    int each = argc > 1 && !strcmp(argv[1], "--each");
    argv += each, argc -= each;
    if (argc < 3) {
        fprintf(stderr, "usage: tool_osfp [--each] P0F_DB FILE...\n");
        return 1;
    }
    char err[512];
    struct ww_osdb *db = NULL;
    if (ww_osdb_load(argv[1], &db, err, sizeof err)) {
        fprintf(stderr, "tool_osfp: %s\n", err);
        return 1;
    }
    static struct src s[MAX_SRC];
    size_t n = 0;
    struct ww_input_opts o;
    ww_input_opts_init(&o);
    for (int a = 2; a < argc; a++) {
        enum ww_err rc;
        struct ww_reader *r = ww_reader_open(argv[a], &o, &rc, err, sizeof err);
        if (!r) {
            fprintf(stderr, "tool_osfp: %s: %s\n", argv[a], err);
            return 1;
        }
        struct ww_event ev;
        while (ww_reader_next(r, &ev)) {
            if (!(ev.fp.flags & WW_FP_SET)) continue;
            size_t i = 0;
            while (i < n && !ww_addr_eq(&s[i].addr, &ev.src)) i++;
            if (i == n) {
                if (n == MAX_SRC) continue;
                s[n++] = (struct src){.addr = ev.src};
            }
            uint16_t m = ww_osdb_match(db, &ev.fp);
            if (each) {
                char sa[WW_ADDR_STRLEN], da[WW_ADDR_STRLEN], sig[WW_SYNFP_TEXT];
                ww_synfp_format(&ev.fp, sig, sizeof sig);
                printf("%s\t%u\t%s\t%u\t%s\t%s\t%s\n", ww_addr_format(&ev.src, sa), ev.sport,
                       ww_addr_format(&ev.dst, da), ev.dport, m ? ww_os_kind_name(m) : "none",
                       m ? ww_osdb_name(db, m) : "-", sig);
                continue;
            }
            if (!s[i].seen || (m && (!s[i].os || m < s[i].os))) {
                s[i].os = m;
                ww_synfp_format(&ev.fp, s[i].sig, sizeof s[i].sig);
            }
            s[i].seen = 1;
        }
        if (ww_reader_status(r)) {
            fprintf(stderr, "tool_osfp: %s: %s\n", argv[a], ww_reader_error(r, NULL));
            return 1;
        }
        ww_reader_close(r);
    }
    for (size_t i = 0; i < n && !each; i++) {
        char a[WW_ADDR_STRLEN];
        printf("%s\t%s\t%s\t%s\n", ww_addr_format(&s[i].addr, a),
               s[i].os ? ww_os_kind_name(s[i].os) : "none",
               s[i].os ? ww_osdb_name(db, s[i].os) : "-", s[i].sig);
    }
    ww_osdb_free(db);
    return 0;
}
