/* fmt.h - varbinds as net-snmp's tools print them when no MIB is loaded
 * (snprint_variable and friends), with the -O output flags. */
#ifndef MW_FMT_H
#define MW_FMT_H

#include "../core/pdu.h"

enum {
    FMT_N = 1 << 0,  /* -On numeric OIDs */
    FMT_Q = 1 << 1,  /* -Oq quick: no type, no '=' */
    FMT_QQ = 1 << 2, /* -OQ no type, keeps '=' */
    FMT_V = 1 << 3,  /* -Ov value only */
    FMT_A = 1 << 4,  /* -Oa strings as text */
    FMT_X = 1 << 5,  /* -Ox strings as hex */
    FMT_T = 1 << 6,  /* -Ot timeticks as a number */
    FMT_F = 1 << 7,  /* -Of full OIDs */
};

/* Parses -O letters into FMT_* bits; unknown letters are ignored. */
unsigned fmt_flags(const char *letters);
/* Bytes a line for vb can need. */
size_t fmt_need(const mw_varbind_t *vb);
/* Writes the line (without newline) into buf; returns its length, or the
 * length it needs when cap is too small. */
size_t fmt_varbind(const mw_varbind_t *vb, unsigned flags, char *buf, size_t cap);
/* The value part alone ("INTEGER: 5", "Timeticks: (100) 0:00:01.00", ...);
 * returns the length written or needed, like fmt_varbind. */
size_t fmt_value(const mw_value_t *v, unsigned flags, char *buf, size_t cap);
/* Time ticks and hex lines alone: core/text.h (text_uptime, text_hex). */
/* An OID (BER content octets) as net-snmp names it with no MIB loaded. */
size_t fmt_oid(const uint8_t *oid, size_t n, unsigned flags, char *buf, size_t cap);

#endif
