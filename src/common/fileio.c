/* File helpers: whole-file reads, atomic writes, mkdir -p, rm -rf. */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len,
                  struct bp_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set(err, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return error_set(err, "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return error_set(err, "%s: is a directory", path);
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
    if (cap > max_bytes + 1)
        cap = max_bytes + 1;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return error_set(err, "%s: out of memory", path);
    }
    size_t used = 0;
    for (;;) {
        if (used + 1 >= cap) {
            if (cap > max_bytes) {
                free(buf);
                close(fd);
                return error_set(err, "%s: larger than %zu bytes", path, max_bytes);
            }
            size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            char *nbuf = realloc(buf, ncap);
            if (nbuf == NULL) {
                free(buf);
                close(fd);
                return error_set(err, "%s: out of memory", path);
            }
            buf = nbuf;
            cap = ncap;
        }
        ssize_t n = read(fd, buf + used, cap - 1 - used);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            return error_set(err, "%s: %s", path, strerror(e));
        }
        if (n == 0)
            break;
        used += (size_t)n;
        if (used > max_bytes) {
            free(buf);
            close(fd);
            return error_set(err, "%s: larger than %zu bytes", path, max_bytes);
        }
    }
    close(fd);
    buf[used] = '\0';
    *out = buf;
    if (len)
        *len = used;
    return 0;
}

int file_write_atomic(const char *path, const char *data, size_t len,
                      unsigned mode, struct bp_error *err)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
        return error_set(err, "%s: path too long", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        return error_set(err, "writing %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            unlink(tmp);
            return error_set(err, "writing %s: %s", path, strerror(e));
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return error_set(err, "writing %s: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return error_set(err, "writing %s: %s", path, strerror(e));
    }
    return 0;
}

int file_mkdirs(const char *path, struct bp_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return error_set(err, "creating directory '%s': bad path", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return error_set(err, "creating directory %s: %s", buf, strerror(errno));
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return error_set(err, "creating directory %s: %s", buf, strerror(errno));
    if (!file_is_dir(buf))
        return error_set(err, "creating directory %s: exists and is not a directory", buf);
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

int file_remove_tree(const char *path, struct bp_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : error_set(err, "removing %s: %s", path, strerror(errno));
    if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) != 0)
        return error_set(err, "removing %s: %s", path, strerror(errno));
    return 0;
}

bool file_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

bool file_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *path_join(const char *a, const char *b)
{
    size_t la = strlen(a);
    while (la > 1 && a[la - 1] == '/')
        la--;
    while (*b == '/')
        b++;
    size_t lb = strlen(b);
    char *out = malloc(la + 1 + lb + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return out;
}
