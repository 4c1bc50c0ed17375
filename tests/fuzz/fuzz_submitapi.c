/* fuzz_submitapi.c -- libFuzzer: any body POSTed to /submitapi/ (DShield's
 * JSON firewall logs) never crashes ww_submitapi_parse; the first byte says
 * whether a latest date applies (bit 0). Accepted events are dated from 1970
 * to the latest, count 1, and carry a batch id of "dshield-" and 56 hex
 * digits; a refusal says why and leaves no events. Seeds:
 * tests/fuzz/seed/submitapi/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "serve/submitapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ww_batch b = {.max = 100000};
    char id[65] = "";
    const char *why = NULL;
    if (!size) return 0;
    b.latest_us = data[0] & 1 ? 1795000000LL * 1000000 : 0; /* 2026-11-18T11:06:40Z */
    int rc = ww_submitapi_parse(&b, (const char *)data + 1, size - 1, id, &why);
    if (rc == WW_OK) {
        if (strlen(id) != 64 || strncmp(id, "dshield-", 8) || strspn(id + 8, "0123456789abcdef") != 56)
            abort();
        for (size_t i = 0; i < b.n; i++)
            if (b.ev[i].count != 1 || b.ev[i].ts_us < 0 || (b.latest_us && b.ev[i].ts_us > b.latest_us))
                abort();
    } else if (b.n || !why) {
        abort();
    }
    return 0;
}
