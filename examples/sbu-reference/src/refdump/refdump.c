/* refdump: runs the self-test of every generated unit and prints a digest,
 * as binutils' build runs the tools it just built. Exit 1 if any unit fails. */
#include "config.h"
#include "registry.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    uint32_t seed = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1;
    uint32_t total = 2166136261u;
    size_t failed = 0, bfd = 0, opcodes = 0;
    for (size_t i = 0; i < refdump_unit_count; i++) {
        uint32_t digest = 0;
        int rc = refdump_units[i].selftest(seed + (uint32_t)i, &digest);
        if (rc != 0) {
            fprintf(stderr, "refdump: %s (%s) failed its self-test: %d\n", refdump_units[i].name, refdump_units[i].library, rc);
            failed++;
        }
        if (strcmp(refdump_units[i].library, "bfd") == 0) bfd++; else opcodes++;
        total = (total ^ digest) * 16777619u;
    }
    printf("%s %s: %zu units (%zu libbfd, %zu libopcodes), %zu failed, digest %08x\n", PACKAGE_NAME, PACKAGE_VERSION,
           refdump_unit_count, bfd, opcodes, failed, (unsigned)total);
    return failed == 0 && refdump_unit_count == REFDUMP_UNITS ? 0 : 1;
}
