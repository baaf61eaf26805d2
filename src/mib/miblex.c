/* miblex.c - the MIB lexer: module files read through one refilled
 * buffer, net-snmp's tokens and keywords, comments, quoted strings (whose
 * place in the file is kept for later reading), line counting.
 * Underscores in names are always allowed. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mib.h"
#include "mibint.h"

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
/* bit L of kw_shape[c]: some keyword of L characters starts with c. Most
 * labels of a module (its own names, imported types) fail this test and
 * are never hashed. */
static uint32_t kw_shape[256];
static int kw_ready;

void
miblex_init(void)
{
    if (kw_ready)
        return;
    for (size_t i = 0; i < sizeof keywords / sizeof *keywords; i++) {
        const char *name = keywords[i].name;
        size_t len = strlen(name);
        unsigned h = mib_str_hash(name) & (KWHASH - 1);
        while (kw_table[h])
            h = (h + 1) & (KWHASH - 1);
        kw_table[h] = (short)(i + 1);
        if (len < 32)
            kw_shape[(unsigned char)name[0]] |= 1u << len;
    }
    kw_ready = 1;
}

static int
kw_lookup(const char *s, size_t len)
{
    if (len >= 32 || !(kw_shape[(unsigned char)s[0]] & (1u << len)))
        return LABEL;
    unsigned h = mib_str_hash(s) & (KWHASH - 1);
    while (kw_table[h]) {
        int i = kw_table[h] - 1;
        if (strcmp(keywords[i].name, s) == 0)
            return keywords[i].token;
        h = (h + 1) & (KWHASH - 1);
    }
    return LABEL;
}

/* ---- files ----------------------------------------------------------- */

/* Files interrupted by an import stay open up to this depth; deeper ones
 * are closed and reopened, so a long import chain holds few descriptors. */
#define LEX_KEEP_OPEN 32

int
miblex_open(mib_t *m, lex_t *lx, const char *path, size_t cap)
{
    struct stat st;
    lex_t *o = m->lx;
    int fd;
    if (!m->lexbuf && !(m->lexbuf = malloc(LEXBUF)))
        return -1;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return -1;
    /* a directory or a device is no module file */
    int bad = fstat(fd, &st) != 0 ? errno : !S_ISREG(st.st_mode) ? EISDIR : 0;
    if (bad) {
        close(fd);
        errno = bad;
        return -1;
    }
    if (o) {
        /* the window is this file's now: o reads on from where it is */
        o->off += (uint64_t)(o->p - o->buf);
        o->p = o->end = o->buf;
        if (o->fd >= 0 && o->depth >= LEX_KEEP_OPEN) {
            close(o->fd);
            o->fd = -1;
        }
    }
    *lx = (lex_t){ .p = m->lexbuf, .end = m->lexbuf, .buf = m->lexbuf,
                   .cap = cap && cap < LEXBUF ? cap : LEXBUF, .path = path, .fd = fd,
                   .depth = o ? o->depth + 1 : 0, .outer = o };
    m->lx = lx;
    return 0;
}

void
miblex_close(mib_t *m, lex_t *lx)
{
    if (lx->fd >= 0)
        close(lx->fd);
    lx->fd = -1;
    m->lx = lx->outer;
}

/* Reads the next part of the file into the window, once the unread part
 * is empty: 0 at the end of the file (or when it cannot be read). */
static int
fill(lex_t *lx)
{
    ssize_t n;
    if (lx->eof)
        return 0;
    lx->off += (uint64_t)(lx->end - lx->buf);
    lx->p = lx->end = lx->buf;
    if (lx->fd < 0 && (lx->fd = open(lx->path, O_RDONLY | O_CLOEXEC)) < 0) {
        lx->eof = 1;
        return 0;
    }
    do
        n = pread(lx->fd, lx->buf, lx->cap, (off_t)lx->off);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
        lx->eof = 1;
        return 0;
    }
    lx->end = lx->buf + n;
    return 1;
}

/* ---- lexer ----------------------------------------------------------- */

static int
lgetc(mib_t *m)
{
    lex_t *lx = m->lx;
    if (lx->p >= lx->end && !fill(lx))
        return EOF;
    return (unsigned char)*lx->p++;
}

void
miblex_ungetc(mib_t *m, int ch)
{
    if (ch != EOF && m->lx->p > m->lx->buf)
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
    uint64_t start = lx->off + (uint64_t)(lx->p - lx->buf), stop_at = 0;
    char *t = token, *lim = token + (maxtlen > 0 ? maxtlen - 1 : 0);
    const char *q;
    int line = m->line;
    /* descriptions are most of a MIB's text: find the quote, then count
     * and copy the run at once */
    do {
        const char *p = lx->p, *end = lx->end;
        q = memchr(p, '"', (size_t)(end - p));
        const char *stop = q ? q : end;
        for (const char *nl = p; (nl = memchr(nl, '\n', (size_t)(stop - nl))) != NULL; nl++)
            line++;
        if (!memchr(p, '\r', (size_t)(stop - p))) {
            size_t n = (size_t)(stop - p);
            if (n > (size_t)(lim - t))
                n = (size_t)(lim - t);
            memcpy(t, p, n);
            t += n;
        } else {
            for (const char *c = p; c < stop; c++)
                if (*c != '\r' && t < lim)
                    *t++ = *c;
        }
        if (q)
            stop_at = lx->off + (uint64_t)(q - lx->buf);
        lx->p = q ? q + 1 : end;
    } while (!q && fill(lx));
    *t = '\0';
    m->line = line;
    m->quote.off = (uint32_t)start;
    m->quote.len = q && stop_at - start < UINT32_MAX ? (uint32_t)(stop_at - start) + 1 : 0;
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
    int line = m->line, ch = EOF;
    do {
        const char *p = lx->p, *end = lx->end;
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
    } while (ch == EOF && fill(lx));
    m->line = line;
    return ch;
}

/* After "--": skips to the end of the line or the next "--"; returns the
 * character that ended the comment ('\n', the second '-', or EOF). */
static int
skip_comment(mib_t *m)
{
    lex_t *lx = m->lx;
    int prev = ' ';
    do {
        const char *p = lx->p, *end = lx->end;
        while (p < end) {
            int c = (unsigned char)*p++;
            if (c == '\n' || (prev == '-' && c == '-')) {
                lx->p = p;
                return c;
            }
            prev = c;
        }
        lx->p = p;
    } while (fill(lx));
    return EOF;
}

/* Appends label characters to token (at cp, up to maxtlen - 1 in all);
 * returns the new end. The first character that is not one is left to be
 * read next. */
static char *
scan_label(mib_t *m, char *token, char *cp, int maxtlen)
{
    lex_t *lx = m->lx;
    char *lim = token + maxtlen - 1;
    do {
        const char *start = lx->p, *p = start, *end = lx->end;
        /* find the run's end, then copy what fits at once */
        while (p < end && (cclass[(unsigned char)*p] & CC_LABEL))
            p++;
        size_t n = (size_t)(p - start);
        if (n > (size_t)(lim - cp))
            n = (size_t)(lim - cp);
        memcpy(cp, start, n);
        cp += n;
        lx->p = p;
        if (p < end)
            break;
    } while (fill(lx));
    return cp;
}

int
miblex_token(mib_t *m, char *token, int maxtlen)
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
                miblex_ungetc(m, ch);
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
        miblex_ungetc(m, ch_next);
        return LABEL;
    case ':':
        ch_next = lgetc(m);
        if (ch_next != ':') {
            miblex_ungetc(m, ch_next);
            return LABEL;
        }
        ch_next = lgetc(m);
        if (ch_next != '=') {
            miblex_ungetc(m, ch_next);
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
            return miblex_token(m, token, maxtlen);
        }
        miblex_ungetc(m, ch_next);
        /* fallthrough */
    default:
        if (!is_labelchar(ch))
            return LABEL;
    more:
        cp = scan_label(m, token, cp, maxtlen);
        *cp = '\0';
        {
            int tok = kw_lookup(token, (size_t)(cp - token));
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
                miblex_ungetc(m, ch_next);
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
