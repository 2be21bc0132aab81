/* SPDX-License-Identifier: Apache-2.0 */
/*
 * gen-ca-db: write a realistic `openssl ca` database for the audit tests
 * and the audit benchmark.
 *
 *   gen-ca-db [--seed N] DIR COUNT
 *
 * DIR gets root.pem/root.key (a P-256 root), ca.pem/ca.key (an S/MIME
 * issuing CA under it), index.txt, serial and newcerts/<SERIAL>.pem for
 * COUNT certificates signed by the CA key with libcrypto: mostly compliant
 * S/MIME certificates across the mailbox, organization, sponsored and
 * individual profiles (Strict and Multipurpose), a share of non-compliant
 * ones (forbidden EKU, prohibited key usage, no SAN, too long, Legacy
 * after its sunset, an organization in a mailbox subject), some with
 * warnings only, and a sub-CA every 2,500 certificates, every other one
 * technically constrained. The variant of each certificate follows from
 * the seed and its number, so one seed gives the same mix every time.
 * index.txt lines are as `openssl ca` writes them (V, some R).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/conf.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#define N_KEYS 8
/* 2026-01-01T00:00:00Z: notBefore of certificate i is spread over the
 * year after it. */
#define BASE_TIME INT64_C(1767225600)
#define YEAR (365 * 86400)

typedef enum {
    V_MAILBOX_STRICT,
    V_MAILBOX_MULTI,
    V_ORG_STRICT,
    V_INDIVIDUAL_STRICT,
    V_SPONSORED_STRICT,
    V_ORG_MULTI,
    V_WARN_NO_AIA,
    V_BAD_EKU,
    V_BAD_KU,
    V_NO_SAN,
    V_TOO_LONG,
    V_LEGACY,
    V_SUBJECT_O,
    V_SUBCA_CONSTRAINED,
    V_SUBCA_OPEN,
} variant;

typedef struct gen_st {
    EVP_PKEY *ca_key;
    X509 *ca;
    EVP_PKEY *keys[N_KEYS];
    uint64_t rng;
    uint8_t serial_prefix[7];
    CONF *conf; /* the directoryName of the name constraints */
    /* Signing: a DigestSign context set up once and copied per
     * certificate, instead of fetching SHA-256 and ECDSA every time. */
    EVP_MD_CTX *sign_template;
    EVP_MD_CTX *sign_ctx;
    /* Extensions that do not depend on the certificate, built once. */
    struct {
        int nid;
        const char *value;
        X509_EXTENSION *ext;
    } cache[64];
    size_t n_cache;
    X509_EXTENSION *ski[N_KEYS];
    /* One certificate object per subscriber key, reused: setting a public
     * key decodes it again, which would cost more than all the rest. */
    X509 *reuse[N_KEYS];
} GEN;

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));

    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void die(const char *what)
{
    fprintf(stderr, "gen-ca-db: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

static variant pick_variant(GEN *g, unsigned long i)
{
    unsigned r;

    if (i % 2500 == 1234)
        return (i / 2500) % 2 ? V_SUBCA_OPEN : V_SUBCA_CONSTRAINED;
    r = (unsigned)(splitmix64(&g->rng) % 100);
    if (r < 40)
        return V_MAILBOX_STRICT;
    if (r < 50)
        return V_MAILBOX_MULTI;
    if (r < 58)
        return V_ORG_STRICT;
    if (r < 64)
        return V_INDIVIDUAL_STRICT;
    if (r < 70)
        return V_SPONSORED_STRICT;
    if (r < 74)
        return V_ORG_MULTI;
    if (r < 78)
        return V_WARN_NO_AIA;
    if (r < 82)
        return V_BAD_EKU;
    if (r < 86)
        return V_BAD_KU;
    if (r < 89)
        return V_NO_SAN;
    if (r < 92)
        return V_TOO_LONG;
    if (r < 95)
        return V_LEGACY;
    if (r < 98)
        return V_SUBJECT_O;
    return V_MAILBOX_STRICT;
}

static void add_ext(X509 *cert, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);

    if (ext == NULL || !X509_add_ext(cert, ext, -1))
        die("cannot add an extension");
    X509_EXTENSION_free(ext);
}

/* add_ext for a value that does not depend on the certificate: encoded
 * once, then copied in. */
static void add_cached(GEN *g, X509 *cert, X509V3_CTX *ctx, int nid,
                       const char *value)
{
    size_t i;

    for (i = 0; i < g->n_cache; i++) {
        if (g->cache[i].nid == nid && strcmp(g->cache[i].value, value) == 0)
            break;
    }
    if (i == g->n_cache) {
        if (i == sizeof(g->cache) / sizeof(g->cache[0]))
            die("extension cache full");
        g->cache[i].nid = nid;
        g->cache[i].value = value;
        g->cache[i].ext = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
        if (g->cache[i].ext == NULL)
            die("cannot build an extension");
        g->n_cache++;
    }
    if (!X509_add_ext(cert, g->cache[i].ext, -1))
        die("cannot add an extension");
}

static void name_add(X509_NAME *name, const char *field, const char *value)
{
    if (!X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                    (const unsigned char *)value, -1, -1, 0))
        die("cannot build a name");
}

static void set_time(ASN1_TIME *t, int64_t secs)
{
    if (ASN1_TIME_adj(t, (time_t)secs, 0, 0) == NULL)
        die("cannot set a time");
}

/* A CA certificate: root (issuer NULL, self-signed) or the issuing CA. */
static X509 *make_ca(GEN *g, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                     const char *cn, long serial)
{
    X509 *cert = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX ctx;

    if (cert == NULL || name == NULL)
        die("out of memory");
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
    name_add(name, "C", "XX");
    name_add(name, "O", "smimepolicy test");
    name_add(name, "CN", cn);
    X509_set_subject_name(cert, name);
    X509_set_issuer_name(cert, issuer ? X509_get_subject_name(issuer) : name);
    set_time(X509_getm_notBefore(cert), BASE_TIME - 30 * 86400);
    set_time(X509_getm_notAfter(cert), BASE_TIME + 5 * YEAR);
    X509_set_pubkey(cert, key);
    X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, NULL, NULL, 0);
    X509V3_set_nconf(&ctx, g->conf);
    if (issuer == NULL) {
        add_ext(cert, &ctx, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
    } else {
        add_ext(cert, &ctx, NID_basic_constraints,
                "critical,CA:TRUE,pathlen:0");
        add_ext(cert, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_ext(cert, &ctx, NID_ext_key_usage, "emailProtection");
        add_ext(cert, &ctx, NID_subject_key_identifier, "hash");
        add_ext(cert, &ctx, NID_authority_key_identifier, "keyid:always");
        add_ext(cert, &ctx, NID_certificate_policies,
                "2.23.140.1.5.1.3,2.23.140.1.5.1.2");
    }
    if (!X509_sign(cert, issuer_key ? issuer_key : key, EVP_sha256()))
        die("cannot sign a CA certificate");
    X509_NAME_free(name);
    return cert;
}

static void write_pem(const char *path, X509 *cert, EVP_PKEY *key)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    if ((cert != NULL && !PEM_write_X509(f, cert))
        || (key != NULL
            && !PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)))
        die("cannot write PEM");
    if (fclose(f) != 0) {
        perror(path);
        exit(2);
    }
}

/* PEM of the DER with 64-character lines, as PEM_write_X509 writes it, in
 * one write(). */
static void write_cert_file(const char *path, const uint8_t *der, int len)
{
    static const char head[] = "-----BEGIN CERTIFICATE-----\n";
    static const char tail[] = "-----END CERTIFICATE-----\n";
    char buf[16384];
    size_t o = 0;
    int fd;

    memcpy(buf, head, sizeof(head) - 1);
    o = sizeof(head) - 1;
    for (int i = 0; i < len; i += 48) {
        int n = len - i < 48 ? len - i : 48;

        o += (size_t)EVP_EncodeBlock((unsigned char *)buf + o, der + i, n);
        buf[o++] = '\n';
        if (o + 128 > sizeof(buf))
            die("certificate too large");
    }
    memcpy(buf + o, tail, sizeof(tail) - 1);
    o += sizeof(tail) - 1;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, buf, o) != (ssize_t)o || close(fd) != 0) {
        perror(path);
        exit(2);
    }
}

static void asn1_index_time(int64_t secs, char *buf, size_t len)
{
    time_t t = (time_t)secs;
    struct tm tm;

    gmtime_r(&t, &tm);
    /* UTCTime (two-digit year) before 2050, as openssl ca writes it */
    snprintf(buf, len, "%0*d%02d%02d%02d%02d%02dZ",
             tm.tm_year + 1900 < 2050 ? 2 : 4,
             tm.tm_year + 1900 < 2050 ? tm.tm_year % 100 : tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void make_cert(GEN *g, unsigned long i, unsigned long count,
                      const char *dir, FILE *index)
{
    variant v = pick_variant(g, i);
    X509 *cert = g->reuse[i % N_KEYS];
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX ctx;
    uint8_t serial[16];
    BIGNUM *bn = NULL;
    char email[64], cn[64], path[4096], hex[40], nb_text[64], na_text[64];
    char subject[512];
    const char *policy = "2.23.140.1.5.1.3";
    int64_t nb = BASE_TIME + (int64_t)((double)i / (double)count * YEAR);
    int64_t days = v == V_TOO_LONG ? 900 : 365;
    unsigned char *der = NULL;
    int der_len;

    if (cert == NULL || name == NULL)
        die("out of memory");
    snprintf(email, sizeof(email), "user%lu@example.com", i);
    /* serial: 0x5 prefix, 6 random octets, a 9-octet counter: unique */
    memcpy(serial, g->serial_prefix, 7);
    serial[7] = 0;
    for (int k = 0; k < 8; k++)
        serial[15 - k] = (uint8_t)((uint64_t)i >> (8 * k));
    bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL
        || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL)
        die("cannot set the serial");
    X509_set_version(cert, 2);

    switch (v) {
    case V_MAILBOX_MULTI:
        policy = "2.23.140.1.5.1.2";
        name_add(name, "CN", email);
        break;
    case V_ORG_STRICT:
    case V_ORG_MULTI:
        policy = v == V_ORG_STRICT ? "2.23.140.1.5.2.3" : "2.23.140.1.5.2.2";
        name_add(name, "C", "DE");
        name_add(name, "O", "Example Org");
        name_add(name, "organizationIdentifier", "NTRDE-HRB12345");
        name_add(name, "CN", "Example Org");
        break;
    case V_SPONSORED_STRICT:
        policy = "2.23.140.1.5.3.3";
        name_add(name, "C", "DE");
        name_add(name, "O", "Example Org");
        name_add(name, "organizationIdentifier", "NTRDE-HRB12345");
        name_add(name, "GN", "Alice");
        name_add(name, "SN", "Example");
        snprintf(cn, sizeof(cn), "Alice Example %lu", i);
        name_add(name, "CN", cn);
        break;
    case V_INDIVIDUAL_STRICT:
        policy = "2.23.140.1.5.4.3";
        name_add(name, "GN", "Alice");
        name_add(name, "SN", "Example");
        snprintf(cn, sizeof(cn), "Alice Example %lu", i);
        name_add(name, "CN", cn);
        break;
    case V_LEGACY:
        policy = "2.23.140.1.5.1.1";
        name_add(name, "CN", email);
        break;
    case V_SUBJECT_O:
        name_add(name, "O", "Example Org");
        name_add(name, "CN", email);
        break;
    case V_SUBCA_CONSTRAINED:
    case V_SUBCA_OPEN:
        name_add(name, "C", "XX");
        name_add(name, "O", "Example Org");
        snprintf(cn, sizeof(cn), "Example Sub-CA %lu", i);
        name_add(name, "CN", cn);
        break;
    default:
        name_add(name, "CN", email);
        break;
    }
    X509_set_subject_name(cert, name);
    X509_set_issuer_name(cert, X509_get_subject_name(g->ca));
    set_time(X509_getm_notBefore(cert), nb);
    set_time(X509_getm_notAfter(cert), nb + days * 86400 - 1);
    while (X509_get_ext_count(cert) > 0)
        X509_EXTENSION_free(X509_delete_ext(cert, 0));
    X509V3_set_ctx(&ctx, g->ca, cert, NULL, NULL, 0);
    X509V3_set_nconf(&ctx, g->conf);

    if (v == V_SUBCA_CONSTRAINED || v == V_SUBCA_OPEN) {
        add_cached(g, cert, &ctx, NID_basic_constraints,
                   "critical,CA:TRUE,pathlen:0");
        add_cached(g, cert, &ctx, NID_key_usage,
                   "critical,keyCertSign,cRLSign");
        if (v == V_SUBCA_CONSTRAINED) {
            add_cached(g, cert, &ctx, NID_ext_key_usage, "emailProtection");
            add_cached(g, cert, &ctx, NID_name_constraints,
                       "critical,permitted;email:.example.com,"
                       "permitted;dirName:nc_dir");
        }
        add_cached(g, cert, &ctx, NID_certificate_policies, "2.23.140.1.5.1.3");
    } else {
        add_cached(g, cert, &ctx, NID_key_usage,
                   v == V_BAD_KU ? "critical,digitalSignature,keyCertSign"
                                 : "critical,digitalSignature,keyAgreement");
        add_cached(g, cert, &ctx, NID_ext_key_usage,
                   v == V_BAD_EKU ? "emailProtection,serverAuth"
                                  : "emailProtection");
        if (v != V_NO_SAN) {
            char san[96];

            snprintf(san, sizeof(san), "email:%s", email);
            add_ext(cert, &ctx, NID_subject_alt_name, san);
        }
        add_cached(g, cert, &ctx, NID_certificate_policies, policy);
        add_cached(g, cert, &ctx, NID_crl_distribution_points,
                   "URI:http://crl.example.com/ca.crl");
        if (v != V_WARN_NO_AIA)
            add_cached(g, cert, &ctx, NID_info_access,
                       "caIssuers;URI:http://ca.example.com/ca.crt,"
                       "OCSP;URI:http://ocsp.example.com");
    }
    add_cached(g, cert, &ctx, NID_authority_key_identifier, "keyid:always");
    if (g->ski[i % N_KEYS] == NULL)
        g->ski[i % N_KEYS] =
            X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_key_identifier, "hash");
    if (g->ski[i % N_KEYS] == NULL
        || !X509_add_ext(cert, g->ski[i % N_KEYS], -1))
        die("cannot add the subjectKeyIdentifier");
    if (!EVP_MD_CTX_copy_ex(g->sign_ctx, g->sign_template)
        || X509_sign_ctx(cert, g->sign_ctx) <= 0)
        die("cannot sign");
    der_len = i2d_X509(cert, &der);
    if (der_len <= 0)
        die("cannot encode");

    /* index.txt: status, expiry, revocation, serial, file, subject */
    {
        char *h = BN_bn2hex(bn);

        snprintf(hex, sizeof(hex), "%s", h);
        OPENSSL_free(h);
    }
    snprintf(path, sizeof(path), "%s/newcerts/%s.pem", dir, hex);
    write_cert_file(path, der, der_len);
    asn1_index_time(nb + days * 86400 - 1, na_text, sizeof(na_text));
    X509_NAME_oneline(name, subject, sizeof(subject));
    if (i % 97 == 13) {
        asn1_index_time(nb + 30 * 86400, nb_text, sizeof(nb_text));
        fprintf(index, "R\t%s\t%s,keyCompromise\t%s\tunknown\t%s\n", na_text,
                nb_text, hex, subject);
    } else {
        fprintf(index, "V\t%s\t\t%s\tunknown\t%s\n", na_text, hex, subject);
    }
    OPENSSL_free(der);
    BN_free(bn);
    X509_NAME_free(name);
}

int main(int argc, char **argv)
{
    GEN g;
    uint64_t seed = 1;
    const char *dir;
    unsigned long count;
    char path[4096];
    EVP_PKEY *root_key;
    X509 *root;
    FILE *index;
    int a = 1;

    memset(&g, 0, sizeof(g));
    if (argc > 2 && strcmp(argv[1], "--seed") == 0) {
        seed = strtoull(argv[2], NULL, 10);
        a = 3;
    }
    if (argc - a != 2) {
        fputs("usage: gen-ca-db [--seed N] DIR COUNT\n", stderr);
        return 2;
    }
    dir = argv[a];
    count = strtoul(argv[a + 1], NULL, 10);
    g.rng = seed;
    snprintf(path, sizeof(path), "%s/newcerts", dir);
    if ((mkdir(dir, 0755) != 0 && errno != EEXIST)
        || (mkdir(path, 0755) != 0 && errno != EEXIST)) {
        perror(path);
        return 2;
    }
    root_key = EVP_EC_gen("P-256");
    g.ca_key = EVP_EC_gen("P-256");
    for (int k = 0; k < N_KEYS; k++) {
        g.keys[k] = EVP_EC_gen("P-256");
        g.reuse[k] = X509_new();
        if (g.keys[k] == NULL || g.reuse[k] == NULL
            || !X509_set_pubkey(g.reuse[k], g.keys[k]))
            die("cannot generate keys");
    }
    if (root_key == NULL || g.ca_key == NULL || g.keys[N_KEYS - 1] == NULL)
        die("cannot generate keys");
    {
        static const char nc[] = "[nc_dir]\nC = XX\nO = Example Org\n";
        BIO *b = BIO_new_mem_buf(nc, -1);

        g.conf = NCONF_new(NULL);
        if (b == NULL || g.conf == NULL || !NCONF_load_bio(g.conf, b, NULL))
            die("cannot build the name constraints section");
        BIO_free(b);
    }
    g.sign_template = EVP_MD_CTX_new();
    g.sign_ctx = EVP_MD_CTX_new();
    if (g.sign_template == NULL || g.sign_ctx == NULL
        || !EVP_DigestSignInit_ex(g.sign_template, NULL, "SHA256", NULL, NULL,
                                  g.ca_key, NULL))
        die("cannot set up signing");
    root = make_ca(&g, root_key, NULL, NULL, "Test Root", 1);
    g.ca = make_ca(&g, g.ca_key, root, root_key, "Test SMIME CA", 2);
    for (int k = 0; k < 7; k++)
        g.serial_prefix[k] = (uint8_t)(splitmix64(&g.rng) >> 13);
    g.serial_prefix[0] = (uint8_t)(0x50 | (g.serial_prefix[0] & 0x0f));

    snprintf(path, sizeof(path), "%s/root.pem", dir);
    write_pem(path, root, NULL);
    snprintf(path, sizeof(path), "%s/ca.pem", dir);
    write_pem(path, g.ca, NULL);
    snprintf(path, sizeof(path), "%s/ca.key", dir);
    write_pem(path, NULL, g.ca_key);
    snprintf(path, sizeof(path), "%s/index.txt", dir);
    index = fopen(path, "w");
    if (index == NULL) {
        perror(path);
        return 2;
    }
    for (unsigned long i = 0; i < count; i++)
        make_cert(&g, i, count, dir, index);
    if (fclose(index) != 0) {
        perror(path);
        return 2;
    }
    snprintf(path, sizeof(path), "%s/serial", dir);
    index = fopen(path, "w");
    if (index == NULL)
        die("cannot write serial");
    for (int k = 0; k < 7; k++)
        fprintf(index, "%02X", g.serial_prefix[k]);
    fprintf(index, "%018lX\n", count);
    fclose(index);

    NCONF_free(g.conf);
    for (size_t k = 0; k < g.n_cache; k++)
        X509_EXTENSION_free(g.cache[k].ext);
    for (int k = 0; k < N_KEYS; k++)
        X509_EXTENSION_free(g.ski[k]);
    EVP_MD_CTX_free(g.sign_template);
    EVP_MD_CTX_free(g.sign_ctx);
    X509_free(root);
    X509_free(g.ca);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(g.ca_key);
    for (int k = 0; k < N_KEYS; k++) {
        EVP_PKEY_free(g.keys[k]);
        X509_free(g.reuse[k]);
    }
    return 0;
}
