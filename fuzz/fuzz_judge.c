/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target: arbitrary bytes through the gate the provider applies
 * on every signing call (strict DER check, classification, decoding and
 * all rules). Must never crash, read out of bounds or leak, whatever the
 * input; a decision must always be made.
 *
 * Every input is judged three ways, so the issuer rules and the policy's
 * tightening are reached as well as the SBR defaults:
 *  1. the default policy, no issuer, as issued at its notBefore (what
 *     `smimepolicy check` does without options);
 *  2. a policy file with every profile tightened (domains, key types,
 *     validity, warnings as errors, an exception), the seed CA passed
 *     as the issuer and required, at a fixed issuance time (what the
 *     provider does);
 *  3. the same policy in report mode, the issuer found by the policy's
 *     issuer list (name and key identifier), at notBefore.
 * Whether the bytes decode does not depend on the policy: the three
 * verdicts must agree on it, and a decode failure is refused in every
 * mode.
 *
 * Build and run (clang with libFuzzer): see fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* One profile per type x generation, each tightened in its own way, and
 * CA certificate roles on (a sub-CA operator, responders, roots). */
static const char policy_text[] =
    "[smimepolicy]\n"
    "issuers = issuing-ca.pem\n"
    "profiles = mailbox_strict, mailbox_multipurpose, organization_strict, \\\n"
    "    sponsored_multipurpose, individual_strict, mailbox_legacy\n"
    "mode = %s\n"
    "crl = allow\n"
    "crl_max_next_update = 7d\n"
    "ocsp = allow\n"
    "subca = op_example\n"
    "subca_name_constraints = all\n"
    "ocsp_responders = allow\n"
    "root_certificates = allow\n"
    "[op_example]\n"
    "organization = Example Ltd\ncountry = DE\n"
    "permitted_email = example.com, .example.org\n"
    "[mailbox_strict]\n"
    "type = mailbox\ngeneration = strict\n"
    "max_validity = 398\nemail_domains = example.com, .example.org\n"
    "key_types = rsa, p256\nrsa_min_bits = 3072\n"
    "warnings_are_errors = yes\nexceptions = aia_rollout\n"
    "[mailbox_multipurpose]\n"
    "type = mailbox\ngeneration = multipurpose\n"
    "[mailbox_legacy]\n"
    "type = mailbox\ngeneration = legacy\n"
    "[organization_strict]\n"
    "type = organization\ngeneration = strict\nkey_types = p256, p384\n"
    "[sponsored_multipurpose]\n"
    "type = sponsored\ngeneration = multipurpose\nmax_validity = 90\n"
    "[individual_strict]\n"
    "type = individual\ngeneration = strict\nwarnings_are_errors = yes\n"
    "[aia_rollout]\n"
    "code = aia.missing\nowner = PKI operations <pki@example.com>\n"
    "reason = fuzzing\nexpires = 2027-03-31\n";

/* 2026-01-15T00:00:00Z: after the Legacy sunset, before the exception
 * expires. */
#define FIXED_AT INT64_C(1768435200)

static SP_POLICY *load_policy(const char *mode)
{
    char text[sizeof(policy_text) + 16], err[SP_POLICY_ERR_MAX];
    int n = snprintf(text, sizeof(text), policy_text, mode);
    SP_POLICY *pol = sp_policy_load(fuzz_write("policy.cnf", text, (size_t)n),
                                    err, sizeof(err));

    if (pol == NULL) {
        fprintf(stderr, "fuzz_judge: policy: %s\n", err);
        abort();
    }
    return pol;
}

static void check_verdict(const SP_VERDICT *v, sp_decision d, sp_mode mode)
{
    if (d != v->decision)
        abort();
    if (d != SP_DECIDE_ACCEPT && d != SP_DECIDE_REFUSE
        && d != SP_DECIDE_WOULD_REFUSE)
        abort();
    /* Anything the decoder refused must be refused, in every mode. */
    if (v->decode_failed && d != SP_DECIDE_REFUSE)
        abort();
    /* An error that is not waived blocks in enforce mode. */
    if (mode == SP_MODE_ENFORCE && v->n_errors > 0 && d != SP_DECIDE_REFUSE)
        abort();
    if (d == SP_DECIDE_ACCEPT && v->n_errors != 0)
        abort();
    if (v->findings.n > SP_MAX_FINDINGS)
        abort();
    for (size_t i = 0; i < v->findings.n; i++) {
        const SP_FINDING *f = &v->findings.f[i];

        if ((unsigned)f->rule >= SP_RULE_COUNT
            || memchr(f->detail, '\0', sizeof(f->detail)) == NULL)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static SP_POLICY *pol_default, *pol_enforce, *pol_report;
    static SP_ISSUER *issuer;
    static SP_VERDICT v1, v2, v3;
    SP_JUDGE_OPTS opts1 = {SP_AT_NOTBEFORE, NULL, 0};
    SP_JUDGE_OPTS opts2 = {FIXED_AT, NULL, 1};
    SP_JUDGE_OPTS opts3 = {SP_AT_NOTBEFORE, NULL, 0};
    sp_decision d;

    if (pol_default == NULL) {
        char err[SP_POLICY_ERR_MAX];

        pol_default = sp_policy_new_default(err, sizeof(err));
        pol_enforce = load_policy("enforce");
        pol_report = load_policy("report");
        if (pol_default == NULL || sp_policy_issuer_count(pol_enforce) != 1)
            abort();
        issuer = (SP_ISSUER *)sp_policy_issuer(pol_enforce, 0);
    }
    opts2.issuer = issuer;

    d = sp_judge(pol_default, data, size, &opts1, &v1);
    check_verdict(&v1, d, SP_MODE_ENFORCE);
    d = sp_judge(pol_enforce, data, size, &opts2, &v2);
    check_verdict(&v2, d, SP_MODE_ENFORCE);
    d = sp_judge(pol_report, data, size, &opts3, &v3);
    check_verdict(&v3, d, v3.mode);

    if (v1.decode_failed != v2.decode_failed
        || v1.decode_failed != v3.decode_failed || v1.kind != v2.kind
        || v1.kind != v3.kind)
        abort();
    /* The issuer was given: it is the one used. */
    if (v2.kind == SP_KIND_CERT && !v2.decode_failed && v2.issuer != issuer)
        abort();
    return 0;
}
