/* agent_load.c - SNMP load generator for scripts/bench/agent.
 *
 *   agent_load HOST PORT MODE OID SECONDS INFLIGHT [COMMUNITY] [MAXREP]
 *
 * MODE is get, getnext or bulkwalk. Keeps INFLIGHT v2c requests
 * outstanding on one UDP socket for SECONDS and prints
 *   requests=N responses=N varbinds=N seconds=S req/s=R vb/s=V lost=L
 * get and getnext ask for OID every time; bulkwalk runs INFLIGHT
 * independent GETBULK walks of the subtree under OID (max-repetitions
 * MAXREP, default 25), each starting over at the end. Requests and
 * responses use moonwalk's codec; sends and receives are batched
 * (sendmmsg/recvmmsg), so one core drives well over 100k requests/s.
 * A request unanswered for 200 ms is counted as lost and replaced. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "pdu.h"

#define MAXFLIGHT 1024
#define BATCH 64
#define PKT 65536

typedef struct {
    int busy;
    int32_t reqid;
    double sent;
    oid_t cur; /* bulkwalk: where this walk is */
} slot_t;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static slot_t slots[MAXFLIGHT];
static int mode; /* 0 get, 1 getnext, 2 bulkwalk */
static oid_t root;
static const char *community = "public";
static int maxrep = 25;
static int32_t next_id = 1;

/* Encodes the request of slot i into buf; returns its length. */
static size_t
build(int i, uint8_t *buf, size_t cap)
{
    mw_msg_t m;
    mw_varbind_t vb;
    uint8_t name[OID_MAX_LEN * 5];
    uint8_t *out;
    size_t outlen;
    slot_t *s = &slots[i];
    int k = oid_encode(mode == 2 ? &s->cur : &root, name, sizeof name);
    memset(&m, 0, sizeof m);
    memset(&vb, 0, sizeof vb);
    vb.oid = name;
    vb.oid_len = (uint32_t)k;
    vb.val.type = MW_T_NULL;
    m.version = MW_V2C;
    m.community = (const uint8_t *)community;
    m.community_len = (uint32_t)strlen(community);
    m.pdu.type = mode == 0 ? MW_PDU_GET : mode == 1 ? MW_PDU_GETNEXT : MW_PDU_GETBULK;
    s->reqid = next_id++ & 0x3FFFFFFF;
    m.pdu.request_id = (int32_t)((s->reqid << 10) | i);
    if (mode == 2) {
        m.pdu.error_status = 0;
        m.pdu.error_index = maxrep;
    }
    m.pdu.vbs = &vb;
    m.pdu.nvb = 1;
    m.pdu.cap = 1;
    if (pdu_msg_encode(&m, buf, cap, &out, &outlen) < 0) {
        fprintf(stderr, "agent_load: cannot encode\n");
        exit(2);
    }
    memmove(buf, out, outlen);
    return outlen;
}

int
main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: agent_load HOST PORT get|getnext|bulkwalk OID SECONDS INFLIGHT [COMMUNITY] [MAXREP]\n");
        return 2;
    }
    struct sockaddr_in to;
    memset(&to, 0, sizeof to);
    to.sin_family = AF_INET;
    to.sin_port = htons((uint16_t)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &to.sin_addr) != 1) {
        fprintf(stderr, "agent_load: HOST must be an IPv4 address\n");
        return 2;
    }
    mode = strcmp(argv[3], "get") == 0 ? 0 : strcmp(argv[3], "getnext") == 0 ? 1
         : strcmp(argv[3], "bulkwalk") == 0 ? 2 : -1;
    if (mode < 0 || oid_parse(&root, argv[4], strlen(argv[4])) < 0) {
        fprintf(stderr, "agent_load: bad mode or OID\n");
        return 2;
    }
    double seconds = atof(argv[5]);
    int inflight = atoi(argv[6]);
    if (inflight < 1 || inflight > MAXFLIGHT) {
        fprintf(stderr, "agent_load: INFLIGHT must be 1..%d\n", MAXFLIGHT);
        return 2;
    }
    if (argc > 7)
        community = argv[7];
    if (argc > 8)
        maxrep = atoi(argv[8]);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("connect");
        return 2;
    }
    static uint8_t sbuf[BATCH][2048], rbuf[BATCH][PKT];
    struct mmsghdr smsg[BATCH], rmsg[BATCH];
    struct iovec siov[BATCH], riov[BATCH];
    memset(smsg, 0, sizeof smsg);
    memset(rmsg, 0, sizeof rmsg);
    for (int i = 0; i < BATCH; i++) {
        siov[i].iov_base = sbuf[i];
        smsg[i].msg_hdr.msg_iov = &siov[i];
        smsg[i].msg_hdr.msg_iovlen = 1;
        riov[i].iov_base = rbuf[i];
        riov[i].iov_len = PKT;
        rmsg[i].msg_hdr.msg_iov = &riov[i];
        rmsg[i].msg_hdr.msg_iovlen = 1;
    }
    static mw_varbind_t vbs[16384];
    uint64_t requests = 0, responses = 0, varbinds = 0, lost = 0;
    int pending[MAXFLIGHT], npending = 0;
    for (int i = 0; i < inflight; i++) {
        slots[i].cur = root;
        pending[npending++] = i;
    }
    double start = now(), end = start + seconds, last_check = start;
    for (;;) {
        double t = now();
        if (t >= end)
            break;
        /* send what is pending, in batches */
        while (npending > 0) {
            int n = npending < BATCH ? npending : BATCH;
            for (int j = 0; j < n; j++) {
                int i = pending[npending - 1 - j];
                siov[j].iov_len = build(i, sbuf[j], sizeof sbuf[j]);
                slots[i].busy = 1;
                slots[i].sent = t;
            }
            int k = sendmmsg(fd, smsg, (unsigned)n, 0);
            if (k <= 0) {
                if (errno == EAGAIN || errno == ENOBUFS || errno == ECONNREFUSED)
                    break;
                perror("sendmmsg");
                return 1;
            }
            npending -= k;
            requests += (uint64_t)k;
        }
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, 20) <= 0)
            goto check;
        int n = recvmmsg(fd, rmsg, BATCH, MSG_DONTWAIT, NULL);
        for (int j = 0; j < n; j++) {
            mw_msg_t m;
            memset(&m, 0, sizeof m);
            m.pdu.vbs = vbs;
            m.pdu.cap = sizeof vbs / sizeof *vbs;
            if (pdu_msg_decode(&m, rbuf[j], rmsg[j].msg_len) < 0)
                continue;
            int i = m.pdu.request_id & 1023;
            if (i >= inflight || !slots[i].busy || (m.pdu.request_id >> 10) != slots[i].reqid)
                continue; /* late answer to a request counted lost */
            responses++;
            varbinds += m.pdu.nvb;
            slots[i].busy = 0;
            if (mode == 2) {
                int restart = m.pdu.error_status != 0 || m.pdu.nvb == 0;
                if (!restart) {
                    const mw_varbind_t *lastvb = &m.pdu.vbs[m.pdu.nvb - 1];
                    oid_t o;
                    if (lastvb->val.type == MW_T_ENDOFMIBVIEW || oid_decode(&o, lastvb->oid, lastvb->oid_len) < 0
                        || !oid_is_prefix(&root, &o))
                        restart = 1;
                    else
                        slots[i].cur = o;
                }
                if (restart)
                    slots[i].cur = root;
            }
            pending[npending++] = i;
        }
    check:
        t = now();
        if (t - last_check > 0.05) {
            last_check = t;
            for (int i = 0; i < inflight; i++) {
                if (slots[i].busy && t - slots[i].sent > 0.2) {
                    slots[i].busy = 0;
                    lost++;
                    pending[npending++] = i;
                }
            }
        }
    }
    double el = now() - start;
    printf("requests=%llu responses=%llu varbinds=%llu seconds=%.2f req/s=%.0f vb/s=%.0f lost=%llu\n",
           (unsigned long long)requests, (unsigned long long)responses,
           (unsigned long long)varbinds, el, (double)responses / el, (double)varbinds / el,
           (unsigned long long)lost);
    return 0;
}
