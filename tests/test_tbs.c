/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the TBSCertificate / TBSCertList decoder (policy/tbs.c):
 * real encodings made by libcrypto decode into the right views, and each
 * structural defect is refused with the field that broke.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "tbs.h"
#include "testutil.h"

/* Parts of a real TBS, reused to assemble variants. */
typedef struct parts_st {
    uint8_t *tbs;
    size_t tbs_len;
    SP_TBS_CERT view;
} PARTS;

static void parts_make(PARTS *p)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    SP_DECODE_ERROR where;

    p->tbs = tu_cert_tbs(cert, ca, NULL, &p->tbs_len);
    CU_ASSERT_EQUAL_FATAL(
        sp_tbs_cert_decode(p->tbs, p->tbs_len, &p->view, &where), SP_DER_OK);
    X509_free(cert);
}

/* A growable byte buffer for assembling DER by hand. */
typedef struct buf_st {
    uint8_t data[8192];
    size_t len;
} BUF;

static void put(BUF *b, const void *p, size_t n)
{
    CU_ASSERT_FATAL(b->len + n <= sizeof(b->data));
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static void put_hex(BUF *b, const char *hex)
{
    size_t n;
    uint8_t *p = tu_hex(hex, &n);

    put(b, p, n);
    OPENSSL_free(p);
}

static void put_view(BUF *b, const SP_DER *v)
{
    put(b, v->data, v->len);
}

/* Wrap b's contents in a TLV with `tag`. */
static void wrap(BUF *b, unsigned tag)
{
    uint8_t tmp[8192 + 8];
    size_t n = tu_der_tlv(tmp, tag, b->data, b->len);

    CU_ASSERT_FATAL(n <= sizeof(b->data));
    memcpy(b->data, tmp, n);
    b->len = n;
}

/* Assemble a TBS from the real parts with `version_hex` (may be "") and
 * `ext_hex` (the contents of the [3] wrapper's SEQUENCE, may be NULL for
 * no extensions) and `spki_override` (NULL = the real SPKI). */
static void assemble(BUF *out, const PARTS *p, const char *version_hex,
                     const char *between_spki_and_ext, const char *ext_hex,
                     const char *validity_hex)
{
    out->len = 0;
    put_hex(out, version_hex);
    put_hex(out, "020101"); /* serial 1 */
    put_view(out, &p->view.sig_alg);
    put_view(out, &p->view.issuer);
    if (validity_hex != NULL) {
        put_hex(out, validity_hex);
    } else {
        put_hex(out, "301e170d3235303130313030303030305a"
                     "170d3235313233313030303030305a");
    }
    put_view(out, &p->view.subject);
    put_view(out, &p->view.spki);
    put_hex(out, between_spki_and_ext);
    if (ext_hex != NULL) {
        BUF ext = {.len = 0};

        put_hex(&ext, ext_hex);
        wrap(&ext, SP_TAG_SEQUENCE);
        wrap(&ext, SP_TAG_CTX_CONS(3));
        put(out, ext.data, ext.len);
    }
    wrap(out, SP_TAG_SEQUENCE);
}

static sp_der_err decode(const BUF *b, SP_TBS_CERT *view, SP_DECODE_ERROR *w)
{
    return sp_tbs_cert_decode(b->data, b->len, view, w);
}

/* Extension: keyUsage critical digitalSignature (valid). */
#define EXT_KU_CRIT "300e0603551d0f0101ff040403020780"

static void test_real_certificate_view(void)
{
    PARTS p;
    const TU_CA *ca = tu_issuing_ca("p256");
    static const uint8_t ecdsa_sha256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
                                           0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
    static const uint8_t san_oid[] = {0x55, 0x1d, 0x11};
    SP_DER ca_subject = sp_issuer_subject(ca->issuer);
    const SP_EXTENSION *san;

    parts_make(&p);
    CU_ASSERT_EQUAL(p.view.version, 2);
    CU_ASSERT_EQUAL(p.view.serial.len, 16);
    CU_ASSERT_TRUE(sp_der_equal_bytes(&p.view.sig_alg, ecdsa_sha256,
                                      sizeof(ecdsa_sha256)));
    CU_ASSERT_TRUE(sp_der_equal(&p.view.issuer, &ca_subject));
    CU_ASSERT_EQUAL(p.view.not_before, TU_NOT_BEFORE);
    CU_ASSERT_EQUAL(p.view.not_after, TU_NOT_BEFORE + TU_VALIDITY_SECS);
    CU_ASSERT_EQUAL(p.view.not_before_tag, SP_TAG_UTCTIME);
    /* uncompressed P-256 point */
    CU_ASSERT_EQUAL(p.view.spki_key.len, 65);
    CU_ASSERT_EQUAL(p.view.spki_key.data[0], 0x04);
    CU_ASSERT_TRUE(p.view.has_extensions);
    CU_ASSERT_TRUE(p.view.n_ext >= 8);
    CU_ASSERT_FALSE(p.view.has_issuer_uid);
    CU_ASSERT_FALSE(p.view.has_subject_uid);
    CU_ASSERT_EQUAL(p.view.der.len, p.tbs_len);
    san = sp_tbs_find_ext(&p.view, san_oid, sizeof(san_oid));
    CU_ASSERT_PTR_NOT_NULL_FATAL(san);
    CU_ASSERT_FALSE(san->critical);
    CU_ASSERT_EQUAL(san->value.data[0], SP_TAG_SEQUENCE);
    CU_ASSERT_EQUAL(sp_classify(p.tbs, p.tbs_len), SP_KIND_CERT);
    OPENSSL_free(p.tbs);
}

static void test_every_key_type_decodes(void)
{
    static const char *const kinds[] = {"rsa2048", "p384", "p521", "ed25519",
                                        "ed448"};

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const TU_CA *ca = tu_issuing_ca(kinds[i]);
        X509 *cert =
            tu_cert_new(SP_TYPE_INDIVIDUAL, SP_GEN_MULTIPURPOSE, kinds[i], ca);
        size_t len;
        uint8_t *tbs = tu_cert_tbs(cert, ca, NULL, &len);
        SP_TBS_CERT view;
        SP_DECODE_ERROR where;

        CU_ASSERT_EQUAL(sp_tbs_cert_decode(tbs, len, &view, &where), SP_DER_OK);
        OPENSSL_free(tbs);
        X509_free(cert);
    }
}

static void test_assembled_valid_and_uids(void)
{
    PARTS p;
    BUF b;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    assemble(&b, &p, "a003020102", "", EXT_KU_CRIT, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_OK);
    CU_ASSERT_EQUAL(v.n_ext, 1);
    CU_ASSERT_TRUE(v.ext[0].critical);
    CU_ASSERT_EQUAL(v.not_before, INT64_C(1735689600));

    /* Unique IDs are decoded (and left to the rules to refuse). */
    assemble(&b, &p, "a003020102", "8102 0000 8202 0000", EXT_KU_CRIT, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_OK);
    CU_ASSERT_TRUE(v.has_issuer_uid);
    CU_ASSERT_TRUE(v.has_subject_uid);
    /* ... as BIT STRINGs: a bad unused-bits octet is refused, as
     * d2i_X509 refuses it (found by fuzz_x509). */
    assemble(&b, &p, "a003020102", "8102 0800", EXT_KU_CRIT, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_BIT_STRING);
    CU_ASSERT_STRING_EQUAL(w.field, "issuerUniqueID");
    assemble(&b, &p, "a003020102", "8201 01", EXT_KU_CRIT, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_BIT_STRING);
    CU_ASSERT_STRING_EQUAL(w.field, "subjectUniqueID");
    assemble(&b, &p, "a003020102", "8103 0180ff", EXT_KU_CRIT, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_BIT_STRING);
    assemble(&b, &p, "a003020102", "8103 0180fe 8201 00", EXT_KU_CRIT, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_OK);

    /* v1: no version, no extensions. */
    assemble(&b, &p, "", "", NULL, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_OK);
    CU_ASSERT_EQUAL(v.version, 0);
    CU_ASSERT_FALSE(v.has_extensions);
    CU_ASSERT_EQUAL(sp_classify(b.data, b.len), SP_KIND_CERT);
    OPENSSL_free(p.tbs);
}

typedef struct bad_case_st {
    const char *name;
    const char *version;
    const char *between;
    const char *ext;
    const char *validity;
    sp_der_err err;
    const char *field;
} BAD_CASE;

static void test_structural_defects(void)
{
    static const BAD_CASE cases[] = {
        {"version 0 encoded (DEFAULT)", "a003020100", "", EXT_KU_CRIT, NULL,
         SP_DER_ERR_DEFAULT, "version"},
        {"version 3", "a003020103", "", EXT_KU_CRIT, NULL, SP_DER_ERR_RANGE,
         "version"},
        {"version with trailing", "a006020102020100", "", EXT_KU_CRIT, NULL,
         SP_DER_ERR_TRAILING, "version"},
        {"critical FALSE encoded", "a003020102", "",
         "300e0603551d0f010100040403020780", NULL, SP_DER_ERR_DEFAULT,
         "extensions.critical"},
        {"critical BER TRUE", "a003020102", "",
         "300e0603551d0f010101040403020780", NULL, SP_DER_ERR_BOOLEAN,
         "tbsCertificate"},
        {"extnValue not DER", "a003020102", "", "300b0603551d0f0101ff040101",
         NULL, SP_DER_ERR_TRUNCATED, "extensions.extnValue"},
        {"extnValue two values", "a003020102", "",
         "30100603551d0f0101ff0406030207800500", NULL, SP_DER_ERR_TRAILING,
         "extensions.extnValue"},
        {"extension without value", "a003020102", "", "30080603551d0f0101ff",
         NULL, SP_DER_ERR_TRUNCATED, "extensions.extnValue"},
        {"extension trailing element", "a003020102", "",
         "30100603551d0f0101ff0404030207800500", NULL, SP_DER_ERR_TRAILING,
         "extensions"},
        {"empty extensions", "a003020102", "", "", NULL, SP_DER_ERR_RANGE,
         "extensions"},
        {"notBefore without seconds", "a003020102", "", EXT_KU_CRIT,
         "301c170b323530313031303030305a170d3235313233313030303030305a",
         SP_DER_ERR_TIME, "tbsCertificate"},
        {"validity with third time", "a003020102", "", EXT_KU_CRIT,
         "302d170d3235303130313030303030305a170d3235313233313030303030305a"
         "170d3235313233313030303030305a",
         SP_DER_ERR_TRAILING, "validity"},
        {"validity missing notAfter", "a003020102", "", EXT_KU_CRIT,
         "300f170d3235303130313030303030305a", SP_DER_ERR_TRUNCATED,
         "validity.notAfter"},
        {"junk after extensions", "a003020102", "", EXT_KU_CRIT, NULL,
         SP_DER_OK, NULL}, /* baseline for the next case */
    };
    PARTS p;

    parts_make(&p);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        BUF b;
        SP_TBS_CERT v;
        SP_DECODE_ERROR w;
        sp_der_err got;

        assemble(&b, &p, cases[i].version, cases[i].between, cases[i].ext,
                 cases[i].validity);
        got = decode(&b, &v, &w);
        if (got != cases[i].err
            || (cases[i].field != NULL && strcmp(w.field, cases[i].field)))
            fprintf(stderr, "\n  case '%s': got %s at %s\n", cases[i].name,
                    sp_der_strerror(got), w.field ? w.field : "-");
        CU_ASSERT_EQUAL(got, cases[i].err);
        if (cases[i].field != NULL && w.field != NULL)
            CU_ASSERT_STRING_EQUAL(w.field, cases[i].field);
        if (got != SP_DER_OK)
            CU_ASSERT_TRUE(w.offset <= b.len);
    }
    OPENSSL_free(p.tbs);
}

static void test_trailing_and_truncation(void)
{
    PARTS p;
    uint8_t *buf;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    buf = OPENSSL_malloc(p.tbs_len + 1);
    memcpy(buf, p.tbs, p.tbs_len);
    buf[p.tbs_len] = 0;
    CU_ASSERT_EQUAL(sp_tbs_cert_decode(buf, p.tbs_len + 1, &v, &w),
                    SP_DER_ERR_TRAILING);
    CU_ASSERT_EQUAL(sp_classify(buf, p.tbs_len + 1), SP_KIND_OTHER);
    /* Every proper prefix is refused. */
    for (size_t n = 0; n < p.tbs_len; n += 7)
        CU_ASSERT_NOT_EQUAL(sp_tbs_cert_decode(buf, n, &v, &w), SP_DER_OK);
    OPENSSL_free(buf);
    OPENSSL_free(p.tbs);
}

static void test_extension_limit(void)
{
    PARTS p;
    BUF b;
    char ext[(SP_MAX_EXTENSIONS + 1) * 28 + 1];
    size_t used = 0;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    /* SP_MAX_EXTENSIONS + 1 distinct private extensions
     * 1.3.6.1.4.1.<i>, each with a NULL value. */
    for (int i = 0; i <= SP_MAX_EXTENSIONS; i++)
        used += (size_t)snprintf(ext + used, sizeof(ext) - used,
                                 "300c06062b06010401%02x04020500", i);
    assemble(&b, &p, "a003020102", "", ext, NULL);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_LIMIT);
    OPENSSL_free(p.tbs);
}

static void test_bad_name_and_spki(void)
{
    PARTS p;
    BUF b;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    /* An issuer with an empty RDN SET. */
    b.len = 0;
    put_hex(&b, "a003020102 020101");
    put_view(&b, &p.view.sig_alg);
    put_hex(&b, "30023100");
    put_hex(&b, "301e170d3235303130313030303030305a"
                "170d3235313233313030303030305a");
    put_view(&b, &p.view.subject);
    put_view(&b, &p.view.spki);
    wrap(&b, SP_TAG_SEQUENCE);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_RANGE);
    CU_ASSERT_STRING_EQUAL(w.field, "issuer");

    /* An ATV with two values. */
    b.len = 0;
    put_hex(&b, "a003020102 020101");
    put_view(&b, &p.view.sig_alg);
    put_hex(&b, "300e310c300a0603550403 0c0161 0500");
    put_hex(&b, "301e170d3235303130313030303030305a"
                "170d3235313233313030303030305a");
    put_view(&b, &p.view.subject);
    put_view(&b, &p.view.spki);
    wrap(&b, SP_TAG_SEQUENCE);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_TRAILING);
    CU_ASSERT_STRING_EQUAL(w.field, "issuer");

    /* SPKI whose key BIT STRING has unused bits. */
    b.len = 0;
    put_hex(&b, "a003020102 020101");
    put_view(&b, &p.view.sig_alg);
    put_view(&b, &p.view.issuer);
    put_hex(&b, "301e170d3235303130313030303030305a"
                "170d3235313233313030303030305a");
    put_view(&b, &p.view.subject);
    put_hex(&b, "3010 300506032b6570 0307 0100000000 0000");
    wrap(&b, SP_TAG_SEQUENCE);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_BIT_STRING);
    CU_ASSERT_STRING_EQUAL(w.field, "subjectPublicKeyInfo.subjectPublicKey");

    /* AlgorithmIdentifier with two parameters. */
    b.len = 0;
    put_hex(&b, "a003020102 020101 300f06092a864886f70d01010b05000500");
    put_view(&b, &p.view.issuer);
    put_hex(&b, "301e170d3235303130313030303030305a"
                "170d3235313233313030303030305a");
    put_view(&b, &p.view.subject);
    put_view(&b, &p.view.spki);
    wrap(&b, SP_TAG_SEQUENCE);
    CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_TRAILING);
    CU_ASSERT_STRING_EQUAL(w.field, "signature");
    OPENSSL_free(p.tbs);
}

/* `k` nested SEQUENCEs, the innermost empty. */
static void nested_seqs(BUF *b, int k)
{
    b->len = 0;
    put_hex(b, "3000");
    for (int i = 1; i < k; i++)
        wrap(b, SP_TAG_SEQUENCE);
}

/* The nesting limit of the strict walk (32 levels from the top of the
 * TBS) holds wherever the deep value sits: in an issuer attribute value
 * (level 4), in the signature parameters (level 2) and in the key's
 * algorithm parameters (level 3). One level less is accepted. */
static void test_nesting_limit_in_fields(void)
{
    PARTS p;
    BUF b, deep, part;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    for (int extra = 0; extra <= 1; extra++) {
        sp_der_err want = extra ? SP_DER_ERR_LIMIT : SP_DER_OK;

        /* issuer: SET (2) > ATV SEQUENCE (3) > value (4) ... */
        nested_seqs(&deep, 28 + extra);
        part.len = 0;
        put_hex(&part, "0603550403");
        put(&part, deep.data, deep.len);
        wrap(&part, SP_TAG_SEQUENCE);
        wrap(&part, SP_TAG_SET);
        wrap(&part, SP_TAG_SEQUENCE);
        b.len = 0;
        put_hex(&b, "a003020102 020101");
        put_view(&b, &p.view.sig_alg);
        put(&b, part.data, part.len);
        put_hex(&b, "301e170d3235303130313030303030305a"
                    "170d3235313233313030303030305a");
        put_view(&b, &p.view.subject);
        put_view(&b, &p.view.spki);
        wrap(&b, SP_TAG_SEQUENCE);
        CU_ASSERT_EQUAL(decode(&b, &v, &w), want);
        if (extra) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(w.field);
            CU_ASSERT_STRING_EQUAL(w.field, "tbsCertificate");
        }

        /* signature: AlgorithmIdentifier (1) > parameters (2) ... */
        nested_seqs(&deep, 30 + extra);
        part.len = 0;
        put_hex(&part, "06092a864886f70d01010b");
        put(&part, deep.data, deep.len);
        wrap(&part, SP_TAG_SEQUENCE);
        b.len = 0;
        put_hex(&b, "a003020102 020101");
        put(&b, part.data, part.len);
        put_view(&b, &p.view.issuer);
        put_hex(&b, "301e170d3235303130313030303030305a"
                    "170d3235313233313030303030305a");
        put_view(&b, &p.view.subject);
        put_view(&b, &p.view.spki);
        wrap(&b, SP_TAG_SEQUENCE);
        CU_ASSERT_EQUAL(decode(&b, &v, &w), want);

        /* SPKI (1) > AlgorithmIdentifier (2) > parameters (3) ... */
        nested_seqs(&deep, 29 + extra);
        part.len = 0;
        put_hex(&part, "06072a8648ce3d0201");
        put(&part, deep.data, deep.len);
        wrap(&part, SP_TAG_SEQUENCE);
        put_hex(&part, "03020000");
        wrap(&part, SP_TAG_SEQUENCE);
        b.len = 0;
        put_hex(&b, "a003020102 020101");
        put_view(&b, &p.view.sig_alg);
        put_view(&b, &p.view.issuer);
        put_hex(&b, "301e170d3235303130313030303030305a"
                    "170d3235313233313030303030305a");
        put_view(&b, &p.view.subject);
        put(&b, part.data, part.len);
        wrap(&b, SP_TAG_SEQUENCE);
        CU_ASSERT_EQUAL(decode(&b, &v, &w), want);
    }
    OPENSSL_free(p.tbs);
}

/* A multi-valued RDN must hold its ATVs in DER SET OF order; the
 * refusal comes from the strict walk of the whole TBS, as always. */
static void test_rdn_set_order(void)
{
    /* CN=a (55 04 03) and O=b (55 04 0a): CN sorts first */
    static const char *const issuers[2] = {
        "3016311430080603550403"
        "0c01613008060355040a0c0162",
        "301631143008060355040a"
        "0c0162300806035504030c0161",
    };
    PARTS p;
    BUF b;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    for (int i = 0; i < 2; i++) {
        b.len = 0;
        put_hex(&b, "a003020102 020101");
        put_view(&b, &p.view.sig_alg);
        put_hex(&b, issuers[i]);
        put_hex(&b, "301e170d3235303130313030303030305a"
                    "170d3235313233313030303030305a");
        put_view(&b, &p.view.subject);
        put_view(&b, &p.view.spki);
        wrap(&b, SP_TAG_SEQUENCE);
        CU_ASSERT_EQUAL(decode(&b, &v, &w),
                        i == 0 ? SP_DER_OK : SP_DER_ERR_ORDER);
        if (i == 1) {
            CU_ASSERT_PTR_NOT_NULL_FATAL(w.field);
            CU_ASSERT_STRING_EQUAL(w.field, "tbsCertificate");
            CU_ASSERT_EQUAL(w.offset, 0);
        }
    }
    OPENSSL_free(p.tbs);
}

static void test_classify_other_objects(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    uint8_t *der = NULL;
    int len;
    size_t n;
    uint8_t *buf;

    /* A CSR's CertificationRequestInfo. */
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               (const unsigned char *)"x", -1, -1, 0);
    X509_REQ_set_subject_name(req, name);
    X509_REQ_set_pubkey(req, tu_key("p256"));
    CU_ASSERT_FATAL(X509_REQ_sign(req, ca->key, EVP_sha256()) > 0);
    len = i2d_re_X509_REQ_tbs(req, &der);
    CU_ASSERT_FATAL(len > 0);
    CU_ASSERT_EQUAL(sp_classify(der, (size_t)len), SP_KIND_OTHER);
    OPENSSL_free(der);
    X509_REQ_free(req);
    X509_NAME_free(name);

    /* CMS signed attributes: a SET. */
    buf = tu_hex("3106020101020102", &n);
    CU_ASSERT_EQUAL(sp_classify(buf, n), SP_KIND_OTHER);
    OPENSSL_free(buf);
    /* Not DER at all (a dgst -sign input). */
    CU_ASSERT_EQUAL(sp_classify((const uint8_t *)"hello", 5), SP_KIND_OTHER);
    CU_ASSERT_EQUAL(sp_classify(NULL, 0), SP_KIND_OTHER);
    CU_ASSERT_STRING_EQUAL(sp_kind_name(SP_KIND_OCSP), "ocsp");
    CU_ASSERT_STRING_EQUAL(sp_kind_name(SP_KIND_OTHER), "other");
}

static void test_crl_decode(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509_CRL *crl = X509_CRL_new();
    X509_REVOKED *rev = X509_REVOKED_new();
    ASN1_TIME *t = ASN1_TIME_set(NULL, 1735689600);
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    uint8_t *der = NULL;
    int len;
    SP_TBS_CRL view;
    SP_DECODE_ERROR w;

    X509_CRL_set_version(crl, 1);
    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert));
    X509_CRL_set1_lastUpdate(crl, t);
    ASN1_TIME_set(t, 1735689600 + 7 * 86400);
    X509_CRL_set1_nextUpdate(crl, t);
    ASN1_INTEGER_set(serial, 4242);
    X509_REVOKED_set_serialNumber(rev, serial);
    X509_REVOKED_set_revocationDate(rev, t);
    X509_CRL_add0_revoked(crl, rev);
    CU_ASSERT_FATAL(X509_CRL_sign(crl, ca->key, EVP_sha256()) > 0);
    len = i2d_re_X509_CRL_tbs(crl, &der);
    CU_ASSERT_FATAL(len > 0);
    CU_ASSERT_EQUAL(sp_classify(der, (size_t)len), SP_KIND_CRL);
    CU_ASSERT_EQUAL(sp_tbs_crl_decode(der, (size_t)len, &view, &w), SP_DER_OK);
    CU_ASSERT_TRUE(view.has_version);
    CU_ASSERT_EQUAL(view.this_update, 1735689600);
    CU_ASSERT_TRUE(view.has_next_update);
    CU_ASSERT_EQUAL(view.next_update, 1735689600 + 7 * 86400);
    CU_ASSERT_EQUAL(view.n_revoked, 1);
    /* Certificates are not CRLs. */
    CU_ASSERT_NOT_EQUAL(sp_tbs_crl_decode(der, (size_t)len - 1, &view, &w),
                        SP_DER_OK);
    OPENSSL_free(der);
    ASN1_INTEGER_free(serial);
    ASN1_TIME_free(t);
    X509_CRL_free(crl);
}

static void test_ocsp_classify(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
    OCSP_CERTID *id;
    ASN1_TIME *now = ASN1_TIME_set(NULL, 1735689600);
    uint8_t *der = NULL;
    int len;

    id = OCSP_cert_to_id(EVP_sha1(), ca->cert, ca->cert);
    CU_ASSERT_PTR_NOT_NULL_FATAL(id);
    OCSP_basic_add1_status(bs, id, V_OCSP_CERTSTATUS_GOOD, 0, NULL, now, now);
    CU_ASSERT_FATAL(
        OCSP_basic_sign(bs, ca->cert, ca->key, EVP_sha256(), NULL, OCSP_NOCERTS)
        > 0);
    len = i2d_OCSP_RESPDATA(OCSP_resp_get0_respdata(bs), &der);
    CU_ASSERT_FATAL(len > 0);
    CU_ASSERT_EQUAL(sp_classify(der, (size_t)len), SP_KIND_OCSP);
    OPENSSL_free(der);
    OCSP_CERTID_free(id);
    ASN1_TIME_free(now);
    OCSP_BASICRESP_free(bs);
}

static void test_cert_split(void)
{
    const TU_CA *ca = tu_issuing_ca("rsa2048");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "rsa2048", ca);
    size_t tbs_len, len;
    uint8_t *tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);
    uint8_t *der = tu_cert_der(cert, &len), *longer;
    SP_DER view, alg;
    SP_DECODE_ERROR w;

    CU_ASSERT_EQUAL(sp_cert_split(der, len, &view, &alg, &w), SP_DER_OK);
    CU_ASSERT_TRUE(sp_der_equal_bytes(&view, tbs, tbs_len));
    CU_ASSERT_EQUAL(alg.data[0], SP_TAG_SEQUENCE);
    longer = OPENSSL_malloc(len + 2);
    memcpy(longer, der, len);
    longer[len] = 0;
    longer[len + 1] = 0;
    CU_ASSERT_EQUAL(sp_cert_split(longer, len + 2, &view, &alg, &w),
                    SP_DER_ERR_TRAILING);
    CU_ASSERT_EQUAL(sp_cert_split(der, len - 1, &view, &alg, &w),
                    SP_DER_ERR_TRUNCATED);
    CU_ASSERT_STRING_EQUAL(w.field, "certificate");
    /* A bare TBS is not a Certificate. */
    CU_ASSERT_NOT_EQUAL(sp_cert_split(tbs, tbs_len, &view, &alg, &w),
                        SP_DER_OK);
    /* The outer signatureAlgorithm's parameters are walked strictly too:
     * an end-of-contents octet pair (tag 0) as parameters was accepted
     * and d2i_X509 refuses it (found by fuzz_x509). */
    {
        static const char *const outer[][2] = {
            {"300d06092a864886f70d01010b0500", "ok"},
            {"300d06092a864886f70d01010b0000", "end-of-contents"},
            {"300e06092a864886f70d01010b010100", "BOOLEAN 00 ok"},
            {"300e06092a864886f70d01010b010101", "BER BOOLEAN"},
            {"300f06092a864886f70d01010b02020001", "non-minimal INTEGER"},
        };

        for (size_t i = 0; i < sizeof(outer) / sizeof(outer[0]); i++) {
            uint8_t *whole = OPENSSL_malloc(tbs_len + 64);
            size_t alg_len, body_len, n;
            uint8_t *alg_der = tu_hex(outer[i][0], &alg_len);
            int want_ok = strstr(outer[i][1], "ok") != NULL;
            const unsigned char *q;
            X509 *x;

            CU_ASSERT_PTR_NOT_NULL_FATAL(whole);
            body_len = tbs_len + alg_len + 3;
            whole[0] = SP_TAG_SEQUENCE;
            whole[1] = 0x82;
            whole[2] = (uint8_t)(body_len >> 8);
            whole[3] = (uint8_t)body_len;
            memcpy(whole + 4, tbs, tbs_len);
            memcpy(whole + 4 + tbs_len, alg_der, alg_len);
            memcpy(whole + 4 + tbs_len + alg_len, "\x03\x01\x00", 3);
            n = 4 + body_len;
            if ((sp_cert_split(whole, n, &view, &alg, &w) == SP_DER_OK)
                != want_ok)
                fprintf(stderr, "  outer algorithm: %s\n", outer[i][1]);
            if (want_ok) {
                CU_ASSERT_EQUAL(sp_cert_split(whole, n, &view, &alg, &w),
                                SP_DER_OK);
            } else {
                CU_ASSERT_NOT_EQUAL(sp_cert_split(whole, n, &view, &alg, &w),
                                    SP_DER_OK);
                CU_ASSERT_PTR_NOT_NULL_FATAL(w.field);
                CU_ASSERT_STRING_EQUAL(w.field, "signatureAlgorithm");
            }
            /* OpenSSL agrees, or is laxer (never stricter). */
            q = whole;
            x = d2i_X509(NULL, &q, (long)n);
            if (want_ok)
                CU_ASSERT_PTR_NOT_NULL(x);
            X509_free(x);
            OPENSSL_free(alg_der);
            OPENSSL_free(whole);
        }
    }
    OPENSSL_free(longer);
    OPENSSL_free(der);
    OPENSSL_free(tbs);
    X509_free(cert);
}

/* An AttributeValue in a Name is refused unless OpenSSL's X.509 Name can
 * read its type: the decoder must never accept a certificate d2i_X509
 * refuses (found by fuzz/fuzz_x509.c: a [4] primitive value in an
 * issuer). Each value is tried as the issuer's and as the subject's CN,
 * and the whole certificate through d2i_X509 too. */
static void test_name_value_types(void)
{
    static const struct {
        const char *name;
        const char *value_hex;
        int ok;
    } cases[] = {
        {"UTF8String", "0c0161", 1},
        {"PrintableString", "130161", 1},
        {"TeletexString", "140161", 1},
        {"IA5String", "160161", 1},
        {"NumericString", "120131", 1},
        {"UniversalString", "1c0400000061", 1},
        {"BMPString", "1e020061", 1},
        {"BIT STRING", "03020000", 1},
        {"SEQUENCE", "30030c0161", 1},
        {"VisibleString", "1a0161", 0},
        {"BOOLEAN", "0101ff", 0},
        {"INTEGER", "020101", 0},
        {"OCTET STRING", "040161", 0},
        {"NULL", "0500", 0},
        {"OID", "0603550403", 0},
        {"UTCTime", "170d3235303130313030303030305a", 0},
        {"SET", "31030c0161", 0},
        {"[4] primitive", "840161", 0},
        {"[0] constructed", "a0030c0161", 0},
        {"[APPLICATION 1]", "410161", 0},
    };
    PARTS p;
    BUF b, name;
    SP_TBS_CERT v;
    SP_DECODE_ERROR w;

    parts_make(&p);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int in_subject = 0; in_subject <= 1; in_subject++) {
            const unsigned char *q;
            X509 *x;

            name.len = 0;
            put_hex(&name, "0603550403");
            put_hex(&name, cases[i].value_hex);
            wrap(&name, SP_TAG_SEQUENCE);
            wrap(&name, SP_TAG_SET);
            wrap(&name, SP_TAG_SEQUENCE);
            b.len = 0;
            put_hex(&b, "a003020102 020101");
            put_view(&b, &p.view.sig_alg);
            if (in_subject)
                put_view(&b, &p.view.issuer);
            else
                put(&b, name.data, name.len);
            put_hex(&b, "301e170d3235303130313030303030305a"
                        "170d3235313233313030303030305a");
            if (in_subject)
                put(&b, name.data, name.len);
            else
                put_view(&b, &p.view.subject);
            put_view(&b, &p.view.spki);
            wrap(&b, SP_TAG_SEQUENCE);
            if (decode(&b, &v, &w)
                != (cases[i].ok ? SP_DER_OK : SP_DER_ERR_UNEXPECTED_TAG))
                fprintf(stderr, "  %s value in the %s\n", cases[i].name,
                        in_subject ? "subject" : "issuer");
            if (cases[i].ok) {
                CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_OK);
            } else {
                CU_ASSERT_EQUAL(decode(&b, &v, &w), SP_DER_ERR_UNEXPECTED_TAG);
                CU_ASSERT_PTR_NOT_NULL_FATAL(w.field);
                CU_ASSERT_STRING_EQUAL(w.field,
                                       in_subject ? "subject" : "issuer");
            }
            /* The whole certificate, as OpenSSL reads it. */
            put_view(&b, &p.view.sig_alg);
            put_hex(&b, "03020000");
            wrap(&b, SP_TAG_SEQUENCE);
            q = b.data;
            x = d2i_X509(NULL, &q, (long)b.len);
            CU_ASSERT_EQUAL(x != NULL, cases[i].ok);
            X509_free(x);
        }
    }
    OPENSSL_free(p.tbs);
}

int main(void)
{
    static const TU_TEST tests[] = {
        {"real certificate view", test_real_certificate_view},
        {"every key type decodes", test_every_key_type_decodes},
        {"assembled valid, v1 and unique IDs", test_assembled_valid_and_uids},
        {"structural defects", test_structural_defects},
        {"trailing bytes and truncation", test_trailing_and_truncation},
        {"extension limit", test_extension_limit},
        {"bad names, SPKI and algorithm", test_bad_name_and_spki},
        {"nesting limit in names and parameters", test_nesting_limit_in_fields},
        {"RDN SET order", test_rdn_set_order},
        {"classify other objects", test_classify_other_objects},
        {"CRL decode", test_crl_decode},
        {"OCSP ResponseData classify", test_ocsp_classify},
        {"certificate split", test_cert_split},
        {"Name value types OpenSSL reads", test_name_value_types},
        {NULL, NULL},
    };

    tu_init();
    tu_add_suite("tbs", tests);
    return tu_run();
}
