/* fmt.c - varbinds as net-snmp prints them with no MIB loaded. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../core/oid.h"
#include "../core/text.h"
#include "fmt.h"

typedef struct {
    char *p;
    size_t len, cap;
} sb_t;

static void
put(sb_t *b, const char *s, size_t n)
{
    if (b->len + n <= b->cap)
        memcpy(b->p + b->len, s, n);
    b->len += n;
}

#define PUTS(b, lit) put((b), (lit), sizeof(lit) - 1)

static void
putc_(sb_t *b, char c)
{
    if (b->len < b->cap)
        b->p[b->len] = c;
    b->len++;
}

unsigned
fmt_flags(const char *s)
{
    unsigned f = 0;
    for (; s && *s; s++) {
        switch (*s) {
        case 'n': f |= FMT_N; break;
        case 'q': f |= FMT_Q; break;
        case 'Q': f |= FMT_QQ; break;
        case 'v': f |= FMT_V; break;
        case 'a': f |= FMT_A; break;
        case 'x': f |= FMT_X; break;
        case 't': f |= FMT_T; break;
        case 'f': f |= FMT_F; break;
        default: break;
        }
    }
    return f;
}

size_t
fmt_need(const mw_varbind_t *vb)
{
    /* hex: 3 chars a byte plus a newline every 16; text: escapes double */
    return (size_t)OID_MAX_LEN * 11 * 2 + 64 + (size_t)vb->val.len * 4;
}

size_t
fmt_oid(const uint8_t *oid, size_t n, unsigned flags, char *buf, size_t cap)
{
    char tmp[OID_MAX_LEN * 11 + 1];
    int k = oid_ber_format(oid, n, tmp, sizeof tmp);
    sb_t b = { buf, 0, cap };
    if (k < 0)
        k = 0;
    if (flags & FMT_N) {
        putc_(&b, '.');
        put(&b, tmp, (size_t)k);
        return b.len;
    }
    /* with no MIB, net-snmp still knows the three roots */
    static const char *const roots[] = { "ccitt", "iso", "joint-iso-ccitt" };
    int root = k > 0 ? tmp[0] - '0' : -1;
    if (root < 0 || root > 2 || (k > 1 && tmp[1] != '.')) {
        putc_(&b, '.');
        put(&b, tmp, (size_t)k);
        return b.len;
    }
    if (flags & FMT_F)
        putc_(&b, '.');
    put(&b, roots[root], strlen(roots[root]));
    put(&b, tmp + 1, (size_t)k - 1);
    return b.len;
}

/* The room left in b, for the renderers of core/text.h. */
static inline char *
room(sb_t *b, size_t *cap)
{
    *cap = b->len < b->cap ? b->cap - b->len : 0;
    return *cap ? b->p + b->len : NULL;
}

static void
hexlines(sb_t *b, const uint8_t *p, size_t n)
{
    size_t cap;
    char *o = room(b, &cap);
    b->len += text_hex(p, n, 16, 0, o, cap);
}

static void
ascii(sb_t *b, const uint8_t *p, size_t n)
{
    size_t cap;
    char *o = room(b, &cap);
    b->len += text_ascii(p, n, o, cap);
}

static void
uptime(sb_t *b, uint64_t t, int quick)
{
    size_t cap;
    char *o = room(b, &cap);
    b->len += text_uptime(t, quick, o, cap);
}

static void
label(sb_t *b, unsigned f, const char *l)
{
    if (!(f & (FMT_Q | FMT_QQ)))
        put(b, l, strlen(l));
}

static void
value(sb_t *b, const mw_value_t *v, unsigned f)
{
    char tmp[64];
    int k;
    int quick = (f & (FMT_Q | FMT_QQ)) != 0;
    switch (v->type) {
    case MW_T_OCTETSTR: {
        if (v->len == 0) {
            PUTS(b, "\"\"");
            return;
        }
        int hex = (f & FMT_X) ? 1 : (f & FMT_A) ? 0 : !text_is_printable(v->p, v->len);
        if (hex) {
            if (quick)
                putc_(b, '"');
            else
                PUTS(b, "Hex-STRING: ");
            hexlines(b, v->p, v->len);
            if (quick)
                putc_(b, '"');
        } else {
            if (!quick)
                PUTS(b, "STRING: ");
            putc_(b, '"');
            ascii(b, v->p, v->len);
            putc_(b, '"');
        }
        return;
    }
    case MW_T_INTEGER:
        label(b, f, "INTEGER: ");
        k = snprintf(tmp, sizeof tmp, "%" PRId64, v->num.i);
        put(b, tmp, (size_t)k);
        return;
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_UINTEGER32:
    case MW_T_COUNTER64:
        label(b, f, v->type == MW_T_COUNTER32 ? "Counter32: " : v->type == MW_T_GAUGE32 ? "Gauge32: "
                    : v->type == MW_T_UINTEGER32 ? "UInteger32: " : "Counter64: ");
        k = snprintf(tmp, sizeof tmp, "%" PRIu64, v->num.u);
        put(b, tmp, (size_t)k);
        return;
    case MW_T_TIMETICKS:
        if (f & FMT_T) {
            k = snprintf(tmp, sizeof tmp, "%" PRIu64, v->num.u);
            put(b, tmp, (size_t)k);
        } else if (quick) {
            uptime(b, v->num.u, 1);
        } else {
            k = snprintf(tmp, sizeof tmp, "Timeticks: (%" PRIu64 ") ", v->num.u);
            put(b, tmp, (size_t)k);
            uptime(b, v->num.u, 0);
        }
        return;
    case MW_T_IPADDR:
        label(b, f, "IpAddress: ");
        k = snprintf(tmp, sizeof tmp, "%u.%u.%u.%u", v->p[0], v->p[1], v->p[2], v->p[3]);
        put(b, tmp, (size_t)k);
        return;
    case MW_T_OID: {
        char o[OID_MAX_LEN * 11 + 8];
        label(b, f, "OID: ");
        size_t n = fmt_oid(v->p, v->len, f, o, sizeof o);
        put(b, o, n < sizeof o ? n : sizeof o);
        return;
    }
    case MW_T_NULL:
        PUTS(b, "NULL");
        return;
    case MW_T_OPAQUE:
        if (v->len == 7 && v->p[0] == 0x9f && v->p[1] == 0x78 && v->p[2] == 4) {
            uint32_t u = (uint32_t)v->p[3] << 24 | (uint32_t)v->p[4] << 16 | (uint32_t)v->p[5] << 8 | v->p[6];
            float fl;
            memcpy(&fl, &u, 4);
            label(b, f, "Opaque: Float: ");
            k = snprintf(tmp, sizeof tmp, "%f", (double)fl);
            put(b, tmp, (size_t)k);
            return;
        }
        if (v->len == 11 && v->p[0] == 0x9f && v->p[1] == 0x79 && v->p[2] == 8) {
            uint64_t u = 0;
            double d;
            for (int i = 3; i < 11; i++)
                u = u << 8 | v->p[i];
            memcpy(&d, &u, 8);
            label(b, f, "Opaque: Float: ");
            k = snprintf(tmp, sizeof tmp, "%f", d);
            put(b, tmp, (size_t)k);
            return;
        }
        if (v->len >= 4 && v->len <= 12 && v->p[0] == 0x9f && v->p[2] == v->len - 3
            && (v->p[1] == 0x76 || v->p[1] == 0x7a || v->p[1] == 0x7b)) {
            uint64_t u = 0;
            for (size_t i = 3; i < v->len; i++)
                u = u << 8 | v->p[i];
            label(b, f, v->p[1] == 0x76 ? "Opaque: Counter64: " : v->p[1] == 0x7a ? "Opaque: Int64: "
                                                                                 : "Opaque: UInt64: ");
            if (v->p[1] == 0x7a) {
                size_t nb = v->len - 3;
                int64_t sv = (int64_t)u;
                if (nb < 8 && (v->p[3] & 0x80))
                    sv = (int64_t)(u | (~(uint64_t)0 << (8 * nb)));
                k = snprintf(tmp, sizeof tmp, "%" PRId64, sv);
            } else {
                k = snprintf(tmp, sizeof tmp, "%" PRIu64, u);
            }
            put(b, tmp, (size_t)k);
            return;
        }
        label(b, f, "OPAQUE: ");
        hexlines(b, v->p, v->len);
        return;
    case MW_T_NSAP:
        label(b, f, "NsapAddress: ");
        hexlines(b, v->p, v->len);
        return;
    case MW_T_NOSUCHOBJECT:
        PUTS(b, "No Such Object available on this agent at this OID");
        return;
    case MW_T_NOSUCHINSTANCE:
        PUTS(b, "No Such Instance currently exists at this OID");
        return;
    case MW_T_ENDOFMIBVIEW:
        PUTS(b, "No more variables left in this MIB View (It is past the end of the MIB tree)");
        return;
    default:
        k = snprintf(tmp, sizeof tmp, "Wrong Type (0x%02x)", v->type);
        put(b, tmp, (size_t)k);
        return;
    }
}

size_t
fmt_value(const mw_value_t *v, unsigned flags, char *buf, size_t cap)
{
    sb_t b = { buf, 0, cap };
    value(&b, v, flags);
    return b.len;
}

size_t
fmt_varbind(const mw_varbind_t *vb, unsigned flags, char *buf, size_t cap)
{
    sb_t b = { buf, 0, cap };
    if (!(flags & FMT_V)) {
        size_t n = fmt_oid(vb->oid, vb->oid_len, flags, buf, cap);
        b.len = n;
        if (flags & FMT_Q)
            putc_(&b, ' ');
        else
            PUTS(&b, " = ");
    }
    value(&b, &vb->val, flags);
    return b.len;
}
