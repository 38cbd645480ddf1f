/* Safe extraction with libarchive: its ARCHIVE_EXTRACT_SECURE_* flags plus
 * our own checks on every entry (names, link targets, types, and a cap on
 * bytes actually written), so a hostile archive cannot leave dest_dir. */
#include "deps/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"

#define MAX_ENTRIES 100000 /* many empty files are a bomb too */
#define READ_BLOCK (1 << 20)

static bool ends_with(const char *s, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    return len >= n && strncasecmp(s + len - n, suffix, n) == 0;
}

enum deps_archive_kind deps_archive_kind_of(const char *uri)
{
    size_t len = strcspn(uri, "?#");
    static const char *const tars[] = {".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz",
                                       ".tar.bz2", ".tbz2", ".tar.zst"};
    for (size_t i = 0; i < sizeof tars / sizeof *tars; i++)
        if (ends_with(uri, len, tars[i]))
            return DEPS_ARCHIVE_TAR;
    if (ends_with(uri, len, ".zip") || ends_with(uri, len, ".whl"))
        return DEPS_ARCHIVE_ZIP;
    return DEPS_ARCHIVE_NONE;
}

/* Normalises an archive name into out ("a/b/c"), dropping "." and empty
 * parts and the first strip parts. Returns the part count left, 0 when
 * nothing is left (a stripped leading directory), -1 for a ".." part,
 * -2 for an absolute name, -3 for a name too long. */
static int normalize(const char *name, int strip, char *out, size_t n)
{
    if (name[0] == '/')
        return -2;
    size_t used = 0;
    int parts = 0, seen = 0;
    const char *p = name;
    out[0] = '\0';
    while (*p != '\0') {
        size_t len = strcspn(p, "/");
        if (len == 2 && strncmp(p, "..", 2) == 0)
            return -1;
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (seen++ >= strip) {
                if (used + len + 2 > n)
                    return -3;
                if (parts > 0)
                    out[used++] = '/';
                memcpy(out + used, p, len);
                used += len;
                out[used] = '\0';
                parts++;
            }
        }
        p += len;
        while (*p == '/')
            p++;
    }
    return parts;
}

/* A symlink may only point inside the tree: relative, any ".." only
 * leading, and no more of them than the link's own depth. With every link
 * held to this, following chains of links cannot leave the tree either. */
static bool symlink_target_ok(const char *target, int link_depth)
{
    if (target[0] == '\0' || target[0] == '/')
        return false;
    int ups = 0;
    bool named = false;
    const char *p = target;
    while (*p != '\0') {
        size_t len = strcspn(p, "/");
        if (len == 2 && strncmp(p, "..", 2) == 0) {
            if (named)
                return false;
            ups++;
        } else if (len > 0 && !(len == 1 && p[0] == '.')) {
            named = true;
        }
        p += len;
        while (*p == '/')
            p++;
    }
    return ups <= link_depth;
}

/* Refuses to write through a symlink already on disk (a link entry
 * followed by "link/file"), or over one. rel is relative to the working
 * directory, which is the destination during extraction. */
static int check_on_disk(const char *rel, const char *label, const char *name,
                         struct bp_error *err)
{
    char path[4096];
    size_t n = strlen(rel);
    if (n >= sizeof path)
        return error_set(err, "extracting %s: entry \"%s\": name too long", label, name);
    memcpy(path, rel, n + 1);
    for (size_t i = 0; i <= n; i++) {
        if (path[i] != '/' && path[i] != '\0')
            continue;
        char saved = path[i];
        path[i] = '\0';
        struct stat st;
        bool link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
        if (link && saved == '\0')
            return error_set(err, "extracting %s: entry \"%s\": would replace the symlink \"%s\"",
                             label, name, path);
        if (link)
            return error_set(err, "extracting %s: entry \"%s\": would write through the symlink \"%s\"",
                             label, name, path);
        path[i] = saved;
    }
    return 0;
}

static int fail_entry(struct bp_error *err, const char *label, const char *name, const char *why)
{
    return error_set(err, "extracting %s: entry \"%s\": %s", label, name, why);
}

/* libarchive's message ("Write failed") plus the errno text behind it
 * ("No space left on device"), which is what a user can act on. */
static int fail_archive(struct bp_error *err, const char *label, const char *name,
                        struct archive *a)
{
    const char *msg = archive_error_string(a);
    int e = archive_errno(a);
    if (msg == NULL)
        msg = "failed";
    if (e > 0 && strstr(msg, strerror(e)) == NULL)
        return error_set(err, "extracting %s: entry \"%s\": %s: %s", label, name, msg, strerror(e));
    return fail_entry(err, label, name, msg);
}

int deps_extract_archive(const char *archive_path, enum deps_archive_kind kind,
                         const char *label, const char *dest_dir, int strip_components,
                         unsigned long long max_bytes, unsigned long long *written,
                         struct bp_error *err)
{
    unsigned long long total = 0;
    int rc = -1, archive_fd = -1, saved_cwd = -1;
    mode_t old_umask = 0;
    bool umask_set = false;
    char partial[4096] = "";
    struct archive *in = archive_read_new();
    struct archive *out = archive_write_disk_new();
    if (in == NULL || out == NULL)
        xalloc_die(); /* libarchive's constructors fail only for memory */
    if (kind == DEPS_ARCHIVE_ZIP) {
        /* The seekable reader trusts the central directory, as unzip and
         * pip do, not local headers a crafted file could disagree with. */
        archive_read_support_format_zip_seekable(in);
    } else {
        archive_read_support_format_tar(in);
        archive_read_support_format_gnutar(in);
        archive_read_support_filter_all(in);
    }
    /* Extract relative to the destination as the working directory, so
     * ARCHIVE_EXTRACT_SECURE_* judge only the archive's names and not the
     * path above dest_dir (which may well contain symlinks). bin/build is
     * single-threaded; the directory is restored below. */
    /* Directories libarchive makes on its own (parents with no entry) get
     * 0777 & ~umask; under umask 077 the app's uid could not enter them.
     * The process is single-threaded; the umask is restored below. */
    old_umask = umask(022);
    umask_set = true;
    archive_fd = open(archive_path, O_RDONLY | O_CLOEXEC);
    if (archive_fd < 0) {
        error_set(err, "extracting %s: reading %s: %s", label, archive_path, strerror(errno));
        goto cleanup;
    }
    saved_cwd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (saved_cwd < 0 || chdir(dest_dir) != 0) {
        error_set(err, "extracting %s: entering %s: %s", label, dest_dir, strerror(errno));
        goto cleanup;
    }
    if (archive_read_open_fd(in, archive_fd, READ_BLOCK) != ARCHIVE_OK) {
        error_set(err, "extracting %s: %s", label, archive_error_string(in));
        goto cleanup;
    }
    archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                                            ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                            ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                            ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);

    struct archive_entry *entry;
    int entries = 0;
    for (;;) {
        int r = archive_read_next_header(in, &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            error_set(err, "extracting %s: %s", label, archive_error_string(in));
            goto cleanup;
        }
        /* A copy: the entry's own name changes below. */
        const char *entry_name = archive_entry_pathname(entry);
        if (entry_name == NULL) {
            error_set(err, "extracting %s: entry %d has no name", label, entries + 1);
            goto cleanup;
        }
        /* Refused, not cut: a cut name is another file. */
        size_t name_len = strlen(entry_name);
        if (name_len >= PATH_MAX) {
            error_set(err, "extracting %s: entry %d: name of %zu bytes is longer than %d bytes "
                           "(starts \"%.64s\")", label, entries + 1, name_len, PATH_MAX - 1,
                      entry_name);
            goto cleanup;
        }
        char name[PATH_MAX];
        memcpy(name, entry_name, name_len + 1);
        if (++entries > MAX_ENTRIES) {
            error_set(err, "extracting %s: more than %d entries", label, MAX_ENTRIES);
            goto cleanup;
        }
        char rel[4096];
        int parts = normalize(name, strip_components, rel, sizeof rel);
        if (parts < 0) {
            fail_entry(err, label, name,
                       parts == -2   ? "an absolute path leaves the destination"
                       : parts == -3 ? "name too long"
                                     : "\"..\" leaves the destination");
            goto cleanup;
        }
        mode_t type = archive_entry_filetype(entry);
        const char *hardlink = archive_entry_hardlink(entry);
        if (hardlink == NULL && type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK) {
            fail_entry(err, label, name, "device, fifo or socket entries are not allowed");
            goto cleanup;
        }
        if (parts == 0)
            continue; /* the leading directory strip-components removes */
        if (check_on_disk(rel, label, name, err) != 0)
            goto cleanup;
        archive_entry_copy_pathname(entry, rel);
        if (hardlink != NULL && strlen(hardlink) >= PATH_MAX) {
            fail_entry(err, label, name, "hard link target longer than 4095 bytes");
            goto cleanup;
        }
        if (hardlink != NULL) {
            char target_rel[PATH_MAX];
            if (normalize(hardlink, strip_components, target_rel, sizeof target_rel) <= 0) {
                fail_entry(err, label, name, "hard link target leaves the destination");
                goto cleanup;
            }
            struct stat st;
            if (check_on_disk(target_rel, label, name, err) != 0)
                goto cleanup;
            if (lstat(target_rel, &st) != 0 || !S_ISREG(st.st_mode)) {
                fail_entry(err, label, name, "hard link to something that is not an extracted file");
                goto cleanup;
            }
            archive_entry_copy_hardlink(entry, target_rel);
        } else if (type == AE_IFLNK) {
            const char *target = archive_entry_symlink(entry);
            if (target == NULL || !symlink_target_ok(target, parts - 1)) {
                char why[4200];
                snprintf(why, sizeof why, "symlink to \"%s\" leaves the destination",
                         target ? target : "");
                fail_entry(err, label, name, why);
                goto cleanup;
            }
        }
        /* Executable for everyone when executable for anyone (0700 -> 0755),
         * else 0644: the app may run as another user. Drops setuid, setgid,
         * sticky and group/other write. */
        mode_t perm = archive_entry_perm(entry) & 0111 ? 0755 : 0644;
        archive_entry_set_perm(entry, type == AE_IFDIR ? 0755 : perm);
        archive_entry_set_uid(entry, 0);
        archive_entry_set_gid(entry, 0);

        /* libarchive reports failed writes (ENOSPC) as ARCHIVE_WARN: only
         * ARCHIVE_OK is success. */
        r = archive_write_header(out, entry);
        if (r != ARCHIVE_OK) {
            fail_archive(err, label, name, out);
            goto cleanup;
        }
        if (type == AE_IFREG && hardlink == NULL) {
            const void *buf;
            size_t size;
            la_int64_t offset;
            /* libarchive extends a file to its declared size when it is
             * closed, even after an error: remove it then. */
            snprintf(partial, sizeof partial, "%s", rel);
            while ((r = archive_read_data_block(in, &buf, &size, &offset)) == ARCHIVE_OK) {
                total += size;
                if (total > max_bytes) {
                    char why[128];
                    snprintf(why, sizeof why, "extraction exceeds the %llu-byte limit", max_bytes);
                    fail_entry(err, label, name, why);
                    goto cleanup;
                }
                if (archive_write_data_block(out, buf, size, offset) != ARCHIVE_OK) {
                    fail_archive(err, label, name, out);
                    goto cleanup;
                }
            }
            if (r != ARCHIVE_EOF) {
                fail_archive(err, label, name, in);
                goto cleanup;
            }
        }
        if (archive_write_finish_entry(out) != ARCHIVE_OK) {
            fail_archive(err, label, name, out);
            goto cleanup;
        }
        partial[0] = '\0';
    }
    /* Directory modes and times are applied here, after their contents. */
    if (archive_write_close(out) != ARCHIVE_OK) {
        error_set(err, "extracting %s: %s", label, archive_error_string(out));
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (written != NULL)
        *written = total;
    if (out != NULL)
        archive_write_free(out);
    if (in != NULL)
        archive_read_free(in);
    if (rc != 0 && partial[0] != '\0' && saved_cwd >= 0)
        unlink(partial);
    if (archive_fd >= 0)
        close(archive_fd);
    if (umask_set)
        umask(old_umask);
    if (saved_cwd >= 0) {
        if (fchdir(saved_cwd) != 0 && rc == 0)
            rc = error_set(err, "extracting %s: returning to the working directory: %s", label,
                           strerror(errno));
        close(saved_cwd);
    }
    return rc;
}

int deps_install_single_file(const char *src_path, const char *dest_dir, const char *name,
                             unsigned long long max_bytes, struct bp_error *err)
{
    if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return error_set(err, "installing %s: \"%s\" is not a file name", src_path, name);
    char *dest = path_join(dest_dir, name);
    char *buf = xmalloc(READ_BLOCK);
    int in = -1, out = -1, rc = -1;
    in = open(src_path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        error_set(err, "reading %s: %s", src_path, strerror(errno));
        goto cleanup;
    }
    out = open(dest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
    if (out < 0) {
        error_set(err, "writing %s: %s", dest, strerror(errno));
        goto cleanup;
    }
    unsigned long long total = 0;
    for (;;) {
        ssize_t n = read(in, buf, READ_BLOCK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_set(err, "reading %s: %s", src_path, strerror(errno));
            goto cleanup;
        }
        if (n == 0)
            break;
        total += (unsigned long long)n;
        if (total > max_bytes) {
            error_set(err, "installing %s: larger than the %llu-byte limit", src_path, max_bytes);
            goto cleanup;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = write(out, buf + done, (size_t)(n - done));
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0) {
                error_set(err, "writing %s: %s", dest, strerror(errno));
                goto cleanup;
            }
            done += w;
        }
    }
    /* The mode given to open() is cut by the umask; the tool must run. */
    if (fchmod(out, 0755) != 0 || close(out) != 0) {
        out = -1;
        error_set(err, "writing %s: %s", dest, strerror(errno));
        goto cleanup;
    }
    out = -1;
    rc = 0;
cleanup:
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    if (rc != 0 && dest != NULL)
        unlink(dest);
    free(buf);
    free(dest);
    return rc;
}
