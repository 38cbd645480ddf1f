/* The two shapes every libFuzzer target here gives its input to the code
 * under test: a NUL-terminated string, or a file on disk. Header-only: the
 * targets link only their module (tests/CMakeLists.txt, BP_FUZZ). */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The input as a string (malloc'd; a NUL inside ends it early, as for any
 * C string reader). NULL only when out of memory: skip the run. */
static inline char *fuzz_input_string(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text != NULL) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

/* Writes the input to path (truncated first) with mode; 0 when all of it
 * is there, -1 (skip the run) when not. */
static inline int fuzz_input_file(const char *path, const uint8_t *data, size_t size, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return -1;
    ssize_t n = size > 0 ? write(fd, data, size) : 0;
    close(fd);
    return n == (ssize_t)size ? 0 : -1;
}

#endif
