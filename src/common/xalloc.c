/* Allocation that aborts on failure: see xalloc.h for why. */
#include "common/xalloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char *program_invocation_short_name; /* glibc, set before main */

void xalloc_die(void)
{
    /* stdio may itself need memory: write(2) with a fixed buffer. */
    char line[256];
    int n = snprintf(line, sizeof line, "%s: out of memory\n",
                     program_invocation_short_name ? program_invocation_short_name : "cnbdebug");
    if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0)
        (void)0;
    abort();
}

void *xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (p == NULL)
        xalloc_die();
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (p == NULL)
        xalloc_die();
    return p;
}

void *xreallocarray(void *ptr, size_t count, size_t size)
{
    if (size != 0 && count > ((size_t)-1) / size)
        xalloc_die();
    size_t bytes = count * size;
    void *p = realloc(ptr, bytes != 0 ? bytes : 1);
    if (p == NULL)
        xalloc_die();
    return p;
}

char *xstrdup(const char *s)
{
    char *p = strdup(s);
    if (p == NULL)
        xalloc_die();
    return p;
}

char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (p == NULL)
        xalloc_die();
    return p;
}

char *xvasprintf(const char *fmt, va_list ap)
{
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0) {
        /* vasprintf fails on memory, or on a format error we never write */
        xalloc_die();
    }
    return out;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = xvasprintf(fmt, ap);
    va_end(ap);
    return out;
}
