/* libhash: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320). */
#include "libhash.h"

#include <pthread.h>

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_table(void)
{
    uint32_t i, j, c;

    for (i = 0; i < 256; i++) {
        c = i;
        for (j = 0; j < 8; j++)
            c = (c & 1) ? (c >> 1) ^ UINT32_C(0xedb88320) : c >> 1;
        table[i] = c;
    }
}

uint32_t hash_crc32_update(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = data;

    pthread_once(&table_once, build_table);
    crc = ~crc;
    while (len--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint32_t hash_crc32(const void *data, size_t len)
{
    return hash_crc32_update(0, data, len);
}
