/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit report as text, JSON or one self-contained HTML page.
 *
 * Certificates, input errors and sub-CAs are written while the scan runs,
 * already formatted, into three temporary files; sp_audit_report_finish
 * writes the summary (known only at the end) and copies the parts in. The
 * JSON of a certificate starts with exactly the object `smimepolicy check
 * --format json` writes for it (same keys, same order) and adds serial,
 * subject and not_before after it.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "../provider/audit.h"
#include "audit_cmd.h"
#include "cmd_common.h"
#include "policy_int.h"

void sp_html_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '&':
            fputs("&amp;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*s, out);
        }
    }
}

static int non_compliant(const SP_VERDICT *v)
{
    return v->decision != SP_DECIDE_ACCEPT;
}

/* Subject as RFC 4514 text (as the provider's audit log writes it). */
static void subject_text(const SP_VERDICT *v, char *buf, size_t len)
{
    char *text = spprov_audit_name_text(v->tbs.cert.subject.data,
                                        v->tbs.cert.subject.len);

    snprintf(buf, len, "%s", text != NULL ? text : "(undecodable name)");
    OPENSSL_free(text);
}

static void serial_text(const SP_DER *serial, char *buf, size_t len)
{
    size_t o = 0;

    for (size_t i = 0; i < serial->len && o + 3 <= len; i++)
        o += (size_t)snprintf(buf + o, len - o, "%02X", serial->data[i]);
    buf[o] = '\0';
}

static void file_label(const char *file, size_t index, char *buf, size_t len)
{
    if (index > 0)
        snprintf(buf, len, "%s#%zu", file, index);
    else
        snprintf(buf, len, "%s", file);
}

/* ------------------------------------------------------------ parts */

static void cert_json(FILE *o, const char *file, size_t index,
                      const SP_VERDICT *v, const char *serial,
                      const char *subject, const char *not_before)
{
    sp_verdict_json_fields(o, file, index, v);
    fprintf(o, ",\"serial\":\"%s\",\"subject\":", serial);
    sp_json_string(o, subject);
    fprintf(o, ",\"not_before\":\"%s\"}", not_before);
}

static void finding_note(FILE *o, const SP_FINDING *f, int html)
{
    char until[32];

    if (f->waived_by != NULL) {
        sp_time_to_text(f->waived_by->expires, until, sizeof(until));
        fputs(" (waived by exception ", o);
        if (html)
            sp_html_text(o, f->waived_by->name);
        else
            fputs(f->waived_by->name, o);
        fprintf(o, " until %s)", until);
    } else if (f->expired_exception != NULL) {
        sp_time_to_text(f->expired_exception->expires, until, sizeof(until));
        fputs(" (exception ", o);
        if (html)
            sp_html_text(o, f->expired_exception->name);
        else
            fputs(f->expired_exception->name, o);
        fprintf(o, " expired %s)", until);
    }
}

void sp_audit_report_cert(SP_AUDIT *a, const char *file, size_t index,
                          const SP_VERDICT *v)
{
    FILE *o = a->part_certs;
    char label[1100], serial[140], subject[1024], profile[64], nb[32];

    if (!a->list_all && !non_compliant(v))
        return;
    serial_text(&v->tbs.cert.serial, serial, sizeof(serial));
    subject_text(v, subject, sizeof(subject));
    sp_time_to_text(v->tbs.cert.not_before, nb, sizeof(nb));
    sp_profile_label(v->type, v->generation, profile, sizeof(profile));
    file_label(file, index, label, sizeof(label));
    switch (a->format) {
    case SP_AUDIT_JSON:
        fputs(a->n_listed ? ",\n" : "\n", o);
        cert_json(o, file, index, v, serial, subject, nb);
        break;
    case SP_AUDIT_TEXT:
        fprintf(o, "  %s: %s %s", label, sp_decision_name(v->decision),
                profile);
        if (v->profile != NULL)
            fprintf(o, " (profile %s%s)", v->profile,
                    v->mode == SP_MODE_REPORT ? ", report mode" : "");
        fprintf(o, "\n    serial %s, notBefore %s, subject %s\n", serial, nb,
                subject);
        for (size_t i = 0; i < v->findings.n; i++) {
            const SP_FINDING *f = &v->findings.f[i];
            const SP_RULE *r = &sp_rules[f->rule];

            fprintf(o, "    %-7s %s [SBR %s] %s", sp_severity_name(f->severity),
                    r->code, r->section, f->detail);
            finding_note(o, f, 0);
            fputc('\n', o);
        }
        if (v->findings.dropped != 0)
            fprintf(o, "    ... and %zu more findings not kept\n",
                    v->findings.dropped);
        break;
    case SP_AUDIT_HTML:
        fprintf(o, "<tr class=\"%s\"><td>", sp_decision_name(v->decision));
        sp_html_text(o, label);
        fprintf(o, "</td><td class=\"mono\">%s</td><td>", serial);
        sp_html_text(o, subject);
        fprintf(o, "</td><td>%s</td><td>%s</td><td><b>%s</b></td><td><ul>", nb,
                profile, sp_decision_name(v->decision));
        for (size_t i = 0; i < v->findings.n; i++) {
            const SP_FINDING *f = &v->findings.f[i];
            const SP_RULE *r = &sp_rules[f->rule];

            fprintf(o,
                    "<li class=\"%s\"><code>%s</code> <span class=\"sev\">%s"
                    "</span> <span class=\"sec\">SBR %s</span> ",
                    sp_severity_name(f->severity), r->code,
                    sp_severity_name(f->severity), r->section);
            sp_html_text(o, f->detail);
            finding_note(o, f, 1);
            fputs("</li>", o);
        }
        fputs("</ul></td></tr>\n", o);
        break;
    }
    a->n_listed++;
}

void sp_audit_report_input_error(SP_AUDIT *a, const char *file, size_t index,
                                 const char *msg)
{
    FILE *o = a->part_errors;
    char label[1100];

    file_label(file, index, label, sizeof(label));
    switch (a->format) {
    case SP_AUDIT_JSON:
        fputs(a->n_error_lines ? ",\n" : "\n", o);
        fputs("{\"file\":", o);
        sp_json_string(o, file);
        fprintf(
            o, ",\"index\":%zu,\"decision\":\"input-error\",\"error\":", index);
        sp_json_string(o, msg);
        fputc('}', o);
        break;
    case SP_AUDIT_TEXT:
        fprintf(o, "  %s: %s\n", label, msg);
        break;
    case SP_AUDIT_HTML:
        fputs("<tr><td>", o);
        sp_html_text(o, label);
        fputs("</td><td>", o);
        sp_html_text(o, msg);
        fputs("</td></tr>\n", o);
        break;
    }
    a->n_error_lines++;
}

void sp_audit_report_subca(SP_AUDIT *a, const char *file, size_t index,
                           const SP_VERDICT *v, int constrained,
                           const char *why)
{
    FILE *o = a->part_subcas;
    char label[1100], serial[140], subject[1024], nb[32];

    serial_text(&v->tbs.cert.serial, serial, sizeof(serial));
    subject_text(v, subject, sizeof(subject));
    sp_time_to_text(v->tbs.cert.not_before, nb, sizeof(nb));
    file_label(file, index, label, sizeof(label));
    switch (a->format) {
    case SP_AUDIT_JSON:
        fputs(a->n_subca_lines ? ",\n" : "\n", o);
        fputs("{\"file\":", o);
        sp_json_string(o, file);
        fprintf(o, ",\"index\":%zu,\"serial\":\"%s\",\"subject\":", index,
                serial);
        sp_json_string(o, subject);
        fprintf(o,
                ",\"not_before\":\"%s\",\"decision\":\"%s\","
                "\"technically_constrained\":%s,\"why_not\":",
                nb, sp_decision_name(v->decision),
                constrained ? "true" : "false");
        sp_json_string_or_null(o, constrained ? NULL : why);
        fputc('}', o);
        break;
    case SP_AUDIT_TEXT:
        fprintf(o, "  %s: serial %s, notBefore %s, subject %s\n    %s\n", label,
                serial, nb, subject,
                constrained ? "technically constrained"
                            : "NOT technically "
                              "constrained:");
        if (!constrained)
            fprintf(o, "    %s\n", why);
        break;
    case SP_AUDIT_HTML:
        fputs("<tr><td>", o);
        sp_html_text(o, label);
        fprintf(o, "</td><td class=\"mono\">%s</td><td>", serial);
        sp_html_text(o, subject);
        fprintf(o, "</td><td>%s</td><td class=\"%s\">%s</td><td>", nb,
                constrained ? "accept" : "refuse",
                constrained ? "technically constrained"
                            : "NOT technically constrained");
        if (!constrained)
            sp_html_text(o, why);
        fputs("</td></tr>\n", o);
        break;
    }
    a->n_subca_lines++;
}

/* ------------------------------------------------------------ summary */

static int copy_part(FILE *from, FILE *to)
{
    char buf[65536];
    size_t n;

    if (fflush(from) != 0 || fseek(from, 0, SEEK_SET) != 0)
        return 0;
    while ((n = fread(buf, 1, sizeof(buf), from)) > 0) {
        if (fwrite(buf, 1, n, to) != n)
            return 0;
    }
    return !ferror(from);
}

/* "expired", "expiring" (within the warning window) or "valid" */
static const char *exception_status(const SP_AUDIT *a, const SP_EXCEPTION *e)
{
    if (e->expires <= a->now)
        return "expired";
    if (e->expires - a->now <= (int64_t)a->warn_days * 86400)
        return "expiring";
    return "valid";
}

typedef struct totals_st {
    uint64_t accept, refuse, would_refuse;
} TOTALS;

static TOTALS totals(const SP_AUDIT *a)
{
    TOTALS t = {0, 0, 0};

    for (int p = 0; p < SP_AUDIT_PROFILES; p++) {
        t.accept += a->counts[p][SP_AUDIT_ACCEPT];
        t.refuse += a->counts[p][SP_AUDIT_REFUSE];
        t.would_refuse += a->counts[p][SP_AUDIT_WOULD_REFUSE];
    }
    return t;
}

static void profile_of_slot(int p, char *buf, size_t len)
{
    sp_profile_label((sp_type)(p / 4), (sp_generation)(p % 4), buf, len);
}

static void selection_text(const SP_AUDIT *a, char *buf, size_t len)
{
    if (a->sample_spec != NULL)
        snprintf(buf, len,
                 "random sample of %llu of %llu certificates (--sample %s "
                 "--seed %llu)",
                 (unsigned long long)a->sample_size,
                 (unsigned long long)a->population, a->sample_spec,
                 (unsigned long long)a->seed);
    else
        snprintf(buf, len, "full scan of %llu certificates",
                 (unsigned long long)a->population);
}

static void period_text(const SP_AUDIT *a, char *buf, size_t len)
{
    char from[32] = "-", to[32] = "-";

    if (a->has_from)
        sp_time_to_text(a->from, from, sizeof(from));
    if (a->has_to)
        sp_time_to_text(a->to, to, sizeof(to));
    if (a->has_from || a->has_to)
        snprintf(buf, len, "notBefore from %s to before %s (%llu outside)",
                 from, to, (unsigned long long)a->outside_period);
    else
        snprintf(buf, len, "all");
}

static void policy_hex(const SP_AUDIT *a, char *buf)
{
    const uint8_t *d = sp_policy_sha256(a->policy);

    for (int i = 0; i < 32; i++)
        snprintf(buf + 2 * i, 3, "%02x", d[i]);
}

static int finish_text(SP_AUDIT *a, const TOTALS *t, const char *generated)
{
    FILE *o = a->out;
    char sel[256], period[160], sha[65], profile[64], until[32];
    const char *pol = sp_policy_path(a->policy);

    selection_text(a, sel, sizeof(sel));
    period_text(a, period, sizeof(period));
    policy_hex(a, sha);
    fprintf(o, "smimepolicy audit report, %s\n", generated);
    if (a->db_path != NULL)
        fprintf(o, "database:  %s (certificates in %s)\n", a->db_path,
                a->certs_dir);
    fprintf(o, "policy:    %s (sha256 %s)\n",
            pol != NULL ? pol : "S/MIME BR defaults", sha);
    fprintf(o, "selection: %s\nperiod:    %s\n\n", sel, period);
    fprintf(o,
            "totals: %llu judged: %llu compliant, %llu non-compliant "
            "(%llu refused, %llu would-refuse); %llu input errors\n\n",
            (unsigned long long)a->judged, (unsigned long long)t->accept,
            (unsigned long long)(t->refuse + t->would_refuse),
            (unsigned long long)t->refuse, (unsigned long long)t->would_refuse,
            (unsigned long long)a->input_errors);
    fprintf(o, "by profile:\n  %-28s %10s %10s %12s\n", "profile", "accept",
            "refuse", "would-refuse");
    for (int p = 0; p < SP_AUDIT_PROFILES; p++) {
        const uint64_t *c = a->counts[p];

        if (c[0] + c[1] + c[2] == 0)
            continue;
        profile_of_slot(p, profile, sizeof(profile));
        fprintf(o, "  %-28s %10llu %10llu %12llu\n", profile,
                (unsigned long long)c[0], (unsigned long long)c[1],
                (unsigned long long)c[2]);
    }
    fputs("\nfindings by code (occurrences):\n", o);
    for (int r = 0; r < SP_RULE_COUNT; r++) {
        if (a->finding_counts[r] != 0)
            fprintf(o, "  %10llu  %-7s %s [SBR %s]\n",
                    (unsigned long long)a->finding_counts[r],
                    sp_severity_name(sp_rules[r].severity), sp_rules[r].code,
                    sp_rules[r].section);
    }
    fprintf(o, "\n%s certificates (%llu):\n",
            a->list_all ? "judged" : "non-compliant",
            (unsigned long long)a->n_listed);
    if (!copy_part(a->part_certs, o))
        return 0;
    fprintf(o, "\ninput errors (%llu):\n", (unsigned long long)a->input_errors);
    if (!copy_part(a->part_errors, o))
        return 0;
    fprintf(o, "\nsub-CAs issued (%llu, %llu not technically constrained):\n",
            (unsigned long long)a->sub_cas,
            (unsigned long long)a->sub_cas_unconstrained);
    if (!copy_part(a->part_subcas, o))
        return 0;
    fprintf(o, "\nexceptions (%zu; warning window %u days):\n", a->n_exceptions,
            a->warn_days);
    for (size_t i = 0; i < a->n_exceptions; i++) {
        const SP_AUDIT_EXCEPTION *x = &a->exceptions[i];

        sp_time_to_text(x->exc->expires, until, sizeof(until));
        fprintf(o,
                "  %s (profile %s): waives %s, owner %s, until %s, %s, used "
                "%llu times\n",
                x->exc->name, x->profile, sp_rules[x->exc->rule].code,
                x->exc->owner, until, exception_status(a, x->exc),
                (unsigned long long)x->used);
    }
    return 1;
}

static int finish_json(SP_AUDIT *a, const TOTALS *t, const char *generated)
{
    FILE *o = a->out;
    char sha[65], profile[64], until[32], from[32], to[32];
    int first = 1;

    policy_hex(a, sha);
    fprintf(o,
            "{\"report\":\"smimepolicy-audit\",\"version\":\"%s\","
            "\"generated\":\"%s\",\"database\":",
            PACKAGE_VERSION, generated);
    sp_json_string_or_null(o, a->db_path);
    fputs(",\"certs_dir\":", o);
    sp_json_string_or_null(o, a->certs_dir);
    fputs(",\"policy\":", o);
    sp_json_string_or_null(o, sp_policy_path(a->policy));
    fprintf(o,
            ",\"policy_sha256\":\"%s\",\"selection\":{\"mode\":\"%s\","
            "\"population\":%llu,\"size\":%llu,",
            sha, a->sample_spec ? "sample" : "full",
            (unsigned long long)a->population,
            (unsigned long long)a->sample_size);
    fputs("\"sample\":", o);
    sp_json_string_or_null(o, a->sample_spec);
    if (a->sample_spec)
        fprintf(o, ",\"seed\":%llu", (unsigned long long)a->seed);
    sp_time_to_text(a->from, from, sizeof(from));
    sp_time_to_text(a->to, to, sizeof(to));
    fputs(",\"from\":", o);
    sp_json_string_or_null(o, a->has_from ? from : NULL);
    fputs(",\"to\":", o);
    sp_json_string_or_null(o, a->has_to ? to : NULL);
    fprintf(o, ",\"outside_period\":%llu},",
            (unsigned long long)a->outside_period);
    fprintf(o,
            "\"totals\":{\"judged\":%llu,\"accept\":%llu,\"refuse\":%llu,"
            "\"would_refuse\":%llu,\"non_compliant\":%llu,"
            "\"input_errors\":%llu,\"sub_cas\":%llu,"
            "\"sub_cas_unconstrained\":%llu},\n\"by_profile\":[",
            (unsigned long long)a->judged, (unsigned long long)t->accept,
            (unsigned long long)t->refuse, (unsigned long long)t->would_refuse,
            (unsigned long long)(t->refuse + t->would_refuse),
            (unsigned long long)a->input_errors, (unsigned long long)a->sub_cas,
            (unsigned long long)a->sub_cas_unconstrained);
    for (int p = 0; p < SP_AUDIT_PROFILES; p++) {
        const uint64_t *c = a->counts[p];

        if (c[0] + c[1] + c[2] == 0)
            continue;
        profile_of_slot(p, profile, sizeof(profile));
        fprintf(o,
                "%s{\"profile\":\"%s\",\"accept\":%llu,\"refuse\":%llu,"
                "\"would_refuse\":%llu}",
                first ? "" : ",", profile, (unsigned long long)c[0],
                (unsigned long long)c[1], (unsigned long long)c[2]);
        first = 0;
    }
    fputs("],\n\"by_finding\":[", o);
    first = 1;
    for (int r = 0; r < SP_RULE_COUNT; r++) {
        if (a->finding_counts[r] == 0)
            continue;
        fprintf(o, "%s{\"code\":\"%s\",\"severity\":\"%s\",\"section\":",
                first ? "" : ",", sp_rules[r].code,
                sp_severity_name(sp_rules[r].severity));
        sp_json_string(o, sp_rules[r].section);
        fprintf(o, ",\"count\":%llu}",
                (unsigned long long)a->finding_counts[r]);
        first = 0;
    }
    fputs("],\n\"certificates\":[", o);
    if (!copy_part(a->part_certs, o))
        return 0;
    fputs("],\n\"input_errors\":[", o);
    if (!copy_part(a->part_errors, o))
        return 0;
    fputs("],\n\"sub_cas\":[", o);
    if (!copy_part(a->part_subcas, o))
        return 0;
    fprintf(o, "],\n\"warn_days\":%u,\"exceptions\":[", a->warn_days);
    for (size_t i = 0; i < a->n_exceptions; i++) {
        const SP_AUDIT_EXCEPTION *x = &a->exceptions[i];

        sp_time_to_text(x->exc->expires, until, sizeof(until));
        fputs(i ? ",\n{\"name\":" : "\n{\"name\":", o);
        sp_json_string(o, x->exc->name);
        fputs(",\"profile\":", o);
        sp_json_string(o, x->profile);
        fprintf(o, ",\"code\":\"%s\",\"owner\":", sp_rules[x->exc->rule].code);
        sp_json_string(o, x->exc->owner);
        fputs(",\"reason\":", o);
        sp_json_string(o, x->exc->reason);
        fprintf(o, ",\"expires\":\"%s\",\"status\":\"%s\",\"used\":%llu}",
                until, exception_status(a, x->exc),
                (unsigned long long)x->used);
    }
    fputs("]}\n", o);
    return 1;
}

static const char html_style[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;"
    "margin:2em;color:#1b1f23;background:#fff}"
    "h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:1.6em;"
    "border-bottom:1px solid #d0d7de;padding-bottom:.2em}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:.92em}"
    "th,td{border:1px solid #d0d7de;padding:.3em .6em;text-align:left;"
    "vertical-align:top;overflow-wrap:anywhere}th{background:#f6f8fa}"
    "#certificates,#sub-cas,#input-errors{width:100%}"
    "#certificates td:last-child{min-width:24em}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    ".mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;"
    "font-size:.9em}"
    ".cards{display:flex;gap:1em;flex-wrap:wrap}"
    ".card{border:1px solid #d0d7de;border-radius:6px;padding:.6em 1em;"
    "min-width:9em;flex:0 0 auto}.card b{display:block;font-size:1.6em}"
    ".ok b,td.accept{color:#1a7f37}.bad b,td.refuse,tr.refuse b{"
    "color:#cf222e}.warn b,tr.would-refuse b{color:#9a6700}"
    "li.error .sev{color:#cf222e}li.warning .sev{color:#9a6700}"
    "li.notice .sev{color:#57606a}ul{margin:0;padding-left:1.2em}"
    ".sec{color:#57606a}dl{display:grid;grid-template-columns:max-content "
    "auto;gap:.2em 1em}dt{font-weight:bold}dd{margin:0}";

static void html_card(FILE *o, const char *cls, const char *id,
                      const char *title, uint64_t n)
{
    fprintf(o, "<div class=\"card %s\" id=\"n-%s\"><b>%llu</b>%s</div>\n", cls,
            id, (unsigned long long)n, title);
}

static int finish_html(SP_AUDIT *a, const TOTALS *t, const char *generated)
{
    FILE *o = a->out;
    char sel[256], period[160], sha[65], profile[64], until[32];
    const char *pol = sp_policy_path(a->policy);

    selection_text(a, sel, sizeof(sel));
    period_text(a, period, sizeof(period));
    policy_hex(a, sha);
    fprintf(o,
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\">"
            "<title>smimepolicy audit report</title><style>%s</style></head>"
            "<body>\n<h1>S/MIME certificate audit</h1>\n<dl>"
            "<dt>Generated</dt><dd>%s by smimepolicy %s</dd>",
            html_style, generated, PACKAGE_VERSION);
    if (a->db_path != NULL) {
        fputs("<dt>Database</dt><dd>", o);
        sp_html_text(o, a->db_path);
        fputs(" (certificates in ", o);
        sp_html_text(o, a->certs_dir);
        fputs(")</dd>", o);
    }
    fputs("<dt>Policy</dt><dd>", o);
    sp_html_text(o, pol != NULL ? pol : "S/MIME BR defaults");
    fprintf(o,
            " <span class=\"mono\">sha256 %s</span></dd><dt>Selection</dt>"
            "<dd id=\"selection\">%s</dd><dt>Period</dt><dd>%s</dd></dl>\n",
            sha, sel, period);
    fputs("<h2>Totals</h2><div class=\"cards\">\n", o);
    html_card(o, "", "judged", "judged", a->judged);
    html_card(o, "ok", "compliant", "compliant", t->accept);
    html_card(o, "bad", "refused", "refused", t->refuse);
    html_card(o, "warn", "would-refuse", "would refuse (report mode)",
              t->would_refuse);
    html_card(o, "bad", "input-errors", "input errors", a->input_errors);
    html_card(o, a->sub_cas_unconstrained ? "bad" : "", "sub-cas",
              "sub-CAs issued", a->sub_cas);
    fputs("</div>\n<h2>By profile</h2><table id=\"by-profile\"><tr>"
          "<th>Profile</th><th>accept</th><th>refuse</th>"
          "<th>would refuse</th></tr>\n",
          o);
    for (int p = 0; p < SP_AUDIT_PROFILES; p++) {
        const uint64_t *c = a->counts[p];

        if (c[0] + c[1] + c[2] == 0)
            continue;
        profile_of_slot(p, profile, sizeof(profile));
        fprintf(o,
                "<tr><td>%s</td><td class=\"n\">%llu</td><td class=\"n\">%llu"
                "</td><td class=\"n\">%llu</td></tr>\n",
                profile, (unsigned long long)c[0], (unsigned long long)c[1],
                (unsigned long long)c[2]);
    }
    fputs("</table>\n<h2>Findings by code</h2><table id=\"by-finding\"><tr>"
          "<th>Code</th><th>Severity</th><th>SBR</th><th>Occurrences</th>"
          "</tr>\n",
          o);
    for (int r = 0; r < SP_RULE_COUNT; r++) {
        if (a->finding_counts[r] == 0)
            continue;
        fprintf(o, "<tr><td><code>%s</code></td><td>%s</td><td>",
                sp_rules[r].code, sp_severity_name(sp_rules[r].severity));
        sp_html_text(o, sp_rules[r].section);
        fprintf(o, "</td><td class=\"n\">%llu</td></tr>\n",
                (unsigned long long)a->finding_counts[r]);
    }
    fprintf(o,
            "</table>\n<h2>%s certificates (%llu)</h2>"
            "<table id=\"certificates\"><tr><th>File</th><th>Serial</th>"
            "<th>Subject</th><th>notBefore</th><th>Profile</th>"
            "<th>Decision</th><th>Findings</th></tr>\n",
            a->list_all ? "Judged" : "Non-compliant",
            (unsigned long long)a->n_listed);
    if (!copy_part(a->part_certs, o))
        return 0;
    fprintf(o,
            "</table>\n<h2>Input errors (%llu)</h2><table id=\"input-errors\">"
            "<tr><th>File</th><th>Error</th></tr>\n",
            (unsigned long long)a->input_errors);
    if (!copy_part(a->part_errors, o))
        return 0;
    fprintf(o,
            "</table>\n<h2>Sub-CAs issued (%llu)</h2><table id=\"sub-cas\">"
            "<tr><th>File</th><th>Serial</th><th>Subject</th>"
            "<th>notBefore</th><th>Constraint</th><th>Why not</th></tr>\n",
            (unsigned long long)a->sub_cas);
    if (!copy_part(a->part_subcas, o))
        return 0;
    fprintf(o,
            "</table>\n<h2>Exceptions (%zu)</h2><p>Warning window: %u days."
            "</p><table id=\"exceptions\"><tr><th>Name</th><th>Profile</th>"
            "<th>Code</th><th>Owner</th><th>Reason</th><th>Expires</th>"
            "<th>Status</th><th>Used</th></tr>\n",
            a->n_exceptions, a->warn_days);
    for (size_t i = 0; i < a->n_exceptions; i++) {
        const SP_AUDIT_EXCEPTION *x = &a->exceptions[i];
        const char *st = exception_status(a, x->exc);

        sp_time_to_text(x->exc->expires, until, sizeof(until));
        fputs("<tr><td>", o);
        sp_html_text(o, x->exc->name);
        fputs("</td><td>", o);
        sp_html_text(o, x->profile);
        fprintf(o, "</td><td><code>%s</code></td><td>",
                sp_rules[x->exc->rule].code);
        sp_html_text(o, x->exc->owner);
        fputs("</td><td>", o);
        sp_html_text(o, x->exc->reason);
        fprintf(o,
                "</td><td>%s</td><td class=\"%s\">%s</td>"
                "<td class=\"n\">%llu</td></tr>\n",
                until, strcmp(st, "valid") == 0 ? "accept" : "refuse", st,
                (unsigned long long)x->used);
    }
    fputs("</table>\n</body></html>\n", o);
    return 1;
}

int sp_audit_report_finish(SP_AUDIT *a)
{
    TOTALS t = totals(a);
    char generated[32];
    int ok;

    sp_time_to_text(a->now, generated, sizeof(generated));
    switch (a->format) {
    case SP_AUDIT_JSON:
        ok = finish_json(a, &t, generated);
        break;
    case SP_AUDIT_HTML:
        ok = finish_html(a, &t, generated);
        break;
    default:
        ok = finish_text(a, &t, generated);
        break;
    }
    return ok && fflush(a->out) == 0 && !ferror(a->out);
}
