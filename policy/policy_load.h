/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers of the policy-file loader (policy.c) shared with the loader of
 * the CA keys (policy_ca.c). Internal to libsmimepolicy.
 */
#ifndef SMIMEPOLICY_POLICY_LOAD_H
#define SMIMEPOLICY_POLICY_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/conf.h>

#include "policy_int.h"

#define SP_MAIN_SECTION "smimepolicy"

/* Everything a loader function needs to read values and report errors. */
typedef struct sp_loader_st {
    const char *path;
    CONF *conf;
    char *err;
    size_t errlen;
    sp_mode default_mode;
} SP_LOADER;

typedef struct sp_name_value_st {
    const char *name;
    unsigned value;
} SP_NAME_VALUE;

/* Writes "path: [section] key = "value": reason" into ld->err. Any of
 * section, key and value may be NULL when they do not apply. */
void load_error(SP_LOADER *ld, const char *section, const char *key,
                const char *value, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
/* The value of `key` in exactly this section (last one wins). */
const char *section_value(STACK_OF(CONF_VALUE) * sect, const char *key);
/* 0 (with the error) when the section has a key not in `known`. */
int check_known_keys(SP_LOADER *ld, const char *section,
                     STACK_OF(CONF_VALUE) * sect, const char *const *known);
/* Items separated by commas and/or whitespace. */
int list_next(const char **cursor, const char **item, size_t *len);
int item_copy(char *buf, size_t buflen, const char *item, size_t len);
int parse_uint(const char *text, unsigned long min, unsigned long max,
               unsigned long *out);
/* "<number><unit>", unit s, m, h or d. */
int parse_duration(const char *text, int64_t *out);
/* "example.com" or ".example.com", LDH labels; lowercased in place. */
int check_domain(char *domain);
/* What is wrong with one item of a domain list: NULL when nothing, else
 * the reason to report. `domain` is the item's copy, which the function
 * may change (check_domain lowercases it); item[0..len) is as written. */
typedef const char *(*sp_domain_problem_fn)(char *domain, const char *item,
                                            size_t len);
/* The value of a list-of-domains key (email_domains, permitted_email)
 * into *out / *n, each item copied, then judged by `problem`. 0 with the
 * error (empty_why for an empty list, problem's reason with the item as
 * written); the items copied so far stay in *out for the caller to free. */
int load_domain_list(SP_LOADER *ld, const char *section, const char *key,
                     const char *value, const char *empty_why,
                     sp_domain_problem_fn problem, char ***out, size_t *n);
int load_enum_key(SP_LOADER *ld, const char *section, const char *key,
                  const char *value, const SP_NAME_VALUE *table, size_t n,
                  unsigned *out);

#endif
