/* notify.c - the notification receiver (see notify.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <linux/sock_diag.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "notify.h"
#include "snmpengine.h"
#include "../net/udp.h"
#include "../core/ber.h"
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
#define TIME_WINDOW 150

/* One queued notification. Its message bytes live in the byte ring. */
typedef struct {
    uint32_t off, len;          /* in ring */
    uint32_t rlen;              /* a deferred Response's bytes, after the message's */
    notify_addr_t from;
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
    uint8_t *name;              /* owned */
    size_t name_len;
    usm_auth_t auth;
    usm_priv_t priv;
    uint8_t auth_master[USM_MAX_HASH]; /* secret: wiped in notify_free */
    uint8_t priv_master[USM_MAX_HASH];
} nuser_t;

typedef struct {
    notify_t *n;
    udp_sock_t *sock;           /* owned */
    int index;
} nlisten_t;

/* A sending engine's boots and time, as a non-authoritative engine keeps
 * them (RFC 3414 2.3, 3.2.7 b). Entries live in one array, found through
 * a hash table of chains and ordered by a list from the most to the least
 * recently seen; indexes link them (ET_NIL: none). */
#define ET_NIL UINT32_MAX
typedef struct {
    int64_t at;                 /* local clock (s) when latest was received */
    int32_t boots;              /* snmpEngineBoots */
    int32_t latest;             /* latestReceivedEngineTime */
    uint32_t hnext;             /* next in its hash chain */
    uint32_t prev, next;        /* recency list */
    uint8_t eid_len;
    uint8_t eid[EID_MAX];
} etime_t;

struct notify {
    struct event_base *base;    /* not owned */
    nlisten_t listen[NOTIFY_MAX_LISTEN];
    int nlisten;
    /* access */
    uint8_t *communities[NOTIFY_MAX_COMMUNITY]; /* owned */
    size_t community_len[NOTIFY_MAX_COMMUNITY];
    int ncommunities;
    nuser_t *users;             /* owned array */
    int nusers;
    snmpengine_t *eng;          /* one reference: the receiver's own engine */
    /* sending engines' boots and time: etcap entries, etmask + 1 chains */
    etime_t *et;                /* owned */
    uint32_t *etbucket;         /* owned */
    uint32_t etcap, etcount, etmask, ethead, ettail;
    uint64_t etseed, etevicted;
    /* queue: entries in a circle, bytes in a ring */
    nentry_t *q;                /* owned, qcap entries */
    size_t qcap, qhead, qcount, qpeak;
    uint8_t *ring;              /* owned, rcap bytes */
    size_t rcap, rhead, rtail, rused;
    /* delivery */
    struct event ready_ev;
    int ready_init, ready_armed;
    notify_ready_cb ready_cb;
    void *ready_arg;
    /* scratch */
    mw_varbind_t *vbs;          /* owned: NOTIFY_MAX_VB + 5 */
    uint8_t *enc;               /* owned: ENC_CAP, decrypted scopedPDUs */
    uint8_t *out;               /* owned: OUT_CAP, Responses and Reports */
    int defer_informs;          /* informs are answered by notify_answer, later */
    const uint8_t *reply;       /* the answer to the datagram in process, in out */
    size_t reply_len;
    uint8_t conv[1024];         /* v1 -> v2 conversion data */
    notify_stats_t st;
};

/* --- OIDs (BER content octets) ------------------------------------- */

static const uint8_t OID_SYSUPTIME0[] = { 0x2b, 6, 1, 2, 1, 1, 3, 0 };
static const uint8_t OID_TRAPOID0[] = { 0x2b, 6, 1, 6, 3, 1, 1, 4, 1, 0 };
static const uint8_t OID_TRAPADDRESS0[] = { 0x2b, 6, 1, 6, 3, 18, 1, 3, 0 };
static const uint8_t OID_TRAPCOMMUNITY0[] = { 0x2b, 6, 1, 6, 3, 18, 1, 4, 0 };
static const uint8_t OID_TRAPENTERPRISE0[] = { 0x2b, 6, 1, 6, 3, 1, 1, 4, 3, 0 };
static const uint8_t OID_SNMPTRAPS[] = { 0x2b, 6, 1, 6, 3, 1, 1, 5 };
/* usmStats (1.3.6.1.6.3.15.1.1.x.0), for Reports */
enum {
    USMSTAT_UNSUPPORTED_LEVELS = 1, USMSTAT_NOT_IN_TIME = 2, USMSTAT_UNKNOWN_USERS = 3,
    USMSTAT_UNKNOWN_EIDS = 4, USMSTAT_WRONG_DIGESTS = 5, USMSTAT_DECRYPTION = 6,
};

/* --- setup ------------------------------------------------------------ */

static void on_ready(evutil_socket_t fd, short what, void *arg);

notify_t *
notify_new(struct event_base *base, const notify_config_t *cfg)
{
    notify_t *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->base = base;
    n->qcap = cfg && cfg->queue_max ? cfg->queue_max : 10000;
    n->rcap = cfg && cfg->queue_bytes ? cfg->queue_bytes : (size_t)8 << 20;
    n->etcap = cfg && cfg->engines_max ? (uint32_t)cfg->engines_max : NOTIFY_ENGINES_DEFAULT;
    if (cfg && cfg->engines_max > UINT32_MAX / 4) {
        free(n);
        return NULL;
    }
    n->etmask = 1;
    while (n->etmask < 2 * n->etcap) /* chains at most half full */
        n->etmask <<= 1;
    n->etmask--;
    n->ethead = n->ettail = ET_NIL;
    n->q = calloc(n->qcap, sizeof *n->q);
    n->ring = malloc(n->rcap);
    n->vbs = malloc(sizeof(mw_varbind_t) * (NOTIFY_MAX_VB + 5));
    n->enc = malloc(ENC_CAP);
    n->out = malloc(OUT_CAP);
    n->et = malloc(sizeof *n->et * n->etcap);
    n->etbucket = malloc(sizeof *n->etbucket * ((size_t)n->etmask + 1));
    if (!n->q || !n->ring || !n->vbs || !n->enc || !n->out || !n->et || !n->etbucket) {
        notify_free(n);
        return NULL;
    }
    memset(n->etbucket, 0xFF, sizeof *n->etbucket * ((size_t)n->etmask + 1)); /* ET_NIL */
    if (getrandom(&n->etseed, sizeof n->etseed, 0) != sizeof n->etseed)
        n->etseed = (uint64_t)(uintptr_t)n ^ 0x9e3779b97f4a7c15u;
    if (base) {
        evtimer_assign(&n->ready_ev, base, on_ready, n);
        n->ready_init = 1;
    }
    /* a new engine ID, boots 1, until one is given */
    char err[160];
    if (!(n->eng = snmpengine_new()) || snmpengine_boot(n->eng, NULL, 0, -1, err, sizeof err) < 0) {
        notify_free(n);
        return NULL;
    }
    return n;
}

void
notify_free(notify_t *n)
{
    if (!n)
        return;
    for (int i = 0; i < n->nlisten; i++)
        udp_close(n->listen[i].sock);
    if (n->ready_init)
        event_del(&n->ready_ev);
    for (int i = 0; i < n->ncommunities; i++)
        free(n->communities[i]);
    for (int i = 0; i < n->nusers; i++) {
        usm_wipe(n->users[i].auth_master, sizeof n->users[i].auth_master);
        usm_wipe(n->users[i].priv_master, sizeof n->users[i].priv_master);
        free(n->users[i].name);
    }
    free(n->users);
    free(n->q);
    free(n->ring);
    free(n->vbs);
    if (n->enc)
        usm_wipe(n->enc, ENC_CAP); /* may hold decrypted plaintext */
    free(n->enc);
    free(n->out);
    free(n->et);
    free(n->etbucket);
    snmpengine_release(n->eng);
    free(n);
}

void
notify_set_ready(notify_t *n, notify_ready_cb cb, void *arg)
{
    n->ready_cb = cb;
    n->ready_arg = arg;
}

static void
arm_ready(notify_t *n)
{
    static const struct timeval zero = { 0, 0 };
    if (!n->ready_armed && n->ready_cb && n->ready_init) {
        n->ready_armed = 1;
        evtimer_add(&n->ready_ev, &zero);
    }
}

void
notify_kick(notify_t *n)
{
    if (n->qcount > 0)
        arm_ready(n);
}

static void
on_ready(evutil_socket_t fd, short what, void *arg)
{
    notify_t *n = arg;
    (void)fd;
    (void)what;
    n->ready_armed = 0;
    if (n->qcount > 0 && n->ready_cb)
        n->ready_cb(n, n->ready_arg);
}

int
notify_add_community(notify_t *n, const uint8_t *c, size_t len)
{
    if (n->ncommunities >= NOTIFY_MAX_COMMUNITY)
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
notify_add_user(notify_t *n, const char *name, size_t name_len, usm_auth_t auth,
                const char *auth_pass, size_t auth_pass_len, usm_priv_t priv,
                const char *priv_pass, size_t priv_pass_len)
{
    nuser_t u;
    int rc;
    if (name_len == 0 || name_len > USER_MAX)
        return MW_EINVAL;
    if (auth == USM_AUTH_NONE && priv != USM_PRIV_NONE)
        return MW_EINVAL;
    memset(&u, 0, sizeof u);
    u.auth = auth;
    u.priv = priv;
    if (auth != USM_AUTH_NONE) {
        if ((rc = usm_password_to_key(auth, (const uint8_t *)auth_pass, auth_pass_len, u.auth_master)) < 0)
            goto cleanup;
    }
    if (priv != USM_PRIV_NONE) {
        if ((rc = usm_password_to_key(auth, (const uint8_t *)priv_pass, priv_pass_len, u.priv_master)) < 0)
            goto cleanup;
    }
    /* a new array rather than realloc: the old one is wiped before it is
     * freed, as it holds keys */
    u.name = malloc(name_len);
    nuser_t *arr = malloc(sizeof *arr * (size_t)(n->nusers + 1));
    if (!u.name || !arr) {
        free(u.name);
        free(arr);
        rc = MW_ENOMEM;
        goto cleanup;
    }
    memcpy(u.name, name, name_len);
    u.name_len = name_len;
    if (n->nusers) {
        memcpy(arr, n->users, sizeof *arr * (size_t)n->nusers);
        usm_wipe(n->users, sizeof *arr * (size_t)n->nusers);
    }
    free(n->users);
    n->users = arr;
    n->users[n->nusers++] = u;
    rc = 0;
cleanup:
    usm_wipe(&u, sizeof u);
    return rc;
}

int
notify_set_engine(notify_t *n, const uint8_t *eid, size_t len, int32_t boots)
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
    notify_use_engine(n, e);
    snmpengine_release(e);
    return 0;
}

int
notify_use_engine(notify_t *n, snmpengine_t *e)
{
    size_t len;
    if (!snmpengine_started(e))
        return MW_EINVAL;
    snmpengine_id(e, &len);
    if (len > EID_MAX)
        return MW_EINVAL;
    snmpengine_retain(e);
    snmpengine_release(n->eng);
    n->eng = e;
    return 0;
}

snmpengine_t *notify_engine(notify_t *n) { return n->eng; }

size_t
notify_engine_id(const notify_t *n, uint8_t *out, size_t cap)
{
    size_t len;
    const uint8_t *eid = snmpengine_id(n->eng, &len);
    if (cap >= len)
        memcpy(out, eid, len);
    return len;
}

int32_t
notify_engine_boots(const notify_t *n)
{
    return snmpengine_boots(n->eng);
}

int32_t
notify_engine_time(const notify_t *n)
{
    return snmpengine_time(n->eng);
}

/* --- queue -------------------------------------------------------------- */

/* Reserves len bytes in the ring (FIFO order); NULL when they do not fit. */
static uint8_t *
ring_alloc(notify_t *n, size_t len, uint32_t *off)
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
queue_push(notify_t *n, const uint8_t *data, size_t len, const uint8_t *reply, size_t rlen)
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
has_room(const notify_t *n, size_t len)
{
    uint32_t off;
    if (n->qcount >= n->qcap)
        return 0;
    return ring_alloc((notify_t *)n, len, &off) != NULL;
}

size_t
notify_pending(const notify_t *n)
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
notify_v1_to_v2(mw_pdu_t *pdu, const uint8_t *community, uint32_t community_len,
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
notify_decode(const uint8_t *raw, size_t len, mw_pdu_t *pdu, uint8_t *scratch, size_t cap)
{
    mw_msg_t m;
    int32_t version;
    int rc;
    if (pdu->cap < NOTIFY_MAX_VB + 5)
        return MW_EINVAL;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = pdu->vbs;
    m.pdu.cap = NOTIFY_MAX_VB;
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
        return notify_v1_to_v2(pdu, m.community, m.community_len, scratch, cap);
    return 0;
}

int
notify_pop(notify_t *n, notify_note_t *out)
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
        m.pdu.cap = NOTIFY_MAX_VB;
        rc = e->scoped ? pdu_scoped_decode(&m, data, e->len) : pdu_msg_decode(&m, data, e->len);
        if (rc < 0) { /* checked on arrival: cannot happen */
            n->st.parse_errors++;
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
        out->pdu.cap = NOTIFY_MAX_VB + 5;
        if (m.pdu.type == MW_PDU_TRAPV1) /* agent_addr is pointed at: convert in out */
            notify_v1_to_v2(&out->pdu, m.community, m.community_len, n->conv, sizeof n->conv);
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
notify_content_id(const uint8_t *sender, size_t sender_len, const mw_pdu_t *pdu, uint8_t out[32])
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
community_ok(const notify_t *n, const uint8_t *c, uint32_t len)
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
set_reply(notify_t *n, const uint8_t *p, size_t len)
{
    n->reply = p;
    n->reply_len = len;
}

/* An inform's Response: sent now, or (defer_informs) kept with the
 * notification for notify_answer once the layer above has kept it. */
static void
answer_or_defer(notify_t *n, const uint8_t *p, size_t len, const uint8_t **deferred,
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
notify_defer_informs(notify_t *n, int on)
{
    n->defer_informs = on != 0;
}

int
notify_answer(notify_t *n, int listener, const struct sockaddr *to, socklen_t tolen,
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

static void
rx_community(notify_t *n, int listener, const uint8_t *buf, size_t len,
             const struct sockaddr *from, socklen_t fromlen, int32_t version)
{
    mw_msg_t m;
    int rc;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = n->vbs;
    m.pdu.cap = NOTIFY_MAX_VB;
    if ((rc = pdu_msg_decode(&m, buf, len)) < 0) {
        n->st.parse_errors++;
        return;
    }
    int t = m.pdu.type;
    if (!(version == MW_V1 && t == MW_PDU_TRAPV1)
        && !(version == MW_V2C && (t == MW_PDU_TRAPV2 || t == MW_PDU_INFORM))) {
        n->st.wrong_pdu++;
        return;
    }
    if (!community_ok(n, m.community, m.community_len)) {
        n->st.bad_community++;
        n->st.auth_failures++;
        return;
    }
    if (t != MW_PDU_TRAPV1 && !v2_shape_ok(&m.pdu)) {
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
        m.pdu.type = MW_PDU_RESPONSE;
        m.pdu.error_status = 0;
        m.pdu.error_index = 0;
        if (pdu_msg_encode(&m, n->out, OUT_CAP, &out, &outlen) == 0)
            answer_or_defer(n, out, outlen, &deferred, &deferred_len);
    }
    nentry_t *e = queue_push(n, buf, len, deferred, deferred_len);
    if (e)
        fill_entry(e, listener, from, fromlen, version);
}

/* --- SNMPv3 ------------------------------------------------------------------ */

static const nuser_t *
user_find(const notify_t *n, const uint8_t *name, size_t len)
{
    for (int i = 0; i < n->nusers; i++)
        if (n->users[i].name_len == len && memcmp(n->users[i].name, name, len) == 0)
            return &n->users[i];
    return NULL;
}

static int
is_own_engine(const notify_t *n, const mw_msg_t *m)
{
    size_t len;
    const uint8_t *eid = snmpengine_id(n->eng, &len);
    return m->engine_id_len == len && memcmp(m->engine_id, eid, len) == 0;
}

/* Sends a Report carrying usmStats.<stat>.0 = value to a reportable
 * message for which this receiver is authoritative (RFC 3412 7.1.3, RFC
 * 3414 3.2). keys and MW_FLAG_AUTH sign it (notInTimeWindow). */
static void
send_report(notify_t *n, const mw_msg_t *req, int32_t request_id, int stat, uint64_t value,
            const usm_keys_t *keys)
{
    uint8_t name[] = { 0x2b, 6, 1, 6, 3, 15, 1, 1, 0, 0 };
    mw_varbind_t vb;
    mw_msg_t m;
    uint8_t *out;
    size_t outlen;
    if (!(req->msg_flags & MW_FLAG_REPORTABLE))
        return;
    name[8] = (uint8_t)stat;
    memset(&vb, 0, sizeof vb);
    vb.oid = name;
    vb.oid_len = sizeof name;
    vb.val.type = MW_T_COUNTER32;
    vb.val.num.u = value & 0xFFFFFFFFu;
    memset(&m, 0, sizeof m);
    m.version = MW_V3;
    m.msg_id = req->msg_id;
    m.msg_max_size = MAX_MSG;
    m.msg_flags = keys ? MW_FLAG_AUTH : 0;
    m.sec_model = MW_SEC_MODEL_USM;
    size_t eid_len;
    const uint8_t *eid = snmpengine_id(n->eng, &eid_len);
    m.engine_id = eid;
    m.engine_id_len = (uint32_t)eid_len;
    m.engine_boots = snmpengine_boots(n->eng);
    m.engine_time = snmpengine_time(n->eng);
    m.user = req->user;
    m.user_len = req->user_len;
    m.context_engine_id = eid;
    m.context_engine_id_len = (uint32_t)eid_len;
    m.pdu.type = MW_PDU_REPORT;
    m.pdu.request_id = request_id;
    m.pdu.vbs = &vb;
    m.pdu.nvb = 1;
    m.pdu.cap = 1;
    if (usm_msg_encode(keys, &m, n->out, OUT_CAP, &out, &outlen) < 0) {
        n->st.send_errors++;
        return;
    }
    set_reply(n, out, outlen);
    n->st.reports_sent++;
}

/* --- sending engines' boots and time ------------------------------------ */

static int64_t
mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

static uint32_t
et_hash(const notify_t *n, const uint8_t *eid, size_t len)
{
    uint64_t h = n->etseed ^ 0xcbf29ce484222325u; /* FNV-1a, seeded */
    for (size_t i = 0; i < len; i++) {
        h ^= eid[i];
        h *= 0x100000001b3u;
    }
    h ^= h >> 29;
    return (uint32_t)(h & n->etmask);
}

static void
et_unlink(notify_t *n, uint32_t i)
{
    etime_t *e = &n->et[i];
    if (e->prev != ET_NIL)
        n->et[e->prev].next = e->next;
    else
        n->ethead = e->next;
    if (e->next != ET_NIL)
        n->et[e->next].prev = e->prev;
    else
        n->ettail = e->prev;
}

static void
et_push_front(notify_t *n, uint32_t i)
{
    etime_t *e = &n->et[i];
    e->prev = ET_NIL;
    e->next = n->ethead;
    if (n->ethead != ET_NIL)
        n->et[n->ethead].prev = i;
    else
        n->ettail = i;
    n->ethead = i;
}

/* The entry for an engine ID, made the most recently seen; ET_NIL when
 * there is none. */
static uint32_t
et_find(notify_t *n, const uint8_t *eid, size_t len)
{
    uint32_t i = n->etbucket[et_hash(n, eid, len)];
    while (i != ET_NIL && !(n->et[i].eid_len == len && memcmp(n->et[i].eid, eid, len) == 0))
        i = n->et[i].hnext;
    if (i != ET_NIL && i != n->ethead) {
        et_unlink(n, i);
        et_push_front(n, i);
    }
    return i;
}

/* A new entry for an engine ID (not in the table), taking the least
 * recently seen one's place when the table is full. */
static uint32_t
et_add(notify_t *n, const uint8_t *eid, size_t len)
{
    uint32_t i, *pp;
    if (n->etcount < n->etcap) {
        i = n->etcount++;
    } else {
        i = n->ettail;
        et_unlink(n, i);
        for (pp = &n->etbucket[et_hash(n, n->et[i].eid, n->et[i].eid_len)]; *pp != i; pp = &n->et[*pp].hnext)
            ;
        *pp = n->et[i].hnext;
        n->etevicted++;
    }
    etime_t *e = &n->et[i];
    memcpy(e->eid, eid, len);
    e->eid_len = (uint8_t)len;
    uint32_t b = et_hash(n, eid, len);
    e->hnext = n->etbucket[b];
    n->etbucket[b] = i;
    et_push_front(n, i);
    return i;
}

/* RFC 3414 3.2.7 b, for an authentic message from an engine this receiver
 * is not authoritative for (a trap): learns the engine's boots and time
 * when they are newer than what it knew, then says whether the message is
 * in the time window (1) or not (0): not when the engine's boots have
 * reached 2^31-1, when the message's boots are older, or when its time is
 * more than 150 s behind the engine's time as known here (the latest time
 * received plus the local time since). An engine seen for the first time
 * sets what is known. */
static int
timely_other(notify_t *n, const mw_msg_t *m)
{
    int64_t now = mono_s();
    if (m->engine_boots < 0 || m->engine_time < 0)
        return 0;
    uint32_t i = et_find(n, m->engine_id, m->engine_id_len);
    etime_t *e;
    if (i == ET_NIL) {
        e = &n->et[et_add(n, m->engine_id, m->engine_id_len)];
        e->boots = m->engine_boots;
        e->latest = m->engine_time;
        e->at = now;
    } else {
        e = &n->et[i];
        if (m->engine_boots > e->boots || (m->engine_boots == e->boots && m->engine_time > e->latest)) {
            e->boots = m->engine_boots;
            e->latest = m->engine_time;
            e->at = now;
        }
    }
    if (e->boots == INT32_MAX || m->engine_boots < e->boots)
        return 0;
    return (int64_t)m->engine_time >= (int64_t)e->latest + (now - e->at) - TIME_WINDOW;
}

static void
usm_fail(notify_t *n, uint64_t *counter)
{
    (*counter)++;
    n->st.auth_failures++;
}

/* A v3 notification. For traps the sender is authoritative: the keys are
 * localised for the engine ID in the message, whatever it is. For informs
 * (and discovery) this receiver is: the engine ID must be its own, and
 * errors are answered with Reports. */
static void
rx_v3(notify_t *n, int listener, const uint8_t *buf, size_t len,
      const struct sockaddr *from, socklen_t fromlen)
{
    mw_msg_t m;
    usm_keys_t keys;
    const usm_keys_t *kp = NULL;
    int rc, own;
    uint8_t flags, level;
    int32_t reqid;

    memset(&m, 0, sizeof m);
    memset(&keys, 0, sizeof keys);
    m.pdu.vbs = n->vbs;
    m.pdu.cap = NOTIFY_MAX_VB;
    if ((rc = pdu_msg_decode(&m, buf, len)) < 0) {
        if (rc == MW_ENOTSUPP)
            usm_fail(n, &n->st.unknown_sec_models);
        else
            n->st.parse_errors++;
        return;
    }
    flags = m.msg_flags;
    if ((flags & MW_FLAG_PRIV) && !(flags & MW_FLAG_AUTH)) {
        n->st.parse_errors++; /* RFC 3412 7.2 step 5: snmpInvalidMsgs */
        return;
    }
    /* the request-id for Reports: readable unless encrypted */
    reqid = m.encrypted ? m.msg_id : m.pdu.request_id;
    own = is_own_engine(n, &m);
    if (m.engine_id_len == 0) {
        /* discovery (RFC 3414 4): tell the sender our engine ID */
        n->st.unknown_engine_ids++;
        send_report(n, &m, reqid, USMSTAT_UNKNOWN_EIDS, n->st.unknown_engine_ids, NULL);
        return;
    }
    if (m.engine_id_len < 5 || m.engine_id_len > EID_MAX) {
        n->st.parse_errors++; /* RFC 3411: SnmpEngineID is 5 to 32 octets */
        return;
    }
    const nuser_t *u = user_find(n, m.user, m.user_len);
    if (!u) {
        usm_fail(n, &n->st.unknown_users);
        if (own)
            send_report(n, &m, reqid, USMSTAT_UNKNOWN_USERS, n->st.unknown_users, NULL);
        return;
    }
    /* the level must be one the user's keys give, and a user with keys
     * does not take unauthenticated messages */
    level = flags & (MW_FLAG_AUTH | MW_FLAG_PRIV);
    if (((flags & MW_FLAG_AUTH) && u->auth == USM_AUTH_NONE)
        || ((flags & MW_FLAG_PRIV) && u->priv == USM_PRIV_NONE)
        || (!(flags & MW_FLAG_AUTH) && u->auth != USM_AUTH_NONE)) {
        usm_fail(n, &n->st.unsupported_levels);
        if (own)
            send_report(n, &m, reqid, USMSTAT_UNSUPPORTED_LEVELS,
                        n->st.unsupported_levels, NULL);
        return;
    }
    if (flags & MW_FLAG_AUTH) {
        size_t hl = usm_auth_hash_len(u->auth);
        rc = usm_keys_from_master(u->auth, u->priv, u->auth_master, hl,
                                  u->priv != USM_PRIV_NONE ? u->priv_master : NULL,
                                  u->priv != USM_PRIV_NONE ? hl : 0, m.engine_id, m.engine_id_len, &keys);
        if (rc < 0) {
            n->st.parse_errors++; /* cannot happen with a checked engine ID */
            goto cleanup;
        }
        kp = &keys;
    }
    if (m.encrypted) { /* the scopedPDU is decoded by usm_msg_decode */
        m.pdu.vbs = n->vbs;
        m.pdu.cap = NOTIFY_MAX_VB;
    }
    rc = usm_msg_decode(kp, &m, buf, len, n->enc, ENC_CAP);
    if (rc == USM_EWRONGDIGEST) {
        usm_fail(n, &n->st.wrong_digests);
        if (own)
            send_report(n, &m, reqid, USMSTAT_WRONG_DIGESTS, n->st.wrong_digests, NULL);
        goto cleanup;
    }
    /* timeliness, once the message is authentic, where we are authoritative */
    if (own && (flags & MW_FLAG_AUTH)) {
        int32_t boots = snmpengine_boots(n->eng);
        int32_t d = m.engine_time - snmpengine_time(n->eng);
        if (m.engine_boots != boots || boots == INT32_MAX || d > TIME_WINDOW || d < -TIME_WINDOW) {
            usm_fail(n, &n->st.not_in_time_window);
            send_report(n, &m, rc == 0 ? m.pdu.request_id : reqid, USMSTAT_NOT_IN_TIME,
                        n->st.not_in_time_window, kp);
            goto cleanup;
        }
    }
    if (rc == USM_EDECRYPT) {
        usm_fail(n, &n->st.decryption_errors);
        if (own)
            send_report(n, &m, reqid, USMSTAT_DECRYPTION, n->st.decryption_errors, NULL);
        goto cleanup;
    }
    if (rc < 0) {
        n->st.parse_errors++;
        goto cleanup;
    }
    if (m.pdu.type == MW_PDU_INFORM && !own) {
        /* an inform's receiver is authoritative: make the sender discover */
        n->st.unknown_engine_ids++;
        send_report(n, &m, m.pdu.request_id, USMSTAT_UNKNOWN_EIDS,
                    n->st.unknown_engine_ids, NULL);
        goto cleanup;
    }
    if (m.pdu.type != MW_PDU_TRAPV2 && m.pdu.type != MW_PDU_INFORM) {
        n->st.wrong_pdu++;
        goto cleanup;
    }
    /* a trap signed by another engine: timeliness as a non-authoritative
     * engine, against what that engine's authentic traps said before */
    if (!own && (flags & MW_FLAG_AUTH) && !timely_other(n, &m)) {
        usm_fail(n, &n->st.not_in_time_window);
        goto cleanup;
    }
    if (!v2_shape_ok(&m.pdu)) {
        n->st.malformed++;
        goto cleanup;
    }
    /* what is queued: the plaintext scopedPDU, or the whole message */
    const uint8_t *data = m.encrypted ? n->enc : buf;
    size_t dlen = m.encrypted ? m.encrypted_len : len;
    if (!has_room(n, dlen)) {
        n->st.dropped_queue++;
        goto cleanup;
    }
    const uint8_t *deferred = NULL;
    size_t deferred_len = 0;
    if (m.pdu.type == MW_PDU_INFORM) {
        mw_msg_t r = m;
        uint8_t *out;
        size_t outlen;
        r.msg_flags = level;
        r.msg_max_size = MAX_MSG;
        r.engine_boots = snmpengine_boots(n->eng);
        r.engine_time = snmpengine_time(n->eng);
        r.encrypted = NULL;
        r.encrypted_len = 0;
        r.pdu.type = MW_PDU_RESPONSE;
        r.pdu.error_status = 0;
        r.pdu.error_index = 0;
        if (usm_msg_encode(kp, &r, n->out, OUT_CAP, &out, &outlen) == 0)
            answer_or_defer(n, out, outlen, &deferred, &deferred_len);
        else
            n->st.send_errors++;
    }
    nentry_t *e = queue_push(n, data, dlen, deferred, deferred_len);
    if (e) {
        fill_entry(e, listener, from, fromlen, MW_V3);
        e->scoped = m.encrypted != NULL;
        e->msg_id = m.msg_id;
        e->sec_level = level == 0 ? NOTIFY_NOAUTH : (level & MW_FLAG_PRIV) ? NOTIFY_AUTHPRIV : NOTIFY_AUTHNOPRIV;
        e->user_len = (uint8_t)m.user_len;
        memcpy(e->user, m.user, m.user_len);
        e->eid_len = (uint8_t)m.engine_id_len;
        memcpy(e->eid, m.engine_id, m.engine_id_len);
    }
cleanup:
    usm_keys_wipe(&keys);
}

int
notify_process(notify_t *n, int listener, const uint8_t *buf, size_t len,
               const struct sockaddr *from, socklen_t fromlen, const uint8_t **reply,
               size_t *reply_len)
{
    int32_t version;
    uint64_t before = n->st.received;
    n->reply = NULL;
    n->reply_len = 0;
    n->st.packets++;
    if (listener < 0 || listener >= NOTIFY_MAX_LISTEN)
        listener = 0;
    if (!ber_is_whole_seq(buf, len) || pdu_msg_peek_version(buf, len, &version) < 0)
        n->st.parse_errors++;
    else if (version == MW_V1 || version == MW_V2C)
        rx_community(n, listener, buf, len, from, fromlen, version);
    else if (version == MW_V3)
        rx_v3(n, listener, buf, len, from, fromlen);
    else
        n->st.bad_versions++;
    *reply = n->reply;
    *reply_len = n->reply_len;
    return n->st.received != before;
}

static void
on_rx(udp_sock_t *s, const uint8_t *buf, size_t len, const struct sockaddr *from,
      socklen_t fromlen, void *arg)
{
    nlisten_t *l = arg;
    notify_t *n = l->n;
    const uint8_t *reply;
    size_t reply_len;
    (void)s;
    notify_process(n, l->index, buf, len, from, fromlen, &reply, &reply_len);
    if (reply && udp_send(l->sock, from, fromlen, reply, reply_len) < 0)
        n->st.send_errors++;
}

int
notify_listen(notify_t *n, const struct sockaddr *addr, socklen_t len, int *sys_err)
{
    int err = 0;
    *sys_err = 0;
    if (n->nlisten >= NOTIFY_MAX_LISTEN)
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
notify_nlisteners(const notify_t *n)
{
    return n->nlisten;
}

int
notify_local_addr(const notify_t *n, int i, struct sockaddr_storage *ss, socklen_t *len)
{
    if (i < 0 || i >= n->nlisten)
        return MW_EINVAL;
    return udp_local(n->listen[i].sock, ss, len);
}

void
notify_stats(const notify_t *n, notify_stats_t *st)
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
    st->engines = n->etcount;
    st->engines_evicted = n->etevicted;
}
