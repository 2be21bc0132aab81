/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared set-up of the fuzz targets: a private directory on a tmpfs for
 * the files the policy loader reads, and the committed seed CA
 * (fuzz/seeds/issuing-ca.pem) that fuzz_judge and fuzz_policy judge with.
 */
#ifndef SMIMEPOLICY_FUZZ_UTIL_H
#define SMIMEPOLICY_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* A compliant Strict mailbox TBSCertificate the seed CA issued
 * (seeds/tbs-mailbox-strict-rsa.der), embedded at build time. */
extern const uint8_t *const fuzz_seed_tbs;
extern const size_t fuzz_seed_tbs_len;

/* A directory made once per process under $SP_FUZZ_TMP, /dev/shm or /tmp,
 * holding issuing-ca.pem (a copy of the seed CA); removed at exit. */
const char *fuzz_dir(void);
/* Write `len` bytes to fuzz_dir()/name; returns the path (static buffer)
 * or aborts. */
const char *fuzz_write(const char *name, const void *data, size_t len);

#endif
