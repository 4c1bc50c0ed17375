/* test.h -- the smallest unit-test harness that can fail.
 * CHECK(cond) records a failure with file:line and goes on; TEST_MAIN
 * returns nonzero if any check failed, and prints one summary line. */
#ifndef WW_TEST_H
#define WW_TEST_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int test_checks, test_failures;

#define CHECK(cond) do { test_checks++; if (!(cond)) { test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
    test_checks++; if (_a != _b) { test_failures++; \
    fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); test_checks++; \
    if (!_a || strcmp(_a, _b)) { test_failures++; \
    fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
            _a ? _a : "(null)", _b); } } while (0)

/* A file of the real-data corpus: $CORPUS/rel (tests/run.sh sets CORPUS),
 * else ../shared/corpus/rel from the project root. */
static inline const char *corpus_path(const char *rel)
{
    static char path[4096];
    const char *dir = getenv("CORPUS");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "../shared/corpus", rel);
    return path;
}

#define TEST_MAIN(body) int main(void) { body; \
    printf("%s: %d checks, %d failed\n", __FILE__, test_checks, test_failures); \
    return test_failures != 0; }

#endif
