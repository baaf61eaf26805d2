/* l_engine.h - private to the engine's bindings: the loop (l_engine.c),
 * tasks and their budget (l_task.c), sessions and batches (l_session.c). */
#ifndef MW_L_ENGINE_H
#define MW_L_ENGINE_H

#include <event2/event.h>

#include "mwlua.h"
#include "../net/engine.h"
#include "../app/manager.h"

#define ENGINE_KEY "moonwalk.engine.instance"
#define AFTER_KEY "moonwalk.after"
#define NOT_IN_TASK "this call waits, so it must run inside a task (mw.spawn or mw.run)"
#define ENGINE_MT "moonwalk.engine"
#define SESSION_MT "moonwalk.csession"
#define SIGNAL_MT "moonwalk.signal"

typedef struct {
    struct event_base *base;   /* owned */
    mw_engine_t *eng;          /* owned */
    struct evdns_base *dns;    /* owned, created on first use */
    lua_State *L;              /* main thread */
    uint8_t *scratch;          /* owned: encode arena for varbinds */
    size_t scratch_cap;
    manager_pool_t req_pool;   /* owned: records of plain requests (l_session.c) */
    manager_pool_t walk_pool;  /* owned: records of walk steps (l_session.c) */
    int anchors_ref;           /* table: slot -> thread waiting on C */
    int *free_slots;           /* owned: recycled anchor slots */
    int nfree, cap_free, top_slot;
    struct lsleep *sleeping;   /* owned: timers of sleeping tasks */
} lengine_t;

static inline lengine_t *
get_engine(lua_State *L)
{
    lengine_t *le;
    lua_getfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
    le = lua_touserdata(L, -1);
    lua_pop(L, 1);
    if (!le)
        luaL_error(L, "moonwalk engine not initialised");
    return le;
}

/* Tasks (l_task.c). A thread waiting on C is anchored at a slot:
 * mwl_task_wait anchors the calling task (raises outside a task),
 * mwl_task_resume_slot resumes it with the n values on top of le->L and
 * frees the slot (a task that ends goes to the scheduler's
 * "moonwalk.after"), mwl_task_unanchor frees a slot without resuming. */
void mwl_task_unanchor(lengine_t *le, lua_State *L, int slot);
void mwl_task_resume_slot(lengine_t *le, int slot, int n);
int mwl_task_wait(lua_State *L, lengine_t *le, int *ref);

/* Each adds its functions to the module table on top of the stack
 * (called by mwl_engine_open). */
int mwl_task_open(lua_State *L);
int mwl_session_open(lua_State *L);

#endif
