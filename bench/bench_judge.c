/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark: the median time of one engine decision (sp_judge) on a
 * typical ~1 KB S/MIME TBSCertificate, with the issuing CA known, next to
 * the costs it is compared with (d2i_X509 of the same certificate, one
 * P-256 signature). Also counts heap allocations made while judging.
 *
 *   make bench        (or: bench/bench_judge [ROUNDS])
 *
 * Prints figures; asserts nothing about speed (targets are read by
 * people, not by tests).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "engine.h"

#define BATCH 1000

static size_t allocations;

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    allocations++;
    return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    allocations++;
    return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

/* CPU time of this thread: on a machine shared with other builds, a batch
 * is charged only for the time it ran. */
static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static EVP_PKEY *keygen(const char *alg, const char *param)
{
    EVP_PKEY *key = NULL;

    if (param != NULL)
        key = EVP_PKEY_Q_keygen(NULL, NULL, alg, param);
    else
        key = EVP_PKEY_Q_keygen(NULL, NULL, alg, (size_t)2048);
    if (key == NULL) {
        fprintf(stderr, "bench: cannot generate a %s key\n", alg);
        exit(2);
    }
    return key;
}

static void add_ext(X509 *cert, X509 *issuer, const char *name,
                    const char *value)
{
    X509V3_CTX v3;
    X509_EXTENSION *ext;
    /* certificatePolicies needs a config database, even an empty one. */
    CONF *conf = NCONF_new(NULL);

    X509V3_set_ctx(&v3, issuer, cert, NULL, NULL, 0);
    X509V3_set_nconf(&v3, conf);
    ext = X509V3_EXT_nconf(conf, &v3, name, value);
    NCONF_free(conf);
    if (ext == NULL || !X509_add_ext(cert, ext, -1)) {
        fprintf(stderr, "bench: cannot add %s\n", name);
        exit(2);
    }
    X509_EXTENSION_free(ext);
}

/* A name with CN (and O, C for CAs). */
static X509_NAME *make_name(const char *cn, int ca)
{
    X509_NAME *name = X509_NAME_new();

    if (ca) {
        X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
                                   (const unsigned char *)"DE", -1, -1, 0);
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   (const unsigned char *)"Example CA GmbH", -1,
                                   -1, 0);
    }
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               (const unsigned char *)cn, -1, -1, 0);
    return name;
}

static X509 *make_cert(X509_NAME *subject, EVP_PKEY *pub, X509 *issuer,
                       EVP_PKEY *signer, int ca)
{
    X509 *cert = X509_new();
    unsigned char serial[16];
    ASN1_INTEGER *sn = ASN1_INTEGER_new();
    BIGNUM *bn;

    RAND_bytes(serial, sizeof(serial));
    serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    BN_to_ASN1_INTEGER(bn, sn);
    BN_free(bn);
    X509_set_version(cert, 2);
    X509_set_serialNumber(cert, sn);
    ASN1_INTEGER_free(sn);
    X509_set_subject_name(cert, subject);
    X509_set_issuer_name(cert,
                         issuer ? X509_get_subject_name(issuer) : subject);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert),
                    ca ? 5 * 365 * 86400L : 365 * 86400L - 1);
    X509_set_pubkey(cert, pub);
    if (ca) {
        add_ext(cert, issuer ? issuer : cert, "basicConstraints",
                "critical,CA:TRUE");
        add_ext(cert, issuer ? issuer : cert, "keyUsage",
                "critical,keyCertSign,cRLSign");
        add_ext(cert, issuer ? issuer : cert, "subjectKeyIdentifier", "hash");
        if (issuer != NULL) {
            add_ext(cert, issuer, "authorityKeyIdentifier", "keyid:always");
            add_ext(cert, issuer, "extendedKeyUsage", "emailProtection");
        }
    } else {
        add_ext(cert, issuer, "keyUsage",
                "critical,digitalSignature,keyEncipherment");
        add_ext(cert, issuer, "extendedKeyUsage", "emailProtection");
        add_ext(cert, issuer, "subjectAltName",
                "email:alice.example@mail.example.com");
        add_ext(cert, issuer, "certificatePolicies", "2.23.140.1.5.1.3");
        add_ext(cert, issuer, "crlDistributionPoints",
                "URI:http://crl.example.com/smime-issuing-ca.crl");
        add_ext(cert, issuer, "authorityInfoAccess",
                "caIssuers;URI:http://ca.example.com/smime-issuing-ca.crt,"
                "OCSP;URI:http://ocsp.example.com");
        add_ext(cert, issuer, "authorityKeyIdentifier", "keyid:always");
        add_ext(cert, issuer, "subjectKeyIdentifier", "hash");
    }
    if (!X509_sign(cert, signer, EVP_sha256())) {
        fprintf(stderr, "bench: signing failed\n");
        exit(2);
    }
    return cert;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    EVP_PKEY *root_key, *ca_key, *ee_key;
    X509 *root, *ca, *ee;
    X509_NAME *n;
    unsigned char *tbs = NULL, *ca_der = NULL, *ee_der = NULL;
    int tbs_len, ca_len, ee_len;
    SP_POLICY *pol;
    SP_ISSUER *issuer;
    SP_VERDICT *v = malloc(sizeof(*v));
    SP_JUDGE_OPTS opts;
    char err[SP_POLICY_ERR_MAX];
    double *samples = malloc(sizeof(double) * (size_t)rounds), t0, median;
    size_t allocs_judge;

    if (rounds < 10 || v == NULL || samples == NULL) {
        fprintf(stderr, "usage: bench_judge [ROUNDS >= 10]\n");
        return 2;
    }
    /* Count every libcrypto allocation from here on; the engine itself
     * uses no allocator while judging, and neither may anything it calls. */
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
        fprintf(stderr, "bench: allocation counting unavailable\n");

    root_key = keygen("EC", "P-256");
    ca_key = keygen("EC", "P-256");
    ee_key = keygen("RSA", NULL);
    n = make_name("Example Root", 1);
    root = make_cert(n, root_key, NULL, root_key, 1);
    X509_NAME_free(n);
    n = make_name("Example S/MIME Issuing CA", 1);
    ca = make_cert(n, ca_key, root, root_key, 1);
    X509_NAME_free(n);
    n = make_name("alice.example@mail.example.com", 0);
    ee = make_cert(n, ee_key, ca, ca_key, 0);
    X509_NAME_free(n);
    tbs_len = i2d_re_X509_tbs(ee, &tbs);
    ca_len = i2d_X509(ca, &ca_der);
    ee_len = i2d_X509(ee, &ee_der);

    pol = sp_policy_new_default(err, sizeof(err));
    issuer = sp_issuer_from_der(ca_der, (size_t)ca_len, err, sizeof(err));
    if (pol == NULL || issuer == NULL || !sp_policy_add_issuer(pol, issuer)) {
        fprintf(stderr, "bench: setup failed: %s\n", err);
        return 2;
    }
    opts.at = SP_AT_NOTBEFORE;
    opts.issuer = issuer;
    opts.require_issuer = 1;
    if (sp_judge(pol, tbs, (size_t)tbs_len, &opts, v) != SP_DECIDE_ACCEPT) {
        char line[512];

        fprintf(stderr, "bench: the benchmark certificate is not accepted:\n");
        for (size_t i = 0; i < v->findings.n; i++) {
            sp_finding_format(&v->findings.f[i], line, sizeof(line));
            fprintf(stderr, "  %s\n", line);
        }
        return 2;
    }

    /* Warm up, then time batches of BATCH decisions; the median batch
     * divided by BATCH is the figure. */
    for (int i = 0; i < BATCH; i++)
        sp_judge(pol, tbs, (size_t)tbs_len, &opts, v);
    allocs_judge = allocations;
    for (long r = 0; r < rounds; r++) {
        t0 = now_ns();
        for (int i = 0; i < BATCH; i++)
            sp_judge(pol, tbs, (size_t)tbs_len, &opts, v);
        samples[r] = (now_ns() - t0) / BATCH;
    }
    allocs_judge = allocations - allocs_judge;
    qsort(samples, (size_t)rounds, sizeof(double), cmp_double);
    median = samples[rounds / 2];
    printf("TBSCertificate: %d bytes (certificate %d bytes), mailbox-strict, "
           "RSA-2048 subject key, P-256 issuer\n",
           tbs_len, ee_len);
    printf("sp_judge: median %.3f us per decision (min %.3f, p90 %.3f) over "
           "%ld x %d decisions\n",
           median / 1000.0, samples[0] / 1000.0,
           samples[rounds * 9 / 10] / 1000.0, rounds, BATCH);
    printf("heap allocations during %ld decisions: %zu\n", rounds * BATCH,
           allocs_judge);
    printf("SP_VERDICT size: %zu bytes (caller-provided, no heap)\n",
           sizeof(SP_VERDICT));

    /* Where a decision goes: the strict walk alone, and the decoding that
     * sp_judge starts with (the rules are the rest). Medians of batches,
     * as above. */
    {
        static SP_TBS_CERT view;
        SP_DECODE_ERROR where;
        SP_DER whole;
        double strict_med, decode_med;

        sp_der_init(&whole, tbs, (size_t)tbs_len);
        for (long r = 0; r < rounds; r++) {
            t0 = now_ns();
            for (int i = 0; i < BATCH; i++)
                (void)sp_der_check_strict(&whole);
            samples[r] = (now_ns() - t0) / BATCH;
        }
        qsort(samples, (size_t)rounds, sizeof(double), cmp_double);
        strict_med = samples[rounds / 2];
        for (long r = 0; r < rounds; r++) {
            t0 = now_ns();
            for (int i = 0; i < BATCH; i++)
                (void)sp_tbs_cert_decode(tbs, (size_t)tbs_len, &view, &where);
            samples[r] = (now_ns() - t0) / BATCH;
        }
        qsort(samples, (size_t)rounds, sizeof(double), cmp_double);
        decode_med = samples[rounds / 2];
        printf("of which: sp_tbs_cert_decode %.3f us, the rules %.3f us "
               "(sp_der_check_strict of the whole TBS alone: %.3f us)\n",
               decode_med / 1000.0, (median - decode_med) / 1000.0,
               strict_med / 1000.0);
    }

    /* For scale: what a re-decoding linter pays, and what signing costs. */
    {
        double best = 1e18;
        int reps = 2000;

        for (int k = 0; k < 5; k++) {
            t0 = now_ns();
            for (int i = 0; i < reps; i++) {
                const unsigned char *p = ee_der;
                X509 *x = d2i_X509(NULL, &p, ee_len);

                X509_free(x);
            }
            double t = (now_ns() - t0) / reps;
            if (t < best)
                best = t;
        }
        printf("d2i_X509 + X509_free of the same certificate: %.1f us\n",
               best / 1000.0);
    }
    {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned char sig[256];
        size_t siglen;
        double best = 1e18;
        int reps = 500;

        for (int k = 0; k < 5; k++) {
            t0 = now_ns();
            for (int i = 0; i < reps; i++) {
                siglen = sizeof(sig);
                EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, ca_key);
                EVP_DigestSign(md, sig, &siglen, tbs, (size_t)tbs_len);
            }
            double t = (now_ns() - t0) / reps;
            if (t < best)
                best = t;
        }
        printf("P-256 signature of the TBS (EVP_DigestSign): %.1f us\n",
               best / 1000.0);
        EVP_MD_CTX_free(md);
    }

    OPENSSL_free(tbs);
    OPENSSL_free(ca_der);
    OPENSSL_free(ee_der);
    X509_free(ee);
    X509_free(ca);
    X509_free(root);
    EVP_PKEY_free(ee_key);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(root_key);
    sp_policy_free(pol);
    free(samples);
    free(v);
    return 0;
}
