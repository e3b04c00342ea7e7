/* libkv: looking values up in a parsed document. */
#include "kv_internal.h"

#include <libstr.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void kv_free(kv_doc *doc)
{
    size_t i;

    if (doc == NULL)
        return;
    for (i = 0; i < doc->count; i++) {
        free(doc->entries[i].section);
        free(doc->entries[i].key);
        free(doc->entries[i].value);
    }
    free(doc->entries);
    free(doc);
}

size_t kv_count(const kv_doc *doc)
{
    return doc->count;
}

const char *kv_get(const kv_doc *doc, const char *section, const char *key)
{
    size_t i;

    for (i = doc->count; i-- > 0;) {
        const struct kv_entry *e = &doc->entries[i];

        if (strcmp(e->section, section) == 0 && strcmp(e->key, key) == 0)
            return e->value;
    }
    return NULL;
}

int kv_get_long(const kv_doc *doc, const char *section, const char *key,
                long *out)
{
    const char *v = kv_get(doc, section, key);
    char *end;
    long n;

    if (v == NULL || *v == '\0')
        return -1;
    errno = 0;
    n = strtol(v, &end, 0);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = n;
    return 0;
}

int kv_get_bool(const kv_doc *doc, const char *section, const char *key,
                int *out)
{
    static const char *const yes[] = { "true", "yes", "on", "1" };
    static const char *const no[] = { "false", "no", "off", "0" };
    const char *v = kv_get(doc, section, key);
    char *lower;
    size_t i;
    int rc = -1;

    if (v == NULL || (lower = str_dup(v)) == NULL)
        return -1;
    str_lower(lower);
    for (i = 0; i < 4; i++) {
        if (strcmp(lower, yes[i]) == 0) {
            *out = 1;
            rc = 0;
        } else if (strcmp(lower, no[i]) == 0) {
            *out = 0;
            rc = 0;
        }
    }
    free(lower);
    return rc;
}

int kv_foreach(const kv_doc *doc, kv_visit_fn fn, void *userdata)
{
    size_t i;
    int rc;

    for (i = 0; i < doc->count; i++) {
        const struct kv_entry *e = &doc->entries[i];

        if ((rc = fn(e->section, e->key, e->value, userdata)) != 0)
            return rc;
    }
    return 0;
}
