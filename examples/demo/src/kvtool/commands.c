/* kvtool - the commands. */
#include "kvtool.h"

#include <libkv.h>
#include <libstr.h>
#ifdef HAVE_LIBHASH
#include <libhash.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static kv_doc *load(const char *path)
{
    kv_error err = { 0, "" };
    kv_doc *doc = kv_load(path, &err);

    if (doc == NULL) {
        if (err.line > 0)
            fprintf(stderr, "kvtool: %s:%d: %s\n", path, err.line, err.msg);
        else
            fprintf(stderr, "kvtool: %s\n", err.msg);
    }
    return doc;
}

int cmd_check(int argc, char **argv)
{
    int i, rc = KVTOOL_OK;

    if (argc < 1) {
        fputs("kvtool check: no FILE given\n", stderr);
        return KVTOOL_USAGE;
    }
    for (i = 0; i < argc; i++) {
        kv_doc *doc = load(argv[i]);

        if (doc == NULL) {
            rc = KVTOOL_FAIL;
            continue;
        }
        printf("%s: ok, %zu entries\n", argv[i], kv_count(doc));
        kv_free(doc);
    }
    return rc;
}

int cmd_get(int argc, char **argv)
{
    char *name, *f[2];
    const char *value = NULL;
    kv_doc *doc;

    if (argc != 2) {
        fputs("kvtool get: expected FILE SECTION.KEY\n", stderr);
        return KVTOOL_USAGE;
    }
    if ((doc = load(argv[0])) == NULL)
        return KVTOOL_FAIL;
    if ((name = str_dup(argv[1])) == NULL) {
        kv_free(doc);
        return KVTOOL_FAIL;
    }
    /* "a.b" is section a, key b; a name without a dot is a global key */
    if (str_split(name, '.', f, 2) >= 2)
        value = kv_get(doc, f[0], f[1]);
    else
        value = kv_get(doc, "", f[0]);
    if (value != NULL)
        printf("%s\n", value);
    else
        fprintf(stderr, "kvtool: %s: no key '%s'\n", argv[0], argv[1]);
    free(name);
    kv_free(doc);
    return value != NULL ? KVTOOL_OK : KVTOOL_FAIL;
}

/* One line per entry; backslash, newline and tab are escaped so that the
 * output stays one entry per line. */
static int dump_entry(const char *section, const char *key, const char *value,
                      void *userdata)
{
    strbuf *out = userdata;
    const char *p;
    int rc = 0;

    if (*section != '\0')
        rc |= strbuf_appendf(out, "%s.", section);
    rc |= strbuf_appendf(out, "%s=", key);
    for (p = value; *p != '\0'; p++) {
        switch (*p) {
        case '\\': rc |= strbuf_append(out, "\\\\"); break;
        case '\n': rc |= strbuf_append(out, "\\n"); break;
        case '\t': rc |= strbuf_append(out, "\\t"); break;
        default: rc |= strbuf_putc(out, *p); break;
        }
    }
    rc |= strbuf_putc(out, '\n');
    return rc;
}

static int dump_file(const char *path, strbuf *out)
{
    kv_doc *doc = load(path);
    int rc;

    if (doc == NULL)
        return -1;
    rc = kv_foreach(doc, dump_entry, out);
    kv_free(doc);
    if (rc != 0)
        fputs("kvtool: out of memory\n", stderr);
    return rc;
}

int cmd_dump(int argc, char **argv)
{
    strbuf out;
    int i, rc = KVTOOL_OK;

    if (argc < 1) {
        fputs("kvtool dump: no FILE given\n", stderr);
        return KVTOOL_USAGE;
    }
    strbuf_init(&out);
    for (i = 0; i < argc; i++) {
        strbuf_reset(&out);
        if (dump_file(argv[i], &out) != 0) {
            rc = KVTOOL_FAIL;
            continue;
        }
        fwrite(out.data, 1, out.len, stdout);
    }
    strbuf_free(&out);
    return rc;
}

int cmd_hash(int argc, char **argv)
{
#ifdef HAVE_LIBHASH
    strbuf out;
    char hex[17];
    int i, rc = KVTOOL_OK;

    if (argc < 1) {
        fputs("kvtool hash: no FILE given\n", stderr);
        return KVTOOL_USAGE;
    }
    strbuf_init(&out);
    for (i = 0; i < argc; i++) {
        strbuf_reset(&out);
        if (dump_file(argv[i], &out) != 0) {
            rc = KVTOOL_FAIL;
            continue;
        }
        hash_hex64(hash_fnv1a64(out.data, out.len), hex);
        printf("%s  %s\n", hex, argv[i]);
    }
    strbuf_free(&out);
    return rc;
#else
    (void)argc;
    (void)argv;
    fputs("kvtool: built without libhash; 'hash' is not available\n", stderr);
    return KVTOOL_USAGE;
#endif
}
