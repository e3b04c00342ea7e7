/* libhash: Fowler-Noll-Vo FNV-1a hashes and hex formatting. */
#include "libhash.h"

#define FNV32_PRIME UINT32_C(0x01000193)
#define FNV64_PRIME UINT64_C(0x00000100000001b3)

const char *libhash_version(void)
{
    return LIBHASH_VERSION;
}

uint32_t hash_fnv1a32_update(uint32_t h, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len--) {
        h ^= *p++;
        h *= FNV32_PRIME;
    }
    return h;
}

uint64_t hash_fnv1a64_update(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;

    while (len--) {
        h ^= *p++;
        h *= FNV64_PRIME;
    }
    return h;
}

uint32_t hash_fnv1a32(const void *data, size_t len)
{
    return hash_fnv1a32_update(HASH_FNV1A32_INIT, data, len);
}

uint64_t hash_fnv1a64(const void *data, size_t len)
{
    return hash_fnv1a64_update(HASH_FNV1A64_INIT, data, len);
}

static void to_hex(uint64_t h, int digits, char *out)
{
    static const char hex[] = "0123456789abcdef";
    int i;

    for (i = digits - 1; i >= 0; i--) {
        out[i] = hex[h & 0xf];
        h >>= 4;
    }
    out[digits] = '\0';
}

void hash_hex32(uint32_t h, char out[9])
{
    to_hex(h, 8, out);
}

void hash_hex64(uint64_t h, char out[17])
{
    to_hex(h, 16, out);
}
