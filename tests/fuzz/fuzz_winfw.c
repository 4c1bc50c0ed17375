/* fuzz_winfw.c -- libFuzzer harness for ww_parse_winfw.
 * Two passes per input: (1) after the standard #Fields: header, the whole
 * input is one record line; (2) with a fresh context, the input is split at
 * '\n' and every piece fed in turn, so #Fields:/#Time Format: headers are
 * fuzzed too and later lines see the columns they declared. Each line is
 * copied to a buffer of exactly its length so ASan sees any over-read.
 * Invariants checked: BAD always says why; an event is ALLOW or DROP, with
 * count 1 and an address family on both ends. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "ingest/parse.h"

static void one(struct ww_parse_ctx *ctx, const uint8_t *data, size_t len)
{
    char *line = malloc(len ? len : 1);
    struct ww_event ev;
    const char *why = NULL;
    memcpy(line, data, len);
    enum ww_parse_rc rc = ww_parse_winfw(ctx, line, len, &ev, &why);
    if (rc == WW_PARSE_BAD && !why) abort();
    if (rc == WW_PARSE_EVENT &&
        (ev.count != 1 || (ev.action != WW_ACTION_ACCEPT && ev.action != WW_ACTION_DROP) ||
         (ev.src.family != 4 && ev.src.family != 6) || (ev.dst.family != 4 && ev.dst.family != 6)))
        abort();
    if (ctx->winfw_nfields < 0 || ctx->winfw_nfields > WW_WINFW_MAXFIELDS) abort();
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char header[] = "#Fields: date time action protocol src-ip dst-ip src-port "
        "dst-port size tcpflags tcpsyn tcpack tcpwin icmptype icmpcode info path";
    struct ww_parse_ctx ctx;

    memset(&ctx, 0, sizeof ctx);
    ctx.tz_fixed = 1;
    one(&ctx, (const uint8_t *)header, sizeof header - 1);
    one(&ctx, data, size);

    memset(&ctx, 0, sizeof ctx);
    ctx.tz_fixed = 1;
    for (size_t i = 0; i <= size;) {
        const uint8_t *nl = memchr(data + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - data) : size;
        one(&ctx, data + i, end - i);
        i = end + 1;
    }
    return 0;
}
