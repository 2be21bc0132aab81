/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the `check` and `audit` commands share, so that both give a
 * certificate the same verdict and write it the same way: loading the
 * policy with the --issuer certificates, and the JSON form of a verdict.
 */
#ifndef SMIMEPOLICY_CMD_COMMON_H
#define SMIMEPOLICY_CMD_COMMON_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"

/* The policy file (or the SBR defaults when path is NULL) with the
 * --issuer certificates added. With exactly one --issuer, *forced names it:
 * the user has said which CA issued the certificates; with several the
 * engine picks by issuer name and key identifier. NULL after printing the
 * reason on stderr. */
SP_POLICY *sp_cmd_load_policy(const char *path, const char *const *issuer_paths,
                              size_t n_issuers, const SP_ISSUER **forced);

/* A JSON string with its quotes; control bytes and DEL as \u00XX. */
void sp_json_string(FILE *out, const char *s);
/* The same, or null for NULL. */
void sp_json_string_or_null(FILE *out, const char *s);

/* "mailbox-strict", or "no-profile" without a reserved policy OID. */
void sp_profile_label(sp_type t, sp_generation g, char *buf, size_t len);

/* The verdict's object without its closing brace, from {"file": to
 * "findings_dropped":N, so that a caller can append its own keys. */
void sp_verdict_json_fields(FILE *out, const char *file, size_t index,
                            const SP_VERDICT *v);

#endif
