/* Error reporting shared by every module: a caller-owned message buffer that
 * names the file, key or URL at fault. Only main() prints it, once. */
#ifndef BP_COMMON_ERROR_H
#define BP_COMMON_ERROR_H

#include <stddef.h>

struct bp_error {
    char message[2048];
};

/* Sets the message and returns -1, so callers can write
 * `return error_set(err, "reading %s: %s", path, strerror(errno));`.
 * err may be NULL (the message is then dropped). */
int error_set(struct bp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends context to an existing message ("<context>: <old message>") and
 * returns -1. Used when an error travels up through a layer that knows more. */
int error_wrap(struct bp_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void error_clear(struct bp_error *err);

#endif
