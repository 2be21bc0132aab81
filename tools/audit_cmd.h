/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `smimepolicy audit` and `smimepolicy exceptions`: the SBR self-audit of
 * what a CA issued, the summary of a provider audit log and the list of a
 * policy's exceptions.
 *
 * audit_input.c   the fast input path: one read() per file into a reused
 *                 buffer, a strict PEM/base64 decoder working in place,
 *                 the `openssl ca` index.txt line parser, the sampler
 * audit.c         the scan: population, sample, judging, counters
 * audit_report.c  the report as text, JSON or HTML
 * audit_log.c     `audit --log` and `exceptions`
 *
 * Memory does not grow with the number of certificates: the scan keeps
 * counters and writes each reported certificate as it goes into a
 * temporary file that the report copies at the end.
 */
#ifndef SMIMEPOLICY_AUDIT_CMD_H
#define SMIMEPOLICY_AUDIT_CMD_H

#include <stdint.h>
#include <stdio.h>

#include "engine.h"

#define SP_EXIT_OK 0
#define SP_EXIT_NONCOMPLIANT 1
#define SP_EXIT_USAGE 2

/* ------------------------------------------------------------ input */

/* A buffer reused for every file read; it grows to the largest file and
 * never shrinks, so a scan allocates only when a larger file comes. */
typedef struct sp_readbuf_st {
    uint8_t *data;
    size_t cap;
} SP_READBUF;

/* Largest file read: far above any certificate bundle, low enough that a
 * wrong path (a disk image) fails fast. */
#define SP_AUDIT_MAX_FILE (64u * 1024u * 1024u)

/* Read the whole file into rb. 1 on success with its length in *len; 0
 * with the reason (the system error, "empty file", "file too large") in
 * err. */
int sp_read_file(SP_READBUF *rb, const char *path, size_t *len, char *err,
                 size_t errlen);
/* The same for a path relative to the directory dirfd (AT_FDCWD: the
 * current one); saves resolving the directory for every file. */
int sp_read_file_at(SP_READBUF *rb, int dirfd, const char *path, size_t *len,
                    char *err, size_t errlen);
void sp_readbuf_free(SP_READBUF *rb);

/* Offset of the first line starting with "-----BEGIN " at or after pos,
 * or len when there is none. */
size_t sp_pem_find_begin(const uint8_t *buf, size_t len, size_t pos);
/* Whether data holds PEM (a "-----BEGIN " line) rather than DER. */
int sp_pem_present(const uint8_t *data, size_t len);

/* One PEM block, decoded in place: der points into the buffer given to
 * sp_pem_next, which overwrites the block's base64 text with its bytes. */
typedef struct sp_pem_block_st {
    const char *label; /* e.g. "CERTIFICATE", not NUL-terminated */
    size_t label_len;
    const uint8_t *der;
    size_t der_len;
} SP_PEM_BLOCK;

/* The next PEM block of buf at or after *pos: 1 with *out filled and *pos
 * after its END line, 0 when no BEGIN line remains, -1 on a malformed
 * block with the reason in err. Text outside blocks is skipped (as
 * `openssl x509 -text` writes it). Strict inside a block: no headers, only
 * base64 characters, line breaks, spaces and tabs; padding only at the
 * end; no nonzero bits after the last byte; an END line with the BEGIN
 * line's label. */
int sp_pem_next(uint8_t *buf, size_t len, size_t *pos, SP_PEM_BLOCK *out,
                char *err, size_t errlen);

/* One line of an `openssl ca` database (index.txt): six tab-separated
 * fields. Fields point into the line, which the parser splits in place. */
typedef struct sp_index_entry_st {
    char status;            /* 'V' valid, 'R' revoked, 'E' expired */
    const char *expiry;     /* YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ */
    const char *revocation; /* "" unless revoked: date[,reason] */
    const char *serial;     /* upper-case hex, the newcerts file name */
    const char *filename;   /* "unknown" as `openssl ca` writes it */
    const char *subject;    /* X509_NAME_oneline form */
} SP_INDEX_ENTRY;

/* Parse one line (without its newline). 1 when well formed, else 0 with
 * the reason in err. */
int sp_index_parse_line(char *line, SP_INDEX_ENTRY *e, char *err,
                        size_t errlen);

/* Sample size for a --sample argument: "N%" (decimals allowed, up to three
 * places) is the greater of 1 and ceil(N% of the population), computed in
 * integers; "N" is N certificates (at most the population). An empty
 * population gives 0. 1 on success, 0 when spec is not a size. */
int sp_sample_size(const char *spec, uint64_t population, uint64_t *size);

/* Selection sampling (Knuth, TAOCP vol. 2, 3.4.2, algorithm S): walks the
 * population once in a fixed order and picks exactly `sample` items, each
 * subset equally likely, keeping only four counters. The generator is
 * splitmix64 from the seed, so a seed and a population order give the
 * same sample on every machine. */
typedef struct sp_sampler_st {
    uint64_t state;
    uint64_t population;
    uint64_t sample;
    uint64_t seen;
    uint64_t selected;
} SP_SAMPLER;

void sp_sampler_init(SP_SAMPLER *s, uint64_t seed, uint64_t population,
                     uint64_t sample);
/* Whether the next item of the population is in the sample. */
int sp_sampler_next(SP_SAMPLER *s);

/* ------------------------------------------------------------ report */

typedef enum {
    SP_AUDIT_TEXT = 0,
    SP_AUDIT_JSON = 1,
    SP_AUDIT_HTML = 2,
} sp_audit_format;

/* Profile slots for the totals: type (0..4) x generation (0..3). */
#define SP_AUDIT_PROFILES (5 * 4)

/* Decisions counted per profile. */
enum {
    SP_AUDIT_ACCEPT = 0,
    SP_AUDIT_REFUSE = 1,
    SP_AUDIT_WOULD_REFUSE = 2,
    SP_AUDIT_DECISIONS = 3,
};

/* A policy exception and how often the scan saw it waive a finding. */
typedef struct sp_audit_exception_st {
    const SP_EXCEPTION *exc;
    const char *profile; /* the profile section that lists it */
    uint64_t used;
} SP_AUDIT_EXCEPTION;

typedef struct sp_audit_st {
    /* options */
    sp_audit_format format;
    const char *output_path; /* NULL: standard output */
    const char *db_path;     /* --db, or NULL for file arguments */
    const char *certs_dir;   /* --certs */
    const char *sample_spec; /* --sample, or NULL for a full scan */
    uint64_t seed;
    int64_t from, to; /* notBefore period; INT64_MIN/INT64_MAX: open */
    int has_from, has_to;
    int64_t now; /* reference time for exception expiry */
    unsigned warn_days;
    int list_all; /* report every certificate, not only non-compliant */
    int progress; /* progress bar on standard error */

    SP_POLICY *policy;
    const SP_ISSUER *forced_issuer;

    /* the scan */
    uint64_t population; /* certificates eligible (in the period) */
    uint64_t sample_size;
    uint64_t judged;
    uint64_t counts[SP_AUDIT_PROFILES][SP_AUDIT_DECISIONS];
    uint64_t finding_counts[SP_RULE_COUNT]; /* certificates with the code */
    uint64_t input_errors;
    uint64_t sub_cas, sub_cas_unconstrained;
    uint64_t outside_period;
    SP_AUDIT_EXCEPTION *exceptions;
    size_t n_exceptions;

    /* per-certificate parts, written as they come, copied at the end */
    FILE *out;
    FILE *part_certs;
    FILE *part_errors;
    FILE *part_subcas;
    uint64_t n_listed, n_error_lines, n_subca_lines;

    SP_READBUF rb;
    SP_VERDICT verdict; /* large: kept here, not on the stack */
} SP_AUDIT;

/* Technical constraint of a CA certificate (SBR 7.1.5), from the decoded
 * view. Returns 1 when constrained; else 0 with what is missing in why. */
int sp_audit_ca_constrained(const SP_TBS_CERT *cert, char *why, size_t len);
/* Whether the certificate asserts cA TRUE in basicConstraints. */
int sp_audit_is_ca(const SP_TBS_CERT *cert);

/* Write one judged certificate (listed when non-compliant or list_all),
 * an input error, a sub-CA into the parts. */
void sp_audit_report_cert(SP_AUDIT *a, const char *file, size_t index,
                          const SP_VERDICT *v);
void sp_audit_report_input_error(SP_AUDIT *a, const char *file, size_t index,
                                 const char *msg);
void sp_audit_report_subca(SP_AUDIT *a, const char *file, size_t index,
                           const SP_VERDICT *v, int constrained,
                           const char *why);
/* Write the whole report to a->out. 1 on success. */
int sp_audit_report_finish(SP_AUDIT *a);

/* Shared writers. */
void sp_html_text(FILE *out, const char *s);

/* ------------------------------------------------------------ commands */

int sp_cmd_audit(int argc, char **argv);
int sp_cmd_audit_log(const char *path, sp_audit_format format, FILE *out);
int sp_cmd_exceptions(int argc, char **argv);

#endif
