/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON form of a verdict, written by `smimepolicy check --format json`
 * and, for each certificate, by `smimepolicy audit`: one writer, so the
 * two can never drift apart.
 */
#ifndef SMIMEPOLICY_VERDICT_JSON_H
#define SMIMEPOLICY_VERDICT_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"

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
