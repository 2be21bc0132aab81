/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal interface between the judge (engine.c) and the rule groups.
 * Each group is a function that walks the decoded view and reports
 * findings; none of them allocates.
 */
#ifndef SMIMEPOLICY_RULES_H
#define SMIMEPOLICY_RULES_H

#include "engine.h"
#include "policy_int.h"

typedef struct sp_rule_ctx_st {
    const SP_POLICY *pol;
    /* Profile of the policy for (type, generation); NULL when the policy
     * does not allow that profile (a finding says so) or none was found.
     * Rules then apply the SBR defaults for type/generation. */
    const SP_PROFILE *profile;
    sp_type type;
    sp_generation gen;
    const SP_TBS_CERT *tbs;
    const SP_ISSUER *issuer; /* NULL when unknown */
    int64_t at;              /* issuance time */
    SP_FINDINGS *out;

    /* Extensions located once by the judge (NULL when absent). */
    const SP_EXTENSION *ext_san;
    const SP_EXTENSION *ext_ku;
    const SP_EXTENSION *ext_eku;
    const SP_EXTENSION *ext_cp;
    const SP_EXTENSION *ext_bc;
    const SP_EXTENSION *ext_crldp;
    const SP_EXTENSION *ext_aia;
    const SP_EXTENSION *ext_aki;
    const SP_EXTENSION *ext_ski;
} SP_RULE_CTX;

/* Report a finding for rule `id` with a printf-style detail that names the
 * offending value. */
void sp_report(SP_RULE_CTX *ctx, sp_rule_id id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Same, into a findings list directly (for CRL rules and decode errors). */
void sp_findings_add(SP_FINDINGS *out, sp_rule_id id, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Rule groups for certificates. */
void sp_rules_core(SP_RULE_CTX *ctx);    /* version, serial, validity,
                                            algorithms, keys, issuer */
void sp_rules_ext(SP_RULE_CTX *ctx);     /* extensions except SAN */
void sp_rules_subject(SP_RULE_CTX *ctx); /* subject DN (C.1, C.2) */
void sp_rules_san(SP_RULE_CTX *ctx);     /* subjectAltName (D-SAN) */

/* Rules for a TBSCertList. */
void sp_rules_crl(const SP_POLICY *pol, const SP_TBS_CRL *crl,
                  const SP_ISSUER *issuer, int64_t at, SP_FINDINGS *out);

#endif
