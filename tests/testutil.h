/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the CUnit tests: real keys and CA certificates made with
 * libcrypto, a compliant subscriber certificate per SBR profile that a test
 * then changes in exactly one way, and small raw-DER tools for cases
 * libcrypto will not build (malformed encodings).
 *
 * Everything a helper returns is owned as documented next to it. Keys and
 * CAs are made once per process and cached; they are never freed (the
 * process ends after the tests).
 *
 * A helper that cannot do its job (libcrypto failed, bad argument) prints
 * why and aborts the process: a test built on a half-made certificate
 * would assert nothing.
 */
#ifndef SMIMEPOLICY_TESTUTIL_H
#define SMIMEPOLICY_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "engine.h"
#include "policy_int.h"

/* notBefore of every template certificate: 2025-06-01T00:00:00Z, before
 * the Legacy sunset so all twelve profiles are compliant at notBefore. */
#define TU_NOT_BEFORE INT64_C(1748736000)
/* Template validity: 365 days (inclusive of both ends). */
#define TU_VALIDITY_SECS (INT64_C(365) * 86400 - 1)
/* The Legacy sunset, 2025-07-15T00:00:00Z. */
#define TU_LEGACY_SUNSET INT64_C(1752537600)

/* ------------------------------------------------------------------ */
/* Keys and CAs                                                        */

/* A key of `kind`: "rsa2048", "rsa3072", "rsa4096", "p256", "p384",
 * "p521", "ed25519", "ed448", or any OpenSSL key type name the default
 * provider can generate with no parameters ("x25519", ...), and
 * "rsa1024"/"rsa2056"-style sizes for negative tests. Cached per process:
 * the same kind always gives the same subscriber key. Do not free. */
EVP_PKEY *tu_key(const char *kind);
/* As tu_key, but a distinct key per `slot` (0 = subscriber keys as
 * tu_key, 1 = issuing CAs, 2 = roots, higher = free for tests). */
EVP_PKEY *tu_key_slot(const char *kind, int slot);

typedef struct tu_ca_st {
    X509 *cert;
    EVP_PKEY *key;
    SP_ISSUER *issuer; /* the same certificate as the engine sees it */
    char kind[16];
} TU_CA;

/* A self-signed root of `kind` (basicConstraints cA, keyCertSign/cRLSign,
 * no EKU) and an S/MIME issuing CA of `kind` signed by the root of the
 * same kind (EKU emailProtection + clientAuth, SKI, AKI). Cached; do not
 * free. */
const TU_CA *tu_root_ca(const char *kind);
const TU_CA *tu_issuing_ca(const char *kind);
/* An issuing CA whose EKU is `eku` (X509V3 syntax, e.g. "serverAuth" or
 * NULL for no EKU at all), signed by the root of `kind`. Not cached: free
 * with tu_ca_free. */
TU_CA *tu_ca_new_with_eku(const char *kind, const char *eku);
void tu_ca_free(TU_CA *ca);

/* ------------------------------------------------------------------ */
/* Subscriber certificates                                             */

/* A certificate that every SBR rule accepts for (type, gen) with a
 * subscriber key of `keykind`, to be issued by `ca`:
 *   v3, 16-octet random serial, notBefore TU_NOT_BEFORE, 365 days,
 *   subject and SAN mailbox alice@example.com fitting the type,
 *   keyUsage critical per key type (RSA dS+kE, EC dS+kA, EdDSA dS),
 *   EKU emailProtection, certificatePolicies with the reserved OID only,
 *   CRLDP and AIA (OCSP + caIssuers) http URIs, AKI keyid, SKI hash.
 * The issuer name is the CA's subject. Free with X509_free. */
X509 *tu_cert_new(sp_type type, sp_generation gen, const char *keykind,
                  const TU_CA *ca);

/* Replace the subject: "/CN=a@example.com/O=Example" (UTF8String where
 * the attribute allows, OpenSSL's per-attribute type otherwise). "" makes
 * an empty subject. Attribute names are OpenSSL short names or dotted
 * OIDs. "/+" before a name joins it to the previous RDN (multi-valued);
 * values run to the next '/'. */
void tu_cert_set_subject(X509 *cert, const char *dn);
/* Add or replace (in place) an extension in X509V3 config syntax, e.g.
 * ("keyUsage", "critical,digitalSignature"). AKI "keyid" uses the CA the
 * certificate was made for. */
void tu_cert_set_ext(X509 *cert, const char *name, const char *value);
/* Add or replace an extension with raw extnValue contents. */
void tu_cert_set_ext_der(X509 *cert, const char *oid, int critical,
                         const uint8_t *der, size_t len);
/* Same, from a hex string ("3003020101"). */
void tu_cert_set_ext_hex(X509 *cert, const char *oid, int critical,
                         const char *hex);
/* Remove every extension with this OID or short name. */
void tu_cert_del_ext(X509 *cert, const char *oid_or_sn);
/* Add one more copy of an extension even if present (duplicates). */
void tu_cert_add_ext_dup(X509 *cert, const char *oid_or_sn);
void tu_cert_set_validity(X509 *cert, int64_t not_before, int64_t not_after);
/* Serial from big-endian magnitude bytes (len 0 = zero); `negative`
 * makes it negative. */
void tu_cert_set_serial(X509 *cert, const uint8_t *bytes, size_t len,
                        int negative);
/* Replace the subject key with tu_key(kind) and recompute the SKI. */
void tu_cert_set_key(X509 *cert, const char *kind);
/* Replace the subject key with a raw SubjectPublicKeyInfo (may be one
 * libcrypto cannot parse, e.g. ML-DSA on 3.0). Applied when signing. */
void tu_cert_set_spki_der(X509 *cert, const uint8_t *spki, size_t len);

/* Sign `cert` with the CA key and return the DER TBSCertificate
 * (OPENSSL_free it). `md`: NULL for the SBR default of the CA key
 * (SHA-256 for RSA and P-256, SHA-384 for P-384, SHA-512 for P-521, none
 * for EdDSA), or "sha1", "sha256", "sha384", "sha512", "sha256-pss",
 * "sha384-pss", "sha512-pss". */
uint8_t *tu_cert_tbs(X509 *cert, const TU_CA *ca, const char *md, size_t *len);
/* The whole signed certificate DER after tu_cert_tbs (OPENSSL_free). */
uint8_t *tu_cert_der(X509 *cert, size_t *len);

/* ------------------------------------------------------------------ */
/* Raw DER                                                             */

/* Parse hex ("30 03 02 01 01", spaces allowed) into a new buffer
 * (OPENSSL_free); *len gets its length. */
uint8_t *tu_hex(const char *hex, size_t *len);
/* Write tag, definite minimal length and `content` to out (which must
 * have room for len + 6); returns bytes written. */
size_t tu_der_tlv(uint8_t *out, unsigned tag, const uint8_t *content,
                  size_t len);
/* Replace the first occurrence of `find` with `repl` of the same length
 * in place; returns the offset, aborts when absent. */
size_t tu_bytes_patch(uint8_t *der, size_t len, const uint8_t *find,
                      const uint8_t *repl, size_t n);
/* Replace the first occurrence of `find` (flen bytes) with `repl` (rlen
 * bytes) in a DER TLV tree and fix the lengths of every constructed
 * element that encloses it. Returns a new buffer (OPENSSL_free). Only
 * for inputs whose length octets this can rewrite (definite lengths). */
uint8_t *tu_der_splice(const uint8_t *der, size_t len, const uint8_t *find,
                       size_t flen, const uint8_t *repl, size_t rlen,
                       size_t *outlen);

/* ------------------------------------------------------------------ */
/* Judging                                                             */

/* The default policy (all twelve profiles); fresh, free with
 * sp_policy_free. */
SP_POLICY *tu_policy(void);
/* A profile of `pol` that tests may change (aborts when absent). */
SP_PROFILE *tu_profile(SP_POLICY *pol, sp_type type, sp_generation gen);

/* Judge `der` as issued at its notBefore. The verdict lives in a static
 * buffer, valid until the next tu_judge* call; views in it point into
 * `der`, which the caller keeps. `issuer` may be NULL. */
const SP_VERDICT *tu_judge(const SP_POLICY *pol, const uint8_t *der, size_t len,
                           const SP_ISSUER *issuer);
const SP_VERDICT *tu_judge_at(const SP_POLICY *pol, const uint8_t *der,
                              size_t len, const SP_ISSUER *issuer, int64_t at);
/* Sign `cert` with `ca` (default digest) and judge its TBS with ca's
 * issuer. The TBS stays alive until the next call. `pol` NULL = the
 * default policy (made once). */
const SP_VERDICT *tu_judge_cert(const SP_POLICY *pol, X509 *cert,
                                const TU_CA *ca);

/* Number of findings with `code` in the verdict (waived ones included). */
int tu_has_finding(const SP_VERDICT *v, const char *code);
/* The first finding with `code`, or NULL. */
const SP_FINDING *tu_finding(const SP_VERDICT *v, const char *code);
/* Print every finding (to stderr) when TU_VERBOSE is set in the
 * environment, or always when `force`. */
void tu_dump(const SP_VERDICT *v, int force);

/* Assert that judging gave `decision` and a finding `code` (CUnit
 * assertions, so a failure names the test and line). */
#define TU_ASSERT_FINDING(v, code)                                             \
    do {                                                                       \
        if (!tu_has_finding((v), (code)))                                      \
            tu_dump((v), 1);                                                   \
        CU_ASSERT_TRUE_FATAL(tu_has_finding((v), (code)) > 0);                 \
    } while (0)
#define TU_ASSERT_NO_FINDING(v, code)                                          \
    do {                                                                       \
        if (tu_has_finding((v), (code)))                                       \
            tu_dump((v), 1);                                                   \
        CU_ASSERT_EQUAL(tu_has_finding((v), (code)), 0);                       \
    } while (0)
#define TU_ASSERT_DECISION(v, d)                                               \
    do {                                                                       \
        if ((v)->decision != (d))                                              \
            tu_dump((v), 1);                                                   \
        CU_ASSERT_EQUAL((v)->decision, (d));                                   \
    } while (0)

/* ------------------------------------------------------------------ */
/* Test registration                                                   */

/* Add a suite with tests given as {name, fn} pairs ending in {NULL}.
 * Aborts when CUnit cannot register. */
typedef struct tu_test_st {
    const char *name;
    CU_TestFunc fn;
} TU_TEST;
void tu_add_suite(const char *name, const TU_TEST *tests);
/* Initialise the CUnit registry (call first). */
void tu_init(void);
/* Run every registered suite; returns the process exit status. */
int tu_run(void);

/* Subject and SAN tests of test_rules, defined in test_rules_names.c
 * (the names rules); test_rules.c's main calls it. */
void add_names_tests(void);

#endif
