/* usm_msg.h - whole SNMPv3 messages under USM (RFC 3414 3.1 and 3.2):
 * protect an outgoing message (encrypt, sign) and check an incoming one
 * (verify, decrypt, decode). Timeliness, user and engine lookups are the
 * caller's: these two functions only apply the keys they are given.
 *
 * The security level is taken from m->msg_flags (MW_FLAG_AUTH,
 * MW_FLAG_PRIV). Plaintext scopedPDUs only ever live in the caller's
 * buffers; usm_msg_encode encrypts in place, so no plaintext copy is left
 * behind. */
#ifndef MW_USM_MSG_H
#define MW_USM_MSG_H

#include "../core/pdu.h"
#include "usm.h"

/* Builds a whole v3 message into buf[0..cap). With PRIV, encodes the
 * scopedPDU, encrypts it (msgPrivacyParameters from the salt counter),
 * then encodes the message; with AUTH, signs it. keys is NULL for
 * noAuthNoPriv. Boots and time for AES and the DES salt are
 * m->engine_boots and m->engine_time. On return, *out and *outlen give
 * the message (it ends at the end of buf), m->auth_params_off the offset
 * of the MAC in it, and m->auth_params_len the protocol's MAC length;
 * m->encrypted and m->priv_params are left as they were. With PRIV, cap
 * must hold about twice the message. Returns 0, MW_EINVAL (flags and keys do not match) or MW_E*. */
int usm_msg_encode(const usm_keys_t *keys, mw_msg_t *m, uint8_t *buf, size_t cap, uint8_t **out,
                   size_t *outlen);

/* After pdu_msg_decode(m, buf, len): verifies the digest (AUTH), decrypts
 * (PRIV) into plain (cap bytes) and decodes the scopedPDU into m (whose
 * pdu.vbs/cap must be set; names and values then point into plain).
 * Returns 0, USM_EWRONGDIGEST (bad MAC, or a MAC of the wrong length),
 * USM_EDECRYPT (bad privacy parameters, or plaintext that is not a
 * scopedPDU), MW_EINVAL (PRIV without AUTH, or a level the keys cannot
 * check) or another MW_E*. keys may be NULL for noAuthNoPriv messages. */
int usm_msg_decode(const usm_keys_t *keys, mw_msg_t *m, const uint8_t *buf, size_t len,
                   uint8_t *plain, size_t cap);

#endif
