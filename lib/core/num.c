/* num.c -- the out-of-line part of num.h: whole NUL-terminated strings
 * (command-line options, query arguments), where speed does not matter and
 * strtoull's leniency (leading space, a sign, errno) would. */
#include "core/num.h"

#include <string.h>

int ww_num_str(const char *s, uint64_t max, uint64_t *out)
{
    return ww_num_span(s, strlen(s), max, out);
}
