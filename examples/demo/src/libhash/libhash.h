/*
 * libhash - non-cryptographic hashes: FNV-1a (32 and 64 bit) and CRC-32.
 * Part of the LFS Farm demo book (examples/demo). MIT licensed.
 */
#ifndef LIBHASH_H
#define LIBHASH_H

#include <stddef.h>
#include <stdint.h>

#define LIBHASH_VERSION "0.9.1"

#define HASH_FNV1A32_INIT UINT32_C(0x811c9dc5)
#define HASH_FNV1A64_INIT UINT64_C(0xcbf29ce484222325)

#ifdef __cplusplus
extern "C" {
#endif

const char *libhash_version(void);

/* One-shot hashes. */
uint32_t hash_fnv1a32(const void *data, size_t len);
uint64_t hash_fnv1a64(const void *data, size_t len);
uint32_t hash_crc32(const void *data, size_t len);

/* Incremental forms: start from the *_INIT value (or 0 for CRC-32) and feed
 * the previous result back in. */
uint32_t hash_fnv1a32_update(uint32_t h, const void *data, size_t len);
uint64_t hash_fnv1a64_update(uint64_t h, const void *data, size_t len);
uint32_t hash_crc32_update(uint32_t crc, const void *data, size_t len);

/* Lower-case hex, NUL-terminated: out needs 9 and 17 bytes. */
void hash_hex32(uint32_t h, char out[9]);
void hash_hex64(uint64_t h, char out[17]);

#ifdef __cplusplus
}
#endif

#endif /* LIBHASH_H */
