/* mibfmt.h - values rendered as net-snmp renders them with MIB knowledge
 * (sprint_realloc_by_type and friends): enums, DISPLAY-HINTs, BITS,
 * units, Timeticks, Hex-STRING wrapping, "Wrong Type" notes. */
#ifndef MW_MIBFMT_H
#define MW_MIBFMT_H

#include <stddef.h>
#include <stdint.h>

#include "../core/oid.h"

struct mib;
struct mib_node;

typedef struct {
    int quick;              /* -Oq: no type prefixes */
    int quicke;             /* -OQ: no "Wrong Type" notes */
    int numeric_enum;       /* -Oe */
    int numeric_timeticks;  /* -Ot */
    int no_units;           /* -OU */
    int hex_text;           /* -OT */
    int string_format;      /* 0 guess, 'a' (-Oa), 'x' (-Ox) */
    int two_digit_hex;      /* -O0 */
    int no_hint;            /* -Ih */
    int hex_line_len;       /* 0 means 16 */
    int oid_format;         /* MIB_OID_* for OID values */
    int oid_flags;          /* MIB_F_* */
} mibfmt_opts_t;

typedef struct {
    uint8_t tag;            /* MW_T_* */
    int64_t i;              /* integer types (Counter64: the 64 bits) */
    const uint8_t *s;       /* octets: strings, Opaque, IpAddress, NsapAddress */
    size_t n;
    const oid_t *oid;       /* OID values */
} mibfmt_value_t;

/* Renders v as the text net-snmp prints after "OID = ". node may be NULL
 * (no MIB knowledge). Returns the length it needs, like snprintf. */
size_t mibfmt_value(struct mib *m, const struct mib_node *node, const mibfmt_value_t *v,
                    const mibfmt_opts_t *o, char *out, size_t cap);

#endif
