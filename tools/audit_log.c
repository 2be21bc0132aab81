/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `smimepolicy audit --log FILE`: summary of the provider's audit log
 * (JSON lines, provider/audit.c), and `smimepolicy exceptions POLICY`: the
 * policy's exceptions and which of them expire soon.
 *
 * The log is read line by line; only counters are kept, in fixed tables
 * (profiles, finding codes, exceptions and days beyond the table sizes go
 * to an "(other)" row), so a log of any length is summarised in bounded
 * memory.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_cmd.h"
#include "cmd_common.h"
#include "policy_int.h"

#define LOG_NAME_MAX 128
#define LOG_MAX_PROFILES 64
#define LOG_MAX_CODES 512
#define LOG_MAX_EXCEPTIONS 256
#define LOG_MAX_DAYS 4000
#define LOG_MAX_FINDINGS 64
#define LOG_JSON_DEPTH 16

/* Decisions the provider writes; anything else counts as "other". */
enum { D_SIGNED, D_REFUSED, D_WOULD, D_OTHER, D_COUNT };
static const char *const decision_names[D_COUNT] = {"signed", "refused",
                                                    "would-refuse", "other"};

typedef struct log_row_st {
    char name[LOG_NAME_MAX];
    uint64_t n[D_COUNT];
    uint64_t waived;
} LOG_ROW;

typedef struct log_table_st {
    LOG_ROW *rows;
    size_t n, max;
    LOG_ROW other; /* rows that did not fit */
} LOG_TABLE;

/* What one record says, as far as the summary needs it. */
typedef struct log_record_st {
    char time[40];
    char decision[LOG_NAME_MAX];
    char profile[LOG_NAME_MAX];
    size_t n_findings;
    char code[LOG_MAX_FINDINGS][LOG_NAME_MAX];
    char exception[LOG_MAX_FINDINGS][LOG_NAME_MAX];
    int waived[LOG_MAX_FINDINGS];
} LOG_RECORD;

/* A strict JSON reader over one line: enough to validate any value and
 * read the strings the summary needs. */
typedef struct json_cur_st {
    const char *p, *end;
    const char *err;
} JSON_CUR;

/* ------------------------------------------------------------ JSON */

static void js_ws(JSON_CUR *j)
{
    while (j->p < j->end
           && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
        j->p++;
}

static int js_fail(JSON_CUR *j, const char *why)
{
    if (j->err == NULL)
        j->err = why;
    return 0;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A string into out (truncated to outlen - 1; \u escapes above ASCII
 * become '?', which the summary never needs to tell apart). */
static int js_string(JSON_CUR *j, char *out, size_t outlen)
{
    size_t o = 0;

    if (j->p >= j->end || *j->p != '"')
        return js_fail(j, "expected a string");
    j->p++;
    while (j->p < j->end && *j->p != '"') {
        char c = *j->p++;

        if ((unsigned char)c < 0x20)
            return js_fail(j, "control character in a string");
        if (c == '\\') {
            if (j->p >= j->end)
                return js_fail(j, "unterminated string");
            c = *j->p++;
            switch (c) {
            case '"':
            case '\\':
            case '/':
                break;
            case 'b':
                c = '\b';
                break;
            case 'f':
                c = '\f';
                break;
            case 'n':
                c = '\n';
                break;
            case 'r':
                c = '\r';
                break;
            case 't':
                c = '\t';
                break;
            case 'u': {
                int v = 0;

                if (j->end - j->p < 4)
                    return js_fail(j, "bad \\u escape");
                for (int i = 0; i < 4; i++) {
                    int h = hexval(j->p[i]);

                    if (h < 0)
                        return js_fail(j, "bad \\u escape");
                    v = v * 16 + h;
                }
                j->p += 4;
                c = v < 0x80 ? (char)v : '?';
                break;
            }
            default:
                return js_fail(j, "bad escape in a string");
            }
        }
        if (out != NULL && o + 1 < outlen)
            out[o++] = c;
    }
    if (j->p >= j->end)
        return js_fail(j, "unterminated string");
    j->p++;
    if (out != NULL)
        out[o] = '\0';
    return 1;
}

static int js_value(JSON_CUR *j, int depth);

static int js_literal(JSON_CUR *j, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return js_fail(j, "invalid value");
    j->p += n;
    return 1;
}

static int js_number(JSON_CUR *j)
{
    const char *start = j->p;

    if (j->p < j->end && *j->p == '-')
        j->p++;
    if (j->p >= j->end || *j->p < '0' || *j->p > '9')
        return js_fail(j, "invalid number");
    while (j->p < j->end
           && ((*j->p >= '0' && *j->p <= '9') || *j->p == '.' || *j->p == 'e'
               || *j->p == 'E' || *j->p == '+' || *j->p == '-'))
        j->p++;
    return j->p > start;
}

/* Walk a container; for an object call on_member for each key with the
 * cursor at its value (on_member consumes the value). */
typedef int (*member_fn)(JSON_CUR *j, const char *key, void *arg, int depth);

static int js_object(JSON_CUR *j, int depth, member_fn fn, void *arg)
{
    char key[LOG_NAME_MAX];

    if (depth > LOG_JSON_DEPTH)
        return js_fail(j, "nested too deep");
    j->p++; /* { */
    js_ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return 1;
    }
    for (;;) {
        js_ws(j);
        if (!js_string(j, key, sizeof(key)))
            return 0;
        js_ws(j);
        if (j->p >= j->end || *j->p != ':')
            return js_fail(j, "expected ':'");
        j->p++;
        js_ws(j);
        if (fn != NULL ? !fn(j, key, arg, depth + 1) : !js_value(j, depth + 1))
            return 0;
        js_ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return 1;
        }
        return js_fail(j, "expected ',' or '}'");
    }
}

static int js_value(JSON_CUR *j, int depth)
{
    js_ws(j);
    if (j->p >= j->end)
        return js_fail(j, "unexpected end of line");
    switch (*j->p) {
    case '{':
        return js_object(j, depth, NULL, NULL);
    case '[':
        if (depth > LOG_JSON_DEPTH)
            return js_fail(j, "nested too deep");
        j->p++;
        js_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return 1;
        }
        for (;;) {
            if (!js_value(j, depth + 1))
                return 0;
            js_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return 1;
            }
            return js_fail(j, "expected ',' or ']'");
        }
    case '"':
        return js_string(j, NULL, 0);
    case 't':
        return js_literal(j, "true");
    case 'f':
        return js_literal(j, "false");
    case 'n':
        return js_literal(j, "null");
    default:
        return js_number(j);
    }
}

/* A string or null (null leaves out empty). */
static int js_string_or_null(JSON_CUR *j, char *out, size_t outlen)
{
    if (j->p < j->end && *j->p == 'n') {
        out[0] = '\0';
        return js_literal(j, "null");
    }
    return js_string(j, out, outlen);
}

static int finding_member(JSON_CUR *j, const char *key, void *arg, int depth)
{
    LOG_RECORD *r = arg;
    size_t i = r->n_findings;

    if (strcmp(key, "code") == 0)
        return js_string(j, r->code[i], sizeof(r->code[i]));
    if (strcmp(key, "exception") == 0)
        return js_string_or_null(j, r->exception[i], sizeof(r->exception[i]));
    if (strcmp(key, "waived") == 0) {
        if (j->p < j->end && *j->p == 't') {
            r->waived[i] = 1;
            return js_literal(j, "true");
        }
        return js_literal(j, "false");
    }
    return js_value(j, depth);
}

static int record_member(JSON_CUR *j, const char *key, void *arg, int depth)
{
    LOG_RECORD *r = arg;

    if (strcmp(key, "time") == 0)
        return js_string(j, r->time, sizeof(r->time));
    if (strcmp(key, "decision") == 0)
        return js_string(j, r->decision, sizeof(r->decision));
    if (strcmp(key, "profile") == 0)
        return js_string_or_null(j, r->profile, sizeof(r->profile));
    if (strcmp(key, "findings") == 0) {
        if (j->p >= j->end || *j->p != '[')
            return js_fail(j, "findings is not an array");
        j->p++;
        js_ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return 1;
        }
        for (;;) {
            js_ws(j);
            if (j->p >= j->end || *j->p != '{')
                return js_fail(j, "a finding is not an object");
            if (r->n_findings < LOG_MAX_FINDINGS) {
                size_t i = r->n_findings;

                r->code[i][0] = r->exception[i][0] = '\0';
                r->waived[i] = 0;
                if (!js_object(j, depth + 1, finding_member, r))
                    return 0;
                if (r->code[i][0] == '\0')
                    return js_fail(j, "a finding without a code");
                r->n_findings++;
            } else if (!js_value(j, depth + 1)) {
                return 0;
            }
            js_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return 1;
            }
            return js_fail(j, "expected ',' or ']'");
        }
    }
    return js_value(j, depth);
}

static int parse_record(const char *line, size_t len, LOG_RECORD *r,
                        const char **why)
{
    JSON_CUR j = {line, line + len, NULL};

    memset(r, 0, offsetof(LOG_RECORD, code));
    js_ws(&j);
    if (j.p >= j.end || *j.p != '{') {
        *why = "not a JSON object";
        return 0;
    }
    if (!js_object(&j, 0, record_member, r)) {
        *why = j.err != NULL ? j.err : "invalid JSON";
        return 0;
    }
    js_ws(&j);
    if (j.p != j.end) {
        *why = "text after the JSON object";
        return 0;
    }
    if (r->decision[0] == '\0') {
        *why = "no \"decision\"";
        return 0;
    }
    /* RFC 3339 time: YYYY-MM-DDT... */
    if (strlen(r->time) < 20 || r->time[4] != '-' || r->time[7] != '-'
        || r->time[10] != 'T') {
        *why = "no RFC 3339 \"time\"";
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ tables */

static LOG_ROW *table_row(LOG_TABLE *t, const char *name)
{
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->rows[i].name, name) == 0)
            return &t->rows[i];
    }
    if (t->n == t->max)
        return &t->other;
    snprintf(t->rows[t->n].name, LOG_NAME_MAX, "%s", name);
    return &t->rows[t->n++];
}

static int row_cmp(const void *x, const void *y)
{
    return strcmp(((const LOG_ROW *)x)->name, ((const LOG_ROW *)y)->name);
}

static int table_init(LOG_TABLE *t, size_t max)
{
    memset(t, 0, sizeof(*t));
    snprintf(t->other.name, LOG_NAME_MAX, "(other)");
    t->rows = calloc(max, sizeof(*t->rows));
    t->max = max;
    return t->rows != NULL;
}

static uint64_t row_total(const LOG_ROW *r)
{
    return r->n[0] + r->n[1] + r->n[2] + r->n[3];
}

static void print_table_text(FILE *o, const char *title, LOG_TABLE *t,
                             int with_waived)
{
    qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
    fprintf(o, "\n%s:\n  %-44s %9s %9s %12s %7s%s\n", title, "", "signed",
            "refused", "would-refuse", "other",
            with_waived ? "    waived" : "");
    for (size_t i = 0; i <= t->n; i++) {
        const LOG_ROW *r = i < t->n ? &t->rows[i] : &t->other;

        if (i == t->n && row_total(r) + r->waived == 0)
            break;
        fprintf(o, "  %-44s %9llu %9llu %12llu %7llu", r->name,
                (unsigned long long)r->n[0], (unsigned long long)r->n[1],
                (unsigned long long)r->n[2], (unsigned long long)r->n[3]);
        if (with_waived)
            fprintf(o, " %9llu", (unsigned long long)r->waived);
        fputc('\n', o);
    }
}

static void print_table_json(FILE *o, const char *key, LOG_TABLE *t,
                             int with_waived)
{
    qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
    fprintf(o, ",\n\"%s\":[", key);
    for (size_t i = 0; i <= t->n; i++) {
        const LOG_ROW *r = i < t->n ? &t->rows[i] : &t->other;

        if (i == t->n && row_total(r) + r->waived == 0)
            break;
        fputs(i ? ",{\"name\":" : "{\"name\":", o);
        sp_json_string(o, r->name);
        fprintf(o,
                ",\"signed\":%llu,\"refused\":%llu,\"would_refuse\":%llu,"
                "\"other\":%llu",
                (unsigned long long)r->n[0], (unsigned long long)r->n[1],
                (unsigned long long)r->n[2], (unsigned long long)r->n[3]);
        if (with_waived)
            fprintf(o, ",\"waived\":%llu", (unsigned long long)r->waived);
        fputc('}', o);
    }
    fputc(']', o);
}

int sp_cmd_audit_log(const char *path, sp_audit_format format, FILE *out)
{
    FILE *in = NULL;
    LOG_TABLE profiles, codes, exceptions, days;
    LOG_RECORD *r = malloc(sizeof(*r));
    uint64_t records = 0, malformed = 0, by_decision[D_COUNT] = {0};
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    int status = SP_EXIT_USAGE;

    memset(&profiles, 0, sizeof(profiles));
    memset(&codes, 0, sizeof(codes));
    memset(&exceptions, 0, sizeof(exceptions));
    memset(&days, 0, sizeof(days));
    if (format == SP_AUDIT_HTML) {
        fputs("smimepolicy: audit --log writes text or json\n", stderr);
        goto end;
    }
    if (r == NULL || !table_init(&profiles, LOG_MAX_PROFILES)
        || !table_init(&codes, LOG_MAX_CODES)
        || !table_init(&exceptions, LOG_MAX_EXCEPTIONS)
        || !table_init(&days, LOG_MAX_DAYS)) {
        fputs("smimepolicy: out of memory\n", stderr);
        goto end;
    }
    in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (in == NULL) {
        fprintf(stderr, "smimepolicy: %s: %s\n", path, strerror(errno));
        goto end;
    }
    while ((n = getline(&line, &cap, in)) != -1) {
        const char *why = NULL;
        int d;

        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            n--;
        if (!parse_record(line, (size_t)n, r, &why)) {
            malformed++;
            fprintf(stderr, "smimepolicy: %s:%zu: malformed record: %s\n", path,
                    lineno, why);
            continue;
        }
        records++;
        for (d = 0; d < D_OTHER; d++) {
            if (strcmp(r->decision, decision_names[d]) == 0)
                break;
        }
        by_decision[d]++;
        table_row(&profiles, r->profile[0] ? r->profile : "(none)")->n[d]++;
        {
            /* Every decision, so that a day's refusals stand next to
             * what was signed that day. */
            char day[11];

            memcpy(day, r->time, 10);
            day[10] = '\0';
            table_row(&days, day)->n[d]++;
        }
        for (size_t i = 0; i < r->n_findings; i++) {
            LOG_ROW *c = table_row(&codes, r->code[i]);

            c->n[d]++;
            if (r->waived[i]) {
                c->waived++;
                table_row(&exceptions,
                          r->exception[i][0] ? r->exception[i] : "(unnamed)")
                    ->n[d]++;
            }
        }
    }
    if (ferror(in)) {
        fprintf(stderr, "smimepolicy: %s: %s\n", path, strerror(errno));
        goto end;
    }
    if (format == SP_AUDIT_JSON) {
        fputs("{\"log\":", out);
        sp_json_string(out, path);
        fprintf(out,
                ",\"records\":%llu,\"malformed_lines\":%llu,\"decisions\":{"
                "\"signed\":%llu,\"refused\":%llu,\"would_refuse\":%llu,"
                "\"other\":%llu}",
                (unsigned long long)records, (unsigned long long)malformed,
                (unsigned long long)by_decision[0],
                (unsigned long long)by_decision[1],
                (unsigned long long)by_decision[2],
                (unsigned long long)by_decision[3]);
        print_table_json(out, "by_profile", &profiles, 0);
        print_table_json(out, "by_finding", &codes, 1);
        print_table_json(out, "exceptions_used", &exceptions, 0);
        print_table_json(out, "by_day", &days, 0);
        fputs("}\n", out);
    } else {
        fprintf(out,
                "smimepolicy audit log %s: %llu records, %llu malformed "
                "lines\ndecisions: %llu signed, %llu refused, %llu "
                "would-refuse, %llu other\n",
                path, (unsigned long long)records,
                (unsigned long long)malformed,
                (unsigned long long)by_decision[0],
                (unsigned long long)by_decision[1],
                (unsigned long long)by_decision[2],
                (unsigned long long)by_decision[3]);
        print_table_text(out, "by profile", &profiles, 0);
        print_table_text(out, "by finding code (occurrences)", &codes, 1);
        print_table_text(out, "exceptions used", &exceptions, 0);
        print_table_text(out, "decisions by day (UTC)", &days,
                         0);
    }
    status = malformed ? SP_EXIT_USAGE
             : by_decision[D_REFUSED] + by_decision[D_WOULD]
                 ? SP_EXIT_NONCOMPLIANT
                 : SP_EXIT_OK;
end:
    if (in != NULL && in != stdin)
        fclose(in);
    free(line);
    free(r);
    free(profiles.rows);
    free(codes.rows);
    free(exceptions.rows);
    free(days.rows);
    return status;
}

/* ------------------------------------------------------------ exceptions */

int sp_cmd_exceptions(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"warn-days", required_argument, NULL, 'w'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char usage[] =
        "usage: smimepolicy exceptions [--warn-days N] [--format text|json] "
        "POLICY\n";
    char err[SP_POLICY_ERR_MAX], until[32];
    SP_POLICY *pol = NULL;
    unsigned long warn_days = 30;
    int64_t now = (int64_t)time(NULL);
    int opt, json = 0, status = SP_EXIT_USAGE, first = 1;
    size_t total = 0, attention = 0;
    char *end;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "w:f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'w':
            errno = 0;
            warn_days = strtoul(optarg, &end, 10);
            if (errno || *end != '\0' || *optarg < '0' || *optarg > '9'
                || warn_days > 36500) {
                fprintf(stderr,
                        "smimepolicy: --warn-days: \"%s\" is not a number of "
                        "days\n",
                        optarg);
                goto end;
            }
            break;
        case 'f':
            if (strcmp(optarg, "json") == 0) {
                json = 1;
            } else if (strcmp(optarg, "text") != 0) {
                fprintf(stderr,
                        "smimepolicy: --format: \"%s\" is not text or "
                        "json\n",
                        optarg);
                goto end;
            }
            break;
        case 'h':
            fputs(usage, stdout);
            status = SP_EXIT_OK;
            goto end;
        default:
            fputs(usage, stderr);
            goto end;
        }
    }
    if (optind != argc - 1) {
        fputs(usage, stderr);
        goto end;
    }
    pol = sp_policy_load(argv[optind], err, sizeof(err));
    if (pol == NULL) {
        fprintf(stderr, "smimepolicy: %s\n", err);
        goto end;
    }
    if (json) {
        fputs("{\"policy\":", stdout);
        sp_json_string(stdout, argv[optind]);
        printf(",\"warn_days\":%lu,\"exceptions\":[", warn_days);
    }
    for (size_t i = 0; i < pol->n_profiles; i++) {
        const SP_PROFILE *p = &pol->profiles[i];

        for (size_t k = 0; k < p->n_exceptions; k++) {
            const SP_EXCEPTION *e = &p->exceptions[k];
            const char *st = e->expires <= now ? "expired"
                             : e->expires - now <= (int64_t)warn_days * 86400
                                 ? "expiring"
                                 : "valid";
            long days_left = (long)((e->expires - now) / 86400);

            total++;
            if (strcmp(st, "valid") != 0)
                attention++;
            sp_time_to_text(e->expires, until, sizeof(until));
            if (json) {
                fputs(first ? "\n{\"name\":" : ",\n{\"name\":", stdout);
                sp_json_string(stdout, e->name);
                fputs(",\"profile\":", stdout);
                sp_json_string(stdout, p->name);
                printf(",\"code\":\"%s\",\"owner\":", sp_rules[e->rule].code);
                sp_json_string(stdout, e->owner);
                fputs(",\"reason\":", stdout);
                sp_json_string(stdout, e->reason);
                printf(",\"expires\":\"%s\",\"days_left\":%ld,"
                       "\"status\":\"%s\"}",
                       until, days_left, st);
                first = 0;
            } else {
                printf("%s  profile %s  code %s\n  owner: %s\n  reason: %s\n"
                       "  expires: %s (%s, %ld days)\n\n",
                       e->name, p->name, sp_rules[e->rule].code, e->owner,
                       e->reason, until, st, days_left);
            }
        }
    }
    if (json)
        puts("]}");
    else
        printf("%zu exception%s, %zu expired or expiring within %lu days\n",
               total, total == 1 ? "" : "s", attention, warn_days);
    status = attention ? SP_EXIT_NONCOMPLIANT : SP_EXIT_OK;
end:
    sp_policy_free(pol);
    return status;
}
