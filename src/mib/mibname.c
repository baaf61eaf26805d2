/* mibname.c - OIDs to names and names to OIDs in net-snmp's forms
 * (-Os, -Of, -On, -Ou, table indexes with their hints, MODULE::name,
 * dotted names from the root), and the regular-expression search of -Ib
 * and -TB. */
#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib.h"
#include "mibbuf.h"
#include "mibhint.h"
#include "mibint.h"

/* ---- OID -> name ----------------------------------------------------- */

/* The one range of a node's SIZE when it is a fixed size, else NULL. */
static const mib_range_t *
fixed_size(const mib_node_t *tp)
{
    const mib_range_t *r = mib_node_more(tp)->ranges;
    return r && !r->next && r->low == r->high ? r : NULL;
}

static void
oid_finish_printing(const uint32_t *objid, size_t objidlen, mibbuf_t *b)
{
    if (b->len && mibbuf_last(b) != '.')
        mibbuf_cat(b, ".");
    while (objidlen-- > 0)
        mibbuf_printf(b, "%u.", *objid++);
    if (b->len) {
        b->len--;
        b->buf[b->len] = '\0';
    }
}

static void
dump_oid_to_string(const uint32_t *objid, size_t objidlen, mibbuf_t *b, char quotechar, int flags)
{
    size_t alen = 0;
    char q[3];
    int n = 0;
    if (flags & MIB_F_ESCAPE_QUOTES)
        q[n++] = '\\';
    q[n++] = quotechar;
    q[n] = 0;
    for (size_t i = 0; i < objidlen; i++) {
        uint32_t tst = objid[i];
        if (tst > 254 || !isprint((int)tst))
            tst = '.';
        if (alen == 0)
            mibbuf_cat(b, q);
        char c = (char)tst;
        mibbuf_add(b, &c, 1);
        alen++;
    }
    if (alen)
        mibbuf_cat(b, q);
}

/* 0 failure, 1 done, 2 not handled */
static int
dump_oid_to_inetaddress(int addr_type, const uint32_t *objid, size_t objidlen, mibbuf_t *b)
{
    char intbuf[128], *p = intbuf;
    *p++ = '"';
    switch (addr_type) {
    case 1:
    case 3:
        if ((addr_type == 1 && objidlen != 4) || (addr_type == 3 && objidlen != 8))
            return 2;
        p += sprintf(p, "%u.%u.%u.%u", objid[0], objid[1], objid[2], objid[3]);
        if (addr_type == 3) {
            uint32_t zone = ((objid[4] & 0xff) << 24) | ((objid[5] & 0xff) << 16) |
                            ((objid[6] & 0xff) << 8) | (objid[7] & 0xff);
            p += sprintf(p, "%%%lu", (unsigned long)zone);
        }
        break;
    case 2:
    case 4:
        if ((addr_type == 2 && objidlen != 16) || (addr_type == 4 && objidlen != 20))
            return 2;
        for (int i = 0; i < 16; i++)
            p += snprintf(p, 4, "%02x:", objid[i] & 0xff);
        p--;
        if (addr_type == 4) {
            uint32_t zone = ((objid[16] & 0xff) << 24) | ((objid[17] & 0xff) << 16) |
                            ((objid[18] & 0xff) << 8) | (objid[19] & 0xff);
            p += sprintf(p, "%%%lu", (unsigned long)zone);
        }
        break;
    default:
        return 2;
    }
    *p++ = '"';
    *p = 0;
    mibbuf_cat(b, intbuf);
    return 1;
}

const char *
mibname_tc_name(mib_t *m, int tc)
{
    return (tc >= 0 && tc < m->ntcs) ? m->tcs[tc].descriptor : "";
}

static mib_node_t *
get_symbol(mib_t *m, const uint32_t *objid, size_t objidlen, mib_node_t *subtree,
           mibbuf_t *b, mib_index_t *in_dices, size_t *end_of_known, int format, int flags)
{
    mib_node_t *return_tree = NULL;
    int extended = flags & MIB_F_EXTENDED_INDEX;

    for (; subtree; subtree = subtree->peer) {
        if (*objid != (uint32_t)subtree->subid)
            continue;
        while (subtree->peer && (uint32_t)subtree->peer->subid == *objid)
            subtree = subtree->peer;
        if (mib_node_more(subtree)->indexes) {
            in_dices = mib_node_more(subtree)->indexes;
        } else if (mib_node_more(subtree)->augments) {
            mib_node_t *tp2 = mibtree_find(m, mib_node_more(subtree)->augments, -1);
            if (tp2)
                in_dices = mib_node_more(tp2)->indexes;
        }
        if (!strncmp(subtree->label, ANON, ANON_LEN) || format == MIB_OID_NUMERIC)
            mibbuf_printf(b, "%lu", (unsigned long)(uint32_t)subtree->subid);
        else
            mibbuf_cat(b, subtree->label);
        if (objidlen > 1) {
            mibbuf_cat(b, ".");
            return_tree = get_symbol(m, objid + 1, objidlen - 1, subtree->child, b,
                                     in_dices, end_of_known, format, flags);
        }
        return return_tree ? return_tree : subtree;
    }

    if (end_of_known)
        *end_of_known = b->len;

    while (in_dices && objidlen > 0 && format != MIB_OID_NUMERIC &&
           !(flags & MIB_F_DONT_BREAKDOWN)) {
        size_t numids;
        mib_node_t *tp = mibtree_find(m, in_dices->label, -1);
        if (!tp)
            break;
        if (extended) {
            if (mibbuf_last(b) == '.')
                b->buf[--b->len] = '\0';
            mibbuf_cat(b, "[");
        }
        switch (tp->type) {
        case MIB_TYPE_OCTETSTR:
            if (extended && mib_node_more(tp)->hint) {
                uint8_t buffer[1024];
                if (in_dices->implied) {
                    numids = objidlen;
                } else if (fixed_size(tp)) {
                    numids = (size_t)fixed_size(tp)->low;
                    if (numids > objidlen)
                        goto finish_it;
                } else {
                    numids = *objid;
                    if (numids >= objidlen)
                        goto finish_it;
                    objid++;
                    objidlen--;
                }
                if (numids > objidlen || numids > sizeof buffer)
                    goto finish_it;
                for (size_t i = 0; i < numids; i++)
                    buffer[i] = (uint8_t)objid[i];
                {
                    char hb[4096];
                    mibhint_octets(buffer, numids, mib_node_more(tp)->hint, hb, sizeof hb);
                    if (!(flags & MIB_F_QUICK))
                        mibbuf_cat(b, "STRING: ");
                    mibbuf_cat(b, hb);
                }
            } else if (in_dices->implied) {
                numids = objidlen;
                dump_oid_to_string(objid, numids, b, '\'', flags);
            } else if (fixed_size(tp)) {
                numids = (size_t)(uint32_t)fixed_size(tp)->low;
                if (numids > objidlen)
                    goto finish_it;
                dump_oid_to_string(objid, numids, b, '\'', flags);
            } else {
                numids = (size_t)*objid + 1;
                if (numids > objidlen)
                    goto finish_it;
                if (numids == 1) {
                    if (flags & MIB_F_ESCAPE_QUOTES)
                        mibbuf_cat(b, "\\\"\\\"");
                    else
                        mibbuf_cat(b, "\"\"");
                } else {
                    int normal = 1;
                    mib_node_t *np2 = tp->peer;
                    if (np2 && tp->tc != -1 && np2->tc != -1 &&
                        !strcmp(mibname_tc_name(m, tp->tc), "InetAddress") &&
                        !strcmp(mibname_tc_name(m, np2->tc), "InetAddressType")) {
                        int addr_type = (int)*(objid - 1);
                        if (dump_oid_to_inetaddress(addr_type, objid + 1, numids - 1, b) != 2)
                            normal = 0;
                    }
                    if (normal)
                        dump_oid_to_string(objid + 1, numids - 1, b, '"', flags);
                }
            }
            objid += numids;
            objidlen -= numids;
            break;
        case MIB_TYPE_INTEGER32:
        case MIB_TYPE_UINTEGER:
        case MIB_TYPE_UNSIGNED32:
        case MIB_TYPE_GAUGE:
        case MIB_TYPE_INTEGER: {
            mib_enum_t *ep = mib_node_more(tp)->enums;
            while (ep && ep->value != (int32_t)*objid)
                ep = ep->next;
            if (ep)
                mibbuf_cat(b, ep->label);
            else
                mibbuf_printf(b, "%u", *objid);
            objid++;
            objidlen--;
            break;
        }
        case MIB_TYPE_TIMETICKS:
            mibbuf_printf(b, "%u", *objid);
            objid++;
            objidlen--;
            break;
        case MIB_TYPE_OBJID:
            numids = in_dices->implied ? objidlen : (size_t)*objid + 1;
            if (numids > objidlen)
                goto finish_it;
            if (extended) {
                oid_t sub;
                char tmp[OID_MAX_LEN * 12 + 64];
                size_t skip = in_dices->implied ? 0 : 1;
                sub.len = (uint32_t)(numids - skip);
                memcpy(sub.arcs, objid + skip, sub.len * sizeof(uint32_t));
                mib_format_oid(m, &sub, format, flags, tmp, sizeof tmp);
                mibbuf_cat(b, tmp);
            } else {
                get_symbol(m, objid, numids, NULL, b, NULL, NULL, format, flags);
            }
            objid += numids;
            objidlen -= numids;
            break;
        case MIB_TYPE_IPADDR:
            if (objidlen < 4)
                goto finish_it;
            mibbuf_printf(b, "%u.%u.%u.%u", objid[0], objid[1], objid[2], objid[3]);
            objid += 4;
            objidlen -= 4;
            break;
        case MIB_TYPE_NETADDR: {
            uint32_t ntype = *objid++;
            objidlen--;
            mibbuf_printf(b, "%u.", ntype);
            if (ntype == 1 && objidlen >= 4) {
                mibbuf_printf(b, "%u.%u.%u.%u", objid[0], objid[1], objid[2], objid[3]);
                objid += 4;
                objidlen -= 4;
            } else {
                goto finish_it;
            }
            break;
        }
        default:
            goto finish_it;
        }
        mibbuf_cat(b, extended ? "]" : ".");
        in_dices = in_dices->next;
    }
finish_it:
    oid_finish_printing(objid, objidlen, b);
    return NULL;
}

static const char *const ucd_prefixes[] = {
    ".1.3.6.1.2.1", ".iso.org.dod.internet.mgmt.mib-2",
    ".iso.org.dod.internet.experimental", ".iso.org.dod.internet.private",
    ".iso.org.dod.internet.snmpParties", ".iso.org.dod.internet.snmpSecrets",
};

size_t
mib_format_oid(mib_t *m, const oid_t *o, int format, int flags, char *out, size_t cap)
{
    mibbuf_t b = { 0 };
    size_t midpoint = 0, n;
    const char *cp;
    char modbuf[256];
    mibbuf_t res = { 0 };
    mib_node_t *subtree;

    mibbuf_cat(&b, ".");
    if (o->len == 0) {
        subtree = NULL;
        oid_finish_printing(o->arcs, 0, &b);
    } else {
        subtree = get_symbol(m, o->arcs, o->len, m->tree_head, &b, NULL, &midpoint, format, flags);
    }
    if (!b.buf) {
        if (cap)
            out[0] = 0;
        return 0;
    }
    switch (format) {
    case MIB_OID_FULL:
    case MIB_OID_NUMERIC:
        cp = b.buf;
        mibbuf_cat(&res, cp);
        break;
    case MIB_OID_SUFFIX:
    case MIB_OID_MODULE: {
        const char *c;
        const char *tbuf = b.buf;
        if (midpoint != 0) {
            c = midpoint >= 2 ? tbuf + midpoint - 2 : tbuf - 1;
        } else {
            c = tbuf + b.len;
            while (c >= tbuf && !isalpha((unsigned char)*c))
                c--;
        }
        while (c >= tbuf && *c != '.')
            c--;
        c++;
        if (format == MIB_OID_MODULE && c > tbuf && subtree) {
            mib_module_name(m, subtree->modid, modbuf);
            if (modbuf[0] != '#') {
                mibbuf_cat(&res, modbuf);
                mibbuf_cat(&res, "::");
            }
        }
        mibbuf_cat(&res, c);
        break;
    }
    case MIB_OID_UCD:
    default: {
        cp = b.buf;
        size_t tlen = b.len;
        for (size_t i = 0; i < sizeof ucd_prefixes / sizeof *ucd_prefixes; i++) {
            size_t ilen = strlen(ucd_prefixes[i]);
            if (tlen > ilen && !memcmp(b.buf, ucd_prefixes[i], ilen)) {
                cp += ilen + 1;
                break;
            }
        }
        mibbuf_cat(&res, cp);
        break;
    }
    }
    free(b.buf);
    n = res.len;
    if (cap) {
        size_t k = n < cap - 1 ? n : cap - 1;
        if (res.buf)
            memcpy(out, res.buf, k);
        out[k] = 0;
    }
    free(res.buf);
    return n;
}

/* ---- name -> OID ----------------------------------------------------- */

static char *
apply_escapes(char *src, char eos_marker)
{
    char *dst = src;
    int backslash = 0;
    while (*src) {
        if (backslash) {
            backslash = 0;
            *dst++ = *src;
        } else {
            if (eos_marker == *src)
                break;
            if (*src == '\\')
                backslash = 1;
            else
                *dst++ = *src;
        }
        src++;
    }
    if (!*src)
        return NULL;
    *dst = 0;
    return src;
}

static int
add_strings_to_oid(mib_t *m, mib_node_t *tp, char *cp, oid_t *o, char *err, size_t errcap)
{
    uint32_t subid;
    size_t len_index = 1000000;
    mib_node_t *tp2 = NULL;
    mib_index_t *in_dices = NULL;
    char *fcp = cp, *ecp, *cp2 = NULL, doingquote;
    long len = -1, pos = -1;
    const uint32_t maxlen = OID_MAX_LEN;

    while (cp && tp && tp->child) {
        fcp = cp;
        tp2 = tp->child;
        cp2 = strchr(cp, '.');
        if (cp2)
            *cp2++ = '\0';
        if (isdigit((unsigned char)*cp)) {
            subid = (uint32_t)strtoul(cp, &ecp, 0);
            if (*ecp)
                goto bad_id;
            while (tp2 && (uint32_t)tp2->subid != subid)
                tp2 = tp2->peer;
        } else {
            while (tp2 && strcmp(tp2->label, fcp))
                tp2 = tp2->peer;
            if (!tp2)
                goto bad_id;
            subid = (uint32_t)tp2->subid;
        }
        if (o->len >= maxlen)
            goto bad_id;
        while (tp2 && tp2->peer && (uint32_t)tp2->peer->subid == subid)
            tp2 = tp2->peer;
        o->arcs[o->len++] = subid;
        cp = cp2;
        if (!tp2)
            break;
        tp = tp2;
    }

    if (tp && !tp->child) {
        if ((tp2 = tp->parent)) {
            if (mib_node_more(tp2)->indexes) {
                in_dices = mib_node_more(tp2)->indexes;
            } else if (mib_node_more(tp2)->augments) {
                tp2 = mibtree_find(m, mib_node_more(tp2)->augments, -1);
                if (tp2)
                    in_dices = mib_node_more(tp2)->indexes;
            }
        }
        tp = NULL;
    }

    while (cp && in_dices) {
        fcp = cp;
        tp = mibtree_find(m, in_dices->label, -1);
        if (!tp)
            break;
        switch (tp->type) {
        case MIB_TYPE_INTEGER:
        case MIB_TYPE_INTEGER32:
        case MIB_TYPE_UINTEGER:
        case MIB_TYPE_UNSIGNED32:
        case MIB_TYPE_TIMETICKS:
            cp2 = strchr(cp, '.');
            if (cp2)
                *cp2++ = '\0';
            if (isdigit((unsigned char)*cp)) {
                subid = (uint32_t)strtoul(cp, &ecp, 0);
                if (*ecp)
                    goto bad_id;
            } else {
                mib_enum_t *ep = mib_node_more(tp)->enums;
                if (!ep)
                    goto bad_id;
                while (ep && strcmp(ep->label, cp))
                    ep = ep->next;
                if (!ep)
                    goto bad_id;
                subid = (uint32_t)ep->value;
            }
            if (mib_node_more(tp)->ranges) {
                int ok = 0;
                for (mib_range_t *rp = mib_node_more(tp)->ranges; rp && !ok; rp = rp->next) {
                    if (tp->type == MIB_TYPE_INTEGER || tp->type == MIB_TYPE_INTEGER32)
                        ok = rp->low <= (int32_t)subid && (int32_t)subid <= rp->high;
                    else
                        ok = (uint32_t)rp->low <= subid && subid <= (uint32_t)rp->high;
                }
                if (!ok)
                    goto bad_id;
            }
            if (o->len >= maxlen)
                goto bad_id;
            o->arcs[o->len++] = subid;
            break;
        case MIB_TYPE_IPADDR:
            if (o->len + 4 > maxlen)
                goto bad_id;
            for (subid = 0; cp && subid < 4; subid++) {
                fcp = cp;
                cp2 = strchr(cp, '.');
                if (cp2)
                    *cp2++ = 0;
                o->arcs[o->len] = (uint32_t)strtoul(cp, &ecp, 0);
                if (*ecp)
                    goto bad_id;
                if (o->arcs[o->len] > 255)
                    goto bad_id;
                o->len++;
                cp = cp2;
            }
            break;
        case MIB_TYPE_OCTETSTR:
            if (fixed_size(tp))
                len = fixed_size(tp)->low;
            else
                len = -1;
            pos = 0;
            if (*cp == '"' || *cp == '\'') {
                doingquote = *cp++;
                if (!in_dices->implied && len == -1) {
                    if (doingquote == '\'') {
                        snprintf(err, errcap, "'-quote is for fixed length strings");
                        return 0;
                    }
                    if (o->len >= maxlen)
                        goto bad_id;
                    len_index = o->len;
                    o->len++;
                } else if (doingquote == '"') {
                    snprintf(err, errcap, "\"-quote is for variable length strings");
                    return 0;
                }
                cp2 = apply_escapes(cp, doingquote);
                if (!cp2)
                    goto bad_id;
                {
                    uint8_t hv[OID_MAX_LEN];
                    size_t hn = 0;
                    const char *hint = mib_node_more(tp)->hint;
                    if (hint && mibhint_parse(hint, cp, hv, sizeof hv, &hn) == 0) {
                        for (size_t k = 0; k < hn; k++) {
                            if (o->len >= maxlen)
                                goto bad_id;
                            o->arcs[o->len++] = hv[k];
                            pos++;
                        }
                    } else {
                        while (*cp) {
                            if (o->len >= maxlen)
                                goto bad_id;
                            o->arcs[o->len++] = (unsigned char)*cp++;
                            pos++;
                        }
                    }
                }
                cp2++;
                if (!*cp2)
                    cp2 = NULL;
                else if (*cp2 != '.')
                    goto bad_id;
                else
                    cp2++;
                if (len == -1) {
                    int ok = 0;
                    for (mib_range_t *rp = mib_node_more(tp)->ranges; rp && !ok; rp = rp->next)
                        ok = rp->low <= pos && pos <= rp->high;
                    if (!ok)
                        goto bad_id;
                    if (!in_dices->implied)
                        o->arcs[len_index] = (uint32_t)pos;
                } else if (pos != len) {
                    goto bad_id;
                }
            } else {
                if (!in_dices->implied && len == -1) {
                    fcp = cp;
                    cp2 = strchr(cp, '.');
                    if (cp2)
                        *cp2++ = 0;
                    len = (long)strtoul(cp, &ecp, 0);
                    if (*ecp)
                        goto bad_id;
                    if (o->len + (size_t)len + 1 >= maxlen)
                        goto bad_id;
                    o->arcs[o->len++] = (uint32_t)len;
                    cp = cp2;
                }
                while (len && cp) {
                    fcp = cp;
                    cp2 = strchr(cp, '.');
                    if (cp2)
                        *cp2++ = 0;
                    if (o->len >= maxlen)
                        goto bad_id;
                    o->arcs[o->len] = (uint32_t)strtoul(cp, &ecp, 0);
                    if (*ecp)
                        goto bad_id;
                    if (o->arcs[o->len] > 255)
                        goto bad_id;
                    o->len++;
                    len--;
                    cp = cp2;
                }
            }
            break;
        case MIB_TYPE_OBJID:
            in_dices = NULL;
            cp2 = cp;
            break;
        case MIB_TYPE_NETADDR:
            fcp = cp;
            cp2 = strchr(cp, '.');
            if (cp2)
                *cp2++ = 0;
            subid = (uint32_t)strtoul(cp, &ecp, 0);
            if (*ecp)
                goto bad_id;
            if (o->len + 1 >= maxlen)
                goto bad_id;
            o->arcs[o->len++] = subid;
            cp = cp2;
            if (subid == 1) {
                for (len = 0; cp && len < 4; len++) {
                    fcp = cp;
                    cp2 = strchr(cp, '.');
                    if (cp2)
                        *cp2++ = 0;
                    subid = (uint32_t)strtoul(cp, &ecp, 0);
                    if (*ecp)
                        goto bad_id;
                    if (o->len + 1 >= maxlen || subid > 255)
                        goto bad_id;
                    o->arcs[o->len++] = subid;
                    cp = cp2;
                }
            } else {
                in_dices = NULL;
            }
            break;
        default:
            in_dices = NULL;
            cp2 = cp;
            break;
        }
        cp = cp2;
        if (in_dices)
            in_dices = in_dices->next;
    }

    while (cp) {
        fcp = cp;
        switch (*cp) {
        case '0': case '1': case '2': case '3': case '4':
        case '5': case '6': case '7': case '8': case '9':
            cp2 = strchr(cp, '.');
            if (cp2)
                *cp2++ = 0;
            subid = (uint32_t)strtoul(cp, &ecp, 0);
            if (*ecp)
                goto bad_id;
            if (o->len >= maxlen)
                goto bad_id;
            o->arcs[o->len++] = subid;
            break;
        case '"':
        case '\'': {
            doingquote = *cp++;
            char *end = strchr(cp, doingquote);
            if (!end)
                goto bad_id;
            if (doingquote == '"') {
                if (o->len >= maxlen)
                    goto bad_id;
                o->arcs[o->len++] = (uint32_t)(end - cp);
            }
            while (*cp && *cp != doingquote) {
                if (o->len >= maxlen)
                    goto bad_id;
                o->arcs[o->len++] = (unsigned char)*cp++;
            }
            cp2 = cp + 1;
            if (!*cp2)
                cp2 = NULL;
            else if (*cp2 == '.')
                cp2++;
            else
                goto bad_id;
            break;
        }
        default:
            goto bad_id;
        }
        cp = cp2;
    }
    return 1;

bad_id:
    if (in_dices)
        snprintf(err, errcap, "Index out of range: %s (%s)", fcp, in_dices->label);
    else if (tp)
        snprintf(err, errcap, "Sub-id not found: %s -> %s", tp->label, fcp);
    else
        snprintf(err, errcap, "%s", fcp);
    return 0;
}

static int
get_module_node(mib_t *m, const char *fname, const char *module, oid_t *o,
                char *err, size_t errcap)
{
    int modid, rc = 0;
    char *name, *cp;
    mib_node_t *tp;

    if (!strcmp(module, "ANY")) {
        modid = -1;
    } else {
        mibpath_read_module(m, module);
        modid = mib_which_module(m, module);
        if (modid == -1)
            return 0;
    }
    name = strdup(fname);
    if (!name)
        return 0;
    cp = strchr(name, '.');
    if (cp)
        *cp++ = '\0';
    tp = mibtree_find(m, name, modid);
    if (tp) {
        mib_node_oid(tp, o);
        rc = 1;
        if (cp)
            rc = add_strings_to_oid(m, tp, cp, o, err, errcap);
    }
    free(name);
    return rc;
}

static int
get_node(mib_t *m, const char *name, oid_t *o, char *err, size_t errcap)
{
    const char *cp = name;
    char ch;
    while ((ch = *cp) && (isalnum((unsigned char)ch) || ch == '-'))
        cp++;
    if (ch != ':')
        return get_module_node(m, *name == '.' ? name + 1 : name, "ANY", o, err, errcap);
    char module[256];
    snprintf(module, sizeof module, "%.*s", (int)(cp - name), name);
    cp++;
    if (*cp == ':')
        cp++;
    return get_module_node(m, cp, module, o, err, errcap);
}

static int
read_objid(mib_t *m, const char *input, oid_t *o, char *err, size_t errcap)
{
    const char *cp = input;
    char ch;
    while ((ch = *cp) && (isalnum((unsigned char)ch) || ch == '-'))
        cp++;
    if (ch == ':')
        return get_node(m, input, o, err, errcap);
    if (*input == '.')
        input++;
    mib_node_t top = { 0 };
    top.label = "(top)";
    top.child = m->tree_head;
    char *name = strdup(input);
    if (!name)
        return 0;
    o->len = 0;
    int rc = add_strings_to_oid(m, &top, name, o, err, errcap);
    free(name);
    return rc;
}

/* net-snmp's find_best_tree_node: the node whose label matches re
 * earliest. Every node it looks at is marked reported and not matched
 * again (a reported node keeps the previous match value, as net-snmp's
 * does), so that -TB finds the next best at each call. */
static mib_node_t *
find_best_tree_node(mib_t *m, const regex_t *re, mib_node_t *tree_top, unsigned *match)
{
    mib_node_t *best = NULL, *ret;
    unsigned old_match = 0xffffff, new_match = 0xffffff;
    for (mib_node_t *tp = tree_top; tp; tp = tp->peer) {
        regmatch_t pm;
        if (!tp->reported && tp->label)
            new_match = regexec(re, tp->label, 1, &pm, 0) == 0 ? (unsigned)pm.rm_so : 0xffffff;
        tp->reported = 1;
        if (new_match < old_match) {
            best = tp;
            old_match = new_match;
        }
        if (new_match == 0)
            break;
        if (tp->child) {
            ret = find_best_tree_node(m, re, tp->child, &new_match);
            if (new_match < old_match) {
                best = ret;
                old_match = new_match;
            }
            if (new_match == 0)
                break;
        }
    }
    if (match)
        *match = old_match;
    return best;
}

void
mibname_clear_reported(mib_node_t *tp)
{
    for (; tp; tp = tp->peer) {
        tp->reported = 0;
        if (tp->child)
            mibname_clear_reported(tp->child);
    }
}

static int
get_wild_node(mib_t *m, const char *name, oid_t *o, char *err, size_t errcap)
{
    regex_t re;
    if (regcomp(&re, name, REG_ICASE | REG_EXTENDED) != 0)
        return 0;
    mibname_clear_reported(m->tree_head); /* each lookup searches the whole tree */
    mib_node_t *tp = find_best_tree_node(m, &re, m->tree_head, NULL);
    regfree(&re);
    if (!tp)
        return 0;
    return get_node(m, tp->label, o, err, errcap);
}

int
mib_parse_oid(mib_t *m, const char *name, int mode, oid_t *out, char *err, size_t errcap)
{
    char dummy[8];
    if (!err) {
        err = dummy;
        errcap = sizeof dummy;
    }
    err[0] = 0;
    out->len = 0;
    if (!*name)
        return -1;
    if (mode == 1 || (mode == 0 && strchr(name, ':')))
        return get_node(m, name, out, err, errcap) ? 0 : -1;
    if (mode == 2)   /* read_objid only, as snmptranslate without -IR */
        return read_objid(m, name, out, err, errcap) ? 0 : -1;
    if (read_objid(m, name, out, err, errcap))
        return 0;
    char e2[512];
    e2[0] = 0;
    out->len = 0;
    if (get_node(m, name, out, e2, sizeof e2))
        return 0;
    if (e2[0])
        snprintf(err, errcap, "%s", e2);
    out->len = 0;
    if (mode == 3 && get_wild_node(m, name, out, e2, sizeof e2))
        return 0;
    return -1;
}

int
mib_wild_all(mib_t *m, const char *pattern, void (*fn)(void *, const oid_t *), void *arg)
{
    regex_t re;
    int count = 0;
    if (!*pattern || regcomp(&re, pattern, REG_ICASE | REG_EXTENDED) != 0)
        return 0;
    mibname_clear_reported(m->tree_head);
    for (;;) {
        char err[8];
        oid_t o;
        mib_node_t *tp = find_best_tree_node(m, &re, m->tree_head, NULL);
        if (!tp || !get_node(m, tp->label, &o, err, sizeof err))
            break;
        count++;
        fn(arg, &o);
    }
    regfree(&re);
    return count;
}
