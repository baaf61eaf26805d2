/* l_snmpengine.c - the local SNMP engine for Lua (src/app/snmpengine.c).
 *
 *   e, err = core.snmpengine{ engine_id = bytes, boots = n, state = DIR,
 *                             file = NAME }
 *       starts an engine: engine_id given, or the one kept in DIR/NAME
 *       ("moonwalk-engine.state" unless named), or a new one; boots = the
 *       stored ones + 1 with a state directory (created when missing),
 *       else boots (1 when not given); the state file is written. nil, err when the file
 *       is corrupt or cannot be read or written, or engine_id is not 5 to
 *       32 octets.
 *   e, err = core.local_engine([opts])
 *       the process's engine (v3 traps from sessions carry it); with opts
 *       (as above), restarts it first.
 *   e:id() -> bytes;  e:boots();  e:time() (seconds since started)
 *   e:engine() -> id, boots, time;  e:state_file() -> path | nil */
#include <string.h>

#include "l_snmpengine.h"

typedef struct {
    snmpengine_t *e;  /* one reference */
} lengine_t;

static void set_engine_mt(lua_State *L);

void
mwl_snmpengine_push(lua_State *L, snmpengine_t *e)
{
    lengine_t *h = lua_newuserdatauv(L, sizeof *h, 0);
    h->e = NULL;
    set_engine_mt(L);
    snmpengine_retain(e);
    h->e = e;
}

snmpengine_t *
mwl_snmpengine_check(lua_State *L, int idx)
{
    lengine_t *h = luaL_checkudata(L, idx, SNMPENGINE_MT);
    return h->e;
}

snmpengine_t *
mwl_snmpengine_opt(lua_State *L, int idx)
{
    return lua_isnoneornil(L, idx) ? NULL : mwl_snmpengine_check(L, idx);
}

static int
l_gc(lua_State *L)
{
    lengine_t *h = luaL_checkudata(L, 1, SNMPENGINE_MT);
    snmpengine_release(h->e);
    h->e = NULL;
    return 0;
}

/* Starts e from the options table at idx. 0, or pushes nil, err and
 * returns 2. */
static int
start_from(lua_State *L, int idx, snmpengine_t *e)
{
    char path[4096], err[512];
    const char *id = NULL, *dir = NULL, *file = "moonwalk-engine.state";
    size_t idlen = 0;
    lua_Integer boots = -1;
    int rc;
    luaL_checktype(L, idx, LUA_TTABLE);
    if (lua_getfield(L, idx, "engine_id") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "engine_id must be a string (binary; mw.fromhex for hex)");
        id = lua_tolstring(L, -1, &idlen);
    }
    if (lua_getfield(L, idx, "boots") != LUA_TNIL) {
        int ok;
        boots = lua_tointegerx(L, -1, &ok);
        if (!ok || boots < 0 || boots > SNMPENGINE_BOOTS_MAX)
            return luaL_error(L, "boots must be an integer from 0 to 2147483647");
    }
    if (lua_getfield(L, idx, "state") != LUA_TNIL)
        dir = luaL_checkstring(L, -1);
    if (lua_getfield(L, idx, "file") != LUA_TNIL)
        file = luaL_checkstring(L, -1);
    if (dir && snmpengine_path(path, sizeof path, dir, file) < 0)
        return luaL_error(L, "state directory name too long");
    rc = snmpengine_start(e, dir ? path : NULL, (const uint8_t *)id, idlen, (int32_t)boots, err,
                          sizeof err);
    lua_pop(L, 4);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    return 0;
}

static int
l_new(lua_State *L)
{
    snmpengine_t *e = snmpengine_new();
    int r;
    luaL_checktype(L, 1, LUA_TTABLE);
    if (!e)
        return luaL_error(L, "out of memory");
    mwl_snmpengine_push(L, e);
    snmpengine_release(e); /* the object holds it */
    if ((r = start_from(L, 1, e)) > 0)
        return r;
    return 1;
}

static int
l_local(lua_State *L)
{
    snmpengine_t *e = snmpengine_local();
    int r;
    if (!e) {
        lua_pushnil(L);
        lua_pushliteral(L, "cannot make an engine ID: no random octets");
        return 2;
    }
    if (!lua_isnoneornil(L, 1) && (r = start_from(L, 1, e)) > 0)
        return r;
    mwl_snmpengine_push(L, e);
    return 1;
}

static int
l_id(lua_State *L)
{
    size_t n;
    const uint8_t *id = snmpengine_id(mwl_snmpengine_check(L, 1), &n);
    lua_pushlstring(L, (const char *)id, n);
    return 1;
}

static int
l_boots(lua_State *L)
{
    lua_pushinteger(L, snmpengine_boots(mwl_snmpengine_check(L, 1)));
    return 1;
}

static int
l_time(lua_State *L)
{
    lua_pushinteger(L, snmpengine_time(mwl_snmpengine_check(L, 1)));
    return 1;
}

static int
l_engine(lua_State *L)
{
    snmpengine_t *e = mwl_snmpengine_check(L, 1);
    size_t n;
    const uint8_t *id = snmpengine_id(e, &n);
    lua_pushlstring(L, (const char *)id, n);
    lua_pushinteger(L, snmpengine_boots(e));
    lua_pushinteger(L, snmpengine_time(e));
    return 3;
}

static int
l_state_file(lua_State *L)
{
    const char *p = snmpengine_state_file(mwl_snmpengine_check(L, 1));
    if (!p)
        return 0;
    lua_pushstring(L, p);
    return 1;
}

static const luaL_Reg engine_methods[] = {
    { "id", l_id },
    { "boots", l_boots },
    { "time", l_time },
    { "engine", l_engine },
    { "state_file", l_state_file },
    { NULL, NULL },
};

static void
set_engine_mt(lua_State *L)
{
    mwl_set_class(L, SNMPENGINE_MT, engine_methods, l_gc);
}

static const luaL_Reg engine_funcs[] = {
    { "snmpengine", l_new },
    { "local_engine", l_local },
    { NULL, NULL },
};

void
mwl_push_mp_stats(lua_State *L, const mp_stats_t *st)
{
#define PUSH_STAT(name) lua_pushinteger(L, (lua_Integer)st->name); lua_setfield(L, -2, #name);
    MP_STATS(PUSH_STAT)
#undef PUSH_STAT
}

int
mwl_snmpengine_open(lua_State *L)
{
    luaL_setfuncs(L, engine_funcs, 0);
    return 0;
}
