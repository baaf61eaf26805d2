/* l_core.c - luaopen_moonwalk_core: the C half of require "moonwalk". */
#include <stdio.h>
#include <stdlib.h>

#include "mwlua.h"

/* Optional parts: a binding file that is not linked in leaves these NULL. */
int mwl_engine_open(lua_State *L) __attribute__((weak));
int mwl_task_open(lua_State *L) __attribute__((weak));
int mwl_session_open(lua_State *L) __attribute__((weak));
int mwl_usm_open(lua_State *L) __attribute__((weak));
int mwl_mib_open(lua_State *L) __attribute__((weak));
int mwl_agent_open(lua_State *L) __attribute__((weak));
int mwl_receiver_open(lua_State *L) __attribute__((weak));
int mwl_http_open(lua_State *L) __attribute__((weak));
int mwl_udp_open(lua_State *L) __attribute__((weak));
int mwl_v3_open(lua_State *L) __attribute__((weak));
int mwl_sys_open(lua_State *L) __attribute__((weak));
int mwl_fmt_open(lua_State *L) __attribute__((weak));
int mwl_snmpengine_open(lua_State *L) __attribute__((weak));
int mwl_nats_open(lua_State *L) __attribute__((weak));

int luaopen_moonwalk_core(lua_State *L);

/* unsetenv(name): for the test harness, which loads an ASan build of this
 * module through LD_PRELOAD and must not hand that to the programs its
 * tests start. */
static int
l_unsetenv(lua_State *L)
{
    lua_pushboolean(L, unsetenv(luaL_checkstring(L, 1)) == 0);
    return 1;
}

/* setenv(name, value): for the test harness, which gives the programs its
 * tests start other sanitizer options than its own. */
static int
l_setenv(lua_State *L)
{
    lua_pushboolean(L, setenv(luaL_checkstring(L, 1), luaL_checkstring(L, 2), 1) == 0);
    return 1;
}

void
mwl_set_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc)
{
    if (luaL_newmetatable(L, name)) {
        if (gc) {
            lua_pushcfunction(L, gc);
            lua_setfield(L, -2, "__gc");
        }
        lua_newtable(L);
        luaL_setfuncs(L, methods, 0);
        lua_setfield(L, -2, "__index");
    }
    lua_setmetatable(L, -2);
}

/* Each binding file fills a table of its own, which is the module
 * moonwalk.core.<part> (require "moonwalk.core.usm" gives l_usm.c's
 * functions and nothing else). moonwalk.core, the table scripts know as
 * mw.core, is their union, made here: a name that two parts both define
 * is an error at load, so no part can shadow another's. */
static const struct {
    const char *name;
    int (*open)(lua_State *L);
} parts[] = {
    { "oid", mwl_oid_open },       /* l_oid.c */
    { "codec", mwl_codec_open },   /* l_codec.c */
    { "loop", mwl_engine_open },   /* l_engine.c */
    { "task", mwl_task_open },     /* l_task.c */
    { "session", mwl_session_open }, /* l_session.c */
    { "usm", mwl_usm_open },       /* l_usm.c */
    { "mib", mwl_mib_open },       /* l_mib.c */
    { "agent", mwl_agent_open },   /* l_agent.c */
    { "receiver", mwl_receiver_open }, /* l_receiver.c */
    { "http", mwl_http_open },     /* l_http.c */
    { "udp", mwl_udp_open },       /* l_udp.c */
    { "v3", mwl_v3_open },         /* l_v3.c */
    { "sys", mwl_sys_open },       /* l_sys.c */
    { "fmt", mwl_fmt_open },       /* l_fmt.c */
    { "alloc", mwl_alloc_open },   /* l_alloc.c */
    { "paths", mwl_paths_open },   /* l_paths.c */
    { "snmpengine", mwl_snmpengine_open }, /* l_snmpengine.c */
    { "nats", mwl_nats_open },     /* l_nats.c */
};

/* the number of entries of the table at idx */
static int
count_fields(lua_State *L, int idx)
{
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        n++;
    }
    return n;
}

int
luaopen_moonwalk_core(lua_State *L)
{
    enum { NPARTS = sizeof parts / sizeof *parts };
    int open[NPARTS], nopen = 0, fields = 0;
    luaL_checkstack(L, NPARTS + 8, "moonwalk.core");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    int loaded = lua_gettop(L);
    char modname[64];
    /* each part's table, in order above `loaded`: open[k] is its index */
    for (size_t i = 0; i < NPARTS; i++) {
        if (!parts[i].open)
            continue;
        int top = lua_gettop(L);
        lua_newtable(L);
        parts[i].open(L);
        lua_settop(L, top + 1); /* an open function leaves its table alone on top */
        snprintf(modname, sizeof modname, "moonwalk.core.%s", parts[i].name);
        lua_pushvalue(L, -1);
        lua_setfield(L, loaded, modname);
        fields += count_fields(L, top + 1);
        open[nopen++] = (int)i;
    }
    /* the union, made at its size */
    lua_createtable(L, 0, fields + 3);
    int core = lua_gettop(L);
    for (int k = 0; k < nopen; k++) {
        int part = loaded + 1 + k;
        lua_pushnil(L);
        while (lua_next(L, part)) {
            lua_pushvalue(L, -2);
            if (lua_rawget(L, core) != LUA_TNIL) {
                const char *other = "?";
                for (int j = 0; j < k; j++) {
                    lua_pushvalue(L, -3);
                    if (lua_rawget(L, loaded + 1 + j) != LUA_TNIL)
                        other = parts[open[j]].name;
                    lua_pop(L, 1);
                }
                luaL_error(L, "moonwalk.core: %s is defined by both the %s and the %s part",
                           lua_tostring(L, -3), other, parts[open[k]].name);
            }
            lua_pop(L, 1);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, core);
        }
    }
    lua_replace(L, loaded);
    lua_settop(L, loaded);
    lua_pushliteral(L, MW_VERSION);
    lua_setfield(L, -2, "version");
    lua_pushcfunction(L, l_unsetenv);
    lua_setfield(L, -2, "unsetenv");
    lua_pushcfunction(L, l_setenv);
    lua_setfield(L, -2, "setenv");
    return 1;
}
