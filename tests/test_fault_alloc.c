/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Allocation failure at every allocation site of policy loading, issuer
 * loading and judging (issue 6, fault injection).
 *
 * libcrypto's allocator is replaced (CRYPTO_set_mem_functions, before the
 * first allocation) by one that counts calls and live blocks and can fail
 * the Nth call. For each loader a successful run is counted first; then
 * for N = 1 .. that count the Nth allocation fails. Every such run must
 * either fail with an error text, or (when the failure landed in a cache
 * libcrypto can do without) return an object that behaves exactly like
 * the reference one: never a half-loaded policy. No run may leak a block
 * (live blocks before == after) and none may crash. tests/fault-alloc.sh
 * runs this program under valgrind as well.
 *
 * sp_judge must not allocate at all; with an allocator that fails every
 * call its verdicts must be the same as with a working one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "testutil.h"

#ifndef SP_SRCDIR
#define SP_SRCDIR "."
#endif

/* The allocator's state. The test is single-threaded. */
static struct {
    unsigned long calls;   /* malloc and realloc calls so far */
    unsigned long fail_at; /* fail this call number (0: none) */
    int fail_all;          /* fail every call */
    unsigned long failed;  /* calls failed on purpose */
    long live;             /* blocks allocated and not yet freed */
    int track;             /* record where each block was allocated */
} fa;

/* Blocks allocated while tracking, to name the site of a leak. */
#define FA_TRACK_MAX 8192
typedef struct fa_block_st {
    void *p;
    const char *file;
    int line;
} FA_BLOCK;
static FA_BLOCK tracked[FA_TRACK_MAX];
static size_t n_tracked;

static char tmpdir[256];
static char ca_path[512];
static char ca_der_path[512];

/* TBSCertificates the reference policy and a policy loaded under faults
 * must judge alike: a compliant one, one with a forbidden EKU, one with
 * a bad keyUsage, one that is not DER at all. */
#define FA_N_INPUTS 4
static uint8_t *inputs[FA_N_INPUTS];
static size_t input_lens[FA_N_INPUTS];

/* ------------------------------------------------------------------ */
/* The allocator                                                       */

static int fa_should_fail(void)
{
    fa.calls++;
    if (fa.fail_all || fa.calls == fa.fail_at) {
        fa.failed++;
        return 1;
    }
    return 0;
}

static void fa_track(void *old, void *p, const char *file, int line)
{
    if (!fa.track)
        return;
    for (size_t i = 0; old != NULL && i < n_tracked; i++)
        if (tracked[i].p == old)
            tracked[i].p = NULL;
    if (p != NULL && n_tracked < FA_TRACK_MAX)
        tracked[n_tracked++] = (FA_BLOCK){p, file, line};
}

/* Each block carries a header saying whether it counts as live. Blocks
 * of libcrypto's error queue (crypto/err/) do not: the thread's queue
 * keeps up to ERR_NUM_ERRORS data buffers for reuse until the thread
 * ends, which is not a leak of the code under test (valgrind checks the
 * whole process at exit in tests/fault-alloc.sh). */
#define FA_HEADER 16

static int fa_counted(const char *file)
{
    return file == NULL || strstr(file, "crypto/err/") == NULL;
}

static void *fa_malloc(size_t n, const char *file, int line)
{
    unsigned char *h;

    if (fa_should_fail() || n > SIZE_MAX - FA_HEADER)
        return NULL;
    h = malloc(n + FA_HEADER);
    if (h == NULL)
        return NULL;
    h[0] = (unsigned char)fa_counted(file);
    fa.live += h[0];
    fa_track(NULL, h + FA_HEADER, file, line);
    return h + FA_HEADER;
}

static void *fa_realloc(void *p, size_t n, const char *file, int line)
{
    unsigned char *h;

    if (p == NULL)
        return fa_malloc(n, file, line);
    if (fa_should_fail() || n > SIZE_MAX - FA_HEADER)
        return NULL;
    h = realloc((unsigned char *)p - FA_HEADER, n + FA_HEADER);
    if (h == NULL)
        return NULL;
    fa_track(p, h + FA_HEADER, file, line);
    return h + FA_HEADER;
}

static void fa_free(void *p, const char *file, int line)
{
    unsigned char *h;

    if (p == NULL)
        return;
    h = (unsigned char *)p - FA_HEADER;
    fa.live -= h[0];
    fa_track(p, NULL, file, line);
    free(h);
}

/* ------------------------------------------------------------------ */
/* What is loaded                                                      */

typedef void *(*fa_load_fn)(const char *path, char *err, size_t errlen);
typedef void (*fa_free_fn)(void *obj);
/* 1 when `obj` (loaded under a fault) is the same as `ref`. */
typedef int (*fa_same_fn)(const void *obj, const void *ref);

static void *load_policy(const char *path, char *err, size_t errlen)
{
    return sp_policy_load(path, err, errlen);
}

static void free_policy(void *obj)
{
    sp_policy_free(obj);
}

static void *load_issuer(const char *path, char *err, size_t errlen)
{
    return sp_issuer_load_file(path, err, errlen);
}

static void free_issuer(void *obj)
{
    sp_issuer_free(obj);
}

static int same_der(SP_DER a, SP_DER b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0);
}

static int same_issuer(const void *obj, const void *ref)
{
    const SP_ISSUER *a = obj, *b = ref;

    return same_der(sp_issuer_subject(a), sp_issuer_subject(b))
           && same_der(sp_issuer_spki(a), sp_issuer_spki(b))
           && same_der(sp_issuer_ski(a), sp_issuer_ski(b))
           && sp_issuer_is_root(a) == sp_issuer_is_root(b)
           && sp_issuer_may_issue_smime(a) == sp_issuer_may_issue_smime(b);
}

/* Judge `der` with `pol` as issued now, with the policy's own issuer. */
static sp_decision judge(const SP_POLICY *pol, size_t i, SP_VERDICT *v)
{
    SP_JUDGE_OPTS opts;

    memset(&opts, 0, sizeof(opts));
    opts.at = TU_NOT_BEFORE + 86400;
    opts.issuer = sp_policy_issuer(pol, 0);
    opts.require_issuer = 1;
    return sp_judge(pol, inputs[i], input_lens[i], &opts, v);
}

static int same_verdict(const SP_VERDICT *a, const SP_VERDICT *b)
{
    if (a->decision != b->decision || a->n_errors != b->n_errors
        || a->findings.n != b->findings.n || a->mode != b->mode
        || (a->profile == NULL) != (b->profile == NULL)
        || (a->profile != NULL && strcmp(a->profile, b->profile) != 0))
        return 0;
    for (size_t i = 0; i < a->findings.n && i < SP_MAX_FINDINGS; i++)
        if (a->findings.f[i].rule != b->findings.f[i].rule
            || a->findings.f[i].severity != b->findings.f[i].severity
            || (a->findings.f[i].waived_by == NULL)
                   != (b->findings.f[i].waived_by == NULL))
            return 0;
    return 1;
}

static SP_VERDICT verdict_a, verdict_b;

static int same_policy(const void *obj, const void *ref)
{
    const SP_POLICY *a = obj, *b = ref;

    if (memcmp(sp_policy_sha256(a), sp_policy_sha256(b), 32) != 0
        || sp_policy_issuer_count(a) != sp_policy_issuer_count(b)
        || !same_issuer(sp_policy_issuer(a, 0), sp_policy_issuer(b, 0)))
        return 0;
    for (size_t i = 0; i < FA_N_INPUTS; i++) {
        judge(a, i, &verdict_a);
        judge(b, i, &verdict_b);
        if (!same_verdict(&verdict_a, &verdict_b))
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* The sweep                                                           */

/* Run the load with allocation `n` failing once more, recording where
 * every block comes from, and name the blocks still live. */
static void report_leak(fa_load_fn load, fa_free_fn release, const char *path,
                        unsigned long n)
{
    char err[SP_POLICY_ERR_MAX];
    void *obj;

    n_tracked = 0;
    fa.track = 1;
    fa.fail_at = fa.calls + n;
    obj = load(path, err, sizeof(err));
    fa.fail_at = 0;
    if (obj != NULL)
        release(obj);
    ERR_clear_error();
    fa.track = 0;
    for (size_t i = 0; i < n_tracked; i++)
        if (tracked[i].p != NULL)
            fprintf(stderr, "  still allocated: %s:%d\n", tracked[i].file,
                    tracked[i].line);
}

/* Load `path` once to count its allocations, then once per allocation
 * with that allocation failing. */
static void sweep(const char *what, const char *path, fa_load_fn load,
                  fa_free_fn release, fa_same_fn same)
{
    char err[SP_POLICY_ERR_MAX];
    void *ref, *obj;
    unsigned long c0, total, n, refused = 0, absorbed = 0, leaks = 0;
    unsigned long wrong = 0, silent = 0;
    long live0;

    /* The first load initialises what libcrypto keeps for the process
     * (error strings, the default provider, fetch caches). */
    ref = load(path, err, sizeof(err));
    if (ref == NULL)
        fprintf(stderr, "%s: %s\n", what, err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ref);
    obj = load(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
    release(obj);
    ERR_clear_error();

    live0 = fa.live;
    c0 = fa.calls;
    obj = load(path, err, sizeof(err));
    total = fa.calls - c0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(obj);
    CU_ASSERT_TRUE(same(obj, ref));
    release(obj);
    CU_ASSERT_EQUAL(fa.live, live0);
    CU_ASSERT_TRUE(total > 0);

    for (n = 1; n <= total; n++) {
        unsigned long failed0 = fa.failed;

        live0 = fa.live;
        err[0] = '\0';
        fa.fail_at = fa.calls + n;
        obj = load(path, err, sizeof(err));
        fa.fail_at = 0;
        if (obj == NULL) {
            refused++;
            if (err[0] == '\0') {
                silent++;
                fprintf(stderr,
                        "%s: allocation %lu failed: NULL without "
                        "an error text\n",
                        what, n);
            }
        } else {
            absorbed++;
            if (!same(obj, ref)) {
                wrong++;
                fprintf(stderr,
                        "%s: allocation %lu failed: a loaded object "
                        "that differs from the reference\n",
                        what, n);
            }
            release(obj);
        }
        ERR_clear_error();
        if (fa.live != live0) {
            leaks++;
            fprintf(stderr,
                    "%s: allocation %lu failed: %ld block(s) leaked%s\n", what,
                    n, fa.live - live0,
                    fa.failed == failed0 ? " (fault not reached)" : "");
            report_leak(load, release, path, n);
        }
    }
    release(ref);
    ERR_clear_error();
    printf("%s: %lu allocations; failing each: %lu refused with an error, "
           "%lu absorbed (same result), %lu silent, %lu wrong, %lu leaking\n",
           what, total, refused, absorbed, silent, wrong, leaks);
    CU_ASSERT_EQUAL(silent, 0);
    CU_ASSERT_EQUAL(wrong, 0);
    CU_ASSERT_EQUAL(leaks, 0);
    CU_ASSERT_TRUE(refused > 0);
}

static const char *site_path(const char *name)
{
    static char path[600];

    snprintf(path, sizeof(path), "%s/site-%s", tmpdir, name);
    return path;
}

/* A site policy that includes a shipped one and names the test CA. */
static const char *site_policy(const char *name)
{
    const char *path = site_path(name);
    char text[1024];
    FILE *fp;

    snprintf(text, sizeof(text),
             ".include %s/conf/%s\n[smimepolicy]\nissuers = %s\n", SP_SRCDIR,
             name, ca_path);
    fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    fputs(text, fp);
    CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
    return path;
}

static void test_policy_smime_br(void)
{
    sweep("sp_policy_load(conf/smime-br.cnf)", site_policy("smime-br.cnf"),
          load_policy, free_policy, same_policy);
}

static void test_policy_mailbox_only(void)
{
    sweep("sp_policy_load(conf/example-mailbox-only.cnf)",
          site_policy("example-mailbox-only.cnf"), load_policy, free_policy,
          same_policy);
}

static void test_policy_report_mode(void)
{
    sweep("sp_policy_load(conf/example-report-mode.cnf)",
          site_policy("example-report-mode.cnf"), load_policy, free_policy,
          same_policy);
}

static void test_issuer_pem(void)
{
    sweep("sp_issuer_load_file(PEM)", ca_path, load_issuer, free_issuer,
          same_issuer);
}

static void test_issuer_der(void)
{
    sweep("sp_issuer_load_file(DER)", ca_der_path, load_issuer, free_issuer,
          same_issuer);
}

/* ------------------------------------------------------------------ */
/* Judging                                                             */

static void test_judge_allocates_nothing(void)
{
    char err[SP_POLICY_ERR_MAX];
    SP_POLICY *pol =
        sp_policy_load(site_policy("smime-br.cnf"), err, sizeof(err));
    unsigned long c0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    for (size_t i = 0; i < FA_N_INPUTS; i++) {
        c0 = fa.calls;
        judge(pol, i, &verdict_a);
        CU_ASSERT_EQUAL(fa.calls - c0, 0);
        if (fa.calls != c0)
            fprintf(stderr, "sp_judge made %lu allocations on input %zu\n",
                    fa.calls - c0, i);
    }
    /* With every allocation failing, the same verdicts. */
    for (size_t i = 0; i < FA_N_INPUTS; i++) {
        judge(pol, i, &verdict_a);
        fa.fail_all = 1;
        judge(pol, i, &verdict_b);
        fa.fail_all = 0;
        CU_ASSERT_TRUE(same_verdict(&verdict_a, &verdict_b));
    }
    /* The inputs cover both answers. */
    judge(pol, 0, &verdict_a);
    CU_ASSERT_EQUAL(verdict_a.decision, SP_DECIDE_ACCEPT);
    if (verdict_a.decision != SP_DECIDE_ACCEPT)
        tu_dump(&verdict_a, 1);
    for (size_t i = 1; i < FA_N_INPUTS; i++) {
        judge(pol, i, &verdict_a);
        CU_ASSERT_EQUAL(verdict_a.decision, SP_DECIDE_REFUSE);
    }
    printf("sp_judge: 0 allocations over %d inputs; same verdicts with "
           "every allocation failing\n",
           FA_N_INPUTS);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */

static int write_ca(const char *path, X509 *cert, int pem)
{
    FILE *fp = fopen(path, "wb");
    int ok =
        fp != NULL && (pem ? PEM_write_X509(fp, cert) : i2d_X509_fp(fp, cert));

    if (fp != NULL && fclose(fp) != 0)
        ok = 0;
    return ok;
}

static void make_inputs(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert;
    size_t i = 0;

    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    inputs[i] = tu_cert_tbs(cert, ca, NULL, &input_lens[i]);
    i++;
    X509_free(cert);
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    tu_cert_set_ext(cert, "extendedKeyUsage", "emailProtection,serverAuth");
    inputs[i] = tu_cert_tbs(cert, ca, NULL, &input_lens[i]);
    i++;
    X509_free(cert);
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    tu_cert_set_ext(cert, "keyUsage", "critical,digitalSignature,keyCertSign");
    inputs[i] = tu_cert_tbs(cert, ca, NULL, &input_lens[i]);
    i++;
    X509_free(cert);
    inputs[i] = tu_hex("30 80 02 01 01 00 00", &input_lens[i]);
}

int main(void)
{
    static const TU_TEST tests[] = {
        {"sp_judge allocates nothing", test_judge_allocates_nothing},
        {"sp_issuer_load_file PEM", test_issuer_pem},
        {"sp_issuer_load_file DER", test_issuer_der},
        {"sp_policy_load conf/smime-br.cnf", test_policy_smime_br},
        {"sp_policy_load conf/example-mailbox-only.cnf",
         test_policy_mailbox_only},
        {"sp_policy_load conf/example-report-mode.cnf",
         test_policy_report_mode},
        {NULL, NULL},
    };
    const char *base = getenv("TMPDIR");
    int rc;

    /* Before anything allocates through libcrypto. */
    if (!CRYPTO_set_mem_functions(fa_malloc, fa_realloc, fa_free)) {
        fprintf(stderr, "CRYPTO_set_mem_functions failed\n");
        return 1;
    }
    unsetenv("OPENSSL_CONF_INCLUDE");
    snprintf(tmpdir, sizeof(tmpdir), "%s/sp-fault-XXXXXX",
             base != NULL && *base != '\0' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", tmpdir);
    snprintf(ca_der_path, sizeof(ca_der_path), "%s/ca.der", tmpdir);

    tu_init();
    if (!write_ca(ca_path, tu_issuing_ca("p256")->cert, 1)
        || !write_ca(ca_der_path, tu_issuing_ca("rsa2048")->cert, 0)) {
        fprintf(stderr, "cannot write %s\n", ca_path);
        return 1;
    }
    make_inputs();
    tu_add_suite("allocation failure", tests);
    rc = tu_run();

    unlink(site_path("smime-br.cnf"));
    unlink(site_path("example-mailbox-only.cnf"));
    unlink(site_path("example-report-mode.cnf"));
    unlink(ca_path);
    unlink(ca_der_path);
    rmdir(tmpdir);
    for (size_t i = 0; i < FA_N_INPUTS; i++)
        OPENSSL_free(inputs[i]);
    return rc;
}
