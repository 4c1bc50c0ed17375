/* synfp.c -- prints the fingerprint of every TCP SYN without ACK in a
 * capture or a netfilter log, as wormwatch reads them (ingest/decode.c for
 * frames, ingest/parse_netfilter.c for lines): `SRC/SPORT DST/DPORT TEXT`
 * (TEXT as core/synfp.h writes it), one line a SYN, in file order. For
 * tests/e2e/synfp_p0f.sh, which holds these against `p0f -r` on the same
 * traffic. Usage: tool_synfp FILE (a pcap or pcapng file, else log lines). */
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>

#include "core/addr.h"
#include "core/synfp.h"
#include "ingest/decode.h"
#include "ingest/parse.h"

static void print(const struct ww_addr *s, unsigned sp, const struct ww_addr *d, unsigned dp,
                  const struct ww_synfp *fp)
{
    char a[WW_ADDR_STRLEN], b[WW_ADDR_STRLEN], t[WW_SYNFP_TEXT];
    ww_synfp_format(fp, t, sizeof t);
    printf("%s/%u %s/%u %s\n", ww_addr_format(s, a), sp, ww_addr_format(d, b), dp, t);
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: tool_synfp FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (p) {
        struct pcap_pkthdr *h;
        const u_char *data;
        int lt = pcap_datalink(p);
        while (pcap_next_ex(p, &h, &data) == 1) {
            struct ww_pkt pk;
            const char *why;
            if (ww_pkt_decode(lt, data, h->caplen, &pk, &why) == WW_PKT_OK && pk.fp.flags)
                print(&pk.src, pk.sport, &pk.dst, pk.dport, &pk.fp);
        }
        pcap_close(p);
        return 0;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    struct ww_parse_ctx ctx;
    char line[8192];
    ww_parse_ctx_init(&ctx);
    while (fgets(line, sizeof line, f)) {
        struct ww_event ev;
        const char *why;
        if (ww_parse_netfilter(&ctx, line, strcspn(line, "\n"), &ev, &why) == WW_PARSE_EVENT &&
            ev.fp.flags)
            print(&ev.src, ev.sport, &ev.dst, ev.dport, &ev.fp);
    }
    fclose(f);
    return 0;
}
