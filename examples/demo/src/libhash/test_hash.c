/* Known-answer tests for libhash; run by `make check`. */
#include "libhash.h"

#include <stdio.h>
#include <string.h>

static int passed, failed;

#define CHECK(cond)                                                       \
    do {                                                                  \
        if (cond) {                                                       \
            passed++;                                                     \
        } else {                                                          \
            failed++;                                                     \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,        \
                    __LINE__, #cond);                                     \
        }                                                                 \
    } while (0)

struct vector {
    const char *in;
    uint32_t fnv32;
    uint64_t fnv64;
    uint32_t crc;
};

static const struct vector vectors[] = {
    { "",          0x811c9dc5u, UINT64_C(0xcbf29ce484222325), 0x00000000u },
    { "a",         0xe40c292cu, UINT64_C(0xaf63dc4c8601ec8c), 0xe8b7be43u },
    { "foobar",    0xbf9cf968u, UINT64_C(0x85944171f73967e8), 0x9ef61f95u },
    { "LFS Farm",  0x264971e8u, UINT64_C(0xb375d91f9cf0ca48), 0xae70bdb2u },
    { "123456789", 0,           0,                            0xcbf43926u },
};

int main(void)
{
    char hex[17];
    size_t i;

    CHECK(strcmp(libhash_version(), LIBHASH_VERSION) == 0);
    for (i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        const struct vector *v = &vectors[i];
        size_t n = strlen(v->in);

        if (v->fnv32 || v->fnv64) {
            CHECK(hash_fnv1a32(v->in, n) == v->fnv32);
            CHECK(hash_fnv1a64(v->in, n) == v->fnv64);
        }
        CHECK(hash_crc32(v->in, n) == v->crc);
    }
    /* incremental == one-shot */
    CHECK(hash_fnv1a64_update(hash_fnv1a64("foo", 3), "bar", 3)
          == hash_fnv1a64("foobar", 6));
    CHECK(hash_fnv1a32_update(hash_fnv1a32("foo", 3), "bar", 3)
          == hash_fnv1a32("foobar", 6));
    CHECK(hash_crc32_update(hash_crc32("1234", 4), "56789", 5) == 0xcbf43926u);
    hash_hex64(UINT64_C(0x85944171f73967e8), hex);
    CHECK(strcmp(hex, "85944171f73967e8") == 0);
    hash_hex32(0x0000abcdu, hex);
    CHECK(strcmp(hex, "0000abcd") == 0);
    printf("libhash: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
