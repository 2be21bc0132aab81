/* SPDX-License-Identifier: Apache-2.0 */
/* Test helpers: see testutil.h. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "testutil.h"

#define TU_MAX_KEYS 64
#define TU_MAX_CAS 16

typedef struct tu_key_entry_st {
    char kind[16];
    int slot;
    EVP_PKEY *key;
} TU_KEY_ENTRY;

/* Raw SPKI a test substitutes at signing time (tu_cert_set_spki_der). */
typedef struct tu_raw_spki_st {
    size_t len;
    uint8_t der[];
} TU_RAW_SPKI;

static TU_KEY_ENTRY tu_keys[TU_MAX_KEYS];
static size_t tu_n_keys;
static TU_CA *tu_roots[TU_MAX_CAS];
static size_t tu_n_roots;
static TU_CA *tu_issuings[TU_MAX_CAS];
static size_t tu_n_issuings;
static int tu_ca_index = -1;
static int tu_spki_index = -1;

static void tu_die(const char *what)
{
    fprintf(stderr, "testutil: %s\n", what);
    ERR_print_errors_fp(stderr);
    abort();
}

static void tu_raw_spki_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad,
                             int idx, long argl, void *argp)
{
    OPENSSL_free(ptr);
}

static void tu_ex_init(void)
{
    if (tu_ca_index < 0)
        tu_ca_index = X509_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    if (tu_spki_index < 0)
        tu_spki_index =
            X509_get_ex_new_index(0, NULL, NULL, NULL, tu_raw_spki_free);
    if (tu_ca_index < 0 || tu_spki_index < 0)
        tu_die("X509_get_ex_new_index");
}

static EVP_PKEY *tu_keygen(const char *kind)
{
    EVP_PKEY *key = NULL;

    if (strncmp(kind, "rsa", 3) == 0 && isdigit((unsigned char)kind[3]))
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
                                (size_t)strtoul(kind + 3, NULL, 10));
    else if (strcmp(kind, "p256") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(kind, "p384") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    else if (strcmp(kind, "p521") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    else if (strcmp(kind, "secp256k1") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "secp256k1");
    else
        key = EVP_PKEY_Q_keygen(NULL, NULL, kind);
    if (key == NULL)
        tu_die(kind);
    return key;
}

EVP_PKEY *tu_key_slot(const char *kind, int slot)
{
    for (size_t i = 0; i < tu_n_keys; i++) {
        if (tu_keys[i].slot == slot && strcmp(tu_keys[i].kind, kind) == 0)
            return tu_keys[i].key;
    }
    if (tu_n_keys == TU_MAX_KEYS || strlen(kind) >= sizeof(tu_keys[0].kind))
        tu_die("too many keys");
    TU_KEY_ENTRY *e = &tu_keys[tu_n_keys++];
    snprintf(e->kind, sizeof(e->kind), "%s", kind);
    e->slot = slot;
    e->key = tu_keygen(kind);
    return e->key;
}

EVP_PKEY *tu_key(const char *kind)
{
    return tu_key_slot(kind, 0);
}

/* The digest the SBR pairs with a key (NULL for EdDSA). */
static const EVP_MD *tu_default_md(EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "ED25519") || EVP_PKEY_is_a(key, "ED448"))
        return NULL;
    if (EVP_PKEY_is_a(key, "EC")) {
        int bits = EVP_PKEY_get_bits(key);
        if (bits > 384)
            return EVP_sha512();
        if (bits > 256)
            return EVP_sha384();
    }
    return EVP_sha256();
}

static void tu_sign(X509 *cert, EVP_PKEY *key, const char *md)
{
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    const EVP_MD *digest;
    int pss = 0;

    if (md == NULL) {
        digest = tu_default_md(key);
    } else {
        char name[16];
        const char *dash = strchr(md, '-');
        size_t n = dash ? (size_t)(dash - md) : strlen(md);
        if (n >= sizeof(name))
            tu_die(md);
        memcpy(name, md, n);
        name[n] = '\0';
        pss = dash != NULL && strcmp(dash, "-pss") == 0;
        digest = EVP_get_digestbyname(name);
        if (digest == NULL)
            tu_die(md);
    }
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL || EVP_DigestSignInit(mctx, &pctx, digest, NULL, key) <= 0)
        tu_die("EVP_DigestSignInit");
    if (pss) {
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
                   <= 0
            || EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, digest) <= 0)
            tu_die("PSS parameters");
    }
    if (X509_sign_ctx(cert, mctx) <= 0)
        tu_die("X509_sign_ctx");
    EVP_MD_CTX_free(mctx);
}

static void tu_random_serial(X509 *cert)
{
    uint8_t bytes[16];

    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        tu_die("RAND_bytes");
    bytes[0] = (uint8_t)((bytes[0] & 0x3f) | 0x40); /* positive, 16 octets */
    tu_cert_set_serial(cert, bytes, sizeof(bytes), 0);
}

/* Add or replace in place, keeping the extension order stable. */
static void tu_put_ext(X509 *cert, X509_EXTENSION *ext)
{
    int idx = X509_get_ext_by_OBJ(cert, X509_EXTENSION_get_object(ext), -1);

    if (idx >= 0)
        X509_EXTENSION_free(X509_delete_ext(cert, idx));
    if (!X509_add_ext(cert, ext, idx))
        tu_die("X509_add_ext");
    X509_EXTENSION_free(ext);
}

static void tu_conf_ext(X509 *cert, X509 *issuer, const char *name,
                        const char *value)
{
    X509V3_CTX ctx;
    X509_EXTENSION *ext;
    /* Extensions parsed with r2i (certificatePolicies) refuse to work
     * without a config database, even when they need no section. */
    CONF *conf = NCONF_new(NULL);

    if (conf == NULL)
        tu_die("NCONF_new");
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509V3_set_nconf(&ctx, conf);
    ext = X509V3_EXT_nconf(conf, &ctx, name, value);
    NCONF_free(conf);
    if (ext == NULL) {
        fprintf(stderr, "testutil: extension %s=%s\n", name, value);
        tu_die("X509V3_EXT_nconf");
    }
    tu_put_ext(cert, ext);
}

static TU_CA *tu_ca_make(const char *kind, int slot, const TU_CA *signer,
                         const char *cn, const char *eku)
{
    TU_CA *ca = OPENSSL_zalloc(sizeof(*ca));
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t *der = NULL;
    int len;
    char err[256];

    if (ca == NULL || cert == NULL || name == NULL)
        tu_die("out of memory");
    snprintf(ca->kind, sizeof(ca->kind), "%s", kind);
    ca->key = tu_key_slot(kind, slot);
    if (!X509_set_version(cert, 2)
        || !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_UTF8,
                                       (const unsigned char *)"US", -1, -1, 0)
        || !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                       (const unsigned char *)"Test PKI", -1,
                                       -1, 0)
        || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_subject_name(cert, name)
        || !X509_set_issuer_name(
            cert, signer ? X509_get_subject_name(signer->cert) : name)
        || !X509_set_pubkey(cert, ca->key))
        tu_die("CA certificate fields");
    tu_random_serial(cert);
    /* 2020-01-01 .. 2040-01-01 */
    tu_cert_set_validity(cert, INT64_C(1577836800), INT64_C(2208988800));
    X509 *issuer_cert = signer ? signer->cert : cert;
    tu_conf_ext(cert, issuer_cert, "basicConstraints", "critical,CA:TRUE");
    tu_conf_ext(cert, issuer_cert, "keyUsage", "critical,keyCertSign,cRLSign");
    tu_conf_ext(cert, issuer_cert, "subjectKeyIdentifier", "hash");
    if (signer != NULL) {
        tu_conf_ext(cert, issuer_cert, "authorityKeyIdentifier", "keyid");
        if (eku != NULL)
            tu_conf_ext(cert, issuer_cert, "extendedKeyUsage", eku);
    }
    tu_sign(cert, signer ? signer->key : ca->key, NULL);
    ca->cert = cert;
    len = i2d_X509(cert, &der);
    if (len <= 0)
        tu_die("i2d_X509");
    ca->issuer = sp_issuer_from_der(der, (size_t)len, err, sizeof(err));
    OPENSSL_free(der);
    if (ca->issuer == NULL) {
        fprintf(stderr, "testutil: sp_issuer_from_der: %s\n", err);
        abort();
    }
    X509_NAME_free(name);
    return ca;
}

const TU_CA *tu_root_ca(const char *kind)
{
    char cn[64];

    for (size_t i = 0; i < tu_n_roots; i++) {
        if (strcmp(tu_roots[i]->kind, kind) == 0)
            return tu_roots[i];
    }
    if (tu_n_roots == TU_MAX_CAS)
        tu_die("too many roots");
    snprintf(cn, sizeof(cn), "Test Root %s", kind);
    tu_roots[tu_n_roots] = tu_ca_make(kind, 2, NULL, cn, NULL);
    return tu_roots[tu_n_roots++];
}

const TU_CA *tu_issuing_ca(const char *kind)
{
    char cn[64];

    for (size_t i = 0; i < tu_n_issuings; i++) {
        if (strcmp(tu_issuings[i]->kind, kind) == 0)
            return tu_issuings[i];
    }
    if (tu_n_issuings == TU_MAX_CAS)
        tu_die("too many issuing CAs");
    snprintf(cn, sizeof(cn), "Test S/MIME CA %s", kind);
    tu_issuings[tu_n_issuings] =
        tu_ca_make(kind, 1, tu_root_ca(kind), cn, "emailProtection,clientAuth");
    return tu_issuings[tu_n_issuings++];
}

TU_CA *tu_ca_new_with_eku(const char *kind, const char *eku)
{
    char cn[96];

    snprintf(cn, sizeof(cn), "Test CA %s EKU %s", kind, eku ? eku : "none");
    return tu_ca_make(kind, 3, tu_root_ca(kind), cn, eku);
}

void tu_ca_free(TU_CA *ca)
{
    if (ca == NULL)
        return;
    X509_free(ca->cert);
    sp_issuer_free(ca->issuer);
    OPENSSL_free(ca);
}

static const char *tu_template_subject(sp_type type)
{
    switch (type) {
    case SP_TYPE_MAILBOX:
        return "/CN=alice@example.com";
    case SP_TYPE_ORGANIZATION:
        return "/organizationIdentifier=LEIXG-AEYE00EKXESVZUUEBP67"
               "/O=Acme Industries, Ltd./CN=Acme Industries, Ltd.";
    case SP_TYPE_SPONSORED:
        return "/organizationIdentifier=LEIXG-AEYE00EKXESVZUUEBP67"
               "/O=Acme Industries, Ltd./SN=Smith/GN=Alice/CN=Alice Smith";
    case SP_TYPE_INDIVIDUAL:
        return "/GN=Alice/SN=Smith/CN=Alice Smith";
    default:
        tu_die("no template subject for type NONE");
        return NULL;
    }
}

static const char *tu_template_ku(EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "RSA"))
        return "critical,digitalSignature,keyEncipherment";
    if (EVP_PKEY_is_a(key, "EC"))
        return "critical,digitalSignature,keyAgreement";
    return "critical,digitalSignature";
}

X509 *tu_cert_new(sp_type type, sp_generation gen, const char *keykind,
                  const TU_CA *ca)
{
    X509 *cert = X509_new();
    EVP_PKEY *key = tu_key(keykind);
    char policy[64];

    tu_ex_init();
    if (cert == NULL || !X509_set_version(cert, 2)
        || !X509_set_issuer_name(cert, X509_get_subject_name(ca->cert))
        || !X509_set_pubkey(cert, key)
        || !X509_set_ex_data(cert, tu_ca_index, (void *)ca))
        tu_die("certificate fields");
    tu_random_serial(cert);
    tu_cert_set_validity(cert, TU_NOT_BEFORE, TU_NOT_BEFORE + TU_VALIDITY_SECS);
    tu_cert_set_subject(cert, tu_template_subject(type));
    snprintf(policy, sizeof(policy), "2.23.140.1.5.%d.%d", (int)type, (int)gen);
    tu_cert_set_ext(cert, "keyUsage", tu_template_ku(key));
    tu_cert_set_ext(cert, "extendedKeyUsage", "emailProtection");
    tu_cert_set_ext(cert, "certificatePolicies", policy);
    tu_cert_set_ext(cert, "crlDistributionPoints",
                    "URI:http://crl.example.com/ca.crl");
    tu_cert_set_ext(cert, "authorityInfoAccess",
                    "OCSP;URI:http://ocsp.example.com,"
                    "caIssuers;URI:http://ca.example.com/ca.der");
    tu_cert_set_ext(cert, "authorityKeyIdentifier", "keyid:always");
    tu_cert_set_ext(cert, "subjectKeyIdentifier", "hash");
    tu_cert_set_ext(cert, "subjectAltName", "email:alice@example.com");
    return cert;
}

void tu_cert_set_subject(X509 *cert, const char *dn)
{
    X509_NAME *name = X509_NAME_new();
    char *copy = OPENSSL_strdup(dn);
    char *p;

    if (name == NULL || copy == NULL)
        tu_die("out of memory");
    p = copy;
    while (*p != '\0') {
        int join = 0;
        char *field, *value, *end, saved;

        if (*p == '/')
            p++;
        if (*p == '+') {
            join = 1;
            p++;
        }
        field = p;
        value = strchr(p, '=');
        if (value == NULL)
            tu_die(dn);
        *value++ = '\0';
        end = value + strcspn(value, "/");
        saved = *end;
        *end = '\0';
        if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                        (const unsigned char *)value, -1, -1,
                                        join ? -1 : 0))
            tu_die(field);
        *end = saved;
        p = end;
    }
    if (!X509_set_subject_name(cert, name))
        tu_die("X509_set_subject_name");
    X509_NAME_free(name);
    OPENSSL_free(copy);
}

void tu_cert_set_ext(X509 *cert, const char *name, const char *value)
{
    const TU_CA *ca;

    tu_ex_init();
    ca = X509_get_ex_data(cert, tu_ca_index);
    tu_conf_ext(cert, ca ? ca->cert : NULL, name, value);
}

void tu_cert_set_ext_der(X509 *cert, const char *oid, int critical,
                         const uint8_t *der, size_t len)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 0);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext;

    if (obj == NULL || os == NULL || !ASN1_OCTET_STRING_set(os, der, (int)len))
        tu_die(oid);
    ext = X509_EXTENSION_create_by_OBJ(NULL, obj, critical, os);
    if (ext == NULL)
        tu_die("X509_EXTENSION_create_by_OBJ");
    tu_put_ext(cert, ext);
    ASN1_OBJECT_free(obj);
    ASN1_OCTET_STRING_free(os);
}

void tu_cert_set_ext_hex(X509 *cert, const char *oid, int critical,
                         const char *hex)
{
    size_t len;
    uint8_t *der = tu_hex(hex, &len);

    tu_cert_set_ext_der(cert, oid, critical, der, len);
    OPENSSL_free(der);
}

void tu_cert_del_ext(X509 *cert, const char *oid_or_sn)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid_or_sn, 0);
    int idx;

    if (obj == NULL)
        tu_die(oid_or_sn);
    while ((idx = X509_get_ext_by_OBJ(cert, obj, -1)) >= 0)
        X509_EXTENSION_free(X509_delete_ext(cert, idx));
    ASN1_OBJECT_free(obj);
}

void tu_cert_add_ext_dup(X509 *cert, const char *oid_or_sn)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid_or_sn, 0);
    int idx;

    if (obj == NULL)
        tu_die(oid_or_sn);
    idx = X509_get_ext_by_OBJ(cert, obj, -1);
    if (idx < 0 || !X509_add_ext(cert, X509_get_ext(cert, idx), -1))
        tu_die("no extension to duplicate");
    ASN1_OBJECT_free(obj);
}

void tu_cert_set_validity(X509 *cert, int64_t not_before, int64_t not_after)
{
    if (ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before) == NULL
        || ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) == NULL)
        tu_die("ASN1_TIME_set");
}

void tu_cert_set_serial(X509 *cert, const uint8_t *bytes, size_t len,
                        int negative)
{
    BIGNUM *bn = BN_bin2bn(bytes, (int)len, NULL);
    ASN1_INTEGER *serial;

    if (bn == NULL)
        tu_die("BN_bin2bn");
    BN_set_negative(bn, negative);
    serial = BN_to_ASN1_INTEGER(bn, NULL);
    if (serial == NULL || !X509_set_serialNumber(cert, serial))
        tu_die("serial");
    ASN1_INTEGER_free(serial);
    BN_free(bn);
}

void tu_cert_set_key(X509 *cert, const char *kind)
{
    if (!X509_set_pubkey(cert, tu_key(kind)))
        tu_die("X509_set_pubkey");
    if (X509_get_ext_by_NID(cert, NID_subject_key_identifier, -1) >= 0)
        tu_cert_set_ext(cert, "subjectKeyIdentifier", "hash");
}

void tu_cert_set_spki_der(X509 *cert, const uint8_t *spki, size_t len)
{
    TU_RAW_SPKI *raw = OPENSSL_malloc(sizeof(*raw) + len);

    tu_ex_init();
    if (raw == NULL)
        tu_die("out of memory");
    raw->len = len;
    memcpy(raw->der, spki, len);
    OPENSSL_free(X509_get_ex_data(cert, tu_spki_index));
    if (!X509_set_ex_data(cert, tu_spki_index, raw))
        tu_die("X509_set_ex_data");
}

uint8_t *tu_cert_tbs(X509 *cert, const TU_CA *ca, const char *md, size_t *len)
{
    uint8_t *tbs = NULL, *spki = NULL;
    const TU_RAW_SPKI *raw;
    int n, spki_len;

    tu_ex_init();
    tu_sign(cert, ca->key, md);
    n = i2d_re_X509_tbs(cert, &tbs);
    if (n <= 0)
        tu_die("i2d_re_X509_tbs");
    *len = (size_t)n;
    raw = X509_get_ex_data(cert, tu_spki_index);
    if (raw != NULL) {
        uint8_t *spliced;
        spki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &spki);
        if (spki_len <= 0)
            tu_die("i2d_X509_PUBKEY");
        spliced = tu_der_splice(tbs, *len, spki, (size_t)spki_len, raw->der,
                                raw->len, len);
        OPENSSL_free(tbs);
        OPENSSL_free(spki);
        tbs = spliced;
    }
    return tbs;
}

uint8_t *tu_cert_der(X509 *cert, size_t *len)
{
    uint8_t *der = NULL;
    int n = i2d_X509(cert, &der);

    if (n <= 0)
        tu_die("i2d_X509");
    *len = (size_t)n;
    return der;
}

/* ------------------------------------------------------------------ */

uint8_t *tu_hex(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1, n = 0;
    uint8_t *out = OPENSSL_malloc(cap);
    int hi = -1;

    if (out == NULL)
        tu_die("out of memory");
    for (const char *p = hex; *p != '\0'; p++) {
        int v;
        if (isspace((unsigned char)*p) || *p == ':')
            continue;
        if (!isxdigit((unsigned char)*p))
            tu_die(hex);
        v = isdigit((unsigned char)*p) ? *p - '0'
                                       : tolower((unsigned char)*p) - 'a' + 10;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0)
        tu_die("odd hex length");
    *len = n;
    return out;
}

static size_t tu_put_len(uint8_t *out, size_t len)
{
    if (len < 0x80) {
        out[0] = (uint8_t)len;
        return 1;
    }
    size_t n = 0;
    for (size_t v = len; v > 0; v >>= 8)
        n++;
    out[0] = (uint8_t)(0x80 | n);
    for (size_t i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 1 + n;
}

size_t tu_der_tlv(uint8_t *out, unsigned tag, const uint8_t *content,
                  size_t len)
{
    size_t n;

    out[0] = (uint8_t)tag;
    n = 1 + tu_put_len(out + 1, len);
    if (len > 0)
        memmove(out + n, content, len);
    return n + len;
}

size_t tu_bytes_patch(uint8_t *der, size_t len, const uint8_t *find,
                      const uint8_t *repl, size_t n)
{
    for (size_t i = 0; i + n <= len; i++) {
        if (memcmp(der + i, find, n) == 0) {
            memcpy(der + i, repl, n);
            return i;
        }
    }
    tu_die("tu_bytes_patch: pattern not found");
    return 0;
}

/* Read one definite-length TLV header; 0 when it does not fit. */
static int tu_tlv_header(const uint8_t *p, size_t n, size_t *hdr, size_t *clen)
{
    size_t len, i, k;

    if (n < 2)
        return 0;
    if (p[1] < 0x80) {
        len = p[1];
        i = 2;
    } else {
        k = p[1] & 0x7f;
        if (k == 0 || k > sizeof(size_t) || n < 2 + k)
            return 0;
        len = 0;
        for (i = 0; i < k; i++)
            len = len << 8 | p[2 + i];
        i = 2 + k;
    }
    if (len > n - i)
        return 0;
    *hdr = i;
    *clen = len;
    return 1;
}

/* Whether [p, p+n) is a run of complete TLVs. */
static int tu_is_tlv_run(const uint8_t *p, size_t n)
{
    size_t hdr, clen;

    while (n > 0) {
        if (!tu_tlv_header(p, n, &hdr, &clen))
            return 0;
        p += hdr + clen;
        n -= hdr + clen;
    }
    return 1;
}

typedef struct tu_splice_st {
    size_t at, flen; /* offset of the replaced range in the original */
    const uint8_t *repl;
    size_t rlen;
    const uint8_t *base;
    uint8_t *out;
    size_t cap, n;
} TU_SPLICE;

static void tu_emit(TU_SPLICE *s, const uint8_t *p, size_t n)
{
    if (s->n + n > s->cap)
        tu_die("tu_der_splice: output too small");
    memcpy(s->out + s->n, p, n);
    s->n += n;
}

/* Rewrite the TLV run [p, p+n) into s->out with the replacement applied;
 * every element that encloses the range gets its length recomputed. */
static void tu_splice_run(TU_SPLICE *s, const uint8_t *p, size_t n)
{
    size_t hdr, clen;

    while (n > 0) {
        size_t off = (size_t)(p - s->base);
        if (!tu_tlv_header(p, n, &hdr, &clen))
            tu_die("tu_der_splice: not DER");
        size_t end = off + hdr + clen;
        if (s->at == off && s->flen == hdr + clen) {
            tu_emit(s, s->repl, s->rlen);
        } else if (s->at >= off + hdr && s->at + s->flen <= end) {
            /* The range lies inside this element's contents. */
            const uint8_t *c = p + hdr;
            uint8_t lenbuf[16];
            size_t mark, written;
            tu_emit(s, p, 1);
            mark = s->n;
            if (tu_is_tlv_run(c, clen))
                tu_splice_run(s, c, clen);
            else {
                size_t rel = s->at - (off + hdr);
                tu_emit(s, c, rel);
                tu_emit(s, s->repl, s->rlen);
                tu_emit(s, c + rel + s->flen, clen - rel - s->flen);
            }
            written = s->n - mark;
            size_t ll = tu_put_len(lenbuf, written);
            if (s->n + ll > s->cap)
                tu_die("tu_der_splice: output too small");
            memmove(s->out + mark + ll, s->out + mark, written);
            memcpy(s->out + mark, lenbuf, ll);
            s->n += ll;
        } else {
            tu_emit(s, p, hdr + clen);
        }
        p += hdr + clen;
        n -= hdr + clen;
    }
}

uint8_t *tu_der_splice(const uint8_t *der, size_t len, const uint8_t *find,
                       size_t flen, const uint8_t *repl, size_t rlen,
                       size_t *outlen)
{
    TU_SPLICE s = {0};
    size_t i;

    for (i = 0; i + flen <= len; i++) {
        if (memcmp(der + i, find, flen) == 0)
            break;
    }
    if (i + flen > len)
        tu_die("tu_der_splice: pattern not found");
    s.at = i;
    s.flen = flen;
    s.repl = repl;
    s.rlen = rlen;
    s.base = der;
    s.cap = len + rlen + 256;
    s.out = OPENSSL_malloc(s.cap);
    if (s.out == NULL)
        tu_die("out of memory");
    tu_splice_run(&s, der, len);
    *outlen = s.n;
    return s.out;
}

/* ------------------------------------------------------------------ */

SP_POLICY *tu_policy(void)
{
    char err[SP_POLICY_ERR_MAX];
    SP_POLICY *pol = sp_policy_new_default(err, sizeof(err));

    if (pol == NULL) {
        fprintf(stderr, "testutil: sp_policy_new_default: %s\n", err);
        abort();
    }
    return pol;
}

SP_PROFILE *tu_profile(SP_POLICY *pol, sp_type type, sp_generation gen)
{
    const SP_PROFILE *p = sp_policy_find_profile(pol, type, gen);

    if (p == NULL)
        tu_die("tu_profile: no such profile");
    return (SP_PROFILE *)p;
}

static SP_VERDICT tu_verdict;

const SP_VERDICT *tu_judge_at(const SP_POLICY *pol, const uint8_t *der,
                              size_t len, const SP_ISSUER *issuer, int64_t at)
{
    SP_JUDGE_OPTS opts = {.at = at, .issuer = issuer, .require_issuer = 0};

    sp_judge(pol, der, len, &opts, &tu_verdict);
    tu_dump(&tu_verdict, 0);
    return &tu_verdict;
}

const SP_VERDICT *tu_judge(const SP_POLICY *pol, const uint8_t *der, size_t len,
                           const SP_ISSUER *issuer)
{
    return tu_judge_at(pol, der, len, issuer, SP_AT_NOTBEFORE);
}

const SP_VERDICT *tu_judge_cert(const SP_POLICY *pol, X509 *cert,
                                const TU_CA *ca)
{
    static uint8_t *tbs;
    static SP_POLICY *default_pol;
    size_t len;

    if (pol == NULL) {
        if (default_pol == NULL)
            default_pol = tu_policy();
        pol = default_pol;
    }
    OPENSSL_free(tbs);
    tbs = tu_cert_tbs(cert, ca, NULL, &len);
    return tu_judge(pol, tbs, len, ca->issuer);
}

int tu_has_finding(const SP_VERDICT *v, const char *code)
{
    int n = 0;

    for (size_t i = 0; i < v->findings.n; i++) {
        if (strcmp(sp_rules[v->findings.f[i].rule].code, code) == 0)
            n++;
    }
    return n;
}

const SP_FINDING *tu_finding(const SP_VERDICT *v, const char *code)
{
    for (size_t i = 0; i < v->findings.n; i++) {
        if (strcmp(sp_rules[v->findings.f[i].rule].code, code) == 0)
            return &v->findings.f[i];
    }
    return NULL;
}

void tu_dump(const SP_VERDICT *v, int force)
{
    char line[512];

    if (!force && getenv("TU_VERBOSE") == NULL)
        return;
    fprintf(stderr, "  verdict: %s (%s %s, %zu errors)\n",
            sp_decision_name(v->decision), sp_type_name(v->type),
            sp_generation_name(v->generation), v->n_errors);
    for (size_t i = 0; i < v->findings.n; i++) {
        sp_finding_format(&v->findings.f[i], line, sizeof(line));
        fprintf(stderr, "    %s\n", line);
    }
}

/* ------------------------------------------------------------------ */

void tu_init(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS)
        tu_die("CU_initialize_registry");
}

void tu_add_suite(const char *name, const TU_TEST *tests)
{
    CU_pSuite suite = CU_add_suite(name, NULL, NULL);

    if (suite == NULL)
        tu_die(name);
    for (const TU_TEST *t = tests; t->name != NULL; t++) {
        if (CU_add_test(suite, t->name, t->fn) == NULL)
            tu_die(t->name);
    }
}

int tu_run(void)
{
    unsigned failures;

    CU_basic_set_mode(CU_BRM_VERBOSE);
    if (CU_basic_run_tests() != CUE_SUCCESS)
        tu_die("CU_basic_run_tests");
    failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
    CU_cleanup_registry();
    return failures == 0 ? 0 : 1;
}
