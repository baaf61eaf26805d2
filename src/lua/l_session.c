/* l_session.c - manager sessions for Lua: the C session object, plain
 * requests, walk steps, traps and informs, and batches (one task, many
 * requests, one wake-up). A request yields the calling task; the
 * completion callback resumes it with its results (l_task.c). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>

#include "mwlua.h"
#include "l_engine.h"
#include "../app/manager.h"
#include "../app/v3.h"
#include "../app/fmt.h"
#include "../core/ber.h"

typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
} addr_u;

typedef struct {
    lengine_t *le;
    addr_u peer;
    socklen_t peerlen;
    int resolved;
    int family;                /* hint: AF_INET, AF_INET6, AF_UNSPEC */
    char host[256];
    int port;
    int version;
    char *community;           /* owned */
    size_t community_len;
    uint32_t timeout_ms;
    int retries;
    void *sec;                 /* v3 security state, owned by the USM glue */
    void (*sec_free)(void *);
    int closed;
} lsession_t;

enum { P_PLAIN, P_WALK };

typedef struct {
    lengine_t *le;
    lsession_t *s;
    int thread_ref;
    int kind;
    int format;                /* walks: hand back net-snmp lines, not tables */
    unsigned fmtflags;
    int has_opts;              /* timeout_ms and retries below, not the session's */
    uint32_t timeout_ms;
    int retries;
} pending_t;

/* A walk step also needs the walk's state (src/app/manager). */
typedef struct {
    pending_t p;
    manager_walk_t w;
} pending_walk_t;

/* Request records come from the engine's pools (free lists): a request
 * costs no malloc once the pools are warm. */
#define REQ_POOL_KEEP 4096
#define WALK_POOL_KEEP 64

static pending_t *
pending_alloc(lengine_t *le, int kind)
{
    manager_pool_t *pool = kind == P_WALK ? &le->walk_pool : &le->req_pool;
    if (pool->size == 0) {
        if (kind == P_WALK)
            manager_pool_init(pool, sizeof(pending_walk_t), WALK_POOL_KEEP);
        else
            manager_pool_init(pool, sizeof(pending_t), REQ_POOL_KEEP);
    }
    pending_t *p = manager_pool_get(pool);
    if (p)
        p->kind = kind;
    return p;
}

/* Frees a pending_t, or the pending_walk_t it begins. */
static void
pending_free(lengine_t *le, pending_t *p)
{
    manager_pool_put(p->kind == P_WALK ? &le->walk_pool : &le->req_pool, p);
}

/* --- sessions ------------------------------------------------------ */

static lsession_t *
check_session(lua_State *L, int idx)
{
    lsession_t *s = luaL_checkudata(L, idx, SESSION_MT);
    if (s->closed)
        luaL_error(L, "session is closed");
    return s;
}

static int
l_session_gc(lua_State *L)
{
    lsession_t *s = luaL_checkudata(L, 1, SESSION_MT);
    free(s->community);
    s->community = NULL;
    if (s->sec && s->sec_free)
        s->sec_free(s->sec);
    s->sec = NULL;
    s->closed = 1;
    return 0;
}

/* session{host=, port=, family="udp"|"udp6"|nil, version=0|1|3,
 *         community=, timeout_ms=, retries=} */
static int
l_session_new(lua_State *L)
{
    lengine_t *le = get_engine(L);
    const char *host, *fam, *comm;
    size_t clen = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    lsession_t *s = lua_newuserdatauv(L, sizeof *s, 1);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SESSION_MT);
    s->le = le;
    lua_getfield(L, 1, "host");
    host = luaL_checkstring(L, -1);
    if (strlen(host) >= sizeof s->host)
        return luaL_error(L, "host name too long");
    strcpy(s->host, host);
    lua_pop(L, 1);
    s->port = (int)mwl_opt_intfield(L, 1, "port", 161);
    lua_getfield(L, 1, "family");
    fam = luaL_optstring(L, -1, "");
    s->family = strcmp(fam, "udp6") == 0 ? AF_INET6 : strcmp(fam, "udp") == 0 ? AF_INET : AF_UNSPEC;
    lua_pop(L, 1);
    s->version = (int)mwl_opt_intfield(L, 1, "version", MW_V2C);
    lua_getfield(L, 1, "community");
    comm = luaL_optlstring(L, -1, "public", &clen);
    s->community = malloc(clen + 1);
    if (!s->community)
        return luaL_error(L, "out of memory");
    memcpy(s->community, comm, clen + 1);
    s->community_len = clen;
    lua_pop(L, 1);
    s->timeout_ms = (uint32_t)mwl_opt_intfield(L, 1, "timeout_ms", 1000);
    s->retries = (int)mwl_opt_intfield(L, 1, "retries", 5);
    if (udp_literal_addr(s->host, s->port, s->family, &s->peer.ss, &s->peerlen) == 0)
        s->resolved = 1;
    return 1;
}

typedef struct {
    lengine_t *le;
    lsession_t *s;
    int ref;
    int done;
    int ok;
    char err[300];
} lresolve_t;

static void
on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
    lresolve_t *r = arg;
    if (result == 0 && res) {
        memcpy(&r->s->peer, res->ai_addr, res->ai_addrlen);
        r->s->peerlen = (socklen_t)res->ai_addrlen;
        if (r->s->peer.sa.sa_family == AF_INET)
            r->s->peer.in.sin_port = htons((uint16_t)r->s->port);
        else
            r->s->peer.in6.sin6_port = htons((uint16_t)r->s->port);
        r->s->resolved = 1;
        r->ok = 1;
    } else {
        snprintf(r->err, sizeof r->err, "Unknown host (%s)", r->s->host);
    }
    if (res)
        evutil_freeaddrinfo(res);
    if (r->ref == LUA_NOREF) { /* answered before we yielded */
        r->done = 1;
        return;
    }
    lengine_t *le = r->le;
    int ref = r->ref;
    lua_State *L = le->L;
    if (r->ok) {
        lua_pushboolean(L, 1);
        lua_pushnil(L);
    } else {
        lua_pushnil(L);
        lua_pushstring(L, r->err);
    }
    free(r);
    mwl_task_resume_slot(le, ref, 2);
}

/* s:resolve() -> true | nil, err  (waits for DNS; literal addresses and
 * already-resolved sessions return at once) */
static int
l_session_resolve(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    lengine_t *le = s->le;
    struct evutil_addrinfo hints;
    if (s->resolved) {
        lua_pushboolean(L, 1);
        return 1;
    }
    if (!le->dns) {
        le->dns = evdns_base_new(le->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
        if (!le->dns)
            le->dns = evdns_base_new(le->base, 0);
        if (!le->dns)
            return luaL_error(L, "cannot start the DNS resolver");
    }
    lresolve_t *r = calloc(1, sizeof *r);
    if (!r)
        return luaL_error(L, "out of memory");
    r->le = le;
    r->s = s;
    r->ref = LUA_NOREF;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = s->family;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    evdns_getaddrinfo(le->dns, s->host, NULL, &hints, on_resolved, r);
    if (r->done) {
        int ok = r->ok;
        if (ok) {
            lua_pushboolean(L, 1);
        } else {
            lua_pushnil(L);
            lua_pushstring(L, r->err);
        }
        free(r);
        return ok ? 1 : 2;
    }
    /* keep the session alive while DNS runs: the thread holds it */
    mwl_task_wait(L, le, &r->ref);
    return lua_yield(L, 0);
}

static void
push_peer(lua_State *L, lsession_t *s)
{
    char buf[INET6_ADDRSTRLEN + 16];
    if (s->resolved) {
        udp_format_addr(&s->peer.sa, buf, sizeof buf);
        lua_pushstring(L, buf);
    } else {
        lua_pushfstring(L, "%s:%d", s->host, s->port);
    }
}

static int
l_session_peer(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    push_peer(L, s);
    return 1;
}

/* Pushes a varbind list table for pdu. */
static void
push_varbinds(lua_State *L, const mw_pdu_t *pdu, size_t from, size_t to)
{
    lua_createtable(L, (int)(to - from), 0);
    for (size_t i = from; i < to; i++) {
        mwl_push_varbind_cached(L, &pdu->vbs[i]);
        lua_rawseti(L, -2, (lua_Integer)(i - from + 1));
    }
}

/* Results of a plain request:
 *   vbs                               on success
 *   nil, kind, message, status, index, vbs   on failure */
static int
push_failure(lua_State *L, int status)
{
    lua_pushnil(L);
    if (status == MW_REQ_TIMEOUT) {
        lua_pushliteral(L, "timeout");
        lua_pushliteral(L, "Timeout");
    } else if (status == MW_REQ_SENDFAIL) {
        lua_pushliteral(L, "send");
        lua_pushliteral(L, "send failed");
    } else if (status == MW_REQ_CANCELLED) {
        lua_pushliteral(L, "cancelled");
        lua_pushliteral(L, "cancelled");
    } else {
        lua_pushliteral(L, "error");
        lua_pushstring(L, mw_strerror(status));
    }
    return 3;
}

/* A v3 Report-PDU that completed a request (unknown user, wrong digest,
 * ...): nil, "report", net-snmp's message, the counter's name, 0, vbs */
static int
push_report(lua_State *L, const mw_msg_t *m)
{
    int kind = v3_report_kind(&m->pdu);
    lua_pushnil(L);
    lua_pushliteral(L, "report");
    lua_pushstring(L, v3_report_text(kind));
    lua_pushstring(L, v3_report_name(kind));
    lua_pushinteger(L, 0);
    push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
    return 6;
}

/* An error-status in a response: nil, "status", name, code, index, vbs */
static int
push_status(lua_State *L, const mw_msg_t *m)
{
    lua_pushnil(L);
    lua_pushliteral(L, "status");
    lua_pushstring(L, mw_errstatus_name(m->pdu.error_status));
    lua_pushinteger(L, m->pdu.error_status);
    lua_pushinteger(L, m->pdu.error_index);
    push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
    return 6;
}

static void
on_plain(mw_req_t *req, int status, const mw_msg_t *m, void *arg)
{
    pending_t *p = arg;
    lengine_t *le = p->le;
    lua_State *L = le->L;
    int n;
    (void)req;
    lua_checkstack(L, 10);
    if (status != 0) {
        n = push_failure(L, status);
    } else if (m->pdu.type == MW_PDU_REPORT) {
        n = push_report(L, m);
    } else if (m->pdu.error_status != 0) {
        n = push_status(L, m);
    } else {
        push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
        n = 1;
    }
    int ref = p->thread_ref;
    pending_free(le, p);
    mwl_task_resume_slot(le, ref, n);
}

/* Walk step results:
 *   vbs, "more"|"end"|"endofmib"|"budget"   the varbinds inside the subtree, in order
 *   vbs, "notincreasing", prev, bad   (bad is the last of vbs)
 *   nil, kind, message, status, index on failure (tooBig comes as status)
 * The rules are manager_walk_step's (src/app/manager.c); this only turns
 * what it delivers into Lua values. */
typedef struct {
    lua_State *L;
    pending_t *p;
    luaL_Buffer *lb;
    lua_Integer k;
} walk_out_t;

static void
walk_visit(const mw_varbind_t *vb, int exception, void *arg)
{
    walk_out_t *o = arg;
    (void)exception;
    if (o->p->format) {
        size_t need = fmt_need(vb) + 1;
        char *line = luaL_prepbuffsize(o->lb, need);
        size_t len = fmt_varbind(vb, o->p->fmtflags, line, need);
        if (len >= need)
            len = need - 1;
        line[len++] = '\n';
        luaL_addsize(o->lb, len);
        o->k++;
    } else {
        mwl_push_varbind(o->L, vb);
        lua_rawseti(o->L, -2, ++o->k);
    }
}

static void
on_walk(mw_req_t *req, int status, const mw_msg_t *m, void *arg)
{
    pending_walk_t *pw = arg;
    pending_t *p = &pw->p;
    manager_walk_t *w = &pw->w;
    lengine_t *le = p->le;
    lua_State *L = le->L;
    int n;
    (void)req;
    lua_checkstack(L, 10);
    if (status != 0) {
        n = push_failure(L, status);
    } else if (m->pdu.type == MW_PDU_REPORT) {
        n = push_report(L, m);
    } else if (m->pdu.error_status != 0) {
        if (manager_walk_step(w, &m->pdu, walk_visit, NULL) == MANAGER_WALK_ENDOFMIB) {
            lua_createtable(L, 0, 0);
            lua_pushliteral(L, "endofmib");
            n = 2;
        } else {
            n = push_status(L, m);
        }
    } else {
        luaL_Buffer lb;
        walk_out_t o = { L, p, &lb, 0 };
        lua_createtable(L, p->format ? 1 : (int)m->pdu.nvb, 2);
        if (p->format)
            luaL_buffinit(L, &lb);
        manager_walk_result_t r = manager_walk_step(w, &m->pdu, walk_visit, &o);
        if (p->format) {
            /* one chunk of output lines, their count, and where to go on */
            luaL_pushresult(&lb);
            lua_rawseti(L, -2, 1);
            lua_pushinteger(L, o.k);
            lua_setfield(L, -2, "n");
            if (w->last) {
                char t[OID_MAX_LEN * 11 + 1];
                int tl = oid_ber_format(w->last->oid, w->last->oid_len, t, sizeof t);
                lua_pushlstring(L, t, tl > 0 ? (size_t)tl : 0);
                lua_setfield(L, -2, "last");
            }
        }
        if (r == MANAGER_WALK_NOTINC) {
            char a[OID_MAX_LEN * 11 + 1], b[OID_MAX_LEN * 11 + 1];
            int la = oid_ber_format(w->cur, w->cur_len, a, sizeof a);
            int lb2 = oid_ber_format(w->bad->oid, w->bad->oid_len, b, sizeof b);
            lua_pushliteral(L, "notincreasing");
            lua_pushlstring(L, a, la > 0 ? (size_t)la : 0);
            lua_pushlstring(L, b, lb2 > 0 ? (size_t)lb2 : 0);
            n = 4;
        } else {
            lua_pushstring(L, r == MANAGER_WALK_MORE ? "more" : r == MANAGER_WALK_BUDGET ? "budget" : "end");
            n = 2;
        }
    }
    int ref = p->thread_ref;
    pending_free(le, p);
    mwl_task_resume_slot(le, ref, n);
}

static uint8_t *
scratch(lengine_t *le, size_t need)
{
    if (need > le->scratch_cap) {
        uint8_t *p = realloc(le->scratch, need);
        if (!p)
            return NULL;
        le->scratch = p;
        le->scratch_cap = need;
    }
    return le->scratch;
}

/* p may be the first member of a pending_walk_t: freeing p frees it. */
static int
send_and_yield(lua_State *L, lsession_t *s, mw_msg_t *m, pending_t *p)
{
    int err = 0;
    if (!s->resolved) {
        pending_free(s->le, p);
        return luaL_error(L, "session not resolved (call resolve first)");
    }
    if (!lua_isyieldable(L)) {
        pending_free(s->le, p);
        return luaL_error(L, NOT_IN_TASK);
    }
    p->le = s->le;
    p->s = s;
    mwl_task_wait(L, s->le, &p->thread_ref);
    mw_req_t *r = engine_request(s->le->eng, &s->peer.sa, s->peerlen, m,
                                 p->has_opts ? p->timeout_ms : s->timeout_ms,
                                 p->has_opts ? p->retries : s->retries,
                                 p->kind == P_WALK ? on_walk : on_plain, p, s->sec, &err);
    if (!r) {
        mwl_task_unanchor(s->le, L, p->thread_ref);
        pending_free(s->le, p);
        lua_pushnil(L);
        lua_pushliteral(L, "error");
        lua_pushstring(L, mw_strerror(err));
        return 3;
    }
    return lua_yield(L, 0);
}

static void
msg_init(mw_msg_t *m, lsession_t *s, uint8_t type, mw_varbind_t *vbs, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->version = s->version;
    m->community = (const uint8_t *)s->community;
    m->community_len = (uint32_t)s->community_len;
    m->pdu.type = type;
    m->pdu.vbs = vbs;
    m->pdu.cap = cap;
}

/* The BER of OIDs a script gave as numeric text lately: polling names the
 * same OIDs again and again. Picked by the string's address, checked by
 * its content, so a miss is the worst a collision can do. */
#define TXC_SLOTS 256
#define TXC_MAX 64
static struct {
    uint8_t tlen, blen;
    char text[TXC_MAX];
    uint8_t ber[TXC_MAX];
} txc[TXC_SLOTS];

static unsigned
txc_slot(const char *p)
{
    uintptr_t a = (uintptr_t)p;
    return (unsigned)((a >> 4) ^ (a >> 12)) & (TXC_SLOTS - 1);
}

/* Encodes the OID at the top of the stack into out (cap bytes). Returns
 * its length; -1 with an error message pushed for a bad OID; -2 for one
 * BER cannot carry. */
static int
encode_name(lua_State *L, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *text = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
    unsigned slot = 0;
    if (text && n <= TXC_MAX) {
        slot = txc_slot(text);
        if (txc[slot].tlen == n && n > 0 && memcmp(txc[slot].text, text, n) == 0
            && txc[slot].blen <= cap) {
            memcpy(out, txc[slot].ber, txc[slot].blen);
            return txc[slot].blen;
        }
    }
    oid_t o;
    if (mwl_tooid(L, -1, &o) < 0)
        return -1;
    int k = oid_encode(&o, out, cap);
    if (k < 0)
        return -2;
    if (text && n > 0 && n <= TXC_MAX && k <= TXC_MAX && mwl_is_numeric_oid(text, n)) {
        txc[slot].tlen = (uint8_t)n;
        txc[slot].blen = (uint8_t)k;
        memcpy(txc[slot].text, text, n);
        memcpy(txc[slot].ber, out, (size_t)k);
    }
    return k;
}

/* Fills m's varbinds with NULL values for the OIDs in table t. */
static void
names_from(lua_State *L, int t, lsession_t *s, mw_msg_t *m)
{
    int single = lua_type(L, t) != LUA_TTABLE;
    lua_Integer n = single ? 1 : luaL_len(L, t);
    if (n < 0 || n > 4096)
        luaL_error(L, "too many OIDs");
    size_t per = sizeof(mw_varbind_t) + OID_MAX_LEN * 5;
    uint8_t *buf = scratch(s->le, (size_t)(n ? n : 1) * per);
    if (!buf)
        luaL_error(L, "out of memory");
    mw_varbind_t *vbs = (mw_varbind_t *)buf;
    uint8_t *oidbuf = buf + sizeof(mw_varbind_t) * (size_t)n;
    m->pdu.vbs = vbs;
    m->pdu.cap = (size_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        if (single)
            lua_pushvalue(L, t);
        else
            lua_geti(L, t, i);
        int k = encode_name(L, oidbuf, OID_MAX_LEN * 5);
        if (k == -2)
            luaL_error(L, "OID %d cannot be encoded", (int)i);
        if (k < 0)
            luaL_error(L, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        vbs[i - 1].oid = oidbuf;
        vbs[i - 1].oid_len = (uint32_t)k;
        vbs[i - 1].val.type = MW_T_NULL;
        vbs[i - 1].val.len = 0;
        vbs[i - 1].val.p = NULL;
        oidbuf += k;
    }
    m->pdu.nvb = (size_t)n;
}

static int
plain_request(lua_State *L, uint8_t type)
{
    lsession_t *s = check_session(L, 1);
    mw_msg_t m;
    int t = type == MW_PDU_GETBULK ? 4 : 2;
    if (type == MW_PDU_SET || type == MW_PDU_INFORM)
        luaL_checktype(L, t, LUA_TTABLE);
    else
        luaL_argcheck(L, !lua_isnoneornil(L, t), t, "OID or list of OIDs expected");
    msg_init(&m, s, type, NULL, 0);
    if (type == MW_PDU_SET || type == MW_PDU_INFORM) {
        lua_Integer n = luaL_len(L, t);
        if (n < 0 || n > 4096)
            return luaL_error(L, "too many varbinds");
        size_t per = sizeof(mw_varbind_t) + 2 * OID_MAX_LEN * 5;
        uint8_t *buf = scratch(s->le, (size_t)(n ? n : 1) * per + sizeof(mwl_arena_t));
        if (!buf)
            return luaL_error(L, "out of memory");
        mwl_arena_t arena = { buf + sizeof(mw_varbind_t) * (size_t)n, 0, (size_t)n * 2 * OID_MAX_LEN * 5 };
        m.pdu.vbs = (mw_varbind_t *)buf;
        m.pdu.cap = (size_t)n;
        mwl_read_varbinds(L, t, &m.pdu, &arena);
    } else {
        names_from(L, t, s, &m);
    }
    if (type == MW_PDU_GETBULK) {
        lua_Integer nr = luaL_checkinteger(L, 2), mr = luaL_checkinteger(L, 3);
        luaL_argcheck(L, nr >= 0 && nr <= INT32_MAX, 2, "non-repeaters out of range");
        luaL_argcheck(L, mr >= 0 && mr <= INT32_MAX, 3, "max-repetitions out of range");
        if (s->version == MW_V1)
            return luaL_error(L, "GETBULK needs SNMPv2c or v3");
        m.pdu.error_status = (int32_t)nr;
        m.pdu.error_index = (int32_t)mr;
    }
    /* per-call options after the OIDs: { timeout = seconds, retries = n } */
    uint32_t timeout_ms = s->timeout_ms;
    int retries = s->retries, has_opts = 0;
    if (lua_type(L, t + 1) == LUA_TTABLE) {
        has_opts = 1;
        if (lua_getfield(L, t + 1, "timeout") != LUA_TNIL) {
            lua_Number v = lua_tonumber(L, -1);
            luaL_argcheck(L, lua_isnumber(L, -1) && v > 0 && v < 86400, t + 1,
                          "timeout must be a positive number of seconds");
            timeout_ms = (uint32_t)(v * 1000 + 0.5);
            if (timeout_ms == 0)
                timeout_ms = 1;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, t + 1, "retries") != LUA_TNIL) {
            int isint;
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            luaL_argcheck(L, isint && v >= 0 && v <= 100, t + 1, "retries must be an integer from 0 to 100");
            retries = (int)v;
        }
        lua_pop(L, 1);
    } else if (!lua_isnoneornil(L, t + 1)) {
        return luaL_argerror(L, t + 1, "options table expected");
    }
    pending_t *p = pending_alloc(s->le, P_PLAIN);
    if (!p)
        return luaL_error(L, "out of memory");
    p->has_opts = has_opts;
    p->timeout_ms = timeout_ms;
    p->retries = retries;
    return send_and_yield(L, s, &m, p);
}

static int l_get(lua_State *L) { return plain_request(L, MW_PDU_GET); }
static int l_getnext(lua_State *L) { return plain_request(L, MW_PDU_GETNEXT); }
static int l_getbulk(lua_State *L) { return plain_request(L, MW_PDU_GETBULK); }
static int l_set(lua_State *L) { return plain_request(L, MW_PDU_SET); }
static int l_inform(lua_State *L) { return plain_request(L, MW_PDU_INFORM); }

/* s:trap(varbinds [, v1]) - sends an SNMPv2-Trap (or, for a v1 session, a
 * Trap-PDU built from v1 = {enterprise=, agent_addr=, generic_trap=,
 * specific_trap=, timestamp=}) once. Returns true or nil, err. */
static int
l_trap(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    mw_msg_t m;
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!s->resolved)
        return luaL_error(L, "session not resolved (call resolve first)");
    lua_Integer n = luaL_len(L, 2);
    if (n < 0 || n > 4096)
        return luaL_error(L, "too many varbinds");
    size_t per = sizeof(mw_varbind_t) + 2 * OID_MAX_LEN * 5;
    uint8_t *buf = scratch(s->le, (size_t)(n + 1) * per);
    if (!buf)
        return luaL_error(L, "out of memory");
    mwl_arena_t arena = { buf + sizeof(mw_varbind_t) * (size_t)n, 0, (size_t)(n + 1) * 2 * OID_MAX_LEN * 5 };
    msg_init(&m, s, s->version == MW_V1 ? MW_PDU_TRAPV1 : MW_PDU_TRAPV2, (mw_varbind_t *)buf, (size_t)n);
    mwl_read_varbinds(L, 2, &m.pdu, &arena);
    if (s->version == MW_V1) {
        oid_t ent;
        int k;
        uint8_t *p = mwl_arena_alloc(&arena, OID_MAX_LEN * 5);
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "enterprise");
        mwl_checkoid(L, -1, &ent);
        lua_pop(L, 1);
        if (!p || (k = oid_encode(&ent, p, OID_MAX_LEN * 5)) < 0)
            return luaL_error(L, "bad enterprise OID");
        m.pdu.enterprise = p;
        m.pdu.enterprise_len = (uint32_t)k;
        lua_getfield(L, 3, "agent_addr");
        if (inet_pton(AF_INET, luaL_optstring(L, -1, "0.0.0.0"), m.pdu.agent_addr) != 1)
            return luaL_error(L, "bad agent_addr");
        lua_pop(L, 1);
        m.pdu.generic_trap = (int32_t)mwl_opt_intfield(L, 3, "generic_trap", 6);
        m.pdu.specific_trap = (int32_t)mwl_opt_intfield(L, 3, "specific_trap", 0);
        m.pdu.timestamp = (uint32_t)mwl_opt_intfield(L, 3, "timestamp", 0);
    }
    int rc = engine_send_oneway(s->le->eng, &s->peer.sa, s->peerlen, &m, s->sec);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, rc > -100 && rc < 0 && rc >= MW_ENOTSUPP ? mw_strerror(rc) : strerror(-rc));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* s:walk_step(root, cur, max_repetitions (0: GETNEXT), allow_nonincreasing
 *             [, format [, skip_exceptions [, budget [, end]]]]) - with format
 * (net-snmp -O letters), the varbinds come back as one chunk of finished
 * output lines ([1]), with their count (n) and the last name to continue
 * from (last); with skip_exceptions, endOfMibView and noSuch* varbinds end
 * the walk without being handed back; with budget > 0, at most that many
 * varbinds come back, and "budget" says the walk was cut there; with an
 * end OID, the walk ends before it instead of at the subtree's end. */
static int
l_walk_step(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    oid_t root, cur, end;
    int has_end = !lua_isnoneornil(L, 9);
    mw_msg_t m;
    mw_varbind_t vb;
    unsigned flags = 0;
    if (mwl_tooid(L, 2, &root) < 0 || mwl_tooid(L, 3, &cur) < 0
        || (has_end && mwl_tooid(L, 9, &end) < 0))
        return luaL_error(L, "%s", lua_tostring(L, -1));
    lua_Integer mr = luaL_optinteger(L, 4, 0);
    lua_Integer budget = luaL_optinteger(L, 8, 0);
    int format = lua_type(L, 6) == LUA_TSTRING;
    if (lua_toboolean(L, 5))
        flags |= MANAGER_WALK_ALLOW_NONINC;
    if (lua_toboolean(L, 7) && !format)
        flags |= MANAGER_WALK_SKIP_EXCEPTIONS;
    pending_walk_t *pw = (pending_walk_t *)pending_alloc(s->le, P_WALK);
    if (!pw)
        return luaL_error(L, "out of memory");
    if (format) {
        pw->p.format = 1;
        pw->p.fmtflags = fmt_flags(lua_tostring(L, 6));
    }
    if (manager_walk_init(&pw->w, &root, &cur, s->version,
                          (uint32_t)(mr < 0 ? 0 : mr > INT32_MAX ? INT32_MAX : mr),
                          budget > 0 ? (uint64_t)budget : 0, flags) < 0
        || (has_end && manager_walk_set_end(&pw->w, &end) < 0)) {
        pending_free(s->le, &pw->p);
        return luaL_error(L, "bad OID");
    }
    msg_init(&m, s, MW_PDU_GETNEXT, NULL, 0);
    manager_walk_request(&pw->w, &m.pdu, &vb);
    return send_and_yield(L, s, &m, &pw->p);
}

static int
l_session_set(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "timeout_ms") == 0)
        s->timeout_ms = (uint32_t)luaL_checkinteger(L, 3);
    else if (strcmp(k, "retries") == 0)
        s->retries = (int)luaL_checkinteger(L, 3);
    else if (strcmp(k, "community") == 0) {
        size_t n;
        const char *c = luaL_checklstring(L, 3, &n);
        char *copy = malloc(n + 1);
        if (!copy)
            return luaL_error(L, "out of memory");
        memcpy(copy, c, n + 1);
        free(s->community);
        s->community = copy;
        s->community_len = n;
    } else
        return luaL_error(L, "unknown session field %s", k);
    return 0;
}

static int
l_session_close(lua_State *L)
{
    return l_session_gc(L);
}

/* Lets the USM glue attach its state: used by l_usm glue. */
void mwl_session_set_sec(lua_State *L, int idx, void *sec, void (*fr)(void *));
void
mwl_session_set_sec(lua_State *L, int idx, void *sec, void (*fr)(void *))
{
    lsession_t *s = check_session(L, idx);
    if (s->sec && s->sec_free)
        s->sec_free(s->sec);
    s->sec = sec;
    s->sec_free = fr;
}

/* --- batches: one task, many requests, one wake-up ------------------ */

typedef struct {
    lengine_t *le;
    int thread_ref;
    int results_ref;           /* Lua table of results, by index */
    size_t remaining;
} lgroup_t;

typedef struct {
    lgroup_t *g;
    lua_Integer index;
} lbatch_t;

static void
on_batch(mw_req_t *req, int status, const mw_msg_t *m, void *arg)
{
    lbatch_t *b = arg;
    lgroup_t *g = b->g;
    lua_State *L = g->le->L;
    int top = lua_gettop(L);
    (void)req;
    lua_checkstack(L, 12);
    lua_rawgeti(L, LUA_REGISTRYINDEX, g->results_ref);
    int rt = lua_gettop(L);
    /* each result: { varbinds = ... } or { error = {kind, message, status, index, vbs} } */
    lua_createtable(L, 0, 1);
    if (status == 0 && m->pdu.error_status == 0 && m->pdu.type != MW_PDU_REPORT) {
        push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
        lua_setfield(L, -2, "varbinds");
    } else {
        int n;
        int base = lua_gettop(L);
        if (status != 0) {
            n = push_failure(L, status);
        } else if (m->pdu.type == MW_PDU_REPORT) {
            lua_pushnil(L);
            lua_pushliteral(L, "report");
            lua_pushliteral(L, "report");
            n = 3;
        } else {
            n = push_status(L, m);
        }
        lua_createtable(L, n - 1, 0);
        for (int i = 2; i <= n; i++) {
            lua_pushvalue(L, base + i);
            lua_rawseti(L, -2, i - 1);
        }
        lua_setfield(L, base, "error");
        lua_settop(L, base);
    }
    lua_rawseti(L, rt, b->index);
    lua_settop(L, top);
    free(b);
    if (--g->remaining == 0) {
        lengine_t *le = g->le;
        int ref = g->thread_ref;
        lua_rawgeti(L, LUA_REGISTRYINDEX, g->results_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, g->results_ref);
        free(g);
        mwl_task_resume_slot(le, ref, 1);
    }
}

/* batch(list) - list[i] = { csession, "get"|"getnext", {oids} }; sends all,
 * waits once, returns the raw results table: results[i] = {varbinds=} or
 * {error={kind, message, status, index, vbs}}. */
static int
l_batch(lua_State *L)
{
    lengine_t *le = get_engine(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    lua_createtable(L, (int)n, 0);
    int results = lua_gettop(L);
    if (n == 0)
        return 1;
    lgroup_t *g = calloc(1, sizeof *g);
    if (!g)
        return luaL_error(L, "out of memory");
    g->le = le;
    /* build and check every request before sending any */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        luaL_argcheck(L, lua_istable(L, -1), 1, "each request is {session, kind, oids}");
        lua_geti(L, -1, 1);
        lsession_t *s = check_session(L, -1);
        if (!s->resolved) {
            free(g);
            return luaL_error(L, "request %d: session not resolved", (int)i);
        }
        lua_pop(L, 2);
    }
    mwl_task_wait(L, le, &g->thread_ref);
    lua_pushvalue(L, results);
    g->results_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    g->remaining = (size_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        mw_msg_t m;
        int err = 0;
        lua_geti(L, 1, i);
        int rq = lua_gettop(L);
        lua_geti(L, rq, 1);
        lsession_t *s = check_session(L, -1);
        lua_geti(L, rq, 2);
        const char *kind = luaL_optstring(L, -1, "get");
        uint8_t type = strcmp(kind, "getnext") == 0 ? MW_PDU_GETNEXT : MW_PDU_GET;
        lua_geti(L, rq, 3);
        msg_init(&m, s, type, NULL, 0);
        names_from(L, lua_gettop(L), s, &m);
        lbatch_t *b = malloc(sizeof *b);
        if (!b)
            return luaL_error(L, "out of memory");
        b->g = g;
        b->index = i;
        if (!engine_request(le->eng, &s->peer.sa, s->peerlen, &m, s->timeout_ms, s->retries,
                            on_batch, b, s->sec, &err)) {
            /* an immediate failure is a result like any other */
            lua_createtable(L, 0, 1);
            lua_createtable(L, 2, 0);
            lua_pushliteral(L, "error");
            lua_rawseti(L, -2, 1);
            lua_pushstring(L, mw_strerror(err));
            lua_rawseti(L, -2, 2);
            lua_setfield(L, -2, "error");
            lua_rawseti(L, results, i);
            free(b);
            g->remaining--;
        }
        lua_settop(L, results);
    }
    if (g->remaining == 0) {
        /* nothing went out: answer now, without yielding */
        mwl_task_unanchor(le, L, g->thread_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, g->results_ref);
        free(g);
        lua_settop(L, results);
        return 1;
    }
    return lua_yield(L, 0);
}

static const luaL_Reg session_methods[] = {
    { "get", l_get },
    { "getnext", l_getnext },
    { "getbulk", l_getbulk },
    { "set", l_set },
    { "walk_step", l_walk_step },
    { "inform", l_inform },
    { "trap", l_trap },
    { "resolve", l_session_resolve },
    { "peer", l_session_peer },
    { "setopt", l_session_set },
    { "close", l_session_close },
    { NULL, NULL },
};

static const luaL_Reg session_funcs[] = {
    { "session", l_session_new },
    { "batch", l_batch },
    { NULL, NULL },
};

int
mwl_session_open(lua_State *L)
{
    if (luaL_newmetatable(L, SESSION_MT)) {
        lua_pushcfunction(L, l_session_gc);
        lua_setfield(L, -2, "__gc");
        luaL_newlib(L, session_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, session_funcs, 0);
    return 0;
}
