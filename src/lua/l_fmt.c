/* l_fmt.c - net-snmp's printing rules (src/app/fmt.c) for Lua: values,
 * OIDs, time ticks and hex lines, as the CLI and the receiver print them
 * when no MIB says otherwise. */
#include "mwlua.h"
#include "../app/fmt.h"
#include "../core/text.h"

/* fmt_value(type, value [, -O letters]) -> "INTEGER: 5" */
static int
l_fmt_value(lua_State *L)
{
    const char *tname = luaL_checkstring(L, 1);
    unsigned flags = fmt_flags(luaL_optstring(L, 3, ""));
    int tag = mwl_type_tag(tname);
    uint8_t scratch[OID_MAX_LEN * 5];
    mw_value_t v;
    luaL_argcheck(L, tag >= 0, 1, "unknown type");
    if (mwl_to_value(L, 2, (uint8_t)tag, &v, scratch, sizeof scratch) < 0)
        return luaL_argerror(L, 2, lua_tostring(L, -1));
    size_t need = (size_t)OID_MAX_LEN * 22 + 64 + (size_t)v.len * 4;
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, need);
    size_t n = fmt_value(&v, flags, out, need);
    luaL_pushresultsize(&b, n < need ? n : need);
    return 1;
}

/* fmt_oid(oid [, -O letters]) -> "iso.3.6.1..." or ".1.3.6.1..." */
static int
l_fmt_oid(lua_State *L)
{
    oid_t o;
    uint8_t ber[OID_MAX_LEN * 5];
    char out[OID_MAX_LEN * 11 + 24];
    mwl_checkoid(L, 1, &o);
    int k = oid_encode(&o, ber, sizeof ber);
    if (k < 0)
        return luaL_argerror(L, 1, "OID cannot be encoded");
    size_t n = fmt_oid(ber, (size_t)k, fmt_flags(luaL_optstring(L, 2, "")), out, sizeof out);
    lua_pushlstring(L, out, n < sizeof out ? n : sizeof out);
    return 1;
}

/* fmt_uptime(ticks [, quick]) -> "1 day, 0:00:00.00" */
static int
l_fmt_uptime(lua_State *L)
{
    lua_Integer t = luaL_checkinteger(L, 1);
    char out[64];
    size_t n = text_uptime((uint64_t)t, lua_toboolean(L, 2), out, sizeof out);
    lua_pushlstring(L, out, n < sizeof out ? n : sizeof out);
    return 1;
}

/* fmt_hex(octets) -> "00 FF 80 " (16 a line) */
static int
l_fmt_hex(lua_State *L)
{
    size_t len;
    const uint8_t *p = (const uint8_t *)luaL_checklstring(L, 1, &len);
    size_t need = text_hex(p, len, 16, 0, NULL, 0);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, need + 1);
    size_t n = text_hex(p, len, 16, 0, out, need + 1);
    luaL_pushresultsize(&b, n);
    return 1;
}

static const luaL_Reg fmt_funcs[] = {
    { "fmt_value", l_fmt_value },
    { "fmt_oid", l_fmt_oid },
    { "fmt_uptime", l_fmt_uptime },
    { "fmt_hex", l_fmt_hex },
    { NULL, NULL },
};

int mwl_fmt_open(lua_State *L);
int
mwl_fmt_open(lua_State *L)
{
    luaL_setfuncs(L, fmt_funcs, 0);
    return 0;
}
