/* libkv: what the parser and the query functions share. */
#ifndef KV_INTERNAL_H
#define KV_INTERNAL_H

#include "libkv.h"

struct kv_entry {
    char *section;
    char *key;
    char *value;
};

struct kv_doc {
    struct kv_entry *entries;
    size_t count;
    size_t cap;
};

#endif /* KV_INTERNAL_H */
