/* The allocation policy of the whole tree: running out of memory is not an
 * error a buildpack can recover from, so these abort with one line on stderr
 * (as crun and jq do) instead of returning NULL. Callers never check them,
 * and no hand-written out-of-memory branch is left to go untested. */
#ifndef BP_COMMON_XALLOC_H
#define BP_COMMON_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
/* count * size with an overflow check, like reallocarray(3). */
void *xreallocarray(void *ptr, size_t count, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Prints "<program>: out of memory" and aborts. The program name is the
 * short name glibc keeps; set by nothing, so it needs no init call. */
_Noreturn void xalloc_die(void);

#endif
