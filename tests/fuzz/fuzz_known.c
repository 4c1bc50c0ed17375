/* fuzz_known.c -- libFuzzer harness for ww_known_parse (the
 * --known-scanners file). The input is the file's text, copied to a buffer
 * of exactly its length so ASan sees any over-read. Invariants: a refusal
 * names the place ("f:LINE: ...") and leaves no table; a table answers
 * every lookup -- of the input's own bytes taken as addresses, and of the
 * edges of the space -- with NULL or a label of 1 to WW_KNOWN_LABEL_MAX
 * bytes, none of them a control character. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/known.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const struct ww_known *k, const struct ww_addr *a)
{
    const char *l = ww_known_label(k, a);
    if (!l) return;
    size_t n = strlen(l);
    if (n == 0 || n > WW_KNOWN_LABEL_MAX) abort();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)l[i] < 0x20 || l[i] == 0x7f) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1), err[256] = "";
    struct ww_known *k = (struct ww_known *)1;
    memcpy(text, data, size);
    enum ww_err rc = ww_known_parse(text, size, "f", &k, err, sizeof err);
    if (rc) {
        if (k || rc != WW_ERR_PARSE || strncmp(err, "f:", 2)) abort();
    } else {
        struct ww_addr a;
        for (size_t i = 0; i + 16 <= size && i < 4096; i += 7) {
            ww_addr_from_v6(&a, data + i);
            check(k, &a);
            ww_addr_from_v4(&a, data + i);
            check(k, &a);
        }
        static const uint8_t lo[16], hi[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                               0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        ww_addr_from_v6(&a, lo), check(k, &a);
        ww_addr_from_v6(&a, hi), check(k, &a);
        ww_addr_from_v4(&a, lo), check(k, &a);
        ww_addr_from_v4(&a, hi), check(k, &a);
        ww_known_free(k);
    }
    free(text);
    return 0;
}
