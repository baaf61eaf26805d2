/* l_engine.c - the event loop, manager sessions and timers for Lua.
 *
 * Calls that wait (requests, sleep, DNS) are C functions that yield the
 * calling task; the completion callback resumes the thread from C with its
 * results. Only a task that ends (returns or raises) goes back to Lua: the
 * scheduler's registry function "moonwalk.after" records it. */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <event2/util.h>

#include "mwlua.h"
#include "../net/engine.h"
#include "../net/udp.h"
#include "../app/v3.h"
#include "../app/fmt.h"
#include "../core/ber.h"

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
    void *spare_walk;          /* owned: a free pending_walk_t (they are big) */
    int anchors_ref;           /* table: slot -> thread waiting on C */
    int *free_slots;           /* owned: recycled anchor slots */
    int nfree, cap_free, top_slot;
    struct lsleep *sleeping;   /* owned: timers of sleeping tasks */
} lengine_t;

typedef union {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
} addr_u;

typedef struct {
    lengine_t *le;
    addr_u peer;
    socklen_t peerlen;
    int resolved;
    int family;                /* hint: AF_INET, AF_INET6, AF_UNSPEC */
    char host[256];
    int port;
    int version;
    char *community;           /* owned */
    size_t community_len;
    uint32_t timeout_ms;
    int retries;
    void *sec;                 /* v3 security state, owned by the USM glue */
    void (*sec_free)(void *);
    int closed;
} lsession_t;

enum { P_PLAIN, P_WALK };

typedef struct {
    lengine_t *le;
    lsession_t *s;
    int thread_ref;
    int kind;
    int allow_nonincreasing;
    int format;                /* walks: hand back net-snmp lines, not tables */
    int skip_exceptions;       /* walks: leave endOfMibView/noSuch* out */
    unsigned fmtflags;
    int has_opts;              /* timeout_ms and retries below, not the session's */
    uint32_t timeout_ms;
    int retries;
} pending_t;

/* A walk step also needs the subtree and where it stands. */
typedef struct {
    pending_t p;
    oid_t root;
    oid_t cur;
} pending_walk_t;

/* Walk steps come one after another: keeping a freed one spares a large
 * malloc each step (which would also make glibc consolidate its fast bins
 * every time). */
static pending_walk_t *
walk_alloc(lengine_t *le)
{
    pending_walk_t *w = le->spare_walk;
    if (w) {
        le->spare_walk = NULL;
        memset(w, 0, sizeof *w);
        return w;
    }
    return calloc(1, sizeof *w);
}

/* Frees a pending_t, or the pending_walk_t it begins. */
static void
pending_free(lengine_t *le, pending_t *p)
{
    if (p->kind == P_WALK && !le->spare_walk)
        le->spare_walk = p;
    else
        free(p);
}

static lengine_t *
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

static void sleep_free_all(lengine_t *le);

static int
l_engine_gc(lua_State *L)
{
    lengine_t *le = luaL_checkudata(L, 1, ENGINE_MT);
    sleep_free_all(le);
    if (le->dns)
        evdns_base_free(le->dns, 0);
    le->dns = NULL;
    engine_free(le->eng);
    le->eng = NULL;
    if (le->base)
        event_base_free(le->base);
    le->base = NULL;
    free(le->scratch);
    le->scratch = NULL;
    free(le->free_slots);
    le->free_slots = NULL;
    free(le->spare_walk);
    le->spare_walk = NULL;
    return 0;
}

/* engine_init() - creates the loop once; later calls are no-ops. */
static int
l_engine_init(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
    if (!lua_isnil(L, -1))
        return 1;
    lua_pop(L, 1);
    lengine_t *le = lua_newuserdatauv(L, sizeof *le, 0);
    memset(le, 0, sizeof *le);
    luaL_setmetatable(L, ENGINE_MT);
    le->base = event_base_new();
    if (!le->base)
        return luaL_error(L, "cannot create event loop");
    le->eng = engine_new(le->base);
    if (!le->eng)
        return luaL_error(L, "cannot create engine");
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    le->L = lua_tothread(L, -1);
    lua_pop(L, 1);
    lua_createtable(L, 256, 0);
    le->anchors_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, ENGINE_KEY);
    return 1;
}

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

/* Resumes co with the n values on top of L. A task that waits again costs
 * nothing more; one that ended goes to the scheduler's "moonwalk.after"
 * (co, ok, results... | error). */
static void
resume_thread(lua_State *L, lua_State *co, int n)
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
    } else if (lua_pcall(L, nres + 2, 0, 0) != LUA_OK) {
        fprintf(stderr, "moonwalk: scheduler error: %s\n", lua_tostring(L, -1));
    }
    lua_settop(L, base);
}

/* Threads waiting on C sit in one table at slots recycled through a C
 * free list (cheaper than registry references, one per request). */
static int
anchor_thread(lengine_t *le, lua_State *L)
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
static void
unanchor(lengine_t *le, lua_State *L, int slot)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, le->anchors_ref);
    lua_pushnil(L);
    lua_rawseti(L, -2, slot);
    lua_pop(L, 1);
    /* free_slots has room for every slot handed out */
    le->free_slots[le->nfree++] = slot;
}

/* Resumes the thread anchored at slot with the n values on top of le->L. */
static void
resume_ref(lengine_t *le, int slot, int n)
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
        resume_thread(L, co, n);
    lua_settop(L, base);
    unanchor(le, L, slot);
}

static int
yield_here(lua_State *L, lengine_t *le, int *ref)
{
    if (!lua_isyieldable(L))
        return luaL_error(L, NOT_IN_TASK);
    *ref = anchor_thread(le, L);
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

/* step([block]) - runs one loop iteration; returns false when nothing is
 * left to wait for. */
static int
l_step(lua_State *L)
{
    lengine_t *le = get_engine(L);
    int block = lua_isnone(L, 1) || lua_toboolean(L, 1);
    int rc = event_base_loop(le->base, block ? EVLOOP_ONCE : EVLOOP_NONBLOCK);
    mwl_alloc_reclaim(L);
    lua_pushboolean(L, rc == 0);
    return 1;
}

static int
l_loopbreak(lua_State *L)
{
    lengine_t *le = get_engine(L);
    event_base_loopbreak(le->base);
    return 0;
}

static int
l_now(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

static int
l_time(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec / 1e9);
    return 1;
}

typedef struct lsleep {
    struct event ev;
    lengine_t *le;
    int ref;
    struct lsleep *prev, *next; /* le->sleeping */
} lsleep_t;

static void
sleep_unlink(lsleep_t *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        t->le->sleeping = t->next;
    if (t->next)
        t->next->prev = t->prev;
}

/* Tasks still asleep when the engine goes: their timers go with it. */
static void
sleep_free_all(lengine_t *le)
{
    while (le->sleeping) {
        lsleep_t *t = le->sleeping;
        le->sleeping = t->next;
        event_del(&t->ev);
        free(t);
    }
}

static void
on_sleep(evutil_socket_t fd, short what, void *arg)
{
    lsleep_t *t = arg;
    (void)fd;
    (void)what;
    lengine_t *le = t->le;
    int ref = t->ref;
    sleep_unlink(t);
    free(t);
    resume_ref(le, ref, 0);
}

static struct timeval
to_tv(double s)
{
    struct timeval tv;
    if (s < 0 || isnan(s))
        s = 0;
    tv.tv_sec = (time_t)s;
    tv.tv_usec = (suseconds_t)((s - (double)tv.tv_sec) * 1e6);
    return tv;
}

/* sleep(seconds) - pauses the calling task. */
static int
l_sleep(lua_State *L)
{
    lengine_t *le = get_engine(L);
    double s = luaL_checknumber(L, 1);
    if (!lua_isyieldable(L))
        return luaL_error(L, NOT_IN_TASK);
    struct timeval tv = to_tv(s);
    int ref;
    yield_here(L, le, &ref);
    lsleep_t *t = malloc(sizeof *t);
    if (!t) {
        unanchor(le, L, ref);
        return luaL_error(L, "out of memory");
    }
    t->le = le;
    t->ref = ref;
    t->prev = NULL;
    t->next = le->sleeping;
    if (t->next)
        t->next->prev = t;
    le->sleeping = t;
    evtimer_assign(&t->ev, le->base, on_sleep, t);
    evtimer_add(&t->ev, &tv);
    return lua_yield(L, 0);
}

typedef struct {
    struct event *ev;
    lengine_t *le;
    int fnref;
} lsignal_t;

static void
on_signal(evutil_socket_t fd, short what, void *arg)
{
    lsignal_t *s = arg;
    lua_State *L = s->le->L;
    int top = lua_gettop(L);
    (void)what;
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->fnref);
    lua_pushinteger(L, fd);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
        fprintf(stderr, "moonwalk: signal handler: %s\n", lua_tostring(L, -1));
    lua_settop(L, top);
}

static int
l_signal_gc(lua_State *L)
{
    lsignal_t *s = luaL_checkudata(L, 1, SIGNAL_MT);
    if (s->ev) {
        event_free(s->ev);
        s->ev = NULL;
        luaL_unref(L, LUA_REGISTRYINDEX, s->fnref);
    }
    return 0;
}

/* on_signal(signum, fn) -> handle (keep it; collecting it removes it) */
static int
l_on_signal(lua_State *L)
{
    lengine_t *le = get_engine(L);
    int sig = (int)luaL_checkinteger(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lsignal_t *s = lua_newuserdatauv(L, sizeof *s, 0);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SIGNAL_MT);
    s->le = le;
    lua_pushvalue(L, 2);
    s->fnref = luaL_ref(L, LUA_REGISTRYINDEX);
    s->ev = evsignal_new(le->base, sig, on_signal, s);
    if (!s->ev || evsignal_add(s->ev, NULL) < 0)
        return luaL_error(L, "cannot watch signal %d", sig);
    return 1;
}

static int
l_stats(lua_State *L)
{
    lengine_t *le = get_engine(L);
    mw_engine_stats_t st;
    engine_stats(le->eng, &st);
    lua_createtable(L, 0, 12);
#define F(x) lua_pushinteger(L, (lua_Integer)st.x); lua_setfield(L, -2, #x)
    F(sent); F(retransmits); F(timeouts); F(received); F(parse_errors);
    F(bad_versions); F(unknown_ids); F(bad_source); F(wrong_pdu); F(queued);
    F(inflight); F(waiting); F(gso_datagrams);
#undef F
    return 1;
}

static int
l_set_max_inflight(lua_State *L)
{
    lengine_t *le = get_engine(L);
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 0, 1, "must be >= 0");
    engine_set_max_inflight(le->eng, (size_t)n);
    return 0;
}

/* free_udp_port([family]) - a port the OS considers free now, for tests. */
static int
l_free_udp_port(lua_State *L)
{
    const char *fam = luaL_optstring(L, 1, "both");
    for (int attempt = 0; attempt < 50; attempt++) {
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in a;
        socklen_t len = sizeof a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0) {
            if (fd >= 0) close(fd);
            return luaL_error(L, "cannot bind: %s", strerror(errno));
        }
        getsockname(fd, (struct sockaddr *)&a, &len);
        int port = ntohs(a.sin_port);
        close(fd);
        if (strcmp(fam, "both") == 0) {
            struct sockaddr_in6 b;
            int fd6 = socket(AF_INET6, SOCK_DGRAM, 0), ok;
            memset(&b, 0, sizeof b);
            b.sin6_family = AF_INET6;
            b.sin6_addr = in6addr_loopback;
            b.sin6_port = htons((uint16_t)port);
            ok = fd6 >= 0 && bind(fd6, (struct sockaddr *)&b, sizeof b) == 0;
            if (fd6 >= 0) close(fd6);
            if (!ok)
                continue;
        }
        lua_pushinteger(L, port);
        return 1;
    }
    return luaL_error(L, "no free port");
}

/* --- sessions ------------------------------------------------------ */

static lsession_t *
check_session(lua_State *L, int idx)
{
    lsession_t *s = luaL_checkudata(L, idx, SESSION_MT);
    if (s->closed)
        luaL_error(L, "session is closed");
    return s;
}

static int
l_session_gc(lua_State *L)
{
    lsession_t *s = luaL_checkudata(L, 1, SESSION_MT);
    free(s->community);
    s->community = NULL;
    if (s->sec && s->sec_free)
        s->sec_free(s->sec);
    s->sec = NULL;
    s->closed = 1;
    return 0;
}

static lua_Integer
field_int(lua_State *L, int t, const char *k, lua_Integer def)
{
    lua_Integer v;
    lua_getfield(L, t, k);
    v = luaL_optinteger(L, -1, def);
    lua_pop(L, 1);
    return v;
}

/* session{host=, port=, family="udp"|"udp6"|nil, version=0|1|3,
 *         community=, timeout_ms=, retries=} */
static int
l_session_new(lua_State *L)
{
    lengine_t *le = get_engine(L);
    const char *host, *fam, *comm;
    size_t clen = 0;
    luaL_checktype(L, 1, LUA_TTABLE);
    lsession_t *s = lua_newuserdatauv(L, sizeof *s, 1);
    memset(s, 0, sizeof *s);
    luaL_setmetatable(L, SESSION_MT);
    s->le = le;
    lua_getfield(L, 1, "host");
    host = luaL_checkstring(L, -1);
    if (strlen(host) >= sizeof s->host)
        return luaL_error(L, "host name too long");
    strcpy(s->host, host);
    lua_pop(L, 1);
    s->port = (int)field_int(L, 1, "port", 161);
    lua_getfield(L, 1, "family");
    fam = luaL_optstring(L, -1, "");
    s->family = strcmp(fam, "udp6") == 0 ? AF_INET6 : strcmp(fam, "udp") == 0 ? AF_INET : AF_UNSPEC;
    lua_pop(L, 1);
    s->version = (int)field_int(L, 1, "version", MW_V2C);
    lua_getfield(L, 1, "community");
    comm = luaL_optlstring(L, -1, "public", &clen);
    s->community = malloc(clen + 1);
    if (!s->community)
        return luaL_error(L, "out of memory");
    memcpy(s->community, comm, clen + 1);
    s->community_len = clen;
    lua_pop(L, 1);
    s->timeout_ms = (uint32_t)field_int(L, 1, "timeout_ms", 1000);
    s->retries = (int)field_int(L, 1, "retries", 5);
    if (udp_literal_addr(s->host, s->port, s->family, &s->peer.ss, &s->peerlen) == 0)
        s->resolved = 1;
    return 1;
}

typedef struct {
    lengine_t *le;
    lsession_t *s;
    int ref;
    int done;
    int ok;
    char err[300];
} lresolve_t;

static void
on_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
    lresolve_t *r = arg;
    if (result == 0 && res) {
        memcpy(&r->s->peer, res->ai_addr, res->ai_addrlen);
        r->s->peerlen = (socklen_t)res->ai_addrlen;
        if (r->s->peer.sa.sa_family == AF_INET)
            r->s->peer.in.sin_port = htons((uint16_t)r->s->port);
        else
            r->s->peer.in6.sin6_port = htons((uint16_t)r->s->port);
        r->s->resolved = 1;
        r->ok = 1;
    } else {
        snprintf(r->err, sizeof r->err, "Unknown host (%s)", r->s->host);
    }
    if (res)
        evutil_freeaddrinfo(res);
    if (r->ref == LUA_NOREF) { /* answered before we yielded */
        r->done = 1;
        return;
    }
    lengine_t *le = r->le;
    int ref = r->ref;
    lua_State *L = le->L;
    if (r->ok) {
        lua_pushboolean(L, 1);
        lua_pushnil(L);
    } else {
        lua_pushnil(L);
        lua_pushstring(L, r->err);
    }
    free(r);
    resume_ref(le, ref, 2);
}

/* s:resolve() -> true | nil, err  (waits for DNS; literal addresses and
 * already-resolved sessions return at once) */
static int
l_session_resolve(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    lengine_t *le = s->le;
    struct evutil_addrinfo hints;
    if (s->resolved) {
        lua_pushboolean(L, 1);
        return 1;
    }
    if (!le->dns) {
        le->dns = evdns_base_new(le->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
        if (!le->dns)
            le->dns = evdns_base_new(le->base, 0);
        if (!le->dns)
            return luaL_error(L, "cannot start the DNS resolver");
    }
    lresolve_t *r = calloc(1, sizeof *r);
    if (!r)
        return luaL_error(L, "out of memory");
    r->le = le;
    r->s = s;
    r->ref = LUA_NOREF;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = s->family;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_protocol = IPPROTO_UDP;
    evdns_getaddrinfo(le->dns, s->host, NULL, &hints, on_resolved, r);
    if (r->done) {
        int ok = r->ok;
        if (ok) {
            lua_pushboolean(L, 1);
        } else {
            lua_pushnil(L);
            lua_pushstring(L, r->err);
        }
        free(r);
        return ok ? 1 : 2;
    }
    /* keep the session alive while DNS runs: the thread holds it */
    yield_here(L, le, &r->ref);
    return lua_yield(L, 0);
}

static void
push_peer(lua_State *L, lsession_t *s)
{
    char buf[INET6_ADDRSTRLEN + 16];
    if (s->resolved) {
        udp_format_addr(&s->peer.sa, buf, sizeof buf);
        lua_pushstring(L, buf);
    } else {
        lua_pushfstring(L, "%s:%d", s->host, s->port);
    }
}

static int
l_session_peer(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    push_peer(L, s);
    return 1;
}

/* Pushes a varbind list table for pdu. */
static void
push_varbinds(lua_State *L, const mw_pdu_t *pdu, size_t from, size_t to)
{
    lua_createtable(L, (int)(to - from), 0);
    for (size_t i = from; i < to; i++) {
        mwl_push_varbind_cached(L, &pdu->vbs[i]);
        lua_rawseti(L, -2, (lua_Integer)(i - from + 1));
    }
}

/* Results of a plain request:
 *   vbs                               on success
 *   nil, kind, message, status, index, vbs   on failure */
static int
push_failure(lua_State *L, int status)
{
    lua_pushnil(L);
    if (status == MW_REQ_TIMEOUT) {
        lua_pushliteral(L, "timeout");
        lua_pushliteral(L, "Timeout");
    } else if (status == MW_REQ_SENDFAIL) {
        lua_pushliteral(L, "send");
        lua_pushliteral(L, "send failed");
    } else if (status == MW_REQ_CANCELLED) {
        lua_pushliteral(L, "cancelled");
        lua_pushliteral(L, "cancelled");
    } else {
        lua_pushliteral(L, "error");
        lua_pushstring(L, mw_strerror(status));
    }
    return 3;
}

/* A v3 Report-PDU that completed a request (unknown user, wrong digest,
 * ...): nil, "report", net-snmp's message, the counter's name, 0, vbs */
static int
push_report(lua_State *L, const mw_msg_t *m)
{
    int kind = v3_report_kind(&m->pdu);
    lua_pushnil(L);
    lua_pushliteral(L, "report");
    lua_pushstring(L, v3_report_text(kind));
    lua_pushstring(L, v3_report_name(kind));
    lua_pushinteger(L, 0);
    push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
    return 6;
}

/* An error-status in a response: nil, "status", name, code, index, vbs */
static int
push_status(lua_State *L, const mw_msg_t *m)
{
    lua_pushnil(L);
    lua_pushliteral(L, "status");
    lua_pushstring(L, mw_errstatus_name(m->pdu.error_status));
    lua_pushinteger(L, m->pdu.error_status);
    lua_pushinteger(L, m->pdu.error_index);
    push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
    return 6;
}

static void
on_plain(mw_req_t *req, int status, const mw_msg_t *m, void *arg)
{
    pending_t *p = arg;
    lengine_t *le = p->le;
    lua_State *L = le->L;
    int n;
    (void)req;
    lua_checkstack(L, 10);
    if (status != 0) {
        n = push_failure(L, status);
    } else if (m->pdu.type == MW_PDU_REPORT) {
        n = push_report(L, m);
    } else if (m->pdu.error_status != 0) {
        n = push_status(L, m);
    } else {
        push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
        n = 1;
    }
    int ref = p->thread_ref;
    free(p);
    resume_ref(le, ref, n);
}

/* Walk step results:
 *   vbs, "more"|"end"                 the varbinds inside the subtree, in order
 *   vbs, "notincreasing", prev, bad   (bad is the last of vbs)
 *   nil, kind, message, status, index on failure (tooBig comes as status) */
/* Is the BER-encoded name strictly inside the subtree under root? */
static int
in_subtree(const oid_t *root, const uint8_t *rootber, size_t rootlen, const uint8_t *p, size_t n)
{
    if (root->len >= 2)
        return n >= rootlen && memcmp(p, rootber, rootlen) == 0;
    if (root->len == 0)
        return n > 0;
    /* one arc: look at the first sub-identifier, which carries two arcs */
    uint64_t v;
    if (ber_read_subid(p, n, BER_SUBID_FIRST_MAX, &v) < 0)
        return 0;
    uint32_t a0 = v < 40 ? 0 : v < 80 ? 1 : 2;
    return a0 == root->arcs[0];
}

static void
on_walk(mw_req_t *req, int status, const mw_msg_t *m, void *arg)
{
    pending_walk_t *w = arg;
    pending_t *p = &w->p;
    lengine_t *le = p->le;
    lua_State *L = le->L;
    int n;
    (void)req;
    lua_checkstack(L, 10);
    if (status != 0) {
        n = push_failure(L, status);
    } else if (m->pdu.type == MW_PDU_REPORT) {
        n = push_report(L, m);
    } else if (m->pdu.error_status != 0) {
        if (m->pdu.error_status == MW_ERR_NOSUCHNAME && p->s->version == MW_V1) {
            lua_createtable(L, 0, 0);
            lua_pushliteral(L, "endofmib");
            n = 2;
        } else {
            n = push_status(L, m);
        }
    } else {
        uint8_t rootber[OID_MAX_LEN * 5], curber[OID_MAX_LEN * 5];
        int rootlen = oid_encode(&w->root, rootber, sizeof rootber);
        int curlen = oid_encode(&w->cur, curber, sizeof curber);
        const char *state = m->pdu.nvb == 0 ? "end" : "more";
        const uint8_t *prev = curber;
        size_t prevlen = curlen > 0 ? (size_t)curlen : 0;
        size_t i, k = 0;
        int notinc = 0;
        if (rootlen < 0)
            rootlen = 0;
        /* the same rules as snmpwalk/snmpbulkwalk: a name outside the
         * subtree ends the walk and is skipped; an exception is delivered
         * and ends it; every name must sort after the request's name
         * (else it is delivered, then reported); the rest of the response
         * is still delivered, as net-snmp prints it */
        size_t bad = (size_t)-1;
        const mw_varbind_t *last = NULL;
        luaL_Buffer lb;
        lua_createtable(L, p->format ? 1 : (int)m->pdu.nvb, 2);
        if (p->format)
            luaL_buffinit(L, &lb);
        for (i = 0; i < m->pdu.nvb; i++) {
            const mw_varbind_t *vb = &m->pdu.vbs[i];
            if (!in_subtree(&w->root, rootber, (size_t)rootlen, vb->oid, vb->oid_len)) {
                state = "end";
                continue;
            }
            int exception = vb->val.type == MW_T_ENDOFMIBVIEW || vb->val.type == MW_T_NOSUCHOBJECT
                            || vb->val.type == MW_T_NOSUCHINSTANCE;
            if (exception && p->skip_exceptions && !p->format) {
                state = "end";
                continue;
            }
            if (p->format) {
                size_t need = fmt_need(vb) + 1;
                char *line = luaL_prepbuffsize(&lb, need);
                size_t len = fmt_varbind(vb, p->fmtflags, line, need);
                if (len >= need)
                    len = need - 1;
                line[len++] = '\n';
                luaL_addsize(&lb, len);
                k++;
            } else {
                mwl_push_varbind(L, vb);
                lua_rawseti(L, -2, (lua_Integer)++k);
            }
            if (exception) {
                state = "end";
                continue;
            }
            last = vb;
            if (bad == (size_t)-1 && !p->allow_nonincreasing
                && oid_ber_cmp(prev, prevlen, vb->oid, vb->oid_len) >= 0) {
                notinc = 1;
                bad = i;
            }
        }
        if (p->format) {
            /* one chunk of output lines, their count, and where to go on */
            luaL_pushresult(&lb);
            lua_rawseti(L, -2, 1);
            lua_pushinteger(L, (lua_Integer)k);
            lua_setfield(L, -2, "n");
            if (last) {
                char o[OID_MAX_LEN * 11 + 1];
                int ol = oid_ber_format(last->oid, last->oid_len, o, sizeof o);
                lua_pushlstring(L, o, ol > 0 ? (size_t)ol : 0);
                lua_setfield(L, -2, "last");
            }
        }
        i = bad;
        if (notinc) {
            char a[OID_MAX_LEN * 11 + 1], b[OID_MAX_LEN * 11 + 1];
            int la = oid_ber_format(prev, prevlen, a, sizeof a);
            int lb = oid_ber_format(m->pdu.vbs[i].oid, m->pdu.vbs[i].oid_len, b, sizeof b);
            lua_pushliteral(L, "notincreasing");
            lua_pushlstring(L, a, la > 0 ? (size_t)la : 0);
            lua_pushlstring(L, b, lb > 0 ? (size_t)lb : 0);
            n = 4;
        } else {
            lua_pushstring(L, state);
            n = 2;
        }
    }
    int ref = p->thread_ref;
    pending_free(le, &w->p);
    resume_ref(le, ref, n);
}

static uint8_t *
scratch(lengine_t *le, size_t need)
{
    if (need > le->scratch_cap) {
        uint8_t *p = realloc(le->scratch, need);
        if (!p)
            return NULL;
        le->scratch = p;
        le->scratch_cap = need;
    }
    return le->scratch;
}

/* p may be the first member of a pending_walk_t: freeing p frees it. */
static int
send_and_yield(lua_State *L, lsession_t *s, mw_msg_t *m, pending_t *p)
{
    int err = 0;
    if (!s->resolved) {
        pending_free(s->le, p);
        return luaL_error(L, "session not resolved (call resolve first)");
    }
    if (!lua_isyieldable(L)) {
        pending_free(s->le, p);
        return luaL_error(L, NOT_IN_TASK);
    }
    p->le = s->le;
    p->s = s;
    yield_here(L, s->le, &p->thread_ref);
    mw_req_t *r = engine_request(s->le->eng, &s->peer.sa, s->peerlen, m,
                                 p->has_opts ? p->timeout_ms : s->timeout_ms,
                                 p->has_opts ? p->retries : s->retries,
                                 p->kind == P_WALK ? on_walk : on_plain, p, s->sec, &err);
    if (!r) {
        unanchor(s->le, L, p->thread_ref);
        pending_free(s->le, p);
        lua_pushnil(L);
        lua_pushliteral(L, "error");
        lua_pushstring(L, mw_strerror(err));
        return 3;
    }
    return lua_yield(L, 0);
}

static void
msg_init(mw_msg_t *m, lsession_t *s, uint8_t type, mw_varbind_t *vbs, size_t cap)
{
    memset(m, 0, sizeof *m);
    m->version = s->version;
    m->community = (const uint8_t *)s->community;
    m->community_len = (uint32_t)s->community_len;
    m->pdu.type = type;
    m->pdu.vbs = vbs;
    m->pdu.cap = cap;
}

/* The BER of OIDs a script gave as numeric text lately: polling names the
 * same OIDs again and again. Picked by the string's address, checked by
 * its content, so a miss is the worst a collision can do. */
#define TXC_SLOTS 256
#define TXC_MAX 64
static struct {
    uint8_t tlen, blen;
    char text[TXC_MAX];
    uint8_t ber[TXC_MAX];
} txc[TXC_SLOTS];

static unsigned
txc_slot(const char *p)
{
    uintptr_t a = (uintptr_t)p;
    return (unsigned)((a >> 4) ^ (a >> 12)) & (TXC_SLOTS - 1);
}

/* Encodes the OID at the top of the stack into out (cap bytes). Returns
 * its length; -1 with an error message pushed for a bad OID; -2 for one
 * BER cannot carry. */
static int
encode_name(lua_State *L, uint8_t *out, size_t cap)
{
    size_t n = 0;
    const char *text = lua_type(L, -1) == LUA_TSTRING ? lua_tolstring(L, -1, &n) : NULL;
    unsigned slot = 0;
    if (text && n <= TXC_MAX) {
        slot = txc_slot(text);
        if (txc[slot].tlen == n && n > 0 && memcmp(txc[slot].text, text, n) == 0
            && txc[slot].blen <= cap) {
            memcpy(out, txc[slot].ber, txc[slot].blen);
            return txc[slot].blen;
        }
    }
    oid_t o;
    if (mwl_tooid(L, -1, &o) < 0)
        return -1;
    int k = oid_encode(&o, out, cap);
    if (k < 0)
        return -2;
    if (text && n > 0 && n <= TXC_MAX && k <= TXC_MAX && mwl_is_numeric_oid(text, n)) {
        txc[slot].tlen = (uint8_t)n;
        txc[slot].blen = (uint8_t)k;
        memcpy(txc[slot].text, text, n);
        memcpy(txc[slot].ber, out, (size_t)k);
    }
    return k;
}

/* Fills m's varbinds with NULL values for the OIDs in table t. */
static void
names_from(lua_State *L, int t, lsession_t *s, mw_msg_t *m)
{
    int single = lua_type(L, t) != LUA_TTABLE;
    lua_Integer n = single ? 1 : luaL_len(L, t);
    if (n < 0 || n > 4096)
        luaL_error(L, "too many OIDs");
    size_t per = sizeof(mw_varbind_t) + OID_MAX_LEN * 5;
    uint8_t *buf = scratch(s->le, (size_t)(n ? n : 1) * per);
    if (!buf)
        luaL_error(L, "out of memory");
    mw_varbind_t *vbs = (mw_varbind_t *)buf;
    uint8_t *oidbuf = buf + sizeof(mw_varbind_t) * (size_t)n;
    m->pdu.vbs = vbs;
    m->pdu.cap = (size_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        if (single)
            lua_pushvalue(L, t);
        else
            lua_geti(L, t, i);
        int k = encode_name(L, oidbuf, OID_MAX_LEN * 5);
        if (k == -2)
            luaL_error(L, "OID %d cannot be encoded", (int)i);
        if (k < 0)
            luaL_error(L, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
        vbs[i - 1].oid = oidbuf;
        vbs[i - 1].oid_len = (uint32_t)k;
        vbs[i - 1].val.type = MW_T_NULL;
        vbs[i - 1].val.len = 0;
        vbs[i - 1].val.p = NULL;
        oidbuf += k;
    }
    m->pdu.nvb = (size_t)n;
}

static int
plain_request(lua_State *L, uint8_t type)
{
    lsession_t *s = check_session(L, 1);
    mw_msg_t m;
    int t = type == MW_PDU_GETBULK ? 4 : 2;
    if (type == MW_PDU_SET || type == MW_PDU_INFORM)
        luaL_checktype(L, t, LUA_TTABLE);
    else
        luaL_argcheck(L, !lua_isnoneornil(L, t), t, "OID or list of OIDs expected");
    msg_init(&m, s, type, NULL, 0);
    if (type == MW_PDU_SET || type == MW_PDU_INFORM) {
        lua_Integer n = luaL_len(L, t);
        if (n < 0 || n > 4096)
            return luaL_error(L, "too many varbinds");
        size_t per = sizeof(mw_varbind_t) + 2 * OID_MAX_LEN * 5;
        uint8_t *buf = scratch(s->le, (size_t)(n ? n : 1) * per + sizeof(mwl_arena_t));
        if (!buf)
            return luaL_error(L, "out of memory");
        mwl_arena_t arena = { buf + sizeof(mw_varbind_t) * (size_t)n, 0, (size_t)n * 2 * OID_MAX_LEN * 5 };
        m.pdu.vbs = (mw_varbind_t *)buf;
        m.pdu.cap = (size_t)n;
        mwl_read_varbinds(L, t, &m.pdu, &arena);
    } else {
        names_from(L, t, s, &m);
    }
    if (type == MW_PDU_GETBULK) {
        lua_Integer nr = luaL_checkinteger(L, 2), mr = luaL_checkinteger(L, 3);
        luaL_argcheck(L, nr >= 0 && nr <= INT32_MAX, 2, "non-repeaters out of range");
        luaL_argcheck(L, mr >= 0 && mr <= INT32_MAX, 3, "max-repetitions out of range");
        if (s->version == MW_V1)
            return luaL_error(L, "GETBULK needs SNMPv2c or v3");
        m.pdu.error_status = (int32_t)nr;
        m.pdu.error_index = (int32_t)mr;
    }
    /* per-call options after the OIDs: { timeout = seconds, retries = n } */
    uint32_t timeout_ms = s->timeout_ms;
    int retries = s->retries, has_opts = 0;
    if (lua_type(L, t + 1) == LUA_TTABLE) {
        has_opts = 1;
        if (lua_getfield(L, t + 1, "timeout") != LUA_TNIL) {
            lua_Number v = lua_tonumber(L, -1);
            luaL_argcheck(L, lua_isnumber(L, -1) && v > 0 && v < 86400, t + 1,
                          "timeout must be a positive number of seconds");
            timeout_ms = (uint32_t)(v * 1000 + 0.5);
            if (timeout_ms == 0)
                timeout_ms = 1;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, t + 1, "retries") != LUA_TNIL) {
            int isint;
            lua_Integer v = lua_tointegerx(L, -1, &isint);
            luaL_argcheck(L, isint && v >= 0 && v <= 100, t + 1, "retries must be an integer from 0 to 100");
            retries = (int)v;
        }
        lua_pop(L, 1);
    } else if (!lua_isnoneornil(L, t + 1)) {
        return luaL_argerror(L, t + 1, "options table expected");
    }
    pending_t *p = calloc(1, sizeof *p);
    if (!p)
        return luaL_error(L, "out of memory");
    p->kind = P_PLAIN;
    p->has_opts = has_opts;
    p->timeout_ms = timeout_ms;
    p->retries = retries;
    return send_and_yield(L, s, &m, p);
}

static int l_get(lua_State *L) { return plain_request(L, MW_PDU_GET); }
static int l_getnext(lua_State *L) { return plain_request(L, MW_PDU_GETNEXT); }
static int l_getbulk(lua_State *L) { return plain_request(L, MW_PDU_GETBULK); }
static int l_set(lua_State *L) { return plain_request(L, MW_PDU_SET); }
static int l_inform(lua_State *L) { return plain_request(L, MW_PDU_INFORM); }

/* s:trap(varbinds [, v1]) - sends an SNMPv2-Trap (or, for a v1 session, a
 * Trap-PDU built from v1 = {enterprise=, agent_addr=, generic_trap=,
 * specific_trap=, timestamp=}) once. Returns true or nil, err. */
static int
l_trap(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    mw_msg_t m;
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!s->resolved)
        return luaL_error(L, "session not resolved (call resolve first)");
    lua_Integer n = luaL_len(L, 2);
    if (n < 0 || n > 4096)
        return luaL_error(L, "too many varbinds");
    size_t per = sizeof(mw_varbind_t) + 2 * OID_MAX_LEN * 5;
    uint8_t *buf = scratch(s->le, (size_t)(n + 1) * per);
    if (!buf)
        return luaL_error(L, "out of memory");
    mwl_arena_t arena = { buf + sizeof(mw_varbind_t) * (size_t)n, 0, (size_t)(n + 1) * 2 * OID_MAX_LEN * 5 };
    msg_init(&m, s, s->version == MW_V1 ? MW_PDU_TRAPV1 : MW_PDU_TRAPV2, (mw_varbind_t *)buf, (size_t)n);
    mwl_read_varbinds(L, 2, &m.pdu, &arena);
    if (s->version == MW_V1) {
        oid_t ent;
        int k;
        uint8_t *p = mwl_arena_alloc(&arena, OID_MAX_LEN * 5);
        luaL_checktype(L, 3, LUA_TTABLE);
        lua_getfield(L, 3, "enterprise");
        mwl_checkoid(L, -1, &ent);
        lua_pop(L, 1);
        if (!p || (k = oid_encode(&ent, p, OID_MAX_LEN * 5)) < 0)
            return luaL_error(L, "bad enterprise OID");
        m.pdu.enterprise = p;
        m.pdu.enterprise_len = (uint32_t)k;
        lua_getfield(L, 3, "agent_addr");
        if (inet_pton(AF_INET, luaL_optstring(L, -1, "0.0.0.0"), m.pdu.agent_addr) != 1)
            return luaL_error(L, "bad agent_addr");
        lua_pop(L, 1);
        m.pdu.generic_trap = (int32_t)field_int(L, 3, "generic_trap", 6);
        m.pdu.specific_trap = (int32_t)field_int(L, 3, "specific_trap", 0);
        m.pdu.timestamp = (uint32_t)field_int(L, 3, "timestamp", 0);
    }
    int rc = engine_send_oneway(s->le->eng, &s->peer.sa, s->peerlen, &m, s->sec);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, rc > -100 && rc < 0 && rc >= MW_ENOTSUPP ? mw_strerror(rc) : strerror(-rc));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* s:walk_step(root, cur, max_repetitions (0: GETNEXT), allow_nonincreasing
 *             [, format [, skip_exceptions]]) - with format (net-snmp -O
 * letters), the varbinds come back as one chunk of finished output lines
 * ([1]), with their count (n) and the last name to continue from (last);
 * with skip_exceptions, endOfMibView and noSuch* varbinds end the walk
 * without being handed back. */
static int
l_walk_step(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    pending_walk_t *w = walk_alloc(s->le);
    pending_t *p = &w->p;
    mw_msg_t m;
    mw_varbind_t vb;
    uint8_t curber[OID_MAX_LEN * 5];
    int k;
    if (!w)
        return luaL_error(L, "out of memory");
    if (mwl_tooid(L, 2, &w->root) < 0 || mwl_tooid(L, 3, &w->cur) < 0) {
        pending_free(s->le, &w->p);
        return luaL_error(L, "%s", lua_tostring(L, -1));
    }
    lua_Integer mr = luaL_optinteger(L, 4, 0);
    p->allow_nonincreasing = lua_toboolean(L, 5);
    p->skip_exceptions = lua_toboolean(L, 7);
    if (lua_type(L, 6) == LUA_TSTRING) {
        p->format = 1;
        p->fmtflags = fmt_flags(lua_tostring(L, 6));
    }
    p->kind = P_WALK;
    k = oid_encode(&w->cur, curber, sizeof curber);
    if (k < 0) {
        pending_free(s->le, &w->p);
        return luaL_error(L, "bad OID");
    }
    memset(&vb, 0, sizeof vb);
    vb.oid = curber;
    vb.oid_len = (uint32_t)k;
    vb.val.type = MW_T_NULL;
    if (mr > 0 && s->version != MW_V1) {
        msg_init(&m, s, MW_PDU_GETBULK, &vb, 1);
        m.pdu.error_status = 0;
        m.pdu.error_index = (int32_t)(mr > INT32_MAX ? INT32_MAX : mr);
    } else {
        msg_init(&m, s, MW_PDU_GETNEXT, &vb, 1);
    }
    m.pdu.nvb = 1;
    return send_and_yield(L, s, &m, p);
}

static int
l_session_set(lua_State *L)
{
    lsession_t *s = check_session(L, 1);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "timeout_ms") == 0)
        s->timeout_ms = (uint32_t)luaL_checkinteger(L, 3);
    else if (strcmp(k, "retries") == 0)
        s->retries = (int)luaL_checkinteger(L, 3);
    else if (strcmp(k, "community") == 0) {
        size_t n;
        const char *c = luaL_checklstring(L, 3, &n);
        char *copy = malloc(n + 1);
        if (!copy)
            return luaL_error(L, "out of memory");
        memcpy(copy, c, n + 1);
        free(s->community);
        s->community = copy;
        s->community_len = n;
    } else
        return luaL_error(L, "unknown session field %s", k);
    return 0;
}

static int
l_session_close(lua_State *L)
{
    return l_session_gc(L);
}

/* Lets the USM glue attach its state: used by l_usm glue. */
void mwl_session_set_sec(lua_State *L, int idx, void *sec, void (*fr)(void *));
void
mwl_session_set_sec(lua_State *L, int idx, void *sec, void (*fr)(void *))
{
    lsession_t *s = check_session(L, idx);
    if (s->sec && s->sec_free)
        s->sec_free(s->sec);
    s->sec = sec;
    s->sec_free = fr;
}

mw_engine_t *mwl_engine(lua_State *L);
mw_engine_t *
mwl_engine(lua_State *L)
{
    return get_engine(L)->eng;
}

struct event_base *
mwl_event_base(lua_State *L)
{
    return get_engine(L)->base;
}

/* For other bindings (agent, receiver): resume a task by ref with n values
 * on top of the main thread's stack. */
void
mwl_resume_ref(lua_State *L, int ref, int n)
{
    resume_ref(get_engine(L), ref, n);
}

int
mwl_wait_ref(lua_State *L)
{
    int ref;
    yield_here(L, get_engine(L), &ref);
    return ref;
}

void
mwl_drop_ref(lua_State *L, int ref)
{
    unanchor(get_engine(L), L, ref);
}

lua_State *
mwl_main_thread(lua_State *L)
{
    return get_engine(L)->L;
}

/* --- batches: one task, many requests, one wake-up ------------------ */

typedef struct {
    lengine_t *le;
    int thread_ref;
    int results_ref;           /* Lua table of results, by index */
    size_t remaining;
} lgroup_t;

typedef struct {
    lgroup_t *g;
    lua_Integer index;
} lbatch_t;

static void
on_batch(mw_req_t *req, int status, const mw_msg_t *m, void *arg)
{
    lbatch_t *b = arg;
    lgroup_t *g = b->g;
    lua_State *L = g->le->L;
    int top = lua_gettop(L);
    (void)req;
    lua_checkstack(L, 12);
    lua_rawgeti(L, LUA_REGISTRYINDEX, g->results_ref);
    int rt = lua_gettop(L);
    /* each result: { varbinds = ... } or { error = {kind, message, status, index, vbs} } */
    lua_createtable(L, 0, 1);
    if (status == 0 && m->pdu.error_status == 0 && m->pdu.type != MW_PDU_REPORT) {
        push_varbinds(L, &m->pdu, 0, m->pdu.nvb);
        lua_setfield(L, -2, "varbinds");
    } else {
        int n;
        int base = lua_gettop(L);
        if (status != 0) {
            n = push_failure(L, status);
        } else if (m->pdu.type == MW_PDU_REPORT) {
            lua_pushnil(L);
            lua_pushliteral(L, "report");
            lua_pushliteral(L, "report");
            n = 3;
        } else {
            n = push_status(L, m);
        }
        lua_createtable(L, n - 1, 0);
        for (int i = 2; i <= n; i++) {
            lua_pushvalue(L, base + i);
            lua_rawseti(L, -2, i - 1);
        }
        lua_setfield(L, base, "error");
        lua_settop(L, base);
    }
    lua_rawseti(L, rt, b->index);
    lua_settop(L, top);
    free(b);
    if (--g->remaining == 0) {
        lengine_t *le = g->le;
        int ref = g->thread_ref;
        lua_rawgeti(L, LUA_REGISTRYINDEX, g->results_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, g->results_ref);
        free(g);
        resume_ref(le, ref, 1);
    }
}

/* batch(list) - list[i] = { csession, "get"|"getnext", {oids} }; sends all,
 * waits once, returns the raw results table: results[i] = {varbinds=} or
 * {error={kind, message, status, index, vbs}}. */
static int
l_batch(lua_State *L)
{
    lengine_t *le = get_engine(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    lua_createtable(L, (int)n, 0);
    int results = lua_gettop(L);
    if (n == 0)
        return 1;
    lgroup_t *g = calloc(1, sizeof *g);
    if (!g)
        return luaL_error(L, "out of memory");
    g->le = le;
    /* build and check every request before sending any */
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        luaL_argcheck(L, lua_istable(L, -1), 1, "each request is {session, kind, oids}");
        lua_geti(L, -1, 1);
        lsession_t *s = check_session(L, -1);
        if (!s->resolved) {
            free(g);
            return luaL_error(L, "request %d: session not resolved", (int)i);
        }
        lua_pop(L, 2);
    }
    yield_here(L, le, &g->thread_ref);
    lua_pushvalue(L, results);
    g->results_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    g->remaining = (size_t)n;
    for (lua_Integer i = 1; i <= n; i++) {
        mw_msg_t m;
        int err = 0;
        lua_geti(L, 1, i);
        int rq = lua_gettop(L);
        lua_geti(L, rq, 1);
        lsession_t *s = check_session(L, -1);
        lua_geti(L, rq, 2);
        const char *kind = luaL_optstring(L, -1, "get");
        uint8_t type = strcmp(kind, "getnext") == 0 ? MW_PDU_GETNEXT : MW_PDU_GET;
        lua_geti(L, rq, 3);
        msg_init(&m, s, type, NULL, 0);
        names_from(L, lua_gettop(L), s, &m);
        lbatch_t *b = malloc(sizeof *b);
        if (!b)
            return luaL_error(L, "out of memory");
        b->g = g;
        b->index = i;
        if (!engine_request(le->eng, &s->peer.sa, s->peerlen, &m, s->timeout_ms, s->retries,
                            on_batch, b, s->sec, &err)) {
            /* an immediate failure is a result like any other */
            lua_createtable(L, 0, 1);
            lua_createtable(L, 2, 0);
            lua_pushliteral(L, "error");
            lua_rawseti(L, -2, 1);
            lua_pushstring(L, mw_strerror(err));
            lua_rawseti(L, -2, 2);
            lua_setfield(L, -2, "error");
            lua_rawseti(L, results, i);
            free(b);
            g->remaining--;
        }
        lua_settop(L, results);
    }
    if (g->remaining == 0) {
        /* nothing went out: answer now, without yielding */
        unanchor(le, L, g->thread_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, g->results_ref);
        free(g);
        lua_settop(L, results);
        return 1;
    }
    return lua_yield(L, 0);
}

static const luaL_Reg session_methods[] = {
    { "get", l_get },
    { "getnext", l_getnext },
    { "getbulk", l_getbulk },
    { "set", l_set },
    { "walk_step", l_walk_step },
    { "inform", l_inform },
    { "trap", l_trap },
    { "resolve", l_session_resolve },
    { "peer", l_session_peer },
    { "setopt", l_session_set },
    { "close", l_session_close },
    { NULL, NULL },
};

static const luaL_Reg engine_funcs[] = {
    { "engine_init", l_engine_init },
    { "step", l_step },
    { "loopbreak", l_loopbreak },
    { "now", l_now },
    { "time", l_time },
    { "sleep", l_sleep },
    { "on_signal", l_on_signal },
    { "stats", l_stats },
    { "set_max_inflight", l_set_max_inflight },
    { "free_udp_port", l_free_udp_port },
    { "session", l_session_new },
    { "batch", l_batch },
    { "resume", l_resume },
    { "budget", l_budget },
    { "term_guard", l_term_guard },
    { "term_deadline", l_term_deadline },
    { NULL, NULL },
};

int
mwl_engine_open(lua_State *L)
{
    if (luaL_newmetatable(L, ENGINE_MT)) {
        lua_pushcfunction(L, l_engine_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, SIGNAL_MT)) {
        lua_pushcfunction(L, l_signal_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, SESSION_MT)) {
        lua_pushcfunction(L, l_session_gc);
        lua_setfield(L, -2, "__gc");
        luaL_newlib(L, session_methods);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    luaL_setfuncs(L, engine_funcs, 0);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}
