/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Drives provider/engine_key.c against a real PKCS#11 token (SoftHSM2 set
 * up by tests/hsm-engine.sh). Not a test on its own: the script checks its
 * exit status and output.
 *
 *   hsm-engine-key load URI MODULE|- PINSOURCE|-
 *       load the key; print "loaded <RSA|EC> <bits>"; exit 1 with the
 *       reason on stderr when loading fails.
 *   hsm-engine-key sign URI MODULE|- PINSOURCE|- DIGEST pkcs1|pss THREADS
 *       sign a fixed message from THREADS threads at once with one key,
 *       verify every signature with the public half in the default
 *       provider, print "aid <hex of the AlgorithmIdentifier>" and
 *       "verified <n>".
 *   hsm-engine-key export URI MODULE|- PINSOURCE|-
 *       try to write the private key as PKCS#8; exit 0 only if that fails
 *       or what it writes cannot sign for the key.
 *   hsm-engine-key reload URI MODULE|- PINSOURCE|- MODULE2|-
 *       load the key a second time in the same process with MODULE2
 *       (also when the first load failed); print "reloaded" or exit 1
 *       with the reason.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "engine_key.h"

#define MAX_THREADS 16
#define SIGNS_PER_THREAD 8

typedef struct sign_job_st {
    EVP_PKEY *key;
    EVP_PKEY *pub;
    const char *digest;
    spprov_pad_mode pad;
    int verified;
    char err[256];
} SIGN_JOB;

static const unsigned char message[] =
    "smimepolicy hsm test: a stand-in for a DER TBSCertificate";

static const char *arg_or_null(const char *arg)
{
    return strcmp(arg, "-") == 0 ? NULL : arg;
}

static int verify_one(EVP_PKEY *pub, const char *digest, spprov_pad_mode pad,
                      const unsigned char *sig, size_t siglen)
{
    int ok = 0;
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;

    if (mctx == NULL
        || EVP_DigestVerifyInit_ex(mctx, &pctx, digest, NULL, NULL, pub, NULL)
               != 1)
        goto done;
    if (pad == SPPROV_PAD_PSS
        && (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0
            || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST)
                   <= 0))
        goto done;
    ok = EVP_DigestVerify(mctx, sig, siglen, message, sizeof(message)) == 1;
done:
    EVP_MD_CTX_free(mctx);
    return ok;
}

static void *sign_worker(void *arg)
{
    SIGN_JOB *job = arg;
    unsigned char sig[1024];
    size_t siglen;
    int i;

    for (i = 0; i < SIGNS_PER_THREAD; i++) {
        if (!spprov_engine_key_sign(job->key, job->digest, job->pad, message,
                                    sizeof(message), sig, sizeof(sig), &siglen,
                                    job->err, sizeof(job->err)))
            return NULL;
        if (!verify_one(job->pub, job->digest, job->pad, sig, siglen)) {
            snprintf(job->err, sizeof(job->err), "signature %d does not verify",
                     i);
            return NULL;
        }
        job->verified++;
    }
    return NULL;
}

static int cmd_sign(EVP_PKEY *key, const char *digest, const char *padname,
                    int nthreads)
{
    int ok = 0;
    spprov_pad_mode pad;
    EVP_PKEY *pub = NULL;
    SIGN_JOB jobs[MAX_THREADS];
    pthread_t tids[MAX_THREADS];
    unsigned char aid[256];
    size_t aidlen, i, total = 0, maxlen = 0;
    char err[256];
    int started = 0;

    if (strcmp(padname, "pss") == 0) {
        pad = SPPROV_PAD_PSS;
    } else if (strcmp(padname, "pkcs1") == 0) {
        pad = SPPROV_PAD_DEFAULT;
    } else {
        fprintf(stderr, "padding must be pkcs1 or pss\n");
        goto done;
    }
    if (nthreads < 1 || nthreads > MAX_THREADS) {
        fprintf(stderr, "threads must be 1..%d\n", MAX_THREADS);
        goto done;
    }
    if (!spprov_engine_key_algorithm_id(key, digest, pad, NULL, NULL, aid,
                                        sizeof(aid), &aidlen, err,
                                        sizeof(err))) {
        fprintf(stderr, "algorithm id: %s\n", err);
        goto done;
    }
    if (!spprov_engine_key_sign(key, digest, pad, message, sizeof(message),
                                NULL, 0, &maxlen, err, sizeof(err))
        || maxlen == 0 || maxlen > 1024) {
        fprintf(stderr, "signature size query: %s\n", err);
        goto done;
    }
    pub = spprov_engine_key_public(key, NULL, NULL, err, sizeof(err));
    if (pub == NULL) {
        fprintf(stderr, "public half: %s\n", err);
        goto done;
    }
    if (EVP_PKEY_get0_provider(pub) == NULL) {
        fprintf(stderr, "public copy is not a provider key\n");
        goto done;
    }
    for (started = 0; started < nthreads; started++) {
        SIGN_JOB *job = &jobs[started];

        memset(job, 0, sizeof(*job));
        job->key = key;
        job->pub = pub;
        job->digest = digest;
        job->pad = pad;
        if (pthread_create(&tids[started], NULL, sign_worker, job) != 0) {
            fprintf(stderr, "cannot start thread %d\n", started);
            break;
        }
    }
    for (i = 0; i < (size_t)started; i++) {
        pthread_join(tids[i], NULL);
        if (jobs[i].err[0] != '\0')
            fprintf(stderr, "thread %zu: %s\n", i, jobs[i].err);
        total += (size_t)jobs[i].verified;
    }
    printf("aid ");
    for (i = 0; i < aidlen; i++)
        printf("%02x", aid[i]);
    printf("\nverified %zu\n", total);
    ok = started == nthreads && total == (size_t)nthreads * SIGNS_PER_THREAD;
done:
    EVP_PKEY_free(pub);
    return ok;
}

/* Whatever the engine key writes as a private key must not sign for it:
 * libp11 refuses RSA export and writes an EC placeholder with a zero
 * scalar. */
static int cmd_export(EVP_PKEY *key)
{
    int ok = 0;
    BIO *mem = BIO_new(BIO_s_mem());
    EVP_PKEY *copy = NULL, *pub = NULL;
    EVP_MD_CTX *mctx = NULL;
    unsigned char sig[1024];
    size_t siglen = sizeof(sig);
    char err[256];

    if (mem == NULL)
        goto done;
    if (!PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL)) {
        printf("export refused\n");
        ok = 1;
        goto done;
    }
    copy = PEM_read_bio_PrivateKey(mem, NULL, NULL, NULL);
    pub = spprov_engine_key_public(key, NULL, NULL, err, sizeof(err));
    if (pub == NULL) {
        fprintf(stderr, "public half: %s\n", err);
        goto done;
    }
    mctx = EVP_MD_CTX_new();
    if (copy == NULL || mctx == NULL
        || EVP_DigestSignInit_ex(mctx, NULL, "SHA256", NULL, NULL, copy, NULL)
               != 1
        || EVP_DigestSign(mctx, sig, &siglen, message, sizeof(message)) != 1
        || !verify_one(pub, "SHA256", SPPROV_PAD_DEFAULT, sig, siglen)) {
        printf("export holds no usable private key\n");
        ok = 1;
        goto done;
    }
    fprintf(stderr, "the exported private key signs for the token key\n");
done:
    EVP_MD_CTX_free(mctx);
    EVP_PKEY_free(copy);
    EVP_PKEY_free(pub);
    BIO_free(mem);
    ERR_clear_error();
    return ok;
}

int main(int argc, char **argv)
{
    int ok = 0;
    EVP_PKEY *key = NULL;
    char err[512] = "";

    if (argc < 5) {
        fprintf(stderr,
                "usage: %s load|sign|export URI MODULE|- PINSOURCE|- "
                "[DIGEST pkcs1|pss THREADS]\n",
                argv[0]);
        return 2;
    }
    key = spprov_engine_key_load(argv[2], arg_or_null(argv[3]),
                                 arg_or_null(argv[4]), err, sizeof(err));
    if (key == NULL) {
        fprintf(stderr, "load failed: %s\n", err);
        /* "reload" after a failed first load: the failure must not pin
         * the process to the first module. */
        if (strcmp(argv[1], "reload") != 0 || argc != 6)
            goto done;
    }
    if (strcmp(argv[1], "load") == 0) {
        printf("loaded %s %d\n",
               EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "RSA" : "EC",
               EVP_PKEY_get_bits(key));
        ok = 1;
    } else if (strcmp(argv[1], "sign") == 0 && argc == 8) {
        ok = cmd_sign(key, argv[5], argv[6], atoi(argv[7]));
    } else if (strcmp(argv[1], "export") == 0) {
        ok = cmd_export(key);
    } else if (strcmp(argv[1], "reload") == 0 && argc == 6) {
        EVP_PKEY *again =
            spprov_engine_key_load(argv[2], arg_or_null(argv[5]),
                                   arg_or_null(argv[4]), err, sizeof(err));

        if (again == NULL)
            fprintf(stderr, "reload failed: %s\n", err);
        else
            printf("reloaded\n");
        ok = again != NULL;
        EVP_PKEY_free(again);
    } else {
        fprintf(stderr, "unknown command or wrong arguments\n");
    }
done:
    EVP_PKEY_free(key);
    if (!ok)
        ERR_print_errors_fp(stderr);
    return ok ? 0 : 1;
}
