/* stack.c -- the simulator's TCP stacks (lib/sim/stack.c): each stack's
 * SYN and its line in p0f's notation, the mixes against their percentages
 * over many addresses, background hosts' stacks agreeing with the writers'
 * initial TTL (and keeping the TTL the writers gave them), and a run's
 * events: every SYN and only SYNs fingerprinted, the worm's from Windows
 * 2000/XP, the same fingerprints from the same seed. */
#include <string.h>

#include "out/write.h"
#include "sim/sim.h"
#include "sim/stack.h"
#include "test.h"

#define US 1000000LL

static unsigned find(const char *name)
{
    for (unsigned k = 0; k < ww_sim_nstacks; k++)
        if (!strcmp(ww_sim_stacks[k].name, name)) return k;
    CHECK(!"no such stack");
    return 0;
}

static void addr_of(struct ww_addr *a, uint32_t x)
{
    uint8_t v4[4] = {(uint8_t)(x >> 24), (uint8_t)(x >> 16), (uint8_t)(x >> 8), (uint8_t)x};
    ww_addr_from_v4(a, v4);
}

static void test_sigs(void)
{
    char b[128];
    static const struct { const char *name, *sig; } want[] = {
        {"Windows XP SP2", "*:128:0:*:65535,0:mss,nop,nop,sok:df,id+:0"},
        {"Windows 2000", "*:128:0:*:16384,0:mss,nop,nop,sok:df,id+:0"},
        {"Windows 7", "*:128:0:*:8192,8:mss,nop,ws,nop,nop,sok:df,id+:0"},
        {"Linux 3.11+", "*:64:0:*:mss*20,7:mss,sok,ts,nop,ws:df,id+:0"},
        {"macOS 10.9+", "*:64:0:*:65535,4:mss,nop,ws,nop,nop,ts,sok,eol+1:df,id+:0"},
        {"nmap SYN scan", "*:64-:0:*:1024,0:mss::0"},
        {"masscan", "*:255:0:0:1024,0:::0"},
        {"Mirai", "*:64:0:0:*,0:::0"},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        CHECK(ww_sim_stack_sig(find(want[i].name), b, sizeof b) == strlen(want[i].sig));
        CHECK_STR(b, want[i].sig);
    }
    CHECK(ww_sim_stack_sig(find("Windows XP SP2"), b, 10) == 0);
    CHECK(ww_sim_stack_sig(ww_sim_nstacks, b, sizeof b) == 0);
}

static void test_fp(void)
{
    struct ww_addr a;
    struct ww_synfp fp, again;
    addr_of(&a, 0x51020304); /* 81.2.3.4 */
    ww_sim_stack_fp(find("Windows XP SP2"), &a, &fp);
    CHECK_INT(fp.flags, WW_FP_SET | WW_FP_OPTS);
    CHECK(fp.ttl <= 128 - 6 && fp.ttl >= 128 - 25);
    CHECK_INT(fp.win, 65535);
    CHECK_INT(fp.mss, 1460);
    CHECK_INT(fp.nopt, 4);
    CHECK(fp.opt[0] == 2 && fp.opt[1] == 1 && fp.opt[2] == 1 && fp.opt[3] == 4);
    CHECK_INT(fp.quirks, WW_FPQ_DF | WW_FPQ_ID_PLUS);
    CHECK_INT(fp.wscale, 0);
    ww_sim_stack_fp(find("Windows XP SP2"), &a, &again);
    CHECK(!memcmp(&fp, &again, sizeof fp));

    ww_sim_stack_fp(find("Linux 3.11+"), &a, &fp);
    CHECK_INT(fp.win, 29200);
    CHECK_INT(fp.wscale, 7);
    CHECK(fp.ttl <= 64 - 6 && fp.ttl >= 64 - 25);
    CHECK(fp.nopt == 5 && fp.opt[2] == 8 && fp.opt[4] == 3);
    ww_sim_stack_fp(find("Windows XP (64240)"), &a, &fp);
    CHECK_INT(fp.win, 64240);
    ww_sim_stack_fp(find("macOS 10.9+"), &a, &fp);
    CHECK(fp.nopt == 8 && fp.opt[7] == 0 && fp.eol_pad == 1 && fp.wscale == 4);
    ww_sim_stack_fp(find("masscan"), &a, &fp);
    CHECK(fp.nopt == 0 && fp.mss == 0 && fp.win == 1024 && fp.quirks == 0);
    CHECK(fp.ttl <= 255 - 6 && fp.ttl >= 255 - 25);
    CHECK_INT(fp.flags, WW_FP_SET | WW_FP_OPTS);

    /* nmap: 37-59 less the hops, whatever the address; Mirai: a window of
       its own per bot */
    int nmap_ok = 1, wins = 0;
    uint16_t first = 0;
    for (uint32_t i = 0; i < 1000; i++) {
        addr_of(&a, 0x51000000 + i * 7919);
        ww_sim_stack_fp(find("nmap SYN scan"), &a, &fp);
        nmap_ok &= fp.ttl >= 37 - 25 && fp.ttl <= 59 - 6 && fp.win == 1024 && fp.nopt == 1 && !fp.quirks;
        ww_sim_stack_fp(find("Mirai"), &a, &fp);
        if (i == 0) first = fp.win;
        wins += fp.win != first;
    }
    CHECK(nmap_ok);
    CHECK(wins > 900);
}

/* Every role's mix adds up to 100 and comes out as its percentages. */
static void test_mix(void)
{
    enum { N = 40000 };
    for (unsigned role = WW_SIM_ROLE_WORM; role < WW_SIM_NROLES; role++) {
        unsigned total = 0, count[32] = {0};
        for (unsigned k = 0; k < ww_sim_nstacks; k++) total += ww_sim_stack_share(role, k);
        CHECK_INT(total, 100);
        struct ww_addr a;
        for (uint32_t i = 0; i < N; i++) {
            addr_of(&a, (uint32_t)test_rand());
            count[ww_sim_stack_pick(role, &a)]++;
        }
        for (unsigned k = 0; k < ww_sim_nstacks; k++) {
            double got = 100.0 * count[k] / N, want = ww_sim_stack_share(role, k);
            if (got < want - 1.5 || got > want + 1.5)
                fprintf(stderr, "role %s, stack %s: %.1f%%, want %.0f%%\n", ww_sim_role_name(role),
                        ww_sim_stacks[k].name, got, want);
            CHECK(got >= want - 1.5 && got <= want + 1.5);
        }
    }
    CHECK_STR(ww_sim_role_name(WW_SIM_ROLE_WORM), "worm");
    CHECK(ww_sim_role_name(WW_SIM_NROLES) == NULL);
}

/* A background host's stack has the initial TTL the writers give its
 * address (so its source ports, chosen by that TTL, fit), and the TTL it
 * sends is the one the writers gave it before the stacks existed. */
static void test_host(void)
{
    int agree = 1, same_ttl = 1;
    struct ww_addr a;
    for (uint32_t i = 0; i < 20000; i++) {
        addr_of(&a, (uint32_t)test_rand());
        unsigned k = ww_sim_stack_pick(WW_SIM_ROLE_HOST, &a), ttl0 = ww_write_initial_ttl(&a);
        agree &= ww_sim_stacks[k].ittl == ttl0;
        struct ww_event ev;
        struct ww_write_shape sh;
        memset(&ev, 0, sizeof ev);
        ev.src = a;
        ev.dst = a;
        ev.proto = WW_PROTO_TCP;
        ev.tcpflags = WW_TH_SYN;
        ww_write_shape(&ev, &sh);
        ww_sim_stack_fp(k, &a, &ev.fp);
        same_ttl &= ev.fp.ttl == sh.ttl;
    }
    CHECK(agree);
    CHECK(same_ttl);
}

/* A run's events. */
struct seen {
    uint64_t syns, others, bad, worm, worm_bad, hash;
};

static void on_ev(void *ctx, unsigned sensor, int kind, int stack, const struct ww_event *ev)
{
    struct seen *s = ctx;
    (void)sensor;
    int syn = ev->proto == WW_PROTO_TCP && (ev->tcpflags & (WW_TH_SYN | WW_TH_ACK)) == WW_TH_SYN;
    if (syn) {
        s->syns++;
        struct ww_synfp want;
        if (stack < 0 || (unsigned)stack >= ww_sim_nstacks) { s->bad++; return; }
        ww_sim_stack_fp((unsigned)stack, &ev->src, &want);
        s->bad += memcmp(&want, &ev->fp, sizeof want) != 0;
        if (kind == WW_SIM_WORMEV) {
            s->worm++;
            s->worm_bad += !ww_sim_stack_share(WW_SIM_ROLE_WORM, (unsigned)stack) ||
                           strncmp(ww_sim_stacks[stack].name, "Windows", 7);
        }
    } else {
        s->others++;
        s->bad += stack != -1 || ev->fp.flags != 0;
    }
    for (size_t i = 0; i < sizeof ev->fp; i++)
        s->hash = (s->hash ^ ((const uint8_t *)&ev->fp)[i]) * 0x100000001b3ULL;
}

static void run(struct seen *seen, uint64_t seed)
{
    struct ww_sim_opts o;
    struct ww_sim *s = NULL;
    ww_sim_opts_default(&o);
    o.seed = seed;
    o.end_us = o.start_us + 3 * 3600 * US;
    o.worm_start_us = o.start_us + 3600 * US;
    o.vulnerable = 20000;
    o.initial = 2000;
    o.scenarios = WW_SCEN_WORM | WW_SCEN_CAMPAIGN | WW_SCEN_FLOOD | WW_SCEN_SCANNERS | WW_SCEN_BACKSCATTER;
    memset(seen, 0, sizeof *seen);
    CHECK_INT(ww_sim_new(&o, &s, NULL, 0), WW_OK);
    ww_sim_run(s, on_ev, NULL, seen);
    ww_sim_free(s);
}

static void test_run(void)
{
    struct seen a, b;
    run(&a, 3);
    CHECK(a.syns > 10000 && a.others > 1000 && a.worm > 1000);
    CHECK_INT(a.bad, 0);
    CHECK_INT(a.worm_bad, 0);
    run(&b, 3);
    CHECK(a.hash == b.hash);
    run(&b, 4);
    CHECK(a.hash != b.hash);
}

TEST_MAIN(
    test_rand_state = 17;
    test_sigs();
    test_fp();
    test_mix();
    test_host();
    test_run();
)
