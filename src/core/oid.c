/* oid.c - object identifiers. */
#include <string.h>
#include <stdio.h>

#include "ber.h"
#include "oid.h"

int
oid_parse(oid_t *o, const char *s, size_t n)
{
    size_t i = 0;
    o->len = 0;
    if (n > 0 && s[0] == '.')
        i = 1;
    if (i >= n)
        return MW_EOIDSYNTAX;
    while (i < n) {
        uint64_t v = 0;
        size_t start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            v = v * 10 + (uint64_t)(s[i] - '0');
            if (v > 0xFFFFFFFFu)
                return MW_EOIDARC;
            i++;
        }
        if (i == start)
            return MW_EOIDSYNTAX;
        if (o->len >= OID_MAX_LEN)
            return MW_EOIDLEN;
        o->arcs[o->len++] = (uint32_t)v;
        if (i < n) {
            if (s[i] != '.' || i + 1 == n)
                return MW_EOIDSYNTAX;
            i++;
        }
    }
    return 0;
}

static size_t
u32_to_dec(uint32_t v, char *tmp)
{
    if (v < 10) {
        tmp[0] = (char)('0' + v);
        return 1;
    }
    size_t n = 0;
    char rev[10];
    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        tmp[i] = rev[n - 1 - i];
    return n;
}

size_t
oid_format(const oid_t *o, char *buf, size_t cap)
{
    size_t need = 0;
    char tmp[11];
    for (uint32_t i = 0; i < o->len; i++) {
        size_t k = u32_to_dec(o->arcs[i], tmp + (i ? 1 : 0));
        if (i) {
            tmp[0] = '.';
            k++;
        }
        if (need + k < cap)
            memcpy(buf + need, tmp, k);
        need += k;
    }
    if (cap)
        buf[need < cap ? need : cap - 1] = '\0';
    return need;
}

int
oid_cmp(const oid_t *a, const oid_t *b)
{
    uint32_t n = a->len < b->len ? a->len : b->len;
    for (uint32_t i = 0; i < n; i++) {
        if (a->arcs[i] != b->arcs[i])
            return a->arcs[i] < b->arcs[i] ? -1 : 1;
    }
    if (a->len == b->len)
        return 0;
    return a->len < b->len ? -1 : 1;
}

int
oid_is_prefix(const oid_t *prefix, const oid_t *o)
{
    if (prefix->len > o->len)
        return 0;
    return memcmp(prefix->arcs, o->arcs, prefix->len * sizeof(uint32_t)) == 0;
}

int
oid_append(oid_t *o, const uint32_t *arcs, size_t n)
{
    if (o->len + n > OID_MAX_LEN)
        return MW_EOIDLEN;
    memcpy(o->arcs + o->len, arcs, n * sizeof(uint32_t));
    o->len += (uint32_t)n;
    return 0;
}

int
oid_decode(oid_t *o, const uint8_t *p, size_t n)
{
    size_t i = 0;
    int first = 1;
    o->len = 0;
    while (i < n) {
        uint64_t v;
        if (!first && p[i] < 0x80) { /* one octet: most arcs */
            if (o->len >= OID_MAX_LEN)
                return MW_EOIDLEN;
            o->arcs[o->len++] = p[i++];
            continue;
        }
        int k = ber_read_subid(p + i, n - i, BER_SUBID_FIRST_MAX, &v);
        if (k < 0)
            return k;
        i += (size_t)k;
        if (first) {
            uint32_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
            uint64_t b = v - 40u * a;
            if (b > 0xFFFFFFFFu)
                return MW_EOIDARC;
            o->arcs[0] = a;
            o->arcs[1] = (uint32_t)b;
            o->len = 2;
            first = 0;
        } else {
            if (v > 0xFFFFFFFFu)
                return MW_EOIDARC;
            if (o->len >= OID_MAX_LEN)
                return MW_EOIDLEN;
            o->arcs[o->len++] = (uint32_t)v;
        }
    }
    return 0;
}

static int
subid_put(uint64_t v, uint8_t *buf, size_t cap, size_t *pos)
{
    uint8_t tmp[10];
    int k = 0;
    do {
        tmp[k++] = (uint8_t)(v & 0x7F);
        v >>= 7;
    } while (v);
    if (*pos + (size_t)k > cap)
        return MW_ETOOBIG;
    while (k > 0) {
        k--;
        buf[(*pos)++] = (uint8_t)(tmp[k] | (k ? 0x80 : 0));
    }
    return 0;
}

int
oid_encode(const oid_t *o, uint8_t *buf, size_t cap)
{
    size_t pos = 0;
    uint64_t first;
    int rc;
    if (o->len == 0)
        first = 0;
    else if (o->len == 1) {
        if (o->arcs[0] > 2)
            return MW_EINVAL;
        first = 40u * o->arcs[0];
    } else {
        if (o->arcs[0] > 2 || (o->arcs[0] < 2 && o->arcs[1] >= 40))
            return MW_EINVAL;
        first = 40ull * o->arcs[0] + o->arcs[1];
    }
    if ((rc = subid_put(first, buf, cap, &pos)) < 0)
        return rc;
    for (uint32_t i = 2; i < o->len; i++) {
        if (o->arcs[i] < 0x80 && pos < cap) { /* one octet: most arcs */
            buf[pos++] = (uint8_t)o->arcs[i];
            continue;
        }
        if ((rc = subid_put(o->arcs[i], buf, cap, &pos)) < 0)
            return rc;
    }
    return (int)pos;
}

/* Arc by arc from the start of both. */
static int
ber_cmp_arcs(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t i = 0, j = 0;
    while (i < an && j < bn) {
        uint64_t va = 0, vb = 0;
        int ka = ber_read_subid(a + i, an - i, BER_SUBID_FIRST_MAX, &va);
        int kb = ber_read_subid(b + j, bn - j, BER_SUBID_FIRST_MAX, &vb);
        if (ka < 0 || kb < 0) /* malformed sorts by raw bytes */
            return memcmp(a + i, b + j, (an - i) < (bn - j) ? an - i : bn - j) < 0 ? -1 : 1;
        if (va != vb)
            return va < vb ? -1 : 1;
        i += (size_t)ka;
        j += (size_t)kb;
    }
    if (i < an)
        return 1;
    if (j < bn)
        return -1;
    return 0;
}

int
oid_ber_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    /* Equal octets are equal arcs: skip the common prefix, back up to the
     * start of the arc it ends in, and compare arcs from there. */
    size_t n = an < bn ? an : bn, k = 0;
    while (k < n && a[k] == b[k])
        k++;
    if (k == an && k == bn)
        return 0;
    while (k > 0 && (a[k - 1] & 0x80))
        k--;
    return ber_cmp_arcs(a + k, an - k, b + k, bn - k);
}

static const char digits2[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes v in decimal at o; returns the end. */
static char *
put_dec(char *o, uint32_t v)
{
    if (v < 10) {
        *o++ = (char)('0' + v);
    } else if (v < 100) {
        memcpy(o, digits2 + 2 * v, 2);
        o += 2;
    } else if (v < 1000) {
        *o++ = (char)('0' + v / 100);
        memcpy(o, digits2 + 2 * (v % 100), 2);
        o += 2;
    } else {
        /* two digits at a time, from the right */
        char tmp[10];
        int k = 10;
        while (v >= 100) {
            k -= 2;
            memcpy(tmp + k, digits2 + 2 * (v % 100), 2);
            v /= 100;
        }
        if (v >= 10) {
            k -= 2;
            memcpy(tmp + k, digits2 + 2 * v, 2);
        } else {
            tmp[--k] = (char)('0' + v);
        }
        memcpy(o, tmp + k, (size_t)(10 - k));
        o += 10 - k;
    }
    return o;
}

/* Writes the text of sub-identifier v at o: ".v", or "a.b" for the first
 * one, which carries two arcs. Returns the end, or NULL out of range. */
static char *
arc_text(char *o, uint64_t v, int first)
{
    if (first) {
        uint64_t a = v < 40 ? 0 : v < 80 ? 1 : 2;
        v -= 40 * a;
        *o++ = (char)('0' + a);
    }
    if (v > 0xFFFFFFFFu)
        return NULL;
    *o++ = '.';
    return put_dec(o, (uint32_t)v);
}

/* Straight from the content octets to text, without an oid_t. When buf
 * surely has room (an arc of k octets takes at most 4k characters with its
 * dot, and the first one two more) text goes straight into it; else each
 * arc goes through tmp and what does not fit is counted, not written. */
int
oid_ber_format(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    int direct = cap >= 4 * n + 3;
    char tmp[24], *o = direct ? buf : tmp;
    size_t out = 0, i = 0;
    int first = 1;
    while (i < n) {
        uint64_t v = p[i];
        char *e;
        if (direct && v < 0x80 && !first) {
            /* the common case: a one-octet arc */
            *o++ = '.';
            o = put_dec(o, (uint32_t)v);
            i++;
            continue;
        }
        int rc = ber_read_subid(p + i, n - i, BER_SUBID_FIRST_MAX, &v);
        if (rc < 0)
            return rc;
        i += (size_t)rc;
        if (!(e = arc_text(o, v, first)))
            return MW_EOIDARC;
        first = 0;
        if (direct) {
            o = e;
            continue;
        }
        size_t k = (size_t)(e - tmp);
        if (out + k < cap)
            memcpy(buf + out, tmp, k);
        out += k;
    }
    if (direct) {
        *o = '\0';
        return (int)(o - buf);
    }
    if (cap)
        buf[out < cap ? out : cap - 1] = '\0';
    return (int)out;
}
