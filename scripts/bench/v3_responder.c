/* v3_responder.c - a minimal agent for scripts/bench/v3 and
 * scripts/bench/manager that is never the bottleneck, so the manager's own
 * costs show: answers v2c (community anything) and SNMPv3 for one user,
 * "bench", authPriv with
 * SHA-256/AES-128 (pass phrases "benchauth1"/"benchpriv1", as snmpd is set
 * up there), including engine ID discovery. GET returns a fixed string;
 * GETNEXT/GETBULK walk a synthetic table of ROWS rows under 1.3.6.1.2.1
 * (1.3.6.1.2.1.99.1.<i> = INTEGER i), then endOfMibView.
 * Usage: v3_responder PORT ROWS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../src/core/pdu.h"
#include "../../src/usm/usm_msg.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#define BATCH 64
#define MAXV 4096
#define OUTCAP (2 * 65536 + 64)

static const uint32_t table[] = { 1, 3, 6, 1, 2, 1, 99, 1 };
#define TLEN 8
static uint32_t rows;
static const uint8_t eid[] = { 0x80, 0x00, 0x00, 0x00, 0x05, 'b', 'e', 'n', 'c', 'h', 'v', '3' };
static const uint8_t usmstats4[] = { 0x2b, 6, 1, 6, 3, 15, 1, 1, 4, 0 }; /* unknownEngineIDs */
static const char text[] = "moonwalk benchmark value";
static uint8_t oidbuf[MAXV][24];
static mw_varbind_t vout[MAXV];
static double t_start;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* first row after o (1-based), or 0 past the end */
static uint32_t
row_after(const oid_t *o)
{
    for (uint32_t i = 0; i < TLEN; i++) {
        if (i >= o->len)
            return 1;
        if (o->arcs[i] != table[i])
            return o->arcs[i] < table[i] ? 1 : 0;
    }
    return o->len == TLEN ? 1 : o->arcs[TLEN] + 1;
}

/* Fills the Response-PDU r for the request q. */
static void
answer(const mw_pdu_t *q, mw_pdu_t *r)
{
    size_t nv = 0;
    memset(r, 0, sizeof *r);
    r->type = MW_PDU_RESPONSE;
    r->request_id = q->request_id;
    r->vbs = vout;
    r->cap = MAXV;
    if (q->type == MW_PDU_GET) {
        for (size_t j = 0; j < q->nvb && nv < MAXV; j++, nv++) {
            vout[nv].oid = q->vbs[j].oid;
            vout[nv].oid_len = q->vbs[j].oid_len;
            vout[nv].val.type = MW_T_OCTETSTR;
            vout[nv].val.p = (const uint8_t *)text;
            vout[nv].val.len = sizeof text - 1;
        }
    } else {
        int reps = q->type == MW_PDU_GETBULK ? q->error_index : 1;
        if (reps < 1)
            reps = 1;
        for (size_t j = 0; j < q->nvb; j++) {
            oid_t o;
            uint32_t idx;
            if (oid_decode(&o, q->vbs[j].oid, q->vbs[j].oid_len) < 0)
                continue;
            idx = row_after(&o);
            for (int k = 0; k < reps && nv < MAXV; k++, nv++) {
                oid_t ro;
                if (idx == 0 || idx > rows) {
                    vout[nv].oid = q->vbs[j].oid;
                    vout[nv].oid_len = q->vbs[j].oid_len;
                    vout[nv].val.type = MW_T_ENDOFMIBVIEW;
                    vout[nv].val.len = 0;
                    nv++;
                    break;
                }
                memcpy(ro.arcs, table, sizeof table);
                ro.arcs[TLEN] = idx;
                ro.len = TLEN + 1;
                vout[nv].oid = oidbuf[nv];
                vout[nv].oid_len = (uint32_t)oid_encode(&ro, oidbuf[nv], sizeof oidbuf[nv]);
                vout[nv].val.type = MW_T_INTEGER;
                vout[nv].val.num.i = idx++;
            }
        }
    }
    r->nvb = nv;
}

/* Builds the reply to the datagram in; 0 and *out, *outlen, or -1 (drop). */
static int
reply(const usm_keys_t *keys, const uint8_t *in, size_t len, uint8_t *buf, uint8_t *plain,
      uint8_t **out, size_t *outlen)
{
    static mw_varbind_t vin[MAXV];
    mw_msg_t m, r;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = vin;
    m.pdu.cap = MAXV;
    if (pdu_msg_decode(&m, in, len) < 0)
        return -1;
    if (m.version != MW_V3) {
        r = m;
        answer(&m.pdu, &r.pdu);
        return pdu_msg_encode(&r, buf, OUTCAP, out, outlen) < 0 ? -1 : 0;
    }
    memset(&r, 0, sizeof r);
    r.version = MW_V3;
    r.msg_id = m.msg_id;
    r.msg_max_size = 65507;
    r.sec_model = MW_SEC_MODEL_USM;
    r.engine_id = eid;
    r.engine_id_len = sizeof eid;
    r.engine_boots = 1;
    r.engine_time = (int32_t)(now() - t_start);
    r.user = m.user;
    r.user_len = m.user_len;
    r.context_engine_id = eid;
    r.context_engine_id_len = sizeof eid;
    if (m.engine_id_len != sizeof eid || memcmp(m.engine_id, eid, sizeof eid) != 0) {
        /* discovery: usmStatsUnknownEngineIDs, unauthenticated */
        static mw_varbind_t rv;
        rv.oid = usmstats4;
        rv.oid_len = sizeof usmstats4;
        rv.val.type = MW_T_COUNTER32;
        rv.val.num.u = 1;
        r.pdu.type = MW_PDU_REPORT;
        r.pdu.request_id = m.encrypted ? 0 : m.pdu.request_id;
        r.pdu.vbs = &rv;
        r.pdu.nvb = r.pdu.cap = 1;
        return usm_msg_encode(NULL, &r, buf, OUTCAP, out, outlen) < 0 ? -1 : 0;
    }
    if ((m.msg_flags & 3) != (MW_FLAG_AUTH | MW_FLAG_PRIV) || m.user_len != 5
        || memcmp(m.user, "bench", 5) != 0)
        return -1;
    if (usm_msg_decode(keys, &m, in, len, plain, OUTCAP) < 0)
        return -1;
    r.msg_flags = MW_FLAG_AUTH | MW_FLAG_PRIV;
    r.context_name = m.context_name;
    r.context_name_len = m.context_name_len;
    answer(&m.pdu, &r.pdu);
    return usm_msg_encode(keys, &r, buf, OUTCAP, out, outlen) < 0 ? -1 : 0;
}

/* Sends the k replies: runs of equal-sized ones to one client go as one
 * UDP GSO message (the kernel cuts it into the same datagrams), so that
 * this agent stays cheaper than the managers it serves. */
static void
send_replies(int fd, struct mmsghdr *sm, struct iovec *siov, int k)
{
    static struct mmsghdr gm[BATCH];
    static union {
        char buf[CMSG_SPACE(sizeof(uint16_t))];
        struct cmsghdr align;
    } ctl[BATCH];
    int ng = 0;
    for (int i = 0; i < k;) {
        struct msghdr *a = &sm[i].msg_hdr;
        size_t seg = siov[i].iov_len, total = seg;
        int j = i + 1;
        while (j < k && siov[j].iov_len <= seg && total + siov[j].iov_len <= 60000
               && sm[j].msg_hdr.msg_namelen == a->msg_namelen
               && memcmp(sm[j].msg_hdr.msg_name, a->msg_name, a->msg_namelen) == 0) {
            total += siov[j].iov_len;
            if (siov[j++].iov_len < seg)
                break;
        }
        gm[ng].msg_hdr = *a;
        if (j - i > 1) {
            struct msghdr *h = &gm[ng].msg_hdr;
            uint16_t gs = (uint16_t)seg;
            h->msg_iov = &siov[i];
            h->msg_iovlen = (size_t)(j - i);
            h->msg_control = ctl[ng].buf;
            h->msg_controllen = sizeof ctl[ng].buf;
            struct cmsghdr *c = CMSG_FIRSTHDR(h);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof gs);
            memcpy(CMSG_DATA(c), &gs, sizeof gs);
        }
        ng++;
        i = j;
    }
    sendmmsg(fd, gm, (unsigned)ng, 0);
}

int
main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 16161;
    int fd = socket(AF_INET, SOCK_DGRAM, 0), big = 8 << 20;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    static uint8_t in[BATCH][4096], bufs[BATCH][OUTCAP], plain[OUTCAP];
    static struct mmsghdr rm[BATCH], sm[BATCH];
    static struct iovec riov[BATCH], siov[BATCH];
    static struct sockaddr_in from[BATCH];
    usm_keys_t keys;
    rows = argc > 2 ? (uint32_t)atoi(argv[2]) : 10000;
    t_start = now() - 100;
    if (usm_keys_get(USM_AUTH_SHA256, USM_PRIV_AES128, "benchauth1", 10, "benchpriv1", 10, eid,
                     sizeof eid, &keys) < 0) {
        fprintf(stderr, "v3_responder: keys\n");
        return 1;
    }
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    for (int i = 0; i < BATCH; i++) {
        riov[i].iov_base = in[i];
        riov[i].iov_len = sizeof in[i];
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
        rm[i].msg_hdr.msg_name = &from[i];
    }
    for (;;) {
        int n, k = 0;
        for (int i = 0; i < BATCH; i++)
            rm[i].msg_hdr.msg_namelen = sizeof from[i];
        if ((n = recvmmsg(fd, rm, BATCH, MSG_WAITFORONE, NULL)) <= 0)
            continue;
        for (int i = 0; i < n; i++) {
            uint8_t *out;
            size_t outlen;
            if (reply(&keys, in[i], rm[i].msg_len, bufs[k], plain, &out, &outlen) < 0)
                continue;
            siov[k].iov_base = out;
            siov[k].iov_len = outlen;
            sm[k].msg_hdr.msg_iov = &siov[k];
            sm[k].msg_hdr.msg_iovlen = 1;
            sm[k].msg_hdr.msg_name = &from[i];
            sm[k].msg_hdr.msg_namelen = rm[i].msg_hdr.msg_namelen;
            k++;
        }
        if (k)
            send_replies(fd, sm, siov, k);
    }
}
