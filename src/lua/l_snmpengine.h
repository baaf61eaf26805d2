/* l_snmpengine.h - the local SNMP engine as a Lua object, for the other
 * bindings that hand one out (agent, receiver) or take one (v3 sessions). */
#ifndef MW_L_SNMPENGINE_H
#define MW_L_SNMPENGINE_H

#include "mwlua.h"
#include "../app/snmpengine.h"

#define SNMPENGINE_MT "moonwalk.snmpengine"

/* Pushes an object for e (takes a reference of its own). */
void mwl_snmpengine_push(lua_State *L, snmpengine_t *e);
/* The engine of the object at idx; raises when it is not one. */
snmpengine_t *mwl_snmpengine_check(lua_State *L, int idx);
/* The same, or NULL when idx holds nil or nothing. */
snmpengine_t *mwl_snmpengine_opt(lua_State *L, int idx);

int mwl_snmpengine_open(lua_State *L);

#endif
