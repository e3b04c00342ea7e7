/* Unit tests for libkv; run by `make check` against the shared library. */
#include "libkv.h"

#include <stdio.h>
#include <stdlib.h>
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

#define CHECK_STR(got, want)                                              \
    CHECK((got) != NULL && strcmp((got), (want)) == 0)

static const char sample[] =
    "; LFS Farm worker\n"
    "name = worker-1\n"
    "\n"
    "[resources]\n"
    "  cores   =   4  \n"
    "memory_mb=8192\n"
    "# hash comments too\n"
    "[ flags ]\n"
    "check = yes\n"
    "strip = Off\n"
    "motd = \"  two\\tspaces \\\"quoted\\\"  \"\n"
    "empty =\n"
    "url = http://example.invalid/a=b\n"
    "check = no\n";

static int count_visits(const char *section, const char *key,
                        const char *value, void *userdata)
{
    (void)section;
    (void)key;
    (void)value;
    ++*(int *)userdata;
    return 0;
}

static int stop_at_strip(const char *section, const char *key,
                         const char *value, void *userdata)
{
    (void)section;
    (void)value;
    ++*(int *)userdata;
    return strcmp(key, "strip") == 0 ? 7 : 0;
}

static void test_parse(void)
{
    kv_error err = { 0, "" };
    kv_doc *doc = kv_parse_string(sample, &err);
    long n = 0;
    int b = -1, visits = 0;

    CHECK(doc != NULL);
    if (doc == NULL) {
        fprintf(stderr, "line %d: %s\n", err.line, err.msg);
        return;
    }
    CHECK(kv_count(doc) == 9);
    CHECK_STR(kv_get(doc, "", "name"), "worker-1");
    CHECK_STR(kv_get(doc, "resources", "cores"), "4");
    CHECK(kv_get(doc, "", "cores") == NULL);
    CHECK(kv_get_long(doc, "resources", "memory_mb", &n) == 0 && n == 8192);
    CHECK(kv_get_long(doc, "", "name", &n) == -1);
    CHECK(kv_get_bool(doc, "flags", "check", &b) == 0 && b == 0); /* last wins */
    CHECK(kv_get_bool(doc, "flags", "strip", &b) == 0 && b == 0);
    CHECK(kv_get_bool(doc, "flags", "motd", &b) == -1);
    CHECK_STR(kv_get(doc, "flags", "motd"), "  two\tspaces \"quoted\"  ");
    CHECK_STR(kv_get(doc, "flags", "empty"), "");
    CHECK_STR(kv_get(doc, "flags", "url"), "http://example.invalid/a=b");
    CHECK(kv_foreach(doc, count_visits, &visits) == 0 && visits == 9);
    visits = 0;
    CHECK(kv_foreach(doc, stop_at_strip, &visits) == 7 && visits == 5);
    kv_free(doc);
}

static void expect_error(const char *text, int line, const char *msg_part)
{
    kv_error err = { 0, "" };
    kv_doc *doc = kv_parse_string(text, &err);

    CHECK(doc == NULL);
    CHECK(err.line == line);
    CHECK(strstr(err.msg, msg_part) != NULL);
    if (doc == NULL && (err.line != line || strstr(err.msg, msg_part) == NULL))
        fprintf(stderr, "  got line %d: %s\n", err.line, err.msg);
    kv_free(doc);
}

static void test_errors(void)
{
    expect_error("[ok]\n[broken\n", 2, "closing");
    expect_error("a = 1\njust words\n", 2, "key = value");
    expect_error("bad key = 1\n", 1, "bad key");
    expect_error("[]\n", 1, "bad section");
    expect_error("v = \"open\n", 1, "unterminated");
    expect_error("v = \"a\\q\"\n", 1, "escape");
}

static void test_load(void)
{
    kv_error err = { 0, "" };
    const char *path = "test_kv.tmp.ini";
    FILE *fp = fopen(path, "w");
    kv_doc *doc;

    CHECK(fp != NULL);
    if (fp == NULL)
        return;
    fputs("[build]\njobs = 2\n", fp);
    fclose(fp);
    doc = kv_load(path, &err);
    CHECK(doc != NULL);
    if (doc != NULL)
        CHECK_STR(kv_get(doc, "build", "jobs"), "2");
    kv_free(doc);
    remove(path);
    CHECK(kv_load("does/not/exist.ini", &err) == NULL);
    CHECK(err.line == 0 && strstr(err.msg, "exist.ini") != NULL);
}

int main(void)
{
    CHECK(strcmp(libkv_version(), LIBKV_VERSION) == 0);
    test_parse();
    test_errors();
    test_load();
    printf("libkv: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
