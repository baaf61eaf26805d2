/* mibreport.c - snmptranslate's whole-tree reports: -Tp (the tree), -Ta
 * (ASCII dump), -To/-Tl/-Ts/-Tz/-Tt (OID reports) and mib_report. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib.h"
#include "mibbuf.h"
#include "mibint.h"

/* ---- whole-tree report (snmptranslate -To / -Ts order) ---------------- */

static void
report(mib_node_t *tree, oid_t *o, void (*fn)(void *, const oid_t *, const mib_node_t *), void *arg)
{
    size_t n = 0;
    for (mib_node_t *c = tree->child; c; c = c->peer)
        n++;
    if (n == 0 || o->len >= OID_MAX_LEN)
        return;
    mib_node_t **v = malloc(n * sizeof *v);
    if (!v)
        return;
    n = 0;
    for (mib_node_t *c = tree->child; c; c = c->peer)
        v[n++] = c;
    /* stable selection by subid, first in list order among equals */
    for (size_t i = 0; i < n; i++) {
        size_t best = i;
        for (size_t j = i + 1; j < n; j++)
            if ((uint32_t)v[j]->subid < (uint32_t)v[best]->subid)
                best = j;
        mib_node_t *t = v[best];
        memmove(v + i + 1, v + i, (best - i) * sizeof *v);
        v[i] = t;
    }
    for (size_t i = 0; i < n; i++) {
        o->arcs[o->len++] = (uint32_t)v[i]->subid;
        fn(arg, o, v[i]);
        report(v[i], o, fn, arg);
        o->len--;
    }
    free(v);
}

void
mib_report(mib_t *m, void (*fn)(void *, const oid_t *, const mib_node_t *), void *arg)
{
    oid_t o = { 0 };
    /* as net-snmp: the children of each root, roots in list order */
    for (mib_node_t *r = m->tree_head; r; r = r->peer) {
        o.len = 1;
        o.arcs[0] = (uint32_t)r->subid;
        report(r, &o, fn, arg);
    }
}

/* ---- snmptranslate's reports ----------------------------------------- */

static char *
report_out(mibbuf_t *b, size_t *len)
{
    if (!b->buf)
        mibbuf_add(b, "", 0);
    if (len)
        *len = b->len;
    return b->buf;
}

/* -Tp: net-snmp's print_mib_leaves; indent holds the "  |  |" prefix. */
typedef struct {
    mibbuf_t *b;
    char indent[1024];
    int was_simple, width;
} tree_print_t;

static int
subid_cmp(const void *a, const void *b)
{
    const mib_node_t *x = *(mib_node_t *const *)a, *y = *(mib_node_t *const *)b;
    unsigned long u = (unsigned long)x->subid, v = (unsigned long)y->subid;
    return u < v ? -1 : u > v;
}

static void
print_leaves(mib_t *m, tree_print_t *tpr, mib_node_t *tp)
{
    mibbuf_t *b = tpr->b;
    size_t ilen = strlen(tpr->indent);
    char *ip = tpr->indent + ilen - 1, last_ipch = *ip;

    if (ilen + 4 >= sizeof tpr->indent)
        return; /* deeper than any real MIB */
    *ip = '+';
    if (tp->type == MIB_TYPE_OTHER || tp->type > MIB_TYPE_SIMPLE_LAST) {
        mibbuf_printf(b, "%s--%s(%ld)\n", tpr->indent, tp->label, tp->subid);
        if (mib_node_more(tp)->indexes) {
            int first = 1, cpos = 0, len, cmax = tpr->width - (int)strlen(tpr->indent) - 12;
            *ip = last_ipch;
            mibbuf_printf(b, "%s  |  Index: ", tpr->indent);
            for (mib_index_t *xp = mib_node_more(tp)->indexes; xp; xp = xp->next) {
                if (first)
                    first = 0;
                else
                    mibbuf_cat(b, ", ");
                cpos += (len = (int)strlen(xp->label) + 2);
                if (cpos > cmax) {
                    mibbuf_printf(b, "\n%s  |         ", tpr->indent);
                    cpos = len;
                }
                mibbuf_cat(b, xp->label);
            }
            mibbuf_cat(b, "\n");
            *ip = '+';
        }
    } else {
        const char *acc, *typ;
        int size = 0;
        switch (tp->access) {
        case MIB_ACCESS_NOACCESS: acc = "----"; break;
        case MIB_ACCESS_READONLY: acc = "-R--"; break;
        case MIB_ACCESS_WRITEONLY: acc = "--W-"; break;
        case MIB_ACCESS_READWRITE: acc = "-RW-"; break;
        case MIB_ACCESS_NOTIFY: acc = "---N"; break;
        case MIB_ACCESS_CREATE: acc = "CR--"; break;
        default: acc = "    "; break;
        }
        switch (tp->type) {
        case MIB_TYPE_OBJID: typ = "ObjID    "; break;
        case MIB_TYPE_OCTETSTR: typ = "String   "; size = 1; break;
        case MIB_TYPE_INTEGER: typ = mib_node_more(tp)->enums ? "EnumVal  " : "INTEGER  "; break;
        case MIB_TYPE_NETADDR: typ = "NetAddr  "; break;
        case MIB_TYPE_IPADDR: typ = "IpAddr   "; break;
        case MIB_TYPE_COUNTER: typ = "Counter  "; break;
        case MIB_TYPE_GAUGE: typ = "Gauge    "; break;
        case MIB_TYPE_TIMETICKS: typ = "TimeTicks"; break;
        case MIB_TYPE_OPAQUE: typ = "Opaque   "; size = 1; break;
        case MIB_TYPE_NULL: typ = "Null     "; break;
        case MIB_TYPE_COUNTER64: typ = "Counter64"; break;
        case MIB_TYPE_BITSTRING: typ = "BitString"; break;
        case MIB_TYPE_NSAPADDRESS: typ = "NsapAddr "; break;
        case MIB_TYPE_UNSIGNED32: typ = "Unsigned "; break;
        case MIB_TYPE_UINTEGER: typ = "UInteger "; break;
        case MIB_TYPE_INTEGER32: typ = "Integer32"; break;
        default: typ = "         "; break;
        }
        mibbuf_printf(b, "%s-- %s %s %s(%ld)\n", tpr->indent, acc, typ, tp->label, tp->subid);
        *ip = last_ipch;
        if (tp->tc >= 0 && tp->tc < m->ntcs)
            mibbuf_printf(b, "%s        Textual Convention: %s\n", tpr->indent,
                          m->tcs[tp->tc].descriptor);
        if (mib_node_more(tp)->enums) {
            int cpos = 0, cmax = tpr->width - (int)strlen(tpr->indent) - 16;
            mibbuf_printf(b, "%s        Values: ", tpr->indent);
            for (mib_enum_t *ep = mib_node_more(tp)->enums; ep; ep = ep->next) {
                char buf[80];
                int bufw;
                if (ep != mib_node_more(tp)->enums)
                    mibbuf_cat(b, ", ");
                snprintf(buf, sizeof buf, "%s(%d)", ep->label, ep->value);
                cpos += (bufw = (int)strlen(buf) + 2);
                if (cpos >= cmax) {
                    mibbuf_printf(b, "\n%s                ", tpr->indent);
                    cpos = bufw;
                }
                mibbuf_cat(b, buf);
            }
            mibbuf_cat(b, "\n");
        }
        if (mib_node_more(tp)->ranges) {
            mibbuf_printf(b, "%s        %s: ", tpr->indent, size ? "Size" : "Range");
            for (mib_range_t *rp = mib_node_more(tp)->ranges; rp; rp = rp->next) {
                if (rp != mib_node_more(tp)->ranges)
                    mibbuf_cat(b, " | ");
                switch (tp->type) {
                case MIB_TYPE_INTEGER:
                case MIB_TYPE_INTEGER32:
                    if (rp->low == rp->high)
                        mibbuf_printf(b, "%d", rp->low);
                    else
                        mibbuf_printf(b, "%d..%d", rp->low, rp->high);
                    break;
                case MIB_TYPE_UNSIGNED32:
                case MIB_TYPE_OCTETSTR:
                case MIB_TYPE_GAUGE:
                case MIB_TYPE_UINTEGER:
                    if (rp->low == rp->high)
                        mibbuf_printf(b, "%u", (unsigned)rp->low);
                    else
                        mibbuf_printf(b, "%u..%u", (unsigned)rp->low, (unsigned)rp->high);
                    break;
                default:
                    break;
                }
            }
            mibbuf_cat(b, "\n");
        }
    }
    *ip = last_ipch;
    strcat(tpr->indent, "  |");
    tpr->was_simple = tp->type != MIB_TYPE_OTHER;

    size_t count = 0;
    for (mib_node_t *ntp = tp->child; ntp; ntp = ntp->peer)
        count++;
    if (count) {
        mib_node_t **leaves = malloc(count * sizeof *leaves);
        if (!leaves)
            return;
        count = 0;
        for (mib_node_t *ntp = tp->child; ntp; ntp = ntp->peer)
            leaves[count++] = ntp;
        /* net-snmp inserts each child before the first with a subid >= its
         * own: among equal subids the later child comes first */
        for (size_t i = 0; i < count / 2; i++) {
            mib_node_t *t = leaves[i];
            leaves[i] = leaves[count - 1 - i];
            leaves[count - 1 - i] = t;
        }
        for (size_t i = 1; i < count; i++) { /* stable insertion sort */
            mib_node_t *t = leaves[i];
            size_t j = i;
            while (j > 0 && subid_cmp(&leaves[j - 1], &t) > 0) {
                leaves[j] = leaves[j - 1];
                j--;
            }
            leaves[j] = t;
        }
        for (size_t i = 1; i <= count; i++) {
            if (!tpr->was_simple || leaves[i - 1]->type == 0)
                mibbuf_printf(b, "%s\n", tpr->indent);
            if (i == count)
                ip[3] = ' ';
            print_leaves(m, tpr, leaves[i - 1]);
        }
        free(leaves);
        tpr->was_simple = 0;
    }
    ip[1] = 0;
}

char *
mib_tree_text(mib_t *m, const oid_t *o, int width, size_t *len)
{
    mibbuf_t b = { 0 };
    tree_print_t tpr = { .b = &b, .was_simple = 1, .width = width };
    mib_node_t *tp = o ? mib_get_tree(m, o) : m->tree_head;
    if (!tp)
        return NULL;
    tpr.indent[0] = ' ';
    tpr.indent[1] = 0;
    print_leaves(m, &tpr, tp);
    return report_out(&b, len);
}

static void
ascii_dump_tree(mibbuf_t *b, const mib_node_t *tree)
{
    for (const mib_node_t *tp = tree->child; tp; tp = tp->peer)
        mibbuf_printf(b, "%s OBJECT IDENTIFIER ::= { %s %ld }\n", tp->label, tree->label, tp->subid);
    for (const mib_node_t *tp = tree->child; tp; tp = tp->peer)
        if (tp->child)
            ascii_dump_tree(b, tp);
}

char *
mib_ascii_dump(mib_t *m, size_t *len)
{
    mibbuf_t b = { 0 };
    mibbuf_cat(&b, "dump DEFINITIONS ::= BEGIN\n");
    if (m->tree_head)
        ascii_dump_tree(&b, m->tree_head);
    mibbuf_cat(&b, "END\n");
    return report_out(&b, len);
}

/* The path from the root to tp: labels, numbers or both. */
static void
report_path(mibbuf_t *b, const mib_node_t *tp, int what)
{
    if (!tp)
        return;
    report_path(b, tp->parent, what);
    if (what == MIB_REPORT_LABELED)
        mibbuf_printf(b, ".%s(%lu)", tp->label, (unsigned long)tp->subid);
    else if (what == MIB_REPORT_OID)
        mibbuf_printf(b, ".%lu", (unsigned long)tp->subid);
    else
        mibbuf_printf(b, ".%s", tp->label);
}

/* net-snmp's print_subtree_oid_report: children in sub-identifier order
 * (the first of equal ones first), each one once. */
static void
oid_report_tree(mib_t *m, mibbuf_t *b, mib_node_t *tree, int count, unsigned what)
{
    count++;
    for (;;) {
        mib_node_t *tp = NULL;
        for (mib_node_t *ntp = tree->child; ntp; ntp = ntp->peer)
            if (!ntp->reported && (!tp || (unsigned long)tp->subid > (unsigned long)ntp->subid))
                tp = ntp;
        if (!tp)
            break;
        tp->reported = 1;
        if (what & MIB_REPORT_LABELED) {
            report_path(b, tp, MIB_REPORT_LABELED);
            mibbuf_cat(b, "\n");
        }
        if (what & MIB_REPORT_OID) {
            report_path(b, tp, MIB_REPORT_OID);
            mibbuf_cat(b, "\n");
        }
        if (what & MIB_REPORT_SYMBOLIC) {
            report_path(b, tp, MIB_REPORT_SYMBOLIC);
            mibbuf_cat(b, "\n");
        }
        if (what & MIB_REPORT_MIBCHILD) {
            mibbuf_printf(b, "\"%s\"\t\t\t\"", tp->label);
            mibbuf_t path = { 0 };
            report_path(&path, tp, MIB_REPORT_OID);
            if (path.buf)
                mibbuf_cat(b, path.buf + 1); /* no leading dot */
            free(path.buf);
            mibbuf_cat(b, "\"\n");
        }
        if (what & MIB_REPORT_SUFFIX) {
            for (int i = 0; i < count; i++)
                mibbuf_cat(b, "  ");
            mibbuf_printf(b, "%s(%ld) type=%d", tp->label, tp->subid, tp->type);
            if (tp->tc != -1)
                mibbuf_printf(b, " tc=%d", tp->tc);
            if (mib_node_more(tp)->hint)
                mibbuf_printf(b, " hint=%s", mib_node_more(tp)->hint);
            if (mib_node_more(tp)->units)
                mibbuf_printf(b, " units=%s", mib_node_more(tp)->units);
            mibbuf_cat(b, "\n");
        }
        oid_report_tree(m, b, tp, count, what);
    }
}

char *
mib_oid_report(mib_t *m, unsigned what, size_t *len)
{
    mibbuf_t b = { 0 };
    mibname_clear_reported(m->tree_head);
    for (mib_node_t *tp = m->tree_head; tp; tp = tp->peer)
        oid_report_tree(m, &b, tp, 0, what);
    return report_out(&b, len);
}
