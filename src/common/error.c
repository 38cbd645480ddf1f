/* Error message helpers: format into the caller's buffer, prepend context. */
#include "common/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct bp_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

int error_wrap(struct bp_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return -1;
    char context[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(context, sizeof context, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    /* "<context>: <old>", truncated to the buffer; the old text moves right. */
    size_t cap = sizeof err->message - 1;
    size_t ctx_len = (size_t)n < cap ? (size_t)n : cap;
    size_t prefix = ctx_len + 2 <= cap ? ctx_len + 2 : ctx_len;
    size_t old_len = strnlen(err->message, cap);
    if (old_len > cap - prefix)
        old_len = cap - prefix;
    memmove(err->message + prefix, err->message, old_len);
    memcpy(err->message, context, ctx_len);
    if (prefix == ctx_len + 2) {
        err->message[ctx_len] = ':';
        err->message[ctx_len + 1] = ' ';
    }
    err->message[prefix + old_len] = '\0';
    return -1;
}

void error_clear(struct bp_error *err)
{
    if (err != NULL)
        err->message[0] = '\0';
}
