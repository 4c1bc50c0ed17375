/* fuzz_osdb.c -- libFuzzer harness for ww_osdb_parse (p0f's signature
 * database, --p0f-db) and ww_osdb_match. The input is the file's text,
 * copied to a buffer of exactly its length so ASan sees any over-read.
 * Invariants: a refusal names the place ("f:LINE: ..." or "f: ...") and
 * leaves no table; a table matches fingerprints made of the input's own
 * bytes (every field, options seen or not) with 0 or a value whose label
 * has a name, a guess only when the options were not seen and never one
 * when they were. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/osdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ww_osdb *db, const uint8_t *p)
{
    struct ww_synfp fp;
    memset(&fp, 0, sizeof fp);
    fp.flags = (uint8_t)(p[0] | WW_FP_SET);
    fp.ttl = p[1];
    fp.olen = p[2] & 0x3f;
    fp.wscale = p[3];
    fp.eol_pad = p[4] & 0x3f;
    fp.nopt = (uint8_t)(p[5] % (WW_SYNFP_OPTS + 1));
    fp.win = (uint16_t)(p[6] | p[7] << 8);
    fp.mss = (uint16_t)(p[8] | p[9] << 8);
    fp.quirks = (uint32_t)(p[10] | p[11] << 8 | (p[12] & 1) << 16);
    memcpy(fp.opt, p + 13, WW_SYNFP_OPTS);
    for (int i = 0; i < 2; i++) {
        uint16_t m = ww_osdb_match(db, &fp);
        if (m) {
            const char *name = ww_osdb_name(db, m);
            if (!name || !*name) abort();
            if ((WW_OS_KIND(m) == WW_OS_GUESS) != !(fp.flags & WW_FP_OPTS)) abort();
        }
        fp.flags ^= WW_FP_OPTS;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1), err[256] = "";
    struct ww_osdb *db = (struct ww_osdb *)1;
    memcpy(text, data, size);
    enum ww_err rc = ww_osdb_parse(text, size, "f", &db, err, sizeof err);
    if (rc) {
        if (db || rc != WW_ERR_PARSE || strncmp(err, "f:", 2)) abort();
    } else {
        uint8_t p[13 + WW_SYNFP_OPTS];
        for (size_t i = 0; i + sizeof p <= size && i < 4096; i += 5) check(db, data + i);
        memset(p, 0, sizeof p);
        check(db, p);
        memset(p, 0xff, sizeof p);
        check(db, p);
        ww_osdb_free(db);
    }
    free(text);
    return 0;
}
