/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver for tests/provider-sign.sh: signs through the smimepolicy
 * provider with libcrypto directly, the way OpenSSL's own commands do not,
 * to check what the CLI cannot reach.
 *
 *   provider-sign MODE KEY_URI CERT DIGEST [THREADS ITERATIONS]
 *
 * The provider comes from OPENSSL_CONF. CERT is a certificate issued by
 * the wrapped key; its TBSCertificate is what gets signed. DIGEST is a
 * digest name or "none" (EdDSA). Modes:
 *   threads   THREADS threads each sign the TBS ITERATIONS times with the
 *             same key object; every signature must verify with CERT's
 *             issuer key (given as the CA certificate in $SP_CA_CERT)
 *   update    sign through EVP_DigestSignUpdate in pieces + Final
 *   mismatch  sign with DIGEST while the TBS names another algorithm:
 *             must be refused
 *   ber       a BOOLEAN of the TBS re-encoded as BER: must be refused
 *   prehash   EVP_PKEY_sign on a bare digest: must be refused
 *   pss       RSA-PSS padding while the TBS names PKCS#1 v1.5: refused
 *   params    public parameters are answered, private ones never: no
 *             "d"/"priv", no key-pair export, no raw private key
 * Exit 0 when the mode's expectation holds, 1 otherwise.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "loadutil.h"

typedef struct sign_job_st {
    EVP_PKEY *key;
    EVP_PKEY *verify_key;
    const char *md;
    const unsigned char *tbs;
    size_t tbs_len;
    int iterations;
    int good;
} SIGN_JOB;

/* One signature over tbs; 1 when it was made (and, with verify_key,
 * verifies). */
static int sign_once(EVP_PKEY *key, EVP_PKEY *verify_key, const char *md,
                     const unsigned char *tbs, size_t tbs_len, int in_pieces,
                     int pss)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_MD_CTX *vctx = NULL;
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    EVP_PKEY_CTX *pctx = NULL;
    int ok = 0;

    if (ctx == NULL
        || EVP_DigestSignInit_ex(ctx, &pctx, md, NULL, NULL, key, NULL) <= 0)
        goto done;
    if (pss && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0)
        goto done;
    if (in_pieces) {
        size_t half = tbs_len / 2;

        if (EVP_DigestSignUpdate(ctx, tbs, half) <= 0
            || EVP_DigestSignUpdate(ctx, tbs + half, tbs_len - half) <= 0
            || EVP_DigestSignFinal(ctx, NULL, &siglen) <= 0
            || siglen > sizeof(sig)
            || EVP_DigestSignFinal(ctx, sig, &siglen) <= 0)
            goto done;
    } else if (EVP_DigestSign(ctx, sig, &siglen, tbs, tbs_len) <= 0) {
        goto done;
    }
    if (verify_key != NULL) {
        vctx = EVP_MD_CTX_new();
        if (vctx == NULL
            || EVP_DigestVerifyInit_ex(vctx, NULL, md, NULL, "provider=default",
                                       verify_key, NULL)
                   <= 0
            || EVP_DigestVerify(vctx, sig, siglen, tbs, tbs_len) != 1)
            goto done;
    }
    ok = 1;
done:
    EVP_MD_CTX_free(vctx);
    EVP_MD_CTX_free(ctx);
    return ok;
}

static void *sign_thread(void *arg)
{
    SIGN_JOB *job = arg;
    int i;

    for (i = 0; i < job->iterations; i++)
        if (sign_once(job->key, job->verify_key, job->md, job->tbs,
                      job->tbs_len, 0, 0))
            job->good++;
    ERR_clear_error();
    return NULL;
}

/* Stderr must show the provider's reason for a refusal. */
static int refused_with(const char *what, const char *reason)
{
    char buf[1024];
    unsigned long e;
    int found = 0;
    const char *data;
    int flags;

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        fprintf(stderr, "  %s: %s:%s\n", what, buf,
                (flags & ERR_TXT_STRING) ? data : "");
        if (strstr(buf, reason) != NULL)
            found = 1;
    }
    if (!found)
        fprintf(stderr, "FAIL: %s: no \"%s\" error\n", what, reason);
    return found;
}

/* Public parameters answered; nothing private readable or exportable. */
static int check_params(EVP_PKEY *key)
{
    BIGNUM *d = NULL;
    OSSL_PARAM *all = NULL;
    unsigned char raw[128];
    size_t rawlen = sizeof(raw);
    char mdname[64];
    int ok = 1;

    if (EVP_PKEY_get_bits(key) <= 0 || EVP_PKEY_get_security_bits(key) <= 0
        || EVP_PKEY_get_size(key) <= 0) {
        fprintf(stderr, "FAIL: params: bits/security-bits/max-size missing\n");
        ok = 0;
    }
    if (EVP_PKEY_get_default_digest_name(key, mdname, sizeof(mdname)) <= 0) {
        fprintf(stderr, "FAIL: params: no default digest\n");
        ok = 0;
    }
    if (EVP_PKEY_get_bn_param(key, "d", &d)
        || EVP_PKEY_get_bn_param(key, "priv", &d)
        || EVP_PKEY_get_raw_private_key(key, raw, &rawlen)) {
        fprintf(stderr, "FAIL: params: a private value was returned\n");
        ok = 0;
    }
    if (EVP_PKEY_todata(key, EVP_PKEY_KEYPAIR, &all)) {
        fprintf(stderr, "FAIL: params: key pair exported\n");
        ok = 0;
    } else if (!refused_with("params", "private key export")) {
        ok = 0;
    }
    ERR_clear_error();
    BN_clear_free(d);
    OSSL_PARAM_free(all);
    return ok;
}

static int run_threads(EVP_PKEY *key, EVP_PKEY *ca_key, const char *md,
                       const unsigned char *tbs, size_t tbs_len, int nthreads,
                       int iterations)
{
    pthread_t tid[64];
    SIGN_JOB jobs[64];
    struct timespec t0, t1;
    int i, good = 0;
    double ms;

    if (nthreads < 1 || nthreads > 64)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < nthreads; i++) {
        jobs[i] = (SIGN_JOB){key, ca_key, md, tbs, tbs_len, iterations, 0};
        if (pthread_create(&tid[i], NULL, sign_thread, &jobs[i]) != 0)
            return 0;
    }
    for (i = 0; i < nthreads; i++) {
        pthread_join(tid[i], NULL);
        good += jobs[i].good;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3
         + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("%d threads x %d: %d signatures verified in %.1f ms (%.1f us "
           "each)\n",
           nthreads, iterations, good, ms, good > 0 ? ms * 1e3 / good : 0.0);
    return good == nthreads * iterations;
}

int main(int argc, char **argv)
{
    const char *mode, *md;
    EVP_PKEY *key = NULL, *ca_key = NULL;
    X509 *cert = NULL, *ca = NULL;
    unsigned char *tbs = NULL;
    int tbs_len;
    int ok = 0;

    if (argc < 5) {
        fprintf(stderr, "usage: %s MODE KEY_URI CERT DIGEST [THREADS ITER]\n",
                argv[0]);
        return 2;
    }
    mode = argv[1];
    md = strcmp(argv[4], "none") == 0 ? NULL : argv[4];
    key = lu_load_key(NULL, argv[2]);
    cert = lu_load_cert(argv[3]);
    if (getenv("SP_CA_CERT") != NULL
        && (ca = lu_load_cert(getenv("SP_CA_CERT"))) != NULL)
        ca_key = X509_get0_pubkey(ca);
    tbs_len = cert != NULL ? i2d_re_X509_tbs(cert, &tbs) : -1;
    if (key == NULL || tbs_len <= 0) {
        fprintf(stderr, "cannot load the key or the certificate\n");
        ERR_print_errors_fp(stderr);
        goto done;
    }

    if (strcmp(mode, "threads") == 0 && argc == 7) {
        ok = ca_key != NULL
             && run_threads(key, ca_key, md, tbs, (size_t)tbs_len,
                            atoi(argv[5]), atoi(argv[6]));
    } else if (strcmp(mode, "update") == 0) {
        ok = sign_once(key, ca_key, md, tbs, (size_t)tbs_len, 1, 0);
    } else if (strcmp(mode, "mismatch") == 0) {
        ok = !sign_once(key, NULL, md, tbs, (size_t)tbs_len, 0, 0)
             && refused_with("mismatch", "signature algorithm mismatch");
    } else if (strcmp(mode, "pss") == 0) {
        ok = !sign_once(key, NULL, md, tbs, (size_t)tbs_len, 0, 1)
             && refused_with("pss", "signature algorithm mismatch");
    } else if (strcmp(mode, "params") == 0) {
        ok = check_params(key);
    } else if (strcmp(mode, "ber") == 0) {
        /* keyUsage critical flag: 01 01 FF becomes the BER 01 01 01. */
        static const unsigned char ku_crit[] = {0x06, 0x03, 0x55, 0x1d,
                                                0x0f, 0x01, 0x01, 0xff};
        int i, patched = 0;

        for (i = 0; i + (int)sizeof(ku_crit) <= tbs_len; i++)
            if (memcmp(tbs + i, ku_crit, sizeof(ku_crit)) == 0) {
                tbs[i + sizeof(ku_crit) - 1] = 0x01;
                patched = 1;
                break;
            }
        ok = patched && !sign_once(key, NULL, md, tbs, (size_t)tbs_len, 0, 0)
             && refused_with("ber", "smimepolicy");
    } else if (strcmp(mode, "prehash") == 0) {
        EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        unsigned char digest[32] = {0}, sig[1024];
        size_t siglen = sizeof(sig);

        ok = pctx != NULL
             && (EVP_PKEY_sign_init(pctx) <= 0
                 || EVP_PKEY_sign(pctx, sig, &siglen, digest, sizeof(digest))
                        <= 0)
             && refused_with("prehash", "signing a bare digest");
        EVP_PKEY_CTX_free(pctx);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
    }
    if (!ok)
        ERR_print_errors_fp(stderr);
done:
    OPENSSL_free(tbs);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    return ok ? 0 : 1;
}
