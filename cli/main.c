/* main.c -- `wormwatch CMD ...`: one binary, git-style subcommands.
 *
 * Every subcommand lives in its own cmd_<name>.c and exports one struct
 * ww_command; this table is the only place that lists them. `wormwatch help
 * CMD` and `wormwatch CMD --help` print the same usage text. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/err.h"
#include "core/mem.h"
#include "detect/known.h"

static const struct ww_command *const commands[] = {
    &ww_cmd_analyze,
    &ww_cmd_simulate,
    &ww_cmd_serve,
    &ww_cmd_sensor,
    &ww_cmd_key,
    &ww_cmd_report,
    &ww_cmd_block,
    &ww_cmd_exposure,
    &ww_cmd_store,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

void ww_warn(const char *fmt, ...)
{
    va_list ap;
    fputs("wormwatch: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int ww_usage_error(const struct ww_command *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "wormwatch %s: ", cmd->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'wormwatch %s --help'.\n", cmd->name);
    return WW_EXIT_USAGE;
}

int ww_wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--")) break;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return 1;
    }
    return 0;
}

int ww_parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-') return -1;
    *out = v;
    return 0;
}

int ww_parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

int ww_load_known(const char *path, struct ww_known **out)
{
    char err[512];
    enum ww_err rc = ww_known_load(path, out, err, sizeof err);
    if (!rc) return WW_EXIT_OK;
    ww_warn("%s", err);
    return rc == WW_ERR_PARSE ? WW_EXIT_USAGE : WW_EXIT_FAIL;
}

int ww_config_creds(const char *path, int must_exist, char **user, char **password)
{
    *user = *password = NULL;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (!must_exist && errno == ENOENT) return WW_EXIT_OK;
        ww_warn("%s: %s", path, strerror(errno));
        return WW_EXIT_FAIL;
    }
    char line[4096];
    while (fgets(line, sizeof line, f)) {
        char *p = line + strspn(line, " \t"), *eq = strchr(p, '='), *end;
        if (*p == '#' || !eq) continue;
        for (end = eq; end > p && (end[-1] == ' ' || end[-1] == '\t'); end--) {}
        *end = '\0';
        char *v = eq + 1 + strspn(eq + 1, " \t");
        for (end = v + strlen(v); end > v && strchr(" \t\r\n", end[-1]); end--) {}
        *end = '\0';
        char **slot = !strcmp(p, "clickhouse-user") ? user : !strcmp(p, "clickhouse-password") ? password : NULL;
        if (slot && !*slot) *slot = ww_strdup(v);
    }
    memset(line, 0, sizeof line);
    fclose(f);
    return WW_EXIT_OK;
}

static void overview(FILE *out)
{
    fprintf(out, "usage: wormwatch COMMAND [OPTIONS] [ARGS]\n\n"
                 "wormwatch reads firewall logs and packet captures, finds scanners and\n"
                 "ports whose scanning surges (the first sign of a worm).\n\nCommands:\n");
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "  %-10s %s\n\n", "help", "show help for a command");
    fprintf(out, "'wormwatch help COMMAND' or 'wormwatch COMMAND --help' for details.\n");
}

static const struct ww_command *find(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (!strcmp(commands[i]->name, name)) return commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        overview(stderr);
        return WW_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (!strcmp(name, "help") || !strcmp(name, "--help") || !strcmp(name, "-h")) {
        if (argc < 3) {
            overview(stdout);
            return WW_EXIT_OK;
        }
        const struct ww_command *c = find(argv[2]);
        if (!c) {
            ww_warn("no such command: %s", argv[2]);
            return WW_EXIT_USAGE;
        }
        fputs(c->usage, stdout);
        return WW_EXIT_OK;
    }
    if (!strcmp(name, "--version") || !strcmp(name, "version")) {
        printf("wormwatch 0.1\n");
        return WW_EXIT_OK;
    }
    const struct ww_command *c = find(name);
    if (!c) {
        ww_warn("no such command: %s (try 'wormwatch help')", name);
        return WW_EXIT_USAGE;
    }
    if (ww_wants_help(argc - 1, argv + 1)) {
        fputs(c->usage, stdout);
        return WW_EXIT_OK;
    }
    return c->run(argc - 1, argv + 1);
}
