/* engine.h - the manager's request table: send, match, retry, time out.
 *
 * One socket per address family is shared by every request. Responses are
 * matched by request-id (msgID for v3) and source address; anything else
 * is dropped and counted. The timeout is per attempt; a resend reuses the
 * request-id, as net-snmp does. */
#ifndef MW_ENGINE_H
#define MW_ENGINE_H

#include <sys/socket.h>
#include <netinet/in.h>

#include "../core/pdu.h"
#include "udp.h"

struct event_base;
typedef struct mw_engine mw_engine_t;
typedef struct mw_req mw_req_t;

enum {
    MW_REQ_TIMEOUT = -100,
    MW_REQ_SENDFAIL = -101,
    MW_REQ_CANCELLED = -102,
};

/* resp is valid only during the call; status is 0 or MW_REQ_*. The request
 * is freed after the callback returns. */
typedef void (*mw_req_cb)(mw_req_t *req, int status, const mw_msg_t *resp, void *arg);

/* Security hooks for v3 (set by the USM glue): protect an outgoing message,
 * and process an incoming one (verify/decrypt/decode, may answer with a
 * resend). Kept as pointers so src/net needs no USM headers. */
typedef struct mw_v3_hooks {
    /* Builds the wire message for req into buf (or its own buffer) and
     * points out/outlen at it; returns 0 or <0. req is the request being
     * sent (a temporary one for one-way sends), for per-request state. */
    int (*outgoing)(void *sec, mw_req_t *req, mw_msg_t *msg, uint8_t *buf, size_t cap,
                    uint8_t **out, size_t *outlen);
    /* Called for a v3 message whose msgID matched; decodes it into m.
     * Returns 0 to deliver, MW_REQ_* or another <0 to fail the request,
     * 1 when it has resent the request, or 2 when it dropped the message
     * (the engine keeps waiting in both cases). */
    int (*incoming)(void *sec, mw_req_t *req, const uint8_t *buf, size_t len, mw_msg_t *m);
} mw_v3_hooks_t;

typedef struct {
    uint64_t sent, retransmits, timeouts, received;
    uint64_t parse_errors;     /* snmpInASNParseErrs */
    uint64_t bad_versions;     /* snmpInBadVersions */
    uint64_t unknown_ids;      /* stray, duplicate or late responses */
    uint64_t bad_source;       /* right id, wrong address */
    uint64_t wrong_pdu;        /* not a Response/Report */
    uint64_t queued;           /* waited for the in-flight limit */
    uint64_t inflight, waiting;
    uint64_t gso_datagrams;    /* sent in UDP GSO runs */
} mw_engine_stats_t;

mw_engine_t *engine_new(struct event_base *base);
void engine_free(mw_engine_t *e);
void engine_set_max_inflight(mw_engine_t *e, size_t n); /* 0: no limit */
void engine_stats(const mw_engine_t *e, mw_engine_stats_t *st);

/* Sends msg to peer. The engine sets the request-id (v1/v2c) or msgID (v3)
 * and keeps its own copy of the encoded message. msg may be freed after the
 * call. For v3, sec is passed to the hooks. */
mw_req_t *engine_request(mw_engine_t *e, const struct sockaddr *peer, socklen_t peerlen,
                         mw_msg_t *msg, uint32_t timeout_ms, int retries,
                         mw_req_cb cb, void *arg, void *sec, int *err);
void engine_cancel(mw_req_t *r);
/* Encodes and sends msg once, expecting no answer (traps). Sets the
 * request-id/msgID from the same counter as requests. */
int engine_send_oneway(mw_engine_t *e, const struct sockaddr *peer, socklen_t peerlen,
                       mw_msg_t *msg, void *sec);
/* Re-encodes and resends now, with a fresh attempt count (v3 resync). */
int engine_req_resend(mw_req_t *r, mw_msg_t *msg);
/* Per-request state of the v3 glue, freed with fr when the request is
 * (a replaced value is freed at once). */
void engine_req_set_sec_data(mw_req_t *r, void *data, void (*fr)(void *));
void *engine_req_sec_data(const mw_req_t *r);
void engine_set_v3_hooks(mw_engine_t *e, const mw_v3_hooks_t *h);


#endif
