/* l_receiver.c - the notification receiver for Lua (moonwalk.trapd builds
 * on it).
 *
 *   r = core.receiver{ queue = N, queue_bytes = B, engines = E }
 *   r:listen("udp:127.0.0.1:1162") -> index | nil, err
 *   r:community("public"); r:user(name, auth, apass, priv, ppass)
 *   r:on_ready(fn)   fn() runs on the main thread when notifications wait
 *   r:process(bytes[, "udp:addr:port"]) -> reply | nil: one datagram
 *                    through the receive path, without a socket
 *   r:pop() -> notification table | nil;  r:kick();  r:stats();  r:close()
 *
 * Plus core.local_ipv4() (the host's first non-loopback IPv4 address, as
 * net-snmp's snmptrap uses for an empty agent-addr). */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "mwlua.h"
#include "l_call.h"
#include "../app/receiver.h"
#include "l_snmpengine.h"
#include "../net/udp.h"

#define RECEIVER_MT "moonwalk.receiver"

int mwl_receiver_open(lua_State *L);

typedef struct {
    receiver_t *n;      /* owned */
    lua_State *L;     /* main thread */
    int fnref;        /* ready callback */
} lrecv_t;

static void set_receiver_mt(lua_State *L);

static lrecv_t *
check_recv(lua_State *L, int idx)
{
    lrecv_t *r = luaL_checkudata(L, idx, RECEIVER_MT);
    if (!r->n)
        luaL_error(L, "receiver is closed");
    return r;
}

static int
l_recv_close(lua_State *L)
{
    lrecv_t *r = luaL_checkudata(L, 1, RECEIVER_MT);
    if (r->n) {
        receiver_free(r->n);
        r->n = NULL;
    }
    if (r->fnref != LUA_NOREF) {
        luaL_unref(L, LUA_REGISTRYINDEX, r->fnref);
        r->fnref = LUA_NOREF;
    }
    return 0;
}

/* receiver{ queue = entries, queue_bytes = bytes, engines = sending engines
 * whose boots and time are kept } */
static int
l_receiver(lua_State *L)
{
    receiver_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    if (!lua_isnoneornil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        lua_Integer q = mwl_opt_intfield(L, 1, "queue", 0), b = mwl_opt_intfield(L, 1, "queue_bytes", 0);
        luaL_argcheck(L, q >= 0 && q <= 10000000, 1, "queue out of range");
        luaL_argcheck(L, b >= 0 && b <= ((lua_Integer)1 << 32), 1, "queue_bytes out of range");
        lua_Integer e = mwl_opt_intfield(L, 1, "engines", 0);
        luaL_argcheck(L, e >= 0 && e <= 10000000, 1, "engines out of range");
        cfg.queue_max = (size_t)q;
        cfg.queue_bytes = (size_t)b;
        cfg.engines_max = (size_t)e;
    }
    lrecv_t *r = lua_newuserdatauv(L, sizeof *r, 0);
    r->n = NULL;
    r->fnref = LUA_NOREF;
    r->L = mwl_main_thread(L);
    set_receiver_mt(L);
    r->n = receiver_new(mwl_event_base(L), &cfg);
    if (!r->n)
        return luaL_error(L, "out of memory");
    return 1;
}

/* r:listen(addr) -> index | nil, err */
static int
l_recv_listen(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    const char *spec = luaL_checkstring(L, 2);
    char host[256];
    int port;
    struct sockaddr_storage ss;
    socklen_t len;
    int fam = udp_parse_peer(spec, host, sizeof host, &port, 162);
    if (fam < 0 || udp_literal_addr(host, port, fam, &ss, &len) < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "bad listen address %s (a literal [udp:|udp6:]addr[:port] is needed)", spec);
        return 2;
    }
    int err;
    int rc = receiver_listen(r->n, (struct sockaddr *)&ss, len, &err);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushfstring(L, "cannot listen on %s: %s", spec,
                        err ? strerror(err) : rc == MW_ETOOMANY ? "too many listen addresses" : mw_strerror(rc));
        return 2;
    }
    lua_pushinteger(L, rc + 1);
    return 1;
}

/* r:local_addr(i) -> "addr:port", port */
static int
l_recv_local_addr(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    int i = (int)luaL_optinteger(L, 2, 1) - 1;
    struct sockaddr_storage ss;
    socklen_t len;
    char buf[80];
    if (receiver_local_addr(r->n, i, &ss, &len) < 0)
        return luaL_argerror(L, 2, "no such listener");
    udp_format_addr((struct sockaddr *)&ss, buf, sizeof buf);
    lua_pushstring(L, buf);
    lua_pushinteger(L, ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                                : ntohs(((struct sockaddr_in *)&ss)->sin_port));
    return 2;
}

static int
l_recv_community(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    size_t n;
    const char *c = luaL_checklstring(L, 2, &n);
    if (receiver_add_community(r->n, (const uint8_t *)c, n) < 0)
        return luaL_error(L, "too many communities");
    return 0;
}

/* r:user(name, auth, auth_pass, priv, priv_pass) -> true | nil, err */
static int
l_recv_user(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    size_t nl, al = 0, pl = 0;
    const char *name = luaL_checklstring(L, 2, &nl);
    const char *an = luaL_optstring(L, 3, "NONE");
    const char *ap = luaL_optlstring(L, 4, "", &al);
    const char *pn = luaL_optstring(L, 5, "NONE");
    const char *pp = luaL_optlstring(L, 6, "", &pl);
    int a = usm_auth_parse(an), p = usm_priv_parse(pn);
    if (a < 0)
        return luaL_argerror(L, 3, lua_pushfstring(L, "unknown authentication protocol '%s'", an));
    if (p < 0)
        return luaL_argerror(L, 5, lua_pushfstring(L, "unknown privacy protocol '%s'", pn));
    int rc = receiver_add_user(r->n, name, nl, (usm_auth_t)a, ap, al, (usm_priv_t)p, pp, pl);
    if (rc < 0) {
        lua_pushnil(L);
        if (rc == MW_EINVAL && ((a != USM_AUTH_NONE && al < USM_MIN_PASS)
                                || (p != USM_PRIV_NONE && pl < USM_MIN_PASS)))
            lua_pushstring(L, "password must be at least 8 characters (RFC 3414 11.2)");
        else if (rc == MW_EINVAL)
            lua_pushfstring(L, "bad user %s (name of 1 to 32 octets; privacy needs authentication)", name);
        else
            lua_pushstring(L, mw_strerror(rc));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* r:engine([eid, boots]) -> eid, boots, time */
static int
l_recv_engine(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    uint8_t eid[64];
    if (!lua_isnoneornil(L, 2)) {
        size_t n;
        const char *e = luaL_checklstring(L, 2, &n);
        lua_Integer boots = luaL_optinteger(L, 3, 1);
        luaL_argcheck(L, boots >= 0 && boots <= INT32_MAX, 3, "boots out of range");
        if (receiver_set_engine(r->n, (const uint8_t *)e, n, (int32_t)boots) < 0)
            return luaL_argerror(L, 2, "engine ID must be 5 to 32 octets");
    }
    size_t n = receiver_engine_id(r->n, eid, sizeof eid);
    lua_pushlstring(L, (const char *)eid, n);
    lua_pushinteger(L, receiver_engine_boots(r->n));
    lua_pushinteger(L, receiver_engine_time(r->n));
    return 3;
}

/* r:local_engine([engine]) -> the receiver's engine; with an engine
 * (core.snmpengine), the receiver uses that one from now on */
static int
l_recv_local_engine(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    if (!lua_isnoneornil(L, 2)
        && receiver_use_engine(r->n, mwl_snmpengine_check(L, 2)) < 0)
        return luaL_argerror(L, 2, "engine not started");
    mwl_snmpengine_push(L, receiver_engine(r->n));
    return 1;
}

static void
on_ready(receiver_t *n, void *arg)
{
    lrecv_t *r = arg;
    lua_State *L = r->L;
    int top = lua_gettop(L);
    (void)n;
    if (r->fnref == LUA_NOREF)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->fnref);
    mwl_pcall(L, 0, 0, "receiver");
    lua_settop(L, top);
}

static int
l_recv_on_ready(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    if (r->fnref != LUA_NOREF)
        luaL_unref(L, LUA_REGISTRYINDEX, r->fnref);
    lua_pushvalue(L, 2);
    r->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    receiver_set_ready(r->n, on_ready, r);
    receiver_kick(r->n);
    return 0;
}

/* r:process(bytes[, from]) -> reply | nil: bytes handled as a datagram
 * from `from` ("[udp:|udp6:]addr:port", default udp:127.0.0.1:162) on
 * listener 1; a notification that passes is queued as one that arrived.
 * The reply is what would have been sent back (Response, Report). */
static int
l_recv_process(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    size_t n, rlen;
    const uint8_t *buf = (const uint8_t *)luaL_checklstring(L, 2, &n);
    const char *spec = luaL_optstring(L, 3, "udp:127.0.0.1:162");
    const uint8_t *reply;
    char host[256];
    int port;
    struct sockaddr_storage ss;
    socklen_t len;
    int fam = udp_parse_peer(spec, host, sizeof host, &port, 162);
    if (fam < 0 || udp_literal_addr(host, port, fam, &ss, &len) < 0)
        return luaL_argerror(L, 3, "a literal [udp:|udp6:]addr[:port] is needed");
    receiver_process(r->n, 0, buf, n, (struct sockaddr *)&ss, len, &reply, &rlen);
    if (!reply)
        return 0;
    lua_pushlstring(L, (const char *)reply, rlen);
    return 1;
}

static int
l_recv_kick(lua_State *L)
{
    receiver_kick(check_recv(L, 1)->n);
    return 0;
}

static int
l_recv_pending(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)receiver_pending(check_recv(L, 1)->n));
    return 1;
}

/* Keys and type names are upvalues of pop: pushing them is a copy, where
 * lua_setfield would look each C string up again for every notification. */
enum {
    K_SOURCE = 1, K_PORT, K_TRANSPORT, K_LISTENER, K_VERSION, K_TYPE, K_TIME, K_USER,
    K_SECURITY_LEVEL, K_ENGINE_ID, K_CONTEXT_ENGINE_ID, K_CONTEXT, K_MSG_ID, K_COMMUNITY,
    K_ENTERPRISE, K_AGENT_ADDR, K_GENERIC, K_SPECIFIC, K_TIMESTAMP, K_REQUEST_ID, K_UPTIME,
    K_TRAP_OID, K_VARBINDS, K_OID, K_VALUE,
    K_UDP, K_UDP6, K_V1, K_V2C, K_V3, K_V1TRAP, K_TRAP, K_INFORM,
    K_NOAUTH, K_AUTHNOPRIV, K_AUTHPRIV, K_RAW,
    K_TYPENAMES, /* first of the SMI type names, in type_tags order */
    K_EXTRA = K_TYPENAMES + 15, /* pop: the notifications' metatable; note_index: scratch */
    /* pop: the last engine ID and context engine ID seen, each with its hex */
    K_ENGINE_RAW, K_ENGINE_HEX, K_CONTEXT_RAW, K_CONTEXT_HEX,
};
static const char *const key_names[] = {
    "source", "port", "transport", "listener", "version", "type", "time", "user",
    "security_level", "engine_id", "context_engine_id", "context", "msg_id", "community",
    "enterprise", "agent_addr", "generic", "specific", "timestamp", "request_id", "uptime",
    "trap_oid", "varbinds", "oid", "value",
    "udp", "udp6", "1", "2c", "3", "v1trap", "trap", "inform",
    "noAuthNoPriv", "authNoPriv", "authPriv", "raw",
};
static const uint8_t type_tags[] = {
    MW_T_INTEGER, MW_T_OCTETSTR, MW_T_NULL, MW_T_OID, MW_T_IPADDR, MW_T_COUNTER32,
    MW_T_GAUGE32, MW_T_TIMETICKS, MW_T_OPAQUE, MW_T_NSAP, MW_T_COUNTER64, MW_T_UINTEGER32,
    MW_T_NOSUCHOBJECT, MW_T_NOSUCHINSTANCE, MW_T_ENDOFMIBVIEW,
};
#define NKEYS ((int)(sizeof key_names / sizeof *key_names))
_Static_assert(sizeof key_names / sizeof *key_names == K_TYPENAMES - 1, "key_names follows the enum");
_Static_assert(sizeof type_tags == K_EXTRA - K_TYPENAMES, "K_EXTRA follows the type names");
_Static_assert(K_CONTEXT_HEX == NKEYS + (int)sizeof type_tags + 5, "pop's upvalues");
#define NUP K_CONTEXT_HEX
#define NTYPES ((int)(sizeof type_tags / sizeof *type_tags))
#define UP(k) lua_upvalueindex(k)

/* t[key] = value on top (t at idx, absolute) */
static inline void
put(lua_State *L, int t, int key)
{
    lua_pushvalue(L, UP(key));
    lua_insert(L, -2);
    lua_rawset(L, t);
}

static inline void
put_int(lua_State *L, int t, int key, lua_Integer v)
{
    lua_pushvalue(L, UP(key));
    lua_pushinteger(L, v);
    lua_rawset(L, t);
}

static inline void
put_str(lua_State *L, int t, int key, const uint8_t *p, size_t n)
{
    lua_pushvalue(L, UP(key));
    lua_pushlstring(L, (const char *)p, n);
    lua_rawset(L, t);
}

static void
put_oid(lua_State *L, int t, int key, const uint8_t *p, size_t n)
{
    char buf[OID_MAX_LEN * 11 + 1];
    int len = oid_ber_format(p, n, buf, sizeof buf);
    lua_pushvalue(L, UP(key));
    lua_pushlstring(L, buf, len > 0 ? (size_t)len : 0);
    lua_rawset(L, t);
}

static void
push_type(lua_State *L, uint8_t tag)
{
    for (int i = 0; i < NTYPES; i++) {
        if (type_tags[i] == tag) {
            lua_pushvalue(L, UP(K_TYPENAMES + i));
            return;
        }
    }
    lua_pushstring(L, mwl_type_name(tag));
}

/* {oid=, type=, value=}, as mwl_push_varbind makes it */
static void
push_vb(lua_State *L, const mw_varbind_t *vb)
{
    char buf[OID_MAX_LEN * 11 + 1];
    int n;
    lua_createtable(L, 0, 3);
    int t = lua_gettop(L);
    n = oid_ber_format(vb->oid, vb->oid_len, buf, sizeof buf);
    lua_pushvalue(L, UP(K_OID));
    lua_pushlstring(L, buf, n > 0 ? (size_t)n : 0);
    lua_rawset(L, t);
    lua_pushvalue(L, UP(K_TYPE));
    push_type(L, vb->val.type);
    lua_rawset(L, t);
    lua_pushvalue(L, UP(K_VALUE));
    mwl_push_value(L, &vb->val);
    lua_rawset(L, t);
}

static const uint8_t OID_SYSUPTIME0[] = { 0x2b, 6, 1, 2, 1, 1, 3, 0 };
static const uint8_t OID_TRAPOID0[] = { 0x2b, 6, 1, 6, 3, 1, 1, 4, 1, 0 };

/* Dotted quad without printf (inet_ntop formats with sprintf). */
static void
format_ipv4(const uint8_t *a, char *out)
{
    char *p = out;
    for (int i = 0; i < 4; i++) {
        unsigned v = a[i];
        if (v >= 100)
            *p++ = (char)('0' + v / 100);
        if (v >= 10)
            *p++ = (char)('0' + v / 10 % 10);
        *p++ = (char)('0' + v % 10);
        *p++ = i < 3 ? '.' : '\0';
    }
}

/* Pushes an engine ID in hex. Traps come in runs from the same engine,
 * so the last one's hex is kept (upvalue raw: its bytes, raw + 1: the
 * hex): the string is then not formatted and interned again for each. */
static void
push_engine_hex(lua_State *L, const uint8_t *id, size_t n, int raw)
{
    size_t cn;
    const char *c = lua_tolstring(L, UP(raw), &cn);
    if (c && cn == n && memcmp(c, id, n) == 0) {
        lua_pushvalue(L, UP(raw + 1));
        return;
    }
    lua_pushlstring(L, (const char *)id, n);
    lua_replace(L, UP(raw));
    mwl_push_hex(L, id, n);
    lua_pushvalue(L, -1);
    lua_replace(L, UP(raw + 1));
}

/* Pushes the notification as a table (see moonwalk.trapd). Runs as pop,
 * whose upvalues are the keys. */
static void
push_note(lua_State *L, const receiver_note_t *nt)
{
    char host[INET6_ADDRSTRLEN];
    const mw_pdu_t *pdu = &nt->pdu;
    /* made at the size of its fields (17 for a v3 trap, 14 for v1, 12 for
     * v2c), not grown by a rehash as they go in */
    lua_createtable(L, 0, nt->version == MW_V3 ? 17 : nt->pdu_type == MW_PDU_TRAPV1 ? 14 : 12);
    int t = lua_gettop(L);
    if (nt->from.sa.sa_family == AF_INET6) {
        inet_ntop(AF_INET6, &nt->from.in6.sin6_addr, host, sizeof host);
        put_int(L, t, K_PORT, ntohs(nt->from.in6.sin6_port));
        lua_pushvalue(L, UP(K_UDP6));
    } else {
        format_ipv4((const uint8_t *)&nt->from.in.sin_addr, host);
        put_int(L, t, K_PORT, ntohs(nt->from.in.sin_port));
        lua_pushvalue(L, UP(K_UDP));
    }
    put(L, t, K_TRANSPORT);
    put_str(L, t, K_SOURCE, (const uint8_t *)host, strlen(host));
    put_int(L, t, K_LISTENER, nt->listener + 1);
    lua_pushvalue(L, UP(nt->version == MW_V1 ? K_V1 : nt->version == MW_V2C ? K_V2C : K_V3));
    put(L, t, K_VERSION);
    lua_pushvalue(L, UP(nt->pdu_type == MW_PDU_TRAPV1 ? K_V1TRAP
                        : nt->pdu_type == MW_PDU_INFORM ? K_INFORM : K_TRAP));
    put(L, t, K_TYPE);
    lua_pushnumber(L, (lua_Number)nt->time_ms / 1000.0);
    put(L, t, K_TIME);
    if (nt->version == MW_V3) {
        put_str(L, t, K_USER, nt->user, nt->user_len);
        lua_pushvalue(L, UP(nt->sec_level == RECEIVER_AUTHPRIV ? K_AUTHPRIV
                            : nt->sec_level == RECEIVER_AUTHNOPRIV ? K_AUTHNOPRIV : K_NOAUTH));
        put(L, t, K_SECURITY_LEVEL);
        push_engine_hex(L, nt->engine_id, nt->engine_id_len, K_ENGINE_RAW);
        put(L, t, K_ENGINE_ID);
        push_engine_hex(L, nt->context_engine_id, nt->context_engine_id_len, K_CONTEXT_RAW);
        put(L, t, K_CONTEXT_ENGINE_ID);
        put_str(L, t, K_CONTEXT, nt->context_name, nt->context_name_len);
        put_int(L, t, K_MSG_ID, nt->msg_id);
    } else {
        put_str(L, t, K_COMMUNITY, nt->community, nt->community_len);
    }
    if (pdu->type == MW_PDU_TRAPV1) {
        char a[16];
        put_oid(L, t, K_ENTERPRISE, pdu->enterprise, pdu->enterprise_len);
        format_ipv4(pdu->agent_addr, a);
        put_str(L, t, K_AGENT_ADDR, (const uint8_t *)a, strlen(a));
        put_int(L, t, K_GENERIC, pdu->generic_trap);
        put_int(L, t, K_SPECIFIC, pdu->specific_trap);
        put_int(L, t, K_TIMESTAMP, pdu->timestamp);
    } else {
        put_int(L, t, K_REQUEST_ID, pdu->request_id);
    }
    if (pdu->nvb >= 1 && pdu->vbs[0].oid_len == sizeof OID_SYSUPTIME0
        && memcmp(pdu->vbs[0].oid, OID_SYSUPTIME0, sizeof OID_SYSUPTIME0) == 0
        && pdu->vbs[0].val.type == MW_T_TIMETICKS)
        put_int(L, t, K_UPTIME, (lua_Integer)pdu->vbs[0].val.num.u);
    if (pdu->nvb >= 2 && pdu->vbs[1].oid_len == sizeof OID_TRAPOID0
        && memcmp(pdu->vbs[1].oid, OID_TRAPOID0, sizeof OID_TRAPOID0) == 0
        && pdu->vbs[1].val.type == MW_T_OID)
        put_oid(L, t, K_TRAP_OID, pdu->vbs[1].val.p, pdu->vbs[1].val.len);
    /* varbinds are made from raw when first asked for (note_index) */
    put_str(L, t, K_RAW, nt->raw, nt->raw_len);
    if (nt->reply_len) { /* a deferred inform's Response (r:answer) */
        lua_pushlstring(L, (const char *)nt->reply, nt->reply_len);
        lua_setfield(L, t, "reply");
    }
    lua_pushvalue(L, UP(K_EXTRA));
    lua_setmetatable(L, t);
}

/* Upvalue K_EXTRA of note_index: where raw is decoded. */
typedef struct {
    mw_varbind_t vbs[RECEIVER_MAX_VB + 5];
    uint8_t conv[1024];
} decode_scratch_t;

/* n.dedup_id: the notification's content identity (receiver_content_id)
 * in hex, with the sender taken from the table: engine_id for v3, else
 * source. Kept in n. */
static int
push_dedup_id(lua_State *L, const mw_pdu_t *pdu)
{
    uint8_t id[32];
    size_t slen;
    lua_pushvalue(L, UP(K_VERSION));
    lua_rawget(L, 1);
    int v3 = lua_rawequal(L, -1, UP(K_V3));
    lua_pushvalue(L, UP(v3 ? K_ENGINE_ID : K_SOURCE));
    lua_rawget(L, 1);
    const char *sender = lua_tolstring(L, -1, &slen);
    if (receiver_content_id((const uint8_t *)(sender ? sender : ""), sender ? slen : 0, pdu, id) < 0)
        return luaL_error(L, "out of memory");
    mwl_push_hex(L, id, 16);
    lua_pushliteral(L, "dedup_id");
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

/* __index of notifications: n.varbinds is decoded from n.raw on first
 * use and then kept in n. */
static int
note_index(lua_State *L)
{
    size_t len;
    const char *raw;
    mw_pdu_t pdu;
    decode_scratch_t *ds = lua_touserdata(L, UP(K_EXTRA));
    int want_id = 0;
    if (!lua_rawequal(L, 2, UP(K_VARBINDS))) {
        const char *k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
        if (!k || strcmp(k, "dedup_id") != 0)
            return 0;
        want_id = 1;
    }
    lua_pushvalue(L, UP(K_RAW));
    lua_rawget(L, 1);
    raw = lua_tolstring(L, -1, &len);
    if (!raw)
        return 0;
    memset(&pdu, 0, sizeof pdu);
    pdu.vbs = ds->vbs;
    pdu.cap = RECEIVER_MAX_VB + 5;
    if (receiver_decode((const uint8_t *)raw, len, &pdu, ds->conv, sizeof ds->conv) < 0)
        return luaL_error(L, "notification bytes do not decode");
    if (want_id)
        return push_dedup_id(L, &pdu);
    lua_createtable(L, (int)pdu.nvb, 0);
    for (size_t i = 0; i < pdu.nvb; i++) {
        push_vb(L, &pdu.vbs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_pushvalue(L, UP(K_VARBINDS));
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

/* Pushes the keys and type names, then extra: the upvalues of pop and
 * note_index. */
static void
push_upvalues(lua_State *L)
{
    luaL_checkstack(L, NUP, "receiver keys");
    for (int i = 0; i < NKEYS; i++)
        lua_pushstring(L, key_names[i]);
    for (int i = 0; i < NTYPES; i++)
        lua_pushstring(L, mwl_type_name(type_tags[i]));
}

static void
set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* r:pop() -> notification | nil */
static int
l_recv_pop(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    receiver_note_t nt;
    if (!receiver_pop(r->n, &nt))
        return 0;
    push_note(L, &nt);
    return 1;
}

/* r:note_mt() -> the notifications' metatable (varbinds and dedup_id
 * decoded from raw on first use): a notification rebuilt from elsewhere
 * (a stream) gets it too */
static int
l_recv_note_mt(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    return 1;
}

/* r:defer_informs(on): informs are answered by r:answer(n), not on arrival */
static int
l_recv_defer_informs(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    receiver_defer_informs(r->n, lua_toboolean(L, 2));
    return 0;
}

/* r:answer(n) -> true | nil, err: sends a deferred inform's Response
 * (n.reply) to n.source:n.port from the socket it came in on. */
static int
l_recv_answer(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    size_t len;
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_getfield(L, 2, "reply");
    const char *reply = lua_tolstring(L, -1, &len);
    lua_getfield(L, 2, "source");
    const char *host = lua_tostring(L, -1);
    lua_getfield(L, 2, "port");
    lua_Integer port = lua_tointeger(L, -1);
    lua_getfield(L, 2, "listener");
    lua_Integer listener = lua_tointeger(L, -1);
    lua_getfield(L, 2, "transport");
    const char *tr = lua_tostring(L, -1);
    struct sockaddr_storage ss;
    socklen_t sslen;
    if (!reply || !host || port <= 0 || port > 65535 || listener < 1
        || udp_literal_addr(host, (int)port, tr && strcmp(tr, "udp6") == 0 ? AF_INET6 : AF_INET,
                            &ss, &sslen) < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "not a deferred inform");
        return 2;
    }
    if (receiver_answer(r->n, (int)listener - 1, (struct sockaddr *)&ss, sslen,
                      (const uint8_t *)reply, len) < 0) {
        lua_pushnil(L);
        lua_pushliteral(L, "cannot send the Response");
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int
l_recv_stats(lua_State *L)
{
    lrecv_t *r = check_recv(L, 1);
    receiver_stats_t st;
    receiver_stats(r->n, &st);
    lua_createtable(L, 0, 45);
    mwl_push_mp_stats(L, &st.mp);
#define F(x) set_int(L, #x, (lua_Integer)st.x)
    F(received); F(handled); F(dropped); F(dropped_queue); F(dropped_socket);
    F(wrong_pdu); F(malformed); F(auth_failures);
    F(informs_answered); F(reports_sent); F(send_errors); F(queue_len); F(queue_bytes);
    F(queue_peak); F(engines); F(engines_evicted);
    /* the names these counters had before they took the MIB's, which
     * scripts, the trapd log line and the specs use */
#define ALIAS(k, x) set_int(L, k, (lua_Integer)st.mp.x)
    ALIAS("packets", snmpInPkts); ALIAS("parse_errors", snmpInASNParseErrs);
    ALIAS("bad_versions", snmpInBadVersions); ALIAS("bad_community", snmpInBadCommunityNames);
    ALIAS("unknown_users", usmStatsUnknownUserNames);
    ALIAS("unsupported_levels", usmStatsUnsupportedSecLevels);
    ALIAS("wrong_digests", usmStatsWrongDigests); ALIAS("decryption_errors", usmStatsDecryptionErrors);
    ALIAS("unknown_sec_models", snmpUnknownSecurityModels);
    ALIAS("unknown_engine_ids", usmStatsUnknownEngineIDs);
    ALIAS("not_in_time_window", usmStatsNotInTimeWindows);
#undef ALIAS
#undef F
    return 1;
}

/* local_ipv4() -> "a.b.c.d" | nil: the first up, non-loopback interface */
static int
l_local_ipv4(lua_State *L)
{
    struct ifaddrs *ifa, *i;
    char buf[INET_ADDRSTRLEN];
    if (getifaddrs(&ifa) < 0)
        return 0;
    for (i = ifa; i; i = i->ifa_next) {
        if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
            continue;
        if (!(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
            continue;
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, buf, sizeof buf);
        freeifaddrs(ifa);
        lua_pushstring(L, buf);
        return 1;
    }
    freeifaddrs(ifa);
    return 0;
}

static const luaL_Reg recv_methods[] = {
    { "listen", l_recv_listen },
    { "local_addr", l_recv_local_addr },
    { "community", l_recv_community },
    { "user", l_recv_user },
    { "engine", l_recv_engine },
    { "local_engine", l_recv_local_engine },
    { "on_ready", l_recv_on_ready },
    { "process", l_recv_process },
    { "kick", l_recv_kick },
    { "pending", l_recv_pending },
    { "stats", l_recv_stats },
    { "defer_informs", l_recv_defer_informs },
    { "answer", l_recv_answer },
    { "close", l_recv_close },
    { NULL, NULL },
};

/* the receivers' metatable, made with the first receiver: sets it on the
 * receiver on top */
static void
set_receiver_mt(lua_State *L)
{
    if (luaL_newmetatable(L, RECEIVER_MT)) {
        lua_pushcfunction(L, l_recv_close);
        lua_setfield(L, -2, "__gc");
        luaL_newlib(L, recv_methods);
        /* the notifications' metatable, its __index with a scratch */
        lua_createtable(L, 0, 2);
        push_upvalues(L);
        lua_newuserdatauv(L, sizeof(decode_scratch_t), 0);
        for (int i = K_EXTRA; i < NUP; i++)
            lua_pushnil(L);
        lua_pushcclosure(L, note_index, NUP);
        lua_setfield(L, -2, "__index");
        lua_pushliteral(L, "moonwalk.notification");
        lua_setfield(L, -2, "__name");
        /* pop, with that metatable */
        int mt = lua_gettop(L);
        lua_pushvalue(L, mt);
        lua_pushcclosure(L, l_recv_note_mt, 1);
        lua_setfield(L, -3, "note_mt");
        push_upvalues(L);
        lua_pushvalue(L, mt);
        for (int i = K_EXTRA; i < NUP; i++)
            lua_pushnil(L); /* no engine ID seen yet */
        lua_pushcclosure(L, l_recv_pop, NUP);
        lua_setfield(L, -3, "pop");
        lua_pop(L, 1);
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
}

int
mwl_receiver_open(lua_State *L)
{
    lua_pushcfunction(L, l_receiver);
    lua_setfield(L, -2, "receiver");
    lua_pushcfunction(L, l_local_ipv4);
    lua_setfield(L, -2, "local_ipv4");
    return 0;
}
