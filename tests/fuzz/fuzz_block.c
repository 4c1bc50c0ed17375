/* fuzz_block.c -- libFuzzer: the parsers `wormwatch block` feeds untrusted
 * text to (address lists, collector answers, --allow, --close-ports) never
 * crash or read past the length given; a parsed network formats to text
 * that parses back to the same value; port ranges are never empty or 0. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "respond/block.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ww_cidr c, back;
    char text[WW_CIDR_STRLEN];
    if (!ww_cidr_parse((const char *)data, size, &c)) {
        ww_cidr_format(&c, text);
        if (ww_cidr_parse(text, strlen(text), &back) || memcmp(&c, &back, sizeof c)) abort();
        if (!ww_cidr_contains(&c, &c.addr)) abort();
    }
    char *s = malloc(size + 1); /* the port parser takes a C string */
    if (!s) return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct ww_portrange p[8];
    size_t n;
    if (!ww_block_parse_ports(s, p, 8, &n))
        for (size_t i = 0; i < n; i++)
            if (!p[i].lo || p[i].lo > p[i].hi) abort();
    free(s);
    return 0;
}
