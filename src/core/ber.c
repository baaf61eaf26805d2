/* ber.c - X.690 BER primitives: the general paths behind the inline
 * readers and writers of ber.h. */
#include <string.h>

#include "ber.h"

int
ber_read_tl_any(ber_rd_t *r, uint8_t *tag, uint32_t *len)
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
ber_is_whole_seq(const uint8_t *buf, size_t n)
{
    ber_rd_t r;
    uint8_t tag;
    uint32_t l;
    ber_rd_init(&r, buf, n);
    if (ber_read_tl(&r, &tag, &l) < 0 || tag != MW_T_SEQUENCE)
        return 0;
    return ber_rd_left(&r) == l;
}

int
ber_dec_int32_any(const uint8_t *p, size_t n, int32_t *v)
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
    /* Redundant sign octets, as in ber_dec_int32_any. */
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

int
ber_dec_uint_any(const uint8_t *p, size_t n, size_t size, uint64_t *v)
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

void
ber_put_raw(ber_wr_t *w, const void *data, size_t n)
{
    uint8_t *o = ber_wr_take(w, n);
    if (o && n)
        memcpy(o, data, n);
}
