/*
 * libstr - small string helpers and a growable string buffer.
 * Part of the LFS Farm demo book (examples/demo). MIT licensed.
 */
#ifndef LIBSTR_H
#define LIBSTR_H

#include <stdarg.h>
#include <stddef.h>

#define LIBSTR_VERSION "1.2.0"
#define LIBSTR_VERSION_MAJOR 1
#define LIBSTR_VERSION_MINOR 2

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the library actually loaded at run time. */
const char *libstr_version(void);

/* Heap copies; NULL on allocation failure. */
char *str_dup(const char *s);
char *str_ndup(const char *s, size_t n);

/* Strip leading and trailing white space in place; returns the first
 * non-blank character of s (which stays inside s). */
char *str_trim(char *s);

/* ASCII lower-casing in place; returns s. */
char *str_lower(char *s);

int str_starts_with(const char *s, const char *prefix);
int str_ends_with(const char *s, const char *suffix);

/* Split s in place at every sep; stores at most max field pointers in out
 * and returns the number of fields found (which may exceed max; the last
 * stored field then holds the rest of the string, separators included). */
size_t str_split(char *s, char sep, char **out, size_t max);

/* Growable, always NUL-terminated string buffer. */
typedef struct strbuf {
    char *data;   /* never NULL after strbuf_init */
    size_t len;   /* bytes used, excluding the terminating NUL */
    size_t cap;   /* bytes allocated (0 while data points at a static "") */
} strbuf;

void strbuf_init(strbuf *b);
/* All appenders return 0 on success and -1 on allocation failure, in which
 * case the buffer is left unchanged. */
int strbuf_append(strbuf *b, const char *s);
int strbuf_appendn(strbuf *b, const char *s, size_t n);
int strbuf_putc(strbuf *b, char c);
int strbuf_appendf(strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int strbuf_vappendf(strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void strbuf_reset(strbuf *b);
/* Hands the heap string to the caller (free() it) and re-initialises b. */
char *strbuf_detach(strbuf *b);
void strbuf_free(strbuf *b);

#ifdef __cplusplus
}
#endif

#endif /* LIBSTR_H */
