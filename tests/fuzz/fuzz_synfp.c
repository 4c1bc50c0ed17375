/* fuzz_synfp.c -- libFuzzer harness for core/synfp.h. Byte 0 picks:
 *   even: the rest is a SYN's TCP option bytes (copied to a buffer of
 *         exactly their length, so ASan sees any over-read) for
 *         ww_synfp_options; the fingerprint's text must read back to the
 *         same fingerprint, and when the options were well formed (no bad)
 *         and at most 40 bytes, ww_synfp_option_bytes must make bytes that
 *         read as the same options again (unless two window scales were
 *         sent: the fingerprint keeps the last one's value and either's exws);
 *   odd:  the rest is text for ww_synfp_parse; a text it accepts must
 *         format (within WW_SYNFP_TEXT) and read back to the same
 *         fingerprint, and format the same text again. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/synfp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* parse(format(fp)) == fp */
static void round_trip(const struct ww_synfp *fp)
{
    char t[WW_SYNFP_TEXT], t2[WW_SYNFP_TEXT];
    struct ww_synfp back;
    size_t n = ww_synfp_format(fp, t, sizeof t);
    if (!n || n >= WW_SYNFP_TEXT || t[n]) abort();
    if (ww_synfp_parse(t, n, &back) != WW_OK || memcmp(&back, fp, sizeof back)) abort();
    if (ww_synfp_format(&back, t2, sizeof t2) != n || memcmp(t, t2, n)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t n = size - 1;
    uint8_t *in = malloc(n ? n : 1);
    memcpy(in, data + 1, n);
    struct ww_synfp fp;
    if (!(data[0] & 1)) {
        memset(&fp, 0, sizeof fp);
        fp.flags = WW_FP_SET | WW_FP_SEQ | (data[0] & 2 ? WW_FP_V6 : 0);
        fp.ttl = 64;
        fp.win = 65535;
        ww_synfp_options(&fp, in, n);
        if (fp.nopt > WW_SYNFP_OPTS) abort();
        round_trip(&fp);
        int ws = 0;
        for (unsigned i = 0; i < fp.nopt; i++) ws += fp.opt[i] == 3;
        if (!(fp.quirks & WW_FPQ_BAD) && n <= 40 && ws <= 1) {
            uint8_t b[40];
            struct ww_synfp again = fp;
            size_t m = ww_synfp_option_bytes(&fp, b);
            if (m > 40) abort();
            uint8_t *exact = malloc(m ? m : 1);
            memcpy(exact, b, m);
            ww_synfp_options(&again, exact, m);
            free(exact);
            if (memcmp(&again, &fp, sizeof fp)) abort();
        }
    } else if (ww_synfp_parse((const char *)in, n, &fp) == WW_OK) {
        round_trip(&fp);
    } else {
        static const struct ww_synfp zero;
        if (memcmp(&fp, &zero, sizeof fp)) abort(); /* zeroed on failure */
    }
    free(in);
    return 0;
}
