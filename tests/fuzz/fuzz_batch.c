/* fuzz_batch.c -- libFuzzer: any body, either format, never crashes; the
 * first byte picks the format (bit 0) and whether a latest date applies
 * (bit 1). Accepted events respect the documented bounds: count, and a date
 * from 1970 to the latest. Seeds: tests/fuzz/seed/batch/. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ingest/batch.h"
#include "core/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ww_batch b = {.max = 100000};
    uint64_t line;
    const char *why;
    if (!size) return 0;
    enum ww_batch_fmt f = data[0] & 1 ? WW_BATCH_NDJSON : WW_BATCH_TSV;
    b.latest_us = data[0] & 2 ? 1795000000LL * 1000000 : 0; /* 2026-11-18T11:06:40Z */
    int rc = ww_batch_parse(&b, f, (const char *)data + 1, size - 1, &line, &why);
    if (rc == WW_OK) {
        if (!b.n) abort();
        for (size_t i = 0; i < b.n; i++)
            if (b.ev[i].count < 1 || b.ev[i].count > 1000000 || b.ev[i].ts_us < 0 ||
                (b.latest_us && b.ev[i].ts_us > b.latest_us))
                abort();
    } else if (b.n || !why) {
        abort();
    }
    return 0;
}
