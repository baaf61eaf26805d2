/* ber.c - X.690 BER primitives. */
#include <string.h>

#include "ber.h"

int
ber_read_tl(ber_rd_t *r, uint8_t *tag, uint32_t *len)
{
    const uint8_t *p = r->p;
    size_t left = ber_rd_left(r);
    uint32_t l;

    if (left < 2)
        return MW_ETRUNC;
    if ((p[0] & 0x1F) == 0x1F) /* high tag numbers: unused by SNMP */
        return MW_EBADTAG;
    *tag = p[0];
    if (p[1] < 0x80) {
        l = p[1];
        p += 2;
        left -= 2;
    } else {
        size_t k = p[1] & 0x7F;
        if (k == 0 || k > 4) /* indefinite, or longer than 4 GiB */
            return MW_EBADLEN;
        if (left < 2 + k)
            return MW_ETRUNC;
        l = 0;
        for (size_t i = 0; i < k; i++)
            l = (l << 8) | p[2 + i];
        p += 2 + k;
        left -= 2 + k;
    }
    if (l > left)
        return MW_EBADLEN;
    r->p = p;
    *len = l;
    return 0;
}

int
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

int
ber_dec_int32(const uint8_t *p, size_t n, int32_t *v)
{
    if (n == 0)
        return MW_EBADLEN;
    /* Accept redundant sign octets as long as the value fits 32 bits. */
    while (n > 4) {
        if (!((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xFF && (p[1] & 0x80))))
            return MW_EINTLEN;
        p++;
        n--;
    }
    uint32_t u = (p[0] & 0x80) ? 0xFFFFFFFFu : 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = (int32_t)u;
    return 0;
}

int
ber_dec_int64(const uint8_t *p, size_t n, int64_t *v)
{
    if (n == 0)
        return MW_EBADLEN;
    /* Redundant sign octets, as in ber_dec_int32. */
    while (n > 8) {
        if (!((p[0] == 0x00 && !(p[1] & 0x80)) || (p[0] == 0xFF && (p[1] & 0x80))))
            return MW_EINTLEN;
        p++;
        n--;
    }
    uint64_t u = (p[0] & 0x80) ? ~(uint64_t)0 : 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = (int64_t)u;
    return 0;
}

static int
dec_unsigned(const uint8_t *p, size_t n, size_t size, uint64_t *v)
{
    if (n == 0)
        return MW_EBADLEN;
    /* A leading 0x00 keeps the value positive; real agents add it even when
     * not needed, and some add several. */
    while (n > 1 && p[0] == 0x00) {
        p++;
        n--;
    }
    if (n > size)
        return MW_EINTLEN;
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = u;
    return 0;
}

int
ber_dec_uint32(const uint8_t *p, size_t n, uint32_t *v)
{
    uint64_t u;
    int rc = dec_unsigned(p, n, 4, &u);
    if (rc == 0)
        *v = (uint32_t)u;
    return rc;
}

int
ber_dec_uint64(const uint8_t *p, size_t n, uint64_t *v)
{
    return dec_unsigned(p, n, 8, v);
}

int
ber_read_int32(ber_rd_t *r, uint8_t tag, int32_t *v)
{
    ber_rd_t c;
    int rc = ber_read_expect(r, tag, &c);
    if (rc < 0)
        return rc;
    return ber_dec_int32(c.p, ber_rd_left(&c), v);
}

int
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

void
ber_put_raw(ber_wr_t *w, const void *data, size_t n)
{
    if (w->err)
        return;
    if ((size_t)(w->p - w->start) < n) {
        w->err = MW_ETOOBIG;
        return;
    }
    w->p -= n;
    if (n)
        memcpy(w->p, data, n);
}

/* Octets in the minimal length field for len (tag excluded). */
static inline size_t
len_size(size_t len)
{
    if (len < 0x80)
        return 1;
    return 1 + (size_t)(64 - __builtin_clzll((unsigned long long)len) + 7) / 8;
}

/* Writes tag and the k-octet length field (k from len_size) at p. */
static inline void
put_hdr(uint8_t *p, uint8_t tag, size_t len, size_t k)
{
    p[0] = tag;
    if (k == 1) {
        p[1] = (uint8_t)len;
        return;
    }
    p[1] = (uint8_t)(0x80 | (k - 1));
    for (size_t i = k; i > 1; i--) {
        p[i] = (uint8_t)len;
        len >>= 8;
    }
}

/* Reserves n octets in front of what is written; NULL (and the sticky
 * error set) when they do not fit. */
static inline uint8_t *
wr_take(ber_wr_t *w, size_t n)
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

void
ber_put_tl(ber_wr_t *w, uint8_t tag, size_t len)
{
    if (len > 0xFFFFFFFFu) { /* more than ber_read_tl accepts */
        if (!w->err)
            w->err = MW_ETOOBIG;
        return;
    }
    size_t k = len_size(len);
    uint8_t *p = wr_take(w, k + 1);
    if (p)
        put_hdr(p, tag, len, k);
}

void
ber_put_wrap(ber_wr_t *w, uint8_t tag, size_t mark)
{
    ber_put_tl(w, tag, ber_wr_mark(w) - mark);
}

void
ber_put_int(ber_wr_t *w, uint8_t tag, int64_t v)
{
    /* Minimal two's complement: the bits beyond the sign, plus a sign bit. */
    uint64_t m = v < 0 ? ~(uint64_t)v : (uint64_t)v;
    size_t k = m ? (size_t)(64 - __builtin_clzll(m)) / 8 + 1 : 1;
    uint8_t *p = wr_take(w, k + 2);
    if (!p)
        return;
    p[0] = tag;
    p[1] = (uint8_t)k;
    uint64_t u = (uint64_t)v;
    for (size_t i = k + 1; i > 1; i--) {
        p[i] = (uint8_t)u;
        u >>= 8;
    }
}

void
ber_put_uint(ber_wr_t *w, uint8_t tag, uint64_t v)
{
    /* A leading 0x00 when the top bit of the first octet is set. */
    size_t k = v ? (size_t)(64 - __builtin_clzll(v)) / 8 + 1 : 1;
    uint8_t *p = wr_take(w, k + 2);
    if (!p)
        return;
    p[0] = tag;
    p[1] = (uint8_t)k;
    for (size_t i = k + 1; i > 1; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

void
ber_put_octets(ber_wr_t *w, uint8_t tag, const void *p, size_t n)
{
    size_t k = len_size(n);
    uint8_t *o = wr_take(w, n + k + 1);
    if (!o)
        return;
    put_hdr(o, tag, n, k);
    if (n)
        memcpy(o + k + 1, p, n);
}

void
ber_put_null(ber_wr_t *w, uint8_t tag)
{
    uint8_t *o = wr_take(w, 2);
    if (o) {
        o[0] = tag;
        o[1] = 0;
    }
}
