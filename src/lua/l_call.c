/* l_call.c - every call from C into Lua goes through here: a traceback
 * message handler, the watchdog of tasks and the agent's instruction
 * budget, logging through moonwalk.log, and the stack put back. A
 * callback that raises is logged and the loop carries on. */
#include <stdio.h>
#include <string.h>

#include "l_call.h"

int
mwl_traceback(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL)
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    if (strstr(msg, "\nstack traceback:")) /* the watchdog's stop has one */
        return 1;
    luaL_traceback(L, L, msg, 1);
    return 1;
}

void
mwl_log_error(lua_State *L)
{
    int top = lua_gettop(L); /* the message */
    if (!lua_checkstack(L, 4))
        goto plain;
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "moonwalk.log");
    if (lua_type(L, -1) == LUA_TTABLE && lua_getfield(L, -1, "error") == LUA_TFUNCTION) {
        lua_pushliteral(L, "%s");
        lua_pushvalue(L, top);
        if (lua_pcall(L, 2, 0, 0) == LUA_OK) {
            lua_settop(L, top - 1);
            return;
        }
        fprintf(stderr, "moonwalk: log: %s\n", lua_tostring(L, -1));
    }
plain:
    fprintf(stderr, "moonwalk: %s\n", lua_tostring(L, top));
    lua_settop(L, top - 1);
}

/* The agent's budget (Redis habit): a handler stuck in a loop is stopped,
 * and once over budget the hook fires on every instruction, so a pcall
 * inside the handler cannot swallow it. */
#define BUDGET_STEP 10000
static long budget_max;  /* the running call's */
static long budget_used;

static void
budget_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    budget_used += budget_used > budget_max ? 1 : BUDGET_STEP;
    if (budget_used > budget_max) {
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, 1);
        luaL_error(L, "stopped after %d instructions (agent handlers must not block)", (int)budget_max);
    }
}

int
mwl_pcall_keep(lua_State *L, int nargs, int nres, mwl_call_t *c)
{
    int base = lua_gettop(L) - nargs;
    lua_Hook old = lua_gethook(L);
    int oldmask = lua_gethookmask(L), oldcount = lua_gethookcount(L);
    long outer_max = budget_max, outer_used = budget_used;
    long budget = c ? c->budget : 0;
    lua_State *outer = NULL;
    int watched = !(c && c->unwatched), rc;

    if (c) { /* a copy of the function, to say where it is if it fails */
        lua_pushvalue(L, base);
        lua_insert(L, base);
        c->where[0] = '\0';
    }
    lua_pushcfunction(L, mwl_traceback);
    lua_insert(L, base);
    if (budget > 0) {
        budget_max = budget;
        budget_used = 0;
        lua_sethook(L, budget_hook, LUA_MASKCOUNT, BUDGET_STEP);
    }
    if (watched)
        outer = mwl_engine_enter(L);
    rc = lua_pcall(L, nargs, nres, base);
    if (watched)
        mwl_engine_leave(L, outer);
    if (c)
        c->stopped = budget > 0 && rc != LUA_OK && budget_used > budget;
    if (budget > 0) {
        budget_max = outer_max;
        budget_used = outer_used;
    }
    if (lua_gethook(L) != old || lua_gethookmask(L) != oldmask || lua_gethookcount(L) != oldcount)
        lua_sethook(L, old, oldmask, oldcount);
    lua_remove(L, base);
    if (c) {
        lua_Debug ar;
        if (rc != LUA_OK) {
            lua_pushvalue(L, base);
            if (lua_getinfo(L, ">S", &ar) && ar.linedefined > 0)
                snprintf(c->where, sizeof c->where, " %s:%d", ar.short_src, ar.linedefined);
        }
        lua_remove(L, base);
    }
    return rc;
}

int
mwl_pcall(lua_State *L, int nargs, int nres, const char *what)
{
    int fn = lua_gettop(L) - nargs;
    mwl_call_t c = { 0 };
    int rc = mwl_pcall_keep(L, nargs, nres, &c);
    if (rc != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        lua_pushfstring(L, "%s%s failed: %s", what, c.where, msg ? msg : "(no message)");
        mwl_log_error(L);
        lua_settop(L, fn - 1);
    }
    return rc;
}
