/* synfp.c -- a SYN's fingerprint: TCP options read, text form written and
 * read back (see synfp.h). STUB until issue 17's fingerprint branch lands. */
#include "core/synfp.h"

#include <string.h>

void ww_synfp_options(struct ww_synfp *fp, const uint8_t *opt, size_t len)
{
    (void)opt;
    (void)len;
    fp->flags |= WW_FP_OPTS;
}

size_t ww_synfp_format(const struct ww_synfp *fp, char *buf, size_t size)
{
    (void)fp;
    if (size) buf[0] = 0;
    return 0;
}

enum ww_err ww_synfp_parse(const char *s, size_t len, struct ww_synfp *fp)
{
    (void)s;
    (void)len;
    memset(fp, 0, sizeof *fp);
    return WW_ERR_PARSE;
}
