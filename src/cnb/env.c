/* Layers and their env files (the Buildpack API's <layer>.toml and env/,
 * env.launch/, env.launch/<process>/, env.build/ dirs), read and written,
 * and the environment the lifecycle's launcher gives a process, computed the
 * way lifecycle v0.21.0 does it (env/env.go AddRootDir/addEnvDir,
 * env/launch.go NewLaunchEnv, launch/launcher.go doEnv). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "common/strbuf.h"
#include "common/xalloc.h"
#include "toml/toml.h"

/* ---- environment lists ------------------------------------------------- */

void cnb_env_free(struct cnb_env *env)
{
    for (size_t i = 0; i < env->len; i++)
        free(env->vars[i]);
    free(env->vars);
    env->vars = NULL;
    env->len = 0;
}

static long env_find(const struct cnb_env *env, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < env->len; i++)
        if (strncmp(env->vars[i], name, n) == 0 && env->vars[i][n] == '=')
            return (long)i;
    return -1;
}

const char *cnb_env_get(const struct cnb_env *env, const char *name)
{
    long i = env_find(env, name);
    return i < 0 ? NULL : strchr(env->vars[i], '=') + 1;
}

void cnb_env_set(struct cnb_env *env, const char *name, const char *value)
{
    char *entry = xasprintf("%s=%s", name, value);
    long i = env_find(env, name);
    if (i >= 0) {
        free(env->vars[i]);
        env->vars[i] = entry;
        return;
    }
    env->vars = xreallocarray(env->vars, env->len + 2, sizeof *env->vars);
    env->vars[env->len++] = entry;
    env->vars[env->len] = NULL;
}

void cnb_env_unset(struct cnb_env *env, const char *name)
{
    long i = env_find(env, name);
    if (i < 0)
        return;
    free(env->vars[i]);
    memmove(&env->vars[i], &env->vars[i + 1], (env->len - (size_t)i) * sizeof *env->vars);
    env->len--;
}

void cnb_env_copy(struct cnb_env *dst, char *const *environ_list)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; environ_list != NULL && environ_list[i] != NULL; i++) {
        const char *eq = strchr(environ_list[i], '=');
        if (eq == NULL || eq == environ_list[i])
            continue;
        char *name = xstrndup(environ_list[i], (size_t)(eq - environ_list[i]));
        cnb_env_set(dst, name, eq + 1);
        free(name);
    }
}

const char *cnb_env_getenv(const char *name, void *env)
{
    return cnb_env_get(env, name);
}

/* ---- reading small files without blocking ------------------------------ */

/* Reads a regular file of at most max bytes. A FIFO, device or directory is
 * never opened blocking: refused with an error naming it (issue 13). */
static int read_small(const char *path, size_t max, char **out, size_t *len, struct bp_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return error_set(err, "opening %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return error_set(err, "%s is not a regular file: not read", path);
    }
    if ((size_t)st.st_size > max) {
        close(fd);
        return error_set(err, "%s is larger than %zu bytes", path, max);
    }
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0 && sb.len <= max)
        strbuf_append(&sb, buf, (size_t)n);
    int saved = errno;
    close(fd);
    if (n < 0) {
        strbuf_free(&sb);
        return error_set(err, "reading %s: %s", path, strerror(saved));
    }
    if (sb.len > max) {
        strbuf_free(&sb);
        return error_set(err, "%s is larger than %zu bytes", path, max);
    }
    if (len != NULL)
        *len = sb.len;
    *out = strbuf_detach(&sb);
    return 0;
}

#define ENV_FILE_MAX (1024 * 1024)

/* ---- env dirs ---------------------------------------------------------- */

static const char *const action_suffix[] = {
    [CNB_ENV_OVERRIDE] = "override", [CNB_ENV_DEFAULT] = "default",
    [CNB_ENV_PREPEND] = "prepend",   [CNB_ENV_APPEND] = "append",
};

void cnb_env_mods_free(struct cnb_env_mods *mods)
{
    for (size_t i = 0; i < mods->len; i++) {
        free(mods->items[i].name);
        free(mods->items[i].value);
        free(mods->items[i].delim);
    }
    free(mods->items);
    memset(mods, 0, sizeof *mods);
}

void cnb_env_mods_add(struct cnb_env_mods *mods, const char *name, enum cnb_env_action action,
                      const char *value, const char *delim)
{
    mods->items = xreallocarray(mods->items, mods->len + 1, sizeof *mods->items);
    struct cnb_env_mod *m = &mods->items[mods->len++];
    m->name = xstrdup(name);
    m->action = action;
    m->value = xstrdup(value);
    m->delim = delim ? xstrdup(delim) : NULL;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file names of dir in byte order (os.ReadDir sorts by name), skipping
 * directories and symlinks to directories, as eachEnvFile does. *names is
 * NULL when dir does not exist. */
static int env_dir_names(const char *dir, char ***names, size_t *count, struct bp_error *err)
{
    *names = NULL;
    *count = 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno == ENOENT ? 0 : error_set(err, "reading env dir %s: %s", dir, strerror(errno));
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *path = path_join(dir, e->d_name);
        struct stat st;
        bool is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        free(path);
        if (is_dir)
            continue;
        *names = xreallocarray(*names, *count + 1, sizeof **names);
        (*names)[(*count)++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (*count > 1)
        qsort(*names, *count, sizeof **names, compare_names);
    return 0;
}

static void free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
}

/* NAME.suffix split at the first dot, as strings.SplitN(k, ".", 2): a
 * name with more dots ("A.B.prepend") has the suffix "B.prepend", which
 * the lifecycle ignores. Returns the action, or -1 for an ignored file
 * (unknown suffix, and NAME.delim, read with its NAME). */
static int classify(const char *file, char **name)
{
    const char *dot = strchr(file, '.');
    *name = dot ? xstrndup(file, (size_t)(dot - file)) : xstrdup(file);
    if (dot == NULL)
        return CNB_ENV_OVERRIDE; /* lifecycle v0.21.0 DefaultActionType: every API it supports */
    for (size_t a = 0; a < sizeof action_suffix / sizeof *action_suffix; a++)
        if (strcmp(dot + 1, action_suffix[a]) == 0)
            return (int)a;
    free(*name);
    *name = NULL;
    return -1;
}

int cnb_env_dir_read(const char *dir, struct cnb_env_mods *out, struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    char **names;
    size_t count;
    if (env_dir_names(dir, &names, &count, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        char *name = NULL;
        int action = classify(names[i], &name);
        if (action < 0)
            continue;
        char *path = path_join(dir, names[i]);
        char *value = NULL, *delim = NULL;
        rc = read_small(path, ENV_FILE_MAX, &value, NULL, err);
        free(path);
        if (rc == 0) {
            char *delim_file = xasprintf("%s/%s.delim", dir, name);
            if (access(delim_file, F_OK) == 0)
                rc = read_small(delim_file, ENV_FILE_MAX, &delim, NULL, err);
            free(delim_file);
        }
        if (rc == 0)
            cnb_env_mods_add(out, name, (enum cnb_env_action)action, value, delim);
        free(name);
        free(value);
        free(delim);
    }
    free_names(names, count);
    if (rc != 0)
        cnb_env_mods_free(out);
    return rc;
}

int cnb_env_dir_write(const char *dir, const struct cnb_env_mods *mods, struct bp_error *err)
{
    if (file_mkdirs(dir, err) != 0)
        return -1;
    for (size_t i = 0; i < mods->len; i++) {
        const struct cnb_env_mod *m = &mods->items[i];
        if (m->name[0] == '\0' || strchr(m->name, '/') != NULL || strchr(m->name, '.') != NULL ||
            strchr(m->name, '=') != NULL)
            return error_set(err, "env file in %s: \"%s\" is not a variable name", dir, m->name);
        char *path = xasprintf("%s/%s.%s", dir, m->name, action_suffix[m->action]);
        int rc = file_write_atomic(path, m->value, strlen(m->value), 0644, err);
        free(path);
        if (rc == 0 && m->delim != NULL) {
            path = xasprintf("%s/%s.delim", dir, m->name);
            rc = file_write_atomic(path, m->delim, strlen(m->delim), 0644, err);
            free(path);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

void cnb_env_apply_mods(struct cnb_env *env, const struct cnb_env_mods *mods)
{
    for (size_t i = 0; i < mods->len; i++) {
        const struct cnb_env_mod *m = &mods->items[i];
        const char *old = cnb_env_get(env, m->name);
        const char *delim = m->delim ? m->delim : ""; /* no .delim: nothing between (env.go delim) */
        char *joined = NULL;
        switch (m->action) {
        case CNB_ENV_OVERRIDE:
            cnb_env_set(env, m->name, m->value);
            break;
        case CNB_ENV_DEFAULT: /* an empty value counts as unset (env.go: Get(name) != "") */
            if (old == NULL || old[0] == '\0')
                cnb_env_set(env, m->name, m->value);
            break;
        case CNB_ENV_PREPEND:
            joined = old && old[0] ? xasprintf("%s%s%s", m->value, delim, old) : xstrdup(m->value);
            cnb_env_set(env, m->name, joined);
            break;
        case CNB_ENV_APPEND:
            joined = old && old[0] ? xasprintf("%s%s%s", old, delim, m->value) : xstrdup(m->value);
            cnb_env_set(env, m->name, joined);
            break;
        }
        free(joined);
    }
}

int cnb_env_apply_dir(struct cnb_env *env, const char *dir, struct bp_error *err)
{
    struct cnb_env_mods mods;
    if (cnb_env_dir_read(dir, &mods, err) != 0)
        return -1;
    cnb_env_apply_mods(env, &mods);
    cnb_env_mods_free(&mods);
    return 0;
}

/* ---- layers ------------------------------------------------------------ */

void cnb_layer_free(struct cnb_layer *layer)
{
    free(layer->name);
    free(layer->path);
    toml_free(layer->metadata);
    memset(layer, 0, sizeof *layer);
}

void cnb_layer_list_free(struct cnb_layer_list *list)
{
    for (size_t i = 0; i < list->len; i++)
        cnb_layer_free(&list->items[i]);
    free(list->items);
    memset(list, 0, sizeof *list);
}

static bool is_layer_name(const char *name)
{
    return name[0] != '\0' && strcmp(name, ".") != 0 && strcmp(name, "..") != 0 &&
           strchr(name, '/') == NULL;
}

int cnb_layer_read(const char *bp_dir, const char *name, struct cnb_layer *out, struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    if (!is_layer_name(name))
        return error_set(err, "%s: \"%s\" is not a layer name", bp_dir, name);
    out->name = xstrdup(name);
    out->path = path_join(bp_dir, name);
    char *toml_path = xasprintf("%s.toml", out->path);
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    if (access(toml_path, F_OK) == 0 &&
        (rc = read_small(toml_path, ENV_FILE_MAX, &text, &len, err)) == 0) {
        struct toml_value *doc = toml_parse(text, len, toml_path, err);
        if (doc == NULL) {
            rc = -1;
        } else {
            const struct toml_value *types = toml_table_get(doc, "types");
            toml_get_bool(toml_table_get(types, "launch"), &out->launch);
            toml_get_bool(toml_table_get(types, "build"), &out->build);
            toml_get_bool(toml_table_get(types, "cache"), &out->cache);
            const struct toml_value *md = toml_table_get(doc, "metadata");
            if (md != NULL && toml_type_of(md) == TOML_TABLE)
                out->metadata = toml_clone(md);
            toml_free(doc);
        }
    }
    free(text);
    free(toml_path);
    if (rc != 0)
        cnb_layer_free(out);
    return rc;
}

int cnb_layer_write_toml(const struct cnb_layer *layer, struct bp_error *err)
{
    struct toml_value *doc = toml_new_table();
    struct toml_value *types = toml_new_table();
    toml_table_set(types, "launch", toml_new_bool(layer->launch));
    toml_table_set(types, "build", toml_new_bool(layer->build));
    toml_table_set(types, "cache", toml_new_bool(layer->cache));
    toml_table_set(doc, "types", types);
    if (layer->metadata != NULL)
        toml_table_set(doc, "metadata", toml_clone(layer->metadata));
    char *path = xasprintf("%s.toml", layer->path);
    int rc = toml_write_file(path, doc, err);
    free(path);
    toml_free(doc);
    return rc;
}

int cnb_layers_read(const char *bp_dir, struct cnb_layer_list *out, struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    DIR *d = opendir(bp_dir);
    if (d == NULL)
        return errno == ENOENT ? 0
                               : error_set(err, "reading layers of %s: %s", bp_dir, strerror(errno));
    char **names = NULL;
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_layer_name(e->d_name))
            continue;
        char *path = path_join(bp_dir, e->d_name);
        struct stat st;
        bool is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
        free(path);
        if (!is_dir)
            continue;
        names = xreallocarray(names, count + 1, sizeof *names);
        names[count++] = xstrdup(e->d_name);
    }
    closedir(d);
    if (count > 1)
        qsort(names, count, sizeof *names, compare_names);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        out->items = xreallocarray(out->items, out->len + 1, sizeof *out->items);
        rc = cnb_layer_read(bp_dir, names[i], &out->items[out->len], err);
        if (rc == 0)
            out->len++;
    }
    free_names(names, count);
    if (rc != 0)
        cnb_layer_list_free(out);
    return rc;
}

char *cnb_layer_env_dir(const struct cnb_layer *layer, enum cnb_env_scope scope, const char *process)
{
    static const char *const dirs[] = {[CNB_ENV_ALL] = "env", [CNB_ENV_LAUNCH] = "env.launch",
                                       [CNB_ENV_BUILD] = "env.build"};
    if (process != NULL && scope == CNB_ENV_LAUNCH && is_layer_name(process))
        return xasprintf("%s/%s/%s", layer->path, dirs[scope], process);
    if (process != NULL)
        return NULL; /* only env.launch has per-process dirs; a bad type names no dir */
    return xasprintf("%s/%s", layer->path, dirs[scope]);
}

/* ---- the launch environment -------------------------------------------- */

void cnb_env_launch_base(struct cnb_env *env)
{
    /* env/launch.go: LaunchEnvExcludelist, and the process/lifecycle dirs
     * taken off PATH. */
    static const char *const excluded[] = {"CNB_LAYERS_DIR", "CNB_APP_DIR", "CNB_PROCESS_TYPE",
                                           "CNB_PLATFORM_API", "CNB_DEPRECATION_MODE"};
    for (size_t i = 0; i < sizeof excluded / sizeof *excluded; i++)
        cnb_env_unset(env, excluded[i]);
    const char *path = cnb_env_get(env, "PATH");
    if (path == NULL)
        return;
    struct strbuf sb = STRBUF_INIT;
    const char *p = path;
    bool first = true;
    for (;;) {
        size_t n = strcspn(p, ":");
        bool drop = (n == 12 && strncmp(p, "/cnb/process", 12) == 0) ||
                    (n == 14 && strncmp(p, "/cnb/lifecycle", 14) == 0);
        if (!drop) {
            if (!first)
                strbuf_append_char(&sb, ':');
            strbuf_append(&sb, p, n);
            first = false;
        }
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    char *stripped = strbuf_detach(&sb);
    cnb_env_set(env, "PATH", stripped);
    free(stripped);
}

int cnb_launch_env_apply_buildpack(struct cnb_env *env, const char *bp_dir, const char *process,
                                   struct bp_error *err)
{
    struct cnb_layer_list layers;
    if (cnb_layers_read(bp_dir, &layers, err) != 0)
        return -1;
    /* Only launch = true layers reach the image; the launcher walks what is
     * there: first every layer's bin/ and lib/ (AddRootDir), then every
     * layer's env files (doLayerEnvFiles). */
    for (size_t i = 0; i < layers.len; i++) {
        if (!layers.items[i].launch)
            continue;
        static const char *const roots[][2] = {{"bin", "PATH"}, {"lib", "LD_LIBRARY_PATH"}};
        for (size_t r = 0; r < 2; r++) {
            char *child = path_join(layers.items[i].path, roots[r][0]);
            if (access(child, F_OK) == 0) { /* os.Stat: any file type counts */
                const char *old = cnb_env_get(env, roots[r][1]);
                char *joined = old && old[0] ? xasprintf("%s:%s", child, old) : xstrdup(child);
                cnb_env_set(env, roots[r][1], joined);
                free(joined);
            }
            free(child);
        }
    }
    int rc = 0;
    for (size_t i = 0; i < layers.len && rc == 0; i++) {
        if (!layers.items[i].launch)
            continue;
        char *dirs[3] = {cnb_layer_env_dir(&layers.items[i], CNB_ENV_ALL, NULL),
                         cnb_layer_env_dir(&layers.items[i], CNB_ENV_LAUNCH, NULL),
                         process && process[0] ? cnb_layer_env_dir(&layers.items[i], CNB_ENV_LAUNCH, process)
                                               : NULL};
        for (size_t k = 0; k < 3 && rc == 0; k++)
            if (dirs[k] != NULL)
                rc = cnb_env_apply_dir(env, dirs[k], err);
        for (size_t k = 0; k < 3; k++)
            free(dirs[k]);
    }
    cnb_layer_list_free(&layers);
    return rc;
}

int cnb_launch_env_for_process(const struct cnb_build_context *ctx, const char *process,
                               char *const *base_env, struct cnb_env *out, struct bp_error *err)
{
    cnb_env_copy(out, base_env);
    cnb_env_launch_base(out);
    char **ids = NULL;
    size_t count = 0;
    if (cnb_group_earlier(ctx, &ids, &count, err) != 0) {
        cnb_env_free(out);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        char *dir = cnb_buildpack_layers_dir(ctx, ids[i]);
        rc = cnb_launch_env_apply_buildpack(out, dir, process, err);
        free(dir);
    }
    free_names(ids, count);
    if (rc != 0)
        cnb_env_free(out);
    return rc;
}
