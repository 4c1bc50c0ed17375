/* spool.c -- the batch spool: FIFO order, durability across reopen,
 * the byte bound (oldest dropped, their lines counted), truncation of uncommitted batches. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"
#include "sensor/spool.h"
#include "test.h"

static void rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[512];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.' || (de->d_name[1] && de->d_name[1] != '.')) {
            snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
            unlink(p);
        }
    if (d) closedir(d);
    rmdir(dir);
}

static void run(void)
{
    char dir[] = "/tmp/test_spool.XXXXXX", sd[256];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(sd, sizeof sd, "%s/spool", dir);
    struct ww_spool *sp;
    size_t len;
    uint64_t dropped;
    uint64_t seq;
    char id[WW_SPOOL_IDMAX + 1], *data, err[256];

    CHECK_INT(ww_spool_open(sd, 25, &sp, err, sizeof err), WW_OK);
    CHECK_INT(ww_spool_oldest(sp, &seq, id, &data, &len, err, sizeof err), WW_OK);
    CHECK(data == NULL);
    CHECK_INT(ww_spool_put(sp, 1, "abc-1", "012345678\n", 10, &dropped, err, sizeof err), WW_OK);
    CHECK_INT(dropped, 0);
    CHECK_INT(ww_spool_put(sp, 2, "abc-2", "abcdefghi\n", 10, &dropped, err, sizeof err), WW_OK);
    CHECK_INT(ww_spool_put(sp, 2, "abc-2", "x", 1, &dropped, err, sizeof err), WW_ERR_ARG); /* seq must grow */
    /* leftover temporary file from a crash */
    char tmp[300];
    snprintf(tmp, sizeof tmp, "%s/.tmp-9", sd);
    FILE *fp = fopen(tmp, "w");
    fputs("partial", fp);
    fclose(fp);
    ww_spool_free(sp);

    CHECK_INT(ww_spool_open(sd, 25, &sp, err, sizeof err), WW_OK);
    CHECK(access(tmp, F_OK) != 0);
    CHECK_INT(ww_spool_count(sp), 2);
    CHECK_INT(ww_spool_bytes(sp), 20);
    CHECK_INT(ww_spool_oldest(sp, &seq, id, &data, &len, err, sizeof err), WW_OK);
    CHECK_INT(seq, 1);
    CHECK_STR(id, "abc-1");
    CHECK_INT(len, 10);
    CHECK(!memcmp(data, "012345678\n", 10));
    ww_free(data);
    /* over 25 bytes: the oldest goes */
    CHECK_INT(ww_spool_put(sp, 3, "abc-3", "ABCDEFGHI\n", 10, &dropped, err, sizeof err), WW_OK);
    CHECK_INT(dropped, 1); /* one line */
    CHECK_INT(ww_spool_count(sp), 2);
    CHECK_INT(ww_spool_oldest(sp, &seq, id, &data, &len, err, sizeof err), WW_OK);
    CHECK_INT(seq, 2);
    ww_free(data);
    /* a batch bigger than the bound still stays (alone) */
    CHECK_INT(ww_spool_put(sp, 4, "abc-4", "0123456789\n012345678\n012345678\n", 31, &dropped, err, sizeof err), WW_OK);
    CHECK_INT(dropped, 2); /* two batches of a line each */
    CHECK_INT(ww_spool_count(sp), 1);
    CHECK_INT(ww_spool_put(sp, 5, "abc-5", "5\n", 2, &dropped, err, sizeof err), WW_OK);
    CHECK_INT(dropped, 3); /* 31 + 2 > 25: the three lines of abc-4 */
    CHECK_INT(ww_spool_put(sp, 6, "abc-6", "6\n", 2, &dropped, err, sizeof err), WW_OK);
    CHECK_INT(dropped, 0);
    CHECK_INT(ww_spool_last_seq(sp), 6);
    ww_spool_truncate(sp, 6);
    CHECK_INT(ww_spool_last_seq(sp), 5);
    ww_spool_remove(sp, 5);
    CHECK_INT(ww_spool_count(sp), 0);
    CHECK_INT(ww_spool_bytes(sp), 0);
    ww_spool_free(sp);
    CHECK_INT(ww_spool_open(sd, 25, &sp, err, sizeof err), WW_OK);
    CHECK_INT(ww_spool_count(sp), 0);
    ww_spool_free(sp);
    rmtree(sd);
    rmdir(dir);
}

TEST_MAIN(run())
