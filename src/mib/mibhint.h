/* mibhint.h - octet-string DISPLAY-HINTs ("1x:", "255a", "1d.1d.1d.1d"),
 * without MIB knowledge. */
#ifndef MW_MIBHINT_H
#define MW_MIBHINT_H

#include <stddef.h>
#include <stdint.h>

#include "mibbuf.h"

/* Appends the octets rendered through hint (two_digit: -O0, "0a" for
 * one-digit hex). 0, or -1 for a bad hint (what was appended is then
 * the caller's to discard). */
int mibhint_add(mibbuf_t *b, const uint8_t *p, size_t n, const char *hint, int two_digit);

/* Octets through an octet-string DISPLAY-HINT ("1x:", "255a", ...),
 * without any prefix; "" for a bad hint. Returns the length it needs. */
size_t mibhint_octets(const uint8_t *p, size_t n, const char *hint, char *out, size_t cap);

/* Text -> octets through an octet-string DISPLAY-HINT, as net-snmp reads
 * quoted table indexes. 0, or -1 when the text does not fit the hint. */
int mibhint_parse(const char *hint, const char *value, uint8_t *out, size_t cap,
                  size_t *outlen);

#endif
