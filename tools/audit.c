/* SPDX-License-Identifier: Apache-2.0 */
/*
 * smimepolicy audit: the SBR self-audit of issued certificates.
 *
 *   smimepolicy audit [--policy FILE] [--issuer CERT]...
 *                     (--db INDEX --certs DIR | FILE...)
 *                     [--sample N|P%] [--seed N] [--from TIME] [--to TIME]
 *                     [--format text|json|html] [--output FILE]
 *                     [--warn-days N] [--all] [--progress|--no-progress]
 *   smimepolicy audit --log FILE [--format text|json] [--output FILE]
 *
 * Each certificate is judged exactly as `smimepolicy check` judges it
 * (sp_judge, as issued at its notBefore), so the two never disagree.
 *
 * The population is the index.txt entries in their order (or the
 * certificates of the file arguments, files sorted by name, certificates
 * in file order), limited to notBefore in [--from, --to). A sample is
 * drawn by selection sampling over that order after a first pass has
 * counted the population, so it depends on the seed and the database only,
 * never on the order of files on disk, and needs no list of certificates
 * in memory.
 *
 * Errors: a malformed index.txt line stops the audit before anything is
 * judged (the population would be unknown). A certificate that cannot be
 * read or decoded (a missing file, truncated PEM, bad DER, a serial that
 * differs from the index) is an input error: named with its file on
 * standard error and in the report, counted, and the scan goes on; the
 * exit status is then 2.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit_cmd.h"
#include "cmd_common.h"
#include "oids.h"
#include "policy_int.h"

#define MAX_ISSUERS 64

/* Where a certificate came from, for the messages and the serial check. */
typedef struct audit_item_st {
    const char *file;
    size_t index;             /* position in a bundle, 0 for a single one */
    const char *index_serial; /* the index.txt serial, or NULL */
} AUDIT_ITEM;

/* One pass over the population. */
typedef struct audit_pass_st {
    int counting;      /* pass 1: count the eligible certificates */
    int report_errors; /* input errors are reported in this pass */
    SP_SAMPLER sampler;
    int sampling;
    uint64_t done; /* for the progress bar */
    uint64_t total;
    struct timespec last_draw;
} AUDIT_PASS;

static SP_TBS_CERT scratch_tbs; /* notBefore of pass 1; large, not on stack */
static char path_buf[4096];

static void audit_usage(FILE *out)
{
    fputs("usage: smimepolicy audit [--policy FILE] [--issuer CERT]...\n"
          "                         (--db INDEX --certs DIR | FILE...)\n"
          "                         [--sample N|P%] [--seed N] "
          "[--from TIME] [--to TIME]\n"
          "                         [--format text|json|html] "
          "[--output FILE]\n"
          "                         [--warn-days N] [--all] "
          "[--progress|--no-progress]\n"
          "       smimepolicy audit --log FILE [--format text|json] "
          "[--output FILE]\n",
          out);
}

static void input_error(SP_AUDIT *a, const AUDIT_ITEM *it, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void input_error(SP_AUDIT *a, const AUDIT_ITEM *it, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    a->input_errors++;
    if (it->index > 0)
        fprintf(stderr, "\rsmimepolicy: %s (#%zu): %s\n", it->file, it->index,
                msg);
    else
        fprintf(stderr, "\rsmimepolicy: %s: %s\n", it->file, msg);
    sp_audit_report_input_error(a, it->file, it->index, msg);
}

/* ------------------------------------------------------------ sub-CAs */

static const uint8_t oid_basic_constraints[] = {0x55, 0x1d, 0x13};
static const uint8_t oid_name_constraints[] = {0x55, 0x1d, 0x1e};
static const uint8_t oid_any_eku[] = {0x55, 0x1d, 0x25, 0x00};

int sp_audit_is_ca(const SP_TBS_CERT *cert)
{
    const SP_EXTENSION *bc = sp_tbs_find_ext(cert, oid_basic_constraints,
                                             sizeof(oid_basic_constraints));
    SP_DER cur, seq;
    int ca = 0;

    if (bc == NULL)
        return 0;
    cur = bc->value;
    if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) != SP_DER_OK)
        return 0;
    if (sp_der_peek_tag(&seq) == SP_TAG_BOOLEAN
        && sp_der_get_bool(&seq, &ca) != SP_DER_OK)
        return 0;
    return ca;
}

int sp_audit_ca_constrained(const SP_TBS_CERT *cert, char *why, size_t len)
{
    const SP_EXTENSION *eku =
        sp_tbs_find_ext(cert, sp_oid_eku, sizeof(sp_oid_eku));
    const SP_EXTENSION *nc = sp_tbs_find_ext(cert, oid_name_constraints,
                                             sizeof(oid_name_constraints));
    int email = 0, any = 0, rfc822 = 0, dirname = 0, present = 0;
    SP_DER cur, seq, permitted, subtree;

    why[0] = '\0';
    if (eku != NULL) {
        cur = eku->value;
        if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) == SP_DER_OK) {
            while (!sp_der_empty(&seq)) {
                SP_DER oid;

                if (sp_der_get_oid(&seq, &oid) != SP_DER_OK)
                    break;
                if (sp_der_equal_bytes(&oid, sp_oid_kp_email,
                                       sizeof(sp_oid_kp_email)))
                    email = 1;
                if (sp_der_equal_bytes(&oid, oid_any_eku, sizeof(oid_any_eku)))
                    any = 1;
            }
        }
    }
    if (nc != NULL) {
        cur = nc->value;
        if (sp_der_get(&cur, SP_TAG_SEQUENCE, &seq) == SP_DER_OK
            && sp_der_get_optional(&seq, SP_TAG_CTX_CONS(0), &permitted,
                                   &present)
                   == SP_DER_OK
            && present) {
            while (!sp_der_empty(&permitted)) {
                if (sp_der_get(&permitted, SP_TAG_SEQUENCE, &subtree)
                    != SP_DER_OK)
                    break;
                switch (sp_der_peek_tag(&subtree)) {
                case SP_TAG_CTX(1): /* rfc822Name */
                    rfc822 = 1;
                    break;
                case SP_TAG_CTX_CONS(4): /* directoryName */
                    dirname = 1;
                    break;
                default:
                    break;
                }
            }
        }
    }
    if (eku == NULL)
        snprintf(why, len, "no extendedKeyUsage");
    else if (any)
        snprintf(why, len, "extendedKeyUsage has anyExtendedKeyUsage");
    else if (!email)
        snprintf(why, len, "extendedKeyUsage lacks emailProtection");
    else if (nc == NULL)
        snprintf(why, len, "no nameConstraints");
    else if (!rfc822 && !dirname)
        snprintf(why, len,
                 "nameConstraints permit no rfc822Name and no directoryName "
                 "subtree");
    else if (!rfc822)
        snprintf(why, len, "nameConstraints permit no rfc822Name subtree");
    else if (!dirname)
        snprintf(why, len, "nameConstraints permit no directoryName subtree");
    else
        return 1;
    return 0;
}

/* ------------------------------------------------------------ progress */

static void progress(SP_AUDIT *a, AUDIT_PASS *pass, int final)
{
    struct timespec now;
    int width = 40, filled;
    double frac;

    if (!a->progress || pass->counting)
        return;
    if (!final && (pass->done & 255) != 0)
        return;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (!final
        && (now.tv_sec - pass->last_draw.tv_sec) * 1000000000L
                   + (now.tv_nsec - pass->last_draw.tv_nsec)
               < 100000000L)
        return;
    pass->last_draw = now;
    frac = pass->total ? (double)pass->done / (double)pass->total : 1.0;
    if (frac > 1.0)
        frac = 1.0;
    filled = (int)(frac * width);
    fputs("\r[", stderr);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '#' : ' ', stderr);
    fprintf(stderr, "] %3d%% %llu/%llu", (int)(frac * 100),
            (unsigned long long)pass->done, (unsigned long long)pass->total);
    if (final)
        fputc('\n', stderr);
    fflush(stderr);
}

/* ------------------------------------------------------------ judging */

/* Serial of the TBS as upper-case hex without leading zero octets, as
 * `openssl ca` names the newcerts file. */
static void serial_hex(const SP_DER *serial, char *buf, size_t len)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i = 0, o = 0;

    while (i + 1 < serial->len && serial->data[i] == 0)
        i++;
    for (; i < serial->len && o + 3 <= len; i++) {
        buf[o++] = digits[serial->data[i] >> 4];
        buf[o++] = digits[serial->data[i] & 15];
    }
    buf[o] = '\0';
}

static void count_exceptions(SP_AUDIT *a, const SP_VERDICT *v)
{
    for (size_t i = 0; i < v->findings.n; i++) {
        const SP_FINDING *f = &v->findings.f[i];

        a->finding_counts[f->rule]++;
        if (f->waived_by == NULL)
            continue;
        for (size_t j = 0; j < a->n_exceptions; j++) {
            if (a->exceptions[j].exc == f->waived_by) {
                a->exceptions[j].used++;
                break;
            }
        }
    }
}

/* Judge one Certificate, as check_object of `smimepolicy check` does. */
static void judge(SP_AUDIT *a, const AUDIT_ITEM *it, const uint8_t *der,
                  size_t len)
{
    SP_DER tbs, outer_alg;
    SP_DECODE_ERROR where;
    SP_JUDGE_OPTS opts = {SP_AT_NOTBEFORE, a->forced_issuer, 0};
    SP_VERDICT *v = &a->verdict;
    sp_der_err rc;
    int slot, dec;

    rc = sp_cert_split(der, len, &tbs, &outer_alg, &where);
    if (rc != SP_DER_OK) {
        input_error(a, it, "not a DER certificate: %s in %s at offset %zu",
                    sp_der_strerror(rc), where.field, where.offset);
        return;
    }
    sp_judge(a->policy, tbs.data, tbs.len, &opts, v);
    if (v->decode_failed) {
        input_error(a, it, "malformed DER: %s in %s at offset %zu of the TBS",
                    sp_der_strerror(v->decode_error.err),
                    v->decode_error.field ? v->decode_error.field : "?",
                    v->decode_error.offset);
        return;
    }
    if (v->kind != SP_KIND_CERT) {
        input_error(a, it, "a %s, not a certificate", sp_kind_name(v->kind));
        return;
    }
    if (!sp_der_equal(&outer_alg, &v->tbs.cert.sig_alg)) {
        input_error(a, it,
                    "signatureAlgorithm differs from tbsCertificate.signature");
        return;
    }
    if (it->index_serial != NULL) {
        char hex[2 * 64 + 2];

        serial_hex(&v->tbs.cert.serial, hex, sizeof(hex));
        if (strcmp(hex, it->index_serial) != 0) {
            input_error(a, it, "serial %s differs from the index entry %s", hex,
                        it->index_serial);
            return;
        }
    }
    a->judged++;
    slot = (int)v->type * 4 + (int)v->generation;
    dec = v->decision == SP_DECIDE_ACCEPT   ? SP_AUDIT_ACCEPT
          : v->decision == SP_DECIDE_REFUSE ? SP_AUDIT_REFUSE
                                            : SP_AUDIT_WOULD_REFUSE;
    if (slot >= 0 && slot < SP_AUDIT_PROFILES)
        a->counts[slot][dec]++;
    count_exceptions(a, v);
    sp_audit_report_cert(a, it->file, it->index, v);
    if (sp_audit_is_ca(&v->tbs.cert)) {
        char why[160];
        int constrained =
            sp_audit_ca_constrained(&v->tbs.cert, why, sizeof(why));

        a->sub_cas++;
        if (!constrained)
            a->sub_cas_unconstrained++;
        sp_audit_report_subca(a, it->file, it->index, v, constrained, why);
    }
}

/* Whether a certificate's notBefore is in the period: 1 yes, 0 no, -1
 * when it cannot be decoded (then judge() would name the error). */
static int in_period(SP_AUDIT *a, const uint8_t *der, size_t len)
{
    SP_DER tbs, outer_alg;
    SP_DECODE_ERROR where;

    if (!a->has_from && !a->has_to)
        return 1;
    if (sp_cert_split(der, len, &tbs, &outer_alg, &where) != SP_DER_OK
        || sp_tbs_cert_decode(tbs.data, tbs.len, &scratch_tbs, &where)
               != SP_DER_OK)
        return -1;
    return scratch_tbs.not_before >= a->from && scratch_tbs.not_before < a->to;
}

/* One certificate of the population, in pass order: counted (pass 1) or
 * offered to the sampler and judged (pass 2). */
static void visit(SP_AUDIT *a, AUDIT_PASS *pass, const AUDIT_ITEM *it,
                  const uint8_t *der, size_t len)
{
    int eligible = in_period(a, der, len);

    if (eligible < 0) {
        /* Undecodable: in the population only when there is no period to
         * test; with a period, pass 1 reports it once. */
        if (a->has_from || a->has_to) {
            if (pass->counting)
                judge(a, it, der, len);
            return;
        }
        eligible = 1;
    }
    if (!eligible) {
        if (pass->counting)
            a->outside_period++;
        return;
    }
    if (pass->counting) {
        a->population++;
        return;
    }
    if (pass->sampling && !sp_sampler_next(&pass->sampler))
        return;
    judge(a, it, der, len);
    pass->done++;
    progress(a, pass, 0);
}

/* Every certificate of one file (PEM, possibly a bundle, or DER). */
static void visit_file(SP_AUDIT *a, AUDIT_PASS *pass, int dirfd,
                       const char *name, const char *file,
                       const char *index_serial)
{
    AUDIT_ITEM it = {file, 0, index_serial};
    char err[256];
    size_t len = 0, pos = 0, n = 0, blocks = 0;
    uint8_t *buf;

    if (!sp_read_file_at(&a->rb, dirfd, name, &len, err, sizeof(err))) {
        if (pass->report_errors)
            input_error(a, &it, "%s", err);
        return;
    }
    buf = a->rb.data;
    if (!sp_pem_present(buf, len)) {
        visit(a, pass, &it, buf, len);
        return;
    }
    /* Number the certificates of a bundle ("file#2") as `check` does; a
     * file with one block is named as it is. */
    for (size_t p = 0; (p = sp_pem_find_begin(buf, len, p)) < len; p++)
        blocks++;
    for (;;) {
        SP_PEM_BLOCK b;
        int rc = sp_pem_next(buf, len, &pos, &b, err, sizeof(err));

        if (rc == 0)
            break;
        it.index = blocks > 1 ? n + 1 : 0;
        if (rc < 0) {
            if (pass->report_errors)
                input_error(a, &it, "%s", err);
            break;
        }
        n++;
        if (!((b.label_len == 11 && memcmp(b.label, "CERTIFICATE", 11) == 0)
              || (b.label_len == 16
                  && memcmp(b.label, "X509 CERTIFICATE", 16) == 0))) {
            if (pass->report_errors)
                input_error(a, &it, "PEM block \"%.*s\" is not a certificate",
                            (int)b.label_len, b.label);
            continue;
        }
        if (index_serial != NULL && n > 1) {
            if (pass->report_errors)
                input_error(a, &it, "more than one certificate in the file");
            break;
        }
        visit(a, pass, &it, b.der, b.der_len);
    }
}

/* ------------------------------------------------------------ sources */

/* Walk index.txt in its order. Returns 0 when a line is malformed (named
 * with file:line on standard error): the audit then stops. */
static int walk_db(SP_AUDIT *a, AUDIT_PASS *pass)
{
    FILE *in = fopen(a->db_path, "r");
    char *line = NULL, *name;
    size_t cap = 0, lineno = 0, dirlen = strlen(a->certs_dir) + 1;
    ssize_t n;
    int ok = 0;
    /* files are opened relative to the directory: one lookup less each */
    int dirfd = open(a->certs_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (in == NULL) {
        fprintf(stderr, "smimepolicy: %s: %s\n", a->db_path, strerror(errno));
        goto end;
    }
    if (dirfd < 0) {
        fprintf(stderr, "smimepolicy: --certs %s: %s\n", a->certs_dir,
                strerror(errno));
        goto end;
    }
    while ((n = getline(&line, &cap, in)) != -1) {
        SP_INDEX_ENTRY e;
        char err[256];

        lineno++;
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        if (memchr(line, '\0', (size_t)n) != NULL) {
            fprintf(stderr, "smimepolicy: %s:%zu: NUL byte in the line\n",
                    a->db_path, lineno);
            goto end;
        }
        if (!sp_index_parse_line(line, &e, err, sizeof(err))) {
            fprintf(stderr, "smimepolicy: %s:%zu: %s\n", a->db_path, lineno,
                    err);
            goto end;
        }
        if (pass->counting && !a->has_from && !a->has_to) {
            /* the population is the index itself: no file read */
            a->population++;
            continue;
        }
        if (!pass->counting && pass->sampling && !a->has_from && !a->has_to
            && !sp_sampler_next(&pass->sampler))
            continue;
        if ((size_t)snprintf(path_buf, sizeof(path_buf), "%s/%s.pem",
                             a->certs_dir, e.serial)
            >= sizeof(path_buf)) {
            fprintf(stderr, "smimepolicy: %s:%zu: path too long\n", a->db_path,
                    lineno);
            goto end;
        }
        name = path_buf + dirlen;
        if (!a->has_from && !a->has_to) {
            /* already sampled above: judge it */
            AUDIT_PASS all = *pass;

            all.sampling = 0;
            visit_file(a, &all, dirfd, name, path_buf, e.serial);
            pass->done = all.done;
            pass->last_draw = all.last_draw;
        } else {
            visit_file(a, pass, dirfd, name, path_buf, e.serial);
        }
    }
    if (ferror(in)) {
        fprintf(stderr, "smimepolicy: %s: %s\n", a->db_path, strerror(errno));
        goto end;
    }
    ok = 1;
end:
    free(line);
    if (in != NULL)
        fclose(in);
    if (dirfd >= 0)
        close(dirfd);
    return ok;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static void walk_files(SP_AUDIT *a, AUDIT_PASS *pass, char **files,
                       size_t n_files)
{
    for (size_t i = 0; i < n_files; i++)
        visit_file(a, pass, AT_FDCWD, files[i], files[i], NULL);
}

/* ------------------------------------------------------------ command */

static int parse_u64(const char *text, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (*text < '0' || *text > '9')
        return 0;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    *out = v;
    return 1;
}

static int collect_exceptions(SP_AUDIT *a)
{
    size_t n = 0, k = 0;

    for (size_t i = 0; i < a->policy->n_profiles; i++)
        n += a->policy->profiles[i].n_exceptions;
    if (n == 0)
        return 1;
    a->exceptions = calloc(n, sizeof(*a->exceptions));
    if (a->exceptions == NULL)
        return 0;
    for (size_t i = 0; i < a->policy->n_profiles; i++) {
        const SP_PROFILE *p = &a->policy->profiles[i];

        for (size_t j = 0; j < p->n_exceptions; j++) {
            a->exceptions[k].exc = &p->exceptions[j];
            a->exceptions[k].profile = p->name;
            k++;
        }
    }
    a->n_exceptions = k;
    return 1;
}

int sp_cmd_audit(int argc, char **argv)
{
    enum {
        OPT_DB = 256,
        OPT_CERTS,
        OPT_SAMPLE,
        OPT_SEED,
        OPT_FROM,
        OPT_TO,
        OPT_WARN,
        OPT_ALL,
        OPT_PROGRESS,
        OPT_NO_PROGRESS,
        OPT_LOG,
    };
    static const struct option longopts[] = {
        {"policy", required_argument, NULL, 'p'},
        {"issuer", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, OPT_DB},
        {"certs", required_argument, NULL, OPT_CERTS},
        {"sample", required_argument, NULL, OPT_SAMPLE},
        {"seed", required_argument, NULL, OPT_SEED},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"warn-days", required_argument, NULL, OPT_WARN},
        {"all", no_argument, NULL, OPT_ALL},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"log", required_argument, NULL, OPT_LOG},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    SP_AUDIT *a = calloc(1, sizeof(*a));
    AUDIT_PASS pass;
    const char *policy_path = NULL, *log_path = NULL;
    const char *issuer_paths[MAX_ISSUERS];
    size_t n_issuers = 0, n_files = 0;
    char **files = NULL;
    int opt, status = SP_EXIT_USAGE, has_seed = 0, progress_opt = -1;
    uint64_t u;

    if (a == NULL) {
        fputs("smimepolicy: out of memory\n", stderr);
        return SP_EXIT_USAGE;
    }
    a->format = SP_AUDIT_TEXT;
    a->from = INT64_MIN;
    a->to = INT64_MAX;
    a->warn_days = 30;
    a->now = (int64_t)time(NULL);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "p:i:f:o:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            policy_path = optarg;
            break;
        case 'i':
            if (n_issuers == MAX_ISSUERS) {
                fputs("smimepolicy: too many --issuer options\n", stderr);
                goto end;
            }
            issuer_paths[n_issuers++] = optarg;
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0) {
                a->format = SP_AUDIT_TEXT;
            } else if (strcmp(optarg, "json") == 0) {
                a->format = SP_AUDIT_JSON;
            } else if (strcmp(optarg, "html") == 0) {
                a->format = SP_AUDIT_HTML;
            } else {
                fprintf(stderr,
                        "smimepolicy: --format: \"%s\" is not text, json or "
                        "html\n",
                        optarg);
                goto end;
            }
            break;
        case 'o':
            a->output_path = optarg;
            break;
        case OPT_DB:
            a->db_path = optarg;
            break;
        case OPT_CERTS:
            a->certs_dir = optarg;
            break;
        case OPT_SAMPLE:
            if (!sp_sample_size(optarg, 1000, &u)) {
                fprintf(stderr,
                        "smimepolicy: --sample: \"%s\" is neither a number "
                        "of certificates nor a percentage (0-100%%)\n",
                        optarg);
                goto end;
            }
            a->sample_spec = optarg;
            break;
        case OPT_SEED:
            if (!parse_u64(optarg, &a->seed)) {
                fprintf(stderr, "smimepolicy: --seed: \"%s\" is not a number\n",
                        optarg);
                goto end;
            }
            has_seed = 1;
            break;
        case OPT_FROM:
        case OPT_TO:
            if (!sp_time_from_text(optarg,
                                   opt == OPT_FROM ? &a->from : &a->to)) {
                fprintf(stderr, "smimepolicy: --%s: cannot read time \"%s\"\n",
                        opt == OPT_FROM ? "from" : "to", optarg);
                goto end;
            }
            if (opt == OPT_FROM)
                a->has_from = 1;
            else
                a->has_to = 1;
            break;
        case OPT_WARN:
            if (!parse_u64(optarg, &u) || u > 36500) {
                fprintf(stderr,
                        "smimepolicy: --warn-days: \"%s\" is not a number of "
                        "days\n",
                        optarg);
                goto end;
            }
            a->warn_days = (unsigned)u;
            break;
        case OPT_ALL:
            a->list_all = 1;
            break;
        case OPT_PROGRESS:
            progress_opt = 1;
            break;
        case OPT_NO_PROGRESS:
            progress_opt = 0;
            break;
        case OPT_LOG:
            log_path = optarg;
            break;
        case 'h':
            audit_usage(stdout);
            status = SP_EXIT_OK;
            goto end;
        default:
            audit_usage(stderr);
            goto end;
        }
    }
    if (a->output_path != NULL) {
        a->out = fopen(a->output_path, "w");
        if (a->out == NULL) {
            fprintf(stderr, "smimepolicy: --output %s: %s\n", a->output_path,
                    strerror(errno));
            goto end;
        }
    } else {
        a->out = stdout;
    }
    if (log_path != NULL) {
        if (a->db_path != NULL || optind < argc) {
            fputs("smimepolicy: audit --log takes no certificates\n", stderr);
            goto end;
        }
        status = sp_cmd_audit_log(log_path, a->format, a->out);
        goto end;
    }
    if ((a->db_path != NULL) == (optind < argc)) {
        fputs("smimepolicy: audit: give either --db INDEX --certs DIR or "
              "certificate files\n",
              stderr);
        audit_usage(stderr);
        goto end;
    }
    if (a->db_path != NULL && a->certs_dir == NULL) {
        fputs("smimepolicy: audit: --db needs --certs DIR (the new_certs_dir "
              "of openssl ca)\n",
              stderr);
        goto end;
    }
    if (a->has_from && a->has_to && a->from >= a->to) {
        fputs("smimepolicy: audit: --from must be before --to\n", stderr);
        goto end;
    }
    if (a->sample_spec != NULL && !has_seed) {
        /* Reproducible after the fact: the report names the seed. */
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        a->seed = (uint64_t)ts.tv_sec * 1000000007u ^ (uint64_t)ts.tv_nsec
                  ^ ((uint64_t)getpid() << 32);
    }
    a->progress = progress_opt >= 0 ? progress_opt : isatty(STDERR_FILENO);
    a->policy = sp_cmd_load_policy(policy_path, issuer_paths, n_issuers,
                                   &a->forced_issuer);
    if (a->policy == NULL)
        goto end;
    if (!collect_exceptions(a)) {
        fputs("smimepolicy: out of memory\n", stderr);
        goto end;
    }
    a->part_certs = tmpfile();
    a->part_errors = tmpfile();
    a->part_subcas = tmpfile();
    if (a->part_certs == NULL || a->part_errors == NULL
        || a->part_subcas == NULL) {
        fprintf(stderr, "smimepolicy: temporary file: %s\n", strerror(errno));
        goto end;
    }
    if (optind < argc) {
        /* Files in name order: the sample must not depend on how the
         * shell or the file system listed them. */
        n_files = (size_t)(argc - optind);
        files = malloc(n_files * sizeof(*files));
        if (files == NULL) {
            fputs("smimepolicy: out of memory\n", stderr);
            goto end;
        }
        memcpy(files, argv + optind, n_files * sizeof(*files));
        qsort(files, n_files, sizeof(*files), cmp_str);
    }

    /* pass 1: the population */
    memset(&pass, 0, sizeof(pass));
    pass.counting = 1;
    pass.report_errors = a->has_from || a->has_to;
    if (files == NULL) {
        if (!walk_db(a, &pass))
            goto end;
    } else if (a->sample_spec != NULL || a->has_from || a->has_to) {
        pass.report_errors = 1;
        walk_files(a, &pass, files, n_files);
    }
    /* pass 2: the sample (or everything), judged */
    memset(&pass, 0, sizeof(pass));
    pass.report_errors =
        !(a->has_from || a->has_to) && !(files != NULL && a->sample_spec);
    if (a->sample_spec != NULL) {
        sp_sample_size(a->sample_spec, a->population, &a->sample_size);
        sp_sampler_init(&pass.sampler, a->seed, a->population, a->sample_size);
        pass.sampling = 1;
        pass.total = a->sample_size;
    } else {
        a->sample_size = a->population;
        pass.total = a->population;
    }
    if (files == NULL) {
        if (!walk_db(a, &pass))
            goto end;
    } else {
        walk_files(a, &pass, files, n_files);
        if (a->sample_spec == NULL && !a->has_from && !a->has_to)
            a->population = a->sample_size = a->judged + a->input_errors;
    }
    progress(a, &pass, 1);
    if (!sp_audit_report_finish(a)) {
        fprintf(stderr, "smimepolicy: cannot write the report: %s\n",
                strerror(errno));
        goto end;
    }
    {
        uint64_t bad = 0;

        for (int p = 0; p < SP_AUDIT_PROFILES; p++)
            bad += a->counts[p][SP_AUDIT_REFUSE]
                   + a->counts[p][SP_AUDIT_WOULD_REFUSE];
        status = a->input_errors ? SP_EXIT_USAGE
                 : bad           ? SP_EXIT_NONCOMPLIANT
                                 : SP_EXIT_OK;
    }

end:
    if (a->out != NULL && a->out != stdout && fclose(a->out) != 0) {
        fprintf(stderr, "smimepolicy: %s: %s\n", a->output_path,
                strerror(errno));
        status = SP_EXIT_USAGE;
    } else if (a->out == stdout && fflush(stdout) != 0) {
        status = SP_EXIT_USAGE;
    }
    if (a->part_certs != NULL)
        fclose(a->part_certs);
    if (a->part_errors != NULL)
        fclose(a->part_errors);
    if (a->part_subcas != NULL)
        fclose(a->part_subcas);
    sp_readbuf_free(&a->rb);
    sp_policy_free(a->policy);
    free(a->exceptions);
    free(files);
    free(a);
    return status;
}
