/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Driver for tests/provider-stress.sh (issue 6, concurrency): THREADS
 * threads sign TOTAL TBSCertificates through one wrapped key, compliant
 * and non-compliant ones mixed, and every verdict and every audit record
 * is checked.
 *
 *   provider-stress CNF KEY_URI CA_CERT AUDIT_LOG THREADS TOTAL GOOD_CERT
 *                   BAD_CERT:REASON...
 *
 * The provider is loaded with OSSL_PROVIDER_load in a library context of
 * its own configured from CNF (whose audit_log is AUDIT_LOG, empty at the
 * start). Every TBS is made unique by writing its index into the last
 * four octets of the serial number, so each decision has its own TBS
 * SHA-256. Index i is a BAD_CERT (the (i/4 mod n)-th) when i % 4 == 3,
 * else GOOD_CERT; thread t takes the indexes t, t + THREADS, ...
 *
 * Expected: every compliant TBS is signed and the signature verifies with
 * CA_CERT's public key; every non-compliant one is refused, no signature,
 * with REASON (a finding code) in the provider's error; the audit log has
 * exactly TOTAL lines, one per TBS SHA-256, "signed" for the compliant
 * and "refused" for the others. Exit 0 when all of that holds.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/x509.h>

#include "loadutil.h"

#define MAX_KINDS 8
#define SIG_MAX 1024

typedef struct tbs_kind_st {
    unsigned char *der;
    size_t len;
    size_t serial_end;  /* offset just past the serial's contents */
    const char *reason; /* NULL: compliant */
} TBS_KIND;

typedef struct stress_st {
    OSSL_LIB_CTX *libctx;
    EVP_PKEY *key;
    EVP_PKEY *ca_key;
    TBS_KIND kinds[MAX_KINDS];
    size_t n_bad;
    size_t total;
    int threads;
    /* Per index: the SHA-256 as hex, and the outcome. */
    char (*sha_hex)[65];
    unsigned char *outcome; /* 1 signed+verified, 2 refused as expected */
} STRESS;

typedef struct worker_st {
    STRESS *st;
    int id;
    size_t wrong;
} WORKER;

/* Length octets at der[*pos]; advances *pos. 0 on anything unexpected. */
static int der_len(const unsigned char *der, size_t len, size_t *pos,
                   size_t *out)
{
    size_t n, i;

    if (*pos >= len)
        return 0;
    if (der[*pos] < 0x80) {
        *out = der[(*pos)++];
        return 1;
    }
    n = der[(*pos)++] & 0x7f;
    if (n == 0 || n > 3 || *pos + n > len)
        return 0;
    *out = 0;
    for (i = 0; i < n; i++)
        *out = (*out << 8) | der[(*pos)++];
    return 1;
}

/* Where the serial number's contents end: TBSCertificate SEQUENCE,
 * [0] version, INTEGER serial. */
static int find_serial(TBS_KIND *k)
{
    size_t pos = 0, l;

    if (k->len < 2 || k->der[pos++] != 0x30
        || !der_len(k->der, k->len, &pos, &l))
        return 0;
    if (pos < k->len && k->der[pos] == 0xa0) {
        pos++;
        if (!der_len(k->der, k->len, &pos, &l))
            return 0;
        pos += l;
    }
    if (pos >= k->len || k->der[pos++] != 0x02
        || !der_len(k->der, k->len, &pos, &l) || l < 6 || pos + l > k->len)
        return 0;
    k->serial_end = pos + l;
    return 1;
}

static int load_kind(TBS_KIND *k, const char *path, const char *reason)
{
    unsigned char *der = lu_load_tbs(path, &k->len);

    if (der == NULL)
        return 0;
    k->der = der;
    k->reason = reason;
    return find_serial(k);
}

static const TBS_KIND *kind_of(const STRESS *st, size_t i)
{
    if (i % 4 != 3 || st->n_bad == 0)
        return &st->kinds[0];
    return &st->kinds[1 + (i / 4) % st->n_bad];
}

/* The TBS of index i, in buf (which has room for the kind's length). */
static void make_tbs(const TBS_KIND *k, size_t i, unsigned char *buf)
{
    memcpy(buf, k->der, k->len);
    buf[k->serial_end - 4] = (unsigned char)(i >> 24);
    buf[k->serial_end - 3] = (unsigned char)(i >> 16);
    buf[k->serial_end - 2] = (unsigned char)(i >> 8);
    buf[k->serial_end - 1] = (unsigned char)i;
}

/* The provider's error queue names `reason`. Empties the queue. */
static int refused_with(const char *reason)
{
    unsigned long e;
    const char *data;
    int flags, found = 0;

    while ((e = ERR_get_error_all(NULL, NULL, NULL, &data, &flags)) != 0)
        if ((flags & ERR_TXT_STRING) && strstr(data, reason) != NULL)
            found = 1;
    return found;
}

static int verifies(const STRESS *st, const unsigned char *tbs, size_t len,
                    const unsigned char *sig, size_t siglen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL
             && EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", st->libctx,
                                        "provider=default", st->ca_key, NULL)
                    > 0
             && EVP_DigestVerify(ctx, sig, siglen, tbs, len) == 1;

    EVP_MD_CTX_free(ctx);
    return ok;
}

static void *worker_main(void *arg)
{
    WORKER *w = arg;
    STRESS *st = w->st;
    unsigned char *tbs = malloc(st->kinds[0].len + 65536);
    unsigned char sig[SIG_MAX], sha[32];

    for (size_t i = (size_t)w->id; tbs != NULL && i < st->total;
         i += (size_t)st->threads) {
        const TBS_KIND *k = kind_of(st, i);
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t siglen = sizeof(sig);
        int signed_ok;

        if (k->len > st->kinds[0].len + 65536 || ctx == NULL) {
            w->wrong++;
            EVP_MD_CTX_free(ctx);
            continue;
        }
        make_tbs(k, i, tbs);
        EVP_Digest(tbs, k->len, sha, NULL, EVP_sha256(), NULL);
        for (int b = 0; b < 32; b++)
            snprintf(st->sha_hex[i] + 2 * b, 3, "%02x", sha[b]);
        signed_ok = EVP_DigestSignInit_ex(ctx, NULL, "SHA256", st->libctx, NULL,
                                          st->key, NULL)
                        > 0
                    && EVP_DigestSign(ctx, sig, &siglen, tbs, k->len) > 0;
        EVP_MD_CTX_free(ctx);
        if (k->reason == NULL) {
            if (signed_ok && verifies(st, tbs, k->len, sig, siglen))
                st->outcome[i] = 1;
            else
                w->wrong++;
        } else if (!signed_ok && refused_with(k->reason)) {
            st->outcome[i] = 2;
        } else {
            w->wrong++;
        }
        ERR_clear_error();
    }
    free(tbs);
    return NULL;
}

/* The hashes qsort orders by (set before the one sort, after the
 * threads are done). */
static char (*sort_hex)[65];

static int cmp_index(const void *a, const void *b)
{
    return strcmp(sort_hex[*(const size_t *)a], sort_hex[*(const size_t *)b]);
}

/* The audit log: exactly one record per index, with the right decision. */
static int check_audit(const STRESS *st, const char *path, size_t *n_lines)
{
    FILE *f = fopen(path, "r");
    size_t *order = malloc(st->total * sizeof(*order));
    unsigned char *seen = calloc(st->total, 1);
    char line[65536];
    size_t extra = 0, dup = 0, wrong = 0, missing = 0;

    *n_lines = 0;
    if (f == NULL || order == NULL || seen == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
        goto fail;
    }
    for (size_t i = 0; i < st->total; i++)
        order[i] = i;
    sort_hex = st->sha_hex;
    qsort(order, st->total, sizeof(*order), cmp_index);
    while (fgets(line, sizeof(line), f) != NULL) {
        const char *h = strstr(line, "\"tbs_sha256\":\"");
        size_t lo = 0, hi = st->total, found = st->total;

        (*n_lines)++;
        if (h == NULL || strlen(h) < 14 + 64) {
            extra++;
            continue;
        }
        h += 14;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            int c = strncmp(st->sha_hex[order[mid]], h, 64);

            if (c == 0) {
                found = order[mid];
                break;
            }
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (found == st->total) {
            extra++;
        } else if (seen[found]++) {
            dup++;
        } else if (strstr(line, kind_of(st, found)->reason == NULL
                                    ? "\"decision\":\"signed\""
                                    : "\"decision\":\"refused\"")
                   == NULL) {
            wrong++;
        }
    }
    for (size_t i = 0; i < st->total; i++)
        if (!seen[i])
            missing++;
    fclose(f);
    free(order);
    free(seen);
    printf("audit: %zu records; %zu missing, %zu twice, %zu with the wrong "
           "decision, %zu unexpected\n",
           *n_lines, missing, dup, wrong, extra);
    return missing == 0 && dup == 0 && wrong == 0 && extra == 0
           && *n_lines == st->total;
fail:
    if (f != NULL)
        fclose(f);
    free(order);
    free(seen);
    return 0;
}

int main(int argc, char **argv)
{
    STRESS st = {0};
    OSSL_PROVIDER *prov = NULL, *deflt = NULL;
    X509 *ca = NULL;
    pthread_t tid[64];
    WORKER workers[64];
    struct timespec t0, t1;
    size_t wrong = 0, n_signed = 0, n_refused = 0, n_lines = 0;
    double secs;
    int ok = 0, i;

    if (argc < 9) {
        fprintf(stderr,
                "usage: %s CNF KEY_URI CA_CERT AUDIT_LOG THREADS TOTAL "
                "GOOD_CERT BAD_CERT:REASON...\n",
                argv[0]);
        return 2;
    }
    st.threads = atoi(argv[5]);
    st.total = (size_t)strtoul(argv[6], NULL, 10);
    if (st.threads < 1 || st.threads > 64 || st.total == 0
        || argc - 8 > MAX_KINDS - 1) {
        fprintf(stderr, "bad THREADS, TOTAL or too many BAD_CERTs\n");
        return 2;
    }
    if (!lu_load_libctx(argv[1], &st.libctx, &deflt, &prov))
        goto done;
    st.key = lu_load_key(st.libctx, argv[2]);
    ca = lu_load_cert(argv[3]);
    st.ca_key = ca != NULL ? X509_get0_pubkey(ca) : NULL;
    if (prov == NULL || deflt == NULL || st.key == NULL || st.ca_key == NULL
        || !load_kind(&st.kinds[0], argv[7], NULL)) {
        fprintf(stderr, "cannot set up the provider, key or certificates\n");
        goto done;
    }
    for (i = 8; i < argc; i++) {
        char *colon = strrchr(argv[i], ':');

        if (colon == NULL) {
            fprintf(stderr, "%s: expected BAD_CERT:REASON\n", argv[i]);
            goto done;
        }
        *colon = '\0';
        if (!load_kind(&st.kinds[++st.n_bad], argv[i], colon + 1)) {
            fprintf(stderr, "cannot load %s\n", argv[i]);
            goto done;
        }
    }
    st.sha_hex = calloc(st.total, sizeof(*st.sha_hex));
    st.outcome = calloc(st.total, 1);
    if (st.sha_hex == NULL || st.outcome == NULL)
        goto done;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (i = 0; i < st.threads; i++) {
        workers[i] = (WORKER){&st, i, 0};
        if (pthread_create(&tid[i], NULL, worker_main, &workers[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            st.threads = i;
            break;
        }
    }
    for (i = 0; i < st.threads; i++) {
        pthread_join(tid[i], NULL);
        wrong += workers[i].wrong;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    secs = (double)(t1.tv_sec - t0.tv_sec)
           + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    for (size_t j = 0; j < st.total; j++) {
        n_signed += st.outcome[j] == 1;
        n_refused += st.outcome[j] == 2;
    }
    printf("%zu signing calls by %d threads on one key in %.2f s (%.0f/s): "
           "%zu signed and verified, %zu refused with the expected reason, "
           "%zu wrong\n",
           st.total, st.threads, secs, (double)st.total / secs, n_signed,
           n_refused, wrong);
    ok = check_audit(&st, argv[4], &n_lines) && wrong == 0
         && n_signed + n_refused == st.total;
done:
    if (!ok)
        ERR_print_errors_fp(stderr);
    for (i = 0; i < MAX_KINDS; i++)
        OPENSSL_free(st.kinds[i].der);
    free(st.sha_hex);
    free(st.outcome);
    X509_free(ca);
    EVP_PKEY_free(st.key);
    OSSL_PROVIDER_unload(prov);
    OSSL_PROVIDER_unload(deflt);
    OSSL_LIB_CTX_free(st.libctx);
    return ok ? 0 : 1;
}
