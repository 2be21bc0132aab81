/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The malloc family of test_rules and test_rules_ca, counting calls while
 * asked to (count_allocs.h) and otherwise passing them to glibc.
 */
#include "count_allocs.h"

#ifdef SP_COUNT_ALLOCS
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);

volatile int tu_counting_allocs;
volatile size_t tu_n_allocs;

void *malloc(size_t size)
{
    if (tu_counting_allocs)
        tu_n_allocs++;
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    if (tu_counting_allocs)
        tu_n_allocs++;
    return __libc_calloc(n, size);
}

void *realloc(void *ptr, size_t size)
{
    if (tu_counting_allocs)
        tu_n_allocs++;
    return __libc_realloc(ptr, size);
}

void free(void *ptr)
{
    __libc_free(ptr);
}

int tu_allocs_interposed(void)
{
    /* Called through a volatile pointer so that the compiler cannot drop
     * the malloc/free pair. */
    void *(*volatile probe)(size_t) = malloc;
    void *p;

    tu_n_allocs = 0;
    tu_counting_allocs = 1;
    p = probe(16);
    tu_counting_allocs = 0;
    free(p);
    return tu_n_allocs != 0;
}
#endif
