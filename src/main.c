/* main.c - boots Lua and hands the command line to moonwalk.cli. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lua.h>
#include <lauxlib.h>
#include <lualib.h>

#include "embed.h"
#include "lua/l_call.h"

int luaopen_moonwalk_core(lua_State *L);
lua_State *mwl_newstate(void);
void mwl_closestate(lua_State *L);

const char *mwl_paths_prefix(void);

#define LUA_SUBDIR "/share/lua/" LUA_VERSION_MAJOR "." LUA_VERSION_MINOR

static int
is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* a and b, end to end, into out (cap bytes); 0 when they do not fit.
 * Not snprintf: a one-shot get formats nothing else with it, and the
 * first call faults two pages of printf's code in. */
static int
join(char *out, size_t cap, const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na + nb >= cap)
        return 0;
    memcpy(out, a, na);
    memcpy(out + na, b, nb + 1);
    return 1;
}

/* the binary needs moonwalk.cli (the rock installs moonwalk/init.lua as
 * moonwalk.lua, so that is not the one to look for) */
static int
has_moonwalk(const char *dir)
{
    char probe[PATH_MAX + 64];
    return join(probe, sizeof probe, dir, "/moonwalk/cli.lua") && is_file(probe);
}

/* Finds the Lua half, first match wins:
 *   1. next to the executable: <bindir>/../share/lua/5.4 (make install, the
 *      rock), or a lua/ folder up to three levels above it (the source
 *      tree, for build/moonwalk or build/asan/moonwalk);
 *   2. the PREFIX compiled in: PREFIX/share/lua/5.4;
 *   3. MOONWALK_LUADIR.
 * When none holds moonwalk/cli.lua, MOONWALK_LUADIR (else the compiled-in
 * place) goes on the path anyway so that require names what it tried. */
static void
set_path(lua_State *L)
{
    char exe[PATH_MAX], dir[PATH_MAX + 32];
    const char *env = getenv("MOONWALK_LUADIR");
    const char *luadir = NULL;
    ssize_t n;

    if ((n = readlink("/proc/self/exe", exe, sizeof exe - 1)) > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = { "/.." LUA_SUBDIR, "/../lua", "/../../lua", "/../../../lua" };
            for (size_t i = 0; i < sizeof rel / sizeof *rel && !luadir; i++) {
                if (join(dir, sizeof dir, exe, rel[i]) && has_moonwalk(dir))
                    luadir = dir;
            }
        }
    }
    if (!luadir) {
        int fits = join(dir, sizeof dir, mwl_paths_prefix(), LUA_SUBDIR);
        if (!fits)
            dir[0] = '\0';
        luadir = (fits && has_moonwalk(dir)) || !env || !*env ? dir : env;
    }
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
pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    /* While the modules load, nearly everything made stays: collecting
     * then is marking the same tables and functions again each time the
     * heap doubles. The collector waits for ten times the heap instead
     * (pause 1000); moonwalk.cli sets the default pause (200) back once
     * the command's modules are in, before the command runs. */
    lua_gc(L, LUA_GCINC, 1000, 0, 0);
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
    lua_call(L, 1, 2);
    return 2;
}

/* The binary's zero-filled data (bss, some 160 KiB: the engine's tables,
 * caches and free lists) and the stack a command grows into, mapped in
 * one call each: a start touches a page of them here and there, each a
 * page fault, and on a virtual machine a fault costs as much as mapping a
 * dozen pages at once (a one-shot get took three faults on the stack
 * alone: set_path's two path buffers, the dynamic linker's save area,
 * printf's frame). Hints: a kernel without MADV_POPULATE_WRITE (before 5.14)
 * says no and the pages come as before; a range of the stack below what
 * the kernel has reserved for it is refused the same way. Sanitizer
 * builds map nothing ahead (as their allocator, src/lua/l_alloc.c). */
#define STACK_AHEAD (32 << 10)

static void
populate_start(void)
{
#if defined(MADV_POPULATE_WRITE) && !defined(__SANITIZE_ADDRESS__)
    /* 4 KiB, not sysconf's answer: asking costs a page fault of its own;
     * where pages are larger the range is not aligned and the hint is
     * refused */
    extern char __bss_start[], _end[];
    const uintptr_t page = 4096;
    uintptr_t lo = ((uintptr_t)__bss_start + page - 1) & ~(page - 1);
    uintptr_t hi = ((uintptr_t)_end + page - 1) & ~(page - 1);
    if (hi > lo)
        madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
    /* the pages below this frame's (which is mapped: we are in it) */
    char here;
    hi = (uintptr_t)&here & ~(page - 1);
    madvise((void *)(hi - STACK_AHEAD), STACK_AHEAD, MADV_POPULATE_WRITE);
#endif
}

int
main(int argc, char **argv)
{
    populate_start();
    lua_State *L = mwl_newstate();
    int status, code = 1;
    if (L == NULL) {
        fprintf(stderr, "moonwalk: cannot create Lua state\n");
        return 1;
    }
    mwl_call_t top = { .unwatched = 1 }; /* the watchdog is for tasks and callbacks */
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    status = mwl_pcall_keep(L, 2, 2, &top);
    if (status != LUA_OK) {
        fprintf(stderr, "moonwalk: %s\n", lua_tostring(L, -1));
        code = 1;
    } else if (lua_isinteger(L, -2)) {
        code = (int)lua_tointeger(L, -2);
    } else {
        code = lua_toboolean(L, -2) || lua_isnil(L, -2) ? 0 : 1;
    }
    fflush(NULL); /* every stream a script may have opened, stdout first among them */
#ifndef __SANITIZE_ADDRESS__
    /* A one-shot command (get, walk, ...) has written all it had to:
     * the C streams are flushed and the kernel takes the rest back at
     * once, where lua_close would free every object one by one (a tenth of
     * such a command's CPU). Long-running ones (agent, trapd, run) close
     * the state, so that their finalizers run. Sanitizer builds always
     * close it, for the leak check. */
    if (status == LUA_OK && lua_toboolean(L, -1)) {
        /* _exit, not exit: what exit adds to the flush above is running
         * the atexit handlers and destructors, none of them ours, each a
         * page of code to fault in */
        _exit(code);
    }
#endif
    mwl_closestate(L);
    return code;
}
