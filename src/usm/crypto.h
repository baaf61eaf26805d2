/* crypto.h - the primitives USM needs (hashes, HMAC, DES/3DES-CBC,
 * AES-CFB128, wiping, randomness). crypto.c is the only file that includes
 * mbedTLS; the rest of src/usm uses these. */
#ifndef MW_USM_CRYPTO_H
#define MW_USM_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "usm.h"

/* A piece of a message: hashes run over a list of them, so a MAC can treat
 * a slice of a const message as zeros without copying it. */
typedef struct crypto_iov {
    const uint8_t *p;
    size_t n;
} crypto_iov_t;

/* Digest (usm_auth_hash_len bytes) of the concatenated pieces. */
int crypto_hash(usm_auth_t alg, const crypto_iov_t *iov, size_t niov, uint8_t *out);
/* HMAC (full digest length) of the concatenated pieces. keylen is at most
 * the digest length (as every USM key is). The pad states are kept per key
 * (a bounded cache, see crypto.c). */
int crypto_hmac(usm_auth_t alg, const uint8_t *key, size_t keylen, const crypto_iov_t *iov,
                size_t niov, uint8_t *out);
/* Digest of pw repeated cyclically to total bytes (RFC 3414 A.2 with total
 * = 1048576). pwlen must be > 0. */
int crypto_hash_repeat(usm_auth_t alg, const uint8_t *pw, size_t pwlen, size_t total,
                       uint8_t *out);

/* Ciphers: in and out may be the same buffer. n is a multiple of 8 for the
 * CBC modes. keylen for AES is 16, 24 or 32. */
int crypto_aes_cfb(int encrypt, const uint8_t *key, size_t keylen, const uint8_t iv[16],
                   const uint8_t *in, size_t n, uint8_t *out);
int crypto_des_cbc(int encrypt, const uint8_t key[8], const uint8_t iv[8], const uint8_t *in,
                   size_t n, uint8_t *out);
int crypto_des3_cbc(int encrypt, const uint8_t key[24], const uint8_t iv[8], const uint8_t *in,
                    size_t n, uint8_t *out);

/* Wipes and frees the per-key HMAC and AES states crypto_hmac and
 * crypto_aes_cfb keep (usm_cache_clear calls it). */
void crypto_cache_clear(void);

/* 1 when equal; time depends on n only. */
int crypto_equal(const uint8_t *a, const uint8_t *b, size_t n);
/* Zeroes memory in a way the compiler keeps. */
void crypto_wipe(void *p, size_t n);
/* Fills buf from the system's random source. */
int crypto_random(void *buf, size_t n);

#endif
