/* pdu.c - SNMP PDUs and messages. */
#include <string.h>

#include "ber.h"
#include "pdu.h"

/* Checks BER content octets of an OID: sub-identifiers fit 32 bits (the
 * first, which carries two arcs, 32 bits + 80), no more than OID_MAX_LEN
 * arcs, and the last one is complete. */
static int
oid_ber_check(const uint8_t *p, size_t n)
{
    size_t arcs = 2;
    uint64_t v;
    int k;
    if (n == 0)
        return 0;
    if ((k = ber_read_subid(p, n, BER_SUBID_FIRST_MAX, &v)) < 0)
        return k;
    for (size_t i = (size_t)k; i < n; arcs++) {
        if (p[i] < 0x80) { /* one-octet sub-identifier */
            i++;
            continue;
        }
        if ((k = ber_read_subid(p + i, n - i, BER_SUBID_MAX, &v)) < 0)
            return k;
        i += (size_t)k;
    }
    return arcs > OID_MAX_LEN ? MW_EOIDLEN : 0;
}

/* wide: INTEGER and 32-bit unsigned values may need up to 64 bits (a
 * request's varbinds, see pdu.h). */
static int
value_decode(ber_rd_t *r, mw_value_t *v, int wide)
{
    uint8_t tag;
    uint32_t len;
    int rc = ber_read_tl(r, &tag, &len);
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
        if ((rc = ber_dec_int32(p, len, &i)) < 0)
            return rc == MW_EINTLEN && wide ? ber_dec_int64(p, len, &v->num.i) : rc;
        v->num.i = i;
        return 0;
    }
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
        rc = ber_dec_uint(p, len, 4, &v->num.u);
        return rc == MW_EINTLEN && wide ? ber_dec_uint(p, len, 8, &v->num.u) : rc;
    case MW_T_COUNTER64:
        return ber_dec_uint(p, len, 8, &v->num.u);
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
    int rc = ber_read_expect(r, MW_T_SEQUENCE, &list);
    int wide = pdu->type == MW_PDU_GET || pdu->type == MW_PDU_GETNEXT
               || pdu->type == MW_PDU_GETBULK || pdu->type == MW_PDU_SET;
    if (rc < 0)
        return rc;
    pdu->nvb = 0;
    while (ber_rd_left(&list) > 0) {
        ber_rd_t vb;
        mw_varbind_t *out;
        if ((rc = ber_read_expect(&list, MW_T_SEQUENCE, &vb)) < 0)
            return rc;
        if (pdu->nvb >= pdu->cap)
            return MW_ETOOMANY;
        out = &pdu->vbs[pdu->nvb];
        if ((rc = ber_read_octets(&vb, MW_T_OID, &out->oid, &out->oid_len)) < 0)
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
    int rc = ber_read_tl(r, &tag, &len);
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
        if ((rc = ber_read_octets(&c, MW_T_OID, &pdu->enterprise, &pdu->enterprise_len)) < 0)
            return rc;
        if ((rc = oid_ber_check(pdu->enterprise, pdu->enterprise_len)) < 0)
            return rc;
        if ((rc = ber_read_octets(&c, MW_T_IPADDR, &a, &alen)) < 0)
            return rc;
        if (alen != 4)
            return MW_EBADLEN;
        memcpy(pdu->agent_addr, a, 4);
        if ((rc = ber_read_int32(&c, MW_T_INTEGER, &pdu->generic_trap)) < 0)
            return rc;
        if ((rc = ber_read_int32(&c, MW_T_INTEGER, &pdu->specific_trap)) < 0)
            return rc;
        if ((rc = ber_read_expect(&c, MW_T_TIMETICKS, &ts)) < 0)
            return rc;
        if ((rc = ber_dec_uint32(ts.p, ber_rd_left(&ts), &pdu->timestamp)) < 0)
            return rc;
        pdu->request_id = 0;
        pdu->error_status = 0;
        pdu->error_index = 0;
    } else {
        pdu->enterprise = NULL;
        pdu->enterprise_len = 0;
        if ((rc = ber_read_int32(&c, MW_T_INTEGER, &pdu->request_id)) < 0)
            return rc;
        if ((rc = ber_read_int32(&c, MW_T_INTEGER, &pdu->error_status)) < 0)
            return rc;
        if ((rc = ber_read_int32(&c, MW_T_INTEGER, &pdu->error_index)) < 0)
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
    int rc = ber_read_expect(r, MW_T_SEQUENCE, &s);
    if (rc < 0)
        return rc;
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->context_engine_id, &m->context_engine_id_len)) < 0)
        return rc;
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->context_name, &m->context_name_len)) < 0)
        return rc;
    return pdu_decode_rd(&m->pdu, &s);
}

int
pdu_scoped_decode(mw_msg_t *m, const uint8_t *buf, size_t len)
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
    if ((rc = ber_read_expect(&r, MW_T_SEQUENCE, &s)) < 0)
        return rc;
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->engine_id, &m->engine_id_len)) < 0)
        return rc;
    if ((rc = ber_read_int32(&s, MW_T_INTEGER, &m->engine_boots)) < 0)
        return rc;
    if ((rc = ber_read_int32(&s, MW_T_INTEGER, &m->engine_time)) < 0)
        return rc;
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->user, &m->user_len)) < 0)
        return rc;
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->auth_params, &m->auth_params_len)) < 0)
        return rc;
    m->auth_params_off = (size_t)(m->auth_params - base);
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->priv_params, &m->priv_params_len)) < 0)
        return rc;
    return 0;
}

int
pdu_msg_peek_version(const uint8_t *buf, size_t len, int32_t *version)
{
    ber_rd_t r, s;
    int rc;
    ber_rd_init(&r, buf, len);
    if ((rc = ber_read_expect(&r, MW_T_SEQUENCE, &s)) < 0)
        return rc;
    return ber_read_int32(&s, MW_T_INTEGER, version);
}

int
pdu_msg_decode(mw_msg_t *m, const uint8_t *buf, size_t len)
{
    ber_rd_t r, s;
    int rc;

    ber_rd_init(&r, buf, len);
    m->encrypted = NULL;
    m->encrypted_len = 0;
    if ((rc = ber_read_expect(&r, MW_T_SEQUENCE, &s)) < 0)
        return rc;
    if ((rc = ber_read_int32(&s, MW_T_INTEGER, &m->version)) < 0)
        return rc;
    if (m->version == MW_V1 || m->version == MW_V2C) {
        if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->community, &m->community_len)) < 0)
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
    if ((rc = ber_read_expect(&s, MW_T_SEQUENCE, &h)) < 0)
        return rc;
    if ((rc = ber_read_int32(&h, MW_T_INTEGER, &m->msg_id)) < 0)
        return rc;
    if ((rc = ber_read_int32(&h, MW_T_INTEGER, &m->msg_max_size)) < 0)
        return rc;
    if ((rc = ber_read_octets(&h, MW_T_OCTETSTR, &flags, &flen)) < 0)
        return rc;
    if (flen != 1)
        return MW_EBADLEN;
    m->msg_flags = flags[0];
    if ((rc = ber_read_int32(&h, MW_T_INTEGER, &m->sec_model)) < 0)
        return rc;
    if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &sp, &splen)) < 0)
        return rc;
    m->sec_params = sp;
    m->sec_params_len = splen;
    if (m->sec_model == MW_SEC_MODEL_USM && (rc = usm_params_decode(m, buf, sp, splen)) < 0)
        return rc;
    if (ber_rd_left(&s) < 1)
        return MW_ETRUNC;
    if (s.p[0] == MW_T_OCTETSTR) {
        if ((rc = ber_read_octets(&s, MW_T_OCTETSTR, &m->encrypted, &m->encrypted_len)) < 0)
            return rc;
        return 0;
    }
    if ((rc = scoped_decode(m, &s)) < 0)
        return rc;
    return ber_rd_left(&s) ? MW_ETRAILING : 0;
}

/* Encoding. A varbind is sized first, then written forwards into space
 * taken once from the writer, so the per-octet work has no checks. */

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
        vlen = ber_int_size(v->num.i);
        break;
    case MW_T_COUNTER32:
    case MW_T_GAUGE32:
    case MW_T_TIMETICKS:
    case MW_T_UINTEGER32:
        kind = NUM;
        num = v->num.u & 0xFFFFFFFFu;
        vlen = ber_uint_size(num);
        break;
    case MW_T_COUNTER64:
        kind = NUM;
        num = v->num.u;
        vlen = ber_uint_size(num);
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
    size_t body = 1 + ber_len_size(vlen) + vlen + 1 + ber_len_size(vb->oid_len) + vb->oid_len;
    uint8_t *o = ber_wr_take(w, 1 + ber_len_size(body) + body);
    if (!o)
        return;
    o = ber_hdr_store(o, MW_T_SEQUENCE, body);
    o = ber_hdr_store(o, MW_T_OID, vb->oid_len);
    if (vb->oid_len)
        memcpy(o, vb->oid, vb->oid_len);
    o = ber_hdr_store(o + vb->oid_len, v->type, vlen);
    if (kind == NUM)
        ber_be_store(o, num, vlen);
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
    ber_put_wrap(w, MW_T_SEQUENCE, mlist);
    if (pdu->type == MW_PDU_TRAPV1) {
        ber_put_uint(w, MW_T_TIMETICKS, pdu->timestamp);
        ber_put_int(w, MW_T_INTEGER, pdu->specific_trap);
        ber_put_int(w, MW_T_INTEGER, pdu->generic_trap);
        ber_put_octets(w, MW_T_IPADDR, pdu->agent_addr, 4);
        ber_put_octets(w, MW_T_OID, pdu->enterprise, pdu->enterprise_len);
    } else {
        ber_put_int(w, MW_T_INTEGER, pdu->error_index);
        ber_put_int(w, MW_T_INTEGER, pdu->error_status);
        ber_put_int(w, MW_T_INTEGER, pdu->request_id);
    }
    ber_put_wrap(w, pdu->type, mpdu);
}

static void
scoped_encode(ber_wr_t *w, const mw_msg_t *m)
{
    size_t ms = ber_wr_mark(w);
    pdu_encode(w, &m->pdu);
    ber_put_octets(w, MW_T_OCTETSTR, m->context_name, m->context_name_len);
    ber_put_octets(w, MW_T_OCTETSTR, m->context_engine_id, m->context_engine_id_len);
    ber_put_wrap(w, MW_T_SEQUENCE, ms);
}

int
pdu_scoped_encode(const mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out, size_t *outlen)
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
pdu_msg_encode(mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out, size_t *outlen)
{
    ber_wr_t w;
    size_t auth_from_end = 0;
    static const uint8_t zeros[64];

    ber_wr_init(&w, buf, cap);
    if (m->version == MW_V1 || m->version == MW_V2C) {
        pdu_encode(&w, &m->pdu);
        ber_put_octets(&w, MW_T_OCTETSTR, m->community, m->community_len);
        ber_put_int(&w, MW_T_INTEGER, m->version);
        ber_put_wrap(&w, MW_T_SEQUENCE, 0);
    } else if (m->version == MW_V3) {
        size_t msp, mseq, mh;
        uint8_t flags = m->msg_flags;
        if (m->encrypted)
            ber_put_octets(&w, MW_T_OCTETSTR, m->encrypted, m->encrypted_len);
        else
            scoped_encode(&w, m);
        msp = ber_wr_mark(&w);
        if (m->sec_model && m->sec_model != MW_SEC_MODEL_USM) {
            ber_put_octets(&w, MW_T_OCTETSTR, m->sec_params, m->sec_params_len);
            goto header;
        }
        mseq = ber_wr_mark(&w);
        ber_put_octets(&w, MW_T_OCTETSTR, m->priv_params, m->priv_params_len);
        if (flags & MW_FLAG_AUTH) {
            if (m->auth_params_len > sizeof zeros)
                return MW_EINVAL;
            ber_put_raw(&w, zeros, m->auth_params_len);
            auth_from_end = ber_wr_mark(&w);
            ber_put_tl(&w, MW_T_OCTETSTR, m->auth_params_len);
        } else {
            ber_put_octets(&w, MW_T_OCTETSTR, NULL, 0);
        }
        ber_put_octets(&w, MW_T_OCTETSTR, m->user, m->user_len);
        ber_put_int(&w, MW_T_INTEGER, m->engine_time);
        ber_put_int(&w, MW_T_INTEGER, m->engine_boots);
        ber_put_octets(&w, MW_T_OCTETSTR, m->engine_id, m->engine_id_len);
        ber_put_wrap(&w, MW_T_SEQUENCE, mseq);
        ber_put_wrap(&w, MW_T_OCTETSTR, msp);
    header:
        mh = ber_wr_mark(&w);
        ber_put_int(&w, MW_T_INTEGER, m->sec_model ? m->sec_model : MW_SEC_MODEL_USM);
        ber_put_octets(&w, MW_T_OCTETSTR, &flags, 1);
        ber_put_int(&w, MW_T_INTEGER, m->msg_max_size);
        ber_put_int(&w, MW_T_INTEGER, m->msg_id);
        ber_put_wrap(&w, MW_T_SEQUENCE, mh);
        ber_put_int(&w, MW_T_INTEGER, 3);
        ber_put_wrap(&w, MW_T_SEQUENCE, 0);
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
