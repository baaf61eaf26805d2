/* responder.c - a minimal, fast SNMP agent for benchmarks: answers GET
 * with a fixed string and GETNEXT/GETBULK from a synthetic table of
 * ROWS rows (1.3.6.1.4.1.99999.1.1.<i> = INTEGER i), then endOfMibView.
 * Usage: responder PORT ROWS */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/core/pdu.h"

#define BATCH 64
#define MAXV 4096

static uint32_t rows;
static const uint32_t base[] = { 1, 3, 6, 1, 4, 1, 99999, 1, 1 };
#define BASELEN 9

/* index of the row after o, or 0 when past the end */
static uint32_t
next_row(const oid_t *o)
{
    for (uint32_t i = 0; i < BASELEN; i++) {
        if (i >= o->len)
            return 1;
        if (o->arcs[i] != base[i])
            return o->arcs[i] < base[i] ? 1 : 0;
    }
    if (o->len == BASELEN)
        return 1;
    uint32_t k = o->arcs[BASELEN];
    if (o->len > BASELEN + 1)
        return k + 1; /* anything below row k sorts after it */
    return k + 1;
}

int
main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 16100;
    rows = argc > 2 ? (uint32_t)atoi(argv[2]) : 100000;
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("bind");
        return 1;
    }
    static uint8_t in[BATCH][2048], outbuf[BATCH][65536];
    static struct mmsghdr rm[BATCH], sm[BATCH];
    static struct iovec riov[BATCH], siov[BATCH];
    static struct sockaddr_in from[BATCH];
    static mw_varbind_t vin[MAXV], vout[MAXV];
    static uint8_t oidbuf[MAXV][16];
    static const char text[] = "moonwalk benchmark value";
    for (int i = 0; i < BATCH; i++) {
        riov[i].iov_base = in[i];
        riov[i].iov_len = sizeof in[i];
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
        rm[i].msg_hdr.msg_name = &from[i];
    }
    for (;;) {
        for (int i = 0; i < BATCH; i++)
            rm[i].msg_hdr.msg_namelen = sizeof from[i];
        int n = recvmmsg(fd, rm, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0)
            continue;
        int k = 0;
        for (int i = 0; i < n; i++) {
            mw_msg_t m;
            memset(&m, 0, sizeof m);
            m.pdu.vbs = vin;
            m.pdu.cap = MAXV;
            if (msg_decode(&m, in[i], rm[i].msg_len) < 0 || m.version == MW_V3)
                continue;
            mw_msg_t r = m;
            r.pdu.type = MW_PDU_RESPONSE;
            r.pdu.error_status = 0;
            r.pdu.error_index = 0;
            r.pdu.vbs = vout;
            r.pdu.cap = MAXV;
            size_t nv = 0;
            if (m.pdu.type == MW_PDU_GET) {
                for (size_t j = 0; j < m.pdu.nvb && nv < MAXV; j++, nv++) {
                    vout[nv].oid = m.pdu.vbs[j].oid;
                    vout[nv].oid_len = m.pdu.vbs[j].oid_len;
                    vout[nv].val.type = MW_T_OCTETSTR;
                    vout[nv].val.p = (const uint8_t *)text;
                    vout[nv].val.len = sizeof text - 1;
                }
            } else {
                int reps = m.pdu.type == MW_PDU_GETBULK ? m.pdu.error_index : 1;
                if (reps < 1)
                    reps = 1;
                for (size_t j = 0; j < m.pdu.nvb; j++) {
                    oid_t o;
                    oid_decode(&o, m.pdu.vbs[j].oid, m.pdu.vbs[j].oid_len);
                    uint32_t idx = next_row(&o);
                    for (int rep = 0; rep < reps && nv < MAXV; rep++, nv++) {
                        if (idx == 0 || idx > rows) {
                            vout[nv].oid = nv ? vout[nv - 1].oid : m.pdu.vbs[j].oid;
                            vout[nv].oid_len = nv ? vout[nv - 1].oid_len : m.pdu.vbs[j].oid_len;
                            vout[nv].val.type = MW_T_ENDOFMIBVIEW;
                            vout[nv].val.len = 0;
                            idx = 0;
                            continue;
                        }
                        oid_t ro;
                        memcpy(ro.arcs, base, sizeof base);
                        ro.arcs[BASELEN] = idx;
                        ro.len = BASELEN + 1;
                        int l = oid_encode(&ro, oidbuf[nv], sizeof oidbuf[nv]);
                        vout[nv].oid = oidbuf[nv];
                        vout[nv].oid_len = (uint32_t)l;
                        vout[nv].val.type = MW_T_INTEGER;
                        vout[nv].val.num.i = idx;
                        idx++;
                    }
                }
            }
            r.pdu.nvb = nv;
            uint8_t *out;
            size_t outlen;
            if (msg_encode(&r, outbuf[k], sizeof outbuf[k], &out, &outlen) < 0)
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
            sendmmsg(fd, sm, (unsigned)k, 0);
    }
}
