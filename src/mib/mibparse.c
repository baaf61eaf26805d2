/* mibparse.c - the MIB grammar (SMIv1 and SMIv2 macros, IMPORTS,
 * SEQUENCE, TEXTUAL-CONVENTION...) as net-snmp's parse.c reads it, with
 * its error texts ("Bad parse of OBJECT-TYPE: At line 12 in FILE"). A
 * module with a syntax error contributes nothing; the others load. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mib.h"
#include "mibint.h"

/* ---- the parser ------------------------------------------------------ */

typedef struct {
    const char *label;
    long subid;
    int modid;
} subid_t;

static int
getoid(mib_t *m, subid_t *id, int length)
{
    int count, type;
    char token[MAXTOKEN];

    if ((type = miblex_token(m, token, MAXTOKEN)) != LEFTBRACKET) {
        mib_print_error(m, "Expected \"{\"", token, type);
        return 0;
    }
    type = miblex_token(m, token, MAXTOKEN);
    for (count = 0; count < length; count++, id++) {
        id->label = NULL;
        id->modid = m->current_module;
        id->subid = -1;
        if (type == RIGHTBRACKET)
            return count;
        if (type == LABEL) {
            id->label = mib_arena_strdup(m, token);
            type = miblex_token(m, token, MAXTOKEN);
            if (type == LEFTPAREN) {
                type = miblex_token(m, token, MAXTOKEN);
                if (type == NUMBER) {
                    id->subid = (long)(uint32_t)strtoul(token, NULL, 10);
                    if ((type = miblex_token(m, token, MAXTOKEN)) != RIGHTPAREN) {
                        mib_print_error(m, "Expected a closing parenthesis", token, type);
                        return 0;
                    }
                } else {
                    mib_print_error(m, "Expected a number", token, type);
                    return 0;
                }
            } else {
                continue;
            }
        } else if (type == NUMBER) {
            id->subid = (long)(uint32_t)strtoul(token, NULL, 10);
        } else {
            mib_print_error(m, "Expected label or number", token, type);
            return 0;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    mib_print_error(m, "Too long OID", token, type);
    return 0;
}

/* Sets a clause of np's out-of-line record (mib_node_more_t) to v: the
 * record is made for a value, not for a NULL that changes nothing. */
#define SET_MORE(np, field, v)                                  \
    do {                                                        \
        __typeof__(((mib_node_more_t *)0)->field) v_ = (v);     \
        if (v_ || (np)->more)                                   \
            mibtree_more(m, (np))->field = v_;                  \
    } while (0)

static mib_node_t *
parse_objectid(mib_t *m, const char *name)
{
    int count, length;
    subid_t loid[32], *op, *nop;
    mib_node_t *np, *root = NULL, *oldnp = NULL;

    if ((length = getoid(m, loid, 32)) == 0) {
        mib_print_error(m, "Bad object identifier", NULL, CONTINUE);
        return NULL;
    }
    op = loid;
    if (!op->label) {
        if (length == 1) {
            mib_print_error(m, "Attempt to define a root oid", name, OBJECT);
            return NULL;
        }
        for (mib_node_t *tp = m->tree_head; tp; tp = tp->peer)
            if (tp->subid == op->subid) {
                op->label = tp->label;
                break;
            }
    }
    if (length == 1) {
        np = mibtree_alloc_node(m, op->modid);
        np->subid = op->subid;
        np->label = mib_arena_strdup(m, name);
        np->plabel = op->label;
        return np;
    }
    for (count = 0, op = loid, nop = loid + 1; count < length - 1; count++, op++, nop++) {
        if (op->label && (nop->label || nop->subid != -1)) {
            np = mibtree_alloc_node(m, nop->modid);
            if (root == NULL)
                root = np;
            np->plabel = op->label;
            if (count == length - 2) {
                np->label = mib_arena_strdup(m, name);
            } else {
                if (!nop->label) {
                    char buf[32];
                    snprintf(buf, sizeof buf, "%s%d", ANON, m->anonymous++);
                    nop->label = mib_arena_strdup(m, buf);
                }
                np->label = nop->label;
            }
            if (nop->subid != -1)
                np->subid = nop->subid;
            else
                mib_print_error(m, "Warning: This entry is pretty silly", np->label, CONTINUE);
            if (oldnp)
                oldnp->next = np;
            oldnp = np;
        }
    }
    return root;
}

static mib_enum_t *
parse_enumlist(mib_t *m)
{
    int type;
    char token[MAXTOKEN];
    mib_enum_t *ep = NULL, **epp = &ep;

    while ((type = miblex_token(m, token, MAXTOKEN)) != ENDOFFILE) {
        if (type == RIGHTBRACKET)
            break;
        if (type == LABEL || type == DEPRECATED) {
            *epp = mib_arena_alloc(m, sizeof **epp);
            (*epp)->label = mib_arena_strdup(m, token);
            type = miblex_token(m, token, MAXTOKEN);
            if (type != LEFTPAREN) {
                mib_print_error(m, "Expected \"(\"", token, type);
                return NULL;
            }
            type = miblex_token(m, token, MAXTOKEN);
            if (type != NUMBER) {
                mib_print_error(m, "Expected integer", token, type);
                return NULL;
            }
            (*epp)->value = (int32_t)strtol(token, NULL, 10);
            type = miblex_token(m, token, MAXTOKEN);
            if (type != RIGHTPAREN) {
                mib_print_error(m, "Expected \")\"", token, type);
                return NULL;
            }
            epp = &(*epp)->next;
        }
    }
    if (type == ENDOFFILE) {
        mib_print_error(m, "Expected \"}\"", token, type);
        return NULL;
    }
    return ep;
}

static mib_range_t *
parse_ranges(mib_t *m)
{
    int32_t low, high;
    char nexttoken[MAXTOKEN];
    int nexttype;
    mib_range_t *rp = NULL, **rpp = &rp;
    int size = 0, taken = 1;

    nexttype = miblex_token(m, nexttoken, MAXTOKEN);
    if (nexttype == SIZE) {
        size = 1;
        taken = 0;
        nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        if (nexttype != LEFTPAREN)
            mib_print_error(m, "Expected \"(\" after SIZE", nexttoken, nexttype);
    }
    do {
        if (!taken)
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        else
            taken = 0;
        high = low = (int32_t)strtoul(nexttoken, NULL, 10);
        nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        if (nexttype == RANGE) {
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
            high = (int32_t)strtoul(nexttoken, NULL, 10);
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        }
        *rpp = mib_arena_alloc(m, sizeof **rpp);
        (*rpp)->low = low;
        (*rpp)->high = high;
        rpp = &(*rpp)->next;
    } while (nexttype == BAR);
    if (size) {
        if (nexttype != RIGHTPAREN)
            mib_print_error(m, "Expected \")\" after SIZE", nexttoken, nexttype);
        nexttype = miblex_token(m, nexttoken, MAXTOKEN);
    }
    if (nexttype != RIGHTPAREN)
        mib_print_error(m, "Expected \")\"", nexttoken, nexttype);
    return rp;
}

static mib_node_t *
parse_asntype(mib_t *m, const char *name, int *ntype, char *ntoken)
{
    int type, level;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    const char *hint = NULL;
    mib_node_t *ret = NULL;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    if (type == SEQUENCE || type == CHOICE) {
        level = 0;
        while ((type = miblex_token(m, token, MAXTOKEN)) != ENDOFFILE) {
            if (type == LEFTBRACKET) {
                level++;
            } else if (type == RIGHTBRACKET && --level == 0) {
                *ntype = miblex_token(m, ntoken, MAXTOKEN);
                goto out;
            }
        }
        mib_print_error(m, "Expected \"}\"", token, type);
        goto out;
    } else if (type == LEFTBRACKET) {
        miblex_ungetc(m, '{');
        ret = parse_objectid(m, name);
        if (ret)
            *ntype = miblex_token(m, ntoken, MAXTOKEN);
        goto out;
    } else if (type == LEFTSQBRACK) {
        int size = 0;
        do {
            type = miblex_token(m, token, MAXTOKEN);
        } while (type != ENDOFFILE && type != RIGHTSQBRACK);
        if (type != RIGHTSQBRACK) {
            mib_print_error(m, "Expected \"]\"", token, type);
            goto out;
        }
        type = miblex_token(m, token, MAXTOKEN);
        if (type == IMPLICIT)
            type = miblex_token(m, token, MAXTOKEN);
        *ntype = miblex_token(m, ntoken, MAXTOKEN);
        if (*ntype == LEFTPAREN) {
            switch (type) {
            case OCTETSTR:
                *ntype = miblex_token(m, ntoken, MAXTOKEN);
                if (*ntype != SIZE) {
                    mib_print_error(m, "Expected SIZE", ntoken, *ntype);
                    goto out;
                }
                size = 1;
                *ntype = miblex_token(m, ntoken, MAXTOKEN);
                if (*ntype != LEFTPAREN) {
                    mib_print_error(m, "Expected \"(\" after SIZE", ntoken, *ntype);
                    goto out;
                }
                /* fallthrough */
            case INTEGER:
                *ntype = miblex_token(m, ntoken, MAXTOKEN);
                do {
                    if (*ntype != NUMBER)
                        mib_print_error(m, "Expected NUMBER", ntoken, *ntype);
                    *ntype = miblex_token(m, ntoken, MAXTOKEN);
                    if (*ntype == RANGE) {
                        *ntype = miblex_token(m, ntoken, MAXTOKEN);
                        if (*ntype != NUMBER)
                            mib_print_error(m, "Expected NUMBER", ntoken, *ntype);
                        *ntype = miblex_token(m, ntoken, MAXTOKEN);
                    }
                } while (*ntype == BAR);
                if (*ntype != RIGHTPAREN) {
                    mib_print_error(m, "Expected \")\"", ntoken, *ntype);
                    goto out;
                }
                *ntype = miblex_token(m, ntoken, MAXTOKEN);
                if (size) {
                    if (*ntype != RIGHTPAREN) {
                        mib_print_error(m, "Expected \")\" to terminate SIZE", ntoken, *ntype);
                        goto out;
                    }
                    *ntype = miblex_token(m, ntoken, MAXTOKEN);
                }
            }
        }
        goto out;
    } else {
        if (type == CONVENTION) {
            while (type != SYNTAX && type != ENDOFFILE) {
                if (type == DISPLAYHINT) {
                    type = miblex_token(m, token, MAXTOKEN);
                    if (type != QUOTESTRING)
                        mib_print_error(m, "DISPLAY-HINT must be string", token, type);
                    else
                        hint = mib_arena_strdup(m, token);
                } else if (type == DESCRIPTION) {
                    type = miblex_token(m, qbuf, MAXQUOTESTR);
                    if (type != QUOTESTRING)
                        mib_print_error(m, "DESCRIPTION must be string", token, type);
                    /* a TC's DESCRIPTION is not kept (nothing shows it) */
                } else {
                    type = miblex_token(m, qbuf, MAXQUOTESTR);
                }
            }
            type = miblex_token(m, token, MAXTOKEN);
            if (type == OBJECT) {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != IDENTIFIER) {
                    mib_print_error(m, "Expected IDENTIFIER", token, type);
                    goto out;
                }
                type = OBJID;
            }
        } else if (type == OBJECT) {
            type = miblex_token(m, token, MAXTOKEN);
            if (type != IDENTIFIER) {
                mib_print_error(m, "Expected IDENTIFIER", token, type);
                goto out;
            }
            type = OBJID;
        }
        if (type == LABEL)
            type = mibtree_get_tc(m, token, m->current_module, NULL, NULL, NULL, NULL);
        if (!(type & SYNTAX_MASK)) {
            mib_print_error(m, "Textual convention doesn't map to real type", token, type);
            goto out;
        }
        if (m->ntcs == m->captcs) {
            int cap = m->captcs ? m->captcs * 2 : 256;
            mib_tc_t *nt = realloc(m->tcs, (size_t)cap * sizeof *nt);
            if (!nt)
                goto out;
            m->tcs = nt;
            m->captcs = cap;
        }
        mib_tc_t *tcp = &m->tcs[m->ntcs++];
        memset(tcp, 0, sizeof *tcp);
        tcp->modid = m->current_module;
        tcp->descriptor = mib_arena_strdup(m, name);
        int *tcb = &m->tcbuckets[mib_str_hash(tcp->descriptor) & (TCHASH - 1)];
        tcp->hnext = *tcb;
        *tcb = m->ntcs;             /* index + 1 of this TC */
        tcp->hint = hint;
        tcp->type = type;
        *ntype = miblex_token(m, ntoken, MAXTOKEN);
        if (*ntype == LEFTPAREN) {
            mib_range_t *r = parse_ranges(m);
            tcp = &m->tcs[m->ntcs - 1];
            tcp->ranges = r;
            *ntype = miblex_token(m, ntoken, MAXTOKEN);
        } else if (*ntype == LEFTBRACKET) {
            mib_enum_t *e = parse_enumlist(m);
            tcp = &m->tcs[m->ntcs - 1];
            tcp->enums = e;
            *ntype = miblex_token(m, ntoken, MAXTOKEN);
        }
    }
out:
    free(qbuf);
    return ret;
}

static mib_index_t *
get_indexes(mib_t *m)
{
    int type, implied = 0;
    char token[MAXTOKEN];
    mib_index_t *list = NULL, **pp = &list;

    type = miblex_token(m, token, MAXTOKEN);
    if (type != LEFTBRACKET)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    while (type != RIGHTBRACKET && type != ENDOFFILE) {
        if (type == LABEL || (type & SYNTAX_MASK)) {
            *pp = mib_arena_alloc(m, sizeof **pp);
            (*pp)->label = mib_arena_strdup(m, token);
            (*pp)->implied = implied;
            pp = &(*pp)->next;
            implied = 0;
        } else if (type == IMPLIED) {
            implied = 1;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    return list;
}

static mib_varbind_t *
get_varbinds(mib_t *m)
{
    int type;
    char token[MAXTOKEN];
    mib_varbind_t *list = NULL, **pp = &list;

    type = miblex_token(m, token, MAXTOKEN);
    if (type != LEFTBRACKET)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    while (type != RIGHTBRACKET && type != ENDOFFILE) {
        if (type == LABEL || (type & SYNTAX_MASK)) {
            *pp = mib_arena_alloc(m, sizeof **pp);
            (*pp)->label = mib_arena_strdup(m, token);
            pp = &(*pp)->next;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    return list;
}

static int
toss_object_identifier(mib_t *m)
{
    int type, bracketcount = 1;
    char token[MAXTOKEN];

    type = miblex_token(m, token, MAXTOKEN);
    if (type != LEFTBRACKET)
        return 0;
    while ((type != RIGHTBRACKET || bracketcount > 0) && type != ENDOFFILE) {
        type = miblex_token(m, token, MAXTOKEN);
        if (type == LEFTBRACKET)
            bracketcount++;
        else if (type == RIGHTBRACKET)
            bracketcount--;
    }
    return type == RIGHTBRACKET ? OBJID : 0;
}

/* Parses the OID of a definition and moves it into np (the last node of
 * the chain parse_objectid returns). */
static mib_node_t *
merge_parse_objectid(mib_t *m, mib_node_t *np, const char *name)
{
    mib_node_t *nnp = parse_objectid(m, name);
    if (!nnp)
        return NULL;
    mib_node_t *headp = nnp, *nextp = nnp;
    int ncount = 0;
    while (nnp->next) {
        nextp = nnp;
        ncount++;
        nnp = nnp->next;
    }
    np->label = nnp->label;
    np->subid = nnp->subid;
    np->modid = nnp->modid;
    np->plabel = nnp->plabel;
    if (ncount) {
        nextp->next = np;
        np = headp;
    }
    /* its data is np's now (net-snmp frees it here) */
    mibtree_free_node(m, nnp);
    return np;
}

static mib_node_t *
parse_objecttype(mib_t *m, const char *name)
{
    int type, nexttype, tctype;
    char token[MAXTOKEN], nexttoken[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np, *ret = NULL;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    if (type != SYNTAX) {
        mib_print_error(m, "Bad format for OBJECT-TYPE", token, type);
        goto out;
    }
    np = mibtree_alloc_node(m, m->current_module);
    type = miblex_token(m, token, MAXTOKEN);
    if (type == OBJECT) {
        type = miblex_token(m, token, MAXTOKEN);
        if (type != IDENTIFIER) {
            mib_print_error(m, "Expected IDENTIFIER", token, type);
            goto out;
        }
        type = OBJID;
    }
    if (type == LABEL) {
        int tmp_index;
        mib_enum_t *tc_enums = NULL;
        mib_range_t *tc_ranges = NULL;
        const char *tc_hint = NULL;
        tctype = mibtree_get_tc(m, token, m->current_module, &tmp_index, &tc_enums,
                        &tc_ranges, &tc_hint);
        SET_MORE(np, enums, tc_enums);
        SET_MORE(np, ranges, tc_ranges);
        SET_MORE(np, hint, tc_hint);
        type = tctype;
        np->tc = tmp_index;
    }
    np->type = type;
    nexttype = miblex_token(m, nexttoken, MAXTOKEN);
    switch (type) {
    case SEQUENCE:
        if (nexttype == OF) {
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        }
        break;
    case INTEGER:
    case INTEGER32:
    case UINTEGER32:
    case UNSIGNED32:
    case COUNTER:
    case GAUGE:
    case BITSTRING:
    case LABEL:
        if (nexttype == LEFTBRACKET) {
            SET_MORE(np, enums, parse_enumlist(m));
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        } else if (nexttype == LEFTPAREN) {
            SET_MORE(np, ranges, parse_ranges(m));
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        }
        break;
    case OCTETSTR:
    case KW_OPAQUE:
        if (nexttype == LEFTPAREN) {
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
            if (nexttype == SIZE) {
                nexttype = miblex_token(m, nexttoken, MAXTOKEN);
                if (nexttype == LEFTPAREN) {
                    SET_MORE(np, ranges, parse_ranges(m));
                    nexttype = miblex_token(m, nexttoken, MAXTOKEN);
                    if (nexttype == RIGHTPAREN) {
                        nexttype = miblex_token(m, nexttoken, MAXTOKEN);
                        break;
                    }
                }
            }
            mib_print_error(m, "Bad SIZE syntax", token, type);
            goto out;
        }
        break;
    case OBJID:
    case NETADDR:
    case IPADDR:
    case TIMETICKS:
    case NUL:
    case NSAPADDRESS:
    case COUNTER64:
        break;
    default:
        mib_print_error(m, "Bad syntax", token, type);
        goto out;
    }
    if (nexttype == UNITS) {
        type = miblex_token(m, qbuf, MAXQUOTESTR);
        if (type != QUOTESTRING) {
            mib_print_error(m, "Bad UNITS", qbuf, type);
            goto out;
        }
        SET_MORE(np, units, (const char *)mib_arena_strdup(m, qbuf));
        nexttype = miblex_token(m, nexttoken, MAXTOKEN);
    }
    if (nexttype != ACCESS) {
        mib_print_error(m, "Should be ACCESS", nexttoken, nexttype);
        goto out;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != READONLY && type != READWRITE && type != WRITEONLY &&
        type != NOACCESS && type != READCREATE && type != ACCNOTIFY) {
        mib_print_error(m, "Bad ACCESS type", token, type);
        goto out;
    }
    np->access = type;
    type = miblex_token(m, token, MAXTOKEN);
    if (type != STATUS) {
        mib_print_error(m, "Should be STATUS", token, type);
        goto out;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != MANDATORY && type != CURRENT && type != KW_OPTIONAL &&
        type != OBSOLETE && type != DEPRECATED) {
        mib_print_error(m, "Bad STATUS", token, type);
        goto out;
    }
    np->status = type;
    type = miblex_token(m, token, MAXTOKEN);
    while (type != EQUALS && type != ENDOFFILE) {
        switch (type) {
        case DESCRIPTION:
            type = miblex_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto out;
            }
            np->description_at = m->quote;
            break;
        case REFERENCE:
            type = miblex_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad REFERENCE", qbuf, type);
                goto out;
            }
            mibtree_more(m, np)->reference_at = m->quote;
            break;
        case INDEX:
            if (mib_node_more(np)->augments) {
                mib_print_error(m, "Cannot have both INDEX and AUGMENTS", token, type);
                goto out;
            }
            SET_MORE(np, indexes, get_indexes(m));
            if (mib_node_more(np)->indexes == NULL) {
                mib_print_error(m, "Bad INDEX list", token, type);
                goto out;
            }
            break;
        case AUGMENTS:
            if (mib_node_more(np)->indexes) {
                mib_print_error(m, "Cannot have both INDEX and AUGMENTS", token, type);
                goto out;
            }
            {
                mib_index_t *ix = get_indexes(m);
                if (ix == NULL) {
                    mib_print_error(m, "Bad AUGMENTS list", token, type);
                    goto out;
                }
                mibtree_more(m, np)->augments = ix->label;
            }
            break;
        case DEFVAL: {
            int level = 1;
            char defbuf[512];
            size_t dl = 0;
            type = miblex_token(m, qbuf, MAXTOKEN);
            if (type != LEFTBRACKET) {
                mib_print_error(m, "Bad DEFAULTVALUE", qbuf, type);
                goto out;
            }
            defbuf[0] = 0;
            for (;;) {
                type = miblex_token(m, qbuf, MAXTOKEN);
                if ((type == RIGHTBRACKET && --level == 0) || type == ENDOFFILE)
                    break;
                else if (type == LEFTBRACKET)
                    level++;
#define DEFCAT(s) do { size_t k_ = strlen(s); \
                    if (dl + k_ >= sizeof defbuf) k_ = sizeof defbuf - 1 - dl; \
                    memcpy(defbuf + dl, (s), k_); dl += k_; defbuf[dl] = 0; } while (0)
                if (type == QUOTESTRING)
                    DEFCAT("\\\"");
                DEFCAT(qbuf);
                if (type == QUOTESTRING)
                    DEFCAT("\\\"");
                DEFCAT(" ");
#undef DEFCAT
            }
            if (type != RIGHTBRACKET) {
                mib_print_error(m, "Bad DEFAULTVALUE", qbuf, type);
                goto out;
            }
            if (dl > 0)
                defbuf[dl - 1] = 0;
            SET_MORE(np, defval, (const char *)mib_arena_strdup(m, defbuf));
            break;
        }
        case NUM_ENTRIES:
            if (toss_object_identifier(m) != OBJID) {
                mib_print_error(m, "Bad Object Identifier", token, type);
                goto out;
            }
            break;
        default:
            mib_print_error(m, "Bad format of optional clauses", token, type);
            goto out;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    if (type != EQUALS) {
        mib_print_error(m, "Bad format", token, type);
        goto out;
    }
    ret = merge_parse_objectid(m, np, name);
out:
    free(qbuf);
    return ret;
}

static void
objlist_add(mib_t *m, objgroup_t **list, const char *name)
{
    objgroup_t *o = mib_arena_alloc(m, sizeof *o);
    o->line = m->line;
    o->name = mib_arena_strdup(m, name);
    o->next = *list;
    *list = o;
}

static mib_node_t *
parse_objectgroup(mib_t *m, const char *name, int what, objgroup_t **ol)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = mibtree_alloc_node(m, m->current_module), *ret = NULL;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    if (type == what) {
        type = miblex_token(m, token, MAXTOKEN);
        if (type != LEFTBRACKET) {
            mib_print_error(m, "Expected \"{\"", token, type);
            goto skip;
        }
        do {
            type = miblex_token(m, token, MAXTOKEN);
            if (type != LABEL) {
                mib_print_error(m, "Bad identifier", token, type);
                goto skip;
            }
            objlist_add(m, ol, token);
            type = miblex_token(m, token, MAXTOKEN);
        } while (type == COMMA);
        if (type != RIGHTBRACKET) {
            mib_print_error(m, "Expected \"}\" after list", token, type);
            goto skip;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    if (type != STATUS) {
        mib_print_error(m, "Expected STATUS", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != CURRENT && type != DEPRECATED && type != OBSOLETE) {
        mib_print_error(m, "Bad STATUS value", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        mib_print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = miblex_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto out;
    }
    np->description_at = m->quote;
    type = miblex_token(m, token, MAXTOKEN);
    if (type == REFERENCE) {
        type = miblex_token(m, qbuf, MAXQUOTESTR);
        if (type != QUOTESTRING) {
            mib_print_error(m, "Bad REFERENCE", qbuf, type);
            goto out;
        }
        mibtree_more(m, np)->reference_at = m->quote;
        type = miblex_token(m, token, MAXTOKEN);
    }
    if (type != EQUALS)
        mib_print_error(m, "Expected \"::=\"", token, type);
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = miblex_token(m, token, MAXTOKEN);
    ret = merge_parse_objectid(m, np, name);
out:
    free(qbuf);
    return ret;
}

static mib_node_t *
parse_notification(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = mibtree_alloc_node(m, m->current_module), *ret = NULL;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    while (type != EQUALS && type != ENDOFFILE) {
        switch (type) {
        case DESCRIPTION:
            type = miblex_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto out;
            }
            np->description_at = m->quote;
            break;
        case REFERENCE:
            type = miblex_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad REFERENCE", qbuf, type);
                goto out;
            }
            mibtree_more(m, np)->reference_at = m->quote;
            break;
        case OBJECTS:
            SET_MORE(np, varbinds, get_varbinds(m));
            if (!mib_node_more(np)->varbinds) {
                mib_print_error(m, "Bad OBJECTS list", token, type);
                goto out;
            }
            break;
        default:
            break;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    ret = merge_parse_objectid(m, np, name);
out:
    free(qbuf);
    return ret;
}

static mib_node_t *
parse_trap(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = mibtree_alloc_node(m, m->current_module), *ret = NULL;
    const char *ent = NULL;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    while (type != EQUALS && type != ENDOFFILE) {
        switch (type) {
        case DESCRIPTION:
            type = miblex_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto out;
            }
            np->description_at = m->quote;
            break;
        case REFERENCE:
            type = miblex_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad REFERENCE", qbuf, type);
                goto out;
            }
            mibtree_more(m, np)->reference_at = m->quote;
            break;
        case ENTERPRISE:
            type = miblex_token(m, token, MAXTOKEN);
            if (type == LEFTBRACKET) {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    mib_print_error(m, "Bad Trap Format", token, type);
                    goto out;
                }
                ent = mib_arena_strdup(m, token);
                type = miblex_token(m, token, MAXTOKEN);
            } else if (type == LABEL) {
                ent = mib_arena_strdup(m, token);
            } else {
                goto out;
            }
            break;
        case VARIABLES:
            SET_MORE(np, varbinds, get_varbinds(m));
            if (!mib_node_more(np)->varbinds) {
                mib_print_error(m, "Bad VARIABLES list", token, type);
                goto out;
            }
            break;
        default:
            break;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    type = miblex_token(m, token, MAXTOKEN);
    np->label = mib_arena_strdup(m, name);
    if (type != NUMBER) {
        mib_print_error(m, "Expected a Number", token, type);
        goto out;
    }
    np->subid = (long)(uint32_t)strtoul(token, NULL, 10);
    if (ent == NULL) {
        m->syntax_error = 1;
        goto out;
    }
    {
        char buf[MAXTOKEN + 2];
        mib_node_t *e = mibtree_alloc_node(m, m->current_module);
        snprintf(buf, sizeof buf, "%s#", ent);
        e->plabel = ent;
        e->label = mib_arena_strdup(m, buf);
        e->subid = 0;
        np->plabel = e->label;
        np->next = e;
        ret = np;
    }
out:
    free(qbuf);
    return ret;
}

static int
eat_syntax(mib_t *m, char *token, int maxtoken)
{
    int type, nexttype;
    char nexttoken[MAXTOKEN];

    type = miblex_token(m, token, maxtoken);
    nexttype = miblex_token(m, nexttoken, MAXTOKEN);
    switch (type) {
    case INTEGER:
    case INTEGER32:
    case UINTEGER32:
    case UNSIGNED32:
    case COUNTER:
    case GAUGE:
    case BITSTRING:
    case LABEL:
        if (nexttype == LEFTBRACKET) {
            parse_enumlist(m);
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        } else if (nexttype == LEFTPAREN) {
            parse_ranges(m);
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
        }
        break;
    case OCTETSTR:
    case KW_OPAQUE:
        if (nexttype == LEFTPAREN) {
            nexttype = miblex_token(m, nexttoken, MAXTOKEN);
            if (nexttype == SIZE) {
                nexttype = miblex_token(m, nexttoken, MAXTOKEN);
                if (nexttype == LEFTPAREN) {
                    parse_ranges(m);
                    nexttype = miblex_token(m, nexttoken, MAXTOKEN);
                    if (nexttype == RIGHTPAREN) {
                        nexttype = miblex_token(m, nexttoken, MAXTOKEN);
                        break;
                    }
                }
            }
            mib_print_error(m, "Bad SIZE syntax", token, type);
            return nexttype;
        }
        break;
    case OBJID:
    case NETADDR:
    case IPADDR:
    case TIMETICKS:
    case NUL:
    case NSAPADDRESS:
    case COUNTER64:
        break;
    default:
        mib_print_error(m, "Bad syntax", token, type);
        return nexttype;
    }
    return nexttype;
}

static int
compliance_lookup(mib_t *m, const char *name, int modid)
{
    if (modid == -1) {
        objlist_add(m, &m->objgroups, name);
        return 1;
    }
    return mibtree_find(m, name, modid) != NULL;
}

static mib_node_t *
parse_compliance(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = mibtree_alloc_node(m, m->current_module), *ret;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    if (type != STATUS) {
        mib_print_error(m, "Expected STATUS", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != CURRENT && type != DEPRECATED && type != OBSOLETE) {
        mib_print_error(m, "Bad STATUS", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        mib_print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = miblex_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto skip;
    }
    np->description_at = m->quote;
    type = miblex_token(m, token, MAXTOKEN);
    if (type == REFERENCE) {
        type = miblex_token(m, qbuf, MAXTOKEN);
        if (type != QUOTESTRING) {
            mib_print_error(m, "Bad REFERENCE", qbuf, type);
            goto skip;
        }
        mibtree_more(m, np)->reference_at = m->quote;
        type = miblex_token(m, token, MAXTOKEN);
    }
    if (type != MODULE) {
        mib_print_error(m, "Expected MODULE", token, type);
        goto skip;
    }
    while (type == MODULE) {
        int modid = -1;
        char modname[256];
        type = miblex_token(m, token, MAXTOKEN);
        if (type == LABEL && strcmp(token, mib_module_name(m, m->current_module, modname))) {
            int st = mibpath_load_module(m, token);
            if (st != MODULE_LOADED_OK && st != MODULE_ALREADY_LOADED) {
                mib_print_error(m, "Unknown module", token, type);
                goto skip;
            }
            modid = mib_which_module(m, token);
            type = miblex_token(m, token, MAXTOKEN);
        }
        if (type == MANDATORYGROUPS) {
            type = miblex_token(m, token, MAXTOKEN);
            if (type != LEFTBRACKET) {
                mib_print_error(m, "Expected \"{\"", token, type);
                goto skip;
            }
            do {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    mib_print_error(m, "Bad group name", token, type);
                    goto skip;
                }
                if (!compliance_lookup(m, token, modid))
                    mib_print_error(m, "Unknown group", token, type);
                type = miblex_token(m, token, MAXTOKEN);
            } while (type == COMMA);
            if (type != RIGHTBRACKET) {
                mib_print_error(m, "Expected \"}\"", token, type);
                goto skip;
            }
            type = miblex_token(m, token, MAXTOKEN);
        }
        while (type == GROUP || type == OBJECT) {
            if (type == GROUP) {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    mib_print_error(m, "Bad group name", token, type);
                    goto skip;
                }
                if (!compliance_lookup(m, token, modid))
                    mib_print_error(m, "Unknown group", token, type);
                type = miblex_token(m, token, MAXTOKEN);
            } else {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    mib_print_error(m, "Bad object name", token, type);
                    goto skip;
                }
                if (!compliance_lookup(m, token, modid))
                    mib_print_error(m, "Unknown group", token, type);
                type = miblex_token(m, token, MAXTOKEN);
                if (type == SYNTAX)
                    type = eat_syntax(m, token, MAXTOKEN);
                if (type == WRSYNTAX)
                    type = eat_syntax(m, token, MAXTOKEN);
                if (type == MINACCESS) {
                    type = miblex_token(m, token, MAXTOKEN);
                    if (type != NOACCESS && type != ACCNOTIFY && type != READONLY &&
                        type != WRITEONLY && type != READCREATE && type != READWRITE) {
                        mib_print_error(m, "Bad MIN-ACCESS spec", token, type);
                        goto skip;
                    }
                    type = miblex_token(m, token, MAXTOKEN);
                }
            }
            if (type != DESCRIPTION) {
                mib_print_error(m, "Expected DESCRIPTION", token, type);
                goto skip;
            }
            type = miblex_token(m, token, MAXTOKEN);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad DESCRIPTION", token, type);
                goto skip;
            }
            type = miblex_token(m, token, MAXTOKEN);
        }
    }
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = miblex_token(m, qbuf, MAXQUOTESTR);
    ret = merge_parse_objectid(m, np, name);
    free(qbuf);
    return ret;
}

static mib_node_t *
parse_capabilities(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = mibtree_alloc_node(m, m->current_module), *ret;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    if (type != PRODREL) {
        mib_print_error(m, "Expected PRODUCT-RELEASE", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Expected STRING after PRODUCT-RELEASE", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != STATUS) {
        mib_print_error(m, "Expected STATUS", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != CURRENT && type != OBSOLETE) {
        mib_print_error(m, "STATUS should be current or obsolete", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        mib_print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = miblex_token(m, qbuf, MAXTOKEN);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto skip;
    }
    np->description_at = m->quote;
    type = miblex_token(m, token, MAXTOKEN);
    if (type == REFERENCE) {
        type = miblex_token(m, qbuf, MAXTOKEN);
        if (type != QUOTESTRING) {
            mib_print_error(m, "Bad REFERENCE", qbuf, type);
            goto skip;
        }
        mibtree_more(m, np)->reference_at = m->quote;
        type = miblex_token(m, token, MAXTOKEN);
    }
    while (type == SUPPORTS) {
        int modid, st;
        type = miblex_token(m, token, MAXTOKEN);
        if (type != LABEL) {
            mib_print_error(m, "Bad module name", token, type);
            goto skip;
        }
        st = mibpath_load_module(m, token);
        if (st != MODULE_LOADED_OK && st != MODULE_ALREADY_LOADED) {
            mib_print_error(m, "Module not found", token, type);
            goto skip;
        }
        modid = mib_which_module(m, token);
        type = miblex_token(m, token, MAXTOKEN);
        if (type != INCLUDES) {
            mib_print_error(m, "Expected INCLUDES", token, type);
            goto skip;
        }
        type = miblex_token(m, token, MAXTOKEN);
        if (type != LEFTBRACKET) {
            mib_print_error(m, "Expected \"{\"", token, type);
            goto skip;
        }
        do {
            type = miblex_token(m, token, MAXTOKEN);
            if (type != LABEL) {
                mib_print_error(m, "Expected group name", token, type);
                goto skip;
            }
            if (!mibtree_find(m, token, modid))
                mib_print_error(m, "Group not found in module", token, type);
            type = miblex_token(m, token, MAXTOKEN);
        } while (type == COMMA);
        if (type != RIGHTBRACKET) {
            mib_print_error(m, "Expected \"}\" after group list", token, type);
            goto skip;
        }
        type = miblex_token(m, token, MAXTOKEN);
        while (type == VARIATION) {
            type = miblex_token(m, token, MAXTOKEN);
            if (type != LABEL) {
                mib_print_error(m, "Bad object name", token, type);
                goto skip;
            }
            if (!mibtree_find(m, token, modid))
                mib_print_error(m, "Object not found in module", token, type);
            type = miblex_token(m, token, MAXTOKEN);
            if (type == SYNTAX)
                type = eat_syntax(m, token, MAXTOKEN);
            if (type == WRSYNTAX)
                type = eat_syntax(m, token, MAXTOKEN);
            if (type == ACCESS) {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != ACCNOTIFY && type != READONLY && type != READWRITE &&
                    type != READCREATE && type != WRITEONLY && type != NOTIMPL) {
                    mib_print_error(m, "Bad ACCESS", token, type);
                    goto skip;
                }
                type = miblex_token(m, token, MAXTOKEN);
            }
            if (type == CREATEREQ) {
                type = miblex_token(m, token, MAXTOKEN);
                if (type != LEFTBRACKET) {
                    mib_print_error(m, "Expected \"{\"", token, type);
                    goto skip;
                }
                do {
                    type = miblex_token(m, token, MAXTOKEN);
                    if (type != LABEL) {
                        mib_print_error(m, "Bad object name in list", token, type);
                        goto skip;
                    }
                    type = miblex_token(m, token, MAXTOKEN);
                } while (type == COMMA);
                if (type != RIGHTBRACKET) {
                    mib_print_error(m, "Expected \"}\" after list", token, type);
                    goto skip;
                }
                type = miblex_token(m, token, MAXTOKEN);
            }
            if (type == DEFVAL) {
                int level = 1;
                type = miblex_token(m, token, MAXTOKEN);
                if (type != LEFTBRACKET) {
                    mib_print_error(m, "Expected \"{\" after DEFVAL", token, type);
                    goto skip;
                }
                do {
                    type = miblex_token(m, token, MAXTOKEN);
                    if (type == LEFTBRACKET)
                        level++;
                    else if (type == RIGHTBRACKET)
                        level--;
                } while (type != RIGHTBRACKET && type != ENDOFFILE && level != 0);
                if (type != RIGHTBRACKET) {
                    mib_print_error(m, "Missing \"}\" after DEFVAL", token, type);
                    goto skip;
                }
                type = miblex_token(m, token, MAXTOKEN);
            }
            if (type != DESCRIPTION) {
                mib_print_error(m, "Expected DESCRIPTION", token, type);
                goto skip;
            }
            type = miblex_token(m, qbuf, MAXTOKEN);
            if (type != QUOTESTRING) {
                mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto skip;
            }
            type = miblex_token(m, token, MAXTOKEN);
        }
    }
    if (type != EQUALS)
        mib_print_error(m, "Expected \"::=\"", token, type);
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = miblex_token(m, qbuf, MAXQUOTESTR);
    ret = merge_parse_objectid(m, np, name);
    free(qbuf);
    return ret;
}

static void
check_utc(mib_t *m, const char *utc)
{
    int len, year, month, day, hour, minute;

    len = (int)strlen(utc);
    if (len == 0 || (utc[len - 1] != 'Z' && utc[len - 1] != 'z')) {
        mib_print_error(m, "Timestamp should end with Z", utc, QUOTESTRING);
        return;
    }
    if (len == 11) {
        len = sscanf(utc, "%2d%2d%2d%2d%2dZ", &year, &month, &day, &hour, &minute);
    } else if (len == 13) {
        len = sscanf(utc, "%4d%2d%2d%2d%2dZ", &year, &month, &day, &hour, &minute);
    } else {
        mib_print_error(m, "Bad timestamp format (11 or 13 characters)", utc, QUOTESTRING);
        return;
    }
    if (len != 5) {
        mib_print_error(m, "Bad timestamp format", utc, QUOTESTRING);
        return;
    }
    if (month < 1 || month > 12)
        mib_print_error(m, "Bad month in timestamp", utc, QUOTESTRING);
    if (day < 1 || day > 31)
        mib_print_error(m, "Bad day in timestamp", utc, QUOTESTRING);
    if (hour < 0 || hour > 23)
        mib_print_error(m, "Bad hour in timestamp", utc, QUOTESTRING);
    if (minute < 0 || minute > 59)
        mib_print_error(m, "Bad minute in timestamp", utc, QUOTESTRING);
}

static mib_node_t *
parse_module_identity(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = mibtree_alloc_node(m, m->current_module), *ret;

    if (!qbuf)
        return NULL;
    type = miblex_token(m, token, MAXTOKEN);
    if (type != LASTUPDATED) {
        mib_print_error(m, "Expected LAST-UPDATED", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Need STRING for LAST-UPDATED", token, type);
        goto skip;
    }
    check_utc(m, token);
    type = miblex_token(m, token, MAXTOKEN);
    if (type != ORGANIZATION) {
        mib_print_error(m, "Expected ORGANIZATION", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Bad ORGANIZATION", token, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != CONTACTINFO) {
        mib_print_error(m, "Expected CONTACT-INFO", token, type);
        goto skip;
    }
    type = miblex_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Bad CONTACT-INFO", qbuf, type);
        goto skip;
    }
    type = miblex_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        mib_print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = miblex_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto skip;
    }
    np->description_at = m->quote;
    type = miblex_token(m, token, MAXTOKEN);
    while (type == REVISION) {
        type = miblex_token(m, token, MAXTOKEN);
        if (type != QUOTESTRING) {
            mib_print_error(m, "Bad REVISION", token, type);
            goto skip;
        }
        check_utc(m, token);
        type = miblex_token(m, token, MAXTOKEN);
        if (type != DESCRIPTION) {
            mib_print_error(m, "Expected DESCRIPTION", token, type);
            goto skip;
        }
        type = miblex_token(m, qbuf, MAXQUOTESTR);
        if (type != QUOTESTRING) {
            mib_print_error(m, "Bad DESCRIPTION", qbuf, type);
            goto skip;
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    if (type != EQUALS)
        mib_print_error(m, "Expected \"::=\"", token, type);
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = miblex_token(m, qbuf, MAXQUOTESTR);
    ret = merge_parse_objectid(m, np, name);
    free(qbuf);
    return ret;
}

static int
parse_macro(mib_t *m)
{
    int type;
    char token[MAXTOKEN];

    type = miblex_token(m, token, sizeof token);
    while (type != EQUALS && type != ENDOFFILE)
        type = miblex_token(m, token, sizeof token);
    if (type != EQUALS)
        return -1;
    while (type != BEGIN && type != ENDOFFILE)
        type = miblex_token(m, token, sizeof token);
    if (type != BEGIN)
        return -1;
    while (type != END && type != ENDOFFILE)
        type = miblex_token(m, token, sizeof token);
    if (type != END)
        return -1;
    return 0;
}

static void
parse_imports(mib_t *m)
{
    int type;
    char token[MAXTOKEN];
#define MAX_IMPORTS 512
    mib_import_t *import_list = malloc(MAX_IMPORTS * sizeof *import_list);
    int import_count = 0, i = 0, old_i;

    if (!import_list)
        return;
    type = miblex_token(m, token, MAXTOKEN);
    while (type != SEMI && type != ENDOFFILE) {
        if (type == LABEL) {
            if (import_count == MAX_IMPORTS) {
                mib_print_error(m, "Too many imported symbols", token, type);
                do {
                    type = miblex_token(m, token, MAXTOKEN);
                } while (type != SEMI && type != ENDOFFILE);
                free(import_list);
                return;
            }
            import_list[import_count].label = mib_arena_strdup(m, token);
            import_list[import_count++].modid = -1;
        } else if (type == FROM) {
            type = miblex_token(m, token, MAXTOKEN);
            if (import_count == i) {
                type = miblex_token(m, token, MAXTOKEN);
                continue;
            }
            int this_module = mib_which_module(m, token);
            for (old_i = i; i < import_count; ++i)
                import_list[i].modid = this_module;
            if (mibpath_load_module(m, token) == MODULE_NOT_FOUND) {
                int found = 0;
                for (; old_i < import_count; ++old_i)
                    found += mibpath_import_replacements(m, token, &import_list[old_i]);
                if (!found)
                    mib_module_not_found(m, token);
            }
        }
        type = miblex_token(m, token, MAXTOKEN);
    }
    mib_module_t *mp = mib_find_module(m, m->current_module);
    if (mp && import_count > 0) {
        mp->imports = mib_arena_alloc(m, (size_t)import_count * sizeof *mp->imports);
        memcpy(mp->imports, import_list, (size_t)import_count * sizeof *mp->imports);
        mp->no_imports = import_count;
    }
    free(import_list);
}

static void
scan_objlist(mib_t *m, mib_node_t *root, mib_module_t *mp, objgroup_t *list, const char *error)
{
    int oline = m->line;
    for (; list; list = list->next) {
        mib_node_t *np = root;
        while (np && strcmp(np->label, list->name))
            np = np->next;
        if (!np) {
            int i = 0;
            if (mp)
                for (i = 0; i < mp->no_imports; i++)
                    if (!strcmp(mp->imports[i].label, list->name))
                        break;
            if (!mp || i == mp->no_imports) {
                m->line = list->line;
                mib_print_error(m, error, list->name, QUOTESTRING);
            }
        }
    }
    m->line = oline;
}

/* Parses one file. Returns 0, or -1 on a syntax error that abandons the
 * module being parsed (its nodes are not linked). */
int
mibparse_module(mib_t *m)
{
    char token[MAXTOKEN], name[MAXTOKEN + 1];
    int type = LABEL, lasttype = LABEL;
    enum { BETWEEN_MIBS, IN_MIB } state = BETWEEN_MIBS;
    mib_node_t *np = NULL, *root = NULL, *nnp;
    objgroup_t *oldgroups = NULL, *oldobjects = NULL, *oldnotifs = NULL;

    free(m->last_err_module);
    m->last_err_module = NULL;

    while (type != ENDOFFILE) {
        if (lasttype == CONTINUE)
            lasttype = type;
        else
            type = lasttype = miblex_token(m, token, MAXTOKEN);

        switch (type) {
        case END:
            if (state != IN_MIB) {
                mib_print_error(m, "Error, END before start of MIB", NULL, type);
                m->syntax_error = 1;
                return -1;
            } else {
                mib_module_t *mp = mib_find_module(m, m->current_module);
                scan_objlist(m, root, mp, m->objgroups, "Undefined OBJECT-GROUP");
                scan_objlist(m, root, mp, m->objects, "Undefined OBJECT");
                scan_objlist(m, root, mp, m->notifs, "Undefined NOTIFICATION");
                m->objgroups = oldgroups;
                m->objects = oldobjects;
                m->notifs = oldnotifs;
                if (mp)
                    mibtree_linkup(m, mp, root);
                np = root = NULL;
            }
            state = BETWEEN_MIBS;
            continue;
        case IMPORTS:
            parse_imports(m);
            continue;
        case EXPORTS:
            while (type != SEMI && type != ENDOFFILE)
                type = miblex_token(m, token, MAXTOKEN);
            continue;
        case LABEL: case INTEGER: case INTEGER32: case UINTEGER32:
        case UNSIGNED32: case COUNTER: case COUNTER64: case GAUGE:
        case IPADDR: case NETADDR: case NSAPADDRESS: case OBJSYNTAX:
        case APPSYNTAX: case SIMPLESYNTAX: case OBJNAME: case NOTIFNAME:
        case KW_OPAQUE: case TIMETICKS:
            break;
        case ENDOFFILE:
            continue;
        default:
            snprintf(name, sizeof name, "%s", token);
            type = miblex_token(m, token, MAXTOKEN);
            if (type == MACRO) {
                if (parse_macro(m) < 0) {
                    mib_print_error(m, "Bad parse of MACRO", NULL, type);
                    m->syntax_error = 1;
                }
            } else {
                mib_print_error(m, name, "is a reserved word", lasttype);
            }
            continue;
        }
        snprintf(name, sizeof name, "%s", token);
        type = miblex_token(m, token, MAXTOKEN);
        nnp = NULL;

        /* obsolete way of giving a module an OID: NAME { ... } DEFINITIONS */
        if (lasttype == LABEL && type == LEFTBRACKET) {
            while (type != RIGHTBRACKET && type != ENDOFFILE)
                type = miblex_token(m, token, MAXTOKEN);
            if (type == ENDOFFILE) {
                mib_print_error(m, "Expected \"}\"", token, type);
                m->syntax_error = 1;
                return -1;
            }
            type = miblex_token(m, token, MAXTOKEN);
        }

        switch (type) {
        case DEFINITIONS:
            if (state != BETWEEN_MIBS) {
                mib_print_error(m, "Error, nested MIBS", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            state = IN_MIB;
            m->current_module = mib_which_module(m, name);
            oldgroups = m->objgroups;
            m->objgroups = NULL;
            oldobjects = m->objects;
            m->objects = NULL;
            oldnotifs = m->notifs;
            m->notifs = NULL;
            if (m->current_module == -1) {
                mib_new_module(m, name, m->file);
                m->current_module = mib_which_module(m, name);
                mib_module_t *mp = mib_find_module(m, m->current_module);
                if (mp)
                    mp->no_imports = 0;
            }
            while ((type = miblex_token(m, token, MAXTOKEN)) != ENDOFFILE)
                if (type == BEGIN)
                    break;
            break;
        case OBJTYPE:
            nnp = parse_objecttype(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of OBJECT-TYPE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case OBJGROUP:
            nnp = parse_objectgroup(m, name, OBJECTS, &m->objects);
            if (!nnp) {
                mib_print_error(m, "Bad parse of OBJECT-GROUP", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case NOTIFGROUP:
            nnp = parse_objectgroup(m, name, NOTIFICATIONS, &m->notifs);
            if (!nnp) {
                mib_print_error(m, "Bad parse of NOTIFICATION-GROUP", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case TRAPTYPE:
            nnp = parse_trap(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of TRAP-TYPE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case NOTIFTYPE:
            nnp = parse_notification(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of NOTIFICATION-TYPE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case COMPLIANCE:
            nnp = parse_compliance(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of MODULE-COMPLIANCE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case AGENTCAP:
            nnp = parse_capabilities(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of AGENT-CAPABILITIES", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case MACRO:
            if (parse_macro(m) < 0) {
                mib_print_error(m, "Bad parse of MACRO", NULL, type);
                m->syntax_error = 1;
            }
            break;
        case MODULEIDENTITY:
            nnp = parse_module_identity(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of MODULE-IDENTITY", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case OBJIDENTITY:
            nnp = parse_objectgroup(m, name, OBJECTS, &m->objects);
            if (!nnp) {
                mib_print_error(m, "Bad parse of OBJECT-IDENTITY", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case OBJECT:
            type = miblex_token(m, token, MAXTOKEN);
            if (type != IDENTIFIER) {
                mib_print_error(m, "Expected IDENTIFIER", token, type);
                m->syntax_error = 1;
                return -1;
            }
            type = miblex_token(m, token, MAXTOKEN);
            if (type != EQUALS) {
                mib_print_error(m, "Expected \"::=\"", token, type);
                m->syntax_error = 1;
                return -1;
            }
            nnp = parse_objectid(m, name);
            if (!nnp) {
                mib_print_error(m, "Bad parse of OBJECT IDENTIFIER", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case EQUALS:
            nnp = parse_asntype(m, name, &type, token);
            lasttype = CONTINUE;
            break;
        case ENDOFFILE:
            break;
        default:
            mib_print_error(m, "Bad operator", token, type);
            m->syntax_error = 1;
            return -1;
        }
        if (nnp) {
            if (np)
                np->next = nnp;
            else
                np = root = nnp;
            while (np->next)
                np = np->next;
            if (np->type == MIB_TYPE_OTHER)
                np->type = type;
        }
    }
    return 0;
}
