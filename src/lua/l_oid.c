/* l_oid.c - the OID class: parse, tostring, compare, append, prefix. */
#include <string.h>
#include <stdio.h>

#include "mwlua.h"

oid_t *
mwl_pushoid(lua_State *L)
{
    oid_t *o = lua_newuserdatauv(L, sizeof(oid_t), 0);
    o->len = 0;
    luaL_setmetatable(L, MWL_OID_MT);
    return o;
}

oid_t *
mwl_testoid(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, MWL_OID_MT);
}

int
mwl_is_numeric_oid(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == '.'))
            return 0;
    return n > 0;
}

int
mwl_tooid(lua_State *L, int idx, oid_t *out)
{
    oid_t *o;
    size_t n;
    const char *s;
    int rc;

    idx = lua_absindex(L, idx);
    if ((o = mwl_testoid(L, idx)) != NULL) {
        memcpy(out, o, sizeof(uint32_t) + o->len * sizeof(uint32_t));
        return 0;
    }
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_Integer len = luaL_len(L, idx);
        if (len > OID_MAX_LEN) {
            lua_pushstring(L, "OID longer than 128 sub-identifiers");
            return -1;
        }
        out->len = 0;
        for (lua_Integer i = 1; i <= len; i++) {
            int isnum;
            lua_Integer v;
            lua_geti(L, idx, i);
            v = lua_tointegerx(L, -1, &isnum);
            lua_pop(L, 1);
            if (!isnum || v < 0 || v > 0xFFFFFFFFLL) {
                lua_pushfstring(L, "bad OID sub-identifier at position %d", (int)i);
                return -1;
            }
            out->arcs[out->len++] = (uint32_t)v;
        }
        return 0;
    }
    if (lua_type(L, idx) != LUA_TSTRING) {
        lua_pushfstring(L, "OID expected, got %s", luaL_typename(L, idx));
        return -1;
    }
    s = lua_tolstring(L, idx, &n);
    if (!mwl_is_numeric_oid(s, n)) {
        /* Names go to the resolver the MIB layer installs. */
        lua_getfield(L, LUA_REGISTRYINDEX, "moonwalk.resolve");
        if (lua_isfunction(L, -1)) {
            lua_pushvalue(L, idx);
            lua_call(L, 1, 2);
            if ((o = mwl_testoid(L, -2)) != NULL) {
                memcpy(out, o, sizeof(uint32_t) + o->len * sizeof(uint32_t));
                lua_pop(L, 2);
                return 0;
            }
            if (lua_isstring(L, -1)) {
                lua_remove(L, -2);
                return -1;
            }
            lua_pop(L, 2);
        } else {
            lua_pop(L, 1);
        }
        lua_pushfstring(L, "%s: Unknown Object Identifier", s);
        return -1;
    }
    rc = oid_parse(out, s, n);
    if (rc < 0) {
        lua_pushfstring(L, "bad OID \"%s\": %s", s, mw_strerror(rc));
        return -1;
    }
    return 0;
}

void
mwl_checkoid(lua_State *L, int idx, oid_t *out)
{
    if (mwl_tooid(L, idx, out) < 0)
        luaL_argerror(L, idx, lua_tostring(L, -1));
}

static int
l_oid_new(lua_State *L)
{
    oid_t tmp;
    int top = lua_gettop(L);
    mwl_checkoid(L, 1, &tmp);
    for (int i = 2; i <= top; i++) {
        oid_t more;
        mwl_checkoid(L, i, &more);
        if (oid_append(&tmp, more.arcs, more.len) < 0)
            return luaL_error(L, "OID longer than 128 sub-identifiers");
    }
    oid_t *o = mwl_pushoid(L);
    memcpy(o, &tmp, sizeof tmp);
    return 1;
}

static int
l_oid_tostring(lua_State *L)
{
    oid_t *o = luaL_checkudata(L, 1, MWL_OID_MT);
    char buf[OID_MAX_LEN * 11 + 1];
    size_t n = oid_format(o, buf, sizeof buf);
    lua_pushlstring(L, buf, n);
    return 1;
}

static int
l_oid_eq(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    mwl_checkoid(L, 2, &b);
    lua_pushboolean(L, oid_cmp(&a, &b) == 0);
    return 1;
}

static int
l_oid_lt(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    mwl_checkoid(L, 2, &b);
    lua_pushboolean(L, oid_cmp(&a, &b) < 0);
    return 1;
}

static int
l_oid_le(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    mwl_checkoid(L, 2, &b);
    lua_pushboolean(L, oid_cmp(&a, &b) <= 0);
    return 1;
}

static int
l_oid_len(lua_State *L)
{
    oid_t *o = luaL_checkudata(L, 1, MWL_OID_MT);
    lua_pushinteger(L, o->len);
    return 1;
}

/* oid .. index: a new OID with the arcs of the right operand appended. A
 * number appends one arc; a string or OID appends its arcs. */
static int
l_oid_concat(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        lua_Integer v = luaL_checkinteger(L, 2);
        luaL_argcheck(L, v >= 0 && v <= 0xFFFFFFFFLL, 2, "sub-identifier out of range");
        b.len = 1;
        b.arcs[0] = (uint32_t)v;
    } else {
        mwl_checkoid(L, 2, &b);
    }
    if (oid_append(&a, b.arcs, b.len) < 0)
        return luaL_error(L, "OID longer than 128 sub-identifiers");
    memcpy(mwl_pushoid(L), &a, sizeof a);
    return 1;
}

static int
l_oid_append(lua_State *L)
{
    oid_t a;
    int top = lua_gettop(L);
    mwl_checkoid(L, 1, &a);
    for (int i = 2; i <= top; i++) {
        oid_t b;
        if (lua_type(L, i) == LUA_TNUMBER) {
            lua_Integer v = luaL_checkinteger(L, i);
            luaL_argcheck(L, v >= 0 && v <= 0xFFFFFFFFLL, i, "sub-identifier out of range");
            b.len = 1;
            b.arcs[0] = (uint32_t)v;
        } else {
            mwl_checkoid(L, i, &b);
        }
        if (oid_append(&a, b.arcs, b.len) < 0)
            return luaL_error(L, "OID longer than 128 sub-identifiers");
    }
    memcpy(mwl_pushoid(L), &a, sizeof a);
    return 1;
}

/* prefix:is_prefix_of(oid) */
static int
l_oid_is_prefix_of(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    mwl_checkoid(L, 2, &b);
    lua_pushboolean(L, oid_is_prefix(&a, &b));
    return 1;
}

/* oid:starts_with(prefix) */
static int
l_oid_starts_with(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    mwl_checkoid(L, 2, &b);
    lua_pushboolean(L, oid_is_prefix(&b, &a));
    return 1;
}

static int
l_oid_arcs(lua_State *L)
{
    oid_t *o = luaL_checkudata(L, 1, MWL_OID_MT);
    lua_createtable(L, (int)o->len, 0);
    for (uint32_t i = 0; i < o->len; i++) {
        lua_pushinteger(L, o->arcs[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* oid:sub(i [, j]) like string.sub, on arcs. */
static int
l_oid_sub(lua_State *L)
{
    oid_t *o = luaL_checkudata(L, 1, MWL_OID_MT);
    lua_Integer n = o->len;
    lua_Integer i = luaL_checkinteger(L, 2);
    lua_Integer j = luaL_optinteger(L, 3, -1);
    if (i < 0) i = n + i + 1;
    if (j < 0) j = n + j + 1;
    if (i < 1) i = 1;
    if (j > n) j = n;
    oid_t *r = mwl_pushoid(L);
    if (i <= j) {
        r->len = (uint32_t)(j - i + 1);
        memcpy(r->arcs, o->arcs + i - 1, r->len * sizeof(uint32_t));
    }
    return 1;
}

static int
l_oid_cmp(lua_State *L)
{
    oid_t a, b;
    mwl_checkoid(L, 1, &a);
    mwl_checkoid(L, 2, &b);
    lua_pushinteger(L, oid_cmp(&a, &b));
    return 1;
}

static int
l_oid_index(lua_State *L)
{
    oid_t *o = luaL_checkudata(L, 1, MWL_OID_MT);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        lua_Integer i = lua_tointeger(L, 2);
        if (i < 0)
            i = (lua_Integer)o->len + i + 1;
        if (i >= 1 && i <= (lua_Integer)o->len)
            lua_pushinteger(L, o->arcs[i - 1]);
        else
            lua_pushnil(L);
        return 1;
    }
    luaL_getmetafield(L, 1, "methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int
l_oid_is(lua_State *L)
{
    lua_pushboolean(L, mwl_testoid(L, 1) != NULL);
    return 1;
}

/* oid_ber(oid) -> the BER content octets of an OID */
static int
l_oid_ber(lua_State *L)
{
    oid_t o;
    uint8_t buf[OID_MAX_LEN * 5];
    mwl_checkoid(L, 1, &o);
    int n = oid_encode(&o, buf, sizeof buf);
    if (n < 0)
        return luaL_argerror(L, 1, "OID cannot be encoded");
    lua_pushlstring(L, (const char *)buf, (size_t)n);
    return 1;
}

/* ber_oid_text(octets) -> dotted text | nil, err (as varbind names are
 * printed) */
static int
l_ber_oid_text(lua_State *L)
{
    size_t n;
    const uint8_t *p = (const uint8_t *)luaL_checklstring(L, 1, &n);
    char buf[OID_MAX_LEN * 11 + 1];
    int k = oid_ber_format(p, n, buf, sizeof buf);
    if (k < 0) {
        lua_pushnil(L);
        lua_pushstring(L, mw_strerror(k));
        return 2;
    }
    lua_pushlstring(L, buf, (size_t)k);
    return 1;
}

/* ber_oid_cmp(a, b) -> -1 | 0 | 1, for BER content octets, in SNMP order */
static int
l_ber_oid_cmp(lua_State *L)
{
    size_t an, bn;
    const uint8_t *a = (const uint8_t *)luaL_checklstring(L, 1, &an);
    const uint8_t *b = (const uint8_t *)luaL_checklstring(L, 2, &bn);
    lua_pushinteger(L, oid_ber_cmp(a, an, b, bn));
    return 1;
}

static const luaL_Reg oid_methods[] = {
    { "append", l_oid_append },
    { "is_prefix_of", l_oid_is_prefix_of },
    { "starts_with", l_oid_starts_with },
    { "arcs", l_oid_arcs },
    { "sub", l_oid_sub },
    { "cmp", l_oid_cmp },
    { NULL, NULL },
};

static const luaL_Reg oid_funcs[] = {
    { "oid", l_oid_new },
    { "is_oid", l_oid_is },
    { "oid_cmp", l_oid_cmp },
    { "oid_ber", l_oid_ber },
    { "ber_oid_text", l_ber_oid_text },
    { "ber_oid_cmp", l_ber_oid_cmp },
    { NULL, NULL },
};

static const luaL_Reg oid_meta[] = {
    { "__tostring", l_oid_tostring },
    { "__eq", l_oid_eq },
    { "__lt", l_oid_lt },
    { "__le", l_oid_le },
    { "__len", l_oid_len },
    { "__concat", l_oid_concat },
    { "__index", l_oid_index },
    { NULL, NULL },
};

int
mwl_oid_open(lua_State *L)
{
    if (luaL_newmetatable(L, MWL_OID_MT)) {
        luaL_setfuncs(L, oid_meta, 0);
        luaL_newlib(L, oid_methods);
        lua_setfield(L, -2, "methods");
        lua_pushliteral(L, "OID");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, oid_funcs, 0);
    return 0;
}
