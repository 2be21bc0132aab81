/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rules on subscriber certificate extensions other than subjectAltName
 * (SBR 7.1.2.3, 7.1.2.4): which extensions may appear for a type and
 * generation and how critical they may be (a table), keyUsage sets per key
 * type and generation (a table), extKeyUsage, basicConstraints,
 * certificatePolicies, CRL distribution points, AIA, AKI/SKI and the
 * optional extensions' content. Every walk is over views; nothing is
 * allocated.
 */
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "oids.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Type and generation masks for the tables. */
#define T(t) (1u << (t))
#define T_ALL                                                                  \
    (T(SP_TYPE_MAILBOX) | T(SP_TYPE_ORGANIZATION) | T(SP_TYPE_SPONSORED)       \
     | T(SP_TYPE_INDIVIDUAL))
#define G(g) (1u << (g))
#define G_ALL (G(SP_GEN_LEGACY) | G(SP_GEN_MULTIPURPOSE) | G(SP_GEN_STRICT))
#define G_ML (G(SP_GEN_LEGACY) | G(SP_GEN_MULTIPURPOSE))

/* OID contents */
static const uint8_t oid_ku[] = {0x55, 0x1d, 0x0f};
static const uint8_t oid_cp[] = {0x55, 0x1d, 0x20};
static const uint8_t oid_crldp[] = {0x55, 0x1d, 0x1f};
static const uint8_t oid_bc[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_nc[] = {0x55, 0x1d, 0x1e};
static const uint8_t oid_sda[] = {0x55, 0x1d, 0x09};
static const uint8_t oid_smimecaps[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                        0x0d, 0x01, 0x09, 0x0f};
static const uint8_t oid_qc[] = {0x2b, 0x06, 0x01, 0x05,
                                 0x05, 0x07, 0x01, 0x03};
static const uint8_t oid_lei[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                  0x83, 0x98, 0x2a, 0x01};
static const uint8_t oid_lei_role[] = {0x2b, 0x06, 0x01, 0x04, 0x01,
                                       0x83, 0x98, 0x2a, 0x02};
static const uint8_t oid_adobe_ts[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                       0x2f, 0x01, 0x01, 0x09, 0x01};
static const uint8_t oid_adobe_ari[] = {0x2a, 0x86, 0x48, 0x86, 0xf7,
                                        0x2f, 0x01, 0x01, 0x09, 0x02};

/* ------------------------------------------------------------------ */
/* Which extensions, for whom, how critical (A-09, B-07, B-08, D-OPT)  */

typedef enum {
    CRIT_ANY = 0,    /* the SBR sets nothing (or another rule decides) */
    CRIT_MUST_NOT,   /* ext.critical */
    CRIT_SHOULD_NOT, /* ext.critical_discouraged */
    CRIT_CP,         /* cp.critical (a SHOULD NOT of its own) */
} sp_crit;

typedef struct sp_ext_row_st {
    const uint8_t *oid;
    size_t oid_len;
    const char *name;
    unsigned types; /* T() mask the extension is allowed for */
    unsigned gens;  /* G() mask */
    sp_crit crit;
} SP_EXT_ROW;

#define ROW(oid, name, types, gens, crit)                                      \
    {                                                                          \
        oid, sizeof(oid), name, types, gens, crit                              \
    }

/* Row indices: the id-ce rows are found by their last OID octet. */
enum {
    R_KU,
    R_EKU,
    R_CP,
    R_CRLDP,
    R_AIA,
    R_AKI,
    R_SKI,
    R_SAN,
    R_BC,
    R_SMIMECAPS,
    R_QC,
    R_SDA,
    R_LEI,
    R_LEI_ROLE,
    R_ADOBE_TS,
    R_ADOBE_ARI,
    R_NC,
};

static const SP_EXT_ROW ext_rows[] = {
    [R_KU] = ROW(oid_ku, "keyUsage", T_ALL, G_ALL, CRIT_ANY),
    [R_EKU] = ROW(sp_oid_eku, "extKeyUsage", T_ALL, G_ALL, CRIT_ANY),
    [R_CP] = ROW(oid_cp, "certificatePolicies", T_ALL, G_ALL, CRIT_CP),
    [R_CRLDP] =
        ROW(oid_crldp, "cRLDistributionPoints", T_ALL, G_ALL, CRIT_SHOULD_NOT),
    [R_AIA] = ROW(sp_oid_aia, "authorityInformationAccess", T_ALL, G_ALL,
                  CRIT_MUST_NOT),
    [R_AKI] =
        ROW(sp_oid_aki, "authorityKeyIdentifier", T_ALL, G_ALL, CRIT_MUST_NOT),
    [R_SKI] =
        ROW(sp_oid_ski, "subjectKeyIdentifier", T_ALL, G_ALL, CRIT_MUST_NOT),
    [R_SAN] = ROW(sp_oid_san, "subjectAltName", T_ALL, G_ALL, CRIT_ANY),
    [R_BC] = ROW(oid_bc, "basicConstraints", T_ALL, G_ALL, CRIT_ANY),
    [R_SMIMECAPS] =
        ROW(oid_smimecaps, "smimeCapabilities", T_ALL, G_ALL, CRIT_MUST_NOT),
    [R_QC] = ROW(oid_qc, "qcStatements", T_ALL, G_ALL, CRIT_MUST_NOT),
    /* 7.1.2.3(j): Legacy only; never for Mailbox-validated (no
     * subject attributes to describe). */
    [R_SDA] = ROW(oid_sda, "subjectDirectoryAttributes",
                  T(SP_TYPE_ORGANIZATION) | T(SP_TYPE_SPONSORED)
                      | T(SP_TYPE_INDIVIDUAL),
                  G(SP_GEN_LEGACY), CRIT_MUST_NOT),
    /* 7.1.2.3(l) */
    [R_LEI] =
        ROW(oid_lei, "LEI", T(SP_TYPE_ORGANIZATION) | T(SP_TYPE_SPONSORED),
            G_ALL, CRIT_MUST_NOT),
    [R_LEI_ROLE] = ROW(oid_lei_role, "LEI role", T(SP_TYPE_SPONSORED), G_ALL,
                       CRIT_MUST_NOT),
    /* 7.1.2.3(m) */
    [R_ADOBE_TS] =
        ROW(oid_adobe_ts, "Adobe Time-stamp", T_ALL, G_ML, CRIT_MUST_NOT),
    [R_ADOBE_ARI] =
        ROW(oid_adobe_ari, "Adobe ArchiveRevInfo", T_ALL, G_ML, CRIT_MUST_NOT),
    /* never in a subscriber certificate. */
    [R_NC] = ROW(oid_nc, "nameConstraints", 0, 0, CRIT_ANY),
};

static const SP_EXT_ROW *ext_row(const SP_EXTENSION *e)
{
    /* id-ce 2.5.29.<n> (55 1d <n>): the row straight from <n>, confirmed
     * by a comparison of the whole OID; others by the table. */
    if (e->oid.len == 3 && e->oid.data[0] == 0x55 && e->oid.data[1] == 0x1d) {
        int r = -1;

        switch (e->oid.data[2]) {
        case 0x0f:
            r = R_KU;
            break;
        case 0x25:
            r = R_EKU;
            break;
        case 0x20:
            r = R_CP;
            break;
        case 0x1f:
            r = R_CRLDP;
            break;
        case 0x23:
            r = R_AKI;
            break;
        case 0x0e:
            r = R_SKI;
            break;
        case 0x11:
            r = R_SAN;
            break;
        case 0x13:
            r = R_BC;
            break;
        default:
            break;
        }
        if (r >= 0
            && sp_der_equal_bytes(&e->oid, ext_rows[r].oid,
                                  ext_rows[r].oid_len))
            return &ext_rows[r];
    }
    for (size_t i = 0; i < N_ELEMS(ext_rows); i++) {
        if (sp_der_equal_bytes(&e->oid, ext_rows[i].oid, ext_rows[i].oid_len))
            return &ext_rows[i];
    }
    return NULL;
}

static const SP_EXTRA_EXT *extra_ext(const SP_PROFILE *p, const SP_EXTENSION *e)
{
    if (p == NULL)
        return NULL;
    for (size_t i = 0; i < p->n_extra_exts; i++) {
        if (sp_der_equal_bytes(&e->oid, p->extra_exts[i].oid,
                               p->extra_exts[i].oid_len))
            return &p->extra_exts[i];
    }
    return NULL;
}

static void check_allowlist(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;
    char oid[64];
    /* The OID as text, made only for a finding that names it. */
#define OID_TEXT sp_der_oid_to_text(&e->oid, oid, sizeof(oid))

    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_EXTENSION *e = &t->ext[i];
        const SP_EXT_ROW *row = ext_row(e);
        const SP_EXTRA_EXT *extra = NULL;

        if (row != NULL && !e->critical
            && (ctx->type == SP_TYPE_NONE
                || ((row->types & T(ctx->type)) != 0
                    && (row->gens & G(ctx->gen)) != 0)))
            continue; /* listed, allowed here, not critical */
        if (row == NULL) {
            extra = extra_ext(ctx->profile, e);
            if (extra == NULL)
                sp_report(ctx, SP_R_EXT_UNKNOWN,
                          "extension %s is neither listed by the SBR nor "
                          "documented in the profile",
                          OID_TEXT);
            else if (e->critical && !extra->critical_allowed)
                sp_report(ctx, SP_R_EXT_CRITICAL,
                          "extension %s is critical; the profile allows it "
                          "only as non-critical",
                          OID_TEXT);
            continue;
        }
        /* Type/generation restrictions apply once the profile is known. */
        if (ctx->type != SP_TYPE_NONE && ctx->gen != SP_GEN_NONE
            && ((row->types & T(ctx->type)) == 0
                || (row->gens & G(ctx->gen)) == 0)
            && extra_ext(ctx->profile, e) == NULL)
            sp_report(ctx, SP_R_EXT_PROHIBITED,
                      "%s (%s) is not allowed in %s %s certificates", row->name,
                      OID_TEXT, sp_type_name(ctx->type),
                      sp_generation_name(ctx->gen));
        if (!e->critical)
            continue;
        switch (row->crit) {
        case CRIT_MUST_NOT:
            sp_report(ctx, SP_R_EXT_CRITICAL, "%s (%s) is marked critical",
                      row->name, OID_TEXT);
            break;
        case CRIT_SHOULD_NOT:
            sp_report(ctx, SP_R_EXT_CRITICAL_SHOULD_NOT,
                      "%s (%s) is marked critical", row->name, OID_TEXT);
            break;
        case CRIT_CP:
            sp_report(ctx, SP_R_CP_CRITICAL,
                      "certificatePolicies is marked critical");
            break;
        case CRIT_ANY:
            break;
        }
    }
}
#undef OID_TEXT

static void malformed(SP_RULE_CTX *ctx, const char *ext, const char *why)
{
    sp_report(ctx, SP_R_EXT_MALFORMED, "%s: %s", ext, why);
}

/* ------------------------------------------------------------------ */
/* SEQUENCE OF walks, shared with the CA rules (rules_ca.c)             */

/* The subscriber and CA rules walk the same structures but report with
 * rules (and malformed() codes) of their own: these only decode, the
 * caller reports. */

int sp_ext_seq_of(const SP_EXTENSION *e, SP_DER *seq)
{
    SP_DER cur = e->value;

    return sp_der_get(&cur, SP_TAG_SEQUENCE, seq) == SP_DER_OK
           && sp_der_empty(&cur) && !sp_der_empty(seq);
}

int sp_aia_next(SP_DER *seq, SP_DER *method, unsigned *tag, SP_DER *loc)
{
    SP_DER ad;

    return sp_der_get(seq, SP_TAG_SEQUENCE, &ad) == SP_DER_OK
           && sp_der_get_oid(&ad, method) == SP_DER_OK
           && sp_der_get_any(&ad, tag, loc, NULL) == SP_DER_OK
           && sp_der_empty(&ad);
}

int sp_crldp_next(SP_DER *seq, SP_DER *dpname, int *present)
{
    SP_DER dp;

    *present = 0;
    return sp_der_get(seq, SP_TAG_SEQUENCE, &dp) == SP_DER_OK
           && sp_der_get_optional(&dp, SP_TAG_CTX_CONS(0), dpname, present)
                  == SP_DER_OK;
}

/* ------------------------------------------------------------------ */
/* GeneralName URIs                                                    */

#define GN_URI 0x86u /* [6] IMPLICIT IA5String */

/* Scheme of a URI (the part before ':'), lower-cased into buf; "" when
 * the URI has no scheme. */
static const char *uri_scheme(const SP_DER *uri, char *buf, size_t buflen)
{
    size_t i;

    buf[0] = '\0';
    for (i = 0; i < uri->len && i + 1 < buflen; i++) {
        uint8_t c = uri->data[i];
        if (c == ':')
            break;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (i > 0
                  && ((c >= '0' && c <= '9') || c == '+' || c == '-'
                      || c == '.'))))
            break; /* not a scheme: no scheme at all */
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    if (i == 0 || i >= uri->len || uri->data[i] != ':') {
        buf[0] = '\0';
        return buf;
    }
    buf[i] = '\0';
    return buf;
}

/* Print at most 80 octets of an IA5 value for a message. */
static void uri_text(const SP_DER *uri, char *buf, size_t buflen)
{
    size_t n = uri->len < buflen - 1 ? uri->len : buflen - 1;

    for (size_t i = 0; i < n; i++) {
        uint8_t c = uri->data[i];
        buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    buf[n] = '\0';
}

/* ------------------------------------------------------------------ */
/* keyUsage (D-KU): permitted sets per key type and generation          */

enum {
    KU_DS = 1u << 0, /* digitalSignature */
    KU_NR = 1u << 1, /* nonRepudiation / contentCommitment */
    KU_KE = 1u << 2, /* keyEncipherment */
    KU_DE = 1u << 3, /* dataEncipherment */
    KU_KA = 1u << 4, /* keyAgreement */
    KU_KCS = 1u << 5,
    KU_CRL = 1u << 6,
    KU_EO = 1u << 7, /* encipherOnly */
    KU_DO = 1u << 8, /* decipherOnly */
};

static const char *const ku_names[] = {
    "digitalSignature", "nonRepudiation", "keyEncipherment",
    "dataEncipherment", "keyAgreement",   "keyCertSign",
    "cRLSign",          "encipherOnly",   "decipherOnly",
};

#define K_EC (SP_KEY_P256 | SP_KEY_P384 | SP_KEY_P521)
#define K_SIGN_ONLY                                                            \
    (SP_KEY_ED25519 | SP_KEY_ED448 | SP_KEY_MLDSA44 | SP_KEY_MLDSA65           \
     | SP_KEY_MLDSA87)
#define K_KEM (SP_KEY_MLKEM512 | SP_KEY_MLKEM768 | SP_KEY_MLKEM1024)

typedef struct sp_ku_set_st {
    unsigned keys; /* SP_KEY_* mask */
    unsigned gens; /* G() mask */
    unsigned bits; /* the exact set of bits */
} SP_KU_SET;

/* SBR 7.1.2.3(e): every permitted combination, row by row. */
static const SP_KU_SET ku_sets[] = {
    /* signing only */
    {SP_KEY_RSA | K_EC | K_SIGN_ONLY, G_ALL, KU_DS},
    {SP_KEY_RSA | K_EC | K_SIGN_ONLY, G_ALL, KU_DS | KU_NR},
    /* RSA key management and dual use */
    {SP_KEY_RSA, G_ALL, KU_KE},
    {SP_KEY_RSA, G_ML, KU_KE | KU_DE},
    {SP_KEY_RSA, G_ALL, KU_DS | KU_KE},
    {SP_KEY_RSA, G_ALL, KU_DS | KU_KE | KU_NR},
    {SP_KEY_RSA, G_ML, KU_DS | KU_KE | KU_DE},
    {SP_KEY_RSA, G_ML, KU_DS | KU_KE | KU_NR | KU_DE},
    /* EC key management and dual use */
    {K_EC, G_ALL, KU_KA},
    {K_EC, G_ALL, KU_KA | KU_EO},
    {K_EC, G_ALL, KU_KA | KU_DO},
    {K_EC, G_ALL, KU_DS | KU_KA},
    {K_EC, G_ALL, KU_DS | KU_KA | KU_NR},
    {K_EC, G_ALL, KU_DS | KU_KA | KU_EO},
    {K_EC, G_ALL, KU_DS | KU_KA | KU_DO},
    {K_EC, G_ALL, KU_DS | KU_KA | KU_NR | KU_EO},
    {K_EC, G_ALL, KU_DS | KU_KA | KU_NR | KU_DO},
    /* ML-KEM */
    {K_KEM, G_ALL, KU_KE},
};

static size_t ku_list(unsigned bits, char *buf, size_t buflen)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned b = 0; b < N_ELEMS(ku_names); b++) {
        if ((bits & (1u << b)) == 0)
            continue;
        int w =
            snprintf(buf + n, buflen - n, "%s%s", n ? "," : "", ku_names[b]);
        if (w < 0 || (size_t)w >= buflen - n)
            break;
        n += (size_t)w;
    }
    return n;
}

static void check_ku(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_ku;
    unsigned key = sp_spki_alg_key_type(&ctx->tbs->spki_alg);
    /* Without a generation, judge by the Multipurpose sets (the
     * profile finding already refuses the certificate). */
    unsigned gen = G(ctx->gen == SP_GEN_NONE ? SP_GEN_MULTIPURPOSE : ctx->gen);
    SP_DER cur, bits;
    unsigned unused, set = 0, allowed = 0;
    char list[160];

    if (e == NULL) {
        sp_report(ctx, SP_R_KU_MISSING, "no keyUsage extension");
        return;
    }
    if (!e->critical)
        sp_report(ctx, SP_R_KU_NOT_CRITICAL, "keyUsage is not critical");
    cur = e->value;
    if (sp_der_get_bit_string(&cur, &bits, &unused) != SP_DER_OK
        || !sp_der_empty(&cur) || bits.len > 2) {
        malformed(ctx, "keyUsage", "not a BIT STRING of at most 9 bits");
        return;
    }
    for (size_t i = 0; i < bits.len; i++) {
        for (unsigned b = 0; b < 8; b++) {
            if (bits.data[i] & (0x80u >> b))
                set |= 1u << (i * 8 + b);
        }
    }
    if (set >> 9) {
        malformed(ctx, "keyUsage", "bits beyond decipherOnly are set");
        return;
    }
    if (key == 0)
        return; /* the SPKI rule reports the unknown key */
    for (size_t i = 0; i < N_ELEMS(ku_sets); i++) {
        if ((ku_sets[i].keys & key) && (ku_sets[i].gens & gen))
            allowed |= ku_sets[i].bits;
    }
    if (set & ~allowed) {
        ku_list(set & ~allowed, list, sizeof(list));
        sp_report(ctx, SP_R_KU_PROHIBITED,
                  "keyUsage %s not allowed for %s keys in %s certificates",
                  list, sp_key_type_name(key),
                  ctx->gen == SP_GEN_NONE ? "S/MIME"
                                          : sp_generation_name(ctx->gen));
        return;
    }
    for (size_t i = 0; i < N_ELEMS(ku_sets); i++) {
        if ((ku_sets[i].keys & key) && (ku_sets[i].gens & gen)
            && ku_sets[i].bits == set)
            return;
    }
    ku_list(set, list, sizeof(list));
    sp_report(ctx, SP_R_KU_COMBINATION,
              "keyUsage {%s} is not a permitted combination for %s keys", list,
              sp_key_type_name(key));
}

/* ------------------------------------------------------------------ */
/* extKeyUsage (D-EKU)                                                  */

static const uint8_t kp_client[] = {0x2b, 0x06, 0x01, 0x05,
                                    0x05, 0x07, 0x03, 0x02};
static const uint8_t kp_docsign[] = {0x2b, 0x06, 0x01, 0x05,
                                     0x05, 0x07, 0x03, 0x24};

static const struct {
    uint8_t oid[8];
    size_t len;
    const char *name;
} forbidden_ekus[] = {
    {{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01}, 8, "serverAuth"},
    {{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x03}, 8, "codeSigning"},
    {{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08}, 8, "timeStamping"},
    {{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x09}, 8, "OCSPSigning"},
    {{0x55, 0x1d, 0x25, 0x00}, 4, "anyExtendedKeyUsage"},
};

static void check_eku(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_eku;
    const SP_PROFILE *p = ctx->profile;
    SP_DER seq, oid, seen[16];
    size_t n_seen = 0;
    int email = 0;
    char text[64];

    if (e == NULL) {
        sp_report(ctx, SP_R_EKU_MISSING, "no extKeyUsage extension");
        return;
    }
    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "extKeyUsage", "not a non-empty SEQUENCE OF OID");
        return;
    }
    while (!sp_der_empty(&seq)) {
        int forbidden = 0, dup = 0;

        if (sp_der_get_oid(&seq, &oid) != SP_DER_OK) {
            malformed(ctx, "extKeyUsage", "an element is not an OID");
            return;
        }
        for (size_t i = 0; i < n_seen; i++)
            dup |= sp_der_equal(&seen[i], &oid);
        if (dup) {
            sp_report(ctx, SP_R_EKU_DUPLICATE, "EKU %s appears twice",
                      sp_der_oid_to_text(&oid, text, sizeof(text)));
            continue;
        }
        if (n_seen < N_ELEMS(seen))
            seen[n_seen++] = oid;
        if (sp_der_equal_bytes(&oid, sp_oid_kp_email,
                               sizeof(sp_oid_kp_email))) {
            email = 1;
            continue;
        }
        for (size_t i = 0; i < N_ELEMS(forbidden_ekus); i++) {
            if (sp_der_equal_bytes(&oid, forbidden_ekus[i].oid,
                                   forbidden_ekus[i].len)) {
                sp_report(ctx, SP_R_EKU_FORBIDDEN,
                          "EKU %s (%s) is prohibited in S/MIME subscriber "
                          "certificates",
                          forbidden_ekus[i].name,
                          sp_der_oid_to_text(&oid, text, sizeof(text)));
                forbidden = 1;
            }
        }
        if (forbidden)
            continue;
        if (ctx->gen == SP_GEN_STRICT) {
            sp_report(ctx, SP_R_EKU_STRICT_OTHER,
                      "EKU %s besides emailProtection in a Strict "
                      "certificate",
                      sp_der_oid_to_text(&oid, text, sizeof(text)));
        } else if (p != NULL && p->eku_allowlist_set) {
            int listed = 0;
            for (size_t i = 0; i < p->n_allowed_ekus && !listed; i++)
                listed = sp_der_equal_bytes(&oid, p->allowed_ekus[i].der,
                                            p->allowed_ekus[i].len);
            if (!listed)
                sp_report(ctx, SP_R_EKU_NOT_ALLOWED,
                          "EKU %s is not in profile %s's allowlist",
                          sp_der_oid_to_text(&oid, text, sizeof(text)),
                          p->name);
        } else if (!sp_der_equal_bytes(&oid, kp_client, sizeof(kp_client))
                   && !sp_der_equal_bytes(&oid, kp_docsign,
                                          sizeof(kp_docsign))) {
            sp_report(ctx, SP_R_EKU_UNKNOWN,
                      "EKU %s is not one the SBR names (clientAuth, "
                      "documentSigning); document it in the profile",
                      sp_der_oid_to_text(&oid, text, sizeof(text)));
        }
    }
    if (!email)
        sp_report(ctx, SP_R_EKU_EMAIL_MISSING,
                  "extKeyUsage lacks emailProtection (1.3.6.1.5.5.7.3.4)");
}

/* ------------------------------------------------------------------ */
/* basicConstraints (D-BC)                                              */

static void check_bc(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_bc;
    SP_DER cur, seq, pathlen;
    int ca = 0;

    if (e == NULL)
        return;
    cur = e->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || !sp_der_empty(&cur)) {
        malformed(ctx, "basicConstraints", "not a SEQUENCE");
        return;
    }
    if (sp_der_peek_tag(&seq) == SP_TAG_BOOLEAN
        && sp_der_get_bool(&seq, &ca) != SP_DER_OK) {
        malformed(ctx, "basicConstraints", "cA is not a BOOLEAN");
        return;
    }
    if (ca)
        sp_report(ctx, SP_R_BC_CA, "basicConstraints cA is TRUE");
    if (!sp_der_empty(&seq)) {
        if (sp_der_get_integer(&seq, &pathlen) != SP_DER_OK
            || !sp_der_empty(&seq)) {
            malformed(ctx, "basicConstraints",
                      "pathLenConstraint is not an INTEGER");
            return;
        }
        sp_report(ctx, SP_R_BC_PATHLEN,
                  "basicConstraints has a pathLenConstraint");
    }
}

/* ------------------------------------------------------------------ */
/* certificatePolicies (D-CP)                                           */

static const uint8_t any_policy[] = {0x55, 0x1d, 0x20, 0x00};
static const uint8_t qt_cps[] = {0x2b, 0x06, 0x01, 0x05,
                                 0x05, 0x07, 0x02, 0x01};
static const uint8_t qt_unotice[] = {0x2b, 0x06, 0x01, 0x05,
                                     0x05, 0x07, 0x02, 0x02};

/* UserNotice ::= SEQUENCE { noticeRef NoticeReference OPTIONAL,
 *                           explicitText DisplayText OPTIONAL } */
static void check_user_notice(SP_RULE_CTX *ctx, SP_DER q,
                              const SP_DER *policy_oid)
{
    char policy[64];
    SP_DER un, ref, text;
    unsigned tag;
    int present = 0;
    size_t chars = 0, control = 0; /* control: 1 + offset of the first */

    if (sp_der_get(&q, SP_TAG_SEQUENCE, &un) != SP_DER_OK
        || !sp_der_empty(&q)) {
        malformed(ctx, "certificatePolicies", "userNotice is not a SEQUENCE");
        return;
    }
    if (sp_der_get_optional(&un, SP_TAG_SEQUENCE, &ref, &present)
        != SP_DER_OK) {
        malformed(ctx, "certificatePolicies", "noticeRef");
        return;
    }
    if (present)
        sp_report(ctx, SP_R_CP_NOTICE_REF,
                  "policy %s: userNotice has a noticeRef",
                  sp_der_oid_to_text(policy_oid, policy, sizeof(policy)));
    if (sp_der_empty(&un)) {
        sp_report(ctx, SP_R_CP_EXPLICIT_TEXT_MISSING,
                  "policy %s: userNotice has no explicitText",
                  sp_der_oid_to_text(policy_oid, policy, sizeof(policy)));
        return;
    }
    if (sp_der_get_any(&un, &tag, &text, NULL) != SP_DER_OK
        || !sp_der_empty(&un)) {
        malformed(ctx, "certificatePolicies", "explicitText");
        return;
    }
    if (tag != SP_TAG_UTF8STRING) {
        sp_report(ctx, SP_R_CP_EXPLICIT_TEXT_TYPE,
                  "policy %s: explicitText is a %s, not a UTF8String",
                  sp_der_oid_to_text(policy_oid, policy, sizeof(policy)),
                  tag == SP_TAG_IA5STRING       ? "IA5String"
                  : tag == SP_TAG_VISIBLESTRING ? "VisibleString"
                  : tag == SP_TAG_BMPSTRING     ? "BMPString"
                                                : "non-DisplayText type");
        return;
    }
    for (size_t i = 0; i < text.len; i++) {
        uint8_t c = text.data[i];
        chars += (c & 0xc0) != 0x80;
        /* C0 controls, DEL, and C1 controls (U+0080..U+009F: C2 80..9F) */
        if (!control
            && (c < 0x20 || c == 0x7f
                || (c == 0xc2 && i + 1 < text.len && text.data[i + 1] >= 0x80
                    && text.data[i + 1] <= 0x9f)))
            control = i + 1;
    }
    if (control)
        sp_report(ctx, SP_R_CP_EXPLICIT_TEXT_CONTROL,
                  "policy %s: explicitText has a control character at "
                  "octet %zu",
                  sp_der_oid_to_text(policy_oid, policy, sizeof(policy)),
                  control - 1);
    if (chars > 200)
        sp_report(ctx, SP_R_CP_EXPLICIT_TEXT_TYPE,
                  "policy %s: explicitText has %zu characters (at most 200)",
                  sp_der_oid_to_text(policy_oid, policy, sizeof(policy)),
                  chars);
}

static void check_cp(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_cp;
    SP_DER seq, seen[16];
    size_t n_seen = 0;
    char policy[64], scheme[16], uri[96];

    if (e == NULL)
        return; /* profile.none says so */
    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "certificatePolicies",
                  "not a non-empty SEQUENCE OF PolicyInformation");
        return;
    }
    while (!sp_der_empty(&seq)) {
        SP_DER info, oid, quals;
        int present = 0, dup = 0;

        if (sp_der_get(&seq, SP_TAG_SEQUENCE, &info) != SP_DER_OK
            || sp_der_get_oid(&info, &oid) != SP_DER_OK
            || sp_der_get_optional(&info, SP_TAG_SEQUENCE, &quals, &present)
                   != SP_DER_OK
            || !sp_der_empty(&info) || (present && sp_der_empty(&quals))) {
            malformed(ctx, "certificatePolicies",
                      "a PolicyInformation is malformed");
            return;
        }
        for (size_t i = 0; i < n_seen; i++)
            dup |= sp_der_equal(&seen[i], &oid);
        if (dup)
            sp_report(ctx, SP_R_CP_DUPLICATE, "policy %s appears twice",
                      sp_der_oid_to_text(&oid, policy, sizeof(policy)));
        else if (n_seen < N_ELEMS(seen))
            seen[n_seen++] = oid;
        /* A CA certificate's anyPolicy is for the CA rules to judge. */
        if (!ctx->ca_role
            && sp_der_equal_bytes(&oid, any_policy, sizeof(any_policy)))
            sp_report(ctx, SP_R_CP_ANY_POLICY,
                      "anyPolicy (2.5.29.32.0) in a subscriber certificate");
        while (present && !sp_der_empty(&quals)) {
            SP_DER pqi, qid, q;
            unsigned tag;

            if (sp_der_get(&quals, SP_TAG_SEQUENCE, &pqi) != SP_DER_OK
                || sp_der_get_oid(&pqi, &qid) != SP_DER_OK) {
                malformed(ctx, "certificatePolicies",
                          "a PolicyQualifierInfo is malformed");
                return;
            }
            q = pqi;
            if (sp_der_equal_bytes(&qid, qt_cps, sizeof(qt_cps))) {
                SP_DER v;
                if (sp_der_get_any(&q, &tag, &v, NULL) != SP_DER_OK
                    || tag != SP_TAG_IA5STRING || !sp_der_empty(&q)) {
                    malformed(ctx, "certificatePolicies",
                              "CPS pointer is not an IA5String");
                    return;
                }
                uri_scheme(&v, scheme, sizeof(scheme));
                if (strcmp(scheme, "http") != 0
                    && strcmp(scheme, "https") != 0) {
                    uri_text(&v, uri, sizeof(uri));
                    sp_report(ctx, SP_R_CP_CPS_URI,
                              "policy %s: CPS URI \"%s\" is not http or "
                              "https",
                              sp_der_oid_to_text(&oid, policy, sizeof(policy)),
                              uri);
                }
            } else if (sp_der_equal_bytes(&qid, qt_unotice,
                                          sizeof(qt_unotice))) {
                check_user_notice(ctx, q, &oid);
            } else {
                char qtext[64];
                sp_report(ctx, SP_R_CP_QUALIFIER,
                          "policy %s: qualifier %s is neither id-qt-cps nor "
                          "id-qt-unotice",
                          sp_der_oid_to_text(&oid, policy, sizeof(policy)),
                          sp_der_oid_to_text(&qid, qtext, sizeof(qtext)));
            }
        }
    }
}

/* ------------------------------------------------------------------ */
/* cRLDistributionPoints (D-CRL)                                        */

static void check_crldp(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_crldp;
    SP_DER seq;
    int http = 0;
    char scheme[16], uri[96];

    if (e == NULL) {
        sp_report(ctx, SP_R_CRLDP_MISSING, "no cRLDistributionPoints");
        return;
    }
    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "cRLDistributionPoints",
                  "not a non-empty SEQUENCE OF DistributionPoint");
        return;
    }
    while (!sp_der_empty(&seq)) {
        SP_DER dpname, names;
        int present;

        if (!sp_crldp_next(&seq, &dpname, &present)) {
            malformed(ctx, "cRLDistributionPoints",
                      "a DistributionPoint is malformed");
            return;
        }
        if (!present) {
            sp_report(ctx, SP_R_CRLDP_REASONS_ONLY,
                      "a DistributionPoint has no distributionPoint name");
            continue;
        }
        if (sp_der_peek_tag(&dpname) != SP_TAG_CTX_CONS(0)) {
            sp_report(ctx, SP_R_CRLDP_NAME_TYPE,
                      "a distribution point is a nameRelativeToCRLIssuer, "
                      "not a fullName URI");
            continue;
        }
        if (sp_der_get(&dpname, SP_TAG_CTX_CONS(0), &names) != SP_DER_OK
            || !sp_der_empty(&dpname) || sp_der_empty(&names)) {
            malformed(ctx, "cRLDistributionPoints", "fullName");
            return;
        }
        while (!sp_der_empty(&names)) {
            SP_DER gn;
            unsigned tag;

            if (sp_der_get_any(&names, &tag, &gn, NULL) != SP_DER_OK) {
                malformed(ctx, "cRLDistributionPoints", "a GeneralName");
                return;
            }
            if (tag != GN_URI) {
                sp_report(ctx, SP_R_CRLDP_NAME_TYPE,
                          "a distribution point fullName holds a "
                          "GeneralName [%u] that is not a URI",
                          tag & 0x1fu);
                continue;
            }
            uri_scheme(&gn, scheme, sizeof(scheme));
            if (strcmp(scheme, "http") == 0) {
                http = 1;
                continue;
            }
            /* Legacy: other schemes (LDAP, FTP, ...) MAY be present,
             * but each must be a URI with a scheme. */
            if (ctx->gen == SP_GEN_LEGACY && scheme[0] != '\0')
                continue;
            uri_text(&gn, uri, sizeof(uri));
            sp_report(ctx, SP_R_CRLDP_SCHEME,
                      "CRL URI \"%s\" has scheme \"%s\"; %s", uri, scheme,
                      scheme[0] == '\0' ? "a URI needs a scheme"
                                        : "only http is allowed");
        }
    }
    if (!http)
        sp_report(ctx, SP_R_CRLDP_NO_HTTP,
                  "no distribution point has an http:// URI");
}

/* ------------------------------------------------------------------ */
/* authorityInformationAccess (D-AIA)                                   */

static const uint8_t ad_ocsp[] = {0x2b, 0x06, 0x01, 0x05,
                                  0x05, 0x07, 0x30, 0x01};
static const uint8_t ad_ca_issuers[] = {0x2b, 0x06, 0x01, 0x05,
                                        0x05, 0x07, 0x30, 0x02};

static void check_aia(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_aia;
    SP_DER seq;
    /* [0] OCSP, [1] caIssuers: seen, with an http URI */
    int used[2] = {0, 0}, http[2] = {0, 0};
    static const char *const method_names[2] = {"OCSP", "caIssuers"};
    char scheme[16], uri[96], oid[64];

    if (e == NULL) {
        sp_report(ctx, SP_R_AIA_MISSING, "no authorityInformationAccess");
        return;
    }
    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "authorityInformationAccess",
                  "not a non-empty SEQUENCE OF AccessDescription");
        return;
    }
    while (!sp_der_empty(&seq)) {
        SP_DER method, loc;
        unsigned tag;
        int m;

        if (!sp_aia_next(&seq, &method, &tag, &loc)) {
            malformed(ctx, "authorityInformationAccess",
                      "an AccessDescription is malformed");
            return;
        }
        if (sp_der_equal_bytes(&method, ad_ocsp, sizeof(ad_ocsp)))
            m = 0;
        else if (sp_der_equal_bytes(&method, ad_ca_issuers,
                                    sizeof(ad_ca_issuers)))
            m = 1;
        else {
            sp_report(ctx, SP_R_AIA_METHOD,
                      "access method %s is neither id-ad-ocsp nor "
                      "id-ad-caIssuers",
                      sp_der_oid_to_text(&method, oid, sizeof(oid)));
            continue;
        }
        used[m] = 1;
        if (tag != GN_URI) {
            sp_report(ctx, SP_R_AIA_NAME_TYPE,
                      "%s accessLocation is a GeneralName [%u], not a URI",
                      method_names[m], tag & 0x1fu);
            continue;
        }
        uri_scheme(&loc, scheme, sizeof(scheme));
        if (strcmp(scheme, "http") == 0) {
            http[m] = 1;
        } else if (ctx->gen != SP_GEN_LEGACY || scheme[0] == '\0') {
            uri_text(&loc, uri, sizeof(uri));
            sp_report(ctx, SP_R_AIA_SCHEME,
                      "%s URI \"%s\" has scheme \"%s\"; %s", method_names[m],
                      uri, scheme,
                      scheme[0] == '\0' ? "a URI needs a scheme"
                                        : "only http is allowed");
        }
    }
    for (int m = 0; m < 2; m++) {
        if (used[m] && !http[m] && ctx->gen == SP_GEN_LEGACY)
            sp_report(ctx, SP_R_AIA_NO_HTTP, "no %s entry has an http:// URI",
                      method_names[m]);
    }
    if (!used[1])
        sp_report(ctx, SP_R_AIA_CA_ISSUERS_MISSING,
                  "authorityInformationAccess has no caIssuers entry");
}

/* ------------------------------------------------------------------ */
/* authorityKeyIdentifier, subjectKeyIdentifier                         */

int sp_aki_decode(const SP_EXTENSION *e, SP_DER *kid, int *has_kid,
                  int *has_issuer, int *has_serial)
{
    SP_DER cur = e->value, seq, other;

    sp_der_init(kid, NULL, 0);
    *has_kid = *has_issuer = *has_serial = 0;
    return sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) == SP_DER_OK
           && sp_der_empty(&cur)
           && sp_der_get_optional(&seq, SP_TAG_CTX(0), kid, has_kid)
                  == SP_DER_OK
           && sp_der_get_optional(&seq, SP_TAG_CTX_CONS(1), &other, has_issuer)
                  == SP_DER_OK
           && sp_der_get_optional(&seq, SP_TAG_CTX(2), &other, has_serial)
                  == SP_DER_OK
           && sp_der_empty(&seq);
}

static void check_aki_ski(SP_RULE_CTX *ctx)
{
    const SP_EXTENSION *e = ctx->ext_aki;
    SP_DER cur, kid = {NULL, 0};
    int has_kid = 0, has_issuer = 0, has_serial = 0;

    if (e == NULL) {
        sp_report(ctx, SP_R_AKI_MISSING, "no authorityKeyIdentifier");
    } else {
        if (!sp_aki_decode(e, &kid, &has_kid, &has_issuer, &has_serial)) {
            malformed(ctx, "authorityKeyIdentifier", "not an AKI SEQUENCE");
        } else {
            if (!has_kid || kid.len == 0)
                sp_report(ctx, SP_R_AKI_KEYID_MISSING,
                          "authorityKeyIdentifier has no keyIdentifier");
            if (has_issuer || has_serial)
                sp_report(ctx, SP_R_AKI_ISSUER_SERIAL,
                          "authorityKeyIdentifier has %s",
                          has_issuer && has_serial ? "authorityCertIssuer and "
                                                     "authorityCertSerialNumber"
                          : has_issuer             ? "authorityCertIssuer"
                                       : "authorityCertSerialNumber");
            if (ctx->issuer != NULL && has_kid) {
                SP_DER ski = sp_issuer_ski(ctx->issuer);
                if (!sp_der_equal(&ski, &kid))
                    sp_report(ctx, SP_R_AKI_ISSUER_MISMATCH,
                              "AKI keyIdentifier (%zu octets) is not the "
                              "issuing CA's subjectKeyIdentifier (%zu "
                              "octets%s)",
                              kid.len, ski.len,
                              ski.len ? "" : ": the CA has none");
            }
        }
    }

    e = ctx->ext_ski;
    if (e == NULL) {
        sp_report(ctx, SP_R_SKI_MISSING, "no subjectKeyIdentifier");
        return;
    }
    cur = e->value;
    if (sp_der_get(&cur, SP_TAG_OCTET_STRING, &kid) != SP_DER_OK
        || !sp_der_empty(&cur)) {
        malformed(ctx, "subjectKeyIdentifier", "not an OCTET STRING");
        return;
    }
    if (kid.len == 0)
        sp_report(ctx, SP_R_SKI_EMPTY, "subjectKeyIdentifier is empty");
}

/* ------------------------------------------------------------------ */
/* Optional extensions: content                                          */

/* SEQUENCE OF SEQUENCE { OID, ANY OPTIONAL }: smimeCapabilities, and
 * the outer shape of subjectDirectoryAttributes (Attribute values are a
 * SET). */
static void check_smime_caps(SP_RULE_CTX *ctx, const SP_EXTENSION *e)
{
    SP_DER cur = e->value, seq, cap, oid;

    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || !sp_der_empty(&cur)) {
        malformed(ctx, "smimeCapabilities", "not a SEQUENCE");
        return;
    }
    while (!sp_der_empty(&seq)) {
        if (sp_der_get(&seq, SP_TAG_SEQUENCE, &cap) != SP_DER_OK
            || sp_der_get_oid(&cap, &oid) != SP_DER_OK) {
            malformed(ctx, "smimeCapabilities",
                      "an SMIMECapability is not a SEQUENCE starting with "
                      "an OID");
            return;
        }
        if (!sp_der_empty(&cap)) {
            SP_DER param;
            if (sp_der_get_any(&cap, NULL, &param, NULL) != SP_DER_OK
                || !sp_der_empty(&cap)) {
                malformed(ctx, "smimeCapabilities",
                          "an SMIMECapability has more than one parameter");
                return;
            }
        }
    }
}

static void check_sda(SP_RULE_CTX *ctx, const SP_EXTENSION *e)
{
    SP_DER seq, attr, oid, values;

    if (!sp_ext_seq_of(e, &seq)) {
        malformed(ctx, "subjectDirectoryAttributes",
                  "not a non-empty SEQUENCE OF Attribute");
        return;
    }
    while (!sp_der_empty(&seq)) {
        if (sp_der_get(&seq, SP_TAG_SEQUENCE, &attr) != SP_DER_OK
            || sp_der_get_oid(&attr, &oid) != SP_DER_OK
            || sp_der_get(&attr, SP_TAG_SET, &values) != SP_DER_OK
            || !sp_der_empty(&attr) || sp_der_empty(&values)) {
            malformed(ctx, "subjectDirectoryAttributes",
                      "an Attribute is not { OID, SET OF value }");
            return;
        }
    }
}

/* qcStatements (RFC 3739 3.2.6, ETSI EN 319 412-5 4.2, 4.3). Known
 * statements are decoded strictly: their statementInfo must have exactly
 * the defined type. */
#define ETSI_QCS(n)                                                            \
    {                                                                          \
        0x04, 0x00, 0x8e, 0x46, 0x01, n                                        \
    }
static const uint8_t qcs_compliance[] = ETSI_QCS(0x01);
static const uint8_t qcs_limit[] = ETSI_QCS(0x02);
static const uint8_t qcs_retention[] = ETSI_QCS(0x03);
static const uint8_t qcs_sscd[] = ETSI_QCS(0x04);
static const uint8_t qcs_pds[] = ETSI_QCS(0x05);
static const uint8_t qcs_type[] = ETSI_QCS(0x06);
static const uint8_t qcs_cc_legislation[] = ETSI_QCS(0x07);
static const uint8_t qcs_pkix_v1[] = {0x2b, 0x06, 0x01, 0x05,
                                      0x05, 0x07, 0x0b, 0x01};
static const uint8_t qcs_pkix_v2[] = {0x2b, 0x06, 0x01, 0x05,
                                      0x05, 0x07, 0x0b, 0x02};

static int is_alpha2(const SP_DER *s)
{
    return s->len == 2
           && ((s->data[0] >= 'A' && s->data[0] <= 'Z')
               || (s->data[0] >= 'a' && s->data[0] <= 'z'))
           && ((s->data[1] >= 'A' && s->data[1] <= 'Z')
               || (s->data[1] >= 'a' && s->data[1] <= 'z'));
}

/* The statementInfo of a known statement; returns why it is wrong or
 * NULL when it matches its definition. `info` is empty when absent. */
static const char *qc_info_problem(const SP_DER *id, SP_DER info, int present)
{
    SP_DER seq, v;
    unsigned tag;

    if (sp_der_equal_bytes(id, qcs_compliance, sizeof(qcs_compliance))
        || sp_der_equal_bytes(id, qcs_sscd, sizeof(qcs_sscd)))
        return present ? "QcCompliance/QcSSCD carry no statementInfo" : NULL;
    if (!present)
        return "statementInfo is missing";
    if (sp_der_equal_bytes(id, qcs_retention, sizeof(qcs_retention))) {
        uint64_t years;
        if (sp_der_get_uint64(&info, &years) != SP_DER_OK
            || !sp_der_empty(&info))
            return "QcEuRetentionPeriod is not a non-negative INTEGER";
        return NULL;
    }
    if (sp_der_equal_bytes(id, qcs_limit, sizeof(qcs_limit))) {
        /* SEQUENCE { currency (PrintableString SIZE(3) | INTEGER),
         *            amount INTEGER, exponent INTEGER } */
        if (sp_der_get(&info, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
            || !sp_der_empty(&info)
            || sp_der_get_any(&seq, &tag, &v, NULL) != SP_DER_OK
            || !((tag == SP_TAG_PRINTABLESTRING && v.len == 3)
                 || tag == SP_TAG_INTEGER)
            || sp_der_get_integer(&seq, &v) != SP_DER_OK
            || sp_der_get_integer(&seq, &v) != SP_DER_OK || !sp_der_empty(&seq))
            return "QcEuLimitValue is not { currency, amount, exponent }";
        return NULL;
    }
    if (sp_der_equal_bytes(id, qcs_pds, sizeof(qcs_pds))) {
        /* SEQUENCE SIZE (1..MAX) OF SEQUENCE { url IA5String,
         *                          language PrintableString SIZE(2) } */
        if (sp_der_get(&info, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
            || !sp_der_empty(&info) || sp_der_empty(&seq))
            return "QcEuPDS is not a non-empty SEQUENCE OF PdsLocation";
        while (!sp_der_empty(&seq)) {
            SP_DER loc, url, lang;
            if (sp_der_get(&seq, SP_TAG_SEQUENCE, &loc) != SP_DER_OK
                || sp_der_get(&loc, SP_TAG_IA5STRING, &url) != SP_DER_OK
                || sp_der_get(&loc, SP_TAG_PRINTABLESTRING, &lang) != SP_DER_OK
                || !sp_der_empty(&loc) || !is_alpha2(&lang))
                return "a QcEuPDS PdsLocation is not { IA5String url, "
                       "PrintableString SIZE(2) language }";
        }
        return NULL;
    }
    if (sp_der_equal_bytes(id, qcs_type, sizeof(qcs_type))) {
        if (sp_der_get(&info, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
            || !sp_der_empty(&info) || sp_der_empty(&seq))
            return "QcType is not a non-empty SEQUENCE OF OID";
        while (!sp_der_empty(&seq)) {
            if (sp_der_get_oid(&seq, &v) != SP_DER_OK)
                return "QcType holds a non-OID";
        }
        return NULL;
    }
    if (sp_der_equal_bytes(id, qcs_cc_legislation,
                           sizeof(qcs_cc_legislation))) {
        if (sp_der_get(&info, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
            || !sp_der_empty(&info) || sp_der_empty(&seq))
            return "QcCClegislation is not a non-empty SEQUENCE OF "
                   "CountryName";
        while (!sp_der_empty(&seq)) {
            if (sp_der_get(&seq, SP_TAG_PRINTABLESTRING, &v) != SP_DER_OK
                || !is_alpha2(&v))
                return "QcCClegislation holds a value that is not a "
                       "PrintableString SIZE(2)";
        }
        return NULL;
    }
    if (sp_der_equal_bytes(id, qcs_pkix_v1, sizeof(qcs_pkix_v1))
        || sp_der_equal_bytes(id, qcs_pkix_v2, sizeof(qcs_pkix_v2))) {
        /* SemanticsInformation ::= SEQUENCE { semanticsIdentifier OID
         *   OPTIONAL, nameRegistrationAuthorities SEQUENCE OF
         *   GeneralName OPTIONAL }, at least one present */
        int has_oid = 0, has_nra = 0;
        if (sp_der_get(&info, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
            || !sp_der_empty(&info)
            || sp_der_get_optional(&seq, SP_TAG_OID, &v, &has_oid) != SP_DER_OK
            || sp_der_get_optional(&seq, SP_TAG_SEQUENCE, &v, &has_nra)
                   != SP_DER_OK
            || !sp_der_empty(&seq) || (!has_oid && !has_nra))
            return "SemanticsInformation is malformed";
        return NULL;
    }
    return NULL; /* unknown statement: its content is its owner's */
}

static void check_qc(SP_RULE_CTX *ctx, const SP_EXTENSION *e)
{
    SP_DER seq;
    char oid[64];

    if (!sp_ext_seq_of(e, &seq)) {
        sp_report(ctx, SP_R_QC_MALFORMED,
                  "qcStatements is not a non-empty SEQUENCE OF QCStatement");
        return;
    }
    while (!sp_der_empty(&seq)) {
        SP_DER st, id, info = {NULL, 0};
        const char *why;
        int present = 0;

        if (sp_der_get(&seq, SP_TAG_SEQUENCE, &st) != SP_DER_OK
            || sp_der_get_oid(&st, &id) != SP_DER_OK) {
            sp_report(ctx, SP_R_QC_MALFORMED,
                      "a QCStatement is not a SEQUENCE starting with an OID");
            return;
        }
        if (!sp_der_empty(&st)) {
            present = 1;
            info = st;
            SP_DER one;
            if (sp_der_get_any(&st, NULL, &one, NULL) != SP_DER_OK
                || !sp_der_empty(&st)) {
                sp_report(ctx, SP_R_QC_MALFORMED,
                          "QCStatement %s has more than one statementInfo",
                          sp_der_oid_to_text(&id, oid, sizeof(oid)));
                continue;
            }
        }
        why = qc_info_problem(&id, info, present);
        if (why != NULL)
            sp_report(ctx, SP_R_QC_MALFORMED, "QCStatement %s: %s",
                      sp_der_oid_to_text(&id, oid, sizeof(oid)), why);
    }
}

/* ISO 17442: 18 characters and 2 check digits, ISO 7064 MOD 97-10 over
 * the string with letters as 10..35 gives 1. */
static int lei_valid(const SP_DER *s)
{
    unsigned r = 0;

    if (s->len != 20)
        return 0;
    for (size_t i = 0; i < 20; i++) {
        uint8_t c = s->data[i];
        if (c >= '0' && c <= '9')
            r = (r * 10 + (c - '0')) % 97;
        else if (c >= 'A' && c <= 'Z')
            r = (r * 100 + (c - 'A' + 10)) % 97;
        else
            return 0;
        if (i >= 18 && !(c >= '0' && c <= '9'))
            return 0;
    }
    return r == 1;
}

static void check_lei(SP_RULE_CTX *ctx, const SP_EXTENSION *e, int role)
{
    SP_DER cur = e->value, v;
    unsigned tag;
    char text[40];

    if (sp_der_get_any(&cur, &tag, &v, NULL) != SP_DER_OK || !sp_der_empty(&cur)
        || !sp_der_is_string_tag(tag)) {
        sp_report(ctx, role ? SP_R_LEI_ROLE_INVALID : SP_R_LEI_INVALID,
                  "%s value is not a string", role ? "LEI role" : "LEI");
        return;
    }
    if (role) {
        if (v.len == 0)
            sp_report(ctx, SP_R_LEI_ROLE_INVALID, "LEI role is empty");
        return;
    }
    if (tag != SP_TAG_PRINTABLESTRING || !lei_valid(&v)) {
        uri_text(&v, text, sizeof(text));
        sp_report(ctx, SP_R_LEI_INVALID,
                  "LEI \"%s\" is not a PrintableString of 20 characters "
                  "with valid check digits",
                  text);
    }
}

/* Adobe Time-stamp ::= SEQUENCE { version INTEGER, location GeneralName,
 *   requiresAuth BOOLEAN DEFAULT FALSE }; ArchiveRevInfo ::= SEQUENCE {
 *   version INTEGER } */
static void check_adobe(SP_RULE_CTX *ctx, const SP_EXTENSION *e, int ts)
{
    SP_DER cur = e->value, seq, v;
    unsigned tag;
    int auth;

    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || !sp_der_empty(&cur) || sp_der_get_integer(&seq, &v) != SP_DER_OK) {
        malformed(ctx, ts ? "Adobe Time-stamp" : "Adobe ArchiveRevInfo",
                  "not a SEQUENCE starting with a version INTEGER");
        return;
    }
    if (!ts) {
        if (!sp_der_empty(&seq))
            malformed(ctx, "Adobe ArchiveRevInfo", "data after the version");
        return;
    }
    if (sp_der_get_any(&seq, &tag, &v, NULL) != SP_DER_OK) {
        malformed(ctx, "Adobe Time-stamp", "location is missing");
        return;
    }
    if (tag != GN_URI)
        sp_report(ctx, SP_R_ADOBE_TS_LOCATION,
                  "Adobe Time-stamp location is a GeneralName [%u], not a "
                  "URI",
                  tag & 0x1fu);
    if (!sp_der_empty(&seq)
        && (sp_der_get_bool(&seq, &auth) != SP_DER_OK || !sp_der_empty(&seq)))
        malformed(ctx, "Adobe Time-stamp",
                  "requiresAuth is not a BOOLEAN at the end");
}

static void check_optional(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;

    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_EXTENSION *e = &t->ext[i];
        const SP_DER *o = &e->oid;

        if (sp_der_equal_bytes(o, oid_smimecaps, sizeof(oid_smimecaps)))
            check_smime_caps(ctx, e);
        else if (sp_der_equal_bytes(o, oid_sda, sizeof(oid_sda)))
            check_sda(ctx, e);
        else if (sp_der_equal_bytes(o, oid_qc, sizeof(oid_qc)))
            check_qc(ctx, e);
        else if (sp_der_equal_bytes(o, oid_lei, sizeof(oid_lei)))
            check_lei(ctx, e, 0);
        else if (sp_der_equal_bytes(o, oid_lei_role, sizeof(oid_lei_role)))
            check_lei(ctx, e, 1);
        else if (sp_der_equal_bytes(o, oid_adobe_ts, sizeof(oid_adobe_ts)))
            check_adobe(ctx, e, 1);
        else if (sp_der_equal_bytes(o, oid_adobe_ari, sizeof(oid_adobe_ari)))
            check_adobe(ctx, e, 0);
    }
}

void sp_rules_ext(SP_RULE_CTX *ctx)
{
    check_allowlist(ctx);
    check_ku(ctx);
    check_eku(ctx);
    check_bc(ctx);
    check_cp(ctx);
    check_crldp(ctx);
    check_aia(ctx);
    check_aki_ski(ctx);
    check_optional(ctx);
}

void sp_rules_cp_qualifiers(SP_RULE_CTX *ctx)
{
    check_cp(ctx);
}
