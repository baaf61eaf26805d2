/* usm_msg.c - protecting and checking whole v3 messages with USM keys. */
#include <string.h>

#include "usm_msg.h"

/* Room left after the plaintext so DES/3DES can pad in place. */
#define PAD_ROOM 8

static int
level_ok(const usm_keys_t *keys, uint8_t flags)
{
    if ((flags & MW_FLAG_PRIV) && !(flags & MW_FLAG_AUTH))
        return 0; /* RFC 3412 7.2 step 5: an invalid combination */
    if ((flags & MW_FLAG_AUTH) && (!keys || keys->auth == USM_AUTH_NONE || keys->auth_key_len == 0))
        return 0;
    if ((flags & MW_FLAG_PRIV) && (keys->priv == USM_PRIV_NONE || keys->priv_key_len == 0))
        return 0;
    return 1;
}

int
usm_msg_encode(const usm_keys_t *keys, mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out,
               size_t *outlen)
{
    const uint8_t *saved_enc = m->encrypted, *saved_pp = m->priv_params;
    uint32_t saved_enclen = m->encrypted_len, saved_pplen = m->priv_params_len;
    uint8_t pp[USM_PRIV_PARAMS];
    uint8_t *region = buf;
    size_t region_cap = cap;
    int rc;

    if (!m || !buf || !out || !outlen || m->version != MW_V3)
        return MW_EINVAL;
    if (!level_ok(keys, m->msg_flags))
        return MW_EINVAL;
    m->auth_params_len = (m->msg_flags & MW_FLAG_AUTH) ? (uint32_t)usm_auth_mac_len(keys->auth) : 0;

    if (m->msg_flags & MW_FLAG_PRIV) {
        uint8_t *sp;
        size_t splen, ctlen;
        if (cap <= PAD_ROOM)
            return MW_ETOOBIG;
        /* plaintext at the end (with room to pad), encrypted in place; the
         * message is then written in front of the ciphertext */
        if ((rc = pdu_scoped_encode(m, buf, cap - PAD_ROOM, &sp, &splen)) < 0)
            return rc;
        rc = usm_encrypt(keys->priv, keys->priv_key, m->engine_boots, m->engine_time, sp, splen,
                         sp, &ctlen, pp);
        if (rc < 0) {
            usm_wipe(sp, splen);
            return rc;
        }
        m->encrypted = sp;
        m->encrypted_len = (uint32_t)ctlen;
        m->priv_params = pp;
        m->priv_params_len = USM_PRIV_PARAMS;
        region = buf;
        region_cap = (size_t)(sp - buf);
    } else {
        m->encrypted = NULL;
        m->encrypted_len = 0;
        m->priv_params = NULL;
        m->priv_params_len = 0;
    }

    rc = pdu_msg_encode(m, region, region_cap, out, outlen);
    m->encrypted = saved_enc;
    m->encrypted_len = saved_enclen;
    m->priv_params = saved_pp;
    m->priv_params_len = saved_pplen;
    if (rc < 0)
        return rc;
    if (m->msg_flags & MW_FLAG_AUTH)
        rc = usm_auth_sign(keys->auth, keys->auth_key, *out, *outlen, m->auth_params_off);
    return rc;
}

int
usm_msg_decode(const usm_keys_t *keys, mw_msg_t *m, const uint8_t *buf, size_t len,
               uint8_t *plain, size_t cap)
{
    size_t n;
    int rc;

    if (!m || !buf || m->version != MW_V3)
        return MW_EINVAL;
    if (m->sec_model != MW_SEC_MODEL_USM)
        return MW_ENOTSUPP;
    if (!level_ok(keys, m->msg_flags))
        return MW_EINVAL;
    if (m->msg_flags & MW_FLAG_AUTH) {
        /* RFC 3414 3.2 step 6: a MAC of another length is a failed check */
        if (m->auth_params_len != usm_auth_mac_len(keys->auth))
            return USM_EWRONGDIGEST;
        if ((rc = usm_auth_verify(keys->auth, keys->auth_key, buf, len, m->auth_params_off)) < 0)
            return rc;
    }
    if (!(m->msg_flags & MW_FLAG_PRIV))
        return m->encrypted ? MW_EBADTAG : 0;
    if (!m->encrypted)
        return USM_EDECRYPT;
    if (!plain || cap < m->encrypted_len)
        return MW_ETOOBIG;
    rc = usm_decrypt(keys->priv, keys->priv_key, m->engine_boots, m->engine_time, m->priv_params,
                     m->priv_params_len, m->encrypted, m->encrypted_len, plain, &n);
    if (rc < 0)
        return rc;
    /* with the wrong key AES yields noise, not an error: noise that does
     * not decode as a scopedPDU is what a decryption failure looks like */
    if ((rc = pdu_scoped_decode(m, plain, n)) < 0)
        return rc == MW_ETOOMANY ? rc : USM_EDECRYPT;
    return 0;
}
