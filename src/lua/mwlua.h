/* mwlua.h - helpers shared by the Lua binding files (one file per class). */
#ifndef MW_LUA_H
#define MW_LUA_H

#include <lua.h>
#include <lauxlib.h>

#include "../core/mw.h"
#include "../core/oid.h"
#include "../core/pdu.h"

#define MWL_OID_MT "moonwalk.oid"

/* Each binding file adds its functions to the module table on top of the
 * stack. */
int mwl_oid_open(lua_State *L);
int mwl_codec_open(lua_State *L);
int mwl_engine_open(lua_State *L);
int mwl_paths_open(lua_State *L);

/* The PREFIX and MIB directory the build was configured with. */
const char *mwl_paths_prefix(void);
const char *mwl_paths_mibdir(void);

oid_t *mwl_pushoid(lua_State *L);             /* new OID userdata, len 0 */
oid_t *mwl_testoid(lua_State *L, int idx);    /* OID userdata or NULL */
/* Accepts an OID userdata, a numeric string, or a name that the resolver
 * registered by the MIB layer knows. Raises with a clear message. */
void mwl_checkoid(lua_State *L, int idx, oid_t *out);
/* Is s[0..n) a numeric OID's text (digits and dots)? */
int mwl_is_numeric_oid(const char *s, size_t n);
/* Same, but returns an error message (on the stack) instead of raising. */
int mwl_tooid(lua_State *L, int idx, oid_t *out);

/* SMI type names as net-snmp prints them, and back. */
const char *mwl_type_name(uint8_t tag);
int mwl_type_tag(const char *name); /* -1 when unknown */

/* Pushes a decoded value as a Lua value (integers, exact Counter64 as Lua
 * integers, strings, dotted IpAddress, OID strings, nil for NULL and the
 * exceptions). */
void mwl_push_value(lua_State *L, const mw_value_t *v);
/* Pushes {oid=, type=, value=} for a varbind. The _cached form keeps the
 * OID strings of recent varbinds, for names that come back again and again
 * (polling); walks, whose names are all new, use the plain one. */
void mwl_push_varbind(lua_State *L, const mw_varbind_t *vb);
void mwl_push_varbind_cached(lua_State *L, const mw_varbind_t *vb);

/* Converts a Lua value at idx with type name/tag into *v. Octets for OID
 * and IpAddress values are written into scratch (at least 600 bytes);
 * strings point into the Lua string (keep it on the stack). Returns 0 or
 * pushes an error message and returns -1. */
int mwl_to_value(lua_State *L, int idx, uint8_t tag, mw_value_t *v, uint8_t *scratch, size_t scap);

/* A fixed-size scratch arena for encoding many varbinds: the caller sizes
 * buf (not owned) up front; an allocation past cap returns NULL. */
typedef struct {
    uint8_t *buf;
    size_t len, cap;
} mwl_arena_t;
uint8_t *mwl_arena_alloc(mwl_arena_t *a, size_t n);

int mwl_read_varbinds(lua_State *L, int t, mw_pdu_t *pdu, mwl_arena_t *arena);
/* the integer field k of the table at t, or def when it is nil (an error
 * when it is something else) */
lua_Integer mwl_opt_intfield(lua_State *L, int t, const char *k, lua_Integer def);
/* Gives the value on top the metatable `name` (__index: methods, __gc: gc
 * unless NULL), made the first time an object of the kind is: a command
 * that never makes one does not pay for its methods at start-up. */
void mwl_set_class(lua_State *L, const char *name, const luaL_Reg *methods, lua_CFunction gc);

/* The state of the moonwalk binary: Lua with moonwalk's allocator (small
 * blocks from size-class free lists); close it with mwl_closestate. */
lua_State *mwl_newstate(void);
void mwl_closestate(lua_State *L);
/* The limit on the bytes Lua holds (0: none; see l_alloc.c); reclaim, at
 * a turn of the loop: collects and gives memory back after a refusal
 * (returns 1 when it did). */
void mwl_alloc_limit(size_t limit);
int mwl_alloc_reclaim(lua_State *L);
int mwl_alloc_open(lua_State *L);
/* The task (thread) running now, NULL outside tasks; memory_trip stops it
 * as the budget does, with "not enough memory", if it is still the one
 * running. */
void *mwl_engine_running(void);
void mwl_engine_memory_trip(void *task);

/* Is the loop thread-safe (core.loop_threads() before it was made)? */
int mwl_loop_threaded(void);

/* The engine's loop and main thread, for the other bindings. */
struct event_base;
struct event_base *mwl_event_base(lua_State *L);
lua_State *mwl_main_thread(lua_State *L);

/* A C call that waits: mwl_wait_ref anchors the running task (it raises
 * outside a task) and returns a ref; the completion resumes the task with
 * mwl_resume_ref and n values on top of the main thread's stack; a call
 * that gives up before yielding frees the ref with mwl_drop_ref. */
int mwl_wait_ref(lua_State *L);
void mwl_resume_ref(lua_State *L, int ref, int n);
void mwl_drop_ref(lua_State *L, int ref);

/* Hex helpers */
void mwl_push_hex(lua_State *L, const uint8_t *p, size_t n);

#endif
