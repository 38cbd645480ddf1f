/* deps_install: choose the source (packaged offline copy, dependency-mapping
 * binding, mirror, URI), fetch or read it, verify the sha256, extract into a
 * staging dir and rename it into place, cleaning up on every failure. */
#include "deps/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/strbuf.h"

#define DEFAULT_MAX_EXTRACT (4ULL << 30)

/* The last path segment of a URI, without query or fragment, %XX decoded. */
static char *uri_basename(const char *uri)
{
    size_t len = strcspn(uri, "?#");
    const char *start = uri;
    for (size_t i = 0; i < len; i++)
        if (uri[i] == '/')
            start = uri + i + 1;
    return deps_percent_decode(start, (size_t)(uri + len - start));
}

/* file:///abs/path or file://localhost/abs/path -> malloc'd decoded path. */
static char *file_uri_path(const char *uri)
{
    const char *p = uri + strlen("file://");
    if (strncasecmp(p, "localhost/", 10) == 0)
        p += 9;
    if (*p != '/')
        return NULL;
    return deps_percent_decode(p, strcspn(p, "?#"));
}


static int only_regular(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* <buildpack>/dependencies/<sha256>/<file>: the URI's file name, else the
 * one regular file there (Paketo also keeps a <sha256>.toml beside it). */
static char *offline_path(const char *buildpack_dir, const struct deps_dependency *dep)
{
    if (buildpack_dir == NULL)
        return NULL;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/dependencies/%s", buildpack_dir, dep->sha256);
    if (!file_is_dir(dir))
        return NULL;
    char *name = uri_basename(dep->uri);
    char *path = name[0] != '\0' ? path_join(dir, name) : NULL;
    free(name);
    struct stat st;
    if (path != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return path;
    free(path);
    path = NULL;
    struct dirent **names = NULL;
    int n = scandir(dir, &names, only_regular, alphasort);
    int regular = 0;
    for (int i = 0; i < n; i++) {
        char *candidate = path_join(dir, names[i]->d_name);
        if (candidate != NULL && stat(candidate, &st) == 0 && S_ISREG(st.st_mode) &&
            !(strlen(names[i]->d_name) > 5 &&
              strcmp(names[i]->d_name + strlen(names[i]->d_name) - 5, ".toml") == 0)) {
            regular++;
            free(path);
            path = candidate;
        } else {
            free(candidate);
        }
        free(names[i]);
    }
    free(names);
    if (regular != 1) {
        free(path);
        return NULL;
    }
    return path;
}

int deps_install(const struct deps_dependency *dep, const struct deps_fetch_options *opt,
                 const char *dest_dir, struct deps_install_result *res, struct bp_error *err)
{
    struct deps_install_result local_res;
    if (res == NULL)
        res = &local_res;
    memset(res, 0, sizeof *res);
    struct deps_fetch_options defaults = {0};
    if (opt == NULL)
        opt = &defaults;
    unsigned long long max_bytes = opt->max_extract_bytes ? opt->max_extract_bytes : DEFAULT_MAX_EXTRACT;

    if (file_exists(dest_dir))
        return error_set(err, "installing %s %s: %s already exists", dep->id, dep->version, dest_dir);

    int rc = -1;
    char *parent = NULL, *bindings = NULL, *mapped = NULL, *mirrored = NULL, *local = NULL;
    char *download = NULL, *staging = NULL, *file_name = NULL;
    int fd = -1;
    bool staged = false;

    char *dest_copy = xstrdup(dest_dir);
    parent = strdup(dirname(dest_copy));
    free(dest_copy);
    if (parent == NULL || file_mkdirs(parent, err) != 0)
        goto cleanup;
    bindings = deps_bindings_root(opt);

    const char *uri = dep->uri;
    local = offline_path(opt->buildpack_dir, dep);
    if (local != NULL) {
        res->from_offline_cache = true;
        log_detail("Using the packaged copy %s", local);
    } else {
        if (deps_mapping_uri(bindings, dep->sha256, &mapped, err) != 0)
            goto cleanup;
        if (mapped != NULL) {
            uri = mapped;
            log_detail("Dependency mapping binding found for %s", dep->sha256);
        } else {
            if (deps_mirror_uri(opt, bindings, dep->uri, &mirrored, err) != 0)
                goto cleanup;
            if (mirrored != NULL) {
                uri = mirrored;
                log_detail("Dependency mirror found: download URI overridden");
            }
        }
        if (strncasecmp(uri, "file://", 7) == 0) {
            local = file_uri_path(uri);
            if (local == NULL) {
                error_set(err, "installing %s %s: \"%s\" is not a file:///absolute/path URI",
                          dep->id, dep->version, uri);
                goto cleanup;
            }
            log_detail("Copying from %s", local);
        }
    }

    char shown[2048];
    const char *archive_path;
    char actual[65];
    if (local != NULL) {
        snprintf(shown, sizeof shown, "%s", local);
        if (deps_sha256_file(local, actual, err) != 0)
            goto cleanup;
        archive_path = local;
    } else {
        deps_redact_url(uri, shown, sizeof shown);
        log_detail("Downloading from %s", shown);
        const char *base = strrchr(dest_dir, '/');
        base = base ? base + 1 : dest_dir;
        download = str_format("%s/.%s.download.%ld", parent, base, (long)getpid());
        fd = open(download, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            error_set(err, "downloading %s: creating %s: %s", shown, download, strerror(errno));
            goto cleanup;
        }
        unsigned long long cap = dep->size > 0                 ? dep->size
                                 : opt->max_download_bytes > 0 ? opt->max_download_bytes
                                                               : DEPS_DOWNLOAD_MAX_BYTES;
        if (deps_fetch_url(uri, opt, bindings, fd, download, cap, actual,
                           &res->bytes_downloaded, err) != 0)
            goto cleanup;
        if (close(fd) != 0) {
            fd = -1;
            error_set(err, "downloading %s: writing %s: %s", shown, download, strerror(errno));
            goto cleanup;
        }
        fd = -1;
        archive_path = download;
    }
    snprintf(res->source_used, sizeof res->source_used, "%s", shown);

    log_detail("Verifying checksum");
    if (strcasecmp(actual, dep->sha256) != 0) {
        error_set(err, "%s %s from %s: sha256 mismatch: expected %s, got %s", dep->id,
                  dep->version, shown, dep->sha256, actual);
        goto cleanup;
    }

    enum deps_archive_kind kind = deps_archive_kind_of(dep->uri);
    log_detail("%s to %s", kind != DEPS_ARCHIVE_NONE ? "Expanding" : "Copying", dest_dir);
    staging = str_format("%s.part.%ld", dest_dir, (long)getpid());
    if (file_remove_tree(staging, err) != 0)
        goto cleanup;
    /* chmod: the umask must not narrow what the app's uid may enter. */
    if (mkdir(staging, 0755) != 0 || chmod(staging, 0755) != 0) {
        error_set(err, "creating %s: %s", staging, strerror(errno));
        goto cleanup;
    }
    staged = true;
    if (kind != DEPS_ARCHIVE_NONE) {
        if (deps_extract_archive(archive_path, kind, shown, staging, dep->strip_components,
                                 max_bytes, NULL, err) != 0)
            goto cleanup;
    } else {
        file_name = uri_basename(dep->uri);
        if (deps_install_single_file(archive_path, staging, file_name, max_bytes, err) != 0)
            goto cleanup;
    }
    if (rename(staging, dest_dir) != 0) {
        error_set(err, "installing %s: renaming %s to %s: %s", dep->id, staging, dest_dir,
                  strerror(errno));
        goto cleanup;
    }
    staged = false;
    rc = 0;
cleanup:
    if (fd >= 0)
        close(fd);
    if (download != NULL)
        unlink(download);
    if (staged) {
        struct bp_error ignored;
        file_remove_tree(staging, &ignored);
    }
    free(file_name);
    free(staging);
    free(download);
    free(local);
    free(mirrored);
    free(mapped);
    free(bindings);
    free(parent);
    return rc;
}
