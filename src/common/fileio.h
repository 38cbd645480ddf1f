/* File helpers every module needs: read a whole file, write one atomically
 * (temp name in the same directory, then rename), make and remove trees. */
#ifndef BP_COMMON_FILEIO_H
#define BP_COMMON_FILEIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

#include "common/error.h"

/* Reads all of path into a malloc'd, NUL-terminated buffer (*out, owned by
 * the caller); *len gets the byte count (may be NULL). Refuses files larger
 * than max_bytes, and anything that is not a regular file (a FIFO, socket or
 * device: "<path>: not a regular file ...") without blocking on it. */
int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len,
                  struct bp_error *err);

/* Opens path for reading without blocking and only if it is a regular file
 * (fstat into *st): returns the fd, or -1 with err naming the path ("not a
 * regular file" for a FIFO, socket or device). Every read of a file that
 * another buildpack or the app controls goes through it: a FIFO there
 * would otherwise hang the build. */
int file_open_regular(const char *path, struct stat *st, struct bp_error *err);
/* The same as a stdio stream, or NULL with err set. */
FILE *file_fopen_regular(const char *path, struct bp_error *err);

/* Writes data to path via "<path>.tmp.<pid>" + fsync + rename, so a crash or
 * error never leaves a half-written file in place. mode is e.g. 0644, set
 * exactly (the umask does not cut it). */
int file_write_atomic(const char *path, const char *data, size_t len,
                      unsigned mode, struct bp_error *err);

/* Copies from (a regular file up to max_bytes) to to with file_write_atomic
 * and exactly mode. */
int file_copy(const char *from, const char *to, size_t max_bytes, unsigned mode,
              struct bp_error *err);

/* mkdir -p with mode exactly 0755 (whatever the umask) for each missing
 * component; existing directories keep their mode. */
int file_mkdirs(const char *path, struct bp_error *err);

/* rm -rf; a missing path is not an error. Does not follow symlinks. Works
 * with openat/unlinkat, so trees deeper than PATH_MAX are removed too. */
int file_remove_tree(const char *path, struct bp_error *err);

bool file_exists(const char *path);
bool file_is_dir(const char *path);

/* Joins a and b with exactly one '/', into a malloc'd string (aborts on OOM). */
char *path_join(const char *a, const char *b);

#endif
