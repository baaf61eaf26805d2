/* codec_bench.c - moonwalk's codec against net-snmp's, in the same run.
 *
 * Both sides work on the same v2c GetResponse (1, 10 and 50 varbinds, a
 * mix of OCTET STRING, INTEGER, Counter32, Counter64, OID, TimeTicks and
 * IpAddress):
 *   decode  moonwalk: pdu_msg_decode of the whole message into a caller array
 *           (varbinds point into the packet: that is moonwalk's design);
 *           net-snmp: snmp_pdu_create + snmp_pdu_parse of the PDU only,
 *           which builds its allocated varbind list. The snmp_free_pdu that
 *           must follow is timed apart and not counted.
 *   encode  moonwalk: pdu_msg_encode of the message into a caller buffer;
 *           net-snmp: snmp_build of the same message from a netsnmp_pdu.
 * The two encodings are checked to be byte-identical first. Each figure is
 * the best of R rounds of about T seconds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <malloc.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "ber.h"
#include "oid.h"
#include "pdu.h"

#define MAXVB 64
#define BATCH 256

static double round_sec = 0.2;
static int rounds = 5;
static volatile uint64_t sink;

static double
now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One varbind of the test message, in both libraries' terms. */
typedef struct {
    oid_t name;
    uint8_t name_ber[64];
    int name_ber_len;
    uint8_t type;
    int64_t i;
    uint64_t u;
    const char *str;
    oid_t oval;
    uint8_t oval_ber[64];
    int oval_ber_len;
    uint8_t ip[4];
} vb_spec_t;

static void
parse_oid(oid_t *o, const char *s)
{
    if (oid_parse(o, s, strlen(s)) < 0) {
        fprintf(stderr, "bad oid %s\n", s);
        exit(1);
    }
}

static void
make_spec(vb_spec_t *v, int i)
{
    char name[128];
    static char strs[MAXVB][32];
    int idx = i / 7 + 1;
    memset(v, 0, sizeof *v);
    switch (i % 7) {
    case 0:
        snprintf(name, sizeof name, "1.3.6.1.2.1.2.2.1.2.%d", idx);
        snprintf(strs[i], sizeof strs[i], "GigabitEthernet0/%d", idx);
        v->type = MW_T_OCTETSTR;
        v->str = strs[i];
        break;
    case 1:
        snprintf(name, sizeof name, "1.3.6.1.2.1.2.2.1.4.%d", idx);
        v->type = MW_T_INTEGER;
        v->i = 1500;
        break;
    case 2:
        snprintf(name, sizeof name, "1.3.6.1.2.1.2.2.1.10.%d", idx);
        v->type = MW_T_COUNTER32;
        v->u = 3123456789u + (unsigned)i;
        break;
    case 3:
        snprintf(name, sizeof name, "1.3.6.1.2.1.31.1.1.1.6.%d", idx);
        v->type = MW_T_COUNTER64;
        v->u = 98765432101234ull * (uint64_t)(i + 1);
        break;
    case 4:
        snprintf(name, sizeof name, "1.3.6.1.2.1.2.2.1.22.%d", idx);
        v->type = MW_T_OID;
        parse_oid(&v->oval, "1.3.6.1.4.1.8072.3.2.10");
        v->oval_ber_len = oid_encode(&v->oval, v->oval_ber, sizeof v->oval_ber);
        break;
    case 5:
        snprintf(name, sizeof name, "1.3.6.1.2.1.2.2.1.9.%d", idx);
        v->type = MW_T_TIMETICKS;
        v->u = 123456789u + (unsigned)i;
        break;
    default:
        snprintf(name, sizeof name, "1.3.6.1.2.1.4.20.1.1.10.0.%d.%d", idx / 256, idx % 256);
        v->type = MW_T_IPADDR;
        v->ip[0] = 10; v->ip[1] = 0; v->ip[2] = (uint8_t)(idx / 256); v->ip[3] = (uint8_t)(idx % 256);
        break;
    }
    parse_oid(&v->name, name);
    v->name_ber_len = oid_encode(&v->name, v->name_ber, sizeof v->name_ber);
}

static void
make_mw(mw_msg_t *m, mw_varbind_t *vbs, const vb_spec_t *spec, int n)
{
    memset(m, 0, sizeof *m);
    m->version = MW_V2C;
    m->community = (const uint8_t *)"public";
    m->community_len = 6;
    m->pdu.type = MW_PDU_RESPONSE;
    m->pdu.request_id = 0x12345678;
    m->pdu.vbs = vbs;
    m->pdu.cap = MAXVB;
    m->pdu.nvb = (size_t)n;
    for (int i = 0; i < n; i++) {
        const vb_spec_t *s = &spec[i];
        mw_varbind_t *vb = &vbs[i];
        memset(vb, 0, sizeof *vb);
        vb->oid = s->name_ber;
        vb->oid_len = (uint32_t)s->name_ber_len;
        vb->val.type = s->type;
        switch (s->type) {
        case MW_T_OCTETSTR:
            vb->val.p = (const uint8_t *)s->str;
            vb->val.len = (uint32_t)strlen(s->str);
            break;
        case MW_T_INTEGER: vb->val.num.i = s->i; break;
        case MW_T_OID:
            vb->val.p = s->oval_ber;
            vb->val.len = (uint32_t)s->oval_ber_len;
            break;
        case MW_T_IPADDR: vb->val.p = s->ip; vb->val.len = 4; break;
        default: vb->val.num.u = s->u; break;
        }
    }
}

static netsnmp_pdu *
make_ns(const vb_spec_t *spec, int n)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_RESPONSE);
    pdu->version = SNMP_VERSION_2c;
    pdu->reqid = 0x12345678;
    pdu->community = (u_char *)strdup("public");
    pdu->community_len = 6;
    for (int i = 0; i < n; i++) {
        const vb_spec_t *s = &spec[i];
        oid name[OID_MAX_LEN];
        for (uint32_t k = 0; k < s->name.len; k++)
            name[k] = s->name.arcs[k];
        switch (s->type) {
        case MW_T_OCTETSTR:
            snmp_pdu_add_variable(pdu, name, s->name.len, ASN_OCTET_STR, s->str, strlen(s->str));
            break;
        case MW_T_INTEGER: {
            long l = (long)s->i;
            snmp_pdu_add_variable(pdu, name, s->name.len, ASN_INTEGER, &l, sizeof l);
            break;
        }
        case MW_T_COUNTER32:
        case MW_T_TIMETICKS: {
            long l = (long)s->u;
            snmp_pdu_add_variable(pdu, name, s->name.len, s->type, &l, sizeof l);
            break;
        }
        case MW_T_COUNTER64: {
            struct counter64 c;
            c.high = (u_long)(s->u >> 32);
            c.low = (u_long)(s->u & 0xFFFFFFFFu);
            snmp_pdu_add_variable(pdu, name, s->name.len, ASN_COUNTER64, &c, sizeof c);
            break;
        }
        case MW_T_OID: {
            oid val[OID_MAX_LEN];
            for (uint32_t k = 0; k < s->oval.len; k++)
                val[k] = s->oval.arcs[k];
            snmp_pdu_add_variable(pdu, name, s->name.len, ASN_OBJECT_ID, val, s->oval.len * sizeof(oid));
            break;
        }
        case MW_T_IPADDR:
            snmp_pdu_add_variable(pdu, name, s->name.len, ASN_IPADDRESS, s->ip, 4);
            break;
        }
    }
    return pdu;
}

/* ---- the measured operations ---- */

typedef struct {
    int n;
    mw_msg_t mw;
    mw_varbind_t vbs[MAXVB];
    netsnmp_pdu *ns;
    netsnmp_session sess;
    const uint8_t *pkt;   /* the message, as both sides encode it */
    size_t pkt_len;
    u_char *ns_pdu;       /* the PDU inside it, for snmp_pdu_parse */
    size_t ns_pdu_len;
    uint8_t *mw_buf;
    u_char *ns_buf;
    size_t ns_buf_len;
} bench_t;

static double
mw_decode(bench_t *b, long iters)
{
    mw_varbind_t vbs[MAXVB];
    mw_msg_t m;
    uint64_t acc = 0;
    double t0 = now();
    for (long k = 0; k < iters; k++) {
        m.pdu.vbs = vbs;
        m.pdu.cap = MAXVB;
        if (pdu_msg_decode(&m, b->pkt, b->pkt_len) < 0)
            abort();
        acc += m.pdu.nvb + vbs[m.pdu.nvb - 1].val.num.u;
    }
    double t = now() - t0;
    sink += acc;
    return t;
}

static double
mw_encode(bench_t *b, long iters)
{
    uint8_t *out;
    size_t outlen;
    uint64_t acc = 0;
    double t0 = now();
    for (long k = 0; k < iters; k++) {
        if (pdu_msg_encode(&b->mw, b->mw_buf, 65536, &out, &outlen) < 0)
            abort();
        acc += outlen + out[outlen - 1];
    }
    double t = now() - t0;
    sink += acc;
    return t;
}

static double
ns_decode(bench_t *b, long iters)
{
    netsnmp_pdu *pdus[BATCH];
    double t = 0;
    uint64_t acc = 0;
    for (long done = 0; done < iters;) {
        long k = iters - done < BATCH ? iters - done : BATCH;
        double t0 = now();
        for (long j = 0; j < k; j++) {
            size_t len = b->ns_pdu_len;
            netsnmp_pdu *p = snmp_pdu_create(0);
            if (snmp_pdu_parse(p, b->ns_pdu, &len) != 0)
                abort();
            pdus[j] = p;
        }
        t += now() - t0;
        for (long j = 0; j < k; j++) {
            acc += (uint64_t)pdus[j]->reqid;
            snmp_free_pdu(pdus[j]);
        }
        done += k;
    }
    sink += acc;
    return t;
}

static double
ns_free(bench_t *b, long iters)
{
    netsnmp_pdu *pdus[BATCH];
    double t = 0;
    for (long done = 0; done < iters;) {
        long k = iters - done < BATCH ? iters - done : BATCH;
        for (long j = 0; j < k; j++) {
            size_t len = b->ns_pdu_len;
            pdus[j] = snmp_pdu_create(0);
            if (snmp_pdu_parse(pdus[j], b->ns_pdu, &len) != 0)
                abort();
        }
        double t0 = now();
        for (long j = 0; j < k; j++)
            snmp_free_pdu(pdus[j]);
        t += now() - t0;
        done += k;
    }
    return t;
}

static double
ns_encode(bench_t *b, long iters)
{
    uint64_t acc = 0;
    double t0 = now();
    for (long k = 0; k < iters; k++) {
        size_t offset = 0;
        if (snmp_build(&b->ns_buf, &b->ns_buf_len, &offset, &b->sess, b->ns) != 0)
            abort();
        acc += offset;
    }
    double t = now() - t0;
    sink += acc;
    return t;
}

/* Best ns per call over the rounds; each round runs about round_sec. */
static double
measure(double (*fn)(bench_t *, long), bench_t *b)
{
    long iters = 16;
    double t;
    while ((t = fn(b, iters)) < round_sec / 10)
        iters *= 4;
    iters = (long)(iters * (round_sec / t)) + 1;
    double best = 1e30;
    for (int r = 0; r < rounds; r++) {
        t = fn(b, iters) * 1e9 / (double)iters;
        if (t < best)
            best = t;
    }
    return best;
}

static void
hexdump(const char *what, const uint8_t *p, size_t n)
{
    fprintf(stderr, "%s (%zu):", what, n);
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "%s%02x", i % 32 ? "" : "\n  ", p[i]);
    fprintf(stderr, "\n");
}

static void
setup(bench_t *b, int n)
{
    static vb_spec_t spec[MAXVB];
    uint8_t *out;
    size_t outlen, offset = 0;

    b->n = n;
    for (int i = 0; i < n; i++)
        make_spec(&spec[i], i);
    make_mw(&b->mw, b->vbs, spec, n);
    b->ns = make_ns(spec, n);
    snmp_sess_init(&b->sess);
    b->sess.version = SNMP_VERSION_2c;
    b->sess.community = (u_char *)"public";
    b->sess.community_len = 6;

    b->mw_buf = malloc(65536);
    b->ns_buf_len = 65536;
    b->ns_buf = malloc(b->ns_buf_len);
    if (pdu_msg_encode(&b->mw, b->mw_buf, 65536, &out, &outlen) < 0) {
        fprintf(stderr, "moonwalk encode failed\n");
        exit(1);
    }
    if (snmp_build(&b->ns_buf, &b->ns_buf_len, &offset, &b->sess, b->ns) != 0) {
        fprintf(stderr, "net-snmp encode failed: %s\n", snmp_api_errstring(snmp_errno));
        exit(1);
    }
    /* net-snmp's reverse encoder leaves the message at the buffer's end. */
    const uint8_t *ns_out = b->ns_buf + b->ns_buf_len - offset;
    if (offset != outlen || memcmp(ns_out, out, outlen) != 0) {
        fprintf(stderr, "the two encodings of the %d-varbind message differ\n", n);
        hexdump("moonwalk", out, outlen);
        hexdump("net-snmp", ns_out, offset);
        exit(1);
    }
    b->pkt = out;
    b->pkt_len = outlen;

    /* The PDU starts after the message header: SEQUENCE, version, community. */
    ber_rd_t r, s;
    int32_t version;
    const uint8_t *comm;
    uint32_t clen;
    ber_rd_init(&r, b->pkt, b->pkt_len);
    if (ber_read_expect(&r, MW_T_SEQUENCE, &s) < 0 || ber_read_int32(&s, MW_T_INTEGER, &version) < 0 ||
        ber_read_octets(&s, MW_T_OCTETSTR, &comm, &clen) < 0)
        abort();
    b->ns_pdu_len = ber_rd_left(&s);
    b->ns_pdu = malloc(b->ns_pdu_len);
    memcpy(b->ns_pdu, s.p, b->ns_pdu_len);

    /* Both decoders agree on what they read. */
    mw_msg_t m;
    mw_varbind_t vbs[MAXVB];
    m.pdu.vbs = vbs;
    m.pdu.cap = MAXVB;
    size_t len = b->ns_pdu_len;
    netsnmp_pdu *p = snmp_pdu_create(0);
    if (pdu_msg_decode(&m, b->pkt, b->pkt_len) < 0 || snmp_pdu_parse(p, b->ns_pdu, &len) != 0) {
        fprintf(stderr, "decode failed\n");
        exit(1);
    }
    size_t nsn = 0;
    for (netsnmp_variable_list *v = p->variables; v; v = v->next_variable)
        nsn++;
    if (m.pdu.nvb != (size_t)n || nsn != (size_t)n || p->reqid != m.pdu.request_id) {
        fprintf(stderr, "decoders disagree\n");
        exit(1);
    }
    snmp_free_pdu(p);
}

int
main(int argc, char **argv)
{
    static const int sizes[] = { 1, 10, 50 };
    static bench_t benches[3];

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc)
            round_sec = atof(argv[++i]);
        else if (!strcmp(argv[i], "-r") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: %s [-t SECONDS_PER_ROUND] [-r ROUNDS]\n", argv[0]);
            return 2;
        }
    }

    /* Keep freed memory in the process, as a long-running daemon's heap
     * settles: otherwise glibc returns it and net-snmp's decode pays page
     * faults that have nothing to do with its codec. */
    setenv("MIBS", "", 1); /* no MIB loading, no warnings */
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 16 << 20);

    netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
    init_snmp("codec-bench");

    printf("codec: v2c GetResponse, moonwalk vs net-snmp %s; best of %d rounds of ~%.2fs\n",
           netsnmp_get_version(), rounds, round_sec);
    printf("decode: moonwalk pdu_msg_decode (whole message) | net-snmp snmp_pdu_create+snmp_pdu_parse (PDU only; free not counted)\n");
    printf("encode: moonwalk pdu_msg_encode | net-snmp snmp_build (same bytes, checked)\n\n");
    printf("%-6s %4s %6s | %10s %9s | %10s %9s | %6s\n", "op", "vbs", "bytes",
           "mw ns/msg", "mw ns/vb", "ns ns/msg", "ns ns/vb", "ratio");
    printf("-------------------+----------------------+----------------------+-------\n");

    double worst = 1e30;
    for (int s = 0; s < 3; s++) {
        bench_t *b = &benches[s];
        setup(b, sizes[s]);
        struct {
            const char *op;
            double (*mw)(bench_t *, long);
            double (*ns)(bench_t *, long);
        } ops[] = { { "decode", mw_decode, ns_decode }, { "encode", mw_encode, ns_encode } };
        for (int o = 0; o < 2; o++) {
            double tm = measure(ops[o].mw, b);
            double tn = measure(ops[o].ns, b);
            double ratio = tn / tm;
            if (ratio < worst)
                worst = ratio;
            printf("%-6s %4d %6zu | %10.0f %9.1f | %10.0f %9.1f | %5.1fx\n", ops[o].op, b->n,
                   b->pkt_len, tm, tm / b->n, tn, tn / b->n, ratio);
        }
    }
    printf("\nratio = net-snmp time / moonwalk time; lowest %.1fx, goal 3.0x: %s\n", worst,
           worst >= 3.0 ? "met" : "NOT met");
    printf("not counted above, net-snmp's snmp_free_pdu after each decode:");
    for (int s = 0; s < 3; s++)
        printf(" %d vbs %.0f ns%s", sizes[s], measure(ns_free, &benches[s]), s < 2 ? "," : "\n");
    return 0;
}
