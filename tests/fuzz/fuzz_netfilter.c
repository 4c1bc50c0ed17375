/* fuzz_netfilter.c -- libFuzzer harness for ww_parse_netfilter.
 * Two passes per input: (1) the whole input is one line; (2) with one
 * context for the "file", the input is split at '\n' and every piece fed in
 * turn, so year inference (December->January wraps) sees many stamps. Each
 * line is copied to a buffer of exactly its length so ASan sees any
 * over-read. The first byte picks context options (fixed year or inferred,
 * fixed zone or the system's, a boot time). Invariants: BAD always says
 * why; an event has count 1, both addresses of one family, an action and a
 * matching outcome, and TCP flags only for TCP. A SYN's fingerprint reads
 * back from its text, and from the line ww_netfilter_format writes for the
 * event whenever a line can say it (not bad, one window scale, IPv4
 * options in whole words, the IP version the addresses have, not no TCP
 * options beside a payload: the kernel prints no OPT for none). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/synfp.h"
#include "ingest/parse.h"
#include "out/write.h"

/* ev's fingerprint survives its text and, where a line can say it all,
 * the line written for ev. */
static void fp_round_trip(const struct ww_event *ev)
{
    const struct ww_synfp *fp = &ev->fp;
    char t[WW_SYNFP_TEXT], line[WW_WRITE_MAX];
    struct ww_synfp back;
    struct ww_event again;
    struct ww_parse_ctx c;
    const char *why;
    size_t n = ww_synfp_format(fp, t, sizeof t);
    if (!n || ww_synfp_parse(t, n, &back) || memcmp(&back, fp, sizeof back)) abort();
    int ws = 0;
    for (unsigned i = 0; i < fp->nopt; i++) ws += fp->opt[i] == 3;
    if ((fp->quirks & WW_FPQ_BAD) || ws > 1 || fp->olen % 4 ||
        (!fp->nopt && (fp->flags & WW_FP_PAYLOAD)) ||
        !(fp->flags & WW_FP_V6) != (ev->src.family == 4))
        return;
    n = ww_netfilter_format(ev, "fuzz", line, sizeof line);
    if (!n) return; /* no room for the line */
    ww_parse_ctx_init(&c);
    if (ww_parse_netfilter(&c, line, n - 1, &again, &why) != WW_PARSE_EVENT) abort();
    if (memcmp(&again.fp, fp, sizeof *fp)) abort();
}

static void one(struct ww_parse_ctx *ctx, const uint8_t *data, size_t size)
{
    struct ww_event ev;
    const char *why = NULL;
    char *line = malloc(size ? size : 1);
    memcpy(line, data, size);
    enum ww_parse_rc rc = ww_parse_netfilter(ctx, line, size, &ev, &why);
    if (rc == WW_PARSE_BAD && !why) abort();
    if (rc == WW_PARSE_EVENT) {
        if (ev.count != 1 || !ev.src.family || ev.src.family != ev.dst.family) abort();
        if (ev.action > WW_ACTION_DROP) abort();
        if (ev.outcome != (ev.action == WW_ACTION_ACCEPT ? WW_OUTCOME_SUCCESS
                           : ev.action == WW_ACTION_DROP ? WW_OUTCOME_FAILURE
                           : WW_OUTCOME_UNKNOWN))
            abort();
        if (ev.tcpflags && ev.proto != 6) abort();
        if (ev.fp.flags) fp_round_trip(&ev);
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ww_parse_ctx ctx;
    uint8_t opt = size ? data[0] : 0;

    ww_parse_ctx_init(&ctx);
    ctx.year = opt & 1 ? 2024 : 0;
    ctx.tz_fixed = !(opt & 2);
    ctx.tz_offset = opt & 4 ? 3600 : -18000;
    ctx.boot_us = opt & 8 ? 1700000000LL * 1000000 : 0;
    ctx.now_us = opt & 16 ? 1767571200LL * 1000000 : 0;
    one(&ctx, data, size);

    ww_parse_ctx_newfile(&ctx);
    const uint8_t *p = data, *end = data + size;
    while (p < end) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) nl = end;
        one(&ctx, p, (size_t)(nl - p));
        p = nl + 1;
    }
    return 0;
}
