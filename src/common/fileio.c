/* File helpers: whole-file reads, atomic writes, mkdir -p, rm -rf. */
#include "common/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/xalloc.h"

int file_open_regular(const char *path, struct stat *st, struct bp_error *err)
{
    /* O_NONBLOCK: opening a FIFO with no writer (or some devices) would
     * otherwise block forever; only regular files are read past fstat. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return error_set(err, "%s: %s", path, strerror(errno));
    if (fstat(fd, st) != 0) {
        int e = errno;
        close(fd);
        return error_set(err, "%s: %s", path, strerror(e));
    }
    if (S_ISDIR(st->st_mode)) {
        close(fd);
        return error_set(err, "%s: is a directory", path);
    }
    if (!S_ISREG(st->st_mode)) {
        close(fd);
        return error_set(err, "%s: not a regular file (a FIFO, socket or device is never read)",
                         path);
    }
    return fd;
}

FILE *file_fopen_regular(const char *path, struct bp_error *err)
{
    struct stat st;
    int fd = file_open_regular(path, &st, err);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "r");
    if (f == NULL) {
        error_set(err, "%s: %s", path, strerror(errno));
        close(fd);
    }
    return f;
}

int file_read_all(const char *path, size_t max_bytes, char **out, size_t *len,
                  struct bp_error *err)
{
    *out = NULL;
    struct stat st;
    int fd = file_open_regular(path, &st, err);
    if (fd < 0)
        return -1;
    if ((unsigned long long)st.st_size > max_bytes) {
        close(fd);
        return error_set(err, "%s: larger than %zu bytes", path, max_bytes);
    }
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
    if (cap > max_bytes + 1)
        cap = max_bytes + 1;
    char *buf = xmalloc(cap);
    size_t used = 0;
    for (;;) {
        if (used + 1 >= cap) {
            if (cap > max_bytes) {
                free(buf);
                close(fd);
                return error_set(err, "%s: larger than %zu bytes", path, max_bytes);
            }
            size_t ncap = cap * 2 > max_bytes + 1 ? max_bytes + 1 : cap * 2;
            buf = xreallocarray(buf, ncap, 1);
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
    /* open() cut mode by the umask; the file must have exactly mode (a
     * wrapper another uid runs needs 0755 even under umask 077). */
    if (fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0 || close(fd) != 0) {
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

int file_copy(const char *from, const char *to, size_t max_bytes, unsigned mode,
              struct bp_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (file_read_all(from, max_bytes, &data, &len, err) != 0)
        return -1;
    int rc = file_write_atomic(to, data, len, mode, err);
    free(data);
    return rc;
}

/* mkdir 0755, then chmod: the umask must not make a layer directory
 * unreadable for the app's uid. Existing directories are left alone. */
static int make_dir(const char *path, struct bp_error *err)
{
    if (mkdir(path, 0755) == 0)
        return chmod(path, 0755) == 0
                   ? 0
                   : error_set(err, "creating directory %s: %s", path, strerror(errno));
    if (errno == EEXIST)
        return 0;
    return error_set(err, "creating directory %s: %s", path, strerror(errno));
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
        if (make_dir(buf, err) != 0)
            return -1;
        *p = '/';
    }
    if (make_dir(buf, err) != 0)
        return -1;
    if (!file_is_dir(buf))
        return error_set(err, "creating directory %s: exists and is not a directory", buf);
    return 0;
}

/* One directory on the way down: its name in its parent, and the parent's
 * identity, checked when climbing back up through "..". */
struct level {
    char *name;
    dev_t parent_dev;
    ino_t parent_ino;
};

/* Empties the directory fd (owned: closed here) depth first with
 * openat/unlinkat, holding one descriptor at a time whatever the depth: a
 * tree deeper than PATH_MAX, or deeper than the open-file limit, is removed
 * like any other. Symlinks are unlinked, never followed (O_NOFOLLOW), and a
 * directory moved away mid-removal stops it (the ".." check). */
static int remove_contents(int fd, const char *top, struct bp_error *err)
{
    struct level *stack = NULL;
    size_t depth = 0, cap = 0;
    int rc = -1;
    for (;;) {
        /* A fresh open file description, so each scan starts at the top. */
        int scan_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = scan_fd >= 0 ? fdopendir(scan_fd) : NULL;
        if (d == NULL) {
            error_set(err, "removing %s: %s", top, strerror(errno));
            if (scan_fd >= 0)
                close(scan_fd);
            goto cleanup;
        }
        char *sub = NULL;
        struct dirent *e;
        errno = 0;
        while ((e = readdir(d)) != NULL) {
            const char *name = e->d_name;
            if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
                continue;
            if (unlinkat(fd, name, 0) == 0 || errno == ENOENT) {
                errno = 0;
                continue;
            }
            if (errno != EISDIR && errno != EPERM) {
                error_set(err, "removing %s: %s: %s", top, name, strerror(errno));
                closedir(d);
                goto cleanup;
            }
            sub = xstrdup(name);
            break;
        }
        if (e == NULL && errno != 0) {
            error_set(err, "removing %s: %s", top, strerror(errno));
            closedir(d);
            goto cleanup;
        }
        closedir(d);
        if (sub != NULL) {
            struct stat st;
            int next = -1;
            if (fstat(fd, &st) != 0 ||
                (next = openat(fd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
                error_set(err, "removing %s: %s: %s", top, sub, strerror(errno));
                free(sub);
                goto cleanup;
            }
            if (depth == cap) {
                cap = cap ? cap * 2 : 64;
                stack = xreallocarray(stack, cap, sizeof *stack);
            }
            stack[depth++] = (struct level){sub, st.st_dev, st.st_ino};
            close(fd);
            fd = next;
            continue;
        }
        if (depth == 0)
            break; /* the top directory is empty */
        struct level *up = &stack[depth - 1];
        int parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat pst;
        if (parent < 0 || fstat(parent, &pst) != 0 || pst.st_dev != up->parent_dev ||
            pst.st_ino != up->parent_ino) {
            error_set(err, "removing %s: %s was moved while being removed", top, up->name);
            if (parent >= 0)
                close(parent);
            goto cleanup;
        }
        close(fd);
        fd = parent;
        if (unlinkat(fd, up->name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
            error_set(err, "removing %s: %s: %s", top, up->name, strerror(errno));
            goto cleanup;
        }
        free(up->name);
        depth--;
    }
    rc = 0;
cleanup:
    close(fd);
    for (size_t i = 0; i < depth; i++)
        free(stack[i].name);
    free(stack);
    return rc;
}

int file_remove_tree(const char *path, struct bp_error *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT ? 0 : error_set(err, "removing %s: %s", path, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return unlink(path) == 0 || errno == ENOENT
                   ? 0
                   : error_set(err, "removing %s: %s", path, strerror(errno));
    int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return error_set(err, "removing %s: %s", path, strerror(errno));
    if (remove_contents(dfd, path, err) != 0)
        return -1;
    if (rmdir(path) != 0 && errno != ENOENT)
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
    char *out = xmalloc(la + 1 + lb + 1);
    memcpy(out, a, la);
    out[la] = '/';
    memcpy(out + la + 1, b, lb + 1);
    return out;
}
