/* A growable byte buffer, always NUL-terminated, for building strings and
 * reading files. The struct is owned by the caller; strbuf_free releases data. */
#ifndef BP_COMMON_STRBUF_H
#define BP_COMMON_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
    char *data; /* NULL until the first append; then NUL-terminated */
    size_t len;
    size_t cap;
};

#define STRBUF_INIT {NULL, 0, 0}

/* The appends cannot fail: running out of memory aborts (common/xalloc.h),
 * and so does a format vsnprintf rejects, which is a programming error. */
void strbuf_append(struct strbuf *sb, const char *bytes, size_t n);
void strbuf_append_str(struct strbuf *sb, const char *s);
void strbuf_append_char(struct strbuf *sb, char c);
void strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vappendf(struct strbuf *sb, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
void strbuf_reset(struct strbuf *sb);
/* A new malloc'd formatted string; never NULL (see xalloc.h). */
char *str_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hands the data to the caller (never NULL: "" for empty). */
char *strbuf_detach(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);

#endif
