/* Growable string buffer. */
#include "common/strbuf.h"
#include "common/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void strbuf_grow(struct strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t want = sb->len + extra + 1;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < want) {
        if (cap > ((size_t)-1) / 2)
            xalloc_die();
        cap *= 2;
    }
    sb->data = xreallocarray(sb->data, cap, 1);
    sb->cap = cap;
}

void strbuf_append(struct strbuf *sb, const char *bytes, size_t n)
{
    strbuf_grow(sb, n);
    if (n > 0)
        memcpy(sb->data + sb->len, bytes, n);
    sb->len += n;
    sb->data[sb->len] = '\0';
}

void strbuf_append_str(struct strbuf *sb, const char *s)
{
    strbuf_append(sb, s, strlen(s));
}

void strbuf_append_char(struct strbuf *sb, char c)
{
    strbuf_append(sb, &c, 1);
}

void strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    /* vsnprintf fails for memory, for output past INT_MAX or for a format
     * it rejects (a programming error): none is an input to report. */
    if (n < 0)
        xalloc_die();
    strbuf_grow(sb, (size_t)n);
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vappendf(sb, fmt, ap);
    va_end(ap);
}

void strbuf_reset(struct strbuf *sb)
{
    sb->len = 0;
    if (sb->data)
        sb->data[0] = '\0';
}

char *strbuf_detach(struct strbuf *sb)
{
    char *data = sb->data;
    if (data == NULL)
        data = xcalloc(1, 1);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    return data;
}

void strbuf_free(struct strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
}

char *str_format(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = xvasprintf(fmt, ap);
    va_end(ap);
    return out;
}
