/* main.c - boots Lua and hands the command line to moonwalk.cli. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "embed.h"

int luaopen_moonwalk_core(lua_State *L);
lua_State *mwl_newstate(void);
void mwl_closestate(lua_State *L);

#ifndef MW_LUADIR
#define MW_LUADIR "/usr/local/share/moonwalk/lua"
#endif

static int
is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Finds the Lua half: MOONWALK_LUADIR, then a lua/ folder holding
 * moonwalk/init.lua up to three levels above the executable (the source
 * tree, for build/moonwalk or build/asan/moonwalk), then the installed
 * location. */
static void
set_path(lua_State *L)
{
    char exe[PATH_MAX], dir[2 * PATH_MAX], probe[2 * PATH_MAX + 32];
    const char *env = getenv("MOONWALK_LUADIR");
    const char *luadir = NULL;
    ssize_t n;

    if (env && *env)
        luadir = env;
    if (!luadir && (n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const ups[] = { "/..", "/../..", "/../../.." };
            for (size_t i = 0; i < sizeof ups / sizeof *ups && !luadir; i++) {
                snprintf(dir, sizeof dir, "%s%s/lua", exe, ups[i]);
                snprintf(probe, sizeof probe, "%s/moonwalk/init.lua", dir);
                if (is_file(probe))
                    luadir = dir;
            }
        }
    }
    if (!luadir)
        luadir = MW_LUADIR;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", luadir, luadir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    /* the C half is linked in */
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, luaopen_moonwalk_core);
    lua_setfield(L, -2, "moonwalk.core");
    lua_pop(L, 2);
}

static int
msghandler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static int
pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    luaL_openlibs(L);
    set_path(L);
    /* the modules built in, unless MOONWALK_LUADIR asks for other files */
    if (!getenv("MOONWALK_LUADIR") || !*getenv("MOONWALK_LUADIR"))
        embed_install(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "moonwalk.cli");
    lua_call(L, 1, 1);
    lua_getfield(L, -1, "main");
    lua_createtable(L, argc, 0);
    for (int i = 1; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i);
    }
    lua_pushstring(L, argv[0]);
    lua_rawseti(L, -2, 0);
    lua_call(L, 1, 1);
    return 1;
}

int
main(int argc, char **argv)
{
    lua_State *L = mwl_newstate();
    int status, code = 1;
    if (L == NULL) {
        fprintf(stderr, "moonwalk: cannot create Lua state\n");
        return 1;
    }
    lua_pushcfunction(L, msghandler);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    status = lua_pcall(L, 2, 1, 1);
    if (status != LUA_OK) {
        fprintf(stderr, "moonwalk: %s\n", lua_tostring(L, -1));
        code = 1;
    } else if (lua_isinteger(L, -1)) {
        code = (int)lua_tointeger(L, -1);
    } else {
        code = lua_toboolean(L, -1) || lua_isnil(L, -1) ? 0 : 1;
    }
    fflush(stdout);
    mwl_closestate(L);
    return code;
}
