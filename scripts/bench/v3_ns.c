/* v3_ns.c - net-snmp's async library against snmpd, v2c or SNMPv3
 * authPriv (SHA-256/AES-128), for scripts/bench/v3.
 *
 *   v3_ns get  HOST:PORT 2c|3 N SECONDS   keeps N GETs of sysName.0 in flight
 *   v3_ns walk HOST:PORT 2c|3 MAXREP SECONDS
 *                                         bulk walks .1.3.6.1.2.1, one after
 *                                         the other (snmp_async_send of
 *                                         GETBULKs), counting varbinds
 *
 * Prints "RATE CPU_US": requests (or varbinds) per second, and this
 * process's CPU time (user + system) per request (or per varbind) in
 * microseconds. v3 uses the user "bench", pass phrases "benchauth1" and
 * "benchpriv1", as scripts/bench/v3 creates it. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>

static netsnmp_session *ss;
static long done, errors, varbinds;
static int running = 1, walking;
static oid sysname[] = { 1, 3, 6, 1, 2, 1, 1, 5, 0 };
static oid root[] = { 1, 3, 6, 1, 2, 1 };
static oid cur[MAX_OID_LEN];
static size_t curlen;
static long maxrep = 50;

static double
now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static double
cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6
           + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int send_get(void);
static int send_bulk(void);

static int
on_get(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)s; (void)reqid; (void)magic;
    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE && pdu->errstat == SNMP_ERR_NOERROR)
        done++;
    else
        errors++;
    if (running)
        send_get();
    return 1;
}

static int
send_get(void)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    snmp_add_null_var(pdu, sysname, sizeof sysname / sizeof *sysname);
    if (!snmp_async_send(ss, pdu, on_get, NULL)) {
        snmp_free_pdu(pdu);
        return -1;
    }
    return 0;
}

static int
on_bulk(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
    netsnmp_variable_list *v;
    int end = 0;
    (void)s; (void)reqid; (void)magic;
    if (op != NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE || pdu->errstat != SNMP_ERR_NOERROR) {
        errors++;
        end = 1;
    } else {
        for (v = pdu->variables; v; v = v->next_variable) {
            if (v->name_length < sizeof root / sizeof *root
                || memcmp(v->name, root, sizeof root) != 0 || v->type == SNMP_ENDOFMIBVIEW) {
                end = 1;
                break;
            }
            varbinds++;
            memcpy(cur, v->name, v->name_length * sizeof(oid));
            curlen = v->name_length;
        }
        if (!pdu->variables)
            end = 1;
    }
    if (end) {
        done++; /* one walk */
        memcpy(cur, root, sizeof root);
        curlen = sizeof root / sizeof *root;
    }
    if (running)
        send_bulk();
    return 1;
}

static int
send_bulk(void)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GETBULK);
    pdu->non_repeaters = 0;
    pdu->max_repetitions = maxrep;
    snmp_add_null_var(pdu, cur, curlen);
    if (!snmp_async_send(ss, pdu, on_bulk, NULL)) {
        snmp_free_pdu(pdu);
        return -1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    netsnmp_session sess;
    if (argc < 6) {
        fprintf(stderr, "usage: v3_ns get|walk HOST:PORT 2c|3 N SECONDS\n");
        return 2;
    }
    walking = strcmp(argv[1], "walk") == 0;
    int n = atoi(argv[4]);
    double secs = atof(argv[5]);
    init_snmp("v3_ns");
    snmp_sess_init(&sess);
    sess.peername = argv[2];
    sess.timeout = 1000000;
    sess.retries = 1;
    if (strcmp(argv[3], "3") == 0) {
        static const char *ap = "benchauth1", *pp = "benchpriv1";
        sess.version = SNMP_VERSION_3;
        sess.securityName = strdup("bench");
        sess.securityNameLen = strlen(sess.securityName);
        sess.securityLevel = SNMP_SEC_LEVEL_AUTHPRIV;
        sess.securityAuthProto = usmHMAC192SHA256AuthProtocol;
        sess.securityAuthProtoLen = OID_LENGTH(usmHMAC192SHA256AuthProtocol);
        sess.securityAuthKeyLen = USM_AUTH_KU_LEN;
        if (generate_Ku(sess.securityAuthProto, sess.securityAuthProtoLen, (const u_char *)ap,
                        strlen(ap), sess.securityAuthKey, &sess.securityAuthKeyLen) != SNMPERR_SUCCESS) {
            fprintf(stderr, "generate_Ku failed\n");
            return 1;
        }
        sess.securityPrivProto = usmAESPrivProtocol;
        sess.securityPrivProtoLen = OID_LENGTH(usmAESPrivProtocol);
        sess.securityPrivKeyLen = USM_PRIV_KU_LEN;
        if (generate_Ku(sess.securityAuthProto, sess.securityAuthProtoLen, (const u_char *)pp,
                        strlen(pp), sess.securityPrivKey, &sess.securityPrivKeyLen) != SNMPERR_SUCCESS) {
            fprintf(stderr, "generate_Ku failed\n");
            return 1;
        }
    } else {
        sess.version = SNMP_VERSION_2c;
        sess.community = (u_char *)"public";
        sess.community_len = 6;
    }
    ss = snmp_open(&sess); /* v3: discovers the engine ID here */
    if (!ss) {
        snmp_perror("snmp_open");
        return 1;
    }
    if (walking) {
        maxrep = n;
        memcpy(cur, root, sizeof root);
        curlen = sizeof root / sizeof *root;
        send_bulk();
    } else {
        for (int i = 0; i < n; i++)
            send_get();
    }
    double t0 = now(), c0 = cpu(), end = t0 + secs;
    long done0 = 0;
    while (now() < end) {
        int fds = 0, block = 1;
        fd_set fdset;
        struct timeval timeout;
        FD_ZERO(&fdset);
        snmp_select_info(&fds, &fdset, &timeout, &block);
        fds = select(fds, &fdset, NULL, NULL, block ? NULL : &timeout);
        if (fds > 0)
            snmp_read(&fdset);
        else
            snmp_timeout();
    }
    running = 0;
    double t = now() - t0, c = cpu() - c0;
    long units = walking ? varbinds : done - done0;
    printf("%.0f %.1f\n", (double)units / t, units ? c * 1e6 / (double)units : 0.0);
    fprintf(stderr, "v3_ns %s v%s: %ld %s, %ld walks, %ld errors in %.2fs, %.2fs CPU\n", argv[1], argv[3],
            units, walking ? "varbinds" : "responses", walking ? done : 0L, errors, t, c);
    return 0;
}
