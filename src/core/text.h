/* text.h - the text forms net-snmp gives TimeTicks and octets (hex and
 * quoted), shared by
 * the MIB-less printer (app/fmt.c) and the MIB-aware one (mib/mibfmt.c) so
 * that both print them byte for byte as net-snmp's tools do.
 *
 * Both write at most cap octets at buf (no NUL) and return the length of
 * the whole text, so a caller can size its buffer with cap 0 first. */
#ifndef MW_TEXT_H
#define MW_TEXT_H

#include "mw.h"

/* "0:00:01.00", "1 day, 0:00:00.00", "2 days, 3:04:05.06"; quick (-Oq):
 * "2:3:04:05.06". */
size_t text_uptime(uint64_t ticks, int quick, char *buf, size_t cap);

/* "00 FF 41 " with a newline between lines of `line` octets (the last one
 * may be shorter). with_text (-OT) follows each line with "  [" its octets,
 * printable or '.', "]"; an empty input is then one empty line, "  []". */
size_t text_hex(const uint8_t *p, size_t n, size_t line, int with_text, char *buf, size_t cap);

/* Are all octets printable or white space (isprint || isspace in the C
 * locale)? Such strings print as text, others as hex, when no -Oa/-Ox. */
int text_is_printable(const uint8_t *p, size_t n);

/* The octets as net-snmp quotes a STRING (without the quotes): '"' and '\\'
 * escaped with a backslash, what is not printable as '.'. */
size_t text_ascii(const uint8_t *p, size_t n, char *buf, size_t cap);

#endif
