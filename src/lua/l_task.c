/* l_task.c - tasks on the loop: resuming threads from C (anchored while
 * they wait on C), the scheduler's "moonwalk.after", core.resume, and the
 * watchdog that enforces the instruction budget, the memory limit's stop
 * and the grace period after SIGTERM. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "mwlua.h"
#include "l_engine.h"
#include "l_call.h"

/* --- the instruction budget (moonwalk run) ----------------------------
 * A task may run at most budget_max Lua instructions between two waits.
 * Counting every instruction of every task would slow them all, so a
 * watchdog does it lazily: a CPU-time timer (ITIMER_VIRTUAL, every
 * BUDGET_TICK_MS of user time) looks at which thread runs; one that has run
 * since the previous tick without waiting gets a count hook, which raises
 * past budget_max instructions and then re-arms itself to raise on every
 * further instruction, so a pcall in the script cannot swallow it. A thread
 * that waits loses the hook. Threads resumed through resume_counted (tasks,
 * and coroutines a script resumes through core.resume) are the ones seen.
 * lua_sethook may be called from a signal handler (see ldebug.c). */
#define BUDGET_TICK_MS 10
static long budget_max;                        /* 0: off */
static lua_State *volatile budget_running;     /* innermost thread resumed here */
static volatile unsigned long budget_seq;      /* bumped at each resume and return */
static unsigned long budget_seen;              /* budget_seq at the previous tick */

/* Stopping a task: the first raise carries where the task was and its
 * traceback, kept in the registry under the thread; the hook then raises
 * that same message again at every instruction until the task is dead. */
static void
trip_again(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    if (lua_rawgetp(L, LUA_REGISTRYINDEX, L) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushliteral(L, "task stopped");
    }
    lua_error(L);
}

static void
trip_first(lua_State *L, const char *what)
{
    lua_sethook(L, trip_again, LUA_MASKCOUNT, 1);
    luaL_where(L, 0); /* a C hook runs on the interrupted function's frame */
    lua_pushstring(L, what);
    lua_concat(L, 2);
    luaL_traceback(L, L, lua_tostring(L, -1), 0);
    lua_remove(L, -2);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, L);
    lua_error(L);
}

static void
budget_hook(lua_State *L, lua_Debug *ar)
{
    char what[128];
    (void)ar;
    snprintf(what, sizeof what,
             "instruction budget exceeded (more than %ld instructions without waiting): task stopped", budget_max);
    trip_first(L, what);
}

/* The same stop for the task running when Lua's memory limit refused an
 * allocation (l_alloc.c), and for one still running when the grace period
 * after SIGTERM is over. */
static void
memory_trip(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    trip_first(L, "not enough memory (over the Lua memory limit, --max-memory): task stopped");
}

void *
mwl_engine_running(void)
{
    return budget_running;
}

void
mwl_engine_memory_trip(void *task)
{
    lua_State *co = budget_running;
    if (co && co == task && lua_gethook(co) != trip_again)
        lua_sethook(co, memory_trip, LUA_MASKCOUNT, 1);
}

static void
term_trip(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    trip_first(L, "task stopped: shutting down and the grace period is over");
}

/* SIGTERM/SIGINT as the script host sees them (term_guard): the time the
 * first one arrived, written by a handler that runs before libevent's, so
 * that the grace period counts from the signal even while a task keeps
 * the loop from reading it. */
static volatile sig_atomic_t term_seen;
static volatile double term_deadline;   /* CLOCK_MONOTONIC seconds */
static double term_grace = -1;          /* < 0: no guard */
static struct sigaction term_prev[2];   /* libevent's handlers: SIGINT, SIGTERM */

static double
mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
budget_tick(int sig)
{
    (void)sig;
    lua_State *co = budget_running;
    unsigned long seq = budget_seq;
    if (co && term_seen && mono_now() >= term_deadline) {
        lua_Hook h = lua_gethook(co);
        if (h != term_trip && h != memory_trip && h != trip_again)
            lua_sethook(co, term_trip, LUA_MASKCOUNT, 1);
    } else if (co && seq == budget_seen && budget_max > 0 && lua_gethook(co) == NULL) {
        lua_sethook(co, budget_hook, LUA_MASKCOUNT, (int)budget_max);
    }
    budget_seen = seq;
}

/* Starts or stops the watchdog's timer. */
static int
budget_timer(int on)
{
    static int running;
    struct itimerval it;
    if (on == running)
        return 0;
    memset(&it, 0, sizeof it);
    if (on) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = budget_tick;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(SIGVTALRM, &sa, NULL) < 0)
            return -1;
        it.it_interval.tv_usec = BUDGET_TICK_MS * 1000;
        it.it_value = it.it_interval;
    }
    if (setitimer(ITIMER_VIRTUAL, &it, NULL) < 0)
        return -1;
    running = on;
    return 0;
}

static void
term_handler(int sig)
{
    int saved = errno;
    double now = mono_now();
    if (!term_seen)
        term_deadline = now + term_grace;
    else
        term_deadline = now; /* a second signal: stop now */
    term_seen = 1;
    const struct sigaction *prev = &term_prev[sig == SIGTERM];
    errno = saved;
    if (prev->sa_flags & SA_SIGINFO) {
        if (prev->sa_sigaction)
            prev->sa_sigaction(sig, NULL, NULL);
    } else if (prev->sa_handler != SIG_DFL && prev->sa_handler != SIG_IGN && prev->sa_handler) {
        prev->sa_handler(sig);
    }
}

/* term_guard(grace) - after on_signal(2/15, ...): from the arrival of
 * SIGINT or SIGTERM, a task still running grace seconds later is stopped
 * at once, even if it never waits. */
static int
l_term_guard(lua_State *L)
{
    double grace = luaL_checknumber(L, 1);
    luaL_argcheck(L, grace >= 0, 1, "grace must be >= 0");
    term_grace = grace;
    const int sigs[2] = { SIGINT, SIGTERM };
    for (int i = 0; i < 2; i++) {
        struct sigaction cur, sa;
        if (sigaction(sigs[i], NULL, &cur) < 0)
            return luaL_error(L, "cannot watch signal %d: %s", sigs[i], strerror(errno));
        if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == term_handler)
            continue;
        term_prev[i] = cur;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = term_handler;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], &sa, NULL) < 0)
            return luaL_error(L, "cannot watch signal %d: %s", sigs[i], strerror(errno));
    }
    if (budget_timer(1) < 0)
        return luaL_error(L, "cannot start the watchdog's timer: %s", strerror(errno));
    return 0;
}

/* term_deadline() -> when the grace period after SIGINT/SIGTERM ends (on
 * the clock of now()), or nil before any */
static int
l_term_deadline(lua_State *L)
{
    if (!term_seen)
        return 0;
    lua_pushnumber(L, term_deadline);
    return 1;
}

/* Resumes co with the n values on top of L, seen by the watchdog. Returns
 * the status of lua_resume; results (or the error) are left on co's stack,
 * *nres of them. */
static int
resume_counted(lua_State *L, lua_State *co, int n, int *nres)
{
    lua_State *outer = budget_running;
    int status;
    lua_xmove(L, co, n);
    budget_running = co;
    budget_seq++;
    status = lua_resume(co, L, n, nres);
    budget_running = outer;
    budget_seq++;
    /* waited: the count starts over next time (a tripped thread stays so) */
    if (budget_max > 0 && lua_gethook(co) == budget_hook)
        lua_sethook(co, NULL, 0, 0);
    if (status != LUA_OK && status != LUA_YIELD && lua_gethook(co) == trip_again) {
        lua_pushnil(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, co);
    }
    if (status != LUA_OK && status != LUA_YIELD)
        *nres = 1;
    return status;
}

/* A callback from C into Lua on L (mwl_pcall_keep) is seen by the
 * watchdog as a task is between two waits. */
lua_State *
mwl_engine_enter(lua_State *L)
{
    lua_State *outer = budget_running;
    budget_running = L;
    budget_seq++;
    return outer;
}

/* The caller puts back the hook L had (a stopped call leaves trip_again). */
void
mwl_engine_leave(lua_State *L, lua_State *outer)
{
    budget_running = outer;
    budget_seq++;
    if (lua_gethook(L) == trip_again) {
        lua_pushnil(L);
        lua_rawsetp(L, LUA_REGISTRYINDEX, L);
    }
}

/* Resumes co with the n values on top of L. A task that waits again costs
 * nothing more; one that ended goes to the scheduler's "moonwalk.after"
 * (co, ok, results... | error). */
static void
task_resume(lua_State *L, lua_State *co, int n)
{
    int nres = 0, status;
    if (lua_status(co) != LUA_YIELD || !lua_checkstack(co, n + 1)) {
        lua_pop(L, n);
        if (!lua_checkstack(co, 2)) {
            fprintf(stderr, "moonwalk: scheduler error: cannot resume a coroutine\n");
            return;
        }
        lua_pushliteral(co, "cannot resume non-suspended coroutine");
        status = LUA_ERRRUN;
        nres = 1;
    } else {
        status = resume_counted(L, co, n, &nres);
    }
    if (status == LUA_YIELD) {
        lua_pop(co, nres);
        return;
    }
    int base = lua_gettop(L);
    if (!lua_checkstack(L, nres + 4) || !lua_checkstack(co, 1)) {
        lua_pop(co, nres);
        fprintf(stderr, "moonwalk: scheduler error: too many results\n");
        return;
    }
    lua_getfield(L, LUA_REGISTRYINDEX, AFTER_KEY);
    lua_pushthread(co);
    lua_xmove(co, L, 1);
    lua_pushboolean(L, status == LUA_OK);
    lua_xmove(co, L, nres);
    if (!lua_isfunction(L, base + 1)) {
        if (status != LUA_OK)
            fprintf(stderr, "moonwalk: coroutine failed: %s\n", luaL_tolstring(L, -1, NULL));
    } else {
        mwl_pcall(L, nres + 2, 0, "scheduler");
    }
    lua_settop(L, base);
}

/* Threads waiting on C sit in one table at slots recycled through a C
 * free list (cheaper than registry references, one per request). */
static int
task_anchor(lengine_t *le, lua_State *L)
{
    int slot;
    if (le->nfree > 0) {
        slot = le->free_slots[--le->nfree];
    } else {
        if (le->top_slot >= le->cap_free) {
            int cap = le->cap_free ? le->cap_free * 2 : 256;
            int *fs = realloc(le->free_slots, sizeof *fs * (size_t)cap);
            if (!fs)
                luaL_error(L, "out of memory");
            le->free_slots = fs;
            le->cap_free = cap;
        }
        slot = ++le->top_slot;
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, le->anchors_ref);
    lua_pushthread(L);
    lua_rawseti(L, -2, slot);
    lua_pop(L, 1);
    return slot;
}

/* Frees slot; pushes nothing. */
void
mwl_task_unanchor(lengine_t *le, lua_State *L, int slot)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, le->anchors_ref);
    lua_pushnil(L);
    lua_rawseti(L, -2, slot);
    lua_pop(L, 1);
    /* free_slots has room for every slot handed out */
    le->free_slots[le->nfree++] = slot;
}

/* Resumes the thread anchored at slot with the n values on top of le->L. */
void
mwl_task_resume_slot(lengine_t *le, int slot, int n)
{
    lua_State *L = le->L;
    int base = lua_gettop(L) - n;
    lua_checkstack(L, 4);
    /* the anchor keeps the thread alive until it has run */
    lua_rawgeti(L, LUA_REGISTRYINDEX, le->anchors_ref);
    lua_rawgeti(L, -1, slot);
    lua_State *co = lua_tothread(L, -1);
    lua_pop(L, 2);
    if (co)
        task_resume(L, co, n);
    lua_settop(L, base);
    mwl_task_unanchor(le, L, slot);
}

int
mwl_task_wait(lua_State *L, lengine_t *le, int *ref)
{
    if (!lua_isyieldable(L))
        return luaL_error(L, NOT_IN_TASK);
    *ref = task_anchor(le, L);
    return 0;
}

/* resume(co, ...) -> as coroutine.resume, under the budget's watchdog */
static int
l_resume(lua_State *L)
{
    lua_State *co = lua_tothread(L, 1);
    int n = lua_gettop(L) - 1, nres, status;
    luaL_argexpected(L, co, 1, "coroutine");
    if (!lua_checkstack(co, n)) {
        lua_pushboolean(L, 0);
        lua_pushliteral(L, "too many arguments to resume");
        return 2;
    }
    status = resume_counted(L, co, n, &nres);
    if (status == LUA_OK || status == LUA_YIELD) {
        if (!lua_checkstack(L, nres + 1)) {
            lua_pop(co, nres);
            lua_pushboolean(L, 0);
            lua_pushliteral(L, "too many results to resume");
            return 2;
        }
        lua_pushboolean(L, 1);
        lua_xmove(co, L, nres);
        return nres + 1;
    }
    lua_pushboolean(L, 0);
    lua_xmove(co, L, 1);
    return 2;
}

/* budget([n]) -> the budget before: sets the instruction budget of tasks
 * (0: off). */
static int
l_budget(lua_State *L)
{
    long old = budget_max;
    if (!lua_isnoneornil(L, 1)) {
        lua_Integer n = luaL_checkinteger(L, 1);
        luaL_argcheck(L, n >= 0 && n <= INT32_MAX, 1, "budget out of range");
        if (budget_timer(n > 0 || term_grace >= 0) < 0)
            return luaL_error(L, "cannot start the budget's timer: %s", strerror(errno));
        budget_max = (long)n;
    }
    lua_pushinteger(L, old);
    return 1;
}

/* For other bindings (agent, receiver): resume a task by ref with n values
 * on top of the main thread's stack. */
void
mwl_resume_ref(lua_State *L, int ref, int n)
{
    mwl_task_resume_slot(get_engine(L), ref, n);
}

int
mwl_wait_ref(lua_State *L)
{
    int ref;
    mwl_task_wait(L, get_engine(L), &ref);
    return ref;
}

void
mwl_drop_ref(lua_State *L, int ref)
{
    mwl_task_unanchor(get_engine(L), L, ref);
}

static const luaL_Reg task_funcs[] = {
    { "resume", l_resume },
    { "budget", l_budget },
    { "term_guard", l_term_guard },
    { "term_deadline", l_term_deadline },
    { NULL, NULL },
};

int
mwl_task_open(lua_State *L)
{
    luaL_setfuncs(L, task_funcs, 0);
    return 0;
}
