/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rules for CA certificates and OCSP responder certificates (sbr-rules.md
 * groups F-S, F-T, G-X, G-O), and the issuing CA's own nameConstraints
 * applied to the end-entity certificates it signs.
 *
 * The judge tells roles apart only when the policy enables CA or
 * responder certificates (sp_rules_role); otherwise every certificate is
 * an end-entity and these rules never run. A sub-CA certificate belongs
 * to the policy entry ([subca] section) whose organization equals its
 * subject organizationName, and its name constraints must lie inside that
 * entry. Like every rule group, nothing here allocates.
 */
#include <stdio.h>
#include <string.h>

#include "nc.h"
#include "oids.h"
#include "rules.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* OID contents. */
static const uint8_t oid_ku[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_cp[] = {0x55, 0x1d, 0x20};
static const uint8_t oid_crldp[] = {0x55, 0x1d, 0x1f};
static const uint8_t oid_bc[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_nc[] = {0x55, 0x1d, 0x1e};
static const uint8_t oid_any_policy[] = {0x55, 0x1d, 0x20, 0x00};
static const uint8_t oid_ocsp_nocheck[] = {0x2b, 0x06, 0x01, 0x05, 0x05,
                                           0x07, 0x30, 0x01, 0x05};
static const uint8_t ad_ca_issuers[] = {0x2b, 0x06, 0x01, 0x05,
                                        0x05, 0x07, 0x30, 0x02};
static const uint8_t kp_ocsp[] = {0x2b, 0x06, 0x01, 0x05,
                                  0x05, 0x07, 0x03, 0x09};
static const uint8_t at_cn[] = {0x55, 0x04, 0x03};
static const uint8_t at_c[] = {0x55, 0x04, 0x06};
static const uint8_t at_o[] = {0x55, 0x04, 0x0a};
static const uint8_t at_email[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                   0x0d, 0x01, 0x09, 0x01};
/* 2.23.140.1.5: the S/MIME arc; reserved OIDs add <type>.<generation>. */
static const uint8_t smime_arc[] = {0x67, 0x81, 0x0c, 0x01, 0x05};

#define GN_RFC822 0x81u
#define GN_URI 0x86u

/* keyUsage bits (bit 0 = digitalSignature) as set in a mask. */
#define KU_DIGITAL_SIGNATURE (1u << 0)
#define KU_KEY_CERT_SIGN (1u << 5)
#define KU_CRL_SIGN (1u << 6)

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment",
    "dataEncipherment", "keyAgreement",   "keyCertSign",
    "cRLSign",          "encipherOnly",   "decipherOnly",
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static void malformed(SP_RULE_CTX *ctx, const char *ext, const char *why)
{
    sp_report(ctx, SP_R_SUBCA_MALFORMED, "%s: %s", ext, why);
}

/* Printable ASCII of a value for a message; other octets become '?'. */
static const char *ascii_text(const SP_DER *v, char *buf, size_t buflen)
{
    size_t n = v->len < buflen - 1 ? v->len : buflen - 1;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = v->data[i];
        buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    buf[n] = '\0';
    return buf;
}

/* A required extension `ext` (e, NULL when absent) as a non-empty
 * SEQUENCE OF into *seq; 0 after reporting "no <ext>" under rule
 * `missing`, or malformed(ext, why). */
static int required_seq_of(SP_RULE_CTX *ctx, const SP_EXTENSION *e,
                           sp_rule_id missing, const char *ext, const char *why,
                           SP_DER *seq)
{
    if (e == NULL) {
        sp_report(ctx, missing, "no %s", ext);
        return 0;
    }
    if (!sp_ext_seq_of(e, seq)) {
        malformed(ctx, ext, why);
        return 0;
    }
    return 1;
}

/* A GeneralName that is a URI beginning "http://" (with more after it);
 * the CA rules want a fetchable URL and nothing more of the scheme. */
static int http_uri(unsigned tag, const SP_DER *v)
{
    return tag == GN_URI && v->len > 7 && memcmp(v->data, "http://", 7) == 0;
}

/* The first value of attribute `oid` in a Name's RDNSequence; empty view
 * when absent. */
static SP_DER name_attr(const SP_DER *rdns, const uint8_t *oid, size_t oid_len)
{
    SP_DER cur = *rdns, none = {NULL, 0};

    while (!sp_der_empty(&cur)) {
        SP_DER rdn;

        if (sp_der_get(&cur, SP_TAG_SET, &rdn) != SP_DER_OK)
            return none;
        while (!sp_der_empty(&rdn)) {
            SP_DER atv, type, value;
            unsigned tag;

            if (sp_der_get(&rdn, SP_TAG_SEQUENCE, &atv) != SP_DER_OK
                || sp_der_get_oid(&atv, &type) != SP_DER_OK
                || sp_der_get_any(&atv, &tag, &value, NULL) != SP_DER_OK)
                return none;
            if (sp_der_equal_bytes(&type, oid, oid_len))
                return value;
        }
    }
    return none;
}

/* "C=DE, O=Example, CN=..." of a Name's RDNSequence for a message. */
static const char *dn_text(const SP_DER *rdns, char *buf, size_t buflen)
{
    static const struct {
        const uint8_t *oid;
        const char *name;
    } names[] = {{at_c, "C"}, {at_o, "O"}, {at_cn, "CN"}};
    SP_DER cur = *rdns;
    size_t used = 0;

    buf[0] = '\0';
    while (!sp_der_empty(&cur) && used + 1 < buflen) {
        SP_DER rdn, atv, type, value;
        unsigned tag;
        const char *label = NULL;
        char oid[48], val[64];

        if (sp_der_get(&cur, SP_TAG_SET, &rdn) != SP_DER_OK
            || sp_der_get(&rdn, SP_TAG_SEQUENCE, &atv) != SP_DER_OK
            || sp_der_get_oid(&atv, &type) != SP_DER_OK
            || sp_der_get_any(&atv, &tag, &value, NULL) != SP_DER_OK)
            break;
        for (size_t i = 0; i < N_ELEMS(names); i++) {
            if (sp_der_equal_bytes(&type, names[i].oid, 3))
                label = names[i].name;
        }
        if (label == NULL)
            label = sp_der_oid_to_text(&type, oid, sizeof(oid));
        int n = snprintf(buf + used, buflen - used, "%s%s=%s", used ? ", " : "",
                         label, ascii_text(&value, val, sizeof(val)));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    if (used >= buflen)
        buf[buflen - 1] = '\0';
    return buf;
}

/* basicConstraints: *ca and the pathLenConstraint (-1 when absent).
 * 0 when malformed. */
static int bc_parse(const SP_EXTENSION *e, int *ca, long *path_len)
{
    SP_DER cur = e->value, seq, len;
    int present = 0;

    *ca = 0;
    *path_len = -1;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || !sp_der_empty(&cur))
        return 0;
    if (sp_der_peek_tag(&seq) == SP_TAG_BOOLEAN
        && sp_der_get_bool(&seq, ca) != SP_DER_OK)
        return 0;
    if (sp_der_get_optional(&seq, SP_TAG_INTEGER, &len, &present) != SP_DER_OK
        || !sp_der_empty(&seq))
        return 0;
    if (present) {
        if (sp_der_check_integer(&len) != SP_DER_OK || (len.data[0] & 0x80)
            || len.len > 2)
            return 0;
        *path_len = 0;
        for (size_t i = 0; i < len.len; i++)
            *path_len = (*path_len << 8) | len.data[i];
    }
    return 1;
}

static int eku_has(const SP_EXTENSION *e, const uint8_t *kp, size_t kp_len)
{
    SP_DER cur = e->value, seq, oid;

    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK)
        return 0;
    while (!sp_der_empty(&seq)) {
        if (sp_der_get_oid(&seq, &oid) != SP_DER_OK)
            return 0;
        if (sp_der_equal_bytes(&oid, kp, kp_len))
            return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Roles                                                               */

const char *sp_role_name(sp_role r)
{
    switch (r) {
    case SP_ROLE_END_ENTITY:
        break;
    case SP_ROLE_SUBCA:
        return "subordinate-ca";
    case SP_ROLE_CROSS:
        return "cross-certificate";
    case SP_ROLE_OCSP:
        return "ocsp-responder";
    case SP_ROLE_ROOT:
        return "root-ca";
    }
    return "end-entity";
}

/* G-X-01: a CA certificate for a root of the inventory, same subject and
 * SubjectPublicKeyInfo. */
static int is_inventoried_root(const SP_RULE_CTX *ctx)
{
    const SP_CA_POLICY *ca = &ctx->pol->ca;

    for (size_t i = 0; i < ca->n_roots; i++) {
        SP_DER subject = sp_issuer_subject(ca->roots[i]);
        SP_DER spki = sp_issuer_spki(ca->roots[i]);

        if (sp_der_equal(&subject, &ctx->tbs->subject)
            && sp_der_equal(&spki, &ctx->tbs->spki))
            return 1;
    }
    return 0;
}

sp_role sp_rules_role(const SP_RULE_CTX *ctx)
{
    int ca = 0;
    long path_len;

    /* A malformed basicConstraints is not a CA: the end-entity rules
     * report it. */
    if (ctx->ext_bc != NULL && bc_parse(ctx->ext_bc, &ca, &path_len) && ca) {
        /* Self-issued: a root (re-)issue. Without root_certificates =
         * allow it stays a sub-CA, refused as subca.self_issued. */
        if (ctx->pol->ca.roots_allowed
            && sp_der_equal(&ctx->tbs->subject, &ctx->tbs->issuer))
            return SP_ROLE_ROOT;
        return is_inventoried_root(ctx) ? SP_ROLE_CROSS : SP_ROLE_SUBCA;
    }
    if (ctx->ext_eku != NULL && eku_has(ctx->ext_eku, kp_ocsp, sizeof(kp_ocsp)))
        return SP_ROLE_OCSP;
    return SP_ROLE_END_ENTITY;
}

/* The policy entry whose organization is the subject's first O. */
static const SP_SUBCA_ENTRY *find_entry(const SP_RULE_CTX *ctx, SP_DER *org)
{
    const SP_CA_POLICY *ca = &ctx->pol->ca;

    *org = name_attr(&ctx->tbs->subject_rdns, at_o, sizeof(at_o));
    if (org->len == 0)
        return NULL;
    for (size_t i = 0; i < ca->n_subcas; i++) {
        const char *o = ca->subcas[i].organization;

        if (sp_der_equal_bytes(org, (const uint8_t *)o, strlen(o)))
            return &ca->subcas[i];
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Extensions of a CA certificate (F-S)                                */

/* Which extensions a CA certificate may carry (7.1.2.2 (a)-(i)), and the
 * ones that MUST NOT be critical. */
static void check_ca_extensions(SP_RULE_CTX *ctx)
{
    static const struct {
        const uint8_t *oid;
        size_t len;
        const char *name;
        int must_not_be_critical;
    } allowed[] = {
        {oid_bc, sizeof(oid_bc), "basicConstraints", 0},
        {oid_ku, sizeof(oid_ku), "keyUsage", 0},
        {sp_oid_eku, sizeof(sp_oid_eku), "extKeyUsage", 0},
        {oid_cp, sizeof(oid_cp), "certificatePolicies", 0},
        {oid_nc, sizeof(oid_nc), "nameConstraints", 0},
        {oid_crldp, sizeof(oid_crldp), "cRLDistributionPoints", 1},
        {sp_oid_aia, sizeof(sp_oid_aia), "authorityInformationAccess", 1},
        {sp_oid_aki, sizeof(sp_oid_aki), "authorityKeyIdentifier", 1},
        {sp_oid_ski, sizeof(sp_oid_ski), "subjectKeyIdentifier", 1},
    };
    const SP_TBS_CERT *t = ctx->tbs;
    char oid[64];

    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_EXTENSION *e = &t->ext[i];
        size_t k;

        for (k = 0; k < N_ELEMS(allowed); k++) {
            if (sp_der_equal_bytes(&e->oid, allowed[k].oid, allowed[k].len))
                break;
        }
        if (k == N_ELEMS(allowed))
            sp_report(ctx, SP_R_SUBCA_EXT_UNKNOWN,
                      "extension %s is not one 7.1.2.2 lists for a CA "
                      "certificate",
                      sp_der_oid_to_text(&e->oid, oid, sizeof(oid)));
        else if (e->critical && allowed[k].must_not_be_critical)
            sp_report(ctx, SP_R_SUBCA_EXT_CRITICAL, "%s is marked critical",
                      allowed[k].name);
    }
}

/* F-S-01..03, F-S-14. */
static void check_ca_cp(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry)
{
    const SP_EXTENSION *e = ctx->ext_cp;
    SP_DER seq;
    int reserved = 0, any = 0, affiliated = entry != NULL && entry->affiliated;
    char oid[64];

    if (e == NULL) {
        sp_report(ctx, SP_R_SUBCA_CP_MISSING, "no certificatePolicies");
        return;
    }
    if (e->critical)
        sp_report(ctx, SP_R_SUBCA_CP_CRITICAL,
                  "certificatePolicies is marked critical");
    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "certificatePolicies",
                  "not a non-empty SEQUENCE OF PolicyInformation");
        return;
    }
    while (!sp_der_empty(&seq)) {
        SP_DER info, policy;

        if (sp_der_get(&seq, SP_TAG_SEQUENCE, &info) != SP_DER_OK
            || sp_der_get_oid(&info, &policy) != SP_DER_OK) {
            malformed(ctx, "certificatePolicies",
                      "a PolicyInformation is malformed");
            return;
        }
        if (sp_der_equal_bytes(&policy, oid_any_policy,
                               sizeof(oid_any_policy))) {
            any = 1;
            continue;
        }
        if (policy.len < sizeof(smime_arc)
            || memcmp(policy.data, smime_arc, sizeof(smime_arc)) != 0)
            continue; /* the CA's own policy OIDs MAY appear */
        if (policy.len == sizeof(smime_arc) + 2
            && policy.data[sizeof(smime_arc)] >= 1
            && policy.data[sizeof(smime_arc)] <= 4
            && policy.data[sizeof(smime_arc) + 1] >= 1
            && policy.data[sizeof(smime_arc) + 1] <= 3)
            reserved++;
        else
            sp_report(ctx, SP_R_SUBCA_CP_UNKNOWN_RESERVED,
                      "policy %s is under 2.23.140.1.5 but not one of the "
                      "twelve reserved OIDs",
                      sp_der_oid_to_text(&policy, oid, sizeof(oid)));
    }
    if (any && !affiliated)
        sp_report(ctx, SP_R_SUBCA_CP_ANY_POLICY,
                  "anyPolicy (2.5.29.32.0) for %s%s%s, which the policy does "
                  "not declare affiliated",
                  entry ? "sub-CA entry [" : "a CA certificate",
                  entry ? entry->name : "", entry ? "]" : "");
    if (reserved == 0 && !(any && affiliated))
        sp_report(ctx, SP_R_SUBCA_CP_RESERVED,
                  "certificatePolicies holds no reserved "
                  "2.23.140.1.5.<type>.<generation> OID%s",
                  any ? " (only anyPolicy)" : "");
    /* F-S-01: qualifiers as for subscriber certificates (D-CP-05/06). */
    sp_rules_cp_qualifiers(ctx);
}

/* F-S-04: present, with an http:// URL. */
static void check_ca_crldp(SP_RULE_CTX *ctx)
{
    SP_DER seq;
    int http = 0;

    if (!required_seq_of(ctx, ctx->ext_crldp, SP_R_SUBCA_CRLDP_MISSING,
                         "cRLDistributionPoints",
                         "not a non-empty SEQUENCE OF DistributionPoint", &seq))
        return;
    while (!sp_der_empty(&seq)) {
        SP_DER dpname, names;
        int present;

        if (!sp_crldp_next(&seq, &dpname, &present)) {
            malformed(ctx, "cRLDistributionPoints",
                      "a DistributionPoint is malformed");
            return;
        }
        if (!present
            || sp_der_get(&dpname, SP_TAG_CTX_CONS(0), &names) != SP_DER_OK)
            continue; /* not a fullName: no URL to count */
        while (!sp_der_empty(&names)) {
            SP_DER gn;
            unsigned tag;

            if (sp_der_get_any(&names, &tag, &gn, NULL) != SP_DER_OK) {
                malformed(ctx, "cRLDistributionPoints", "a GeneralName");
                return;
            }
            if (http_uri(tag, &gn))
                http = 1;
        }
    }
    if (!http)
        sp_report(ctx, SP_R_SUBCA_CRLDP_NO_HTTP,
                  "no distribution point has an http:// URI");
}

/* F-S-05: SHOULD be present with an http:// caIssuers. */
static void check_ca_aia(SP_RULE_CTX *ctx)
{
    SP_DER seq;
    int ca_issuers = 0;

    if (!required_seq_of(ctx, ctx->ext_aia, SP_R_SUBCA_AIA_MISSING,
                         "authorityInformationAccess",
                         "not a non-empty SEQUENCE OF AccessDescription", &seq))
        return;
    while (!sp_der_empty(&seq)) {
        SP_DER method, loc;
        unsigned tag;

        if (!sp_aia_next(&seq, &method, &tag, &loc)) {
            malformed(ctx, "authorityInformationAccess",
                      "an AccessDescription is malformed");
            return;
        }
        if (sp_der_equal_bytes(&method, ad_ca_issuers, sizeof(ad_ca_issuers))
            && http_uri(tag, &loc))
            ca_issuers = 1;
    }
    if (!ca_issuers)
        sp_report(ctx, SP_R_SUBCA_AIA_CA_ISSUERS,
                  "authorityInformationAccess has no http:// caIssuers URI");
}

/* F-S-06: basicConstraints critical; pathLenConstraint as the entry says. */
static void check_ca_bc(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry)
{
    int ca;
    long path_len, issuer_len;

    if (!ctx->ext_bc->critical)
        sp_report(ctx, SP_R_SUBCA_BC_NOT_CRITICAL,
                  "basicConstraints (cA TRUE) is not critical");
    (void)bc_parse(ctx->ext_bc, &ca, &path_len); /* parsed by the role */
    if (ctx->issuer != NULL
        && (issuer_len = sp_issuer_path_len(ctx->issuer)) >= 0
        && !sp_der_equal(&ctx->tbs->subject, &ctx->tbs->issuer)) {
        /* A path through the issuer may hold issuer_len more CAs. */
        if (issuer_len == 0)
            sp_report(ctx, SP_R_SUBCA_ISSUER_PATHLEN,
                      "the issuing CA's pathLenConstraint is 0: it may not "
                      "certify another CA");
        else if (path_len < 0 || path_len >= issuer_len)
            sp_report(ctx, SP_R_SUBCA_ISSUER_PATHLEN,
                      "pathLenConstraint %s%ld is not below the issuing CA's "
                      "%ld",
                      path_len < 0 ? "absent, unlimited; " : "",
                      path_len < 0 ? 0L : path_len, issuer_len);
    }
    if (entry == NULL || entry->path_len < 0)
        return;
    if (path_len < 0)
        sp_report(ctx, SP_R_SUBCA_PATHLEN,
                  "no pathLenConstraint; entry [%s] sets path_len = %d",
                  entry->name, entry->path_len);
    else if (path_len > entry->path_len)
        sp_report(ctx, SP_R_SUBCA_PATHLEN,
                  "pathLenConstraint %ld is above entry [%s] path_len = %d",
                  path_len, entry->name, entry->path_len);
}

/* keyUsage bits as a mask (bit 0 = digitalSignature); 0 with a finding
 * when malformed. */
static int ku_bits(SP_RULE_CTX *ctx, const SP_EXTENSION *e, unsigned *set)
{
    SP_DER cur = e->value, bits;
    unsigned unused;

    *set = 0;
    if (sp_der_get_bit_string(&cur, &bits, &unused) != SP_DER_OK
        || !sp_der_empty(&cur) || bits.len > 2) {
        malformed(ctx, "keyUsage", "not a BIT STRING of at most 9 bits");
        return 0;
    }
    for (size_t i = 0; i < bits.len; i++) {
        for (unsigned b = 0; b < 8; b++) {
            if (bits.data[i] & (0x80u >> b))
                *set |= 1u << (i * 8 + b);
        }
    }
    return 1;
}

static const char *ku_text(unsigned set, char *buf, size_t buflen)
{
    size_t used = 0;

    buf[0] = '\0';
    for (unsigned b = 0; b < N_ELEMS(ku_names) && used + 1 < buflen; b++) {
        if (!(set & (1u << b)))
            continue;
        int n = snprintf(buf + used, buflen - used, "%s%s", used ? ", " : "",
                         ku_names[b]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
    return buf;
}

/* F-S-06: critical, keyCertSign and cRLSign; digitalSignature only when the
 * entry allows it (a CA that signs OCSP responses itself). */
/* What every CA certificate's keyUsage must be, for check_ca_ku and
 * check_root_ku: present and critical (else `missing`), with keyCertSign
 * and cRLSign (else `cert_sign`). The bits into *set; 0 when there are
 * none to judge further (absent or malformed). */
static int ca_ku_common(SP_RULE_CTX *ctx, sp_rule_id missing,
                        sp_rule_id cert_sign, unsigned *set)
{
    const SP_EXTENSION *e = ctx->ext_ku;
    char list[160];

    if (e == NULL || !e->critical) {
        sp_report(ctx, missing, "keyUsage is %s",
                  e == NULL ? "absent" : "not critical");
        if (e == NULL)
            return 0;
    }
    if (!ku_bits(ctx, e, set))
        return 0;
    if ((*set & (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        != (KU_KEY_CERT_SIGN | KU_CRL_SIGN))
        sp_report(ctx, cert_sign, "keyUsage {%s} lacks %s",
                  ku_text(*set, list, sizeof(list)),
                  (*set & KU_KEY_CERT_SIGN) ? "cRLSign"
                  : (*set & KU_CRL_SIGN)    ? "keyCertSign"
                                            : "keyCertSign and cRLSign");
    return 1;
}

static void check_ca_ku(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry)
{
    unsigned set, allowed = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
    char list[160];

    if (!ca_ku_common(ctx, SP_R_SUBCA_KU_MISSING, SP_R_SUBCA_KU_CERT_SIGN,
                      &set))
        return;
    if (entry != NULL && entry->digital_signature)
        allowed |= KU_DIGITAL_SIGNATURE;
    if (set & ~allowed)
        sp_report(ctx, SP_R_SUBCA_KU_OTHER, "keyUsage has %s%s",
                  ku_text(set & ~allowed, list, sizeof(list)),
                  (set & ~allowed) == KU_DIGITAL_SIGNATURE
                      ? " (the policy entry sets digital_signature = no)"
                      : "");
}

/* F-S-07, F-T-01, G-X-01/02. Returns whether emailProtection is there. */
static int check_ca_eku(SP_RULE_CTX *ctx, sp_role role)
{
    static const struct {
        const uint8_t *oid;
        size_t len;
        const char *name;
    } forbidden[] = {
        {sp_oid_kp_server, sizeof(sp_oid_kp_server), "id-kp-serverAuth"},
        {sp_oid_kp_code, sizeof(sp_oid_kp_code), "id-kp-codeSigning"},
        {sp_oid_kp_time, sizeof(sp_oid_kp_time), "id-kp-timeStamping"},
        {sp_oid_kp_any, sizeof(sp_oid_kp_any), "anyExtendedKeyUsage"},
    };
    const SP_EXTENSION *e = ctx->ext_eku;
    SP_DER seq, oid;
    int email = 0;

    if (e == NULL) {
        if (role != SP_ROLE_CROSS)
            sp_report(ctx, SP_R_SUBCA_EKU_MISSING,
                      "no extKeyUsage; only a cross-certificate whose subject "
                      "and key are an inventoried root's may omit it");
        return 0;
    }
    if (e->critical)
        sp_report(ctx, SP_R_SUBCA_EKU_CRITICAL, "extKeyUsage is critical");
    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "extKeyUsage", "not a non-empty SEQUENCE OF OID");
        return 0;
    }
    while (!sp_der_empty(&seq)) {
        if (sp_der_get_oid(&seq, &oid) != SP_DER_OK) {
            malformed(ctx, "extKeyUsage", "a KeyPurposeId is not an OID");
            return email;
        }
        if (sp_der_equal_bytes(&oid, sp_oid_kp_email, sizeof(sp_oid_kp_email)))
            email = 1;
        else if (sp_der_equal_bytes(&oid, kp_ocsp, sizeof(kp_ocsp)))
            sp_report(ctx, SP_R_SUBCA_EKU_OCSP,
                      "extKeyUsage of a CA certificate has id-kp-OCSPSigning");
        for (size_t i = 0; i < N_ELEMS(forbidden); i++) {
            if (sp_der_equal_bytes(&oid, forbidden[i].oid, forbidden[i].len))
                sp_report(ctx, SP_R_SUBCA_EKU_FORBIDDEN, "extKeyUsage has %s",
                          forbidden[i].name);
        }
    }
    if (!email)
        sp_report(ctx, SP_R_SUBCA_EKU_EMAIL,
                  "extKeyUsage has no id-kp-emailProtection");
    return email;
}

/* F-S-09/10 (and the AKI of a responder certificate, G-O-01). */
static void check_ca_aki_ski(SP_RULE_CTX *ctx, sp_rule_id aki_rule,
                             int need_ski)
{
    const SP_EXTENSION *e = ctx->ext_aki;
    SP_DER cur, kid = {NULL, 0};
    int has_kid = 0, has_issuer = 0, has_serial = 0;

    if (e == NULL) {
        sp_report(ctx, aki_rule, "no authorityKeyIdentifier");
    } else {
        if (!sp_aki_decode(e, &kid, &has_kid, &has_issuer, &has_serial)) {
            malformed(ctx, "authorityKeyIdentifier", "not an AKI SEQUENCE");
        } else if (!has_kid || kid.len == 0 || has_issuer || has_serial) {
            sp_report(ctx, aki_rule, "authorityKeyIdentifier has %s%s%s",
                      !has_kid || kid.len == 0 ? "no keyIdentifier" : "",
                      (!has_kid || kid.len == 0) && (has_issuer || has_serial)
                          ? " and "
                          : "",
                      has_issuer   ? "authorityCertIssuer"
                      : has_serial ? "authorityCertSerialNumber"
                                   : "");
        } else if (ctx->issuer != NULL) {
            SP_DER ski = sp_issuer_ski(ctx->issuer);

            if (!sp_der_equal(&ski, &kid))
                sp_report(ctx, SP_R_AKI_ISSUER_MISMATCH,
                          "AKI keyIdentifier (%zu octets) is not the issuing "
                          "CA's subjectKeyIdentifier (%zu octets%s)",
                          kid.len, ski.len, ski.len ? "" : ": the CA has none");
        }
    }
    if (!need_ski)
        return;
    e = ctx->ext_ski;
    if (e != NULL) {
        cur = e->value;
        if (sp_der_get(&cur, SP_TAG_OCTET_STRING, &kid) == SP_DER_OK
            && sp_der_empty(&cur) && kid.len > 0)
            return;
    }
    sp_report(ctx, SP_R_SUBCA_SKI, "subjectKeyIdentifier is %s",
              e == NULL ? "absent" : "empty or not an OCTET STRING");
}

/* F-S-11, F-R-06: CN, O, C; C a known ISO 3166-1 code and the entry's
 * country. The rules reported are the role's. */
static void check_ca_subject(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry,
                             sp_rule_id attr_rule, sp_rule_id country_rule)
{
    const SP_DER *rdns = &ctx->tbs->subject_rdns;
    SP_DER cn = name_attr(rdns, at_cn, sizeof(at_cn));
    SP_DER o = name_attr(rdns, at_o, sizeof(at_o));
    SP_DER c = name_attr(rdns, at_c, sizeof(at_c));
    char text[8];

    if (cn.len == 0 || o.len == 0 || c.len == 0)
        sp_report(ctx, attr_rule, "the subject has no %s%s%s%s%s",
                  cn.len == 0 ? "commonName" : "",
                  cn.len == 0 && (o.len == 0 || c.len == 0) ? ", " : "",
                  o.len == 0 ? "organizationName" : "",
                  o.len == 0 && c.len == 0 ? ", " : "",
                  c.len == 0 ? "countryName" : "");
    if (c.len == 0)
        return;
    if (c.len != 2 || !sp_country_code_known(c.data))
        sp_report(ctx, country_rule,
                  "countryName \"%s\" is not an ISO 3166-1 alpha-2 code",
                  ascii_text(&c, text, sizeof(text)));
    else if (entry != NULL && entry->country[0] != '\0'
             && memcmp(c.data, entry->country, 2) != 0)
        sp_report(ctx, SP_R_SUBCA_COUNTRY,
                  "countryName \"%s\" is not entry [%s] country = %s",
                  ascii_text(&c, text, sizeof(text)), entry->name,
                  entry->country);
}

/* ------------------------------------------------------------------ */
/* nameConstraints (F-S-08, F-T)                                       */

/* A permitted rfc822Name that is a domain: "host" or ".host", LDH labels,
 * at least two of them. */
static int nc_domain_ok(const SP_DER *v)
{
    const uint8_t *p = v->data, *end = v->data + v->len;
    size_t label = 0, labels = 0;

    if (p < end && *p == '.')
        p++;
    if (p == end || end - p > 253)
        return 0;
    for (; p < end; p++) {
        uint8_t c = *p;

        if (c == '.') {
            if (label == 0 || p[-1] == '-')
                return 0;
            labels++;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-')
            || (c == '-' && label == 0) || ++label > 63)
            return 0;
    }
    return label > 0 && end[-1] != '-' && labels >= 1;
}

static void check_nc_email(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry,
                           const SP_DER *v)
{
    char text[128];

    ascii_text(v, text, sizeof(text));
    if (memchr(v->data, '@', v->len) != NULL) {
        sp_report(ctx, SP_R_NC_RFC822_MAILBOX,
                  "permitted rfc822Name \"%s\" is a mailbox address, not a "
                  "domain",
                  text);
        return;
    }
    if (!nc_domain_ok(v)) {
        sp_report(ctx, SP_R_NC_RFC822_SYNTAX,
                  "permitted rfc822Name \"%s\" is not an FQDN or .FQDN", text);
        return;
    }
    if (entry == NULL)
        return;
    for (size_t i = 0; i < entry->n_permitted_email; i++) {
        if (sp_nc_domain_within(v->data, v->len, entry->permitted_email[i]))
            return;
    }
    sp_report(ctx, SP_R_NC_OUTSIDE_ENTRY,
              "permitted rfc822Name \"%s\" is not inside entry [%s] "
              "permitted_email%s",
              text, entry->name,
              entry->n_permitted_email == 0 ? " (which lists none)" : "");
}

static void check_nc_dirname(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry,
                             const SP_DER *rdns)
{
    SP_DER o = name_attr(rdns, at_o, sizeof(at_o));
    SP_DER c = name_attr(rdns, at_c, sizeof(at_c));
    char text[160];

    dn_text(rdns, text, sizeof(text));
    if (o.len == 0 || c.len == 0) {
        sp_report(ctx, SP_R_NC_DIRNAME_ATTRS,
                  "permitted directoryName \"%s\" has no %s", text,
                  o.len == 0 ? "organizationName" : "countryName");
        return;
    }
    if (entry == NULL)
        return;
    if (!sp_der_equal_bytes(&o, (const uint8_t *)entry->organization,
                            strlen(entry->organization))
        || (entry->country[0] != '\0'
            && !sp_der_equal_bytes(&c, (const uint8_t *)entry->country, 2)))
        sp_report(ctx, SP_R_NC_OUTSIDE_ENTRY,
                  "permitted directoryName \"%s\" is not entry [%s] "
                  "organization \"%s\"%s%s",
                  text, entry->name, entry->organization,
                  entry->country[0] ? ", country " : "", entry->country);
}

static void check_ca_nc(SP_RULE_CTX *ctx, const SP_SUBCA_ENTRY *entry)
{
    const SP_CA_POLICY *ca = &ctx->pol->ca;
    const SP_EXTENSION *e = ctx->ext_nc;
    int required = entry != NULL
                   && (ca->name_constraints == SP_NC_REQUIRE_ALL
                       || (ca->name_constraints == SP_NC_REQUIRE_EXTERNAL
                           && entry->external));
    sp_nc_status st;
    SP_NC nc;

    if (e == NULL) {
        if (required)
            sp_report(ctx, SP_R_NC_MISSING,
                      "no nameConstraints; entry [%s]%s must be technically "
                      "constrained (subca_name_constraints = %s)",
                      entry->name, entry->external ? " (external)" : "",
                      ca->name_constraints == SP_NC_REQUIRE_ALL ? "all"
                                                                : "external");
        return;
    }
    if (!e->critical)
        sp_report(ctx, SP_R_NC_NOT_CRITICAL, "nameConstraints is not critical");
    if ((st = sp_nc_parse(&e->value, &nc)) != SP_NC_OK) {
        sp_report(ctx, SP_R_NC_MALFORMED, "nameConstraints: %s",
                  sp_nc_status_text(st));
        return;
    }
    for (size_t i = 0; i < nc.n_permitted_email; i++)
        check_nc_email(ctx, entry, &nc.permitted_email[i]);
    for (size_t i = 0; i < nc.n_permitted_dn; i++)
        check_nc_dirname(ctx, entry, &nc.permitted_dn[i]);
    if (!required)
        return;
    if (nc.n_permitted_email == 0)
        sp_report(ctx, SP_R_NC_RFC822_MISSING,
                  "nameConstraints has no permitted rfc822Name subtree "
                  "(entry [%s] must be technically constrained)",
                  entry->name);
    if (nc.n_permitted_dn == 0)
        sp_report(ctx, SP_R_NC_DIRNAME_MISSING,
                  "nameConstraints has no permitted directoryName subtree "
                  "(entry [%s] must be technically constrained)",
                  entry->name);
}

/* ------------------------------------------------------------------ */
/* OCSP responder certificates (G-O)                                   */

static void check_responder(SP_RULE_CTX *ctx)
{
    static const struct {
        const uint8_t *oid;
        size_t len;
    } allowed[] = {
        {oid_ku, sizeof(oid_ku)},
        {sp_oid_eku, sizeof(sp_oid_eku)},
        {oid_bc, sizeof(oid_bc)},
        {oid_ocsp_nocheck, sizeof(oid_ocsp_nocheck)},
        {sp_oid_aki, sizeof(sp_oid_aki)},
        {sp_oid_ski, sizeof(sp_oid_ski)},
        {sp_oid_aia, sizeof(sp_oid_aia)},
        {oid_crldp, sizeof(oid_crldp)},
        {oid_cp, sizeof(oid_cp)},
    };
    const SP_CA_POLICY *ca = &ctx->pol->ca;
    const SP_TBS_CERT *t = ctx->tbs;
    const SP_EXTENSION *nocheck = NULL;
    SP_DER cur, seq, oid;
    unsigned set;
    int64_t period;
    char text[64], ku[96];

    if (!ca->responders_allowed)
        sp_report(ctx, SP_R_OCSPRESP_NOT_ALLOWED,
                  "an OCSP responder certificate (extKeyUsage "
                  "id-kp-OCSPSigning); the policy sets ocsp_responders = "
                  "refuse");
    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_EXTENSION *e = &t->ext[i];
        size_t k;

        if (sp_der_equal_bytes(&e->oid, oid_ocsp_nocheck,
                               sizeof(oid_ocsp_nocheck)))
            nocheck = e;
        for (k = 0; k < N_ELEMS(allowed); k++) {
            if (sp_der_equal_bytes(&e->oid, allowed[k].oid, allowed[k].len))
                break;
        }
        if (k == N_ELEMS(allowed))
            sp_report(ctx, SP_R_OCSPRESP_EXT,
                      "extension %s in an OCSP responder certificate",
                      sp_der_oid_to_text(&e->oid, text, sizeof(text)));
    }
    if (nocheck == NULL || nocheck->value.len != 2
        || nocheck->value.data[0] != SP_TAG_NULL || nocheck->value.data[1] != 0)
        sp_report(ctx, SP_R_OCSPRESP_NOCHECK,
                  "id-pkix-ocsp-nocheck (1.3.6.1.5.5.7.48.1.5) is %s",
                  nocheck == NULL ? "absent" : "not a NULL");

    /* extKeyUsage: id-kp-OCSPSigning alone (it is there: that is the
     * role). */
    cur = ctx->ext_eku->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) == SP_DER_OK) {
        while (!sp_der_empty(&seq) && sp_der_get_oid(&seq, &oid) == SP_DER_OK) {
            if (!sp_der_equal_bytes(&oid, kp_ocsp, sizeof(kp_ocsp)))
                sp_report(ctx, SP_R_OCSPRESP_EKU, "extKeyUsage also has %s",
                          sp_der_oid_to_text(&oid, text, sizeof(text)));
        }
    }

    if (ctx->ext_ku == NULL || !ctx->ext_ku->critical)
        sp_report(ctx, SP_R_OCSPRESP_KU, "keyUsage is %s",
                  ctx->ext_ku == NULL ? "absent" : "not critical");
    if (ctx->ext_ku != NULL && ku_bits(ctx, ctx->ext_ku, &set)
        && set != KU_DIGITAL_SIGNATURE)
        sp_report(ctx, SP_R_OCSPRESP_KU,
                  "keyUsage is {%s}, not digitalSignature alone",
                  ku_text(set, ku, sizeof(ku)));

    period = t->not_after - t->not_before + 1;
    if (period > ca->responder_max_secs) {
        char nb[32], na[32];

        sp_time_to_text(t->not_before, nb, sizeof(nb));
        sp_time_to_text(t->not_after, na, sizeof(na));
        sp_report(ctx, SP_R_OCSPRESP_VALIDITY,
                  "validity %s to %s is %lld seconds; the policy allows at "
                  "most %lld (ocsp_responder_max_validity)",
                  nb, na, (long long)period, (long long)ca->responder_max_secs);
    }
    check_ca_aki_ski(ctx, SP_R_OCSPRESP_AKI, 0);
}

/* ------------------------------------------------------------------ */
/* Root CA certificates (F-R)                                          */

/* The extensions 7.1.2.1 lists for a root (and AKI, which RFC 5280
 * 4.2.1.1 allows in a self-signed certificate); extKeyUsage has its own
 * finding. Also F-R-05's "SKI not critical" and the AKI's. */
static void check_root_extensions(SP_RULE_CTX *ctx)
{
    static const struct {
        const uint8_t *oid;
        size_t len;
    } allowed[] = {
        {oid_bc, sizeof(oid_bc)},         {oid_ku, sizeof(oid_ku)},
        {oid_cp, sizeof(oid_cp)},         {sp_oid_ski, sizeof(sp_oid_ski)},
        {sp_oid_aki, sizeof(sp_oid_aki)}, {sp_oid_eku, sizeof(sp_oid_eku)},
    };
    const SP_TBS_CERT *t = ctx->tbs;
    char oid[64];

    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_EXTENSION *e = &t->ext[i];
        size_t k;

        for (k = 0; k < N_ELEMS(allowed); k++) {
            if (sp_der_equal_bytes(&e->oid, allowed[k].oid, allowed[k].len))
                break;
        }
        if (k == N_ELEMS(allowed))
            sp_report(ctx, SP_R_ROOT_EXT_UNKNOWN,
                      "extension %s is not one 7.1.2.1 lists for a root "
                      "certificate",
                      sp_der_oid_to_text(&e->oid, oid, sizeof(oid)));
    }
    if (ctx->ext_eku != NULL)
        sp_report(ctx, SP_R_ROOT_EKU_PRESENT,
                  "a root certificate has extKeyUsage (7.1.2.1(d))");
}

/* F-R-01. */
static void check_root_bc(SP_RULE_CTX *ctx)
{
    int ca;
    long path_len;

    if (!ctx->ext_bc->critical)
        sp_report(ctx, SP_R_ROOT_BC_NOT_CRITICAL,
                  "basicConstraints (cA TRUE) is not critical");
    (void)bc_parse(ctx->ext_bc, &ca, &path_len); /* parsed by the role */
    if (path_len >= 0)
        sp_report(ctx, SP_R_ROOT_PATHLEN,
                  "basicConstraints has pathLenConstraint %ld", path_len);
}

/* F-R-02: critical, keyCertSign and cRLSign; digitalSignature exactly when
 * the policy says the root key signs OCSP responses. */
static void check_root_ku(SP_RULE_CTX *ctx)
{
    int ocsp = ctx->pol->ca.root_digital_signature;
    unsigned set, allowed = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
    char list[160];

    if (!ca_ku_common(ctx, SP_R_ROOT_KU_MISSING, SP_R_ROOT_KU_CERT_SIGN, &set))
        return;
    if (ocsp) {
        allowed |= KU_DIGITAL_SIGNATURE;
        if (!(set & KU_DIGITAL_SIGNATURE))
            sp_report(ctx, SP_R_ROOT_KU_DIGITAL_SIGNATURE,
                      "keyUsage {%s} lacks digitalSignature, which a root "
                      "key that signs OCSP responses needs "
                      "(root_digital_signature = yes)",
                      ku_text(set, list, sizeof(list)));
    }
    if (set & ~allowed)
        sp_report(ctx, SP_R_ROOT_KU_OTHER, "keyUsage has %s%s",
                  ku_text(set & ~allowed, list, sizeof(list)),
                  (set & ~allowed) == KU_DIGITAL_SIGNATURE
                      ? " (the policy sets root_digital_signature = no)"
                      : "");
}

/* F-R-05 (SKI) and the AKI of a self-signed certificate: when present, a
 * keyIdentifier only, equal to the SKI (RFC 5280 4.2.1.1). */
static void check_root_aki_ski(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_ski;
    SP_DER cur, ski = {NULL, 0}, kid = {NULL, 0};
    int has_kid = 0, has_issuer = 0, has_serial = 0, ski_ok = 0;

    if (e != NULL) {
        cur = e->value;
        ski_ok = sp_der_get(&cur, SP_TAG_OCTET_STRING, &ski) == SP_DER_OK
                 && sp_der_empty(&cur) && ski.len > 0;
    }
    if (!ski_ok)
        sp_report(ctx, SP_R_ROOT_SKI, "subjectKeyIdentifier is %s",
                  e == NULL ? "absent" : "empty or not an OCTET STRING");
    else if (e->critical)
        sp_report(ctx, SP_R_ROOT_SKI, "subjectKeyIdentifier is critical");

    if ((e = ctx->ext_aki) == NULL)
        return;
    if (e->critical)
        sp_report(ctx, SP_R_ROOT_AKI, "authorityKeyIdentifier is critical");
    if (!sp_aki_decode(e, &kid, &has_kid, &has_issuer, &has_serial)) {
        malformed(ctx, "authorityKeyIdentifier", "not an AKI SEQUENCE");
        return;
    }
    if (!has_kid || kid.len == 0 || has_issuer || has_serial)
        sp_report(ctx, SP_R_ROOT_AKI, "authorityKeyIdentifier has %s",
                  !has_kid || kid.len == 0 ? "no keyIdentifier"
                  : has_issuer             ? "authorityCertIssuer"
                                           : "authorityCertSerialNumber");
    else if (ski_ok && !sp_der_equal(&kid, &ski))
        sp_report(ctx, SP_R_ROOT_AKI,
                  "authorityKeyIdentifier keyIdentifier (%zu octets) is not "
                  "the certificate's own subjectKeyIdentifier (%zu octets)",
                  kid.len, ski.len);
}

/* F-R-07: self-signed. Subject and issuer bytes are equal (that is the
 * role); the key is the signing key's. The signing key is the issuing
 * CA's (the provider passes the policy issuer with the wrapped key's
 * SubjectPublicKeyInfo); unknown to `smimepolicy check` without an
 * issuer, and then not checked. */
static void check_root_key(SP_RULE_CTX *ctx)
{
    SP_DER spki;

    if (ctx->issuer == NULL)
        return;
    spki = sp_issuer_spki(ctx->issuer);
    if (!sp_der_equal(&spki, &ctx->tbs->spki))
        sp_report(ctx, SP_R_ROOT_NOT_SELF_SIGNED,
                  "a self-issued CA certificate for another key (%zu octets "
                  "of SubjectPublicKeyInfo) than the signing key %s (%zu "
                  "octets): a key rollover certificate, not a root",
                  ctx->tbs->spki.len,
                  sp_issuer_path(ctx->issuer) ? sp_issuer_path(ctx->issuer)
                                              : "(given)",
                  spki.len);
}

static void check_root(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;
    int64_t max = ctx->pol->ca.root_max_secs;

    check_root_extensions(ctx);
    check_root_bc(ctx);
    check_root_ku(ctx);
    if (ctx->ext_cp != NULL) {
        sp_report(ctx, SP_R_ROOT_CP_PRESENT,
                  "a root certificate has certificatePolicies (7.1.2.1(c))");
        check_ca_cp(ctx, NULL);
    }
    check_root_aki_ski(ctx);
    check_ca_subject(ctx, NULL, SP_R_ROOT_SUBJECT, SP_R_ROOT_COUNTRY);
    check_root_key(ctx);
    if (max > 0 && t->not_after - t->not_before + 1 > max) {
        char nb[32], na[32];

        sp_time_to_text(t->not_before, nb, sizeof(nb));
        sp_time_to_text(t->not_after, na, sizeof(na));
        sp_report(ctx, SP_R_ROOT_VALIDITY,
                  "validity %s to %s is %lld seconds; the policy allows at "
                  "most %lld (root_max_validity)",
                  nb, na, (long long)(t->not_after - t->not_before + 1),
                  (long long)max);
    }
}

/* ------------------------------------------------------------------ */
/* Entry points                                                        */

void sp_rules_ca(SP_RULE_CTX *ctx, sp_role role)
{
    const SP_SUBCA_ENTRY *entry = NULL;
    char text[128];

    ctx->ca_role = 1;
    sp_rules_core_ca(ctx);
    if (role == SP_ROLE_OCSP) {
        check_responder(ctx);
        if (ctx->issuer != NULL
            && sp_issuer_name_constraints(ctx->issuer) != NULL)
            sp_rules_issuer_nc(ctx);
        return;
    }
    if (role == SP_ROLE_ROOT) {
        check_root(ctx);
        return;
    }
    if (role == SP_ROLE_CROSS && !ctx->pol->ca.cross_allowed)
        sp_report(ctx, SP_R_XCERT_NOT_ALLOWED,
                  "a cross-certificate for root \"%s\"; the policy sets "
                  "cross_certificates = refuse",
                  dn_text(&ctx->tbs->subject_rdns, text, sizeof(text)));
    if (role == SP_ROLE_SUBCA) {
        SP_DER org;

        if (sp_der_equal(&ctx->tbs->subject, &ctx->tbs->issuer))
            sp_report(ctx, SP_R_SUBCA_SELF_ISSUED,
                      "a self-issued (root) CA certificate (subject = "
                      "issuer \"%s\"); the policy sets root_certificates "
                      "= refuse",
                      dn_text(&ctx->tbs->subject_rdns, text, sizeof(text)));
        if ((entry = find_entry(ctx, &org)) == NULL)
            sp_report(ctx, SP_R_SUBCA_NO_ENTRY,
                      "no [subca] entry of the policy has organization "
                      "\"%s\"%s",
                      ascii_text(&org, text, sizeof(text)),
                      org.len == 0 ? " (the subject has none)" : "");
    }
    check_ca_extensions(ctx);
    check_ca_cp(ctx, entry);
    check_ca_crldp(ctx);
    check_ca_aia(ctx);
    check_ca_bc(ctx, entry);
    check_ca_ku(ctx, entry);
    check_ca_eku(ctx, role);
    check_ca_aki_ski(ctx, SP_R_SUBCA_AKI, 1);
    check_ca_subject(ctx, entry, SP_R_SUBCA_SUBJECT, SP_R_SUBCA_COUNTRY);
    check_ca_nc(ctx, entry);
    /* RFC 5280 6.1.3: the issuer's constraints bind every certificate
     * below it, CA certificates included. */
    if (ctx->issuer != NULL && sp_issuer_name_constraints(ctx->issuer) != NULL)
        sp_rules_issuer_nc(ctx);
}

/* A mailbox (rfc822Name, SmtpUTF8Mailbox or emailAddress) against the
 * issuing CA's constraints. */
static void check_ee_mailbox(SP_RULE_CTX *ctx, const SP_NC *nc,
                             const SP_DER *addr, const char *where)
{
    char text[128];

    if (sp_nc_email_allowed(nc, addr->data, addr->len))
        return;
    sp_report(ctx, SP_R_NC_EE_EMAIL,
              "%s \"%s\" is outside the issuing CA's rfc822Name constraints",
              where, sp_quote(addr->data, addr->len, text, sizeof(text)));
}

void sp_rules_issuer_nc(SP_RULE_CTX *ctx)
{
    const SP_NC *nc = sp_issuer_name_constraints(ctx->issuer);
    const SP_TBS_CERT *t = ctx->tbs;
    char text[200];

    if (nc == NULL)
        return;
    if (nc->n_permitted_email > 0 || nc->n_excluded_email > 0) {
        SP_DER cur, names, rdns = t->subject_rdns;

        if (ctx->ext_san != NULL) {
            cur = ctx->ext_san->value;
            if (sp_der_get(&cur, SP_TAG_SEQUENCE, &names) != SP_DER_OK)
                sp_der_init(&names, NULL, 0); /* the SAN rules report it */
            while (!sp_der_empty(&names)) {
                SP_DER gn, oid, wrapped, value;
                unsigned tag;

                if (sp_der_get_any(&names, &tag, &gn, NULL) != SP_DER_OK)
                    break;
                if (tag == GN_RFC822)
                    check_ee_mailbox(ctx, nc, &gn, "rfc822Name");
                else if (tag == SP_TAG_CTX_CONS(0)
                         && sp_der_get_oid(&gn, &oid) == SP_DER_OK
                         && sp_der_equal_bytes(&oid, sp_oid_smtputf8,
                                               sizeof(sp_oid_smtputf8))
                         && sp_der_get(&gn, SP_TAG_CTX_CONS(0), &wrapped)
                                == SP_DER_OK
                         && sp_der_get(&wrapped, SP_TAG_UTF8STRING, &value)
                                == SP_DER_OK)
                    check_ee_mailbox(ctx, nc, &value, "SmtpUTF8Mailbox");
            }
        }
        /* Every emailAddress attribute of the subject. */
        while (!sp_der_empty(&rdns)) {
            SP_DER rdn;

            if (sp_der_get(&rdns, SP_TAG_SET, &rdn) != SP_DER_OK)
                break;
            while (!sp_der_empty(&rdn)) {
                SP_DER atv, type, value;
                unsigned tag;

                if (sp_der_get(&rdn, SP_TAG_SEQUENCE, &atv) != SP_DER_OK
                    || sp_der_get_oid(&atv, &type) != SP_DER_OK
                    || sp_der_get_any(&atv, &tag, &value, NULL) != SP_DER_OK)
                    break;
                if (sp_der_equal_bytes(&type, at_email, sizeof(at_email)))
                    check_ee_mailbox(ctx, nc, &value, "subject emailAddress");
            }
        }
    }
    if ((nc->n_permitted_dn > 0 || nc->n_excluded_dn > 0)
        && !sp_nc_dn_allowed(nc, &t->subject_rdns))
        sp_report(ctx, SP_R_NC_EE_DIRNAME,
                  "subject \"%s\" is outside the issuing CA's directoryName "
                  "constraints",
                  dn_text(&t->subject_rdns, text, sizeof(text)));
}
