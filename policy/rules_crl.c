/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rules for a TBSCertList before the CA key signs it (SBR 4.9.7, 7.1.3.2,
 * 7.2.2; checklist G-C).
 *
 * Not checked here, because a CRL alone does not say it: whether a revoked
 * serial belongs to a CA certificate (G-C-05 requires a reasonCode, never
 * certificateHold, for those) or to a Strict subscriber certificate
 * (G-C-07 forbids certificateHold for those). Both need the issued
 * certificates, which the signing path does not have. G-C-03's 12-month
 * limit for CRLs that cover only CA certificates is the policy's
 * crl_max_next_update setting.
 */
#include <string.h>

#include "rules.h"

static const uint8_t oid_reason_code[] = {0x55, 0x1d, 0x15};

/* Walk one CRL entry's extensions for reasonCode. */
static void check_entry(SP_DER entry, size_t index, SP_FINDINGS *out)
{
    SP_DER serial, exts, list;
    int64_t when;
    int present = 0;

    if (sp_der_get_integer(&entry, &serial) != SP_DER_OK
        || sp_der_get_time(&entry, &when, NULL) != SP_DER_OK
        || sp_der_get_optional(&entry, SP_TAG_SEQUENCE, &exts, &present)
               != SP_DER_OK
        || !sp_der_empty(&entry)) {
        sp_findings_add(out, SP_R_EXT_MALFORMED,
                        "revokedCertificates entry %zu is malformed", index);
        return;
    }
    list = exts;
    while (present && !sp_der_empty(&list)) {
        SP_DER ext, oid, value, inner, reason;
        int critical = 0;

        if (sp_der_get(&list, SP_TAG_SEQUENCE, &ext) != SP_DER_OK
            || sp_der_get_oid(&ext, &oid) != SP_DER_OK
            || (sp_der_peek_tag(&ext) == SP_TAG_BOOLEAN
                && sp_der_get_bool(&ext, &critical) != SP_DER_OK)
            || sp_der_get(&ext, SP_TAG_OCTET_STRING, &value) != SP_DER_OK
            || !sp_der_empty(&ext)) {
            sp_findings_add(out, SP_R_EXT_MALFORMED,
                            "revokedCertificates entry %zu: an extension is "
                            "malformed",
                            index);
            return;
        }
        if (!sp_der_equal_bytes(&oid, oid_reason_code, sizeof(oid_reason_code)))
            continue;
        if (critical)
            sp_findings_add(out, SP_R_CRL_REASON_CRITICAL,
                            "revokedCertificates entry %zu: reasonCode is "
                            "critical",
                            index);
        inner = value;
        if (sp_der_get(&inner, SP_TAG_ENUMERATED, &reason) != SP_DER_OK
            || !sp_der_empty(&inner) || reason.len != 1) {
            sp_findings_add(out, SP_R_EXT_MALFORMED,
                            "revokedCertificates entry %zu: reasonCode is "
                            "not a small ENUMERATED",
                            index);
            continue;
        }
        if (reason.data[0] == 0)
            sp_findings_add(out, SP_R_CRL_REASON_UNSPECIFIED,
                            "revokedCertificates entry %zu: reasonCode is "
                            "unspecified (0); omit the extension instead",
                            index);
        else if (reason.data[0] == 7 || reason.data[0] > 10)
            sp_findings_add(out, SP_R_CRL_REASON_VALUE,
                            "revokedCertificates entry %zu: reasonCode %u "
                            "is not a defined CRLReason",
                            index, reason.data[0]);
    }
}

void sp_rules_crl(const SP_POLICY *pol, const SP_TBS_CRL *crl,
                  const SP_ISSUER *issuer, int64_t at, SP_FINDINGS *out)
{
    SP_DER entries = crl->revoked, entry;
    char tu[32], nu[32];
    size_t index = 0;

    (void)at;
    sp_check_sig_alg(out, &crl->sig_alg, issuer, "tbsCertList");
    if (issuer != NULL) {
        SP_DER subject = sp_issuer_subject(issuer);
        if (!sp_der_equal(&subject, &crl->issuer))
            sp_findings_add(out, SP_R_ISSUER_NAME_MISMATCH,
                            "CRL issuer name (%zu octets) differs from the "
                            "subject of issuing CA %s (%zu octets)",
                            crl->issuer.len,
                            sp_issuer_path(issuer) ? sp_issuer_path(issuer)
                                                   : "(given)",
                            subject.len);
    }
    sp_time_to_text(crl->this_update, tu, sizeof(tu));
    if (!crl->has_next_update) {
        sp_findings_add(out, SP_R_CRL_NEXT_UPDATE_MISSING,
                        "CRL of %s has no nextUpdate", tu);
    } else {
        int64_t span = crl->next_update - crl->this_update;
        sp_time_to_text(crl->next_update, nu, sizeof(nu));
        if (span < 0)
            sp_findings_add(out, SP_R_CRL_NEXT_UPDATE_RANGE,
                            "nextUpdate %s is before thisUpdate %s", nu, tu);
        else if (span > pol->crl_max_next_update_secs)
            sp_findings_add(out, SP_R_CRL_NEXT_UPDATE_RANGE,
                            "thisUpdate %s to nextUpdate %s is %lld seconds; "
                            "at most %lld allowed",
                            tu, nu, (long long)span,
                            (long long)pol->crl_max_next_update_secs);
    }
    while (!sp_der_empty(&entries)) {
        if (sp_der_get(&entries, SP_TAG_SEQUENCE, &entry) != SP_DER_OK) {
            sp_findings_add(out, SP_R_EXT_MALFORMED,
                            "revokedCertificates entry %zu is not a SEQUENCE",
                            index);
            return;
        }
        check_entry(entry, index++, out);
    }
}
