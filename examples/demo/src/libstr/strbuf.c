/* libstr: growable string buffer. */
#include "libstr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char strbuf_empty[1];

void strbuf_init(strbuf *b)
{
    b->data = strbuf_empty;
    b->len = 0;
    b->cap = 0;
}

static int strbuf_grow(strbuf *b, size_t extra)
{
    size_t need = b->len + extra + 1, cap;
    char *data;

    if (need <= b->cap)
        return 0;
    if (need < b->len)          /* overflow */
        return -1;
    cap = b->cap ? b->cap : 32;
    while (cap < need)
        cap *= 2;
    data = realloc(b->cap ? b->data : NULL, cap);
    if (data == NULL)
        return -1;
    if (b->cap == 0)
        data[0] = '\0';
    b->data = data;
    b->cap = cap;
    return 0;
}

int strbuf_appendn(strbuf *b, const char *s, size_t n)
{
    if (strbuf_grow(b, n) != 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int strbuf_append(strbuf *b, const char *s)
{
    return strbuf_appendn(b, s, strlen(s));
}

int strbuf_putc(strbuf *b, char c)
{
    return strbuf_appendn(b, &c, 1);
}

int strbuf_vappendf(strbuf *b, const char *fmt, va_list ap)
{
    va_list again;
    int n;

    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0 || strbuf_grow(b, (size_t)n) != 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int strbuf_appendf(strbuf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = strbuf_vappendf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void strbuf_reset(strbuf *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

char *strbuf_detach(strbuf *b)
{
    char *s = b->cap ? b->data : calloc(1, 1);

    strbuf_init(b);
    return s;
}

void strbuf_free(strbuf *b)
{
    if (b->cap)
        free(b->data);
    strbuf_init(b);
}
