/* pdu.c - SNMP PDUs and messages. */
#include <string.h>

#include "ber.h"
#include "pdu.h"

/* Inline fast paths for the hot loop. Each one handles the common case
 * (short-form lengths, values of a few octets) and hands anything else to
 * the general function in ber.c, so results and errors are the same. */

static inline int
rd_tl(ber_rd_t *r, uint8_t *tag, uint32_t *len)
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
    return ber_read_tl(r, tag, len);
}

static inline int
rd_expect(ber_rd_t *r, uint8_t tag, ber_rd_t *content)
{
    uint8_t t;
    uint32_t l;
    int rc = rd_tl(r, &t, &l);
    if (rc < 0)
        return rc;
    if (t != tag)
        return MW_EBADTAG;
    content->p = r->p;
    content->end = r->p + l;
    r->p += l;
    return 0;
}

static inline int
dec_int32(const uint8_t *p, size_t n, int32_t *v)
{
    if (n == 0 || n > 4)
        return ber_dec_int32(p, n, v);
    uint32_t u = (p[0] & 0x80) ? 0xFFFFFFFFu : 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = (int32_t)u;
    return 0;
}

static inline int
dec_uint(const uint8_t *p, size_t n, size_t size, uint64_t *v)
{
    if (n == 0 || n > size) {
        if (size == 4) {
            uint32_t u32;
            int rc = ber_dec_uint32(p, n, &u32);
            *v = u32;
            return rc;
        }
        return ber_dec_uint64(p, n, v);
    }
    uint64_t u = 0;
    for (size_t i = 0; i < n; i++)
        u = (u << 8) | p[i];
    *v = u;
    return 0;
}

static inline int
rd_int32(ber_rd_t *r, uint8_t tag, int32_t *v)
{
    ber_rd_t c;
    int rc = rd_expect(r, tag, &c);
    if (rc < 0)
        return rc;
    return dec_int32(c.p, (size_t)(c.end - c.p), v);
}

static inline int
rd_octets(ber_rd_t *r, uint8_t tag, const uint8_t **p, uint32_t *n)
{
    ber_rd_t c;
    int rc = rd_expect(r, tag, &c);
    if (rc < 0)
        return rc;
    *p = c.p;
    *n = (uint32_t)(c.end - c.p);
    return 0;
}

/* Checks BER content octets of an OID: sub-identifiers fit 32 bits, no more
 * than OID_MAX_LEN arcs, and the last one is complete. */
static int
oid_ber_check(const uint8_t *p, size_t n)
{
    size_t arcs = 0, i = 0;
    uint64_t v = 0;
    if (n == 0)
        return 0;
    /* The first sub-identifier carries two arcs and up to 2*40 more. */
    for (; i < n; i++) {
        v = (v << 7) | (p[i] & 0x7F);
        if (v > 0xFFFFFFFFull + 80)
            return MW_EOIDARC;
        if (!(p[i] & 0x80)) {
            arcs = 2;
            v = 0;
            i++;
            break;
        }
    }
    for (; i < n; i++) {
        uint8_t b = p[i];
        if (b < 0x80 && v == 0) { /* one-octet sub-identifier */
            arcs++;
            continue;
        }
        v = (v << 7) | (b & 0x7F);
        if (v > 0xFFFFFFFFull)
            return MW_EOIDARC;
        if (!(b & 0x80)) {
            arcs++;
            v = 0;
        }
    }
    if (p[n - 1] & 0x80)
        return MW_ETRUNC;
    if (arcs > OID_MAX_LEN)
        return MW_EOIDLEN;
    return 0;
}

/* wide: INTEGER and 32-bit unsigned values may need up to 64 bits (a
 * request's varbinds, see pdu.h). */
static int
value_decode(ber_rd_t *r, mw_value_t *v, int wide)
{
    uint8_t tag;
    uint32_t len;
    int rc = rd_tl(r, &tag, &len);
    if (rc < 0)
        return rc;
    const uint8_t *p = r->p;
    r->p += len;
    v->type = tag;
    v->len = len;
    v->p = p;
    v->num.u = 0;
    switch (tag) {
    case MW_T_INTEGER: {
        int32_t i;
        if ((rc = dec_int32(p, len, &i)) < 0)
            return rc == MW_EINTLEN && wide ? ber_dec_int64(p, len, &v->num.i) : rc;
        v->num.i = i;
        return 0;
    }
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
        rc = dec_uint(p, len, 4, &v->num.u);
        return rc == MW_EINTLEN && wide ? dec_uint(p, len, 8, &v->num.u) : rc;
    case MW_T_COUNTER64:
        return dec_uint(p, len, 8, &v->num.u);
    case MW_T_OCTETSTR:
    case MW_T_OPAQUE:
    case MW_T_NSAP:
        return 0;
    case MW_T_IPADDR:
        return len == 4 ? 0 : MW_EBADLEN;
    case MW_T_OID:
        return oid_ber_check(p, len);
    case MW_T_NULL:
    case MW_T_NOSUCHOBJECT:
    case MW_T_NOSUCHINSTANCE:
    case MW_T_ENDOFMIBVIEW:
        return len == 0 ? 0 : MW_EBADLEN;
    default:
        /* A constructed value would be one level deeper than any SNMP
         * value goes. */
        return (tag & 0x20) ? MW_EDEPTH : MW_EBADTAG;
    }
}

static int
varbinds_decode(mw_pdu_t *pdu, ber_rd_t *r)
{
    ber_rd_t list;
    int rc = rd_expect(r, MW_T_SEQUENCE, &list);
    int wide = pdu->type == MW_PDU_GET || pdu->type == MW_PDU_GETNEXT
               || pdu->type == MW_PDU_GETBULK || pdu->type == MW_PDU_SET;
    if (rc < 0)
        return rc;
    pdu->nvb = 0;
    while (ber_rd_left(&list) > 0) {
        ber_rd_t vb;
        mw_varbind_t *out;
        if ((rc = rd_expect(&list, MW_T_SEQUENCE, &vb)) < 0)
            return rc;
        if (pdu->nvb >= pdu->cap)
            return MW_ETOOMANY;
        out = &pdu->vbs[pdu->nvb];
        if ((rc = rd_octets(&vb, MW_T_OID, &out->oid, &out->oid_len)) < 0)
            return rc;
        if ((rc = oid_ber_check(out->oid, out->oid_len)) < 0)
            return rc;
        if ((rc = value_decode(&vb, &out->val, wide)) < 0)
            return rc;
        if (ber_rd_left(&vb) != 0)
            return MW_ETRAILING;
        pdu->nvb++;
    }
    return 0;
}

static int
pdu_decode_rd(mw_pdu_t *pdu, ber_rd_t *r)
{
    uint8_t tag;
    uint32_t len;
    ber_rd_t c;
    int rc = rd_tl(r, &tag, &len);
    if (rc < 0)
        return rc;
    c.p = r->p;
    c.end = r->p + len;
    r->p += len;
    if (tag < MW_PDU_GET || tag > MW_PDU_REPORT)
        return (tag & 0x20) && tag < MW_PDU_GET ? MW_EBADTAG : MW_EPDU;
    pdu->type = tag;
    if (tag == MW_PDU_TRAPV1) {
        const uint8_t *a;
        uint32_t alen;
        ber_rd_t ts;
        if ((rc = rd_octets(&c, MW_T_OID, &pdu->enterprise, &pdu->enterprise_len)) < 0)
            return rc;
        if ((rc = oid_ber_check(pdu->enterprise, pdu->enterprise_len)) < 0)
            return rc;
        if ((rc = rd_octets(&c, MW_T_IPADDR, &a, &alen)) < 0)
            return rc;
        if (alen != 4)
            return MW_EBADLEN;
        memcpy(pdu->agent_addr, a, 4);
        if ((rc = rd_int32(&c, MW_T_INTEGER, &pdu->generic_trap)) < 0)
            return rc;
        if ((rc = rd_int32(&c, MW_T_INTEGER, &pdu->specific_trap)) < 0)
            return rc;
        if ((rc = rd_expect(&c, MW_T_TIMETICKS, &ts)) < 0)
            return rc;
        if ((rc = ber_dec_uint32(ts.p, ber_rd_left(&ts), &pdu->timestamp)) < 0)
            return rc;
        pdu->request_id = 0;
        pdu->error_status = 0;
        pdu->error_index = 0;
    } else {
        pdu->enterprise = NULL;
        pdu->enterprise_len = 0;
        if ((rc = rd_int32(&c, MW_T_INTEGER, &pdu->request_id)) < 0)
            return rc;
        if ((rc = rd_int32(&c, MW_T_INTEGER, &pdu->error_status)) < 0)
            return rc;
        if ((rc = rd_int32(&c, MW_T_INTEGER, &pdu->error_index)) < 0)
            return rc;
    }
    if ((rc = varbinds_decode(pdu, &c)) < 0)
        return rc;
    return ber_rd_left(&c) ? MW_ETRAILING : 0;
}

int
pdu_decode(mw_pdu_t *pdu, const uint8_t *buf, size_t len)
{
    ber_rd_t r;
    ber_rd_init(&r, buf, len);
    return pdu_decode_rd(pdu, &r);
}

static int
scoped_decode(mw_msg_t *m, ber_rd_t *r)
{
    ber_rd_t s;
    int rc = rd_expect(r, MW_T_SEQUENCE, &s);
    if (rc < 0)
        return rc;
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->context_engine_id, &m->context_engine_id_len)) < 0)
        return rc;
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->context_name, &m->context_name_len)) < 0)
        return rc;
    return pdu_decode_rd(&m->pdu, &s);
}

int
msg_decode_scoped(mw_msg_t *m, const uint8_t *buf, size_t len)
{
    ber_rd_t r;
    ber_rd_init(&r, buf, len);
    /* Decrypted data may carry padding after the scopedPDU. */
    return scoped_decode(m, &r);
}

static int
usm_params_decode(mw_msg_t *m, const uint8_t *base, const uint8_t *p, uint32_t n)
{
    ber_rd_t r, s;
    int rc;
    ber_rd_init(&r, p, n);
    if ((rc = rd_expect(&r, MW_T_SEQUENCE, &s)) < 0)
        return rc;
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->engine_id, &m->engine_id_len)) < 0)
        return rc;
    if ((rc = rd_int32(&s, MW_T_INTEGER, &m->engine_boots)) < 0)
        return rc;
    if ((rc = rd_int32(&s, MW_T_INTEGER, &m->engine_time)) < 0)
        return rc;
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->user, &m->user_len)) < 0)
        return rc;
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->auth_params, &m->auth_params_len)) < 0)
        return rc;
    m->auth_params_off = (size_t)(m->auth_params - base);
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->priv_params, &m->priv_params_len)) < 0)
        return rc;
    return 0;
}

int
msg_peek_version(const uint8_t *buf, size_t len, int32_t *version)
{
    ber_rd_t r, s;
    int rc;
    ber_rd_init(&r, buf, len);
    if ((rc = rd_expect(&r, MW_T_SEQUENCE, &s)) < 0)
        return rc;
    return rd_int32(&s, MW_T_INTEGER, version);
}

int
msg_decode(mw_msg_t *m, const uint8_t *buf, size_t len)
{
    ber_rd_t r, s;
    int rc;

    ber_rd_init(&r, buf, len);
    m->encrypted = NULL;
    m->encrypted_len = 0;
    if ((rc = rd_expect(&r, MW_T_SEQUENCE, &s)) < 0)
        return rc;
    if ((rc = rd_int32(&s, MW_T_INTEGER, &m->version)) < 0)
        return rc;
    if (m->version == MW_V1 || m->version == MW_V2C) {
        if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->community, &m->community_len)) < 0)
            return rc;
        if ((rc = pdu_decode_rd(&m->pdu, &s)) < 0)
            return rc;
        return ber_rd_left(&s) ? MW_ETRAILING : 0;
    }
    if (m->version != MW_V3)
        return MW_EVERSION;

    ber_rd_t h;
    const uint8_t *flags, *sp;
    uint32_t flen, splen;
    if ((rc = rd_expect(&s, MW_T_SEQUENCE, &h)) < 0)
        return rc;
    if ((rc = rd_int32(&h, MW_T_INTEGER, &m->msg_id)) < 0)
        return rc;
    if ((rc = rd_int32(&h, MW_T_INTEGER, &m->msg_max_size)) < 0)
        return rc;
    if ((rc = rd_octets(&h, MW_T_OCTETSTR, &flags, &flen)) < 0)
        return rc;
    if (flen != 1)
        return MW_EBADLEN;
    m->msg_flags = flags[0];
    if ((rc = rd_int32(&h, MW_T_INTEGER, &m->sec_model)) < 0)
        return rc;
    if ((rc = rd_octets(&s, MW_T_OCTETSTR, &sp, &splen)) < 0)
        return rc;
    if (m->sec_model == MW_SEC_MODEL_USM) {
        if ((rc = usm_params_decode(m, buf, sp, splen)) < 0)
            return rc;
    } else {
        return MW_ENOTSUPP;
    }
    if (ber_rd_left(&s) < 1)
        return MW_ETRUNC;
    if (s.p[0] == MW_T_OCTETSTR) {
        if ((rc = rd_octets(&s, MW_T_OCTETSTR, &m->encrypted, &m->encrypted_len)) < 0)
            return rc;
        return 0;
    }
    if ((rc = scoped_decode(m, &s)) < 0)
        return rc;
    return ber_rd_left(&s) ? MW_ETRAILING : 0;
}

/* Encoding. A varbind is sized first, then written forwards into space
 * taken once from the writer, so the per-octet work has no checks. */

/* Octets in the minimal length field for len (tag excluded). */
static inline size_t
len_size(size_t len)
{
    if (len < 0x80)
        return 1;
    return 1 + (size_t)(64 - __builtin_clzll((unsigned long long)len) + 7) / 8;
}

/* Writes tag and length at p; returns the first content octet. */
static inline uint8_t *
put_hdr(uint8_t *p, uint8_t tag, size_t len)
{
    *p++ = tag;
    if (len < 0x80) {
        *p++ = (uint8_t)len;
        return p;
    }
    size_t k = len_size(len) - 1;
    *p++ = (uint8_t)(0x80 | k);
    for (size_t i = k; i > 0; i--) {
        p[i - 1] = (uint8_t)len;
        len >>= 8;
    }
    return p + k;
}

/* Content octets of a minimal two's complement INTEGER. */
static inline size_t
int_size(int64_t v)
{
    uint64_t m = v < 0 ? ~(uint64_t)v : (uint64_t)v;
    return m ? (size_t)(64 - __builtin_clzll(m)) / 8 + 1 : 1;
}

/* Content octets of an unsigned value, with a leading 0x00 when needed. */
static inline size_t
uint_size(uint64_t v)
{
    return v ? (size_t)(64 - __builtin_clzll(v)) / 8 + 1 : 1;
}

/* Writes the k low octets of u, big-endian, at p. */
static inline void
put_be(uint8_t *p, uint64_t u, size_t k)
{
    for (size_t i = k; i > 0; i--) {
        p[i - 1] = (uint8_t)u;
        u >>= 8;
    }
}

/* Takes n octets in front of what is written; NULL (sticky error set)
 * when they do not fit. */
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

/* Inline versions of ber_put_int/ber_put_wrap/ber_put_octets: same bytes. */
static inline void
wr_int(ber_wr_t *w, uint8_t tag, int64_t v)
{
    size_t k = int_size(v);
    uint8_t *o = wr_take(w, k + 2);
    if (o) {
        o[0] = tag;
        o[1] = (uint8_t)k;
        put_be(o + 2, (uint64_t)v, k);
    }
}

static inline void
wr_wrap(ber_wr_t *w, uint8_t tag, size_t mark)
{
    size_t len = ber_wr_mark(w) - mark;
    uint8_t *o = wr_take(w, 1 + len_size(len));
    if (o)
        put_hdr(o, tag, len);
}

static inline void
wr_octets(ber_wr_t *w, uint8_t tag, const void *p, size_t n)
{
    uint8_t *o = wr_take(w, 1 + len_size(n) + n);
    if (!o)
        return;
    o = put_hdr(o, tag, n);
    if (n)
        memcpy(o, p, n);
}

static void
varbind_encode(ber_wr_t *w, const mw_varbind_t *vb)
{
    const mw_value_t *v = &vb->val;
    uint64_t num = 0;
    size_t vlen;
    enum { NUM, NUL, RAW } kind;

    switch (v->type) {
    case MW_T_INTEGER:
        kind = NUM;
        num = (uint64_t)v->num.i;
        vlen = int_size(v->num.i);
        break;
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
        kind = NUM;
        num = v->num.u & 0xFFFFFFFFu;
        vlen = uint_size(num);
        break;
    case MW_T_COUNTER64:
        kind = NUM;
        num = v->num.u;
        vlen = uint_size(num);
        break;
    case MW_T_NULL:
    case MW_T_NOSUCHOBJECT:
    case MW_T_NOSUCHINSTANCE:
    case MW_T_ENDOFMIBVIEW:
        kind = NUL;
        vlen = 0;
        break;
    default:
        kind = RAW;
        vlen = v->len;
        break;
    }
    size_t body = 1 + len_size(vlen) + vlen + 1 + len_size(vb->oid_len) + vb->oid_len;
    uint8_t *o = wr_take(w, 1 + len_size(body) + body);
    if (!o)
        return;
    o = put_hdr(o, MW_T_SEQUENCE, body);
    o = put_hdr(o, MW_T_OID, vb->oid_len);
    if (vb->oid_len)
        memcpy(o, vb->oid, vb->oid_len);
    o = put_hdr(o + vb->oid_len, v->type, vlen);
    if (kind == NUM)
        put_be(o, num, vlen);
    else if (kind == RAW && vlen)
        memcpy(o, v->p, vlen);
}

static void
pdu_encode(ber_wr_t *w, const mw_pdu_t *pdu)
{
    size_t mpdu = ber_wr_mark(w);
    size_t mlist = ber_wr_mark(w);
    for (size_t i = pdu->nvb; i-- > 0;)
        varbind_encode(w, &pdu->vbs[i]);
    wr_wrap(w, MW_T_SEQUENCE, mlist);
    if (pdu->type == MW_PDU_TRAPV1) {
        ber_put_uint(w, MW_T_TIMETICKS, pdu->timestamp);
        wr_int(w, MW_T_INTEGER, pdu->specific_trap);
        wr_int(w, MW_T_INTEGER, pdu->generic_trap);
        wr_octets(w, MW_T_IPADDR, pdu->agent_addr, 4);
        wr_octets(w, MW_T_OID, pdu->enterprise, pdu->enterprise_len);
    } else {
        wr_int(w, MW_T_INTEGER, pdu->error_index);
        wr_int(w, MW_T_INTEGER, pdu->error_status);
        wr_int(w, MW_T_INTEGER, pdu->request_id);
    }
    wr_wrap(w, pdu->type, mpdu);
}

static void
scoped_encode(ber_wr_t *w, const mw_msg_t *m)
{
    size_t ms = ber_wr_mark(w);
    pdu_encode(w, &m->pdu);
    wr_octets(w, MW_T_OCTETSTR, m->context_name, m->context_name_len);
    wr_octets(w, MW_T_OCTETSTR, m->context_engine_id, m->context_engine_id_len);
    wr_wrap(w, MW_T_SEQUENCE, ms);
}

int
msg_encode_scoped(const mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out, size_t *outlen)
{
    ber_wr_t w;
    ber_wr_init(&w, buf, cap);
    scoped_encode(&w, m);
    if (w.err)
        return w.err;
    *out = w.p;
    *outlen = ber_wr_len(&w);
    return 0;
}

int
msg_encode(mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out, size_t *outlen)
{
    ber_wr_t w;
    size_t auth_from_end = 0;
    static const uint8_t zeros[64];

    ber_wr_init(&w, buf, cap);
    if (m->version == MW_V1 || m->version == MW_V2C) {
        pdu_encode(&w, &m->pdu);
        wr_octets(&w, MW_T_OCTETSTR, m->community, m->community_len);
        wr_int(&w, MW_T_INTEGER, m->version);
        wr_wrap(&w, MW_T_SEQUENCE, 0);
    } else if (m->version == MW_V3) {
        size_t msp, mseq, mh;
        uint8_t flags = m->msg_flags;
        if (m->encrypted)
            wr_octets(&w, MW_T_OCTETSTR, m->encrypted, m->encrypted_len);
        else
            scoped_encode(&w, m);
        msp = ber_wr_mark(&w);
        mseq = ber_wr_mark(&w);
        wr_octets(&w, MW_T_OCTETSTR, m->priv_params, m->priv_params_len);
        if (flags & MW_FLAG_AUTH) {
            if (m->auth_params_len > sizeof zeros)
                return MW_EINVAL;
            ber_put_raw(&w, zeros, m->auth_params_len);
            auth_from_end = ber_wr_mark(&w);
            ber_put_tl(&w, MW_T_OCTETSTR, m->auth_params_len);
        } else {
            wr_octets(&w, MW_T_OCTETSTR, NULL, 0);
        }
        wr_octets(&w, MW_T_OCTETSTR, m->user, m->user_len);
        wr_int(&w, MW_T_INTEGER, m->engine_time);
        wr_int(&w, MW_T_INTEGER, m->engine_boots);
        wr_octets(&w, MW_T_OCTETSTR, m->engine_id, m->engine_id_len);
        wr_wrap(&w, MW_T_SEQUENCE, mseq);
        wr_wrap(&w, MW_T_OCTETSTR, msp);
        mh = ber_wr_mark(&w);
        wr_int(&w, MW_T_INTEGER, m->sec_model ? m->sec_model : MW_SEC_MODEL_USM);
        wr_octets(&w, MW_T_OCTETSTR, &flags, 1);
        wr_int(&w, MW_T_INTEGER, m->msg_max_size);
        wr_int(&w, MW_T_INTEGER, m->msg_id);
        wr_wrap(&w, MW_T_SEQUENCE, mh);
        wr_int(&w, MW_T_INTEGER, 3);
        wr_wrap(&w, MW_T_SEQUENCE, 0);
    } else {
        return MW_EVERSION;
    }
    if (w.err)
        return w.err;
    *out = w.p;
    *outlen = ber_wr_len(&w);
    if (auth_from_end)
        m->auth_params_off = *outlen - auth_from_end;
    return 0;
}
