/* parse.c -- what reading and parsing text logs costs, alone (issue 16).
 *
 * `build/bench_parse [-n RUNS] FILE...` reads the files through the very
 * path `wormwatch analyze` uses (ingest/input.h ww_input_files: sniffing,
 * block reads, line splitting, the format's parser, the k-way merge) with
 * an on_event that only folds each event's fields into a checksum, so the
 * detectors cost nothing and what is timed is the ingest side. Each run
 * reads everything once; the best run (least CPU time, user + system from
 * getrusage) is printed as lines/s, MB/s, ns per line, CPU and wall
 * seconds, with the line, event and bad-line counts and the checksum (the
 * same checksum before and after a parser change says the events are the
 * same). Beside it, in the same run, the named peer: `wc -l` over the same
 * files (GNU coreutils: block reads and a newline count, the floor for
 * reading lines at all), its CPU time from wait4(), best of the same number
 * of runs. Figures go into docs/PERFORMANCE.md by hand ("Parsing (issue 16)"). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#include "core/addr.h"
#include "core/wtime.h"
#include "ingest/input.h"

struct tally {
    uint64_t sum;
    struct ww_input_stats st;
    int failed;
};

static void on_event(void *ctx, const struct ww_event *ev)
{
    struct tally *t = ctx;
    uint64_t x = (uint64_t)ev->ts_us ^ ww_addr_hash(&ev->src) ^ (ww_addr_hash(&ev->dst) << 1);
    x ^= (uint64_t)ev->sport << 48 | (uint64_t)ev->dport << 32 | (uint64_t)ev->proto << 24 |
         (uint64_t)ev->tcpflags << 16 | (uint64_t)ev->action << 8 | ev->outcome;
    x ^= (uint64_t)ev->src.family << 4 ^ (uint64_t)ev->dst.family << 12 ^ (uint64_t)ev->count << 40;
    t->sum += ww_hash64(x);
}

static void on_done(void *ctx, const char *path, enum ww_err rc, const struct ww_input_stats *st,
                    uint64_t err_line, const char *msg)
{
    struct tally *t = ctx;
    t->st.lines += st->lines, t->st.events += st->events;
    t->st.skipped += st->skipped, t->st.bytes += st->bytes;
    if (rc) {
        fprintf(stderr, "bench_parse: %s: line %llu: %s\n", path, (unsigned long long)err_line, msg);
        t->failed = 1;
    }
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* `wc -l FILE...` with its output thrown away: its CPU seconds, -1 if it
 * could not be run. */
static double peer_wc(char **files, int n)
{
    char **argv = calloc((size_t)n + 3, sizeof *argv);
    posix_spawn_file_actions_t fa;
    pid_t pid;
    int status;
    struct rusage ru;
    double cpu = -1;
    argv[0] = "wc", argv[1] = "-l";
    for (int i = 0; i < n; i++) argv[2 + i] = files[i];
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (!posix_spawnp(&pid, "wc", &fa, NULL, argv, environ) && wait4(pid, &status, 0, &ru) == pid &&
        WIFEXITED(status) && WEXITSTATUS(status) == 0)
        cpu = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
              (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    posix_spawn_file_actions_destroy(&fa);
    free(argv);
    return cpu;
}

int main(int argc, char **argv)
{
    int runs = 3, first = 1;
    if (argc > 2 && !strcmp(argv[1], "-n")) runs = atoi(argv[2]), first = 3;
    if (first >= argc || runs < 1) {
        fprintf(stderr, "usage: bench_parse [-n RUNS] FILE...\n");
        return 2;
    }
    struct tally best = {0};
    double best_cpu = 0, best_wall = 0;
    for (int r = 0; r < runs; r++) {
        struct ww_input_opts o;
        struct tally t = {0};
        ww_input_opts_init(&o);
        o.on_event = on_event;
        o.event_ctx = &t;
        double c0 = cpu_s();
        int64_t w0 = ww_mono_us();
        ww_input_files((const char *const *)argv + first, (size_t)(argc - first), &o, on_done, &t);
        double cpu = cpu_s() - c0, wall = (double)(ww_mono_us() - w0) / 1e6;
        if (t.failed) return 1;
        fprintf(stderr, "run %d: %.3f s CPU, %.3f s wall\n", r + 1, cpu, wall);
        if (r == 0 || cpu < best_cpu) best = t, best_cpu = cpu, best_wall = wall;
    }
    double lines = (double)best.st.lines, peer = -1;
    for (int r = 0; r < runs; r++) {
        double c = peer_wc(argv + first, argc - first);
        if (c >= 0 && (peer < 0 || c < peer)) peer = c;
    }
    printf("lines %llu events %llu bad %llu bytes %llu checksum %016llx\n",
           (unsigned long long)best.st.lines, (unsigned long long)best.st.events,
           (unsigned long long)best.st.skipped, (unsigned long long)best.st.bytes,
           (unsigned long long)best.sum);
    printf("best of %d: %.3f s CPU, %.3f s wall, %.2f M lines/s, %.0f MB/s, %.0f ns/line (CPU)\n",
           runs, best_cpu, best_wall, lines / best_cpu / 1e6,
           (double)best.st.bytes / best_cpu / 1e6, best_cpu * 1e9 / (lines ? lines : 1));
    if (peer < 0)
        printf("peer wc -l: could not be run\n");
    else
        printf("peer wc -l, best of %d: %.3f s CPU, %.2f M lines/s, %.0f MB/s, %.0f ns/line (CPU)\n",
               runs, peer, lines / peer / 1e6, (double)best.st.bytes / peer / 1e6,
               peer * 1e9 / (lines ? lines : 1));
    return 0;
}
