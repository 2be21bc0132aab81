/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rules on the TBSCertificate fields themselves: version, serial, validity,
 * times, the Legacy sunset, signature and key algorithms (byte-exact, SBR
 * 7.1.3), public key values (6.1.5/6.1.6) and the rules that need the
 * issuing CA certificate.
 *
 * Public key validation is done here without libcrypto and without
 * allocating: RSA sizes, exponent and small prime factors; EC point form,
 * range and the curve equation (SP 800-56A partial validation; the order
 * check of full validation is trivially met by the NIST prime curves,
 * whose cofactor is 1); EdDSA, ML-DSA and ML-KEM lengths. Not done:
 * decompressing a compressed EC point (only the range of x is checked),
 * and decoding an EdDSA point onto its curve.
 */
#include <pthread.h>
#include <string.h>

#include "rules.h"

/* ------------------------------------------------------------------ */
/* Permitted AlgorithmIdentifier encodings (SBR 7.1.3), byte-exact.    */

typedef struct sp_algid_st {
    const uint8_t *der;
    size_t len;
    unsigned key; /* SP_KEY_* bit: subject key type, or issuing key types */
    const char *name;
} SP_ALGID;

#define ALG(bytes, key, name)                                                  \
    {                                                                          \
        bytes, sizeof(bytes), key, name                                        \
    }

/* E-20..E-26: SubjectPublicKeyInfo algorithms. */
static const uint8_t spki_rsa[] = {0x30, 0x0d, 0x06, 0x09, 0x2a,
                                   0x86, 0x48, 0x86, 0xf7, 0x0d,
                                   0x01, 0x01, 0x01, 0x05, 0x00};
static const uint8_t spki_p256[] = {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                    0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
                                    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t spki_p384[] = {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                                    0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                                    0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t spki_p521[] = {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86,
                                    0x48, 0xce, 0x3d, 0x02, 0x01, 0x06,
                                    0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
static const uint8_t alg_ed25519[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};
static const uint8_t alg_ed448[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71};
static const uint8_t alg_mldsa44[] = {0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
                                      0x01, 0x65, 0x03, 0x04, 0x03, 0x11};
static const uint8_t alg_mldsa65[] = {0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
                                      0x01, 0x65, 0x03, 0x04, 0x03, 0x12};
static const uint8_t alg_mldsa87[] = {0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48,
                                      0x01, 0x65, 0x03, 0x04, 0x03, 0x13};
static const uint8_t spki_mlkem512[] = {0x30, 0x0b, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03,
                                        0x04, 0x04, 0x01};
static const uint8_t spki_mlkem768[] = {0x30, 0x0b, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03,
                                        0x04, 0x04, 0x02};
static const uint8_t spki_mlkem1024[] = {0x30, 0x0b, 0x06, 0x09, 0x60,
                                         0x86, 0x48, 0x01, 0x65, 0x03,
                                         0x04, 0x04, 0x03};

static const SP_ALGID spki_algs[] = {
    ALG(spki_rsa, SP_KEY_RSA, "rsaEncryption"),
    ALG(spki_p256, SP_KEY_P256, "EC P-256"),
    ALG(spki_p384, SP_KEY_P384, "EC P-384"),
    ALG(spki_p521, SP_KEY_P521, "EC P-521"),
    ALG(alg_ed25519, SP_KEY_ED25519, "Ed25519"),
    ALG(alg_ed448, SP_KEY_ED448, "Ed448"),
    ALG(alg_mldsa44, SP_KEY_MLDSA44, "ML-DSA-44"),
    ALG(alg_mldsa65, SP_KEY_MLDSA65, "ML-DSA-65"),
    ALG(alg_mldsa87, SP_KEY_MLDSA87, "ML-DSA-87"),
    ALG(spki_mlkem512, SP_KEY_MLKEM512, "ML-KEM-512"),
    ALG(spki_mlkem768, SP_KEY_MLKEM768, "ML-KEM-768"),
    ALG(spki_mlkem1024, SP_KEY_MLKEM1024, "ML-KEM-1024"),
};

/* E-10..E-13: signature algorithms, with the issuing key types each one
 * goes with. */
static const uint8_t sig_rsa_sha256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a,
                                         0x86, 0x48, 0x86, 0xf7, 0x0d,
                                         0x01, 0x01, 0x0b, 0x05, 0x00};
static const uint8_t sig_rsa_sha384[] = {0x30, 0x0d, 0x06, 0x09, 0x2a,
                                         0x86, 0x48, 0x86, 0xf7, 0x0d,
                                         0x01, 0x01, 0x0c, 0x05, 0x00};
static const uint8_t sig_rsa_sha512[] = {0x30, 0x0d, 0x06, 0x09, 0x2a,
                                         0x86, 0x48, 0x86, 0xf7, 0x0d,
                                         0x01, 0x01, 0x0d, 0x05, 0x00};
#define PSS(h, salt)                                                           \
    {                                                                          \
        0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,      \
            0x01, 0x0a, 0x30, 0x34, 0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60,  \
            0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h, 0x05, 0x00, 0xa1,     \
            0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d,  \
            0x01, 0x01, 0x08, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,  \
            0x65, 0x03, 0x04, 0x02, h, 0x05, 0x00, 0xa2, 0x03, 0x02, 0x01,     \
            salt                                                               \
    }
static const uint8_t sig_pss_sha256[] = PSS(0x01, 0x20);
static const uint8_t sig_pss_sha384[] = PSS(0x02, 0x30);
static const uint8_t sig_pss_sha512[] = PSS(0x03, 0x40);
static const uint8_t sig_ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t sig_ecdsa_sha384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x03};
static const uint8_t sig_ecdsa_sha512[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x04};

static const SP_ALGID sig_algs[] = {
    ALG(sig_rsa_sha256, SP_KEY_RSA, "sha256WithRSAEncryption"),
    ALG(sig_rsa_sha384, SP_KEY_RSA, "sha384WithRSAEncryption"),
    ALG(sig_rsa_sha512, SP_KEY_RSA, "sha512WithRSAEncryption"),
    ALG(sig_pss_sha256, SP_KEY_RSA, "RSASSA-PSS SHA-256"),
    ALG(sig_pss_sha384, SP_KEY_RSA, "RSASSA-PSS SHA-384"),
    ALG(sig_pss_sha512, SP_KEY_RSA, "RSASSA-PSS SHA-512"),
    ALG(sig_ecdsa_sha256, SP_KEY_P256, "ecdsa-with-SHA256"),
    ALG(sig_ecdsa_sha384, SP_KEY_P384, "ecdsa-with-SHA384"),
    ALG(sig_ecdsa_sha512, SP_KEY_P521, "ecdsa-with-SHA512"),
    ALG(alg_ed25519, SP_KEY_ED25519, "Ed25519"),
    ALG(alg_ed448, SP_KEY_ED448, "Ed448"),
    ALG(alg_mldsa44, SP_KEY_MLDSA44, "ML-DSA-44"),
    ALG(alg_mldsa65, SP_KEY_MLDSA65, "ML-DSA-65"),
    ALG(alg_mldsa87, SP_KEY_MLDSA87, "ML-DSA-87"),
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

static const SP_ALGID *algid_find(const SP_ALGID *table, size_t n,
                                  const SP_DER *alg)
{
    for (size_t i = 0; i < n; i++) {
        if (sp_der_equal_bytes(alg, table[i].der, table[i].len))
            return &table[i];
    }
    return NULL;
}

unsigned sp_spki_alg_key_type(const SP_DER *alg)
{
    const SP_ALGID *a = algid_find(spki_algs, N_ELEMS(spki_algs), alg);

    return a ? a->key : 0;
}

unsigned sp_spki_key_type(const SP_DER *spki)
{
    SP_DER cur = *spki, body, alg;

    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &body) != SP_DER_OK
        || sp_der_get_element(&body, SP_TAG_SEQUENCE, &alg) != SP_DER_OK)
        return 0;
    return sp_spki_alg_key_type(&alg);
}

unsigned sp_sig_alg_signers(const SP_DER *alg)
{
    const SP_ALGID *a = algid_find(sig_algs, N_ELEMS(sig_algs), alg);

    return a ? a->key : 0;
}

const char *sp_sig_alg_name(const SP_DER *alg)
{
    const SP_ALGID *a = algid_find(sig_algs, N_ELEMS(sig_algs), alg);

    return a ? a->name : NULL;
}

const char *sp_key_type_name(unsigned key_type)
{
    for (size_t i = 0; i < N_ELEMS(spki_algs); i++) {
        if (spki_algs[i].key == key_type)
            return spki_algs[i].name;
    }
    return "unknown key type";
}

/* The OID of an AlgorithmIdentifier TLV in dotted text, for messages. */
static const char *algid_oid_text(const SP_DER *alg, char *buf, size_t len)
{
    SP_DER cur = *alg, body, oid;

    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &body) != SP_DER_OK
        || sp_der_get_oid(&body, &oid) != SP_DER_OK)
        return "?";
    return sp_der_oid_to_text(&oid, buf, len);
}

void sp_check_sig_alg(SP_FINDINGS *out, const SP_DER *sig_alg,
                      const SP_ISSUER *issuer, const char *what)
{
    unsigned signers = sp_sig_alg_signers(sig_alg);
    char oid[64];

    if (signers == 0) {
        sp_findings_add(out, SP_R_SIG_ALG,
                        "%s signature algorithm %s (%zu-octet "
                        "AlgorithmIdentifier) is not one of the permitted "
                        "encodings",
                        what, algid_oid_text(sig_alg, oid, sizeof(oid)),
                        sig_alg->len);
        return;
    }
    if (issuer != NULL) {
        SP_DER spki = sp_issuer_spki(issuer);
        unsigned key = sp_spki_key_type(&spki);
        if ((signers & key) == 0)
            sp_findings_add(out, SP_R_SIG_ALG_KEY,
                            "%s signature algorithm %s does not match the "
                            "issuing CA's %s key",
                            what, sp_sig_alg_name(sig_alg),
                            key ? sp_key_type_name(key)
                                : "non-SBR (unrecognised)");
    }
}

/* ------------------------------------------------------------------ */
/* Version, serial, names, validity                                    */

static void check_version_serial(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;
    const SP_DER *s = &t->serial;
    unsigned min_octets = ctx->profile ? ctx->profile->min_serial_octets : 9;

    if (t->version != 2)
        sp_report(ctx, SP_R_VERSION, "version is v%u", t->version + 1);
    if (s->len == 0 || (s->data[0] & 0x80) != 0
        || (s->len == 1 && s->data[0] == 0))
        sp_report(ctx, SP_R_SERIAL_NOT_POSITIVE, "serial number is %s",
                  s->len == 0 || (s->len == 1 && s->data[0] == 0) ? "zero"
                                                                  : "negative");
    if (s->len > 20)
        sp_report(ctx, SP_R_SERIAL_TOO_LONG,
                  "serial number is %zu octets (at most 20)", s->len);
    if (s->len < min_octets)
        sp_report(ctx, SP_R_SERIAL_TOO_SHORT,
                  "serial number is %zu octets; at least %u are needed for "
                  "64 bits of CSPRNG output",
                  s->len, min_octets);
}

static void check_structure(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;
    uint64_t id_ce_seen[2] = {0, 0};
    char oid[64];

    if (t->has_issuer_uid || t->has_subject_uid)
        sp_report(ctx, SP_R_UNIQUE_ID, "%s%s%s present",
                  t->has_issuer_uid ? "issuerUniqueID" : "",
                  t->has_issuer_uid && t->has_subject_uid ? " and " : "",
                  t->has_subject_uid ? "subjectUniqueID" : "");
    if (t->issuer_rdns.len == 0)
        sp_report(ctx, SP_R_ISSUER_NAME_EMPTY, "the issuer name is empty");
    /* Most extensions are id-ce 2.5.29.<n> (55 1d <n>, n < 128): those are
     * marked in a bit set by <n>, and only the others are compared with
     * each other, pair by pair. Each repeat is reported where it occurs,
     * in extension order, as a pairwise comparison of all would. */
    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_DER *id = &t->ext[i].oid;
        int repeated = 0;

        if (id->len == 3 && id->data[0] == 0x55 && id->data[1] == 0x1d
            && id->data[2] < 0x80) {
            uint64_t bit = UINT64_C(1) << (id->data[2] & 63);

            repeated = (id_ce_seen[id->data[2] >> 6] & bit) != 0;
            id_ce_seen[id->data[2] >> 6] |= bit;
        } else {
            for (size_t k = 0; k < i && !repeated; k++)
                repeated = sp_der_equal(id, &t->ext[k].oid);
        }
        if (repeated)
            sp_report(ctx, SP_R_EXT_DUPLICATE,
                      "extension %s appears more than once",
                      sp_der_oid_to_text(id, oid, sizeof(oid)));
    }
}

/* 2050-01-01T00:00:00Z: RFC 5280 switches from UTCTime to GeneralizedTime. */
#define SP_Y2050 INT64_C(2524608000)
/* 2025-07-15T00:00:00Z: no Legacy certificates from then on (7.1.6.1). */
#define SP_LEGACY_SUNSET INT64_C(1752537600)

static void check_time_tag(SP_RULE_CTX *ctx, const char *field, int64_t when,
                           unsigned tag)
{
    unsigned want = when < SP_Y2050 ? SP_TAG_UTCTIME : SP_TAG_GENERALIZEDTIME;
    char text[32];

    if (tag != want) {
        sp_time_to_text(when, text, sizeof(text));
        sp_report(ctx, SP_R_TIME_ENCODING, "%s %s is encoded as %s", field,
                  text, tag == SP_TAG_UTCTIME ? "UTCTime" : "GeneralizedTime");
    }
}

static void check_validity(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;
    unsigned max_days = sp_sbr_max_validity_days(ctx->gen);
    char nb[32], na[32];
    int64_t period;

    check_time_tag(ctx, "notBefore", t->not_before, t->not_before_tag);
    check_time_tag(ctx, "notAfter", t->not_after, t->not_after_tag);
    if (t->not_before > t->not_after) {
        sp_time_to_text(t->not_before, nb, sizeof(nb));
        sp_time_to_text(t->not_after, na, sizeof(na));
        sp_report(ctx, SP_R_VALIDITY_REVERSED,
                  "notBefore %s is after "
                  "notAfter %s",
                  nb, na);
        return;
    }
    if (ctx->profile != NULL && ctx->profile->max_validity_days != 0
        && (max_days == 0 || ctx->profile->max_validity_days < max_days))
        max_days = ctx->profile->max_validity_days;
    if (max_days == 0)
        return; /* no generation: the profile finding says why */
    /* RFC 5280 validity includes both ends, so the period is one second
     * longer than the difference; any part of a day counts as a day. */
    period = t->not_after - t->not_before + 1;
    if (period > (int64_t)(max_days - 1) * 86400) {
        sp_time_to_text(t->not_before, nb, sizeof(nb));
        sp_time_to_text(t->not_after, na, sizeof(na));
    }
    if (period > (int64_t)max_days * 86400) {
        int64_t days = (period + 86399) / 86400;
        sp_report(ctx, SP_R_VALIDITY_TOO_LONG,
                  "validity %s to %s is %lld days (%lld seconds); at most "
                  "%u days",
                  nb, na, (long long)days, (long long)period, max_days);
    } else if (period > (int64_t)(max_days - 1) * 86400) {
        sp_report(ctx, SP_R_VALIDITY_AT_MAXIMUM,
                  "validity %s to %s is the maximum of %u days", nb, na,
                  max_days);
    }
}

static void check_legacy_sunset(SP_RULE_CTX *ctx)
{
    char at[32];

    if (ctx->gen != SP_GEN_LEGACY || ctx->at < SP_LEGACY_SUNSET)
        return;
    sp_time_to_text(ctx->at, at, sizeof(at));
    sp_report(ctx, SP_R_LEGACY_SUNSET,
              "Legacy policy 2.23.140.1.5.%d.1 issued at %s, on or after "
              "2025-07-15",
              (int)ctx->type, at);
}

/* ------------------------------------------------------------------ */
/* Public keys                                                         */

static const uint16_t small_primes[] = {
    2,   3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,  43,  47,
    53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101, 103, 107, 109, 113,
    127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197,
    199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281,
    283, 293, 307, 311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379,
    383, 389, 397, 401, 409, 419, 421, 431, 433, 439, 443, 449, 457, 461, 463,
    467, 479, 487, 491, 499, 503, 509, 521, 523, 541, 547, 557, 563, 569, 571,
    577, 587, 593, 599, 601, 607, 613, 617, 619, 631, 641, 643, 647, 653, 659,
    661, 673, 677, 683, 691, 701, 709, 719, 727, 733, 739, 743, 751};

/* Bit length of a non-negative INTEGER's contents. */
static size_t integer_bits(const SP_DER *v)
{
    const uint8_t *p = v->data;
    size_t n = v->len;
    unsigned top;
    size_t bits;

    while (n > 0 && *p == 0) {
        p++;
        n--;
    }
    if (n == 0)
        return 0;
    bits = (n - 1) * 8;
    for (top = p[0]; top != 0; top >>= 1)
        bits++;
    return bits;
}

/* Trial division of the modulus by the odd primes below 752 (SP 800-89
 * 5.3.3), without a division per prime and limb. With a 128-bit type the
 * 132 odd primes are grouped into 19 products M below 2^58, and the
 * modulus is cut into blocks of 2048 bits of 64-bit limbs c_k; a block is
 * folded into A = sum c_k (2^(64k) mod M), one 64x64-bit multiply and a
 * 128-bit add per limb and group (32 terms below 2^122 cannot overflow),
 * with the weights computed once per process. A is not reduced mod M:
 * one Montgomery step (REDC) turns it into a word t = A 2^-64 mod M plus
 * a multiple of M, t < 2^64, and since 2^-64 is a unit mod every odd p,
 * p divides t exactly when it divides A. Blocks are joined by Horner's
 * rule with 2^2048 mod M in Montgomery form, which keeps the same factor
 * 2^-64 on every term. A prime p divides x < 2^64 exactly when
 * x * p^-1 mod 2^64 <= (2^64 - 1) / p. An RSA-2048 modulus costs about
 * 610 multiply-adds, 19 REDC steps and 132 multiply-compares, no
 * division. Without a 128-bit type the same is done with products below
 * 2^31, 32-bit limbs and a full reduction (40 groups, 4096-bit blocks,
 * 2,560 multiply-adds). */
#if defined(__SIZEOF_INT128__)
typedef uint64_t sp_factor_word;
typedef unsigned __int128 sp_factor_dword;
#define FACTOR_WORD_BITS 64
#define FACTOR_GROUPS_MAX 24
#define FACTOR_MAX_PER_GROUP 16
#define FACTOR_PRODUCT_LIMIT (UINT64_C(1) << 58)
#define FACTOR_BLOCK_LIMBS 32 /* 64-bit limbs in a 2048-bit block */
#else
typedef uint32_t sp_factor_word;
typedef uint64_t sp_factor_dword;
#define FACTOR_WORD_BITS 32
#define FACTOR_GROUPS_MAX 40
#define FACTOR_MAX_PER_GROUP 4
#define FACTOR_PRODUCT_LIMIT (UINT64_C(1) << 31)
#define FACTOR_BLOCK_LIMBS 128 /* 32-bit limbs in a 4096-bit block */
#endif
#define FACTOR_WORD_BYTES (FACTOR_WORD_BITS / 8)

typedef struct sp_factor_tables_st {
    size_t n_groups;
    sp_factor_word product[FACTOR_GROUPS_MAX];
#if FACTOR_WORD_BITS == 64
    /* -M^-1 mod 2^64, for REDC */
    uint64_t neg_inverse[FACTOR_GROUPS_MAX];
    /* (2^2048 mod M) 2^64 mod M: REDC of r times it is r 2^2048 mod M */
    uint64_t block_weight_mont[FACTOR_GROUPS_MAX];
#else
    sp_factor_word pow_word[FACTOR_GROUPS_MAX];     /* 2^(2 word bits) mod M */
    sp_factor_word block_weight[FACTOR_GROUPS_MAX]; /* 2^(block bits) mod M */
#endif
    uint8_t n_primes[FACTOR_GROUPS_MAX];
    uint16_t prime[FACTOR_GROUPS_MAX][FACTOR_MAX_PER_GROUP];
    sp_factor_word inverse[FACTOR_GROUPS_MAX][FACTOR_MAX_PER_GROUP];
    sp_factor_word limit[FACTOR_GROUPS_MAX][FACTOR_MAX_PER_GROUP];
    /* weight[g][k] = 2^(word bits * k) mod product[g] */
    sp_factor_word weight[FACTOR_GROUPS_MAX][FACTOR_BLOCK_LIMBS];
    int ready; /* 0 when the primes did not fit FACTOR_GROUPS_MAX groups */
} SP_FACTOR_TABLES;

static SP_FACTOR_TABLES factor_tables;
static pthread_once_t factor_once = PTHREAD_ONCE_INIT;

/* x^-1 mod 2^(word bits) for an odd x, by Newton's iteration: each step
 * doubles the correct low bits, from 3 (x x == 1 mod 8) to 96. */
static sp_factor_word word_inverse(sp_factor_word x)
{
    sp_factor_word inv = x;

    for (int k = 0; k < 5; k++)
        inv *= (sp_factor_word)(2u - x * inv);
    return inv;
}

static void factor_tables_init(void)
{
    SP_FACTOR_TABLES *t = &factor_tables;
    uint64_t product = 1;
    size_t g = 0;

    /* small_primes[0] is 2: the parity check covers it. */
    for (size_t i = 1; i < N_ELEMS(small_primes); i++) {
        unsigned p = small_primes[i];

        if (product > (FACTOR_PRODUCT_LIMIT - 1) / p
            || t->n_primes[g] == FACTOR_MAX_PER_GROUP) {
            t->product[g++] = (sp_factor_word)product;
            product = 1;
            if (g == FACTOR_GROUPS_MAX)
                return; /* ready stays 0: every key is then refused */
        }
        t->prime[g][t->n_primes[g]] = (uint16_t)p;
        t->inverse[g][t->n_primes[g]] = word_inverse(p);
        t->limit[g][t->n_primes[g]] = (sp_factor_word)-1 / p;
        t->n_primes[g]++;
        product *= p;
    }
    t->product[g++] = (sp_factor_word)product;
    t->n_groups = g;
    for (g = 0; g < t->n_groups; g++) {
        sp_factor_dword w = 1, m = t->product[g];

        for (size_t k = 0; k < FACTOR_BLOCK_LIMBS; k++) {
            t->weight[g][k] = (sp_factor_word)w;
            w = (w << FACTOR_WORD_BITS) % m;
        }
#if FACTOR_WORD_BITS == 64
        t->neg_inverse[g] = (uint64_t)0 - word_inverse(t->product[g]);
        t->block_weight_mont[g] = (uint64_t)((w << 64) % m);
#else
        t->block_weight[g] = (sp_factor_word)w;
        w = ((sp_factor_dword)1 << (FACTOR_WORD_BITS - 1)) % m * 2 % m;
        t->pow_word[g] = (sp_factor_word)((w << FACTOR_WORD_BITS) % m);
#endif
    }
    t->ready = 1;
}

#if FACTOR_WORD_BITS == 64
/* Montgomery reduction of x < 2^127 by product[g] (odd, below 2^58): a
 * word congruent to x 2^-64 mod M. q makes x + q M a multiple of 2^64;
 * (x + q M) / 2^64 < 2^63 + 2^58 + 1 fits a word. The low words add to
 * 0 mod 2^64, with a carry exactly when x's low word is not 0. */
static inline uint64_t redc(const SP_FACTOR_TABLES *t, size_t g,
                            sp_factor_dword x)
{
    uint64_t lo = (uint64_t)x, hi = (uint64_t)(x >> 64);
    uint64_t q = lo * t->neg_inverse[g];
    sp_factor_dword qm = (sp_factor_dword)q * t->product[g];

    return hi + (uint64_t)(qm >> 64) + (lo != 0);
}
#endif

/* A whole limb, big-endian. Written out so that the compiler turns it
 * into one load and a byte swap, not a loop of shifts. */
static inline sp_factor_word load_be_word(const uint8_t *q)
{
#if FACTOR_WORD_BITS == 64
    return (sp_factor_word)q[0] << 56 | (sp_factor_word)q[1] << 48
           | (sp_factor_word)q[2] << 40 | (sp_factor_word)q[3] << 32
           | (sp_factor_word)q[4] << 24 | (sp_factor_word)q[5] << 16
           | (sp_factor_word)q[6] << 8 | q[7];
#else
    return (sp_factor_word)q[0] << 24 | (sp_factor_word)q[1] << 16
           | (sp_factor_word)q[2] << 8 | q[3];
#endif
}

/* The smallest prime below 752 that divides the big-endian magnitude `n`,
 * 0 when none does, or 1 when the tables could not be built. */
static unsigned small_factor(const SP_DER *modulus)
{
    const SP_FACTOR_TABLES *t = &factor_tables;
    sp_factor_word limb[FACTOR_BLOCK_LIMBS];
    sp_factor_word r[FACTOR_GROUPS_MAX];
    SP_DER mag = *modulus, *n = &mag;
    size_t limbs, n_blocks;

    if (n->len == 0 || (n->data[n->len - 1] & 1) == 0)
        return 2;
    /* Leading zero octets (the sign octet of a positive INTEGER) would
     * only add a block of one limb to an RSA-2048 modulus. */
    while (n->len > 1 && n->data[0] == 0) {
        n->data++;
        n->len--;
    }
    limbs = (n->len + FACTOR_WORD_BYTES - 1) / FACTOR_WORD_BYTES;
    n_blocks = (limbs + FACTOR_BLOCK_LIMBS - 1) / FACTOR_BLOCK_LIMBS;
    pthread_once(&factor_once, factor_tables_init);
    if (!t->ready)
        return 1;
    /* Blocks from the most significant end: r = r 2^block + block. */
    for (size_t top = n_blocks; top-- > 0;) {
        size_t first = top * FACTOR_BLOCK_LIMBS;
        size_t count = limbs - first < FACTOR_BLOCK_LIMBS ? limbs - first
                                                          : FACTOR_BLOCK_LIMBS;

        for (size_t k = 0; k < count; k++) {
            /* limb first + k counts from the least significant end */
            size_t end = n->len - FACTOR_WORD_BYTES * (first + k);
            size_t start =
                end >= FACTOR_WORD_BYTES ? end - FACTOR_WORD_BYTES : 0;
            sp_factor_word c = 0;

            if (end - start == FACTOR_WORD_BYTES) {
                limb[k] = load_be_word(n->data + start);
                continue;
            }
            for (size_t i = start; i < end; i++)
                c = c << 8 | n->data[i];
            limb[k] = c;
        }
        for (size_t g = 0; g < t->n_groups; g++) {
            const sp_factor_word *w = t->weight[g];
            sp_factor_dword acc = 0;
#if FACTOR_WORD_BITS == 64
            size_t k = 0;

            /* 32 products below 2^122: the sum stays below 2^127. Four
             * terms a step: the loop costs less than the multiplies. */
            for (; k + 4 <= count; k += 4)
                acc += (sp_factor_dword)limb[k] * w[k]
                       + (sp_factor_dword)limb[k + 1] * w[k + 1]
                       + (sp_factor_dword)limb[k + 2] * w[k + 2]
                       + (sp_factor_dword)limb[k + 3] * w[k + 3];
            for (; k < count; k++)
                acc += (sp_factor_dword)limb[k] * w[k];
            /* The first (most significant) block starts the remainder.
             * Later ones: r 2^2048 + A, all terms times 2^-64; both REDC
             * results are below 2^63 + 2^59 + 2, so the sum fits. */
            r[g] = top + 1 == n_blocks
                       ? redc(t, g, acc)
                       : redc(t, g,
                              (sp_factor_dword)r[g] * t->block_weight_mont[g])
                             + redc(t, g, acc);
#else
            sp_factor_dword m = t->product[g], hi = 0;

            /* a double-word sum of products below 2^63, carries counted */
            for (size_t k = 0; k < count; k++) {
                sp_factor_dword prod = (sp_factor_dword)limb[k] * w[k];

                acc += prod;
                hi += acc < prod;
            }
            acc = acc % m + hi % m * t->pow_word[g] % m;
            r[g] = top + 1 == n_blocks
                       ? (sp_factor_word)(acc % m)
                       : (sp_factor_word)((r[g]
                                               * (sp_factor_dword)
                                                     t->block_weight[g]
                                           + acc % m)
                                          % m);
#endif
        }
    }
    /* Groups hold consecutive primes in ascending order, so the first
     * divisor found is the smallest. The tests of a group are collected
     * without a branch each: a divisor is the rare case. */
    for (size_t g = 0; g < t->n_groups; g++) {
        sp_factor_word x = r[g];
        unsigned hits = 0;

        for (size_t i = 0; i < t->n_primes[g]; i++)
            hits |= (unsigned)((sp_factor_word)(x * t->inverse[g][i])
                               <= t->limit[g][i])
                    << i;
        if (hits != 0) {
            size_t i = 0;

            while ((hits >> i & 1u) == 0)
                i++;
            return t->prime[g][i];
        }
    }
    return 0;
}

static void check_rsa_key(SP_RULE_CTX *ctx)
{
    SP_DER cur = ctx->tbs->spki_key, seq, n, e;
    const SP_PROFILE *p = ctx->profile;
    size_t bits, ebits;
    unsigned factor;

    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || !sp_der_empty(&cur) || sp_der_get_integer(&seq, &n) != SP_DER_OK
        || sp_der_get_integer(&seq, &e) != SP_DER_OK || !sp_der_empty(&seq)
        || (n.data[0] & 0x80) || (e.data[0] & 0x80)) {
        sp_report(ctx, SP_R_KEY_MALFORMED,
                  "the RSA key is not a RSAPublicKey of two positive "
                  "INTEGERs");
        return;
    }
    bits = integer_bits(&n);
    if (bits < 2048 || bits % 8 != 0)
        sp_report(ctx, SP_R_RSA_SIZE,
                  "RSA modulus is %zu bits; at least 2048 and a multiple of "
                  "8 are required",
                  bits);
    if (p != NULL
        && ((p->rsa_min_bits && bits < p->rsa_min_bits)
            || (p->rsa_max_bits && bits > p->rsa_max_bits)))
        sp_report(ctx, SP_R_RSA_SIZE_POLICY,
                  "RSA modulus is %zu bits; profile %s allows %u to %u", bits,
                  p->name, p->rsa_min_bits,
                  p->rsa_max_bits ? p->rsa_max_bits : 16384);
    ebits = integer_bits(&e);
    if ((e.data[e.len - 1] & 1) == 0 || ebits < 2
        || (ebits == 2 && e.data[e.len - 1] < 3))
        sp_report(ctx, SP_R_RSA_EXPONENT,
                  "RSA public exponent (%zu bits, %s) must be odd and at "
                  "least 3",
                  ebits, (e.data[e.len - 1] & 1) ? "odd" : "even");
    else if (ebits < 17 || ebits > 256)
        sp_report(ctx, SP_R_RSA_EXPONENT_RANGE,
                  "RSA public exponent of %zu bits is outside "
                  "[2^16+1, 2^256-1]",
                  ebits);
    factor = small_factor(&n);
    if (factor == 1)
        sp_report(ctx, SP_R_RSA_SMALL_FACTOR,
                  "RSA modulus could not be checked for small factors");
    else if (factor != 0)
        sp_report(ctx, SP_R_RSA_SMALL_FACTOR, "RSA modulus is divisible by %u",
                  factor);
}

/* EC public key validation (6.1.6; SP 800-56A 5.6.2.3.4 partial
 * validation): the point is not the point at infinity, its coordinates
 * are below the field prime, and it satisfies y^2 = x^3 - 3x + b. The
 * arithmetic is Montgomery multiplication on fixed arrays of machine
 * words: no allocation, no libcrypto, a few hundred multiplications per
 * point. The curve's constants are computed once per process. */

#if defined(__SIZEOF_INT128__)
typedef uint64_t sp_limb;
typedef unsigned __int128 sp_dlimb;
#define LIMB_BITS 64
#else
typedef uint32_t sp_limb;
typedef uint64_t sp_dlimb;
#define LIMB_BITS 32
#endif
/* P-521 coordinates plus one word for the carry of a Montgomery product */
#define FE_LIMBS ((521 + LIMB_BITS - 1) / LIMB_BITS + 1)

typedef struct sp_fe_st {
    sp_limb v[FE_LIMBS]; /* little-endian limbs */
} SP_FE;

typedef struct sp_curve_st {
    unsigned key;
    size_t len; /* octets of a coordinate */
    const uint8_t *p, *b;
    /* Montgomery constants for R = 2^(limb bits * limbs of p), computed
     * offline (python3: 3 * pow(R, -1, p) % p, b * pow(R, -2, p) % p):
     * 3 R^-1 mod p and b R^-2 mod p */
    const uint8_t *three_rinv, *b_rinv2;
} SP_CURVE;

static const uint8_t p256_p[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p256_b[32] = {
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd,
    0x55, 0x76, 0x98, 0x86, 0xbc, 0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53,
    0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b};
static const uint8_t p384_p[48] = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p384_b[48] = {
    0xb3, 0x31, 0x2f, 0xa7, 0xe2, 0x3e, 0xe7, 0xe4, 0x98, 0x8e, 0x05, 0x6b,
    0xe3, 0xf8, 0x2d, 0x19, 0x18, 0x1d, 0x9c, 0x6e, 0xfe, 0x81, 0x41, 0x12,
    0x03, 0x14, 0x08, 0x8f, 0x50, 0x13, 0x87, 0x5a, 0xc6, 0x56, 0x39, 0x8d,
    0x8a, 0x2e, 0xd1, 0x9d, 0x2a, 0x85, 0xc8, 0xed, 0xd3, 0xec, 0x2a, 0xef};
static const uint8_t p521_p[66] = {
    0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t p521_b[66] = {
    0x00, 0x51, 0x95, 0x3e, 0xb9, 0x61, 0x8e, 0x1c, 0x9a, 0x1f, 0x92,
    0x9a, 0x21, 0xa0, 0xb6, 0x85, 0x40, 0xee, 0xa2, 0xda, 0x72, 0x5b,
    0x99, 0xb3, 0x15, 0xf3, 0xb8, 0xb4, 0x89, 0x91, 0x8e, 0xf1, 0x09,
    0xe1, 0x56, 0x19, 0x39, 0x51, 0xec, 0x7e, 0x93, 0x7b, 0x16, 0x52,
    0xc0, 0xbd, 0x3b, 0xb1, 0xbf, 0x07, 0x35, 0x73, 0xdf, 0x88, 0x3d,
    0x2c, 0x34, 0xf1, 0xef, 0x45, 0x1f, 0xd4, 0x6b, 0x50, 0x3f, 0x00};

static const uint8_t p256_3rinv[32] = {
    0xff, 0xff, 0xff, 0xfc, 0x00, 0x00, 0x00, 0x09, 0xff, 0xff, 0xff,
    0xf7, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x03, 0xff, 0xff,
    0xff, 0xfa, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x02,
};
static const uint8_t p256_brinv2[32] = {
    0x30, 0x81, 0xdc, 0x38, 0xd9, 0x48, 0x43, 0x1a, 0x7c, 0x17, 0x86,
    0x84, 0xa0, 0xf4, 0x53, 0x03, 0xfc, 0x35, 0x21, 0xeb, 0x9c, 0xa0,
    0x65, 0xa7, 0xe5, 0x9b, 0xe0, 0xa6, 0x45, 0x84, 0xa1, 0x37,
};
static const uint8_t p384_3rinv[48] = {
    0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x3c, 0x00, 0x00, 0x00, 0x24,
    0x00, 0x00, 0x00, 0x08, 0xff, 0xff, 0xff, 0xf6, 0xff, 0xff, 0xff, 0xf0,
    0xff, 0xff, 0xff, 0xf3, 0xff, 0xff, 0xff, 0xf9, 0xff, 0xff, 0xff, 0xc3,
    0xff, 0xff, 0xff, 0x8a, 0xff, 0xff, 0xff, 0xa3, 0x00, 0x00, 0x00, 0x12,
};
static const uint8_t p384_brinv2[48] = {
    0xf7, 0xcd, 0x02, 0xa7, 0x8f, 0x62, 0xa2, 0x1c, 0xbe, 0xfd, 0x42, 0x46,
    0xab, 0xba, 0xb8, 0x44, 0x9e, 0x15, 0x93, 0x6d, 0x2e, 0xd8, 0x6b, 0xff,
    0xfc, 0x7a, 0x73, 0xca, 0x80, 0x40, 0x8a, 0xfd, 0x2c, 0x9f, 0x09, 0xfa,
    0x91, 0x9d, 0x89, 0xc2, 0x91, 0x5a, 0x90, 0x2a, 0x4a, 0x46, 0x51, 0xdb,
};
#if LIMB_BITS == 64
static const uint8_t p521_3rinv[66] = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t p521_brinv2[66] = {
    0x00, 0xfc, 0x41, 0xe9, 0x61, 0xa7, 0x8f, 0x7a, 0x28, 0xfe, 0xa3,
    0x5a, 0x81, 0xf8, 0x01, 0x46, 0x54, 0xfa, 0xe5, 0x86, 0x38, 0x72,
    0x68, 0x7e, 0x4a, 0x68, 0x86, 0x82, 0xda, 0x15, 0x03, 0xba, 0x8b,
    0x69, 0xc9, 0x6e, 0x66, 0xcc, 0x57, 0xce, 0xe2, 0xd2, 0x26, 0x46,
    0x3b, 0xc4, 0x27, 0x85, 0x58, 0x64, 0xe5, 0x47, 0xb1, 0xfa, 0x4d,
    0xec, 0x59, 0x4b, 0x02, 0xf4, 0xee, 0xc6, 0xfc, 0x1c, 0xd5, 0xcf,
};
#else
static const uint8_t p521_3rinv[66] = {
    0x00, 0x00, 0x00, 0x0c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};
static const uint8_t p521_brinv2[66] = {
    0x00, 0xfe, 0xa3, 0x5a, 0x81, 0xf8, 0x01, 0x46, 0x54, 0xfa, 0xe5,
    0x86, 0x38, 0x72, 0x68, 0x7e, 0x4a, 0x68, 0x86, 0x82, 0xda, 0x15,
    0x03, 0xba, 0x8b, 0x69, 0xc9, 0x6e, 0x66, 0xcc, 0x57, 0xce, 0xe2,
    0xd2, 0x26, 0x46, 0x3b, 0xc4, 0x27, 0x85, 0x58, 0x64, 0xe5, 0x47,
    0xb1, 0xfa, 0x4d, 0xec, 0x59, 0x4b, 0x02, 0xf4, 0xee, 0xc6, 0xfc,
    0x1c, 0xd5, 0xcf, 0x7e, 0x20, 0xf4, 0xb0, 0xd3, 0xc7, 0xbd, 0x14,
};
#endif

static const SP_CURVE curves[] = {
    {SP_KEY_P256, 32, p256_p, p256_b, p256_3rinv, p256_brinv2},
    {SP_KEY_P384, 48, p384_p, p384_b, p384_3rinv, p384_brinv2},
    {SP_KEY_P521, 66, p521_p, p521_b, p521_3rinv, p521_brinv2},
};

/* A whole limb, big-endian (one load and a byte swap). */
static inline sp_limb load_be_limb(const uint8_t *q)
{
#if LIMB_BITS == 64
    return (sp_limb)q[0] << 56 | (sp_limb)q[1] << 48 | (sp_limb)q[2] << 40
           | (sp_limb)q[3] << 32 | (sp_limb)q[4] << 24 | (sp_limb)q[5] << 16
           | (sp_limb)q[6] << 8 | q[7];
#else
    return (sp_limb)q[0] << 24 | (sp_limb)q[1] << 16 | (sp_limb)q[2] << 8
           | q[3];
#endif
}

/* The big-endian n octets at b (n <= 66), a limb at a time from the
 * least significant end. */
static void fe_from_bytes(SP_FE *r, const uint8_t *b, size_t n)
{
    size_t i = 0;

    memset(r, 0, sizeof(*r));
    for (; n >= LIMB_BITS / 8; n -= LIMB_BITS / 8)
        r->v[i++] = load_be_limb(b + n - LIMB_BITS / 8);
    for (size_t j = 0; j < n; j++)
        r->v[i] = r->v[i] << 8 | b[j];
}

static int fe_cmp(const SP_FE *a, const SP_FE *b)
{
    for (size_t i = FE_LIMBS; i-- > 0;) {
        if (a->v[i] != b->v[i])
            return a->v[i] < b->v[i] ? -1 : 1;
    }
    return 0;
}

static int fe_is_zero(const SP_FE *a)
{
    sp_limb any = 0;

    for (size_t i = 0; i < FE_LIMBS; i++)
        any |= a->v[i];
    return any == 0;
}

/* -p^-1 mod 2^LIMB_BITS, by Newton's iteration (p odd). */
static sp_limb mont_n0(const SP_FE *p)
{
    /* the small-factor test's inverse: both word types follow __int128 */
    _Static_assert(sizeof(sp_limb) == sizeof(sp_factor_word),
                   "field limbs and factor words differ");
    return (sp_limb)0 - word_inverse(p->v[0]);
}

/* The field arithmetic below takes the number of limbs n of p as an
 * argument and is inlined into one copy of ec_on_curve_n per curve with
 * n constant, so that the loops unroll. Conditional corrections are made
 * with masks: whether a sum reaches p is a coin toss, and a branch on it
 * is mispredicted half of the time. */
#if defined(__GNUC__)
#define SP_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define SP_ALWAYS_INLINE inline
#endif

/* r = t - p over n + 1 limbs when that does not borrow, t otherwise (t
 * has n + 1 limbs, p n); limbs above n are cleared. */
static SP_ALWAYS_INLINE void fe_select_reduced(SP_FE *r, const sp_limb *t,
                                               const SP_FE *p, size_t n)
{
    sp_limb d[FE_LIMBS], borrow = 0, keep;

    for (size_t i = 0; i <= n; i++) {
        sp_limb pi = i < n ? p->v[i] : 0;
        sp_limb diff = t[i] - pi;
        sp_limb out = (t[i] < pi) | (diff < borrow);

        d[i] = diff - borrow;
        borrow = out;
    }
    keep = (sp_limb)0 - borrow; /* all ones when t < p */
    for (size_t i = 0; i <= n; i++)
        r->v[i] = (t[i] & keep) | (d[i] & ~keep);
    for (size_t i = n + 1; i < FE_LIMBS; i++)
        r->v[i] = 0;
}

/* r = a * b * R^-1 mod p for a, b < p (CIOS). */
static SP_ALWAYS_INLINE void mont_mul_n(SP_FE *r, const SP_FE *a,
                                        const SP_FE *b, const SP_FE *p,
                                        sp_limb n0, size_t n)
{
    sp_limb t[FE_LIMBS + 2] = {0};

    for (size_t i = 0; i < n; i++) {
        sp_limb carry = 0, m;
        sp_dlimb s;

        for (size_t j = 0; j < n; j++) {
            s = (sp_dlimb)a->v[j] * b->v[i] + t[j] + carry;
            t[j] = (sp_limb)s;
            carry = (sp_limb)(s >> LIMB_BITS);
        }
        s = (sp_dlimb)t[n] + carry;
        t[n] = (sp_limb)s;
        t[n + 1] = (sp_limb)(s >> LIMB_BITS);
        m = t[0] * n0;
        s = (sp_dlimb)m * p->v[0] + t[0];
        carry = (sp_limb)(s >> LIMB_BITS);
        for (size_t j = 1; j < n; j++) {
            s = (sp_dlimb)m * p->v[j] + t[j] + carry;
            t[j - 1] = (sp_limb)s;
            carry = (sp_limb)(s >> LIMB_BITS);
        }
        s = (sp_dlimb)t[n] + carry;
        t[n - 1] = (sp_limb)s;
        t[n] = t[n + 1] + (sp_limb)(s >> LIMB_BITS);
    }
    fe_select_reduced(r, t, p, n); /* t < 2p */
}

/* r = (a + b) mod p, for a, b < p */
static SP_ALWAYS_INLINE void
fe_add_mod_n(SP_FE *r, const SP_FE *a, const SP_FE *b, const SP_FE *p, size_t n)
{
    sp_limb t[FE_LIMBS], carry = 0;

    for (size_t i = 0; i < n; i++) {
        sp_dlimb s = (sp_dlimb)a->v[i] + b->v[i] + carry;

        t[i] = (sp_limb)s;
        carry = (sp_limb)(s >> LIMB_BITS);
    }
    t[n] = carry;
    fe_select_reduced(r, t, p, n);
}

/* r = (a - b) mod p, for a, b < p: a - b, plus p when that borrowed */
static SP_ALWAYS_INLINE void
fe_sub_mod_n(SP_FE *r, const SP_FE *a, const SP_FE *b, const SP_FE *p, size_t n)
{
    sp_limb borrow = 0, carry = 0, add;

    for (size_t i = 0; i < n; i++) {
        sp_limb diff = a->v[i] - b->v[i];
        sp_limb out = (a->v[i] < b->v[i]) | (diff < borrow);

        r->v[i] = diff - borrow;
        borrow = out;
    }
    add = (sp_limb)0 - borrow;
    for (size_t i = 0; i < n; i++) {
        sp_dlimb s = (sp_dlimb)r->v[i] + (p->v[i] & add) + carry;

        r->v[i] = (sp_limb)s;
        carry = (sp_limb)(s >> LIMB_BITS);
    }
    for (size_t i = n; i < FE_LIMBS; i++)
        r->v[i] = 0;
}

/* Per curve, as limbs, once per process: the field prime, b and the
 * Montgomery constants (R = 2^(limb bits * n)). */
typedef struct sp_curve_consts_st {
    size_t n; /* limbs of p */
    sp_limb n0;
    SP_FE p;
    SP_FE three_rinv; /* 3 R^-1 mod p */
    SP_FE b_rinv2;    /* b R^-2 mod p */
} SP_CURVE_CONSTS;

static SP_CURVE_CONSTS curve_consts[N_ELEMS(curves)];
static pthread_once_t curve_once = PTHREAD_ONCE_INIT;

static void curve_consts_init(void)
{
    for (size_t c = 0; c < N_ELEMS(curves); c++) {
        SP_CURVE_CONSTS *k = &curve_consts[c];

        k->n = (curves[c].len * 8 + LIMB_BITS - 1) / LIMB_BITS;
        fe_from_bytes(&k->p, curves[c].p, curves[c].len);
        fe_from_bytes(&k->three_rinv, curves[c].three_rinv, curves[c].len);
        fe_from_bytes(&k->b_rinv2, curves[c].b_rinv2, curves[c].len);
        k->n0 = mont_n0(&k->p);
    }
}

/* Whether (x, y) satisfies y^2 = x^3 - 3x + b over the curve's field,
 * for x, y < p. With M(a, b) = a b R^-1, four products, both sides
 * carrying R^-2:
 *   M(M(y, y), 1)                  = y^2 R^-2
 *   M(M(x, x) - 3R^-1, x) + bR^-2  = (x^3 - 3x + b) R^-2 */
static SP_ALWAYS_INLINE int ec_on_curve_n(const SP_CURVE_CONSTS *k,
                                          const SP_FE *x, const SP_FE *y,
                                          size_t n)
{
    SP_FE one, lhs, rhs;

    /* M(., 1) costs no more than a reduction: n is constant here, and
     * the compiler drops the products of the zero limbs. */
    memset(&one, 0, sizeof(one));
    one.v[0] = 1;
    mont_mul_n(&lhs, y, y, &k->p, k->n0, n);
    mont_mul_n(&lhs, &lhs, &one, &k->p, k->n0, n);
    mont_mul_n(&rhs, x, x, &k->p, k->n0, n);
    fe_sub_mod_n(&rhs, &rhs, &k->three_rinv, &k->p, n);
    mont_mul_n(&rhs, &rhs, x, &k->p, k->n0, n);
    fe_add_mod_n(&rhs, &rhs, &k->b_rinv2, &k->p, n);
    return fe_cmp(&lhs, &rhs) == 0;
}

static int ec_on_curve(const SP_CURVE *c, const SP_FE *x, const SP_FE *y)
{
    const SP_CURVE_CONSTS *k = &curve_consts[c - curves];

    pthread_once(&curve_once, curve_consts_init);
    switch (k->n) {
    case 256 / LIMB_BITS:
        return ec_on_curve_n(k, x, y, 256 / LIMB_BITS);
    case 384 / LIMB_BITS:
        return ec_on_curve_n(k, x, y, 384 / LIMB_BITS);
    default:
        return ec_on_curve_n(k, x, y, k->n);
    }
}

static void check_ec_key(SP_RULE_CTX *ctx, unsigned key)
{
    const SP_DER *k = &ctx->tbs->spki_key;
    const SP_CURVE *c = NULL;
    const char *curve = sp_key_type_name(key);
    const SP_FE *p;
    SP_FE x, y;

    for (size_t i = 0; i < N_ELEMS(curves); i++) {
        if (curves[i].key == key)
            c = &curves[i];
    }
    if (c == NULL)
        return;
    pthread_once(&curve_once, curve_consts_init);
    p = &curve_consts[c - curves].p;
    if (k->len == 1 + c->len && (k->data[0] == 0x02 || k->data[0] == 0x03)) {
        /* Compressed (RFC 5480 allows it): y follows from x; only the
         * range of x is checked here. */
        fe_from_bytes(&x, k->data + 1, c->len);
        if (fe_cmp(&x, p) >= 0)
            sp_report(ctx, SP_R_EC_POINT,
                      "%s compressed point: x is not below the field prime",
                      curve);
        return;
    }
    if (k->len != 1 + 2 * c->len || k->data[0] != 0x04) {
        sp_report(ctx, SP_R_EC_POINT,
                  "%s public key is %zu octets starting 0x%02x; an "
                  "uncompressed point is 0x04 and %zu octets",
                  curve, k->len, k->len ? k->data[0] : 0, 2 * c->len);
        return;
    }
    fe_from_bytes(&x, k->data + 1, c->len);
    fe_from_bytes(&y, k->data + 1 + c->len, c->len);
    if (fe_cmp(&x, p) >= 0 || fe_cmp(&y, p) >= 0)
        sp_report(ctx, SP_R_EC_POINT,
                  "%s point coordinate is not below the field prime", curve);
    else if (fe_is_zero(&x) && fe_is_zero(&y))
        sp_report(ctx, SP_R_EC_POINT, "%s point is (0, 0)", curve);
    else if (!ec_on_curve(c, &x, &y))
        sp_report(ctx, SP_R_EC_POINT, "%s point is not on the curve", curve);
}

static void check_fixed_length(SP_RULE_CTX *ctx, unsigned key)
{
    static const struct {
        unsigned key;
        size_t len;
        sp_rule_id rule;
    } lengths[] = {
        {SP_KEY_ED25519, 32, SP_R_EDDSA_KEY},
        {SP_KEY_ED448, 57, SP_R_EDDSA_KEY},
        {SP_KEY_MLDSA44, 1312, SP_R_PQ_KEY},
        {SP_KEY_MLDSA65, 1952, SP_R_PQ_KEY},
        {SP_KEY_MLDSA87, 2592, SP_R_PQ_KEY},
        {SP_KEY_MLKEM512, 800, SP_R_PQ_KEY},
        {SP_KEY_MLKEM768, 1184, SP_R_PQ_KEY},
        {SP_KEY_MLKEM1024, 1568, SP_R_PQ_KEY},
    };

    for (size_t i = 0; i < N_ELEMS(lengths); i++) {
        if (lengths[i].key == key && ctx->tbs->spki_key.len != lengths[i].len)
            sp_report(ctx, lengths[i].rule,
                      "%s public key is %zu octets; %zu expected",
                      sp_key_type_name(key), ctx->tbs->spki_key.len,
                      lengths[i].len);
    }
}

static void check_spki(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;
    unsigned key = sp_spki_alg_key_type(&t->spki_alg);
    char oid[64];

    if (key == 0) {
        sp_report(ctx, SP_R_SPKI_ALG,
                  "subject key algorithm %s (%s) is not one of the "
                  "permitted encodings",
                  sp_der_oid_to_text(&t->spki_alg_oid, oid, sizeof(oid)),
                  t->spki_alg_params.len == 0 ? "no parameters"
                                              : "with parameters");
        return;
    }
    if (ctx->profile != NULL && (ctx->profile->key_types & key) == 0)
        sp_report(ctx, SP_R_KEY_TYPE_POLICY,
                  "%s keys are not allowed by profile %s",
                  sp_key_type_name(key), ctx->profile->name);
    if (key == SP_KEY_RSA)
        check_rsa_key(ctx);
    else if (key == SP_KEY_P256 || key == SP_KEY_P384 || key == SP_KEY_P521)
        check_ec_key(ctx, key);
    else
        check_fixed_length(ctx, key);
}

/* ------------------------------------------------------------------ */
/* The issuing CA                                                      */

static void check_issuer(SP_RULE_CTX *ctx)
{
    const SP_ISSUER *iss = ctx->issuer;
    SP_DER subject;

    if (iss == NULL)
        return;
    subject = sp_issuer_subject(iss);
    if (!sp_der_equal(&subject, &ctx->tbs->issuer))
        sp_report(ctx, SP_R_ISSUER_NAME_MISMATCH,
                  "issuer name (%zu octets) differs from the subject of "
                  "issuing CA %s (%zu octets)",
                  ctx->tbs->issuer.len,
                  sp_issuer_path(iss) ? sp_issuer_path(iss) : "(given)",
                  subject.len);
    if (sp_issuer_is_root(iss))
        sp_report(ctx, SP_R_ISSUER_ROOT, "issuing CA %s is a self-signed root",
                  sp_issuer_path(iss) ? sp_issuer_path(iss) : "(given)");
    else if (!sp_issuer_may_issue_smime(iss))
        sp_report(ctx, SP_R_ISSUER_NOT_SMIME,
                  "issuing CA %s has an extKeyUsage without "
                  "emailProtection or with serverAuth, codeSigning, "
                  "timeStamping or anyExtendedKeyUsage",
                  sp_issuer_path(iss) ? sp_issuer_path(iss) : "(given)");
}

void sp_rules_core(SP_RULE_CTX *ctx)
{
    check_version_serial(ctx);
    check_structure(ctx);
    check_validity(ctx);
    check_legacy_sunset(ctx);
    sp_check_sig_alg(ctx->out, &ctx->tbs->sig_alg, ctx->issuer,
                     "tbsCertificate");
    check_spki(ctx);
    check_issuer(ctx);
}

void sp_rules_core_ca(SP_RULE_CTX *ctx)
{
    const SP_ISSUER *iss = ctx->issuer;
    SP_DER subject;

    check_version_serial(ctx);
    check_structure(ctx);
    /* Without a generation check_validity checks the encoding and order
     * only: the SBR sets no maximum for CA certificates (E-05). */
    check_validity(ctx);
    sp_check_sig_alg(ctx->out, &ctx->tbs->sig_alg, iss, "tbsCertificate");
    check_spki(ctx);
    if (iss == NULL)
        return;
    subject = sp_issuer_subject(iss);
    if (!sp_der_equal(&subject, &ctx->tbs->issuer))
        sp_report(ctx, SP_R_ISSUER_NAME_MISMATCH,
                  "issuer name (%zu octets) differs from the subject of "
                  "issuing CA %s (%zu octets)",
                  ctx->tbs->issuer.len,
                  sp_issuer_path(iss) ? sp_issuer_path(iss) : "(given)",
                  subject.len);
}
