/* mibdesc.c - DESCRIPTION and REFERENCE texts read from the module file
 * when first asked for, and snmptranslate -Td. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib.h"
#include "mibbuf.h"
#include "mibint.h"

/* ---- -Td ------------------------------------------------------------- */

/* A quoted text of file at t, as the lexer gave it to the parser: without
 * '\r' and cut at MAXQUOTESTR - 1 bytes. The bytes around it must still be
 * the quotes, or the file changed since it was loaded. */
static const char *
text_load(mib_t *m, const char *file, mib_text_t t)
{
    size_t raw, n = 0;
    char *buf, *out = NULL;
    FILE *f;
    if (!t.len || !t.off || !file || !(f = fopen(file, "rb")))
        return NULL;
    raw = t.len - 1;
    if (!(buf = malloc(raw + 2)))
        goto done;
    if (fseek(f, (long)t.off - 1, SEEK_SET) != 0 || fread(buf, 1, raw + 2, f) != raw + 2
        || buf[0] != '"' || buf[raw + 1] != '"')
        goto done;
    out = mib_arena_alloc(m, (raw < MAXQUOTESTR ? raw : MAXQUOTESTR) + 1);
    for (size_t i = 1; i <= raw && n < MAXQUOTESTR - 1; i++)
        if (buf[i] != '\r')
            out[n++] = buf[i];
    out[n] = '\0';
done:
    free(buf);
    fclose(f);
    return out;
}

static size_t
texts_slot(const mib_texts_t *t, size_t cap, const mib_node_t *n)
{
    size_t h = (size_t)(((uintptr_t)n >> 4) * 2654435761u) & (cap - 1);
    while (t[h].node && t[h].node != n)
        h = (h + 1) & (cap - 1);
    return h;
}

/* n's entry of the texts read (made when missing), or NULL when out of
 * memory. */
static mib_texts_t *
texts_of(mib_t *m, const mib_node_t *n)
{
    if ((m->ntexts + 1) * 2 > m->captexts) {
        size_t cap = m->captexts ? m->captexts * 2 : 64;
        mib_texts_t *t = calloc(cap, sizeof *t);
        if (!t)
            return NULL;
        for (size_t i = 0; i < m->captexts; i++)
            if (m->texts[i].node)
                t[texts_slot(t, cap, m->texts[i].node)] = m->texts[i];
        free(m->texts);
        m->texts = t;
        m->captexts = cap;
    }
    mib_texts_t *e = &m->texts[texts_slot(m->texts, m->captexts, n)];
    if (!e->node) {
        e->node = n;
        m->ntexts++;
    }
    return e;
}

const char *
mib_node_description(mib_t *m, mib_node_t *n)
{
    if (!n->description_at.len)
        return NULL;
    mib_texts_t *e = texts_of(m, n);
    if (!e)
        return NULL;
    if (!e->description) {
        e->description = text_load(m, n->file, n->description_at);
        if (!e->description)
            n->description_at.len = 0; /* gone: do not try again */
    }
    return e->description;
}

const char *
mib_node_reference(mib_t *m, mib_node_t *n)
{
    if (!mib_node_more(n)->reference_at.len)
        return NULL;
    mib_texts_t *e = texts_of(m, n);
    if (!e)
        return NULL;
    if (!e->reference) {
        e->reference = text_load(m, n->file, n->more->reference_at);
        if (!e->reference)
            n->more->reference_at.len = 0;
    }
    return e->reference;
}

static void
print_tree_node(mib_t *m, mibbuf_t *b, mib_node_t *tp, int width)
{
    const char *cp;
    char str[256];
    int i, prevmod, pos, len;

    mib_module_name(m, tp->modid, str);
    mibbuf_cat(b, "  -- FROM\t");
    mibbuf_cat(b, str);
    pos = 16 + (int)strlen(str);
    for (i = 1, prevmod = tp->modid; i < tp->nmodules; i++) {
        if (prevmod != mib_node_modules(tp)[i]) {
            mib_module_name(m, mib_node_modules(tp)[i], str);
            len = (int)strlen(str);
            if (pos + len + 2 > width) {
                mibbuf_cat(b, ",\n  --\t\t");
                pos = 16;
            } else {
                mibbuf_cat(b, ", ");
                pos += 2;
            }
            mibbuf_cat(b, str);
            pos += len;
        }
        prevmod = mib_node_modules(tp)[i];
    }
    mibbuf_cat(b, "\n");
    if (tp->tc != -1)
        mibbuf_printf(b, "  -- TEXTUAL CONVENTION %s\n", mibname_tc_name(m, tp->tc));
    switch (tp->type) {
    case MIB_TYPE_OBJID: cp = "OBJECT IDENTIFIER"; break;
    case MIB_TYPE_OCTETSTR: cp = "OCTET STRING"; break;
    case MIB_TYPE_INTEGER: cp = "INTEGER"; break;
    case MIB_TYPE_NETADDR: cp = "NetworkAddress"; break;
    case MIB_TYPE_IPADDR: cp = "IpAddress"; break;
    case MIB_TYPE_COUNTER: cp = "Counter32"; break;
    case MIB_TYPE_GAUGE: cp = "Gauge32"; break;
    case MIB_TYPE_TIMETICKS: cp = "TimeTicks"; break;
    case MIB_TYPE_OPAQUE: cp = "Opaque"; break;
    case MIB_TYPE_NULL: cp = "NULL"; break;
    case MIB_TYPE_COUNTER64: cp = "Counter64"; break;
    case MIB_TYPE_BITSTRING: cp = "BITS"; break;
    case MIB_TYPE_NSAPADDRESS: cp = "NsapAddress"; break;
    case MIB_TYPE_UINTEGER: cp = "UInteger32"; break;
    case MIB_TYPE_UNSIGNED32: cp = "Unsigned32"; break;
    case MIB_TYPE_INTEGER32: cp = "Integer32"; break;
    default: cp = NULL; break;
    }
    if (cp) {
        mibbuf_cat(b, "  SYNTAX\t");
        mibbuf_cat(b, cp);
    }
    if (mib_node_more(tp)->ranges) {
        int first = 1;
        mibbuf_cat(b, " (");
        for (mib_range_t *rp = mib_node_more(tp)->ranges; rp; rp = rp->next) {
            /* other types leave str as it was (the last module name), as
             * net-snmp does */
            switch (tp->type) {
            case MIB_TYPE_INTEGER:
            case MIB_TYPE_INTEGER32:
                if (rp->low == rp->high)
                    snprintf(str, sizeof str, "%s%d", first ? "" : " | ", rp->low);
                else
                    snprintf(str, sizeof str, "%s%d..%d", first ? "" : " | ", rp->low, rp->high);
                break;
            case MIB_TYPE_UNSIGNED32:
            case MIB_TYPE_OCTETSTR:
            case MIB_TYPE_GAUGE:
            case MIB_TYPE_UINTEGER:
                if (rp->low == rp->high)
                    snprintf(str, sizeof str, "%s%u", first ? "" : " | ", (unsigned)rp->low);
                else
                    snprintf(str, sizeof str, "%s%u..%u", first ? "" : " | ",
                             (unsigned)rp->low, (unsigned)rp->high);
                break;
            default:
                break;
            }
            mibbuf_cat(b, str);
            first = 0;
        }
        mibbuf_cat(b, ") ");
    }
    if (mib_node_more(tp)->enums) {
        int first = 1;
        mibbuf_cat(b, " {");
        pos = 16 + (int)strlen(cp ? cp : "") + 2;
        for (mib_enum_t *ep = mib_node_more(tp)->enums; ep; ep = ep->next) {
            if (!first)
                mibbuf_cat(b, ", ");
            first = 0;
            snprintf(str, sizeof str, "%s(%d)", ep->label, ep->value);
            len = (int)strlen(str);
            if (pos + len + 2 > width) {
                mibbuf_cat(b, "\n\t\t  ");
                pos = 18;
            }
            mibbuf_cat(b, str);
            pos += len + 2;
        }
        mibbuf_cat(b, "} ");
    }
    if (cp)
        mibbuf_cat(b, "\n");
    if (mib_node_more(tp)->hint)
        mibbuf_printf(b, "  DISPLAY-HINT\t\"%s\"\n", mib_node_more(tp)->hint);
    if (mib_node_more(tp)->units) {
        mibbuf_cat(b, "  UNITS\t\t\"");
        mibbuf_cat(b, mib_node_more(tp)->units);
        mibbuf_cat(b, "\"\n");
    }
    switch (tp->access) {
    case MIB_ACCESS_READONLY: cp = "read-only"; break;
    case MIB_ACCESS_READWRITE: cp = "read-write"; break;
    case MIB_ACCESS_WRITEONLY: cp = "write-only"; break;
    case MIB_ACCESS_NOACCESS: cp = "not-accessible"; break;
    case MIB_ACCESS_NOTIFY: cp = "accessible-for-notify"; break;
    case MIB_ACCESS_CREATE: cp = "read-create"; break;
    case 0: cp = NULL; break;
    default: snprintf(str, sizeof str, "access_%d", tp->access); cp = str;
    }
    if (cp)
        mibbuf_printf(b, "  MAX-ACCESS\t%s\n", cp);
    switch (tp->status) {
    case MIB_STATUS_MANDATORY: cp = "mandatory"; break;
    case MIB_STATUS_OPTIONAL: cp = "optional"; break;
    case MIB_STATUS_OBSOLETE: cp = "obsolete"; break;
    case MIB_STATUS_DEPRECATED: cp = "deprecated"; break;
    case MIB_STATUS_CURRENT: cp = "current"; break;
    case 0: cp = NULL; break;
    default: snprintf(str, sizeof str, "status_%d", tp->status); cp = str;
    }
    if (cp)
        mibbuf_printf(b, "  STATUS\t%s\n", cp);
    if (mib_node_more(tp)->augments)
        mibbuf_printf(b, "  AUGMENTS\t{ %s }\n", mib_node_more(tp)->augments);
    if (mib_node_more(tp)->indexes) {
        int first = 1;
        mibbuf_cat(b, "  INDEX\t\t{ ");
        pos = 18;
        for (mib_index_t *ip = mib_node_more(tp)->indexes; ip; ip = ip->next) {
            if (!first)
                mibbuf_cat(b, ", ");
            first = 0;
            snprintf(str, sizeof str, "%s%s", ip->implied ? "IMPLIED " : "", ip->label);
            len = (int)strlen(str);
            if (pos + len + 2 > width) {
                mibbuf_cat(b, "\n\t\t  ");
                pos = 18;
            }
            mibbuf_cat(b, str);
            pos += len + 2;
        }
        mibbuf_cat(b, " }\n");
    }
    if (mib_node_more(tp)->varbinds) {
        int first = 1;
        mibbuf_cat(b, tp->type == MIB_TYPE_TRAPTYPE ? "  VARIABLES\t{ " : "  OBJECTS\t{ ");
        pos = 18;
        for (mib_varbind_t *vp = mib_node_more(tp)->varbinds; vp; vp = vp->next) {
            if (!first)
                mibbuf_cat(b, ", ");
            first = 0;
            len = (int)strlen(vp->label);
            if (pos + len + 2 > width) {
                mibbuf_cat(b, "\n\t\t  ");
                pos = 18;
            }
            mibbuf_cat(b, vp->label);
            pos += len + 2;
        }
        mibbuf_cat(b, " }\n");
    }
    if ((cp = mib_node_description(m, tp))) {
        mibbuf_cat(b, "  DESCRIPTION\t\"");
        mibbuf_cat(b, cp);
        mibbuf_cat(b, "\"\n");
    }
    if (mib_node_more(tp)->defval) {
        mibbuf_cat(b, "  DEFVAL\t{ ");
        mibbuf_cat(b, mib_node_more(tp)->defval);
        mibbuf_cat(b, " }\n");
    }
}

size_t
mib_describe(mib_t *m, const oid_t *o, int width, char *out, size_t cap)
{
    mibbuf_t b = { 0 };
    mib_node_t *tp = mib_get_tree(m, o), *subtree = m->tree_head;
    const char *cp;
    char tmpbuf[256];
    int pos, len;
    size_t objidlen = o->len, n;
    const uint32_t *objid = o->arcs;

    if (!tp) {
        if (cap)
            out[0] = 0;
        return 0;
    }
    if (tp->type <= MIB_TYPE_SIMPLE_LAST) {
        cp = " OBJECT-TYPE";
    } else {
        switch (tp->type) {
        case MIB_TYPE_TRAPTYPE: cp = " TRAP-TYPE"; break;
        case MIB_TYPE_NOTIFTYPE: cp = " NOTIFICATION-TYPE"; break;
        case MIB_TYPE_OBJGROUP: cp = " OBJECT-GROUP"; break;
        case MIB_TYPE_AGENTCAP: cp = " AGENT-CAPABILITIES"; break;
        case MIB_TYPE_MODID: cp = " MODULE-IDENTITY"; break;
        case MIB_TYPE_OBJIDENTITY: cp = " OBJECT-IDENTITY"; break;
        case MIB_TYPE_MODCOMP: cp = " MODULE-COMPLIANCE"; break;
        default:
            snprintf(tmpbuf, sizeof tmpbuf, " type_%d", tp->type);
            cp = tmpbuf;
        }
    }
    mibbuf_cat(&b, tp->label);
    mibbuf_cat(&b, cp);
    mibbuf_cat(&b, "\n");
    print_tree_node(m, &b, tp, width);
    mibbuf_cat(&b, "::= {");
    pos = 5;
    while (objidlen > 1) {
        for (; subtree; subtree = subtree->peer) {
            if (*objid == (uint32_t)subtree->subid) {
                while (subtree->peer && (uint32_t)subtree->peer->subid == *objid)
                    subtree = subtree->peer;
                if (strncmp(subtree->label, ANON, ANON_LEN))
                    snprintf(tmpbuf, sizeof tmpbuf, " %s(%lu)", subtree->label,
                             (unsigned long)(uint32_t)subtree->subid);
                else
                    snprintf(tmpbuf, sizeof tmpbuf, " %lu", (unsigned long)(uint32_t)subtree->subid);
                len = (int)strlen(tmpbuf);
                if (pos + len + 2 > width) {
                    mibbuf_cat(&b, "\n     ");
                    pos = 5;
                }
                mibbuf_cat(&b, tmpbuf);
                pos += len;
                objid++;
                objidlen--;
                break;
            }
        }
        if (subtree)
            subtree = subtree->child;
        else
            break;
    }
    while (objidlen > 1) {
        snprintf(tmpbuf, sizeof tmpbuf, " %u", *objid);
        len = (int)strlen(tmpbuf);
        if (pos + len + 2 > width) {
            mibbuf_cat(&b, "\n     ");
            pos = 5;
        }
        mibbuf_cat(&b, tmpbuf);
        pos += len;
        objid++;
        objidlen--;
    }
    snprintf(tmpbuf, sizeof tmpbuf, " %u }", objidlen ? *objid : 0);
    len = (int)strlen(tmpbuf);
    if (pos + len + 2 > width)
        mibbuf_cat(&b, "\n     ");
    mibbuf_cat(&b, tmpbuf);
    n = b.len;
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        memcpy(out, b.buf, k);
        out[k] = 0;
    }
    free(b.buf);
    return n;
}
