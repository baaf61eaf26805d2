/* mib.c - MIB module parser and OID tree.
 *
 * The parser reads SMIv1 and SMIv2 modules as net-snmp's parse.c does:
 * same tokens, same tolerance, same error texts ("Bad parse of
 * OBJECT-TYPE: At line 12 in FILE"), and the tree it builds has the same
 * shape and the same child order, so that names and OIDs come out as
 * net-snmp prints them. A module with a syntax error contributes nothing;
 * the others load. Underscores in names are always allowed. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mib.h"
#include "mibbuf.h"
#include "mibhint.h"

#define MAXTOKEN 128
#define MAXQUOTESTR 4096
#define ANON "anonymous#"
#define ANON_LEN 10

/* Tokens (net-snmp's values; SYNTAX_MASK marks syntax tokens). */
#define SYNTAX_MASK 0x80
enum {
    CONTINUE = -1, ENDOFFILE = 0, LABEL = 1, SUBTREE = 2, SYNTAX = 3,
    OBJID = 4 | SYNTAX_MASK, OCTETSTR = 5 | SYNTAX_MASK,
    INTEGER = 6 | SYNTAX_MASK, NETADDR = 7 | SYNTAX_MASK,
    IPADDR = 8 | SYNTAX_MASK, COUNTER = 9 | SYNTAX_MASK,
    GAUGE = 10 | SYNTAX_MASK, TIMETICKS = 11 | SYNTAX_MASK,
    KW_OPAQUE = 12 | SYNTAX_MASK, NUL = 13 | SYNTAX_MASK,
    SEQUENCE = 14, OF = 15, OBJTYPE = 16, ACCESS = 17, READONLY = 18,
    READWRITE = 19, WRITEONLY = 20, NOACCESS = 21, STATUS = 22,
    MANDATORY = 23, KW_OPTIONAL = 24, OBSOLETE = 25, PUNCT = 27,
    EQUALS = 28, NUMBER = 29, LEFTBRACKET = 30, RIGHTBRACKET = 31,
    LEFTPAREN = 32, RIGHTPAREN = 33, COMMA = 34, DESCRIPTION = 35,
    QUOTESTRING = 36, INDEX = 37, DEFVAL = 38, DEPRECATED = 39, SIZE = 40,
    BITSTRING = 41 | SYNTAX_MASK, NSAPADDRESS = 42 | SYNTAX_MASK,
    COUNTER64 = 43 | SYNTAX_MASK, OBJGROUP = 44, NOTIFTYPE = 45,
    AUGMENTS = 46, COMPLIANCE = 47, READCREATE = 48, UNITS = 49,
    REFERENCE = 50, NUM_ENTRIES = 51, MODULEIDENTITY = 52,
    LASTUPDATED = 53, ORGANIZATION = 54, CONTACTINFO = 55,
    UINTEGER32 = 56 | SYNTAX_MASK, CURRENT = 57, DEFINITIONS = 58,
    END = 59, SEMI = 60, TRAPTYPE = 61, ENTERPRISE = 62, BEGIN = 64,
    IMPORTS = 65, EXPORTS = 66, ACCNOTIFY = 67, BAR = 68, RANGE = 69,
    CONVENTION = 70, DISPLAYHINT = 71, FROM = 72, AGENTCAP = 73,
    MACRO = 74, IMPLIED = 75, SUPPORTS = 76, INCLUDES = 77,
    VARIATION = 78, REVISION = 79, NOTIMPL = 80, OBJECTS = 81,
    NOTIFICATIONS = 82, MODULE = 83, MINACCESS = 84, PRODREL = 85,
    WRSYNTAX = 86, CREATEREQ = 87, NOTIFGROUP = 88, MANDATORYGROUPS = 89,
    GROUP = 90, OBJECT = 91, IDENTIFIER = 92, CHOICE = 93,
    LEFTSQBRACK = 95, RIGHTSQBRACK = 96, IMPLICIT = 97,
    APPSYNTAX = 98 | SYNTAX_MASK, OBJSYNTAX = 99 | SYNTAX_MASK,
    SIMPLESYNTAX = 100 | SYNTAX_MASK, OBJNAME = 101 | SYNTAX_MASK,
    NOTIFNAME = 102 | SYNTAX_MASK, VARIABLES = 103,
    UNSIGNED32 = 104 | SYNTAX_MASK, INTEGER32 = 105 | SYNTAX_MASK,
    OBJIDENTITY = 106,
};

static const struct { const char *name; int token; } keywords[] = {
    { "obsolete", OBSOLETE }, { "Opaque", KW_OPAQUE },
    { "optional", KW_OPTIONAL }, { "LAST-UPDATED", LASTUPDATED },
    { "ORGANIZATION", ORGANIZATION }, { "CONTACT-INFO", CONTACTINFO },
    { "MODULE-IDENTITY", MODULEIDENTITY },
    { "MODULE-COMPLIANCE", COMPLIANCE }, { "DEFINITIONS", DEFINITIONS },
    { "END", END }, { "AUGMENTS", AUGMENTS },
    { "not-accessible", NOACCESS }, { "write-only", WRITEONLY },
    { "NsapAddress", NSAPADDRESS }, { "UNITS", UNITS },
    { "REFERENCE", REFERENCE }, { "NUM-ENTRIES", NUM_ENTRIES },
    { "BITSTRING", BITSTRING }, { "BIT", CONTINUE }, { "BITS", BITSTRING },
    { "Counter64", COUNTER64 }, { "TimeTicks", TIMETICKS },
    { "NOTIFICATION-TYPE", NOTIFTYPE }, { "OBJECT-GROUP", OBJGROUP },
    { "OBJECT-IDENTITY", OBJIDENTITY }, { "IDENTIFIER", IDENTIFIER },
    { "OBJECT", OBJECT }, { "NetworkAddress", NETADDR },
    { "Gauge", GAUGE }, { "Gauge32", GAUGE }, { "Unsigned32", UNSIGNED32 },
    { "read-write", READWRITE }, { "read-create", READCREATE },
    { "OCTETSTRING", OCTETSTR }, { "OCTET", CONTINUE }, { "OF", OF },
    { "SEQUENCE", SEQUENCE }, { "NULL", NUL }, { "IpAddress", IPADDR },
    { "UInteger32", UINTEGER32 }, { "INTEGER", INTEGER },
    { "Integer32", INTEGER32 }, { "Counter", COUNTER },
    { "Counter32", COUNTER }, { "read-only", READONLY },
    { "DESCRIPTION", DESCRIPTION }, { "INDEX", INDEX },
    { "DEFVAL", DEFVAL }, { "deprecated", DEPRECATED }, { "SIZE", SIZE },
    { "MAX-ACCESS", ACCESS }, { "ACCESS", ACCESS },
    { "mandatory", MANDATORY }, { "current", CURRENT },
    { "STATUS", STATUS }, { "SYNTAX", SYNTAX },
    { "OBJECT-TYPE", OBJTYPE }, { "TRAP-TYPE", TRAPTYPE },
    { "ENTERPRISE", ENTERPRISE }, { "BEGIN", BEGIN },
    { "IMPORTS", IMPORTS }, { "EXPORTS", EXPORTS },
    { "accessible-for-notify", ACCNOTIFY },
    { "TEXTUAL-CONVENTION", CONVENTION },
    { "NOTIFICATION-GROUP", NOTIFGROUP }, { "DISPLAY-HINT", DISPLAYHINT },
    { "FROM", FROM }, { "AGENT-CAPABILITIES", AGENTCAP },
    { "MACRO", MACRO }, { "IMPLIED", IMPLIED }, { "SUPPORTS", SUPPORTS },
    { "INCLUDES", INCLUDES }, { "VARIATION", VARIATION },
    { "REVISION", REVISION }, { "not-implemented", NOTIMPL },
    { "OBJECTS", OBJECTS }, { "NOTIFICATIONS", NOTIFICATIONS },
    { "MODULE", MODULE }, { "MIN-ACCESS", MINACCESS },
    { "PRODUCT-RELEASE", PRODREL }, { "WRITE-SYNTAX", WRSYNTAX },
    { "CREATION-REQUIRES", CREATEREQ },
    { "MANDATORY-GROUPS", MANDATORYGROUPS }, { "GROUP", GROUP },
    { "CHOICE", CHOICE }, { "IMPLICIT", IMPLICIT },
    { "ObjectSyntax", OBJSYNTAX }, { "SimpleSyntax", SIMPLESYNTAX },
    { "ApplicationSyntax", APPSYNTAX }, { "ObjectName", OBJNAME },
    { "NotificationName", NOTIFNAME }, { "VARIABLES", VARIABLES },
};

#define KWHASH 512
static short kw_table[KWHASH];  /* index+1 into keywords, open addressing */
static int kw_ready;

static unsigned
str_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void
kw_init(void)
{
    if (kw_ready)
        return;
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        unsigned h = str_hash(keywords[i].name) & (KWHASH - 1);
        while (kw_table[h])
            h = (h + 1) & (KWHASH - 1);
        kw_table[h] = (short)(i + 1);
    }
    kw_ready = 1;
}

static int
kw_lookup(const char *s)
{
    unsigned h = str_hash(s) & (KWHASH - 1);
    while (kw_table[h]) {
        int i = kw_table[h] - 1;
        if (strcmp(keywords[i].name, s) == 0)
            return keywords[i].token;
        h = (h + 1) & (KWHASH - 1);
    }
    return LABEL;
}

/* Old module names and the modules that replaced them (net-snmp's
 * module_map), used when an imported module is missing. */
static const struct {
    const char *old_module, *new_module, *tag;
    int tag_len;
} module_map[] = {
    { "RFC1065-SMI", "RFC1155-SMI", NULL, 0 },
    { "RFC1066-MIB", "RFC1156-MIB", NULL, 0 },
    { "RFC1156-MIB", "RFC1158-MIB", NULL, 0 },
    { "RFC1158-MIB", "RFC1213-MIB", NULL, 0 },
    { "RFC1155-SMI", "SNMPv2-SMI", NULL, 0 },
    { "RFC1213-MIB", "SNMPv2-SMI", "mib-2", 0 },
    { "RFC1213-MIB", "SNMPv2-MIB", "sys", 3 },
    { "RFC1213-MIB", "IF-MIB", "if", 2 },
    { "RFC1213-MIB", "IP-MIB", "ip", 2 },
    { "RFC1213-MIB", "IP-MIB", "icmp", 4 },
    { "RFC1213-MIB", "TCP-MIB", "tcp", 3 },
    { "RFC1213-MIB", "UDP-MIB", "udp", 3 },
    { "RFC1213-MIB", "SNMPv2-SMI", "transmission", 0 },
    { "RFC1213-MIB", "SNMPv2-MIB", "snmp", 4 },
    { "RFC1271-MIB", "RMON-MIB", NULL, 0 },
    { "RFC1286-MIB", "SOURCE-ROUTING-MIB", "dot1dSr", 7 },
    { "RFC1286-MIB", "BRIDGE-MIB", NULL, 0 },
    { "RFC1315-MIB", "FRAME-RELAY-DTE-MIB", NULL, 0 },
    { "RFC1316-MIB", "CHARACTER-MIB", NULL, 0 },
    { "RFC-1213", "RFC1213-MIB", NULL, 0 },
};

enum { MODULE_NOT_FOUND = 0, MODULE_LOADED_OK = 1, MODULE_ALREADY_LOADED = 2,
       MODULE_SYNTAX_ERROR = 4 };

#include "mibint.h"


/* ---- memory ---------------------------------------------------------- */

static void *arena_alloc(mib_t *m, size_t n);

void *
mib_arena_alloc(mib_t *m, size_t n)
{
    return arena_alloc(m, n);
}

unsigned
mib_str_hash(const char *s)
{
    return str_hash(s);
}

static void *
arena_alloc(mib_t *m, size_t n)
{
    chunk_t *c = m->arena;
    n = (n + 15) & ~(size_t)15;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (!c) {
            fprintf(stderr, "moonwalk: out of memory\n");
            abort();
        }
        c->cap = cap;
        c->used = 0;
        c->next = m->arena;
        m->arena = c;
    }
    void *p = c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static char *
arena_strdup(mib_t *m, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(m, n);
    memcpy(p, s, n);
    return p;
}

/* ---- errors ---------------------------------------------------------- */

/* Appends a message, whatever its length (a long -M path included). */
static void
err_append(mib_t *m, const char *fmt, ...)
{
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (m->errlen + (size_t)n + 1 > m->errcap) {
        size_t cap = m->errcap ? m->errcap * 2 : 1024;
        while (cap < m->errlen + (size_t)n + 1)
            cap *= 2;
        char *nb = realloc(m->errbuf, cap);
        if (!nb)
            return;
        m->errbuf = nb;
        m->errcap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(m->errbuf + m->errlen, (size_t)n + 1, fmt, ap);
    va_end(ap);
    m->errlen += (size_t)n;
}

static void
print_error(mib_t *m, const char *string, const char *token, int type)
{
    m->nerrors++;
    if (type == ENDOFFILE)
        err_append(m, "%s (EOF): At line %d in %s\n", string, m->line, m->file);
    else if (token && *token)
        err_append(m, "%s (%s): At line %d in %s\n", string, token, m->line, m->file);
    else
        err_append(m, "%s: At line %d in %s\n", string, m->line, m->file);
}

static void
print_module_not_found(mib_t *m, const char *cp)
{
    if (m->first_err_module) {
        err_append(m, "MIB search path: %s\n", m->dirs ? m->dirs : "");
        m->first_err_module = 0;
    }
    if (!m->last_err_module || strcmp(cp, m->last_err_module))
        print_error(m, "Cannot find module", cp, CONTINUE);
    free(m->last_err_module);
    m->last_err_module = strdup(cp);
}

const char *
mib_take_errors(mib_t *m, size_t *len)
{
    static const char empty[] = "";
    if (len)
        *len = m->errlen;
    if (!m->errlen)
        return empty;
    m->errlen = 0;
    return m->errbuf;
}

int
mib_error_count(const mib_t *m)
{
    return m->nerrors;
}

/* ---- lexer ----------------------------------------------------------- */

static int
lgetc(mib_t *m)
{
    lex_t *lx = m->lx;
    if (lx->p >= lx->end)
        return EOF;
    return (unsigned char)*lx->p++;
}

static void
lungetc(mib_t *m, int ch)
{
    if (ch != EOF)
        m->lx->p--;
}

static int
is_labelchar(int ch)
{
    return isalnum(ch) || ch == '-' || ch == '_';
}

/* The text of a quoted string up to the closing quote, without '\r'. The
 * scanning loops below keep the read position in locals: through m->lx
 * every byte written to token would make the compiler reload it. */
static int
parse_quote_string(mib_t *m, char *token, int maxtlen)
{
    lex_t *lx = m->lx;
    const char *p = lx->p, *end = lx->end;
    const char *q = memchr(p, '"', (size_t)(end - p));
    const char *stop = q ? q : end;
    int count = 0;
    m->quote.off = (uint32_t)(p - lx->base);
    m->quote.len = q && stop - p < (ptrdiff_t)UINT32_MAX ? (uint32_t)(stop - p) + 1 : 0;
    /* descriptions are most of a MIB's text: find the quote, then count
     * and copy the run at once */
    for (const char *nl = p; (nl = memchr(nl, '\n', (size_t)(stop - nl))) != NULL; nl++)
        m->line++;
    if (!memchr(p, '\r', (size_t)(stop - p))) {
        size_t n = (size_t)(stop - p);
        if (maxtlen > 0 && n > (size_t)maxtlen - 1)
            n = (size_t)maxtlen - 1;
        memcpy(token, p, n);
        token += n;
    } else {
        for (const char *c = p; c < stop; c++)
            if (*c != '\r' && ++count < maxtlen)
                *token++ = *c;
    }
    *token = '\0';
    lx->p = q ? q + 1 : end;
    return q ? QUOTESTRING : ENDOFFILE;
}

/* isspace() and is_labelchar() of the C locale, as a table */
enum { CC_SPACE = 1, CC_LABEL = 2 };
static const unsigned char cclass[256] = {
    ['\t'] = CC_SPACE, ['\n'] = CC_SPACE, ['\v'] = CC_SPACE, ['\f'] = CC_SPACE,
    ['\r'] = CC_SPACE, [' '] = CC_SPACE, ['-'] = CC_LABEL, ['_'] = CC_LABEL,
#define D(c) [c] = CC_LABEL
    D('0'), D('1'), D('2'), D('3'), D('4'), D('5'), D('6'), D('7'), D('8'), D('9'),
    D('a'), D('b'), D('c'), D('d'), D('e'), D('f'), D('g'), D('h'), D('i'), D('j'), D('k'),
    D('l'), D('m'), D('n'), D('o'), D('p'), D('q'), D('r'), D('s'), D('t'), D('u'), D('v'),
    D('w'), D('x'), D('y'), D('z'),
    D('A'), D('B'), D('C'), D('D'), D('E'), D('F'), D('G'), D('H'), D('I'), D('J'), D('K'),
    D('L'), D('M'), D('N'), D('O'), D('P'), D('Q'), D('R'), D('S'), D('T'), D('U'), D('V'),
    D('W'), D('X'), D('Y'), D('Z'),
#undef D
};

/* Skips white space (counting lines) and returns the next character, or
 * EOF. */
static int
skip_space(mib_t *m)
{
    lex_t *lx = m->lx;
    const char *p = lx->p, *end = lx->end;
    int line = m->line, ch = EOF;
    while (p < end) {
        unsigned char c = (unsigned char)*p++;
        if (!(cclass[c] & CC_SPACE)) {
            ch = c;
            break;
        }
        if (c == '\n')
            line++;
    }
    lx->p = p;
    m->line = line;
    return ch;
}

/* After "--": skips to the end of the line or the next "--"; returns the
 * character that ended the comment ('\n', the second '-', or EOF). */
static int
skip_comment(mib_t *m)
{
    lex_t *lx = m->lx;
    const char *p = lx->p, *end = lx->end;
    int prev = ' ';
    while (p < end) {
        int c = (unsigned char)*p++;
        if (c == '\n' || (prev == '-' && c == '-')) {
            lx->p = p;
            return c;
        }
        prev = c;
    }
    lx->p = p;
    return EOF;
}

/* Appends label characters to token (at cp, up to maxtlen - 1 in all);
 * returns the new end. The first character that is not one is left to be
 * read next. */
static char *
scan_label(mib_t *m, char *token, char *cp, int maxtlen)
{
    lex_t *lx = m->lx;
    const char *p = lx->p, *end = lx->end;
    char *lim = token + maxtlen - 1;
    while (p < end && (cclass[(unsigned char)*p] & CC_LABEL)) {
        if (cp < lim)
            *cp++ = *p;
        p++;
    }
    lx->p = p;
    return cp;
}

static int
get_token(mib_t *m, char *token, int maxtlen)
{
    int ch, ch_next;
    char *cp = token;

    ch = skip_space(m);
    *cp++ = (char)ch;
    *cp = '\0';
    switch (ch) {
    case EOF:
        token[0] = '\0';
        return ENDOFFILE;
    case '"':
        return parse_quote_string(m, token, maxtlen);
    case '\'': {
        enum { bdigits, xdigits, other } seen = bdigits;
        while ((ch = lgetc(m)) != EOF && ch != '\'') {
            switch (seen) {
            case bdigits:
                if (ch == '0' || ch == '1')
                    break;
                seen = xdigits;
                /* fallthrough */
            case xdigits:
                if (isxdigit(ch))
                    break;
                seen = other;
                /* fallthrough */
            case other:
                break;
            }
            if (cp - token < maxtlen - 2)
                *cp++ = (char)ch;
        }
        if (ch == '\'') {
            unsigned long val = 0;
            char *run = token + 1;
            ch = lgetc(m);
            switch (ch) {
            case EOF:
                return ENDOFFILE;
            case 'b':
            case 'B':
                if (seen > bdigits) {
                    *cp++ = '\'';
                    *cp = 0;
                    return LABEL;
                }
                while (run != cp)
                    val = val * 2 + (unsigned long)(*run++ - '0');
                break;
            case 'h':
            case 'H':
                if (seen > xdigits) {
                    *cp++ = '\'';
                    *cp = 0;
                    return LABEL;
                }
                while (run != cp) {
                    ch = *run++;
                    if ('0' <= ch && ch <= '9')
                        val = val * 16 + (unsigned long)(ch - '0');
                    else if ('a' <= ch && ch <= 'f')
                        val = val * 16 + (unsigned long)(ch - 'a' + 10);
                    else if ('A' <= ch && ch <= 'F')
                        val = val * 16 + (unsigned long)(ch - 'A' + 10);
                }
                break;
            default:
                lungetc(m, ch);
                *cp++ = '\'';
                *cp = 0;
                return LABEL;
            }
            snprintf(token, (size_t)maxtlen, "%ld", (long)val);
            return NUMBER;
        }
        *cp = 0;
        return LABEL;
    }
    case '(': return LEFTPAREN;
    case ')': return RIGHTPAREN;
    case '{': return LEFTBRACKET;
    case '}': return RIGHTBRACKET;
    case '[': return LEFTSQBRACK;
    case ']': return RIGHTSQBRACK;
    case ';': return SEMI;
    case ',': return COMMA;
    case '|': return BAR;
    case '.':
        ch_next = lgetc(m);
        if (ch_next == '.')
            return RANGE;
        lungetc(m, ch_next);
        return LABEL;
    case ':':
        ch_next = lgetc(m);
        if (ch_next != ':') {
            lungetc(m, ch_next);
            return LABEL;
        }
        ch_next = lgetc(m);
        if (ch_next != '=') {
            lungetc(m, ch_next);
            return LABEL;
        }
        return EQUALS;
    case '-':
        ch_next = lgetc(m);
        if (ch_next == '-') {
            /* comment: to the end of the line or the next "--" */
            ch_next = skip_comment(m);
            if (ch_next == EOF) {
                token[0] = '\0';
                return ENDOFFILE;
            }
            if (ch_next == '\n')
                m->line++;
            return get_token(m, token, maxtlen);
        }
        lungetc(m, ch_next);
        /* fallthrough */
    default:
        if (!is_labelchar(ch))
            return LABEL;
    more:
        cp = scan_label(m, token, cp, maxtlen);
        *cp = '\0';
        {
            int tok = kw_lookup(token);
            if (tok != LABEL) {
                if (tok != CONTINUE)
                    return tok;
                while (isspace(ch_next = lgetc(m)))
                    if (ch_next == '\n')
                        m->line++;
                if (ch_next == EOF)
                    return ENDOFFILE;
                if (isalnum(ch_next)) {
                    if (cp - token < maxtlen - 1)
                        *cp++ = (char)ch_next;
                    goto more;
                }
                lungetc(m, ch_next);
            }
        }
        if (token[0] == '-' || isdigit((unsigned char)token[0])) {
            for (cp = token + 1; *cp; cp++)
                if (!isdigit((unsigned char)*cp))
                    return LABEL;
            return NUMBER;
        }
        return LABEL;
    }
}

/* ---- modules --------------------------------------------------------- */

static mib_module_t *
module_by_name(mib_t *m, const char *name)
{
    for (mib_module_t *mp = m->mbuckets[str_hash(name) & (MHASH - 1)]; mp; mp = mp->hnext)
        if (!strcmp(mp->name, name))
            return mp;
    return NULL;
}

static void index_pending(mib_t *m);

static int
which_module(mib_t *m, const char *name)
{
    index_pending(m);
    mib_module_t *mp = module_by_name(m, name);
    return mp ? mp->modid : -1;
}

const char *
mib_module_name(mib_t *m, int modid, char *cp)
{
    if (modid >= 0 && modid < m->nmodules) {
        snprintf(cp, 256, "%s", m->modules[modid]->name);
        return cp;
    }
    snprintf(cp, 256, "#%d", modid);
    return cp;
}

static mib_module_t *
find_module(mib_t *m, int modid)
{
    return (modid >= 0 && modid < m->nmodules) ? m->modules[modid] : NULL;
}

static void
new_module(mib_t *m, const char *name, const char *file)
{
    mib_module_t *old = module_by_name(m, name);
    if (old) {
        if (strcmp(old->file, file))
            old->file = arena_strdup(m, file);  /* the later one wins */
        return;
    }
    if (m->nmodules == m->capmodules) {
        int cap = m->capmodules ? m->capmodules * 2 : 64;
        mib_module_t **nm = realloc(m->modules, (size_t)cap * sizeof *nm);
        if (!nm)
            return;
        m->modules = nm;
        m->capmodules = cap;
    }
    mib_module_t *mp = arena_alloc(m, sizeof *mp);
    mp->name = arena_strdup(m, name);
    mp->file = arena_strdup(m, file);
    mp->no_imports = -1;
    mp->modid = m->nmodules;
    m->modules[m->nmodules++] = mp;
    mp->next = m->module_head;
    m->module_head = mp;
    mib_module_t **bucket = &m->mbuckets[str_hash(mp->name) & (MHASH - 1)];
    mp->hnext = *bucket;
    *bucket = mp;
}

int
mib_module_count(mib_t *m)
{
    index_pending(m);
    return m->nmodules;
}

int
mib_module_info(mib_t *m, int i, const char **name, const char **file, int *loaded)
{
    index_pending(m);
    if (i < 0 || i >= m->nmodules)
        return -1;
    *name = m->modules[i]->name;
    *file = m->modules[i]->file;
    *loaded = m->modules[i]->no_imports != -1;
    return 0;
}

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
        return arena_alloc(m, sizeof *np);
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

static mib_node_t *
alloc_node(mib_t *m, int modid)
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
    return str_hash(label) & (THASH - 1);
}

static void
tbucket_add(mib_t *m, mib_node_t *tp)
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

static void
unlink_tree(mib_t *m, mib_node_t *tp)
{
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

static mib_node_t *
find_tree_node(mib_t *m, const char *name, int modid)
{
    if (!name || !*name)
        return NULL;
    for (mib_node_t *tp = m->tbuckets[tbucket(name)]; tp; tp = tp->hnext) {
        if (strcmp(tp->label, name))
            continue;
        if (modid == -1)
            return tp;
        for (int i = 0; i < tp->nmodules; i++)
            if (tp->modules[i] == modid)
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
    tp->enums = np->enums;
    tp->ranges = np->ranges;
    tp->indexes = np->indexes;
    tp->augments = np->augments;
    tp->varbinds = np->varbinds;
    tp->hint = np->hint;
    tp->units = np->units;
    tp->description_at = np->description_at;
    tp->reference_at = np->reference_at;
    tp->defval = np->defval;
    tp->subid = np->subid;
    tp->tc = np->tc;
    tp->type = (np->type >= 0 && np->type < 256) ? translation[np->type] : 0;
    tp->access = np->access;
    tp->status = np->status;
    tp->file = np->file;
    tp->line = np->line;
}

static void
add_module_to_node(mib_t *m, mib_node_t *tp, int modid)
{
    int *p = arena_alloc(m, (size_t)(tp->nmodules + 1) * sizeof(int));
    memcpy(p, tp->modules, (size_t)tp->nmodules * sizeof(int));
    p[tp->nmodules++] = modid;
    tp->modules = p;
}

static mib_node_t *
new_tree_node(mib_t *m, int modid)
{
    mib_node_t *tp = node_take(m);
    tp->modid = modid;
    tp->modules = &tp->modid;
    tp->nmodules = 1;
    tp->tc = -1;
    return tp;
}

static void
merge_anon_children(mib_t *m, mib_node_t *tp1, mib_node_t *tp2)
{
    mib_node_t *child1, *child2, *previous;

    for (child1 = tp1->child; child1;) {
        for (child2 = tp2->child, previous = NULL; child2;
             previous = child2, child2 = child2->peer) {
            if (child1->subid == child2->subid) {
                if (!strncmp(child1->label, ANON, ANON_LEN)) {
                    merge_anon_children(m, child1, child2);
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
        anon_tp = NULL;
        tp = xroot->child;
        if (np->subid == -1) {
            np->subid = xroot->subid;
            tp = xroot;
            xxroot = xroot->parent;
        }
        while (tp) {
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

        tp = new_tree_node(m, np->modid);
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
        tbucket_add(m, tp);
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
                anon_tp->modules = &anon_tp->modid;
                anon_tp->nmodules = 1;
                anon_tp->tc = tp->tc;
                anon_tp->type = tp->type;
                anon_tp->enums = tp->enums;
                anon_tp->indexes = tp->indexes;
                anon_tp->augments = tp->augments;
                anon_tp->varbinds = tp->varbinds;
                anon_tp->ranges = tp->ranges;
                anon_tp->hint = tp->hint;
                anon_tp->units = tp->units;
                anon_tp->description_at = tp->description_at;
                anon_tp->reference_at = tp->reference_at;
                anon_tp->defval = tp->defval;
                anon_tp->access = tp->access;
                anon_tp->status = tp->status;
                anon_tp->parent = tp->parent;
                for (mib_node_t *ntp = anon_tp->child; ntp; ntp = ntp->peer)
                    ntp->parent = anon_tp;
                tbucket_add(m, anon_tp);
                unlink_tbucket(m, tp);
                unlink_tree(m, tp);
            }
            anon_tp = NULL;
        }
    }
    node_recycle(m, child_list);
}

static int get_tc_index(mib_t *m, const char *descriptor, int modid);

static void
do_linkup(mib_t *m, mib_module_t *mp, mib_node_t *np)
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
        tp = find_tree_node(m, mip->label, mip->modid);
        if (!tp) {
            err_append(m, "Did not find '%s' in module %s (%s)\n", mip->label,
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
                err_append(m, "Unlinked OID in %s: %s ::= { %s %ld }\n", mp->name,
                           onp->label ? onp->label : "<no label>",
                           onp->plabel ? onp->plabel : "<no parent>", onp->subid);
                err_append(m, "Undefined identifier: %s near line %d of %s\n",
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
                    tp = find_tree_node(m, np->plabel, -1);
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
                err_append(m, "Cannot adopt OID in %s: %s ::= { %s %ld }\n",
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
    mib_module_t *mp = find_module(m, modid);
    if (mp)
        for (int i = 0; i < mp->no_imports; ++i)
            if (!strcmp(mp->imports[i].label, descriptor)) {
                modid = mp->imports[i].modid;
                break;
            }
    /* the chain runs from the newest TC to the oldest: the oldest match is
     * the one a scan in order would find */
    int found = -1;
    for (int i = m->tcbuckets[str_hash(descriptor) & (TCHASH - 1)] - 1; i >= 0;
         i = m->tcs[i].hnext - 1)
        if (!strcmp(descriptor, m->tcs[i].descriptor) &&
            (modid == m->tcs[i].modid || modid == -1))
            found = i;
    return found;
}

static int
get_tc(mib_t *m, const char *descriptor, int modid, int *tc_index,
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

/* ---- the parser ------------------------------------------------------ */

typedef struct {
    const char *label;
    long subid;
    int modid;
} subid_t;

static int read_module_internal(mib_t *m, const char *name);
static void read_module(mib_t *m, const char *name);

static int
getoid(mib_t *m, subid_t *id, int length)
{
    int count, type;
    char token[MAXTOKEN];

    if ((type = get_token(m, token, MAXTOKEN)) != LEFTBRACKET) {
        print_error(m, "Expected \"{\"", token, type);
        return 0;
    }
    type = get_token(m, token, MAXTOKEN);
    for (count = 0; count < length; count++, id++) {
        id->label = NULL;
        id->modid = m->current_module;
        id->subid = -1;
        if (type == RIGHTBRACKET)
            return count;
        if (type == LABEL) {
            id->label = arena_strdup(m, token);
            type = get_token(m, token, MAXTOKEN);
            if (type == LEFTPAREN) {
                type = get_token(m, token, MAXTOKEN);
                if (type == NUMBER) {
                    id->subid = (long)(uint32_t)strtoul(token, NULL, 10);
                    if ((type = get_token(m, token, MAXTOKEN)) != RIGHTPAREN) {
                        print_error(m, "Expected a closing parenthesis", token, type);
                        return 0;
                    }
                } else {
                    print_error(m, "Expected a number", token, type);
                    return 0;
                }
            } else {
                continue;
            }
        } else if (type == NUMBER) {
            id->subid = (long)(uint32_t)strtoul(token, NULL, 10);
        } else {
            print_error(m, "Expected label or number", token, type);
            return 0;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    print_error(m, "Too long OID", token, type);
    return 0;
}

static mib_node_t *
parse_objectid(mib_t *m, const char *name)
{
    int count, length;
    subid_t loid[32], *op, *nop;
    mib_node_t *np, *root = NULL, *oldnp = NULL;

    if ((length = getoid(m, loid, 32)) == 0) {
        print_error(m, "Bad object identifier", NULL, CONTINUE);
        return NULL;
    }
    op = loid;
    if (!op->label) {
        if (length == 1) {
            print_error(m, "Attempt to define a root oid", name, OBJECT);
            return NULL;
        }
        for (mib_node_t *tp = m->tree_head; tp; tp = tp->peer)
            if (tp->subid == op->subid) {
                op->label = tp->label;
                break;
            }
    }
    if (length == 1) {
        np = alloc_node(m, op->modid);
        np->subid = op->subid;
        np->label = arena_strdup(m, name);
        np->plabel = op->label;
        return np;
    }
    for (count = 0, op = loid, nop = loid + 1; count < length - 1; count++, op++, nop++) {
        if (op->label && (nop->label || nop->subid != -1)) {
            np = alloc_node(m, nop->modid);
            if (root == NULL)
                root = np;
            np->plabel = op->label;
            if (count == length - 2) {
                np->label = arena_strdup(m, name);
            } else {
                if (!nop->label) {
                    char buf[32];
                    snprintf(buf, sizeof buf, "%s%d", ANON, m->anonymous++);
                    nop->label = arena_strdup(m, buf);
                }
                np->label = nop->label;
            }
            if (nop->subid != -1)
                np->subid = nop->subid;
            else
                print_error(m, "Warning: This entry is pretty silly", np->label, CONTINUE);
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

    while ((type = get_token(m, token, MAXTOKEN)) != ENDOFFILE) {
        if (type == RIGHTBRACKET)
            break;
        if (type == LABEL || type == DEPRECATED) {
            *epp = arena_alloc(m, sizeof **epp);
            (*epp)->label = arena_strdup(m, token);
            type = get_token(m, token, MAXTOKEN);
            if (type != LEFTPAREN) {
                print_error(m, "Expected \"(\"", token, type);
                return NULL;
            }
            type = get_token(m, token, MAXTOKEN);
            if (type != NUMBER) {
                print_error(m, "Expected integer", token, type);
                return NULL;
            }
            (*epp)->value = (int32_t)strtol(token, NULL, 10);
            type = get_token(m, token, MAXTOKEN);
            if (type != RIGHTPAREN) {
                print_error(m, "Expected \")\"", token, type);
                return NULL;
            }
            epp = &(*epp)->next;
        }
    }
    if (type == ENDOFFILE) {
        print_error(m, "Expected \"}\"", token, type);
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

    nexttype = get_token(m, nexttoken, MAXTOKEN);
    if (nexttype == SIZE) {
        size = 1;
        taken = 0;
        nexttype = get_token(m, nexttoken, MAXTOKEN);
        if (nexttype != LEFTPAREN)
            print_error(m, "Expected \"(\" after SIZE", nexttoken, nexttype);
    }
    do {
        if (!taken)
            nexttype = get_token(m, nexttoken, MAXTOKEN);
        else
            taken = 0;
        high = low = (int32_t)strtoul(nexttoken, NULL, 10);
        nexttype = get_token(m, nexttoken, MAXTOKEN);
        if (nexttype == RANGE) {
            nexttype = get_token(m, nexttoken, MAXTOKEN);
            high = (int32_t)strtoul(nexttoken, NULL, 10);
            nexttype = get_token(m, nexttoken, MAXTOKEN);
        }
        *rpp = arena_alloc(m, sizeof **rpp);
        (*rpp)->low = low;
        (*rpp)->high = high;
        rpp = &(*rpp)->next;
    } while (nexttype == BAR);
    if (size) {
        if (nexttype != RIGHTPAREN)
            print_error(m, "Expected \")\" after SIZE", nexttoken, nexttype);
        nexttype = get_token(m, nexttoken, MAXTOKEN);
    }
    if (nexttype != RIGHTPAREN)
        print_error(m, "Expected \")\"", nexttoken, nexttype);
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
    type = get_token(m, token, MAXTOKEN);
    if (type == SEQUENCE || type == CHOICE) {
        level = 0;
        while ((type = get_token(m, token, MAXTOKEN)) != ENDOFFILE) {
            if (type == LEFTBRACKET) {
                level++;
            } else if (type == RIGHTBRACKET && --level == 0) {
                *ntype = get_token(m, ntoken, MAXTOKEN);
                goto out;
            }
        }
        print_error(m, "Expected \"}\"", token, type);
        goto out;
    } else if (type == LEFTBRACKET) {
        lungetc(m, '{');
        ret = parse_objectid(m, name);
        if (ret)
            *ntype = get_token(m, ntoken, MAXTOKEN);
        goto out;
    } else if (type == LEFTSQBRACK) {
        int size = 0;
        do {
            type = get_token(m, token, MAXTOKEN);
        } while (type != ENDOFFILE && type != RIGHTSQBRACK);
        if (type != RIGHTSQBRACK) {
            print_error(m, "Expected \"]\"", token, type);
            goto out;
        }
        type = get_token(m, token, MAXTOKEN);
        if (type == IMPLICIT)
            type = get_token(m, token, MAXTOKEN);
        *ntype = get_token(m, ntoken, MAXTOKEN);
        if (*ntype == LEFTPAREN) {
            switch (type) {
            case OCTETSTR:
                *ntype = get_token(m, ntoken, MAXTOKEN);
                if (*ntype != SIZE) {
                    print_error(m, "Expected SIZE", ntoken, *ntype);
                    goto out;
                }
                size = 1;
                *ntype = get_token(m, ntoken, MAXTOKEN);
                if (*ntype != LEFTPAREN) {
                    print_error(m, "Expected \"(\" after SIZE", ntoken, *ntype);
                    goto out;
                }
                /* fallthrough */
            case INTEGER:
                *ntype = get_token(m, ntoken, MAXTOKEN);
                do {
                    if (*ntype != NUMBER)
                        print_error(m, "Expected NUMBER", ntoken, *ntype);
                    *ntype = get_token(m, ntoken, MAXTOKEN);
                    if (*ntype == RANGE) {
                        *ntype = get_token(m, ntoken, MAXTOKEN);
                        if (*ntype != NUMBER)
                            print_error(m, "Expected NUMBER", ntoken, *ntype);
                        *ntype = get_token(m, ntoken, MAXTOKEN);
                    }
                } while (*ntype == BAR);
                if (*ntype != RIGHTPAREN) {
                    print_error(m, "Expected \")\"", ntoken, *ntype);
                    goto out;
                }
                *ntype = get_token(m, ntoken, MAXTOKEN);
                if (size) {
                    if (*ntype != RIGHTPAREN) {
                        print_error(m, "Expected \")\" to terminate SIZE", ntoken, *ntype);
                        goto out;
                    }
                    *ntype = get_token(m, ntoken, MAXTOKEN);
                }
            }
        }
        goto out;
    } else {
        if (type == CONVENTION) {
            while (type != SYNTAX && type != ENDOFFILE) {
                if (type == DISPLAYHINT) {
                    type = get_token(m, token, MAXTOKEN);
                    if (type != QUOTESTRING)
                        print_error(m, "DISPLAY-HINT must be string", token, type);
                    else
                        hint = arena_strdup(m, token);
                } else if (type == DESCRIPTION) {
                    type = get_token(m, qbuf, MAXQUOTESTR);
                    if (type != QUOTESTRING)
                        print_error(m, "DESCRIPTION must be string", token, type);
                    /* a TC's DESCRIPTION is not kept (nothing shows it) */
                } else {
                    type = get_token(m, qbuf, MAXQUOTESTR);
                }
            }
            type = get_token(m, token, MAXTOKEN);
            if (type == OBJECT) {
                type = get_token(m, token, MAXTOKEN);
                if (type != IDENTIFIER) {
                    print_error(m, "Expected IDENTIFIER", token, type);
                    goto out;
                }
                type = OBJID;
            }
        } else if (type == OBJECT) {
            type = get_token(m, token, MAXTOKEN);
            if (type != IDENTIFIER) {
                print_error(m, "Expected IDENTIFIER", token, type);
                goto out;
            }
            type = OBJID;
        }
        if (type == LABEL)
            type = get_tc(m, token, m->current_module, NULL, NULL, NULL, NULL);
        if (!(type & SYNTAX_MASK)) {
            print_error(m, "Textual convention doesn't map to real type", token, type);
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
        tcp->descriptor = arena_strdup(m, name);
        int *tcb = &m->tcbuckets[str_hash(tcp->descriptor) & (TCHASH - 1)];
        tcp->hnext = *tcb;
        *tcb = m->ntcs;             /* index + 1 of this TC */
        tcp->hint = hint;
        tcp->type = type;
        *ntype = get_token(m, ntoken, MAXTOKEN);
        if (*ntype == LEFTPAREN) {
            mib_range_t *r = parse_ranges(m);
            tcp = &m->tcs[m->ntcs - 1];
            tcp->ranges = r;
            *ntype = get_token(m, ntoken, MAXTOKEN);
        } else if (*ntype == LEFTBRACKET) {
            mib_enum_t *e = parse_enumlist(m);
            tcp = &m->tcs[m->ntcs - 1];
            tcp->enums = e;
            *ntype = get_token(m, ntoken, MAXTOKEN);
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

    type = get_token(m, token, MAXTOKEN);
    if (type != LEFTBRACKET)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    while (type != RIGHTBRACKET && type != ENDOFFILE) {
        if (type == LABEL || (type & SYNTAX_MASK)) {
            *pp = arena_alloc(m, sizeof **pp);
            (*pp)->label = arena_strdup(m, token);
            (*pp)->implied = implied;
            pp = &(*pp)->next;
            implied = 0;
        } else if (type == IMPLIED) {
            implied = 1;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    return list;
}

static mib_varbind_t *
get_varbinds(mib_t *m)
{
    int type;
    char token[MAXTOKEN];
    mib_varbind_t *list = NULL, **pp = &list;

    type = get_token(m, token, MAXTOKEN);
    if (type != LEFTBRACKET)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    while (type != RIGHTBRACKET && type != ENDOFFILE) {
        if (type == LABEL || (type & SYNTAX_MASK)) {
            *pp = arena_alloc(m, sizeof **pp);
            (*pp)->label = arena_strdup(m, token);
            pp = &(*pp)->next;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    return list;
}

static int
toss_object_identifier(mib_t *m)
{
    int type, bracketcount = 1;
    char token[MAXTOKEN];

    type = get_token(m, token, MAXTOKEN);
    if (type != LEFTBRACKET)
        return 0;
    while ((type != RIGHTBRACKET || bracketcount > 0) && type != ENDOFFILE) {
        type = get_token(m, token, MAXTOKEN);
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
    type = get_token(m, token, MAXTOKEN);
    if (type != SYNTAX) {
        print_error(m, "Bad format for OBJECT-TYPE", token, type);
        goto out;
    }
    np = alloc_node(m, m->current_module);
    type = get_token(m, token, MAXTOKEN);
    if (type == OBJECT) {
        type = get_token(m, token, MAXTOKEN);
        if (type != IDENTIFIER) {
            print_error(m, "Expected IDENTIFIER", token, type);
            goto out;
        }
        type = OBJID;
    }
    if (type == LABEL) {
        int tmp_index;
        tctype = get_tc(m, token, m->current_module, &tmp_index, &np->enums,
                        &np->ranges, &np->hint);
        type = tctype;
        np->tc = tmp_index;
    }
    np->type = type;
    nexttype = get_token(m, nexttoken, MAXTOKEN);
    switch (type) {
    case SEQUENCE:
        if (nexttype == OF) {
            nexttype = get_token(m, nexttoken, MAXTOKEN);
            nexttype = get_token(m, nexttoken, MAXTOKEN);
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
            np->enums = parse_enumlist(m);
            nexttype = get_token(m, nexttoken, MAXTOKEN);
        } else if (nexttype == LEFTPAREN) {
            np->ranges = parse_ranges(m);
            nexttype = get_token(m, nexttoken, MAXTOKEN);
        }
        break;
    case OCTETSTR:
    case KW_OPAQUE:
        if (nexttype == LEFTPAREN) {
            nexttype = get_token(m, nexttoken, MAXTOKEN);
            if (nexttype == SIZE) {
                nexttype = get_token(m, nexttoken, MAXTOKEN);
                if (nexttype == LEFTPAREN) {
                    np->ranges = parse_ranges(m);
                    nexttype = get_token(m, nexttoken, MAXTOKEN);
                    if (nexttype == RIGHTPAREN) {
                        nexttype = get_token(m, nexttoken, MAXTOKEN);
                        break;
                    }
                }
            }
            print_error(m, "Bad SIZE syntax", token, type);
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
        print_error(m, "Bad syntax", token, type);
        goto out;
    }
    if (nexttype == UNITS) {
        type = get_token(m, qbuf, MAXQUOTESTR);
        if (type != QUOTESTRING) {
            print_error(m, "Bad UNITS", qbuf, type);
            goto out;
        }
        np->units = arena_strdup(m, qbuf);
        nexttype = get_token(m, nexttoken, MAXTOKEN);
    }
    if (nexttype != ACCESS) {
        print_error(m, "Should be ACCESS", nexttoken, nexttype);
        goto out;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != READONLY && type != READWRITE && type != WRITEONLY &&
        type != NOACCESS && type != READCREATE && type != ACCNOTIFY) {
        print_error(m, "Bad ACCESS type", token, type);
        goto out;
    }
    np->access = type;
    type = get_token(m, token, MAXTOKEN);
    if (type != STATUS) {
        print_error(m, "Should be STATUS", token, type);
        goto out;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != MANDATORY && type != CURRENT && type != KW_OPTIONAL &&
        type != OBSOLETE && type != DEPRECATED) {
        print_error(m, "Bad STATUS", token, type);
        goto out;
    }
    np->status = type;
    type = get_token(m, token, MAXTOKEN);
    while (type != EQUALS && type != ENDOFFILE) {
        switch (type) {
        case DESCRIPTION:
            type = get_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto out;
            }
            np->description_at = m->quote;
            break;
        case REFERENCE:
            type = get_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                print_error(m, "Bad REFERENCE", qbuf, type);
                goto out;
            }
            np->reference_at = m->quote;
            break;
        case INDEX:
            if (np->augments) {
                print_error(m, "Cannot have both INDEX and AUGMENTS", token, type);
                goto out;
            }
            np->indexes = get_indexes(m);
            if (np->indexes == NULL) {
                print_error(m, "Bad INDEX list", token, type);
                goto out;
            }
            break;
        case AUGMENTS:
            if (np->indexes) {
                print_error(m, "Cannot have both INDEX and AUGMENTS", token, type);
                goto out;
            }
            {
                mib_index_t *ix = get_indexes(m);
                if (ix == NULL) {
                    print_error(m, "Bad AUGMENTS list", token, type);
                    goto out;
                }
                np->augments = ix->label;
            }
            break;
        case DEFVAL: {
            int level = 1;
            char defbuf[512];
            size_t dl = 0;
            type = get_token(m, qbuf, MAXTOKEN);
            if (type != LEFTBRACKET) {
                print_error(m, "Bad DEFAULTVALUE", qbuf, type);
                goto out;
            }
            defbuf[0] = 0;
            for (;;) {
                type = get_token(m, qbuf, MAXTOKEN);
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
                print_error(m, "Bad DEFAULTVALUE", qbuf, type);
                goto out;
            }
            if (dl > 0)
                defbuf[dl - 1] = 0;
            np->defval = arena_strdup(m, defbuf);
            break;
        }
        case NUM_ENTRIES:
            if (toss_object_identifier(m) != OBJID) {
                print_error(m, "Bad Object Identifier", token, type);
                goto out;
            }
            break;
        default:
            print_error(m, "Bad format of optional clauses", token, type);
            goto out;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    if (type != EQUALS) {
        print_error(m, "Bad format", token, type);
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
    objgroup_t *o = arena_alloc(m, sizeof *o);
    o->line = m->line;
    o->name = arena_strdup(m, name);
    o->next = *list;
    *list = o;
}

static mib_node_t *
parse_objectgroup(mib_t *m, const char *name, int what, objgroup_t **ol)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = alloc_node(m, m->current_module), *ret = NULL;

    if (!qbuf)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    if (type == what) {
        type = get_token(m, token, MAXTOKEN);
        if (type != LEFTBRACKET) {
            print_error(m, "Expected \"{\"", token, type);
            goto skip;
        }
        do {
            type = get_token(m, token, MAXTOKEN);
            if (type != LABEL) {
                print_error(m, "Bad identifier", token, type);
                goto skip;
            }
            objlist_add(m, ol, token);
            type = get_token(m, token, MAXTOKEN);
        } while (type == COMMA);
        if (type != RIGHTBRACKET) {
            print_error(m, "Expected \"}\" after list", token, type);
            goto skip;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    if (type != STATUS) {
        print_error(m, "Expected STATUS", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != CURRENT && type != DEPRECATED && type != OBSOLETE) {
        print_error(m, "Bad STATUS value", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = get_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto out;
    }
    np->description_at = m->quote;
    type = get_token(m, token, MAXTOKEN);
    if (type == REFERENCE) {
        type = get_token(m, qbuf, MAXQUOTESTR);
        if (type != QUOTESTRING) {
            print_error(m, "Bad REFERENCE", qbuf, type);
            goto out;
        }
        np->reference_at = m->quote;
        type = get_token(m, token, MAXTOKEN);
    }
    if (type != EQUALS)
        print_error(m, "Expected \"::=\"", token, type);
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = get_token(m, token, MAXTOKEN);
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
    mib_node_t *np = alloc_node(m, m->current_module), *ret = NULL;

    if (!qbuf)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    while (type != EQUALS && type != ENDOFFILE) {
        switch (type) {
        case DESCRIPTION:
            type = get_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto out;
            }
            np->description_at = m->quote;
            break;
        case REFERENCE:
            type = get_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                print_error(m, "Bad REFERENCE", qbuf, type);
                goto out;
            }
            np->reference_at = m->quote;
            break;
        case OBJECTS:
            np->varbinds = get_varbinds(m);
            if (!np->varbinds) {
                print_error(m, "Bad OBJECTS list", token, type);
                goto out;
            }
            break;
        default:
            break;
        }
        type = get_token(m, token, MAXTOKEN);
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
    mib_node_t *np = alloc_node(m, m->current_module), *ret = NULL;
    const char *ent = NULL;

    if (!qbuf)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    while (type != EQUALS && type != ENDOFFILE) {
        switch (type) {
        case DESCRIPTION:
            type = get_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto out;
            }
            np->description_at = m->quote;
            break;
        case REFERENCE:
            type = get_token(m, qbuf, MAXQUOTESTR);
            if (type != QUOTESTRING) {
                print_error(m, "Bad REFERENCE", qbuf, type);
                goto out;
            }
            np->reference_at = m->quote;
            break;
        case ENTERPRISE:
            type = get_token(m, token, MAXTOKEN);
            if (type == LEFTBRACKET) {
                type = get_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    print_error(m, "Bad Trap Format", token, type);
                    goto out;
                }
                ent = arena_strdup(m, token);
                type = get_token(m, token, MAXTOKEN);
            } else if (type == LABEL) {
                ent = arena_strdup(m, token);
            } else {
                goto out;
            }
            break;
        case VARIABLES:
            np->varbinds = get_varbinds(m);
            if (!np->varbinds) {
                print_error(m, "Bad VARIABLES list", token, type);
                goto out;
            }
            break;
        default:
            break;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    type = get_token(m, token, MAXTOKEN);
    np->label = arena_strdup(m, name);
    if (type != NUMBER) {
        print_error(m, "Expected a Number", token, type);
        goto out;
    }
    np->subid = (long)(uint32_t)strtoul(token, NULL, 10);
    if (ent == NULL) {
        m->syntax_error = 1;
        goto out;
    }
    {
        char buf[MAXTOKEN + 2];
        mib_node_t *e = alloc_node(m, m->current_module);
        snprintf(buf, sizeof buf, "%s#", ent);
        e->plabel = ent;
        e->label = arena_strdup(m, buf);
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

    type = get_token(m, token, maxtoken);
    nexttype = get_token(m, nexttoken, MAXTOKEN);
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
            nexttype = get_token(m, nexttoken, MAXTOKEN);
        } else if (nexttype == LEFTPAREN) {
            parse_ranges(m);
            nexttype = get_token(m, nexttoken, MAXTOKEN);
        }
        break;
    case OCTETSTR:
    case KW_OPAQUE:
        if (nexttype == LEFTPAREN) {
            nexttype = get_token(m, nexttoken, MAXTOKEN);
            if (nexttype == SIZE) {
                nexttype = get_token(m, nexttoken, MAXTOKEN);
                if (nexttype == LEFTPAREN) {
                    parse_ranges(m);
                    nexttype = get_token(m, nexttoken, MAXTOKEN);
                    if (nexttype == RIGHTPAREN) {
                        nexttype = get_token(m, nexttoken, MAXTOKEN);
                        break;
                    }
                }
            }
            print_error(m, "Bad SIZE syntax", token, type);
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
        print_error(m, "Bad syntax", token, type);
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
    return find_tree_node(m, name, modid) != NULL;
}

static mib_node_t *
parse_compliance(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = alloc_node(m, m->current_module), *ret;

    if (!qbuf)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    if (type != STATUS) {
        print_error(m, "Expected STATUS", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != CURRENT && type != DEPRECATED && type != OBSOLETE) {
        print_error(m, "Bad STATUS", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = get_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto skip;
    }
    np->description_at = m->quote;
    type = get_token(m, token, MAXTOKEN);
    if (type == REFERENCE) {
        type = get_token(m, qbuf, MAXTOKEN);
        if (type != QUOTESTRING) {
            print_error(m, "Bad REFERENCE", qbuf, type);
            goto skip;
        }
        np->reference_at = m->quote;
        type = get_token(m, token, MAXTOKEN);
    }
    if (type != MODULE) {
        print_error(m, "Expected MODULE", token, type);
        goto skip;
    }
    while (type == MODULE) {
        int modid = -1;
        char modname[256];
        type = get_token(m, token, MAXTOKEN);
        if (type == LABEL && strcmp(token, mib_module_name(m, m->current_module, modname))) {
            int st = read_module_internal(m, token);
            if (st != MODULE_LOADED_OK && st != MODULE_ALREADY_LOADED) {
                print_error(m, "Unknown module", token, type);
                goto skip;
            }
            modid = which_module(m, token);
            type = get_token(m, token, MAXTOKEN);
        }
        if (type == MANDATORYGROUPS) {
            type = get_token(m, token, MAXTOKEN);
            if (type != LEFTBRACKET) {
                print_error(m, "Expected \"{\"", token, type);
                goto skip;
            }
            do {
                type = get_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    print_error(m, "Bad group name", token, type);
                    goto skip;
                }
                if (!compliance_lookup(m, token, modid))
                    print_error(m, "Unknown group", token, type);
                type = get_token(m, token, MAXTOKEN);
            } while (type == COMMA);
            if (type != RIGHTBRACKET) {
                print_error(m, "Expected \"}\"", token, type);
                goto skip;
            }
            type = get_token(m, token, MAXTOKEN);
        }
        while (type == GROUP || type == OBJECT) {
            if (type == GROUP) {
                type = get_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    print_error(m, "Bad group name", token, type);
                    goto skip;
                }
                if (!compliance_lookup(m, token, modid))
                    print_error(m, "Unknown group", token, type);
                type = get_token(m, token, MAXTOKEN);
            } else {
                type = get_token(m, token, MAXTOKEN);
                if (type != LABEL) {
                    print_error(m, "Bad object name", token, type);
                    goto skip;
                }
                if (!compliance_lookup(m, token, modid))
                    print_error(m, "Unknown group", token, type);
                type = get_token(m, token, MAXTOKEN);
                if (type == SYNTAX)
                    type = eat_syntax(m, token, MAXTOKEN);
                if (type == WRSYNTAX)
                    type = eat_syntax(m, token, MAXTOKEN);
                if (type == MINACCESS) {
                    type = get_token(m, token, MAXTOKEN);
                    if (type != NOACCESS && type != ACCNOTIFY && type != READONLY &&
                        type != WRITEONLY && type != READCREATE && type != READWRITE) {
                        print_error(m, "Bad MIN-ACCESS spec", token, type);
                        goto skip;
                    }
                    type = get_token(m, token, MAXTOKEN);
                }
            }
            if (type != DESCRIPTION) {
                print_error(m, "Expected DESCRIPTION", token, type);
                goto skip;
            }
            type = get_token(m, token, MAXTOKEN);
            if (type != QUOTESTRING) {
                print_error(m, "Bad DESCRIPTION", token, type);
                goto skip;
            }
            type = get_token(m, token, MAXTOKEN);
        }
    }
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = get_token(m, qbuf, MAXQUOTESTR);
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
    mib_node_t *np = alloc_node(m, m->current_module), *ret;

    if (!qbuf)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    if (type != PRODREL) {
        print_error(m, "Expected PRODUCT-RELEASE", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != QUOTESTRING) {
        print_error(m, "Expected STRING after PRODUCT-RELEASE", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != STATUS) {
        print_error(m, "Expected STATUS", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != CURRENT && type != OBSOLETE) {
        print_error(m, "STATUS should be current or obsolete", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = get_token(m, qbuf, MAXTOKEN);
    if (type != QUOTESTRING) {
        print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto skip;
    }
    np->description_at = m->quote;
    type = get_token(m, token, MAXTOKEN);
    if (type == REFERENCE) {
        type = get_token(m, qbuf, MAXTOKEN);
        if (type != QUOTESTRING) {
            print_error(m, "Bad REFERENCE", qbuf, type);
            goto skip;
        }
        np->reference_at = m->quote;
        type = get_token(m, token, MAXTOKEN);
    }
    while (type == SUPPORTS) {
        int modid, st;
        type = get_token(m, token, MAXTOKEN);
        if (type != LABEL) {
            print_error(m, "Bad module name", token, type);
            goto skip;
        }
        st = read_module_internal(m, token);
        if (st != MODULE_LOADED_OK && st != MODULE_ALREADY_LOADED) {
            print_error(m, "Module not found", token, type);
            goto skip;
        }
        modid = which_module(m, token);
        type = get_token(m, token, MAXTOKEN);
        if (type != INCLUDES) {
            print_error(m, "Expected INCLUDES", token, type);
            goto skip;
        }
        type = get_token(m, token, MAXTOKEN);
        if (type != LEFTBRACKET) {
            print_error(m, "Expected \"{\"", token, type);
            goto skip;
        }
        do {
            type = get_token(m, token, MAXTOKEN);
            if (type != LABEL) {
                print_error(m, "Expected group name", token, type);
                goto skip;
            }
            if (!find_tree_node(m, token, modid))
                print_error(m, "Group not found in module", token, type);
            type = get_token(m, token, MAXTOKEN);
        } while (type == COMMA);
        if (type != RIGHTBRACKET) {
            print_error(m, "Expected \"}\" after group list", token, type);
            goto skip;
        }
        type = get_token(m, token, MAXTOKEN);
        while (type == VARIATION) {
            type = get_token(m, token, MAXTOKEN);
            if (type != LABEL) {
                print_error(m, "Bad object name", token, type);
                goto skip;
            }
            if (!find_tree_node(m, token, modid))
                print_error(m, "Object not found in module", token, type);
            type = get_token(m, token, MAXTOKEN);
            if (type == SYNTAX)
                type = eat_syntax(m, token, MAXTOKEN);
            if (type == WRSYNTAX)
                type = eat_syntax(m, token, MAXTOKEN);
            if (type == ACCESS) {
                type = get_token(m, token, MAXTOKEN);
                if (type != ACCNOTIFY && type != READONLY && type != READWRITE &&
                    type != READCREATE && type != WRITEONLY && type != NOTIMPL) {
                    print_error(m, "Bad ACCESS", token, type);
                    goto skip;
                }
                type = get_token(m, token, MAXTOKEN);
            }
            if (type == CREATEREQ) {
                type = get_token(m, token, MAXTOKEN);
                if (type != LEFTBRACKET) {
                    print_error(m, "Expected \"{\"", token, type);
                    goto skip;
                }
                do {
                    type = get_token(m, token, MAXTOKEN);
                    if (type != LABEL) {
                        print_error(m, "Bad object name in list", token, type);
                        goto skip;
                    }
                    type = get_token(m, token, MAXTOKEN);
                } while (type == COMMA);
                if (type != RIGHTBRACKET) {
                    print_error(m, "Expected \"}\" after list", token, type);
                    goto skip;
                }
                type = get_token(m, token, MAXTOKEN);
            }
            if (type == DEFVAL) {
                int level = 1;
                type = get_token(m, token, MAXTOKEN);
                if (type != LEFTBRACKET) {
                    print_error(m, "Expected \"{\" after DEFVAL", token, type);
                    goto skip;
                }
                do {
                    type = get_token(m, token, MAXTOKEN);
                    if (type == LEFTBRACKET)
                        level++;
                    else if (type == RIGHTBRACKET)
                        level--;
                } while (type != RIGHTBRACKET && type != ENDOFFILE && level != 0);
                if (type != RIGHTBRACKET) {
                    print_error(m, "Missing \"}\" after DEFVAL", token, type);
                    goto skip;
                }
                type = get_token(m, token, MAXTOKEN);
            }
            if (type != DESCRIPTION) {
                print_error(m, "Expected DESCRIPTION", token, type);
                goto skip;
            }
            type = get_token(m, qbuf, MAXTOKEN);
            if (type != QUOTESTRING) {
                print_error(m, "Bad DESCRIPTION", qbuf, type);
                goto skip;
            }
            type = get_token(m, token, MAXTOKEN);
        }
    }
    if (type != EQUALS)
        print_error(m, "Expected \"::=\"", token, type);
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = get_token(m, qbuf, MAXQUOTESTR);
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
        print_error(m, "Timestamp should end with Z", utc, QUOTESTRING);
        return;
    }
    if (len == 11) {
        len = sscanf(utc, "%2d%2d%2d%2d%2dZ", &year, &month, &day, &hour, &minute);
    } else if (len == 13) {
        len = sscanf(utc, "%4d%2d%2d%2d%2dZ", &year, &month, &day, &hour, &minute);
    } else {
        print_error(m, "Bad timestamp format (11 or 13 characters)", utc, QUOTESTRING);
        return;
    }
    if (len != 5) {
        print_error(m, "Bad timestamp format", utc, QUOTESTRING);
        return;
    }
    if (month < 1 || month > 12)
        print_error(m, "Bad month in timestamp", utc, QUOTESTRING);
    if (day < 1 || day > 31)
        print_error(m, "Bad day in timestamp", utc, QUOTESTRING);
    if (hour < 0 || hour > 23)
        print_error(m, "Bad hour in timestamp", utc, QUOTESTRING);
    if (minute < 0 || minute > 59)
        print_error(m, "Bad minute in timestamp", utc, QUOTESTRING);
}

static mib_node_t *
parse_module_identity(mib_t *m, const char *name)
{
    int type;
    char token[MAXTOKEN];
    char *qbuf = malloc(MAXQUOTESTR);
    mib_node_t *np = alloc_node(m, m->current_module), *ret;

    if (!qbuf)
        return NULL;
    type = get_token(m, token, MAXTOKEN);
    if (type != LASTUPDATED) {
        print_error(m, "Expected LAST-UPDATED", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != QUOTESTRING) {
        print_error(m, "Need STRING for LAST-UPDATED", token, type);
        goto skip;
    }
    check_utc(m, token);
    type = get_token(m, token, MAXTOKEN);
    if (type != ORGANIZATION) {
        print_error(m, "Expected ORGANIZATION", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != QUOTESTRING) {
        print_error(m, "Bad ORGANIZATION", token, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != CONTACTINFO) {
        print_error(m, "Expected CONTACT-INFO", token, type);
        goto skip;
    }
    type = get_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        print_error(m, "Bad CONTACT-INFO", qbuf, type);
        goto skip;
    }
    type = get_token(m, token, MAXTOKEN);
    if (type != DESCRIPTION) {
        print_error(m, "Expected DESCRIPTION", token, type);
        goto skip;
    }
    type = get_token(m, qbuf, MAXQUOTESTR);
    if (type != QUOTESTRING) {
        print_error(m, "Bad DESCRIPTION", qbuf, type);
        goto skip;
    }
    np->description_at = m->quote;
    type = get_token(m, token, MAXTOKEN);
    while (type == REVISION) {
        type = get_token(m, token, MAXTOKEN);
        if (type != QUOTESTRING) {
            print_error(m, "Bad REVISION", token, type);
            goto skip;
        }
        check_utc(m, token);
        type = get_token(m, token, MAXTOKEN);
        if (type != DESCRIPTION) {
            print_error(m, "Expected DESCRIPTION", token, type);
            goto skip;
        }
        type = get_token(m, qbuf, MAXQUOTESTR);
        if (type != QUOTESTRING) {
            print_error(m, "Bad DESCRIPTION", qbuf, type);
            goto skip;
        }
        type = get_token(m, token, MAXTOKEN);
    }
    if (type != EQUALS)
        print_error(m, "Expected \"::=\"", token, type);
skip:
    while (type != EQUALS && type != ENDOFFILE)
        type = get_token(m, qbuf, MAXQUOTESTR);
    ret = merge_parse_objectid(m, np, name);
    free(qbuf);
    return ret;
}

static int
parse_macro(mib_t *m)
{
    int type;
    char token[MAXTOKEN];

    type = get_token(m, token, sizeof token);
    while (type != EQUALS && type != ENDOFFILE)
        type = get_token(m, token, sizeof token);
    if (type != EQUALS)
        return -1;
    while (type != BEGIN && type != ENDOFFILE)
        type = get_token(m, token, sizeof token);
    if (type != BEGIN)
        return -1;
    while (type != END && type != ENDOFFILE)
        type = get_token(m, token, sizeof token);
    if (type != END)
        return -1;
    return 0;
}

static int
read_import_replacements(mib_t *m, const char *old_module, mib_import_t *identifier);

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
    type = get_token(m, token, MAXTOKEN);
    while (type != SEMI && type != ENDOFFILE) {
        if (type == LABEL) {
            if (import_count == MAX_IMPORTS) {
                print_error(m, "Too many imported symbols", token, type);
                do {
                    type = get_token(m, token, MAXTOKEN);
                } while (type != SEMI && type != ENDOFFILE);
                free(import_list);
                return;
            }
            import_list[import_count].label = arena_strdup(m, token);
            import_list[import_count++].modid = -1;
        } else if (type == FROM) {
            type = get_token(m, token, MAXTOKEN);
            if (import_count == i) {
                type = get_token(m, token, MAXTOKEN);
                continue;
            }
            int this_module = which_module(m, token);
            for (old_i = i; i < import_count; ++i)
                import_list[i].modid = this_module;
            if (read_module_internal(m, token) == MODULE_NOT_FOUND) {
                int found = 0;
                for (; old_i < import_count; ++old_i)
                    found += read_import_replacements(m, token, &import_list[old_i]);
                if (!found)
                    print_module_not_found(m, token);
            }
        }
        type = get_token(m, token, MAXTOKEN);
    }
    mib_module_t *mp = find_module(m, m->current_module);
    if (mp && import_count > 0) {
        mp->imports = arena_alloc(m, (size_t)import_count * sizeof *mp->imports);
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
                print_error(m, error, list->name, QUOTESTRING);
            }
        }
    }
    m->line = oline;
}

/* Parses one file. Returns 0, or -1 on a syntax error that abandons the
 * module being parsed (its nodes are not linked). */
static int
parse(mib_t *m)
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
            type = lasttype = get_token(m, token, MAXTOKEN);

        switch (type) {
        case END:
            if (state != IN_MIB) {
                print_error(m, "Error, END before start of MIB", NULL, type);
                m->syntax_error = 1;
                return -1;
            } else {
                mib_module_t *mp = find_module(m, m->current_module);
                scan_objlist(m, root, mp, m->objgroups, "Undefined OBJECT-GROUP");
                scan_objlist(m, root, mp, m->objects, "Undefined OBJECT");
                scan_objlist(m, root, mp, m->notifs, "Undefined NOTIFICATION");
                m->objgroups = oldgroups;
                m->objects = oldobjects;
                m->notifs = oldnotifs;
                if (mp)
                    do_linkup(m, mp, root);
                np = root = NULL;
            }
            state = BETWEEN_MIBS;
            continue;
        case IMPORTS:
            parse_imports(m);
            continue;
        case EXPORTS:
            while (type != SEMI && type != ENDOFFILE)
                type = get_token(m, token, MAXTOKEN);
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
            type = get_token(m, token, MAXTOKEN);
            if (type == MACRO) {
                if (parse_macro(m) < 0) {
                    print_error(m, "Bad parse of MACRO", NULL, type);
                    m->syntax_error = 1;
                }
            } else {
                print_error(m, name, "is a reserved word", lasttype);
            }
            continue;
        }
        snprintf(name, sizeof name, "%s", token);
        type = get_token(m, token, MAXTOKEN);
        nnp = NULL;

        /* obsolete way of giving a module an OID: NAME { ... } DEFINITIONS */
        if (lasttype == LABEL && type == LEFTBRACKET) {
            while (type != RIGHTBRACKET && type != ENDOFFILE)
                type = get_token(m, token, MAXTOKEN);
            if (type == ENDOFFILE) {
                print_error(m, "Expected \"}\"", token, type);
                m->syntax_error = 1;
                return -1;
            }
            type = get_token(m, token, MAXTOKEN);
        }

        switch (type) {
        case DEFINITIONS:
            if (state != BETWEEN_MIBS) {
                print_error(m, "Error, nested MIBS", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            state = IN_MIB;
            m->current_module = which_module(m, name);
            oldgroups = m->objgroups;
            m->objgroups = NULL;
            oldobjects = m->objects;
            m->objects = NULL;
            oldnotifs = m->notifs;
            m->notifs = NULL;
            if (m->current_module == -1) {
                new_module(m, name, m->file);
                m->current_module = which_module(m, name);
                mib_module_t *mp = find_module(m, m->current_module);
                if (mp)
                    mp->no_imports = 0;
            }
            while ((type = get_token(m, token, MAXTOKEN)) != ENDOFFILE)
                if (type == BEGIN)
                    break;
            break;
        case OBJTYPE:
            nnp = parse_objecttype(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of OBJECT-TYPE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case OBJGROUP:
            nnp = parse_objectgroup(m, name, OBJECTS, &m->objects);
            if (!nnp) {
                print_error(m, "Bad parse of OBJECT-GROUP", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case NOTIFGROUP:
            nnp = parse_objectgroup(m, name, NOTIFICATIONS, &m->notifs);
            if (!nnp) {
                print_error(m, "Bad parse of NOTIFICATION-GROUP", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case TRAPTYPE:
            nnp = parse_trap(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of TRAP-TYPE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case NOTIFTYPE:
            nnp = parse_notification(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of NOTIFICATION-TYPE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case COMPLIANCE:
            nnp = parse_compliance(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of MODULE-COMPLIANCE", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case AGENTCAP:
            nnp = parse_capabilities(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of AGENT-CAPABILITIES", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case MACRO:
            if (parse_macro(m) < 0) {
                print_error(m, "Bad parse of MACRO", NULL, type);
                m->syntax_error = 1;
            }
            break;
        case MODULEIDENTITY:
            nnp = parse_module_identity(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of MODULE-IDENTITY", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case OBJIDENTITY:
            nnp = parse_objectgroup(m, name, OBJECTS, &m->objects);
            if (!nnp) {
                print_error(m, "Bad parse of OBJECT-IDENTITY", NULL, type);
                m->syntax_error = 1;
                return -1;
            }
            break;
        case OBJECT:
            type = get_token(m, token, MAXTOKEN);
            if (type != IDENTIFIER) {
                print_error(m, "Expected IDENTIFIER", token, type);
                m->syntax_error = 1;
                return -1;
            }
            type = get_token(m, token, MAXTOKEN);
            if (type != EQUALS) {
                print_error(m, "Expected \"::=\"", token, type);
                m->syntax_error = 1;
                return -1;
            }
            nnp = parse_objectid(m, name);
            if (!nnp) {
                print_error(m, "Bad parse of OBJECT IDENTIFIER", NULL, type);
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
            print_error(m, "Bad operator", token, type);
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

/* A module file, mapped read-only: parsing a large MIB set puts none of
 * its text on the heap, so the heap holds only what is kept. Release with
 * file_release. An empty file gives "" (nothing mapped). */
static char *
read_file(const char *path, size_t *len)
{
    struct stat st;
    char *buf;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = EISDIR;
        return NULL;
    }
    *len = (size_t)st.st_size;
    if (*len == 0) {
        close(fd);
        return (char *)"";
    }
    buf = mmap(NULL, *len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    return buf == MAP_FAILED ? NULL : buf;
}

static void
file_release(char *buf, size_t len)
{
    if (buf && len)
        munmap(buf, len);
}

static int
read_module_internal(mib_t *m, const char *name)
{
    index_pending(m);
    mib_module_t *mp = module_by_name(m, name);
    if (mp) {
        if (mp->no_imports != -1)
            return MODULE_ALREADY_LOADED;
        size_t len = 0;
        char *buf = read_file(mp->file, &len);
        if (!buf) {
            err_append(m, "%s: %s\n", mp->file, strerror(errno));
            return MODULE_NOT_FOUND;
        }
        const char *ofile = m->file;
        int oline = m->line, omod = m->current_module, rc;
        lex_t lx = { buf, buf + len, buf }, *olx = m->lx;
        mp->no_imports = 0;
        m->file = mp->file;
        m->line = 1;
        m->current_module = mp->modid;
        m->lx = &lx;
        rc = parse(m);
        m->lx = olx;
        file_release(buf, len);
        m->file = ofile;
        m->line = oline;
        m->current_module = omod;
        if (rc < 0 && m->syntax_error)
            return MODULE_SYNTAX_ERROR;
        return MODULE_LOADED_OK;
    }
    return MODULE_NOT_FOUND;
}

static int
read_module_replacements(mib_t *m, const char *name)
{
    for (size_t i = 0; i < sizeof module_map / sizeof *module_map; i++)
        if (!strcmp(module_map[i].old_module, name)) {
            read_module(m, module_map[i].new_module);
            return 1;
        }
    return 0;
}

static int
read_import_replacements(mib_t *m, const char *old_module, mib_import_t *identifier)
{
    for (size_t i = 0; i < sizeof module_map / sizeof *module_map; i++) {
        const char *tag = module_map[i].tag;
        int tag_len = module_map[i].tag_len;
        if (strcmp(module_map[i].old_module, old_module))
            continue;
        if ((tag_len == 0 && (tag == NULL || !strcmp(tag, identifier->label))) ||
            (tag_len != 0 && !strncmp(tag, identifier->label, (size_t)tag_len))) {
            read_module(m, module_map[i].new_module);
            identifier->modid = which_module(m, module_map[i].new_module);
            return 1;
        }
    }
    return read_module_replacements(m, old_module);
}

static void
read_module(mib_t *m, const char *name)
{
    int status = read_module_internal(m, name);
    if (status == MODULE_NOT_FOUND) {
        if (!read_module_replacements(m, name))
            print_module_not_found(m, name);
    } else if (status == MODULE_SYNTAX_ERROR) {
        m->syntax_error = 0;
    }
}

/* ---- search path ----------------------------------------------------- */

/* The first max bytes of a file (NUL-terminated); *whole says whether
 * that is all of it. */
static char *
read_prefix(const char *path, size_t max, size_t *len, int *whole)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    if (!f)
        return NULL;
    if ((buf = malloc(max + 1)) != NULL) {
        *len = fread(buf, 1, max, f);
        buf[*len] = '\0';
        *whole = *len < max;
        if (ferror(f)) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/* Indexes a file by the module it defines: the first two tokens are
 * "NAME DEFINITIONS". Only the start of the file is read, unless comments
 * before the name run past it. */
static int
add_mibfile(mib_t *m, const char *path)
{
    size_t len = 0, mlen = 0;
    int whole = 0, rc = 1;
    char token[MAXTOKEN], token2[MAXTOKEN];
    char *buf = read_prefix(path, 8192, &len, &whole), *mapped = NULL;
    lex_t *olx = m->lx;
    const char *ofile = m->file;
    int oline = m->line;
    if (!buf)
        return 1;
    for (;;) {
        lex_t lx = { buf, buf + len, buf };
        m->lx = &lx;
        m->file = path;
        m->line = 1;
        int t1 = get_token(m, token, MAXTOKEN);
        int t2 = t1 == LABEL ? get_token(m, token2, MAXTOKEN) : -1;
        /* in a prefix, a token that runs to its end may be cut short */
        if (whole || (t2 != -1 && t2 != ENDOFFILE && lx.p < lx.end)) {
            if (t1 == LABEL && t2 == DEFINITIONS) {
                new_module(m, token, path);
                rc = 0;
            }
            break;
        }
        free(buf);
        buf = NULL;
        if (!(mapped = read_file(path, &mlen)))
            break;
        buf = mapped;
        len = mlen;
        whole = 1;
    }
    m->lx = olx;
    m->file = ofile;
    m->line = oline;
    if (mapped)
        file_release(mapped, mlen);
    else
        free(buf);
    return rc;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Registers the modules of one directory, in name order (as net-snmp,
 * which scans with alphasort). */
static int
add_mibdir(mib_t *m, const char *dirname)
{
    DIR *dir = opendir(dirname);
    struct dirent *file;
    char tmpstr[4096];
    char **names = NULL;
    size_t nnames = 0, cap = 0;
    int count = 0;

    if (!dir)
        return -1;
    while ((file = readdir(dir))) {
        size_t n = strlen(file->d_name);
        if (n == 0 || file->d_name[0] == '.' || file->d_name[0] == '#' ||
            file->d_name[n - 1] == '#' || file->d_name[n - 1] == '~')
            continue;
        if (nnames == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        if ((names[nnames] = strdup(file->d_name)) != NULL)
            nnames++;
    }
    closedir(dir);
    if (nnames)
        qsort(names, nnames, sizeof *names, name_cmp);
    for (size_t i = 0; i < nnames; i++) {
        struct stat st;
        snprintf(tmpstr, sizeof tmpstr, "%s/%s", dirname, names[i]);
        free(names[i]);
        if (stat(tmpstr, &st) != 0 || S_ISDIR(st.st_mode))
            continue;
        if (!add_mibfile(m, tmpstr))
            count++;
    }
    free(names);
    return count;
}

/* Appends dirs to the search path that error messages show. */
static void
note_dirs(mib_t *m, const char *dirs)
{
    if (m->dirs) {
        size_t n = strlen(m->dirs) + strlen(dirs) + 2;
        char *nd = malloc(n);
        if (nd) {
            snprintf(nd, n, "%s:%s", m->dirs, dirs);
            free(m->dirs);
            m->dirs = nd;
        }
    } else {
        m->dirs = strdup(dirs);
    }
}

/* Registers the modules of each directory of dirs, in order. */
static int
index_dirs(mib_t *m, const char *dirs)
{
    char *copy = strdup(dirs), *save = NULL, *entry;
    int count = 0;
    if (!copy)
        return -1;
    for (entry = strtok_r(copy, ":", &save); entry; entry = strtok_r(NULL, ":", &save)) {
        int n = add_mibdir(m, entry);
        if (n > 0)
            count += n;
    }
    free(copy);
    return count;
}

/* Reads the directories mib_defer_dirs left for later, before anything
 * looks a module up. */
static void
index_pending(mib_t *m)
{
    char *d = m->pending;
    if (!d)
        return;
    m->pending = NULL;
    index_dirs(m, d);
    free(d);
}

int
mib_add_dirs(mib_t *m, const char *dirs)
{
    if (m->cached)
        mibcache_materialize(m);
    index_pending(m);
    note_dirs(m, dirs);
    return index_dirs(m, dirs);
}

/* As mib_add_dirs, but the directories are read (each file's first
 * octets, for its module name) only when a module is first looked up: a
 * start that loads no module, or uses numeric OIDs only, reads none. */
void
mib_defer_dirs(mib_t *m, const char *dirs)
{
    if (m->cached)
        mibcache_materialize(m);
    note_dirs(m, dirs);
    if (m->pending) {
        size_t n = strlen(m->pending) + strlen(dirs) + 2;
        char *nd = malloc(n);
        if (!nd) {
            index_pending(m);
            index_dirs(m, dirs);
            return;
        }
        snprintf(nd, n, "%s:%s", m->pending, dirs);
        free(m->pending);
        m->pending = nd;
    } else if (!(m->pending = strdup(dirs))) {
        index_dirs(m, dirs);
    }
}

int
mib_load(mib_t *m, const char *name)
{
    size_t nl = strlen(name);
    if (m->cached)
        mibcache_materialize(m);
    char *j = realloc(m->journal, m->journal_len + nl + 2);
    if (j) {
        memcpy(j + m->journal_len, name, nl);
        j[m->journal_len + nl] = '\n';
        j[m->journal_len + nl + 1] = 0;
        m->journal = j;
        m->journal_len += nl + 1;
    }
    index_pending(m);
    if (!strcmp(name, "ALL")) {
        for (mib_module_t *mp = m->module_head; mp; mp = mp->next)
            if (mp->no_imports == -1)
                read_module(m, mp->name);
        return 0;
    }
    if (strchr(name, '/')) {
        size_t len = 0;
        char token[MAXTOKEN];
        char *buf = read_file(name, &len);
        if (!buf) {
            err_append(m, "%s: %s\n", name, strerror(errno));
            m->nerrors++;
            return -1;
        }
        lex_t lx = { buf, buf + len, buf }, *olx = m->lx;
        m->lx = &lx;
        int t = get_token(m, token, MAXTOKEN);
        m->lx = olx;
        file_release(buf, len);
        if (t != LABEL) {
            err_append(m, "Failed to parse MIB file %s\n", name);
            m->nerrors++;
            return -1;
        }
        new_module(m, token, name);
        read_module(m, token);
        return 0;
    }
    int status = read_module_internal(m, name);
    if (status == MODULE_NOT_FOUND) {
        if (!read_module_replacements(m, name)) {
            print_module_not_found(m, name);
            return -1;
        }
    } else if (status == MODULE_SYNTAX_ERROR) {
        m->syntax_error = 0;
    }
    return 0;
}

/* ---- create / free --------------------------------------------------- */

mib_t *
mib_new(void)
{
    static const char *roots[3] = { "joint-iso-ccitt", "ccitt", "iso" };
    static const int subids[3] = { 2, 0, 1 };
    mib_t *m = calloc(1, sizeof *m);
    mib_node_t *last = NULL;
    if (!m)
        return NULL;
    kw_init();
    m->current_module = 0;
    m->first_err_module = 1;
    m->file = "(none)";
    m->line = 1;
    for (int i = 0; i < 3; i++) {
        mib_node_t *tp = new_tree_node(m, -1);
        tp->label = roots[i];
        tp->subid = subids[i];
        tp->peer = last;
        tbucket_add(m, tp);
        last = tp;
        m->root_imports[i].label = roots[i];
        m->root_imports[i].modid = -1;
    }
    m->tree_head = last;
    return m;
}

void
mib_free(mib_t *m)
{
    if (!m)
        return;
    mibcache_release(m);
    free(m->journal);
    for (chunk_t *c = m->arena, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    free(m->modules);
    free(m->tcs);
    free(m->errbuf);
    free(m->last_err_module);
    free(m->dirs);
    free(m->pending);
    free(m);
}

/* ---- lookups --------------------------------------------------------- */

mib_node_t *
mib_find_node(mib_t *m, const char *label, const char *module)
{
    int modid = -1;
    if (module) {
        modid = which_module(m, module);
        if (modid == -1)
            return NULL;
    }
    return find_tree_node(m, label, modid);
}

void
mib_node_oid(const mib_node_t *n, oid_t *out)
{
    uint32_t tmp[OID_MAX_LEN];
    uint32_t k = 0;
    for (; n && k < OID_MAX_LEN; n = n->parent)
        tmp[k++] = (uint32_t)n->subid;
    out->len = k;
    for (uint32_t i = 0; i < k; i++)
        out->arcs[i] = tmp[k - 1 - i];
}

mib_node_t *
mib_get_tree(mib_t *m, const oid_t *o)
{
    mib_node_t *subtree = m->tree_head, *found = NULL;
    for (uint32_t i = 0; i < o->len && subtree; i++) {
        mib_node_t *t = subtree;
        while (t && (uint32_t)t->subid != o->arcs[i])
            t = t->peer;
        if (!t)
            break;
        while (t->peer && (uint32_t)t->peer->subid == o->arcs[i])
            t = t->peer;
        found = t;
        subtree = t->child;
    }
    return found;
}

/* ---- OID -> name ----------------------------------------------------- */


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

static const char *
tc_name(mib_t *m, int tc)
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
        if (subtree->indexes) {
            in_dices = subtree->indexes;
        } else if (subtree->augments) {
            mib_node_t *tp2 = find_tree_node(m, subtree->augments, -1);
            if (tp2)
                in_dices = tp2->indexes;
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
        mib_node_t *tp = find_tree_node(m, in_dices->label, -1);
        if (!tp)
            break;
        if (extended) {
            if (mibbuf_last(b) == '.')
                b->buf[--b->len] = '\0';
            mibbuf_cat(b, "[");
        }
        switch (tp->type) {
        case MIB_TYPE_OCTETSTR:
            if (extended && tp->hint) {
                uint8_t buffer[1024];
                if (in_dices->implied) {
                    numids = objidlen;
                } else if (tp->ranges && !tp->ranges->next && tp->ranges->low == tp->ranges->high) {
                    numids = (size_t)tp->ranges->low;
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
                    mibhint_octets(buffer, numids, tp->hint, hb, sizeof hb);
                    if (!(flags & MIB_F_QUICK))
                        mibbuf_cat(b, "STRING: ");
                    mibbuf_cat(b, hb);
                }
            } else if (in_dices->implied) {
                numids = objidlen;
                dump_oid_to_string(objid, numids, b, '\'', flags);
            } else if (tp->ranges && !tp->ranges->next && tp->ranges->low == tp->ranges->high) {
                numids = (size_t)(uint32_t)tp->ranges->low;
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
                        !strcmp(tc_name(m, tp->tc), "InetAddress") &&
                        !strcmp(tc_name(m, np2->tc), "InetAddressType")) {
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
            mib_enum_t *ep = tp->enums;
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
            if (tp2->indexes) {
                in_dices = tp2->indexes;
            } else if (tp2->augments) {
                tp2 = find_tree_node(m, tp2->augments, -1);
                if (tp2)
                    in_dices = tp2->indexes;
            }
        }
        tp = NULL;
    }

    while (cp && in_dices) {
        fcp = cp;
        tp = find_tree_node(m, in_dices->label, -1);
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
                mib_enum_t *ep = tp->enums;
                if (!ep)
                    goto bad_id;
                while (ep && strcmp(ep->label, cp))
                    ep = ep->next;
                if (!ep)
                    goto bad_id;
                subid = (uint32_t)ep->value;
            }
            if (tp->ranges) {
                int ok = 0;
                for (mib_range_t *rp = tp->ranges; rp && !ok; rp = rp->next) {
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
            if (tp->ranges && !tp->ranges->next && tp->ranges->low == tp->ranges->high)
                len = tp->ranges->low;
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
                    if (tp->hint && mibhint_parse(tp->hint, cp, hv, sizeof hv, &hn) == 0) {
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
                    for (mib_range_t *rp = tp->ranges; rp && !ok; rp = rp->next)
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
        read_module(m, module);
        modid = which_module(m, module);
        if (modid == -1)
            return 0;
    }
    name = strdup(fname);
    if (!name)
        return 0;
    cp = strchr(name, '.');
    if (cp)
        *cp++ = '\0';
    tp = find_tree_node(m, name, modid);
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

#include <regex.h>

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

static void
clear_reported(mib_node_t *tp)
{
    for (; tp; tp = tp->peer) {
        tp->reported = 0;
        if (tp->child)
            clear_reported(tp->child);
    }
}

static int
get_wild_node(mib_t *m, const char *name, oid_t *o, char *err, size_t errcap)
{
    regex_t re;
    if (regcomp(&re, name, REG_ICASE | REG_EXTENDED) != 0)
        return 0;
    clear_reported(m->tree_head); /* each lookup searches the whole tree */
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
    out = arena_alloc(m, (raw < MAXQUOTESTR ? raw : MAXQUOTESTR) + 1);
    for (size_t i = 1; i <= raw && n < MAXQUOTESTR - 1; i++)
        if (buf[i] != '\r')
            out[n++] = buf[i];
    out[n] = '\0';
done:
    free(buf);
    fclose(f);
    return out;
}

const char *
mib_node_description(mib_t *m, mib_node_t *n)
{
    if (!n->description && n->description_at.len) {
        n->description = text_load(m, n->file, n->description_at);
        if (!n->description)
            n->description_at.len = 0; /* gone: do not try again */
    }
    return n->description;
}

const char *
mib_node_reference(mib_t *m, mib_node_t *n)
{
    if (!n->reference && n->reference_at.len) {
        n->reference = text_load(m, n->file, n->reference_at);
        if (!n->reference)
            n->reference_at.len = 0;
    }
    return n->reference;
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
        if (prevmod != tp->modules[i]) {
            mib_module_name(m, tp->modules[i], str);
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
        prevmod = tp->modules[i];
    }
    mibbuf_cat(b, "\n");
    if (tp->tc != -1)
        mibbuf_printf(b, "  -- TEXTUAL CONVENTION %s\n", tc_name(m, tp->tc));
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
    if (tp->ranges) {
        int first = 1;
        mibbuf_cat(b, " (");
        for (mib_range_t *rp = tp->ranges; rp; rp = rp->next) {
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
    if (tp->enums) {
        int first = 1;
        mibbuf_cat(b, " {");
        pos = 16 + (int)strlen(cp ? cp : "") + 2;
        for (mib_enum_t *ep = tp->enums; ep; ep = ep->next) {
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
    if (tp->hint)
        mibbuf_printf(b, "  DISPLAY-HINT\t\"%s\"\n", tp->hint);
    if (tp->units) {
        mibbuf_cat(b, "  UNITS\t\t\"");
        mibbuf_cat(b, tp->units);
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
    if (tp->augments)
        mibbuf_printf(b, "  AUGMENTS\t{ %s }\n", tp->augments);
    if (tp->indexes) {
        int first = 1;
        mibbuf_cat(b, "  INDEX\t\t{ ");
        pos = 18;
        for (mib_index_t *ip = tp->indexes; ip; ip = ip->next) {
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
    if (tp->varbinds) {
        int first = 1;
        mibbuf_cat(b, tp->type == MIB_TYPE_TRAPTYPE ? "  VARIABLES\t{ " : "  OBJECTS\t{ ");
        pos = 18;
        for (mib_varbind_t *vp = tp->varbinds; vp; vp = vp->next) {
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
    if (mib_node_description(m, tp)) {
        mibbuf_cat(b, "  DESCRIPTION\t\"");
        mibbuf_cat(b, tp->description);
        mibbuf_cat(b, "\"\n");
    }
    if (tp->defval) {
        mibbuf_cat(b, "  DEFVAL\t{ ");
        mibbuf_cat(b, tp->defval);
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
        if (tp->indexes) {
            int first = 1, cpos = 0, len, cmax = tpr->width - (int)strlen(tpr->indent) - 12;
            *ip = last_ipch;
            mibbuf_printf(b, "%s  |  Index: ", tpr->indent);
            for (mib_index_t *xp = tp->indexes; xp; xp = xp->next) {
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
        case MIB_TYPE_INTEGER: typ = tp->enums ? "EnumVal  " : "INTEGER  "; break;
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
        if (tp->enums) {
            int cpos = 0, cmax = tpr->width - (int)strlen(tpr->indent) - 16;
            mibbuf_printf(b, "%s        Values: ", tpr->indent);
            for (mib_enum_t *ep = tp->enums; ep; ep = ep->next) {
                char buf[80];
                int bufw;
                if (ep != tp->enums)
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
        if (tp->ranges) {
            mibbuf_printf(b, "%s        %s: ", tpr->indent, size ? "Size" : "Range");
            for (mib_range_t *rp = tp->ranges; rp; rp = rp->next) {
                if (rp != tp->ranges)
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
            if (tp->hint)
                mibbuf_printf(b, " hint=%s", tp->hint);
            if (tp->units)
                mibbuf_printf(b, " units=%s", tp->units);
            mibbuf_cat(b, "\n");
        }
        oid_report_tree(m, b, tp, count, what);
    }
}

char *
mib_oid_report(mib_t *m, unsigned what, size_t *len)
{
    mibbuf_t b = { 0 };
    clear_reported(m->tree_head);
    for (mib_node_t *tp = m->tree_head; tp; tp = tp->peer)
        oid_report_tree(m, &b, tp, 0, what);
    return report_out(&b, len);
}

int
mib_wild_all(mib_t *m, const char *pattern, void (*fn)(void *, const oid_t *), void *arg)
{
    regex_t re;
    int count = 0;
    if (!*pattern || regcomp(&re, pattern, REG_ICASE | REG_EXTENDED) != 0)
        return 0;
    clear_reported(m->tree_head);
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
