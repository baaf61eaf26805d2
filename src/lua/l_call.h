/* l_call.h - the one way C calls into Lua (callbacks of the loop, agent
 * handlers, the scheduler's "after", main's call of the CLI). */
#ifndef MW_L_CALL_H
#define MW_L_CALL_H

#include <lua.h>
#include <lauxlib.h>

/* Limits of one call (NULL: the defaults below). */
typedef struct {
    long budget;     /* > 0: stopped after this many instructions (agent handlers) */
    int unwatched;   /* 1: not seen by the tasks' watchdog (main's own call) */
    int stopped;     /* out: the budget stopped the call */
    char where[LUA_IDSIZE + 16]; /* out, on failure: " file.lua:LINE" where the
                                    function is defined ("" for a C function) */
} mwl_call_t;

/* Calls the function below the nargs arguments on top of L under a
 * traceback message handler, seen by the watchdog of tasks (l_task.c:
 * instruction budget, memory limit, grace period) and, with c->budget,
 * under a count hook that a pcall in the callee cannot swallow. The hook
 * L had is put back afterwards. Leaves nres results, or the error message
 * with its traceback, where the function was; returns lua_pcall's status. */
int mwl_pcall_keep(lua_State *L, int nargs, int nres, mwl_call_t *c);

/* mwl_pcall_keep with the defaults; an error is logged through
 * moonwalk.log ("<what> <where the function is defined> failed: <message
 * and traceback>") and the stack is put back to below the function. */
int mwl_pcall(lua_State *L, int nargs, int nres, const char *what);

/* The message handler: the message (or a word on a non-string error
 * object) with a traceback, unless it already carries one. */
int mwl_traceback(lua_State *L);

/* Pops the string on top of L and writes it through moonwalk.log's
 * error() (stderr when that module is not loaded or fails). */
void mwl_log_error(lua_State *L);

/* The watchdog's side (l_task.c): enter marks L as the thread running
 * and returns the one that ran before; leave puts that one back. */
lua_State *mwl_engine_enter(lua_State *L);
void mwl_engine_leave(lua_State *L, lua_State *outer);

#endif
