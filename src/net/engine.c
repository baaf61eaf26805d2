/* engine.c - the manager's request table. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "engine.h"

/* The table of requests in flight by id doubles from 2^TABLE_BITS_MIN
 * buckets whenever it holds more requests than buckets; the decode target
 * grows to what the largest response so far could hold, up to VB_CAP
 * varbinds. A one-shot command's engine then fits in a few KiB of the
 * heap, where tables sized for 65536 requests and 4096 varbinds were two
 * regions of their own to map (and page tables, and faults) at each start
 * (scripts/bench/startup). */
#define TABLE_BITS_MIN 6
#define TABLE_BITS_MAX 24
#define ENC_CAP 65536
#define VB_CAP 4096
#define VB_MIN 64

struct mw_req {
    mw_engine_t *e;
    int32_t id;
    int version;
    union {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } peer;
    socklen_t peerlen;
    uint8_t *pkt;        /* encoded message, resent as is: inl or owned */
    uint32_t pktlen;
    uint32_t timeout_ms;
    int tries_left;
    int retries;         /* attempts after the first, restored on resend */
    mw_req_cb cb;
    void *arg;
    void *sec;
    void *sec_data;      /* owned through sec_data_free: the v3 glue's per-request state */
    void (*sec_data_free)(void *);
    struct event timer;
    mw_req_t *hnext;     /* hash chain */
    mw_req_t *qnext;     /* waiting queue */
    uint8_t sent;
    int fail;            /* deferred send failure, reported from the timer */
    uint8_t inl[128];    /* small messages live here: one allocation */
};

#define FREE_MAX 8192

struct mw_engine {
    struct event_base *base;   /* not owned */
    udp_sock_t *sock4, *sock6; /* owned, opened on first use */
    mw_req_t **table;          /* owned: 2^tbits chains */
    unsigned tbits;
    size_t tcount;             /* requests in the table */
    mw_req_t *qhead, *qtail;
    size_t inflight, waiting, max_inflight;
    int32_t next_id;
    mw_engine_stats_t st;
    mw_v3_hooks_t v3;
    uint8_t *enc;              /* owned: encode scratch */
    mw_req_t *free;            /* owned: recycled requests (chained by qnext) */
    size_t nfree;
    const struct timeval *common[16]; /* libevent-owned common timeouts */
    uint32_t common_ms[16];
    int ncommon;
    mw_varbind_t *vbs;         /* owned: decode target of vbcap varbinds */
    size_t vbcap;
};

static inline uint32_t
hash_id(int32_t id, unsigned bits)
{
    return ((uint32_t)id * 2654435761u) >> (32 - bits);
}

/* Twice the buckets; where memory is short the chains grow instead. */
static void
table_grow(mw_engine_t *e)
{
    unsigned bits = e->tbits + 1;
    mw_req_t **t = calloc((size_t)1 << bits, sizeof *t);
    if (!t)
        return;
    for (size_t i = 0; i < (size_t)1 << e->tbits; i++) {
        mw_req_t *r = e->table[i];
        while (r) {
            mw_req_t *n = r->hnext;
            uint32_t h = hash_id(r->id, bits);
            r->hnext = t[h];
            t[h] = r;
            r = n;
        }
    }
    free(e->table);
    e->table = t;
    e->tbits = bits;
}

static void
table_insert(mw_engine_t *e, mw_req_t *r)
{
    if (e->tcount >= (size_t)1 << e->tbits && e->tbits < TABLE_BITS_MAX)
        table_grow(e);
    uint32_t h = hash_id(r->id, e->tbits);
    r->hnext = e->table[h];
    e->table[h] = r;
    e->tcount++;
}

static mw_req_t *
table_find(mw_engine_t *e, int32_t id)
{
    for (mw_req_t *r = e->table[hash_id(id, e->tbits)]; r; r = r->hnext)
        if (r->id == id)
            return r;
    return NULL;
}

static void
table_remove(mw_engine_t *e, mw_req_t *r)
{
    mw_req_t **pp = &e->table[hash_id(r->id, e->tbits)];
    while (*pp && *pp != r)
        pp = &(*pp)->hnext;
    if (*pp) {
        *pp = r->hnext;
        e->tcount--;
    }
}

/* Room to decode a message of len bytes: a varbind takes at least six
 * (a SEQUENCE of two TLVs), so one of len bytes holds at most len / 6,
 * and a v3 message's scoped PDU is no longer than the message. Past
 * VB_CAP varbinds the decoder refuses the message, as it always has. */
static int
vbs_reserve(mw_engine_t *e, size_t len)
{
    size_t need = len / 6 + 1;
    if (need > VB_CAP)
        need = VB_CAP;
    if (need <= e->vbcap)
        return 0;
    if (need < 2 * e->vbcap)
        need = 2 * e->vbcap < VB_CAP ? 2 * e->vbcap : VB_CAP;
    mw_varbind_t *v = realloc(e->vbs, sizeof *v * need);
    if (!v)
        return -1;
    e->vbs = v;
    e->vbcap = need;
    return 0;
}

static int32_t
alloc_id(mw_engine_t *e)
{
    for (;;) {
        int32_t id = e->next_id++;
        if (e->next_id <= 0)
            e->next_id = 1;
        if (id > 0 && !table_find(e, id))
            return id;
    }
}

static void on_rx(udp_sock_t *s, const uint8_t *buf, size_t len,
                  const struct sockaddr *from, socklen_t fromlen, void *arg);

static udp_sock_t *
sock_for(mw_engine_t *e, int family, int *err)
{
    udp_sock_t **slot = family == AF_INET6 ? &e->sock6 : &e->sock4;
    if (!*slot) {
        struct sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        ss.ss_family = (sa_family_t)family;
        *slot = udp_open(e->base, (struct sockaddr *)&ss,
                         family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in),
                         on_rx, e, err);
    }
    return *slot;
}

mw_engine_t *
engine_new(struct event_base *base)
{
    mw_engine_t *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->base = base;
    e->enc = malloc(ENC_CAP);
    e->vbcap = VB_MIN;
    e->vbs = malloc(sizeof(mw_varbind_t) * VB_MIN);
    e->tbits = TABLE_BITS_MIN;
    e->table = calloc((size_t)1 << TABLE_BITS_MIN, sizeof *e->table);
    if (!e->enc || !e->vbs || !e->table) {
        free(e->enc);
        free(e->vbs);
        free(e->table);
        free(e);
        return NULL;
    }
    uint32_t seed = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    e->next_id = (int32_t)(seed & 0x3FFFFFFF) + 1;
    return e;
}

static mw_req_t *
req_alloc(mw_engine_t *e)
{
    mw_req_t *r = e->free;
    if (r) {
        e->free = r->qnext;
        e->nfree--;
        memset(r, 0, offsetof(mw_req_t, inl));
        return r;
    }
    return calloc(1, sizeof *r);
}

static void
req_free(mw_req_t *r)
{
    mw_engine_t *e = r->e;
    if (r->sec_data_free)
        r->sec_data_free(r->sec_data);
    r->sec_data_free = NULL;
    if (r->pkt != r->inl)
        free(r->pkt);
    r->pkt = NULL;
    if (e && e->nfree < FREE_MAX) {
        r->qnext = e->free;
        e->free = r;
        e->nfree++;
        return;
    }
    free(r);
}

void
engine_free(mw_engine_t *e)
{
    if (!e)
        return;
    /* every request in the table is counted in tcount: stop scanning
     * the table once they are all freed */
    size_t left = e->tcount;
    for (size_t i = 0; left && i < (size_t)1 << e->tbits; i++) {
        mw_req_t *r = e->table[i];
        while (r) {
            mw_req_t *n = r->hnext;
            event_del(&r->timer);
            req_free(r);
            left--;
            r = n;
        }
    }
    while (e->qhead) {
        mw_req_t *n = e->qhead->qnext;
        req_free(e->qhead);
        e->qhead = n;
    }
    while (e->free) {
        mw_req_t *n = e->free->qnext;
        free(e->free);
        e->free = n;
    }
    udp_close(e->sock4);
    udp_close(e->sock6);
    free(e->enc);
    free(e->vbs);
    free(e->table);
    free(e);
}


void
engine_set_max_inflight(mw_engine_t *e, size_t n)
{
    e->max_inflight = n;
}


void
engine_stats(const mw_engine_t *e, mw_engine_stats_t *st)
{
    *st = e->st;
    st->inflight = e->inflight;
    st->waiting = e->waiting;
    st->gso_datagrams = (e->sock4 ? udp_gso_datagrams(e->sock4) : 0)
                        + (e->sock6 ? udp_gso_datagrams(e->sock6) : 0);
}

void
engine_set_v3_hooks(mw_engine_t *e, const mw_v3_hooks_t *h)
{
    e->v3 = *h;
}




void
engine_req_set_sec_data(mw_req_t *r, void *data, void (*fr)(void *))
{
    if (r->sec_data_free)
        r->sec_data_free(r->sec_data);
    r->sec_data = data;
    r->sec_data_free = fr;
}

void *
engine_req_sec_data(const mw_req_t *r)
{
    return r->sec_data;
}

static void on_timeout(evutil_socket_t fd, short what, void *arg);

/* libevent keeps timers with the same duration in O(1) queues when asked
 * ("common timeouts"); requests use a handful of distinct timeouts. */
static const struct timeval *
common_tv(mw_engine_t *e, uint32_t ms)
{
    for (int i = 0; i < e->ncommon; i++)
        if (e->common_ms[i] == ms)
            return e->common[i];
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    if (e->ncommon < (int)(sizeof e->common / sizeof *e->common)) {
        const struct timeval *c = event_base_init_common_timeout(e->base, &tv);
        if (c) {
            e->common_ms[e->ncommon] = ms;
            e->common[e->ncommon++] = c;
            return c;
        }
    }
    return NULL;
}

static void
arm_timer(mw_req_t *r)
{
    const struct timeval *c = common_tv(r->e, r->timeout_ms);
    if (c) {
        event_add(&r->timer, c);
    } else {
        struct timeval tv = { r->timeout_ms / 1000, (r->timeout_ms % 1000) * 1000 };
        event_add(&r->timer, &tv);
    }
}

static int
transmit(mw_req_t *r)
{
    int err = 0;
    udp_sock_t *s = sock_for(r->e, r->peer.sa.sa_family, &err);
    if (!s)
        return -err;
    int rc = udp_queue(s, &r->peer.sa, r->peerlen, r->pkt, r->pktlen);
    if (rc == -EAGAIN || rc == -ENOBUFS || rc == -ECONNREFUSED)
        rc = 0; /* a lost datagram: the retry timer covers it */
    if (rc == 0)
        r->e->st.sent++;
    return rc;
}

static void finish(mw_req_t *r, int status, const mw_msg_t *m);

static void
start(mw_req_t *r)
{
    mw_engine_t *e = r->e;
    r->sent = 1;
    e->inflight++;
    table_insert(e, r);
    arm_timer(r);
    if (transmit(r) < 0) {
        /* never call back from inside engine_request: report on the loop */
        r->fail = MW_REQ_SENDFAIL;
        event_del(&r->timer);
        event_active(&r->timer, EV_TIMEOUT, 0);
    }
}

static void
pump(mw_engine_t *e)
{
    while (e->qhead && (e->max_inflight == 0 || e->inflight < e->max_inflight)) {
        mw_req_t *r = e->qhead;
        e->qhead = r->qnext;
        if (!e->qhead)
            e->qtail = NULL;
        e->waiting--;
        start(r);
    }
}

static void
finish(mw_req_t *r, int status, const mw_msg_t *m)
{
    mw_engine_t *e = r->e;
    event_del(&r->timer);
    table_remove(e, r);
    e->inflight--;
    r->cb(r, status, m, r->arg);
    req_free(r);
    pump(e);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
    mw_req_t *r = arg;
    (void)fd;
    (void)what;
    if (r->fail) {
        finish(r, r->fail, NULL);
        return;
    }
    if (r->tries_left > 0) {
        r->tries_left--;
        r->e->st.retransmits++;
        arm_timer(r);
        if (transmit(r) < 0)
            finish(r, MW_REQ_SENDFAIL, NULL);
        return;
    }
    r->e->st.timeouts++;
    finish(r, MW_REQ_TIMEOUT, NULL);
}

static int
encode_into(mw_req_t *r, mw_msg_t *msg)
{
    mw_engine_t *e = r->e;
    uint8_t *out;
    size_t outlen;
    int rc;
    if (msg->version == MW_V3) {
        msg->msg_id = r->id;
        if (!e->v3.outgoing)
            return MW_ENOTSUPP;
        rc = e->v3.outgoing(r->sec, r, msg, e->enc, ENC_CAP, &out, &outlen);
    } else {
        msg->pdu.request_id = r->id;
        rc = pdu_msg_encode(msg, e->enc, ENC_CAP, &out, &outlen);
    }
    if (rc < 0)
        return rc;
    uint8_t *p;
    if (outlen <= sizeof r->inl) {
        if (r->pkt && r->pkt != r->inl)
            free(r->pkt);
        p = r->inl;
    } else {
        p = r->pkt == r->inl ? NULL : r->pkt;
        p = realloc(p, outlen);
        if (!p)
            return MW_ENOMEM;
    }
    memcpy(p, out, outlen);
    r->pkt = p;
    r->pktlen = (uint32_t)outlen;
    return 0;
}

mw_req_t *
engine_request(mw_engine_t *e, const struct sockaddr *peer, socklen_t peerlen,
               mw_msg_t *msg, uint32_t timeout_ms, int retries,
               mw_req_cb cb, void *arg, void *sec, int *err)
{
    mw_req_t *r;
    int rc;
    if (peerlen > sizeof r->peer) {
        *err = MW_EINVAL;
        return NULL;
    }
    r = req_alloc(e);
    if (!r) {
        *err = MW_ENOMEM;
        return NULL;
    }
    r->e = e;
    r->id = alloc_id(e);
    r->version = msg->version;
    memcpy(&r->peer, peer, peerlen);
    r->peerlen = peerlen;
    r->timeout_ms = timeout_ms ? timeout_ms : 1;
    r->tries_left = retries < 0 ? 0 : retries;
    r->retries = r->tries_left;
    r->cb = cb;
    r->arg = arg;
    r->sec = sec;
    if ((rc = encode_into(r, msg)) < 0) {
        req_free(r);
        *err = rc;
        return NULL;
    }
    event_assign(&r->timer, e->base, -1, 0, on_timeout, r);
    /* open the socket now so a bad family fails synchronously */
    if (!sock_for(e, peer->sa_family, &rc)) {
        req_free(r);
        *err = -rc;
        return NULL;
    }
    if (e->max_inflight && e->inflight >= e->max_inflight) {
        e->st.queued++;
        e->waiting++;
        if (e->qtail)
            e->qtail->qnext = r;
        else
            e->qhead = r;
        e->qtail = r;
        return r;
    }
    /* table_insert happens in start(); a send failure completes the
     * request through the callback, so callers always get one callback */
    r->sent = 0;
    start(r);
    return r;
}

int
engine_send_oneway(mw_engine_t *e, const struct sockaddr *peer, socklen_t peerlen,
                   mw_msg_t *msg, void *sec)
{
    mw_req_t tmp;
    int rc, err = 0;
    udp_sock_t *s;
    memset(&tmp, 0, sizeof tmp);
    tmp.e = e;
    tmp.id = alloc_id(e);
    tmp.sec = sec;
    rc = encode_into(&tmp, msg);
    if (tmp.sec_data_free)
        tmp.sec_data_free(tmp.sec_data);
    if (rc < 0) {
        if (tmp.pkt != tmp.inl)
            free(tmp.pkt);
        return rc;
    }
    s = sock_for(e, peer->sa_family, &err);
    if (!s) {
        if (tmp.pkt != tmp.inl)
            free(tmp.pkt);
        return -err;
    }
    rc = udp_queue(s, peer, peerlen, tmp.pkt, tmp.pktlen);
    if (rc == 0)
        e->st.sent++;
    if (tmp.pkt != tmp.inl)
        free(tmp.pkt);
    return rc;
}

void
engine_cancel(mw_req_t *r)
{
    mw_engine_t *e = r->e;
    if (!r->sent) {
        mw_req_t **pp = &e->qhead, *prev = NULL;
        while (*pp && *pp != r) {
            prev = *pp;
            pp = &(*pp)->qnext;
        }
        if (*pp) {
            *pp = r->qnext;
            if (e->qtail == r)
                e->qtail = prev;
            e->waiting--;
        }
        r->cb(r, MW_REQ_CANCELLED, NULL, r->arg);
        req_free(r);
        return;
    }
    finish(r, MW_REQ_CANCELLED, NULL);
}

int
engine_req_resend(mw_req_t *r, mw_msg_t *msg)
{
    int rc = encode_into(r, msg);
    if (rc < 0)
        return rc;
    r->tries_left = r->retries;
    event_del(&r->timer);
    arm_timer(r);
    return transmit(r);
}

static void
on_rx(udp_sock_t *s, const uint8_t *buf, size_t len,
      const struct sockaddr *from, socklen_t fromlen, void *arg)
{
    mw_engine_t *e = arg;
    mw_msg_t m;
    mw_req_t *r;
    int32_t version;
    int rc;
    (void)s;
    (void)fromlen;

    e->st.received++;
    if (pdu_msg_peek_version(buf, len, &version) < 0) {
        e->st.parse_errors++;
        return;
    }
    if (vbs_reserve(e, len) < 0) {
        e->st.parse_errors++; /* out of memory: as a message we cannot read */
        return;
    }
    m.pdu.vbs = e->vbs;
    m.pdu.cap = e->vbcap;
    if (version == MW_V3) {
        /* Match on msgID first, then let the security glue decode. */
        memset(&m, 0, sizeof m);
        m.pdu.vbs = e->vbs;
        m.pdu.cap = e->vbcap;
        if (pdu_msg_decode(&m, buf, len) < 0) {
            /* encrypted payloads decode lazily; a header that fails here
             * is malformed */
            e->st.parse_errors++;
            return;
        }
        r = table_find(e, m.msg_id);
        if (!r || r->version != MW_V3) {
            e->st.unknown_ids++;
            return;
        }
        if (!udp_addr_equal(from, &r->peer.sa)) {
            e->st.bad_source++;
            return;
        }
        if (!e->v3.incoming) {
            e->st.wrong_pdu++;
            return;
        }
        rc = e->v3.incoming(r->sec, r, buf, len, &m);
        if (rc == 1)
            return; /* resent (discovery, resync): keep waiting */
        if (rc == 2)
            return; /* dropped (bad digest, ...): keep waiting, counted by glue */
        finish(r, rc, rc == 0 ? &m : NULL);
        return;
    }
    if (version != MW_V1 && version != MW_V2C) {
        e->st.bad_versions++;
        return;
    }
    if ((rc = pdu_msg_decode(&m, buf, len)) < 0) {
        e->st.parse_errors++;
        return;
    }
    if (m.pdu.type != MW_PDU_RESPONSE) {
        e->st.wrong_pdu++;
        return;
    }
    r = table_find(e, m.pdu.request_id);
    if (!r) {
        e->st.unknown_ids++;
        return;
    }
    if (!udp_addr_equal(from, &r->peer.sa)) {
        e->st.bad_source++;
        return;
    }
    if (r->version != m.version) {
        e->st.bad_versions++;
        return;
    }
    finish(r, 0, &m);
}
