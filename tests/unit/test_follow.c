/* test_follow.c -- tail -F semantics: complete lines only, resume at a saved
 * (inode, offset), rotation (rename + new file, with lines added to the old
 * file just before), truncation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "follow.h"
#include "test.h"

static void append(const char *path, const char *s)
{
    FILE *fp = fopen(path, "a");
    fputs(s, fp);
    fclose(fp);
}

/* next line as a string, or "" if none */
static const char *next(struct ww_follow *f)
{
    static char buf[256];
    const char *l;
    size_t n;
    if (ww_follow_line(f, &l, &n) != 1)
        return "";
    snprintf(buf, sizeof buf, "%.*s", (int)n, l);
    return buf;
}

static void run(void)
{
    char dir[] = "/tmp/test_follow.XXXXXX", path[256], old[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/log", dir);
    snprintf(old, sizeof old, "%s/log.1", dir);

    struct ww_follow *f = ww_follow_open(path, 0, 0); /* not there yet */
    CHECK_STR(next(f), "");
    append(path, "one\ntw");
    CHECK_STR(next(f), "one");
    CHECK_STR(next(f), "");               /* "tw" is incomplete */
    uint64_t ino, off;
    ww_follow_pos(f, &ino, &off);
    CHECK_INT(off, 4);
    CHECK(ino != 0);
    append(path, "o\nthree\n");
    CHECK_STR(next(f), "two");
    ww_follow_pos(f, &ino, &off);
    CHECK_INT(off, 8);
    ww_follow_free(f);

    /* resume where we left off */
    f = ww_follow_open(path, ino, off);
    CHECK_STR(next(f), "three");
    CHECK_STR(next(f), "");
    ww_follow_free(f);
    /* a different inode: start over */
    f = ww_follow_open(path, ino + 1, off);
    CHECK_STR(next(f), "one");
    ww_follow_free(f);

    /* rotation: the old file gets one more line, then a new file */
    f = ww_follow_open(path, ino, 14);
    CHECK_STR(next(f), "");
    append(path, "four\n");
    CHECK(rename(path, old) == 0);
    append(path, "five\n");
    CHECK_STR(next(f), "four");
    CHECK_STR(next(f), "five");
    uint64_t ino2;
    ww_follow_pos(f, &ino2, &off);
    CHECK(ino2 != ino);
    CHECK_INT(off, 5);

    /* truncation */
    CHECK(truncate(path, 0) == 0);
    CHECK_STR(next(f), "");
    append(path, "six\n");
    CHECK_STR(next(f), "six");
    ww_follow_pos(f, &ino, &off);
    CHECK_INT(ino, ino2);
    CHECK_INT(off, 4);

    /* an overlong line comes out in WW_FOLLOW_LINEMAX pieces */
    char *big = malloc(WW_FOLLOW_LINEMAX + 10);
    memset(big, 'x', WW_FOLLOW_LINEMAX + 8);
    big[WW_FOLLOW_LINEMAX + 8] = '\n';
    big[WW_FOLLOW_LINEMAX + 9] = 0;
    append(path, big);
    const char *l;
    size_t n;
    CHECK_INT(ww_follow_line(f, &l, &n), 1);
    CHECK_INT(n, WW_FOLLOW_LINEMAX);
    CHECK_INT(ww_follow_line(f, &l, &n), 1);
    CHECK_INT(n, 8);
    free(big);
    ww_follow_free(f);
    unlink(path);
    unlink(old);
    rmdir(dir);
}

TEST_MAIN(run())
