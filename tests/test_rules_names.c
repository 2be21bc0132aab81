/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests of the subject DN and subjectAltName rules (rules_names.c,
 * rules_san.c). Every case starts from testutil's compliant certificate
 * for a profile, changes one thing, signs it with a real CA key and
 * judges the TBS through sp_judge, then asserts the exact finding code
 * and the decision. Passing twins assert the finding is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include "rules.h"
#include "testutil.h"

#define KEY "p256"

static const sp_type all_types[] = {SP_TYPE_MAILBOX, SP_TYPE_ORGANIZATION,
                                    SP_TYPE_SPONSORED, SP_TYPE_INDIVIDUAL};
static const sp_generation all_gens[] = {SP_GEN_LEGACY, SP_GEN_MULTIPURPOSE,
                                         SP_GEN_STRICT};

/* The subjects of testutil's templates, to build variants from. */
#define DN_OV_TAIL "/O=Acme Industries, Ltd./CN=Acme Industries, Ltd."
#define DN_ORGID "/organizationIdentifier=LEIXG-AEYE00EKXESVZUUEBP67"
static const char *const template_dn[] = {
    [SP_TYPE_MAILBOX] = "/CN=alice@example.com",
    [SP_TYPE_ORGANIZATION] = DN_ORGID DN_OV_TAIL,
    [SP_TYPE_SPONSORED] =
        DN_ORGID "/O=Acme Industries, Ltd./SN=Smith/GN=Alice/CN=Alice Smith",
    [SP_TYPE_INDIVIDUAL] = "/GN=Alice/SN=Smith/CN=Alice Smith",
};

/* ------------------------------------------------------------------ */
/* Helpers                                                             */

static const TU_CA *ca(void)
{
    return tu_issuing_ca(KEY);
}

static X509 *cert_new(sp_type type, sp_generation gen)
{
    return tu_cert_new(type, gen, KEY, ca());
}

/* Judge with the default policy and free the certificate. */
static const SP_VERDICT *judge(X509 *cert)
{
    const SP_VERDICT *v = tu_judge_cert(NULL, cert, ca());

    X509_free(cert);
    return v;
}

/* The template of (type, gen) with subject `dn` (NULL: template) and SAN
 * in X509V3 syntax (NULL: template's email:alice@example.com). */
static const SP_VERDICT *judge_dn(sp_type type, sp_generation gen,
                                  const char *dn, const char *san)
{
    X509 *cert = cert_new(type, gen);

    if (dn != NULL)
        tu_cert_set_subject(cert, dn);
    if (san != NULL)
        tu_cert_set_ext(cert, "subjectAltName", san);
    return judge(cert);
}

/* The template subject of `type` followed by `extra`. */
static const SP_VERDICT *judge_extra(sp_type type, sp_generation gen,
                                     const char *extra)
{
    char dn[1024];

    snprintf(dn, sizeof(dn), "%s%s", template_dn[type], extra);
    return judge_dn(type, gen, dn, NULL);
}

/* An OV Multipurpose subject with organizationIdentifier `orgid` and
 * `extra` attributes after it. */
static const SP_VERDICT *judge_orgid(const char *orgid, const char *extra)
{
    char dn[512];

    snprintf(dn, sizeof(dn), "/organizationIdentifier=%s%s%s", orgid,
             DN_OV_TAIL, extra);
    return judge_dn(SP_TYPE_ORGANIZATION, SP_GEN_MULTIPURPOSE, dn, NULL);
}

/* Findings of the names rules (subject.*, san.*) at or above `min`. */
static int names_findings(const SP_VERDICT *v, sp_severity min)
{
    int n = 0;

    for (size_t i = 0; i < v->findings.n; i++) {
        const char *code = sp_rules[v->findings.f[i].rule].code;
        if (v->findings.f[i].severity >= min
            && (strncmp(code, "subject.", 8) == 0
                || strncmp(code, "san.", 4) == 0))
            n++;
    }
    return n;
}

/* Both macros evaluate their verdict argument once. */
#define ASSERT_REFUSED_WITH(verdict, code)                                     \
    do {                                                                       \
        const SP_VERDICT *v_ = (verdict);                                      \
        TU_ASSERT_FINDING(v_, (code));                                         \
        TU_ASSERT_DECISION(v_, SP_DECIDE_REFUSE);                              \
    } while (0)

/* No finding of the names rules at all, and accepted. */
#define ASSERT_CLEAN(verdict)                                                  \
    do {                                                                       \
        const SP_VERDICT *v_ = (verdict);                                      \
        if (names_findings(v_, SP_SEV_NOTICE) != 0)                            \
            tu_dump(v_, 1);                                                    \
        CU_ASSERT_EQUAL(names_findings(v_, SP_SEV_NOTICE), 0);                 \
        TU_ASSERT_DECISION(v_, SP_DECIDE_ACCEPT);                              \
    } while (0)

/* One attribute of a hand-encoded subject. */
typedef struct typed_attr_st {
    const char *field; /* OpenSSL short name or dotted OID */
    int type; /* V_ASN1_UTF8STRING, ... (stored as given) or MBSTRING_UTF8 */
    const char *value; /* bytes in that type's encoding */
    size_t len;        /* 0: strlen(value) */
    int join;          /* 1: same RDN as the previous attribute */
} TYPED_ATTR;

static void set_subject_typed(X509 *cert, const TYPED_ATTR *attrs, size_t n)
{
    X509_NAME *name = X509_NAME_new();

    CU_ASSERT_PTR_NOT_NULL_FATAL(name);
    for (size_t i = 0; i < n; i++) {
        size_t len = attrs[i].len ? attrs[i].len : strlen(attrs[i].value);
        CU_ASSERT_FATAL(
            X509_NAME_add_entry_by_txt(name, attrs[i].field, attrs[i].type,
                                       (const unsigned char *)attrs[i].value,
                                       (int)len, -1, attrs[i].join ? -1 : 0));
    }
    CU_ASSERT_FATAL(X509_set_subject_name(cert, name));
    X509_NAME_free(name);
}

/* Raw DER assembly for SAN values libcrypto's config syntax cannot
 * express (quoted local parts, wrong string types, broken Names). */
typedef struct der_buf_st {
    uint8_t b[4096];
    size_t n;
} DER_BUF;

static void put_tlv(DER_BUF *out, unsigned tag, const void *content, size_t len)
{
    CU_ASSERT_FATAL(out->n + len + 6 <= sizeof(out->b));
    out->n += tu_der_tlv(out->b + out->n, tag, content, len);
}

static void put_oid(DER_BUF *out, const char *text)
{
    uint8_t oid[64];
    size_t len = sp_der_oid_from_text(text, oid, sizeof(oid));

    CU_ASSERT_FATAL(len > 0);
    put_tlv(out, SP_TAG_OID, oid, len);
}

static void gn_rfc822(DER_BUF *gns, const char *mailbox)
{
    put_tlv(gns, SP_TAG_CTX(1), mailbox, strlen(mailbox));
}

static void gn_other(DER_BUF *gns, const char *oid, unsigned tag,
                     const char *value)
{
    DER_BUF on = {0}, inner = {0};

    put_oid(&on, oid);
    put_tlv(&inner, tag, value, strlen(value));
    put_tlv(&on, SP_TAG_CTX_CONS(0), inner.b, inner.n);
    put_tlv(gns, SP_TAG_CTX_CONS(0), on.b, on.n);
}

/* Append one single-valued RDN to an RDNSequence under construction. */
static void rdn_add(DER_BUF *rdns, const char *oid, unsigned tag,
                    const char *value)
{
    DER_BUF atv = {0}, seq = {0};

    put_oid(&atv, oid);
    put_tlv(&atv, tag, value, strlen(value));
    put_tlv(&seq, SP_TAG_SEQUENCE, atv.b, atv.n);
    put_tlv(rdns, SP_TAG_SET, seq.b, seq.n);
}

static void gn_dirname(DER_BUF *gns, const DER_BUF *rdns)
{
    DER_BUF name = {0};

    put_tlv(&name, SP_TAG_SEQUENCE, rdns->b, rdns->n);
    put_tlv(gns, SP_TAG_CTX_CONS(4), name.b, name.n);
}

static void set_san_der(X509 *cert, const DER_BUF *gns, int critical)
{
    DER_BUF seq = {0};

    put_tlv(&seq, SP_TAG_SEQUENCE, gns->b, gns->n);
    tu_cert_set_ext_der(cert, "2.5.29.17", critical, seq.b, seq.n);
}

/* Judge the Mailbox Strict template whose SAN is alice@example.com plus
 * one rfc822Name `mailbox`. */
static const SP_VERDICT *judge_rfc822(const char *mailbox)
{
    X509 *cert = cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT);
    DER_BUF gns = {0};

    gn_rfc822(&gns, "alice@example.com");
    gn_rfc822(&gns, mailbox);
    set_san_der(cert, &gns, 0);
    return judge(cert);
}

/* Same with one otherName of type `oid` holding `value` as `tag`. */
static const SP_VERDICT *judge_other_name(sp_generation gen, const char *oid,
                                          unsigned tag, const char *value)
{
    X509 *cert = cert_new(SP_TYPE_MAILBOX, gen);
    DER_BUF gns = {0};

    gn_rfc822(&gns, "alice@example.com");
    gn_other(&gns, oid, tag, value);
    set_san_der(cert, &gns, 0);
    return judge(cert);
}

static char *repeat(char *buf, const char *unit, size_t times)
{
    buf[0] = 0;
    for (size_t i = 0; i < times; i++)
        strcat(buf, unit);
    return buf;
}

/* ------------------------------------------------------------------ */
/* C.1: the attribute matrix                                           */

/* The C.1 table, written out again from SBR 7.1.4.2.3-7.1.4.2.6 (not
 * copied from the engine's table), with a compliant sample value. */
static const struct {
    const char *field;
    const char *value;
    const char *cells[4]; /* MV, OV, SV, IV; letters L, M, S */
} c1_rows[] = {
    {"CN", "alice@example.com", {"MMM", "MMM", "MMM", "MMM"}},
    {"O", "Acme Industries, Ltd.", {"XXX", "RRR", "RRR", "XXX"}},
    {"OU", "Acme Subsidiary Ltd.", {"XXX", "MMM", "MMM", "XXX"}},
    {"organizationIdentifier",
     "LEIXG-AEYE00EKXESVZUUEBP67",
     {"XXX", "RRR", "RRR", "XXX"}},
    {"GN", "Alice", {"XXX", "XXX", "MMM", "MMM"}},
    {"SN", "Smith", {"XXX", "XXX", "MMM", "MMM"}},
    {"pseudonym", "Ally", {"XXX", "XXX", "MMM", "MMM"}},
    {"serialNumber", "A1234", {"MMM", "MMM", "MMM", "MMM"}},
    {"emailAddress", "alice@example.com", {"MMM", "MMM", "MMM", "MMM"}},
    {"title", "Engineer", {"XXX", "XXX", "MMM", "MMM"}},
    {"street", "1 Main Street", {"XXX", "MMX", "MMX", "MMX"}},
    {"L", "Berlin", {"XXX", "MMM", "MMM", "MMM"}},
    {"ST", "Berlin", {"XXX", "MMM", "MMM", "MMM"}},
    {"postalCode", "10115", {"XXX", "MMX", "MMX", "MMX"}},
    {"C", "DE", {"XXX", "MMM", "MMM", "MMM"}},
};

/* Every cell: adding the attribute to the template is refused with
 * subject.prohibited_attribute exactly where the cell says X. */
static void test_matrix_prohibited_cells(void)
{
    for (size_t r = 0; r < sizeof(c1_rows) / sizeof(c1_rows[0]); r++) {
        for (size_t t = 0; t < 4; t++) {
            for (size_t g = 0; g < 3; g++) {
                char extra[128];
                const SP_VERDICT *v;
                int expect = c1_rows[r].cells[t][g] == 'X';

                snprintf(extra, sizeof(extra), "/%s=%s", c1_rows[r].field,
                         c1_rows[r].value);
                v = judge_extra(all_types[t], all_gens[g], extra);
                if (tu_has_finding(v, "subject.prohibited_attribute")
                    != expect) {
                    fprintf(stderr, "  cell %s %s %s\n", c1_rows[r].field,
                            sp_type_name(all_types[t]),
                            sp_generation_name(all_gens[g]));
                    tu_dump(v, 1);
                }
                CU_ASSERT_EQUAL(
                    tu_has_finding(v, "subject.prohibited_attribute"), expect);
                if (expect) {
                    TU_ASSERT_DECISION(v, SP_DECIDE_REFUSE);
                    /* the message names the attribute and its value */
                    CU_ASSERT_PTR_NOT_NULL(strstr(
                        tu_finding(v, "subject.prohibited_attribute")->detail,
                        c1_rows[r].value));
                }
            }
        }
    }
}

/* The R cells: O and organizationIdentifier in OV and SV. */
static void test_matrix_required_cells(void)
{
    static const sp_type types[] = {SP_TYPE_ORGANIZATION, SP_TYPE_SPONSORED};

    for (size_t t = 0; t < 2; t++) {
        for (size_t g = 0; g < 3; g++) {
            const SP_VERDICT *v;
            char dn[256];

            /* without organizationIdentifier */
            snprintf(dn, sizeof(dn), "%s",
                     template_dn[types[t]] + strlen(DN_ORGID));
            v = judge_dn(types[t], all_gens[g], dn, NULL);
            ASSERT_REFUSED_WITH(v, "subject.required_attribute_missing");
            CU_ASSERT_EQUAL(
                tu_has_finding(v, "subject.required_attribute_missing"), 1);

            /* without organizationName (CN then names the mailbox) */
            snprintf(dn, sizeof(dn), "%s%s", DN_ORGID,
                     types[t] == SP_TYPE_SPONSORED
                         ? "/SN=Smith/GN=Alice/CN=Alice Smith"
                         : "/CN=alice@example.com");
            v = judge_dn(types[t], all_gens[g], dn, NULL);
            ASSERT_REFUSED_WITH(v, "subject.required_attribute_missing");

            /* the template has both */
            v = judge_dn(types[t], all_gens[g], NULL, NULL);
            TU_ASSERT_NO_FINDING(v, "subject.required_attribute_missing");
        }
    }
}

/* "Any other attribute": only Legacy OV, SV and IV. */
static void test_matrix_other_attributes(void)
{
    static const char *const other_cells[4] = {"XXX", "MXX", "MXX", "MXX"};

    for (size_t t = 0; t < 4; t++) {
        for (size_t g = 0; g < 3; g++) {
            int expect = other_cells[t][g] == 'X';
            const SP_VERDICT *v =
                judge_extra(all_types[t], all_gens[g],
                            "/description=Sales/DC=example/DC=com");

            /* DC twice is one other attribute type: reported once */
            CU_ASSERT_EQUAL(tu_has_finding(v, "subject.other_attribute"),
                            expect ? 2 : 0);
            TU_ASSERT_DECISION(v, expect ? SP_DECIDE_REFUSE : SP_DECIDE_ACCEPT);
        }
    }
}

/* SV/IV: givenName, surname or pseudonym; Legacy also accepts CN. */
static void test_matrix_personal_name(void)
{
    const SP_VERDICT *v;

    for (size_t g = 0; g < 3; g++) {
        v = judge_dn(SP_TYPE_INDIVIDUAL, all_gens[g], "/CN=Alice Smith", NULL);
        if (all_gens[g] == SP_GEN_LEGACY) {
            TU_ASSERT_NO_FINDING(v, "subject.personal_name_missing");
            TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
        } else {
            ASSERT_REFUSED_WITH(v, "subject.personal_name_missing");
        }
        v = judge_dn(SP_TYPE_SPONSORED, all_gens[g],
                     DN_ORGID "/O=Acme Industries, Ltd."
                              "/emailAddress=alice@example.com",
                     NULL);
        ASSERT_REFUSED_WITH(v, "subject.personal_name_missing");
        v = judge_dn(SP_TYPE_INDIVIDUAL, all_gens[g], "/SN=Smith", NULL);
        TU_ASSERT_NO_FINDING(v, "subject.personal_name_missing");
        v = judge_dn(SP_TYPE_INDIVIDUAL, all_gens[g], "/pseudonym=Ally/CN=Ally",
                     NULL);
        ASSERT_CLEAN(v);
    }
}

/* Every profile's template passes every names rule. */
static void test_templates_clean(void)
{
    for (size_t t = 0; t < 4; t++) {
        for (size_t g = 0; g < 3; g++) {
            const SP_VERDICT *v =
                judge_dn(all_types[t], all_gens[g], NULL, NULL);
            ASSERT_CLEAN(v);
        }
    }
}

/* An empty subject is fine for Mailbox (SAN then critical). */
static void test_empty_subject(void)
{
    X509 *cert = cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT);
    const SP_VERDICT *v;

    tu_cert_set_subject(cert, "");
    tu_cert_set_ext(cert, "subjectAltName", "critical,email:alice@example.com");
    v = judge(cert);
    ASSERT_CLEAN(v);

    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_STRICT, "", NULL);
    ASSERT_REFUSED_WITH(v, "san.not_critical_empty_subject");

    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_STRICT, NULL,
                 "critical,email:alice@example.com");
    TU_ASSERT_FINDING(v, "san.critical_with_subject");
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT); /* SHOULD NOT: a warning */
}

/* ------------------------------------------------------------------ */
/* C.2: content of the attributes                                      */

static void test_cn_mailbox(void)
{
    const SP_VERDICT *v;

    /* C-01: an MV CN is a mailbox the SAN holds */
    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, "/CN=bob@example.com",
                 NULL);
    ASSERT_REFUSED_WITH(v, "subject.cn_unknown_source");
    TU_ASSERT_FINDING(v, "subject.mailbox_not_in_san");
    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, "/CN=Alice", NULL);
    ASSERT_REFUSED_WITH(v, "subject.cn_unknown_source");
    TU_ASSERT_NO_FINDING(v, "subject.mailbox_not_in_san");
    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, "/CN=bob@example.com",
                 "email:alice@example.com,email:bob@example.com");
    ASSERT_CLEAN(v);
    /* exact comparison: the SAN's case differs */
    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, "/CN=Alice@example.com",
                 NULL);
    ASSERT_REFUSED_WITH(v, "subject.cn_unknown_source");
}

static void test_cn_organization(void)
{
    const SP_VERDICT *v;

    /* C-02: the organizationName, exactly, or a SAN mailbox */
    v = judge_dn(SP_TYPE_ORGANIZATION, SP_GEN_STRICT,
                 DN_ORGID "/O=Acme Industries, Ltd./CN=ACME INDUSTRIES, LTD.",
                 NULL);
    ASSERT_REFUSED_WITH(v, "subject.cn_unknown_source");
    v = judge_dn(SP_TYPE_ORGANIZATION, SP_GEN_STRICT,
                 DN_ORGID "/O=Acme Industries, Ltd./CN=alice@example.com",
                 NULL);
    ASSERT_CLEAN(v);
}

static void test_cn_personal_and_pseudonym(void)
{
    const SP_VERDICT *v;

    /* C-03/C-04: with a pseudonym, CN holds it exactly */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT, "/pseudonym=Ally/CN=ally",
                 NULL);
    ASSERT_REFUSED_WITH(v, "subject.cn_unknown_source");
    v = judge_dn(SP_TYPE_SPONSORED, SP_GEN_STRICT,
                 DN_ORGID "/O=Acme Industries, Ltd./pseudonym=Ally/CN=Ally",
                 NULL);
    ASSERT_CLEAN(v);
    /* C-05: a Personal Name in CN with a pseudonym present */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_LEGACY,
                 "/pseudonym=Ally/CN=Alice Smith", NULL);
    ASSERT_REFUSED_WITH(v, "subject.cn_unknown_source");
    /* Legacy without pseudonym: the Personal Name may be in CN only */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_LEGACY, "/CN=Smith, Alice", NULL);
    ASSERT_CLEAN(v);
    /* a CN that is a SAN mailbox is always acceptable */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                 "/SN=Smith/CN=alice@example.com", NULL);
    ASSERT_CLEAN(v);
}

static void test_pseudonym_mixed(void)
{
    const SP_VERDICT *v;

    /* C-06 */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_MULTIPURPOSE,
                 "/GN=Alice/pseudonym=Ally/CN=Ally", NULL);
    ASSERT_REFUSED_WITH(v, "subject.pseudonym_with_name");
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_MULTIPURPOSE,
                 "/SN=Smith/pseudonym=Ally/CN=Ally", NULL);
    ASSERT_REFUSED_WITH(v, "subject.pseudonym_with_name");
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_MULTIPURPOSE,
                 "/pseudonym=Ally/CN=Ally", NULL);
    TU_ASSERT_NO_FINDING(v, "subject.pseudonym_with_name");
}

static void test_given_name_only(void)
{
    const SP_VERDICT *v;

    /* C-07: a warning, not a refusal */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT, "/GN=Alice/CN=Alice", NULL);
    TU_ASSERT_FINDING(v, "subject.given_name_without_surname");
    CU_ASSERT_EQUAL(
        tu_finding(v, "subject.given_name_without_surname")->severity,
        SP_SEV_WARNING);
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT, "/SN=Smith/CN=Smith", NULL);
    ASSERT_CLEAN(v);
}

static void test_email_address(void)
{
    const SP_VERDICT *v;

    /* C-16: one mailbox, repeated in the SAN */
    v = judge_extra(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                    "/emailAddress=alice@example.com");
    ASSERT_CLEAN(v);
    v = judge_extra(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                    "/emailAddress=bob@example.com");
    ASSERT_REFUSED_WITH(v, "subject.mailbox_not_in_san");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(tu_finding(v, "subject.mailbox_not_in_san")->detail,
               "bob@example.com"));
    v = judge_extra(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                    "/emailAddress=alice@example.com, bob@example.com");
    ASSERT_REFUSED_WITH(v, "subject.email_invalid");
    v = judge_extra(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                    "/emailAddress=Alice <alice@example.com>");
    ASSERT_REFUSED_WITH(v, "subject.email_invalid");
}

static void test_address_in_other_attribute(void)
{
    const SP_VERDICT *v;

    /* D-SAN-03: any attribute whose value is a mailbox */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                 "/GN=Alice/SN=alice@example.net/CN=Alice", NULL);
    ASSERT_REFUSED_WITH(v, "subject.mailbox_not_in_san");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(tu_finding(v, "subject.mailbox_not_in_san")->detail, "surname"));
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                 "/GN=Alice/SN=alice@example.net/CN=Alice",
                 "email:alice@example.com,email:alice@example.net");
    ASSERT_CLEAN(v);
}

static void test_dependent_attributes(void)
{
    static const struct {
        const char *extra;
        int refused;
    } cases[] = {
        {"/street=1 Main Street", 1},          /* C-18 */
        {"/street=1 Main Street/L=Berlin", 1}, /* L needs C */
        {"/street=1 Main Street/L=Berlin/C=DE", 0},
        {"/street=1 Main Street/ST=Berlin/C=DE", 0},
        {"/L=Berlin", 1}, /* C-19 */
        {"/ST=Berlin", 1},
        {"/postalCode=10115", 1},
        {"/L=Berlin/ST=Berlin/postalCode=10115/C=DE", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const SP_VERDICT *v = judge_extra(SP_TYPE_ORGANIZATION,
                                          SP_GEN_MULTIPURPOSE, cases[i].extra);
        if (cases[i].refused) {
            ASSERT_REFUSED_WITH(v, "subject.dependent_attribute_missing");
        } else {
            ASSERT_CLEAN(v);
        }
    }
}

static void test_country_code(void)
{
    const SP_VERDICT *v;

    /* C-20 */
    v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, "/C=DE");
    ASSERT_CLEAN(v);
    v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, "/C=XX");
    ASSERT_CLEAN(v);
    v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, "/C=ZZ");
    ASSERT_REFUSED_WITH(v, "subject.country_invalid");
    v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, "/C=de");
    ASSERT_REFUSED_WITH(v, "subject.country_invalid");
    /* XG is only for organizationIdentifier */
    v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, "/C=XG");
    ASSERT_REFUSED_WITH(v, "subject.country_invalid");
}

/* A-12 */
static void test_insignificant_and_placeholder(void)
{
    static const struct {
        const char *ou;
        const char *code; /* NULL: accepted */
    } cases[] = {
        {".", "subject.insignificant_value"},
        {"-", "subject.insignificant_value"},
        {" ", "subject.insignificant_value"},
        {"\xe2\x80\x94", "subject.insignificant_value"}, /* em dash */
        {"N/A", "subject.placeholder_value"},
        {" none ", "subject.placeholder_value"},
        {"Not Applicable", "subject.placeholder_value"},
        /* every first letter and the longest and shortest entries */
        {"Unknown", "subject.placeholder_value"},
        {"unavailable", "subject.placeholder_value"},
        {"TBD", "subject.placeholder_value"},
        {"Void", "subject.placeholder_value"},
        {"EMPTY", "subject.placeholder_value"},
        {"not available", "subject.placeholder_value"},
        {"nil", "subject.placeholder_value"},
        {"Not Applicable!", NULL}, /* one character longer than any */
        {"Nil Ltd", NULL},
        {"$", NULL},            /* a symbol is significant */
        {"\xe5\xb1\xb1", NULL}, /* a CJK letter */
        {"Nairobi Branch Ltd", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        X509 *cert = cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT);
        /* built directly: values like "N/A" hold testutil's separator */
        TYPED_ATTR attrs[] = {
            {"organizationIdentifier", MBSTRING_UTF8,
             "LEIXG-AEYE00EKXESVZUUEBP67", 0, 0},
            {"O", MBSTRING_UTF8, "Acme Industries, Ltd.", 0, 0},
            {"OU", MBSTRING_UTF8, cases[i].ou, 0, 0},
        };
        const SP_VERDICT *v;

        set_subject_typed(cert, attrs, 3);
        v = judge(cert);
        if (cases[i].code != NULL) {
            ASSERT_REFUSED_WITH(v, cases[i].code);
        } else {
            ASSERT_CLEAN(v);
        }
    }
}

static void test_html_entity(void)
{
    static const struct {
        const char *ou;
        int entity;
    } cases[] = {
        {"Smith &amp; Sons Ltd", 1}, {"Smith &amp Sons Ltd", 1},
        {"Caf&#233; Ltd", 1},        {"Caf&#xE9; Ltd", 1},
        {"R&eacute;seau SA", 1},     {"AT&T Corp", 0},
        {"Smith & Sons Ltd", 0},     {"Johnson&Johnson", 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char extra[64];
        const SP_VERDICT *v;

        snprintf(extra, sizeof(extra), "/OU=%s", cases[i].ou);
        v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT, extra);
        if (cases[i].entity) {
            ASSERT_REFUSED_WITH(v, "subject.html_entity");
        } else {
            ASSERT_CLEAN(v);
        }
    }
}

/* A-13: string types */
static void test_encodings(void)
{
    static const struct {
        TYPED_ATTR attr;
        const char *code; /* NULL: accepted, no finding */
        sp_decision decision;
    } cases[] = {
        {{"C", V_ASN1_UTF8STRING, "DE", 0, 0},
         "subject.attribute_encoding",
         SP_DECIDE_REFUSE},
        {{"C", V_ASN1_PRINTABLESTRING, "DE", 0, 0}, NULL, SP_DECIDE_ACCEPT},
        {{"serialNumber", V_ASN1_UTF8STRING, "A1234", 0, 0},
         "subject.attribute_encoding",
         SP_DECIDE_REFUSE},
        {{"serialNumber", V_ASN1_PRINTABLESTRING, "A1234", 0, 0},
         NULL,
         SP_DECIDE_ACCEPT},
        {{"emailAddress", V_ASN1_UTF8STRING, "alice@example.com", 0, 0},
         "subject.attribute_encoding",
         SP_DECIDE_REFUSE},
        {{"emailAddress", V_ASN1_IA5STRING, "alice@example.com", 0, 0},
         NULL,
         SP_DECIDE_ACCEPT},
        {{"OU", V_ASN1_IA5STRING, "Acme Subsidiary Ltd", 0, 0},
         "subject.attribute_encoding",
         SP_DECIDE_REFUSE},
        {{"OU", V_ASN1_PRINTABLESTRING, "Acme Subsidiary Ltd", 0, 0},
         NULL,
         SP_DECIDE_ACCEPT},
        {{"OU", V_ASN1_BMPSTRING, "\0A\0c\0m\0e", 8, 0},
         "subject.directorystring_type",
         SP_DECIDE_ACCEPT},
        {{"OU", V_ASN1_T61STRING, "Acme", 0, 0},
         "subject.directorystring_type",
         SP_DECIDE_ACCEPT},
        {{"OU", V_ASN1_UNIVERSALSTRING, "\0\0\0A\0\0\0c", 8, 0},
         "subject.directorystring_type",
         SP_DECIDE_ACCEPT},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        X509 *cert = cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT);
        TYPED_ATTR attrs[] = {
            {"organizationIdentifier", V_ASN1_PRINTABLESTRING,
             "LEIXG-AEYE00EKXESVZUUEBP67", 0, 0},
            {"O", V_ASN1_UTF8STRING, "Acme Industries, Ltd.", 0, 0},
            cases[i].attr,
        };
        const SP_VERDICT *v;

        set_subject_typed(cert, attrs, 3);
        v = judge(cert);
        if (v->decision != cases[i].decision)
            fprintf(stderr, "  %s as ASN.1 type %d\n", cases[i].attr.field,
                    cases[i].attr.type);
        if (cases[i].code != NULL) {
            TU_ASSERT_FINDING(v, cases[i].code);
        } else {
            CU_ASSERT_EQUAL(names_findings(v, SP_SEV_NOTICE), 0);
        }
        TU_ASSERT_DECISION(v, cases[i].decision);
    }
}

/* C-10: organizationIdentifier is PrintableString or UTF8String */
static void test_orgid_encoding(void)
{
    static const int types[] = {V_ASN1_UTF8STRING, V_ASN1_PRINTABLESTRING,
                                V_ASN1_IA5STRING, V_ASN1_T61STRING};

    for (size_t i = 0; i < 4; i++) {
        X509 *cert = cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT);
        TYPED_ATTR attrs[] = {
            {"organizationIdentifier", types[i], "LEIXG-AEYE00EKXESVZUUEBP67",
             0, 0},
            {"O", V_ASN1_UTF8STRING, "Acme Industries, Ltd.", 0, 0},
        };
        const SP_VERDICT *v;

        set_subject_typed(cert, attrs, 2);
        v = judge(cert);
        if (i < 2) {
            ASSERT_CLEAN(v);
        } else {
            ASSERT_REFUSED_WITH(v, "subject.attribute_encoding");
        }
    }
}

static const SP_VERDICT *judge_attrs(sp_type type, sp_generation gen,
                                     const TYPED_ATTR *attrs, size_t n)
{
    X509 *cert = cert_new(type, gen);

    set_subject_typed(cert, attrs, n);
    return judge(cert);
}

/* A-13 upper bounds count characters, not octets. The values are encoded
 * directly: libcrypto refuses to build over-long ones from text. */
static void test_upper_bounds(void)
{
    static const struct {
        const char *field;
        int type;
        const char *unit; /* one character */
        size_t bound;
    } cases[] = {
        {"OU", V_ASN1_UTF8STRING, "a", 64},
        {"OU", V_ASN1_UTF8STRING, "\xc3\xa9", 64},     /* 2 octets each */
        {"OU", V_ASN1_UTF8STRING, "\xe5\xb1\xb1", 64}, /* 3 octets each */
        {"OU", V_ASN1_BMPSTRING, "\x00\xe9", 64},      /* 2 octets each */
        {"O", V_ASN1_PRINTABLESTRING, "o", 64},
        {"L", V_ASN1_UTF8STRING, "b", 128},
        {"ST", V_ASN1_UTF8STRING, "c", 128},
        {"street", V_ASN1_UTF8STRING, "d", 128},
        {"postalCode", V_ASN1_UTF8STRING, "1", 40},
        {"serialNumber", V_ASN1_PRINTABLESTRING, "7", 64},
    };
    static char value[1024];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t unit_len =
            cases[i].type == V_ASN1_BMPSTRING ? 2 : strlen(cases[i].unit);
        for (size_t over = 0; over <= 1; over++) {
            size_t count = cases[i].bound + over;
            TYPED_ATTR attrs[] = {
                {"organizationIdentifier", V_ASN1_PRINTABLESTRING,
                 "LEIXG-AEYE00EKXESVZUUEBP67", 0, 0},
                {"O", V_ASN1_UTF8STRING, "Acme Industries, Ltd.", 0, 0},
                {"C", V_ASN1_PRINTABLESTRING, "DE", 0, 0},
                {"L", V_ASN1_UTF8STRING, "Berlin", 0, 0},
                {cases[i].field, cases[i].type, value, count * unit_len, 0},
            };
            const SP_VERDICT *v;

            for (size_t k = 0; k < count; k++)
                memcpy(value + k * unit_len, cases[i].unit, unit_len);
            v = judge_attrs(SP_TYPE_ORGANIZATION, SP_GEN_MULTIPURPOSE, attrs,
                            5);
            if (over) {
                ASSERT_REFUSED_WITH(v, "subject.attribute_length");
                CU_ASSERT_PTR_NOT_NULL(
                    strstr(tu_finding(v, "subject.attribute_length")->detail,
                           "characters"));
            } else {
                TU_ASSERT_NO_FINDING(v, "subject.attribute_length");
            }
        }
    }
}

static void test_upper_bounds_cn_email_pseudonym(void)
{
    static const struct {
        const char *field;
        int type;
        const char *unit;
        size_t bound;
    } cases[] = {
        {"CN", V_ASN1_UTF8STRING, "x", 64}, /* C-21 */
        {"pseudonym", V_ASN1_UTF8STRING, "p", 128},
        {"title", V_ASN1_UTF8STRING, "t", 64},
        {"emailAddress", V_ASN1_IA5STRING, "e", 255}, /* C-21 */
        {"C", V_ASN1_PRINTABLESTRING, "D", 2},        /* exactly 2 */
    };
    static char value[512];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (size_t over = 0; over <= 1; over++) {
            size_t count = cases[i].bound + over;
            TYPED_ATTR attrs[] = {
                {"SN", V_ASN1_UTF8STRING, "Smith", 0, 0},
                {cases[i].field, cases[i].type, value, count, 0},
            };
            const SP_VERDICT *v;

            memset(value, cases[i].unit[0], count);
            value[count] = 0;
            v = judge_attrs(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT, attrs, 2);
            if (over) {
                ASSERT_REFUSED_WITH(v, "subject.attribute_length");
            } else {
                TU_ASSERT_NO_FINDING(v, "subject.attribute_length");
            }
        }
    }
    /* countryName shorter than 2 */
    {
        TYPED_ATTR attrs[] = {
            {"SN", V_ASN1_UTF8STRING, "Smith", 0, 0},
            {"C", V_ASN1_PRINTABLESTRING, "D", 0, 0},
        };
        ASSERT_REFUSED_WITH(
            judge_attrs(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT, attrs, 2),
            "subject.attribute_length");
    }
}

/* Multi-valued RDNs: a notice; one type twice in an RDN: an error */
static void test_rdns(void)
{
    const SP_VERDICT *v;

    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT,
                 "/GN=Alice/+SN=Smith/CN=Alice Smith", NULL);
    TU_ASSERT_FINDING(v, "subject.rdn_multivalued");
    CU_ASSERT_EQUAL(tu_finding(v, "subject.rdn_multivalued")->severity,
                    SP_SEV_NOTICE);
    TU_ASSERT_NO_FINDING(v, "subject.rdn_duplicate_type");
    TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);

    v = judge_extra(SP_TYPE_ORGANIZATION, SP_GEN_STRICT,
                    "/OU=Acme One Ltd/+OU=Acme Two Ltd");
    ASSERT_REFUSED_WITH(v, "subject.rdn_duplicate_type");
}

/* ------------------------------------------------------------------ */
/* organizationIdentifier schemes (C-11..C-14)                         */

static void test_orgid_schemes(void)
{
    static const struct {
        const char *orgid;
        const char *code; /* NULL: accepted with no names finding */
    } cases[] = {
        /* NTR: ISO country, subdivision allowed, reference required */
        {"NTRGB-12345678", NULL},
        {"NTRUS+PA-12345678", NULL},
        {"NTRUS+PAR-12345678", NULL},
        {"NTRGB", "subject.orgid_reference_missing"},
        {"NTRZZ-12345678", "subject.orgid_country"},
        {"NTRXX-12345678", "subject.orgid_country"},
        /* VAT: ISO or EL/XI, no subdivision, reference required */
        {"VATDE-123456789", NULL},
        {"VATEL-123456789", NULL},
        {"VATXI-123456789", NULL},
        {"VATDE+BY-123456789", "subject.orgid_subdivision"},
        {"VATDE", "subject.orgid_reference_missing"},
        {"VATXG-123", "subject.orgid_country"},
        /* PSD: ISO, no subdivision, <NCA>-<PSP> reference */
        {"PSDBE-NBB-0403.227.515", NULL},
        {"PSDBE-0403227515", "subject.orgid_reference_format"},
        {"PSDBE+BRU-NBB-1", "subject.orgid_subdivision"},
        {"PSDBE", "subject.orgid_reference_missing"},
        /* LEI: XG, no subdivision, a valid LEI */
        {"LEIXG-AEYE00EKXESVZUUEBP67", NULL},
        {"LEIXG-AEYE00EKXESVZUUEBP63", "subject.orgid_reference_format"},
        {"LEIXG-AEYE00EKXESVZUUEBP6", "subject.orgid_reference_format"},
        {"LEIXG-aeye00ekxesvzuuebp67", "subject.orgid_reference_format"},
        {"LEIUS-AEYE00EKXESVZUUEBP67", "subject.orgid_country"},
        {"LEIXG+PA-AEYE00EKXESVZUUEBP67", "subject.orgid_subdivision"},
        {"LEIXG", "subject.orgid_reference_missing"},
        /* GOV: ISO, subdivision allowed, no reference */
        {"GOVUS", NULL},
        {"GOVUS+PA", NULL},
        {"GOVUS-123", "subject.orgid_reference_prohibited"},
        {"GOVXG", "subject.orgid_country"},
        /* INT: XG, no subdivision, no reference */
        {"INTXG", NULL},
        {"INTXG-123", "subject.orgid_reference_prohibited"},
        {"INTUS", "subject.orgid_country"},
        {"INTXG+PA", "subject.orgid_subdivision"},
        /* syntax and schemes */
        {"GOV", "subject.orgid_format"},
        {"NTRFR+PARI-12345", "subject.orgid_format"},
        {"NTRGB-", "subject.orgid_format"},
        {"ntrGB-123", "subject.orgid_format"},
        {"NTR GB-123", "subject.orgid_format"},
        {"TAXUS-123", "subject.orgid_scheme"},
        {"AB:GB-123", "subject.orgid_scheme"},
        /* German NTR: EUID form SHOULD (warnings, still accepted) */
        {"NTRDE-DER3306.HRB12345", NULL},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const SP_VERDICT *v = judge_orgid(cases[i].orgid, "");

        if (cases[i].code == NULL) {
            if (names_findings(v, SP_SEV_NOTICE) != 0)
                fprintf(stderr, "  orgId %s\n", cases[i].orgid);
            ASSERT_CLEAN(v);
        } else {
            if (!tu_has_finding(v, cases[i].code))
                fprintf(stderr, "  orgId %s\n", cases[i].orgid);
            ASSERT_REFUSED_WITH(v, cases[i].code);
            /* the message names the value */
            CU_ASSERT_PTR_NOT_NULL(
                strstr(tu_finding(v, cases[i].code)->detail, cases[i].orgid));
        }
    }
}

static void test_orgid_german_ntr(void)
{
    static const char *const warned[] = {
        "NTRDE-HRB12345",            /* not EUID */
        "NTRDE-DER3306HRB12345",     /* no '.' */
        "NTRDE+BE-DER3306.HRB12345", /* subdivision */
        "NTRDE-FRR3306.HRB12345",    /* EUID of another country */
    };

    for (size_t i = 0; i < sizeof(warned) / sizeof(warned[0]); i++) {
        const SP_VERDICT *v = judge_orgid(warned[i], "");
        TU_ASSERT_FINDING(v, "subject.orgid_ntr_de_not_euid");
        CU_ASSERT_EQUAL(
            tu_finding(v, "subject.orgid_ntr_de_not_euid")->severity,
            SP_SEV_WARNING);
        TU_ASSERT_DECISION(v, SP_DECIDE_ACCEPT);
    }
    TU_ASSERT_NO_FINDING(judge_orgid("NTRDE-DER3306.HRB12345", ""),
                         "subject.orgid_ntr_de_not_euid");
    /* other countries are not asked for the EUID form */
    TU_ASSERT_NO_FINDING(judge_orgid("NTRFR-123456789", ""),
                         "subject.orgid_ntr_de_not_euid");
}

static void test_orgid_country_consistency(void)
{
    static const struct {
        const char *orgid;
        const char *country;
        int mismatch;
    } cases[] = {
        {"NTRGB-12345678", "GB", 0},
        {"NTRGB-12345678", "DE", 1},
        {"VATEL-123456789", "GR", 0}, /* VAT prefix EL stands for GR */
        {"VATEL-123456789", "EL", 1}, /* ... and EL is no countryName */
        {"VATXI-123456789", "GB", 0}, /* Northern Ireland */
        {"LEIXG-AEYE00EKXESVZUUEBP67", "JP", 0}, /* LEI: exempt */
        {"INTXG", "JP", 0},                      /* INT: exempt */
        {"GOVUS+PA", "US", 0},
        {"GOVUS+PA", "CA", 1},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char extra[32];
        const SP_VERDICT *v;

        snprintf(extra, sizeof(extra), "/C=%s", cases[i].country);
        v = judge_orgid(cases[i].orgid, extra);
        if (cases[i].mismatch) {
            ASSERT_REFUSED_WITH(v, "subject.orgid_country_mismatch");
        } else {
            ASSERT_CLEAN(v);
        }
    }
}

/* ------------------------------------------------------------------ */
/* subjectAltName                                                      */

static void test_san_presence(void)
{
    X509 *cert = cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT);
    const SP_VERDICT *v;

    /* D-SAN-01 */
    tu_cert_del_ext(cert, "subjectAltName");
    v = judge(cert);
    ASSERT_REFUSED_WITH(v, "san.missing");
    TU_ASSERT_FINDING(v, "subject.cn_unknown_source");

    /* D-SAN-02: names, but no mailbox */
    v = judge_dn(SP_TYPE_ORGANIZATION, SP_GEN_MULTIPURPOSE, NULL,
                 "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@example.com");
    ASSERT_REFUSED_WITH(v, "san.mailbox_missing");
    /* a SmtpUTF8Mailbox alone is a mailbox */
    v = judge_dn(SP_TYPE_INDIVIDUAL, SP_GEN_STRICT, NULL,
                 "otherName:1.3.6.1.5.5.7.8.9;UTF8:\xe5\xb1\xb1\xe7\x94\xb0"
                 "@example.com");
    ASSERT_CLEAN(v);
}

static void test_san_malformed(void)
{
    static const char *const bad_hex[] = {
        "3000",               /* no names */
        "020101",             /* not a sequence */
        "3005a103160161",     /* rfc822Name constructed */
        "3007a00506032b0601", /* otherName without value */
    };

    for (size_t i = 0; i < sizeof(bad_hex) / sizeof(bad_hex[0]); i++) {
        X509 *cert = cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT);
        const SP_VERDICT *v;

        tu_cert_set_ext_hex(cert, "2.5.29.17", 0, bad_hex[i]);
        v = judge(cert);
        /* the SAN bytes are valid DER; the GeneralNames are not */
        TU_ASSERT_NO_FINDING(v, "der.malformed");
        ASSERT_REFUSED_WITH(v, "san.malformed");
    }
}

static void test_san_prohibited_types(void)
{
    const SP_VERDICT *v;
    static const char *const others[] = {
        "DNS:example.com",
        "URI:https://example.com/",
        "IP:192.0.2.1",
        "RID:1.2.3.4",
    };

    /* D-SAN-05 */
    v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, NULL,
                 "email:alice@example.com,DNS:www.example.com");
    CU_ASSERT_PTR_NOT_NULL(
        strstr(tu_finding(v, "san.prohibited_name_type")->detail,
               "dNSName \"www.example.com\""));
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char san[128];

        snprintf(san, sizeof(san), "email:alice@example.com,%s", others[i]);
        v = judge_dn(SP_TYPE_MAILBOX, SP_GEN_MULTIPURPOSE, NULL, san);
        ASSERT_REFUSED_WITH(v, "san.prohibited_name_type");
        CU_ASSERT_EQUAL(tu_has_finding(v, "san.prohibited_name_type"), 1);
    }
}

static void test_san_other_names(void)
{
    const SP_VERDICT *v;

    /* B-09: Strict allows only SmtpUTF8Mailbox */
    v = judge_other_name(SP_GEN_STRICT, "1.3.6.1.4.1.311.20.2.3",
                         SP_TAG_UTF8STRING, "alice@example.com");
    ASSERT_REFUSED_WITH(v, "san.prohibited_othername");
    v = judge_other_name(SP_GEN_STRICT, "1.2.3.4", SP_TAG_UTF8STRING, "x");
    ASSERT_REFUSED_WITH(v, "san.prohibited_othername");
    /* Multipurpose and Legacy may carry them */
    for (size_t g = 0; g < 2; g++) {
        v = judge_other_name(all_gens[g], "1.3.6.1.4.1.311.20.2.3",
                             SP_TAG_UTF8STRING, "alice@example.com");
        ASSERT_CLEAN(v);
        v = judge_other_name(all_gens[g], "1.2.3.4", SP_TAG_UTF8STRING, "x");
        ASSERT_CLEAN(v);
    }
    /* UPN syntax (as pkilint reads it) */
    v = judge_other_name(SP_GEN_MULTIPURPOSE, "1.3.6.1.4.1.311.20.2.3",
                         SP_TAG_UTF8STRING, "alice");
    ASSERT_REFUSED_WITH(v, "san.upn_invalid");
    v = judge_other_name(SP_GEN_MULTIPURPOSE, "1.3.6.1.4.1.311.20.2.3",
                         SP_TAG_IA5STRING, "alice@example.com");
    ASSERT_REFUSED_WITH(v, "san.upn_invalid");
}

static void test_san_smtputf8(void)
{
    static const struct {
        unsigned tag;
        const char *value;
        const char *code; /* NULL: accepted */
    } cases[] = {
        {SP_TAG_UTF8STRING, "\xe5\xb1\xb1\xe7\x94\xb0@example.com", NULL},
        {SP_TAG_UTF8STRING, "j\xc3\xb6rg.m@xn--bcher-kva.de", NULL},
        {SP_TAG_UTF8STRING, "alice@example.com",
         "san.smtputf8_ascii_local_part"},
        {SP_TAG_UTF8STRING, "\xe5\xb1\xb1@Example.com", "san.smtputf8_invalid"},
        {SP_TAG_UTF8STRING,
         "\xe5\xb1\xb1@b\xc3\xbc"
         "cher.de",
         "san.smtputf8_invalid"},
        {SP_TAG_UTF8STRING, "\xef\xbb\xbf\xe5\xb1\xb1@example.com",
         "san.smtputf8_invalid"},
        {SP_TAG_UTF8STRING, "\xe5\xb1\xb1", "san.smtputf8_invalid"},
        {SP_TAG_BMPSTRING, "\x5c\x71\0@", "san.smtputf8_invalid"},
        {SP_TAG_IA5STRING, "alice@example.com", "san.smtputf8_invalid"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const SP_VERDICT *v = judge_other_name(
            SP_GEN_STRICT, "1.3.6.1.5.5.7.8.9", cases[i].tag, cases[i].value);
        if (cases[i].code == NULL) {
            ASSERT_CLEAN(v);
        } else {
            ASSERT_REFUSED_WITH(v, cases[i].code);
        }
    }
}

/* Every octet in a dot-atom local part and in a domain label, against
 * the grammar written out here (RFC 5322 atext; letters, digits, hyphen):
 * sp_mailbox_check tests character classes as bit sets. */
static void test_mailbox_every_octet(void)
{
    static const char atext_symbols[] = "!#$%&'*+-/=?^_`{|}~";

    for (unsigned c = 1; c < 256; c++) {
        uint8_t local[] = {'a', (uint8_t)c, 'b', '@', 'e', 'x', 'a', 'm',
                           'p', 'l',        'e', '.', 'c', 'o', 'm'};
        uint8_t domain[] = {'a', '@', 'x', (uint8_t)c, 'y', '.', 'c', 'o', 'm'};
        int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9');
        int atext = alnum || strchr(atext_symbols, (int)c) != NULL;
        int ldh = alnum || c == '-';

        if (c == '.' || c == '@' || c == '"')
            continue; /* structure, not a member of either class */
        CU_ASSERT_EQUAL(sp_mailbox_check(local, sizeof(local), 0, NULL, NULL)
                            == SP_MAILBOX_OK,
                        atext);
        CU_ASSERT_EQUAL(sp_mailbox_check(local, sizeof(local), 1, NULL, NULL)
                            == SP_MAILBOX_OK,
                        atext || c >= 0x80);
        CU_ASSERT_EQUAL(sp_mailbox_check(domain, sizeof(domain), 1, NULL, NULL)
                            == SP_MAILBOX_OK,
                        ldh);
    }
}

/* D-SAN-07: rfc822Name edge cases */
static void test_san_rfc822_syntax(void)
{
    static const char *const valid[] = {
        "bob@example.com",
        "bob.smith+tag@mail.example.co.uk",
        "o'brien@example.com",
        "\"bob smith\"@example.com",
        "\"b\\\"ob\"@example.com",
        "bob@xn--bcher-kva.de",
        "bob@xn--mgbh0fb.xn--kgbechtv",
        "BOB@EXAMPLE.COM",
        "1234@123.example.com",
    };
    static const char *const invalid[] = {
        "bob",
        "@example.com",
        "bob@",
        "bob@@example.com",
        ".bob@example.com",
        "bob.@example.com",
        "bo..b@example.com",
        "Bob <bob@example.com>",
        "<bob@example.com>",
        "bob smith@example.com",
        "bob@example",
        "bob@-example.com",
        "bob@example-.com",
        "bob@exa_mple.com",
        "bob@example..com",
        "bob@example.com.",
        "bob@[192.0.2.1]",
        "bob@192.0.2.1",
        "bob@example.c0m",
        "\"bob@example.com",
        "b\xc3\xb6"
        "b@example.com",
        "bob@b\xc3\xbc"
        "cher.de",
    };
    char local[80], label[80], mailbox[400];
    const SP_VERDICT *v;

    for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
        v = judge_rfc822(valid[i]);
        if (names_findings(v, SP_SEV_NOTICE) != 0)
            fprintf(stderr, "  rfc822Name %s\n", valid[i]);
        ASSERT_CLEAN(v);
    }
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        v = judge_rfc822(invalid[i]);
        if (!tu_has_finding(v, "san.rfc822_invalid"))
            fprintf(stderr, "  rfc822Name %s\n", invalid[i]);
        ASSERT_REFUSED_WITH(v, "san.rfc822_invalid");
    }

    /* lengths: local part 64, label 63, domain 253 */
    snprintf(mailbox, sizeof(mailbox), "%s@example.com",
             repeat(local, "l", 64));
    ASSERT_CLEAN(judge_rfc822(mailbox));
    snprintf(mailbox, sizeof(mailbox), "%s@example.com",
             repeat(local, "l", 65));
    ASSERT_REFUSED_WITH(judge_rfc822(mailbox), "san.mailbox_domain_length");
    snprintf(mailbox, sizeof(mailbox), "b@%s.com", repeat(label, "a", 63));
    ASSERT_CLEAN(judge_rfc822(mailbox));
    snprintf(mailbox, sizeof(mailbox), "b@%s.com", repeat(label, "a", 64));
    ASSERT_REFUSED_WITH(judge_rfc822(mailbox), "san.mailbox_domain_length");
    /* 3 x 63 + 57 + "com" + 4 dots = 253 */
    repeat(label, "a", 63);
    snprintf(mailbox, sizeof(mailbox), "b@%s.%s.%s.%.*s.com", label, label,
             label, 57, label);
    ASSERT_CLEAN(judge_rfc822(mailbox));
    snprintf(mailbox, sizeof(mailbox), "b@%s.%s.%s.%.*s.com", label, label,
             label, 58, label);
    ASSERT_REFUSED_WITH(judge_rfc822(mailbox), "san.mailbox_domain_length");
}

/* D-SAN-08, as far as it is checked */
static void test_san_internal_domain(void)
{
    static const char *const internal[] = {
        "bob@printer.local",    "bob@example.test", "bob@host.internal",
        "bob@router.home.arpa", "bob@dc1.corp",
    };

    for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++)
        ASSERT_REFUSED_WITH(judge_rfc822(internal[i]), "san.internal_domain");
    ASSERT_CLEAN(judge_rfc822("bob@local.example.com"));
    ASSERT_CLEAN(judge_rfc822("bob@testing.org"));
}

/* The profile's email_domains tightening */
static void test_san_email_domains(void)
{
    static char exact[] = "example.com";
    static char below[] = ".example.org";
    char *domains[] = {exact, below};
    SP_POLICY *pol = tu_policy();
    SP_PROFILE *profile = tu_profile(pol, SP_TYPE_MAILBOX, SP_GEN_STRICT);
    static const struct {
        const char *mailbox;
        int allowed;
    } cases[] = {
        {"alice@example.com", 1},      {"alice@EXAMPLE.com", 1},
        {"alice@mail.example.com", 0}, {"alice@example.net", 0},
        {"alice@mail.example.org", 1}, {"alice@a.b.example.org", 1},
        {"alice@example.org", 0},      {"alice@badexample.org", 0},
    };

    profile->email_domains = domains;
    profile->n_email_domains = 2;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        X509 *cert = cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT);
        char dn[128], san[128];
        const SP_VERDICT *v;

        snprintf(dn, sizeof(dn), "/CN=%s", cases[i].mailbox);
        snprintf(san, sizeof(san), "email:%s", cases[i].mailbox);
        tu_cert_set_subject(cert, dn);
        tu_cert_set_ext(cert, "subjectAltName", san);
        v = tu_judge_cert(pol, cert, ca());
        X509_free(cert);
        if (cases[i].allowed) {
            ASSERT_CLEAN(v);
        } else {
            ASSERT_REFUSED_WITH(v, "san.domain_not_allowed");
            CU_ASSERT_PTR_NOT_NULL(
                strstr(tu_finding(v, "san.domain_not_allowed")->detail,
                       cases[i].mailbox));
        }
    }
    /* the policy owns neither the list nor its strings */
    profile->email_domains = NULL;
    profile->n_email_domains = 0;
    sp_policy_free(pol);
}

/* directoryName entries follow the subject rules (7.1.4.2.1) */
static void test_san_directory_name(void)
{
    DER_BUF gns, rdns;
    X509 *cert;
    const SP_VERDICT *v;

    /* compliant: the OV organization data again */
    cert = cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT);
    memset(&gns, 0, sizeof(gns));
    memset(&rdns, 0, sizeof(rdns));
    gn_rfc822(&gns, "alice@example.com");
    rdn_add(&rdns, "2.5.4.97", SP_TAG_PRINTABLESTRING,
            "LEIXG-AEYE00EKXESVZUUEBP67");
    rdn_add(&rdns, "2.5.4.10", SP_TAG_UTF8STRING, "Acme Industries, Ltd.");
    gn_dirname(&gns, &rdns);
    set_san_der(cert, &gns, 0);
    ASSERT_CLEAN(judge(cert));

    /* a mailbox in the directoryName that the SAN does not repeat */
    cert = cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT);
    memset(&gns, 0, sizeof(gns));
    gn_rfc822(&gns, "alice@example.com");
    rdn_add(&rdns, "2.5.4.3", SP_TAG_UTF8STRING, "bob@example.com");
    gn_dirname(&gns, &rdns);
    set_san_der(cert, &gns, 0);
    v = judge(cert);
    ASSERT_REFUSED_WITH(v, "subject.mailbox_not_in_san");
    CU_ASSERT_PTR_NOT_NULL(strstr(
        tu_finding(v, "subject.mailbox_not_in_san")->detail, "directoryName"));

    /* the C.1 matrix applies: organizationIdentifier missing */
    cert = cert_new(SP_TYPE_ORGANIZATION, SP_GEN_STRICT);
    memset(&gns, 0, sizeof(gns));
    memset(&rdns, 0, sizeof(rdns));
    gn_rfc822(&gns, "alice@example.com");
    rdn_add(&rdns, "2.5.4.10", SP_TAG_UTF8STRING, "Acme Industries, Ltd.");
    gn_dirname(&gns, &rdns);
    set_san_der(cert, &gns, 0);
    ASSERT_REFUSED_WITH(judge(cert), "subject.required_attribute_missing");

    /* a Name with an empty RDN is malformed (RDN is SET SIZE (1..MAX)) */
    cert = cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT);
    memset(&gns, 0, sizeof(gns));
    memset(&rdns, 0, sizeof(rdns));
    gn_rfc822(&gns, "alice@example.com");
    put_tlv(&rdns, SP_TAG_SET, NULL, 0);
    gn_dirname(&gns, &rdns);
    set_san_der(cert, &gns, 0);
    v = judge(cert);
    TU_ASSERT_NO_FINDING(v, "der.malformed");
    ASSERT_REFUSED_WITH(v, "subject.malformed");
}

/* ------------------------------------------------------------------ */

void add_names_tests(void)
{
    static const TU_TEST matrix[] = {
        {"templates pass every names rule", test_templates_clean},
        {"C.1 X cells: prohibited attributes", test_matrix_prohibited_cells},
        {"C.1 R cells: O and organizationIdentifier",
         test_matrix_required_cells},
        {"C.1 other attributes: Legacy OV/SV/IV only",
         test_matrix_other_attributes},
        {"C.1 (*): personal name in SV/IV", test_matrix_personal_name},
        {"empty subject and SAN criticality", test_empty_subject},
        {NULL, NULL},
    };
    static const TU_TEST content[] = {
        {"C-01 MV commonName", test_cn_mailbox},
        {"C-02 OV commonName", test_cn_organization},
        {"C-03..C-05 SV/IV commonName", test_cn_personal_and_pseudonym},
        {"C-06 pseudonym with names", test_pseudonym_mixed},
        {"C-07 givenName alone", test_given_name_only},
        {"C-16 emailAddress", test_email_address},
        {"D-SAN-03 address in other attributes",
         test_address_in_other_attribute},
        {"C-18/C-19 dependent attributes", test_dependent_attributes},
        {"C-20 countryName", test_country_code},
        {"A-12 insignificant and placeholder values",
         test_insignificant_and_placeholder},
        {"A-12 HTML entities", test_html_entity},
        {"A-13 string types", test_encodings},
        {"C-10 organizationIdentifier string type", test_orgid_encoding},
        {"A-13 upper bounds in characters", test_upper_bounds},
        {"A-13 bounds of CN, pseudonym, title, C, emailAddress",
         test_upper_bounds_cn_email_pseudonym},
        {"RDN shape", test_rdns},
        {NULL, NULL},
    };
    static const TU_TEST orgid[] = {
        {"C-11/C-12 every scheme", test_orgid_schemes},
        {"C-14 German NTR EUID", test_orgid_german_ntr},
        {"C-13 countryName consistency", test_orgid_country_consistency},
        {NULL, NULL},
    };
    static const TU_TEST san[] = {
        {"D-SAN-01/02 presence and mailbox", test_san_presence},
        {"malformed GeneralNames", test_san_malformed},
        {"D-SAN-05 prohibited GeneralName types", test_san_prohibited_types},
        {"B-09 otherName types and UPN syntax", test_san_other_names},
        {"D-SAN-07 SmtpUTF8Mailbox", test_san_smtputf8},
        {"D-SAN-07 rfc822Name syntax and lengths", test_san_rfc822_syntax},
        {"D-SAN-07 every octet in local part and domain",
         test_mailbox_every_octet},
        {"D-SAN-08 internal domains", test_san_internal_domain},
        {"profile email_domains", test_san_email_domains},
        {"D-SAN-04 directoryName content", test_san_directory_name},
        {NULL, NULL},
    };

    tu_add_suite("names: C.1 subject matrix", matrix);
    tu_add_suite("names: C.2 subject content", content);
    tu_add_suite("names: organizationIdentifier", orgid);
    tu_add_suite("names: subjectAltName", san);
}
