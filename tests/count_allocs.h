/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Counting heap allocations, for the tests that check that sp_judge
 * allocates nothing (test_rules, test_rules_ca). On glibc the program's own
 * malloc family takes precedence over libc's for every library, so the
 * wrappers in count_allocs.c see libcrypto's and the engine's calls alike.
 * Not under AddressSanitizer, which has its own.
 *
 * Linked only into the programs that count: the other tests (and
 * testutil.c, which they all share) keep libc's allocator untouched.
 */
#ifndef SMIMEPOLICY_COUNT_ALLOCS_H
#define SMIMEPOLICY_COUNT_ALLOCS_H

#include <stdlib.h> /* defines __GLIBC__ */

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SP_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SP_TEST_ASAN 1
#endif
#if defined(__GLIBC__) && !defined(SP_TEST_ASAN)
#define SP_COUNT_ALLOCS 1

/* While tu_counting_allocs is set, every malloc, calloc and realloc adds
 * one to tu_n_allocs. */
extern volatile int tu_counting_allocs;
extern volatile size_t tu_n_allocs;

/* Whether the wrappers are live (a tool such as valgrind may replace
 * malloc itself): one counted probe allocation. Leaves counting off. */
int tu_allocs_interposed(void);
#endif

#endif
