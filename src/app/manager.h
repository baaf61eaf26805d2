/* manager.h - the manager's request rules over decoded PDUs, with no Lua
 * and no sockets: the walk step rules of snmpwalk/snmpbulkwalk, the
 * request a walk step sends, and a pool of request records.
 *
 * A walk step is one GETNEXT (or GETBULK) from the current name and the
 * rules applied to its response, in net-snmp's order:
 *   - a name outside the subtree ends the walk and is not delivered (with
 *     an end name, snmpwalk -CE: a name at or after it does, wherever
 *     the subtree ends);
 *   - endOfMibView, noSuchObject and noSuchInstance end the walk (they
 *     are delivered unless MANAGER_WALK_SKIP_EXCEPTIONS);
 *   - every name must sort after the request's name, else the walk ends
 *     with "OID not increasing" (the offending varbind, and the rest of
 *     the response, are still delivered, as net-snmp prints them) unless
 *     MANAGER_WALK_ALLOW_NONINC;
 *   - an empty response ends the walk;
 *   - on SNMPv1, noSuchName ends the walk (past the last object); any
 *     other error-status, and a Report-PDU, fail it;
 *   - with a budget (varbinds still allowed), the step delivers at most
 *     that many and says MANAGER_WALK_BUDGET when the walk would have
 *     gone on. */
#ifndef MW_APP_MANAGER_H
#define MW_APP_MANAGER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/oid.h"
#include "../core/pdu.h"

/* --- request pool: fixed-size records kept on a free list ---------- */

typedef struct manager_pool {
    size_t size;               /* bytes per record */
    void *free;                /* free list, linked through each record */
    size_t nfree;
    size_t max_free;           /* records kept beyond that are freed */
} manager_pool_t;

void manager_pool_init(manager_pool_t *pool, size_t size, size_t max_free);
/* A zeroed record, or NULL when out of memory. */
void *manager_pool_get(manager_pool_t *pool);
void manager_pool_put(manager_pool_t *pool, void *rec);
void manager_pool_free(manager_pool_t *pool);

/* --- walks ---------------------------------------------------------- */

enum {
    MANAGER_WALK_ALLOW_NONINC = 1,     /* -Cc: names may not increase */
    MANAGER_WALK_SKIP_EXCEPTIONS = 2,  /* do not deliver endOfMibView/noSuch* */
};

typedef enum {
    MANAGER_WALK_MORE,         /* send the next step */
    MANAGER_WALK_DONE,         /* the subtree (or the MIB view) ended */
    MANAGER_WALK_ENDOFMIB,     /* SNMPv1 noSuchName: past the last object */
    MANAGER_WALK_NOTINC,       /* a name did not increase: bad names it */
    MANAGER_WALK_BUDGET,       /* the budget ran out before the walk ended */
    MANAGER_WALK_ERROR,        /* error-status or Report-PDU: see the PDU */
} manager_walk_result_t;

typedef struct {
    uint8_t root[OID_MAX_LEN * 5];  /* the subtree, BER content octets */
    size_t root_len;
    size_t root_arcs;               /* 0 or 1 arcs are matched by arc */
    uint32_t root_arc0;
    uint8_t cur[OID_MAX_LEN * 5];   /* the name the step asks from */
    size_t cur_len;
    uint8_t end[OID_MAX_LEN * 5];   /* with has_end: the walk ends before this name */
    size_t end_len;
    int has_end;
    int version;                    /* MW_V1 ... */
    unsigned flags;                 /* MANAGER_WALK_* */
    uint32_t max_repetitions;       /* 0: GETNEXT */
    uint64_t budget;                /* varbinds still allowed; 0: no limit */
    /* set by manager_walk_step */
    size_t delivered;               /* varbinds handed to visit */
    const mw_varbind_t *last;       /* the last one that was no exception */
    const mw_varbind_t *bad;        /* MANAGER_WALK_NOTINC: the offender */
} manager_walk_t;

/* Sets up a step from root, asking from cur. Returns 0, or -1 when an OID
 * cannot be encoded. */
int manager_walk_init(manager_walk_t *w, const oid_t *root, const oid_t *cur, int version,
                      uint32_t max_repetitions, uint64_t budget, unsigned flags);

/* Gives the walk an end name in place of the subtree's end (snmpwalk
 * -CE). Returns 0, or -1 when it cannot be encoded. */
int manager_walk_set_end(manager_walk_t *w, const oid_t *end);

/* Fills pdu (type, varbind vb, GETBULK fields) with the step's request:
 * GETBULK when max_repetitions > 0 and the version has it (capped by the
 * budget), else GETNEXT. */
void manager_walk_request(const manager_walk_t *w, mw_pdu_t *pdu, mw_varbind_t *vb);

/* Called for each varbind the step delivers, in order; exception says it
 * is endOfMibView/noSuch*. */
typedef void (*manager_visit_fn)(const mw_varbind_t *vb, int exception, void *arg);

/* Applies the walk rules to the response pdu. */
manager_walk_result_t manager_walk_step(manager_walk_t *w, const mw_pdu_t *pdu, manager_visit_fn visit,
                                        void *arg);

#endif
