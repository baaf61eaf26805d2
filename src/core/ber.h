/* ber.h - X.690 BER primitives as SNMP uses them: the one reader and
 * writer of the tree (pdu.c and oid.c; the agent, the receiver and the
 * walk use its whole-message check and sub-identifier reader).
 *
 * Reading walks a [p, end) window and never allocates. Writing builds
 * backwards from the end of a caller-supplied buffer, so no length has to
 * be known in advance; errors are sticky in the writer.
 *
 * The functions the codec runs per varbind are inline here: each handles
 * the common case (short-form lengths, values of a few octets) and hands
 * anything else to a general function in ber.c, so results and errors do
 * not depend on which path ran. */
#ifndef MW_BER_H
#define MW_BER_H

#include <string.h>

#include "mw.h"

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} ber_rd_t;

static inline void ber_rd_init(ber_rd_t *r, const uint8_t *p, size_t n)
{ r->p = p; r->end = p + n; }
static inline size_t ber_rd_left(const ber_rd_t *r) { return (size_t)(r->end - r->p); }

/* General forms of the inline readers below (long-form lengths, redundant
 * sign or zero octets); call the inline ones instead. */
int ber_read_tl_any(ber_rd_t *r, uint8_t *tag, uint32_t *len);
int ber_dec_int32_any(const uint8_t *p, size_t n, int32_t *v);
int ber_dec_uint_any(const uint8_t *p, size_t n, size_t size, uint64_t *v);

/* Reads an identifier and a definite length (short or long form, up to four
 * length octets, non-minimal accepted); checks the length fits. */
static inline int
ber_read_tl(ber_rd_t *r, uint8_t *tag, uint32_t *len)
{
    const uint8_t *p = r->p;
    size_t left = (size_t)(r->end - p);
    if (left >= 2 && p[1] < 0x80 && (p[0] & 0x1F) != 0x1F) {
        if (p[1] > left - 2)
            return MW_EBADLEN;
        *tag = p[0];
        *len = p[1];
        r->p = p + 2;
        return 0;
    }
    return ber_read_tl_any(r, tag, len);
}

/* Reads tag+length and requires tag; sets *content to the value window and
 * advances r past it. */
static inline int
ber_read_expect(ber_rd_t *r, uint8_t tag, ber_rd_t *content)
{
    uint8_t t;
    uint32_t l;
    int rc = ber_read_tl(r, &t, &l);
    if (rc < 0)
        return rc;
    if (t != tag)
        return MW_EBADTAG;
    content->p = r->p;
    content->end = r->p + l;
    r->p += l;
    return 0;
}

/* Value decoders on content octets. INTEGER: two's complement, redundant
 * sign octets accepted while the value fits. Unsigned: leading 0x00 octets
 * accepted (real agents send them), at most 4 or 8 significant octets. */
static inline int
ber_dec_int32(const uint8_t *p, size_t n, int32_t *v)
{
    if (n == 0 || n > 4)
        return ber_dec_int32_any(p, n, v);
    uint32_t u = (p[0] & 0x80) ? 0xFFFFFFFFu : 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = (int32_t)u;
    return 0;
}

int ber_dec_int64(const uint8_t *p, size_t n, int64_t *v);

/* size is 4 (Counter32, Gauge32, TimeTicks) or 8 (Counter64). */
static inline int
ber_dec_uint(const uint8_t *p, size_t n, size_t size, uint64_t *v)
{
    if (n == 0 || n > size)
        return ber_dec_uint_any(p, n, size, v);
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = u;
    return 0;
}

static inline int
ber_dec_uint32(const uint8_t *p, size_t n, uint32_t *v)
{
    uint64_t u;
    int rc = ber_dec_uint(p, n, 4, &u);
    if (rc == 0)
        *v = (uint32_t)u;
    return rc;
}

static inline int
ber_dec_uint64(const uint8_t *p, size_t n, uint64_t *v)
{
    return ber_dec_uint(p, n, 8, v);
}

/* Reads an element with the given tag and decodes it as INTEGER. */
static inline int
ber_read_int32(ber_rd_t *r, uint8_t tag, int32_t *v)
{
    ber_rd_t c;
    int rc = ber_read_expect(r, tag, &c);
    if (rc < 0)
        return rc;
    return ber_dec_int32(c.p, ber_rd_left(&c), v);
}

static inline int
ber_read_octets(ber_rd_t *r, uint8_t tag, const uint8_t **p, uint32_t *n)
{
    ber_rd_t c;
    int rc = ber_read_expect(r, tag, &c);
    if (rc < 0)
        return rc;
    *p = c.p;
    *n = (uint32_t)ber_rd_left(&c);
    return 0;
}

/* Does buf hold exactly one SEQUENCE, its length ending where buf does?
 * (A datagram with bytes after the message is not a message.) */
int ber_is_whole_seq(const uint8_t *buf, size_t n);

/* OID sub-identifiers (base 128, high bit = more octets follow). */
#define BER_SUBID_MAX 0xFFFFFFFFull               /* an arc is 32 bits */
#define BER_SUBID_FIRST_MAX (0xFFFFFFFFull + 80)  /* the first carries 2*40 more */

/* Reads the sub-identifier at p[0..n): returns the octets it takes, or
 * MW_ETRUNC when its last octet is missing, MW_EOIDARC as soon as the value
 * exceeds max. Leading 0x80 octets are accepted, as net-snmp does. */
static inline int
ber_read_subid(const uint8_t *p, size_t n, uint64_t max, uint64_t *v)
{
    uint64_t x = 0;
    size_t i = 0;
    do {
        if (i >= n)
            return MW_ETRUNC;
        x = (x << 7) | (p[i] & 0x7F);
        if (x > max)
            return MW_EOIDARC;
    } while (p[i++] & 0x80);
    *v = x;
    return (int)i;
}

typedef struct {
    uint8_t *start; /* not owned */
    uint8_t *p;     /* first written byte; moves towards start */
    uint8_t *end;
    int err;
} ber_wr_t;

/* Only the last 4 GiB of buf are used, so that no length written exceeds
 * what ber_read_tl accepts. */
static inline void ber_wr_init(ber_wr_t *w, uint8_t *buf, size_t cap)
{
    w->end = w->p = buf + cap;
    w->start = cap > 0xFFFFFFFFu ? w->end - 0xFFFFFFFFu : buf;
    w->err = 0;
}
/* Bytes written so far, counted from the end: a mark for ber_put_wrap. */
static inline size_t ber_wr_mark(const ber_wr_t *w) { return (size_t)(w->end - w->p); }
static inline size_t ber_wr_len(const ber_wr_t *w) { return (size_t)(w->end - w->p); }

/* Takes n octets in front of what is written and returns them, to be
 * filled forwards; NULL (and the sticky error set) when they do not fit. */
static inline uint8_t *
ber_wr_take(ber_wr_t *w, size_t n)
{
    if (w->err)
        return NULL;
    if ((size_t)(w->p - w->start) < n) {
        w->err = MW_ETOOBIG;
        return NULL;
    }
    w->p -= n;
    return w->p;
}

/* Sizes, for callers that size an element first and write it forwards
 * into space taken once (pdu.c's varbinds). */
/* Octets in the minimal length field for len (tag excluded). */
static inline size_t
ber_len_size(size_t len)
{
    if (len < 0x80)
        return 1;
    return 1 + (size_t)(64 - __builtin_clzll((unsigned long long)len) + 7) / 8;
}

/* Content octets of a minimal two's complement INTEGER. */
static inline size_t
ber_int_size(int64_t v)
{
    uint64_t m = v < 0 ? ~(uint64_t)v : (uint64_t)v;
    return m ? (size_t)(64 - __builtin_clzll(m)) / 8 + 1 : 1;
}

/* Content octets of an unsigned value, with a leading 0x00 when needed. */
static inline size_t
ber_uint_size(uint64_t v)
{
    return v ? (size_t)(64 - __builtin_clzll(v)) / 8 + 1 : 1;
}

/* Writes tag and minimal length at p; returns the first content octet. */
static inline uint8_t *
ber_hdr_store(uint8_t *p, uint8_t tag, size_t len)
{
    *p++ = tag;
    if (len < 0x80) {
        *p++ = (uint8_t)len;
        return p;
    }
    size_t k = ber_len_size(len) - 1;
    *p++ = (uint8_t)(0x80 | k);
    for (size_t i = k; i > 0; i--) {
        p[i - 1] = (uint8_t)len;
        len >>= 8;
    }
    return p + k;
}

/* Writes the k low octets of u, big-endian, at p. */
static inline void
ber_be_store(uint8_t *p, uint64_t u, size_t k)
{
    for (size_t i = k; i > 0; i--) {
        p[i - 1] = (uint8_t)u;
        u >>= 8;
    }
}

void ber_put_raw(ber_wr_t *w, const void *data, size_t n);

/* Tag and length alone (the content is written by the caller). */
static inline void
ber_put_tl(ber_wr_t *w, uint8_t tag, size_t len)
{
    if (len > 0xFFFFFFFFu) { /* more than ber_read_tl accepts */
        if (!w->err)
            w->err = MW_ETOOBIG;
        return;
    }
    uint8_t *o = ber_wr_take(w, 1 + ber_len_size(len));
    if (o)
        ber_hdr_store(o, tag, len);
}

/* Prefixes everything written since mark with tag and its length. */
static inline void
ber_put_wrap(ber_wr_t *w, uint8_t tag, size_t mark)
{
    size_t len = ber_wr_mark(w) - mark;
    uint8_t *o = ber_wr_take(w, 1 + ber_len_size(len));
    if (o)
        ber_hdr_store(o, tag, len);
}

static inline void
ber_put_int(ber_wr_t *w, uint8_t tag, int64_t v)
{
    size_t k = ber_int_size(v);
    uint8_t *o = ber_wr_take(w, k + 2);
    if (o) {
        o[0] = tag;
        o[1] = (uint8_t)k;
        ber_be_store(o + 2, (uint64_t)v, k);
    }
}

static inline void
ber_put_uint(ber_wr_t *w, uint8_t tag, uint64_t v)
{
    size_t k = ber_uint_size(v);
    uint8_t *o = ber_wr_take(w, k + 2);
    if (o) {
        o[0] = tag;
        o[1] = (uint8_t)k;
        ber_be_store(o + 2, v, k);
    }
}

static inline void
ber_put_octets(ber_wr_t *w, uint8_t tag, const void *p, size_t n)
{
    uint8_t *o = ber_wr_take(w, 1 + ber_len_size(n) + n);
    if (!o)
        return;
    o = ber_hdr_store(o, tag, n);
    if (n)
        memcpy(o, p, n);
}

static inline void
ber_put_null(ber_wr_t *w, uint8_t tag)
{
    uint8_t *o = ber_wr_take(w, 2);
    if (o) {
        o[0] = tag;
        o[1] = 0;
    }
}

#endif
