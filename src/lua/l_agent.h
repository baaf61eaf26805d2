/* l_agent.h - what l_agent.c shares with the other agent bindings
 * (l_rowtab.c): the agent object and the protected calls into Lua. */
#ifndef MW_L_AGENT_H
#define MW_L_AGENT_H

#include "mwlua.h"
#include "../app/agent.h"

#define AGENT_MT "moonwalk.agent"

typedef struct {
    agent_t *a;       /* owned */
    lua_State *L;     /* main thread */
    int log_ref;      /* function(msg): where errors go */
    int authfail_ref; /* function(): authenticationFailure */
    long budget;      /* instructions per call into Lua; 0: unlimited */
    char where[LUA_IDSIZE + 16]; /* where the function that last failed is
                                    defined (" file.lua:LINE"), for the log */
} lagent_t;

/* The agent at idx; raises when it is closed. */
lagent_t *mwl_agent_check(lua_State *L, int idx);
/* mwl_pcall_keep (l_call.h) under the agent's instruction budget (none
 * when la is NULL or L is not the agent's state). */
int mwl_agent_pcall(lagent_t *la, lua_State *L, int nargs, int nres);
/* The Lua value at idx (plain or typed) as a value of type tag; strings
 * copied into the request. 0, or -1 with a message pushed. */
int mwl_agent_to_value(lua_State *L, int idx, uint8_t tag, agent_req_t *rq, mw_value_t *v);
/* Error-status from what a check/set function returned (see l_agent.c). */
int mwl_agent_status(lua_State *L, int idx, int nres, int dflt);
/* Logs the message on top of the stack (popped) once per object. */
void mwl_agent_log_once(lagent_t *la, int *logged, const agent_region_t *r, const char *what);

/* a:rowtable(...) (l_rowtab.c) */
int mwl_rowtab_new(lua_State *L);

#endif
