/* l_rowtab.c - agent tables whose rows are kept in index order in C
 * (src/app/rowtab.c): the table object that Agent:table returns when it
 * is given no rows=, and the agent backend that answers GET, GETNEXT and
 * every GETBULK repetition from it by a lookup, without walking the rows.
 *
 * C keeps the keys (the encoded indexes) and a slot number per row; the
 * rows stay in Lua: rows[slot + 1] is the row table and idx[slot + 1] its
 * index as the script gave it. A cell is read raw from the row (by column
 * number, then by column name), or from the column's getter, called under
 * the agent's instruction budget. SETs go to a Lua handler table (check,
 * prepare, commit, undo, finish; built in moonwalk.agent_rowtable) that
 * creates, changes and removes rows through this same object.
 *
 * The table object is a userdata pointing at the state, which the region
 * shares: whichever of the two goes last frees it. */
#include <stdlib.h>
#include <string.h>

#include "l_agent.h"
#include "../app/rowtab.h"

#define ROWTAB_MT "moonwalk.agent.rowtable"
#define MAX_PARTS 16

typedef struct {
    uint32_t n;
    uint8_t tag;
    int get_ref;  /* getter(row, index) or LUA_NOREF */
    int name_ref; /* the column's name (string) or LUA_NOREF */
} lcol_t;

enum { PK_INT, PK_STR, PK_OID, PK_IP };

typedef struct {
    uint8_t kind, implied;
    uint32_t length; /* fixed-length string; 0: none */
} lpart_t;

typedef struct {
    lagent_t *la;      /* while the region is registered, else NULL */
    lua_State *L;      /* main thread */
    rowtab_t *t;       /* owned */
    uint64_t epoch;    /* bumped when t is replaced */
    int rows_ref;      /* slot + 1 -> row table */
    int idx_ref;       /* slot + 1 -> index value */
    int set_ref;       /* SET handler table, or LUA_NOREF (read-only) */
    lcol_t *cols;      /* owned; by column number */
    size_t ncols;
    lpart_t parts[MAX_PARTS];
    size_t nparts;
    size_t maxkey;     /* sub-identifiers an index may have */
    oid_t root;
    int refs;          /* the userdata and the region */
    int logged;
} lrowtab_t;

static void
rt_unref(lrowtab_t *rt)
{
    if (--rt->refs > 0)
        return;
    lua_State *L = rt->L;
    for (size_t i = 0; i < rt->ncols; i++) {
        luaL_unref(L, LUA_REGISTRYINDEX, rt->cols[i].get_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, rt->cols[i].name_ref);
    }
    luaL_unref(L, LUA_REGISTRYINDEX, rt->rows_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, rt->idx_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, rt->set_ref);
    rowtab_free(rt->t);
    free(rt->cols);
    free(rt);
}

/* --- indexes ---------------------------------------------------------------- */

/* Appends one index part (the value at idx) to key. NULL or an error. */
static const char *
encode_part(lua_State *L, const lpart_t *p, int idx, uint32_t *key, size_t *n, size_t cap)
{
    switch (p->kind) {
    case PK_INT: {
        int isnum;
        lua_Integer v = lua_tointegerx(L, idx, &isnum);
        if (!isnum || lua_type(L, idx) != LUA_TNUMBER || v < 0 || v > 0xFFFFFFFFLL)
            return "bad integer index";
        if (*n + 1 > cap)
            return "index too long";
        key[(*n)++] = (uint32_t)v;
        return NULL;
    }
    case PK_STR: {
        size_t len;
        if (lua_type(L, idx) != LUA_TSTRING)
            return "bad string index";
        const unsigned char *s = (const unsigned char *)lua_tolstring(L, idx, &len);
        if (p->length && len != p->length)
            return "string index of the wrong length";
        int prefix = !p->length && !p->implied;
        if (*n + len + (size_t)prefix > cap)
            return "index too long";
        if (prefix)
            key[(*n)++] = (uint32_t)len;
        for (size_t i = 0; i < len; i++)
            key[(*n)++] = s[i];
        return NULL;
    }
    case PK_OID: {
        oid_t o;
        if (lua_type(L, idx) != LUA_TSTRING && !mwl_testoid(L, idx))
            return "bad OID index";
        if (mwl_tooid(L, idx, &o) < 0) {
            lua_pop(L, 1);
            return "bad OID index";
        }
        if (*n + o.len + !p->implied > cap)
            return "index too long";
        if (!p->implied)
            key[(*n)++] = o.len;
        memcpy(&key[*n], o.arcs, o.len * sizeof *key);
        *n += o.len;
        return NULL;
    }
    default: {
        unsigned a[4];
        char tail;
        const char *s = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
        if (!s || sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4
            || a[0] > 255 || a[1] > 255 || a[2] > 255 || a[3] > 255)
            return "bad IpAddress index";
        if (*n + 4 > cap)
            return "index too long";
        for (int i = 0; i < 4; i++)
            key[(*n)++] = a[i];
        return NULL;
    }
    }
}

/* The index at idx (one value, or a list for several parts) as a key.
 * NULL or an error. */
static const char *
encode_index(lua_State *L, const lrowtab_t *rt, int idx, uint32_t *key, size_t *n)
{
    const char *err = NULL;
    *n = 0;
    idx = lua_absindex(L, idx);
    if (rt->nparts == 1) {
        err = encode_part(L, &rt->parts[0], idx, key, n, rt->maxkey);
    } else {
        if (lua_type(L, idx) != LUA_TTABLE || mwl_testoid(L, idx))
            return "multi-part index must be a list";
        for (size_t i = 0; i < rt->nparts && !err; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i + 1);
            err = encode_part(L, &rt->parts[i], -1, key, n, rt->maxkey);
            lua_pop(L, 1);
        }
    }
    if (!err && *n == 0)
        err = "empty index";
    return err;
}

/* Pushes the index that key encodes (a value, or a list); 0, or -1 with
 * nothing pushed when the key is not a valid index. */
static int
decode_index(lua_State *L, const lrowtab_t *rt, const uint32_t *key, size_t n)
{
    int top = lua_gettop(L);
    size_t i = 0;
    if (rt->nparts > 1)
        lua_createtable(L, (int)rt->nparts, 0);
    for (size_t k = 0; k < rt->nparts; k++) {
        const lpart_t *p = &rt->parts[k];
        size_t len;
        switch (p->kind) {
        case PK_INT:
            if (i >= n)
                goto bad;
            lua_pushinteger(L, key[i++]);
            break;
        case PK_STR: {
            if (p->length)
                len = p->length;
            else if (p->implied)
                len = n - i;
            else if (i >= n)
                goto bad;
            else
                len = key[i++];
            if (len > n - i)
                goto bad;
            luaL_Buffer b;
            char *s = luaL_buffinitsize(L, &b, len ? len : 1);
            for (size_t j = 0; j < len; j++) {
                if (key[i + j] > 255) {
                    luaL_pushresultsize(&b, 0);
                    goto bad;
                }
                s[j] = (char)key[i + j];
            }
            luaL_pushresultsize(&b, len);
            i += len;
            break;
        }
        case PK_OID: {
            if (p->implied)
                len = n - i;
            else if (i >= n)
                goto bad;
            else
                len = key[i++];
            if (len > n - i || len > OID_MAX_LEN)
                goto bad;
            oid_t *o = mwl_pushoid(L);
            memcpy(o->arcs, &key[i], len * sizeof *key);
            o->len = (uint32_t)len;
            i += len;
            break;
        }
        default:
            if (n - i < 4 || key[i] > 255 || key[i + 1] > 255 || key[i + 2] > 255 || key[i + 3] > 255)
                goto bad;
            lua_pushfstring(L, "%d.%d.%d.%d", (int)key[i], (int)key[i + 1], (int)key[i + 2],
                            (int)key[i + 3]);
            i += 4;
            break;
        }
        if (rt->nparts > 1)
            lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    if (i != n)
        goto bad;
    return 0;
bad:
    lua_settop(L, top);
    return -1;
}

/* --- cells -------------------------------------------------------------------- */

static struct {
    agent_req_t *rq;
    mw_value_t *v;
    uint8_t tag;
    int rc;
} conv;

static int
conv_protected(lua_State *L)
{
    conv.rc = mwl_agent_to_value(L, 1, conv.tag, conv.rq, conv.v);
    return conv.rc < 0 ? 1 : 0;
}

/* The value on top of the stack as a value of type tag: plain integers and
 * strings directly, anything else (typed values, OIDs...) through the
 * shared conversion under pcall. 0, AGENT_NOSUCH (nil) or -1 with a
 * message on top. */
static int
to_cell(lua_State *L, agent_req_t *rq, uint8_t tag, mw_value_t *v)
{
    int t = lua_type(L, -1);
    if (t == LUA_TNIL)
        return AGENT_NOSUCH;
    v->type = tag;
    v->len = 0;
    v->p = NULL;
    switch (tag) {
    case MW_T_INTEGER:
        if (lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (i >= INT32_MIN && i <= INT32_MAX) {
                v->num.i = i;
                return 0;
            }
        }
        break;
    case MW_T_COUNTER32: case MW_T_GAUGE32: case MW_T_TIMETICKS: case MW_T_UINTEGER32:
        if (lua_isinteger(L, -1)) {
            lua_Integer i = lua_tointeger(L, -1);
            if (i >= 0 && i <= 0xFFFFFFFFLL) {
                v->num.u = (uint64_t)i;
                return 0;
            }
        }
        break;
    case MW_T_COUNTER64:
        if (lua_isinteger(L, -1)) {
            v->num.u = (uint64_t)lua_tointeger(L, -1);
            return 0;
        }
        break;
    case MW_T_OCTETSTR: case MW_T_OPAQUE:
        if (t == LUA_TSTRING) {
            size_t n;
            const char *s = lua_tolstring(L, -1, &n);
            uint8_t *p = n ? agent_req_alloc(rq, n) : NULL;
            if (n && !p) {
                lua_pushliteral(L, "response too big");
                return -1;
            }
            if (n)
                memcpy(p, s, n);
            v->p = p;
            v->len = (uint32_t)n;
            return 0;
        }
        break;
    default:
        break;
    }
    conv.rq = rq;
    conv.v = v;
    conv.tag = tag;
    conv.rc = -1;
    lua_pushcfunction(L, conv_protected);
    lua_insert(L, -2);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK || conv.rc < 0)
        return -1;
    lua_pop(L, 1);
    return 0;
}

/* The cell of column c in the row at slot. 0, AGENT_NOSUCH or -status. */
static int
cell(agent_req_t *rq, agent_region_t *r, lrowtab_t *rt, const lcol_t *c, long slot, mw_value_t *v)
{
    lua_State *L = rt->L;
    int top = lua_gettop(L), rc;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->rows_ref);
    if (lua_rawgeti(L, -1, slot + 1) != LUA_TTABLE) {
        lua_settop(L, top);
        return AGENT_NOSUCH;
    }
    if (c->get_ref != LUA_NOREF) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->get_ref);
        lua_insert(L, -2);
        lua_rawgeti(L, LUA_REGISTRYINDEX, rt->idx_ref);
        lua_rawgeti(L, -1, slot + 1);
        lua_remove(L, -2);
        if (mwl_agent_pcall(rt->la, L, 2, 1) != LUA_OK) {
            if (rt->la)
                mwl_agent_log_once(rt->la, &rt->logged, r, "getter");
            lua_settop(L, top);
            return -MW_ERR_GENERR;
        }
    } else if (lua_rawgeti(L, -1, c->n) == LUA_TNIL && c->name_ref != LUA_NOREF) {
        lua_pop(L, 1);
        lua_rawgeti(L, LUA_REGISTRYINDEX, c->name_ref);
        lua_rawget(L, -2);
    }
    rc = to_cell(L, rq, c->tag, v);
    if (rc < 0) {
        if (rt->la)
            mwl_agent_log_once(rt->la, &rt->logged, r, "table cell");
        else
            lua_pop(L, 1);
        rc = -MW_ERR_GENERR;
    }
    lua_settop(L, top);
    return rc;
}

/* The first column whose number is >= n. */
static size_t
col_lower(const lrowtab_t *rt, uint32_t n)
{
    size_t lo = 0, hi = rt->ncols;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rt->cols[mid].n < n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* --- the backend ------------------------------------------------------------------ */

static int
rt_get(agent_req_t *rq, agent_region_t *r, const oid_t *name, mw_value_t *v)
{
    lrowtab_t *rt = r->ctx;
    size_t base = r->root.len;
    if (name->len < base + 2)
        return AGENT_NOSUCH;
    size_t ci = col_lower(rt, name->arcs[base]);
    if (ci >= rt->ncols || rt->cols[ci].n != name->arcs[base])
        return AGENT_NOSUCH;
    long s = rowtab_find(rt->t, name->arcs + base + 1, name->len - base - 1);
    if (s < 0)
        return AGENT_NOSUCH;
    return cell(rq, r, rt, &rt->cols[ci], s, v);
}

static int
rt_next(agent_req_t *rq, agent_region_t *r, const oid_t *after, oid_t *out, mw_value_t *v)
{
    lrowtab_t *rt = r->ctx;
    size_t base = r->root.len, ci = 0, klen = 0;
    const uint32_t *key = NULL;
    int strict = 0;
    if (after->len > base) {
        ci = col_lower(rt, after->arcs[base]);
        if (ci < rt->ncols && rt->cols[ci].n == after->arcs[base] && after->len > base + 1) {
            key = after->arcs + base + 1;
            klen = after->len - base - 1;
            strict = 1;
        }
    }
    memcpy(out->arcs, r->root.arcs, base * sizeof *out->arcs);
    for (; ci < rt->ncols; ci++, key = NULL, klen = 0, strict = 0) {
        const lcol_t *c = &rt->cols[ci];
        rowtab_cur_t cur;
        uint64_t epoch = rt->epoch;
        long s = rowtab_seek(rt->t, key, klen, strict, &cur);
        out->arcs[base] = c->n;
        while (s >= 0) {
            size_t kl;
            const uint32_t *k = rowtab_key(rt->t, s, &kl);
            memcpy(out->arcs + base + 1, k, kl * sizeof *k);
            out->len = (uint32_t)(base + 1 + kl);
            int rc = cell(rq, r, rt, c, s, v);
            if (rc != AGENT_NOSUCH)
                return rc;
            /* a hole: the next row, or after this key again when a
             * getter changed the table */
            s = epoch == rt->epoch ? rowtab_step(rt->t, &cur) : -2;
            if (s == -2) {
                epoch = rt->epoch;
                s = rowtab_seek(rt->t, out->arcs + base + 1, kl, 1, &cur);
            }
        }
    }
    return AGENT_END;
}

/* Calls SET handler method fn(column, index, row, typename, value,
 * instance, serial); the status as status_of, missing when there is no
 * such method. */
static int
set_call(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv, const char *fn, int missing,
         int dflt)
{
    lrowtab_t *rt = r->ctx;
    lua_State *L = rt->L;
    int top = lua_gettop(L);
    size_t base = r->root.len;
    if (rt->set_ref == LUA_NOREF)
        return missing;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->set_ref);
    if (lua_getfield(L, -1, fn) != LUA_TFUNCTION) {
        lua_settop(L, top);
        return missing;
    }
    lua_remove(L, -2);
    const uint32_t *key = sv->name.arcs + base + 1;
    size_t klen = sv->name.len > base + 1 ? sv->name.len - base - 1 : 0;
    if (sv->name.len > base)
        lua_pushinteger(L, sv->name.arcs[base]);
    else
        lua_pushnil(L);
    long s = klen ? rowtab_find(rt->t, key, klen) : -1;
    if (s >= 0) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, rt->idx_ref);
        lua_rawgeti(L, -1, s + 1);
        lua_remove(L, -2);
        lua_rawgeti(L, LUA_REGISTRYINDEX, rt->rows_ref);
        lua_rawgeti(L, -1, s + 1);
        lua_remove(L, -2);
    } else {
        if (!klen || decode_index(L, rt, key, klen) < 0)
            lua_pushnil(L);
        lua_pushnil(L);
    }
    lua_pushstring(L, mwl_type_name(sv->val->type));
    mwl_push_value(L, sv->val);
    {
        oid_t suffix;
        char buf[OID_MAX_LEN * 11 + 1];
        suffix.len = sv->name.len > base ? sv->name.len - (uint32_t)base : 0;
        memcpy(suffix.arcs, sv->name.arcs + base, suffix.len * sizeof *suffix.arcs);
        oid_format(&suffix, buf, sizeof buf);
        lua_pushstring(L, buf);
    }
    lua_pushinteger(L, agent_req_serial(rq));
    if (mwl_agent_pcall(rt->la, L, 7, 2) != LUA_OK) {
        if (rt->la)
            mwl_agent_log_once(rt->la, &rt->logged, r, fn);
        lua_settop(L, top);
        return dflt == MW_ERR_WRONGVALUE ? MW_ERR_GENERR : dflt;
    }
    int st = mwl_agent_status(L, top + 1, 2, dflt);
    lua_settop(L, top);
    return st;
}

static int
rt_check(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    return set_call(rq, r, sv, "check", MW_ERR_NOTWRITABLE, MW_ERR_WRONGVALUE);
}

static int
rt_prepare(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    return set_call(rq, r, sv, "prepare", 0, MW_ERR_INCONSISTENTNAME);
}

static int
rt_commit(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    return set_call(rq, r, sv, "commit", MW_ERR_COMMITFAILED, MW_ERR_COMMITFAILED);
}

static int
rt_undo(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv)
{
    return set_call(rq, r, sv, "undo", MW_ERR_UNDOFAILED, MW_ERR_UNDOFAILED);
}

static void
rt_finish(agent_req_t *rq, agent_region_t *r, agent_setvb_t *sv, int ok)
{
    lrowtab_t *rt = r->ctx;
    lua_State *L = rt->L;
    int top = lua_gettop(L);
    if (rt->set_ref == LUA_NOREF)
        return;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->set_ref);
    if (lua_getfield(L, -1, "finish") != LUA_TFUNCTION) {
        lua_settop(L, top);
        return;
    }
    lua_remove(L, -2);
    oid_t suffix;
    char buf[OID_MAX_LEN * 11 + 1];
    size_t base = r->root.len;
    suffix.len = sv->name.len > base ? sv->name.len - (uint32_t)base : 0;
    memcpy(suffix.arcs, sv->name.arcs + base, suffix.len * sizeof *suffix.arcs);
    oid_format(&suffix, buf, sizeof buf);
    lua_pushstring(L, buf);
    lua_pushboolean(L, ok);
    lua_pushinteger(L, agent_req_serial(rq));
    if (mwl_agent_pcall(rt->la, L, 3, 0) != LUA_OK && rt->la)
        mwl_agent_log_once(rt->la, &rt->logged, r, "finish");
    lua_settop(L, top);
}

static void
rt_release(agent_region_t *r)
{
    lrowtab_t *rt = r->ctx;
    rt->la = NULL;
    rt_unref(rt);
}

static const agent_backend_t rowtab_be = {
    .get = rt_get,
    .next = rt_next,
    .check = rt_check,
    .commit = rt_commit,
    .undo = rt_undo,
    .finish = rt_finish,
    .release = rt_release,
    .prepare = rt_prepare,
};

/* --- the table object ------------------------------------------------------------- */

static lrowtab_t *
check_rt(lua_State *L, int idx)
{
    lrowtab_t **box = luaL_checkudata(L, idx, ROWTAB_MT);
    return *box;
}

/* tbl:set(index, row) */
static int
l_set(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    uint32_t key[OID_MAX_LEN];
    size_t n;
    luaL_checkany(L, 2);
    luaL_checktype(L, 3, LUA_TTABLE);
    const char *err = encode_index(L, rt, 2, key, &n);
    if (err)
        return luaL_argerror(L, 2, err);
    int created;
    long s = rowtab_insert(rt->t, key, n, &created);
    if (s < 0)
        return luaL_error(L, "table: out of memory");
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->rows_ref);
    lua_pushvalue(L, 3);
    lua_rawseti(L, -2, s + 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->idx_ref);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, s + 1);
    return 0;
}

/* tbl:remove(index) -> the row removed, or nil */
static int
l_remove(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    uint32_t key[OID_MAX_LEN];
    size_t n;
    luaL_checkany(L, 2);
    if (encode_index(L, rt, 2, key, &n))
        return 0;
    long s = rowtab_remove(rt->t, key, n);
    if (s < 0)
        return 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->idx_ref);
    lua_pushnil(L);
    lua_rawseti(L, -2, s + 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->rows_ref);
    lua_rawgeti(L, -1, s + 1);
    lua_pushnil(L);
    lua_rawseti(L, -3, s + 1);
    return 1;
}

/* tbl:get(index) -> row, or nil */
static int
l_get(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    uint32_t key[OID_MAX_LEN];
    size_t n;
    luaL_checkany(L, 2);
    if (encode_index(L, rt, 2, key, &n))
        return 0;
    long s = rowtab_find(rt->t, key, n);
    if (s < 0)
        return 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->rows_ref);
    lua_rawgeti(L, -1, s + 1);
    return 1;
}

static int
l_guard_gc(lua_State *L)
{
    rowtab_t **p = lua_touserdata(L, 1);
    rowtab_free(*p);
    *p = NULL;
    return 0;
}

/* tbl:replace(rows): rows[k] = row, the index being row.index or else k.
 * The new set of rows takes the place of the old one at once; a bad index
 * raises and leaves the table as it was. */
static int
l_replace(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    /* the new structure, freed by the guard's __gc if anything raises */
    rowtab_t **guard = lua_newuserdatauv(L, sizeof *guard, 0); /* 3 */
    *guard = NULL;
    if (luaL_newmetatable(L, ROWTAB_MT ".new")) {
        lua_pushcfunction(L, l_guard_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, 3);
    rowtab_t *t = *guard = rowtab_new();
    if (!t)
        return luaL_error(L, "table: out of memory");
    lua_pushnil(L);                                            /* 4 (unused) */
    lua_newtable(L);                                           /* 5 rows */
    lua_newtable(L);                                           /* 6 idx */
    uint32_t key[OID_MAX_LEN];
    size_t n;
    const char *err = NULL;
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        /* key at -2, row at -1 */
        if (lua_type(L, -1) != LUA_TTABLE) {
            err = "rows must be tables";
            break;
        }
        if (lua_getfield(L, -1, "index") == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushvalue(L, -2);
        }
        err = encode_index(L, rt, -1, key, &n);
        if (err)
            break;
        int created;
        long s = rowtab_insert(t, key, n, &created);
        if (s < 0) {
            err = "out of memory";
            break;
        }
        lua_rawseti(L, 6, s + 1); /* the index */
        lua_pushvalue(L, -1);
        lua_rawseti(L, 5, s + 1); /* the row */
        lua_pop(L, 1);
    }
    if (err)
        return luaL_error(L, "table: replace: %s", err);
    /* the swap: nothing below raises */
    *guard = NULL;
    rowtab_free(rt->t);
    rt->t = t;
    rt->epoch++;
    lua_rawseti(L, LUA_REGISTRYINDEX, rt->idx_ref);
    lua_rawseti(L, LUA_REGISTRYINDEX, rt->rows_ref);
    return 0;
}

static int
l_len(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    lua_pushinteger(L, (lua_Integer)rowtab_count(rt->t));
    return 1;
}

/* iterator(tbl, previous index) -> index, row (in index order) */
static int
l_iter(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    uint32_t key[OID_MAX_LEN];
    size_t n = 0;
    rowtab_cur_t cur;
    long s;
    if (lua_isnoneornil(L, 2)) {
        s = rowtab_seek(rt->t, NULL, 0, 0, &cur);
    } else {
        const char *err = encode_index(L, rt, 2, key, &n);
        if (err)
            return luaL_argerror(L, 2, err);
        s = rowtab_seek(rt->t, key, n, 1, &cur);
    }
    if (s < 0)
        return 0;
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->idx_ref);
    lua_rawgeti(L, -1, s + 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, rt->rows_ref);
    lua_rawgeti(L, -1, s + 1);
    lua_remove(L, -2);
    return 2;
}

/* for index, row in tbl:pairs() (also pairs(tbl)) */
static int
l_pairs(lua_State *L)
{
    check_rt(L, 1);
    lua_pushcfunction(L, l_iter);
    lua_pushvalue(L, 1);
    lua_pushnil(L);
    return 3;
}

/* tbl:stats() -> { rows=, bytes= (C structure) } */
static int
l_stats(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)rowtab_count(rt->t));
    lua_setfield(L, -2, "rows");
    lua_pushinteger(L, (lua_Integer)rowtab_bytes(rt->t));
    lua_setfield(L, -2, "bytes");
    return 1;
}

static int
l_rt_gc(lua_State *L)
{
    lrowtab_t **box = luaL_checkudata(L, 1, ROWTAB_MT);
    if (*box) {
        rt_unref(*box);
        *box = NULL;
    }
    return 0;
}

static int
l_rt_tostring(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    char buf[OID_MAX_LEN * 11 + 1];
    oid_format(&rt->root, buf, sizeof buf);
    lua_pushfstring(L, "agent table %s (%d rows)", buf, (int)rowtab_count(rt->t));
    return 1;
}

/* __index: the methods, and tbl.oid */
static int
l_rt_index(lua_State *L)
{
    lrowtab_t *rt = check_rt(L, 1);
    const char *k = lua_tostring(L, 2);
    if (k && strcmp(k, "oid") == 0) {
        oid_t *o = mwl_pushoid(L);
        memcpy(o, &rt->root, sizeof(uint32_t) + rt->root.len * sizeof(uint32_t));
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}

static const luaL_Reg rt_methods[] = {
    { "set", l_set },
    { "remove", l_remove },
    { "get", l_get },
    { "replace", l_replace },
    { "pairs", l_pairs },
    { "stats", l_stats },
    { NULL, NULL },
};

static const char *const kind_names[] = { "integer", "string", "oid", "ipaddress", NULL };

/* a:rowtable(entry oid, parts {{kind=, implied=, length=}...},
 *            columns {{n=, type=, get=, name=}...} (by number), set handler
 *            table | nil) -> table object */
int
mwl_rowtab_new(lua_State *L)
{
    lagent_t *la = mwl_agent_check(L, 1);
    oid_t root;
    mwl_checkoid(L, 2, &root);
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TTABLE);
    if (root.len < 2 || root.len > OID_MAX_LEN - 3)
        return luaL_argerror(L, 2, "OID too short or too long");
    size_t nparts = lua_rawlen(L, 3), ncols = lua_rawlen(L, 4);
    if (nparts < 1 || nparts > MAX_PARTS)
        return luaL_argerror(L, 3, "1 to 16 index parts");
    if (ncols < 1)
        return luaL_argerror(L, 4, "no columns");
    if (luaL_newmetatable(L, ROWTAB_MT)) {
        lua_pushcfunction(L, l_rt_gc);
        lua_setfield(L, -2, "__gc");
        lua_pushcfunction(L, l_len);
        lua_setfield(L, -2, "__len");
        lua_pushcfunction(L, l_pairs);
        lua_setfield(L, -2, "__pairs");
        lua_pushcfunction(L, l_rt_tostring);
        lua_setfield(L, -2, "__tostring");
        luaL_newlib(L, rt_methods);
        lua_pushcclosure(L, l_rt_index, 1);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    lrowtab_t **box = lua_newuserdatauv(L, sizeof *box, 0);
    *box = NULL;
    luaL_setmetatable(L, ROWTAB_MT);
    lrowtab_t *rt = calloc(1, sizeof *rt);
    if (!rt)
        return luaL_error(L, "out of memory");
    rt->L = mwl_main_thread(L);
    rt->refs = 1;
    rt->rows_ref = rt->idx_ref = rt->set_ref = LUA_NOREF;
    rt->root = root;
    rt->maxkey = OID_MAX_LEN - root.len - 1;
    *box = rt; /* from here the userdata's __gc frees it */
    rt->t = rowtab_new();
    rt->cols = calloc(ncols, sizeof *rt->cols);
    if (!rt->t || !rt->cols)
        return luaL_error(L, "out of memory");
    for (size_t i = 0; i < ncols; i++)
        rt->cols[i].get_ref = rt->cols[i].name_ref = LUA_NOREF;
    rt->ncols = ncols;
    for (size_t i = 0; i < nparts; i++) {
        lua_rawgeti(L, 3, (lua_Integer)i + 1);
        luaL_checktype(L, -1, LUA_TTABLE);
        lua_getfield(L, -1, "kind");
        rt->parts[i].kind = (uint8_t)luaL_checkoption(L, -1, NULL, kind_names);
        lua_getfield(L, -2, "implied");
        rt->parts[i].implied = (uint8_t)lua_toboolean(L, -1);
        lua_getfield(L, -3, "length");
        rt->parts[i].length = (uint32_t)luaL_optinteger(L, -1, 0);
        lua_pop(L, 4);
    }
    rt->nparts = nparts;
    uint32_t prev = 0;
    for (size_t i = 0; i < ncols; i++) {
        lcol_t *c = &rt->cols[i];
        lua_rawgeti(L, 4, (lua_Integer)i + 1);
        luaL_checktype(L, -1, LUA_TTABLE);
        lua_getfield(L, -1, "n");
        lua_Integer n = luaL_checkinteger(L, -1);
        if (n < 0 || n > 0xFFFFFFFFLL || (i > 0 && (uint32_t)n <= prev))
            return luaL_error(L, "columns must be numbered in increasing order");
        c->n = prev = (uint32_t)n;
        lua_getfield(L, -2, "type");
        int tag = mwl_type_tag(luaL_checkstring(L, -1));
        if (tag < 0 || tag == MW_T_NULL || tag >= MW_T_NOSUCHOBJECT)
            return luaL_error(L, "column %d: unknown SMI type", (int)n);
        c->tag = (uint8_t)tag;
        if (lua_getfield(L, -3, "get") == LUA_TFUNCTION) {
            c->get_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        } else {
            lua_pop(L, 1);
        }
        if (lua_getfield(L, -3, "name") == LUA_TSTRING) {
            c->name_ref = luaL_ref(L, LUA_REGISTRYINDEX);
        } else {
            lua_pop(L, 1);
        }
        lua_pop(L, 3);
    }
    lua_newtable(L);
    rt->rows_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    rt->idx_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    if (lua_istable(L, 5)) {
        lua_pushvalue(L, 5);
        rt->set_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    if (agent_register(la->a, &root, 0, &rowtab_be, rt, 0) < 0) {
        char name[OID_MAX_LEN * 11 + 1];
        oid_format(&root, name, sizeof name);
        return luaL_error(L, "cannot register %s: it overlaps an object already registered", name);
    }
    rt->la = la;
    rt->refs++;
    return 1;
}
