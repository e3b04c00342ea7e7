/* libkv: the parser. */
#include "kv_internal.h"

#include <libstr.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


const char *libkv_version(void)
{
    return LIBKV_VERSION;
}

static void set_error(kv_error *err, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_error(kv_error *err, int line, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    err->line = line;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
}

static int valid_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isalnum((unsigned char)*s) && strchr("_.-", *s) == NULL)
            return 0;
    return 1;
}

static int add_entry(kv_doc *doc, const char *section, const char *key,
                     const char *value)
{
    struct kv_entry *e;

    if (doc->count == doc->cap) {
        size_t cap = doc->cap ? doc->cap * 2 : 16;
        struct kv_entry *grown = realloc(doc->entries, cap * sizeof *grown);

        if (grown == NULL)
            return -1;
        doc->entries = grown;
        doc->cap = cap;
    }
    e = &doc->entries[doc->count];
    e->section = str_dup(section);
    e->key = str_dup(key);
    e->value = str_dup(value);
    if (e->section == NULL || e->key == NULL || e->value == NULL) {
        free(e->section);
        free(e->key);
        free(e->value);
        return -1;
    }
    doc->count++;
    return 0;
}

/* Turn the raw text after '=' into the stored value (in out). */
static int parse_value(char *raw, strbuf *out, kv_error *err, int line)
{
    char *v = str_trim(raw);
    size_t len = strlen(v);
    size_t i;

    strbuf_reset(out);
    if (len == 0 || v[0] != '"')
        return strbuf_append(out, v);
    if (len < 2 || v[len - 1] != '"') {
        set_error(err, line, "unterminated quoted value");
        return -1;
    }
    for (i = 1; i < len - 1; i++) {
        char c = v[i];

        if (c == '\\') {
            if (++i == len - 1) {
                set_error(err, line, "dangling backslash in quoted value");
                return -1;
            }
            switch (v[i]) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            default:
                set_error(err, line, "unknown escape \\%c", v[i]);
                return -1;
            }
        } else if (c == '"') {
            set_error(err, line, "stray quote inside quoted value");
            return -1;
        }
        if (strbuf_putc(out, c) != 0)
            return -1;
    }
    return 0;
}

static int parse_line(kv_doc *doc, char *raw, int line, strbuf *section,
                      strbuf *value, kv_error *err)
{
    char *s = str_trim(raw), *f[2];
    char *key;

    if (*s == '\0' || *s == ';' || *s == '#')
        return 0;
    if (*s == '[') {
        size_t len = strlen(s);
        char *name;

        if (s[len - 1] != ']') {
            set_error(err, line, "section header without closing ']'");
            return -1;
        }
        s[len - 1] = '\0';
        name = str_trim(s + 1);
        if (!valid_name(name)) {
            set_error(err, line, "bad section name '%s'", name);
            return -1;
        }
        strbuf_reset(section);
        return strbuf_append(section, name);
    }
    if (str_split(s, '=', f, 2) < 2) {
        set_error(err, line, "expected 'key = value'");
        return -1;
    }
    key = str_trim(f[0]);
    if (!valid_name(key)) {
        set_error(err, line, "bad key '%s'", key);
        return -1;
    }
    if (parse_value(f[1], value, err, line) != 0)
        return -1;
    if (add_entry(doc, section->data, key, value->data) != 0) {
        set_error(err, line, "out of memory");
        return -1;
    }
    return 0;
}

kv_doc *kv_parse_string(const char *text, kv_error *err)
{
    kv_doc *doc = calloc(1, sizeof *doc);
    char *copy = str_dup(text), *p;
    strbuf section, value;
    int line = 0, rc = 0;

    if (doc == NULL || copy == NULL) {
        free(doc);
        free(copy);
        set_error(err, 0, "out of memory");
        return NULL;
    }
    strbuf_init(&section);
    strbuf_init(&value);
    for (p = copy; rc == 0 && p != NULL;) {
        char *nl = strchr(p, '\n');

        if (nl != NULL)
            *nl++ = '\0';
        line++;
        rc = parse_line(doc, p, line, &section, &value, err);
        p = nl;
    }
    strbuf_free(&section);
    strbuf_free(&value);
    free(copy);
    if (rc != 0) {
        kv_free(doc);
        return NULL;
    }
    return doc;
}

kv_doc *kv_load(const char *path, kv_error *err)
{
    FILE *fp = fopen(path, "r");
    strbuf text;
    char chunk[4096];
    size_t n;
    kv_doc *doc;

    if (fp == NULL) {
        set_error(err, 0, "%s: %s", path, strerror(errno));
        return NULL;
    }
    strbuf_init(&text);
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        if (strbuf_appendn(&text, chunk, n) != 0) {
            fclose(fp);
            strbuf_free(&text);
            set_error(err, 0, "out of memory");
            return NULL;
        }
    }
    if (ferror(fp)) {
        set_error(err, 0, "%s: read error", path);
        fclose(fp);
        strbuf_free(&text);
        return NULL;
    }
    fclose(fp);
    if (strlen(text.data) != text.len) {
        set_error(err, 0, "%s: file contains NUL bytes", path);
        strbuf_free(&text);
        return NULL;
    }
    doc = kv_parse_string(text.data, err);
    strbuf_free(&text);
    return doc;
}
