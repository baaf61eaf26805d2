/* agent_load.c - SNMP load generator for scripts/bench/agent.
 *
 *   agent_load HOST PORT MODE OID SECONDS INFLIGHT [COMMUNITY] [MAXREP]
 *
 * MODE is get, getnext or bulkwalk. Keeps INFLIGHT v2c requests
 * outstanding on one UDP socket for SECONDS and prints
 *   requests=N responses=N varbinds=N seconds=S req/s=R vb/s=V lost=L
 * get and getnext ask for OID every time; bulkwalk runs INFLIGHT
 * independent GETBULK walks of the subtree under OID (max-repetitions
 * MAXREP, default 25), each starting over at the end. For bulkwalk OID
 * may be a comma-separated list of subtrees (up to 16), walked one after
 * the other as one walk; varbinds counts only those inside the subtree
 * being walked (not the ones a response carries past its end). Requests and
 * responses use moonwalk's codec; sends and receives are batched
 * (sendmmsg/recvmmsg), so one core drives well over 100k requests/s.
 * A request unanswered for 200 ms is counted as lost and replaced.
 *
 * COMMUNITY "v3:NAME:AUTH:AUTHPASS:PRIV:PRIVPASS" (the user as
 * `moonwalk agent --user` takes it, e.g. v3:bench:SHA-256:pass1234:AES:
 * pass5678) sends SNMPv3 authPriv requests instead: the agent's engine
 * ID, boots and time are discovered first (RFC 3414 4), the keys
 * localised once, and every request is encrypted and signed, every
 * response checked and decrypted, with moonwalk's USM code (src/usm).
 * Then errors=N counts responses that failed the checks or were Reports.
 *
 * PID (optional, after MAXREP): the agent's process; adds
 * cpu_us=U, its CPU time (user + system, all threads) per response over
 * the run, read from the kernel's per-process CPU clock, and cpu_vb_us=V,
 * the same per varbind. Always printed last: gen_busy=B, the CPU time of
 * this generator over the run's wall time (1.00: it was the bottleneck). */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "pdu.h"
#include "usm_msg.h"

#define MAXFLIGHT 1024
#define BATCH 64
#define PKT 65536

typedef struct {
    int busy;
    int32_t reqid;
    double sent;
    oid_t cur; /* bulkwalk: where this walk is */
    int tree;  /* bulkwalk: which of roots[] it is in */
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
#define MAXROOTS 16
static oid_t roots[MAXROOTS]; /* bulkwalk: the subtrees, walked in turn */
static uint8_t root_ber[MAXROOTS][OID_MAX_LEN * 5];
static int root_berlen[MAXROOTS], nroots;
static const char *community = "public";
static int maxrep = 25;
static int32_t next_id = 1;

/* SNMPv3 (v3 set): the user, its keys localised for the agent's engine,
 * and the agent's engine ID, boots and time (time at t_sync, our clock) */
static int v3;
static const char *v3_user;
static usm_keys_t keys;
static uint8_t eid[USM_MAX_ENGINE_ID];
static size_t eid_len;
static int32_t boots, time_sync;
static double t_sync;
static uint8_t plain[PKT];

static int32_t
engine_time(void)
{
    return time_sync + (int32_t)(now() - t_sync);
}

/* Encodes m as an authPriv v3 message into buf (the message ends where buf
 * does; moved to its start); returns its length. */
static size_t
encode_v3(mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t flags)
{
    uint8_t *out;
    size_t outlen;
    m->version = MW_V3;
    m->msg_id = m->pdu.request_id;
    m->msg_max_size = 65507;
    m->msg_flags = flags;
    m->sec_model = MW_SEC_MODEL_USM;
    m->engine_id = eid;
    m->engine_id_len = (uint32_t)eid_len;
    m->engine_boots = boots;
    m->engine_time = engine_time();
    m->user = (const uint8_t *)(flags & MW_FLAG_AUTH ? v3_user : "");
    m->user_len = (uint32_t)strlen((const char *)m->user);
    m->context_engine_id = eid;
    m->context_engine_id_len = (uint32_t)eid_len;
    if (usm_msg_encode(flags & MW_FLAG_AUTH ? &keys : NULL, m, buf, cap, &out, &outlen) < 0) {
        fprintf(stderr, "agent_load: cannot encode a v3 request\n");
        exit(2);
    }
    memmove(buf, out, outlen);
    return outlen;
}

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
    if (v3)
        return encode_v3(&m, buf, cap, MW_FLAG_AUTH | MW_FLAG_PRIV | MW_FLAG_REPORTABLE);
    if (pdu_msg_encode(&m, buf, cap, &out, &outlen) < 0) {
        fprintf(stderr, "agent_load: cannot encode\n");
        exit(2);
    }
    memmove(buf, out, outlen);
    return outlen;
}

/* Sends one GET (of root) and waits up to a second for the answer, decoded
 * into m (checked and decrypted with the keys when auth); 0 or -1. */
static int
v3_exchange(int fd, uint8_t flags, mw_msg_t *m, uint8_t *rbuf, size_t cap)
{
    static uint8_t sbuf[2048];
    static mw_varbind_t vbs[64];
    mw_msg_t q;
    mw_varbind_t vb;
    uint8_t name[OID_MAX_LEN * 5];
    memset(&q, 0, sizeof q);
    memset(&vb, 0, sizeof vb);
    vb.oid = name;
    vb.oid_len = (uint32_t)oid_encode(&root, name, sizeof name);
    vb.val.type = MW_T_NULL;
    q.pdu.type = MW_PDU_GET;
    q.pdu.request_id = next_id++;
    q.pdu.vbs = &vb;
    q.pdu.nvb = q.pdu.cap = (flags & MW_FLAG_AUTH) ? 1 : 0;
    size_t n = encode_v3(&q, sbuf, sizeof sbuf, flags);
    if (send(fd, sbuf, n, 0) < 0)
        return -1;
    struct pollfd p = { fd, POLLIN, 0 };
    for (;;) {
        if (poll(&p, 1, 1000) <= 0)
            return -1;
        ssize_t r = recv(fd, rbuf, cap, MSG_DONTWAIT);
        if (r <= 0)
            continue;
        memset(m, 0, sizeof *m);
        m->pdu.vbs = vbs;
        m->pdu.cap = sizeof vbs / sizeof *vbs;
        if (pdu_msg_decode(m, rbuf, (size_t)r) < 0 || m->version != MW_V3 || m->msg_id != q.msg_id)
            continue;
        if ((m->msg_flags & MW_FLAG_AUTH)
            && usm_msg_decode(&keys, m, rbuf, (size_t)r, plain, sizeof plain) < 0)
            continue;
        return 0;
    }
}

/* RFC 3414 4: the agent's engine ID (a Report to an unauthenticated
 * request), then its boots and time (a notInTimeWindows Report, or the
 * response, to an authenticated one), and the keys for that engine. */
static void
v3_discover(int fd, const char *spec)
{
    static uint8_t rbuf[PKT];
    char buf[256], *f[5], *save = NULL;
    mw_msg_t m;
    int k = 0, auth, priv;
    if (strlen(spec) >= sizeof buf)
        goto bad;
    strcpy(buf, spec);
    for (char *t = strtok_r(buf, ":", &save); t && k < 5; t = strtok_r(NULL, ":", &save))
        f[k++] = t;
    if (k != 5 || (auth = usm_auth_parse(f[1])) <= USM_AUTH_NONE
        || (priv = usm_priv_parse(f[3])) <= USM_PRIV_NONE)
        goto bad;
    v3_user = strdup(f[0]);
    t_sync = now();
    for (int tries = 0; eid_len == 0; tries++) {
        if (tries == 3) {
            fprintf(stderr, "agent_load: no engine ID discovered\n");
            exit(1);
        }
        if (v3_exchange(fd, MW_FLAG_REPORTABLE, &m, rbuf, sizeof rbuf) == 0 && m.engine_id_len
            && m.engine_id_len <= sizeof eid) {
            memcpy(eid, m.engine_id, m.engine_id_len);
            eid_len = m.engine_id_len;
            boots = m.engine_boots;
            time_sync = m.engine_time;
            t_sync = now();
        }
    }
    if (usm_keys_get((usm_auth_t)auth, (usm_priv_t)priv, f[2], strlen(f[2]), f[4], strlen(f[4]),
                     eid, eid_len, &keys) < 0)
        goto bad;
    for (int tries = 0;; tries++) {
        if (tries == 3) {
            fprintf(stderr, "agent_load: no authenticated answer (user, keys or time)\n");
            exit(1);
        }
        if (v3_exchange(fd, MW_FLAG_AUTH | MW_FLAG_PRIV | MW_FLAG_REPORTABLE, &m, rbuf,
                        sizeof rbuf) < 0 || !(m.msg_flags & MW_FLAG_AUTH))
            continue;
        boots = m.engine_boots;
        time_sync = m.engine_time;
        t_sync = now();
        if (m.pdu.type == MW_PDU_RESPONSE)
            return;
    }
bad:
    fprintf(stderr, "agent_load: bad v3 user %s (v3:NAME:AUTH:AUTHPASS:PRIV:PRIVPASS)\n", spec);
    exit(2);
}

/* CPU time of process pid in seconds (its process CPU clock), or -1. */
static double
proc_cpu(pid_t pid)
{
    clockid_t c;
    struct timespec ts;
    if (pid <= 0 || clock_getcpuclockid(pid, &c) != 0 || clock_gettime(c, &ts) != 0)
        return -1;
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: agent_load HOST PORT get|getnext|bulkwalk OID SECONDS INFLIGHT [COMMUNITY|v3:USER] [MAXREP] [PID]\n");
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
    for (const char *o = argv[4]; mode >= 0;) {
        size_t n = strcspn(o, ",");
        if (nroots == MAXROOTS || (nroots > 0 && mode != 2)
            || oid_parse(&roots[nroots], o, n) < 0 || roots[nroots].len < 2) {
            mode = -1;
            break;
        }
        root_berlen[nroots] = oid_encode(&roots[nroots], root_ber[nroots], sizeof root_ber[0]);
        nroots++;
        if (!o[n])
            break;
        o += n + 1;
    }
    if (mode < 0) {
        fprintf(stderr, "agent_load: bad mode or OID\n");
        return 2;
    }
    root = roots[0];
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
    pid_t pid = argc > 9 ? (pid_t)atoi(argv[9]) : 0;
    v3 = strncmp(community, "v3:", 3) == 0;

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) {
        perror("connect");
        return 2;
    }
    if (v3)
        v3_discover(fd, community + 3);
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
    uint64_t requests = 0, responses = 0, varbinds = 0, lost = 0, errors = 0;
    int pending[MAXFLIGHT], npending = 0;
    for (int i = 0; i < inflight; i++) {
        slots[i].cur = root;
        slots[i].tree = 0;
        pending[npending++] = i;
    }
    double cpu0 = proc_cpu(pid), self0 = proc_cpu(getpid());
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
            int32_t id = v3 ? m.msg_id : m.pdu.request_id;
            int i = id & 1023;
            if (i >= inflight || !slots[i].busy || (id >> 10) != slots[i].reqid)
                continue; /* late answer to a request counted lost */
            if (v3 && (usm_msg_decode(&keys, &m, rbuf[j], rmsg[j].msg_len, plain, sizeof plain) < 0
                       || m.pdu.type != MW_PDU_RESPONSE || m.pdu.request_id != id)) {
                errors++; /* a Report, or a failed check: asked again */
                slots[i].busy = 0;
                pending[npending++] = i;
                continue;
            }
            responses++;
            slots[i].busy = 0;
            if (mode != 2) {
                varbinds += m.pdu.nvb;
            } else {
                /* varbinds inside the subtree: its encoded OID begins
                 * with the subtree's (arcs are prefix-free in BER) */
                int t = slots[i].tree, in = 0;
                size_t rl = (size_t)root_berlen[t];
                while (in < (int)m.pdu.nvb && m.pdu.vbs[in].oid_len > rl
                       && m.pdu.vbs[in].val.type != MW_T_ENDOFMIBVIEW
                       && memcmp(m.pdu.vbs[in].oid, root_ber[t], rl) == 0)
                    in++;
                varbinds += (uint64_t)in;
                int next = m.pdu.error_status != 0 || in == 0 || in < (int)m.pdu.nvb;
                oid_t o;
                if (!next && oid_decode(&o, m.pdu.vbs[in - 1].oid, m.pdu.vbs[in - 1].oid_len) < 0)
                    next = 1;
                if (next) {
                    slots[i].tree = (t + 1) % nroots;
                    slots[i].cur = roots[slots[i].tree];
                } else {
                    slots[i].cur = o;
                }
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
    double el = now() - start, cpu1 = proc_cpu(pid), self1 = proc_cpu(getpid());
    printf("requests=%llu responses=%llu varbinds=%llu seconds=%.2f req/s=%.0f vb/s=%.0f lost=%llu",
           (unsigned long long)requests, (unsigned long long)responses,
           (unsigned long long)varbinds, el, (double)responses / el, (double)varbinds / el,
           (unsigned long long)lost);
    if (v3)
        printf(" errors=%llu", (unsigned long long)errors);
    if (cpu0 >= 0 && cpu1 >= 0 && responses > 0)
        printf(" cpu_us=%.2f", (cpu1 - cpu0) * 1e6 / (double)responses);
    if (cpu0 >= 0 && cpu1 >= 0 && varbinds > 0)
        printf(" cpu_vb_us=%.3f", (cpu1 - cpu0) * 1e6 / (double)varbinds);
    printf(" gen_busy=%.2f\n", (self1 - self0) / el);
    usm_keys_wipe(&keys);
    return 0;
}
