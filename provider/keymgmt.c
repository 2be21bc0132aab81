/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keymgmt for wrapped keys.
 *
 * A wrapped key is created only by our STORE loader and handed to us by
 * reference (load). The keymgmt carries the algorithm's own name so that
 * OpenSSL treats the key as an RSA/EC/EdDSA key (X509_check_private_key,
 * default digests, -sigopt translation), but query_operation_name names a
 * signature that only this provider registers: signing with the key always
 * goes through the gate. Parameters and public export come from a
 * public-only copy of the key; there is no way to get the private part.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/core_object.h>
#include <openssl/err.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "engine_key.h"
#include "provider.h"

static OSSL_FUNC_keymgmt_free_fn spprov_km_free;
static OSSL_FUNC_keymgmt_has_fn spprov_km_has;
static OSSL_FUNC_keymgmt_get_params_fn spprov_km_get_params;
static OSSL_FUNC_keymgmt_gettable_params_fn spprov_km_gettable_params;
static OSSL_FUNC_keymgmt_export_fn spprov_km_export;
static OSSL_FUNC_keymgmt_export_types_fn spprov_km_export_types;

const SPPROV_KEY_KIND spprov_key_kinds[SPPROV_KT_COUNT] = {
    {SPPROV_KT_RSA, "RSA:rsaEncryption:1.2.840.113549.1.1.1", "RSA",
     "SMIMEPOLICY-RSA", 0},
    {SPPROV_KT_EC, "EC:id-ecPublicKey:1.2.840.10045.2.1", "EC",
     "SMIMEPOLICY-ECDSA", 0},
    {SPPROV_KT_ED25519, "ED25519:1.3.101.112", "ED25519", "SMIMEPOLICY-ED25519",
     1},
    {SPPROV_KT_ED448, "ED448:1.3.101.113", "ED448", "SMIMEPOLICY-ED448", 1},
#ifdef SPPROV_HAVE_MLDSA
    {SPPROV_KT_MLDSA44, "ML-DSA-44:MLDSA44:2.16.840.1.101.3.4.3.17",
     "ML-DSA-44", "SMIMEPOLICY-ML-DSA-44", 1},
    {SPPROV_KT_MLDSA65, "ML-DSA-65:MLDSA65:2.16.840.1.101.3.4.3.18",
     "ML-DSA-65", "SMIMEPOLICY-ML-DSA-65", 1},
    {SPPROV_KT_MLDSA87, "ML-DSA-87:MLDSA87:2.16.840.1.101.3.4.3.19",
     "ML-DSA-87", "SMIMEPOLICY-ML-DSA-87", 1},
#endif
};

/* ------------------------------------------------------------------ */
/* The wrapped key object                                              */

static const SPPROV_KEY_KIND *spprov_kind_of(const EVP_PKEY *pkey)
{
    size_t i;

    /* RSA-PSS restricted keys are not offered: their parameter
     * restrictions would have to be enforced here as well. */
    if (EVP_PKEY_is_a(pkey, "RSA-PSS"))
        return NULL;
    for (i = 0; i < SPPROV_KT_COUNT; i++)
        if (EVP_PKEY_is_a(pkey, spprov_key_kinds[i].inner_name))
            return &spprov_key_kinds[i];
    return NULL;
}

/* EC keys: only the curves the SBR allow for CA keys, by either of the
 * names a provider may report, each with the digest the SBR pair it with
 * (7.1.3.2). */
static int spprov_curve_allowed(SPPROV_CTX *ctx, SPPROV_KEY *key)
{
    static const char *const curves[][3] = {
        {"P-256", "prime256v1", "SHA256"},
        {"P-384", "secp384r1", "SHA384"},
        {"P-521", "secp521r1", "SHA512"},
    };
    EVP_PKEY *pub = key->pub;
    char group[64] = "";
    size_t i;

    if (!EVP_PKEY_get_utf8_string_param(pub, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                        sizeof(group), NULL)) {
        spprov_raise(ctx, SPPROV_R_UNSUPPORTED_KEY,
                     "EC key without a named curve");
        return 0;
    }
    for (i = 0; i < sizeof(curves) / sizeof(curves[0]); i++)
        if (strcmp(group, curves[i][0]) == 0
            || strcmp(group, curves[i][1]) == 0) {
            key->default_md = curves[i][2];
            return 1;
        }
    spprov_raise(ctx, SPPROV_R_UNSUPPORTED_KEY,
                 "EC curve %s: only P-256, P-384 and P-521 are supported",
                 group);
    return 0;
}

static void spprov_hex(const unsigned char *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

/* The public half of the inner key, as DER and as a key of the default
 * provider in the private library context. */
static int spprov_key_public(SPPROV_CTX *ctx, SPPROV_KEY *key)
{
    unsigned char *p;
    const unsigned char *cp;
    char err[256] = "";
    int len;

    if (key->is_engine_key) {
        key->pub =
            spprov_engine_key_public(key->inner, ctx->inner_libctx,
                                     "provider=default", err, sizeof(err));
        if (key->pub == NULL) {
            spprov_raise(ctx, SPPROV_R_KEY_LOAD,
                         "public half of the PKCS#11 key: %s", err);
            return 0;
        }
    }
    len = i2d_PUBKEY(key->is_engine_key ? key->pub : key->inner, NULL);
    if (len <= 0 || (key->spki = OPENSSL_malloc((size_t)len)) == NULL) {
        spprov_raise(ctx, SPPROV_R_KEY_LOAD,
                     "cannot encode the public key of the inner key");
        return 0;
    }
    p = key->spki;
    if (i2d_PUBKEY(key->is_engine_key ? key->pub : key->inner, &p) != len) {
        spprov_raise(ctx, SPPROV_R_KEY_LOAD,
                     "cannot encode the public key of the inner key");
        return 0;
    }
    key->spki_len = (size_t)len;
    if (key->pub != NULL)
        return 1;
    cp = key->spki;
    key->pub =
        d2i_PUBKEY_ex(NULL, &cp, len, ctx->inner_libctx, "provider=default");
    if (key->pub == NULL) {
        spprov_raise(ctx, SPPROV_R_KEY_LOAD,
                     "cannot decode the public key of the inner key");
        return 0;
    }
    return 1;
}

SPPROV_KEY *spprov_key_wrap(SPPROV_CTX *ctx, EVP_PKEY *inner, int is_engine_key)
{
    SPPROV_KEY *key = NULL;
    EVP_MD *sha256 = NULL;
    unsigned char digest[32];

    key = OPENSSL_zalloc(sizeof(*key));
    if (key == NULL) {
        spprov_raise(ctx, SPPROV_R_INTERNAL, "out of memory");
        EVP_PKEY_free(inner);
        return NULL;
    }
    key->magic = SPPROV_KEY_MAGIC;
    key->provctx = ctx;
    key->refcnt = 1;
    key->inner = inner;
    key->is_engine_key = is_engine_key;
    key->lock = CRYPTO_THREAD_lock_new();
    if (key->lock == NULL) {
        spprov_raise(ctx, SPPROV_R_INTERNAL, "out of memory");
        goto err;
    }

    key->kind = spprov_kind_of(inner);
    if (key->kind == NULL) {
        spprov_raise(ctx, SPPROV_R_UNSUPPORTED_KEY,
                     "key type %s cannot be wrapped (RSA, EC P-256/384/521, "
                     "Ed25519, Ed448 are supported)",
                     EVP_PKEY_get0_type_name(inner) != NULL
                         ? EVP_PKEY_get0_type_name(inner)
                         : OBJ_nid2sn(EVP_PKEY_get_base_id(inner)));
        goto err;
    }

    if (!is_engine_key) {
        const OSSL_PROVIDER *prov = EVP_PKEY_get0_provider(inner);
        const char *name = prov != NULL ? OSSL_PROVIDER_get0_name(prov) : NULL;
        size_t n;

        if (name == NULL) {
            spprov_raise(ctx, SPPROV_R_KEY_LOAD, "inner key has no provider");
            goto err;
        }
        n = strlen("provider=") + strlen(name) + 1;
        key->inner_propq = OPENSSL_malloc(n);
        if (key->inner_propq == NULL) {
            spprov_raise(ctx, SPPROV_R_INTERNAL, "out of memory");
            goto err;
        }
        snprintf(key->inner_propq, n, "provider=%s", name);
    }

    if (!spprov_key_public(ctx, key))
        goto err;

    if (key->kind->type == SPPROV_KT_EC && !spprov_curve_allowed(ctx, key))
        goto err;
    if (key->kind->type == SPPROV_KT_RSA)
        key->default_md = "SHA256";
    if (key->kind->type == SPPROV_KT_RSA
        && EVP_PKEY_get_bits(key->pub) < 2048) {
        spprov_raise(ctx, SPPROV_R_UNSUPPORTED_KEY,
                     "RSA key of %d bits: at least 2048 bits are required",
                     EVP_PKEY_get_bits(key->pub));
        goto err;
    }

    sha256 = EVP_MD_fetch(ctx->inner_libctx, "SHA256", "provider=default");
    if (sha256 == NULL
        || !EVP_Digest(key->spki, key->spki_len, digest, NULL, sha256, NULL)) {
        EVP_MD_free(sha256);
        spprov_raise(ctx, SPPROV_R_INTERNAL, "SHA-256 failed");
        goto err;
    }
    EVP_MD_free(sha256);
    memcpy(key->key_id, "sha256:", 7);
    spprov_hex(digest, sizeof(digest), key->key_id + 7);

    key->issuer =
        sp_policy_issuer_by_spki(ctx->policy, key->spki, key->spki_len);
    if (key->issuer == NULL) {
        spprov_raise(ctx, SPPROV_R_NO_ISSUER,
                     "no issuer listed in policy %s has the public key of "
                     "this key (%s); add its CA certificate to the policy's "
                     "issuers",
                     ctx->policy_path, key->key_id);
        goto err;
    }
    return key;

err:
    spprov_key_free(key);
    return NULL;
}

int spprov_key_up_ref(SPPROV_KEY *key)
{
    int n;

    return CRYPTO_atomic_add(&key->refcnt, 1, &n, key->lock);
}

void spprov_key_free(SPPROV_KEY *key)
{
    int n;

    if (key == NULL)
        return;
    if (!CRYPTO_atomic_add(&key->refcnt, -1, &n, key->lock) || n > 0)
        return;
    key->magic = 0;
    spprov_sig_cache_free(key->sig_cache);
    EVP_PKEY_free(key->inner);
    EVP_PKEY_free(key->pub);
    OPENSSL_free(key->spki);
    OPENSSL_free(key->inner_propq);
    CRYPTO_THREAD_lock_free(key->lock);
    OPENSSL_free(key);
}

/* ------------------------------------------------------------------ */
/* Keymgmt functions                                                   */

/* load(reference) from our own STORE loader: the reference is the
 * address of an SPPROV_KEY the loader still owns, so take a reference. */
static void *spprov_km_load(spprov_key_type type, const void *reference,
                            size_t reference_sz)
{
    SPPROV_KEY *key;

    if (reference == NULL || reference_sz != sizeof(key))
        return NULL;
    memcpy(&key, reference, sizeof(key));
    if (key == NULL || key->magic != SPPROV_KEY_MAGIC
        || key->kind->type != type)
        return NULL;
    if (!spprov_key_up_ref(key))
        return NULL;
    return key;
}

#define SPPROV_KM_LOAD(name, type)                                             \
    static void *spprov_km_load_##name(const void *ref, size_t ref_sz)         \
    {                                                                          \
        return spprov_km_load((type), ref, ref_sz);                            \
    }
SPPROV_KM_LOAD(rsa, SPPROV_KT_RSA)
SPPROV_KM_LOAD(ec, SPPROV_KT_EC)
SPPROV_KM_LOAD(ed25519, SPPROV_KT_ED25519)
SPPROV_KM_LOAD(ed448, SPPROV_KT_ED448)
#ifdef SPPROV_HAVE_MLDSA
SPPROV_KM_LOAD(mldsa44, SPPROV_KT_MLDSA44)
SPPROV_KM_LOAD(mldsa65, SPPROV_KT_MLDSA65)
SPPROV_KM_LOAD(mldsa87, SPPROV_KT_MLDSA87)
#endif

static void spprov_km_free(void *keydata)
{
    spprov_key_free(keydata);
}

static int spprov_km_has(const void *keydata, int selection)
{
    const SPPROV_KEY *key = keydata;

    /* Public key and parameters are always there; the private part is in
     * the inner provider, token or TPM, and usable through us. */
    return key != NULL && key->inner != NULL;
}

static const char *spprov_km_query_operation_name(spprov_key_type type,
                                                  int operation_id)
{
    if (operation_id == OSSL_OP_SIGNATURE)
        return spprov_key_kinds[type].sig_name;
    /* Other operations (key exchange, decryption) fall back to the key
     * type's name in other providers, which only ever get the public
     * half. */
    return NULL;
}

#define SPPROV_KM_QUERY(name, type)                                            \
    static const char *spprov_km_query_##name(int op)                          \
    {                                                                          \
        return spprov_km_query_operation_name((type), op);                     \
    }
SPPROV_KM_QUERY(rsa, SPPROV_KT_RSA)
SPPROV_KM_QUERY(ec, SPPROV_KT_EC)
SPPROV_KM_QUERY(ed25519, SPPROV_KT_ED25519)
SPPROV_KM_QUERY(ed448, SPPROV_KT_ED448)
#ifdef SPPROV_HAVE_MLDSA
SPPROV_KM_QUERY(mldsa44, SPPROV_KT_MLDSA44)
SPPROV_KM_QUERY(mldsa65, SPPROV_KT_MLDSA65)
SPPROV_KM_QUERY(mldsa87, SPPROV_KT_MLDSA87)
#endif

/* Parameters come from the public-only copy, which cannot reveal a
 * secret whatever is asked. The default digest is ours: the same
 * whichever provider holds the inner key (tpm2 does not answer it), and
 * the one the SBR pair with the curve, so `default_md = default` gives a
 * compliant signature. */
static int spprov_km_get_params(void *keydata, OSSL_PARAM params[])
{
    SPPROV_KEY *key = keydata;
    OSSL_PARAM *p;

    if (key == NULL)
        return 0;
    if (!EVP_PKEY_get_params(key->pub, params))
        return 0;
    if (key->kind->digest_less) {
        p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_MANDATORY_DIGEST);
        if (p != NULL && !OSSL_PARAM_set_utf8_string(p, ""))
            return 0;
    } else {
        p = OSSL_PARAM_locate(params, OSSL_PKEY_PARAM_DEFAULT_DIGEST);
        if (p != NULL && key->default_md != NULL
            && !OSSL_PARAM_set_utf8_string(p, key->default_md))
            return 0;
    }
    return 1;
}

static const OSSL_PARAM *spprov_km_gettable_params(void *provctx)
{
    static const OSSL_PARAM gettable[] = {
        OSSL_PARAM_int(OSSL_PKEY_PARAM_BITS, NULL),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_SECURITY_BITS, NULL),
        OSSL_PARAM_int(OSSL_PKEY_PARAM_MAX_SIZE, NULL),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_DEFAULT_DIGEST, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_MANDATORY_DIGEST, NULL, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        OSSL_PARAM_END,
    };
    return gettable;
}

/* Public export only: enough for X509_check_private_key (the default
 * provider imports our public half and compares). */
static int spprov_km_export(void *keydata, int selection,
                            OSSL_CALLBACK *param_cb, void *cbarg)
{
    SPPROV_KEY *key = keydata;
    OSSL_PARAM *params = NULL;
    int ok = 0;

    if (key == NULL)
        return 0;
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0) {
        spprov_raise(key->provctx, SPPROV_R_PRIVATE_EXPORT,
                     "the private part of a wrapped key never leaves the "
                     "smimepolicy provider (key %s)",
                     key->key_id);
        return 0;
    }
    if ((selection & OSSL_KEYMGMT_SELECT_KEYPAIR) == 0
        && (selection & OSSL_KEYMGMT_SELECT_ALL_PARAMETERS) == 0)
        return 1;
    if (!EVP_PKEY_todata(key->pub, EVP_PKEY_PUBLIC_KEY, &params))
        goto done;
    ok = param_cb(params, cbarg);
done:
    OSSL_PARAM_free(params);
    return ok;
}

static const OSSL_PARAM *spprov_km_export_types(int selection)
{
    /* Describes the union of what the public export can carry. */
    static const OSSL_PARAM types[] = {
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_N, NULL, 0),
        OSSL_PARAM_BN(OSSL_PKEY_PARAM_RSA_E, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, NULL, 0),
        OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, NULL, 0),
        OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, NULL,
                               0),
        OSSL_PARAM_END,
    };
    if ((selection & OSSL_KEYMGMT_SELECT_PRIVATE_KEY) != 0)
        return NULL;
    return types;
}

#define SPPROV_KM_TABLE(name)                                                  \
    static const OSSL_DISPATCH spprov_km_##name##_functions[] = {              \
        {OSSL_FUNC_KEYMGMT_LOAD, (void (*)(void))spprov_km_load_##name},       \
        {OSSL_FUNC_KEYMGMT_FREE, (void (*)(void))spprov_km_free},              \
        {OSSL_FUNC_KEYMGMT_HAS, (void (*)(void))spprov_km_has},                \
        {OSSL_FUNC_KEYMGMT_GET_PARAMS, (void (*)(void))spprov_km_get_params},  \
        {OSSL_FUNC_KEYMGMT_GETTABLE_PARAMS,                                    \
         (void (*)(void))spprov_km_gettable_params},                           \
        {OSSL_FUNC_KEYMGMT_QUERY_OPERATION_NAME,                               \
         (void (*)(void))spprov_km_query_##name},                              \
        {OSSL_FUNC_KEYMGMT_EXPORT, (void (*)(void))spprov_km_export},          \
        {OSSL_FUNC_KEYMGMT_EXPORT_TYPES,                                       \
         (void (*)(void))spprov_km_export_types},                              \
        {0, NULL},                                                             \
    }
SPPROV_KM_TABLE(rsa);
SPPROV_KM_TABLE(ec);
SPPROV_KM_TABLE(ed25519);
SPPROV_KM_TABLE(ed448);
#ifdef SPPROV_HAVE_MLDSA
SPPROV_KM_TABLE(mldsa44);
SPPROV_KM_TABLE(mldsa65);
SPPROV_KM_TABLE(mldsa87);
#endif

const OSSL_DISPATCH *const spprov_keymgmt_functions[SPPROV_KT_COUNT] = {
    spprov_km_rsa_functions,     spprov_km_ec_functions,
    spprov_km_ed25519_functions, spprov_km_ed448_functions,
#ifdef SPPROV_HAVE_MLDSA
    spprov_km_mldsa44_functions, spprov_km_mldsa65_functions,
    spprov_km_mldsa87_functions,
#endif
};
