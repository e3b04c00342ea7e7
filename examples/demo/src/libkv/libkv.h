/*
 * libkv - a small INI / key-value file parser.
 * Part of the LFS Farm demo book (examples/demo). MIT licensed.
 *
 *   ; comment            # comment
 *   global = value       (keys before any [section] belong to section "")
 *   [section]
 *   key = value          (white space around key and value is dropped)
 *   quoted = "  kept  "  (double quotes keep white space; \" \\ \n \t escapes)
 *
 * A key that appears twice keeps both entries; kv_get returns the last one.
 */
#ifndef LIBKV_H
#define LIBKV_H

#include <stddef.h>

#define LIBKV_VERSION "2.0.0"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kv_doc kv_doc;

typedef struct kv_error {
    int line;          /* 1-based line of the error, 0 when not about a line */
    char msg[160];
} kv_error;

/* Called for every entry in file order; a non-zero return stops the walk
 * and is returned by kv_foreach. */
typedef int (*kv_visit_fn)(const char *section, const char *key,
                           const char *value, void *userdata);

const char *libkv_version(void);

/* Parse; on failure return NULL and fill *err (err may be NULL). */
kv_doc *kv_parse_string(const char *text, kv_error *err);
kv_doc *kv_load(const char *path, kv_error *err);
void kv_free(kv_doc *doc);

/* Number of entries. */
size_t kv_count(const kv_doc *doc);

/* Value of section/key (section "" = before any header), or NULL. */
const char *kv_get(const kv_doc *doc, const char *section, const char *key);
/* 0 on success; -1 when missing or not a number / boolean. Booleans accept
 * true/yes/on/1 and false/no/off/0, ignoring case. */
int kv_get_long(const kv_doc *doc, const char *section, const char *key,
                long *out);
int kv_get_bool(const kv_doc *doc, const char *section, const char *key,
                int *out);

int kv_foreach(const kv_doc *doc, kv_visit_fn fn, void *userdata);

#ifdef __cplusplus
}
#endif

#endif /* LIBKV_H */
