/* Unit tests for libstr; run by `make check` against the shared library. */
#include "libstr.h"

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

#define CHECK_STR(got, want) CHECK(strcmp((got), (want)) == 0)

static void test_version(void)
{
    CHECK_STR(libstr_version(), LIBSTR_VERSION);
}

static void test_dup(void)
{
    char *a = str_dup("farm"), *b = str_ndup("worker-1", 6), *c = str_ndup("ab", 10);

    CHECK(a != NULL && b != NULL && c != NULL);
    CHECK_STR(a, "farm");
    CHECK_STR(b, "worker");
    CHECK_STR(c, "ab");
    free(a);
    free(b);
    free(c);
}

static void test_trim_lower(void)
{
    char s1[] = "  \t gcc 12 \n", s2[] = "   ", s3[] = "x", s4[] = "MiXeD-Case 42";

    CHECK_STR(str_trim(s1), "gcc 12");
    CHECK_STR(str_trim(s2), "");
    CHECK_STR(str_trim(s3), "x");
    CHECK_STR(str_lower(s4), "mixed-case 42");
}

static void test_affixes(void)
{
    CHECK(str_starts_with("libstr.so.1", "libstr"));
    CHECK(!str_starts_with("lib", "libstr"));
    CHECK(str_starts_with("anything", ""));
    CHECK(str_ends_with("libstr.pc", ".pc"));
    CHECK(!str_ends_with("pc", ".pc"));
    CHECK(str_ends_with("x", ""));
}

static void test_split(void)
{
    char s1[] = "a,b,,c", s2[] = "one", s3[] = "k=v=w";
    char *f[4];

    CHECK(str_split(s1, ',', f, 4) == 4);
    CHECK_STR(f[0], "a");
    CHECK_STR(f[1], "b");
    CHECK_STR(f[2], "");
    CHECK_STR(f[3], "c");
    CHECK(str_split(s2, ',', f, 4) == 1);
    CHECK_STR(f[0], "one");
    /* with max == 2 the second field keeps the rest of the string */
    CHECK(str_split(s3, '=', f, 2) == 3);
    CHECK_STR(f[0], "k");
    CHECK_STR(f[1], "v=w");
}

static void test_strbuf(void)
{
    strbuf b;
    char *s;
    int i;

    strbuf_init(&b);
    CHECK_STR(b.data, "");
    CHECK(b.len == 0);
    CHECK(strbuf_append(&b, "sbu=") == 0);
    CHECK(strbuf_appendf(&b, "%d.%d", 0, 3) == 0);
    CHECK(strbuf_putc(&b, ';') == 0);
    CHECK(strbuf_appendn(&b, "jobs=4xyz", 6) == 0);
    CHECK_STR(b.data, "sbu=0.3;jobs=4");
    CHECK(b.len == strlen("sbu=0.3;jobs=4"));
    for (i = 0; i < 1000; i++)
        CHECK(strbuf_appendf(&b, "%03d", i) == 0);
    CHECK(b.len == strlen("sbu=0.3;jobs=4") + 3000);
    CHECK(strncmp(b.data + b.len - 6, "998999", 6) == 0);
    strbuf_reset(&b);
    CHECK_STR(b.data, "");
    CHECK(strbuf_append(&b, "kept") == 0);
    s = strbuf_detach(&b);
    CHECK_STR(s, "kept");
    CHECK_STR(b.data, "");
    free(s);
    s = strbuf_detach(&b);      /* detaching an empty buffer gives "" */
    CHECK(s != NULL && s[0] == '\0');
    free(s);
    strbuf_free(&b);
}

int main(void)
{
    test_version();
    test_dup();
    test_trim_lower();
    test_affixes();
    test_split();
    test_strbuf();
    printf("libstr: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
