/* manager.c - the manager's walk rules and request pool (manager.h). */
#include <stdlib.h>
#include <string.h>

#include "manager.h"
#include "../core/ber.h"
#include "../core/mw.h"

void
manager_pool_init(manager_pool_t *pool, size_t size, size_t max_free)
{
    pool->size = size < sizeof(void *) ? sizeof(void *) : size;
    pool->free = NULL;
    pool->nfree = 0;
    pool->max_free = max_free;
}

void *
manager_pool_get(manager_pool_t *pool)
{
    void *rec = pool->free;
    if (!rec)
        return calloc(1, pool->size);
    memcpy(&pool->free, rec, sizeof(void *));
    pool->nfree--;
    memset(rec, 0, pool->size);
    return rec;
}

void
manager_pool_put(manager_pool_t *pool, void *rec)
{
    if (!rec)
        return;
    if (pool->nfree >= pool->max_free) {
        free(rec);
        return;
    }
    memcpy(rec, &pool->free, sizeof(void *));
    pool->free = rec;
    pool->nfree++;
}

void
manager_pool_free(manager_pool_t *pool)
{
    while (pool->free) {
        void *rec = pool->free;
        memcpy(&pool->free, rec, sizeof(void *));
        free(rec);
    }
    pool->nfree = 0;
}

int
manager_walk_init(manager_walk_t *w, const oid_t *root, const oid_t *cur, int version,
                  uint32_t max_repetitions, uint64_t budget, unsigned flags)
{
    int rl = oid_encode(root, w->root, sizeof w->root);
    int cl = oid_encode(cur, w->cur, sizeof w->cur);
    if (cl < 0)
        return -1;
    w->root_len = rl > 0 ? (size_t)rl : 0;
    w->root_arcs = root->len;
    w->root_arc0 = root->len > 0 ? root->arcs[0] : 0;
    w->cur_len = (size_t)cl;
    w->version = version;
    w->flags = flags;
    w->max_repetitions = max_repetitions;
    w->budget = budget;
    w->delivered = 0;
    w->last = w->bad = NULL;
    w->has_end = 0;
    w->end_len = 0;
    return 0;
}

int
manager_walk_set_end(manager_walk_t *w, const oid_t *end)
{
    int n = oid_encode(end, w->end, sizeof w->end);
    if (n < 0)
        return -1;
    w->end_len = (size_t)n;
    w->has_end = 1;
    return 0;
}

void
manager_walk_request(const manager_walk_t *w, mw_pdu_t *pdu, mw_varbind_t *vb)
{
    memset(vb, 0, sizeof *vb);
    vb->oid = w->cur;
    vb->oid_len = (uint32_t)w->cur_len;
    vb->val.type = MW_T_NULL;
    pdu->vbs = vb;
    pdu->cap = pdu->nvb = 1;
    if (w->max_repetitions > 0 && w->version != MW_V1) {
        uint64_t mr = w->max_repetitions;
        if (w->budget > 0 && w->budget < mr)
            mr = w->budget;
        pdu->type = MW_PDU_GETBULK;
        pdu->error_status = 0;
        pdu->error_index = (int32_t)(mr > INT32_MAX ? INT32_MAX : mr);
    } else {
        pdu->type = MW_PDU_GETNEXT;
        pdu->error_status = 0;
        pdu->error_index = 0;
    }
}

/* Is the BER-encoded name strictly inside the subtree (before the end
 * name, when there is one)? */
static int
in_subtree(const manager_walk_t *w, const uint8_t *p, size_t n)
{
    if (w->has_end)
        return oid_ber_cmp(p, n, w->end, w->end_len) < 0;
    if (w->root_arcs >= 2)
        return n >= w->root_len && memcmp(p, w->root, w->root_len) == 0;
    if (w->root_arcs == 0)
        return n > 0;
    /* one arc: look at the first sub-identifier, which carries two arcs */
    uint64_t v;
    if (ber_read_subid(p, n, BER_SUBID_FIRST_MAX, &v) < 0)
        return 0;
    uint32_t a0 = v < 40 ? 0 : v < 80 ? 1 : 2;
    return a0 == w->root_arc0;
}

manager_walk_result_t
manager_walk_step(manager_walk_t *w, const mw_pdu_t *pdu, manager_visit_fn visit, void *arg)
{
    manager_walk_result_t state = pdu->nvb == 0 ? MANAGER_WALK_DONE : MANAGER_WALK_MORE;
    int skip = (w->flags & MANAGER_WALK_SKIP_EXCEPTIONS) != 0;
    int allow = (w->flags & MANAGER_WALK_ALLOW_NONINC) != 0;
    w->delivered = 0;
    w->last = w->bad = NULL;
    if (pdu->type == MW_PDU_REPORT)
        return MANAGER_WALK_ERROR;
    if (pdu->error_status != 0)
        return pdu->error_status == MW_ERR_NOSUCHNAME && w->version == MW_V1 ? MANAGER_WALK_ENDOFMIB
                                                                              : MANAGER_WALK_ERROR;
    for (size_t i = 0; i < pdu->nvb; i++) {
        const mw_varbind_t *vb = &pdu->vbs[i];
        if (!in_subtree(w, vb->oid, vb->oid_len)) {
            state = MANAGER_WALK_DONE;
            continue;
        }
        int exception = vb->val.type == MW_T_ENDOFMIBVIEW || vb->val.type == MW_T_NOSUCHOBJECT
                        || vb->val.type == MW_T_NOSUCHINSTANCE;
        if (exception && skip) {
            state = MANAGER_WALK_DONE;
            continue;
        }
        if (w->budget > 0 && w->delivered >= w->budget) {
            /* one more inside the subtree than the budget allows */
            if (state == MANAGER_WALK_MORE)
                state = MANAGER_WALK_BUDGET;
            break;
        }
        visit(vb, exception, arg);
        w->delivered++;
        if (exception) {
            state = MANAGER_WALK_DONE;
            continue;
        }
        w->last = vb;
        if (!w->bad && !allow && oid_ber_cmp(w->cur, w->cur_len, vb->oid, vb->oid_len) >= 0)
            w->bad = vb;
    }
    if (w->bad)
        return MANAGER_WALK_NOTINC;
    if (state == MANAGER_WALK_MORE && w->budget > 0 && w->delivered >= w->budget)
        return MANAGER_WALK_BUDGET;
    return state;
}
