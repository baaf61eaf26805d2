/* ber.h - X.690 BER primitives as SNMP uses them.
 *
 * Reading walks a [p, end) window and never allocates. Writing builds
 * backwards from the end of a caller-supplied buffer, so no length has to
 * be known in advance; errors are sticky in the writer. */
#ifndef MW_BER_H
#define MW_BER_H

#include "mw.h"

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
} ber_rd_t;

static inline void ber_rd_init(ber_rd_t *r, const uint8_t *p, size_t n)
{ r->p = p; r->end = p + n; }
static inline size_t ber_rd_left(const ber_rd_t *r) { return (size_t)(r->end - r->p); }

/* Reads an identifier and a definite length (short or long form, up to four
 * length octets, non-minimal accepted); checks the length fits. */
int ber_read_tl(ber_rd_t *r, uint8_t *tag, uint32_t *len);
/* Reads tag+length and requires tag; sets *content to the value window and
 * advances r past it. */
int ber_read_expect(ber_rd_t *r, uint8_t tag, ber_rd_t *content);
/* Value decoders on content octets. */
int ber_dec_int32(const uint8_t *p, size_t n, int32_t *v);
int ber_dec_int64(const uint8_t *p, size_t n, int64_t *v);
int ber_dec_uint32(const uint8_t *p, size_t n, uint32_t *v);
int ber_dec_uint64(const uint8_t *p, size_t n, uint64_t *v);
/* Reads an element with the given tag and decodes it as INTEGER. */
int ber_read_int32(ber_rd_t *r, uint8_t tag, int32_t *v);
int ber_read_octets(ber_rd_t *r, uint8_t tag, const uint8_t **p, uint32_t *n);

typedef struct {
    uint8_t *start; /* not owned */
    uint8_t *p;     /* first written byte; moves towards start */
    uint8_t *end;
    int err;
} ber_wr_t;

static inline void ber_wr_init(ber_wr_t *w, uint8_t *buf, size_t cap)
{ w->start = buf; w->end = w->p = buf + cap; w->err = 0; }
/* Bytes written so far, counted from the end: a mark for ber_put_wrap. */
static inline size_t ber_wr_mark(const ber_wr_t *w) { return (size_t)(w->end - w->p); }
static inline size_t ber_wr_len(const ber_wr_t *w) { return (size_t)(w->end - w->p); }

void ber_put_raw(ber_wr_t *w, const void *data, size_t n);
void ber_put_tl(ber_wr_t *w, uint8_t tag, size_t len);
/* Prefixes everything written since mark with tag and its length. */
void ber_put_wrap(ber_wr_t *w, uint8_t tag, size_t mark);
void ber_put_int(ber_wr_t *w, uint8_t tag, int64_t v);
void ber_put_uint(ber_wr_t *w, uint8_t tag, uint64_t v);
void ber_put_octets(ber_wr_t *w, uint8_t tag, const void *p, size_t n);
void ber_put_null(ber_wr_t *w, uint8_t tag);

#endif
