/* mibfmt.c - value rendering with MIB knowledge, as net-snmp's mib.c
 * sprint_realloc_* functions print values (same prefixes, same hint
 * grammar, same quirks). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mw.h"
#include "../core/text.h"
#include "mib.h"
#include "mibbuf.h"
#include "mibfmt.h"


static void
hexstring(mibbuf_t *b, const uint8_t *cp, size_t len, const mibfmt_opts_t *o)
{
    size_t line = o->hex_line_len > 0 ? (size_t)o->hex_line_len : 16;
    size_t need = text_hex(cp, len, line, o->hex_text, NULL, 0);
    char small[512], *t = need <= sizeof small ? small : malloc(need);
    if (!t)
        return;
    mibbuf_add(b, t, text_hex(cp, len, line, o->hex_text, t, need));
    if (t != small)
        free(t);
}

static void
asciistring(mibbuf_t *b, const uint8_t *cp, size_t len)
{
    size_t need = text_ascii(cp, len, NULL, 0);
    char small[512], *t = need <= sizeof small ? small : malloc(need);
    if (!t)
        return;
    mibbuf_add(b, t, text_ascii(cp, len, t, need));
    if (t != small)
        free(t);
}

static void
units_add(mibbuf_t *b, const char *units)
{
    if (units) {
        mibbuf_cat(b, " ");
        mibbuf_cat(b, units);
    }
}

/* Returns 0, or -1 for a bad hint (caller falls back). */
static int
hint_octets(mibbuf_t *b, const uint8_t *cp, size_t len, const char *hint, int two_digit)
{
    const uint8_t *ecp = cp + len;
    int repeat, width = 1;
    unsigned long value; /* wraps past 8 octets, as net-snmp's long does in practice */
    char code = 'd', separ = 0, term = 0, ch, intbuf[64];

    while (cp < ecp) {
        repeat = 1;
        if (*hint) {
            if (*hint == '*') {
                repeat = *cp++;
                hint++;
            }
            width = 0;
            while ('0' <= *hint && *hint <= '9') {
                if (width < 1000000) /* wider than any OCTET STRING */
                    width = width * 10 + (*hint - '0');
                hint++;
            }
            code = *hint++;
            if ((ch = *hint) && ch != '*' && (ch < '0' || ch > '9') &&
                (width != 0 || (ch != 'x' && ch != 'd' && ch != 'o')))
                separ = *hint++;
            else
                separ = 0;
            if ((ch = *hint) && ch != '*' && (ch < '0' || ch > '9') &&
                (width != 0 || (ch != 'x' && ch != 'd' && ch != 'o')))
                term = *hint++;
            else
                term = 0;
            if (width == 0)
                width = 1;
        }
        while (repeat && cp < ecp) {
            value = 0;
            if (code != 'a' && code != 't')
                for (int x = 0; x < width && cp < ecp; x++)
                    value = value * 256 + *cp++;
            switch (code) {
            case 'x':
                if (value < 16 && width == 1 && (two_digit || (separ == 0 && *hint == 0)))
                    snprintf(intbuf, sizeof intbuf, "0%lx", value);
                else
                    snprintf(intbuf, sizeof intbuf, "%lx", value);
                mibbuf_cat(b, intbuf);
                break;
            case 'd':
                snprintf(intbuf, sizeof intbuf, "%ld", (long)value);
                mibbuf_cat(b, intbuf);
                break;
            case 'o':
                snprintf(intbuf, sizeof intbuf, "%lo", value);
                mibbuf_cat(b, intbuf);
                break;
            case 't':
            case 'a': {
                size_t cnt = (size_t)width < (size_t)(ecp - cp) ? (size_t)width : (size_t)(ecp - cp);
                asciistring(b, cp, cnt);
                cp += cnt;
                break;
            }
            default:
                return -1;
            }
            if (cp < ecp && separ)
                mibbuf_add(b, &separ, 1);
            repeat--;
        }
        if (term && cp < ecp)
            mibbuf_add(b, &term, 1);
    }
    return 0;
}

size_t
mibfmt_octets_hint(const uint8_t *p, size_t n, const char *hint, char *out, size_t cap)
{
    mibbuf_t b = { 0 };
    if (hint_octets(&b, p, n, hint, 0) < 0) {
        b.len = 0;
        if (b.buf)
            b.buf[0] = 0;
    }
    return mibbuf_out(&b, out, cap);
}

static void by_type(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mib_enum_t *enums,
                    const char *hint, const char *units, const mibfmt_opts_t *o);

static int
wrong_type(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, uint8_t want, uint8_t want2,
           const char *what, const mibfmt_opts_t *o)
{
    if (v->tag == want || v->tag == want2 || o->quicke)
        return 0;
    mibbuf_cat(b, "Wrong Type (should be ");
    mibbuf_cat(b, what);
    mibbuf_cat(b, "): ");
    by_type(b, m, v, NULL, NULL, NULL, o);
    return 1;
}

static void
octet_string(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *hint,
             const char *units, const mibfmt_opts_t *o)
{
    int hex = 0;
    if (wrong_type(b, m, v, MW_T_OCTETSTR, MW_T_OCTETSTR, "OCTET STRING", o))
        return;
    if (hint) {
        size_t saved = b->len;
        if (!o->quick)
            mibbuf_cat(b, "STRING: ");
        if (hint_octets(b, v->s, v->n, hint, o->two_digit_hex) < 0) {
            b->len = saved;
            if (b->buf)
                b->buf[saved] = 0;
            mibbuf_cat(b, "(Bad hint ignored: ");
            mibbuf_cat(b, hint);
            mibbuf_cat(b, ") ");
            octet_string(b, m, v, NULL, NULL, o);
            return;
        }
        units_add(b, units);
        return;
    }
    if (o->string_format == 'a') {
        hex = 0;
    } else if (o->string_format == 'x') {
        hex = 1;
    } else {
        hex = !text_is_printable(v->s, v->n);
    }
    if (v->n == 0) {
        mibbuf_cat(b, "\"\"");
        return;
    }
    if (hex) {
        mibbuf_cat(b, o->quick ? "\"" : "Hex-STRING: ");
        hexstring(b, v->s, v->n, o);
        if (o->quick)
            mibbuf_cat(b, "\"");
    } else {
        if (!o->quick)
            mibbuf_cat(b, "STRING: ");
        mibbuf_cat(b, "\"");
        asciistring(b, v->s, v->n);
        mibbuf_cat(b, "\"");
    }
    units_add(b, units);
}

static void
hinted_integer(mibbuf_t *b, long val, char decimaltype, const char *hint)
{
    char fmt[10] = "%l@", tmp[256];
    int shift, len;

    shift = hint[1] == '-' ? atoi(hint + 2) : 0;
    if (shift < 0 || shift > 200)
        shift = 0;
    if (hint[0] == 'd')
        fmt[2] = decimaltype;
    else
        fmt[2] = hint[0];
    if (fmt[2] == 'b') {
        /* binary digits */
        unsigned long u = (unsigned long)val;
        char bits[72];
        int k = 0;
        do {
            bits[k++] = (char)('0' + (u & 1));
            u >>= 1;
        } while (u);
        for (int i = 0; i < k; i++)
            tmp[i] = bits[k - 1 - i];
        tmp[k] = 0;
    } else if (fmt[2] == 'u') {
        snprintf(tmp, sizeof tmp, "%lu", (unsigned long)val);
    } else if (fmt[2] == 'x') {
        snprintf(tmp, sizeof tmp, "%lx", (unsigned long)val);
    } else if (fmt[2] == 'o') {
        snprintf(tmp, sizeof tmp, "%lo", (unsigned long)val);
    } else if (val < 0 && shift != 0) {
        /* net-snmp 5.9 keeps the sign in front: -5 with "d-2" is -.05 */
        mibbuf_cat(b, "-");
        snprintf(tmp, sizeof tmp, "%lu", 0UL - (unsigned long)val);
    } else {
        snprintf(tmp, sizeof tmp, "%ld", val);
    }
    if (shift != 0) {
        len = (int)strlen(tmp);
        if (shift <= len) {
            tmp[len + 1] = 0;
            while (shift--) {
                tmp[len] = tmp[len - 1];
                len--;
            }
            tmp[len] = '.';
        } else {
            tmp[shift + 1] = 0;
            while (shift) {
                if (len-- > 0)
                    tmp[shift] = tmp[len];
                else
                    tmp[shift] = '0';
                shift--;
            }
            tmp[0] = '.';
        }
    }
    mibbuf_cat(b, tmp);
}

static const char *
enum_label(const mib_enum_t *enums, long value)
{
    for (; enums; enums = enums->next)
        if (enums->value == value)
            return enums->label;
    return NULL;
}

static void
integer(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mib_enum_t *enums,
        const char *hint, const char *units, const mibfmt_opts_t *o)
{
    long val = (long)(int32_t)v->i;
    const char *es;
    if (wrong_type(b, m, v, MW_T_INTEGER, MW_T_INTEGER, "INTEGER", o))
        return;
    es = enum_label(enums, val);
    if (!o->quick)
        mibbuf_cat(b, "INTEGER: ");
    if (es == NULL || o->numeric_enum) {
        if (hint)
            hinted_integer(b, val, 'd', hint);
        else
            mibbuf_printf(b, "%ld", val);
    } else if (o->quick) {
        mibbuf_cat(b, es);
    } else {
        mibbuf_printf(b, "%s(%ld)", es, val);
    }
    units_add(b, units);
}

static void
uinteger(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mib_enum_t *enums,
         const char *hint, const char *units, const mibfmt_opts_t *o)
{
    unsigned long val = (unsigned long)(uint32_t)v->i;
    const char *es;
    if (wrong_type(b, m, v, MW_T_UINTEGER32, MW_T_UINTEGER32, "UInteger32", o))
        return;
    es = enum_label(enums, (long)val);
    if (es == NULL || o->numeric_enum) {
        if (hint)
            hinted_integer(b, (long)val, 'u', hint);
        else
            mibbuf_printf(b, "%lu", val);
    } else if (o->quick) {
        mibbuf_cat(b, es);
    } else {
        mibbuf_printf(b, "%s(%lu)", es, val);
    }
    units_add(b, units);
}

static void
gauge(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *hint,
      const char *units, const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_GAUGE32, MW_T_GAUGE32, "Gauge32 or Unsigned32", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "Gauge32: ");
    if (hint)
        hinted_integer(b, (long)(uint32_t)v->i, 'u', hint);
    else
        mibbuf_printf(b, "%u", (unsigned)(uint32_t)v->i);
    units_add(b, units);
}

static void
counter(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *units,
        const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_COUNTER32, MW_T_COUNTER32, "Counter32", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "Counter32: ");
    mibbuf_printf(b, "%u", (unsigned)(uint32_t)v->i);
    units_add(b, units);
}

static void
timeticks(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *units,
          const mibfmt_opts_t *o)
{
    unsigned long t = (unsigned long)(uint32_t)v->i;
    if (wrong_type(b, m, v, MW_T_TIMETICKS, MW_T_TIMETICKS, "Timeticks", o))
        return;
    if (o->numeric_timeticks) {
        mibbuf_printf(b, "%lu", t);
        return;
    }
    if (!o->quick)
        mibbuf_printf(b, "Timeticks: (%lu) ", t);
    char up[64];
    mibbuf_add(b, up, text_uptime(t, o->quick, up, sizeof up));
    units_add(b, units);
}

static void
ipaddress(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_IPADDR, MW_T_IPADDR, "IpAddress", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "IpAddress: ");
    if (v->s && v->n >= 4)
        mibbuf_printf(b, "%d.%d.%d.%d", v->s[0], v->s[1], v->s[2], v->s[3]);
}

static void
networkaddress(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_IPADDR, MW_T_IPADDR, "NetworkAddress", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "Network Address: ");
    for (size_t i = 0; i < v->n; i++) {
        mibbuf_printf(b, "%02X", v->s[i]);
        if (i < v->n - 1)
            mibbuf_cat(b, ":");
    }
}

static void
null_value(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_NULL, MW_T_NULL, "NULL", o))
        return;
    mibbuf_cat(b, "NULL");
}

static void
bitstring(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mib_enum_t *enums,
          const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_OCTETSTR, 0x03, "BITS", o))
        return;
    mibbuf_cat(b, o->quick ? "\"" : "BITS: ");
    hexstring(b, v->s, v->n, o);
    if (o->quick) {
        mibbuf_cat(b, "\"");
        return;
    }
    for (size_t len = 0; len < v->n; len++) {
        for (int bit = 0; bit < 8; bit++) {
            if (v->s[len] & (0x80 >> bit)) {
                const char *es = NULL;
                int n = (int)(len * 8) + bit;
                /* net-snmp keeps walking the same list: once a bit has no
                 * label, later bits are printed as numbers. */
                for (; enums; enums = enums->next)
                    if (enums->value == n) {
                        es = enums->label;
                        break;
                    }
                if (es == NULL || o->numeric_enum)
                    mibbuf_printf(b, "%d ", n);
                else
                    mibbuf_printf(b, "%s(%d) ", es, n);
            }
        }
    }
}

static void
nsapaddress(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_NSAP, MW_T_NSAP, "NsapAddress", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "NsapAddress: ");
    hexstring(b, v->s, v->n, o);
}

static void
object_identifier(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *units,
                  const mibfmt_opts_t *o)
{
    char tmp[OID_MAX_LEN * 16 + 256];
    if (wrong_type(b, m, v, MW_T_OID, MW_T_OID, "OBJECT IDENTIFIER", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "OID: ");
    if (v->oid) {
        if (m) {
            mib_format_oid(m, v->oid, o->oid_format, o->oid_flags, tmp, sizeof tmp);
        } else {
            size_t k = 0;
            for (uint32_t i = 0; i < v->oid->len && k + 12 < sizeof tmp; i++)
                k += (size_t)snprintf(tmp + k, sizeof tmp - k, ".%u", v->oid->arcs[i]);
            tmp[k] = 0;
        }
        mibbuf_cat(b, tmp);
    }
    units_add(b, units);
}

static void
counter64(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *units,
          const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_COUNTER64, MW_T_COUNTER64, "Counter64", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "Counter64: ");
    mibbuf_printf(b, "%llu", (unsigned long long)(uint64_t)v->i);
    units_add(b, units);
}

static void
opaque(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const char *units,
       const mibfmt_opts_t *o)
{
    if (wrong_type(b, m, v, MW_T_OPAQUE, MW_T_OPAQUE, "Opaque", o))
        return;
    if (!o->quick)
        mibbuf_cat(b, "OPAQUE: ");
    hexstring(b, v->s, v->n, o);
    units_add(b, units);
}

static void
by_type(mibbuf_t *b, struct mib *m, const mibfmt_value_t *v, const mib_enum_t *enums,
        const char *hint, const char *units, const mibfmt_opts_t *o)
{
    switch (v->tag) {
    case MW_T_INTEGER: integer(b, m, v, enums, hint, units, o); break;
    case MW_T_OCTETSTR: octet_string(b, m, v, hint, units, o); break;
    case 0x03: bitstring(b, m, v, enums, o); break;
    case MW_T_OPAQUE: opaque(b, m, v, units, o); break;
    case MW_T_OID: object_identifier(b, m, v, units, o); break;
    case MW_T_TIMETICKS: timeticks(b, m, v, units, o); break;
    case MW_T_GAUGE32: gauge(b, m, v, hint, units, o); break;
    case MW_T_COUNTER32: counter(b, m, v, units, o); break;
    case MW_T_IPADDR: ipaddress(b, m, v, o); break;
    case MW_T_NULL: null_value(b, m, v, o); break;
    case MW_T_UINTEGER32: uinteger(b, m, v, enums, hint, units, o); break;
    case MW_T_COUNTER64: counter64(b, m, v, units, o); break;
    default: mibbuf_cat(b, "Variable has bad type"); break;
    }
}

size_t
mibfmt_value(struct mib *m, const struct mib_node *node, const mibfmt_value_t *v,
             const mibfmt_opts_t *o, char *out, size_t cap)
{
    mibbuf_t b = { 0 };
    mibbuf_cat(&b, "");
    switch (v->tag) {
    case MW_T_NOSUCHOBJECT:
        mibbuf_cat(&b, "No Such Object available on this agent at this OID");
        return mibbuf_out(&b, out, cap);
    case MW_T_NOSUCHINSTANCE:
        mibbuf_cat(&b, "No Such Instance currently exists at this OID");
        return mibbuf_out(&b, out, cap);
    case MW_T_ENDOFMIBVIEW:
        mibbuf_cat(&b, "No more variables left in this MIB View (It is past the end of the MIB tree)");
        return mibbuf_out(&b, out, cap);
    default:
        break;
    }
    if (!node) {
        by_type(&b, m, v, NULL, NULL, NULL, o);
        return mibbuf_out(&b, out, cap);
    }
    const char *units = o->no_units ? NULL : node->units;
    const char *hint = o->no_hint ? NULL : node->hint;
    const mib_enum_t *enums = node->enums;
    switch (node->type) {
    case MIB_TYPE_OBJID: object_identifier(&b, m, v, units, o); break;
    case MIB_TYPE_OCTETSTR: octet_string(&b, m, v, hint, units, o); break;
    case MIB_TYPE_INTEGER:
    case MIB_TYPE_INTEGER32: integer(&b, m, v, enums, hint, units, o); break;
    case MIB_TYPE_NETADDR: networkaddress(&b, m, v, o); break;
    case MIB_TYPE_IPADDR: ipaddress(&b, m, v, o); break;
    case MIB_TYPE_COUNTER: counter(&b, m, v, units, o); break;
    case MIB_TYPE_GAUGE:
    case MIB_TYPE_UNSIGNED32: gauge(&b, m, v, hint, units, o); break;
    case MIB_TYPE_TIMETICKS: timeticks(&b, m, v, units, o); break;
    case MIB_TYPE_OPAQUE: opaque(&b, m, v, units, o); break;
    case MIB_TYPE_NULL: null_value(&b, m, v, o); break;
    case MIB_TYPE_BITSTRING: bitstring(&b, m, v, enums, o); break;
    case MIB_TYPE_NSAPADDRESS: nsapaddress(&b, m, v, o); break;
    case MIB_TYPE_COUNTER64: counter64(&b, m, v, units, o); break;
    case MIB_TYPE_UINTEGER: uinteger(&b, m, v, enums, hint, units, o); break;
    default: by_type(&b, m, v, enums, hint, units, o); break;
    }
    return mibbuf_out(&b, out, cap);
}

/* ---- text -> octets through a DISPLAY-HINT (net-snmp's parse_octet_hint) */

typedef struct {
    int length, repeat, format, separator, terminator;
    uint8_t *result;        /* caller's buffer */
    size_t result_max, result_len;
} hintparse_t;

static void
hp_reset(hintparse_t *ph)
{
    ph->length = ph->repeat = ph->format = ph->separator = ph->terminator = 0;
}

static int
hp_add(hintparse_t *ph, uint8_t octet)
{
    if (ph->result_len >= ph->result_max)
        return 0;
    ph->result[ph->result_len++] = octet;
    return 1;
}

static int
hp_parse(hintparse_t *ph, const char **v_in_out)
{
    const char *v = *v_in_out;
    char *nv;
    int base, repeats = 0;
    size_t repeat_fixup = ph->result_len;

    if (ph->repeat && !hp_add(ph, 0))
        return 0;
    do {
        base = 0;
        switch (ph->format) {
        case 'x': base += 6; /* fallthrough */
        case 'd': base += 2; /* fallthrough */
        case 'o': base += 8; {
            unsigned long number = (unsigned long)strtol(v, &nv, base);
            if (nv == v)
                return 0;
            v = nv;
            for (int i = 0; i < ph->length; i++) {
                int shift = 8 * (ph->length - 1 - i);
                if (!hp_add(ph, (uint8_t)(shift < 64 ? number >> shift : 0)))
                    return 0;
            }
            break;
        }
        case 'a':
            for (int i = 0; i < ph->length && *v; i++)
                if (!hp_add(ph, (uint8_t)*v++))
                    return 0;
            break;
        }
        repeats++;
        if (ph->separator && *v) {
            if (*v == ph->separator)
                v++;
            else
                return 0;
        }
        if (ph->terminator) {
            if (*v == ph->terminator) {
                v++;
                break;
            }
        }
    } while (ph->repeat && *v);
    if (ph->repeat)
        ph->result[repeat_fixup] = (uint8_t)repeats;
    *v_in_out = v;
    return 1;
}

int
mibfmt_parse_hint(const char *hint, const char *value, uint8_t *out, size_t cap, size_t *outlen)
{
    const char *h = hint, *v = value;
    hintparse_t ph = { 0 };
    int retval = 1;
    enum { HINT_1_2, HINT_2_3, HINT_1_2_4, HINT_1_2_5 } state = HINT_1_2;

    ph.result = out;
    ph.result_max = cap;
    while (*h && *v && retval) {
        switch (state) {
        case HINT_1_2:
            if (*h == '*') {
                ph.repeat = 1;
                state = HINT_2_3;
            } else if (isdigit((unsigned char)*h)) {
                ph.length = ph.length * 10 + (*h - '0');
                state = HINT_2_3;
            } else {
                return -1;
            }
            break;
        case HINT_2_3:
            if (isdigit((unsigned char)*h)) {
                ph.length = ph.length * 10 + (*h - '0');
            } else if (*h == 'x' || *h == 'd' || *h == 'o' || *h == 'a') {
                ph.format = *h;
                state = HINT_1_2_4;
            } else {
                return -1;
            }
            break;
        case HINT_1_2_4:
            if (*h == '*') {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.repeat = 1;
                state = HINT_2_3;
            } else if (isdigit((unsigned char)*h)) {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.length = *h - '0';
                state = HINT_2_3;
            } else {
                ph.separator = *h;
                state = HINT_1_2_5;
            }
            break;
        case HINT_1_2_5:
            if (*h == '*') {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.repeat = 1;
                state = HINT_2_3;
            } else if (isdigit((unsigned char)*h)) {
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                ph.length = *h - '0';
                state = HINT_2_3;
            } else {
                ph.terminator = *h;
                retval = hp_parse(&ph, &v);
                hp_reset(&ph);
                state = HINT_1_2;
            }
            break;
        }
        h++;
    }
    while (*v && retval)
        retval = hp_parse(&ph, &v);
    if (!retval)
        return -1;
    *outlen = ph.result_len;
    return 0;
}
