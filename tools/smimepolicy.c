/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smimepolicy: judge existing certificates (and CRLs) exactly as the
 * provider judges a TBSCertificate before signing it.
 *
 *   smimepolicy check [--policy FILE] [--issuer CERT]... [--at TIME]
 *                     [--format text|json] FILE...
 *   smimepolicy policy FILE      load a policy file and summarise it
 *   smimepolicy rules            list every rule code
 *
 * Exit status: 0 all accepted, 1 any refused, 2 usage or input error.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "audit_cmd.h"
#include "cmd_common.h"
#include "engine.h"
#include "policy_int.h"

#define EXIT_ACCEPTED 0
#define EXIT_REFUSED 1
#define EXIT_USAGE 2

/* Largest input file read: far above any certificate bundle, low enough
 * that a wrong path (a disk image, /dev/zero) fails fast. */
#define MAX_INPUT_BYTES (64u * 1024u * 1024u)

typedef enum { FORMAT_TEXT, FORMAT_JSON } output_format;

typedef struct check_ctx_st {
    SP_POLICY *policy;
    const SP_ISSUER *forced_issuer; /* the only --issuer, if exactly one */
    int64_t at;                     /* SP_AT_NOTBEFORE or a fixed time */
    output_format format;
    int any_refused;
    int any_input_error;
    SP_VERDICT verdict; /* large: kept here, not on the stack */
} CHECK_CTX;

static void usage(FILE *out)
{
    fputs("usage: smimepolicy check [--policy FILE] [--issuer CERT]... "
          "[--at TIME]\n"
          "                         [--format text|json] FILE...\n"
          "       smimepolicy policy FILE\n"
          "       smimepolicy rules\n"
          "       smimepolicy audit (--db INDEX --certs DIR | FILE...) "
          "[options]\n"
          "       smimepolicy audit --log FILE\n"
          "       smimepolicy exceptions [--warn-days N] POLICY\n"
          "       smimepolicy --version | --help\n"
          "\n"
          "check judges each certificate (PEM or DER; several PEM blocks per\n"
          "file allowed; - reads standard input) as the smimepolicy provider\n"
          "would before signing it. Without --policy the S/MIME Baseline\n"
          "Requirements defaults apply. TIME is 'notbefore' (default: judge\n"
          "each certificate as issued at its notBefore), 'now', YYYY-MM-DD,\n"
          "YYYY-MM-DDTHH:MM:SSZ or @UNIXSECONDS.\n"
          "\n"
          "Exit status: 0 all accepted, 1 any refused, 2 usage or input "
          "error.\n",
          out);
}

/* ---------------------------------------------------------------- JSON */

/* ---------------------------------------------------------------- output */

static void print_text(const CHECK_CTX *ctx, const char *label,
                       const SP_VERDICT *v)
{
    char profile[64], when[32];

    sp_profile_label(v->type, v->generation, profile, sizeof(profile));
    sp_time_to_text(v->at, when, sizeof(when));
    printf("%s: %s %s %s", label, sp_decision_name(v->decision),
           sp_kind_name(v->kind), profile);
    if (v->kind == SP_KIND_CERT && v->role != SP_ROLE_END_ENTITY)
        printf(" (%s)", sp_role_name(v->role));
    if (v->profile != NULL)
        printf(" (profile %s%s)", v->profile,
               v->mode == SP_MODE_REPORT ? ", report mode" : "");
    printf(" at %s", when);
    if (v->issuer != NULL)
        printf(" issuer %s", sp_issuer_path(v->issuer));
    putchar('\n');
    for (size_t i = 0; i < v->findings.n; i++) {
        const SP_FINDING *f = &v->findings.f[i];
        const SP_RULE *r = &sp_rules[f->rule];

        printf("  %-7s %s [SBR %s] %s", sp_severity_name(f->severity), r->code,
               r->section, f->detail);
        if (f->waived_by != NULL) {
            char until[32];

            sp_time_to_text(f->waived_by->expires, until, sizeof(until));
            printf(" (waived by exception %s, owner %s, until %s)",
                   f->waived_by->name, f->waived_by->owner, until);
        } else if (f->expired_exception != NULL) {
            char until[32];

            sp_time_to_text(f->expired_exception->expires, until,
                            sizeof(until));
            printf(" (exception %s expired %s)", f->expired_exception->name,
                   until);
        }
        putchar('\n');
    }
    if (v->findings.dropped != 0)
        printf("  ... and %zu more findings not kept\n", v->findings.dropped);
    (void)ctx;
}

static void print_json(const CHECK_CTX *ctx, const char *file, size_t index,
                       const SP_VERDICT *v)
{
    sp_verdict_json_fields(stdout, file, index, v);
    fputs("}\n", stdout);
    (void)ctx;
}

static void input_error(CHECK_CTX *ctx, const char *file, size_t index,
                        const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void input_error(CHECK_CTX *ctx, const char *file, size_t index,
                        const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ctx->any_input_error = 1;
    if (ctx->format == FORMAT_JSON) {
        fputs("{\"file\":", stdout);
        sp_json_string(stdout, file);
        printf(",\"index\":%zu,\"decision\":\"input-error\",\"error\":", index);
        sp_json_string(stdout, msg);
        fputs("}\n", stdout);
    }
    fprintf(stderr, "smimepolicy: %s", file);
    if (index > 0)
        fprintf(stderr, " (#%zu)", index);
    fprintf(stderr, ": %s\n", msg);
}

/* ---------------------------------------------------------------- check */

/* Judge one whole Certificate or CertificateList. */
static void check_object(CHECK_CTX *ctx, const char *file, size_t index,
                         const uint8_t *der, size_t len)
{
    SP_DER tbs, outer_alg;
    SP_DECODE_ERROR where;
    SP_JUDGE_OPTS opts = {ctx->at, ctx->forced_issuer, 0};
    SP_VERDICT *v = &ctx->verdict;
    sp_der_err rc;
    char label[1100];

    rc = sp_cert_split(der, len, &tbs, &outer_alg, &where);
    if (rc != SP_DER_OK) {
        input_error(ctx, file, index,
                    "not a DER certificate: %s in %s at offset %zu",
                    sp_der_strerror(rc), where.field, where.offset);
        return;
    }
    sp_judge(ctx->policy, tbs.data, tbs.len, &opts, v);
    if (v->decode_failed || v->kind == SP_KIND_OTHER) {
        /* The provider refuses such bytes too; for the command a file that
         * is not a strictly DER-encoded certificate is an input error. */
        if (v->decode_failed)
            input_error(ctx, file, index,
                        "malformed DER: %s in %s at offset %zu of the TBS",
                        sp_der_strerror(v->decode_error.err),
                        v->decode_error.field ? v->decode_error.field : "?",
                        v->decode_error.offset);
        else
            input_error(ctx, file, index, "neither a certificate nor a CRL");
        return;
    }
    /* RFC 5280 4.1.1.2: the outer algorithm repeats the inner one. The
     * provider never sees the outer one; for an existing certificate a
     * mismatch means the bytes were not signed as they are. */
    if (v->kind == SP_KIND_CERT
        && !sp_der_equal(&outer_alg, &v->tbs.cert.sig_alg)) {
        input_error(ctx, file, index,
                    "signatureAlgorithm differs from tbsCertificate.signature");
        return;
    }
    if (v->decision == SP_DECIDE_REFUSE)
        ctx->any_refused = 1;
    if (ctx->format == FORMAT_JSON) {
        print_json(ctx, file, index, v);
    } else {
        if (index > 0)
            snprintf(label, sizeof(label), "%s#%zu", file, index);
        else
            snprintf(label, sizeof(label), "%s", file);
        print_text(ctx, label, v);
    }
}

static int is_pem(const uint8_t *data, size_t len)
{
    static const char marker[] = "-----BEGIN ";
    size_t m = sizeof(marker) - 1;

    for (size_t i = 0; i + m <= len; i++) {
        if (memcmp(data + i, marker, m) == 0)
            return 1;
    }
    return 0;
}

static void check_pem(CHECK_CTX *ctx, const char *file, const uint8_t *data,
                      size_t len)
{
    BIO *bio = BIO_new_mem_buf(data, (int)len);
    size_t index = 0, blocks = 0;
    static const char marker[] = "-----BEGIN ";

    /* Number the certificates of a bundle ("file#2"); a file with one
     * block is named as it is. */
    for (size_t i = 0; i + sizeof(marker) - 1 <= len; i++) {
        if (memcmp(data + i, marker, sizeof(marker) - 1) == 0)
            blocks++;
    }

    if (bio == NULL) {
        input_error(ctx, file, 0, "out of memory");
        return;
    }
    for (;;) {
        char *name = NULL, *header = NULL;
        unsigned char *der = NULL;
        long der_len = 0;

        if (!PEM_read_bio(bio, &name, &header, &der, &der_len)) {
            unsigned long e = ERR_peek_last_error();

            /* The end of the data is the normal way out, once something
             * was read. */
            if (index > 0 && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                ERR_clear_error();
                break;
            }
            ERR_clear_error();
            input_error(ctx, file, index + 1, "%s",
                        index == 0 ? "no PEM certificate found"
                                   : "malformed PEM block");
            break;
        }
        index++;
        if (strcmp(name, PEM_STRING_X509) == 0
            || strcmp(name, PEM_STRING_X509_OLD) == 0
            || strcmp(name, PEM_STRING_X509_CRL) == 0)
            check_object(ctx, file, blocks > 1 ? index : 0, der,
                         (size_t)der_len);
        else
            input_error(ctx, file, blocks > 1 ? index : 0,
                        "PEM block \"%s\" is not a certificate or CRL", name);
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(der);
    }
    BIO_free(bio);
}

static uint8_t *read_all(FILE *in, size_t *len, int *err)
{
    size_t cap = 16384, n = 0;
    uint8_t *buf = malloc(cap);

    *err = 0;
    if (buf == NULL) {
        *err = ENOMEM;
        return NULL;
    }
    for (;;) {
        size_t got;

        if (n == cap) {
            uint8_t *bigger;

            if (cap >= MAX_INPUT_BYTES) {
                *err = EFBIG;
                goto fail;
            }
            bigger = realloc(buf, cap * 2);
            if (bigger == NULL) {
                *err = ENOMEM;
                goto fail;
            }
            buf = bigger;
            cap *= 2;
        }
        got = fread(buf + n, 1, cap - n, in);
        n += got;
        if (got == 0) {
            if (ferror(in)) {
                *err = errno ? errno : EIO;
                goto fail;
            }
            break;
        }
    }
    *len = n;
    return buf;

fail:
    free(buf);
    return NULL;
}

static void check_file(CHECK_CTX *ctx, const char *file)
{
    FILE *in = strcmp(file, "-") == 0 ? stdin : fopen(file, "rb");
    uint8_t *data = NULL;
    size_t len = 0;
    int err = 0;

    if (in == NULL) {
        input_error(ctx, file, 0, "%s", strerror(errno));
        return;
    }
    data = read_all(in, &len, &err);
    if (in != stdin)
        fclose(in);
    if (data == NULL) {
        input_error(ctx, file, 0, "%s",
                    err == EFBIG ? "file too large" : strerror(err));
        return;
    }
    if (len == 0)
        input_error(ctx, file, 0, "empty file");
    else if (is_pem(data, len))
        check_pem(ctx, file, data, len);
    else
        check_object(ctx, file, 0, data, len);
    free(data);
}

static int parse_at(const char *text, int64_t *at)
{
    if (strcmp(text, "notbefore") == 0) {
        *at = SP_AT_NOTBEFORE;
        return 1;
    }
    if (strcmp(text, "now") == 0) {
        *at = (int64_t)time(NULL);
        return 1;
    }
    return sp_time_from_text(text, at);
}

static int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"issuer", required_argument, NULL, 'i'},
        {"at", required_argument, NULL, 'a'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    CHECK_CTX *ctx = calloc(1, sizeof(*ctx));
    const char *policy_path = NULL;
    const char *issuer_paths[64];
    size_t n_issuers = 0;
    int opt, status = EXIT_USAGE;

    if (ctx == NULL) {
        fputs("smimepolicy: out of memory\n", stderr);
        return EXIT_USAGE;
    }
    ctx->at = SP_AT_NOTBEFORE;
    ctx->format = FORMAT_TEXT;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:i:a:f:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            policy_path = optarg;
            break;
        case 'i':
            if (n_issuers == sizeof(issuer_paths) / sizeof(issuer_paths[0])) {
                fputs("smimepolicy: too many --issuer options\n", stderr);
                goto done;
            }
            issuer_paths[n_issuers++] = optarg;
            break;
        case 'a':
            if (!parse_at(optarg, &ctx->at)) {
                fprintf(stderr, "smimepolicy: --at: cannot read time \"%s\"\n",
                        optarg);
                goto done;
            }
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                ctx->format = FORMAT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                ctx->format = FORMAT_JSON;
            } else {
                fprintf(stderr,
                        "smimepolicy: --format: \"%s\" is not text or json\n",
                        optarg);
                goto done;
            }
            break;
        case 'h':
            usage(stdout);
            status = EXIT_ACCEPTED;
            goto done;
        default:
            usage(stderr);
            goto done;
        }
    }
    if (optind >= argc) {
        fputs("smimepolicy: check: no certificate file given\n", stderr);
        usage(stderr);
        goto done;
    }
    ctx->policy = sp_cmd_load_policy(policy_path, issuer_paths, n_issuers,
                                     &ctx->forced_issuer);
    if (ctx->policy == NULL)
        goto done;
    for (int i = optind; i < argc; i++)
        check_file(ctx, argv[i]);
    fflush(stdout);
    status = ctx->any_input_error ? EXIT_USAGE
             : ctx->any_refused   ? EXIT_REFUSED
                                  : EXIT_ACCEPTED;

done:
    sp_policy_free(ctx->policy);
    free(ctx);
    return status;
}

/* ---------------------------------------------------------------- policy */

static int cmd_policy(int argc, char **argv)
{
    char err[SP_POLICY_ERR_MAX];
    SP_POLICY *pol;
    const uint8_t *digest;

    if (argc != 2) {
        fputs("usage: smimepolicy policy FILE\n", stderr);
        return EXIT_USAGE;
    }
    pol = sp_policy_load(argv[1], err, sizeof(err));
    if (pol == NULL) {
        fprintf(stderr, "smimepolicy: %s\n", err);
        return EXIT_USAGE;
    }
    digest = sp_policy_sha256(pol);
    printf("policy %s\nsha256 ", argv[1]);
    for (int i = 0; i < 32; i++)
        printf("%02x", digest[i]);
    putchar('\n');
    for (size_t i = 0; i < sp_policy_issuer_count(pol); i++)
        printf("issuer %s\n", sp_issuer_path(sp_policy_issuer(pol, i)));
    for (size_t i = 0; i < pol->n_profiles; i++) {
        const SP_PROFILE *p = &pol->profiles[i];

        printf("profile %s: %s-%s mode=%s max_validity=%ud exceptions=%zu\n",
               p->name, sp_type_name(p->type),
               sp_generation_name(p->generation),
               p->mode == SP_MODE_REPORT ? "report" : "enforce",
               p->max_validity_days, p->n_exceptions);
    }
    printf("crl %s, ocsp %s\n",
           pol->crl_mode == SP_CRL_REFUSE ? "refuse" : "allow",
           pol->ocsp_allowed ? "allow" : "refuse");
    for (size_t i = 0; i < pol->ca.n_subcas; i++) {
        const SP_SUBCA_ENTRY *e = &pol->ca.subcas[i];

        printf("subca %s: organization \"%s\" country %s external=%s "
               "affiliated=%s path_len=%d permitted_email=%s",
               e->name, e->organization, e->country[0] ? e->country : "any",
               e->external ? "yes" : "no", e->affiliated ? "yes" : "no",
               e->path_len, e->n_permitted_email ? "" : "none");
        for (size_t k = 0; k < e->n_permitted_email; k++)
            printf("%s%s", k ? "," : "", e->permitted_email[k]);
        putchar('\n');
    }
    if (pol->ca.enabled)
        printf("subca_name_constraints %s, cross_certificates %s (%zu "
               "roots), ocsp_responders %s (max %llds)\n",
               pol->ca.name_constraints == SP_NC_REQUIRE_ALL    ? "all"
               : pol->ca.name_constraints == SP_NC_REQUIRE_NONE ? "none"
                                                                : "external",
               pol->ca.cross_allowed ? "allow" : "refuse", pol->ca.n_roots,
               pol->ca.responders_allowed ? "allow" : "refuse",
               (long long)pol->ca.responder_max_secs);
    if (pol->ca.roots_allowed)
        printf("root_certificates allow, root_digital_signature %s, "
               "root_max_validity %lld%s\n",
               pol->ca.root_digital_signature ? "yes" : "no",
               (long long)pol->ca.root_max_secs,
               pol->ca.root_max_secs ? "s" : " (no maximum)");
    sp_policy_free(pol);
    return EXIT_ACCEPTED;
}

/* ---------------------------------------------------------------- rules */

static int cmd_rules(void)
{
    for (int i = 0; i < SP_RULE_COUNT; i++)
        printf("%-58s %-7s SBR %-28s %-12s %s\n", sp_rules[i].code,
               sp_severity_name(sp_rules[i].severity), sp_rules[i].section,
               sp_rules[i].ref, sp_rules[i].summary);
    return EXIT_ACCEPTED;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "policy") == 0)
        return cmd_policy(argc - 1, argv + 1);
    if (strcmp(argv[1], "audit") == 0)
        return sp_cmd_audit(argc - 1, argv + 1);
    if (strcmp(argv[1], "exceptions") == 0)
        return sp_cmd_exceptions(argc - 1, argv + 1);
    if (strcmp(argv[1], "rules") == 0 && argc == 2)
        return cmd_rules();
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return EXIT_ACCEPTED;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("smimepolicy %s\n", PACKAGE_VERSION);
        return EXIT_ACCEPTED;
    }
    fprintf(stderr, "smimepolicy: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return EXIT_USAGE;
}
