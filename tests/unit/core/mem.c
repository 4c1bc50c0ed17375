/* mem.c -- lib/core/mem.c and lib/core/err.c (err's test lives here):
 * the allocation wrappers never return NULL (zero sizes included), calloc
 * zeroes, realloc keeps the prefix, strdup copies; every enum ww_err has
 * its own name and an unknown code says so. The out-of-memory abort is not
 * run here: it ends the process by design. */
#include <stdint.h>
#include <string.h>

#include "test.h"
#include "core/err.h"
#include "core/mem.h"

static void test_mem(void)
{
    void *p = ww_malloc(0);
    CHECK(p != NULL);
    ww_free(p);
    p = ww_calloc(0, 0);
    CHECK(p != NULL);
    ww_free(p);
    p = ww_calloc(0, 8);
    CHECK(p != NULL);
    ww_free(p);

    unsigned char *z = ww_calloc(1000, 3);
    size_t nonzero = 0;
    for (size_t i = 0; i < 3000; i++) nonzero += z[i] != 0;
    CHECK_INT(nonzero, 0);
    for (size_t i = 0; i < 3000; i++) z[i] = (unsigned char)i;
    z = ww_realloc(z, 1 << 20); /* grown: the old bytes kept */
    size_t kept = 0;
    for (size_t i = 0; i < 3000; i++) kept += z[i] == (unsigned char)i;
    CHECK_INT(kept, 3000);
    z[(1 << 20) - 1] = 1;
    z = ww_realloc(z, 10); /* shrunk: the prefix kept */
    CHECK(z[9] == 9);
    z = ww_realloc(z, 0);  /* zero: a valid pointer still, not freed */
    CHECK(z != NULL);
    ww_free(z);
    z = ww_realloc(NULL, 16); /* NULL: as malloc */
    CHECK(z != NULL);
    ww_free(z);

    const char *s = "wormwatch \xe2\x9c\x93";
    char *d = ww_strdup(s);
    CHECK(d != s);
    CHECK_STR(d, s);
    ww_free(d);
    d = ww_strdup("");
    CHECK_STR(d, "");
    ww_free(d);
    ww_free(NULL);
}

static void test_err(void)
{
    CHECK_INT(WW_OK, 0);
    CHECK_STR(ww_strerror(WW_OK), "ok");
    CHECK_STR(ww_strerror(WW_ERR_IO), "I/O error");
    CHECK_STR(ww_strerror(WW_ERR_PARSE), "parse error");
    CHECK_STR(ww_strerror(WW_ERR_FORMAT), "unknown input format");
    CHECK_STR(ww_strerror(WW_ERR_LIMIT), "limit exceeded");
    CHECK_STR(ww_strerror(WW_ERR_ARG), "invalid argument");
    CHECK_STR(ww_strerror(WW_ERR_ARG + 1), "unknown error");
    CHECK_STR(ww_strerror(-1), "unknown error");
    /* every code has a name of its own */
    for (int a = WW_OK; a <= WW_ERR_ARG; a++)
        for (int b = a + 1; b <= WW_ERR_ARG; b++) CHECK(strcmp(ww_strerror(a), ww_strerror(b)));
}

TEST_MAIN(
    test_mem();
    test_err();
)
