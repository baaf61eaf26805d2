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
#include "mibhint.h"


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
units_add(mibbuf_t *b, const char *units)
{
    if (units) {
        mibbuf_cat(b, " ");
        mibbuf_cat(b, units);
    }
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
        if (mibhint_add(b, v->s, v->n, hint, o->two_digit_hex) < 0) {
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
        mibbuf_ascii(b, v->s, v->n);
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
    const char *units = o->no_units ? NULL : mib_node_more(node)->units;
    const char *hint = o->no_hint ? NULL : mib_node_more(node)->hint;
    const mib_enum_t *enums = mib_node_more(node)->enums;
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
