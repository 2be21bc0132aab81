/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the audit log (provider/audit.c): the record format read back
 * with a strict JSON reader, escaping of hostile names and strings, the
 * RFC 4514 renderer, failures to write (/dev/full, a directory, a
 * read-only directory, a file limit that cuts a write short, a log
 * replaced by a directory), log rotation, many threads appending, and the
 * syslog short form. Faults while a process has the log open (issue 6):
 * the file or its directory removed, a file size limit with SIGXFSZ at
 * its default action, a full file system, a directory made read-only
 * after rotation.
 */
#define _GNU_SOURCE /* mkdtemp, setrlimit helpers under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "audit.h"
#include "audit_json.h"
#include "testutil.h"

#define N_THREADS 8
#define RECORDS_PER_THREAD 250

static char tmpdir[64];
static const unsigned char policy_hash[32] = {
    0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
    0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11,
    0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0xff};
static const char policy_hash_hex[] =
    "deadbeef000102030405060708090a0b0c0d0e0f101112131415161718191aff";

/* 2026-03-04T05:06:07.089012Z */
static const struct timespec fixed_time = {1772600767, 89012345};

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static void path_in_tmp(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/%s", tmpdir, name);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    *len = 0;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0
        && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
            buf[n] = '\0';
            *len = (size_t)n;
        } else {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    return buf;
}

/* Parse a formatted record; a record that does not parse fails the test
 * at once (printing it). */
static int parse_record(const char *line, size_t len, AJ_NODE *out)
{
    int ok = aj_parse_line(line, len, out);

    if (!ok)
        fprintf(stderr, "\nnot one valid JSON line: %.*s\n", (int)len, line);
    return ok;
}

static char *format(const char *decision, const SP_VERDICT *v,
                    const uint8_t *tbs, size_t tbs_len, const char *key_id,
                    const char *reason, size_t *len)
{
    return spprov_audit_format(NULL, decision, v, tbs, tbs_len, policy_hash,
                               key_id, reason, &fixed_time, 4242, len);
}

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
    unsigned char md[32];

    CU_ASSERT_FATAL(EVP_Q_digest(NULL, "SHA256", NULL, data, len, md, NULL));
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The template mailbox certificate, signed by the P-256 issuing CA and
 * decoded into `v` by hand as a refused certificate verdict: the tests of
 * the record format must not depend on which rules the engine has. */
static uint8_t *hand_verdict(SP_VERDICT *v, size_t *len)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    SP_DECODE_ERROR where;
    uint8_t *tbs;

    tbs = tu_cert_tbs(cert, ca, NULL, len);
    X509_free(cert);
    memset(v, 0, sizeof(*v));
    CU_ASSERT_EQUAL_FATAL(sp_tbs_cert_decode(tbs, *len, &v->tbs.cert, &where),
                          SP_DER_OK);
    v->kind = SP_KIND_CERT;
    v->decision = SP_DECIDE_REFUSE;
    v->type = SP_TYPE_MAILBOX;
    v->generation = SP_GEN_STRICT;
    v->mode = SP_MODE_ENFORCE;
    v->profile = "mailbox_strict";
    return tbs;
}

/* Point the verdict's subject at the DER of `name` (taken over). The
 * strict decoder would refuse some of the names the escaping tests need
 * (invalid UTF-8), and the record must still be safe if one got through.
 * The DER lives until the next call. */
static void set_subject(SP_VERDICT *v, X509_NAME *name)
{
    static unsigned char *der;
    int len;

    OPENSSL_free(der);
    der = NULL;
    len = i2d_X509_NAME(name, &der);
    X509_NAME_free(name);
    CU_ASSERT_FATAL(len > 0);
    v->tbs.cert.subject.data = der;
    v->tbs.cert.subject.len = (size_t)len;
}

static char *name_text(X509_NAME *name)
{
    unsigned char *der = NULL;
    int len = i2d_X509_NAME(name, &der);
    char *text;

    CU_ASSERT_FATAL(len > 0);
    text = spprov_audit_name_text(der, (size_t)len);
    OPENSSL_free(der);
    X509_NAME_free(name);
    return text;
}

/* One AttributeTypeAndValue of a Name built byte by byte, for values
 * libcrypto refuses to encode (invalid UTF-8, odd BMPString lengths,
 * non-string values). `join` puts it in the previous RDN. */
typedef struct atv_spec_st {
    const char *oid_hex; /* OID contents */
    unsigned tag;
    const char *value;
    size_t len;
    int join;
} ATV_SPEC;

/* DER Name from `n` specs; OPENSSL_free the result. */
static uint8_t *raw_name(const ATV_SPEC *specs, size_t n, size_t *outlen)
{
    size_t cap = 64, rdns_len = 0, set_len = 0;
    uint8_t *rdns, *set, *atv, *tmp, *out;

    for (size_t i = 0; i < n; i++)
        cap += specs[i].len + 64;
    rdns = OPENSSL_malloc(cap);
    set = OPENSSL_malloc(cap);
    atv = OPENSSL_malloc(cap);
    tmp = OPENSSL_malloc(cap);
    out = OPENSSL_malloc(cap);
    CU_ASSERT_FATAL(rdns && set && atv && tmp && out);
    for (size_t i = 0; i < n; i++) {
        size_t oid_len, atv_len;
        uint8_t *oid = tu_hex(specs[i].oid_hex, &oid_len);

        atv_len = tu_der_tlv(tmp, SP_TAG_OID, oid, oid_len);
        atv_len += tu_der_tlv(tmp + atv_len, specs[i].tag,
                              (const uint8_t *)specs[i].value, specs[i].len);
        OPENSSL_free(oid);
        if (!specs[i].join && set_len > 0) {
            rdns_len += tu_der_tlv(rdns + rdns_len, SP_TAG_SET, set, set_len);
            set_len = 0;
        }
        set_len += tu_der_tlv(set + set_len, SP_TAG_SEQUENCE, tmp, atv_len);
    }
    if (set_len > 0)
        rdns_len += tu_der_tlv(rdns + rdns_len, SP_TAG_SET, set, set_len);
    *outlen = tu_der_tlv(out, SP_TAG_SEQUENCE, rdns, rdns_len);
    OPENSSL_free(rdns);
    OPENSSL_free(set);
    OPENSSL_free(atv);
    OPENSSL_free(tmp);
    return out;
}

static char *raw_text(const ATV_SPEC *specs, size_t n)
{
    size_t len;
    uint8_t *der = raw_name(specs, n, &len);
    char *text = spprov_audit_name_text(der, len);

    OPENSSL_free(der);
    return text;
}

#define CN_OID "550403"
#define ONE(tag, lit)                                                          \
    {                                                                          \
        CN_OID, (tag), (lit), sizeof(lit) - 1, 0                               \
    }

/* ------------------------------------------------------------------ */
/* Record format                                                       */

/* A compliant certificate judged by the engine, recorded as signed. */
static void test_record_accepted(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    SP_POLICY *pol = tu_policy();
    const SP_VERDICT *v;
    const AJ_NODE *n;
    AJ_NODE rec;
    char hex[65], *line, *serial, *issuer;
    BIGNUM *bn;
    uint8_t *tbs;
    size_t tbs_len, len;

    tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);
    v = tu_judge(pol, tbs, tbs_len, ca->issuer);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    line = format("signed", v, tbs, tbs_len, "sha256:0123abcd", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_EQUAL(strlen(line), len);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));

    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "time"), "2026-03-04T05:06:07.089012Z");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "decision"), "signed");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "verdict"), "accept");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "kind"), "certificate");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "mode"), "enforce");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "profile"), "mailbox-strict");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "subject"), "CN=alice@example.com");
    issuer = name_text(X509_NAME_dup(X509_get_subject_name(ca->cert)));
    CU_ASSERT_PTR_NOT_NULL_FATAL(issuer);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "issuer"), issuer);
    OPENSSL_free(issuer);
    /* index.txt form: what BN_bn2hex prints. */
    bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(cert), NULL);
    serial = bn != NULL ? BN_bn2hex(bn) : NULL;
    CU_ASSERT_PTR_NOT_NULL_FATAL(serial);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "serial"), serial);
    OPENSSL_free(serial);
    BN_free(bn);
    n = aj_get(&rec, "san_mailboxes");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL_FATAL(n->type, AJ_ARRAY);
    CU_ASSERT_EQUAL_FATAL(n->n, 1);
    CU_ASSERT_STRING_EQUAL(n->kids[0].str, "alice@example.com");
    n = aj_get(&rec, "errors");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->num, 0);
    n = aj_get(&rec, "findings");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->type, AJ_ARRAY);
    CU_ASSERT_EQUAL(n->n, v->findings.n);
    sha256_hex(tbs, tbs_len, hex);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "tbs_sha256"), hex);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "policy_sha256"), policy_hash_hex);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "key_id"), "sha256:0123abcd");
    n = aj_get(&rec, "pid");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL(n->num, 4242);
    CU_ASSERT_PTR_NULL(aj_get(&rec, "reason"));

    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
    X509_free(cert);
    sp_policy_free(pol);
}

/* A refused verdict with an error finding, a waived warning and an
 * expired exception: every finding field is in the record. */
static void test_record_refused(void)
{
    static SP_VERDICT v;
    SP_EXCEPTION waiver = {.name = "exc_legacy_ou", .owner = "pki-team"};
    SP_EXCEPTION expired = {.name = "exc_old", .owner = "nobody"};
    const AJ_NODE *fs, *f;
    AJ_NODE rec;
    uint8_t *tbs;
    char *line;
    size_t tbs_len, len;
    int last = SP_RULE_COUNT - 1;

    tbs = hand_verdict(&v, &tbs_len);
    v.n_errors = 1;
    v.findings.n = 2;
    v.findings.dropped = 3;
    v.findings.f[0].rule = (sp_rule_id)0;
    v.findings.f[0].severity = SP_SEV_ERROR;
    v.findings.f[0].expired_exception = &expired;
    snprintf(v.findings.f[0].detail, SP_FINDING_DETAIL_MAX,
             "value \"x\" not allowed");
    v.findings.f[1].rule = (sp_rule_id)last;
    v.findings.f[1].severity = SP_SEV_WARNING;
    v.findings.f[1].waived_by = &waiver;
    snprintf(v.findings.f[1].detail, SP_FINDING_DETAIL_MAX, "warned");

    line = format("refused", &v, tbs, tbs_len, "pkcs11:object=ca", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "decision"), "refused");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "verdict"), "refuse");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "policy_profile"), "mailbox_strict");
    CU_ASSERT_EQUAL(aj_get(&rec, "errors")->num, 1);
    CU_ASSERT_EQUAL(aj_get(&rec, "findings_dropped")->num, 3);
    fs = aj_get(&rec, "findings");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
    CU_ASSERT_EQUAL_FATAL(fs->n, 2);

    f = &fs->kids[0];
    CU_ASSERT_STRING_EQUAL(aj_str(f, "code"), sp_rules[0].code);
    CU_ASSERT_STRING_EQUAL(aj_str(f, "severity"), "error");
    CU_ASSERT_STRING_EQUAL(aj_str(f, "section"), sp_rules[0].section);
    CU_ASSERT_STRING_EQUAL(aj_str(f, "detail"), "value \"x\" not allowed");
    CU_ASSERT_EQUAL(aj_get(f, "waived")->type, AJ_FALSE);
    CU_ASSERT_PTR_NULL(aj_get(f, "exception"));
    CU_ASSERT_STRING_EQUAL(aj_str(f, "expired_exception"), "exc_old");

    f = &fs->kids[1];
    CU_ASSERT_STRING_EQUAL(aj_str(f, "code"), sp_rules[last].code);
    CU_ASSERT_STRING_EQUAL(aj_str(f, "severity"), "warning");
    CU_ASSERT_EQUAL(aj_get(f, "waived")->type, AJ_TRUE);
    CU_ASSERT_STRING_EQUAL(aj_str(f, "exception"), "exc_legacy_ou");
    CU_ASSERT_STRING_EQUAL(aj_str(f, "owner"), "pki-team");
    CU_ASSERT_PTR_NULL(aj_get(f, "expired_exception"));

    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
}

/* The engine's own refusal: the record lists exactly its findings. */
static void test_record_engine_refusal(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    SP_POLICY *pol = tu_policy();
    const SP_VERDICT *v;
    const AJ_NODE *fs;
    AJ_NODE rec;
    uint8_t *tbs;
    char *line;
    size_t tbs_len, len;

    tu_cert_del_ext(cert, "extendedKeyUsage");
    tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);
    v = tu_judge(pol, tbs, tbs_len, ca->issuer);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    line = format("refused", v, tbs, tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_EQUAL(aj_get(&rec, "errors")->num, v->n_errors);
    fs = aj_get(&rec, "findings");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fs);
    CU_ASSERT_EQUAL_FATAL(fs->n, v->findings.n);
    for (size_t i = 0; i < fs->n; i++)
        CU_ASSERT_STRING_EQUAL(aj_str(&fs->kids[i], "code"),
                               sp_rules[v->findings.f[i].rule].code);
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
    X509_free(cert);
    sp_policy_free(pol);
}

/* A TBSCertificate whose notBefore is not a valid UTCTime: the engine
 * refuses with decode_failed and the record carries the reason. */
static void test_record_decode_failure(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    SP_POLICY *pol = tu_policy();
    const SP_VERDICT *v;
    AJ_NODE rec;
    uint8_t *tbs;
    char *line;
    size_t tbs_len, len;

    tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);
    tu_bytes_patch(tbs, tbs_len, (const uint8_t *)"250601000000Z",
                   (const uint8_t *)"250601000000X", 13);
    v = tu_judge(pol, tbs, tbs_len, ca->issuer);
    CU_ASSERT_TRUE_FATAL(v->decode_failed);
    line = format("refused", v, tbs, tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "kind"), "certificate");
    CU_ASSERT_PTR_NOT_NULL_FATAL(aj_str(&rec, "reason"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(aj_str(&rec, "reason"), sp_der_strerror(v->decode_error.err)));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(aj_str(&rec, "reason"), v->decode_error.field));
    CU_ASSERT_PTR_NULL(aj_get(&rec, "subject"));
    CU_ASSERT_PTR_NULL(aj_get(&rec, "serial"));
    aj_free(&rec);
    OPENSSL_free(line);

    /* With a reason of the provider's as well: both are kept. */
    line = format("refused", v, tbs, tbs_len, "k", "digest mismatch", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_PTR_NOT_NULL_FATAL(aj_str(&rec, "reason"));
    CU_ASSERT_EQUAL(strncmp(aj_str(&rec, "reason"), "digest mismatch; ", 17),
                    0);
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
    X509_free(cert);
    sp_policy_free(pol);
}

/* The provider refuses before judging (no verdict): kind comes from the
 * bytes, the reason from the provider. */
static void test_record_without_verdict(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    AJ_NODE rec;
    uint8_t *tbs;
    char *line;
    size_t tbs_len, len;

    tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);
    line = format(NULL, NULL, tbs, tbs_len, NULL,
                  "signature algorithm does not match the key", &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "decision"), "refused");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "kind"), "certificate");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "reason"),
                           "signature algorithm does not match the key");
    CU_ASSERT_EQUAL(aj_get(&rec, "key_id")->type, AJ_NULL);
    aj_free(&rec);
    OPENSSL_free(line);

    /* Nothing at all: still one valid line. */
    line = spprov_audit_format(NULL, "refused", NULL, NULL, 0, NULL, NULL, NULL,
                               &fixed_time, 1, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "kind"), "other");
    CU_ASSERT_EQUAL(aj_get(&rec, "tbs_sha256")->type, AJ_NULL);
    CU_ASSERT_EQUAL(aj_get(&rec, "policy_sha256")->type, AJ_NULL);
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
    X509_free(cert);
}

/* A CRL verdict from the engine: issuer, times and count, no subject. */
static void test_record_crl(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509_CRL *crl = X509_CRL_new();
    ASN1_TIME *t1 = ASN1_TIME_set(NULL, (time_t)TU_NOT_BEFORE);
    ASN1_TIME *t2 = ASN1_TIME_set(NULL, (time_t)TU_NOT_BEFORE + 86400);
    SP_POLICY *pol = tu_policy();
    unsigned char *tbs = NULL;
    const SP_VERDICT *v;
    AJ_NODE rec;
    char *line;
    size_t len;
    int tbs_len;

    CU_ASSERT_FATAL(crl != NULL && t1 != NULL && t2 != NULL);
    CU_ASSERT_FATAL(X509_CRL_set_version(crl, 1));
    CU_ASSERT_FATAL(
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca->cert)));
    CU_ASSERT_FATAL(X509_CRL_set1_lastUpdate(crl, t1));
    CU_ASSERT_FATAL(X509_CRL_set1_nextUpdate(crl, t2));
    CU_ASSERT_FATAL(X509_CRL_sign(crl, ca->key, EVP_sha256()));
    tbs_len = i2d_re_X509_CRL_tbs(crl, &tbs);
    CU_ASSERT_FATAL(tbs_len > 0);
    v = tu_judge(pol, tbs, (size_t)tbs_len, ca->issuer);
    CU_ASSERT_EQUAL_FATAL(v->kind, SP_KIND_CRL);
    line = format("signed", v, tbs, (size_t)tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "kind"), "crl");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "this_update"), "2025-06-01T00:00:00Z");
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "next_update"), "2025-06-02T00:00:00Z");
    CU_ASSERT_EQUAL(aj_get(&rec, "revoked")->num, 0);
    CU_ASSERT_PTR_NOT_NULL(aj_str(&rec, "issuer"));
    CU_ASSERT_PTR_NULL(aj_get(&rec, "subject"));
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
    ASN1_TIME_free(t1);
    ASN1_TIME_free(t2);
    X509_CRL_free(crl);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* Escaping                                                            */

/* RFC 4514 rendering: order, multi-valued RDNs, special characters,
 * non-string and undecodable values. */
static void test_name_rfc4514(void)
{
    static const struct {
        ATV_SPEC atv;
        const char *text;
    } one[] = {
        {ONE(SP_TAG_UTF8STRING, "#lead trail "), "CN=\\#lead trail\\ "},
        {ONE(SP_TAG_UTF8STRING, " a\"b\\c;d<e>f="),
         "CN=\\ a\\\"b\\\\c\\;d\\<e\\>f="},
        /* Control characters (NUL included) hex-escaped. */
        {ONE(SP_TAG_UTF8STRING, "a\nb\0c\x7f"), "CN=a\\0Ab\\00c\\7F"},
        /* Invalid UTF-8 in a UTF8String: hex of the whole value. */
        {ONE(SP_TAG_UTF8STRING, "ok\xff\xfe"), "CN=#0c046f6bfffe"},
        {ONE(SP_TAG_UTF8STRING, "\xc0\xaf"), "CN=#0c02c0af"},
        {ONE(SP_TAG_UTF8STRING, "\xed\xa0\x80"), "CN=#0c03eda080"},
        /* Non-ASCII in a PrintableString or IA5String. */
        {ONE(SP_TAG_PRINTABLESTRING, "\xe9"), "CN=#1301e9"},
        {ONE(SP_TAG_IA5STRING, "a\x80"), "CN=#16026180"},
        /* BMPString converted to UTF-8; odd length or a surrogate: hex. */
        {ONE(SP_TAG_BMPSTRING, "\x00\xe9\x00z"), "CN=\xc3\xa9z"},
        {ONE(SP_TAG_BMPSTRING, "\x00\xe9\x00"), "CN=#1e0300e900"},
        {ONE(SP_TAG_BMPSTRING, "\xd8\x00"), "CN=#1e02d800"},
        /* UniversalString above U+FFFF. */
        {ONE(SP_TAG_UNIVERSALSTRING, "\x00\x01\xf6\x00"),
         "CN=\xf0\x9f\x98\x80"},
        /* TeletexString: character set unknowable, so hex. */
        {ONE(SP_TAG_T61STRING, "ab"), "CN=#14026162"},
        /* A value that is no string at all. */
        {{"2a03", SP_TAG_OCTET_STRING, "\x01", 1, 0}, "1.2.3=#040101"},
        /* Types by name and unknown types by OID. */
        {{"2a864886f70d010901", SP_TAG_IA5STRING, "a@b", 3, 0},
         "emailAddress=a@b"},
        {{"550461", SP_TAG_UTF8STRING, "LEIXG-1", 7, 0},
         "organizationIdentifier=LEIXG-1"},
        {{"0992268993f22c640119", SP_TAG_IA5STRING, "com", 3, 0}, "DC=com"},
    };
    static const ATV_SPEC multi[] = {
        {"550406", SP_TAG_PRINTABLESTRING, "DE", 2, 0},
        {"55040a", SP_TAG_UTF8STRING, "A, B+C", 6, 0},
        {CN_OID, SP_TAG_UTF8STRING, "x", 1, 0},
        {"0992268993f22c640101", SP_TAG_UTF8STRING, "u1", 2, 1},
    };
    X509_NAME *name;
    char *text;

    for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
        text = raw_text(&one[i].atv, 1);
        CU_ASSERT_PTR_NOT_NULL_FATAL(text);
        if (strcmp(text, one[i].text) != 0)
            fprintf(stderr, "\ncase %zu: got %s\n", i, text);
        CU_ASSERT_STRING_EQUAL(text, one[i].text);
        OPENSSL_free(text);
    }
    /* Last RDN first; '+' inside a multi-valued RDN. */
    text = raw_text(multi, 4);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "CN=x+UID=u1,O=A\\, B\\+C,C=DE");
    OPENSSL_free(text);
    /* The same Name as libcrypto encodes it. */
    name = X509_NAME_new();
    CU_ASSERT_FATAL(name != NULL);
    CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(
        name, "C", MBSTRING_ASC, (const unsigned char *)"DE", -1, -1, 0));
    CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(
        name, "O", MBSTRING_ASC, (const unsigned char *)"A, B+C", -1, -1, 0));
    CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(
        name, "CN", MBSTRING_ASC, (const unsigned char *)"x", -1, -1, 0));
    CU_ASSERT_FATAL(X509_NAME_add_entry_by_txt(
        name, "UID", MBSTRING_ASC, (const unsigned char *)"u1", -1, -1, -1));
    text = name_text(name);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "CN=x+UID=u1,O=A\\, B\\+C,C=DE");
    OPENSSL_free(text);
    /* Empty Name. */
    text = name_text(X509_NAME_new());
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    CU_ASSERT_STRING_EQUAL(text, "");
    OPENSSL_free(text);
    /* Not a Name: an empty RDN, a truncated one, trailing bytes. */
    CU_ASSERT_PTR_NULL(
        spprov_audit_name_text((const unsigned char *)"\x30\x02\x31\x00", 4));
    CU_ASSERT_PTR_NULL(
        spprov_audit_name_text((const unsigned char *)"\x30\x03\x31\x05", 4));
    CU_ASSERT_PTR_NULL(
        spprov_audit_name_text((const unsigned char *)"\x30\x00\x00", 3));
}

/* Hostile subject and strings: the record stays one valid JSON line and
 * the values read back are what went in (invalid UTF-8 replaced). */
static void test_hostile_strings(void)
{
    static SP_VERDICT v;
    static const char hostile[] =
        "\"},\n{\"decision\":\"signed\"\r\t\x01\x1b[31m\\u0000\xe2\x80\xa8";
    const ATV_SPEC atvs[] = {
        {CN_OID, SP_TAG_UTF8STRING, hostile, sizeof(hostile) - 1, 0},
        {"55040a", SP_TAG_UTF8STRING, "bad\xc0\xafutf8", 9, 0},
    };
    const AJ_NODE *n;
    AJ_NODE rec;
    uint8_t *tbs, *name;
    char *line, *expect;
    size_t tbs_len, len, name_len;

    tbs = hand_verdict(&v, &tbs_len);
    name = raw_name(atvs, 2, &name_len);
    v.tbs.cert.subject.data = name;
    v.tbs.cert.subject.len = name_len;
    v.findings.n = 1;
    v.findings.f[0].rule = (sp_rule_id)0;
    v.findings.f[0].severity = SP_SEV_ERROR;
    snprintf(v.findings.f[0].detail, SP_FINDING_DETAIL_MAX, "%s", hostile);

    line = format(hostile, &v, tbs, tbs_len, "key\xff\"\n", hostile, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "decision"), hostile);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "reason"), hostile);
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "key_id"), "key\xef\xbf\xbd\"\n");
    /* The subject: RFC 4514 escapes first, then JSON. */
    expect = "O=#0c09626164c0af75746638,"
             "CN=\\\"}\\,\\0A{\\\"decision\\\":\\\"signed\\\"\\0D\\09\\01\\1B"
             "[31m\\\\u0000\xe2\x80\xa8";
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "subject"), expect);
    n = aj_get(&rec, "findings");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL_FATAL(n->n, 1);
    CU_ASSERT_STRING_EQUAL(aj_str(&n->kids[0], "detail"), hostile);
    /* No raw control byte and no raw U+2028 anywhere in the line. */
    for (size_t i = 0; i + 1 < len; i++)
        CU_ASSERT((unsigned char)line[i] >= 0x20 && line[i] != 0x7f);
    CU_ASSERT_PTR_NULL(strstr(line, "\xe2\x80\xa8"));
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(name);
    OPENSSL_free(tbs);
}

/* SAN mailboxes: rfc822Name and SmtpUTF8Mailbox, other names skipped. */
static void test_san_mailboxes(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    static SP_VERDICT v;
    SP_DECODE_ERROR where;
    const AJ_NODE *n;
    AJ_NODE rec;
    uint8_t *tbs;
    char *line;
    size_t tbs_len, len;

    /* rfc822Name, dNSName, SmtpUTF8Mailbox, another otherName, and an
     * rfc822Name with a quote. */
    tu_cert_set_ext_hex(cert, "2.5.29.17", 0,
                        "305d"
                        "810d61406578616d706c652e636f6d"
                        "820b6578616d706c652e636f6d"
                        "a02106082b06010505070809a0150c13"
                        "c3a96cc3a8766540"
                        "6578616d706c652e636f6d"
                        "a00b06032a0304a0040c02"
                        "6868"
                        "810f62227140"
                        "6578616d706c652e636f6d");
    tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);
    memset(&v, 0, sizeof(v));
    CU_ASSERT_EQUAL_FATAL(sp_tbs_cert_decode(tbs, tbs_len, &v.tbs.cert, &where),
                          SP_DER_OK);
    v.kind = SP_KIND_CERT;
    line = format("signed", &v, tbs, tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    n = aj_get(&rec, "san_mailboxes");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL_FATAL(n->n, 3);
    CU_ASSERT_STRING_EQUAL(n->kids[0].str, "a@example.com");
    CU_ASSERT_STRING_EQUAL(n->kids[1].str, "\xc3\xa9l\xc3\xa8ve@example.com");
    CU_ASSERT_STRING_EQUAL(n->kids[2].str, "b\"q@example.com");
    CU_ASSERT_PTR_NULL(aj_get(&rec, "san_error"));
    aj_free(&rec);
    OPENSSL_free(line);

    /* A SAN that does not decode: what came before it, and san_error. */
    v.tbs.cert.ext[0].oid.data = (const uint8_t *)"\x55\x1d\x11";
    v.tbs.cert.ext[0].oid.len = 3;
    v.tbs.cert.ext[0].value.data =
        (const uint8_t *)"\x30\x08\x81\x03x@y\x81\x05z";
    v.tbs.cert.ext[0].value.len = 10;
    v.tbs.cert.n_ext = 1;
    line = format("refused", &v, tbs, tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    n = aj_get(&rec, "san_mailboxes");
    CU_ASSERT_PTR_NOT_NULL_FATAL(n);
    CU_ASSERT_EQUAL_FATAL(n->n, 1);
    CU_ASSERT_STRING_EQUAL(n->kids[0].str, "x@y");
    CU_ASSERT_PTR_NOT_NULL(aj_str(&rec, "san_error"));
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
    X509_free(cert);
}

/* Serial numbers as index.txt has them. */
static void test_serial_forms(void)
{
    static const struct {
        const char *der;
        size_t len;
        const char *text;
    } cases[] = {
        {"\x00", 1, "00"},       {"\x0a", 1, "0A"},  {"\x00\x80", 2, "80"},
        {"\x7f\xff", 2, "7FFF"}, {"\xff", 1, "-01"}, {"\x80", 1, "-80"},
        {"\xff\x7f", 2, "-81"},
    };
    static SP_VERDICT v;
    AJ_NODE rec;
    char *line;
    size_t len;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&v, 0, sizeof(v));
        v.kind = SP_KIND_CERT;
        v.tbs.cert.serial.data = (const uint8_t *)cases[i].der;
        v.tbs.cert.serial.len = cases[i].len;
        v.tbs.cert.subject.data = (const uint8_t *)"\x30\x00";
        v.tbs.cert.subject.len = 2;
        v.tbs.cert.issuer = v.tbs.cert.subject;
        line = format("signed", &v, NULL, 0, "k", NULL, &len);
        CU_ASSERT_PTR_NOT_NULL_FATAL(line);
        CU_ASSERT_FATAL(parse_record(line, len, &rec));
        CU_ASSERT_STRING_EQUAL(aj_str(&rec, "serial"), cases[i].text);
        aj_free(&rec);
        OPENSSL_free(line);
    }
}

/* A Name that cannot be rendered is recorded as hex, never dropped. */
static void test_unrenderable_name(void)
{
    static SP_VERDICT v;
    AJ_NODE rec;
    uint8_t *tbs;
    char *line;
    size_t tbs_len, len;

    tbs = hand_verdict(&v, &tbs_len);
    v.tbs.cert.subject.data = (const uint8_t *)"\x30\x02\x31\x00";
    v.tbs.cert.subject.len = 4;
    line = format("refused", &v, tbs, tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_PTR_NULL(aj_get(&rec, "subject"));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "subject_der"), "30023100");
    CU_ASSERT_PTR_NOT_NULL(aj_str(&rec, "issuer"));
    aj_free(&rec);
    OPENSSL_free(line);
    OPENSSL_free(tbs);
}

/* A record far larger than any stack buffer is written whole. */
static void test_large_record(void)
{
    static SP_VERDICT v;
    X509_NAME *name = X509_NAME_new();
    char big[4000], path[256];
    AJ_NODE rec;
    uint8_t *tbs;
    char *line, *file;
    size_t tbs_len, len, flen;
    SPPROV_AUDIT *a;

    CU_ASSERT_FATAL(name != NULL);
    memset(big, '"', sizeof(big) - 1); /* each becomes \" then \\\" */
    big[sizeof(big) - 1] = '\0';
    for (int i = 0; i < 8; i++)
        CU_ASSERT_FATAL(
            X509_NAME_add_entry_by_txt(name, "OU", V_ASN1_UTF8STRING,
                                       (const unsigned char *)big, -1, -1, 0));
    tbs = hand_verdict(&v, &tbs_len);
    set_subject(&v, name);
    v.findings.n = SP_MAX_FINDINGS;
    for (size_t i = 0; i < SP_MAX_FINDINGS; i++) {
        v.findings.f[i].severity = SP_SEV_ERROR;
        memset(v.findings.f[i].detail, '\\', SP_FINDING_DETAIL_MAX - 1);
    }
    line = format("refused", &v, tbs, tbs_len, "k", NULL, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(line);
    CU_ASSERT(len > 8 * 3 * sizeof(big));
    CU_ASSERT_FATAL(parse_record(line, len, &rec));
    CU_ASSERT_EQUAL(aj_get(&rec, "findings")->n, SP_MAX_FINDINGS);
    CU_ASSERT_EQUAL(strlen(aj_str(&rec, "subject")),
                    8 * (2 * (sizeof(big) - 1) + 3) + 7);
    aj_free(&rec);
    OPENSSL_free(line);

    path_in_tmp(path, sizeof(path), "large.log");
    a = spprov_audit_open(path, 0, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "refused", &v, tbs, tbs_len, policy_hash, "k"),
        1);
    spprov_audit_close(a);
    file = slurp(path, &flen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    CU_ASSERT(flen > 8 * 3 * sizeof(big));
    CU_ASSERT_FATAL(parse_record(file, flen, &rec));
    aj_free(&rec);
    free(file);
    OPENSSL_free(tbs);
}

/* ------------------------------------------------------------------ */
/* Writing and failures                                                */

static void test_write_and_reopen(void)
{
    static SP_VERDICT v;
    char path[256], rotated[256], err[512];
    SPPROV_AUDIT *a;
    struct stat st;
    uint8_t *tbs;
    size_t tbs_len, flen;
    char *file;
    AJ_NODE rec;

    path_in_tmp(path, sizeof(path), "basic.log");
    path_in_tmp(rotated, sizeof(rotated), "basic.log.1");
    tbs = hand_verdict(&v, &tbs_len);
    a = spprov_audit_open(path, 0, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_STRING_EQUAL(spprov_audit_path(a), path);
    /* Created with mode 0640 (the umask may only take bits away). */
    CU_ASSERT_EQUAL_FATAL(stat(path, &st), 0);
    CU_ASSERT_EQUAL(st.st_mode & 0137, 0);
    CU_ASSERT_EQUAL(st.st_size, 0);

    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "refused", &v, tbs, tbs_len, policy_hash, "k1"),
        1);
    CU_ASSERT_STRING_EQUAL(spprov_audit_last_error(), "");
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "refused", &v, tbs, tbs_len, policy_hash, "k2"),
        1);
    /* logrotate moves the file away: the next record starts a new file. */
    CU_ASSERT_EQUAL_FATAL(rename(path, rotated), 0);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "refused", &v, tbs, tbs_len, policy_hash, "k3"),
        1);
    spprov_audit_close(a);

    file = slurp(rotated, &flen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    {
        char *nl = memchr(file, '\n', flen);

        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        CU_ASSERT_FATAL(parse_record(file, (size_t)(nl - file) + 1, &rec));
        CU_ASSERT_STRING_EQUAL(aj_str(&rec, "key_id"), "k1");
        aj_free(&rec);
        CU_ASSERT_FATAL(
            parse_record(nl + 1, flen - (size_t)(nl + 1 - file), &rec));
        CU_ASSERT_STRING_EQUAL(aj_str(&rec, "key_id"), "k2");
        aj_free(&rec);
    }
    free(file);
    file = slurp(path, &flen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    CU_ASSERT_FATAL(parse_record(file, flen, &rec));
    CU_ASSERT_STRING_EQUAL(aj_str(&rec, "key_id"), "k3");
    aj_free(&rec);
    free(file);
    OPENSSL_free(tbs);
}

/* /dev/full opens for appending but every write fails with ENOSPC. */
static void test_dev_full(void)
{
    static SP_VERDICT v;
    char err[512];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len;

    tbs = hand_verdict(&v, &tbs_len);
    a = spprov_audit_open("/dev/full", 0, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k"),
        0);
    CU_ASSERT_PTR_NOT_NULL(strstr(spprov_audit_last_error(), "/dev/full"));
    CU_ASSERT_PTR_NOT_NULL(strstr(spprov_audit_last_error(), strerror(ENOSPC)));
    /* The _ex form gives the same reason in the caller's buffer. */
    CU_ASSERT_EQUAL(spprov_audit_record_ex(a, "signed", &v, tbs, tbs_len,
                                           policy_hash, "k", NULL, err,
                                           sizeof(err)),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOSPC)));
    spprov_audit_close(a);
    OPENSSL_free(tbs);
}

static void test_open_failures(void)
{
    char path[256], err[512];

    /* A directory. */
    CU_ASSERT_PTR_NULL(spprov_audit_open(tmpdir, 0, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, tmpdir));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(EISDIR)));
    /* A missing directory. */
    path_in_tmp(path, sizeof(path), "no/such/dir.log");
    CU_ASSERT_PTR_NULL(spprov_audit_open(path, 0, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, path));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOENT)));
    /* Neither a file nor syslog. */
    CU_ASSERT_PTR_NULL(spprov_audit_open(NULL, 0, err, sizeof(err)));
    CU_ASSERT(strlen(err) > 0);
    /* No handle at all. */
    CU_ASSERT_EQUAL(
        spprov_audit_record(NULL, "signed", NULL, NULL, 0, NULL, NULL), 0);
    CU_ASSERT(strlen(spprov_audit_last_error()) > 0);
}

/* End a test's child process, saying where it failed. */
static void child_exit(int step)
{
    if (step != 0)
        fprintf(stderr, "\n  child failed at step %d (%s)\n", step,
                spprov_audit_last_error());
    _exit(step);
}

/* A read-only directory. root ignores permissions, so when running as
 * root the attempt is made by a child that became "nobody". */
static void test_readonly_dir(void)
{
    char dir[256], path[300];
    pid_t pid;
    int status;

    path_in_tmp(dir, sizeof(dir), "ro");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0555), 0);
    CU_ASSERT_EQUAL_FATAL(chmod(dir, 0555), 0);
    CU_ASSERT_EQUAL_FATAL(chmod(tmpdir, 0755), 0);
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        char err[512];
        SPPROV_AUDIT *a;

        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            child_exit(2);
        a = spprov_audit_open(path, 0, err, sizeof(err));
        if (a != NULL)
            child_exit(3);
        if (strstr(err, path) == NULL || strstr(err, strerror(EACCES)) == NULL)
            child_exit(4);
        child_exit(0);
    }
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    CU_ASSERT_EQUAL(access(path, F_OK), -1);
}

/* The log path becomes a directory after opening: the record fails and
 * says why (the log is reopened by path before each write). */
static void test_log_replaced_by_directory(void)
{
    static SP_VERDICT v;
    char path[256], err[512];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len;

    path_in_tmp(path, sizeof(path), "replaced.log");
    tbs = hand_verdict(&v, &tbs_len);
    a = spprov_audit_open(path, 0, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
    CU_ASSERT_EQUAL_FATAL(mkdir(path, 0700), 0);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k"),
        0);
    CU_ASSERT_PTR_NOT_NULL(strstr(spprov_audit_last_error(), path));
    CU_ASSERT_PTR_NOT_NULL(strstr(spprov_audit_last_error(), strerror(EISDIR)));
    spprov_audit_close(a);
    rmdir(path);
    OPENSSL_free(tbs);
}

/* A file size limit cuts the write short: the record call fails, says
 * so, and the partial record is taken out of the file again. Done in a
 * child so the limit does not outlive the test. */
static void test_short_write(void)
{
    static SP_VERDICT v;
    char path[256];
    uint8_t *tbs;
    size_t tbs_len, before_len, after_len;
    char *before, *after;
    pid_t pid;
    int status;

    path_in_tmp(path, sizeof(path), "short.log");
    tbs = hand_verdict(&v, &tbs_len);
    {
        SPPROV_AUDIT *a = spprov_audit_open(path, 0, NULL, 0);

        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_EQUAL_FATAL(spprov_audit_record(a, "signed", &v, tbs, tbs_len,
                                                  policy_hash, "k0"),
                              1);
        spprov_audit_close(a);
    }
    before = slurp(path, &before_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(before);

    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {before_len + 100, before_len + 100};
        SPPROV_AUDIT *a;

        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            child_exit(2);
        a = spprov_audit_open(path, 0, NULL, 0);
        if (a == NULL)
            child_exit(3);
        if (spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                "k1")
            != 0)
            child_exit(4);
        if (strstr(spprov_audit_last_error(), "short write") == NULL
            || strstr(spprov_audit_last_error(), "partial record removed")
                   == NULL)
            child_exit(5);
        /* At the limit already: the write fails outright. */
        rl.rlim_cur = rl.rlim_max = before_len;
        if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
            child_exit(6);
        if (spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                "k2")
                != 0
            || strstr(spprov_audit_last_error(), strerror(EFBIG)) == NULL)
            child_exit(7);
        spprov_audit_close(a);
        /* The child owns copies of these: free them for leak checkers. */
        free(before);
        OPENSSL_free(tbs);
        child_exit(0);
    }
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    after = slurp(path, &after_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(after);
    CU_ASSERT_EQUAL(after_len, before_len);
    CU_ASSERT_EQUAL(memcmp(before, after, before_len), 0);
    free(before);
    free(after);
    OPENSSL_free(tbs);
}

/* The file lock really excludes other writers, and a child of fork()
 * does not write under its parent's lock: it shares the parent's open file
 * description, on which flock() would succeed at once, so it must open the
 * log again. The parent holds the lock on the descriptor it handed down;
 * the child's record has to wait for it. */
static void test_fork_takes_own_lock(void)
{
    static SP_VERDICT v;
    char path[256], *file;
    struct stat by_fd, by_path;
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len, flen;
    int fd, status;
    pid_t pid;

    path_in_tmp(path, sizeof(path), "fork.log");
    tbs = hand_verdict(&v, &tbs_len);
    /* The log gets the lowest free descriptor: find it first. */
    fd = open("/dev/null", O_RDONLY);
    CU_ASSERT_FATAL(fd >= 0);
    close(fd);
    a = spprov_audit_open(path, 0, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL_FATAL(fstat(fd, &by_fd), 0);
    CU_ASSERT_EQUAL_FATAL(stat(path, &by_path), 0);
    CU_ASSERT_EQUAL_FATAL(by_fd.st_ino, by_path.st_ino);
    CU_ASSERT_EQUAL_FATAL(flock(fd, LOCK_EX), 0);

    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0)
        child_exit(spprov_audit_record(a, "signed", &v, tbs, tbs_len,
                                       policy_hash, "child")
                       ? 0
                       : 1);
    nanosleep(&(struct timespec){0, 300 * 1000 * 1000}, NULL);
    /* Still waiting for the lock. */
    CU_ASSERT_EQUAL(waitpid(pid, &status, WNOHANG), 0);
    file = slurp(path, &flen);
    CU_ASSERT_PTR_NOT_NULL(file);
    CU_ASSERT_EQUAL(flen, 0);
    free(file);
    CU_ASSERT_EQUAL(flock(fd, LOCK_UN), 0);
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    file = slurp(path, &flen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "\"key_id\":\"child\""));
    free(file);
    /* The parent goes on with its own descriptor. */
    CU_ASSERT_EQUAL(spprov_audit_record(a, "signed", &v, tbs, tbs_len,
                                        policy_hash, "parent"),
                    1);
    spprov_audit_close(a);
    OPENSSL_free(tbs);
}

/* ------------------------------------------------------------------ */
/* Faults while the log is open (issue 6)                              */

/* The lines of a file, each parsed; returns how many, or -1 when one is
 * not a complete JSON record. decisions[i] and keys[i] get copies. */
static int read_records(const char *path, char decisions[][32], char keys[][32],
                        int max)
{
    size_t flen;
    char *file = slurp(path, &flen), *p;
    int n = 0;

    if (file == NULL)
        return -1;
    for (p = file; p < file + flen && n < max;) {
        char *nl = memchr(p, '\n', (size_t)(file + flen - p));
        AJ_NODE rec;

        if (nl == NULL || !aj_parse_line(p, (size_t)(nl - p) + 1, &rec)) {
            free(file);
            return -1;
        }
        {
            const char *d = aj_str(&rec, "decision");
            const char *k = aj_str(&rec, "key_id");

            snprintf(decisions[n], 32, "%s", d != NULL ? d : "");
            snprintf(keys[n], 32, "%s", k != NULL ? k : "");
        }
        aj_free(&rec);
        n++;
        p = nl + 1;
    }
    free(file);
    return n;
}

/* The file is removed (not renamed) while open: the next record goes to a
 * new file at the configured path, preceded in the same write by a note
 * that this process's earlier records are not in it. */
static void test_removed_while_open(void)
{
    static SP_VERDICT v;
    char path[256], dec[4][32], key[4][32];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len;

    path_in_tmp(path, sizeof(path), "removed.log");
    tbs = hand_verdict(&v, &tbs_len);
    a = spprov_audit_open(path, 0, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k1"),
        1);
    CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k2"),
        1);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k3"),
        1);
    CU_ASSERT_EQUAL_FATAL(read_records(path, dec, key, 4), 3);
    CU_ASSERT_STRING_EQUAL(dec[0], "audit-log-removed");
    CU_ASSERT_STRING_EQUAL(key[1], "k2");
    CU_ASSERT_STRING_EQUAL(key[2], "k3");
    spprov_audit_close(a);
    OPENSSL_free(tbs);
}

/* The log's directory is removed: records fail, naming the path and the
 * error, for as long as it is gone (the caller refuses to sign); once it
 * is back, the log is made again and says what happened. */
static void test_directory_removed(void)
{
    static SP_VERDICT v;
    char dir[256], path[300], dec[4][32], key[4][32];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len;

    path_in_tmp(dir, sizeof(dir), "gone");
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    tbs = hand_verdict(&v, &tbs_len);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    a = spprov_audit_open(path, 0, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k1"),
        1);
    CU_ASSERT_EQUAL_FATAL(unlink(path), 0);
    CU_ASSERT_EQUAL_FATAL(rmdir(dir), 0);
    for (int i = 0; i < 2; i++) {
        CU_ASSERT_EQUAL(spprov_audit_record(a, "signed", &v, tbs, tbs_len,
                                            policy_hash, "lost"),
                        0);
        CU_ASSERT_PTR_NOT_NULL(strstr(spprov_audit_last_error(), path));
        CU_ASSERT_PTR_NOT_NULL(
            strstr(spprov_audit_last_error(), strerror(ENOENT)));
    }
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k2"),
        1);
    CU_ASSERT_EQUAL_FATAL(read_records(path, dec, key, 4), 2);
    CU_ASSERT_STRING_EQUAL(dec[0], "audit-log-removed");
    CU_ASSERT_STRING_EQUAL(key[1], "k2");
    spprov_audit_close(a);
    OPENSSL_free(tbs);
}

/* RLIMIT_FSIZE with SIGXFSZ at its default action (terminate and dump
 * core): the record fails with EFBIG and the process lives on, with no
 * SIGXFSZ left pending for later. */
static void test_file_size_limit_default_signal(void)
{
    static SP_VERDICT v;
    char path[256];
    uint8_t *tbs;
    size_t tbs_len, before_len;
    char *before;
    pid_t pid;
    int status;

    path_in_tmp(path, sizeof(path), "sigxfsz.log");
    tbs = hand_verdict(&v, &tbs_len);
    {
        SPPROV_AUDIT *a = spprov_audit_open(path, 0, NULL, 0);

        CU_ASSERT_PTR_NOT_NULL_FATAL(a);
        CU_ASSERT_EQUAL_FATAL(spprov_audit_record(a, "signed", &v, tbs, tbs_len,
                                                  policy_hash, "k0"),
                              1);
        spprov_audit_close(a);
    }
    before = slurp(path, &before_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(before);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        struct rlimit rl;
        sigset_t pending;
        SPPROV_AUDIT *a;

        signal(SIGXFSZ, SIG_DFL);
        a = spprov_audit_open(path, 0, NULL, 0);
        if (a == NULL)
            child_exit(2);
        for (int limit = 0; limit < 2; limit++) {
            /* Cut short, then at the limit (fails outright). */
            rl.rlim_cur = rl.rlim_max = before_len + (limit ? 0 : 100);
            if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
                child_exit(3);
            if (spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                    "k1")
                != 0)
                child_exit(4);
            if (limit == 1
                && strstr(spprov_audit_last_error(), strerror(EFBIG)) == NULL)
                child_exit(5);
        }
        if (sigpending(&pending) != 0 || sigismember(&pending, SIGXFSZ))
            child_exit(6);
        spprov_audit_close(a);
        free(before);
        OPENSSL_free(tbs);
        child_exit(0);
    }
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status));
    if (WIFSIGNALED(status))
        fprintf(stderr, "\n  child killed by signal %d\n", WTERMSIG(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    {
        size_t after_len;
        char *after = slurp(path, &after_len);

        CU_ASSERT_PTR_NOT_NULL_FATAL(after);
        CU_ASSERT_EQUAL(after_len, before_len);
        free(after);
    }
    free(before);
    OPENSSL_free(tbs);
}

/* A real full file system: a 64 KiB tmpfs filled up. Records fail while
 * it is full (ENOSPC, or a short write that is taken out again), the file
 * holds only whole records, and writing resumes once there is room. Needs
 * the right to mount (root in CI); elsewhere /dev/full stands in. */
static void test_full_filesystem(void)
{
    static SP_VERDICT v;
    char dir[256], path[300], filler[300], dec[64][32], key[64][32];
    static char block[4096];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len;
    int fd, n_ok = 0, fails = 0;

    path_in_tmp(dir, sizeof(dir), "small-fs");
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    if (mount("tmpfs", dir, "tmpfs", 0, "size=64k,mode=0700") != 0) {
        fprintf(stderr,
                "\n  (cannot mount a tmpfs: %s; /dev/full covers "
                "ENOSPC) ",
                strerror(errno));
        rmdir(dir);
        return;
    }
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    snprintf(filler, sizeof(filler), "%s/filler", dir);
    tbs = hand_verdict(&v, &tbs_len);
    a = spprov_audit_open(path, 0, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k0"),
        1);
    /* Fill what is left. */
    fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CU_ASSERT_FATAL(fd >= 0);
    memset(block, 'x', sizeof(block));
    while (write(fd, block, sizeof(block)) > 0)
        ;
    while (write(fd, block, 1) > 0)
        ;
    close(fd);
    /* The log's last page may still have room for a record or two;
     * after that, every record fails. */
    for (int i = 0; i < 32 && fails < 3; i++) {
        if (spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                "slack")
            == 0) {
            fails++;
            CU_ASSERT_PTR_NOT_NULL(strstr(spprov_audit_last_error(), path));
        } else {
            CU_ASSERT_EQUAL(fails, 0);
            n_ok++;
        }
    }
    CU_ASSERT_EQUAL(fails, 3);
    CU_ASSERT_EQUAL(unlink(filler), 0);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k1"),
        1);
    /* Whole records only: k0, those that fitted, k1. */
    CU_ASSERT_EQUAL(read_records(path, dec, key, 64), n_ok + 2);
    CU_ASSERT_STRING_EQUAL(key[0], "k0");
    CU_ASSERT_STRING_EQUAL(key[n_ok + 1], "k1");
    spprov_audit_close(a);
    CU_ASSERT_EQUAL(umount(dir), 0);
    rmdir(dir);
    OPENSSL_free(tbs);
}

/* Rotated away while the directory has been made read-only (as a
 * non-root user, since root ignores permissions): the record fails with
 * EACCES naming the path; writable again, the log is recreated. */
static void test_readonly_after_rotation(void)
{
    static SP_VERDICT v;
    char dir[256], path[300], rotated[300];
    uint8_t *tbs;
    size_t tbs_len;
    pid_t pid;
    int status;

    path_in_tmp(dir, sizeof(dir), "rotated-ro");
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    snprintf(rotated, sizeof(rotated), "%s/audit.log.1", dir);
    tbs = hand_verdict(&v, &tbs_len);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0755), 0);
    CU_ASSERT_EQUAL_FATAL(chmod(tmpdir, 0755), 0);
    if (geteuid() == 0)
        CU_ASSERT_EQUAL_FATAL(chown(dir, 65534, 65534), 0);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        SPPROV_AUDIT *a;

        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            child_exit(2);
        a = spprov_audit_open(path, 0, NULL, 0);
        if (a == NULL
            || !spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                    "k1"))
            child_exit(3);
        if (rename(path, rotated) != 0 || chmod(dir, 0555) != 0)
            child_exit(4);
        if (spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                "k2")
                != 0
            || strstr(spprov_audit_last_error(), path) == NULL
            || strstr(spprov_audit_last_error(), strerror(EACCES)) == NULL)
            child_exit(5);
        if (chmod(dir, 0755) != 0
            || !spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash,
                                    "k3"))
            child_exit(6);
        spprov_audit_close(a);
        OPENSSL_free(tbs);
        child_exit(0);
    }
    CU_ASSERT_EQUAL_FATAL(waitpid(pid, &status, 0), pid);
    CU_ASSERT_TRUE(WIFEXITED(status));
    CU_ASSERT_EQUAL(WEXITSTATUS(status), 0);
    {
        char dec[4][32], key[4][32];

        /* Rotation is not removal: no note in the new file. */
        CU_ASSERT_EQUAL_FATAL(read_records(path, dec, key, 4), 1);
        CU_ASSERT_STRING_EQUAL(key[0], "k3");
        CU_ASSERT_EQUAL_FATAL(read_records(rotated, dec, key, 4), 1);
        CU_ASSERT_STRING_EQUAL(key[0], "k1");
    }
    OPENSSL_free(tbs);
}

/* ------------------------------------------------------------------ */
/* Threads                                                             */

typedef struct thread_arg_st {
    SPPROV_AUDIT *a;
    const SP_VERDICT *v;
    const uint8_t *tbs;
    size_t tbs_len;
    int id;
    int failures;
} THREAD_ARG;

static void *thread_main(void *p)
{
    THREAD_ARG *arg = p;
    char key[32];

    for (int i = 0; i < RECORDS_PER_THREAD; i++) {
        snprintf(key, sizeof(key), "t%d-r%d", arg->id, i);
        if (!spprov_audit_record(arg->a, "signed", arg->v, arg->tbs,
                                 arg->tbs_len, policy_hash, key))
            arg->failures++;
    }
    return NULL;
}

static void test_threads(void)
{
    static SP_VERDICT v;
    static unsigned char seen[N_THREADS][RECORDS_PER_THREAD];
    THREAD_ARG args[N_THREADS];
    pthread_t th[N_THREADS];
    char path[256];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len, flen, lines = 0, bad = 0, dup = 0;
    char *file, *p;

    path_in_tmp(path, sizeof(path), "threads.log");
    tbs = hand_verdict(&v, &tbs_len);
    a = spprov_audit_open(path, 0, NULL, 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    for (int i = 0; i < N_THREADS; i++) {
        args[i] = (THREAD_ARG){a, &v, tbs, tbs_len, i, 0};
        CU_ASSERT_EQUAL_FATAL(
            pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
    }
    for (int i = 0; i < N_THREADS; i++) {
        pthread_join(th[i], NULL);
        CU_ASSERT_EQUAL(args[i].failures, 0);
    }
    spprov_audit_close(a);

    file = slurp(path, &flen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    memset(seen, 0, sizeof(seen));
    for (p = file; p < file + flen;) {
        char *nl = memchr(p, '\n', (size_t)(file + flen - p));
        size_t n =
            nl != NULL ? (size_t)(nl - p) + 1 : (size_t)(file + flen - p);
        AJ_NODE rec;
        int t, r;

        lines++;
        if (nl == NULL || !aj_parse_line(p, n, &rec)) {
            bad++;
        } else {
            if (sscanf(aj_str(&rec, "key_id"), "t%d-r%d", &t, &r) != 2 || t < 0
                || t >= N_THREADS || r < 0 || r >= RECORDS_PER_THREAD)
                bad++;
            else if (seen[t][r]++)
                dup++;
            aj_free(&rec);
        }
        p += n;
    }
    CU_ASSERT_EQUAL(lines, N_THREADS * RECORDS_PER_THREAD);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(dup, 0);
    free(file);
    OPENSSL_free(tbs);
}

/* ------------------------------------------------------------------ */
/* syslog                                                              */

/* Receive what syslog(3) sends by standing in for the syslog daemon at
 * /dev/log. Only possible where no daemon listens there (a container or
 * build chroot) and we may create it; elsewhere only the return values
 * are checked. */
/* Receive datagrams until one contains both `a` and `b` (other programs
 * may log at the same time); 0 after the receive timeout. */
static int recv_with(int fd, const char *a, const char *b, char *msg,
                     size_t size)
{
    for (;;) {
        ssize_t n = recv(fd, msg, size - 1, 0);

        if (n <= 0)
            return 0;
        msg[n] = '\0';
        if (strstr(msg, a) != NULL && strstr(msg, b) != NULL)
            return 1;
    }
}

static void test_syslog(void)
{
    static SP_VERDICT v;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char err[512], msg[8192], hex[65];
    SPPROV_AUDIT *a;
    uint8_t *tbs;
    size_t tbs_len;
    int fd = -1;
    struct timeval tv = {5, 0};

    tbs = hand_verdict(&v, &tbs_len);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "/dev/log");
    if (access("/dev/log", F_OK) != 0) {
        fd = socket(AF_UNIX, SOCK_DGRAM, 0);
        if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            close(fd);
            fd = -1;
        }
        if (fd >= 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    }
    if (fd < 0)
        fprintf(stderr, "(no private /dev/log: message content not checked) ");

    a = spprov_audit_open(NULL, 1, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NULL(spprov_audit_path(a));
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "refused", &v, tbs, tbs_len, policy_hash, "k"),
        1);
    sha256_hex(tbs, tbs_len, hex);
    if (fd >= 0) {
        CU_ASSERT_FATAL(
            recv_with(fd, hex, "\"decision\":\"refused\"", msg, sizeof(msg)));
        /* <83>: facility authpriv (10 * 8) + LOG_ERR (3) for a refusal. */
        CU_ASSERT_EQUAL(strncmp(msg, "<83>", 4), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "smimepolicy: {"));
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\"decision\":\"refused\""));
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\"subject\":\"CN=alice@example"));
        CU_ASSERT_PTR_NULL(strchr(msg, '\n'));
    }
    v.decision = SP_DECIDE_ACCEPT;
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k"),
        1);
    if (fd >= 0) {
        CU_ASSERT_FATAL(
            recv_with(fd, hex, "\"decision\":\"signed\"", msg, sizeof(msg)));
        /* <85>: authpriv + LOG_NOTICE for a signature released. */
        CU_ASSERT_EQUAL(strncmp(msg, "<85>", 4), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(msg, "\"decision\":\"signed\""));
    }
    spprov_audit_close(a);

    /* File and syslog: a failed file write is reported to syslog too. */
    a = spprov_audit_open("/dev/full", 1, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_EQUAL(
        spprov_audit_record(a, "signed", &v, tbs, tbs_len, policy_hash, "k"),
        0);
    if (fd >= 0) {
        CU_ASSERT_FATAL(
            recv_with(fd, "NOT written", "/dev/full", msg, sizeof(msg)));
        CU_ASSERT_EQUAL(strncmp(msg, "<83>", 4), 0);
    }
    spprov_audit_close(a);
    if (fd >= 0) {
        close(fd);
        unlink("/dev/log");
    }
    closelog();
    OPENSSL_free(tbs);
}

/* ------------------------------------------------------------------ */

static const TU_TEST format_tests[] = {
    {"accepted certificate", test_record_accepted},
    {"refused certificate, every finding field", test_record_refused},
    {"engine refusal lists its findings", test_record_engine_refusal},
    {"decode failure carries the reason", test_record_decode_failure},
    {"refusal without a verdict", test_record_without_verdict},
    {"CRL", test_record_crl},
    {NULL, NULL},
};

static const TU_TEST escape_tests[] = {
    {"RFC 4514 names", test_name_rfc4514},
    {"hostile strings keep one JSON line", test_hostile_strings},
    {"SAN mailboxes", test_san_mailboxes},
    {"serial numbers", test_serial_forms},
    {"unrenderable name kept as hex", test_unrenderable_name},
    {"records larger than any fixed buffer", test_large_record},
    {NULL, NULL},
};

static const TU_TEST write_tests[] = {
    {"write, and reopen after rotation", test_write_and_reopen},
    {"/dev/full", test_dev_full},
    {"unopenable paths", test_open_failures},
    {"read-only directory", test_readonly_dir},
    {"log replaced by a directory", test_log_replaced_by_directory},
    {"short write is undone and refused", test_short_write},
    {"a forked child takes its own lock", test_fork_takes_own_lock},
    {"many threads, one log", test_threads},
    {"syslog short form", test_syslog},
    {"log removed while open", test_removed_while_open},
    {"log directory removed and made again", test_directory_removed},
    {"file size limit, SIGXFSZ at its default action",
     test_file_size_limit_default_signal},
    {"full file system (64 KiB tmpfs)", test_full_filesystem},
    {"rotated while the directory is read-only", test_readonly_after_rotation},
    {NULL, NULL},
};

int main(void)
{
    char cmd[128];
    int rc;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/sp-audit-XXXXXX");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    tu_init();
    tu_add_suite("audit record format", format_tests);
    tu_add_suite("audit escaping", escape_tests);
    tu_add_suite("audit writing", write_tests);
    rc = tu_run();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return rc;
}
