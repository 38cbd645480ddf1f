/* Layer contribution with reuse: compare the recorded [metadata], keep the
 * layer when it matches, otherwise populate a sibling temp dir and swap it
 * in with renames so the old layer survives any failure. */
#include "cnb/layer_contribute.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/strbuf.h"
#include "toml/toml.h"


static bool number_of(const struct toml_value *v, double *out)
{
    int64_t i;
    if (toml_get_integer(v, &i)) {
        *out = (double)i;
        return true;
    }
    return toml_get_float(v, out);
}

/* Date-times come back from the image label as strings. */
static bool text_of(const struct toml_value *v, const char **s, size_t *len)
{
    if (toml_get_string_len(v, s, len))
        return true;
    if (toml_get_datetime(v, s)) {
        *len = strlen(*s);
        return true;
    }
    return false;
}

bool cnb_layer_metadata_equal(const struct toml_value *a, const struct toml_value *b)
{
    if (a == NULL || b == NULL) {
        const struct toml_value *other = a == NULL ? b : a;
        return other == NULL ||
               (toml_type_of(other) == TOML_TABLE && toml_table_len(other) == 0);
    }
    enum toml_type ta = toml_type_of(a), tb = toml_type_of(b);
    if (ta == TOML_TABLE || tb == TOML_TABLE) {
        if (ta != tb || toml_table_len(a) != toml_table_len(b))
            return false;
        for (size_t i = 0; i < toml_table_len(a); i++) {
            const struct toml_value *other = toml_table_get(b, toml_table_key_at(a, i));
            if (other == NULL || !cnb_layer_metadata_equal(toml_table_value_at(a, i), other))
                return false;
        }
        return true;
    }
    if (ta == TOML_ARRAY || tb == TOML_ARRAY) {
        if (ta != tb || toml_array_len(a) != toml_array_len(b))
            return false;
        for (size_t i = 0; i < toml_array_len(a); i++)
            if (!cnb_layer_metadata_equal(toml_array_at(a, i), toml_array_at(b, i)))
                return false;
        return true;
    }
    double x, y;
    if (number_of(a, &x) && number_of(b, &y))
        return x == y;
    bool p, q;
    if (toml_get_bool(a, &p) && toml_get_bool(b, &q))
        return p == q;
    const char *s1, *s2;
    size_t l1, l2;
    if (text_of(a, &s1, &l1) && text_of(b, &s2, &l2))
        return l1 == l2 && memcmp(s1, s2, l1) == 0;
    return false;
}

static int check_name(const char *name, struct bp_error *err)
{
    static const char *const reserved[] = {"launch", "build", "store", "config", "sbom"};
    size_t n = strlen(name);
    bool ok = n > 0 && n <= 200 && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
             c == '-' || c == '_' || c == '.';
    }
    for (size_t i = 0; ok && i < sizeof reserved / sizeof *reserved; i++)
        ok = strcmp(name, reserved[i]) != 0;
    if (!ok)
        return error_set(err, "layer name \"%s\" is not allowed (use [A-Za-z0-9._-], not "
                              "launch, build, store, config or sbom)", name);
    return 0;
}

/* Removes "<name>.tmp.*", "<name>.old.*" and "<name>.toml.tmp.*" left by a
 * build that was killed mid-way. */
static void remove_stale(const char *layers_dir, const char *name)
{
    DIR *d = opendir(layers_dir);
    if (d == NULL)
        return;
    size_t n = strlen(name);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, name, n) != 0)
            continue;
        const char *rest = e->d_name + n;
        if (strncmp(rest, ".tmp.", 5) != 0 && strncmp(rest, ".old.", 5) != 0 &&
            strncmp(rest, ".toml.tmp.", 10) != 0)
            continue;
        char *path = path_join(layers_dir, e->d_name);
        struct bp_error ignored;
        if (path != NULL)
            file_remove_tree(path, &ignored);
        free(path);
    }
    closedir(d);
}

static struct toml_value *layer_toml(const struct cnb_layer_request *req)
{
    struct toml_value *root = toml_new_table();
    struct toml_value *types = toml_new_table();
    struct toml_value *meta = req->metadata != NULL ? toml_clone(req->metadata) : toml_new_table();
    toml_table_set(types, "launch", toml_new_bool(req->launch));
    toml_table_set(types, "build", toml_new_bool(req->build));
    toml_table_set(types, "cache", toml_new_bool(req->cache));
    toml_table_set(root, "types", types);
    toml_table_set(root, "metadata", meta);
    return root;
}

/* Writes text to path and fsyncs it, leaving the rename to the caller. */
static int write_synced(const char *path, const char *text, struct bp_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return error_set(err, "writing %s: %s", path, strerror(errno));
    /* Exactly 0644 whatever the umask: the lifecycle and the app read it. */
    if (fchmod(fd, 0644) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        return error_set(err, "writing %s: %s", path, strerror(e));
    }
    size_t len = strlen(text), done = 0;
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return error_set(err, "writing %s: %s", path, strerror(e));
        }
        done += (size_t)n;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        int e = errno;
        unlink(path);
        return error_set(err, "writing %s: %s", path, strerror(e));
    }
    return 0;
}

int cnb_layer_contribute(const struct cnb_layer_request *req, enum cnb_layer_outcome *outcome,
                     struct bp_error *err)
{
    if (check_name(req->name, err) != 0)
        return -1;
    if (req->metadata != NULL && toml_type_of(req->metadata) != TOML_TABLE)
        return error_set(err, "layer %s: metadata must be a table", req->name);
    if (req->populate == NULL)
        return error_set(err, "layer %s: nothing to populate it with", req->name);

    int rc = -1;
    char *dir = NULL, *toml_path = NULL, *tmp_dir = NULL, *toml_tmp = NULL, *old_dir = NULL;
    char *text = NULL;
    struct toml_value *existing = NULL, *next = NULL;
    bool tmp_made = false, toml_tmp_made = false;

    dir = path_join(req->layers_dir, req->name);
    toml_path = str_format("%s.toml", dir);
    tmp_dir = str_format("%s.tmp.%ld", dir, (long)getpid());
    toml_tmp = str_format("%s.toml.tmp.%ld", dir, (long)getpid());
    old_dir = str_format("%s.old.%ld", dir, (long)getpid());
    remove_stale(req->layers_dir, req->name);

    next = layer_toml(req);
    text = toml_write(next, err);
    if (text == NULL) {
        error_wrap(err, "layer %s: writing %s", req->name, toml_path);
        goto cleanup;
    }

    bool dir_exists = file_is_dir(dir);
    if (file_exists(toml_path)) {
        struct bp_error parse_err;
        existing = toml_parse_file(toml_path, &parse_err);
        if (existing == NULL)
            log_detail("Ignoring unreadable layer metadata: %s", parse_err.message);
    }
    bool launch_only = req->launch && !req->build && !req->cache;
    if (existing != NULL &&
        cnb_layer_metadata_equal(toml_table_get(existing, "metadata"), req->metadata) &&
        (dir_exists || launch_only)) {
        /* The lifecycle restores <name>.toml without [types]: write them again. */
        if (file_write_atomic(toml_path, text, strlen(text), 0644, err) != 0)
            goto cleanup;
        log_step("Reusing cached layer %s", dir);
        *outcome = CNB_LAYER_REUSED;
        rc = 0;
        goto cleanup;
    }

    log_step("Contributing to layer %s", dir);
    if (file_remove_tree(tmp_dir, err) != 0)
        goto cleanup;
    if (mkdir(tmp_dir, 0755) != 0 || chmod(tmp_dir, 0755) != 0) {
        error_set(err, "layer %s: creating %s: %s", req->name, tmp_dir, strerror(errno));
        goto cleanup;
    }
    tmp_made = true;
    if (req->populate(tmp_dir, req->ctx, err) != 0)
        goto cleanup;
    /* populate ran with the default umask; the layer must be readable by
     * the app's user, which need not be the build's. */
    chmod(tmp_dir, 0755);

    if (write_synced(toml_tmp, text, err) != 0)
        goto cleanup;
    toml_tmp_made = true;
    bool moved_old = false;
    if (dir_exists || file_exists(dir)) {
        if (rename(dir, old_dir) != 0) {
            error_set(err, "layer %s: moving %s aside: %s", req->name, dir, strerror(errno));
            goto cleanup;
        }
        moved_old = true;
    }
    if (rename(tmp_dir, dir) != 0) {
        error_set(err, "layer %s: renaming %s to %s: %s", req->name, tmp_dir, dir,
                  strerror(errno));
        if (moved_old)
            rename(old_dir, dir);
        goto cleanup;
    }
    tmp_made = false;
    if (rename(toml_tmp, toml_path) != 0) {
        error_set(err, "layer %s: writing %s: %s", req->name, toml_path, strerror(errno));
        /* Put the old layer back: a new dir under the old toml would lie. */
        rename(dir, tmp_dir);
        tmp_made = true;
        if (moved_old)
            rename(old_dir, dir);
        goto cleanup;
    }
    toml_tmp_made = false;
    if (moved_old) {
        struct bp_error rm_err;
        if (file_remove_tree(old_dir, &rm_err) != 0)
            log_warning("could not remove the previous layer: %s", rm_err.message);
    }
    *outcome = CNB_LAYER_CONTRIBUTED;
    rc = 0;
cleanup:
    if (tmp_made) {
        struct bp_error ignored;
        file_remove_tree(tmp_dir, &ignored);
    }
    if (toml_tmp_made)
        unlink(toml_tmp);
    free(text);
    toml_free(next);
    toml_free(existing);
    free(old_dir);
    free(toml_tmp);
    free(tmp_dir);
    free(toml_path);
    free(dir);
    return rc;
}
