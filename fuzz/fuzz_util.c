/* SPDX-License-Identifier: Apache-2.0 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"

/* The seed CA, embedded at build time (fuzz/Makefile writes the header
 * from seeds/issuing-ca.pem) so the targets run from any directory. */
#include "fuzz_seed_ca.h"

static char dir[256];

static void remove_dir(void)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/issuing-ca.pem", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/policy.cnf", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/extra.cnf", dir);
    unlink(path);
    rmdir(dir);
}

const char *fuzz_dir(void)
{
    const char *base;

    if (dir[0] != '\0')
        return dir;
    base = getenv("SP_FUZZ_TMP");
    if (base == NULL)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof(dir), "%s/smimepolicy-fuzz.XXXXXX", base);
    if (mkdtemp(dir) == NULL) {
        perror("fuzz_dir: mkdtemp");
        abort();
    }
    atexit(remove_dir);
    fuzz_write("issuing-ca.pem", seed_ca_pem, sizeof(seed_ca_pem) - 1);
    return dir;
}

const char *fuzz_write(const char *name, const void *data, size_t len)
{
    static char path[512];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", fuzz_dir(), name);
    if ((fp = fopen(path, "wb")) == NULL
        || (len > 0 && fwrite(data, 1, len, fp) != len) || fclose(fp) != 0) {
        perror(path);
        abort();
    }
    return path;
}

const uint8_t *const fuzz_seed_tbs = seed_tbs;
const size_t fuzz_seed_tbs_len = sizeof(seed_tbs);
