/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface of the smimepolicy provider: the provider context,
 * the wrapped key, error reporting and the dispatch tables each operation
 * file exports.
 */
#ifndef SMIMEPOLICY_PROVIDER_H
#define SMIMEPOLICY_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/core.h>
#include <openssl/core_dispatch.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "engine.h"

/* The name the provider's algorithms carry in their property definition. */
#define SPPROV_NAME "smimepolicy"
#define SPPROV_PROPS "provider=" SPPROV_NAME

#if OPENSSL_VERSION_NUMBER >= 0x30500000L
#define SPPROV_HAVE_MLDSA 1
#endif

/* ------------------------------------------------------------------ */
/* Errors: reason codes with our own strings (OSSL_FUNC_PROVIDER_GET_  */
/* REASON_STRINGS), raised through the core error functions.           */

enum {
    SPPROV_R_CONFIG = 1,         /* invalid provider configuration */
    SPPROV_R_POLICY_LOAD,        /* policy file missing or invalid */
    SPPROV_R_REFUSED,            /* the policy refused the TBS */
    SPPROV_R_NOT_SIGNABLE,       /* input is not a TBS we sign */
    SPPROV_R_ALGORITHM_MISMATCH, /* TBS AlgorithmIdentifier differs */
    SPPROV_R_PREHASHED_REFUSED,  /* EVP_PKEY_sign on a bare digest */
    SPPROV_R_PRIVATE_EXPORT,     /* private key export attempted */
    SPPROV_R_UNSUPPORTED_KEY,    /* key type or size not wrapped */
    SPPROV_R_KEY_LOAD,           /* inner key could not be loaded */
    SPPROV_R_NO_ISSUER,          /* no policy issuer has this key */
    SPPROV_R_AUDIT,              /* audit record could not be written */
    SPPROV_R_INNER_SIGN,         /* the inner provider failed to sign */
    SPPROV_R_BAD_PARAMETER,      /* unsupported signature parameter */
    SPPROV_R_BAD_URI,            /* malformed smimepolicy: URI */
    SPPROV_R_INTERNAL,           /* allocation or library failure */
    SPPROV_R_NO_PRIVATE_KEY,     /* key has no private part */
};

/* ------------------------------------------------------------------ */
/* Provider context                                                    */

struct spprov_audit_st;

typedef struct spprov_ctx_st {
    const OSSL_CORE_HANDLE *handle;

    /* Core error functions, picked out of the `in` dispatch. */
    OSSL_FUNC_core_new_error_fn *core_new_error;
    OSSL_FUNC_core_set_error_debug_fn *core_set_error_debug;
    OSSL_FUNC_core_vset_error_fn *core_vset_error;

    /* Configuration (owned copies). */
    char *policy_path;
    char *audit_log;
    int audit_syslog;
    char *inner_providers; /* comma or space separated */
    char *pkcs11_module;
    char *pkcs11_pin_source;

    SP_POLICY *policy; /* read-only after init */
    struct spprov_audit_st *audit;

    /* Private library context: inner keys live and sign here, out of
     * reach of the application's library context. */
    OSSL_LIB_CTX *inner_libctx;
    /* While initialising: the last error raised, printed to stderr if
     * initialisation fails (OpenSSL drops the error queue of a provider
     * that fails to activate from openssl.cnf). */
    int initialising;
    char init_error[512];

    CRYPTO_RWLOCK *inner_lock; /* guards lazy loading of inner providers */
} SPPROV_CTX;

void spprov_raise_(SPPROV_CTX *ctx, const char *file, int line,
                   const char *func, int reason, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
#define spprov_raise(ctx, reason, ...)                                         \
    spprov_raise_((ctx), __FILE__, __LINE__, __func__, (reason), __VA_ARGS__)

/* Load a provider into the private library context if it is not there
 * yet (e.g. "tpm2" when a TPM URI is opened). */
int spprov_inner_provider_load(SPPROV_CTX *ctx, const char *name);

/* ------------------------------------------------------------------ */
/* Wrapped key                                                         */

typedef enum {
    SPPROV_KT_RSA = 0,
    SPPROV_KT_EC,
    SPPROV_KT_ED25519,
    SPPROV_KT_ED448,
#ifdef SPPROV_HAVE_MLDSA
    SPPROV_KT_MLDSA44,
    SPPROV_KT_MLDSA65,
    SPPROV_KT_MLDSA87,
#endif
    SPPROV_KT_COUNT
} spprov_key_type;

/* Per key type: the names the keymgmt and signature register under. */
typedef struct spprov_key_kind_st {
    spprov_key_type type;
    const char *keymgmt_names; /* "RSA:rsaEncryption:1.2.840.113549.1.1.1" */
    const char *inner_name;    /* name EVP_PKEY_is_a() knows: "RSA" */
    const char *sig_name;      /* "SMIMEPOLICY-RSA" (only we register it) */
    int digest_less;           /* EdDSA / ML-DSA: no digest allowed */
} SPPROV_KEY_KIND;

extern const SPPROV_KEY_KIND spprov_key_kinds[SPPROV_KT_COUNT];

typedef struct spprov_key_st {
    uint32_t magic; /* SPPROV_KEY_MAGIC: a reference really is our key */
    SPPROV_CTX *provctx;
    int refcnt;
    CRYPTO_RWLOCK *lock;
    const SPPROV_KEY_KIND *kind;

    /* The key that really signs: a provider key in the private library
     * context, or a legacy ENGINE key (PKCS#11 through libp11). */
    EVP_PKEY *inner;
    int is_engine_key;
    char *inner_propq; /* "provider=<inner provider>"; NULL for engine keys */

    /* Public-only copy in the default provider of the private context:
     * answers parameter queries and public export, holds no secret. */
    EVP_PKEY *pub;
    unsigned char *spki; /* DER SubjectPublicKeyInfo */
    size_t spki_len;
    char key_id[72];         /* "sha256:" + hex of the SPKI digest */
    const SP_ISSUER *issuer; /* the policy issuer with this public key */
    /* Digest answered as the key's default: the one the SBR pair with
     * the key (SHA-384 for P-384, SHA-512 for P-521); NULL for EdDSA. */
    const char *default_md;
    /* Inner signers prepared by signature.c and kept between signatures
     * (guarded by lock); freed with the key. */
    struct spprov_sig_cache_st *sig_cache;
    /* Signatures still to be verified before release (guarded by lock):
     * set after an inner signature failed, because libcrypto's RSA
     * blinding can be left inconsistent by a failure and then produce
     * wrong signatures, without an error, until it is renewed (at most 32
     * signatures later). */
    unsigned verify_pending;
} SPPROV_KEY;

#define SPPROV_KEY_MAGIC 0x53504b59u /* "SPKY" */

/* Wrap `inner` (takes ownership, also on failure). NULL with an error
 * raised when the key type is not supported or no policy issuer has the
 * key's public key. */
SPPROV_KEY *spprov_key_wrap(SPPROV_CTX *ctx, EVP_PKEY *inner,
                            int is_engine_key);
int spprov_key_up_ref(SPPROV_KEY *key);
void spprov_key_free(SPPROV_KEY *key);
/* signature.c: free what signing with a key has kept for it. */
void spprov_sig_cache_free(struct spprov_sig_cache_st *cache);

/* ------------------------------------------------------------------ */
/* Dispatch tables                                                     */

extern const OSSL_DISPATCH spprov_store_functions[];
extern const OSSL_DISPATCH *const spprov_keymgmt_functions[SPPROV_KT_COUNT];
extern const OSSL_DISPATCH *const spprov_signature_functions[SPPROV_KT_COUNT];

#endif
