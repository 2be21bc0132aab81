/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the CA certificate rules (rules_ca.c): subordinate CAs,
 * technically constrained sub-CAs and their policy entries, cross-
 * certificates, OCSP responder certificates, and the issuing CA's
 * nameConstraints on end-entity certificates (nc.c, issuer.c). Each case
 * starts from a compliant certificate built here with libcrypto, changes
 * one thing, signs it with a real CA key and judges the TBS, asserting the
 * finding code and the decision; the passing twin asserts its absence.
 * The policy keys for CA certificates (policy_ca.c) are loaded from real
 * files, with every error checked for the file, section, key and value it
 * names.
 */
#define _XOPEN_SOURCE 700 /* nftw, mkdtemp */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "count_allocs.h"
#include "nc.h"
#include "rules.h"
#include "testutil.h"

#define KEY "p256"
#define DAY INT64_C(86400)
#define ORG "Example Ltd"
#define DN_ENTRY "/C=DE/O=" ORG
/* An Organization-validated subscriber subject inside DN_ENTRY. */
#define DN_EE_INSIDE                                                           \
    DN_ENTRY "/organizationIdentifier=LEIXG-AEYE00EKXESVZUUEBP67/CN=" ORG

static char tmpdir[256];

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static const TU_CA *root(void)
{
    return tu_root_ca(KEY);
}

/* Name contents (RDNSequence) DER of "/C=DE/O=..." into out. */
static size_t name_der(const char *dn, uint8_t *out, size_t outlen)
{
    X509 *tmp = X509_new();
    uint8_t *der = NULL;
    int n;

    CU_ASSERT_FATAL(tmp != NULL);
    tu_cert_set_subject(tmp, dn);
    n = i2d_X509_NAME(X509_get_subject_name(tmp), &der);
    CU_ASSERT_FATAL(n > 0 && (size_t)n <= outlen);
    memcpy(out, der, (size_t)n);
    OPENSSL_free(der);
    X509_free(tmp);
    return (size_t)n;
}

/* GeneralSubtrees contents: rfc822Names (comma-separated) and at most
 * one directoryName. */
static size_t subtrees(const char *emails, const char *dn, uint8_t *out)
{
    uint8_t gn[512], name[512];
    size_t used = 0, n;

    while (emails != NULL && *emails != '\0') {
        size_t len = strcspn(emails, ",");

        n = tu_der_tlv(gn, 0x81, (const uint8_t *)emails, len);
        used += tu_der_tlv(out + used, 0x30, gn, n);
        emails += len + (emails[len] == ',');
    }
    if (dn != NULL) {
        size_t nlen = name_der(dn, name, sizeof(name));

        n = tu_der_tlv(gn, 0xa4, name, nlen);
        used += tu_der_tlv(out + used, 0x30, gn, n);
    }
    return used;
}

/* nameConstraints with permitted and excluded subtrees (NULL: none). */
static void set_nc(X509 *c, int critical, const char *permit_emails,
                   const char *permit_dn, const char *exclude_emails)
{
    uint8_t trees[1024], body[2048], value[2048];
    size_t n, used = 0;

    if (permit_emails != NULL || permit_dn != NULL) {
        n = subtrees(permit_emails, permit_dn, trees);
        used += tu_der_tlv(body + used, 0xa0, trees, n);
    }
    if (exclude_emails != NULL) {
        n = subtrees(exclude_emails, NULL, trees);
        used += tu_der_tlv(body + used, 0xa1, trees, n);
    }
    n = tu_der_tlv(value, 0x30, body, used);
    tu_cert_set_ext_der(c, "2.5.29.30", critical, value, n);
}

/* A compliant, technically constrained sub-CA certificate for the
 * policy entry of ORG, issued by the P-256 root. */
static X509 *subca_under(const TU_CA *issuer)
{
    X509 *c = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, KEY, issuer);

    tu_cert_set_subject(c, DN_ENTRY "/CN=Example SMIME CA");
    tu_cert_del_ext(c, "subjectAltName");
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 5 * 365 * DAY);
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE,pathlen:0");
    tu_cert_set_ext(c, "keyUsage", "critical,keyCertSign,cRLSign");
    tu_cert_set_ext(c, "extendedKeyUsage", "emailProtection,clientAuth");
    tu_cert_set_ext(c, "certificatePolicies",
                    "2.23.140.1.5.2.3,2.23.140.1.5.1.3");
    set_nc(c, 1, "example.com,.example.com", DN_ENTRY, NULL);
    return c;
}

static X509 *subca_new(void)
{
    return subca_under(root());
}

/* A sub-CA below `ca` (another key and name than the template's). */
static X509 *subca_below(const TU_CA *ca)
{
    X509 *c = subca_under(ca);

    tu_cert_set_subject(c, DN_ENTRY "/CN=Example SMIME CA 2");
    tu_cert_set_key(c, "p384");
    return c;
}

static char *dup_str(const char *s)
{
    char *d = OPENSSL_strdup(s);

    CU_ASSERT_FATAL(d != NULL);
    return d;
}

/* The default policy with one external sub-CA entry for ORG (DE,
 * example.com and .example.com, path_len 0), constrained sub-CAs
 * required for external operators. */
static SP_POLICY *ca_policy(void)
{
    SP_POLICY *pol = tu_policy();
    SP_SUBCA_ENTRY *e;

    pol->ca.subcas = OPENSSL_zalloc(sizeof(*pol->ca.subcas));
    CU_ASSERT_FATAL(pol->ca.subcas != NULL);
    pol->ca.n_subcas = 1;
    e = &pol->ca.subcas[0];
    e->name = dup_str("example_subca");
    e->organization = dup_str(ORG);
    memcpy(e->country, "DE", 3);
    e->external = 1;
    e->path_len = 0;
    e->permitted_email = OPENSSL_zalloc(2 * sizeof(char *));
    CU_ASSERT_FATAL(e->permitted_email != NULL);
    e->permitted_email[0] = dup_str("example.com");
    e->permitted_email[1] = dup_str(".example.com");
    e->n_permitted_email = 2;
    pol->ca.name_constraints = SP_NC_REQUIRE_EXTERNAL;
    pol->ca.responder_max_secs = 90 * DAY;
    pol->ca.enabled = 1;
    return pol;
}

/* Judge `c` (issued by the root) with `pol`, then free `c`. */
static const SP_VERDICT *judge(SP_POLICY *pol, X509 *c)
{
    const SP_VERDICT *v = tu_judge_cert(pol, c, root());

    X509_free(c);
    return v;
}

/* Judge and expect a refusal with `code`. */
static void expect_refused(SP_POLICY *pol, X509 *c, const char *code)
{
    const SP_VERDICT *v = judge(pol, c);

    TU_ASSERT_FINDING(v, code);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
}

/* Judge and expect acceptance without `code` (NULL: no finding at all
 * but warnings allowed). */
static void expect_accepted(SP_POLICY *pol, X509 *c, const char *code)
{
    const SP_VERDICT *v = judge(pol, c);

    if (code != NULL)
        TU_ASSERT_NO_FINDING(v, code);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
}

/* Judge and expect a warning `code` that does not block. */
static void expect_warning(SP_POLICY *pol, X509 *c, const char *code)
{
    const SP_VERDICT *v = judge(pol, c);

    TU_ASSERT_FINDING(v, code);
    CU_ASSERT_EQUAL(tu_finding(v, code)->severity, SP_SEV_WARNING);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
}

/* ------------------------------------------------------------------ */
/* Roles and policy entries                                            */

static void test_subca_accepted(void)
{
    SP_POLICY *pol = ca_policy();
    const SP_VERDICT *v = judge(pol, subca_new());

    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    CU_ASSERT_EQUAL(v->role, SP_ROLE_SUBCA);
    CU_ASSERT_EQUAL(v->findings.n, 0);
    CU_ASSERT_STRING_EQUAL(sp_role_name(v->role), "subordinate-ca");
    CU_ASSERT_STRING_EQUAL(sp_role_name(SP_ROLE_END_ENTITY), "end-entity");
    CU_ASSERT_STRING_EQUAL(sp_role_name(SP_ROLE_CROSS), "cross-certificate");
    CU_ASSERT_STRING_EQUAL(sp_role_name(SP_ROLE_OCSP), "ocsp-responder");
    sp_policy_free(pol);
}

/* Without CA keys in the policy a CA certificate takes the end-entity
 * path, exactly as before roles existed. */
static void test_subca_not_enabled(void)
{
    SP_POLICY *pol = tu_policy();
    const SP_VERDICT *v = judge(pol, subca_new());

    CU_ASSERT_EQUAL(v->role, SP_ROLE_END_ENTITY);
    TU_ASSERT_FINDING(v, "bc.ca_true");
    TU_ASSERT_NO_FINDING(v, "subca.no_entry");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    sp_policy_free(pol);
}

static void test_subca_no_entry(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c = subca_new();
    const SP_VERDICT *v;

    tu_cert_set_subject(c, "/C=DE/O=Other Ltd/CN=Other CA");
    v = judge(pol, c);
    TU_ASSERT_FINDING(v, "subca.no_entry");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(tu_finding(v, "subca.no_entry")->detail, "\"Other Ltd\""));
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    c = subca_new();
    tu_cert_set_subject(c, "/C=DE/CN=Nameless CA");
    expect_refused(pol, c, "subca.no_entry");
    sp_policy_free(pol);
}

static void test_subca_self_issued(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c = subca_new();

    CU_ASSERT_FATAL(X509_set_issuer_name(c, X509_get_subject_name(c)) == 1);
    expect_refused(pol, c, "subca.self_issued");
    expect_accepted(pol, subca_new(), "subca.self_issued");
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* F-S rules                                                           */

static void test_subca_cp(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_del_ext(c, "certificatePolicies");
    expect_refused(pol, c, "subca.cp_missing");
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies", "critical,2.23.140.1.5.2.3");
    expect_warning(pol, c, "subca.cp_critical");
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies", "2.23.140.1.5.2.3,2.5.29.32.0");
    expect_refused(pol, c, "subca.cp_any_policy");
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies", "1.3.6.1.4.1.99999.1");
    expect_refused(pol, c, "subca.cp_no_reserved");
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies",
                    "2.23.140.1.5.2.3,2.23.140.1.5.9.9");
    expect_refused(pol, c, "subca.cp_unknown_reserved");
    /* The CA's own policy OID next to a reserved one is fine. */
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies",
                    "2.23.140.1.5.2.3,1.3.6.1.4.1.99999.1");
    expect_accepted(pol, c, "subca.cp_no_reserved");

    /* F-S-01: qualifier rules as for subscriber certificates. */
    c = subca_new();
    tu_cert_set_ext_hex(c, "certificatePolicies", 0,
                        "3030302e060767810c010502033023302106082b06010505070201"
                        "16156674703a2f2f6578616d706c652e636f6d2f637073");
    expect_refused(pol, c, "cp.cps_uri_scheme");
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies",
                    "2.23.140.1.5.2.3,2.23.140.1.5.2.3");
    expect_refused(pol, c, "cp.duplicate");

    /* An affiliated (internal) sub-CA may assert anyPolicy alone. */
    pol->ca.subcas[0].external = 0;
    pol->ca.subcas[0].affiliated = 1;
    c = subca_new();
    tu_cert_set_ext(c, "certificatePolicies", "2.5.29.32.0");
    expect_accepted(pol, c, "subca.cp_any_policy");
    sp_policy_free(pol);
}

static void test_subca_crldp_aia(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_del_ext(c, "crlDistributionPoints");
    expect_refused(pol, c, "subca.crldp_missing");
    c = subca_new();
    tu_cert_set_ext(c, "crlDistributionPoints", "URI:ldap://ldap.example.com/");
    expect_refused(pol, c, "subca.crldp_no_http");
    c = subca_new();
    tu_cert_set_ext(c, "crlDistributionPoints",
                    "critical,URI:http://crl.example.com/ca.crl");
    expect_refused(pol, c, "subca.ext_critical");
    c = subca_new();
    tu_cert_set_ext_hex(c, "crlDistributionPoints", 0, "3000");
    expect_refused(pol, c, "subca.ext_malformed");

    c = subca_new();
    tu_cert_del_ext(c, "authorityInfoAccess");
    expect_warning(pol, c, "subca.aia_missing");
    c = subca_new();
    tu_cert_set_ext(c, "authorityInfoAccess",
                    "OCSP;URI:http://ocsp.example.com");
    expect_warning(pol, c, "subca.aia_ca_issuers");
    c = subca_new();
    tu_cert_set_ext(c, "authorityInfoAccess",
                    "critical,caIssuers;URI:http://ca.example.com/ca.der");
    expect_refused(pol, c, "subca.ext_critical");
    sp_policy_free(pol);
}

static void test_subca_bc(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_set_ext(c, "basicConstraints", "CA:TRUE,pathlen:0");
    expect_refused(pol, c, "subca.bc_not_critical");
    c = subca_new();
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE");
    expect_refused(pol, c, "subca.pathlen");
    c = subca_new();
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE,pathlen:2");
    expect_refused(pol, c, "subca.pathlen");
    pol->ca.subcas[0].path_len = -1;
    c = subca_new();
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE");
    expect_accepted(pol, c, "subca.pathlen");
    sp_policy_free(pol);
}

static void test_subca_ku(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_del_ext(c, "keyUsage");
    expect_refused(pol, c, "subca.ku_missing");
    c = subca_new();
    tu_cert_set_ext(c, "keyUsage", "keyCertSign,cRLSign");
    expect_refused(pol, c, "subca.ku_missing");
    c = subca_new();
    tu_cert_set_ext(c, "keyUsage", "critical,keyCertSign");
    expect_refused(pol, c, "subca.ku_cert_sign");
    c = subca_new();
    tu_cert_set_ext(c, "keyUsage",
                    "critical,digitalSignature,keyCertSign,cRLSign");
    expect_refused(pol, c, "subca.ku_other");
    c = subca_new();
    tu_cert_set_ext(c, "keyUsage",
                    "critical,keyEncipherment,keyCertSign,cRLSign");
    expect_refused(pol, c, "subca.ku_other");
    pol->ca.subcas[0].digital_signature = 1;
    c = subca_new();
    tu_cert_set_ext(c, "keyUsage",
                    "critical,digitalSignature,keyCertSign,cRLSign");
    expect_accepted(pol, c, "subca.ku_other");
    sp_policy_free(pol);
}

static void test_subca_eku(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_del_ext(c, "extendedKeyUsage");
    expect_refused(pol, c, "subca.eku_missing");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "emailProtection,serverAuth");
    expect_refused(pol, c, "subca.eku_forbidden");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "emailProtection,codeSigning");
    expect_refused(pol, c, "subca.eku_forbidden");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "emailProtection,timeStamping");
    expect_refused(pol, c, "subca.eku_forbidden");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage",
                    "emailProtection,anyExtendedKeyUsage");
    expect_refused(pol, c, "subca.eku_forbidden");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "clientAuth");
    expect_refused(pol, c, "subca.eku_email_missing");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "emailProtection,OCSPSigning");
    expect_refused(pol, c, "subca.eku_ocsp_signing");
    c = subca_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "critical,emailProtection");
    expect_warning(pol, c, "subca.eku_critical");
    sp_policy_free(pol);
}

static void test_subca_aki_ski(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_del_ext(c, "authorityKeyIdentifier");
    expect_refused(pol, c, "subca.aki");
    c = subca_new();
    /* keyIdentifier 01 plus authorityCertSerialNumber 01 */
    tu_cert_set_ext_hex(c, "authorityKeyIdentifier", 0, "3006800101820101");
    expect_refused(pol, c, "subca.aki");
    c = subca_new();
    tu_cert_set_ext_hex(c, "authorityKeyIdentifier", 0, "30038001ff");
    expect_refused(pol, c, "aki.issuer_mismatch");
    c = subca_new();
    tu_cert_set_ext_hex(c, "authorityKeyIdentifier", 1, "30038001ff");
    expect_refused(pol, c, "subca.ext_critical");
    c = subca_new();
    tu_cert_del_ext(c, "subjectKeyIdentifier");
    expect_refused(pol, c, "subca.ski_missing");
    c = subca_new();
    tu_cert_set_ext_hex(c, "subjectKeyIdentifier", 0, "0400");
    expect_refused(pol, c, "subca.ski_missing");
    sp_policy_free(pol);
}

static void test_subca_subject(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_set_subject(c, DN_ENTRY);
    expect_refused(pol, c, "subca.subject_attr");
    c = subca_new();
    tu_cert_set_subject(c, "/C=XK/O=" ORG "/CN=Example CA");
    pol->ca.subcas[0].country[0] = '\0';
    expect_refused(pol, c, "subca.subject_country");
    memcpy(pol->ca.subcas[0].country, "DE", 3);
    c = subca_new();
    tu_cert_set_subject(c, "/C=FR/O=" ORG "/CN=Example CA");
    expect_refused(pol, c, "subca.subject_country");
    sp_policy_free(pol);
}

/* Every extension the CA rules parse, malformed: a finding naming it,
 * and a refusal. */
static void test_subca_malformed(void)
{
    static const struct {
        const char *ext, *hex, *name;
    } cases[] = {
        {"certificatePolicies", "3000", "certificatePolicies"},
        {"certificatePolicies", "300430020500", "certificatePolicies"},
        {"crlDistributionPoints", "30023000", NULL},
        {"authorityInfoAccess", "3000", "authorityInformationAccess"},
        {"authorityInfoAccess", "300430020500", "authorityInformationAccess"},
        {"keyUsage", "0500", "keyUsage"},
        {"extendedKeyUsage", "3000", "extKeyUsage"},
        {"extendedKeyUsage", "30030101ff", "extKeyUsage"},
        {"authorityKeyIdentifier", "0500", "authorityKeyIdentifier"},
    };
    SP_POLICY *pol = ca_policy();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        X509 *c = subca_new();
        const SP_VERDICT *v;

        tu_cert_set_ext_hex(c, cases[i].ext, 0, cases[i].hex);
        v = judge(pol, c);
        TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
        if (cases[i].name != NULL) {
            TU_ASSERT_FINDING(v, "subca.ext_malformed");
            CU_ASSERT_PTR_NOT_NULL(strstr(
                tu_finding(v, "subca.ext_malformed")->detail, cases[i].name));
        } else {
            /* A DistributionPoint without a name holds no URL. */
            TU_ASSERT_FINDING(v, "subca.crldp_no_http");
        }
    }
    sp_policy_free(pol);
}

static void test_subca_ext_unknown(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c = subca_new();

    tu_cert_set_ext(c, "subjectAltName", "email:ca@example.com");
    expect_refused(pol, c, "subca.ext_unknown");
    sp_policy_free(pol);
}

/* The core rules hold for CA certificates too (F-S-13): algorithms and
 * keys as for every certificate. */
static void test_subca_core(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c = subca_new();
    const SP_VERDICT *v;
    uint8_t *tbs;
    size_t len;

    tu_cert_set_key(c, "rsa1024");
    expect_refused(pol, c, "rsa.modulus_size");
    c = subca_new();
    tbs = tu_cert_tbs(c, root(), "sha1", &len);
    v = tu_judge(pol, tbs, len, root()->issuer);
    TU_ASSERT_FINDING(v, "sig.alg_not_allowed");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    OPENSSL_free(tbs);
    X509_free(c);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* Name constraints (F-S-08, F-T)                                      */

static void test_nc_required(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    tu_cert_del_ext(c, "nameConstraints");
    expect_refused(pol, c, "nc.missing");
    /* An internal operator need not be constrained ... */
    pol->ca.subcas[0].external = 0;
    c = subca_new();
    tu_cert_del_ext(c, "nameConstraints");
    expect_accepted(pol, c, "nc.missing");
    /* ... unless the policy constrains every sub-CA. */
    pol->ca.name_constraints = SP_NC_REQUIRE_ALL;
    c = subca_new();
    tu_cert_del_ext(c, "nameConstraints");
    expect_refused(pol, c, "nc.missing");
    /* subca_name_constraints = none: not even external ones. */
    pol->ca.subcas[0].external = 1;
    pol->ca.name_constraints = SP_NC_REQUIRE_NONE;
    c = subca_new();
    tu_cert_del_ext(c, "nameConstraints");
    expect_accepted(pol, c, "nc.missing");
    sp_policy_free(pol);
}

static void test_nc_form(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    set_nc(c, 0, "example.com", DN_ENTRY, NULL);
    expect_warning(pol, c, "nc.not_critical");
    c = subca_new();
    tu_cert_set_ext_hex(c, "2.5.29.30", 1, "3000");
    expect_refused(pol, c, "nc.malformed");
    /* permitted: { base rfc822Name "example.com", maximum 1 } */
    c = subca_new();
    tu_cert_set_ext_hex(c, "2.5.29.30", 1,
                        "3014a0123010810b6578616d706c652e636f6d810101");
    expect_refused(pol, c, "nc.malformed");
    c = subca_new();
    set_nc(c, 1, NULL, DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.rfc822_missing");
    c = subca_new();
    set_nc(c, 1, "example.com", NULL, NULL);
    expect_refused(pol, c, "nc.dirname_missing");
    /* Excluded subtrees alone do not constrain (7.1.5, safe default). */
    c = subca_new();
    set_nc(c, 1, NULL, NULL, "evil.example");
    expect_refused(pol, c, "nc.rfc822_missing");
    sp_policy_free(pol);
}

static void test_nc_subtrees(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *c;

    c = subca_new();
    set_nc(c, 1, "bob@example.com", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.rfc822_mailbox");
    c = subca_new();
    set_nc(c, 1, "-bad.example.com", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.rfc822_syntax");
    c = subca_new();
    set_nc(c, 1, "localhost", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.rfc822_syntax");
    c = subca_new();
    set_nc(c, 1, "example.com", "/O=" ORG, NULL);
    expect_refused(pol, c, "nc.dirname_attrs");
    c = subca_new();
    set_nc(c, 1, "example.com", "/C=DE", NULL);
    expect_refused(pol, c, "nc.dirname_attrs");
    /* Outside the entry: another domain, a parent domain, another O. */
    c = subca_new();
    set_nc(c, 1, "example.org", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.outside_entry");
    c = subca_new();
    set_nc(c, 1, ".com", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.rfc822_syntax");
    c = subca_new();
    set_nc(c, 1, "example.com", "/C=DE/O=Other Ltd", NULL);
    expect_refused(pol, c, "nc.outside_entry");
    c = subca_new();
    set_nc(c, 1, "example.com", "/C=FR/O=" ORG, NULL);
    expect_refused(pol, c, "nc.outside_entry");
    /* Inside: a subdomain of .example.com, and its own subtree. */
    c = subca_new();
    set_nc(c, 1, "mail.example.com,.mail.example.com", DN_ENTRY, NULL);
    expect_accepted(pol, c, "nc.outside_entry");
    /* "example.com" alone does not hold .example.com's subdomains. */
    pol->ca.subcas[0].n_permitted_email = 1;
    c = subca_new();
    set_nc(c, 1, "mail.example.com", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.outside_entry");
    pol->ca.subcas[0].n_permitted_email = 2;
    sp_policy_free(pol);
}

/* The matching primitives of nc.c, RFC 5280 4.2.1.10. */
static void test_nc_matching(void)
{
    static const struct {
        const char *constraint, *addr;
        int match;
    } cases[] = {
        {"example.com", "a@example.com", 1},
        {"example.com", "a@EXAMPLE.com", 1},
        {"example.com", "a@sub.example.com", 0},
        {".example.com", "a@sub.example.com", 1},
        {".example.com", "a@example.com", 0},
        {".example.com", "a@badexample.com", 0},
        {"a@example.com", "a@example.com", 1},
        {"a@example.com", "A@example.com", 0},
        {"a@example.com", "a@Example.COM", 1},
        {"a@example.com", "b@example.com", 0},
        {"example.com", "no-at-sign", 0},
    };
    SP_NC nc;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        SP_DER c;

        sp_der_init(&c, (const uint8_t *)cases[i].constraint,
                    strlen(cases[i].constraint));
        CU_ASSERT_EQUAL(sp_nc_email_matches(&c, (const uint8_t *)cases[i].addr,
                                            strlen(cases[i].addr)),
                        cases[i].match);
    }
    CU_ASSERT_TRUE(sp_nc_domain_within((const uint8_t *)".a.example.com", 14,
                                       ".example.com"));
    CU_ASSERT_TRUE(sp_nc_domain_within((const uint8_t *)".example.com", 12,
                                       ".example.com"));
    CU_ASSERT_FALSE(sp_nc_domain_within((const uint8_t *)"example.com", 11,
                                        ".example.com"));
    CU_ASSERT_FALSE(sp_nc_domain_within((const uint8_t *)"a.example.com", 13,
                                        "example.com"));
    /* Parse failures name their cause. */
    {
        uint8_t empty[] = {0x30, 0x00}, junk[] = {0x04, 0x00};
        SP_DER v;

        sp_der_init(&v, empty, sizeof(empty));
        CU_ASSERT_EQUAL(sp_nc_parse(&v, &nc), SP_NC_EMPTY);
        sp_der_init(&v, junk, sizeof(junk));
        CU_ASSERT_EQUAL(sp_nc_parse(&v, &nc), SP_NC_MALFORMED);
        CU_ASSERT_PTR_NOT_NULL(strstr(sp_nc_status_text(SP_NC_TOO_MANY), "32"));
    }
}

/* ------------------------------------------------------------------ */
/* Cross-certificates (G-X)                                            */

/* A CA certificate for the P-384 root (its subject and key), issued by
 * the P-256 root; the policy's inventory lists the P-384 root. */
static X509 *cross_new(void)
{
    const TU_CA *other = tu_root_ca("p384");
    X509 *c = subca_new();

    CU_ASSERT_FATAL(X509_set_subject_name(c, X509_get_subject_name(other->cert))
                    == 1);
    CU_ASSERT_FATAL(X509_set_pubkey(c, other->key) == 1);
    tu_cert_set_ext(c, "subjectKeyIdentifier", "hash");
    tu_cert_del_ext(c, "nameConstraints");
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE,pathlen:1");
    return c;
}

static void add_root_inventory(SP_POLICY *pol)
{
    char err[256];
    uint8_t *der = NULL;
    int len = i2d_X509(tu_root_ca("p384")->cert, &der);

    CU_ASSERT_FATAL(len > 0);
    pol->ca.roots = OPENSSL_zalloc(sizeof(*pol->ca.roots));
    CU_ASSERT_FATAL(pol->ca.roots != NULL);
    pol->ca.roots[0] = sp_issuer_from_der(der, (size_t)len, err, sizeof(err));
    CU_ASSERT_FATAL(pol->ca.roots[0] != NULL);
    pol->ca.n_roots = 1;
    OPENSSL_free(der);
}

static void test_cross(void)
{
    SP_POLICY *pol = ca_policy();
    const SP_VERDICT *v;
    X509 *c;

    add_root_inventory(pol);
    v = judge(pol, cross_new());
    CU_ASSERT_EQUAL(v->role, SP_ROLE_CROSS);
    TU_ASSERT_FINDING(v, "xcert.not_allowed");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);

    pol->ca.cross_allowed = 1;
    v = judge(pol, cross_new());
    CU_ASSERT_EQUAL(v->role, SP_ROLE_CROSS);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    /* G-X-01: a cross-certificate may omit the EKU ... */
    c = cross_new();
    tu_cert_del_ext(c, "extendedKeyUsage");
    expect_accepted(pol, c, "subca.eku_missing");
    /* ... but if present, never anyExtendedKeyUsage (G-X-02). */
    c = cross_new();
    tu_cert_set_ext(c, "extendedKeyUsage",
                    "emailProtection,anyExtendedKeyUsage");
    expect_refused(pol, c, "subca.eku_forbidden");
    /* G-X-03: the sub-CA rules apply. */
    c = cross_new();
    tu_cert_del_ext(c, "crlDistributionPoints");
    expect_refused(pol, c, "subca.crldp_missing");
    /* Same subject, another key: not a cross-certificate but a sub-CA
     * (whose subject organization has no entry). */
    c = cross_new();
    CU_ASSERT_FATAL(X509_set_pubkey(c, tu_key("p384")) == 1);
    tu_cert_set_ext(c, "subjectKeyIdentifier", "hash");
    v = judge(pol, c);
    CU_ASSERT_EQUAL(v->role, SP_ROLE_SUBCA);
    TU_ASSERT_FINDING(v, "subca.no_entry");
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* OCSP responder certificates (G-O)                                   */

static X509 *responder_new(void)
{
    X509 *c = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, KEY, root());

    tu_cert_set_subject(c, "/C=US/O=Test PKI/CN=Test OCSP Responder");
    tu_cert_del_ext(c, "subjectAltName");
    tu_cert_del_ext(c, "certificatePolicies");
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 30 * DAY - 1);
    tu_cert_set_ext(c, "keyUsage", "critical,digitalSignature");
    tu_cert_set_ext(c, "extendedKeyUsage", "OCSPSigning");
    tu_cert_set_ext_hex(c, "1.3.6.1.5.5.7.48.1.5", 0, "0500");
    return c;
}

static void test_responder(void)
{
    SP_POLICY *pol = ca_policy();
    const SP_VERDICT *v;
    X509 *c;

    v = judge(pol, responder_new());
    CU_ASSERT_EQUAL(v->role, SP_ROLE_OCSP);
    TU_ASSERT_FINDING(v, "ocspresp.not_allowed");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);

    pol->ca.responders_allowed = 1;
    v = judge(pol, responder_new());
    CU_ASSERT_EQUAL(v->role, SP_ROLE_OCSP);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    CU_ASSERT_EQUAL(v->findings.n, 0);

    c = responder_new();
    tu_cert_del_ext(c, "1.3.6.1.5.5.7.48.1.5");
    expect_refused(pol, c, "ocspresp.nocheck_missing");
    c = responder_new();
    tu_cert_set_ext_hex(c, "1.3.6.1.5.5.7.48.1.5", 0, "0101ff");
    expect_refused(pol, c, "ocspresp.nocheck_missing");
    c = responder_new();
    tu_cert_set_ext(c, "extendedKeyUsage", "OCSPSigning,emailProtection");
    expect_refused(pol, c, "ocspresp.eku_other");
    c = responder_new();
    tu_cert_set_ext(c, "keyUsage", "critical,digitalSignature,keyAgreement");
    expect_refused(pol, c, "ocspresp.ku");
    c = responder_new();
    tu_cert_set_ext(c, "keyUsage", "digitalSignature");
    expect_refused(pol, c, "ocspresp.ku");
    c = responder_new();
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 90 * DAY);
    expect_refused(pol, c, "ocspresp.validity");
    c = responder_new();
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 90 * DAY - 1);
    expect_accepted(pol, c, "ocspresp.validity");
    c = responder_new();
    tu_cert_set_ext(c, "subjectAltName", "email:ocsp@example.com");
    expect_refused(pol, c, "ocspresp.ext_unknown");
    c = responder_new();
    tu_cert_del_ext(c, "authorityKeyIdentifier");
    expect_refused(pol, c, "ocspresp.aki");

    /* Without any CA key in the policy the end-entity rules refuse it. */
    sp_policy_free(pol);
    pol = tu_policy();
    v = judge(pol, responder_new());
    CU_ASSERT_EQUAL(v->role, SP_ROLE_END_ENTITY);
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    sp_policy_free(pol);
}

/* ------------------------------------------------------------------ */
/* The issuing CA's name constraints on end-entity certificates        */

/* A TU_CA for a sub-CA certificate `c` (taken over), issued by the root;
 * its key is the P-256 subscriber key. */
static TU_CA *make_ca(X509 *c)
{
    TU_CA *ca = OPENSSL_zalloc(sizeof(*ca));
    uint8_t *tbs, *der;
    size_t len;
    char err[256];

    CU_ASSERT_FATAL(ca != NULL);
    tbs = tu_cert_tbs(c, root(), NULL, &len);
    OPENSSL_free(tbs);
    der = tu_cert_der(c, &len);
    ca->cert = c;
    ca->key = tu_key(KEY);
    ca->issuer = sp_issuer_from_der(der, len, err, sizeof(err));
    CU_ASSERT_FATAL(ca->issuer != NULL);
    snprintf(ca->kind, sizeof(ca->kind), "%s", KEY);
    OPENSSL_free(der);
    return ca;
}

/* A constrained sub-CA as a TU_CA (all NULL: no nameConstraints). */
static TU_CA *constrained_ca(const char *emails, const char *dn,
                             const char *excluded)
{
    X509 *c = subca_new();

    if (emails != NULL || dn != NULL || excluded != NULL)
        set_nc(c, 1, emails, dn, excluded);
    else
        tu_cert_del_ext(c, "nameConstraints");
    return make_ca(c);
}

static void free_ca(TU_CA *ca)
{
    X509_free(ca->cert);
    sp_issuer_free(ca->issuer);
    OPENSSL_free(ca);
}

static const SP_VERDICT *judge_ee(TU_CA *ca, const char *dn, const char *san)
{
    X509 *c = tu_cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, KEY, ca);
    const SP_VERDICT *v;

    tu_cert_set_subject(c, dn);
    if (san != NULL)
        tu_cert_set_ext(c, "subjectAltName", san);
    v = tu_judge_cert(NULL, c, ca);
    X509_free(c);
    return v;
}

static void test_issuer_nc(void)
{
    TU_CA *ca = constrained_ca("example.com,.example.com", DN_ENTRY, NULL);
    const SP_VERDICT *v;

    v = judge_ee(ca, DN_EE_INSIDE, "email:alice@example.com");
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    v = judge_ee(ca, DN_EE_INSIDE, "email:bob@mail.example.com");
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    v = judge_ee(ca, DN_EE_INSIDE,
                 "email:alice@example.com,email:mallory@evil.example");
    TU_ASSERT_FINDING(v, "nc.ee_email_outside");
    CU_ASSERT_PTR_NOT_NULL(strstr(tu_finding(v, "nc.ee_email_outside")->detail,
                                  "mallory@evil.example"));
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    /* The subject emailAddress counts as a mailbox too. */
    v = judge_ee(ca, DN_EE_INSIDE "/emailAddress=mallory@evil.example",
                 "email:alice@example.com,email:mallory@evil.example");
    CU_ASSERT_EQUAL(tu_has_finding(v, "nc.ee_email_outside"), 2);
    /* The subject must begin with the permitted directoryName. */
    v = judge_ee(ca,
                 "/C=DE/O=Other Ltd/organizationIdentifier="
                 "LEIXG-AEYE00EKXESVZUUEBP67/CN=Other Ltd",
                 "email:alice@example.com");
    TU_ASSERT_FINDING(v, "nc.ee_dirname_outside");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    free_ca(ca);

    /* Excluded subtrees, and a single-mailbox constraint. */
    ca = constrained_ca("alice@example.com,.example.com", DN_ENTRY,
                        "bad.example.com");
    v = judge_ee(ca, DN_EE_INSIDE, "email:alice@example.com");
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    v = judge_ee(ca, DN_EE_INSIDE, "email:bob@example.com");
    TU_ASSERT_FINDING(v, "nc.ee_email_outside");
    v = judge_ee(ca, DN_EE_INSIDE, "email:bob@bad.example.com");
    TU_ASSERT_FINDING(v, "nc.ee_email_outside");
    free_ca(ca);

    /* An issuer without nameConstraints constrains nothing. */
    ca = constrained_ca(NULL, NULL, NULL);
    v = judge_ee(ca, DN_EE_INSIDE, "email:mallory@evil.example");
    TU_ASSERT_NO_FINDING(v, "nc.ee_email_outside");
    TU_ASSERT_NO_FINDING(v, "nc.ee_dirname_outside");
    free_ca(ca);
}

/* RFC 5280: the issuer's pathLenConstraint bounds the CAs below it, and
 * its name constraints bind CA certificates too. */
static void test_issuer_pathlen_and_nc(void)
{
    SP_POLICY *pol = ca_policy();
    X509 *issuer_cert = subca_new(), *c;
    TU_CA *ca;
    const SP_VERDICT *v;

    pol->ca.subcas[0].path_len = -1;
    /* An issuer with pathLenConstraint 0 certifies no CA. */
    ca = constrained_ca("example.com", DN_ENTRY, NULL);
    v = tu_judge_cert(pol, c = subca_below(ca), ca);
    X509_free(c);
    TU_ASSERT_FINDING(v, "subca.issuer_pathlen");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    free_ca(ca);

    /* pathLenConstraint 1: a CA below needs pathLenConstraint 0. */
    tu_cert_set_ext(issuer_cert, "basicConstraints",
                    "critical,CA:TRUE,pathlen:1");
    tu_cert_del_ext(issuer_cert, "nameConstraints");
    ca = make_ca(issuer_cert);
    v = tu_judge_cert(pol, c = subca_below(ca), ca);
    X509_free(c);
    TU_ASSERT_NO_FINDING(v, "subca.issuer_pathlen");
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    c = subca_below(ca);
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE");
    v = tu_judge_cert(pol, c, ca);
    X509_free(c);
    TU_ASSERT_FINDING(v, "subca.issuer_pathlen");
    free_ca(ca);

    /* The issuer's directoryName constraint binds the sub-CA's subject. */
    issuer_cert = subca_new();
    tu_cert_set_ext(issuer_cert, "basicConstraints",
                    "critical,CA:TRUE,pathlen:1");
    set_nc(issuer_cert, 1, "example.com", "/C=DE/O=Elsewhere", NULL);
    ca = make_ca(issuer_cert);
    v = tu_judge_cert(pol, c = subca_below(ca), ca);
    X509_free(c);
    TU_ASSERT_FINDING(v, "nc.ee_dirname_outside");
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    free_ca(ca);
    sp_policy_free(pol);
}

/* An issuer whose nameConstraints cannot be read is refused at load. */
static void test_issuer_nc_malformed(void)
{
    X509 *c = subca_new();
    uint8_t *tbs, *der;
    size_t len;
    char err[256] = "";
    SP_ISSUER *iss;

    tu_cert_set_ext_hex(c, "2.5.29.30", 1, "3000");
    tbs = tu_cert_tbs(c, root(), NULL, &len);
    OPENSSL_free(tbs);
    der = tu_cert_der(c, &len);
    iss = sp_issuer_from_der(der, len, err, sizeof(err));
    CU_ASSERT_PTR_NULL(iss);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "nameConstraints"));
    sp_issuer_free(iss);
    OPENSSL_free(der);
    X509_free(c);
}

/* ------------------------------------------------------------------ */
/* Judging allocates nothing                                           */

/* A CA certificate, a refused one with many findings, a responder
 * certificate and an end-entity certificate under a constrained issuer:
 * no heap allocation while judging any of them. */
/* ------------------------------------------------------------------ */
/* Root CA certificates (F-R)                                          */

/* The sub-CA policy with root_certificates = allow. */
static SP_POLICY *root_policy(void)
{
    SP_POLICY *pol = ca_policy();

    pol->ca.roots_allowed = 1;
    return pol;
}

/* A compliant re-issue of the P-256 test root: its subject (so issuer ==
 * subject bytes) and key, basicConstraints and keyUsage as 7.1.2.1 says,
 * SKI, AKI = SKI, nothing else. Signed (by judge) with the root's key. */
static X509 *root_new(void)
{
    X509 *c = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, KEY, root());

    CU_ASSERT_FATAL(
        X509_set_subject_name(c, X509_get_subject_name(root()->cert)) == 1);
    CU_ASSERT_FATAL(X509_set_pubkey(c, root()->key) == 1);
    tu_cert_del_ext(c, "subjectAltName");
    tu_cert_del_ext(c, "extendedKeyUsage");
    tu_cert_del_ext(c, "certificatePolicies");
    tu_cert_del_ext(c, "crlDistributionPoints");
    tu_cert_del_ext(c, "authorityInfoAccess");
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE");
    tu_cert_set_ext(c, "keyUsage", "critical,keyCertSign,cRLSign");
    tu_cert_set_ext(c, "subjectKeyIdentifier", "hash");
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 20 * 365 * DAY);
    return c;
}

/* The root with another subject (issuer set to match, so still
 * self-issued). */
static X509 *root_named(const char *dn)
{
    X509 *c = root_new();

    tu_cert_set_subject(c, dn);
    CU_ASSERT_FATAL(X509_set_issuer_name(c, X509_get_subject_name(c)) == 1);
    return c;
}

/* root_certificates = refuse (the default) keeps refusing a self-issued
 * CA certificate as before. */
static void test_root_refused(void)
{
    SP_POLICY *pol = ca_policy();
    const SP_VERDICT *v = judge(pol, root_new());

    CU_ASSERT_EQUAL(v->role, SP_ROLE_SUBCA);
    TU_ASSERT_FINDING(v, "subca.self_issued");
    CU_ASSERT_PTR_NOT_NULL(strstr(tu_finding(v, "subca.self_issued")->detail,
                                  "root_certificates = refuse"));
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    sp_policy_free(pol);
}

static void test_root_accepted(void)
{
    SP_POLICY *pol = root_policy();
    const SP_VERDICT *v = judge(pol, root_new());

    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    CU_ASSERT_EQUAL(v->role, SP_ROLE_ROOT);
    CU_ASSERT_EQUAL(v->findings.n, 0);
    tu_dump(v, v->findings.n != 0);
    CU_ASSERT_STRING_EQUAL(sp_role_name(SP_ROLE_ROOT), "root-ca");
    /* A sub-CA is still a sub-CA when roots are allowed. */
    v = judge(pol, subca_new());
    CU_ASSERT_EQUAL(v->role, SP_ROLE_SUBCA);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    sp_policy_free(pol);
}

/* F-R-01. */
static void test_root_bc(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    tu_cert_set_ext(c, "basicConstraints", "CA:TRUE");
    expect_refused(pol, c, "root.bc_not_critical");
    expect_accepted(pol, root_new(), "root.bc_not_critical");
    c = root_new();
    tu_cert_set_ext(c, "basicConstraints", "critical,CA:TRUE,pathlen:1");
    expect_warning(pol, c, "root.pathlen");
    expect_accepted(pol, root_new(), "root.pathlen");
    sp_policy_free(pol);
}

/* F-R-02. */
static void test_root_ku(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    tu_cert_del_ext(c, "keyUsage");
    expect_refused(pol, c, "root.ku_missing");
    c = root_new();
    tu_cert_set_ext(c, "keyUsage", "keyCertSign,cRLSign");
    expect_refused(pol, c, "root.ku_missing");
    expect_accepted(pol, root_new(), "root.ku_missing");
    c = root_new();
    tu_cert_set_ext(c, "keyUsage", "critical,keyCertSign");
    expect_refused(pol, c, "root.ku_cert_sign");
    c = root_new();
    tu_cert_set_ext(c, "keyUsage", "critical,cRLSign");
    expect_refused(pol, c, "root.ku_cert_sign");
    expect_accepted(pol, root_new(), "root.ku_cert_sign");
    c = root_new();
    tu_cert_set_ext(c, "keyUsage",
                    "critical,keyCertSign,cRLSign,digitalSignature");
    expect_refused(pol, c, "root.ku_other");
    c = root_new();
    tu_cert_set_ext(c, "keyUsage",
                    "critical,keyCertSign,cRLSign,keyEncipherment");
    expect_refused(pol, c, "root.ku_other");
    /* A root key that signs OCSP responses: digitalSignature required. */
    pol->ca.root_digital_signature = 1;
    expect_refused(pol, root_new(), "root.ku_digital_signature");
    c = root_new();
    tu_cert_set_ext(c, "keyUsage",
                    "critical,keyCertSign,cRLSign,digitalSignature");
    expect_accepted(pol, c, "root.ku_digital_signature");
    sp_policy_free(pol);
}

/* F-R-03: a warning, and the sub-CA rules when present. */
static void test_root_cp(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    tu_cert_set_ext(c, "certificatePolicies", "2.23.140.1.5.1.3");
    expect_warning(pol, c, "root.cp_present");
    expect_accepted(pol, root_new(), "root.cp_present");
    c = root_new();
    tu_cert_set_ext(c, "certificatePolicies", "2.5.29.32.0");
    expect_refused(pol, c, "subca.cp_any_policy");
    sp_policy_free(pol);
}

/* F-R-04. */
static void test_root_eku(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    tu_cert_set_ext(c, "extendedKeyUsage", "emailProtection");
    expect_refused(pol, c, "root.eku_present");
    expect_accepted(pol, root_new(), "root.eku_present");
    sp_policy_free(pol);
}

/* F-R-05. */
static void test_root_ski(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    tu_cert_del_ext(c, "subjectKeyIdentifier");
    tu_cert_del_ext(c, "authorityKeyIdentifier");
    expect_refused(pol, c, "root.ski");
    c = root_new();
    tu_cert_set_ext(c, "subjectKeyIdentifier", "critical,hash");
    expect_refused(pol, c, "root.ski");
    c = root_new();
    tu_cert_set_ext_hex(c, "2.5.29.14", 0, "0400");
    expect_refused(pol, c, "root.ski");
    expect_accepted(pol, root_new(), "root.ski");
    sp_policy_free(pol);
}

/* F-R-06. */
static void test_root_subject(void)
{
    SP_POLICY *pol = root_policy();
    const SP_VERDICT *v;

    v = judge(pol, root_named("/C=US/CN=Test Root p256"));
    CU_ASSERT_EQUAL(v->role, SP_ROLE_ROOT);
    TU_ASSERT_FINDING(v, "root.subject_attr");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(tu_finding(v, "root.subject_attr")->detail, "organizationName"));
    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
    expect_refused(pol, root_named("/C=XX/O=Test PKI/CN=Test Root p256"),
                   "root.subject_country");
    expect_accepted(pol, root_new(), "root.subject_attr");
    expect_accepted(pol, root_new(), "root.subject_country");
    sp_policy_free(pol);
}

/* F-R-07: the key of a self-issued certificate is the signing key; AKI,
 * when present, is the certificate's own SKI. */
static void test_root_self_signed(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    CU_ASSERT_FATAL(X509_set_pubkey(c, tu_key("p384")) == 1);
    tu_cert_set_ext(c, "subjectKeyIdentifier", "hash");
    tu_cert_del_ext(c, "authorityKeyIdentifier");
    expect_refused(pol, c, "root.not_self_signed");
    expect_accepted(pol, root_new(), "root.not_self_signed");

    /* AKI: absent is fine; when present, keyIdentifier = SKI only. */
    c = root_new();
    tu_cert_del_ext(c, "authorityKeyIdentifier");
    expect_accepted(pol, c, "root.aki");
    c = root_new();
    tu_cert_set_ext_hex(c, "2.5.29.35", 0, "3006800401020304");
    expect_refused(pol, c, "root.aki");
    c = root_new();
    tu_cert_set_ext_hex(c, "2.5.29.35", 0, "3000");
    expect_refused(pol, c, "root.aki");
    c = root_new();
    tu_cert_set_ext(c, "authorityKeyIdentifier", "critical,keyid");
    expect_refused(pol, c, "root.aki");
    c = root_new();
    tu_cert_set_ext(c, "authorityKeyIdentifier", "keyid,issuer:always");
    expect_refused(pol, c, "root.aki");
    expect_accepted(pol, root_new(), "root.aki");
    sp_policy_free(pol);
}

/* A-09 for roots, and the optional root_max_validity (E-05). */
static void test_root_ext_validity(void)
{
    SP_POLICY *pol = root_policy();
    X509 *c = root_new();

    tu_cert_set_ext(c, "crlDistributionPoints", "URI:http://crl.example/r.crl");
    expect_refused(pol, c, "root.ext_unknown");
    c = root_new();
    set_nc(c, 1, "example.com", NULL, NULL);
    expect_refused(pol, c, "root.ext_unknown");
    expect_accepted(pol, root_new(), "root.ext_unknown");

    pol->ca.root_max_secs = 20 * 365 * DAY;
    c = root_new();
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 20 * 365 * DAY);
    expect_refused(pol, c, "root.validity");
    c = root_new();
    tu_cert_set_validity(c, TU_NOT_BEFORE, TU_NOT_BEFORE + 20 * 365 * DAY - 1);
    expect_accepted(pol, c, "root.validity");
    sp_policy_free(pol);
}

static void test_no_allocation(void)
{
#ifdef SP_COUNT_ALLOCS
    SP_POLICY *pol = ca_policy();
    TU_CA *ca = constrained_ca("example.com", DN_ENTRY, "bad.example.com");
    X509 *good = subca_new(), *bad = subca_new(), *resp = responder_new();
    X509 *root_cert = root_new();
    X509 *ee = tu_cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, KEY, ca);
    SP_JUDGE_OPTS root_opts = {SP_AT_NOTBEFORE, root()->issuer, 1};
    SP_JUDGE_OPTS ca_opts = {SP_AT_NOTBEFORE, ca->issuer, 1};
    SP_VERDICT *v = OPENSSL_zalloc(sizeof(*v));
    uint8_t *t[5];
    size_t len[5];

    CU_ASSERT_FATAL(v != NULL);
    pol->ca.responders_allowed = 1;
    pol->ca.roots_allowed = 1;
    tu_cert_set_ext(bad, "extendedKeyUsage", "serverAuth,anyExtendedKeyUsage");
    tu_cert_set_ext(bad, "keyUsage", "keyCertSign,digitalSignature");
    set_nc(bad, 0, "bob@example.com,example.org", "/C=FR", NULL);
    tu_cert_set_subject(ee, DN_EE_INSIDE);
    tu_cert_set_ext(ee, "subjectAltName", "email:eve@bad.example.com");
    t[0] = tu_cert_tbs(good, root(), NULL, &len[0]);
    t[1] = tu_cert_tbs(bad, root(), NULL, &len[1]);
    t[2] = tu_cert_tbs(resp, root(), NULL, &len[2]);
    t[3] = tu_cert_tbs(ee, ca, NULL, &len[3]);
    t[4] = tu_cert_tbs(root_cert, root(), NULL, &len[4]);

    if (!tu_allocs_interposed()) {
        fprintf(stderr, "(malloc is not interposed here; not measured) ");
    } else {
        tu_n_allocs = 0;
        tu_counting_allocs = 1;
        for (int i = 0; i < 3; i++)
            sp_judge(pol, t[i], len[i], &root_opts, v);
        sp_judge(pol, t[3], len[3], &ca_opts, v);
        sp_judge(pol, t[4], len[4], &root_opts, v);
        tu_counting_allocs = 0;
        CU_ASSERT_EQUAL(tu_n_allocs, 0);
    }
    /* The decisions counted are the ones intended. */
    CU_ASSERT_EQUAL(sp_judge(pol, t[0], len[0], &root_opts, v),
                    SP_DECIDE_ACCEPT);
    CU_ASSERT_EQUAL(sp_judge(pol, t[1], len[1], &root_opts, v),
                    SP_DECIDE_REFUSE);
    CU_ASSERT_TRUE(v->findings.n >= 5);
    CU_ASSERT_EQUAL(sp_judge(pol, t[2], len[2], &root_opts, v),
                    SP_DECIDE_ACCEPT);
    CU_ASSERT_EQUAL(v->role, SP_ROLE_OCSP);
    CU_ASSERT_EQUAL(sp_judge(pol, t[3], len[3], &ca_opts, v), SP_DECIDE_REFUSE);
    TU_ASSERT_FINDING(v, "nc.ee_email_outside");
    CU_ASSERT_EQUAL(sp_judge(pol, t[4], len[4], &root_opts, v),
                    SP_DECIDE_ACCEPT);
    CU_ASSERT_EQUAL(v->role, SP_ROLE_ROOT);
    for (int i = 0; i < 5; i++)
        OPENSSL_free(t[i]);
    OPENSSL_free(v);
    X509_free(good);
    X509_free(bad);
    X509_free(resp);
    X509_free(ee);
    X509_free(root_cert);
    free_ca(ca);
    sp_policy_free(pol);
#else
    fprintf(stderr, "(allocation counting needs glibc without ASan) ");
#endif
}

/* ------------------------------------------------------------------ */
/* Policy file keys (policy_ca.c)                                      */

static char policy_path[300];
static char err[SP_POLICY_ERR_MAX];

static void write_file(const char *name, const char *text)
{
    char path[400];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL_FATAL(fputs(text, fp) >= 0, 1);
    CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
}

static void write_cert(const char *name, X509 *cert)
{
    char path[400];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(fp);
    CU_ASSERT_EQUAL_FATAL(PEM_write_X509(fp, cert), 1);
    CU_ASSERT_EQUAL_FATAL(fclose(fp), 0);
}

static SP_POLICY *load(const char *text)
{
    write_file("policy.cnf", text);
    err[0] = '\0';
    return sp_policy_load(policy_path, err, sizeof(err));
}

/* Loading must fail, naming the file first and then every part. */
static void expect_error(int line, const char *text, const char *const *parts)
{
    SP_POLICY *pol = load(text);
    int ok = pol == NULL && strncmp(err, policy_path, strlen(policy_path)) == 0;

    for (size_t i = 0; ok && parts[i] != NULL; i++)
        ok = strstr(err, parts[i]) != NULL;
    if (!ok)
        fprintf(stderr, "\nline %d: %s: \"%s\"\n", line,
                pol == NULL ? "error" : "loaded", err);
    CU_ASSERT_TRUE(ok);
    sp_policy_free(pol);
}

#define EXPECT_ERROR(text, ...)                                                \
    do {                                                                       \
        static const char *const parts_[] = {__VA_ARGS__, NULL};               \
        expect_error(__LINE__, (text), parts_);                                \
    } while (0)

#define MAIN "[smimepolicy]\n"
#define ENTRY_A                                                                \
    "[a]\norganization = Example Ltd\ncountry = DE\n"                          \
    "permitted_email = example.com, .Example.com\n"

static void test_policy_defaults(void)
{
    SP_POLICY *pol = load(MAIN "mode = enforce\n");

    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 0);
    CU_ASSERT_EQUAL(pol->ca.n_subcas, 0);
    CU_ASSERT_EQUAL(pol->ca.name_constraints, SP_NC_REQUIRE_EXTERNAL);
    CU_ASSERT_EQUAL(pol->ca.cross_allowed, 0);
    CU_ASSERT_EQUAL(pol->ca.responders_allowed, 0);
    CU_ASSERT_EQUAL(pol->ca.responder_max_secs, 90 * DAY);
    CU_ASSERT_EQUAL(pol->ca.roots_allowed, 0);
    CU_ASSERT_EQUAL(pol->ca.root_digital_signature, 0);
    CU_ASSERT_EQUAL(pol->ca.root_max_secs, 0);
    sp_policy_free(pol);
    /* Refusing explicitly enables nothing. */
    pol = load(MAIN "root_certificates = refuse\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 0);
    CU_ASSERT_EQUAL(pol->ca.roots_allowed, 0);
    sp_policy_free(pol);
}

static void test_policy_keys(void)
{
    SP_POLICY *pol;
    const SP_SUBCA_ENTRY *a, *b;

    write_cert("root.pem", tu_root_ca("p384")->cert);
    pol = load(MAIN "subca = a, b\nsubca_name_constraints = all\n"
                    "cross_certificates = allow\nroots = root.pem\n"
                    "ocsp_responders = allow\n"
                    "ocsp_responder_max_validity = 30d\n" ENTRY_A
                    "path_len = any\n"
                    "[b]\norganization = Own Operations GmbH\nexternal = no\n"
                    "affiliated = yes\ndigital_signature = yes\npath_len = 2\n"
                    "permitted_email = own.example\n");
    if (pol == NULL)
        fprintf(stderr, "\n%s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 1);
    CU_ASSERT_EQUAL(pol->ca.name_constraints, SP_NC_REQUIRE_ALL);
    CU_ASSERT_EQUAL(pol->ca.cross_allowed, 1);
    CU_ASSERT_EQUAL(pol->ca.n_roots, 1);
    CU_ASSERT_EQUAL(pol->ca.responders_allowed, 1);
    CU_ASSERT_EQUAL(pol->ca.responder_max_secs, 30 * DAY);
    CU_ASSERT_EQUAL_FATAL(pol->ca.n_subcas, 2);
    a = &pol->ca.subcas[0];
    b = &pol->ca.subcas[1];
    CU_ASSERT_STRING_EQUAL(a->name, "a");
    CU_ASSERT_STRING_EQUAL(a->organization, "Example Ltd");
    CU_ASSERT_STRING_EQUAL(a->country, "DE");
    CU_ASSERT_EQUAL(a->external, 1);
    CU_ASSERT_EQUAL(a->affiliated, 0);
    CU_ASSERT_EQUAL(a->path_len, -1);
    CU_ASSERT_EQUAL(a->digital_signature, 0);
    CU_ASSERT_EQUAL_FATAL(a->n_permitted_email, 2);
    CU_ASSERT_STRING_EQUAL(a->permitted_email[1], ".example.com");
    CU_ASSERT_STRING_EQUAL(b->country, "");
    CU_ASSERT_EQUAL(b->external, 0);
    CU_ASSERT_EQUAL(b->affiliated, 1);
    CU_ASSERT_EQUAL(b->digital_signature, 1);
    CU_ASSERT_EQUAL(b->path_len, 2);
    sp_policy_free(pol);

    /* Each of the three switches enables roles on its own. */
    pol = load(MAIN "ocsp_responders = allow\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 1);
    sp_policy_free(pol);
    pol = load(MAIN "cross_certificates = allow\nroots = root.pem\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 1);
    sp_policy_free(pol);
    /* Root certificates, on their own. */
    pol = load(MAIN "root_certificates = allow\nroot_digital_signature = yes\n"
                    "root_max_validity = 9132d\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 1);
    CU_ASSERT_EQUAL(pol->ca.roots_allowed, 1);
    CU_ASSERT_EQUAL(pol->ca.root_digital_signature, 1);
    CU_ASSERT_EQUAL(pol->ca.root_max_secs, 9132 * DAY);
    sp_policy_free(pol);
    /* An internal operator under "external" needs no permitted_email. */
    pol = load(MAIN "subca = b\n[b]\norganization = Own GmbH\nexternal = no\n");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.subcas[0].n_permitted_email, 0);
    sp_policy_free(pol);
}

static void test_policy_errors(void)
{
    write_cert("root.pem", tu_root_ca("p384")->cert);
    write_cert("notroot.pem", tu_issuing_ca("p256")->cert);
    EXPECT_ERROR(MAIN "subca = nosuch\n", "[smimepolicy] subca = \"nosuch\"",
                 "no section [nosuch]");
    EXPECT_ERROR(MAIN "subca = ,\n", "[smimepolicy] subca", "empty list");
    EXPECT_ERROR(MAIN "subca = a, a\n" ENTRY_A, "subca = \"a\"",
                 "listed twice");
    EXPECT_ERROR(MAIN "subca = a\n[a]\ncountry = DE\n", "[a] organization",
                 "required");
    EXPECT_ERROR(MAIN "subca = a, b\n" ENTRY_A "[b]\norganization = Example "
                      "Ltd\nexternal = no\n",
                 "[b] organization = \"Example Ltd\"", "entry [a]");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "colour = red\n",
                 "[a] colour = \"red\"", "unknown key");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "country = XK\n",
                 "[a] country = \"XK\"", "ISO 3166-1");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "country = de\n",
                 "[a] country = \"de\"", "ISO 3166-1");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "external = maybe\n",
                 "[a] external = \"maybe\"", "must be");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "path_len = 9\n",
                 "[a] path_len = \"9\"", "0 to 8");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "path_len = -1\n",
                 "[a] path_len = \"-1\"", "any");
    EXPECT_ERROR(MAIN "subca = a\n" ENTRY_A "affiliated = yes\n",
                 "[a] affiliated = \"yes\"", "external");
    EXPECT_ERROR(MAIN "subca = a\n[a]\norganization = X\n"
                      "permitted_email = bob@example.com\n",
                 "[a] permitted_email = \"bob@example.com\"",
                 "mailbox address");
    EXPECT_ERROR(MAIN "subca = a\n[a]\norganization = X\n"
                      "permitted_email = com\n",
                 "[a] permitted_email = \"com\"", "fully qualified");
    EXPECT_ERROR(MAIN "subca = a\n[a]\norganization = X\n"
                      "permitted_email = ,\n",
                 "[a] permitted_email", "empty list");
    EXPECT_ERROR(MAIN "subca = a\n[a]\norganization = X\n",
                 "[a] permitted_email", "technically constrained");
    EXPECT_ERROR(MAIN "subca_name_constraints = all\nsubca = b\n[b]\n"
                      "organization = Own\nexternal = no\n",
                 "[b] permitted_email", "subca_name_constraints = all");
    EXPECT_ERROR(MAIN "subca_name_constraints = some\n",
                 "[smimepolicy] subca_name_constraints = \"some\"",
                 "external, all or none");
    EXPECT_ERROR(MAIN "cross_certificates = yes\n",
                 "[smimepolicy] cross_certificates = \"yes\"",
                 "allow or refuse");
    EXPECT_ERROR(MAIN "cross_certificates = allow\n", "[smimepolicy] roots",
                 "required");
    EXPECT_ERROR(MAIN "cross_certificates = allow\nroots = nosuch.pem\n",
                 "[smimepolicy] roots = \"nosuch.pem\"", "cannot open");
    EXPECT_ERROR(MAIN "cross_certificates = allow\nroots = notroot.pem\n",
                 "[smimepolicy] roots = \"notroot.pem\"",
                 "not a self-signed root");
    EXPECT_ERROR(MAIN "roots = ,\n", "[smimepolicy] roots", "empty list");
    EXPECT_ERROR(MAIN "ocsp_responders = on\n",
                 "[smimepolicy] ocsp_responders = \"on\"", "allow or refuse");
    EXPECT_ERROR(MAIN "ocsp_responder_max_validity = 826d\n",
                 "[smimepolicy] ocsp_responder_max_validity = \"826d\"",
                 "825 days");
    EXPECT_ERROR(MAIN "root_certificates = yes\n",
                 "[smimepolicy] root_certificates = \"yes\"",
                 "allow or refuse");
    EXPECT_ERROR(MAIN "root_certificates = allow\n"
                      "root_digital_signature = maybe\n",
                 "[smimepolicy] root_digital_signature = \"maybe\"", "must be");
    EXPECT_ERROR(MAIN "root_certificates = allow\nroot_max_validity = soon\n",
                 "[smimepolicy] root_max_validity = \"soon\"", "duration");
    EXPECT_ERROR(MAIN "root_certificates = allow\nroot_max_validity = 9133d\n",
                 "[smimepolicy] root_max_validity = \"9133d\"", "9132 days");
    EXPECT_ERROR(MAIN "root_max_validity = 9000d\n",
                 "[smimepolicy] root_max_validity",
                 "only with root_certificates = allow");
    EXPECT_ERROR(MAIN "root_certificates = refuse\n"
                      "root_digital_signature = yes\n",
                 "[smimepolicy] root_digital_signature",
                 "only with root_certificates = allow");
    EXPECT_ERROR(MAIN "ocsp_responder_max_validity = soon\n",
                 "[smimepolicy] ocsp_responder_max_validity = \"soon\"",
                 "duration");
}

/* conf/example-subca.cnf as shipped, with its root certificate, and a
 * constrained sub-CA for its External Sub-CA entry judged through it. */
static void test_shipped_example(void)
{
    char text[1024];
    SP_POLICY *pol;
    const SP_VERDICT *v;
    X509 *c;

    write_cert("root-ca.pem", root()->cert);
    snprintf(text, sizeof(text), ".include %s/conf/example-subca.cnf\n",
             SP_SRCDIR);
    /* Its issuers = root-ca.pem is relative to the directory of the
     * policy file loaded (the site file including the example). */
    pol = load(text);
    if (pol == NULL)
        fprintf(stderr, "\n%s\n", err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(pol);
    CU_ASSERT_EQUAL(pol->ca.enabled, 1);
    CU_ASSERT_EQUAL_FATAL(pol->ca.n_subcas, 2);
    CU_ASSERT_STRING_EQUAL(pol->ca.subcas[0].organization, ORG);
    CU_ASSERT_EQUAL(pol->ca.subcas[0].external, 1);
    CU_ASSERT_EQUAL(pol->ca.subcas[1].affiliated, 1);
    CU_ASSERT_EQUAL(pol->ca.responders_allowed, 1);
    CU_ASSERT_EQUAL(pol->ca.cross_allowed, 0);

    v = judge(pol, subca_new());
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    c = subca_new();
    tu_cert_del_ext(c, "nameConstraints");
    expect_refused(pol, c, "nc.missing");
    c = subca_new();
    set_nc(c, 1, "example.net", DN_ENTRY, NULL);
    expect_refused(pol, c, "nc.outside_entry");
    sp_policy_free(pol);
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* ------------------------------------------------------------------ */

static const TU_TEST role_tests[] = {
    {"compliant constrained sub-CA", test_subca_accepted},
    {"CA certificates not enabled", test_subca_not_enabled},
    {"subca.no_entry", test_subca_no_entry},
    {"subca.self_issued", test_subca_self_issued},
    {NULL, NULL},
};

static const TU_TEST subca_tests[] = {
    {"certificatePolicies", test_subca_cp},
    {"CRLDP and AIA", test_subca_crldp_aia},
    {"basicConstraints", test_subca_bc},
    {"keyUsage", test_subca_ku},
    {"extKeyUsage", test_subca_eku},
    {"AKI and SKI", test_subca_aki_ski},
    {"subject", test_subca_subject},
    {"unknown extension", test_subca_ext_unknown},
    {"malformed extensions", test_subca_malformed},
    {"core rules", test_subca_core},
    {NULL, NULL},
};

static const TU_TEST nc_tests[] = {
    {"required constraints", test_nc_required},
    {"form", test_nc_form},
    {"permitted subtrees and the entry", test_nc_subtrees},
    {"matching", test_nc_matching},
    {"issuer constraints on end-entity certificates", test_issuer_nc},
    {"issuer with malformed constraints", test_issuer_nc_malformed},
    {"issuer pathLenConstraint and constraints on CAs",
     test_issuer_pathlen_and_nc},
    {NULL, NULL},
};

static const TU_TEST other_tests[] = {
    {"cross-certificates", test_cross},
    {"OCSP responder certificates", test_responder},
    {"judging allocates nothing", test_no_allocation},
    {NULL, NULL},
};

static const TU_TEST root_tests[] = {
    {"root_certificates = refuse: subca.self_issued", test_root_refused},
    {"compliant root re-issue", test_root_accepted},
    {"basicConstraints", test_root_bc},
    {"keyUsage", test_root_ku},
    {"certificatePolicies", test_root_cp},
    {"extKeyUsage", test_root_eku},
    {"subjectKeyIdentifier", test_root_ski},
    {"subject", test_root_subject},
    {"self-signed key and AKI", test_root_self_signed},
    {"extensions and root_max_validity", test_root_ext_validity},
    {NULL, NULL},
};

static const TU_TEST policy_tests[] = {
    {"defaults", test_policy_defaults},
    {"keys", test_policy_keys},
    {"errors", test_policy_errors},
    {"conf/example-subca.cnf", test_shipped_example},
    {NULL, NULL},
};

int main(void)
{
    const char *base = getenv("TMPDIR");
    int rc;

    /* It would redirect the relative .include of the shipped example. */
    unsetenv("OPENSSL_CONF_INCLUDE");
    snprintf(tmpdir, sizeof(tmpdir), "%s/sp-rules-ca-XXXXXX",
             base != NULL && *base != '\0' ? base : "/tmp");
    if (mkdtemp(tmpdir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(policy_path, sizeof(policy_path), "%s/policy.cnf", tmpdir);
    tu_init();
    tu_add_suite("roles", role_tests);
    tu_add_suite("sub-CA rules", subca_tests);
    tu_add_suite("name constraints", nc_tests);
    tu_add_suite("cross and responder certificates", other_tests);
    tu_add_suite("root certificates", root_tests);
    tu_add_suite("policy file", policy_tests);
    rc = tu_run();
    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
