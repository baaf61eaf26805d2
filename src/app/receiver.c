/* receiver.c - the notification receiver (see receiver.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/sock_diag.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "receiver.h"
#include "snmpengine.h"
#include "../net/udp.h"
#include "../usm/crypto.h"
#include "../usm/usm_msg.h"

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif

#define ENC_CAP 65536
#define OUT_CAP (2 * 65536)
#define MAX_MSG 65507
#define USER_MAX 32
#define EID_MAX USM_MAX_ENGINE_ID

/* One queued notification. Its message bytes live in the byte ring. */
typedef struct {
    uint32_t off, len;          /* in ring */
    uint32_t rlen;              /* a deferred Response's bytes, after the message's */
    receiver_addr_t from;
    socklen_t fromlen;
    int64_t time_ms;
    int32_t msg_id;
    uint8_t listener;
    uint8_t version;
    uint8_t scoped;             /* bytes are a v3 scopedPDU (plaintext) */
    uint8_t sec_level;
    uint8_t user_len, eid_len;
    uint8_t user[USER_MAX];
    uint8_t eid[EID_MAX];
} nentry_t;

typedef struct {
    receiver_t *n;
    udp_sock_t *sock;           /* owned */
    int index;
} nlisten_t;

struct receiver {
    struct event_base *base;    /* not owned */
    nlisten_t listen[RECEIVER_MAX_LISTEN];
    int nlisten;
    /* access */
    uint8_t *communities[RECEIVER_MAX_COMMUNITY]; /* owned */
    size_t community_len[RECEIVER_MAX_COMMUNITY];
    int ncommunities;
    snmpengine_t *eng;          /* one reference: the receiver's own engine */
    mp_t *mp;                   /* owned: message processing, USM users, and
                                 * the sending engines' boots and time */
    /* queue: entries in a circle, bytes in a ring */
    nentry_t *q;                /* owned, qcap entries */
    size_t qcap, qhead, qcount, qpeak;
    uint8_t *ring;              /* owned, rcap bytes */
    size_t rcap, rhead, rtail, rused;
    /* delivery */
    struct event ready_ev;
    int ready_init, ready_armed;
    receiver_ready_cb ready_cb;
    void *ready_arg;
    /* scratch */
    mw_varbind_t *vbs;          /* owned: RECEIVER_MAX_VB + 5 */
    uint8_t *enc;               /* owned: ENC_CAP, decrypted scopedPDUs */
    uint8_t *out;               /* owned: OUT_CAP, Responses and Reports */
    int defer_informs;          /* informs are answered by receiver_answer, later */
    const uint8_t *reply;       /* the answer to the datagram in process, in out */
    size_t reply_len;
    uint8_t conv[1024];         /* v1 -> v2 conversion data */
    receiver_stats_t st;
};

/* --- OIDs (BER content octets) ------------------------------------- */

static const uint8_t OID_SYSUPTIME0[] = { 0x2b, 6, 1, 2, 1, 1, 3, 0 };
static const uint8_t OID_TRAPOID0[] = { 0x2b, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static const uint8_t OID_TRAPADDRESS0[] = { 0x2b, 6, 1, 6, 3, 18, 1, 3, 0 };
static const uint8_t OID_TRAPCOMMUNITY0[] = { 0x2b, 6, 1, 6, 3, 18, 1, 4, 0 };
static const uint8_t OID_TRAPENTERPRISE0[] = { 0x2b, 6, 1, 6, 3, 1, 1, 4, 3, 0 };
static const uint8_t OID_SNMPTRAPS[] = { 0x2b, 6, 1, 6, 3, 1, 1, 5 };

/* --- setup ------------------------------------------------------------ */

static void on_ready(evutil_socket_t fd, short what, void *arg);

receiver_t *
receiver_new(struct event_base *base, const receiver_config_t *cfg)
{
    receiver_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->base = base;
    n->qcap = cfg && cfg->queue_max ? cfg->queue_max : 10000;
    n->rcap = cfg && cfg->queue_bytes ? cfg->queue_bytes : (size_t)8 << 20;
    mp_config_t mpc = { .max_msg = MAX_MSG,
                        .engines_max = cfg && cfg->engines_max ? cfg->engines_max
                                                               : RECEIVER_ENGINES_DEFAULT };
    n->q = calloc(n->qcap, sizeof *n->q);
    n->ring = malloc(n->rcap);
    n->vbs = malloc(sizeof(mw_varbind_t) * (RECEIVER_MAX_VB + 5));
    n->enc = malloc(ENC_CAP);
    n->out = malloc(OUT_CAP);
    n->mp = mp_new(&mpc);
    if (!n->q || !n->ring || !n->vbs || !n->enc || !n->out || !n->mp) {
        receiver_free(n);
        return NULL;
    }
    if (base) {
        evtimer_assign(&n->ready_ev, base, on_ready, n);
        n->ready_init = 1;
    }
    /* a new engine ID, boots 1, until one is given */
    char err[160];
    if (!(n->eng = snmpengine_new()) || snmpengine_boot(n->eng, NULL, 0, -1, err, sizeof err) < 0
        || mp_use_engine(n->mp, n->eng) < 0) {
        receiver_free(n);
        return NULL;
    }
    return n;
}

void
receiver_free(receiver_t *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nlisten; i++)
        udp_close(n->listen[i].sock);
    if (n->ready_init)
        event_del(&n->ready_ev);
    for (int i = 0; i < n->ncommunities; i++)
        free(n->communities[i]);
    mp_free(n->mp);
    free(n->q);
    free(n->ring);
    free(n->vbs);
    if (n->enc)
        usm_wipe(n->enc, ENC_CAP); /* may hold decrypted plaintext */
    free(n->enc);
    free(n->out);
    snmpengine_release(n->eng);
    free(n);
}

void
receiver_set_ready(receiver_t *n, receiver_ready_cb cb, void *arg)
{
    n->ready_cb = cb;
    n->ready_arg = arg;
}

static void
arm_ready(receiver_t *n)
{
    static const struct timeval zero = { 0, 0 };
    if (!n->ready_armed && n->ready_cb && n->ready_init) {
        n->ready_armed = 1;
        evtimer_add(&n->ready_ev, &zero);
    }
}

void
receiver_kick(receiver_t *n)
{
    if (n->qcount > 0)
        arm_ready(n);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
    receiver_t *n = arg;
    (void)fd;
    (void)what;
    n->ready_armed = 0;
    if (n->qcount > 0 && n->ready_cb)
        n->ready_cb(n, n->ready_arg);
}

int
receiver_add_community(receiver_t *n, const uint8_t *c, size_t len)
{
    if (n->ncommunities >= RECEIVER_MAX_COMMUNITY)
        return MW_ETOOMANY;
    uint8_t *copy = malloc(len ? len : 1);
    if (!copy)
        return MW_ENOMEM;
    memcpy(copy, c, len);
    n->communities[n->ncommunities] = copy;
    n->community_len[n->ncommunities++] = len;
    return 0;
}

int
receiver_add_user(receiver_t *n, const char *name, size_t name_len, usm_auth_t auth,
                const char *auth_pass, size_t auth_pass_len, usm_priv_t priv,
                const char *priv_pass, size_t priv_pass_len)
{
    /* no access control here: a user with keys sends authenticated */
    int rc = mp_user_add(n->mp, name, name_len, auth, auth_pass, auth_pass_len, priv, priv_pass,
                         priv_pass_len, auth != USM_AUTH_NONE ? MP_AUTHNOPRIV : MP_NOAUTH);
    return rc < 0 ? rc : 0;
}

int
receiver_set_engine(receiver_t *n, const uint8_t *eid, size_t len, int32_t boots)
{
    char err[160];
    snmpengine_t *e;
    if (len < SNMPENGINE_ID_MIN || len > EID_MAX || boots < 0)
        return MW_EINVAL;
    if (!(e = snmpengine_new()))
        return MW_ENOMEM;
    if (snmpengine_boot(e, eid, len, boots, err, sizeof err) < 0) {
        snmpengine_release(e);
        return MW_EINVAL;
    }
    receiver_use_engine(n, e);
    snmpengine_release(e);
    return 0;
}

int
receiver_use_engine(receiver_t *n, snmpengine_t *e)
{
    size_t len;
    if (!snmpengine_started(e))
        return MW_EINVAL;
    snmpengine_id(e, &len);
    if (len > EID_MAX || mp_use_engine(n->mp, e) < 0)
        return MW_EINVAL;
    snmpengine_retain(e);
    snmpengine_release(n->eng);
    n->eng = e;
    return 0;
}

snmpengine_t *receiver_engine(receiver_t *n) { return n->eng; }

size_t
receiver_engine_id(const receiver_t *n, uint8_t *out, size_t cap)
{
    size_t len;
    const uint8_t *eid = snmpengine_id(n->eng, &len);
    if (cap >= len)
        memcpy(out, eid, len);
    return len;
}

int32_t
receiver_engine_boots(const receiver_t *n)
{
    return snmpengine_boots(n->eng);
}

int32_t
receiver_engine_time(const receiver_t *n)
{
    return snmpengine_time(n->eng);
}

/* --- queue -------------------------------------------------------------- */

/* Reserves len bytes in the ring (FIFO order); NULL when they do not fit. */
static uint8_t *
ring_alloc(receiver_t *n, size_t len, uint32_t *off)
{
    size_t at;
    if (n->qcount == 0) {
        n->rhead = n->rtail = 0;
        if (len > n->rcap)
            return NULL;
        at = 0;
    } else if (n->rhead > n->rtail) {
        if (n->rcap - n->rhead >= len)
            at = n->rhead;
        else if (n->rtail >= len)
            at = 0;
        else
            return NULL;
    } else {
        if (n->rtail - n->rhead >= len)
            at = n->rhead;
        else
            return NULL;
    }
    *off = (uint32_t)at;
    return n->ring + at;
}

/* Appends an entry with data (and a deferred reply, rlen bytes, kept
 * after it); the caller fills the rest of *e. */
static nentry_t *
queue_push(receiver_t *n, const uint8_t *data, size_t len, const uint8_t *reply, size_t rlen)
{
    uint32_t off;
    uint8_t *p;
    if (n->qcount >= n->qcap || !(p = ring_alloc(n, len + rlen, &off))) {
        n->st.dropped_queue++;
        return NULL;
    }
    memcpy(p, data, len);
    if (rlen)
        memcpy(p + len, reply, rlen);
    nentry_t *e = &n->q[(n->qhead + n->qcount) % n->qcap];
    memset(e, 0, offsetof(nentry_t, user));
    e->off = off;
    e->len = (uint32_t)len;
    e->rlen = (uint32_t)rlen;
    n->rhead = off + len + rlen;
    n->rused += len + rlen;
    n->qcount++;
    if (n->qcount > n->qpeak)
        n->qpeak = n->qcount;
    n->st.received++;
    arm_ready(n);
    return e;
}

static int
has_room(const receiver_t *n, size_t len)
{
    uint32_t off;
    if (n->qcount >= n->qcap)
        return 0;
    return ring_alloc((receiver_t *)n, len, &off) != NULL;
}

size_t
receiver_pending(const receiver_t *n)
{
    return n->qcount;
}

/* --- v1 -> v2 ------------------------------------------------------------ */

static int
find_vb(const mw_pdu_t *pdu, const uint8_t *oid, size_t len)
{
    for (size_t i = 0; i < pdu->nvb; i++)
        if (pdu->vbs[i].oid_len == len && memcmp(pdu->vbs[i].oid, oid, len) == 0)
            return 1;
    return 0;
}

static void
set_vb(mw_varbind_t *vb, const uint8_t *oid, size_t len, uint8_t type, const uint8_t *p, size_t plen)
{
    memset(vb, 0, sizeof *vb);
    vb->oid = oid;
    vb->oid_len = (uint32_t)len;
    vb->val.type = type;
    vb->val.p = p;
    vb->val.len = (uint32_t)plen;
}

int
receiver_v1_to_v2(mw_pdu_t *pdu, const uint8_t *community, uint32_t community_len,
                uint8_t *scratch, size_t cap)
{
    size_t k = 0;
    uint8_t *trapoid = scratch;
    if (pdu->type != MW_PDU_TRAPV1 || pdu->nvb + 5 > pdu->cap)
        return MW_EINVAL;
    if (cap < sizeof OID_SNMPTRAPS + 8 || cap < (size_t)pdu->enterprise_len + 7)
        return MW_ETOOBIG;
    /* snmpTrapOID.0: snmpTraps.(generic+1), or enterprise.0.specific */
    if (pdu->generic_trap >= 0 && pdu->generic_trap < 6) {
        memcpy(trapoid, OID_SNMPTRAPS, sizeof OID_SNMPTRAPS);
        k = sizeof OID_SNMPTRAPS;
        trapoid[k++] = (uint8_t)(pdu->generic_trap + 1);
    } else {
        uint32_t spec = (uint32_t)pdu->specific_trap;
        uint8_t tmp[5];
        int nb = 0;
        memcpy(trapoid, pdu->enterprise, pdu->enterprise_len);
        k = pdu->enterprise_len;
        if (k == 0) /* an empty enterprise: start from 0.0 */
            trapoid[k++] = 0;
        trapoid[k++] = 0;
        do {
            tmp[nb++] = (uint8_t)(spec & 0x7F);
            spec >>= 7;
        } while (spec);
        while (nb > 0) {
            uint8_t b = tmp[--nb];
            trapoid[k++] = nb ? (uint8_t)(b | 0x80) : b;
        }
    }
    int want_addr = !find_vb(pdu, OID_TRAPADDRESS0, sizeof OID_TRAPADDRESS0);
    int want_comm = community && !find_vb(pdu, OID_TRAPCOMMUNITY0, sizeof OID_TRAPCOMMUNITY0);
    int want_ent = !find_vb(pdu, OID_TRAPENTERPRISE0, sizeof OID_TRAPENTERPRISE0);
    memmove(pdu->vbs + 2, pdu->vbs, sizeof *pdu->vbs * pdu->nvb);
    set_vb(&pdu->vbs[0], OID_SYSUPTIME0, sizeof OID_SYSUPTIME0, MW_T_TIMETICKS, NULL, 0);
    pdu->vbs[0].val.num.u = pdu->timestamp;
    set_vb(&pdu->vbs[1], OID_TRAPOID0, sizeof OID_TRAPOID0, MW_T_OID, trapoid, k);
    pdu->nvb += 2;
    if (want_addr)
        set_vb(&pdu->vbs[pdu->nvb++], OID_TRAPADDRESS0, sizeof OID_TRAPADDRESS0, MW_T_IPADDR,
               pdu->agent_addr, 4);
    if (want_comm)
        set_vb(&pdu->vbs[pdu->nvb++], OID_TRAPCOMMUNITY0, sizeof OID_TRAPCOMMUNITY0, MW_T_OCTETSTR,
               community, community_len);
    if (want_ent)
        set_vb(&pdu->vbs[pdu->nvb++], OID_TRAPENTERPRISE0, sizeof OID_TRAPENTERPRISE0, MW_T_OID,
               pdu->enterprise, pdu->enterprise_len);
    return 0;
}

/* --- pop ------------------------------------------------------------------ */

int
receiver_decode(const uint8_t *raw, size_t len, mw_pdu_t *pdu, uint8_t *scratch, size_t cap)
{
    mw_msg_t m;
    int32_t version;
    int rc;
    if (pdu->cap < RECEIVER_MAX_VB + 5)
        return MW_EINVAL;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = pdu->vbs;
    m.pdu.cap = RECEIVER_MAX_VB;
    /* a whole message starts with its version; a scopedPDU with an
     * OCTET STRING (the context engine ID) */
    if (pdu_msg_peek_version(raw, len, &version) == 0)
        rc = pdu_msg_decode(&m, raw, len);
    else
        rc = pdu_scoped_decode(&m, raw, len);
    if (rc < 0)
        return rc;
    m.pdu.cap = pdu->cap;
    *pdu = m.pdu;
    if (pdu->type == MW_PDU_TRAPV1)
        return receiver_v1_to_v2(pdu, m.community, m.community_len, scratch, cap);
    return 0;
}

int
receiver_pop(receiver_t *n, receiver_note_t *out)
{
    mw_msg_t m;
    int rc;
    while (n->qcount > 0) {
        nentry_t *e = &n->q[n->qhead];
        const uint8_t *data = n->ring + e->off;
        n->qhead = (n->qhead + 1) % n->qcap;
        n->qcount--;
        n->rused -= e->len + e->rlen;
        if (n->qcount > 0)
            n->rtail = n->q[n->qhead].off;
        else
            n->rhead = n->rtail = 0;
        /* the bytes stay in place until the next push overwrites them;
         * nothing is pushed before the caller is done with this note (the
         * receive path does not run while the layer above works) */
        memset(&m, 0, sizeof m);
        m.pdu.vbs = n->vbs;
        m.pdu.cap = RECEIVER_MAX_VB;
        rc = e->scoped ? pdu_scoped_decode(&m, data, e->len) : pdu_msg_decode(&m, data, e->len);
        if (rc < 0) { /* checked on arrival: cannot happen */
            mp_stats(n->mp)->snmpInASNParseErrs++;
            continue;
        }
        memset(out, 0, sizeof *out);
        out->from = e->from;
        out->fromlen = e->fromlen;
        out->listener = e->listener;
        out->version = e->version;
        out->pdu_type = m.pdu.type;
        out->time_ms = e->time_ms;
        out->msg_id = e->msg_id;
        if (e->version == MW_V3) {
            out->sec_level = e->sec_level;
            out->user = e->user;
            out->user_len = e->user_len;
            out->engine_id = e->eid;
            out->engine_id_len = e->eid_len;
            out->context_engine_id = m.context_engine_id;
            out->context_engine_id_len = m.context_engine_id_len;
            out->context_name = m.context_name;
            out->context_name_len = m.context_name_len;
        } else {
            out->community = m.community;
            out->community_len = m.community_len;
        }
        out->raw = data;
        out->raw_len = e->len;
        out->reply = e->rlen ? data + e->len : NULL;
        out->reply_len = e->rlen;
        out->pdu = m.pdu;
        out->pdu.cap = RECEIVER_MAX_VB + 5;
        if (m.pdu.type == MW_PDU_TRAPV1) /* agent_addr is pointed at: convert in out */
            receiver_v1_to_v2(&out->pdu, m.community, m.community_len, n->conv, sizeof n->conv);
        n->st.handled++;
        return 1;
    }
    return 0;
}

/* --- content identity ---------------------------------------------------- */

static void
put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int
receiver_content_id(const uint8_t *sender, size_t sender_len, const mw_pdu_t *pdu, uint8_t out[32])
{
    size_t nvb = pdu->nvb, k = 0;
    crypto_iov_t *iov = malloc((4 + 3 * nvb) * sizeof *iov);
    uint8_t (*hdr)[13] = malloc((nvb ? nvb : 1) * sizeof *hdr);
    uint8_t head[40];
    int rc = MW_ENOMEM;
    if (!iov || !hdr)
        goto cleanup;
    /* each piece is framed by its length, so no two contents run together */
    put_be32(head, (uint32_t)sender_len);
    iov[k++] = (crypto_iov_t){ head, 4 };
    iov[k++] = (crypto_iov_t){ sender, sender_len };
    head[4] = pdu->type;
    put_be32(head + 5, (uint32_t)pdu->request_id);
    if (pdu->type == MW_PDU_TRAPV1) {
        memcpy(head + 9, pdu->agent_addr, 4);
        put_be32(head + 13, (uint32_t)pdu->generic_trap);
        put_be32(head + 17, (uint32_t)pdu->specific_trap);
        put_be32(head + 21, pdu->timestamp);
        put_be32(head + 25, pdu->enterprise_len);
        iov[k++] = (crypto_iov_t){ head + 4, 25 };
        iov[k++] = (crypto_iov_t){ pdu->enterprise, pdu->enterprise_len };
    } else {
        iov[k++] = (crypto_iov_t){ head + 4, 5 };
    }
    for (size_t i = 0; i < nvb; i++) {
        const mw_varbind_t *vb = &pdu->vbs[i];
        uint8_t *h = hdr[i];
        put_be32(h, vb->oid_len);
        iov[k++] = (crypto_iov_t){ vb->oid, vb->oid_len };
        h[4] = vb->val.type;
        if (vb->val.p) {
            put_be32(h + 5, vb->val.len);
            iov[k++] = (crypto_iov_t){ h, 9 };
            iov[k++] = (crypto_iov_t){ vb->val.p, vb->val.len };
        } else {
            put_be32(h + 5, (uint32_t)(vb->val.num.u >> 32));
            put_be32(h + 9, (uint32_t)vb->val.num.u);
            iov[k++] = (crypto_iov_t){ h, 13 };
        }
    }
    rc = crypto_hash(USM_AUTH_SHA256, iov, k, out) < 0 ? MW_EINVAL : 0;
cleanup:
    free(iov);
    free(hdr);
    return rc;
}

/* --- receive --------------------------------------------------------------- */

static int
community_ok(const receiver_t *n, const uint8_t *c, uint32_t len)
{
    for (int i = 0; i < n->ncommunities; i++)
        if (n->community_len[i] == len && memcmp(n->communities[i], c, len) == 0)
            return 1;
    return 0;
}

static int64_t
now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
fill_entry(nentry_t *e, int listener, const struct sockaddr *from, socklen_t fromlen,
           int32_t version)
{
    if (fromlen > sizeof e->from)
        fromlen = sizeof e->from;
    memcpy(&e->from, from, fromlen);
    e->fromlen = fromlen;
    e->listener = (uint8_t)listener;
    e->version = (uint8_t)version;
    e->time_ms = now_ms();
}

/* The answer to the datagram in process: on_rx sends it. */
static void
set_reply(receiver_t *n, const uint8_t *p, size_t len)
{
    n->reply = p;
    n->reply_len = len;
}

/* An inform's Response: sent now, or (defer_informs) kept with the
 * notification for receiver_answer once the layer above has kept it. */
static void
answer_or_defer(receiver_t *n, const uint8_t *p, size_t len, const uint8_t **deferred,
                size_t *deferred_len)
{
    if (n->defer_informs) {
        *deferred = p;
        *deferred_len = len;
        return;
    }
    set_reply(n, p, len);
    n->st.informs_answered++;
}

void
receiver_defer_informs(receiver_t *n, int on)
{
    n->defer_informs = on != 0;
}

int
receiver_answer(receiver_t *n, int listener, const struct sockaddr *to, socklen_t tolen,
              const uint8_t *reply, size_t len)
{
    if (listener < 0 || listener >= n->nlisten || !n->listen[listener].sock)
        return MW_EINVAL;
    if (udp_send(n->listen[listener].sock, to, tolen, reply, len) < 0) {
        n->st.send_errors++;
        return MW_EINVAL;
    }
    n->st.informs_answered++;
    return 0;
}

/* RFC 3416 4.2.6, 4.2.7: sysUpTime.0 (TimeTicks), then snmpTrapOID.0 (an
 * OID), come first in an SNMPv2-Trap-PDU or InformRequest-PDU. Without
 * them a notification has no trap OID to dispatch on: it is malformed. */
static int
v2_shape_ok(const mw_pdu_t *pdu)
{
    return pdu->nvb >= 2 && pdu->vbs[0].oid_len == sizeof OID_SYSUPTIME0
        && memcmp(pdu->vbs[0].oid, OID_SYSUPTIME0, sizeof OID_SYSUPTIME0) == 0
        && pdu->vbs[0].val.type == MW_T_TIMETICKS && pdu->vbs[1].oid_len == sizeof OID_TRAPOID0
        && memcmp(pdu->vbs[1].oid, OID_TRAPOID0, sizeof OID_TRAPOID0) == 0
        && pdu->vbs[1].val.type == MW_T_OID;
}

/* A v1/v2c message, decoded by message processing: the PDU must be a
 * notification of its version, the community one of ours. */
static void
rx_community(receiver_t *n, int listener, const uint8_t *buf, size_t len,
             const struct sockaddr *from, socklen_t fromlen, mw_msg_t *m)
{
    int t = m->pdu.type;
    if (!(m->version == MW_V1 && t == MW_PDU_TRAPV1)
        && !(m->version == MW_V2C && (t == MW_PDU_TRAPV2 || t == MW_PDU_INFORM))) {
        n->st.wrong_pdu++;
        return;
    }
    if (!community_ok(n, m->community, m->community_len)) {
        mp_stats(n->mp)->snmpInBadCommunityNames++;
        n->st.auth_failures++;
        return;
    }
    if (t != MW_PDU_TRAPV1 && !v2_shape_ok(&m->pdu)) {
        n->st.malformed++;
        return;
    }
    const uint8_t *deferred = NULL;
    size_t deferred_len = 0;
    if (t == MW_PDU_INFORM) {
        uint8_t *out;
        size_t outlen;
        /* acknowledge only what is kept: a full queue leaves the inform
         * unanswered, and the sender retries */
        if (!has_room(n, len)) {
            n->st.dropped_queue++;
            return;
        }
        m->pdu.type = MW_PDU_RESPONSE;
        m->pdu.error_status = 0;
        m->pdu.error_index = 0;
        if (pdu_msg_encode(m, n->out, OUT_CAP, &out, &outlen) == 0)
            answer_or_defer(n, out, outlen, &deferred, &deferred_len);
    }
    nentry_t *e = queue_push(n, buf, len, deferred, deferred_len);
    if (e)
        fill_entry(e, listener, from, fromlen, m->version);
}

/* A v3 notification that message processing let through: authentic as
 * its level says, from a sender whose engine is authoritative (a trap) or
 * to this receiver's engine (an inform). */
static void
rx_v3(receiver_t *n, int listener, const uint8_t *buf, size_t len,
      const struct sockaddr *from, socklen_t fromlen, mw_msg_t *m, const mp_in_t *in)
{
    if (m->pdu.type != MW_PDU_TRAPV2 && m->pdu.type != MW_PDU_INFORM) {
        n->st.wrong_pdu++;
        return;
    }
    if (!v2_shape_ok(&m->pdu)) {
        n->st.malformed++;
        return;
    }
    /* what is queued: the plaintext scopedPDU, or the whole message */
    const uint8_t *data = m->encrypted ? n->enc : buf;
    size_t dlen = m->encrypted ? m->encrypted_len : len;
    if (!has_room(n, dlen)) {
        n->st.dropped_queue++;
        return;
    }
    const uint8_t *deferred = NULL;
    size_t deferred_len = 0;
    if (m->pdu.type == MW_PDU_INFORM) {
        mw_msg_t r = *m;
        uint8_t *out;
        size_t outlen;
        r.msg_flags = m->msg_flags & (MW_FLAG_AUTH | MW_FLAG_PRIV);
        r.msg_max_size = MAX_MSG;
        r.engine_boots = snmpengine_boots(n->eng);
        r.engine_time = snmpengine_time(n->eng);
        r.encrypted = NULL;
        r.encrypted_len = 0;
        r.pdu.type = MW_PDU_RESPONSE;
        r.pdu.error_status = 0;
        r.pdu.error_index = 0;
        if (usm_msg_encode(in->keys, &r, n->out, OUT_CAP, &out, &outlen) == 0)
            answer_or_defer(n, out, outlen, &deferred, &deferred_len);
        else
            n->st.send_errors++;
    }
    nentry_t *e = queue_push(n, data, dlen, deferred, deferred_len);
    if (e) {
        fill_entry(e, listener, from, fromlen, MW_V3);
        e->scoped = m->encrypted != NULL;
        e->msg_id = m->msg_id;
        e->sec_level = in->level == MP_AUTHPRIV ? RECEIVER_AUTHPRIV
                     : in->level == MP_AUTHNOPRIV ? RECEIVER_AUTHNOPRIV : RECEIVER_NOAUTH;
        e->user_len = (uint8_t)m->user_len;
        memcpy(e->user, m->user, m->user_len);
        e->eid_len = (uint8_t)m->engine_id_len;
        memcpy(e->eid, m->engine_id, m->engine_id_len);
    }
}

int
receiver_process(receiver_t *n, int listener, const uint8_t *buf, size_t len,
               const struct sockaddr *from, socklen_t fromlen, const uint8_t **reply,
               size_t *reply_len)
{
    uint64_t before = n->st.received;
    mw_msg_t m;
    mp_in_t in;
    n->reply = NULL;
    n->reply_len = 0;
    if (listener < 0 || listener >= RECEIVER_MAX_LISTEN)
        listener = 0;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = n->vbs;
    m.pdu.cap = RECEIVER_MAX_VB;
    switch (mp_receive(n->mp, buf, len, &m, n->enc, ENC_CAP, &in)) {
    case MP_COMMUNITY:
        rx_community(n, listener, buf, len, from, fromlen, &m);
        break;
    case MP_OK:
        rx_v3(n, listener, buf, len, from, fromlen, &m, &in);
        break;
    case MP_FAIL_PARSE: case MP_FAIL_VERSION: case MP_FAIL_INVALID: case MP_FAIL_ENGINEID:
        break;
    case MP_FAIL_SECMODEL: case MP_FAIL_USER: case MP_FAIL_LEVEL: case MP_FAIL_DIGEST:
    case MP_FAIL_TIME: case MP_FAIL_DECRYPT:
        n->st.auth_failures++;
        break;
    }
    if (in.report) {
        set_reply(n, in.report, in.report_len);
        n->st.reports_sent++;
    } else if (in.report_failed) {
        n->st.send_errors++;
    }
    mp_in_clear(&in);
    *reply = n->reply;
    *reply_len = n->reply_len;
    return n->st.received != before;
}

static void
on_rx(udp_sock_t *s, const uint8_t *buf, size_t len, const struct sockaddr *from,
      socklen_t fromlen, void *arg)
{
    nlisten_t *l = arg;
    receiver_t *n = l->n;
    const uint8_t *reply;
    size_t reply_len;
    (void)s;
    receiver_process(n, l->index, buf, len, from, fromlen, &reply, &reply_len);
    if (reply && udp_send(l->sock, from, fromlen, reply, reply_len) < 0)
        n->st.send_errors++;
}

int
receiver_listen(receiver_t *n, const struct sockaddr *addr, socklen_t len, int *sys_err)
{
    int err = 0;
    *sys_err = 0;
    if (n->nlisten >= RECEIVER_MAX_LISTEN)
        return MW_ETOOMANY;
    if (!n->base) {
        *sys_err = EINVAL;
        return MW_EINVAL;
    }
    nlisten_t *l = &n->listen[n->nlisten];
    l->n = n;
    l->index = n->nlisten;
    l->sock = udp_open(n->base, addr, len, on_rx, l, &err);
    if (!l->sock) {
        *sys_err = err ? err : EINVAL;
        return MW_EINVAL;
    }
    n->nlisten++;
    return l->index;
}

int
receiver_nlisteners(const receiver_t *n)
{
    return n->nlisten;
}

int
receiver_local_addr(const receiver_t *n, int i, struct sockaddr_storage *ss, socklen_t *len)
{
    if (i < 0 || i >= n->nlisten)
        return MW_EINVAL;
    return udp_local(n->listen[i].sock, ss, len);
}

void
receiver_stats(const receiver_t *n, receiver_stats_t *st)
{
    *st = n->st;
    st->dropped_socket = 0;
    for (int i = 0; i < n->nlisten; i++) {
        uint32_t mem[SK_MEMINFO_VARS];
        socklen_t ml = sizeof mem;
        if (getsockopt(udp_fd(n->listen[i].sock), SOL_SOCKET, SO_MEMINFO, mem, &ml) == 0
            && ml > SK_MEMINFO_DROPS * sizeof(uint32_t))
            st->dropped_socket += mem[SK_MEMINFO_DROPS];
    }
    st->dropped = st->dropped_queue + st->dropped_socket;
    st->queue_len = n->qcount;
    st->queue_bytes = n->rused;
    st->queue_peak = n->qpeak;
    st->mp = *mp_stats(n->mp);
    mp_engines(n->mp, &st->engines, &st->engines_evicted);
}
