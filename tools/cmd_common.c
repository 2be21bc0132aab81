/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policy loading and the JSON form of a verdict, shared by `check` and
 * `audit`.
 */
#include "cmd_common.h"

#include "policy_int.h"

SP_POLICY *sp_cmd_load_policy(const char *path, const char *const *issuer_paths,
                              size_t n_issuers, const SP_ISSUER **forced)
{
    char err[SP_POLICY_ERR_MAX];
    SP_POLICY *pol;

    *forced = NULL;
    pol = path != NULL ? sp_policy_load(path, err, sizeof(err))
                       : sp_policy_new_default(err, sizeof(err));
    if (pol == NULL) {
        fprintf(stderr, "smimepolicy: %s\n", err);
        goto end;
    }
    for (size_t i = 0; i < n_issuers; i++) {
        SP_ISSUER *issuer =
            sp_issuer_load_file(issuer_paths[i], err, sizeof(err));

        if (issuer == NULL) {
            fprintf(stderr, "smimepolicy: --issuer %s: %s\n", issuer_paths[i],
                    err);
            goto fail;
        }
        /* the policy owns the issuer from here on, also on failure */
        if (!sp_policy_add_issuer(pol, issuer)) {
            fputs("smimepolicy: out of memory\n", stderr);
            goto fail;
        }
        if (n_issuers == 1)
            *forced = issuer;
    }
    goto end;
fail:
    sp_policy_free(pol);
    pol = NULL;
    *forced = NULL;
end:
    return pol;
}

void sp_json_string(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    fputc('"', out);
    for (;;) {
        /* runs of characters that need no escape go out in one write */
        size_t run = 0;

        while (p[run] >= 0x20 && p[run] != 0x7f && p[run] != '"'
               && p[run] != '\\')
            run++;
        if (run != 0)
            fwrite(p, 1, run, out);
        p += run;
        if (*p == '\0')
            break;
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            fprintf(out, "\\u%04x", *p);
        }
        p++;
    }
    fputc('"', out);
}

void sp_json_string_or_null(FILE *out, const char *s)
{
    if (s != NULL)
        sp_json_string(out, s);
    else
        fputs("null", out);
}

void sp_profile_label(sp_type t, sp_generation g, char *buf, size_t len)
{
    if (t == SP_TYPE_NONE)
        snprintf(buf, len, "no-profile");
    else
        snprintf(buf, len, "%s-%s", sp_type_name(t), sp_generation_name(g));
}

void sp_verdict_json_fields(FILE *o, const char *file, size_t index,
                            const SP_VERDICT *v)
{
    char profile[64], when[32];

    sp_profile_label(v->type, v->generation, profile, sizeof(profile));
    sp_time_to_text(v->at, when, sizeof(when));
    fputs("{\"file\":", o);
    sp_json_string(o, file);
    fprintf(o,
            ",\"index\":%zu,\"kind\":\"%s\",\"decision\":\"%s\","
            "\"profile\":\"%s\",",
            index, sp_kind_name(v->kind), sp_decision_name(v->decision),
            profile);
    if (v->kind == SP_KIND_CERT)
        fprintf(o, "\"role\":\"%s\",", sp_role_name(v->role));
    fputs("\"policy_profile\":", o);
    sp_json_string_or_null(o, v->profile);
    fprintf(o, ",\"mode\":\"%s\",\"at\":\"%s\",\"issuer\":",
            v->mode == SP_MODE_REPORT ? "report" : "enforce", when);
    sp_json_string_or_null(o, v->issuer != NULL ? sp_issuer_path(v->issuer)
                                                : NULL);
    fprintf(o, ",\"errors\":%zu,\"findings\":[", v->n_errors);
    for (size_t i = 0; i < v->findings.n; i++) {
        const SP_FINDING *f = &v->findings.f[i];
        const SP_RULE *r = &sp_rules[f->rule];

        fprintf(o, "%s{\"code\":", i ? "," : "");
        sp_json_string(o, r->code);
        fprintf(o, ",\"severity\":\"%s\",\"section\":",
                sp_severity_name(f->severity));
        sp_json_string(o, r->section);
        fputs(",\"ref\":", o);
        sp_json_string(o, r->ref);
        fputs(",\"detail\":", o);
        sp_json_string(o, f->detail);
        if (f->waived_by != NULL) {
            fputs(",\"waived_by\":", o);
            sp_json_string(o, f->waived_by->name);
        }
        if (f->expired_exception != NULL) {
            fputs(",\"expired_exception\":", o);
            sp_json_string(o, f->expired_exception->name);
        }
        fputc('}', o);
    }
    fprintf(o, "],\"findings_dropped\":%zu", v->findings.dropped);
}
