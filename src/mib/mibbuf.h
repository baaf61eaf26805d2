/* mibbuf.h - a growable text buffer for the MIB layer's naming and
 * rendering. A zeroed mibbuf_t is empty; the owner frees buf (or hands it
 * out with mibbuf_out). On allocation failure the text is cut short. */
#ifndef MW_MIBBUF_H
#define MW_MIBBUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *buf; /* owned, NUL-terminated when not NULL */
    size_t len, cap;
} mibbuf_t;

void mibbuf_add(mibbuf_t *b, const char *s, size_t n);
void mibbuf_cat(mibbuf_t *b, const char *s);
void mibbuf_printf(mibbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Octets as net-snmp prints a printable string (text_ascii). */
void mibbuf_ascii(mibbuf_t *b, const uint8_t *p, size_t n);
char mibbuf_last(const mibbuf_t *b);
/* Copies the text into out (cap bytes, NUL-terminated), frees the buffer
 * and returns the full length, like snprintf. */
size_t mibbuf_out(mibbuf_t *b, char *out, size_t cap);

#endif
