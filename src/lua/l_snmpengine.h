/* l_snmpengine.h - the local SNMP engine as a Lua object, for the other
 * bindings that hand one out (agent, receiver) or take one (v3 sessions). */
#ifndef MW_L_SNMPENGINE_H
#define MW_L_SNMPENGINE_H

#include "mwlua.h"
#include "../app/snmpengine.h"
#include "../app/mp.h"

#define SNMPENGINE_MT "moonwalk.snmpengine"

/* Pushes an object for e (takes a reference of its own). */
void mwl_snmpengine_push(lua_State *L, snmpengine_t *e);
/* The engine of the object at idx; raises when it is not one. */
snmpengine_t *mwl_snmpengine_check(lua_State *L, int idx);
/* The same, or NULL when idx holds nil or nothing. */
snmpengine_t *mwl_snmpengine_opt(lua_State *L, int idx);

/* Sets the counters of the engine's message processing, by their MIB
 * names (snmpInPkts, snmpInvalidMsgs, usmStatsWrongDigests ...), in the
 * table on top of the stack: the agent's and the receiver's stats show
 * them alike. */
void mwl_push_mp_stats(lua_State *L, const mp_stats_t *st);

int mwl_snmpengine_open(lua_State *L);

#endif
