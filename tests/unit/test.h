/* test.h -- the smallest unit-test harness that can fail.
 * CHECK(cond) records a failure with file:line and goes on; TEST_MAIN
 * returns 1 if any check failed, else 77 (SKIP for tests/run.sh) if a part
 * could not run here (HAVE_CORPUS() said the shared corpus is absent), else
 * 0; it prints one summary line, naming what was skipped last. */
#ifndef WW_TEST_H
#define WW_TEST_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int test_checks, test_failures;

/* A seeded random stream (splitmix64): the same numbers on every run. */
static uint64_t test_rand_state;
static inline uint64_t test_rand(void)
{
    uint64_t z = (test_rand_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static const char *test_skipped; /* why a part did not run, or NULL */

#define CHECK(cond) do { test_checks++; if (!(cond)) { test_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_INT(a, b) do { long long _a = (long long)(a), _b = (long long)(b); \
    test_checks++; if (_a != _b) { test_failures++; \
    fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, _a, _b); } } while (0)
#define CHECK_STR(a, b) do { const char *_a = (a), *_b = (b); test_checks++; \
    if (!_a || strcmp(_a, _b)) { test_failures++; \
    fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
            _a ? _a : "(null)", _b); } } while (0)

/* A file of the shared real-data corpus: $CORPUS/rel (tests/run.sh sets
 * CORPUS), else ../shared/corpus/rel from the project root. */
static inline const char *corpus_path(const char *rel)
{
    static char path[4096];
    const char *dir = getenv("CORPUS");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "../shared/corpus", rel);
    return path;
}

/* True when the shared corpus is there (its README.md is). When it is not,
 * the part that needs it returns early and the test ends SKIP, not PASS;
 * a missing file inside a present corpus is a failure, not a skip. */
#define HAVE_CORPUS() (access(corpus_path("README.md"), R_OK) == 0 || \
    (test_skipped = "the shared real-data corpus is not at $CORPUS or ../shared/corpus", 0))

#define TEST_MAIN(body) int main(void) { body; \
    printf("%s: %d checks, %d failed\n", __FILE__, test_checks, test_failures); \
    if (test_failures) return 1; \
    if (test_skipped) { printf("%s: part skipped: %s\n", __FILE__, test_skipped); return 77; } \
    return 0; }

#endif
