/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver for tests/provider-fault.sh and tests/hsm-fault.sh: faults under
 * the smimepolicy provider while it signs (issue 6).
 *
 *   provider-fault alloc CNF KEY_URI GOOD_CERT BAD_CERT CA_CERT AUDIT_LOG
 *       Loads the provider with OSSL_PROVIDER_load in a library context of
 *       its own (configured from CNF), with libcrypto's allocator replaced
 *       by one that fails the Nth allocation. Counts the allocations of
 *       one signing operation over GOOD_CERT's TBSCertificate, then fails
 *       each of them in turn: a failed operation must leave no signature
 *       in the output buffer and no "signed" audit record; a successful
 *       one must verify with CA_CERT's key and have exactly one "signed"
 *       record. BAD_CERT's TBS (which the policy refuses) must never be
 *       signed whichever allocation fails. No run may leak a block.
 *
 *   provider-fault activate CNF KEY_URI GOOD_CERT BAD_CERT CA_CERT
 *       The same allocator, failing each allocation that smimepolicy's
 *       own code (provider/, policy/) makes in a whole life of the
 *       provider in a fresh library context: activation from CNF (the
 *       policy file and its issuers are read, the audit log opened), the
 *       key loaded, GOOD_CERT's and BAD_CERT's TBS signed. A run either
 *       signs nothing, or signs GOOD (which verifies) and refuses BAD:
 *       never a half-loaded policy that signs BAD. libcrypto's own
 *       allocations are not failed here: OpenSSL 3.0 crashes in
 *       OSSL_LIB_CTX_free after some of them fail (provider_conf.c), and
 *       those inside sp_policy_load are failed by tests/test_fault_alloc.
 *
 *   provider-fault serve KEY_URI GOOD_CERT BAD_CERT CA_CERT
 *       A long-running signer for tests that break things while it runs
 *       (policy file, audit log, swtpm, SoftHSM2 token). The provider
 *       comes from OPENSSL_CONF. Reads commands from stdin, one a line,
 *       and answers each on stdout:
 *         good | bad   sign that TBS: "signed" (after verifying the
 *                      signature) or "error: <provider's errors>"
 *         quit         exit 0
 *
 * Exit 0 when every expectation holds, 1 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "loadutil.h"

#define SIG_MAX 1024
#define SIG_FILL 0xa5

/* The failing allocator (the driver signs from one thread). */
static struct {
    unsigned long calls;
    unsigned long fail_at; /* 0: never */
    long live;             /* counted blocks not yet freed */
    int only_ours;         /* count and fail only smimepolicy's own */
} fa;

/* Blocks of libcrypto's error queue are not counted: the thread's queue
 * keeps its data buffers for reuse (see tests/test_fault_alloc.c). */
#define FA_HEADER 16

/* An allocation of this call: all of them, or (activate) only those of
 * smimepolicy's own sources (the provider and the policy engine). */
static int fa_is_ours(const char *file)
{
    return file != NULL
           && (strstr(file, "/provider/") != NULL
               || strstr(file, "/policy/") != NULL);
}

static int fa_fail_now(const char *file)
{
    if (fa.only_ours && !fa_is_ours(file))
        return 0;
    return ++fa.calls == fa.fail_at;
}

static void *fa_malloc(size_t n, const char *file, int line)
{
    unsigned char *h;

    if (fa_fail_now(file) || n > SIZE_MAX - FA_HEADER) {
        if (getenv("FA_TRACE") != NULL)
            fprintf(stderr, "FA fail %lu at %s:%d\n", fa.calls, file, line);
        return NULL;
    }
    h = malloc(n + FA_HEADER);
    if (h == NULL)
        return NULL;
    /* activate counts only smimepolicy's own blocks: libcrypto's global
     * tables (error strings, configuration modules) grow as providers
     * come and go and are freed at exit (valgrind checks that). */
    h[0] = fa.only_ours ? fa_is_ours(file)
                        : file == NULL || strstr(file, "crypto/err/") == NULL;
    fa.live += h[0];
    return h + FA_HEADER;
}

static void *fa_realloc(void *p, size_t n, const char *file, int line)
{
    unsigned char *h;

    if (p == NULL)
        return fa_malloc(n, file, line);
    if (fa_fail_now(file) || n > SIZE_MAX - FA_HEADER)
        return NULL;
    h = realloc((unsigned char *)p - FA_HEADER, n + FA_HEADER);
    return h != NULL ? h + FA_HEADER : NULL;
}

static void fa_free(void *p, const char *file, int line)
{
    unsigned char *h;

    if (p == NULL)
        return;
    h = (unsigned char *)p - FA_HEADER;
    fa.live -= h[0];
    free(h);
}

/* ------------------------------------------------------------------ */

typedef struct signer_st {
    OSSL_LIB_CTX *libctx; /* NULL: the default one */
    EVP_PKEY *key;
    EVP_PKEY *ca_key;
    const char *md;
    unsigned char *tbs[2]; /* good, bad */
    size_t tbs_len[2];
    unsigned char tbs_sha256[2][32];
} SIGNER;

/* The TBS of a certificate file, and its SHA-256. */
static int load_tbs(SIGNER *s, int which, const char *path)
{
    unsigned char *der = lu_load_tbs(path, &s->tbs_len[which]);

    if (der == NULL)
        return 0;
    s->tbs[which] = der;
    return EVP_Digest(der, s->tbs_len[which], s->tbs_sha256[which], NULL,
                      EVP_sha256(), NULL);
}

/* One signing operation, as `openssl ca` does it. Returns 1 and the
 * signature in sig/siglen when signed, 0 when refused, -1 when the
 * driver's own EVP_MD_CTX could not be allocated (no provider call). */
static int sign_tbs(const SIGNER *s, int which, unsigned char *sig,
                    size_t *siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = 0;

    *siglen = SIG_MAX;
    if (ctx == NULL)
        return -1;
    if (EVP_DigestSignInit_ex(ctx, NULL, s->md, s->libctx, NULL, s->key, NULL)
            > 0
        && EVP_DigestSign(ctx, sig, siglen, s->tbs[which], s->tbs_len[which])
               > 0)
        ok = 1;
    EVP_MD_CTX_free(ctx);
    return ok;
}

static int verifies(const SIGNER *s, int which, const unsigned char *sig,
                    size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok =
        ctx != NULL
        && EVP_DigestVerifyInit_ex(ctx, NULL, s->md, NULL, "provider=default",
                                   s->ca_key, NULL)
               > 0
        && EVP_DigestVerify(ctx, sig, siglen, s->tbs[which], s->tbs_len[which])
               == 1;

    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

/* No signature left in the buffer: untouched, or wiped. */
static int no_signature(const unsigned char *sig)
{
    int fill = 1, zero = 1;

    for (size_t i = 0; i < SIG_MAX; i++) {
        fill &= sig[i] == SIG_FILL;
        zero &= sig[i] == 0;
    }
    return fill || zero;
}

static void errors_to(FILE *out)
{
    unsigned long e;
    const char *data;
    int flags;
    char buf[256];

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        fprintf(out, " %s%s%s", buf, (flags & ERR_TXT_STRING) ? ":" : "",
                (flags & ERR_TXT_STRING) ? data : "");
    }
}

/* ------------------------------------------------------------------ */
/* The audit log, read from where the last look stopped                */

typedef struct audit_view_st {
    const char *path;
    long offset;
} AUDIT_VIEW;

typedef struct audit_new_st {
    int lines, signed_good, signed_any, partial;
} AUDIT_NEW;

static void hex32(const unsigned char *d, char out[65])
{
    for (int i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static AUDIT_NEW audit_since(AUDIT_VIEW *v, const SIGNER *s)
{
    AUDIT_NEW n = {0, 0, 0, 0};
    char good[65], line[65536];
    FILE *f = fopen(v->path, "r");

    hex32(s->tbs_sha256[0], good);
    if (f == NULL || fseek(f, v->offset, SEEK_SET) != 0) {
        if (f != NULL)
            fclose(f);
        return n;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strlen(line);

        if (len == 0 || line[len - 1] != '\n') {
            n.partial++;
            continue;
        }
        n.lines++;
        if (strstr(line, "\"decision\":\"signed\"") != NULL) {
            n.signed_any++;
            if (strstr(line, good) != NULL)
                n.signed_good++;
        }
    }
    v->offset = ftell(f);
    fclose(f);
    return n;
}

/* ------------------------------------------------------------------ */
/* alloc                                                               */

static int run_alloc(int argc, char **argv)
{
    SIGNER s = {0};
    OSSL_PROVIDER *prov = NULL, *deflt = NULL;
    X509 *ca = NULL;
    AUDIT_VIEW view = {argv[7], 0};
    unsigned char sig[SIG_MAX];
    size_t siglen;
    unsigned long c0, total, n;
    unsigned long refused = 0, signed_ok = 0, bad = 0, leaks = 0;
    unsigned long bad_total, bad_signed = 0;
    char mdname[64];
    long live0;
    int ok = 0;

    if (!lu_load_libctx(argv[2], &s.libctx, &deflt, &prov))
        goto done;
    s.key = lu_load_key(s.libctx, argv[3]);
    ca = lu_load_cert(argv[6]);
    s.ca_key = ca != NULL ? X509_get0_pubkey(ca) : NULL;
    /* The key's default digest, as `openssl ca` with default_md = default
     * uses it; none for EdDSA. */
    if (s.key != NULL
        && EVP_PKEY_get_default_digest_name(s.key, mdname, sizeof(mdname)) > 0
        && strcmp(mdname, "UNDEF") != 0)
        s.md = mdname;
    if (prov == NULL || deflt == NULL || s.key == NULL || s.ca_key == NULL
        || !load_tbs(&s, 0, argv[4]) || !load_tbs(&s, 1, argv[5])) {
        fprintf(stderr, "cannot set up the provider, key or certificates\n");
        goto done;
    }

    /* Warm up: what libcrypto and the provider set up once. */
    if (sign_tbs(&s, 0, sig, &siglen) <= 0 || !verifies(&s, 0, sig, siglen)
        || sign_tbs(&s, 1, sig, &siglen) != 0) {
        fprintf(stderr, "the unfaulted signatures are not as expected:");
        errors_to(stderr);
        fprintf(stderr, "\n");
        goto done;
    }
    ERR_clear_error();
    audit_since(&view, &s);

    live0 = fa.live;
    c0 = fa.calls;
    if (sign_tbs(&s, 0, sig, &siglen) <= 0)
        goto done;
    total = fa.calls - c0;
    audit_since(&view, &s);
    if (fa.live != live0)
        fprintf(stderr, "a successful signature leaks %ld blocks\n",
                fa.live - live0);

    /* Pass 0 warms up what libcrypto's error paths fetch and cache once
     * (after an inner failure the provider verifies signatures, which
     * fetches the verifier); pass 1 also counts blocks. */
    for (int pass = 0; pass < 2; pass++)
        for (n = 1; n <= total; n++) {
            AUDIT_NEW rec;
            int signed_now, settled = 0;

            live0 = fa.live;
            memset(sig, SIG_FILL, sizeof(sig));
            fa.fail_at = fa.calls + n;
            signed_now = sign_tbs(&s, 0, sig, &siglen);
            fa.fail_at = 0;
            rec = audit_since(&view, &s);
            if (signed_now < 0) {
                /* The driver's own context: the provider was never called. */
                if (!no_signature(sig) || rec.lines != 0)
                    bad++;
            } else if (signed_now) {
                signed_ok++;
                if (!verifies(&s, 0, sig, siglen) || rec.signed_good != 1) {
                    bad++;
                    fprintf(stderr,
                            "allocation %lu failed: signed, but verifies=%d "
                            "and %d signed records (siglen %zu, %02x %02x)\n",
                            n, verifies(&s, 0, sig, siglen), rec.signed_good,
                            siglen, sig[0], sig[1]);
                }
            } else {
                refused++;
                if (ERR_peek_error() == 0 || !no_signature(sig)
                    || rec.signed_any != 0 || rec.partial != 0) {
                    bad++;
                    fprintf(
                        stderr,
                        "allocation %lu failed: refused with error=%d, "
                        "buffer clean=%d, %d signed and %d partial records\n",
                        n, ERR_peek_error() != 0, no_signature(sig),
                        rec.signed_any, rec.partial);
                }
            }
            ERR_clear_error();
            /* A failed signature drops the key's prepared inner signer (its
             * state is unknown, so it is never reused), and libcrypto's RSA
             * blinding may give wrong signatures until it is renewed (at most
             * 32 signatures later): the provider then verifies each signature
             * and refuses those that do not verify. Sign until one comes out
             * right; every refusal on the way must leave no signature. */
            for (int tries = 0; tries < 70 && !settled; tries++) {
                memset(sig, SIG_FILL, sizeof(sig));
                if (sign_tbs(&s, 0, sig, &siglen) > 0) {
                    settled = verifies(&s, 0, sig, siglen);
                    if (!settled) {
                        bad++;
                        fprintf(stderr,
                                "allocation %lu failed: a later "
                                "signature was released and does not verify\n",
                                n);
                        break;
                    }
                } else if (!no_signature(sig)) {
                    bad++;
                    break;
                }
                audit_since(&view, &s);
                ERR_clear_error();
            }
            if (!settled) {
                bad++;
                fprintf(stderr,
                        "allocation %lu failed: no good signature in 70 "
                        "tries after it\n",
                        n);
            }
            audit_since(&view, &s);
            ERR_clear_error();
            if (pass == 1 && fa.live != live0) {
                leaks++;
                fprintf(stderr, "allocation %lu failed: %ld block(s) leaked\n",
                        n, fa.live - live0);
            }
        }

    /* The refused TBS: never signed, whichever allocation fails. */
    c0 = fa.calls;
    sign_tbs(&s, 1, sig, &siglen);
    bad_total = fa.calls - c0;
    ERR_clear_error();
    audit_since(&view, &s);
    for (n = 1; n <= bad_total; n++) {
        AUDIT_NEW rec;

        memset(sig, SIG_FILL, sizeof(sig));
        fa.fail_at = fa.calls + n;
        if (sign_tbs(&s, 1, sig, &siglen) > 0 || !no_signature(sig))
            bad_signed++;
        fa.fail_at = 0;
        rec = audit_since(&view, &s);
        if (rec.signed_any != 0)
            bad_signed++;
        ERR_clear_error();
    }

    printf("signing: %lu allocations per signature; failing each: %lu "
           "refused with no signature and no signed record, %lu signed "
           "(verified, recorded once), %lu wrong, %lu leaking; refused TBS: "
           "%lu allocations, failing each: %lu signed\n",
           total, refused, signed_ok, bad, leaks, bad_total, bad_signed);
    ok = total > 0 && refused > 0 && bad == 0 && leaks == 0 && bad_signed == 0;
done:
    if (!ok)
        ERR_print_errors_fp(stderr);
    for (int i = 0; i < 2; i++)
        OPENSSL_free(s.tbs[i]);
    X509_free(ca);
    EVP_PKEY_free(s.key);
    OSSL_PROVIDER_unload(prov);
    OSSL_PROVIDER_unload(deflt);
    OSSL_LIB_CTX_free(s.libctx);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* activate                                                            */

/* One life of the provider; returns 1 when it got as far as signing
 * GOOD (verified), -1 when something failed before (no signature), and
 * 0 when it did something wrong (signed BAD, or a GOOD signature that
 * does not verify, or bytes left in a failed signature buffer). */
/* Allocation `n` after the library context exists fails (0: none);
 * *used gets the number of allocations made from there until the
 * clean-up. The context itself is made and freed unfaulted: OpenSSL 3.0
 * crashes in OSSL_LIB_CTX_free when one of OSSL_LIB_CTX_new's own
 * allocations failed, which is not the provider's to answer for. */
static int provider_life(const char *cnf, const char *uri, SIGNER *s,
                         unsigned long n, unsigned long *used)
{
    OSSL_PROVIDER *prov = NULL, *deflt = NULL;
    unsigned char sig[SIG_MAX];
    size_t siglen;
    unsigned long c0;
    int good, bad, rc = -1;

    s->libctx = OSSL_LIB_CTX_new();
    c0 = fa.calls;
    if (n > 0)
        fa.fail_at = fa.calls + n;
    if (s->libctx == NULL || !OSSL_LIB_CTX_load_config(s->libctx, cnf))
        goto done;
    deflt = OSSL_PROVIDER_load(s->libctx, "default");
    prov = OSSL_PROVIDER_load(s->libctx, "smimepolicy");
    if (prov == NULL || deflt == NULL)
        goto done;
    s->key = lu_load_key(s->libctx, uri);
    if (s->key == NULL)
        goto done;
    memset(sig, SIG_FILL, sizeof(sig));
    good = sign_tbs(s, 0, sig, &siglen);
    if (good > 0 && !verifies(s, 0, sig, siglen))
        rc = 0;
    else if (good <= 0 && !no_signature(sig))
        rc = 0;
    memset(sig, SIG_FILL, sizeof(sig));
    bad = sign_tbs(s, 1, sig, &siglen);
    if (bad > 0 || !no_signature(sig))
        rc = 0;
    if (rc != 0 && good > 0)
        rc = 1;
done:
    fa.fail_at = 0;
    if (used != NULL)
        *used = fa.calls - c0;
    EVP_PKEY_free(s->key);
    s->key = NULL;
    OSSL_PROVIDER_unload(prov);
    OSSL_PROVIDER_unload(deflt);
    OSSL_LIB_CTX_free(s->libctx);
    s->libctx = NULL;
    return rc;
}

static int run_activate(int argc, char **argv)
{
    SIGNER s = {0};
    X509 *ca = NULL;
    unsigned long total, n, failed = 0, worked = 0, wrong = 0;
    unsigned long leaky = 0;
    long live0, leaked = 0, base;
    int ok = 0, rc;

    ca = lu_load_cert(argv[6]);
    s.ca_key = ca != NULL ? X509_get0_pubkey(ca) : NULL;
    s.md = "SHA256";
    if (s.ca_key == NULL || !load_tbs(&s, 0, argv[4])
        || !load_tbs(&s, 1, argv[5])) {
        fprintf(stderr, "cannot load the certificates\n");
        goto done;
    }
    /* Twice unfaulted: once to set up what libcrypto keeps for the
     * process, once to count. */
    if (provider_life(argv[2], argv[3], &s, 0, NULL) != 1) {
        fprintf(stderr, "the unfaulted run does not sign as expected:");
        errors_to(stderr);
        fprintf(stderr, "\n");
        goto done;
    }
    ERR_clear_error();
    live0 = fa.live;
    if (provider_life(argv[2], argv[3], &s, 0, &total) != 1)
        goto done;
    ERR_clear_error();
    base = fa.live - live0;
    if (base != 0)
        fprintf(stderr, "an unfaulted run leaves %ld blocks of smimepolicy\n",
                base);
    for (n = 1; n <= total; n++) {
        live0 = fa.live;
        rc = provider_life(argv[2], argv[3], &s, n, NULL);
        ERR_clear_error();
        if (rc == 0) {
            wrong++;
            fprintf(stderr, "allocation %lu failed: wrong outcome\n", n);
        } else if (rc > 0) {
            worked++;
        } else {
            failed++;
        }
        if (fa.live - live0 > base) {
            leaky++;
            leaked += fa.live - live0 - base;
            fprintf(stderr, "allocation %lu failed: %ld block(s) leaked\n", n,
                    fa.live - live0 - base);
        }
    }
    printf("provider life (activate, load key, sign good and bad): "
           "%lu allocations by smimepolicy's code; failing each: %lu signed "
           "nothing, %lu signed "
           "GOOD and refused BAD, %lu wrong, %lu leaking (%ld blocks)\n",
           total, failed, worked, wrong, leaky, leaked);
    ok = wrong == 0 && failed > 0 && leaky == 0 && base == 0;
done:
    for (int i = 0; i < 2; i++)
        OPENSSL_free(s.tbs[i]);
    X509_free(ca);
    return ok ? 0 : 1;
}

/* ------------------------------------------------------------------ */
/* serve                                                               */

static int run_serve(int argc, char **argv)
{
    SIGNER s = {0};
    X509 *ca = NULL;
    char cmd[64], mdname[64];
    unsigned char sig[SIG_MAX];
    size_t siglen;
    int ok = 0;

    s.key = lu_load_key(NULL, argv[2]);
    ca = lu_load_cert(argv[5]);
    s.ca_key = ca != NULL ? X509_get0_pubkey(ca) : NULL;
    if (s.key == NULL || s.ca_key == NULL || !load_tbs(&s, 0, argv[3])
        || !load_tbs(&s, 1, argv[4])) {
        printf("error: cannot load the key or the certificates:");
        errors_to(stdout);
        printf("\n");
        goto done;
    }
    if (EVP_PKEY_get_default_digest_name(s.key, mdname, sizeof(mdname)) > 0
        && strcmp(mdname, "UNDEF") != 0)
        s.md = mdname;
    ERR_clear_error();
    printf("ready\n");
    fflush(stdout);
    while (fgets(cmd, sizeof(cmd), stdin) != NULL) {
        int which = strncmp(cmd, "bad", 3) == 0;

        if (strncmp(cmd, "quit", 4) == 0)
            break;
        memset(sig, SIG_FILL, sizeof(sig));
        if (sign_tbs(&s, which, sig, &siglen) > 0) {
            printf("%s\n", verifies(&s, which, sig, siglen)
                               ? "signed"
                               : "error: a signature that does not verify");
        } else {
            printf("error:%s", no_signature(sig) ? ""
                                                 : " (signature bytes "
                                                   "left in the buffer)");
            errors_to(stdout);
            printf("\n");
        }
        ERR_clear_error();
        fflush(stdout);
    }
    ok = 1;
done:
    fflush(stdout);
    for (int i = 0; i < 2; i++)
        OPENSSL_free(s.tbs[i]);
    X509_free(ca);
    EVP_PKEY_free(s.key);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "alloc") == 0) {
        /* Before anything allocates through libcrypto. */
        if (!CRYPTO_set_mem_functions(fa_malloc, fa_realloc, fa_free)) {
            fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
            return 1;
        }
        return run_alloc(argc, argv);
    }
    if (argc == 7 && strcmp(argv[1], "activate") == 0) {
        fa.only_ours = 1;
        if (!CRYPTO_set_mem_functions(fa_malloc, fa_realloc, fa_free)) {
            fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
            return 1;
        }
        return run_activate(argc, argv);
    }
    if (argc == 6 && strcmp(argv[1], "serve") == 0)
        return run_serve(argc, argv);
    fprintf(stderr,
            "usage: %s alloc CNF KEY_URI GOOD BAD CA AUDIT_LOG\n"
            "       %s activate CNF KEY_URI GOOD BAD CA\n"
            "       %s serve KEY_URI GOOD BAD CA\n",
            argv[0], argv[0], argv[0]);
    return 2;
}
