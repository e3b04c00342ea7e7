/* libstr: plain string helpers. */
#include "libstr.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

const char *libstr_version(void)
{
    return LIBSTR_VERSION;
}

char *str_ndup(const char *s, size_t n)
{
    size_t len = 0;
    char *copy;

    while (len < n && s[len] != '\0')
        len++;
    copy = malloc(len + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *str_dup(const char *s)
{
    return str_ndup(s, strlen(s));
}

char *str_trim(char *s)
{
    char *end;

    while (*s != '\0' && isspace((unsigned char)*s))
        s++;
    end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        end--;
    *end = '\0';
    return s;
}

char *str_lower(char *s)
{
    char *p;

    for (p = s; *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return s;
}

int str_starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int str_ends_with(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);

    return lx <= ls && memcmp(s + ls - lx, suffix, lx) == 0;
}

size_t str_split(char *s, char sep, char **out, size_t max)
{
    size_t n = 0;
    char *p = s;

    for (;;) {
        char *next = strchr(p, sep);

        if (n < max)
            out[n] = p;
        n++;
        if (next == NULL)
            break;
        /* keep the rest intact once the caller's array is full */
        if (n < max)
            *next = '\0';
        p = next + 1;
    }
    return n;
}
