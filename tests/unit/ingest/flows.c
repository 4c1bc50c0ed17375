/* flows.c -- struct ww_flows on synthetic packet sequences: each rule
 * of pkt.h (answers, timeouts, retransmissions, stealth probes, ICMP errors,
 * echo), capacity eviction, idle expiry, index deletion under load, and
 * the one probe that finds a flow either way (a flow to itself, ICMP keys,
 * a growing index). */
#include "test.h"
#include "ingest/decode.h"
#include "ingest/flows.h"

#include <stdio.h>
#include <string.h>

#define S 1000000LL /* one second in us */

static struct ww_event evs[4096];
static int nev;

static void sink(void *ctx, const struct ww_event *ev)
{
    (void)ctx;
    if (nev < (int)(sizeof evs / sizeof *evs)) evs[nev] = *ev;
    nev++;
}

static struct ww_addr ad(const char *s)
{
    struct ww_addr a;
    memset(&a, 0, sizeof a);
    if (ww_addr_parse(s, strlen(s), &a)) a.family = 0;
    return a;
}

static struct ww_pkt pk(uint8_t proto, const char *src, unsigned sp, const char *dst,
                        unsigned dp, unsigned flags)
{
    struct ww_pkt p;
    memset(&p, 0, sizeof p);
    p.proto = proto;
    p.src = ad(src);
    p.dst = ad(dst);
    p.sport = (uint16_t)sp;
    p.dport = (uint16_t)dp;
    p.tcpflags = (uint8_t)flags;
    return p;
}

/* An ICMP error from `from` quoting the packet q. */
static struct ww_pkt err_quoting(uint8_t proto, unsigned type, unsigned code, const char *from,
                                 const struct ww_pkt *q)
{
    struct ww_pkt p = pk(proto, from, type, "0.0.0.0", code, 0);
    p.dst = q->src;
    p.has_inner = 1;
    p.inner_proto = q->proto;
    p.inner_src = q->src;
    p.inner_dst = q->dst;
    p.inner_sport = q->sport;
    p.inner_dport = q->dport;
    return p;
}

static void feed(struct ww_flows *f, int64_t ts, struct ww_pkt p) { ww_flows_packet(f, ts, &p); }

static struct ww_flows *fresh(size_t cap)
{
    nev = 0;
    memset(evs, 0, sizeof evs);
    return ww_flows_new(cap, 3 * S, sink, NULL);
}

static const char *A = "192.0.2.10", *B = "192.0.2.50", *C = "192.0.2.20";
enum { T = WW_PROTO_TCP, U = WW_PROTO_UDP, I = WW_PROTO_ICMP, I6 = WW_PROTO_ICMP6 };
enum { SYN = WW_TH_SYN, ACK = WW_TH_ACK, RST = WW_TH_RST, FIN = WW_TH_FIN,
       PSH = WW_TH_PSH, URG = WW_TH_URG };

static void test_tcp(void)
{
    /* SYN -> SYN-ACK: success, stamped with the SYN; the rest of the flow
     * (ACK, data both ways, FIN) adds nothing */
    struct ww_flows *f = fresh(64);
    feed(f, 100 * S, pk(T, C, 49378, B, 443, SYN));
    CHECK_INT(nev, 0);
    feed(f, 100 * S + 50, pk(T, B, 443, C, 49378, SYN | ACK));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].ts_us, 100 * S);
    CHECK(ww_addr_eq(&evs[0].src, &(struct ww_addr){0}) == 0);
    struct ww_addr c = ad(C), b = ad(B);
    CHECK(ww_addr_eq(&evs[0].src, &c));
    CHECK(ww_addr_eq(&evs[0].dst, &b));
    CHECK_INT(evs[0].sport, 49378);
    CHECK_INT(evs[0].dport, 443);
    CHECK_INT(evs[0].proto, T);
    CHECK_INT(evs[0].tcpflags, SYN);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(evs[0].action, WW_ACTION_UNKNOWN);
    CHECK_INT(evs[0].count, 1);
    feed(f, 100 * S + 60, pk(T, C, 49378, B, 443, ACK));
    feed(f, 100 * S + 70, pk(T, C, 49378, B, 443, ACK | PSH));
    feed(f, 100 * S + 80, pk(T, B, 443, C, 49378, ACK | PSH));
    feed(f, 100 * S + 90, pk(T, B, 443, C, 49378, ACK | FIN));
    feed(f, 100 * S + 95, pk(T, C, 49378, B, 443, ACK | FIN));
    feed(f, 200 * S, pk(T, B, 443, C, 49378, ACK));
    ww_flows_flush(f);
    CHECK_INT(nev, 1);
    ww_flows_free(f);

    /* SYN -> RST-ACK: failure; the scanner's own RST adds nothing */
    f = fresh(64);
    feed(f, 1 * S, pk(T, A, 40523, B, 135, SYN));
    feed(f, 1 * S + 30, pk(T, B, 135, A, 40523, RST | ACK));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(evs[0].dport, 135);
    feed(f, 1 * S + 40, pk(T, A, 40523, B, 135, RST));
    ww_flows_flush(f);
    CHECK_INT(nev, 1);
    ww_flows_free(f);

    /* SYN -> silence: decided as failure by the first packet after the
     * timeout (3 s), not before; retransmissions on the same 5-tuple, even
     * after the decision, are not new events; a late SYN-ACK changes nothing */
    f = fresh(64);
    feed(f, 10 * S, pk(T, A, 40000, B, 25, SYN));
    feed(f, 11 * S, pk(T, A, 40000, B, 25, SYN));
    feed(f, 13 * S, pk(T, C, 1, "198.51.100.1", 2, ACK | PSH)); /* exactly 3 s: still waiting */
    CHECK_INT(nev, 1);                                        /* (the lone ACK's own event) */
    CHECK_INT(evs[0].tcpflags, ACK | PSH);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_UNKNOWN);
    feed(f, 13 * S + 1, pk(T, A, 40000, B, 25, SYN));
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(evs[1].ts_us, 10 * S);
    CHECK_INT(evs[1].dport, 25);
    feed(f, 14 * S, pk(T, B, 25, A, 40000, SYN | ACK));
    feed(f, 20 * S, pk(T, A, 40000, B, 25, SYN));
    ww_flows_flush(f);
    CHECK_INT(nev, 2);
    ww_flows_free(f);

    /* end of input decides what is pending, in arrival order */
    f = fresh(64);
    feed(f, 1 * S, pk(T, A, 40000, B, 80, SYN));
    feed(f, 1 * S + 1, pk(T, A, 40000, B, 81, SYN));
    CHECK_INT(nev, 0);
    ww_flows_flush(f);
    CHECK_INT(nev, 2);
    CHECK_INT(evs[0].dport, 80);
    CHECK_INT(evs[1].dport, 81);
    CHECK_INT(evs[1].outcome, WW_OUTCOME_FAILURE);
    ww_flows_flush(f);
    CHECK_INT(nev, 2);
    ww_flows_free(f);

    /* stealth probes: XMAS, FIN, NULL each once per 5-tuple, emitted at once
     * with outcome unknown; the target's RST answer is no event */
    f = fresh(64);
    feed(f, 1 * S, pk(T, A, 50000, B, 21, FIN | PSH | URG));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].tcpflags, FIN | PSH | URG);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_UNKNOWN);
    feed(f, 2 * S, pk(T, A, 50000, B, 21, FIN | PSH | URG));
    feed(f, 2 * S, pk(T, B, 21, A, 50000, RST | ACK));
    CHECK_INT(nev, 1);
    feed(f, 3 * S, pk(T, A, 50000, B, 22, FIN));
    feed(f, 3 * S, pk(T, A, 50000, B, 23, 0));
    CHECK_INT(nev, 3);
    CHECK_INT(evs[2].tcpflags, 0);
    /* lone ACK probe: one event; the reverse direction of a known flow: none */
    feed(f, 4 * S, pk(T, A, 50001, B, 80, ACK));
    feed(f, 4 * S, pk(T, A, 50001, B, 80, ACK));
    feed(f, 4 * S, pk(T, B, 80, A, 50001, RST));
    CHECK_INT(nev, 4);
    CHECK_INT(evs[3].tcpflags, ACK);
    ww_flows_flush(f);
    CHECK_INT(nev, 4);
    ww_flows_free(f);

    /* a SYN-ACK never captured: the initiator's ACK completes the handshake */
    f = fresh(64);
    feed(f, 1 * S, pk(T, C, 1234, B, 22, SYN));
    feed(f, 1 * S + 5, pk(T, C, 1234, B, 22, ACK));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_SUCCESS);
    ww_flows_free(f);

    /* IPv6 and IPv4 with the same ports are different flows */
    f = fresh(64);
    feed(f, 1 * S, pk(T, "2001:db8:aa::10", 46708, "2001:db8:aa::50", 21, SYN));
    feed(f, 1 * S, pk(T, A, 46708, B, 21, SYN));
    feed(f, 1 * S + 9, pk(T, "2001:db8:aa::50", 21, "2001:db8:aa::10", 46708, SYN | ACK));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].src.family, 6);
    ww_flows_flush(f);
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].outcome, WW_OUTCOME_FAILURE);
    ww_flows_free(f);
}

static void test_udp_icmp(void)
{
    /* UDP probe -> ICMP port unreachable quoting it: failure */
    struct ww_flows *f = fresh(64);
    struct ww_pkt probe = pk(U, A, 49297, B, 137, 0);
    feed(f, 1 * S, probe);
    feed(f, 1 * S + 100, probe); /* nmap's retry: same 5-tuple */
    CHECK_INT(nev, 0);
    feed(f, 1 * S + 200, err_quoting(I, 3, 3, B, &probe));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(evs[0].proto, U);
    CHECK_INT(evs[0].sport, 49297);
    CHECK_INT(evs[0].dport, 137);
    CHECK_INT(evs[0].ts_us, 1 * S);
    /* UDP probe -> UDP answer: success */
    feed(f, 2 * S, pk(U, A, 33000, B, 53, 0));
    feed(f, 2 * S + 10, pk(U, B, 53, A, 33000, 0));
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].outcome, WW_OUTCOME_SUCCESS);
    /* ICMPv6 unreachable fails a TCP SYN */
    struct ww_pkt syn6 = pk(T, "2001:db8:aa::10", 60344, "2001:db8:aa::50", 199, SYN);
    feed(f, 3 * S, syn6);
    feed(f, 3 * S + 5, err_quoting(I6, 1, 4, "2001:db8:aa::50", &syn6));
    CHECK_INT(nev, 3);
    CHECK_INT(evs[2].outcome, WW_OUTCOME_FAILURE);
    CHECK_INT(evs[2].src.family, 6);
    /* multicast UDP (mDNS): no answer is expected, so outcome unknown, once */
    feed(f, 4 * S, pk(U, C, 5353, "224.0.0.251", 5353, 0));
    feed(f, 5 * S, pk(U, C, 5353, "224.0.0.251", 5353, 0));
    CHECK_INT(nev, 4);
    CHECK_INT(evs[3].outcome, WW_OUTCOME_UNKNOWN);
    ww_flows_flush(f);
    CHECK_INT(nev, 4);
    ww_flows_free(f);

    /* echo -> reply: success; echo unanswered: failure; v6 echo likewise */
    f = fresh(64);
    feed(f, 1 * S, pk(I, A, 8, B, 0, 0));
    feed(f, 1 * S + 40, pk(I, B, 0, A, 0, 0));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_SUCCESS);
    CHECK_INT(evs[0].proto, I);
    CHECK_INT(evs[0].sport, 8);
    CHECK_INT(evs[0].dport, 0);
    feed(f, 2 * S, pk(I, A, 8, C, 0, 0));             /* unanswered echo */
    feed(f, 2 * S + 1, pk(I, A, 8, C, 0, 0));         /* second ping: same contact */
    feed(f, 2 * S, pk(I6, "2001:db8::1", 128, "2001:db8::2", 0, 0));
    feed(f, 2 * S + 9, pk(I6, "2001:db8::2", 129, "2001:db8::1", 0, 0));
    feed(f, 2 * S, pk(I6, "fe80::1", 133, "ff02::2", 0, 0));   /* router solicitation */
    feed(f, 2 * S, pk(I6, "fe80::1", 135, "fe80::2", 0, 0));   /* neighbour solicitation */
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].proto, I6);
    CHECK_INT(evs[1].sport, 128);
    CHECK_INT(evs[1].outcome, WW_OUTCOME_SUCCESS);
    /* echo failed by an ICMP error quoting it */
    struct ww_pkt ping = pk(I, A, 8, "198.51.100.9", 0, 0);
    feed(f, 3 * S, ping);
    feed(f, 3 * S + 1, err_quoting(I, 3, 1, "192.0.2.1", &ping));
    CHECK_INT(nev, 3);
    CHECK_INT(evs[2].outcome, WW_OUTCOME_FAILURE);
    /* a timestamp request: unknown, once */
    feed(f, 4 * S, pk(I, A, 13, B, 0, 0));
    feed(f, 4 * S, pk(I, A, 13, B, 0, 0));
    CHECK_INT(nev, 4);
    CHECK_INT(evs[3].outcome, WW_OUTCOME_UNKNOWN);
    ww_flows_flush(f);
    CHECK_INT(nev, 5);
    CHECK_INT(evs[4].outcome, WW_OUTCOME_FAILURE); /* A -> C echo */
    CHECK_INT(evs[4].ts_us, 2 * S);
    /* other protocols: one unknown event per (proto, src, dst); answers none */
    nev = 0;
    feed(f, 5 * S, pk(47, A, 0, B, 0, 0));
    feed(f, 5 * S, pk(47, A, 0, B, 0, 0));
    feed(f, 5 * S, pk(47, B, 0, A, 0, 0));
    feed(f, 5 * S, pk(50, A, 0, B, 0, 0));
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].proto, 50);
    ww_flows_free(f);
}

/* ICMP answers to nothing seen (a DoS victim's backscatter): an event at
 * once, outcome unknown, one per (victim, target, type, code); answers to
 * what was seen stay none */
static void test_unasked(void)
{
    struct ww_flows *f = fresh(64);
    struct ww_pkt probe = pk(U, A, 49297, B, 137, 0), other = pk(U, A, 49297, B, 138, 0);
    feed(f, 1 * S, probe);
    feed(f, 1 * S + 150, err_quoting(I, 3, 3, B, &other)); /* quotes a packet never seen */
    feed(f, 1 * S + 160, err_quoting(I, 3, 3, B, &other)); /* again: the same contact */
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].proto, I);
    CHECK_INT(evs[0].sport, 3);
    CHECK_INT(evs[0].dport, 3);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_UNKNOWN);
    CHECK_INT(evs[0].ts_us, 1 * S + 150);
    struct ww_pkt from_b = pk(U, B, 0, A, 0, 0);
    CHECK(ww_addr_eq(&evs[0].src, &from_b.src));
    feed(f, 1 * S + 200, err_quoting(I, 3, 3, B, &probe)); /* asked: the probe fails */
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].proto, U);
    feed(f, 1 * S + 300, err_quoting(I, 3, 3, B, &probe)); /* asked, decided: nothing */
    CHECK_INT(nev, 2);
    struct ww_pkt e = err_quoting(I, 11, 0, "192.0.2.1", &probe);
    e.has_inner = 0;                                        /* no decodable quote */
    feed(f, 2 * S, e);
    CHECK_INT(nev, 3);
    CHECK_INT(evs[2].sport, 11);
    feed(f, 2 * S, pk(I, C, 0, B, 0, 0));                   /* echo reply */
    feed(f, 2 * S, pk(I, C, 14, B, 0, 0));                  /* timestamp reply */
    feed(f, 2 * S, pk(I6, "2001:db8::2", 129, "2001:db8::1", 0, 0));
    feed(f, 2 * S, pk(I6, "2001:db8::2", 1, "2001:db8::1", 4, 0));
    CHECK_INT(nev, 7);
    CHECK_INT(evs[3].sport, 0);
    CHECK_INT(evs[4].sport, 14);
    CHECK_INT(evs[5].sport, 129);
    CHECK_INT(evs[6].sport, 1);
    CHECK_INT(evs[6].dport, 4);
    for (int i = 3; i < 7; i++) CHECK_INT(evs[i].outcome, WW_OUTCOME_UNKNOWN);
    ww_flows_flush(f);
    CHECK_INT(nev, 7);
    ww_flows_free(f);
}

static void test_capacity(void)
{
    /* capacity 4, all pending: a fifth probe decides the oldest (failure) */
    struct ww_flows *f = fresh(4);
    for (int i = 0; i < 4; i++) feed(f, 1 * S + i, pk(T, A, 40000, B, 1000 + (unsigned)i, SYN));
    CHECK_INT(nev, 0);
    feed(f, 1 * S + 4, pk(T, A, 40000, B, 1004, SYN));
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].dport, 1000);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_FAILURE);
    /* the others are still tracked: an answer to 1001 is a success */
    feed(f, 1 * S + 5, pk(T, B, 1001, A, 40000, SYN | ACK));
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].dport, 1001);
    CHECK_INT(evs[1].outcome, WW_OUTCOME_SUCCESS);
    /* a new contact now evicts the quiet done flow (1001) before any
     * pending probe: no event, and 1001's next SYN is a new contact */
    feed(f, 1 * S + 6, pk(T, A, 40000, B, 1005, SYN));
    CHECK_INT(nev, 2);
    feed(f, 1 * S + 7, pk(T, A, 40000, B, 1001, SYN)); /* full of pending: 1002 goes */
    CHECK_INT(nev, 3);
    CHECK_INT(evs[2].dport, 1002);
    ww_flows_flush(f);
    CHECK_INT(nev, 7);
    int ports = 0;
    for (int i = 3; i < 7; i++) ports += evs[i].dport;
    CHECK_INT(ports, 1003 + 1004 + 1005 + 1001);
    ww_flows_free(f);

    /* idle done flows are forgotten after 5 minutes of capture time */
    f = fresh(64);
    feed(f, 1 * S, pk(T, A, 50000, B, 21, FIN));
    feed(f, 200 * S, pk(T, A, 50000, B, 21, FIN));  /* refreshes it */
    feed(f, 450 * S, pk(T, A, 50000, B, 21, FIN));  /* 250 s idle: still known */
    CHECK_INT(nev, 1);
    feed(f, 751 * S, pk(T, A, 50000, B, 21, FIN));  /* 301 s idle: new contact */
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].ts_us, 751 * S);
    /* time running backwards a little does not confuse the clock */
    feed(f, 700 * S, pk(T, A, 50000, B, 22, FIN));
    CHECK_INT(nev, 3);
    CHECK_INT(evs[2].ts_us, 700 * S);
    ww_flows_free(f);
}

/* Many deletions in a crowded index: backward-shift deletion must keep
 * every surviving flow findable. */
static void test_churn(void)
{
    char ip[32];
    struct ww_flows *f = fresh(256);
    for (int round = 0; round < 8; round++) {
        for (int i = 0; i < 256; i++) {
            snprintf(ip, sizeof ip, "10.%d.%d.1", round, i);
            feed(f, (round * 256 + i) * 10LL, pk(T, ip, 7, B, (unsigned)i, FIN));
        }
        CHECK_INT(nev, 256 * (round + 1));
        /* this round's 256 flows evicted the previous ones: all still known */
        for (int i = 0; i < 256; i++) {
            snprintf(ip, sizeof ip, "10.%d.%d.1", round, i);
            feed(f, (round * 256 + 255) * 10LL, pk(T, B, (unsigned)i, ip, 7, RST | ACK));
        }
        CHECK_INT(nev, 256 * (round + 1));
    }
    /* and the first round's are forgotten */
    feed(f, 30000, pk(T, "10.0.0.1", 7, B, 0, FIN));
    CHECK_INT(nev, 8 * 256 + 1);
    ww_flows_free(f);

    /* interleaved: SYNs answered in reverse order across timeouts */
    f = fresh(1024);
    for (int i = 0; i < 600; i++) feed(f, i, pk(U, A, 1, B, (unsigned)i, 0));
    for (int i = 599; i >= 0; i -= 2) feed(f, 1000, pk(U, B, (unsigned)i, A, 1, 0));
    CHECK_INT(nev, 300);
    feed(f, 10 * S, pk(T, C, 1, B, 2, SYN)); /* times out the other 300 */
    CHECK_INT(nev, 600);
    int ok = 0, odd = 0;
    for (int i = 0; i < 600; i++) {
        ok += evs[i].outcome == WW_OUTCOME_SUCCESS;
        odd += (evs[i].dport & 1) == (evs[i].outcome == WW_OUTCOME_SUCCESS);
    }
    CHECK_INT(ok, 300);
    CHECK_INT(odd, 600);
    ww_flows_free(f);
}

/* One probe finds a flow either way; what it must not confuse. */
static void test_directions(void)
{
    /* a flow to itself: its "answer" is more of it (own direction first) */
    struct ww_flows *f = fresh(64);
    feed(f, 1 * S, pk(T, A, 80, A, 80, SYN));
    feed(f, 1 * S + 10, pk(T, A, 80, A, 80, SYN | ACK));
    CHECK_INT(nev, 0);
    ww_flows_flush(f);
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].outcome, WW_OUTCOME_FAILURE);
    ww_flows_free(f);

    /* ICMP errors that quote nothing, each way: two unasked contacts */
    f = fresh(64);
    feed(f, 1 * S, pk(I, A, 3, B, 3, 0));
    feed(f, 1 * S + 10, pk(I, B, 3, A, 3, 0));
    CHECK_INT(nev, 2);
    ww_flows_free(f);

    /* 5,000 probes (the index doubles from 4,096 slots to 16,384 on the
     * way), answered in reverse order: every one found */
    f = fresh(8192);
    char ip[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(ip, sizeof ip, "10.1.%d.%d", i / 250, i % 250);
        feed(f, 1 * S + i, pk(T, ip, 1000 + (unsigned)(i % 7), B, 445, SYN));
    }
    for (int i = 4999; i >= 0; i--) {
        snprintf(ip, sizeof ip, "10.1.%d.%d", i / 250, i % 250);
        feed(f, 1 * S + 5000, pk(T, B, 445, ip, 1000 + (unsigned)(i % 7), i % 3 ? SYN | ACK : RST));
    }
    CHECK_INT(nev, 5000);
    int right = 0; /* the events kept (4,096) answer i = 4999 down to 904 */
    for (int e = 0; e < 4096; e++)
        right += evs[e].outcome == ((4999 - e) % 3 ? WW_OUTCOME_SUCCESS : WW_OUTCOME_FAILURE);
    CHECK_INT(right, 4096);
    ww_flows_free(f);
}

/* A SYN's fingerprint reaches its first contact's event, whatever decides
 * it (an answer, a timeout, the pool running full) and after its entry is
 * reused; flows other SYNs did not start carry none. */
static void test_fingerprint(void)
{
    struct ww_flows *f = fresh(4);
    char t[WW_SYNFP_TEXT];
    int fps = 0;
    for (int i = 0; i < 40; i++) {
        char src[32];
        snprintf(src, sizeof src, "198.51.100.%d", i + 1);
        struct ww_pkt p = pk(T, src, 1000 + (unsigned)i, B, 445, SYN);
        snprintf(t, sizeof t, "4:%d:0:1460:65535,0:mss,nop,nop,sok:df,id+:0", 100 + i);
        CHECK_INT(ww_synfp_parse(t, strlen(t), &p.fp), WW_OK);
        feed(f, i * S, p);
        if (i % 3 == 0) feed(f, i * S + 1, pk(T, B, 445, src, 1000 + (unsigned)i, SYN | ACK));
        if (i % 5 == 0) feed(f, i * S + 2, pk(U, src, 53, B, 53, 0)); /* no fingerprint */
    }
    ww_flows_flush(f);
    for (int i = 0; i < nev && i < (int)(sizeof evs / sizeof *evs); i++) {
        if (evs[i].proto != T) {
            CHECK_INT(evs[i].fp.flags, 0);
            continue;
        }
        fps++;
        ww_synfp_format(&evs[i].fp, t, sizeof t);
        char want[WW_SYNFP_TEXT];
        snprintf(want, sizeof want, "4:%d:0:1460:65535,0:mss,nop,nop,sok:df,id+:0", 100 + evs[i].src.b[15] - 1);
        CHECK_STR(t, want);
    }
    CHECK_INT(fps, 40);
    ww_flows_free(f);
}

TEST_MAIN({
    test_tcp();
    test_udp_icmp();
    test_unasked();
    test_capacity();
    test_churn();
    test_directions();
    test_fingerprint();
})
