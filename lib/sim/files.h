/* files.h -- a simulated run written as its sensors would have logged it
 * (`wormwatch simulate`).
 *
 * Into one directory: sensor-NN.log|tsv|pcap, one file per sensor in the
 * chosen format (netfilter LOG lines, DShield TSV or classic pcap, through
 * lib/out/write.h), truth.csv (time,infected,vulnerable per simulated
 * minute) and scenario.json (every parameter, the sensor blocks and the
 * counts; with scenarios, each one's parameters and ground truth; the TCP
 * stacks of the sources, sim/stack.h, with their SYNs and sources). The
 * engine hands out events in time order, so each file is in time order as
 * written. Nothing depends on the clock or the directory's name: the same
 * options give byte-identical files.
 */
#ifndef WW_SIM_FILES_H
#define WW_SIM_FILES_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/sim.h"

enum ww_sim_format { WW_SIM_NETFILTER, WW_SIM_DSHIELD, WW_SIM_PCAP };
/* "netfilter", "dshield" or "pcap"; WW_ERR_ARG for any other name. */
int ww_sim_format_parse(const char *name, enum ww_sim_format *out);

/* What a written run holds, over all sensors. */
struct ww_sim_counts {
    uint64_t records, worm, scenario; /* scenario: the events of the scenarios other than worms */
};

/* Creates dir (and its parents), removes earlier runs' sensor files from
 * it, runs sim once and writes the files above; spec is the --sensors text
 * kept in scenario.json. WW_OK, or WW_ERR_IO with "PATH: why" in err. */
int ww_sim_files_write(struct ww_sim *sim, const struct ww_sim_opts *o, const char *spec,
                       enum ww_sim_format fmt, const char *dir, struct ww_sim_counts *counts,
                       char *err, size_t errlen);
/* Three lines for people: the span and the counts, the worm's course, and
 * what was written. */
void ww_sim_files_summary(FILE *out, const struct ww_sim *sim, const struct ww_sim_opts *o,
                          enum ww_sim_format fmt, const char *dir, const struct ww_sim_counts *c);

#endif
