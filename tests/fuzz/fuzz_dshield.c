/* fuzz_dshield.c -- libFuzzer harness for ww_parse_dshield, ww_dshield_format
 * and ww_format_sniff. The input is one line (copied to a buffer of exactly
 * its length, so ASan sees any over-read). Every event the parser accepts
 * must survive format-then-parse unchanged (when it is representable:
 * 1970..9999 UTC), and BAD must always say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ingest/format.h"
#include "out/write.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ww_parse_ctx ctx;
    struct ww_event ev, back;
    const char *why = NULL;
    char out[512];
    char *line = malloc(size ? size : 1);

    memcpy(line, data, size);
    (void)ww_format_sniff((const unsigned char *)line, size);
    memset(&ctx, 0, sizeof ctx);
    enum ww_parse_rc rc = ww_parse_dshield(&ctx, line, size, &ev, &why);
    if (rc == WW_PARSE_BAD && !why) abort();
    if (rc == WW_PARSE_EVENT) {
        if (ev.count < 1 || ev.count > 1000000) abort();
        size_t n = ww_dshield_format(&ev, "fuzz", out, sizeof out);
        if (n && ev.ts_us >= 0) {
            if (out[n - 1] != '\n') abort();
            if (ww_parse_dshield(&ctx, out, n - 1, &back, &why) != WW_PARSE_EVENT) abort();
            if (back.ts_us != ev.ts_us || !ww_addr_eq(&back.src, &ev.src) ||
                !ww_addr_eq(&back.dst, &ev.dst) || back.src.family != ev.src.family ||
                back.sport != ev.sport || back.dport != ev.dport || back.proto != ev.proto ||
                back.tcpflags != ev.tcpflags || back.count != ev.count)
                abort();
        }
    }
    free(line);
    return 0;
}
