/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark: signing through the smimepolicy provider next to signing
 * without it, in one run.
 *
 *   make bench
 *   OPENSSL_MODULES=.libs bench/bench_sign [ROUNDS [RSA-2048|P-256|Ed25519]]
 *
 * For each CA key type (RSA-2048, P-256, Ed25519) the program makes a
 * root, an S/MIME issuing CA and 8 TBSCertificates, one per current SBR
 * profile (mailbox/organization/sponsored/individual x strict/
 * multipurpose), whose issuer name, AKI and signature AlgorithmIdentifier
 * match the issuing CA. It writes the CA keys and certificates and a
 * policy listing the three issuing CAs to a temporary directory, loads
 * the smimepolicy provider (from OPENSSL_MODULES, without an audit log)
 * into a library context, and opens each CA key twice there: as
 * `file:<key>` (default provider) and as `smimepolicy:file:<key>`.
 *
 * Both sides sign the same way OpenSSL's X509_sign path does: a fresh
 * EVP_MD_CTX, EVP_DigestSignInit_ex, EVP_DigestSign, free. Batches of the
 * two alternate (and swap order every round) to cancel drift on a shared
 * machine. Printed: signatures per second for both and their ratio per key
 * type (from the thread's CPU time, so that other processes on a shared
 * machine do not count), heap allocations per signature, one engine
 * decision alone (median and p99 over the same TBS mix, wall clock), the
 * start-up cost of loading the provider and policy, and, apart from all
 * that, what an audit log with fdatasync adds per signature (wall clock:
 * the wait for the disk is the cost).
 *
 * A TBS the policy refuses, or a signature that does not verify, is a
 * benchmark error (exit 2). Speed targets are read by people, not
 * asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/conf.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "engine.h"
#include "loadutil.h"

#define N_KEYS 3
#define N_PROFILES 8
#define N_TBS (N_KEYS * N_PROFILES)

typedef struct bench_ca_st {
    const char *label;  /* "RSA-2048" */
    const char *file;   /* base name in the temporary directory */
    const char *mdname; /* digest for signing, NULL for EdDSA */
    EVP_PKEY *key;      /* generated in the default library context */
    X509 *cert;         /* issuing CA certificate */
    EVP_PKEY *direct;   /* file:<key> in the bench library context */
    EVP_PKEY *wrapped;  /* smimepolicy:file:<key> */
    unsigned char *tbs[N_PROFILES];
    size_t tbs_len[N_PROFILES];
} BENCH_CA;

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

static void die(const char *what)
{
    fprintf(stderr, "bench_sign: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* CPU time of this thread: on a shared machine, a batch of signatures is
 * charged only for the time it ran, not for the time other processes
 * had the core. */
static double cpu_ns(void)
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

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof(double), cmp_double);
    return v[n / 2];
}

static const char *load_now(void)
{
    static char text[64];
    double avg[3];

    if (getloadavg(avg, 3) != 3)
        return "load ?";
    snprintf(text, sizeof(text), "load %.2f %.2f %.2f", avg[0], avg[1], avg[2]);
    return text;
}

/* ------------------------------------------------------------------ */
/* Certificates                                                        */

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
    if (ext == NULL || !X509_add_ext(cert, ext, -1))
        die(name);
    X509_EXTENSION_free(ext);
}

static void set_name(X509_NAME *name, const char *dn)
{
    char copy[256];
    char *p = copy;

    snprintf(copy, sizeof(copy), "%s", dn);
    while (*p == '/') {
        char *field = p + 1, *value = strchr(field, '='), *end;

        if (value == NULL)
            die(dn);
        *value++ = '\0';
        char saved;

        end = value + strcspn(value, "/");
        saved = *end;
        *end = '\0';
        if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                        (const unsigned char *)value, -1, -1,
                                        0))
            die(field);
        *end = saved;
        p = end;
    }
}

static void random_serial(X509 *cert)
{
    unsigned char bytes[16];
    BIGNUM *bn;
    ASN1_INTEGER *sn;

    if (RAND_bytes(bytes, sizeof(bytes)) != 1)
        die("RAND_bytes");
    bytes[0] = (unsigned char)((bytes[0] & 0x3f) | 0x40);
    bn = BN_bin2bn(bytes, sizeof(bytes), NULL);
    sn = BN_to_ASN1_INTEGER(bn, NULL);
    if (sn == NULL || !X509_set_serialNumber(cert, sn))
        die("serial");
    ASN1_INTEGER_free(sn);
    BN_free(bn);
}

static void sign_cert(X509 *cert, EVP_PKEY *key, const char *mdname)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();

    if (mctx == NULL
        || EVP_DigestSignInit_ex(mctx, NULL, mdname, NULL, NULL, key, NULL) <= 0
        || X509_sign_ctx(cert, mctx) <= 0)
        die("X509_sign_ctx");
    EVP_MD_CTX_free(mctx);
}

/* A CA certificate: a root when issuer is NULL, else an S/MIME issuing CA
 * (EKU emailProtection, AKI) signed by it. */
static X509 *make_ca(const char *cn, EVP_PKEY *key, X509 *issuer,
                     EVP_PKEY *issuer_key, const char *issuer_md)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    char dn[128];

    snprintf(dn, sizeof(dn), "/C=US/O=Bench PKI/CN=%s", cn);
    set_name(name, dn);
    if (cert == NULL || !X509_set_version(cert, 2)
        || !X509_set_subject_name(cert, name)
        || !X509_set_issuer_name(
            cert, issuer != NULL ? X509_get_subject_name(issuer) : name)
        || !X509_set_pubkey(cert, key)
        || X509_gmtime_adj(X509_getm_notBefore(cert), -86400L) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(cert), 5 * 365 * 86400L) == NULL)
        die("CA certificate fields");
    random_serial(cert);
    add_ext(cert, issuer != NULL ? issuer : cert, "basicConstraints",
            "critical,CA:TRUE");
    add_ext(cert, issuer != NULL ? issuer : cert, "keyUsage",
            "critical,keyCertSign,cRLSign");
    add_ext(cert, issuer != NULL ? issuer : cert, "subjectKeyIdentifier",
            "hash");
    if (issuer != NULL) {
        add_ext(cert, issuer, "authorityKeyIdentifier", "keyid:always");
        add_ext(cert, issuer, "extendedKeyUsage", "emailProtection,clientAuth");
    }
    sign_cert(cert, issuer != NULL ? issuer_key : key, issuer_md);
    X509_NAME_free(name);
    return cert;
}

/* The DER TBSCertificate of a subscriber certificate for one SBR profile
 * (type 1..4, generation 3 strict / 2 multipurpose) issued by ca. */
static unsigned char *make_tbs(const BENCH_CA *ca, int type, int gen,
                               EVP_PKEY *subject_key, size_t *len)
{
    static const char *const subjects[] = {
        NULL,
        "/CN=alice@example.com",
        "/organizationIdentifier=LEIXG-AEYE00EKXESVZUUEBP67"
        "/O=Acme Industries, Ltd./CN=Acme Industries, Ltd.",
        "/organizationIdentifier=LEIXG-AEYE00EKXESVZUUEBP67"
        "/O=Acme Industries, Ltd./SN=Smith/GN=Alice/CN=Alice Smith",
        "/GN=Alice/SN=Smith/CN=Alice Smith",
    };
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    unsigned char *tbs = NULL;
    char policy[32];
    int n;

    set_name(name, subjects[type]);
    if (cert == NULL || !X509_set_version(cert, 2)
        || !X509_set_subject_name(cert, name)
        || !X509_set_issuer_name(cert, X509_get_subject_name(ca->cert))
        || !X509_set_pubkey(cert, subject_key)
        || X509_gmtime_adj(X509_getm_notBefore(cert), -60) == NULL
        || X509_gmtime_adj(X509_getm_notAfter(cert), 365 * 86400L - 61) == NULL)
        die("certificate fields");
    random_serial(cert);
    snprintf(policy, sizeof(policy), "2.23.140.1.5.%d.%d", type, gen);
    add_ext(cert, ca->cert, "keyUsage",
            EVP_PKEY_is_a(subject_key, "RSA")
                ? "critical,digitalSignature,keyEncipherment"
                : "critical,digitalSignature,keyAgreement");
    add_ext(cert, ca->cert, "extendedKeyUsage",
            gen == 3 ? "emailProtection" : "emailProtection,clientAuth");
    add_ext(cert, ca->cert, "certificatePolicies", policy);
    add_ext(cert, ca->cert, "crlDistributionPoints",
            "URI:http://crl.example.com/ca.crl");
    add_ext(cert, ca->cert, "authorityInfoAccess",
            "OCSP;URI:http://ocsp.example.com,"
            "caIssuers;URI:http://ca.example.com/ca.der");
    add_ext(cert, ca->cert, "authorityKeyIdentifier", "keyid:always");
    add_ext(cert, ca->cert, "subjectKeyIdentifier", "hash");
    add_ext(cert, ca->cert, "subjectAltName", "email:alice@example.com");
    /* Signing fills in the signature AlgorithmIdentifier of the CA key. */
    sign_cert(cert, ca->key, ca->mdname);
    n = i2d_re_X509_tbs(cert, &tbs);
    if (n <= 0)
        die("i2d_re_X509_tbs");
    *len = (size_t)n;
    X509_NAME_free(name);
    X509_free(cert);
    return tbs;
}

static void write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
    FILE *f = fopen(path, "w");

    if (f == NULL)
        die(path);
    if ((key != NULL
         && !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
        || (cert != NULL && !PEM_write_X509(f, cert)))
        die(path);
    fclose(f);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fputs(text, f) < 0)
        die(path);
    fclose(f);
}

/* ------------------------------------------------------------------ */
/* Provider                                                            */

/* An openssl.cnf that activates the default provider and smimepolicy with
 * `policy` (and `audit_log` when not NULL). */
static void write_openssl_cnf(const char *path, const char *policy,
                              const char *audit_log)
{
    char text[2048];

    snprintf(text, sizeof(text),
             "openssl_conf = openssl_init\n"
             "[openssl_init]\n"
             "providers = provider_sect\n"
             "[provider_sect]\n"
             "default = default_sect\n"
             "smimepolicy = smimepolicy_sect\n"
             "[default_sect]\n"
             "activate = 1\n"
             "[smimepolicy_sect]\n"
             "activate = 1\n"
             "policy = %s\n"
             "%s%s%s",
             policy, audit_log != NULL ? "audit_log = " : "",
             audit_log != NULL ? audit_log : "", audit_log != NULL ? "\n" : "");
    write_text(path, text);
}

static OSSL_LIB_CTX *load_libctx(const char *cnf)
{
    OSSL_LIB_CTX *libctx = OSSL_LIB_CTX_new();

    if (libctx == NULL || !OSSL_LIB_CTX_load_config(libctx, cnf)
        || !OSSL_PROVIDER_available(libctx, "smimepolicy"))
        die("cannot load the smimepolicy provider (is OPENSSL_MODULES set?)");
    return libctx;
}

static EVP_PKEY *load_key(OSSL_LIB_CTX *libctx, const char *uri)
{
    EVP_PKEY *pkey = lu_load_key(libctx, uri);

    if (pkey == NULL)
        die(uri);
    return pkey;
}

/* ------------------------------------------------------------------ */
/* Signing                                                             */

/* One signature as X509_sign makes it: a fresh context, init, sign. */
static size_t sign_one(OSSL_LIB_CTX *libctx, EVP_PKEY *key, const char *mdname,
                       const unsigned char *tbs, size_t tbs_len,
                       unsigned char *sig, size_t sigsize)
{
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    size_t siglen = sigsize;

    if (mctx == NULL
        || EVP_DigestSignInit_ex(mctx, NULL, mdname, libctx, NULL, key, NULL)
               <= 0
        || EVP_DigestSign(mctx, sig, &siglen, tbs, tbs_len) <= 0)
        siglen = 0;
    EVP_MD_CTX_free(mctx);
    return siglen;
}

/* `count` signatures over the CA's TBS mix; CPU time in ns. */
static double sign_batch(OSSL_LIB_CTX *libctx, const BENCH_CA *ca,
                         EVP_PKEY *key, int count)
{
    unsigned char sig[512];
    double t0 = cpu_ns();

    for (int i = 0; i < count; i++) {
        int k = i % N_PROFILES;

        if (sign_one(libctx, key, ca->mdname, ca->tbs[k], ca->tbs_len[k], sig,
                     sizeof(sig))
            == 0)
            die("a signature failed (refused by the policy?)");
    }
    return cpu_ns() - t0;
}

/* Every TBS signed through the wrapped key verifies with the CA
 * certificate's key. */
static void check_signatures(OSSL_LIB_CTX *libctx, const BENCH_CA *ca)
{
    unsigned char sig[512];

    for (int k = 0; k < N_PROFILES; k++) {
        EVP_MD_CTX *v = EVP_MD_CTX_new();
        size_t len = sign_one(libctx, ca->wrapped, ca->mdname, ca->tbs[k],
                              ca->tbs_len[k], sig, sizeof(sig));

        if (len == 0) {
            fprintf(stderr, "bench_sign: %s profile %d refused\n", ca->label,
                    k);
            die("the policy refused a benchmark TBS");
        }
        if (v == NULL
            || EVP_DigestVerifyInit_ex(v, NULL, ca->mdname, NULL, NULL,
                                       X509_get0_pubkey(ca->cert), NULL)
                   <= 0
            || EVP_DigestVerify(v, sig, len, ca->tbs[k], ca->tbs_len[k]) != 1)
            die("a signature through the wrapped key does not verify");
        EVP_MD_CTX_free(v);
    }
}

/* ------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 40;
    /* For profiling: time one key type only. */
    const char *only = argc > 2 ? argv[2] : NULL;
    static BENCH_CA cas[N_KEYS] = {
        {.label = "RSA-2048", .file = "ca-rsa2048", .mdname = "SHA256"},
        {.label = "P-256", .file = "ca-p256", .mdname = "SHA256"},
        {.label = "Ed25519", .file = "ca-ed25519", .mdname = NULL},
    };
    char dir[] = "/tmp/bench_sign.XXXXXX";
    char path[N_KEYS][512], policy[512], cnf[512], cnf_audit[512],
        audit_log[512], text[4096];
    EVP_PKEY *root_key, *ee_rsa, *ee_ec;
    X509 *root;
    OSSL_LIB_CTX *libctx;
    SP_POLICY *pol;
    char err[SP_POLICY_ERR_MAX];
    double *samples;
    size_t n_samples;

    if (rounds < 4) {
        fprintf(stderr,
                "usage: bench_sign [ROUNDS >= 4 [RSA-2048|P-256|Ed25519]]\n");
        return 2;
    }
    if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
        fprintf(stderr, "bench_sign: allocation counting unavailable\n");
    if (getenv("OPENSSL_MODULES") == NULL)
        die("set OPENSSL_MODULES to the directory of smimepolicy.so");
    if (mkdtemp(dir) == NULL)
        die("mkdtemp");

    /* Keys, CAs, TBS, files. */
    root_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    ee_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    ee_ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cas[0].key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    cas[1].key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cas[2].key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    if (root_key == NULL || ee_rsa == NULL || ee_ec == NULL
        || cas[0].key == NULL || cas[1].key == NULL || cas[2].key == NULL)
        die("key generation");
    root = make_ca("Bench Root", root_key, NULL, NULL, "SHA256");
    for (int c = 0; c < N_KEYS; c++) {
        char cn[64];

        snprintf(cn, sizeof(cn), "Bench SMIME CA %s", cas[c].label);
        cas[c].cert = make_ca(cn, cas[c].key, root, root_key, "SHA256");
        for (int k = 0; k < N_PROFILES; k++)
            /* Subscriber keys alternate RSA-2048 and P-256. */
            cas[c].tbs[k] =
                make_tbs(&cas[c], 1 + k / 2, 2 + k % 2,
                         k % 2 == 0 ? ee_rsa : ee_ec, &cas[c].tbs_len[k]);
        snprintf(path[c], sizeof(path[c]), "%s/%s.key", dir, cas[c].file);
        write_pem(path[c], cas[c].key, NULL);
        snprintf(text, sizeof(text), "%s/%s.pem", dir, cas[c].file);
        write_pem(text, NULL, cas[c].cert);
    }
    snprintf(policy, sizeof(policy), "%s/policy.cnf", dir);
    snprintf(
        text, sizeof(text),
        "[smimepolicy]\n"
        "issuers = %s.pem, %s.pem, %s.pem\n"
        "profiles = mailbox_strict, mailbox_multipurpose, "
        "organization_strict, organization_multipurpose, sponsored_strict, "
        "sponsored_multipurpose, individual_strict, individual_multipurpose\n"
        "[mailbox_strict]\ntype = mailbox\ngeneration = strict\n"
        "[mailbox_multipurpose]\ntype = mailbox\ngeneration = multipurpose\n"
        "[organization_strict]\ntype = organization\ngeneration = strict\n"
        "[organization_multipurpose]\ntype = organization\n"
        "generation = multipurpose\n"
        "[sponsored_strict]\ntype = sponsored\ngeneration = strict\n"
        "[sponsored_multipurpose]\ntype = sponsored\n"
        "generation = multipurpose\n"
        "[individual_strict]\ntype = individual\ngeneration = strict\n"
        "[individual_multipurpose]\ntype = individual\n"
        "generation = multipurpose\n",
        cas[0].file, cas[1].file, cas[2].file);
    write_text(policy, text);
    snprintf(cnf, sizeof(cnf), "%s/openssl.cnf", dir);
    write_openssl_cnf(cnf, policy, NULL);
    snprintf(audit_log, sizeof(audit_log), "%s/audit.log", dir);
    snprintf(cnf_audit, sizeof(cnf_audit), "%s/openssl-audit.cnf", dir);
    write_openssl_cnf(cnf_audit, policy, audit_log);

    {
        size_t lo = SIZE_MAX, hi = 0;

        for (int c = 0; c < N_KEYS; c++)
            for (int k = 0; k < N_PROFILES; k++) {
                lo = cas[c].tbs_len[k] < lo ? cas[c].tbs_len[k] : lo;
                hi = cas[c].tbs_len[k] > hi ? cas[c].tbs_len[k] : hi;
            }
        printf("bench_sign: %d TBSCertificates per CA key (the 8 current SBR "
               "profiles, %zu-%zu bytes); provider configured without "
               "audit_log\n",
               N_PROFILES, lo, hi);
    }

    /* Start-up: a library context with the provider and policy loaded
     * from openssl.cnf (the module's first dlopen is in the first run),
     * then opening one wrapped key. */
    {
        double t_load[9], t_key[9], first;

        for (int i = 0; i < 9; i++) {
            OSSL_LIB_CTX *lc;
            EVP_PKEY *k;
            char uri[2048];
            double t0 = cpu_ns();

            lc = load_libctx(cnf);
            t_load[i] = cpu_ns() - t0;
            snprintf(uri, sizeof(uri), "smimepolicy:file:%s", path[1]);
            t0 = cpu_ns();
            k = load_key(lc, uri);
            t_key[i] = cpu_ns() - t0;
            EVP_PKEY_free(k);
            OSSL_LIB_CTX_free(lc);
        }
        first = t_load[0];
        printf("start-up (CPU time): provider + policy (3 issuers) %.2f ms "
               "median of 8 "
               "(first, with dlopen: %.2f ms); opening a wrapped P-256 key "
               "%.2f ms  [%s]\n",
               median_of(t_load + 1, 8) / 1e6, first / 1e6,
               median_of(t_key + 1, 8) / 1e6, load_now());
    }

    libctx = load_libctx(cnf);
    for (int c = 0; c < N_KEYS; c++) {
        char uri[2048];

        snprintf(uri, sizeof(uri), "file:%s", path[c]);
        cas[c].direct = load_key(libctx, uri);
        snprintf(uri, sizeof(uri), "smimepolicy:file:%s", path[c]);
        cas[c].wrapped = load_key(libctx, uri);
        check_signatures(libctx, &cas[c]);
    }

    /* The engine's decision alone, over the same 24 TBS, each timed on
     * its own (includes ~20 ns of clock reads). */
    pol = sp_policy_load(policy, err, sizeof(err));
    if (pol == NULL)
        die(err);
    n_samples = (size_t)rounds * 500 * N_TBS / 10;
    samples = malloc(n_samples * sizeof(double));
    if (samples == NULL)
        die("out of memory");
    {
        static SP_VERDICT v;
        static double clock_read[10000];
        double overhead;
        const SP_ISSUER *issuers[N_KEYS];
        SP_JUDGE_OPTS opts;
        size_t allocs;

        for (int c = 0; c < N_KEYS; c++) {
            unsigned char *spki = NULL;
            int len = i2d_PUBKEY(cas[c].key, &spki);

            issuers[c] = sp_policy_issuer_by_spki(pol, spki, (size_t)len);
            OPENSSL_free(spki);
            if (issuers[c] == NULL)
                die("issuer not in the policy");
        }
        memset(&opts, 0, sizeof(opts));
        opts.at = (int64_t)time(NULL);
        opts.require_issuer = 1;
        for (size_t i = 0; i < 2000; i++) {
            int c = (int)(i % N_KEYS), k = (int)(i / N_KEYS % N_PROFILES);

            opts.issuer = issuers[c];
            if (sp_judge(pol, cas[c].tbs[k], cas[c].tbs_len[k], &opts, &v)
                != SP_DECIDE_ACCEPT)
                die("the engine refuses a benchmark TBS");
        }
        allocs = allocations;
        for (size_t i = 0; i < n_samples; i++) {
            int c = (int)(i % N_KEYS), k = (int)(i / N_KEYS % N_PROFILES);
            double t0;

            opts.issuer = issuers[c];
            t0 = now_ns();
            sp_judge(pol, cas[c].tbs[k], cas[c].tbs_len[k], &opts, &v);
            samples[i] = now_ns() - t0;
        }
        allocs = allocations - allocs;
        /* The two clock reads around each decision, measured the same
         * way and taken off. */
        for (size_t i = 0; i < 10000; i++) {
            double t0 = now_ns();

            clock_read[i] = now_ns() - t0;
        }
        overhead = median_of(clock_read, 10000);
        qsort(samples, n_samples, sizeof(double), cmp_double);
        printf("decision (sp_judge) alone: median %.2f us, p99 %.2f us over "
               "%zu decisions of the 24 TBS (clock reads, %.0f ns, taken "
               "off); %zu heap allocations  [%s]\n",
               (samples[n_samples / 2] - overhead) / 1e3,
               (samples[n_samples * 99 / 100] - overhead) / 1e3, n_samples,
               overhead, allocs, load_now());
    }

    /* Throughput, direct and wrapped, in alternating batches. */
    printf("\n%-9s %12s %12s %7s %12s %14s\n", "CA key", "direct sig/s",
           "wrapped s/s", "ratio", "added us/sig", "allocs/sig d/w");
    for (int c = 0; c < N_KEYS; c++) {
        BENCH_CA *ca = &cas[c];
        /* About 50 ms per batch for any key type. */
        if (only != NULL && strcmp(only, ca->label) != 0)
            continue;
        int batch;
        double t_direct = 0, t_wrapped = 0, t, one;
        double *ratios = malloc((size_t)rounds * sizeof(double));
        size_t a0, a_direct, a_wrapped;

        if (ratios == NULL)
            die("out of memory");
        one = sign_batch(libctx, ca, ca->direct, 64) / 64;
        batch = (int)(50e6 / one);
        batch = batch < 16 ? 16 : batch - batch % N_PROFILES;
        (void)sign_batch(libctx, ca, ca->wrapped, batch / 4);
        a0 = allocations;
        (void)sign_batch(libctx, ca, ca->direct, 64);
        a_direct = allocations - a0;
        a0 = allocations;
        (void)sign_batch(libctx, ca, ca->wrapped, 64);
        a_wrapped = allocations - a0;
        for (long r = 0; r < rounds; r++) {
            double td, tw;

            if (r % 2 == 0) {
                td = sign_batch(libctx, ca, ca->direct, batch);
                tw = sign_batch(libctx, ca, ca->wrapped, batch);
            } else {
                tw = sign_batch(libctx, ca, ca->wrapped, batch);
                td = sign_batch(libctx, ca, ca->direct, batch);
            }
            t_direct += td;
            t_wrapped += tw;
            ratios[r] = td / tw;
        }
        t = (double)batch * (double)rounds;
        printf("%-9s %12.0f %12.0f %7.3f %12.2f %7.1f/%-6.1f [%s]\n", ca->label,
               t / t_direct * 1e9, t / t_wrapped * 1e9, t_direct / t_wrapped,
               (t_wrapped - t_direct) / t / 1e3, (double)a_direct / 64,
               (double)a_wrapped / 64, load_now());
        printf("%-9s %ld rounds x %d signatures each side; median of the "
               "per-round ratios %.3f\n",
               "", rounds, batch, median_of(ratios, (size_t)rounds));
        free(ratios);
    }
    printf("goal: ratio >= 0.98 RSA-2048, >= 0.90 P-256 and Ed25519; "
           "decision <= 2 us median\n");

    /* Apart from the policy path: an audit log, fdatasync per record. */
    {
        OSSL_LIB_CTX *lc = load_libctx(cnf_audit);
        char uri[2048];
        EVP_PKEY *k;
        double t_plain, t_audit;
        int n = 200;

        snprintf(uri, sizeof(uri), "smimepolicy:file:%s", path[1]);
        k = load_key(lc, uri);
        (void)sign_batch(lc, &cas[1], k, 16);
        /* Wall clock here: waiting for the disk is the cost. */
        t_audit = now_ns();
        (void)sign_batch(lc, &cas[1], k, n);
        t_audit = now_ns() - t_audit;
        t_plain = now_ns();
        (void)sign_batch(libctx, &cas[1], cas[1].wrapped, n);
        t_plain = now_ns() - t_plain;
        printf(
            "\naudit log (optional, not in the figures above): P-256 through "
            "a provider with audit_log = %s: %.1f us per signature, %.1f us "
            "more than without (one JSON record + fdatasync each)  [%s]\n",
            "<tmp>/audit.log", t_audit / n / 1e3, (t_audit - t_plain) / n / 1e3,
            load_now());
        EVP_PKEY_free(k);
        OSSL_LIB_CTX_free(lc);
    }

    for (int c = 0; c < N_KEYS; c++) {
        EVP_PKEY_free(cas[c].direct);
        EVP_PKEY_free(cas[c].wrapped);
        EVP_PKEY_free(cas[c].key);
        X509_free(cas[c].cert);
        for (int k = 0; k < N_PROFILES; k++)
            OPENSSL_free(cas[c].tbs[k]);
        snprintf(text, sizeof(text), "%s/%s.key", dir, cas[c].file);
        unlink(text);
        snprintf(text, sizeof(text), "%s/%s.pem", dir, cas[c].file);
        unlink(text);
    }
    unlink(policy);
    unlink(cnf);
    unlink(cnf_audit);
    unlink(audit_log);
    rmdir(dir);
    sp_policy_free(pol);
    OSSL_LIB_CTX_free(libctx);
    X509_free(root);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(ee_rsa);
    EVP_PKEY_free(ee_ec);
    free(samples);
    return 0;
}
