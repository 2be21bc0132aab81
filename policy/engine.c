/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The judge: classify the input, decode it strictly, pick the profile from
 * the reserved policy OID, run the rule groups, apply the policy's
 * exceptions and decide. Everything lives in the caller's SP_VERDICT; the
 * judge never allocates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "rules.h"
#include "oids.h"

/* OID contents of the extensions the rules look at more than once:
 * id-ce 2.5.29.<n> (55 1d <n>) and id-pe-authorityInfoAccess. */
static const uint8_t oid_id_ce[] = {0x55, 0x1d};
#define ID_CE_SAN 0x11u
#define ID_CE_KU 0x0fu
#define ID_CE_EKU 0x25u
#define ID_CE_CP 0x20u
#define ID_CE_BC 0x13u
#define ID_CE_CRLDP 0x1fu
#define ID_CE_AKI 0x23u
#define ID_CE_SKI 0x0eu
#define ID_CE_NC 0x1eu

/* 2.23.140.1.5: the S/MIME BR arc; reserved OIDs add <type>.<generation>. */
static const uint8_t smime_arc[] = {0x67, 0x81, 0x0c, 0x01, 0x05};

const char *sp_type_name(sp_type t)
{
    switch (t) {
    case SP_TYPE_MAILBOX:
        return "mailbox";
    case SP_TYPE_ORGANIZATION:
        return "organization";
    case SP_TYPE_SPONSORED:
        return "sponsored";
    case SP_TYPE_INDIVIDUAL:
        return "individual";
    case SP_TYPE_NONE:
        break;
    }
    return "none";
}

const char *sp_generation_name(sp_generation g)
{
    switch (g) {
    case SP_GEN_LEGACY:
        return "legacy";
    case SP_GEN_MULTIPURPOSE:
        return "multipurpose";
    case SP_GEN_STRICT:
        return "strict";
    case SP_GEN_NONE:
        break;
    }
    return "none";
}

const char *sp_decision_name(sp_decision d)
{
    switch (d) {
    case SP_DECIDE_ACCEPT:
        return "accept";
    case SP_DECIDE_REFUSE:
        return "refuse";
    case SP_DECIDE_WOULD_REFUSE:
        return "would-refuse";
    }
    return "refuse";
}

const char *sp_severity_name(sp_severity s)
{
    switch (s) {
    case SP_SEV_NOTICE:
        return "notice";
    case SP_SEV_WARNING:
        return "warning";
    case SP_SEV_ERROR:
        return "error";
    }
    return "error";
}

/* printf-like on a va_list: clang checks the callers' formats through
 * the attribute, and without it refuses the non-literal format here. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 0)))
#endif
static void
findings_vadd(SP_FINDINGS *out, sp_rule_id id, const char *fmt, va_list ap)
{
    SP_FINDING *f;

    if (out->n >= SP_MAX_FINDINGS) {
        out->dropped++;
        return;
    }
    f = &out->f[out->n++];
    f->rule = id;
    f->severity = sp_rules[id].severity;
    f->waived_by = NULL;
    f->expired_exception = NULL;
    vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
}

void sp_findings_add(SP_FINDINGS *out, sp_rule_id id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    findings_vadd(out, id, fmt, ap);
    va_end(ap);
}

void sp_report(SP_RULE_CTX *ctx, sp_rule_id id, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    findings_vadd(ctx->out, id, fmt, ap);
    va_end(ap);
}

void sp_finding_format(const SP_FINDING *f, char *buf, size_t buflen)
{
    const SP_RULE *r = &sp_rules[f->rule];
    char when[32];
    int n;

    n = snprintf(buf, buflen, "%s %s [%s; %s]: %s",
                 sp_severity_name(f->severity), r->code, r->section, r->ref,
                 f->detail);
    if (n < 0 || (size_t)n >= buflen)
        return;
    if (f->waived_by != NULL) {
        sp_time_to_text(f->waived_by->expires, when, sizeof(when));
        snprintf(buf + n, buflen - (size_t)n,
                 " (waived by exception %s until %s)", f->waived_by->name,
                 when);
    } else if (f->expired_exception != NULL) {
        sp_time_to_text(f->expired_exception->expires, when, sizeof(when));
        snprintf(buf + n, buflen - (size_t)n, " (exception %s expired %s)",
                 f->expired_exception->name, when);
    }
}

static void decode_failure(SP_VERDICT *out, const char *what)
{
    out->decode_failed = 1;
    sp_findings_add(
        &out->findings, SP_R_DECODE, "%s: %s at offset %zu: %s", what,
        out->decode_error.field ? out->decode_error.field : "(top level)",
        out->decode_error.offset, sp_der_strerror(out->decode_error.err));
}

/* The keyIdentifier of an AKI extension value; empty view when absent or
 * not decodable (the AKI rules report that). */
static SP_DER aki_key_id(const SP_EXTENSION *aki)
{
    SP_DER cur, seq, kid = {NULL, 0};
    int present = 0;

    if (aki == NULL)
        return kid;
    cur = aki->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK
        || sp_der_get_optional(&seq, SP_TAG_CTX(0), &kid, &present) != SP_DER_OK
        || !present)
        kid.data = NULL, kid.len = 0;
    return kid;
}

/* The policy's issuer whose subject is the TBS issuer and, when both are
 * known, whose SKI is the TBS AKI keyIdentifier. */
static const SP_ISSUER *find_issuer(const SP_POLICY *pol, const SP_DER *name,
                                    const SP_EXTENSION *aki)
{
    SP_DER kid = aki_key_id(aki);
    size_t n = sp_policy_issuer_count(pol);

    for (size_t i = 0; i < n; i++) {
        const SP_ISSUER *iss = sp_policy_issuer(pol, i);
        SP_DER subj = sp_issuer_subject(iss), ski = sp_issuer_ski(iss);
        if (!sp_der_equal(&subj, name))
            continue;
        if (kid.len > 0 && ski.len > 0 && !sp_der_equal(&kid, &ski))
            continue;
        return iss;
    }
    return NULL;
}

/* Read the reserved S/MIME policy OIDs out of certificatePolicies. Returns
 * the number of reserved OIDs seen; the first one sets *type and *gen.
 * A structurally broken extension counts as none: the certificatePolicies
 * rules report why. */
static int reserved_policies(const SP_EXTENSION *cp, sp_type *type,
                             sp_generation *gen, char *first_unknown,
                             size_t unknown_len)
{
    SP_DER cur, seq, info, oid;
    int count = 0;

    *type = SP_TYPE_NONE;
    *gen = SP_GEN_NONE;
    if (cp == NULL)
        return 0;
    cur = cp->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK)
        return 0;
    while (!sp_der_empty(&seq)) {
        if (sp_der_get(&seq, SP_TAG_SEQUENCE, &info) != SP_DER_OK
            || sp_der_get_oid(&info, &oid) != SP_DER_OK)
            return count;
        if (oid.len != sizeof(smime_arc) + 2
            || memcmp(oid.data, smime_arc, sizeof(smime_arc)) != 0)
            continue;
        unsigned t = oid.data[sizeof(smime_arc)];
        unsigned g = oid.data[sizeof(smime_arc) + 1];
        if (t < 1 || t > 4 || g < 1 || g > 3) {
            if (first_unknown[0] == '\0')
                sp_der_oid_to_text(&oid, first_unknown, unknown_len);
            continue;
        }
        if (count++ == 0) {
            *type = (sp_type)t;
            *gen = (sp_generation)g;
        }
    }
    return count;
}

/* One pass over the extensions instead of a linear search per extension
 * the rules use. The first of duplicates is kept, as sp_tbs_find_ext
 * would; the duplicate rule reports the others. */
static void locate_extensions(SP_RULE_CTX *ctx)
{
    const SP_TBS_CERT *t = ctx->tbs;

    for (size_t i = 0; i < t->n_ext; i++) {
        const SP_EXTENSION *e = &t->ext[i];
        const SP_EXTENSION **slot = NULL;

        if (e->oid.len == sizeof(oid_id_ce) + 1
            && memcmp(e->oid.data, oid_id_ce, sizeof(oid_id_ce)) == 0) {
            /* id-ce 2.5.29.<n>: the last octet names it */
            switch (e->oid.data[2]) {
            case ID_CE_SAN:
                slot = &ctx->ext_san;
                break;
            case ID_CE_KU:
                slot = &ctx->ext_ku;
                break;
            case ID_CE_EKU:
                slot = &ctx->ext_eku;
                break;
            case ID_CE_CP:
                slot = &ctx->ext_cp;
                break;
            case ID_CE_BC:
                slot = &ctx->ext_bc;
                break;
            case ID_CE_CRLDP:
                slot = &ctx->ext_crldp;
                break;
            case ID_CE_AKI:
                slot = &ctx->ext_aki;
                break;
            case ID_CE_SKI:
                slot = &ctx->ext_ski;
                break;
            case ID_CE_NC:
                slot = &ctx->ext_nc;
                break;
            default:
                break;
            }
        } else if (sp_der_equal_bytes(&e->oid, sp_oid_aia,
                                      sizeof(sp_oid_aia))) {
            slot = &ctx->ext_aia;
        }
        if (slot != NULL && *slot == NULL)
            *slot = e;
    }
}

/* Exceptions and warnings_are_errors from the profile, then the count of
 * blocking findings. */
static void settle(SP_VERDICT *out, const SP_PROFILE *profile)
{
    out->n_errors = 0;
    for (size_t i = 0; i < out->findings.n; i++) {
        SP_FINDING *f = &out->findings.f[i];
        if (profile != NULL && profile->warnings_are_errors
            && f->severity == SP_SEV_WARNING)
            f->severity = SP_SEV_ERROR;
        if (profile != NULL) {
            for (size_t k = 0; k < profile->n_exceptions; k++) {
                const SP_EXCEPTION *ex = &profile->exceptions[k];
                if (ex->rule != (int)f->rule)
                    continue;
                if (out->at < ex->expires) {
                    f->waived_by = ex;
                    f->expired_exception = NULL;
                    break;
                }
                f->expired_exception = ex;
            }
        }
        if (f->severity == SP_SEV_ERROR && f->waived_by == NULL)
            out->n_errors++;
    }
    /* Findings beyond the array were not seen; they might be errors, and
     * a verdict must never be kinder than the input deserves. */
    if (out->findings.dropped > 0 && out->n_errors == 0)
        out->n_errors = 1;
}

static sp_decision decide(SP_VERDICT *out)
{
    if (out->n_errors == 0)
        out->decision = SP_DECIDE_ACCEPT;
    else if (out->mode == SP_MODE_REPORT)
        out->decision = SP_DECIDE_WOULD_REFUSE;
    else
        out->decision = SP_DECIDE_REFUSE;
    return out->decision;
}

/* The issuing CA: the caller's, else the policy's by name and AKI. */
static void resolve_issuer(const SP_POLICY *pol, const SP_JUDGE_OPTS *opts,
                           SP_RULE_CTX *ctx, SP_VERDICT *out)
{
    out->issuer = opts->issuer;
    if (out->issuer == NULL)
        out->issuer = find_issuer(pol, &ctx->tbs->issuer, ctx->ext_aki);
    ctx->issuer = out->issuer;
    if (out->issuer == NULL && opts->require_issuer)
        sp_report(ctx, SP_R_ISSUER_UNKNOWN,
                  "no issuing CA certificate of the policy matches the "
                  "issuer name and authorityKeyIdentifier");
}

static void judge_cert(const SP_POLICY *pol, const uint8_t *der, size_t len,
                       const SP_JUDGE_OPTS *opts, SP_VERDICT *out)
{
    SP_TBS_CERT *tbs = &out->tbs.cert;
    SP_RULE_CTX ctx;
    char unknown[64] = "";
    int n_reserved;

    if (sp_tbs_cert_decode(der, len, tbs, &out->decode_error) != SP_DER_OK) {
        decode_failure(out, "TBSCertificate");
        settle(out, NULL);
        return;
    }
    out->at = opts->at == SP_AT_NOTBEFORE ? tbs->not_before : opts->at;

    memset(&ctx, 0, sizeof(ctx));
    ctx.pol = pol;
    ctx.tbs = tbs;
    ctx.at = out->at;
    ctx.out = &out->findings;
    locate_extensions(&ctx);

    /* Roles are told apart only when the policy enables CA or responder
     * certificates: otherwise every certificate is judged (and a CA
     * certificate refused) by the end-entity rules, as always. */
    if (pol->ca.enabled
        && (out->role = sp_rules_role(&ctx)) != SP_ROLE_END_ENTITY) {
        resolve_issuer(pol, opts, &ctx, out);
        sp_rules_ca(&ctx, out->role);
        settle(out, NULL);
        return;
    }

    n_reserved = reserved_policies(ctx.ext_cp, &out->type, &out->generation,
                                   unknown, sizeof(unknown));
    if (n_reserved == 0) {
        sp_report(&ctx, SP_R_PROFILE_NONE,
                  ctx.ext_cp == NULL
                      ? "no certificatePolicies extension"
                      : "certificatePolicies holds none of the twelve "
                        "reserved OIDs 2.23.140.1.5.<type>.<generation>%s%s",
                  unknown[0] ? "; unknown reserved-arc OID " : "", unknown);
    } else if (n_reserved > 1) {
        sp_report(&ctx, SP_R_PROFILE_MULTIPLE,
                  "%d reserved policy OIDs; judged as the first, "
                  "2.23.140.1.5.%d.%d",
                  n_reserved, (int)out->type, (int)out->generation);
    }
    if (out->type != SP_TYPE_NONE) {
        ctx.profile = sp_policy_find_profile(pol, out->type, out->generation);
        if (ctx.profile == NULL)
            sp_report(&ctx, SP_R_PROFILE_NOT_ALLOWED,
                      "the policy has no profile for %s %s "
                      "(2.23.140.1.5.%d.%d)",
                      sp_type_name(out->type),
                      sp_generation_name(out->generation), (int)out->type,
                      (int)out->generation);
    }
    ctx.type = out->type;
    ctx.gen = out->generation;
    if (ctx.profile != NULL) {
        out->profile = ctx.profile->name;
        out->mode = ctx.profile->mode;
    }

    resolve_issuer(pol, opts, &ctx, out);
    sp_rules_core(&ctx);
    sp_rules_ext(&ctx);
    sp_rules_subject(&ctx);
    sp_rules_san(&ctx);
    if (ctx.issuer != NULL && sp_issuer_name_constraints(ctx.issuer) != NULL)
        sp_rules_issuer_nc(&ctx);
    settle(out, ctx.profile);
}

static const SP_ISSUER *find_crl_issuer(const SP_POLICY *pol,
                                        const SP_DER *name)
{
    size_t n = sp_policy_issuer_count(pol);

    for (size_t i = 0; i < n; i++) {
        const SP_ISSUER *iss = sp_policy_issuer(pol, i);
        SP_DER subj = sp_issuer_subject(iss);
        if (sp_der_equal(&subj, name))
            return iss;
    }
    return NULL;
}

static void judge_crl(const SP_POLICY *pol, const uint8_t *der, size_t len,
                      const SP_JUDGE_OPTS *opts, SP_VERDICT *out)
{
    SP_TBS_CRL *crl = &out->tbs.crl;

    if (pol->crl_mode == SP_CRL_REFUSE) {
        sp_findings_add(&out->findings, SP_R_CRL_REFUSED,
                        "the policy does not allow this key to sign CRLs "
                        "(crl = refuse)");
        return;
    }
    if (sp_tbs_crl_decode(der, len, crl, &out->decode_error) != SP_DER_OK) {
        decode_failure(out, "TBSCertList");
        return;
    }
    out->at = opts->at == SP_AT_NOTBEFORE ? crl->this_update : opts->at;
    out->issuer =
        opts->issuer ? opts->issuer : find_crl_issuer(pol, &crl->issuer);
    if (out->issuer == NULL && opts->require_issuer)
        sp_findings_add(&out->findings, SP_R_ISSUER_UNKNOWN,
                        "no issuing CA certificate of the policy matches "
                        "the CRL issuer name");
    sp_rules_crl(pol, crl, out->issuer, out->at, &out->findings);
}

/* Clear a verdict for a new decision. The finding array and the decoded
 * view (about 17 KB together) are left as they are: only the first
 * findings.n entries and the view of the decoded kind are ever read, so
 * clearing them would cost more than the whole decision. */
static void verdict_reset(SP_VERDICT *out)
{
    out->kind = SP_KIND_OTHER;
    out->decision = SP_DECIDE_REFUSE;
    out->type = SP_TYPE_NONE;
    out->generation = SP_GEN_NONE;
    out->profile = NULL;
    out->mode = SP_MODE_ENFORCE;
    out->at = 0;
    out->issuer = NULL;
    out->n_errors = 0;
    out->findings.n = 0;
    out->findings.dropped = 0;
    memset(&out->decode_error, 0, sizeof(out->decode_error));
    out->decode_failed = 0;
    out->role = SP_ROLE_END_ENTITY;
}

sp_decision sp_judge(const SP_POLICY *pol, const uint8_t *der, size_t len,
                     const SP_JUDGE_OPTS *opts, SP_VERDICT *out)
{
    static const SP_JUDGE_OPTS defaults = {SP_AT_NOTBEFORE, NULL, 0};

    verdict_reset(out);
    out->mode = SP_MODE_ENFORCE;
    if (opts == NULL)
        opts = &defaults;
    out->at = opts->at;
    if (pol == NULL) {
        sp_findings_add(&out->findings, SP_R_OBJECT_UNKNOWN,
                        "no policy to judge against");
        out->n_errors = 1;
        return decide(out);
    }
    out->kind = sp_classify(der, len);
    switch (out->kind) {
    case SP_KIND_CERT:
        judge_cert(pol, der, len, opts, out);
        break;
    case SP_KIND_CRL:
        judge_crl(pol, der, len, opts, out);
        break;
    case SP_KIND_OCSP: {
        SP_DER whole;

        /* No OCSP content rules (yet), but the strict-DER gate applies to
         * everything a wrapped key signs. */
        sp_der_init(&whole, der, len);
        out->decode_error.err = sp_der_check_strict(&whole);
        if (out->decode_error.err != SP_DER_OK) {
            out->decode_error.field = "ResponseData";
            decode_failure(out, "ResponseData");
        } else if (!pol->ocsp_allowed) {
            sp_findings_add(&out->findings, SP_R_OCSP_REFUSED,
                            "the policy does not allow this key to sign "
                            "OCSP responses (ocsp = refuse)");
        }
        break;
    }
    case SP_KIND_OTHER:
        sp_findings_add(&out->findings, SP_R_OBJECT_UNKNOWN,
                        "%zu bytes that are neither a TBSCertificate, a "
                        "TBSCertList nor an OCSP ResponseData",
                        len);
        break;
    }
    if (out->kind != SP_KIND_CERT) {
        /* Only certificate profiles carry exceptions or a report mode. */
        settle(out, NULL);
    }
    return decide(out);
}
