/* l_mib.c - the MIB class: a set of loaded MIB modules (src/mib), names
 * <-> OIDs, node details and value rendering. lua/moonwalk/mib.lua builds
 * mw.mib on top of it. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mwlua.h"
#include "../mib/mib.h"
#include "../mib/mibcache.h"
#include "../mib/mibfmt.h"

#define MWL_MIB_MT "moonwalk.mib"

typedef struct {
    mib_t *mib;     /* owned; NULL once closed */
} lmib_t;

static mib_t *
check_mib(lua_State *L, int idx)
{
    lmib_t *u = luaL_checkudata(L, idx, MWL_MIB_MT);
    if (!u->mib)
        luaL_argerror(L, idx, "MIB set is closed");
    return u->mib;
}

static void set_mib_mt(lua_State *L);

static int
l_mib_new(lua_State *L)
{
    lmib_t *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->mib = NULL;
    set_mib_mt(L);
    u->mib = mib_new();
    if (!u->mib)
        return luaL_error(L, "out of memory");
    return 1;
}

/* core.mib_cache_load(path, key) -> set, "ok" | "ok: relocated" | nil,
 * reason: the set a compiled cache file holds when it is sound and up to
 * date (src/mib/mibcache.h) */
static int
l_mib_cache_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1), *key = luaL_checkstring(L, 2);
    char why[512];
    lmib_t *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->mib = NULL;
    set_mib_mt(L);
    u->mib = mibcache_load(path, key, why, sizeof why);
    if (!u->mib) {
        lua_pushnil(L);
        lua_pushstring(L, why);
        return 2;
    }
    lua_pushstring(L, why);
    return 2;
}

/* core.mib_cache_name(key) -> 16 hex digits: the FNV-1a 64 hash of the
 * key, which names its cache file */
static int
l_mib_cache_name(lua_State *L)
{
    size_t n;
    const unsigned char *k = (const unsigned char *)luaL_checklstring(L, 1, &n);
    uint64_t h = 14695981039346656037ull;
    char hex[17];
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 1099511628211ull;
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    lua_pushstring(L, hex);
    return 1;
}

/* m:cache_save(path, key) -> true | false */
static int
l_mib_cache_save(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    lua_pushboolean(L, mibcache_save(m, luaL_checkstring(L, 2), luaL_checkstring(L, 3)) == 0);
    return 1;
}

static int
l_mib_gc(lua_State *L)
{
    lmib_t *u = luaL_checkudata(L, 1, MWL_MIB_MT);
    mib_free(u->mib);
    u->mib = NULL;
    return 0;
}

/* m:add_dirs("dir:dir") -> number of modules found;
 * m:add_dirs("dir:dir", true): read when a module is first looked up */
static int
l_mib_add_dirs(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    const char *dirs = luaL_checkstring(L, 2);
    if (lua_toboolean(L, 3)) {
        mib_defer_dirs(m, dirs);
        return 0;
    }
    lua_pushinteger(L, mib_add_dirs(m, dirs));
    return 1;
}

/* m:load(name) -> true | false (not found); errors via m:errors() */
static int
l_mib_load(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    lua_pushboolean(L, mib_load(m, luaL_checkstring(L, 2)) == 0);
    return 1;
}

static int
l_mib_adopt(lua_State *L)
{
    mib_adopt_orphans(check_mib(L, 1));
    return 0;
}

/* m:errors() -> text collected since the last call ("" when none) */
static int
l_mib_errors(lua_State *L)
{
    size_t n;
    const char *s = mib_take_errors(check_mib(L, 1), &n);
    lua_pushlstring(L, s, n);
    return 1;
}

static int
l_mib_error_count(lua_State *L)
{
    lua_pushinteger(L, mib_error_count(check_mib(L, 1)));
    return 1;
}

/* m:parse_oid(name [, mode]) -> OID | nil, detail. mode: "any" (default,
 * as snmpget without its regex fallback), "random" (-IR: get_node only),
 * "strict" (as snmptranslate without -IR), "wild" (any, then -Ib regex). */
static int
l_mib_parse_oid(lua_State *L)
{
    static const char *const modes[] = { "any", "random", "strict", "wild", NULL };
    mib_t *m = check_mib(L, 1);
    const char *name = luaL_checkstring(L, 2);
    int mode = luaL_checkoption(L, 3, "any", modes);
    oid_t o;
    char err[512];
    if (mib_parse_oid(m, name, mode, &o, err, sizeof err) < 0) {
        lua_pushnil(L);
        lua_pushstring(L, err);
        return 2;
    }
    memcpy(mwl_pushoid(L), &o, sizeof o);
    return 1;
}

static int
format_option(lua_State *L, int idx)
{
    static const char *const forms[] = { "module", "suffix", "full", "numeric", "ucd", NULL };
    return luaL_checkoption(L, idx, "module", forms);
}

/* m:format_oid(oid [, form [, flags]]) -> string. flags: string of
 * net-snmp -O letters among "b", "X", "E". */
static int
l_mib_format_oid(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    int form = format_option(L, 3);
    const char *fl = luaL_optstring(L, 4, "");
    int flags = 0;
    for (; *fl; fl++) {
        if (*fl == 'b') flags |= MIB_F_DONT_BREAKDOWN;
        else if (*fl == 'X') flags |= MIB_F_EXTENDED_INDEX;
        else if (*fl == 'E') flags |= MIB_F_ESCAPE_QUOTES;
        else if (*fl == 'q') flags |= MIB_F_QUICK;
    }
    char small[1024];
    size_t n = mib_format_oid(m, &o, form, flags, small, sizeof small);
    if (n < sizeof small) {
        lua_pushlstring(L, small, n);
    } else {
        char *big = malloc(n + 1);
        if (!big)
            return luaL_error(L, "out of memory");
        mib_format_oid(m, &o, form, flags, big, n + 1);
        lua_pushlstring(L, big, n);
        free(big);
    }
    return 1;
}

static int
l_mib_describe(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    oid_t o;
    mwl_checkoid(L, 2, &o);
    int width = (int)luaL_optinteger(L, 3, 1000000);
    size_t n = mib_describe(m, &o, width, NULL, 0);
    if (n == 0) {
        lua_pushnil(L);
        return 1;
    }
    char *buf = malloc(n + 1);
    if (!buf)
        return luaL_error(L, "out of memory");
    mib_describe(m, &o, width, buf, n + 1);
    lua_pushlstring(L, buf, n);
    free(buf);
    return 1;
}

static const char *
type_name(int t)
{
    switch (t) {
    case MIB_TYPE_OBJID: return "OBJECT IDENTIFIER";
    case MIB_TYPE_OCTETSTR: return "OCTET STRING";
    case MIB_TYPE_INTEGER: return "INTEGER";
    case MIB_TYPE_NETADDR: return "NetworkAddress";
    case MIB_TYPE_IPADDR: return "IpAddress";
    case MIB_TYPE_COUNTER: return "Counter32";
    case MIB_TYPE_GAUGE: return "Gauge32";
    case MIB_TYPE_TIMETICKS: return "TimeTicks";
    case MIB_TYPE_OPAQUE: return "Opaque";
    case MIB_TYPE_NULL: return "NULL";
    case MIB_TYPE_COUNTER64: return "Counter64";
    case MIB_TYPE_BITSTRING: return "BITS";
    case MIB_TYPE_NSAPADDRESS: return "NsapAddress";
    case MIB_TYPE_UINTEGER: return "UInteger32";
    case MIB_TYPE_UNSIGNED32: return "Unsigned32";
    case MIB_TYPE_INTEGER32: return "Integer32";
    case MIB_TYPE_TRAPTYPE: return "TRAP-TYPE";
    case MIB_TYPE_NOTIFTYPE: return "NOTIFICATION-TYPE";
    case MIB_TYPE_OBJGROUP: return "OBJECT-GROUP";
    case MIB_TYPE_NOTIFGROUP: return "NOTIFICATION-GROUP";
    case MIB_TYPE_MODID: return "MODULE-IDENTITY";
    case MIB_TYPE_AGENTCAP: return "AGENT-CAPABILITIES";
    case MIB_TYPE_MODCOMP: return "MODULE-COMPLIANCE";
    case MIB_TYPE_OBJIDENTITY: return "OBJECT-IDENTITY";
    default: return NULL;
    }
}

static const char *
access_name(int a)
{
    switch (a) {
    case MIB_ACCESS_READONLY: return "read-only";
    case MIB_ACCESS_READWRITE: return "read-write";
    case MIB_ACCESS_WRITEONLY: return "write-only";
    case MIB_ACCESS_NOACCESS: return "not-accessible";
    case MIB_ACCESS_NOTIFY: return "accessible-for-notify";
    case MIB_ACCESS_CREATE: return "read-create";
    default: return NULL;
    }
}

static const char *
status_name(int s)
{
    switch (s) {
    case MIB_STATUS_MANDATORY: return "mandatory";
    case MIB_STATUS_OPTIONAL: return "optional";
    case MIB_STATUS_OBSOLETE: return "obsolete";
    case MIB_STATUS_DEPRECATED: return "deprecated";
    case MIB_STATUS_CURRENT: return "current";
    default: return NULL;
    }
}

static void
set_str(lua_State *L, const char *k, const char *v)
{
    if (v) {
        lua_pushstring(L, v);
        lua_setfield(L, -2, k);
    }
}

/* m:node(oid) -> table describing the deepest known node, and the number
 * of arcs it covers; nil when nothing is known. */
static int
l_mib_node(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    oid_t o, no;
    char mod[256];
    mwl_checkoid(L, 2, &o);
    mib_node_t *n = mib_get_tree(m, &o);
    if (!n)
        return 0;
    const mib_node_more_t *x = mib_node_more(n);
    const int *mods = mib_node_modules(n);
    mib_node_oid(n, &no);
    lua_createtable(L, 0, 20);
    set_str(L, "name", n->label);
    set_str(L, "module", mib_module_name(m, n->modid, mod));
    lua_createtable(L, n->nmodules, 0);
    for (int i = 0; i < n->nmodules; i++) {
        lua_pushstring(L, mib_module_name(m, mods[i], mod));
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "modules");
    memcpy(mwl_pushoid(L), &no, sizeof no);
    lua_setfield(L, -2, "oid");
    lua_pushinteger(L, (lua_Integer)(uint32_t)n->subid);
    lua_setfield(L, -2, "subid");
    set_str(L, "type", type_name(n->type));
    set_str(L, "access", access_name(n->access));
    set_str(L, "status", status_name(n->status));
    if (n->tc >= 0) {
        const mib_tc_t *tc = mib_tc(m, n->tc);
        if (tc) {
            set_str(L, "tc", tc->descriptor);
            set_str(L, "tc_module", mib_module_name(m, tc->modid, mod));
        }
    }
    set_str(L, "hint", x->hint);
    set_str(L, "units", x->units);
    set_str(L, "description", mib_node_description(m, n));
    set_str(L, "reference", mib_node_reference(m, n));
    set_str(L, "defval", x->defval);
    set_str(L, "augments", x->augments);
    if (x->enums) {
        lua_newtable(L);            /* enums: { [value] = label } and list */
        lua_newtable(L);            /* enum_list */
        int i = 1;
        for (mib_enum_t *e = x->enums; e; e = e->next) {
            lua_pushstring(L, e->label);
            lua_rawseti(L, -3, e->value);
            lua_createtable(L, 0, 2);
            lua_pushstring(L, e->label);
            lua_setfield(L, -2, "name");
            lua_pushinteger(L, e->value);
            lua_setfield(L, -2, "value");
            lua_rawseti(L, -2, i++);
        }
        lua_setfield(L, -3, "enum_list");
        lua_setfield(L, -2, "enums");
    }
    if (x->ranges) {
        lua_newtable(L);
        int i = 1;
        int unsig = n->type != MIB_TYPE_INTEGER && n->type != MIB_TYPE_INTEGER32;
        for (mib_range_t *r = x->ranges; r; r = r->next) {
            lua_createtable(L, 2, 0);
            lua_pushinteger(L, unsig ? (lua_Integer)(uint32_t)r->low : r->low);
            lua_rawseti(L, -2, 1);
            lua_pushinteger(L, unsig ? (lua_Integer)(uint32_t)r->high : r->high);
            lua_rawseti(L, -2, 2);
            lua_rawseti(L, -2, i++);
        }
        lua_setfield(L, -2, n->type == MIB_TYPE_OCTETSTR || n->type == MIB_TYPE_OPAQUE
                                ? "sizes" : "ranges");
    }
    /* index of the row: the table entry's own INDEX, or the augmented one */
    const mib_node_t *row = x->indexes || x->augments ? n : n->parent;
    const mib_index_t *ix = NULL;
    if (row && mib_node_more(row)->indexes) {
        ix = mib_node_more(row)->indexes;
    } else if (row && mib_node_more(row)->augments) {
        mib_node_t *a = mib_find_node(m, mib_node_more(row)->augments, NULL);
        if (a)
            ix = mib_node_more(a)->indexes;
    }
    if (ix && (x->indexes || x->augments || !n->child)) {
        lua_newtable(L);
        int i = 1;
        for (; ix; ix = ix->next) {
            lua_createtable(L, 0, 2);
            lua_pushstring(L, ix->label);
            lua_setfield(L, -2, "name");
            lua_pushboolean(L, ix->implied);
            lua_setfield(L, -2, "implied");
            lua_rawseti(L, -2, i++);
        }
        lua_setfield(L, -2, "index");
    }
    if (x->varbinds) {
        lua_newtable(L);
        int i = 1;
        for (mib_varbind_t *v = x->varbinds; v; v = v->next) {
            lua_pushstring(L, v->label);
            lua_rawseti(L, -2, i++);
        }
        lua_setfield(L, -2, "objects");
    }
    if (n->file) {
        set_str(L, "file", n->file);
        lua_pushinteger(L, n->line);
        lua_setfield(L, -2, "line");
    }
    if (n->child) {
        /* children as the tree links them: { {subid=, access=}, ... } */
        lua_newtable(L);
        int i = 1;
        for (const mib_node_t *c = n->child; c; c = c->peer) {
            lua_createtable(L, 0, 2);
            lua_pushinteger(L, (lua_Integer)(uint32_t)c->subid);
            lua_setfield(L, -2, "subid");
            set_str(L, "access", access_name(c->access));
            lua_rawseti(L, -2, i++);
        }
        lua_setfield(L, -2, "children");
    }
    lua_pushinteger(L, no.len);
    return 2;
}

static int
opt_bool(lua_State *L, int t, const char *k)
{
    lua_getfield(L, t, k);
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* m:format_value(oid, type, value [, opts]) -> string as net-snmp prints
 * it after "OID = ". opts: { quick, quicke, numeric_enum,
 * numeric_timeticks, no_units, hex_text, string_format = "a"|"x",
 * two_digit_hex, no_hint, hex_line_len, form, flags } */
static int
l_mib_format_value(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    oid_t o, vo;
    mibfmt_opts_t opts;
    mibfmt_value_t v;
    uint8_t ip[4];
    const char *tname = luaL_checkstring(L, 3);
    int tag;

    mwl_checkoid(L, 2, &o);
    memset(&opts, 0, sizeof opts);
    memset(&v, 0, sizeof v);
    if (lua_istable(L, 5)) {
        opts.quick = opt_bool(L, 5, "quick");
        opts.quicke = opt_bool(L, 5, "quicke");
        opts.numeric_enum = opt_bool(L, 5, "numeric_enum");
        opts.numeric_timeticks = opt_bool(L, 5, "numeric_timeticks");
        opts.no_units = opt_bool(L, 5, "no_units");
        opts.hex_text = opt_bool(L, 5, "hex_text");
        opts.two_digit_hex = opt_bool(L, 5, "two_digit_hex");
        opts.no_hint = opt_bool(L, 5, "no_hint");
        lua_getfield(L, 5, "string_format");
        if (lua_isstring(L, -1))
            opts.string_format = lua_tostring(L, -1)[0];
        lua_pop(L, 1);
        lua_getfield(L, 5, "hex_line_len");
        opts.hex_line_len = (int)luaL_optinteger(L, -1, 0);
        lua_pop(L, 1);
        lua_getfield(L, 5, "form");
        if (!lua_isnil(L, -1))
            opts.oid_format = format_option(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, 5, "flags");
        if (lua_isstring(L, -1))
            for (const char *fl = lua_tostring(L, -1); *fl; fl++) {
                if (*fl == 'b') opts.oid_flags |= MIB_F_DONT_BREAKDOWN;
                else if (*fl == 'X') opts.oid_flags |= MIB_F_EXTENDED_INDEX;
                else if (*fl == 'E') opts.oid_flags |= MIB_F_ESCAPE_QUOTES;
            }
        lua_pop(L, 1);
    }

    if (!strcmp(tname, "BITS"))
        tag = MW_T_OCTETSTR;
    else
        tag = mwl_type_tag(tname);
    if (tag < 0)
        return luaL_argerror(L, 3, "unknown type name");
    v.tag = (uint8_t)tag;
    switch (tag) {
    case MW_T_INTEGER:
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
    case MW_T_COUNTER64:
        v.i = luaL_checkinteger(L, 4);
        break;
    case MW_T_OCTETSTR:
    case MW_T_OPAQUE:
    case MW_T_NSAP:
        v.s = (const uint8_t *)luaL_checklstring(L, 4, &v.n);
        break;
    case MW_T_IPADDR: {
        size_t n;
        const char *s = luaL_checklstring(L, 4, &n);
        unsigned a, b, c, d;
        char extra;
        if (n == 4 && sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) != 4) {
            v.s = (const uint8_t *)s;
        } else if (sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4 &&
                   a < 256 && b < 256 && c < 256 && d < 256) {
            ip[0] = (uint8_t)a; ip[1] = (uint8_t)b; ip[2] = (uint8_t)c; ip[3] = (uint8_t)d;
            v.s = ip;
        } else {
            return luaL_argerror(L, 4, "IpAddress expected");
        }
        v.n = 4;
        break;
    }
    case MW_T_OID:
        mwl_checkoid(L, 4, &vo);
        v.oid = &vo;
        break;
    default:
        break;
    }
    mib_node_t *node = mib_get_tree(m, &o);
    char small[1024];
    size_t n = mibfmt_value(m, node, &v, &opts, small, sizeof small);
    if (n < sizeof small) {
        lua_pushlstring(L, small, n);
    } else {
        char *big = malloc(n + 1);
        if (!big)
            return luaL_error(L, "out of memory");
        mibfmt_value(m, node, &v, &opts, big, n + 1);
        lua_pushlstring(L, big, n);
        free(big);
    }
    return 1;
}

/* m:modules() -> { {name=, file=, loaded=}, ... } in modid order */
static int
l_mib_modules(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    int n = mib_module_count(m);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        const char *name, *file;
        int loaded;
        mib_module_info(m, i, &name, &file, &loaded);
        lua_createtable(L, 0, 3);
        lua_pushstring(L, name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, file);
        lua_setfield(L, -2, "file");
        lua_pushboolean(L, loaded);
        lua_setfield(L, -2, "loaded");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* m:loaded_count() -> how many modules are loaded (m:modules() without
 * building the list) */
static int
l_mib_loaded_count(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    int n = mib_module_count(m), loaded_n = 0;
    for (int i = 0; i < n; i++) {
        const char *name, *file;
        int loaded;
        if (mib_module_info(m, i, &name, &file, &loaded) == 0 && loaded)
            loaded_n++;
    }
    lua_pushinteger(L, loaded_n);
    return 1;
}

typedef struct {
    lua_State *L;
    lua_Integer i;
} report_ctx_t;

static void
report_one(void *arg, const oid_t *o, const mib_node_t *n)
{
    report_ctx_t *c = arg;
    char buf[OID_MAX_LEN * 11 + 2];
    size_t k = 0;
    for (uint32_t i = 0; i < o->len; i++)
        k += (size_t)snprintf(buf + k, sizeof buf - k, ".%u", o->arcs[i]);
    lua_pushlstring(c->L, buf, k);
    lua_rawseti(c->L, -3, ++c->i);
    lua_pushstring(c->L, n->label);
    lua_rawseti(c->L, -2, c->i);
}

/* m:report() -> { ".1.3", ... }, { "org", ... }: every node, depth first
 * in sub-identifier order (as snmptranslate -To). */
static int
l_mib_report(lua_State *L)
{
    report_ctx_t c = { L, 0 };
    mib_t *m = check_mib(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    mib_report(m, report_one, &c);
    return 2;
}

/* Pushes a report string the C side allocated (text of n bytes), or nil. */
static int
push_text(lua_State *L, char *text, const size_t *n)
{
    if (!text) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, text, *n);
    free(text);
    return 1;
}

/* m:tree([oid], [width]) -> snmptranslate -Tp text, or nil when the OID
 * has no node */
static int
l_mib_tree(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    oid_t o;
    size_t n = 0;
    int has = !lua_isnoneornil(L, 2);
    if (has)
        mwl_checkoid(L, 2, &o);
    int width = (int)luaL_optinteger(L, 3, 1000000);
    return push_text(L, mib_tree_text(m, has ? &o : NULL, width, &n), &n);
}

/* m:ascii_dump() -> snmptranslate -Ta text */
static int
l_mib_ascii_dump(lua_State *L)
{
    size_t n = 0;
    return push_text(L, mib_ascii_dump(check_mib(L, 1), &n), &n);
}

/* m:oid_report(letters) -> snmptranslate -Tl/-To/-Ts/-Tz/-Tt text, the
 * parts named by the letters "l", "o", "s", "z", "t" */
static int
l_mib_oid_report(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    const char *letters = luaL_checkstring(L, 2);
    unsigned what = 0;
    size_t n = 0;
    for (const char *c = letters; *c; c++) {
        switch (*c) {
        case 'l': what |= MIB_REPORT_LABELED; break;
        case 'o': what |= MIB_REPORT_OID; break;
        case 's': what |= MIB_REPORT_SYMBOLIC; break;
        case 'z': what |= MIB_REPORT_MIBCHILD; break;
        case 't': what |= MIB_REPORT_SUFFIX; break;
        default: return luaL_argerror(L, 2, "report letters are l, o, s, z and t");
        }
    }
    return push_text(L, mib_oid_report(m, what, &n), &n);
}

static void
wild_one(void *arg, const oid_t *o)
{
    lua_State *L = arg;
    memcpy(mwl_pushoid(L), o, sizeof *o);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
}

/* m:wild_all(regex) -> { oid, ... }: snmptranslate -TB's matches, in order */
static int
l_mib_wild_all(lua_State *L)
{
    mib_t *m = check_mib(L, 1);
    const char *pattern = luaL_checkstring(L, 2);
    lua_newtable(L);
    mib_wild_all(m, pattern, wild_one, L);
    return 1;
}

/* core.mib_set_resolver(fn | nil): the function every OID argument goes
 * through when it is not numeric (see mwl_tooid). */
static int
l_mib_set_resolver(lua_State *L)
{
    if (!lua_isnoneornil(L, 1))
        luaL_checktype(L, 1, LUA_TFUNCTION);
    lua_settop(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "moonwalk.resolve");
    return 0;
}

static const luaL_Reg mib_methods[] = {
    { "add_dirs", l_mib_add_dirs },
    { "load", l_mib_load },
    { "adopt", l_mib_adopt },
    { "errors", l_mib_errors },
    { "error_count", l_mib_error_count },
    { "parse_oid", l_mib_parse_oid },
    { "format_oid", l_mib_format_oid },
    { "describe", l_mib_describe },
    { "node", l_mib_node },
    { "format_value", l_mib_format_value },
    { "modules", l_mib_modules },
    { "loaded_count", l_mib_loaded_count },
    { "report", l_mib_report },
    { "tree", l_mib_tree },
    { "ascii_dump", l_mib_ascii_dump },
    { "oid_report", l_mib_oid_report },
    { "wild_all", l_mib_wild_all },
    { "cache_save", l_mib_cache_save },
    { "close", l_mib_gc },
    { NULL, NULL },
};

static void
set_mib_mt(lua_State *L)
{
    mwl_set_class(L, MWL_MIB_MT, mib_methods, l_mib_gc);
}

int mwl_mib_open(lua_State *L);

int
mwl_mib_open(lua_State *L)
{
    lua_pushcfunction(L, l_mib_new);
    lua_setfield(L, -2, "mib_new");
    lua_pushcfunction(L, l_mib_cache_load);
    lua_setfield(L, -2, "mib_cache_load");
    lua_pushcfunction(L, l_mib_cache_name);
    lua_setfield(L, -2, "mib_cache_name");
    lua_pushcfunction(L, l_mib_set_resolver);
    lua_setfield(L, -2, "mib_set_resolver");
    return 0;
}
