/* l_agent.c - the embedded agent for Lua: the agent object, and the Lua
 * backends (scalars with a value or getter/setter/check, and handler
 * regions whose get/next/check/commit/undo are Lua functions; tables and
 * subtree handlers in moonwalk.agent are built on the latter).
 *
 * Every call into Lua runs under pcall with a traceback handler; an error
 * or a value of the wrong type is logged once per object and answered
 * with genErr. Lua runs on the main thread from the socket callback, so
 * getters must not wait. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "l_agent.h"
#include "l_snmpengine.h"
#include "l_call.h"
#include "../app/host.h"
#include "../usm/usm.h"

/* An object whose getter was stopped by the instruction budget (or ran
 * out of memory) is not run again for a while: requests that reach it are
 * answered genErr at once, so one client hammering a slow object cannot
 * starve the others. The period starts at BACKOFF_MIN seconds and doubles,
 * up to BACKOFF_MAX, while the object keeps failing that way; a call that
 * ends normally clears it. */
#define BACKOFF_MIN 1.0
#define BACKOFF_MAX 64.0
typedef struct {
    double until;        /* monotonic seconds; 0: not backing off */
    double period;
} backoff_t;

typedef struct {
    lagent_t *la;
    uint8_t type;        /* declared SMI tag */
    int rw;
    int get_ref, set_ref, check_ref;
    int has_value;       /* value kept here (no getter) */
    mw_value_t val;
    uint8_t *buf;        /* owned: octets of val */
    int logged;
    backoff_t bo;        /* of the getter */
} lscalar_t;

typedef struct {
    lagent_t *la;
    int ref;             /* handler table */
    int logged;
    backoff_t bo;        /* of get and next */
} lhandler_t;

/* --- calling Lua ---------------------------------------------------------- */

/* Logs msg (on top of L's stack, popped) once per object. */
static void
log_once(lagent_t *la, int *logged, const agent_region_t *r, const char *what)
{
    lua_State *L = la->L;
    char name[OID_MAX_LEN * 11 + 1];
    if (*logged) {
        lua_pop(L, 1);
        la->where[0] = '\0';
        return;
    }
    *logged = 1;
    oid_format(&r->root, name, sizeof name);
    lua_pushfstring(L, "agent: %s%s for %s failed (answered genErr; logged once): %s", what, la->where,
                    name, lua_tostring(L, -1));
    la->where[0] = '\0';
    lua_remove(L, -2);
    if (la->log_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, la->log_ref);
        lua_insert(L, -2);
        mwl_pcall(L, 1, 0, "agent log");
    } else {
        mwl_log_error(L);
    }
}

#define BUDGET_DEFAULT 10000000

/* Calls the function below nargs arguments on top of the stack through
 * mwl_pcall_keep, under the agent's budget; leaves nres results or the
 * error message (with its traceback). *stopped: the budget stopped it. */
static int
pcall_st(lagent_t *la, int nargs, int nres, int *stopped)
{
    mwl_call_t c = { .budget = la->budget };
    int rc = mwl_pcall_keep(la->L, nargs, nres, &c);
    if (stopped)
        *stopped = c.stopped;
    memcpy(la->where, c.where, sizeof la->where);
    return rc;
}

static int
pcall(lagent_t *la, int nargs, int nres)
{
    return pcall_st(la, nargs, nres, NULL);
}

static double
mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* pcall() for a getter under back-off b: while b is running, the function
 * and its arguments are replaced by an error message without a call. */
static int
pcall_guarded(lagent_t *la, int nargs, int nres, backoff_t *b)
{
    lua_State *L = la->L;
    if (b->until > 0) {
        double now = mono_now();
        if (now < b->until) {
            lua_pop(L, nargs + 1);
            la->where[0] = '\0';
            lua_pushfstring(L, "not run for %d s after it was stopped (answered genErr)",
                            (int)b->period);
            return LUA_ERRRUN;
        }
    }
    int stopped;
    int rc = pcall_st(la, nargs, nres, &stopped);
    if (rc == LUA_ERRMEM || stopped) {
        b->period = b->period > 0 ? b->period * 2 : BACKOFF_MIN;
        if (b->period > BACKOFF_MAX)
            b->period = BACKOFF_MAX;
        b->until = mono_now() + b->period;
    } else if (rc == LUA_OK) {
        b->until = 0;
        b->period = 0;
    }
    return rc;
}

/* Converts the Lua value at idx (plain, or a typed {type=, value=}) to v
 * with the declared tag; strings are copied into the request arena.
 * 0, or -1 with a message pushed. */
static int
to_value(lua_State *L, int idx, uint8_t tag, agent_req_t *rq, mw_value_t *v)
{
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    if (t == LUA_TTABLE && !mwl_testoid(L, idx)) {
        lua_getfield(L, idx, "type");
        const char *tn = lua_tostring(L, -1);
        int vt = tn ? mwl_type_tag(tn) : -1;
        if (vt < 0 && tn == NULL) {
            lua_pop(L, 1);
            goto plain; /* an OID given as a table of arcs */
        }
        if (vt != tag) {
            lua_pushfstring(L, "returned a %s, expected %s", tn ? tn : "?", mwl_type_name(tag));
            lua_remove(L, -2);
            return -1;
        }
        lua_pop(L, 1);
        lua_getfield(L, idx, "value");
        int rc = to_value(L, -1, tag, rq, v);
        if (rc < 0) {
            lua_remove(L, -2);
            return -1;
        }
        lua_pop(L, 1);
        return 0;
    }
plain:
    switch (tag) {
    case MW_T_INTEGER: case MW_T_COUNTER32: case MW_T_GAUGE32: case MW_T_TIMETICKS:
    case MW_T_UINTEGER32: case MW_T_COUNTER64:
        if (t != LUA_TNUMBER || !lua_isinteger(L, idx)) {
            if (!(tag == MW_T_COUNTER64 && t == LUA_TSTRING)) {
                lua_pushfstring(L, "returned a %s, expected %s", luaL_typename(L, idx),
                                mwl_type_name(tag));
                return -1;
            }
        }
        break;
    case MW_T_OCTETSTR: case MW_T_OPAQUE: case MW_T_NSAP: case MW_T_IPADDR:
        if (t != LUA_TSTRING) {
            lua_pushfstring(L, "returned a %s, expected %s", luaL_typename(L, idx),
                            mwl_type_name(tag));
            return -1;
        }
        break;
    case MW_T_OID:
        if (t != LUA_TSTRING && t != LUA_TTABLE && !mwl_testoid(L, idx)) {
            lua_pushfstring(L, "returned a %s, expected OID", luaL_typename(L, idx));
            return -1;
        }
        break;
    default:
        break;
    }
    uint8_t small[8];
    uint8_t *scratch = tag == MW_T_OID ? agent_req_alloc(rq, OID_MAX_LEN * 5) : small;
    if (!scratch) {
        lua_pushliteral(L, "response too big");
        return -1;
    }
    if (mwl_to_value(L, idx, tag, v, scratch, tag == MW_T_OID ? OID_MAX_LEN * 5 : sizeof small) < 0)
        return -1;
    if (tag == MW_T_OID) { /* give back what the OID did not use */
        agent_req_unalloc(rq, OID_MAX_LEN * 5 - v->len);
    } else if ((tag == MW_T_OCTETSTR || tag == MW_T_OPAQUE || tag == MW_T_NSAP || tag == MW_T_IPADDR)
               && v->len) {
        uint8_t *p = agent_req_alloc(rq, v->len);
        if (!p) {
            lua_pushliteral(L, "response too big");
            return -1;
        }
        memcpy(p, v->p, v->len);
        v->p = p;
    }
    return 0;
}

/* --- scalars ---------------------------------------------------------- */

static int
lscalar_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    lscalar_t *s = r->ctx;
    lua_State *L = s->la->L;
    (void)name;
    if (s->has_value) {
        *v = s->val;
        return 0;
    }
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->get_ref);
    if (pcall_guarded(s->la, 0, 1, &s->bo) != LUA_OK) {
        log_once(s->la, &s->logged, r, "getter");
        lua_settop(L, top);
        return -MW_ERR_GENERR;
    }
    if (lua_isnil(L, -1)) {
        lua_settop(L, top);
        return AGENT_NOSUCH;
    }
    if (to_value(L, -1, s->type, rq, v) < 0) {
        log_once(s->la, &s->logged, r, "getter");
        lua_settop(L, top);
        return -MW_ERR_GENERR;
    }
    lua_settop(L, top);
    return 0;
}

/* Status from what a check/set function returned: nothing, true -> 0;
 * false -> dflt; a name ("wrongValue") or number -> that status. */
static int
status_of(lua_State *L, int idx, int nres, int dflt)
{
    if (nres == 0 || lua_isnone(L, idx))
        return 0;
    if (lua_isnil(L, idx)) {
        /* nil, "reason" is a failure; a bare nil is success */
        return lua_isstring(L, idx + 1) ? status_of(L, idx + 1, 1, dflt) : 0;
    }
    if (lua_isboolean(L, idx))
        return lua_toboolean(L, idx) ? 0 : (lua_isstring(L, idx + 1) ? status_of(L, idx + 1, 1, dflt) : dflt);
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer k = lua_tointeger(L, idx);
        return k > 0 && k <= MW_ERR_INCONSISTENTNAME ? (int)k : dflt;
    }
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tostring(L, idx);
        for (int k = 1; k <= MW_ERR_INCONSISTENTNAME; k++)
            if (strcmp(s, mw_errstatus_name(k)) == 0)
                return k;
        return dflt;
    }
    return 0;
}

static int
lscalar_check(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    lscalar_t *s = r->ctx;
    lua_State *L = s->la->L;
    (void)rq;
    if (!s->rw)
        return MW_ERR_NOTWRITABLE;
    if (sv->val->type != s->type)
        return MW_ERR_WRONGTYPE;
    if (agent_value_too_long(sv->val))
        return MW_ERR_WRONGLENGTH; /* before the check function sees it */
    if (s->check_ref == LUA_NOREF)
        return 0;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->check_ref);
    mwl_push_value(L, sv->val);
    if (pcall(s->la, 1, 2) != LUA_OK) {
        log_once(s->la, &s->logged, r, "check");
        lua_settop(L, top);
        return MW_ERR_GENERR;
    }
    int st = status_of(L, top + 1, 2, MW_ERR_WRONGVALUE);
    lua_settop(L, top);
    return st;
}

static int
copy_value(const mw_value_t *in, mw_value_t *out, uint8_t **buf)
{
    uint8_t *p = NULL;
    *out = *in;
    if (in->type != MW_T_INTEGER && in->len) {
        p = malloc(in->len);
        if (!p)
            return -1;
        memcpy(p, in->p, in->len);
    }
    out->p = p;
    *buf = p;
    return 0;
}

/* Calls the setter with v; 0 or commitFailed. */
static int
call_setter(lscalar_t *s, agent_region_t *r, const mw_value_t *v)
{
    lua_State *L = s->la->L;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, s->set_ref);
    mwl_push_value(L, v);
    if (pcall(s->la, 1, 2) != LUA_OK) {
        log_once(s->la, &s->logged, r, "setter");
        lua_settop(L, top);
        return MW_ERR_COMMITFAILED;
    }
    int st = status_of(L, top + 1, 2, MW_ERR_COMMITFAILED);
    lua_settop(L, top);
    return st ? MW_ERR_COMMITFAILED : 0;
}

typedef struct {
    mw_value_t val;
    uint8_t *buf; /* owned */
} saved_t;

static int
lscalar_commit(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    lscalar_t *s = r->ctx;
    saved_t *old = calloc(1, sizeof *old);
    if (!old)
        return MW_ERR_RESOURCEUNAVAILABLE;
    /* remember the current value for undo */
    if (s->has_value) {
        old->val = s->val;
        old->buf = s->buf;
    } else if (s->get_ref != LUA_NOREF) {
        mw_value_t cur;
        if (lscalar_get(rq, r, &sv->name, &cur) != 0 || copy_value(&cur, &old->val, &old->buf) < 0) {
            free(old);
            old = NULL; /* cannot undo this one */
        }
    } else {
        free(old);
        old = NULL;
    }
    sv->undo = old;
    if (s->set_ref != LUA_NOREF) {
        int st = call_setter(s, r, sv->val);
        if (st) {
            sv->undo = NULL;
            if (old && !s->has_value)
                free(old->buf);
            free(old);
            return st;
        }
    }
    if (s->has_value) {
        uint8_t *buf;
        if (copy_value(sv->val, &s->val, &buf) < 0) {
            s->val = old->val;
            sv->undo = NULL;
            free(old);
            return MW_ERR_RESOURCEUNAVAILABLE;
        }
        s->buf = buf;
    }
    return 0;
}

static int
lscalar_undo(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    lscalar_t *s = r->ctx;
    saved_t *old = sv->undo;
    (void)rq;
    if (!old)
        return MW_ERR_UNDOFAILED;
    int st = 0;
    if (s->set_ref != LUA_NOREF && call_setter(s, r, &old->val) != 0)
        st = MW_ERR_UNDOFAILED;
    if (s->has_value) {
        free(s->buf);
        s->val = old->val;
        s->buf = old->buf;
        old->buf = NULL;
    }
    return st;
}

static void
lscalar_finish(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv, int ok)
{
    lscalar_t *s = r->ctx;
    saved_t *old = sv->undo;
    (void)rq;
    (void)ok;
    if (!old)
        return;
    /* on success the old octets are no longer referenced; after an undo
     * they were handed back (buf NULL) */
    if (!(s->has_value && s->buf == old->buf))
        free(old->buf);
    free(old);
    sv->undo = NULL;
}

static void
lscalar_release(agent_region_t *r)
{
    lscalar_t *s = r->ctx;
    lua_State *L = s->la->L;
    luaL_unref(L, LUA_REGISTRYINDEX, s->get_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, s->set_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, s->check_ref);
    free(s->buf);
    free(s);
}

static const agent_backend_t lscalar_be = {
    .get = lscalar_get,
    .check = lscalar_check,
    .commit = lscalar_commit,
    .undo = lscalar_undo,
    .finish = lscalar_finish,
    .release = lscalar_release,
};

/* --- handler regions --------------------------------------------------------- */

/* Pushes name's arcs after the region root as an OID. */
static void
push_suffix(lua_State *L, const agent_region_t *r, const oid_t *name)
{
    oid_t *o = mwl_pushoid(L);
    uint32_t n = r->root.len;
    if (name->len > n) {
        memcpy(o->arcs, name->arcs + n, (name->len - n) * sizeof(uint32_t));
        o->len = name->len - n;
    }
}

/* Pushes handler method `fn` and the handler table; 0 when missing. */
static int
push_method(lhandler_t *h, const char *fn)
{
    lua_State *L = h->la->L;
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
    lua_getfield(L, -1, fn);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 2);
        return 0;
    }
    lua_insert(L, -2);
    return 1;
}

/* Converts results (typename, value) at idx. 0, AGENT_NOSUCH or -1. */
static int
typed_result(lua_State *L, int idx, agent_req_t *rq, mw_value_t *v)
{
    if (lua_isnil(L, idx))
        return AGENT_NOSUCH;
    const char *tn = lua_tostring(L, idx);
    int tag = tn ? mwl_type_tag(tn) : -1;
    if (tag < 0) {
        lua_pushfstring(L, "unknown type %s", tn ? tn : luaL_typename(L, idx));
        return -1;
    }
    if (tag == MW_T_NOSUCHINSTANCE || tag == MW_T_NOSUCHOBJECT)
        return AGENT_NOSUCH;
    if (tag == MW_T_NULL || tag == MW_T_ENDOFMIBVIEW) {
        lua_pushfstring(L, "%s is not a value", tn);
        return -1;
    }
    return to_value(L, idx + 1, (uint8_t)tag, rq, v);
}

static int
lhandler_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    lhandler_t *h = r->ctx;
    lua_State *L = h->la->L;
    int top = lua_gettop(L);
    if (!push_method(h, "get"))
        return AGENT_NOSUCH;
    push_suffix(L, r, name);
    lua_pushinteger(L, agent_req_serial(rq));
    if (pcall_guarded(h->la, 3, 2, &h->bo) != LUA_OK) {
        log_once(h->la, &h->logged, r, "get");
        lua_settop(L, top);
        return -MW_ERR_GENERR;
    }
    int rc = typed_result(L, top + 1, rq, v);
    if (rc < 0) {
        log_once(h->la, &h->logged, r, "get");
        rc = -MW_ERR_GENERR;
    }
    lua_settop(L, top);
    return rc;
}

static int
lhandler_next(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v)
{
    lhandler_t *h = r->ctx;
    lua_State *L = h->la->L;
    int top = lua_gettop(L);
    if (!push_method(h, "next"))
        return AGENT_END;
    if (after->len <= r->root.len)
        lua_pushnil(L);
    else
        push_suffix(L, r, after);
    lua_pushinteger(L, agent_req_serial(rq));
    if (pcall_guarded(h->la, 3, 3, &h->bo) != LUA_OK) {
        log_once(h->la, &h->logged, r, "next");
        lua_settop(L, top);
        return -MW_ERR_GENERR;
    }
    if (lua_isnil(L, top + 1)) {
        lua_settop(L, top);
        return AGENT_END;
    }
    oid_t suffix;
    int rc;
    if (mwl_tooid(L, top + 1, &suffix) < 0 || suffix.len == 0) {
        if (suffix.len == 0)
            lua_pushliteral(L, "next returned an empty OID");
        rc = -1;
    } else {
        *out = r->root;
        if (oid_append(out, suffix.arcs, suffix.len) < 0) {
            lua_pushliteral(L, "OID too long");
            rc = -1;
        } else if (oid_cmp(out, after) <= 0) {
            lua_pushliteral(L, "next returned an OID that does not increase");
            rc = -1;
        } else {
            rc = typed_result(L, top + 2, rq, v);
            if (rc == AGENT_NOSUCH) {
                lua_pushliteral(L, "next returned no value");
                rc = -1;
            }
        }
    }
    if (rc < 0) {
        log_once(h->la, &h->logged, r, "next");
        rc = -MW_ERR_GENERR;
    }
    lua_settop(L, top);
    return rc;
}

/* check/commit/undo(suffix, typename, value) -> status as status_of */
static int
lhandler_set_step(agent_region_t *r, agent_setvb_t *sv, const char *fn, int missing, int dflt)
{
    lhandler_t *h = r->ctx;
    lua_State *L = h->la->L;
    int top = lua_gettop(L);
    if (!push_method(h, fn))
        return missing;
    push_suffix(L, r, &sv->name);
    lua_pushstring(L, mwl_type_name(sv->val->type));
    mwl_push_value(L, sv->val);
    if (pcall(h->la, 4, 2) != LUA_OK) {
        log_once(h->la, &h->logged, r, fn);
        lua_settop(L, top);
        return dflt == MW_ERR_WRONGVALUE ? MW_ERR_GENERR : dflt;
    }
    int st = status_of(L, top + 1, 2, dflt);
    lua_settop(L, top);
    return st;
}

static int
lhandler_check(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    (void)rq;
    return lhandler_set_step(r, sv, "check", MW_ERR_NOTWRITABLE, MW_ERR_WRONGVALUE);
}

static int
lhandler_commit(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    (void)rq;
    return lhandler_set_step(r, sv, "commit", MW_ERR_COMMITFAILED, MW_ERR_COMMITFAILED);
}

static int
lhandler_undo(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    (void)rq;
    return lhandler_set_step(r, sv, "undo", MW_ERR_UNDOFAILED, MW_ERR_UNDOFAILED);
}

static void
lhandler_finish(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv, int ok)
{
    lhandler_t *h = r->ctx;
    lua_State *L = h->la->L;
    int top = lua_gettop(L);
    (void)rq;
    if (!push_method(h, "finish"))
        return;
    push_suffix(L, r, &sv->name);
    lua_pushboolean(L, ok);
    if (pcall(h->la, 3, 0) != LUA_OK)
        log_once(h->la, &h->logged, r, "finish");
    lua_settop(L, top);
}

static void
lhandler_release(agent_region_t *r)
{
    lhandler_t *h = r->ctx;
    luaL_unref(h->la->L, LUA_REGISTRYINDEX, h->ref);
    free(h);
}

static const agent_backend_t lhandler_be = {
    .get = lhandler_get,
    .next = lhandler_next,
    .check = lhandler_check,
    .commit = lhandler_commit,
    .undo = lhandler_undo,
    .finish = lhandler_finish,
    .release = lhandler_release,
};

/* --- the agent object --------------------------------------------------------- */

static lagent_t *
check_agent(lua_State *L, int idx)
{
    lagent_t *la = luaL_checkudata(L, idx, AGENT_MT);
    if (!la->a)
        luaL_error(L, "agent is closed");
    return la;
}

static int
l_agent_gc(lua_State *L)
{
    lagent_t *la = luaL_checkudata(L, 1, AGENT_MT);
    if (la->a) {
        agent_free(la->a);
        la->a = NULL;
    }
    luaL_unref(L, LUA_REGISTRYINDEX, la->log_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, la->authfail_ref);
    la->log_ref = la->authfail_ref = LUA_NOREF;
    return 0;
}

static void
on_authfail(agent_t *a, void *arg)
{
    lagent_t *la = arg;
    lua_State *L = la->L;
    (void)a;
    if (la->authfail_ref == LUA_NOREF)
        return;
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, la->authfail_ref);
    if (pcall(la, 0, 0) != LUA_OK) {
        lua_pushfstring(L, "agent: authentication-failure handler%s failed: %s", la->where,
                        lua_tostring(L, -1));
        la->where[0] = '\0';
        lua_remove(L, -2);
        if (la->log_ref != LUA_NOREF) {
            lua_rawgeti(L, LUA_REGISTRYINDEX, la->log_ref);
            lua_insert(L, -2);
            mwl_pcall(L, 1, 0, "agent log");
        } else {
            mwl_log_error(L);
        }
    }
    lua_settop(L, top);
}

/* agent_new() -> agent (needs engine_init) */
static void set_agent_mt(lua_State *L);

static int
l_agent_new(lua_State *L)
{
    struct event_base *base = mwl_event_base(L);
    lagent_t *la = lua_newuserdatauv(L, sizeof *la, 0);
    la->a = NULL;
    la->where[0] = '\0';
    la->log_ref = la->authfail_ref = LUA_NOREF;
    la->budget = BUDGET_DEFAULT;
    set_agent_mt(L);
    la->L = mwl_main_thread(L);
    la->a = agent_new(base);
    if (!la->a)
        return luaL_error(L, "cannot create agent: out of memory");
    agent_on_authfail(la->a, on_authfail, la);
    return 1;
}

/* a:listen(spec) -> bound address | nil, err */
static int
l_listen(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    const char *spec = luaL_checkstring(L, 2);
    char bound[128];
    int rc = agent_listen(la->a, spec, bound, sizeof bound);
    if (rc < 0) {
        lua_pushnil(L);
        if (rc == MW_EINVAL)
            lua_pushfstring(L, "bad listen address %s", spec);
        else
            lua_pushfstring(L, "cannot listen on %s: %s", spec, rc <= -1 && rc >= -200 && rc != MW_ENOMEM ? strerror(-rc) : mw_strerror(rc));
        return 2;
    }
    lua_pushstring(L, bound);
    return 1;
}

/* a:view(name, subtree, include) */
static int
l_view(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    oid_t o;
    const char *name = luaL_checkstring(L, 2);
    mwl_checkoid(L, 3, &o);
    int rc = agent_view_add(la->a, name, &o, lua_toboolean(L, 4));
    if (rc < 0)
        return luaL_error(L, "bad view %s", name);
    return 0;
}

/* a:community(name, rw, view) */
static int
l_community(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    size_t n;
    const char *c = luaL_checklstring(L, 2, &n);
    const char *view = luaL_optstring(L, 4, NULL);
    int rc = agent_community_add(la->a, c, n, lua_toboolean(L, 3), view);
    if (rc < 0)
        return luaL_error(L, "community %s: unknown view %s", c, view ? view : "");
    return 0;
}

/* a:user(name, auth, authpass, priv, privpass, rw, level, view) */
static int
l_user(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    const char *name = luaL_checkstring(L, 2);
    const char *an = luaL_optstring(L, 3, "NONE");
    const char *ap = luaL_optstring(L, 4, NULL);
    const char *pn = luaL_optstring(L, 5, "NONE");
    const char *pp = luaL_optstring(L, 6, NULL);
    int rw = lua_toboolean(L, 7);
    int level = (int)luaL_optinteger(L, 8, 0);
    const char *view = luaL_optstring(L, 9, NULL);
    int auth = usm_auth_parse(an), priv = usm_priv_parse(pn);
    if (auth < 0)
        return luaL_error(L, "user %s: unknown authentication protocol %s", name, an);
    if (priv < 0)
        return luaL_error(L, "user %s: unknown privacy protocol %s", name, pn);
    int rc = agent_user_add(la->a, name, auth, ap, priv, pp, rw, level, view);
    if (rc < 0)
        return luaL_error(L, "user %s: %s", name,
                          rc == MW_EINVAL ? "bad settings (passwords need 8 characters or more; "
                                            "privacy needs authentication; views must exist)"
                                          : usm_strerror(rc));
    return 0;
}

/* a:sys(field, value): descr, contact, name, location (read-only when
 * set here), objectid, services */
static int
l_sys(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    const char *k = luaL_checkstring(L, 2);
    static const char *const names[] = { "descr", "contact", "name", "location" };
    for (int i = 0; i < 4; i++) {
        if (strcmp(k, names[i]) == 0) {
            size_t n;
            const char *v = luaL_checklstring(L, 3, &n);
            if (agent_sys_set(la->a, i, v, n) < 0)
                return luaL_error(L, "sys%s: too long (255 octets at most)", k);
            return 0;
        }
    }
    if (strcmp(k, "objectid") == 0) {
        oid_t o;
        mwl_checkoid(L, 3, &o);
        agent_sys_objectid(la->a, &o);
    } else if (strcmp(k, "auth_traps") == 0) {
        agent_auth_traps_set(la->a, lua_toboolean(L, 3));
    } else if (strcmp(k, "services") == 0) {
        agent_sys_services(la->a, (int)luaL_checkinteger(L, 3));
    } else {
        return luaL_error(L, "unknown system field %s", k);
    }
    return 0;
}

static int
l_sysor(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    if (agent_sysor_add(la->a, &o, luaL_optstring(L, 3, "")) < 0)
        return luaL_error(L, "out of memory");
    return 0;
}

static int
opt_ref(lua_State *L, int idx)
{
    if (lua_isnoneornil(L, idx))
        return LUA_NOREF;
    luaL_checktype(L, idx, LUA_TFUNCTION);
    lua_pushvalue(L, idx);
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

static int
register_error(lua_State *L, const oid_t *o)
{
    char name[OID_MAX_LEN * 11 + 1];
    oid_format(o, name, sizeof name);
    return luaL_error(L, "cannot register %s: it overlaps an object already registered", name);
}

/* a:scalar(oid, typename, rw, value | nil, getter, setter, check) */
static int
l_scalar(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    const char *tn = luaL_checkstring(L, 3);
    int tag = mwl_type_tag(tn);
    if (tag < 0 || tag == MW_T_NULL || tag >= MW_T_NOSUCHOBJECT)
        return luaL_argerror(L, 3, "unknown SMI type");
    if (o.len < 2)
        return luaL_argerror(L, 2, "OID too short");
    lscalar_t *s = calloc(1, sizeof *s);
    if (!s)
        return luaL_error(L, "out of memory");
    s->la = la;
    s->type = (uint8_t)tag;
    s->rw = lua_toboolean(L, 4);
    s->get_ref = s->set_ref = s->check_ref = LUA_NOREF;
    if (lua_isnoneornil(L, 6)) {
        /* a value kept in C */
        uint8_t scratch[OID_MAX_LEN * 5];
        mw_value_t v;
        s->has_value = 1;
        if (mwl_to_value(L, 5, s->type, &v, scratch, sizeof scratch) < 0
            || copy_value(&v, &s->val, &s->buf) < 0) {
            free(s);
            return luaL_error(L, "bad value: %s", lua_tostring(L, -1));
        }
    }
    s->get_ref = opt_ref(L, 6);
    s->set_ref = opt_ref(L, 7);
    s->check_ref = opt_ref(L, 8);
    if (!s->has_value && s->set_ref == LUA_NOREF)
        s->rw = 0;
    if (agent_register(la->a, &o, 1, &lscalar_be, s, 0) < 0) {
        agent_region_t r = { .ctx = s };
        lscalar_release(&r);
        return register_error(L, &o);
    }
    return 0;
}

/* a:handler(oid, table with get/next/check/commit/undo/finish) */
static int
l_handler(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    luaL_checktype(L, 3, LUA_TTABLE);
    if (o.len < 2)
        return luaL_argerror(L, 2, "OID too short");
    lhandler_t *h = calloc(1, sizeof *h);
    if (!h)
        return luaL_error(L, "out of memory");
    h->la = la;
    lua_pushvalue(L, 3);
    h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (agent_register(la->a, &o, 0, &lhandler_be, h, 0) < 0) {
        agent_region_t r = { .ctx = h };
        lhandler_release(&r);
        return register_error(L, &o);
    }
    return 0;
}

static int
l_unregister(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    lua_pushboolean(L, agent_unregister(la->a, &o) == 0);
    return 1;
}

/* a:scalar_value(oid, value): replaces the value a scalar keeps */
static int
l_scalar_value(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    agent_region_t *r = agent_region_at(la->a, &o);
    if (!r || r->be != &lscalar_be || !((lscalar_t *)r->ctx)->has_value)
        return luaL_error(L, "no scalar with a kept value at that OID");
    lscalar_t *s = r->ctx;
    uint8_t scratch[OID_MAX_LEN * 5];
    mw_value_t v, nv;
    uint8_t *buf;
    if (mwl_to_value(L, 3, s->type, &v, scratch, sizeof scratch) < 0)
        return luaL_error(L, "bad value: %s", lua_tostring(L, -1));
    if (copy_value(&v, &nv, &buf) < 0)
        return luaL_error(L, "out of memory");
    free(s->buf);
    s->val = nv;
    s->buf = buf;
    return 0;
}

static int
l_on_log(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, la->log_ref);
    la->log_ref = opt_ref(L, 2);
    return 0;
}

static int
l_on_authfail(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    luaL_unref(L, LUA_REGISTRYINDEX, la->authfail_ref);
    la->authfail_ref = opt_ref(L, 2);
    return 0;
}

static int
l_state_dir(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    const char *dir = luaL_checkstring(L, 2);
    int rc = agent_state_dir(la->a, dir);
    if (rc < 0) {
        lua_pushnil(L);
        lua_pushstring(L, rc == MW_ENOMEM ? mw_strerror(rc) : agent_engine_error(la->a));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* a:engine_setup([engine_id bytes]) -> true | nil, err */
static int
l_engine_setup(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    size_t n = 0;
    const char *eid = luaL_optlstring(L, 2, NULL, &n);
    int rc = agent_engine_setup(la->a, (const uint8_t *)eid, n);
    if (rc < 0) {
        lua_pushnil(L);
        if (rc == MW_EINVAL)
            lua_pushliteral(L, "bad engine ID (5 to 32 octets)");
        else if (*agent_engine_error(la->a))
            lua_pushstring(L, agent_engine_error(la->a));
        else
            lua_pushstring(L, rc > -100 && rc < 0 && rc >= MW_ENOTSUPP ? mw_strerror(rc) : rc <= -100 ? usm_strerror(rc) : strerror(-rc));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

static int
l_engine(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    size_t n;
    const uint8_t *eid = agent_engine_id(la->a, &n);
    lua_pushlstring(L, (const char *)eid, n);
    lua_pushinteger(L, agent_engine_boots(la->a));
    lua_pushinteger(L, agent_engine_time(la->a));
    return 3;
}

/* a:local_engine() -> the agent's engine (core.snmpengine's kind of
 * object): the notifications the agent sends carry it */
static int
l_local_engine(lua_State *L)
{
    mwl_snmpengine_push(L, agent_engine(check_agent(L, 1)->a));
    return 1;
}

/* a:budget(instructions): per call into a getter/handler of this agent; 0
 * turns it off */
static int
l_budget(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= 2000000000, 2, "out of range");
    la->budget = (long)n;
    return 0;
}

static int
l_max_msg_size(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    agent_max_msg_size(la->a, (size_t)luaL_checkinteger(L, 2));
    return 0;
}

/* a:max_repetitions(n): GETBULK repetitions hold at most n varbinds; 0: no cap */
static int
l_max_repetitions(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_argcheck(L, n >= 0 && n <= 2147483647, 2, "out of range");
    agent_max_repetitions(la->a, (size_t)n);
    return 0;
}

/* a:host_mibs(list, ttl, {disk paths}) -> true | nil, err: serves the host's MIBs */
static int
l_host_mibs(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    const char *list = luaL_checkstring(L, 2);
    lua_Number ttl = luaL_optnumber(L, 3, 5.0);
    const char *disks[64];
    size_t nd = 0;
    if (!lua_isnoneornil(L, 4)) {
        luaL_checktype(L, 4, LUA_TTABLE);
        lua_Integer n = luaL_len(L, 4);
        luaL_argcheck(L, n <= 64, 4, "at most 64 disks");
        for (lua_Integer i = 1; i <= n; i++) {
            lua_geti(L, 4, i);
            disks[nd++] = luaL_checkstring(L, -1); /* the table keeps it */
            lua_pop(L, 1);
        }
    }
    char err[256];
    int rc = host_register(la->a, list, ttl, disks, nd, err, sizeof err);
    if (rc < 0) {
        int unknown = rc == MW_ENOTSUPP && !err[0];
        lua_pushnil(L);
        lua_pushfstring(L, unknown ? "unknown host MIB module in \"%s\" (known: %s)"
                                   : "cannot register host MIBs \"%s\" (%s)",
                        list, unknown ? host_available() : err[0] ? err : mw_strerror(rc));
        return 2;
    }
    lua_pushboolean(L, 1);
    return 1;
}

/* host_mibs_available() -> "if,host,..." */
static int
l_host_available(lua_State *L)
{
    lua_pushstring(L, host_available());
    return 1;
}

static int
l_uptime(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    lua_pushinteger(L, agent_uptime(la->a));
    return 1;
}

static int
l_auth_traps(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    lua_pushboolean(L, agent_auth_traps_enabled(la->a));
    return 1;
}

/* a:process(bytes) -> response bytes | nil (dropped) */
static int
l_process(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    size_t n;
    const char *in = luaL_checklstring(L, 2, &n);
    const uint8_t *out;
    size_t outlen;
    if (agent_process(la->a, (const uint8_t *)in, n, &out, &outlen))
        lua_pushlstring(L, (const char *)out, outlen);
    else
        lua_pushnil(L);
    return 1;
}

static int
l_stats(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    const agent_stats_t *s = agent_stats(la->a);
    lua_createtable(L, 0, 40);
    mwl_push_mp_stats(L, agent_mp_stats(la->a));
#define F(k, f) lua_pushinteger(L, (lua_Integer)s->f); lua_setfield(L, -2, k)
    F("snmpOutPkts", out_pkts);
    F("snmpInBadCommunityUses", in_bad_community_uses);
    F("snmpInGetRequests", in_get_requests);
    F("snmpInGetNexts", in_get_nexts);
    F("snmpInSetRequests", in_set_requests);
    F("snmpInGetBulks", in_get_bulks);
    F("snmpInTotalReqVars", in_total_req_vars);
    F("snmpInTotalSetVars", in_total_set_vars);
    F("snmpOutGetResponses", out_get_responses);
    F("snmpOutTooBigs", out_too_bigs);
    F("snmpOutNoSuchNames", out_no_such_names);
    F("snmpOutBadValues", out_bad_values);
    F("snmpOutGenErrs", out_gen_errs);
    F("snmpOutTraps", out_traps);
    F("snmpSilentDrops", silent_drops);
#undef F
    return 1;
}

static int
l_count_trap(lua_State *L)
{
    lagent_t *la = check_agent(L, 1);
    /* the originator counts what it sends in snmpOutTraps */
    ((agent_stats_t *)agent_stats(la->a))->out_traps++;
    return 0;
}

static int
l_close(lua_State *L)
{
    luaL_checkudata(L, 1, AGENT_MT);
    return l_agent_gc(L);
}

static const luaL_Reg agent_methods[] = {
    { "listen", l_listen },
    { "view", l_view },
    { "community", l_community },
    { "user", l_user },
    { "sys", l_sys },
    { "sysor", l_sysor },
    { "scalar", l_scalar },
    { "handler", l_handler },
    { "unregister", l_unregister },
    { "scalar_value", l_scalar_value },
    { "rowtable", mwl_rowtab_new },
    { "on_log", l_on_log },
    { "on_authfail", l_on_authfail },
    { "state_dir", l_state_dir },
    { "engine_setup", l_engine_setup },
    { "engine", l_engine },
    { "local_engine", l_local_engine },
    { "max_msg_size", l_max_msg_size },
    { "max_repetitions", l_max_repetitions },
    { "host_mibs", l_host_mibs },
    { "budget", l_budget },
    { "uptime", l_uptime },
    { "auth_traps", l_auth_traps },
    { "process", l_process },
    { "stats", l_stats },
    { "count_trap", l_count_trap },
    { "close", l_close },
    { NULL, NULL },
};

static void
set_agent_mt(lua_State *L)
{
    mwl_set_class(L, AGENT_MT, agent_methods, l_agent_gc);
}

/* For l_rowtab.c (l_agent.h). */
lagent_t *mwl_agent_check(lua_State *L, int idx) { return check_agent(L, idx); }
int
mwl_agent_pcall(lagent_t *la, lua_State *L, int nargs, int nres)
{
    if (la && la->L == L)
        return pcall(la, nargs, nres);
    lagent_t plain = { .L = L }; /* no agent: no budget */
    return pcall(&plain, nargs, nres);
}
int mwl_agent_status(lua_State *L, int idx, int nres, int dflt) { return status_of(L, idx, nres, dflt); }

int
mwl_agent_to_value(lua_State *L, int idx, uint8_t tag, agent_req_t *rq, mw_value_t *v)
{
    return to_value(L, idx, tag, rq, v);
}

void
mwl_agent_log_once(lagent_t *la, int *logged, const agent_region_t *r, const char *what)
{
    log_once(la, logged, r, what);
}

int mwl_agent_open(lua_State *L);

int
mwl_agent_open(lua_State *L)
{
    lua_pushcfunction(L, l_agent_new);
    lua_setfield(L, -2, "agent_new");
    lua_pushcfunction(L, l_host_available);
    lua_setfield(L, -2, "host_mibs_available");
    return 0;
}
