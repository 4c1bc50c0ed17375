/* synfp_pcap.c -- prints the fingerprint of every TCP SYN without ACK in a
 * capture, as ingest/decode.c reads it: `SRC/SPORT DST/DPORT TEXT` (TEXT as
 * core/synfp.h writes it), one line a SYN, in capture order. For
 * tests/e2e/synfp_p0f.sh, which holds these against `p0f -r` on the same
 * file. Usage: tool_synfp_pcap FILE.pcap */
#include <pcap/pcap.h>
#include <stdio.h>

#include "core/addr.h"
#include "core/synfp.h"
#include "ingest/decode.h"

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE], a[WW_ADDR_STRLEN], b[WW_ADDR_STRLEN], t[WW_SYNFP_TEXT];
    struct pcap_pkthdr *h;
    const u_char *data;
    if (argc != 2) {
        fprintf(stderr, "usage: tool_synfp_pcap FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "tool_synfp_pcap: %s\n", err);
        return 1;
    }
    int lt = pcap_datalink(p);
    while (pcap_next_ex(p, &h, &data) == 1) {
        struct ww_pkt pk;
        const char *why;
        if (ww_pkt_decode(lt, data, h->caplen, &pk, &why) != WW_PKT_OK || !pk.fp.flags) continue;
        ww_synfp_format(&pk.fp, t, sizeof t);
        printf("%s/%u %s/%u %s\n", ww_addr_format(&pk.src, a), pk.sport, ww_addr_format(&pk.dst, b),
               pk.dport, t);
    }
    pcap_close(p);
    return 0;
}
