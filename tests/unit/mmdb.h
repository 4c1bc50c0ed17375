/* mmdb.h -- the MaxMind-format test databases for the unit tests that need
 * them (test_detect_geo, test_detect_mix, ...): tests/tools/mkmmdb.pl
 * builds them at test time, with Debian's MaxMind::DB::Writer::Tree, into a
 * mkdtemp directory ($TMPDIR or /tmp) that mmdb_cleanup() removes.
 *
 * mmdb_path("GeoLite2-ASN.mmdb") is the built file, or NULL when they could
 * not be built here: the Perl module (or perl) is missing, and the part of
 * the test that needs them returns early, the test then ending SKIP with
 * the reason (test.h's test_skipped). A build that fails otherwise is a
 * failure. Tests run from the project root (tests/run.sh does), where
 * tests/tools/mkmmdb.pl is. The file names and what is in them: the
 * comment at the top of mkmmdb.pl. */
#ifndef WW_TEST_MMDB_H
#define WW_TEST_MMDB_H
#include <dirent.h>
#include <sys/wait.h>

#include "test.h"

static char mmdb_dir[512];
static int mmdb_state; /* 0 not tried, 1 built, -1 not available */

static inline const char *mmdb_path(const char *name)
{
    static char ring[4][1024]; /* four at a time: ww_geo_open(mmdb_path(a), mmdb_path(b), ...) */
    static unsigned next;
    char *path = ring[next++ % 4];
    if (mmdb_state == 0) {
        const char *t = getenv("TMPDIR");
        char cmd[700];
        mmdb_state = -1;
        snprintf(mmdb_dir, sizeof mmdb_dir, "%s/ww_test_mmdb.XXXXXX", t && *t ? t : "/tmp");
        if (!mkdtemp(mmdb_dir)) { perror(mmdb_dir); exit(1); }
        snprintf(cmd, sizeof cmd, "perl tests/tools/mkmmdb.pl '%s'", mmdb_dir);
        int st = system(cmd);
        int rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (rc == 77)
            test_skipped = "Perl module MaxMind::DB::Writer::Tree is missing (Debian: libmaxmind-db-writer-perl)";
        else if (rc == 127)
            test_skipped = "perl is not installed (the test databases are built with it)";
        else if (rc != 0) {
            test_failures++;
            fprintf(stderr, "%s: exit %d (run the tests from the project root)\n", cmd, rc);
        } else
            mmdb_state = 1;
    }
    if (mmdb_state != 1) return NULL;
    snprintf(path, sizeof ring[0], "%s/%s", mmdb_dir, name);
    return path;
}

/* Removes the directory and what mkmmdb.pl wrote into it. */
static inline void mmdb_cleanup(void)
{
    if (!mmdb_dir[0]) return;
    DIR *d = opendir(mmdb_dir);
    if (d) {
        struct dirent *e;
        char path[1024];
        while ((e = readdir(d)))
            if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", mmdb_dir, e->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(mmdb_dir);
    mmdb_dir[0] = 0;
}

#endif
