/* registry.h: the table of generated units that refdump runs. */
#ifndef REFDUMP_REGISTRY_H
#define REFDUMP_REGISTRY_H
#include <stddef.h>
#include <stdint.h>

struct unit {
    const char *name;
    const char *library;
    int (*selftest)(uint32_t seed, uint32_t *digest);
};

extern const struct unit refdump_units[];
extern const size_t refdump_unit_count;
#endif
