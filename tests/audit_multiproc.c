/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Many processes, one audit log: N processes (each with its own open of
 * the log, as separate `openssl` processes have) append M records each at
 * the same time. Afterwards the log must hold exactly N*M lines, each one
 * a complete JSON record, every (process, record) pair exactly once and
 * each process's records in the order it wrote them. One record in five
 * is made larger than a page so that atomicity is tested beyond PIPE_BUF.
 *
 * Also prints figures: records per second for one process and for N
 * processes, and the time the build of a record takes without the
 * write, lock and fdatasync.
 *
 *   audit_multiproc [processes [records [dir]]]     (defaults: 4 250 /tmp)
 *
 * With --check it only reads a log that others wrote (tests/audit-multiproc.sh
 * has real `openssl` processes write it): exactly EXPECTED lines, each one
 * complete JSON record with the fields every record has, no two with the
 * same TBS hash; it prints the number of records per decision.
 *
 *   audit_multiproc --check LOG EXPECTED
 */
#define _GNU_SOURCE /* mkdtemp under -std=c11 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "audit_json.h"
#include "testutil.h"

#define MAX_PROCS 64

static const unsigned char policy_hash[32] = {1, 2, 3};

static double now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The template certificate as a refused verdict with one finding; `big`
 * fills every finding slot so the record exceeds 8 KiB. */
static void make_verdict(SP_VERDICT *v, const uint8_t *tbs, size_t len, int big)
{
    SP_DECODE_ERROR where;

    memset(v, 0, sizeof(*v));
    if (sp_tbs_cert_decode(tbs, len, &v->tbs.cert, &where) != SP_DER_OK) {
        fprintf(stderr, "audit_multiproc: template TBS does not decode\n");
        exit(1);
    }
    v->kind = SP_KIND_CERT;
    v->decision = SP_DECIDE_REFUSE;
    v->type = SP_TYPE_MAILBOX;
    v->generation = SP_GEN_STRICT;
    v->profile = "mailbox_strict";
    v->n_errors = 1;
    v->findings.n = big ? SP_MAX_FINDINGS : 1;
    for (size_t i = 0; i < v->findings.n; i++) {
        v->findings.f[i].severity = SP_SEV_ERROR;
        memset(v->findings.f[i].detail, 'x', big ? 150 : 20);
    }
}

static int child(const char *path, int id, int records, const uint8_t *tbs,
                 size_t tbs_len)
{
    static SP_VERDICT small, big;
    char err[512], key[32];
    SPPROV_AUDIT *a = spprov_audit_open(path, 0, err, sizeof(err));
    int failures = 0;

    if (a == NULL) {
        fprintf(stderr, "process %d: %s\n", id, err);
        return 1;
    }
    make_verdict(&small, tbs, tbs_len, 0);
    make_verdict(&big, tbs, tbs_len, 1);
    for (int r = 0; r < records; r++) {
        snprintf(key, sizeof(key), "p%d-r%d", id, r);
        if (!spprov_audit_record(a, "refused", r % 5 == 4 ? &big : &small, tbs,
                                 tbs_len, policy_hash, key)) {
            fprintf(stderr, "process %d: %s\n", id, spprov_audit_last_error());
            failures++;
        }
    }
    spprov_audit_close(a);
    return failures == 0 ? 0 : 1;
}

/* Run `procs` writers at once; returns the elapsed seconds or -1. */
static double run_writers(const char *path, int procs, int records,
                          const uint8_t *tbs, size_t tbs_len, pid_t *pids)
{
    double start = now_seconds();
    int failed = 0;

    for (int p = 0; p < procs; p++) {
        pids[p] = fork();
        if (pids[p] < 0) {
            perror("fork");
            return -1;
        }
        if (pids[p] == 0)
            _exit(child(path, p, records, tbs, tbs_len));
    }
    for (int p = 0; p < procs; p++) {
        int status;

        if (waitpid(pids[p], &status, 0) != pids[p] || !WIFEXITED(status)
            || WEXITSTATUS(status) != 0)
            failed = 1;
    }
    return failed ? -1 : now_seconds() - start;
}

/* Check the log: returns the number of problems found. */
static int verify(const char *path, int procs, int records, const pid_t *pids,
                  size_t *bytes)
{
    FILE *f = fopen(path, "rb");
    int *next = calloc((size_t)procs, sizeof(int));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long lines = 0, problems = 0;

    *bytes = 0;
    if (f == NULL || next == NULL) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        free(next);
        if (f != NULL)
            fclose(f);
        return 1;
    }
    while ((n = getline(&line, &cap, f)) > 0) {
        AJ_NODE rec;
        const AJ_NODE *pid;
        const char *key;
        int p, r;

        lines++;
        *bytes += (size_t)n;
        if (!aj_parse_line(line, (size_t)n, &rec)) {
            if (problems++ < 5)
                fprintf(stderr, "line %ld is not one JSON record: %.80s\n",
                        lines, line);
            continue;
        }
        key = aj_str(&rec, "key_id");
        pid = aj_get(&rec, "pid");
        if (key == NULL || sscanf(key, "p%d-r%d", &p, &r) != 2 || p < 0
            || p >= procs || pid == NULL || pid->num != (double)pids[p]) {
            if (problems++ < 5)
                fprintf(stderr, "line %ld: unexpected key or pid\n", lines);
        } else if (r != next[p]) {
            if (problems++ < 5)
                fprintf(stderr, "line %ld: process %d record %d, expected %d\n",
                        lines, p, r, next[p]);
            next[p] = r + 1;
        } else {
            next[p]++;
        }
        aj_free(&rec);
    }
    for (int p = 0; p < procs; p++) {
        if (next[p] != records) {
            fprintf(stderr, "process %d: last record %d of %d\n", p, next[p],
                    records);
            problems++;
        }
    }
    if (lines != (long)procs * records) {
        fprintf(stderr, "%ld lines, expected %ld\n", lines,
                (long)procs * records);
        problems++;
    }
    free(line);
    free(next);
    fclose(f);
    return problems > 0;
}

/* --check: see the head of this file. */
static int check_log(const char *path, long expected)
{
    static const char *const required[] = {
        "time",          "decision", "kind", "tbs_sha256",
        "policy_sha256", "key_id",   "pid"};
    FILE *f = fopen(path, "rb");
    char *line = NULL, **hashes = NULL;
    char decisions[8][32] = {{0}};
    long counts[8] = {0};
    size_t cap = 0, n_hashes = 0;
    long lines = 0, problems = 0;
    ssize_t n;
    int oom;

    if (f == NULL) {
        fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
        return 1;
    }
    hashes = calloc((size_t)expected + 1, sizeof(*hashes));
    oom = hashes == NULL;
    while (hashes != NULL && (n = getline(&line, &cap, f)) > 0) {
        AJ_NODE rec;
        const char *d, *h;
        size_t i;

        lines++;
        if (!aj_parse_line(line, (size_t)n, &rec)) {
            if (problems++ < 5)
                fprintf(stderr, "line %ld is not one JSON record: %.100s\n",
                        lines, line);
            continue;
        }
        for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
            if (aj_get(&rec, required[i]) == NULL) {
                if (problems++ < 5)
                    fprintf(stderr, "line %ld has no %s\n", lines, required[i]);
            }
        }
        d = aj_str(&rec, "decision");
        for (i = 0; d != NULL && i < 8; i++) {
            if (decisions[i][0] == '\0')
                snprintf(decisions[i], sizeof(decisions[i]), "%s", d);
            if (strcmp(decisions[i], d) == 0) {
                counts[i]++;
                break;
            }
        }
        h = aj_str(&rec, "tbs_sha256");
        for (i = 0; h != NULL && i < n_hashes; i++) {
            if (strcmp(hashes[i], h) == 0) {
                if (problems++ < 5)
                    fprintf(stderr, "line %ld: TBS %s recorded twice\n", lines,
                            h);
                break;
            }
        }
        if (h != NULL && i == n_hashes && n_hashes < (size_t)expected)
            hashes[n_hashes++] = strdup(h);
        aj_free(&rec);
    }
    if (lines != expected) {
        fprintf(stderr, "%s: %ld lines, expected %ld\n", path, lines, expected);
        problems++;
    }
    for (int i = 0; i < 8 && decisions[i][0] != '\0'; i++)
        printf("%s%s=%ld", i > 0 ? " " : "", decisions[i], counts[i]);
    printf("\n");
    for (size_t i = 0; i < n_hashes; i++)
        free(hashes[i]);
    free(hashes);
    free(line);
    fclose(f);
    return problems > 0 || oom;
}

static int run_writers_test(int argc, char **argv)
{
    int procs = argc > 1 ? atoi(argv[1]) : 4;
    int records = argc > 2 ? atoi(argv[2]) : 250;
    const char *base = argc > 3 ? argv[3] : "/tmp";
    const TU_CA *ca = tu_issuing_ca("p256");
    X509 *cert = tu_cert_new(SP_TYPE_MAILBOX, SP_GEN_STRICT, "p256", ca);
    static SP_VERDICT v;
    pid_t pids[MAX_PROCS];
    char dir[256], path[300], cmd[300];
    double t1, tn, tf;
    size_t tbs_len, bytes, len;
    uint8_t *tbs;
    int rc = 1;

    if (procs < 1 || procs > MAX_PROCS || records < 1) {
        fprintf(stderr, "usage: %s [processes (1-%d) [records [dir]]]\n",
                argv[0], MAX_PROCS);
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/sp-audit-mp-XXXXXX", base);
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    tbs = tu_cert_tbs(cert, ca, NULL, &tbs_len);

    /* One process: the baseline rate. */
    snprintf(path, sizeof(path), "%s/one.log", dir);
    t1 = run_writers(path, 1, records, tbs, tbs_len, pids);
    if (t1 < 0 || verify(path, 1, records, pids, &bytes)) {
        fprintf(stderr, "FAIL: one process\n");
        goto done;
    }

    /* N processes at once into one file. */
    snprintf(path, sizeof(path), "%s/many.log", dir);
    tn = run_writers(path, procs, records, tbs, tbs_len, pids);
    if (tn < 0 || verify(path, procs, records, pids, &bytes)) {
        fprintf(stderr, "FAIL: %d processes\n", procs);
        goto done;
    }

    /* Building the record alone (no write, lock or fdatasync). */
    make_verdict(&v, tbs, tbs_len, 0);
    tf = now_seconds();
    for (int i = 0; i < records; i++) {
        struct timespec ts = {0, 0};
        char *line = spprov_audit_format(NULL, "refused", &v, tbs, tbs_len,
                                         policy_hash, "k", NULL, &ts, 1, &len);

        if (line == NULL) {
            fprintf(stderr, "FAIL: spprov_audit_format\n");
            goto done;
        }
        OPENSSL_free(line);
    }
    tf = now_seconds() - tf;

    printf("audit log in %s: %d x %d records, %zu bytes, complete and "
           "not interleaved\n",
           base, procs, records, bytes);
    printf("  1 process:   %8.0f records/s (%.1f us per record)\n",
           records / t1, 1e6 * t1 / records);
    printf("  %d processes: %8.0f records/s in total\n", procs,
           (double)procs * records / tn);
    printf("  building a record alone: %.1f us; write+lock+fdatasync: "
           "%.1f us\n",
           1e6 * tf / records, 1e6 * (t1 - tf) / records);
    rc = 0;
done:
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    OPENSSL_free(tbs);
    X509_free(cert);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--check") == 0)
        return check_log(argv[2], atol(argv[3]));
    return run_writers_test(argc, argv);
}
