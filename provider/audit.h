/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The audit log: one JSON line per decision of the signature gate, written
 * and flushed to disk before the signature is released.
 *
 * Every record is built completely in memory (on the heap, so nothing is
 * ever truncated) and appended with a single write() on an O_APPEND
 * descriptor while an exclusive flock() is held, then fdatasync()ed. Many
 * processes and threads may append to one file; records never interleave.
 * A record that was not written in full is removed again and reported as a
 * failure, and the caller must then refuse to sign.
 *
 * When the file a process has open is removed (not renamed, as logrotate
 * does), the next record goes to a new file at the configured path,
 * preceded in the same write by an "audit-log-removed" note (time, pid,
 * reason): the earlier records of that process are not in the new file.
 * A write past RLIMIT_FSIZE fails with EFBIG; the SIGXFSZ it raises is
 * held back and taken, so it cannot kill the signing process.
 *
 * syslog is optional and best effort: syslog(3) cannot report a failure,
 * so the file is the authoritative record. Without a file, a successful
 * record call only means the message was handed to syslog.
 *
 * Field names of a record (absent fields are omitted or null):
 *   time            RFC 3339 UTC with microseconds, when the record was made
 *   decision        what the provider did: "signed", "would-refuse"
 *                   (report mode, signed), "refused", "sign-failed" (accepted
 *                   but the inner key produced no signature; reason says
 *                   why), "audit-log-removed" (a note, see below)
 *   verdict         the engine's decision ("accept", "refuse", ...)
 *   kind            "certificate", "crl", "ocsp" or "other"
 *   mode            "enforce" or "report"
 *   profile         "<type>-<generation>" from the reserved policy OID
 *   policy_profile  name of the policy file's profile judged against
 *   errors          number of error findings not waived
 *   findings        [{code, severity, section, detail, waived,
 *                     exception, owner, expired_exception}]
 *   findings_dropped findings beyond what the engine keeps
 *   subject, issuer RFC 4514 text of the Name (subject_der, issuer_der:
 *                   hex of the Name instead, should one not be renderable)
 *   serial          upper-case hex as `openssl ca` writes it in index.txt
 *   san_mailboxes   rfc822Name and SmtpUTF8Mailbox values of the SAN
 *                   (san_error when the SAN stops decoding part way)
 *   this_update, next_update, revoked   (CRLs)
 *   tbs_sha256      SHA-256 of the DER bytes the provider was asked to sign
 *   policy_sha256   SHA-256 of the policy file
 *   key_id          the key identifier the provider gives
 *   pid             process id of the signer
 *   reason          why the input could not be decoded, or the provider's
 *                   own reason for refusing before the engine judged
 */
#ifndef SMIMEPOLICY_AUDIT_H
#define SMIMEPOLICY_AUDIT_H

#include <stddef.h>
#include <time.h>

#include <openssl/types.h>

#include "engine.h"

typedef struct spprov_audit_st SPPROV_AUDIT;

/* Open the audit log. `path` may be NULL (syslog only, when use_syslog).
 * The file is opened for appending (created with mode 0640 if missing) so
 * a log that cannot be written is reported here, at configuration time:
 * NULL is returned with a reason naming the path and the system error. */
SPPROV_AUDIT *spprov_audit_open(const char *path, int use_syslog, char *err,
                                size_t errlen);

/* Library context for the SHA-256 of the TBS (the provider's own private
 * one). Without it the default library context is used. Call before the
 * first record. */
void spprov_audit_set_libctx(SPPROV_AUDIT *a, OSSL_LIB_CTX *libctx);

/* Write the record of one decision. `v` is the engine's verdict over
 * `tbs` (NULL when the provider refused before judging; then use
 * spprov_audit_record_ex to give the reason). Returns 1 only when the
 * whole record is on disk (written in one piece and fdatasync()ed), else 0
 * with the reason available from spprov_audit_last_error(). Thread-safe. */
int spprov_audit_record(SPPROV_AUDIT *a, const char *decision,
                        const SP_VERDICT *v, const unsigned char *tbs,
                        size_t tbs_len, const unsigned char policy_sha256[32],
                        const char *key_id);

/* As spprov_audit_record, with a free-text `reason` (may be NULL) and the
 * error text written to `err` (may be NULL) instead of the thread's last
 * error. */
int spprov_audit_record_ex(SPPROV_AUDIT *a, const char *decision,
                           const SP_VERDICT *v, const unsigned char *tbs,
                           size_t tbs_len,
                           const unsigned char policy_sha256[32],
                           const char *key_id, const char *reason, char *err,
                           size_t errlen);

/* Why the last spprov_audit_record call of this thread failed ("" when it
 * did not). The text names the log path and the system error. */
const char *spprov_audit_last_error(void);

/* The path the log was opened with, or NULL. */
const char *spprov_audit_path(const SPPROV_AUDIT *a);

void spprov_audit_close(SPPROV_AUDIT *a);

/* Build the JSON record (with its final newline) as spprov_audit_record
 * would write it, at time `when` for process `pid`. `a` may be NULL (then
 * SHA-256 comes from the default library context). Returns a string to be
 * freed with OPENSSL_free and its length in *len, or NULL when memory or
 * SHA-256 is unavailable. */
char *spprov_audit_format(const SPPROV_AUDIT *a, const char *decision,
                          const SP_VERDICT *v, const unsigned char *tbs,
                          size_t tbs_len, const unsigned char policy_sha256[32],
                          const char *key_id, const char *reason,
                          const struct timespec *when, long pid, size_t *len);

/* RFC 4514 text of a DER Name (the whole SEQUENCE TLV). Values that are
 * not valid strings of their type are written as '#' and the hex of their
 * DER encoding; control characters are escaped as \XX, so the text is
 * valid UTF-8 without control characters. Returns a string to be freed
 * with OPENSSL_free, or NULL when the Name is not DER or memory is short. */
char *spprov_audit_name_text(const unsigned char *der, size_t len);

#endif
