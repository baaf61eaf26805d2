/* nsget.c - net-snmp's async library at full tilt: keeps N GET requests in
 * flight (snmp_async_send + snmp_read) for SECONDS and prints requests/s.
 * Usage: nsget HOST:PORT N SECONDS */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>

static netsnmp_session *ss;
static long done, errors;
static int running = 1;
static oid name[] = { 1, 3, 6, 1, 2, 1, 1, 5, 0 };

static int send_one(void);

static int
cb(int op, netsnmp_session *s, int reqid, netsnmp_pdu *pdu, void *magic)
{
    (void)s; (void)reqid; (void)pdu; (void)magic;
    if (op == NETSNMP_CALLBACK_OP_RECEIVED_MESSAGE)
        done++;
    else
        errors++;
    if (running)
        send_one();
    return 1;
}

static int
send_one(void)
{
    netsnmp_pdu *pdu = snmp_pdu_create(SNMP_MSG_GET);
    snmp_add_null_var(pdu, name, sizeof name / sizeof *name);
    if (!snmp_async_send(ss, pdu, cb, NULL)) {
        snmp_free_pdu(pdu);
        return -1;
    }
    return 0;
}

static double
now(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return tv.tv_sec + tv.tv_usec / 1e6;
}

int
main(int argc, char **argv)
{
    netsnmp_session sess;
    int n = argc > 2 ? atoi(argv[2]) : 64;
    double secs = argc > 3 ? atof(argv[3]) : 3;
    init_snmp("nsget");
    snmp_sess_init(&sess);
    sess.peername = argv[1];
    sess.version = SNMP_VERSION_2c;
    sess.community = (u_char *)"public";
    sess.community_len = 6;
    sess.timeout = 1000000;
    sess.retries = 0;
    ss = snmp_open(&sess);
    if (!ss) {
        snmp_perror("snmp_open");
        return 1;
    }
    for (int i = 0; i < n; i++)
        send_one();
    double t0 = now(), end = t0 + secs;
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
    double t = now() - t0;
    printf("%.0f\n", done / t);
    fprintf(stderr, "nsget: %ld responses, %ld errors in %.2fs\n", done, errors, t);
    return 0;
}
