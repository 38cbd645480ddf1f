/* Builds the debug-tools layer's content and the metadata that decides
 * whether an existing one can be reused. */
#include "debugtools/debugtools.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "toml/toml.h"

/* Bumped when the layout of the layer changes, so old layers are rebuilt. */
#define DEBUGTOOLS_LAYOUT_VERSION 1

int debugtools_add_tool(struct debugtools_layer *l, const struct deps_dependency *dep, const char *dir,
                        struct bp_error *err)
{
    for (size_t i = 0; i < l->tools_len; i++)
        if (strcmp(l->tools[i].dir, dir) == 0)
            return 0;
    if (l->tools_len >= DEBUGTOOLS_MAX)
        return error_set(err, "too many tools");
    l->tools[l->tools_len].dep = dep;
    l->tools[l->tools_len].dir = dir;
    l->tools_len++;
    return 0;
}

int debugtools_add_wrapper(struct debugtools_layer *l, const char *name, struct bp_error *err)
{
    for (size_t i = 0; i < l->wrappers_len; i++)
        if (strcmp(l->wrappers[i], name) == 0)
            return 0;
    if (l->wrappers_len >= DEBUGTOOLS_MAX)
        return error_set(err, "too many wrappers");
    l->wrappers[l->wrappers_len++] = name;
    return 0;
}

int debugtools_add_link(struct debugtools_layer *l, const char *name, const char *target,
                        struct bp_error *err)
{
    for (size_t i = 0; i < l->links_len; i++) {
        if (strcmp(l->links[i].name, name) != 0)
            continue;
        if (strcmp(l->links[i].target, target) == 0)
            return 0;
        return error_set(err, "two processes need different '%s' (%s and %s); debug one of them "
                         "with BP_DEBUG_PROCESS_TYPES", name, l->links[i].target, target);
    }
    if (l->links_len >= DEBUGTOOLS_MAX)
        return error_set(err, "too many links");
    l->links[l->links_len].name = xstrdup(name);
    l->links[l->links_len].target = xstrdup(target);
    l->links_len++;
    return 0;
}

int debugtools_add_jdwp(struct debugtools_layer *l, const char *process_type, const char *bind,
                        int port, bool suspend, struct bp_error *err)
{
    if (l->jdwp_len >= DEBUGTOOLS_MAX)
        return error_set(err, "too many JVM processes");
    struct debugtools_jdwp *j = &l->jdwp[l->jdwp_len];
    j->process_type = xstrdup(process_type);
    j->bind = xstrdup(bind);
    j->port = port;
    j->suspend = suspend;
    l->jdwp_len++;
    return 0;
}

void debugtools_layer_free(struct debugtools_layer *l)
{
    for (size_t i = 0; i < l->links_len; i++) {
        free(l->links[i].name);
        free(l->links[i].target);
    }
    for (size_t i = 0; i < l->jdwp_len; i++) {
        free(l->jdwp[i].process_type);
        free(l->jdwp[i].bind);
    }
    memset(l, 0, sizeof *l);
}

/* sha256 of the launch wrapper, so a new wrapper replaces the layer. */
static int file_sha256(const char *path, char hex[65], struct bp_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return error_set(err, "reading the launch wrapper %s: %s", path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = -1;
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        error_set(err, "sha256: OpenSSL failed");
        goto done;
    }
    unsigned char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0)
        EVP_DigestUpdate(md, buf, (size_t)n);
    if (n < 0) {
        error_set(err, "reading the launch wrapper %s: %s", path, strerror(errno));
        goto done;
    }
    unsigned char digest[32];
    unsigned len = 0;
    EVP_DigestFinal_ex(md, digest, &len);
    for (unsigned i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", digest[i]);
    rc = 0;
done:
    EVP_MD_CTX_free(md);
    close(fd);
    return rc;
}

/* The toml builders still report allocation failure (NULL, -1); this
 * tree's policy is to abort on it (common/xalloc.h). */
static struct toml_value *must(struct toml_value *v)
{
    if (v == NULL)
        xalloc_die();
    return v;
}

static void set(struct toml_value *table, const char *key, struct toml_value *value)
{
    if (toml_table_set(table, key, must(value)) != 0)
        xalloc_die();
}

static void push(struct toml_value *array, struct toml_value *value)
{
    if (toml_array_push(array, must(value)) != 0)
        xalloc_die();
}

struct toml_value *debugtools_metadata(const struct debugtools_layer *l, struct bp_error *err)
{
    const struct deps_dependency *deps[DEBUGTOOLS_MAX];
    for (size_t i = 0; i < l->tools_len; i++)
        deps[i] = l->tools[i].dep;
    char launcher_sha[65];
    if (file_sha256(l->launcher_path, launcher_sha, err) != 0)
        return NULL;
    struct toml_value *meta = must(deps_layer_metadata(deps, l->tools_len));
    struct toml_value *wrappers = must(toml_new_array()), *links = must(toml_new_table()),
                      *jdwp = must(toml_new_array());
    set(meta, "layout", toml_new_integer(DEBUGTOOLS_LAYOUT_VERSION));
    set(meta, "launcher-sha256", toml_new_string(launcher_sha));
    set(meta, "wrappers", wrappers);
    set(meta, "links", links);
    set(meta, "jdwp", jdwp);
    for (size_t i = 0; i < l->wrappers_len; i++)
        push(wrappers, toml_new_string(l->wrappers[i]));
    for (size_t i = 0; i < l->links_len; i++)
        set(links, l->links[i].name, toml_new_string(l->links[i].target));
    for (size_t i = 0; i < l->jdwp_len; i++) {
        struct toml_value *t = must(toml_new_table());
        push(jdwp, t);
        set(t, "type", toml_new_string(l->jdwp[i].process_type));
        set(t, "bind", toml_new_string(l->jdwp[i].bind));
        set(t, "port", toml_new_integer(l->jdwp[i].port));
        set(t, "suspend", toml_new_bool(l->jdwp[i].suspend));
    }
    return meta;
}

/* path_join, aborting when out of memory (common/xalloc.h's policy). */
static char *join(const char *a, const char *b)
{
    char *path = path_join(a, b);
    if (path == NULL)
        xalloc_die();
    return path;
}

static int copy_file(const char *from, const char *to, mode_t mode, struct bp_error *err)
{
    char *data = NULL;
    size_t len = 0;
    if (file_read_all(from, 64u << 20, &data, &len, err) != 0)
        return -1;
    int rc = file_write_atomic(to, data, len, mode, err);
    free(data);
    if (rc == 0 && chmod(to, mode) != 0)
        return error_set(err, "chmod %s: %s", to, strerror(errno));
    return rc;
}

static int make_symlink(const char *target, const char *dir, const char *name, struct bp_error *err)
{
    char *path = join(dir, name);
    int rc = symlink(target, path) == 0 ? 0 : error_set(err, "linking %s -> %s: %s", path, target, strerror(errno));
    free(path);
    return rc;
}

static int write_text(const char *dir, const char *name, const char *text, struct bp_error *err)
{
    char *path = join(dir, name);
    int rc = file_write_atomic(path, text, strlen(text), 0644, err);
    free(path);
    return rc;
}

int debugtools_populate(const char *dir, void *ctx, struct bp_error *err)
{
    struct debugtools_layer *l = ctx;
    char path[4096], sub[4200];
    for (size_t i = 0; i < l->tools_len; i++) {
        const struct deps_dependency *dep = l->tools[i].dep;
        snprintf(path, sizeof path, "%s/%s", dir, l->tools[i].dir);
        log_step("Installing %s %s", dep->name ? dep->name : dep->id, dep->version);
        uint64_t start = log_now_ns();
        struct deps_install_result res;
        memset(&res, 0, sizeof res);
        if (deps_install(dep, l->fetch, path, &res, err) != 0)
            return -1;
        l->bytes_downloaded += res.bytes_downloaded;
        log_completed(start, 4);
    }
    /* wrap/, not bin/: the lifecycle puts every launch layer's bin/ on PATH,
     * and a wrapper named python or node there would shadow the real tool
     * for every other process in the image. */
    snprintf(path, sizeof path, "%s/wrap", dir);
    if (file_mkdirs(path, err) != 0)
        return -1;
    snprintf(sub, sizeof sub, "%s/debug-launch", path);
    if (copy_file(l->launcher_path, sub, 0755, err) != 0)
        return error_wrap(err, "installing the launch wrapper");
    for (size_t i = 0; i < l->wrappers_len; i++)
        if (make_symlink("debug-launch", path, l->wrappers[i], err) != 0)
            return -1;
    if (l->links_len > 0) {
        snprintf(path, sizeof path, "%s/real", dir);
        if (file_mkdirs(path, err) != 0)
            return -1;
        for (size_t i = 0; i < l->links_len; i++)
            if (make_symlink(l->links[i].target, path, l->links[i].name, err) != 0)
                return -1;
    }
    for (size_t i = 0; i < l->jdwp_len; i++) {
        const struct debugtools_jdwp *j = &l->jdwp[i];
        /* exec.d/<type>/ runs only for that process; env.launch/<type>/
         * carries the build-time defaults the helper falls back to. */
        snprintf(path, sizeof path, "%s/exec.d/%s", dir, j->process_type);
        if (file_mkdirs(path, err) != 0 || make_symlink("../../wrap/debug-launch", path, "jdwp", err) != 0)
            return -1;
        snprintf(path, sizeof path, "%s/env.launch/%s", dir, j->process_type);
        char port[16];
        snprintf(port, sizeof port, "%d", j->port);
        if (file_mkdirs(path, err) != 0 ||
            write_text(path, "BPL_DEBUG_BIND_DEFAULT.default", j->bind, err) != 0 ||
            write_text(path, "BPL_DEBUG_PORT_DEFAULT.default", port, err) != 0 ||
            write_text(path, "BPL_DEBUG_SUSPEND_DEFAULT.default", j->suspend ? "true" : "false", err) != 0)
            return -1;
    }
    return 0;
}
