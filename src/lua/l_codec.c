/* l_codec.c - values, varbinds and whole messages between C and Lua. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwlua.h"

static const struct { uint8_t tag; const char *name; } type_names[] = {
    { MW_T_INTEGER, "INTEGER" },
    { MW_T_OCTETSTR, "STRING" },
    { MW_T_NULL, "NULL" },
    { MW_T_OID, "OID" },
    { MW_T_IPADDR, "IpAddress" },
    { MW_T_COUNTER32, "Counter32" },
    { MW_T_GAUGE32, "Gauge32" },
    { MW_T_TIMETICKS, "Timeticks" },
    { MW_T_OPAQUE, "Opaque" },
    { MW_T_NSAP, "NsapAddress" },
    { MW_T_COUNTER64, "Counter64" },
    { MW_T_UINTEGER32, "UInteger32" },
    { MW_T_NOSUCHOBJECT, "noSuchObject" },
    { MW_T_NOSUCHINSTANCE, "noSuchInstance" },
    { MW_T_ENDOFMIBVIEW, "endOfMibView" },
};

static const struct { const char *name; uint8_t tag; } type_aliases[] = {
    { "Integer32", MW_T_INTEGER },
    { "OCTET STRING", MW_T_OCTETSTR },
    { "OctetString", MW_T_OCTETSTR },
    { "OBJECT IDENTIFIER", MW_T_OID },
    { "Unsigned32", MW_T_GAUGE32 },
    { "TimeTicks", MW_T_TIMETICKS },
    { "Null", MW_T_NULL },
};

const char *
mwl_type_name(uint8_t tag)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (type_names[i].tag == tag)
            return type_names[i].name;
    return "UNKNOWN";
}

int
mwl_type_tag(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof *type_names; i++)
        if (strcmp(type_names[i].name, name) == 0)
            return type_names[i].tag;
    for (size_t i = 0; i < sizeof type_aliases / sizeof *type_aliases; i++)
        if (strcmp(type_aliases[i].name, name) == 0)
            return type_aliases[i].tag;
    return -1;
}

void
mwl_push_hex(lua_State *L, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, 2 * n);
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[p[i] >> 4];
        out[2 * i + 1] = hex[p[i] & 15];
    }
    luaL_pushresultsize(&b, 2 * n);
}

void
mwl_push_value(lua_State *L, const mw_value_t *v)
{
    switch (v->type) {
    case MW_T_INTEGER:
        lua_pushinteger(L, (lua_Integer)v->num.i);
        break;
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
    case MW_T_COUNTER64:
        lua_pushinteger(L, (lua_Integer)v->num.u);
        break;
    case MW_T_OCTETSTR:
    case MW_T_OPAQUE:
    case MW_T_NSAP:
        lua_pushlstring(L, (const char *)v->p, v->len);
        break;
    case MW_T_IPADDR: {
        char buf[16];
        int n = snprintf(buf, sizeof buf, "%u.%u.%u.%u", v->p[0], v->p[1], v->p[2], v->p[3]);
        lua_pushlstring(L, buf, (size_t)n);
        break;
    }
    case MW_T_OID: {
        oid_t *o = mwl_pushoid(L);
        if (oid_decode(o, v->p, v->len) < 0)
            o->len = 0;
        break;
    }
    default:
        lua_pushnil(L);
        break;
    }
}

/* Interned key and type-name strings, kept in one registry table (under
 * the address of strings_key, so each Lua state has its own) so that
 * building a varbind table does no string hashing: [1]="oid", [2]="type",
 * [3]="value", [4]=the Varbind metatable (core.set_varbind_meta), [256+tag]=type
 * name (made the first time a type is seen), [OIDC_BASE+slot]=a cached OID
 * string. */
static const char strings_key = 0;

/* OID strings of recent responses, by their BER: polling asks for the same
 * OIDs again and again, and this spares formatting and interning them each
 * time. An entry is compared in full, so a collision only costs a miss. */
#define OIDC_SLOTS 512
#define OIDC_BASE 1024
#define OIDC_MAX 40
static struct {
    uint8_t len;
    uint8_t ber[OIDC_MAX];
} oidc[OIDC_SLOTS];
static const void *oidc_owner; /* the strings table the entries are for */
static int oidc_used;          /* an entry was written since the last clear */

/* Clears the entries (only when one was written: a one-shot command does
 * not touch the table's pages for nothing) */
static void
oidc_clear(const void *owner)
{
    if (oidc_used)
        memset(oidc, 0, sizeof oidc);
    oidc_used = 0;
    oidc_owner = owner;
}

static void
push_strings(lua_State *L)
{
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, &strings_key) == LUA_TTABLE) {
        /* another state's entries name strings this table does not hold */
        if (lua_topointer(L, -1) != oidc_owner)
            oidc_clear(lua_topointer(L, -1));
        return;
    }
    lua_pop(L, 1);
    lua_createtable(L, OIDC_BASE + OIDC_SLOTS, 0);
    lua_pushliteral(L, "oid");
    lua_rawseti(L, -2, 1);
    lua_pushliteral(L, "type");
    lua_rawseti(L, -2, 2);
    lua_pushliteral(L, "value");
    lua_rawseti(L, -2, 3);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &strings_key);
    oidc_clear(lua_topointer(L, -1));
}

static void
push_oid_text(lua_State *L, const uint8_t *ber, size_t len)
{
    char buf[OID_MAX_LEN * 11 + 1];
    int n = oid_ber_format(ber, len, buf, sizeof buf);
    lua_pushlstring(L, buf, n > 0 ? (size_t)n : 0);
}

/* Pushes the text of an OID through the cache; st: the strings table. */
static void
push_oid_cached(lua_State *L, int st, const uint8_t *ber, size_t len)
{
    if (len == 0 || len > OIDC_MAX) {
        push_oid_text(L, ber, len);
        return;
    }
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ ber[i]) * 16777619u;
    unsigned slot = (h ^ (h >> 15)) & (OIDC_SLOTS - 1);
    if (oidc[slot].len == len && memcmp(oidc[slot].ber, ber, len) == 0) {
        if (lua_rawgeti(L, st, OIDC_BASE + (int)slot) == LUA_TSTRING)
            return;
        lua_pop(L, 1);
    }
    push_oid_text(L, ber, len);
    lua_pushvalue(L, -1);
    lua_rawseti(L, st, OIDC_BASE + (int)slot);
    oidc[slot].len = (uint8_t)len;
    memcpy(oidc[slot].ber, ber, len);
    oidc_used = 1;
}

static void
push_varbind(lua_State *L, const mw_varbind_t *vb, int cached)
{
    push_strings(L);
    int st = lua_gettop(L);
    lua_createtable(L, 0, 3);
    lua_rawgeti(L, st, 1);
    if (cached)
        push_oid_cached(L, st, vb->oid, vb->oid_len);
    else
        push_oid_text(L, vb->oid, vb->oid_len);
    lua_rawset(L, -3);
    lua_rawgeti(L, st, 2);
    if (lua_rawgeti(L, st, 256 + vb->val.type) == LUA_TNIL) { /* its first time */
        lua_pop(L, 1);
        lua_pushstring(L, mwl_type_name(vb->val.type));
        lua_pushvalue(L, -1);
        lua_rawseti(L, st, 256 + vb->val.type);
    }
    lua_rawset(L, -3);
    lua_rawgeti(L, st, 3);
    mwl_push_value(L, &vb->val);
    lua_rawset(L, -3);
    if (lua_rawgeti(L, st, 4) == LUA_TTABLE) /* the Varbind metatable, once set */
        lua_setmetatable(L, -2);
    else
        lua_pop(L, 1);
    lua_remove(L, st);
}

/* core.set_varbind_meta(mt): the metatable every decoded varbind gets
 * (moonwalk's init.lua gives vb.name, vb:text() and tostring(vb)). */
static int
l_set_varbind_meta(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    push_strings(L);
    lua_pushvalue(L, 1);
    lua_rawseti(L, -2, 4);
    return 0;
}

void
mwl_push_varbind(lua_State *L, const mw_varbind_t *vb)
{
    push_varbind(L, vb, 0);
}

void
mwl_push_varbind_cached(lua_State *L, const mw_varbind_t *vb)
{
    push_varbind(L, vb, 1);
}

static int
to_integer(lua_State *L, int idx, lua_Integer *out)
{
    int isnum;
    *out = lua_tointegerx(L, idx, &isnum);
    return isnum;
}

int
mwl_to_value(lua_State *L, int idx, uint8_t tag, mw_value_t *v, uint8_t *scratch, size_t scap)
{
    lua_Integer i;
    idx = lua_absindex(L, idx);
    v->type = tag;
    v->len = 0;
    v->p = NULL;
    v->num.u = 0;
    switch (tag) {
    case MW_T_INTEGER:
        if (!to_integer(L, idx, &i) || i < INT32_MIN || i > INT32_MAX)
            goto range;
        v->num.i = i;
        return 0;
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
        if (!to_integer(L, idx, &i) || i < 0 || i > 0xFFFFFFFFLL)
            goto range;
        v->num.u = (uint64_t)i;
        return 0;
    case MW_T_COUNTER64:
        if (lua_type(L, idx) == LUA_TSTRING) {
            const char *s = lua_tostring(L, idx);
            char *end;
            errno = 0;
            unsigned long long u = strtoull(s, &end, 10);
            if (errno || *end || !*s || *s == '-')
                goto range;
            v->num.u = u;
            return 0;
        }
        if (!to_integer(L, idx, &i))
            goto range;
        v->num.u = (uint64_t)i;
        return 0;
    case MW_T_OCTETSTR:
    case MW_T_OPAQUE:
    case MW_T_NSAP: {
        size_t n;
        if (lua_type(L, idx) != LUA_TSTRING && lua_type(L, idx) != LUA_TNUMBER) {
            lua_pushfstring(L, "string expected for %s, got %s", mwl_type_name(tag), luaL_typename(L, idx));
            return -1;
        }
        v->p = (const uint8_t *)lua_tolstring(L, idx, &n);
        if (n > 0xFFFFFF) {
            lua_pushstring(L, "string too long");
            return -1;
        }
        v->len = (uint32_t)n;
        return 0;
    }
    case MW_T_IPADDR: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (s == NULL || scap < 4)
            goto badip;
        if (inet_pton(AF_INET, s, scratch) != 1)
            goto badip;
        v->p = scratch;
        v->len = 4;
        return 0;
    badip:
        lua_pushfstring(L, "bad IpAddress value \"%s\"", s ? s : luaL_typename(L, idx));
        return -1;
    }
    case MW_T_OID: {
        oid_t o;
        int n;
        if (mwl_tooid(L, idx, &o) < 0)
            return -1;
        n = oid_encode(&o, scratch, scap);
        if (n < 0) {
            lua_pushstring(L, "bad OID value");
            return -1;
        }
        v->p = scratch;
        v->len = (uint32_t)n;
        return 0;
    }
    case MW_T_NULL:
    case MW_T_NOSUCHOBJECT:
    case MW_T_NOSUCHINSTANCE:
    case MW_T_ENDOFMIBVIEW:
        return 0;
    default:
        lua_pushstring(L, "unsupported type");
        return -1;
    }
range:
    lua_pushfstring(L, "value out of range for %s", mwl_type_name(tag));
    return -1;
}

uint8_t *
mwl_arena_alloc(mwl_arena_t *a, size_t n)
{
    if (a->len + n > a->cap)
        return NULL; /* growing would move earlier allocations */
    uint8_t *p = a->buf + a->len;
    a->len += n;
    return p;
}

static const struct { const char *name; uint8_t tag; } pdu_names[] = {
    { "get", MW_PDU_GET }, { "getnext", MW_PDU_GETNEXT },
    { "response", MW_PDU_RESPONSE }, { "set", MW_PDU_SET },
    { "v1trap", MW_PDU_TRAPV1 }, { "getbulk", MW_PDU_GETBULK },
    { "inform", MW_PDU_INFORM }, { "trap", MW_PDU_TRAPV2 },
    { "report", MW_PDU_REPORT },
};

static const char *
pdu_name(uint8_t tag)
{
    for (size_t i = 0; i < sizeof pdu_names / sizeof *pdu_names; i++)
        if (pdu_names[i].tag == tag)
            return pdu_names[i].name;
    return "unknown";
}

static int
pdu_tag(const char *name)
{
    for (size_t i = 0; i < sizeof pdu_names / sizeof *pdu_names; i++)
        if (strcmp(pdu_names[i].name, name) == 0)
            return pdu_names[i].tag;
    return -1;
}

static void
set_lstr(lua_State *L, const char *k, const uint8_t *p, size_t n)
{
    lua_pushlstring(L, (const char *)p, n);
    lua_setfield(L, -2, k);
}

static void
set_int(lua_State *L, const char *k, lua_Integer v)
{
    lua_pushinteger(L, v);
    lua_setfield(L, -2, k);
}

/* Pushes the PDU of m as a table. */
static void
push_pdu(lua_State *L, const mw_pdu_t *p)
{
    lua_createtable(L, 0, 8);
    lua_pushstring(L, pdu_name(p->type));
    lua_setfield(L, -2, "type");
    if (p->type == MW_PDU_TRAPV1) {
        char buf[OID_MAX_LEN * 11 + 1];
        int n = oid_ber_format(p->enterprise, p->enterprise_len, buf, sizeof buf);
        lua_pushlstring(L, buf, n > 0 ? (size_t)n : 0);
        lua_setfield(L, -2, "enterprise");
        lua_pushfstring(L, "%d.%d.%d.%d", p->agent_addr[0], p->agent_addr[1], p->agent_addr[2], p->agent_addr[3]);
        lua_setfield(L, -2, "agent_addr");
        set_int(L, "generic_trap", p->generic_trap);
        set_int(L, "specific_trap", p->specific_trap);
        set_int(L, "timestamp", p->timestamp);
    } else {
        set_int(L, "request_id", p->request_id);
        if (p->type == MW_PDU_GETBULK) {
            set_int(L, "non_repeaters", p->error_status);
            set_int(L, "max_repetitions", p->error_index);
        } else {
            set_int(L, "error_status", p->error_status);
            set_int(L, "error_index", p->error_index);
        }
    }
    lua_createtable(L, (int)p->nvb, 0);
    for (size_t i = 0; i < p->nvb; i++) {
        mwl_push_varbind(L, &p->vbs[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "varbinds");
}

#define DECODE_MAX_VB 4096

/* decode(bytes) -> message table | nil, err */
static int
l_decode(lua_State *L)
{
    size_t n;
    const uint8_t *buf = (const uint8_t *)luaL_checklstring(L, 1, &n);
    mw_varbind_t *vbs = lua_newuserdatauv(L, sizeof(mw_varbind_t) * DECODE_MAX_VB, 0);
    mw_msg_t m;
    int rc;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = vbs;
    m.pdu.cap = DECODE_MAX_VB;
    rc = pdu_msg_decode(&m, buf, n);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, mw_strerror(rc));
        return 2;
    }
    lua_createtable(L, 0, 16);
    set_int(L, "version", m.version);
    if (m.version != MW_V3) {
        set_lstr(L, "community", m.community, m.community_len);
        push_pdu(L, &m.pdu);
        lua_setfield(L, -2, "pdu");
        return 1;
    }
    set_int(L, "msg_id", m.msg_id);
    set_int(L, "msg_max_size", m.msg_max_size);
    set_int(L, "msg_flags", m.msg_flags);
    set_int(L, "sec_model", m.sec_model);
    set_lstr(L, "sec_params", m.sec_params, m.sec_params_len);
    if (m.sec_model != MW_SEC_MODEL_USM)
        goto scoped;
    set_lstr(L, "engine_id", m.engine_id, m.engine_id_len);
    set_int(L, "engine_boots", m.engine_boots);
    set_int(L, "engine_time", m.engine_time);
    set_lstr(L, "user", m.user, m.user_len);
    set_lstr(L, "auth_params", m.auth_params, m.auth_params_len);
    set_int(L, "auth_params_off", (lua_Integer)m.auth_params_off);
    set_lstr(L, "priv_params", m.priv_params, m.priv_params_len);
scoped:
    if (m.encrypted) {
        set_lstr(L, "encrypted", m.encrypted, m.encrypted_len);
        return 1;
    }
    set_lstr(L, "context_engine_id", m.context_engine_id, m.context_engine_id_len);
    set_lstr(L, "context_name", m.context_name, m.context_name_len);
    push_pdu(L, &m.pdu);
    lua_setfield(L, -2, "pdu");
    return 1;
}

/* decode_scoped(plaintext) -> {context_engine_id, context_name, pdu} */
static int
l_decode_scoped(lua_State *L)
{
    size_t n;
    const uint8_t *buf = (const uint8_t *)luaL_checklstring(L, 1, &n);
    mw_varbind_t *vbs = lua_newuserdatauv(L, sizeof(mw_varbind_t) * DECODE_MAX_VB, 0);
    mw_msg_t m;
    int rc;
    memset(&m, 0, sizeof m);
    m.pdu.vbs = vbs;
    m.pdu.cap = DECODE_MAX_VB;
    if ((rc = pdu_scoped_decode(&m, buf, n)) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, mw_strerror(rc));
        return 2;
    }
    lua_createtable(L, 0, 3);
    set_lstr(L, "context_engine_id", m.context_engine_id, m.context_engine_id_len);
    set_lstr(L, "context_name", m.context_name, m.context_name_len);
    push_pdu(L, &m.pdu);
    lua_setfield(L, -2, "pdu");
    return 1;
}

lua_Integer
mwl_opt_intfield(lua_State *L, int t, const char *k, lua_Integer def)
{
    lua_Integer v;
    lua_getfield(L, t, k);
    v = luaL_optinteger(L, -1, def);
    lua_pop(L, 1);
    return v;
}

/* Leaves the string on the stack (so the pointer stays valid). */
static const uint8_t *
opt_str_field(lua_State *L, int t, const char *k, uint32_t *len)
{
    size_t n = 0;
    const char *s;
    lua_getfield(L, t, k);
    s = lua_tolstring(L, -1, &n);
    *len = (uint32_t)n;
    return (const uint8_t *)(s ? s : "");
}

/* Reads a Lua varbind list at index t into pdu, using arena for OIDs.
 * Each varbind is {oid=, type=, value=} or {oid, type, value}. Raises on
 * bad input. Anything the pointers refer to stays referenced from the
 * list table, which the caller keeps on the stack. */
int
mwl_read_varbinds(lua_State *L, int t, mw_pdu_t *pdu, mwl_arena_t *arena)
{
    lua_Integer n = luaL_len(L, t);
    t = lua_absindex(L, t);
    if ((size_t)n > pdu->cap)
        return luaL_error(L, "too many varbinds (%d)", (int)n);
    for (lua_Integer i = 1; i <= n; i++) {
        mw_varbind_t *vb = &pdu->vbs[i - 1];
        oid_t o;
        int tag, k;
        uint8_t *p;
        const char *tname;
        if (lua_geti(L, t, i) != LUA_TTABLE)
            return luaL_error(L, "varbind %d: table expected", (int)i);
        int vbi = lua_gettop(L);
        if (lua_getfield(L, vbi, "oid") == LUA_TNIL) {
            lua_pop(L, 1);
            lua_geti(L, vbi, 1);
        }
        if (mwl_tooid(L, -1, &o) < 0)
            return luaL_error(L, "varbind %d: %s", (int)i, lua_tostring(L, -1));
        lua_pop(L, 1);
        p = mwl_arena_alloc(arena, OID_MAX_LEN * 5);
        if (!p)
            return luaL_error(L, "varbind arena exhausted");
        k = oid_encode(&o, p, OID_MAX_LEN * 5);
        if (k < 0)
            return luaL_error(L, "varbind %d: OID cannot be encoded", (int)i);
        vb->oid = p;
        vb->oid_len = (uint32_t)k;
        if (lua_getfield(L, vbi, "type") == LUA_TNIL) {
            lua_pop(L, 1);
            lua_geti(L, vbi, 2);
        }
        tname = lua_tostring(L, -1);
        tag = tname ? mwl_type_tag(tname) : MW_T_NULL;
        if (tag < 0)
            return luaL_error(L, "varbind %d: unknown type \"%s\"", (int)i, tname);
        lua_pop(L, 1);
        if (lua_getfield(L, vbi, "value") == LUA_TNIL) {
            lua_pop(L, 1);
            lua_geti(L, vbi, 3);
        }
        p = mwl_arena_alloc(arena, OID_MAX_LEN * 5);
        if (!p)
            return luaL_error(L, "varbind arena exhausted");
        if (mwl_to_value(L, -1, (uint8_t)tag, &vb->val, p, OID_MAX_LEN * 5) < 0)
            return luaL_error(L, "varbind %d: %s", (int)i, lua_tostring(L, -1));
        /* strings stay alive through the varbind table */
        lua_pop(L, 2);
    }
    pdu->nvb = (size_t)n;
    return 0;
}

static void
read_pdu(lua_State *L, int t, mw_pdu_t *pdu, mwl_arena_t *arena)
{
    const char *type;
    int tag;
    t = lua_absindex(L, t);
    lua_getfield(L, t, "type");
    type = luaL_optstring(L, -1, "get");
    tag = pdu_tag(type);
    if (tag < 0)
        luaL_error(L, "unknown PDU type \"%s\"", type);
    lua_pop(L, 1);
    pdu->type = (uint8_t)tag;
    pdu->request_id = (int32_t)mwl_opt_intfield(L, t, "request_id", 0);
    if (tag == MW_PDU_GETBULK) {
        pdu->error_status = (int32_t)mwl_opt_intfield(L, t, "non_repeaters", 0);
        pdu->error_index = (int32_t)mwl_opt_intfield(L, t, "max_repetitions", 10);
    } else {
        pdu->error_status = (int32_t)mwl_opt_intfield(L, t, "error_status", 0);
        pdu->error_index = (int32_t)mwl_opt_intfield(L, t, "error_index", 0);
    }
    if (tag == MW_PDU_TRAPV1) {
        oid_t o;
        uint8_t *p = mwl_arena_alloc(arena, OID_MAX_LEN * 5);
        int k;
        lua_getfield(L, t, "enterprise");
        mwl_checkoid(L, -1, &o);
        lua_pop(L, 1);
        k = oid_encode(&o, p, OID_MAX_LEN * 5);
        if (k < 0)
            luaL_error(L, "bad enterprise OID");
        pdu->enterprise = p;
        pdu->enterprise_len = (uint32_t)k;
        lua_getfield(L, t, "agent_addr");
        if (inet_pton(AF_INET, luaL_optstring(L, -1, "0.0.0.0"), pdu->agent_addr) != 1)
            luaL_error(L, "bad agent_addr");
        lua_pop(L, 1);
        pdu->generic_trap = (int32_t)mwl_opt_intfield(L, t, "generic_trap", 0);
        pdu->specific_trap = (int32_t)mwl_opt_intfield(L, t, "specific_trap", 0);
        pdu->timestamp = (uint32_t)mwl_opt_intfield(L, t, "timestamp", 0);
    }
    lua_getfield(L, t, "varbinds");
    if (lua_istable(L, -1))
        mwl_read_varbinds(L, -1, pdu, arena);
    else
        pdu->nvb = 0;
    /* the varbinds table stays on the stack */
}

/* encode(msg) -> bytes [, auth_params_off] */
static int
l_encode(lua_State *L)
{
    mw_msg_t m;
    mwl_arena_t *arena;
    size_t cap = 65536 + 4096;
    uint8_t *buf, *out;
    size_t outlen;
    int rc;

    luaL_checktype(L, 1, LUA_TTABLE);
    memset(&m, 0, sizeof m);
    m.version = (int32_t)mwl_opt_intfield(L, 1, "version", MW_V2C);

    lua_getfield(L, 1, "pdu");
    int pdui = lua_gettop(L);
    lua_Integer nvb = 0;
    if (lua_istable(L, pdui)) {
        lua_getfield(L, pdui, "varbinds");
        nvb = lua_istable(L, -1) ? luaL_len(L, -1) : 0;
        lua_pop(L, 1);
    }
    if (nvb > DECODE_MAX_VB)
        return luaL_error(L, "too many varbinds");
    m.pdu.vbs = lua_newuserdatauv(L, sizeof(mw_varbind_t) * (size_t)(nvb ? nvb : 1), 0);
    m.pdu.cap = (size_t)nvb;
    arena = lua_newuserdatauv(L, sizeof *arena + (size_t)(2 * nvb + 1) * OID_MAX_LEN * 5, 0);
    arena->buf = (uint8_t *)(arena + 1);
    arena->len = 0;
    arena->cap = (size_t)(2 * nvb + 1) * OID_MAX_LEN * 5;
    if (lua_istable(L, pdui))
        read_pdu(L, pdui, &m.pdu, arena);

    if (m.version == MW_V3) {
        m.msg_id = (int32_t)mwl_opt_intfield(L, 1, "msg_id", 0);
        m.msg_max_size = (int32_t)mwl_opt_intfield(L, 1, "msg_max_size", 65507);
        m.msg_flags = (uint8_t)mwl_opt_intfield(L, 1, "msg_flags", 0);
        m.sec_model = (int32_t)mwl_opt_intfield(L, 1, "sec_model", MW_SEC_MODEL_USM);
        m.sec_params = opt_str_field(L, 1, "sec_params", &m.sec_params_len);
        m.engine_id = opt_str_field(L, 1, "engine_id", &m.engine_id_len);
        m.engine_boots = (int32_t)mwl_opt_intfield(L, 1, "engine_boots", 0);
        m.engine_time = (int32_t)mwl_opt_intfield(L, 1, "engine_time", 0);
        m.user = opt_str_field(L, 1, "user", &m.user_len);
        m.auth_params_len = (uint32_t)mwl_opt_intfield(L, 1, "auth_params_len", 12);
        m.priv_params = opt_str_field(L, 1, "priv_params", &m.priv_params_len);
        m.context_engine_id = opt_str_field(L, 1, "context_engine_id", &m.context_engine_id_len);
        m.context_name = opt_str_field(L, 1, "context_name", &m.context_name_len);
        lua_getfield(L, 1, "encrypted");
        if (lua_isstring(L, -1)) {
            size_t n;
            m.encrypted = (const uint8_t *)lua_tolstring(L, -1, &n);
            m.encrypted_len = (uint32_t)n;
        }
    } else {
        m.community = opt_str_field(L, 1, "community", &m.community_len);
    }
    buf = lua_newuserdatauv(L, cap, 0);
    rc = pdu_msg_encode(&m, buf, cap, &out, &outlen);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, mw_strerror(rc));
        return 2;
    }
    lua_pushlstring(L, (const char *)out, outlen);
    if (m.version == MW_V3 && (m.msg_flags & MW_FLAG_AUTH)) {
        lua_pushinteger(L, (lua_Integer)m.auth_params_off);
        return 2;
    }
    return 1;
}

static int
l_tohex(lua_State *L)
{
    size_t n;
    const uint8_t *p = (const uint8_t *)luaL_checklstring(L, 1, &n);
    mwl_push_hex(L, p, n);
    return 1;
}

static int
l_fromhex(lua_State *L)
{
    size_t n, k = 0;
    const char *s = luaL_checklstring(L, 1, &n);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, n / 2 + 1);
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        int c = s[i], v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else if (c == ' ' || c == ':' || c == '\n' || c == '\t' || c == '\r') continue;
        else if (c == 'x' && i == 1 && s[0] == '0') { hi = -1; continue; }
        else {
            lua_pushnil(L);
            lua_pushfstring(L, "bad hex digit '%c'", c);
            return 2;
        }
        if (hi < 0) hi = v;
        else { out[k++] = (char)(hi << 4 | v); hi = -1; }
    }
    if (hi >= 0) {
        lua_pushnil(L);
        lua_pushstring(L, "odd number of hex digits");
        return 2;
    }
    luaL_pushresultsize(&b, k);
    return 1;
}

static int
l_type_tag(lua_State *L)
{
    int t = mwl_type_tag(luaL_checkstring(L, 1));
    if (t < 0)
        lua_pushnil(L);
    else
        lua_pushinteger(L, t);
    return 1;
}

static int
l_errstatus_name(lua_State *L)
{
    lua_pushstring(L, mw_errstatus_name((int)luaL_checkinteger(L, 1)));
    return 1;
}

static const luaL_Reg codec_funcs[] = {
    { "set_varbind_meta", l_set_varbind_meta },
    { "encode", l_encode },
    { "decode", l_decode },
    { "decode_scoped", l_decode_scoped },
    { "tohex", l_tohex },
    { "fromhex", l_fromhex },
    { "type_tag", l_type_tag },
    { "errstatus_name", l_errstatus_name },
    { NULL, NULL },
};

int
mwl_codec_open(lua_State *L)
{
    luaL_setfuncs(L, codec_funcs, 0);
    return 0;
}
