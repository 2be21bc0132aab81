/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the policy file loader (policy/policy.c): the built-in default,
 * every key's effect, every error (each message must name the file, the
 * section, the key and the value), NCONF's .include and $var, and the
 * shipped example policies. Files are written under a mkdtemp directory
 * that is removed at the end.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "testutil.h"

#ifndef SP_SRCDIR
#define SP_SRCDIR "."
#endif

static char tmpdir[256];
static char policy_path[512];
static char ca_path[512];  /* P-256 issuing CA, PEM */
static char ca2_path[512]; /* RSA issuing CA, DER */
static char err[SP_POLICY_ERR_MAX];

#define HDR "[smimepolicy]\nprofiles = p\n[p]\n"
#define MAILBOX_STRICT HDR "type = mailbox\ngeneration = strict\n"
#define MAILBOX_MULTI HDR "type = mailbox\ngeneration = multipurpose\n"

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

/* Path of `name` inside the test directory (a rotating static buffer, so
 * a few may be alive at once). */
static const char *tmp_path(const char *name)
{
    static char bufs[4][512];
    static int next;
    char *buf = bufs[next++ % 4];

    snprintf(buf, sizeof(bufs[0]), "%s/%s", tmpdir, name);
    return buf;
}

static void write_bytes(const char *path, const void *data, size_t len)
{
    FILE *fp = fopen(path, "wb");

    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL_FATAL(fwrite(data, 1, len, fp), len);
    CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

/* Writes `text` as the policy file and loads it. */
static SP_POLICY *load_text(const char *text)
{
    write_text(policy_path, text);
    err[0] = '\0';
    return sp_policy_load(policy_path, err, sizeof(err));
}

/* Loading `text` must fail with a message that starts with the file name
 * and contains each of the NULL-terminated `parts`. */
static void expect_error_parts(int line, const char *text,
                               const char *const *parts)
{
    SP_POLICY *pol = load_text(text);
    size_t plen = strlen(policy_path);
    int ok = pol == NULL && strncmp(err, policy_path, plen) == 0
             && strncmp(err + plen, ": ", 2) == 0;

    for (size_t i = 0; ok && parts[i] != NULL; i++)
        ok = strstr(err, parts[i]) != NULL;
    if (!ok) {
        fprintf(stderr, "\nline %d: policy:\n%s\ngot %s: \"%s\"\nwanted:", line,
                text, pol == NULL ? "error" : "success", err);
        for (size_t i = 0; parts[i] != NULL; i++)
            fprintf(stderr, " \"%s\"", parts[i]);
        fprintf(stderr, "\n");
    }
    CU_ASSERT_TRUE(ok);
    sp_policy_free(pol);
}

#define EXPECT_ERROR(text, ...)                                                \
    do {                                                                       \
        static const char *const parts_[] = {__VA_ARGS__, NULL};               \
        expect_error_parts(__LINE__, (text), parts_);                          \
    } while (0)

static SP_POLICY *load_ok(int line, const char *text)
{
    SP_POLICY *pol = load_text(text);

    if (pol == NULL)
        fprintf(stderr, "\nline %d: unexpected error: %s\n", line, err);
    return pol;
}

#define LOAD_OK(pol, text)                                                     \
    do {                                                                       \
        (pol) = load_ok(__LINE__, (text));                                     \
        CU_ASSERT_PTR_NOT_NULL_FATAL(pol);                                     \
    } while (0)

static const SP_PROFILE *only_profile(const SP_POLICY *pol)
{
    CU_ASSERT_EQUAL_FATAL(pol->n_profiles, 1);
    return &pol->profiles[0];
}

static int oid_equals(const uint8_t *der, size_t len, const char *dotted)
{
    uint8_t buf[32];
    size_t n = sp_der_oid_from_text(dotted, buf, sizeof(buf));

    return n != 0 && n == len && memcmp(buf, der, n) == 0;
}

/* Runs before the tests, so it reports failure instead of asserting. */
static int write_ca(const char *path, X509 *cert, int pem)
{
    BIO *bio = BIO_new_file(path, "wb");
    int ok = bio != NULL
             && (pem ? PEM_write_bio_X509(bio, cert) : i2d_X509_bio(bio, cert));

    BIO_free(bio);
    if (!ok)
        fprintf(stderr, "cannot write %s\n", path);
    return ok;
}

/* The SBR profile defaults, checked field by field. */
static void assert_sbr_defaults(const SP_PROFILE *p, sp_mode mode)
{
    CU_ASSERT_EQUAL(p->mode, mode);
    CU_ASSERT_EQUAL(p->max_validity_days,
                    p->generation == SP_GEN_LEGACY ? 1185u : 825u);
    CU_ASSERT_EQUAL(p->n_email_domains, 0);
    CU_ASSERT_EQUAL(p->key_types, (unsigned)SP_KEY_ALL_SBR);
    CU_ASSERT_EQUAL(p->rsa_min_bits, 2048);
    CU_ASSERT_EQUAL(p->rsa_max_bits, 0);
    CU_ASSERT_EQUAL(p->n_extra_exts, 0);
    CU_ASSERT_EQUAL(p->n_allowed_ekus, 0);
    CU_ASSERT_EQUAL(p->eku_allowlist_set, 0);
    CU_ASSERT_EQUAL(p->min_serial_octets, 9);
    CU_ASSERT_EQUAL(p->warnings_are_errors, 0);
    CU_ASSERT_EQUAL(p->n_exceptions, 0);
}

static void assert_all_twelve(const SP_POLICY *pol, sp_mode mode)
{
    static const sp_type types[] = {SP_TYPE_MAILBOX, SP_TYPE_ORGANIZATION,
                                    SP_TYPE_SPONSORED, SP_TYPE_INDIVIDUAL};
    static const sp_generation gens[] = {SP_GEN_STRICT, SP_GEN_MULTIPURPOSE,
                                         SP_GEN_LEGACY};

    CU_ASSERT_EQUAL(pol->n_profiles, 12);
    for (size_t t = 0; t < 4; t++) {
        for (size_t g = 0; g < 3; g++) {
            const SP_PROFILE *p =
                sp_policy_find_profile(pol, types[t], gens[g]);

            CU_ASSERT_PTR_NOT_NULL_FATAL(p);
            CU_ASSERT_EQUAL(p->type, types[t]);
            CU_ASSERT_EQUAL(p->generation, gens[g]);
            assert_sbr_defaults(p, mode);
        }
    }
    CU_ASSERT_PTR_NULL(
        sp_policy_find_profile(pol, SP_TYPE_NONE, SP_GEN_STRICT));
    CU_ASSERT_PTR_NULL(
        sp_policy_find_profile(pol, SP_TYPE_MAILBOX, SP_GEN_NONE));
}

/* ------------------------------------------------------------------ */
/* The default policy                                                  */

static void test_default_policy(void)
{
    static const uint8_t zero[32];
    SP_POLICY *pol = sp_policy_new_default(err, sizeof(err));
    const SP_PROFILE *p;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    assert_all_twelve(pol, SP_MODE_ENFORCE);
    p = sp_policy_find_profile(pol, SP_TYPE_SPONSORED, SP_GEN_MULTIPURPOSE);
    CU_ASSERT_STRING_EQUAL(p->name, "sponsored_multipurpose");
    CU_ASSERT_PTR_NULL(sp_policy_path(pol));
    CU_ASSERT_EQUAL(memcmp(sp_policy_sha256(pol), zero, 32), 0);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 0);
    CU_ASSERT_PTR_NULL(sp_policy_issuer(pol, 0));
    CU_ASSERT_EQUAL(pol->crl_mode, SP_CRL_ALLOW);
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 10 * 86400);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 0);
    sp_policy_free(pol);
    sp_policy_free(NULL);
}

static void test_sbr_max_validity(void)
{
    CU_ASSERT_EQUAL(sp_sbr_max_validity_days(SP_GEN_STRICT), 825);
    CU_ASSERT_EQUAL(sp_sbr_max_validity_days(SP_GEN_MULTIPURPOSE), 825);
    CU_ASSERT_EQUAL(sp_sbr_max_validity_days(SP_GEN_LEGACY), 1185);
    CU_ASSERT_EQUAL(sp_sbr_max_validity_days(SP_GEN_NONE), 0);
}

/* ------------------------------------------------------------------ */
/* The main section                                                    */

static void test_minimal_file_is_sbr(void)
{
    static const char text[] = "# only the main section\n[smimepolicy]\n";
    uint8_t want[32];
    SP_POLICY *pol;

    LOAD_OK(pol, text);
    assert_all_twelve(pol, SP_MODE_ENFORCE);
    CU_ASSERT_STRING_EQUAL(sp_policy_path(pol), policy_path);
    CU_ASSERT_TRUE(
        EVP_Digest(text, strlen(text), want, NULL, EVP_sha256(), NULL));
    CU_ASSERT_EQUAL(memcmp(sp_policy_sha256(pol), want, 32), 0);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 0);
    CU_ASSERT_EQUAL(pol->crl_mode, SP_CRL_ALLOW);
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 10 * 86400);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 0);
    sp_policy_free(pol);

    /* One byte more (a comment) is another policy file: another hash. */
    LOAD_OK(pol, "# only the main section\n[smimepolicy]\n#\n");
    CU_ASSERT_NOT_EQUAL(memcmp(sp_policy_sha256(pol), want, 32), 0);
    sp_policy_free(pol);
}

static void test_main_keys(void)
{
    SP_POLICY *pol;

    LOAD_OK(pol, "[smimepolicy]\nmode = report\ncrl = refuse\n"
                 "crl_max_next_update = 7d\nocsp = allow\n");
    assert_all_twelve(pol, SP_MODE_REPORT);
    CU_ASSERT_EQUAL(pol->crl_mode, SP_CRL_REFUSE);
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 7 * 86400);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 1);
    sp_policy_free(pol);

    LOAD_OK(pol, "[smimepolicy]\nmode = enforce\ncrl = allow\n"
                 "crl_max_next_update = 36h\nocsp = refuse\n");
    assert_all_twelve(pol, SP_MODE_ENFORCE);
    CU_ASSERT_EQUAL(pol->crl_mode, SP_CRL_ALLOW);
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 36 * 3600);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 0);
    sp_policy_free(pol);

    LOAD_OK(pol, "[smimepolicy]\ncrl_max_next_update = 90m\n");
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 90 * 60);
    sp_policy_free(pol);
    LOAD_OK(pol, "[smimepolicy]\ncrl_max_next_update = 864000s\n");
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 864000);
    sp_policy_free(pol);
}

static void test_main_mode_is_profile_default(void)
{
    SP_POLICY *pol;

    /* The main mode applies to profiles that do not set their own. */
    LOAD_OK(pol, "[smimepolicy]\nmode = report\nprofiles = a, b\n"
                 "[a]\ntype = mailbox\ngeneration = strict\n"
                 "[b]\ntype = individual\ngeneration = strict\n"
                 "mode = enforce\n");
    CU_ASSERT_EQUAL(pol->profiles[0].mode, SP_MODE_REPORT);
    CU_ASSERT_EQUAL(pol->profiles[1].mode, SP_MODE_ENFORCE);
    sp_policy_free(pol);
}

static void test_profiles_list(void)
{
    SP_POLICY *pol;

    /* Commas and/or whitespace separate list items. */
    LOAD_OK(pol, "[smimepolicy]\nprofiles = mb_s,  org_m ,ind_l\tspo_s\n"
                 "[mb_s]\ntype = mailbox\ngeneration = strict\n"
                 "[org_m]\ntype = organization\ngeneration = multipurpose\n"
                 "[ind_l]\ntype = individual\ngeneration = legacy\n"
                 "[spo_s]\ntype = sponsored\ngeneration = strict\n"
                 "[unused]\nanything = goes\n");
    CU_ASSERT_EQUAL_FATAL(pol->n_profiles, 4);
    CU_ASSERT_STRING_EQUAL(pol->profiles[0].name, "mb_s");
    CU_ASSERT_STRING_EQUAL(pol->profiles[3].name, "spo_s");
    CU_ASSERT_PTR_EQUAL(
        sp_policy_find_profile(pol, SP_TYPE_ORGANIZATION, SP_GEN_MULTIPURPOSE),
        &pol->profiles[1]);
    CU_ASSERT_PTR_EQUAL(
        sp_policy_find_profile(pol, SP_TYPE_INDIVIDUAL, SP_GEN_LEGACY),
        &pol->profiles[2]);
    CU_ASSERT_EQUAL(pol->profiles[2].max_validity_days, 1185);
    /* Not listed: not allowed. */
    CU_ASSERT_PTR_NULL(
        sp_policy_find_profile(pol, SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE));
    CU_ASSERT_PTR_NULL(
        sp_policy_find_profile(pol, SP_TYPE_ORGANIZATION, SP_GEN_STRICT));
    for (size_t i = 0; i < pol->n_profiles; i++)
        assert_sbr_defaults(&pol->profiles[i], SP_MODE_ENFORCE);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* Issuers                                                             */

static void test_issuers(void)
{
    char text[1024];
    const SP_ISSUER *a, *b;
    SP_DER spki_a, spki_b;
    SP_POLICY *pol;
    char cwd[512];

    /* Relative to the policy file's directory, whatever the cwd is. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
    CU_ASSERT_EQUAL_FATAL(chdir("/"), 0);
    snprintf(text, sizeof(text), "[smimepolicy]\nissuers = ca.pem, %s\n",
             ca2_path);
    pol = load_ok(__LINE__, text);
    CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);

    CU_ASSERT_EQUAL_FATAL(sp_policy_issuer_count(pol), 2);
    a = sp_policy_issuer(pol, 0);
    b = sp_policy_issuer(pol, 1);
    CU_ASSERT_PTR_NOT_NULL_FATAL(a);
    CU_ASSERT_PTR_NOT_NULL_FATAL(b);
    CU_ASSERT_PTR_NULL(sp_policy_issuer(pol, 2));
    CU_ASSERT_STRING_EQUAL(sp_issuer_path(a), ca_path);
    CU_ASSERT_STRING_EQUAL(sp_issuer_path(b), ca2_path);
    spki_a = sp_issuer_spki(a);
    spki_b = sp_issuer_spki(b);
    CU_ASSERT_PTR_EQUAL(sp_policy_issuer_by_spki(pol, spki_a.data, spki_a.len),
                        a);
    CU_ASSERT_PTR_EQUAL(sp_policy_issuer_by_spki(pol, spki_b.data, spki_b.len),
                        b);
    /* A prefix of a key is not that key. */
    CU_ASSERT_PTR_NULL(
        sp_policy_issuer_by_spki(pol, spki_a.data, spki_a.len - 1));
    CU_ASSERT_PTR_NULL(sp_policy_issuer_by_spki(pol, NULL, 0));
    sp_policy_free(pol);
}

static void test_add_issuer(void)
{
    SP_POLICY *pol = sp_policy_new_default(err, sizeof(err));
    SP_ISSUER *issuer = sp_issuer_load_file(ca_path, err, sizeof(err));
    SP_DER spki;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_PTR_NOT_NULL_FATAL(issuer);
    spki = sp_issuer_spki(issuer);
    CU_ASSERT_PTR_NULL(sp_policy_issuer_by_spki(pol, spki.data, spki.len));
    CU_ASSERT_EQUAL(sp_policy_add_issuer(pol, issuer), 1);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 1);
    CU_ASSERT_PTR_EQUAL(sp_policy_issuer(pol, 0), issuer);
    CU_ASSERT_PTR_EQUAL(sp_policy_issuer_by_spki(pol, spki.data, spki.len),
                        issuer);
    /* No policy: refused, and the issuer is not leaked (valgrind). */
    CU_ASSERT_EQUAL(sp_policy_add_issuer(
                        NULL, sp_issuer_load_file(ca_path, err, sizeof(err))),
                    0);
    CU_ASSERT_EQUAL(sp_policy_add_issuer(pol, NULL), 0);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 1);
    sp_policy_free(pol);
}

static void test_issuer_errors(void)
{
    write_text(tmp_path("garbage.pem"), "this is not a certificate\n");
    EXPECT_ERROR("[smimepolicy]\nissuers = missing.pem\n",
                 "[smimepolicy] issuers = \"missing.pem\": ");
    EXPECT_ERROR("[smimepolicy]\nissuers = ca.pem garbage.pem\n",
                 "[smimepolicy] issuers = \"garbage.pem\": ");
    /* A directory is no certificate either. */
    EXPECT_ERROR("[smimepolicy]\nissuers = incdir\n",
                 "[smimepolicy] issuers = \"incdir\": ");
    EXPECT_ERROR("[smimepolicy]\nissuers = ,\n",
                 "[smimepolicy] issuers = \",\": empty list");
}

/* ------------------------------------------------------------------ */
/* Profile keys                                                        */

static void test_profile_type_generation_mode(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(pol, HDR "type = organization\ngeneration = legacy\n"
                     "mode = report\n");
    p = only_profile(pol);
    CU_ASSERT_STRING_EQUAL(p->name, "p");
    CU_ASSERT_EQUAL(p->type, SP_TYPE_ORGANIZATION);
    CU_ASSERT_EQUAL(p->generation, SP_GEN_LEGACY);
    CU_ASSERT_EQUAL(p->mode, SP_MODE_REPORT);
    CU_ASSERT_EQUAL(p->max_validity_days, 1185);
    sp_policy_free(pol);

    LOAD_OK(pol, HDR "type = sponsored\ngeneration = multipurpose\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->type, SP_TYPE_SPONSORED);
    CU_ASSERT_EQUAL(p->generation, SP_GEN_MULTIPURPOSE);
    assert_sbr_defaults(p, SP_MODE_ENFORCE);
    sp_policy_free(pol);
}

static void test_profile_max_validity(void)
{
    SP_POLICY *pol;

    LOAD_OK(pol, MAILBOX_STRICT "max_validity = 398\n");
    CU_ASSERT_EQUAL(only_profile(pol)->max_validity_days, 398);
    sp_policy_free(pol);
    LOAD_OK(pol, MAILBOX_STRICT "max_validity = 825\n");
    CU_ASSERT_EQUAL(only_profile(pol)->max_validity_days, 825);
    sp_policy_free(pol);
    LOAD_OK(pol, HDR "type = mailbox\ngeneration = legacy\n"
                     "max_validity = 1185\n");
    CU_ASSERT_EQUAL(only_profile(pol)->max_validity_days, 1185);
    sp_policy_free(pol);
    LOAD_OK(pol, MAILBOX_STRICT "max_validity = 1\n");
    CU_ASSERT_EQUAL(only_profile(pol)->max_validity_days, 1);
    sp_policy_free(pol);
}

static void test_profile_email_domains(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(
        pol, MAILBOX_STRICT
        "email_domains = Example.COM, .mail.example.org xn--bcher-kva.de\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL_FATAL(p->n_email_domains, 3);
    /* Lowercased so rules compare without case folding. */
    CU_ASSERT_STRING_EQUAL(p->email_domains[0], "example.com");
    CU_ASSERT_STRING_EQUAL(p->email_domains[1], ".mail.example.org");
    CU_ASSERT_STRING_EQUAL(p->email_domains[2], "xn--bcher-kva.de");
    sp_policy_free(pol);
}

static void test_profile_key_types(void)
{
    SP_POLICY *pol;

    LOAD_OK(pol, MAILBOX_STRICT "key_types = rsa, p256\n");
    CU_ASSERT_EQUAL(only_profile(pol)->key_types, SP_KEY_RSA | SP_KEY_P256);
    sp_policy_free(pol);

    /* Spellings with dashes and capitals, and group names. */
    LOAD_OK(pol, MAILBOX_STRICT "key_types = P-384 ML-DSA-65, ed448\n");
    CU_ASSERT_EQUAL(only_profile(pol)->key_types,
                    SP_KEY_P384 | SP_KEY_MLDSA65 | SP_KEY_ED448);
    sp_policy_free(pol);
    LOAD_OK(pol, MAILBOX_STRICT "key_types = ecdsa eddsa\n");
    CU_ASSERT_EQUAL(only_profile(pol)->key_types,
                    SP_KEY_P256 | SP_KEY_P384 | SP_KEY_P521 | SP_KEY_ED25519
                        | SP_KEY_ED448);
    sp_policy_free(pol);
    LOAD_OK(pol, MAILBOX_STRICT "key_types = mldsa, mlkem\n");
    CU_ASSERT_EQUAL(only_profile(pol)->key_types,
                    SP_KEY_MLDSA44 | SP_KEY_MLDSA65 | SP_KEY_MLDSA87
                        | SP_KEY_MLKEM512 | SP_KEY_MLKEM768 | SP_KEY_MLKEM1024);
    sp_policy_free(pol);
    LOAD_OK(pol, MAILBOX_STRICT
            "key_types = rsa p256 p384 p521 ed25519 ed448 mldsa44 mldsa65 "
            "mldsa87 mlkem512 mlkem768 mlkem1024\n");
    CU_ASSERT_EQUAL(only_profile(pol)->key_types, (unsigned)SP_KEY_ALL_SBR);
    sp_policy_free(pol);
}

static void test_profile_rsa_bits(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(pol, MAILBOX_STRICT "rsa_min_bits = 3072\nrsa_max_bits = 4096\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->rsa_min_bits, 3072);
    CU_ASSERT_EQUAL(p->rsa_max_bits, 4096);
    sp_policy_free(pol);

    LOAD_OK(pol, MAILBOX_STRICT "rsa_max_bits = 2048\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->rsa_min_bits, 2048);
    CU_ASSERT_EQUAL(p->rsa_max_bits, 2048);
    sp_policy_free(pol);
}

static void test_profile_extra_extensions(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(pol, MAILBOX_STRICT "extra_extensions = 1.3.6.1.4.1.99999.1, "
                                "1.3.6.1.4.1.311.21.7:critical\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL_FATAL(p->n_extra_exts, 2);
    CU_ASSERT_TRUE(oid_equals(p->extra_exts[0].oid, p->extra_exts[0].oid_len,
                              "1.3.6.1.4.1.99999.1"));
    CU_ASSERT_EQUAL(p->extra_exts[0].critical_allowed, 0);
    CU_ASSERT_TRUE(oid_equals(p->extra_exts[1].oid, p->extra_exts[1].oid_len,
                              "1.3.6.1.4.1.311.21.7"));
    CU_ASSERT_EQUAL(p->extra_exts[1].critical_allowed, 1);
    sp_policy_free(pol);

    LOAD_OK(pol, MAILBOX_STRICT "extra_extensions =\n");
    CU_ASSERT_EQUAL(only_profile(pol)->n_extra_exts, 0);
    sp_policy_free(pol);
}

static void test_profile_allowed_ekus(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(pol, MAILBOX_MULTI "allowed_ekus = clientAuth, "
                               "1.3.6.1.5.5.7.3.36 emailProtection\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->eku_allowlist_set, 1);
    /* emailProtection is always required, so it is not stored. */
    CU_ASSERT_EQUAL_FATAL(p->n_allowed_ekus, 2);
    CU_ASSERT_TRUE(oid_equals(p->allowed_ekus[0].der, p->allowed_ekus[0].len,
                              "1.3.6.1.5.5.7.3.2"));
    CU_ASSERT_TRUE(oid_equals(p->allowed_ekus[1].der, p->allowed_ekus[1].len,
                              "1.3.6.1.5.5.7.3.36"));
    sp_policy_free(pol);

    /* Empty: the list is set, and holds nothing but emailProtection. */
    LOAD_OK(pol, HDR "type = individual\ngeneration = legacy\n"
                     "allowed_ekus =\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->eku_allowlist_set, 1);
    CU_ASSERT_EQUAL(p->n_allowed_ekus, 0);
    sp_policy_free(pol);
}

static void test_profile_serial_and_warnings(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(pol, MAILBOX_STRICT "min_serial_octets = 16\n"
                                "warnings_are_errors = yes\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->min_serial_octets, 16);
    CU_ASSERT_EQUAL(p->warnings_are_errors, 1);
    sp_policy_free(pol);

    LOAD_OK(pol, MAILBOX_STRICT "min_serial_octets = 20\n"
                                "warnings_are_errors = off\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->min_serial_octets, 20);
    CU_ASSERT_EQUAL(p->warnings_are_errors, 0);
    sp_policy_free(pol);

    LOAD_OK(pol, MAILBOX_STRICT "warnings_are_errors = true\n");
    CU_ASSERT_EQUAL(only_profile(pol)->warnings_are_errors, 1);
    sp_policy_free(pol);
}

static void test_profile_exceptions(void)
{
    SP_POLICY *pol;
    const SP_PROFILE *p;

    LOAD_OK(pol, MAILBOX_STRICT
            "exceptions = waive_der\n"
            "[waive_der]\ncode = der.malformed\nowner = PKI team\n"
            "reason = ticket 1234: legacy client during migration\n"
            "expires = 2027-03-01\n");
    p = only_profile(pol);
    CU_ASSERT_EQUAL_FATAL(p->n_exceptions, 1);
    CU_ASSERT_STRING_EQUAL(p->exceptions[0].name, "waive_der");
    CU_ASSERT_EQUAL(p->exceptions[0].rule, sp_rule_by_code("der.malformed"));
    CU_ASSERT_STRING_EQUAL(p->exceptions[0].owner, "PKI team");
    CU_ASSERT_STRING_EQUAL(p->exceptions[0].reason,
                           "ticket 1234: legacy client during migration");
    /* 2027-03-01T00:00:00Z */
    CU_ASSERT_EQUAL(p->exceptions[0].expires, INT64_C(1803859200));
    sp_policy_free(pol);

    /* One exception section can serve two profiles; a leap day is a
     * date. */
    LOAD_OK(pol, "[smimepolicy]\nprofiles = a b\n"
                 "[a]\ntype = mailbox\ngeneration = strict\nexceptions = x\n"
                 "[b]\ntype = mailbox\ngeneration = multipurpose\n"
                 "exceptions = x\n"
                 "[x]\ncode = der.malformed\nowner = o\nreason = r\n"
                 "expires = 2028-02-29\n");
    CU_ASSERT_EQUAL_FATAL(pol->profiles[0].n_exceptions, 1);
    CU_ASSERT_EQUAL_FATAL(pol->profiles[1].n_exceptions, 1);
    CU_ASSERT_EQUAL(pol->profiles[1].exceptions[0].expires,
                    INT64_C(1835395200));
    CU_ASSERT_PTR_NOT_EQUAL(pol->profiles[0].exceptions[0].owner,
                            pol->profiles[1].exceptions[0].owner);
    sp_policy_free(pol);
}

/* A key in the default section (a variable) is not a profile setting. */
static void test_default_section_does_not_leak(void)
{
    SP_POLICY *pol;

    LOAD_OK(pol, "max_validity = 10\nmode = report\n" MAILBOX_STRICT);
    CU_ASSERT_EQUAL(only_profile(pol)->max_validity_days, 825);
    CU_ASSERT_EQUAL(only_profile(pol)->mode, SP_MODE_ENFORCE);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* NCONF features                                                      */

static void test_include_and_variables(void)
{
    char cwd[512];
    SP_POLICY *pol;
    const SP_PROFILE *p;

    write_text(tmp_path("incdir/mailbox.cnf"),
               "[mb]\ntype = mailbox\ngeneration = strict\n"
               "email_domains = $dom, .$vars::sub\n"
               "max_validity = ${vars::days}\n"
               "key_types = $ENV::SP_TEST_KEY_TYPE\n");
    CU_ASSERT_EQUAL_FATAL(setenv("SP_TEST_KEY_TYPE", "p384", 1), 0);
    /* A relative .include is relative to the policy file, not the cwd. */
    CU_ASSERT_PTR_NOT_NULL_FATAL(getcwd(cwd, sizeof(cwd)));
    CU_ASSERT_EQUAL_FATAL(chdir("/"), 0);
    pol = load_ok(__LINE__, "dom = example.net\n"
                            "[vars]\nsub = example.org\ndays = 200\n"
                            ".include incdir/mailbox.cnf\n"
                            "[smimepolicy]\nprofiles = mb\n");
    CU_ASSERT_EQUAL_FATAL(chdir(cwd), 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    p = only_profile(pol);
    CU_ASSERT_EQUAL_FATAL(p->n_email_domains, 2);
    CU_ASSERT_STRING_EQUAL(p->email_domains[0], "example.net");
    CU_ASSERT_STRING_EQUAL(p->email_domains[1], ".example.org");
    CU_ASSERT_EQUAL(p->max_validity_days, 200);
    CU_ASSERT_EQUAL(p->key_types, SP_KEY_P384);
    sp_policy_free(pol);

    /* A later value overrides an included one (how a site fills in the
     * shipped files' issuers). */
    write_text(tmp_path("incdir/base.cnf"),
               "[smimepolicy]\nmode = report\nocsp = allow\n");
    LOAD_OK(pol, ".include incdir/base.cnf\n[smimepolicy]\nmode = enforce\n");
    CU_ASSERT_EQUAL(pol->profiles[0].mode, SP_MODE_ENFORCE);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 1);
    sp_policy_free(pol);
    unsetenv("SP_TEST_KEY_TYPE");
}

/* A directory name the includedir pragma cannot carry: files without
 * .include load, files with one are refused rather than resolved against
 * the current directory. */
static void test_include_from_odd_directory(void)
{
    char dir[512], path[600];
    SP_POLICY *pol;

    snprintf(dir, sizeof(dir), "%s", tmp_path("odd#dir"));
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/policy.cnf", dir);

    write_text(path, "[smimepolicy]\nmode = report\n");
    pol = sp_policy_load(path, err, sizeof(err));
    CU_ASSERT_PTR_NOT_NULL(pol);
    sp_policy_free(pol);

    write_text(path, ".include other.cnf\n[smimepolicy]\n");
    pol = sp_policy_load(path, err, sizeof(err));
    CU_ASSERT_PTR_NULL(pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "odd#dir/policy.cnf: .include cannot "
                                       "be used from a directory"));
}

/* .include of a directory reads its *.cnf and *.conf files. */
static void test_include_directory(void)
{
    SP_POLICY *pol;

    CU_ASSERT_EQUAL_FATAL(mkdir(tmp_path("conf.d"), 0700), 0);
    write_text(tmp_path("conf.d/10-profile.cnf"),
               "[p]\ntype = sponsored\ngeneration = strict\n");
    write_text(tmp_path("conf.d/20-main.conf"),
               "[smimepolicy]\nprofiles = p\n");
    write_text(tmp_path("conf.d/ignored.txt"), "not = read\n");
    LOAD_OK(pol, ".include conf.d\n");
    CU_ASSERT_EQUAL(only_profile(pol)->type, SP_TYPE_SPONSORED);
    sp_policy_free(pol);
}

/* NCONF would follow these until the process runs out of file
 * descriptors (fuzz_policy found the first: `.include` fused with other
 * letters names the include directory, which holds the policy itself).
 * The loader refuses each at once, naming it. */
static void test_include_loops(void)
{
    EXPECT_ERROR("[smimepolicy]\n.includeefuse\n", "malformed .include line");
    EXPECT_ERROR("[smimepolicy]\n.include policy.cnf\n",
                 ".include failed: policy.cnf: includes itself (a cycle)");
    EXPECT_ERROR("[smimepolicy]\n.include .\n",
                 ".include failed: ./policy.cnf: includes itself");
    write_text(tmp_path("a.cnf"), ".include b.cnf\n");
    write_text(tmp_path("b.cnf"), "# back again\n.include = a.cnf\n");
    EXPECT_ERROR("[smimepolicy]\n.include a.cnf\n",
                 ".include failed: a.cnf: includes itself (a cycle)");
    EXPECT_ERROR("[smimepolicy]\n.include\n", "malformed .include line");
    /* Carriage returns are white space to NCONF, before and after. */
    EXPECT_ERROR("[smimepolicy]\n\r\r.include6\n", "malformed .include line");
    /* (the directory also holds a.cnf and b.cnf by now: whichever
     * cycle readdir() meets first is reported) */
    EXPECT_ERROR("[smimepolicy]\n.include\r.\n", ".include failed: ",
                 ": includes itself (a cycle)");
}

/* ------------------------------------------------------------------ */
/* Errors                                                              */

static void test_file_errors(void)
{
    char big_path[512];
    char *big;
    size_t big_len = 1024 * 1024 + 1;
    SP_POLICY *pol;

    pol = sp_policy_load(tmp_path("does-not-exist.cnf"), err, sizeof(err));
    CU_ASSERT_PTR_NULL(pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "does-not-exist.cnf: cannot open: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOENT)));

    /* A directory opens but does not read. */
    pol = sp_policy_load(tmp_path("incdir"), err, sizeof(err));
    CU_ASSERT_PTR_NULL(pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "incdir: cannot "));

    pol = sp_policy_load(NULL, err, sizeof(err));
    CU_ASSERT_PTR_NULL(pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no policy file given"));

    /* No room for a message: still NULL, nothing written. */
    CU_ASSERT_PTR_NULL(sp_policy_load(tmp_path("nope.cnf"), NULL, 0));

    snprintf(big_path, sizeof(big_path), "%s", tmp_path("big.cnf"));
    big = malloc(big_len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    memset(big, '#', big_len);
    write_bytes(big_path, big, big_len);
    free(big);
    pol = sp_policy_load(big_path, err, sizeof(err));
    CU_ASSERT_PTR_NULL(pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "big.cnf: larger than 1048576 bytes"));

    write_bytes(policy_path, "[smimepolicy]\n\0\n", 16);
    pol = sp_policy_load(policy_path, err, sizeof(err));
    CU_ASSERT_PTR_NULL(pol);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ": contains a NUL byte"));
}

static void test_syntax_errors(void)
{
    EXPECT_ERROR("[smimepolicy\n", "line 1: ", "missing close square bracket");
    EXPECT_ERROR("[smimepolicy]\nmode = report\nno equal sign here\n",
                 "line 3: ", "missing equal sign");
    EXPECT_ERROR("[smimepolicy]\nmode = $undefined\n",
                 "line 2: ", "variable has no value");
    EXPECT_ERROR("[smimepolicy]\n.include incdir/missing.cnf\n",
                 ".include failed: ", "incdir/missing.cnf");
    EXPECT_ERROR("[other]\nmode = report\n", ": no [smimepolicy] section");
}

static void test_main_errors(void)
{
    EXPECT_ERROR("[smimepolicy]\nissuer = ca.pem\n",
                 "[smimepolicy] issuer = \"ca.pem\": unknown key");
    EXPECT_ERROR("[smimepolicy]\nmode = strict\n",
                 "[smimepolicy] mode = \"strict\": must be enforce or report");
    EXPECT_ERROR("[smimepolicy]\ncrl = maybe\n",
                 "[smimepolicy] crl = \"maybe\": must be allow or refuse");
    EXPECT_ERROR("[smimepolicy]\nocsp = yes\n",
                 "[smimepolicy] ocsp = \"yes\": must be allow or refuse");
    EXPECT_ERROR("[smimepolicy]\ncrl_max_next_update = 10\n",
                 "[smimepolicy] crl_max_next_update = \"10\": not a duration");
    EXPECT_ERROR("[smimepolicy]\ncrl_max_next_update = 2w\n",
                 "[smimepolicy] crl_max_next_update = \"2w\": not a duration");
    EXPECT_ERROR("[smimepolicy]\ncrl_max_next_update = 0d\n",
                 "[smimepolicy] crl_max_next_update = \"0d\": not a duration");
    EXPECT_ERROR("[smimepolicy]\ncrl_max_next_update = -1d\n",
                 "[smimepolicy] crl_max_next_update = \"-1d\": not a duration");
    EXPECT_ERROR("[smimepolicy]\ncrl_max_next_update = 11d\n",
                 "[smimepolicy] crl_max_next_update = \"11d\": above the SBR "
                 "maximum of 10 days");
    EXPECT_ERROR("[smimepolicy]\ncrl_max_next_update = 241h\n",
                 "[smimepolicy] crl_max_next_update = \"241h\": above");
    EXPECT_ERROR("[smimepolicy]\nprofiles = ,\n",
                 "[smimepolicy] profiles = \",\": empty list");
    EXPECT_ERROR("[smimepolicy]\nprofiles = nope\n",
                 "[smimepolicy] profiles = \"nope\": no section [nope]");
    EXPECT_ERROR("[smimepolicy]\nprofiles = p, p\n[p]\ntype = mailbox\n"
                 "generation = strict\n",
                 "[smimepolicy] profiles = \"p\": listed twice");
}

static void test_duplicate_profile(void)
{
    EXPECT_ERROR("[smimepolicy]\nprofiles = one two\n"
                 "[one]\ntype = mailbox\ngeneration = strict\n"
                 "[two]\ntype = mailbox\ngeneration = strict\n"
                 "max_validity = 30\n",
                 "[two] type = \"mailbox\": [one] already defines the mailbox "
                 "strict profile");
}

static void test_profile_errors(void)
{
    EXPECT_ERROR(MAILBOX_STRICT "max_valdity = 30\n",
                 "[p] max_valdity = \"30\": unknown key");
    EXPECT_ERROR(HDR "generation = strict\n", "[p] type: missing");
    EXPECT_ERROR(HDR "type = mailbox\n", "[p] generation: missing");
    EXPECT_ERROR(HDR "type = person\ngeneration = strict\n",
                 "[p] type = \"person\": must be mailbox, organization, "
                 "sponsored or individual");
    EXPECT_ERROR(HDR "type = mailbox\ngeneration = Strict\n",
                 "[p] generation = \"Strict\": must be strict, multipurpose "
                 "or legacy");
    EXPECT_ERROR(MAILBOX_STRICT "mode = block\n",
                 "[p] mode = \"block\": must be enforce or report");

    /* max_validity may only tighten the SBR. */
    EXPECT_ERROR(MAILBOX_STRICT "max_validity = 900\n",
                 "[p] max_validity = \"900\": above the SBR maximum of 825 "
                 "days");
    EXPECT_ERROR(MAILBOX_MULTI "max_validity = 826\n",
                 "[p] max_validity = \"826\": above the SBR maximum of 825");
    EXPECT_ERROR(HDR "type = mailbox\ngeneration = legacy\n"
                     "max_validity = 1186\n",
                 "[p] max_validity = \"1186\": above the SBR maximum of 1185");
    EXPECT_ERROR(MAILBOX_STRICT "max_validity = 0\n",
                 "[p] max_validity = \"0\": not a whole number of days");
    EXPECT_ERROR(MAILBOX_STRICT "max_validity = 398d\n",
                 "[p] max_validity = \"398d\": not a whole number of days");
    EXPECT_ERROR(MAILBOX_STRICT "max_validity = -5\n",
                 "[p] max_validity = \"-5\": not a whole number of days");
    EXPECT_ERROR(MAILBOX_STRICT "max_validity = 99999999999999999999999\n",
                 "[p] max_validity = \"99999999999999999999999\": not a "
                 "whole number");

    EXPECT_ERROR(MAILBOX_STRICT "email_domains = ,\n",
                 "[p] email_domains = \",\": empty list");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = example.com, -bad.com\n",
                 "[p] email_domains = \"-bad.com\": not a domain name");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = bad-.com\n",
                 "[p] email_domains = \"bad-.com\": not a domain name");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = a..com\n",
                 "[p] email_domains = \"a..com\": not a domain name");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = .\n",
                 "[p] email_domains = \".\": not a domain name");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = example.com.\n",
                 "[p] email_domains = \"example.com.\": not a domain name");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = under_score.com\n",
                 "[p] email_domains = \"under_score.com\": not a domain");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = b\xc3\xbc"
                                "cher.de\n",
                 "[p] email_domains = \"b\xc3\xbc"
                 "cher.de\": not a domain",
                 "xn--");
    EXPECT_ERROR(MAILBOX_STRICT "email_domains = alice@example.com\n",
                 "[p] email_domains = \"alice@example.com\": not a domain");
    EXPECT_ERROR(MAILBOX_STRICT
                 "email_domains = "
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaa.com\n",
                 "[p] email_domains = \"aaaa", "\": not a domain name");

    EXPECT_ERROR(MAILBOX_STRICT "key_types = rsa, dsa\n",
                 "[p] key_types = \"dsa\": unknown key type");
    EXPECT_ERROR(MAILBOX_STRICT "key_types = x25519\n",
                 "[p] key_types = \"x25519\": unknown key type");
    EXPECT_ERROR(MAILBOX_STRICT "key_types = secp256k1\n",
                 "[p] key_types = \"secp256k1\": unknown key type");
    EXPECT_ERROR(MAILBOX_STRICT "key_types =\n",
                 "[p] key_types = \"\": empty list");

    EXPECT_ERROR(MAILBOX_STRICT "rsa_min_bits = 1024\n",
                 "[p] rsa_min_bits = \"1024\": not a whole number from 2048 "
                 "to 16384");
    EXPECT_ERROR(MAILBOX_STRICT "rsa_min_bits = 3072bits\n",
                 "[p] rsa_min_bits = \"3072bits\": not a whole number");
    EXPECT_ERROR(MAILBOX_STRICT "rsa_min_bits = 2052\n",
                 "[p] rsa_min_bits = \"2052\": not a multiple of 8");
    EXPECT_ERROR(MAILBOX_STRICT "rsa_max_bits = 20000\n",
                 "[p] rsa_max_bits = \"20000\": not a whole number from 2048 "
                 "to 16384");
    EXPECT_ERROR(MAILBOX_STRICT "rsa_min_bits = 3072\nrsa_max_bits = 2048\n",
                 "[p] rsa_max_bits = \"2048\": below rsa_min_bits (3072)");

    EXPECT_ERROR(MAILBOX_STRICT "extra_extensions = notanoid\n",
                 "[p] extra_extensions = \"notanoid\": not an OID");
    EXPECT_ERROR(MAILBOX_STRICT "extra_extensions = 1.2.3.4:noncritical\n",
                 "[p] extra_extensions = \"1.2.3.4:noncritical\": the only "
                 "suffix allowed is \":critical\"");
    EXPECT_ERROR(MAILBOX_STRICT "extra_extensions = 2.5.29.17\n",
                 "[p] extra_extensions = \"2.5.29.17\": the SBR (7.1.2.3) "
                 "already sets the rules");
    EXPECT_ERROR(MAILBOX_STRICT "extra_extensions = 1.2.840.113549.1.9.15\n",
                 "[p] extra_extensions = \"1.2.840.113549.1.9.15\": the SBR");
    EXPECT_ERROR(
        MAILBOX_STRICT
        "extra_extensions = 1.3.6.1.4.1.9.1, 1.3.6.1.4.1.9.1:critical\n",
        "[p] extra_extensions = \"1.3.6.1.4.1.9.1\": listed twice");

    EXPECT_ERROR(MAILBOX_STRICT "allowed_ekus = clientAuth\n",
                 "[p] allowed_ekus = \"clientAuth\": a Strict certificate "
                 "carries emailProtection only");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = clientAuth serverAuth\n",
                 "[p] allowed_ekus = \"serverAuth\": an S/MIME certificate "
                 "must not carry this EKU");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = 2.5.29.37.0\n",
                 "[p] allowed_ekus = \"2.5.29.37.0\": an S/MIME certificate "
                 "must not");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = OCSPSigning\n",
                 "[p] allowed_ekus = \"OCSPSigning\": an S/MIME certificate");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = codeSigning\n",
                 "[p] allowed_ekus = \"codeSigning\": an S/MIME certificate");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = timeStamping\n",
                 "[p] allowed_ekus = \"timeStamping\": an S/MIME certificate");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = no.such.eku\n",
                 "[p] allowed_ekus = \"no.such.eku\": not an OID");
    EXPECT_ERROR(MAILBOX_MULTI "allowed_ekus = clientAuth 1.3.6.1.5.5.7.3.2\n",
                 "[p] allowed_ekus = \"1.3.6.1.5.5.7.3.2\": listed twice");

    EXPECT_ERROR(MAILBOX_STRICT "min_serial_octets = 8\n",
                 "[p] min_serial_octets = \"8\": not a whole number from 9 "
                 "to 20");
    EXPECT_ERROR(MAILBOX_STRICT "min_serial_octets = 21\n",
                 "[p] min_serial_octets = \"21\": not a whole number");
    EXPECT_ERROR(MAILBOX_STRICT "warnings_are_errors = sometimes\n",
                 "[p] warnings_are_errors = \"sometimes\": must be yes,");
}

#define EXC(body) MAILBOX_STRICT "exceptions = ex\n[ex]\n" body
#define EXC_OK_BUT(line) "code = der.malformed\nowner = o\nreason = r\n" line

static void test_exception_errors(void)
{
    EXPECT_ERROR(MAILBOX_STRICT "exceptions = nope\n",
                 "[p] exceptions = \"nope\": no section [nope]");
    EXPECT_ERROR(MAILBOX_STRICT "exceptions = ex ex\n[ex]\n"
                                "code = der.malformed\nowner = o\n"
                                "reason = r\nexpires = 2030-01-01\n",
                 "[p] exceptions = \"ex\": listed twice");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 2030-01-01\nexpiry = soon\n")),
                 "[ex] expiry = \"soon\": unknown key");
    EXPECT_ERROR(EXC("owner = o\nreason = r\nexpires = 2030-01-01\n"),
                 "[ex] code: missing");
    EXPECT_ERROR(EXC("code = der.malformed\nreason = r\n"
                     "expires = 2030-01-01\n"),
                 "[ex] owner: missing");
    EXPECT_ERROR(EXC("code = der.malformed\nowner = o\n"
                     "expires = 2030-01-01\n"),
                 "[ex] reason: missing");
    EXPECT_ERROR(EXC("code = der.malformed\nowner = o\nreason = r\n"),
                 "[ex] expires: missing");
    EXPECT_ERROR(EXC("code = der.malformed\nowner =\nreason = r\n"
                     "expires = 2030-01-01\n"),
                 "[ex] owner: missing");
    EXPECT_ERROR(EXC("code = no.such_code\nowner = o\nreason = r\n"
                     "expires = 2030-01-01\n"),
                 "[ex] code = \"no.such_code\": unknown finding code");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 2026-02-30\n")),
                 "[ex] expires = \"2026-02-30\": not a date in the form "
                 "YYYY-MM-DD");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 2027-02-29\n")),
                 "[ex] expires = \"2027-02-29\": not a date");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 2026-13-01\n")),
                 "[ex] expires = \"2026-13-01\": not a date");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 2026/01/01\n")),
                 "[ex] expires = \"2026/01/01\": not a date");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 26-01-01\n")),
                 "[ex] expires = \"26-01-01\": not a date");
    EXPECT_ERROR(EXC(EXC_OK_BUT("expires = 2026-01-01T00:00:00Z\n")),
                 "[ex] expires = \"2026-01-01T00:00:00Z\": not a date");
    EXPECT_ERROR(
        MAILBOX_STRICT
        "exceptions = a b\n"
        "[a]\n" EXC_OK_BUT("expires = 2030-01-01\n") "[b]\n" EXC_OK_BUT(
            "expires = 2031-01-01\n"),
        "[p] exceptions = \"b\": code \"der.malformed\" is already "
        "waived by [a]");
}

/* ------------------------------------------------------------------ */
/* Shipped policies                                                    */

/* Loads conf/<name> from the source tree through a small site file that
 * includes it and names the test CA as issuer, as a CA would. */
static SP_POLICY *load_shipped(const char *name)
{
    char text[1024];

    snprintf(text, sizeof(text),
             ".include %s/conf/%s\n[smimepolicy]\nissuers = ca.pem\n",
             SP_SRCDIR, name);
    return load_ok(__LINE__, text);
}

static void test_shipped_smime_br(void)
{
    static const sp_type types[] = {SP_TYPE_MAILBOX, SP_TYPE_ORGANIZATION,
                                    SP_TYPE_SPONSORED, SP_TYPE_INDIVIDUAL};
    SP_POLICY *pol = load_shipped("smime-br.cnf");
    char shipped[512];

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 1);
    CU_ASSERT_EQUAL(pol->n_profiles, 8);
    for (size_t t = 0; t < 4; t++) {
        const SP_PROFILE *s =
            sp_policy_find_profile(pol, types[t], SP_GEN_STRICT);
        const SP_PROFILE *m =
            sp_policy_find_profile(pol, types[t], SP_GEN_MULTIPURPOSE);

        CU_ASSERT_PTR_NOT_NULL_FATAL(s);
        CU_ASSERT_PTR_NOT_NULL_FATAL(m);
        assert_sbr_defaults(s, SP_MODE_ENFORCE);
        assert_sbr_defaults(m, SP_MODE_ENFORCE);
        CU_ASSERT_PTR_NULL(
            sp_policy_find_profile(pol, types[t], SP_GEN_LEGACY));
    }
    CU_ASSERT_EQUAL(pol->crl_mode, SP_CRL_ALLOW);
    CU_ASSERT_EQUAL(pol->crl_max_next_update_secs, 10 * 86400);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 0);
    sp_policy_free(pol);

    /* As shipped, it names an issuer file to fill in: an error until then,
     * never a policy without its CA. */
    snprintf(shipped, sizeof(shipped), "%s/conf/smime-br.cnf", SP_SRCDIR);
    CU_ASSERT_PTR_NULL(sp_policy_load(shipped, err, sizeof(err)));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "[smimepolicy] issuers = "));
}

static void test_shipped_mailbox_only(void)
{
    SP_POLICY *pol = load_shipped("example-mailbox-only.cnf");
    const SP_PROFILE *p;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    p = only_profile(pol);
    CU_ASSERT_EQUAL(p->type, SP_TYPE_MAILBOX);
    CU_ASSERT_EQUAL(p->generation, SP_GEN_STRICT);
    CU_ASSERT_EQUAL(p->mode, SP_MODE_ENFORCE);
    CU_ASSERT_EQUAL(p->max_validity_days, 398);
    CU_ASSERT_EQUAL_FATAL(p->n_email_domains, 1);
    CU_ASSERT_STRING_EQUAL(p->email_domains[0], "example.com");
    CU_ASSERT_EQUAL(p->key_types, SP_KEY_RSA | SP_KEY_P256);
    CU_ASSERT_EQUAL(p->rsa_min_bits, 3072);
    CU_ASSERT_EQUAL_FATAL(p->n_exceptions, 1);
    CU_ASSERT_TRUE(p->exceptions[0].rule >= 0);
    CU_ASSERT_STRING_NOT_EQUAL(p->exceptions[0].owner, "");
    CU_ASSERT_STRING_NOT_EQUAL(p->exceptions[0].reason, "");
    CU_ASSERT_TRUE(p->exceptions[0].expires > 0);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 1);
    sp_policy_free(pol);
}

/* The same policy through the judge: each tightening changes a verdict,
 * and the exception waives its finding until it expires. */
static void test_shipped_mailbox_only_judged(void)
{
    const TU_CA *ca = tu_issuing_ca("p256");
    SP_POLICY *pol = load_shipped("example-mailbox-only.cnf");
    const SP_VERDICT *v;
    const SP_FINDING *f;
    X509 *cert;
    uint8_t *tbs;
    size_t len;

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);

    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    v = tu_judge_cert(pol, cert, ca);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    CU_ASSERT_STRING_EQUAL(v->profile, "mailbox_strict");
    X509_free(cert);

    /* key_types = rsa, p256 */
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p384", ca);
    v = tu_judge_cert(pol, cert, ca);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    TU_ASSERT_FINDING(v, "key.type_not_allowed");
    X509_free(cert);

    /* rsa_min_bits = 3072 */
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "rsa2048", ca);
    v = tu_judge_cert(pol, cert, ca);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    TU_ASSERT_FINDING(v, "rsa.modulus_size_policy");
    X509_free(cert);

    /* max_validity = 398: 399 days is one too many. */
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    tu_cert_set_validity(cert, TU_NOT_BEFORE,
                         TU_NOT_BEFORE + INT64_C(399) * 86400 - 1);
    v = tu_judge_cert(pol, cert, ca);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    TU_ASSERT_FINDING(v, "validity.too_long");
    X509_free(cert);

    /* profiles = mailbox_strict only */
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, "p256", ca);
    v = tu_judge_cert(pol, cert, ca);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    TU_ASSERT_FINDING(v, "profile.not_allowed");
    X509_free(cert);

    /* The aia_rollout exception waives aia.missing (a warning that
     * warnings_are_errors makes blocking) until 2027-03-31. */
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    tu_cert_del_ext(cert, "authorityInfoAccess");
    tbs = tu_cert_tbs(cert, ca, NULL, &len);
    v = tu_judge_at(pol, tbs, len, ca->issuer, INT64_C(1803859200));
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    f = tu_finding(v, "aia.missing");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->waived_by);
    CU_ASSERT_STRING_EQUAL(f->waived_by->name, "aia_rollout");
    /* From 2027-03-31T00:00:00Z on, it blocks. */
    v = tu_judge_at(pol, tbs, len, ca->issuer, INT64_C(1806451200));
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    f = tu_finding(v, "aia.missing");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    CU_ASSERT_PTR_NULL(f->waived_by);
    CU_ASSERT_PTR_NOT_NULL(f->expired_exception);
    OPENSSL_free(tbs);
    X509_free(cert);

    /* The same certificate with the SBR defaults alone: a warning only. */
    cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p384", ca);
    v = tu_judge_cert(NULL, cert, ca);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    X509_free(cert);
    sp_policy_free(pol);
}

static void test_shipped_report_mode(void)
{
    SP_POLICY *pol = load_shipped("example-report-mode.cnf");

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    assert_all_twelve(pol, SP_MODE_REPORT);
    CU_ASSERT_EQUAL(pol->crl_mode, SP_CRL_ALLOW);
    CU_ASSERT_EQUAL(pol->ocsp_allowed, 0);
    CU_ASSERT_EQUAL(sp_policy_issuer_count(pol), 1);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    return remove(path);
}

int main(void)
{
    static const TU_TEST default_tests[] = {
        {"default policy is the SBR", test_default_policy},
        {"SBR maximum validity", test_sbr_max_validity},
        {NULL, NULL},
    };
    static const TU_TEST main_tests[] = {
        {"minimal file, path and SHA-256", test_minimal_file_is_sbr},
        {"mode, crl, crl_max_next_update, ocsp", test_main_keys},
        {"main mode is the profiles' default",
         test_main_mode_is_profile_default},
        {"profiles list", test_profiles_list},
        {"issuers relative to the policy file", test_issuers},
        {"sp_policy_add_issuer", test_add_issuer},
        {NULL, NULL},
    };
    static const TU_TEST profile_tests[] = {
        {"type, generation, mode", test_profile_type_generation_mode},
        {"max_validity", test_profile_max_validity},
        {"email_domains", test_profile_email_domains},
        {"key_types", test_profile_key_types},
        {"rsa_min_bits, rsa_max_bits", test_profile_rsa_bits},
        {"extra_extensions", test_profile_extra_extensions},
        {"allowed_ekus", test_profile_allowed_ekus},
        {"min_serial_octets, warnings_are_errors",
         test_profile_serial_and_warnings},
        {"exceptions", test_profile_exceptions},
        {"default section does not leak into profiles",
         test_default_section_does_not_leak},
        {".include and $var", test_include_and_variables},
        {".include of a directory", test_include_directory},
        {".include loops", test_include_loops},
        {".include from an odd directory name",
         test_include_from_odd_directory},
        {NULL, NULL},
    };
    static const TU_TEST error_tests[] = {
        {"file errors", test_file_errors},
        {"syntax errors", test_syntax_errors},
        {"main section errors", test_main_errors},
        {"issuer errors", test_issuer_errors},
        {"duplicate profile", test_duplicate_profile},
        {"profile errors", test_profile_errors},
        {"exception errors", test_exception_errors},
        {NULL, NULL},
    };
    static const TU_TEST shipped_tests[] = {
        {"conf/smime-br.cnf", test_shipped_smime_br},
        {"conf/example-mailbox-only.cnf", test_shipped_mailbox_only},
        {"conf/example-mailbox-only.cnf through the judge",
         test_shipped_mailbox_only_judged},
        {"conf/example-report-mode.cnf", test_shipped_report_mode},
        {NULL, NULL},
    };
    const char *base = getenv("TMPDIR");
    int rc;

    /* It would redirect every relative .include these tests make. */
    unsetenv("OPENSSL_CONF_INCLUDE");

    snprintf(tmpdir, sizeof(tmpdir), "%s/sp-policy-XXXXXX",
             base != NULL && *base != '\0' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(policy_path, sizeof(policy_path), "%s/policy.cnf", tmpdir);
    snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", tmpdir);
    snprintf(ca2_path, sizeof(ca2_path), "%s/ca2.der", tmpdir);
    if (mkdir(tmp_path("incdir"), 0700) != 0) {
        perror("mkdir");
        return 1;
    }

    tu_init();
    /* The CAs are written before any test needs them. */
    if (!write_ca(ca_path, tu_issuing_ca("p256")->cert, 1)
        || !write_ca(ca2_path, tu_issuing_ca("rsa2048")->cert, 0))
        return 1;
    tu_add_suite("default", default_tests);
    tu_add_suite("main section", main_tests);
    tu_add_suite("profiles", profile_tests);
    tu_add_suite("errors", error_tests);
    tu_add_suite("shipped policies", shipped_tests);
    rc = tu_run();

    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
