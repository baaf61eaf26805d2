/* mibtree.c - the OID tree: parse nodes are linked under their parents as
 * net-snmp links them (same child order, same merging of duplicate
 * definitions, orphans kept for a later adoption), nodes by label, and
 * the textual conventions. */
#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mib.h"
#include "mibint.h"

/* ---- nodes and the tree ---------------------------------------------- */

static int
name_hash(const char *name)
{
    int hash = 0;
    if (!name)
        return 0;
    for (const char *cp = name; *cp; cp++)
        hash += tolower((unsigned char)*cp);
    return hash;
}

#define NBUCKET(x) ((x) & (NHASH - 1))

/* A zeroed node: one given back by node_recycle, else a new one. */
static mib_node_t *
node_take(mib_t *m)
{
    mib_node_t *np = m->free_nodes;
    if (!np)
        return mib_arena_alloc(m, sizeof *np);
    m->free_nodes = np->next;
    memset(np, 0, sizeof *np);
    return np;
}

/* Parse nodes are dead once do_subtree has copied them into the tree (net-snmp
 * frees them there): their memory serves the next nodes. */
static void
node_recycle(mib_t *m, mib_node_t *list)
{
    while (list) {
        mib_node_t *next = list->next;
        list->next = m->free_nodes;
        m->free_nodes = list;
        list = next;
    }
}

const mib_node_more_t mib_node_more_none;

mib_node_more_t *
mibtree_more(mib_t *m, mib_node_t *np)
{
    if (!np->more)
        np->more = mib_arena_alloc(m, sizeof *np->more);
    return np->more;
}

void
mibtree_free_node(mib_t *m, mib_node_t *np)
{
    np->next = NULL;
    node_recycle(m, np);
}

mib_node_t *
mibtree_alloc_node(mib_t *m, int modid)
{
    mib_node_t *np = node_take(m);
    np->tc = -1;
    np->modid = modid;
    np->file = m->file;
    np->line = m->line;
    return np;
}

static unsigned
tbucket(const char *label)
{
    return mib_str_hash(label) & (THASH - 1);
}

void
mibtree_hash_add(mib_t *m, mib_node_t *tp)
{
    unsigned h = tbucket(tp->label);
    tp->hnext = m->tbuckets[h];
    m->tbuckets[h] = tp;
}

static void
unlink_tbucket(mib_t *m, mib_node_t *tp)
{
    unsigned h = tbucket(tp->label);
    mib_node_t **pp = &m->tbuckets[h];
    while (*pp && *pp != tp)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = tp->hnext;
}

/* Children by sub-identifier. Linking a node scans its parent's children
 * for its sub-identifier (net-snmp's order: before the first child with
 * it, else at the end); under enterprises, with a thousand vendor modules,
 * those scans were most of the linking. A parent with KIDS_MIN children or
 * more gets an index of its first child of each sub-identifier and of its
 * last child, kept by do_subtree's insertions; any other change of its
 * child list (anonymous nodes merged, a node unlinked) drops the parent's
 * index, and the next lookup scans its children again. */
#define KIDS_MIN 16
#define KIDS_TAIL LONG_MIN

static mib_kid_t *
kids_slot(mib_kid_t *t, size_t cap, const mib_node_t *parent, long subid)
{
    size_t h = (size_t)((((uintptr_t)parent >> 4) ^ (uintptr_t)subid * 0x9e3779b1u) *
                        2654435761u) & (cap - 1);
    while (t[h].parent && (t[h].parent != parent || t[h].subid != subid))
        h = (h + 1) & (cap - 1);
    return &t[h];
}

static mib_kid_t *
kids_find(mib_t *m, const mib_node_t *parent, long subid)
{
    if (!m->nkids)
        return NULL;
    mib_kid_t *k = kids_slot(m->kids, m->capkids, parent, subid);
    return k->parent ? k : NULL;
}

/* 0, or -1 when out of memory. */
static int
kids_put(mib_t *m, const mib_node_t *parent, long subid, mib_node_t *node, unsigned epoch)
{
    if ((m->nkids + 1) * 2 > m->capkids) {
        size_t cap = m->capkids ? m->capkids * 2 : 1024;
        mib_kid_t *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < m->capkids; i++)
            if (m->kids[i].parent)
                *kids_slot(t, cap, m->kids[i].parent, m->kids[i].subid) = m->kids[i];
        free(m->kids);
        m->kids = t;
        m->capkids = cap;
    }
    mib_kid_t *k = kids_slot(m->kids, m->capkids, parent, subid);
    if (!k->parent)
        m->nkids++;
    k->parent = parent;
    k->subid = subid;
    k->node = node;
    k->epoch = epoch;
    return 0;
}

/* parent's child list changed other than through kids_added */
static void
kids_drop(mib_t *m, const mib_node_t *parent)
{
    mib_kid_t *k = parent ? kids_find(m, parent, KIDS_TAIL) : NULL;
    if (k)
        k->node = NULL;
}

/* Whether parent's children are indexed (now, when they are many); *epoch
 * is then the index's. */
static int
kids_indexed(mib_t *m, const mib_node_t *parent, unsigned *epoch)
{
    mib_kid_t *k = kids_find(m, parent, KIDS_TAIL);
    if (k && k->node) {
        *epoch = k->epoch;
        return 1;
    }
    int n = 0;
    mib_node_t *c, *last = NULL;
    for (c = parent->child; c; c = c->peer, n++)
        last = c;
    if (n < KIDS_MIN)
        return 0;
    unsigned e = ++m->kids_epoch;
    for (c = parent->child; c; c = c->peer)
        if (!(k = kids_find(m, parent, c->subid)) || k->epoch != e)
            if (kids_put(m, parent, c->subid, c, e))
                return 0;
    if (kids_put(m, parent, KIDS_TAIL, last, e))
        return 0;
    *epoch = e;
    return 1;
}

/* The first child of an indexed parent with subid, or NULL. */
static mib_node_t *
kids_get(mib_t *m, const mib_node_t *parent, long subid, unsigned epoch)
{
    mib_kid_t *k = kids_find(m, parent, subid);
    return k && k->epoch == epoch ? k->node : NULL;
}

/* tp was just linked under an indexed parent: before the first child with
 * its sub-identifier, or at the end. */
static void
kids_added(mib_t *m, const mib_node_t *parent, mib_node_t *tp, unsigned epoch)
{
    if (kids_put(m, parent, tp->subid, tp, epoch) ||
        (!tp->peer && kids_put(m, parent, KIDS_TAIL, tp, epoch)))
        kids_drop(m, parent);
}

static void
unlink_tree(mib_t *m, mib_node_t *tp)
{
    kids_drop(m, tp->parent);
    if (tp->parent) {
        mib_node_t **pp = &tp->parent->child;
        while (*pp && *pp != tp)
            pp = &(*pp)->peer;
        if (*pp)
            *pp = tp->peer;
    }
    if (m->tree_head == tp)
        m->tree_head = tp->peer;
}

mib_node_t *
mibtree_find(mib_t *m, const char *name, int modid)
{
    if (!name || !*name)
        return NULL;
    for (mib_node_t *tp = m->tbuckets[tbucket(name)]; tp; tp = tp->hnext) {
        if (strcmp(tp->label, name))
            continue;
        if (modid == -1)
            return tp;
        const int *mods = mib_node_modules(tp);
        for (int i = 0; i < tp->nmodules; i++)
            if (mods[i] == modid)
                return tp;
    }
    return NULL;
}

static const int translation[256] = {
    [OBJID] = MIB_TYPE_OBJID, [OCTETSTR] = MIB_TYPE_OCTETSTR,
    [INTEGER] = MIB_TYPE_INTEGER, [NETADDR] = MIB_TYPE_NETADDR,
    [IPADDR] = MIB_TYPE_IPADDR, [COUNTER] = MIB_TYPE_COUNTER,
    [GAUGE] = MIB_TYPE_GAUGE, [TIMETICKS] = MIB_TYPE_TIMETICKS,
    [KW_OPAQUE] = MIB_TYPE_OPAQUE, [NUL] = MIB_TYPE_NULL,
    [COUNTER64] = MIB_TYPE_COUNTER64, [BITSTRING] = MIB_TYPE_BITSTRING,
    [NSAPADDRESS] = MIB_TYPE_NSAPADDRESS, [INTEGER32] = MIB_TYPE_INTEGER32,
    [UINTEGER32] = MIB_TYPE_UINTEGER, [UNSIGNED32] = MIB_TYPE_UNSIGNED32,
    [TRAPTYPE] = MIB_TYPE_TRAPTYPE, [NOTIFTYPE] = MIB_TYPE_NOTIFTYPE,
    [OBJGROUP] = MIB_TYPE_OBJGROUP, [NOTIFGROUP] = MIB_TYPE_NOTIFGROUP,
    [MODULEIDENTITY] = MIB_TYPE_MODID, [AGENTCAP] = MIB_TYPE_AGENTCAP,
    [COMPLIANCE] = MIB_TYPE_MODCOMP, [OBJIDENTITY] = MIB_TYPE_OBJIDENTITY,
};

/* A parse node becomes a tree node: copy its data into tp. */
static void
tree_from_node(mib_node_t *tp, const mib_node_t *np)
{
    tp->label = np->label;
    tp->more = np->more;        /* the parse node is recycled: it is tp's now */
    tp->description_at = np->description_at;
    tp->subid = np->subid;
    tp->tc = np->tc;
    tp->type = (unsigned char)translation[np->type];
    tp->access = np->access;
    tp->status = np->status;
    tp->file = np->file;
    tp->line = np->line;
}

static void
add_module_to_node(mib_t *m, mib_node_t *tp, int modid)
{
    int *p = mib_arena_alloc(m, (size_t)(tp->nmodules + 1) * sizeof(int));
    memcpy(p, mib_node_modules(tp), (size_t)tp->nmodules * sizeof(int));
    p[tp->nmodules++] = modid;
    mibtree_more(m, tp)->modules = p;
}

mib_node_t *
mibtree_new_node(mib_t *m, int modid)
{
    mib_node_t *tp = node_take(m);
    tp->modid = modid;
    tp->nmodules = 1;
    tp->tc = -1;
    return tp;
}

static void
merge_anon_children(mib_t *m, mib_node_t *tp1, mib_node_t *tp2)
{
    mib_node_t *child1, *child2, *previous;

    kids_drop(m, tp1);
    kids_drop(m, tp2);

    for (child1 = tp1->child; child1;) {
        for (child2 = tp2->child, previous = NULL; child2;
             previous = child2, child2 = child2->peer) {
            if (child1->subid == child2->subid) {
                if (!strncmp(child1->label, ANON, ANON_LEN)) {
                    merge_anon_children(m, child1, child2);
                    kids_drop(m, child1);
                    child1->child = NULL;
                    previous = child1;
                    child1 = child1->peer;
                    unlink_tbucket(m, previous);
                    goto next;
                } else if (!strncmp(child2->label, ANON, ANON_LEN)) {
                    merge_anon_children(m, child2, child1);
                    if (previous)
                        previous->peer = child2->peer;
                    else
                        tp2->child = child2->peer;
                    unlink_tbucket(m, child2);
                    previous = child1;
                    child1 = child1->peer;
                    previous->peer = tp2->child;
                    tp2->child = previous;
                    for (previous = tp2->child; previous; previous = previous->peer)
                        previous->parent = tp2;
                    goto next;
                } else if (!strcmp(child1->label, child2->label)) {
                    continue;
                } else {
                    kids_drop(m, child1);
                    kids_drop(m, child2);
                    if (child2->child) {
                        for (previous = child2->child; previous->peer; previous = previous->peer)
                            ;
                        previous->peer = child1->child;
                    } else {
                        child2->child = child1->child;
                    }
                    for (previous = child1->child; previous; previous = previous->peer)
                        previous->parent = child2;
                    child1->child = NULL;
                    previous = child1;
                    child1 = child1->peer;
                    unlink_tbucket(m, previous);
                    goto next;
                }
            }
        }
        if (child1) {
            previous = child1;
            child1 = child1->peer;
            previous->parent = tp2;
            previous->peer = tp2->child;
            tp2->child = previous;
        }
    next:;
    }
}

/* Moves the parse nodes whose parent is root into the tree under root. */
static void
do_subtree(mib_t *m, mib_node_t *root, mib_node_t **nodes)
{
    mib_node_t *tp, *anon_tp = NULL, *xroot = root;
    mib_node_t *np, **headp, *oldnp = NULL, *child_list = NULL, *childp = NULL;

    (void)nodes;
    while (xroot->peer && xroot->peer->subid == root->subid)
        xroot = xroot->peer;

    headp = &m->nbuckets[NBUCKET(name_hash(root->label))];
    for (np = *headp; np; np = np->next) {
        if (!strcmp(root->label, np->plabel)) {
            if (oldnp == NULL)
                *headp = np->next;
            else
                oldnp->next = np->next;
            if (child_list)
                childp->next = np;
            else
                child_list = np;
            childp = np;
        } else {
            oldnp = np;
        }
    }
    if (childp)
        childp->next = NULL;

    for (np = child_list; np; np = np->next) {
        mib_node_t *otp = NULL, *xxroot = xroot;
        int indexed = 0;
        unsigned epoch = 0;
        anon_tp = NULL;
        tp = xroot->child;
        if (np->subid == -1) {
            np->subid = xroot->subid;
            tp = xroot;
            xxroot = xroot->parent;
        } else if ((indexed = kids_indexed(m, xroot, &epoch))) {
            /* as the scan below: the first child with the sub-identifier
             * and the one before it, else the last child */
            tp = kids_get(m, xroot, np->subid, epoch);
            if (!tp)
                otp = kids_get(m, xroot, KIDS_TAIL, epoch);
            else if (tp != xroot->child)
                for (otp = xroot->child; otp->peer != tp; otp = otp->peer)
                    ;
        }
        while (tp && !indexed) {
            if (tp->subid == np->subid)
                break;
            otp = tp;
            tp = tp->peer;
        }
        if (tp) {
            if (!strcmp(tp->label, np->label)) {
                add_module_to_node(m, tp, np->modid);
                do_subtree(m, tp, nodes);
                continue;
            }
            if (!strncmp(np->label, ANON, ANON_LEN) || !strncmp(tp->label, ANON, ANON_LEN))
                anon_tp = tp;
        }

        tp = mibtree_new_node(m, np->modid);
        tp->parent = xxroot;
        tree_from_node(tp, np);
        if (otp) {
            tp->peer = otp->peer;
            otp->peer = tp;
        } else if (xxroot) {
            tp->peer = xxroot->child;
            xxroot->child = tp;
        } else {
            /* an alias of a root node */
            tp->peer = m->tree_head;
            m->tree_head = tp;
        }
        mibtree_hash_add(m, tp);
        if (indexed)
            kids_added(m, xroot, tp, epoch);
        do_subtree(m, tp, nodes);

        if (anon_tp) {
            if (!strncmp(tp->label, ANON, ANON_LEN)) {
                merge_anon_children(m, tp, anon_tp);
                unlink_tree(m, tp);
                unlink_tbucket(m, tp);
            } else if (!strncmp(anon_tp->label, ANON, ANON_LEN)) {
                merge_anon_children(m, anon_tp, tp);
                unlink_tbucket(m, anon_tp);
                anon_tp->label = tp->label;
                anon_tp->child = tp->child;
                anon_tp->modid = tp->modid;
                anon_tp->nmodules = 1;
                anon_tp->tc = tp->tc;
                anon_tp->type = tp->type;
                /* enums, indexes, augments, varbinds, ranges, hint, units,
                 * reference, defval: tp is dropped, anon_tp takes its record */
                anon_tp->more = tp->more;
                anon_tp->description_at = tp->description_at;
                anon_tp->access = tp->access;
                anon_tp->status = tp->status;
                anon_tp->parent = tp->parent;
                kids_drop(m, anon_tp);
                kids_drop(m, tp);
                for (mib_node_t *ntp = anon_tp->child; ntp; ntp = ntp->peer)
                    ntp->parent = anon_tp;
                mibtree_hash_add(m, anon_tp);
                unlink_tbucket(m, tp);
                unlink_tree(m, tp);
            }
            anon_tp = NULL;
        }
    }
    node_recycle(m, child_list);
}

static int get_tc_index(mib_t *m, const char *descriptor, int modid);

void
mibtree_linkup(mib_t *m, mib_module_t *mp, mib_node_t *np)
{
    mib_import_t *mip;
    mib_node_t *onp, *oldp, *newp, *tp;
    int i, more;
    char modbuf[256];

    if (mp->no_imports == 0) {
        mp->no_imports = 3;
        mp->imports = m->root_imports;
    }
    /* hash the nodes by the label of their parents */
    memset(m->nbuckets, 0, sizeof m->nbuckets);
    for (mib_node_t *p = np, *nextp; p; p = nextp) {
        nextp = p->next;
        int h = NBUCKET(name_hash(p->plabel));
        p->next = m->nbuckets[h];
        m->nbuckets[h] = p;
    }
    for (i = 0, mip = mp->imports; i < mp->no_imports; ++i, ++mip) {
        if (get_tc_index(m, mip->label, mip->modid) != -1)
            continue;
        tp = mibtree_find(m, mip->label, mip->modid);
        if (!tp) {
            mib_err_append(m, "Did not find '%s' in module %s (%s)\n", mip->label,
                       mib_module_name(m, mip->modid, modbuf), m->file);
            continue;
        }
        do_subtree(m, tp, &np);
    }
    for (tp = m->tree_head; tp; tp = tp->peer)
        do_subtree(m, tp, &np);

    /* move what is left, and what hangs below it, to the orphan list */
    oldp = m->orphan_nodes;
    do {
        for (i = 0; i < NHASH; i++)
            for (onp = m->nbuckets[i]; onp; onp = onp->next) {
                mib_node_t *op = NULL;
                int hash = NBUCKET(name_hash(onp->label));
                np = m->nbuckets[hash];
                while (np) {
                    if (strcmp(onp->label, np->plabel)) {
                        op = np;
                        np = np->next;
                    } else {
                        if (op)
                            op->next = np->next;
                        else
                            m->nbuckets[hash] = np->next;
                        np->next = m->orphan_nodes;
                        m->orphan_nodes = np;
                        op = NULL;
                        np = m->nbuckets[hash];
                    }
                }
            }
        newp = m->orphan_nodes;
        more = 0;
        for (onp = m->orphan_nodes; onp != oldp; onp = onp->next) {
            mib_node_t *op = NULL;
            int hash = NBUCKET(name_hash(onp->label));
            np = m->nbuckets[hash];
            while (np) {
                if (strcmp(onp->label, np->plabel)) {
                    op = np;
                    np = np->next;
                } else {
                    if (op)
                        op->next = np->next;
                    else
                        m->nbuckets[hash] = np->next;
                    np->next = m->orphan_nodes;
                    m->orphan_nodes = np;
                    op = NULL;
                    np = m->nbuckets[hash];
                    more = 1;
                }
            }
        }
        oldp = newp;
    } while (more);

    /* complain about the nodes left over */
    for (np = m->orphan_nodes; np && np->next; np = np->next)
        ;
    for (i = 0; i < NHASH; i++)
        if (m->nbuckets[i]) {
            if (m->orphan_nodes)
                onp = np->next = m->nbuckets[i];
            else
                onp = m->orphan_nodes = m->nbuckets[i];
            m->nbuckets[i] = NULL;
            while (onp) {
                mib_err_append(m, "Unlinked OID in %s: %s ::= { %s %ld }\n", mp->name,
                           onp->label ? onp->label : "<no label>",
                           onp->plabel ? onp->plabel : "<no parent>", onp->subid);
                mib_err_append(m, "Undefined identifier: %s near line %d of %s\n",
                           onp->plabel ? onp->plabel : "<no parent>", onp->line, onp->file);
                np = onp;
                onp = onp->next;
            }
        }
}

void
mib_adopt_orphans(mib_t *m)
{
    mib_node_t *np, *onp, *tp;
    int i, adopted = 1;

    if (m->cached)
        mibcache_materialize(m);
    if (!m->orphan_nodes)
        return;
    memset(m->nbuckets, 0, sizeof m->nbuckets);
    for (mib_node_t *p = m->orphan_nodes, *nextp; p; p = nextp) {
        nextp = p->next;
        int h = NBUCKET(name_hash(p->plabel));
        p->next = m->nbuckets[h];
        m->nbuckets[h] = p;
    }
    m->orphan_nodes = NULL;

    while (adopted) {
        adopted = 0;
        for (i = 0; i < NHASH; i++)
            if (m->nbuckets[i]) {
                for (np = m->nbuckets[i]; np != NULL; np = np->next) {
                    tp = mibtree_find(m, np->plabel, -1);
                    if (tp) {
                        do_subtree(m, tp, &np);
                        adopted = 1;
                        if (m->nbuckets[i] == NULL)
                            break;
                        for (onp = m->nbuckets[i]; onp; onp = onp->next)
                            if (onp == np)
                                break;
                        if (onp == NULL)
                            np = m->nbuckets[i];
                    }
                }
            }
    }
    np = NULL;
    for (i = 0; i < NHASH; i++)
        if (m->nbuckets[i]) {
            if (m->orphan_nodes)
                onp = np->next = m->nbuckets[i];
            else
                onp = m->orphan_nodes = m->nbuckets[i];
            m->nbuckets[i] = NULL;
            while (onp) {
                char modbuf[256];
                mib_err_append(m, "Cannot adopt OID in %s: %s ::= { %s %ld }\n",
                           mib_module_name(m, onp->modid, modbuf),
                           onp->label ? onp->label : "<no label>",
                           onp->plabel ? onp->plabel : "<no parent>", onp->subid);
                np = onp;
                onp = onp->next;
            }
        }
}

/* ---- textual conventions ---------------------------------------------- */

static int
get_tc_index(mib_t *m, const char *descriptor, int modid)
{
    mib_module_t *mp = mib_find_module(m, modid);
    if (mp)
        for (int i = 0; i < mp->no_imports; ++i)
            if (!strcmp(mp->imports[i].label, descriptor)) {
                modid = mp->imports[i].modid;
                break;
            }
    /* the chain runs from the newest TC to the oldest: the oldest match is
     * the one a scan in order would find */
    int found = -1;
    for (int i = m->tcbuckets[mib_str_hash(descriptor) & (TCHASH - 1)] - 1; i >= 0;
         i = m->tcs[i].hnext - 1)
        if (!strcmp(descriptor, m->tcs[i].descriptor) &&
            (modid == m->tcs[i].modid || modid == -1))
            found = i;
    return found;
}

int
mibtree_get_tc(mib_t *m, const char *descriptor, int modid, int *tc_index,
       mib_enum_t **ep, mib_range_t **rp, const char **hint)
{
    int i = get_tc_index(m, descriptor, modid);
    if (tc_index)
        *tc_index = i;
    if (i != -1) {
        mib_tc_t *tcp = &m->tcs[i];
        if (ep)
            *ep = tcp->enums;
        if (rp)
            *rp = tcp->ranges;
        if (hint)
            *hint = tcp->hint;
        return tcp->type;
    }
    return LABEL;
}

const mib_tc_t *
mib_tc(mib_t *m, int index)
{
    return (index >= 0 && index < m->ntcs) ? &m->tcs[index] : NULL;
}
