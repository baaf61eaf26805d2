/* usm.h - User-based Security Model (RFC 3414, RFC 3826, RFC 7860):
 * password-to-key, key localisation (cached), HMAC authentication and
 * DES/3DES/AES privacy. Pure functions over buffers: no I/O, no libevent,
 * no Lua. Single-threaded (the key cache and the salt counter are
 * per-process state used from the event loop only).
 *
 * Functions return 0 or a negative MW_E* / USM_E* code. Secrets on the
 * stack or in freed memory are wiped before every return. */
#ifndef MW_USM_H
#define MW_USM_H

#include <stddef.h>
#include <stdint.h>

#include "../core/mw.h"

/* USM-specific failures, outside the range of the MW_E* codes. */
enum {
    USM_EWRONGDIGEST = -101, /* usmStatsWrongDigests */
    USM_EDECRYPT = -102,     /* usmStatsDecryptionErrors */
};
/* Message for MW_E* and USM_E* codes. */
const char *usm_strerror(int err);

typedef enum {
    USM_AUTH_NONE, USM_AUTH_MD5, USM_AUTH_SHA1, USM_AUTH_SHA224,
    USM_AUTH_SHA256, USM_AUTH_SHA384, USM_AUTH_SHA512,
} usm_auth_t;
#define USM_AUTH_COUNT 7

typedef enum {
    USM_PRIV_NONE, USM_PRIV_DES, USM_PRIV_AES128, USM_PRIV_AES192,
    USM_PRIV_AES256, USM_PRIV_AES192C, USM_PRIV_AES256C, USM_PRIV_3DES,
} usm_priv_t;
#define USM_PRIV_COUNT 8

#define USM_MAX_HASH 64     /* longest digest (SHA-512) */
#define USM_MAX_MAC 48      /* longest msgAuthenticationParameters */
#define USM_MAX_PRIV_KEY 32 /* longest privacy key (AES-256, 3DES) */
#define USM_PRIV_PARAMS 8   /* msgPrivacyParameters length for every cipher */
#define USM_MIN_PASS 8      /* RFC 3414 11.2: passwords of 8 characters or more */
#define USM_MAX_ENGINE_ID 32

/* Names as net-snmp spells them; parsing is case-insensitive and also takes
 * "SHA1", "SHA224", "SHA256"..., "AES128", "AES192", "AES256", "AES192C",
 * "AES256C", "3DESEDE", and "NONE". Unknown names give -1. */
int usm_auth_parse(const char *name);
int usm_priv_parse(const char *name);
const char *usm_auth_name(usm_auth_t auth); /* "MD5", "SHA", "SHA-224", ... */
const char *usm_priv_name(usm_priv_t priv); /* "DES", "AES", "AES-192", "AES-192-C", ... */

size_t usm_auth_hash_len(usm_auth_t auth); /* 16,20,28,32,48,64; 0 for NONE */
size_t usm_auth_mac_len(usm_auth_t auth);  /* 12,12,16,24,32,48; 0 for NONE */
size_t usm_priv_key_len(usm_priv_t priv);  /* 16 DES (key + pre-IV), 16/24/32 AES, 32 3DES */
/* Bytes usm_encrypt writes for n bytes of plaintext (DES/3DES pad to 8). */
size_t usm_priv_out_len(usm_priv_t priv, size_t n);

/* RFC 3414 A.2: Ku = H(password repeated to 1 MB). key gets
 * usm_auth_hash_len bytes. pwlen < 8 gives MW_EINVAL. */
int usm_password_to_key(usm_auth_t auth, const uint8_t *pw, size_t pwlen, uint8_t *key);
/* Kul = H(Ku || engineID || Ku); key and out have usm_auth_hash_len bytes
 * (out may alias key). */
int usm_key_localize(usm_auth_t auth, const uint8_t *key, const uint8_t *engine_id,
                     size_t eidlen, uint8_t *out);
/* Localised privacy key of usm_priv_key_len(priv) bytes from the privacy
 * master key (usm_auth_hash_len(auth) bytes, from usm_password_to_key on
 * the privacy password). When the localised key is too short it is
 * extended per draft-blumenthal-aes-usm (AES-192/256: Kul || H(Kul), as
 * net-snmp does) or per draft-reeder-snmpv3-usm-3desede (AES-192-C/256-C,
 * 3DES: Kul || localize(P2K(Kul))). */
int usm_priv_key_localize(usm_auth_t auth, usm_priv_t priv, const uint8_t *master_key,
                          const uint8_t *engine_id, size_t eidlen, uint8_t *out);

/* HMAC over msg[0, len) with msgAuthenticationParameters (usm_auth_mac_len
 * bytes at auth_off) taken as zeros. lkey is the localised authentication
 * key (usm_auth_hash_len bytes). sign writes the truncated MAC at auth_off;
 * verify compares in constant time and returns 0 or USM_EWRONGDIGEST, and
 * leaves msg untouched. */
int usm_auth_sign(usm_auth_t auth, const uint8_t *lkey, uint8_t *msg, size_t len, size_t auth_off);
int usm_auth_verify(usm_auth_t auth, const uint8_t *lkey, const uint8_t *msg, size_t len,
                    size_t auth_off);

/* Encrypts the scopedPDU. pkey is the localised privacy key
 * (usm_priv_key_len bytes). out must hold usm_priv_out_len(priv, n) bytes
 * (it may be in). priv_params gets the 8-byte salt to send as
 * msgPrivacyParameters: DES/3DES boots||counter32 (RFC 3414 8.1.1.1), AES
 * the 64-bit counter (RFC 3826 3.1.2.1). The counter starts at a random
 * value and increases by one per call. For DES/3DES, boots only goes into
 * the salt: net-snmp puts its own (local) engine boots there; the receiver
 * uses the salt as sent. For AES, boots and time are the authoritative
 * engine's, as in the message. */
int usm_encrypt(usm_priv_t priv, const uint8_t *pkey, int32_t boots, int32_t time,
                const uint8_t *in, size_t n, uint8_t *out, size_t *outn,
                uint8_t priv_params[USM_PRIV_PARAMS]);
/* Decrypts; out must hold n bytes (it may be in). DES/3DES output keeps the
 * padding (the BER decoder ignores it). A priv_params length other than 8 or
 * a DES ciphertext that is not a multiple of 8 gives USM_EDECRYPT. */
int usm_decrypt(usm_priv_t priv, const uint8_t *pkey, int32_t boots, int32_t time,
                const uint8_t *priv_params, size_t pplen, const uint8_t *in, size_t n,
                uint8_t *out, size_t *outn);
/* Sets the next salt counter value (tests; known-answer vectors). */
void usm_salt_set(uint64_t next);

/* Localised keys of one user for one authoritative engine. */
typedef struct usm_keys {
    usm_auth_t auth;
    usm_priv_t priv;
    uint8_t auth_key[64];
    uint8_t priv_key[64];
    size_t auth_key_len, priv_key_len;
} usm_keys_t;

/* Localised keys for (auth, priv, auth_pass, priv_pass, engine_id).
 * Password hashing (1 MB of hashing) happens once per (auth, password) and
 * localisation once per (credentials, engine ID): both are kept in bounded
 * LRU caches whose entries are wiped on eviction and on usm_cache_clear.
 * Passwords themselves are not stored, only a SHA-256 fingerprint of them.
 * priv_pass may be NULL when priv is USM_PRIV_NONE; auth NONE with a priv
 * gives MW_EINVAL, as does a password shorter than 8. */
int usm_keys_get(usm_auth_t auth, usm_priv_t priv, const char *auth_pass, size_t auth_pass_len,
                 const char *priv_pass, size_t priv_pass_len, const uint8_t *eid, size_t eidlen,
                 usm_keys_t *out);
/* Same from master keys (net-snmp -3m/-3M), usm_auth_hash_len bytes each;
 * localised for eid (cached too). */
int usm_keys_from_master(usm_auth_t auth, usm_priv_t priv, const uint8_t *auth_master,
                         size_t auth_len, const uint8_t *priv_master, size_t priv_len,
                         const uint8_t *eid, size_t eidlen, usm_keys_t *out);
/* The fingerprint under which keys localised from a master key are
 * cached (SHA-256 of the key and its algorithm). A caller that localises
 * the same master keys for engine after engine (a receiver of traps)
 * computes it once and passes it to usm_keys_from_master_fp, which is
 * usm_keys_from_master without the two hashes per call. */
#define USM_FP_LEN 32
int usm_master_fingerprint(usm_auth_t auth, const uint8_t *master, size_t len,
                           uint8_t fp[USM_FP_LEN]);
int usm_keys_from_master_fp(usm_auth_t auth, usm_priv_t priv, const uint8_t *auth_master,
                            const uint8_t *auth_fp, const uint8_t *priv_master,
                            const uint8_t *priv_fp, const uint8_t *eid, size_t eidlen,
                            usm_keys_t *out);
/* Same from localised keys (net-snmp -3k/-3K): auth_len must be the hash
 * length, priv_len at least usm_priv_key_len (extra bytes are ignored). */
int usm_keys_from_local(usm_auth_t auth, usm_priv_t priv, const uint8_t *auth_local,
                        size_t auth_len, const uint8_t *priv_local, size_t priv_len,
                        usm_keys_t *out);
/* Wipes a usm_keys_t the caller holds. */
void usm_keys_wipe(usm_keys_t *k);
/* Zeroes secret memory in a way the compiler keeps (for callers outside
 * src/usm, which do not include mbedTLS). */
void usm_wipe(void *p, size_t n);

/* Work counters, to show the cache does its job. */
typedef struct usm_stats {
    uint64_t password_hashes; /* usm_password_to_key runs (1 MB each) */
    uint64_t localizations;   /* usm_key_localize runs */
    uint64_t cache_hits;      /* usm_keys_get answered from the localised cache */
    uint64_t cache_misses;
    uint64_t evictions;
} usm_stats_t;
void usm_stats_get(usm_stats_t *out);
/* Wipes and frees every cache entry and zeroes the counters. */
void usm_cache_clear(void);

#endif
