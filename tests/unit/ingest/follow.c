/* follow.c -- tail -F semantics: complete lines only, resume at a saved
 * (inode, offset), rotation (rename + new file, with lines added to the old
 * file just before), truncation; rotation while nobody followed: the sibling
 * lookup by inode, resuming in the renamed file, and the lost and truncated
 * cases reported by ww_follow_started. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ingest/follow.h"
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

static uint64_t inode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Rotation while the follower was stopped. */
/* ww_follow_find_rotated's found flag, when it succeeds. */
static int rotated(const char *path, uint64_t inode, char *buf, size_t size)
{
    int found = -1;
    CHECK_INT(ww_follow_find_rotated(path, inode, buf, size, &found), WW_OK);
    return found;
}

static void run_down(void)
{
    char dir[] = "/tmp/test_follow_down.XXXXXX", path[256], p1[256], p2[256], buf[512];
    int found;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/fw.log", dir);
    snprintf(p1, sizeof p1, "%s/fw.log-20261127", dir);
    snprintf(p2, sizeof p2, "%s/other", dir);

    append(path, "a\nb\n");
    struct ww_follow *f = ww_follow_open(path, 0, 0);
    CHECK_INT(ww_follow_started(f, NULL), WW_FOLLOW_FRESH);
    CHECK_STR(next(f), "a");
    uint64_t ino, off;
    ww_follow_pos(f, &ino, &off);
    CHECK_INT(off, 2);
    ww_follow_free(f);                       /* "stopped" after line a */

    /* the lookup: only a regular file named like fw.log* with that inode */
    CHECK_INT(rotated(path, ino, buf, sizeof buf), 0); /* path itself is not a sibling */
    CHECK(link(path, p2) == 0);                                        /* wrong prefix */
    CHECK_INT(rotated(path, ino, buf, sizeof buf), 0);
    append(path, "c\n");                                              /* written while down */
    CHECK(rename(path, p1) == 0);
    append(path, "d\ne\n");                                          /* the new file */
    CHECK_INT(rotated(path, ino, buf, sizeof buf), 1);
    CHECK_STR(buf, p1);
    CHECK_INT(rotated(path, inode_of(p1) + 12345, buf, sizeof buf), 0);
    char sym[300];
    snprintf(sym, sizeof sym, "%s/fw.log.1", dir);
    CHECK(symlink(p1, sym) == 0);                                      /* symlinks do not count */
    CHECK(unlink(p1) == 0);
    CHECK_INT(rotated(path, ino, buf, sizeof buf), 0);  /* only "other" has it */
    CHECK(rename(p2, p1) == 0);
    unlink(sym);
    CHECK_INT(ww_follow_find_rotated("no/such/dir/fw.log", ino, buf, sizeof buf, &found), WW_ERR_IO);
    CHECK_INT(found, 0);

    /* resume: the rest of the renamed file, then the new one from 0 */
    f = ww_follow_open(path, ino, off);
    const char *rot;
    CHECK_INT(ww_follow_started(f, &rot), WW_FOLLOW_ROTATED);
    CHECK_STR(rot, p1);
    CHECK_STR(next(f), "b");
    uint64_t i2, o2;
    ww_follow_pos(f, &i2, &o2);
    CHECK_INT(i2, ino);                      /* a position in the old file */
    CHECK_INT(o2, 4);
    CHECK_STR(next(f), "c");
    CHECK_STR(next(f), "d");
    ww_follow_pos(f, &i2, &o2);
    CHECK_INT(i2, inode_of(path));
    CHECK_INT(o2, 2);
    ww_follow_free(f);

    /* the saved position inside the rotated file resumes there too */
    f = ww_follow_open(path, ino, 4);
    CHECK_INT(ww_follow_started(f, NULL), WW_FOLLOW_ROTATED);
    CHECK_STR(next(f), "c");
    ww_follow_free(f);

    /* same file, resumed; same file, now shorter: truncated */
    f = ww_follow_open(path, inode_of(path), 2);
    CHECK_INT(ww_follow_started(f, &rot), WW_FOLLOW_RESUMED);
    CHECK(rot == NULL);
    CHECK_STR(next(f), "e");
    ww_follow_free(f);
    f = ww_follow_open(path, inode_of(path), 100);
    CHECK_INT(ww_follow_started(f, NULL), WW_FOLLOW_TRUNCATED);
    CHECK_STR(next(f), "d");
    ww_follow_free(f);

    /* the old file gone (deleted or compressed): lost, new file from 0 */
    CHECK(unlink(p1) == 0);
    f = ww_follow_open(path, ino, off);
    CHECK_INT(ww_follow_started(f, &rot), WW_FOLLOW_LOST);
    CHECK(rot == NULL);
    CHECK_STR(next(f), "d");
    ww_follow_free(f);

    /* renamed and nothing new at path yet: the old file, then path once it appears */
    uint64_t ino3 = inode_of(path);
    CHECK(rename(path, p1) == 0);
    f = ww_follow_open(path, ino3, 2);
    CHECK_INT(ww_follow_started(f, NULL), WW_FOLLOW_ROTATED);
    CHECK_STR(next(f), "e");
    CHECK_STR(next(f), "");
    append(path, "f\n");
    CHECK_STR(next(f), "f");
    ww_follow_free(f);

    unlink(path);
    unlink(p1);
    rmdir(dir);
}

TEST_MAIN(run(); run_down())
