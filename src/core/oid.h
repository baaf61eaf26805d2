/* oid.h - object identifiers: parse, format, compare, BER content form. */
#ifndef MW_OID_H
#define MW_OID_H

#include "mw.h"

#define OID_MAX_LEN 128

typedef struct {
    uint32_t len;
    uint32_t arcs[OID_MAX_LEN];
} oid_t;

/* Parses "1.3.6.1" or ".1.3.6.1" (n bytes of s). 0 or MW_EOIDSYNTAX/MW_EOIDLEN. */
int oid_parse(oid_t *o, const char *s, size_t n);
/* Writes dotted form without a leading dot; returns the length it needs
 * (excluding NUL), like snprintf. */
size_t oid_format(const oid_t *o, char *buf, size_t cap);
/* Lexicographic order as SNMP uses it: -1, 0, 1. */
int oid_cmp(const oid_t *a, const oid_t *b);
int oid_is_prefix(const oid_t *prefix, const oid_t *o);
int oid_append(oid_t *o, const uint32_t *arcs, size_t n);

/* BER content octets of an OID <-> arcs. */
int oid_decode(oid_t *o, const uint8_t *p, size_t n);
/* Encodes into buf (cap bytes); returns length or MW_ETOOBIG/MW_EINVAL. */
int oid_encode(const oid_t *o, uint8_t *buf, size_t cap);
/* Compares two OIDs given as BER content octets without decoding them. */
int oid_ber_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);
/* Formats BER content octets as dotted text; returns needed length or <0. */
int oid_ber_format(const uint8_t *p, size_t n, char *buf, size_t cap);

#endif
