/* Processes: read earlier buildpacks' launch.toml files in group order,
 * merge them as the lifecycle does, and write our own launch.toml. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "common/xalloc.h"
#include "toml/toml.h"

void cnb_process_free(struct cnb_process *p)
{
    free(p->type);
    command_argv_free(&p->command);
    command_argv_free(&p->args);
    free(p->working_dir);
    free(p->buildpack_id);
    free(p->source);
    memset(p, 0, sizeof *p);
}

void cnb_process_list_free(struct cnb_process_list *list)
{
    for (size_t i = 0; i < list->len; i++)
        cnb_process_free(&list->items[i]);
    free(list->items);
    list->items = NULL;
    list->len = 0;
}

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

void cnb_process_copy(struct cnb_process *dst, const struct cnb_process *src)
{
    memset(dst, 0, sizeof *dst);
    dst->type = dup_or_null(src->type);
    dst->working_dir = dup_or_null(src->working_dir);
    dst->buildpack_id = dup_or_null(src->buildpack_id);
    dst->source = dup_or_null(src->source);
    dst->legacy = src->legacy;
    dst->direct = src->direct;
    dst->is_default = src->is_default;
    dst->implied_default = src->implied_default;
    command_argv_copy(&dst->command, &src->command);
    command_argv_copy(&dst->args, &src->args);
}

/* Appends, or replaces the process of the same type (later buildpacks win). */
static int list_put(struct cnb_process_list *list, struct cnb_process *p, struct bp_error *err)
{
    for (size_t i = 0; i < list->len; i++) {
        if (strcmp(list->items[i].type, p->type) == 0) {
            cnb_process_free(&list->items[i]);
            list->items[i] = *p;
            return 0;
        }
    }
    (void)err;
    list->items = xreallocarray(list->items, list->len + 1, sizeof *list->items);
    list->items[list->len++] = *p;
    return 0;
}

static int read_string_array(const struct toml_value *array, const char *path, const char *type,
                             const char *what, struct command_argv *out, struct bp_error *err)
{
    for (size_t i = 0; i < toml_array_len(array); i++) {
        const char *s = NULL;
        if (!toml_get_string(toml_array_at(array, i), &s))
            return error_set(err, "%s: process '%s': %s[%zu] is not a string", path, type, what, i);
        command_argv_push(out, s);
    }
    return 0;
}

static int parse_process(const struct toml_value *t, const char *path, const char *bp_id,
                         size_t index, struct cnb_process *p, struct bp_error *err)
{
    memset(p, 0, sizeof *p);
    const char *type = NULL;
    if (toml_type_of(t) != TOML_TABLE || !toml_get_string(toml_table_get(t, "type"), &type) ||
        type[0] == '\0') {
        error_set(err, "%s: processes[%zu] has no type", path, index);
        goto fail;
    }
    /* The type names directories of our layer (exec.d/<type>/): refuse what
     * the exporter refuses and the dot names. */
    if (strpbrk(type, "/><:|&\\") != NULL || strcmp(type, ".") == 0 || strcmp(type, "..") == 0) {
        error_set(err, "%s: processes[%zu] type \"%s\" is not a process type name (no /><:|&\\, "
                       "not . or ..)", path, index, type);
        goto fail;
    }
    p->type = xstrdup(type);
    p->buildpack_id = xstrdup(bp_id);
    p->source = xstrdup(path);

    const struct toml_value *command = toml_table_get(t, "command");
    const char *line = NULL;
    if (command != NULL && toml_type_of(command) == TOML_ARRAY) {
        if (read_string_array(command, path, type, "command", &p->command, err) != 0)
            goto fail;
        p->direct = true;
    } else if (toml_get_string(command, &line)) {
        p->legacy = true;
        command_argv_push(&p->command, line);
        bool direct = false;
        p->direct = toml_get_bool(toml_table_get(t, "direct"), &direct) && direct;
    } else {
        error_set(err, "%s: process '%s' needs a command (a string, or an array of strings)", path,
                  type);
        goto fail;
    }
    if (p->command.len == 0 || p->command.items[0][0] == '\0') {
        error_set(err, "%s: process '%s' has an empty command", path, type);
        goto fail;
    }
    const struct toml_value *args = toml_table_get(t, "args");
    if (args != NULL) {
        if (toml_type_of(args) != TOML_ARRAY) {
            error_set(err, "%s: process '%s': args must be an array of strings", path, type);
            goto fail;
        }
        if (read_string_array(args, path, type, "args", &p->args, err) != 0)
            goto fail;
    }
    bool is_default = false;
    if (toml_get_bool(toml_table_get(t, "default"), &is_default))
        p->is_default = is_default;
    const char *wd = NULL;
    if (toml_get_string(toml_table_get(t, "working-dir"), &wd))
        p->working_dir = xstrdup(wd);
    return 0;
fail:
    cnb_process_free(p);
    return -1;
}

char *cnb_buildpack_layers_dir(const struct cnb_build_context *ctx, const char *id)
{
    char *escaped = xstrdup(id);
    for (char *c = escaped; *c; c++)
        if (*c == '/')
            *c = '_';
    char *dir = path_join(ctx->layers_root, escaped);
    free(escaped);
    return dir;
}

static int read_launch_toml(const struct cnb_build_context *ctx, const char *bp_id,
                            struct cnb_process_list *list, struct bp_error *err)
{
    char *dir = cnb_buildpack_layers_dir(ctx, bp_id);
    char *path = path_join(dir, "launch.toml");
    free(dir);
    if (!file_exists(path)) {
        free(path);
        return 0;
    }
    struct toml_value *doc = toml_parse_file(path, err);
    if (doc == NULL) {
        free(path);
        return error_wrap(err, "reading processes of buildpack %s", bp_id);
    }
    int rc = 0;
    const struct toml_value *procs = toml_table_get(doc, "processes");
    if (procs != NULL && toml_type_of(procs) != TOML_ARRAY) {
        rc = error_set(err, "%s: processes must be an array of tables ([[processes]])", path);
        goto done;
    }
    for (size_t i = 0; i < toml_array_len(procs); i++) {
        struct cnb_process p;
        if (parse_process(toml_array_at(procs, i), path, bp_id, i, &p, err) != 0 ||
            list_put(list, &p, err) != 0) {
            rc = -1;
            goto done;
        }
        if (p.is_default) /* the last default wins */
            for (size_t k = 0; k < list->len; k++)
                if (strcmp(list->items[k].type, p.type) != 0)
                    list->items[k].is_default = false;
    }
done:
    toml_free(doc);
    free(path);
    return rc;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Buildpack ids in group order from group.toml, up to (not including) ours;
 * without group.toml, the layer directory names in sorted order. */
int cnb_group_earlier(const struct cnb_build_context *ctx, char ***ids, size_t *count,
                      struct bp_error *err)
{
    *ids = NULL;
    *count = 0;
    char *group_path = path_join(ctx->layers_root, "group.toml");
    if (file_exists(group_path)) {
        struct toml_value *doc = toml_parse_file(group_path, err);
        if (doc == NULL) {
            free(group_path);
            return -1;
        }
        const struct toml_value *group = toml_table_get(doc, "group");
        char **list = xcalloc(toml_array_len(group) + 1, sizeof *list);
        size_t n = 0;
        int rc = 0;
        for (size_t i = 0; i < toml_array_len(group); i++) {
            const char *id = NULL;
            if (!toml_get_string(toml_table_get(toml_array_at(group, i), "id"), &id))
                continue;
            if (strcmp(id, ctx->buildpack_id) == 0)
                break;
            /* The escaped id names a directory under the layers root: one
             * that is empty, "." or ".." would read outside it. */
            if (id[0] == '\0' || strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
                rc = error_set(err, "%s: group[%zu] id \"%s\" escapes the layers root %s",
                               group_path, i, id, ctx->layers_root);
                break;
            }
            list[n++] = xstrdup(id);
        }
        toml_free(doc);
        free(group_path);
        if (rc != 0) {
            for (size_t k = 0; k < n; k++)
                free(list[k]);
            free(list);
            return -1;
        }
        *ids = list;
        *count = n;
        return 0;
    }
    free(group_path);

    DIR *dir = opendir(ctx->layers_root);
    if (dir == NULL)
        return error_set(err, "reading the layers root %s: %s", ctx->layers_root, strerror(errno));
    char **list = NULL;
    size_t n = 0;
    struct dirent *entry;
    const char *own = strrchr(ctx->layers_dir, '/');
    own = own ? own + 1 : ctx->layers_dir;
    while ((entry = readdir(dir)) != NULL) {
        if (entry->d_name[0] == '.' || strcmp(entry->d_name, own) == 0 ||
            strcmp(entry->d_name, "config") == 0 || strcmp(entry->d_name, "sbom") == 0)
            continue;
        list = xreallocarray(list, n + 2, sizeof *list);
        list[n++] = xstrdup(entry->d_name);
    }
    closedir(dir);
    if (n > 1)
        qsort(list, n, sizeof *list, compare_names);
    *ids = list;
    *count = n;
    return 0;
}

int cnb_read_processes(const struct cnb_build_context *ctx, struct cnb_process_list *out,
                       struct bp_error *err)
{
    memset(out, 0, sizeof *out);
    char **ids = NULL;
    size_t count = 0;
    if (cnb_group_earlier(ctx, &ids, &count, err) != 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++)
        rc = read_launch_toml(ctx, ids[i], out, err);
    for (size_t i = 0; i < count; i++)
        free(ids[i]);
    free(ids);
    if (rc != 0) {
        cnb_process_list_free(out);
        return -1;
    }
    bool any_default = false;
    for (size_t i = 0; i < out->len; i++)
        any_default |= out->items[i].is_default;
    for (size_t i = 0; i < out->len && !any_default; i++)
        if (strcmp(out->items[i].type, "web") == 0)
            out->items[i].implied_default = true;
    return 0;
}

int cnb_launch_add_label(struct cnb_launch *launch, const char *key, const char *value,
                         struct bp_error *err)
{
    (void)err;
    launch->labels = xreallocarray(launch->labels, launch->labels_len + 1, sizeof *launch->labels);
    struct cnb_label *l = &launch->labels[launch->labels_len++];
    l->key = xstrdup(key);
    l->value = xstrdup(value);
    return 0;
}

void cnb_launch_free(struct cnb_launch *launch)
{
    cnb_process_list_free(&launch->processes);
    for (size_t i = 0; i < launch->labels_len; i++) {
        free(launch->labels[i].key);
        free(launch->labels[i].value);
    }
    free(launch->labels);
    memset(launch, 0, sizeof *launch);
}

static struct toml_value *string_array(const struct command_argv *argv)
{
    struct toml_value *array = toml_new_array();
    for (size_t i = 0; i < argv->len; i++)
        toml_array_push(array, toml_new_string(argv->items[i]));
    return array;
}

int cnb_launch_write(const char *layers_dir, const struct cnb_launch *launch, struct bp_error *err)
{
    struct toml_value *doc = toml_new_table();
    struct toml_value *procs = toml_new_array();
    struct toml_value *labels = toml_new_array();
    for (size_t i = 0; i < launch->processes.len; i++) {
        const struct cnb_process *p = &launch->processes.items[i];
        struct toml_value *t = toml_new_table();
        toml_array_push(procs, t);
        toml_table_set(t, "type", toml_new_string(p->type));
        toml_table_set(t, "command", string_array(&p->command));
        toml_table_set(t, "args", string_array(&p->args));
        toml_table_set(t, "default", toml_new_bool(p->is_default));
        if (p->working_dir)
            toml_table_set(t, "working-dir", toml_new_string(p->working_dir));
    }
    for (size_t i = 0; i < launch->labels_len; i++) {
        struct toml_value *t = toml_new_table();
        toml_array_push(labels, t);
        toml_table_set(t, "key", toml_new_string(launch->labels[i].key));
        toml_table_set(t, "value", toml_new_string(launch->labels[i].value));
    }
    if (launch->processes.len > 0)
        toml_table_set(doc, "processes", procs);
    else
        toml_free(procs);
    if (launch->labels_len > 0)
        toml_table_set(doc, "labels", labels);
    else
        toml_free(labels);
    char *path = path_join(layers_dir, "launch.toml");
    int rc = toml_write_file(path, doc, err);
    free(path);
    toml_free(doc);
    return rc;
}
