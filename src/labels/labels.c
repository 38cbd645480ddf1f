/* Debug configuration labels, written as JSON with jansson. */
#include "labels/labels.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

static void *alloc(size_t size)
{
    return xmalloc(size);
}

/* jansson allocates with xmalloc, so running out of memory aborts as
 * everywhere else; its NULLs and -1s then mean one thing: a string that is
 * not valid UTF-8. */
static void use_xalloc(void)
{
    json_set_alloc_funcs(alloc, free);
}

struct builder {
    const char *type; /* the process, for messages */
    struct bp_error *err;
    int failed;
};

static json_t *object(void)
{
    json_t *o = json_object();
    if (o == NULL)
        xalloc_die();
    return o;
}

static void put(struct builder *b, json_t *obj, const char *key, json_t *value)
{
    if (value == NULL || json_object_set_new(obj, key, value) != 0) {
        if (b->failed++ == 0)
            error_set(b->err, "the %s label: process '%s': %s is not valid UTF-8",
                      LABELS_CONFIG_KEY, b->type, key);
    }
}

static bool valid_port(int port)
{
    return port >= 1 && port <= 65535;
}

/* "source": where the sources sit in the image, for IDE path mappings. */
static json_t *source_of(struct builder *b, const struct labels_process *p)
{
    json_t *source = object();
    const char *dir = p->working_dir ? p->working_dir : p->app_dir;
    if (dir != NULL && dir[0] != '/' && p->app_dir != NULL) {
        char *root = xasprintf("%s/%s", p->app_dir, dir);
        put(b, source, "root", json_string(root));
        free(root);
    } else if (dir != NULL) {
        put(b, source, "root", json_string(dir));
    }
    if (p->go_module != NULL) {
        put(b, source, "module", json_string(p->go_module));
        put(b, source, "trimpath", json_boolean(p->go_trimpath));
    }
    return source;
}

static json_t *entry_of(struct builder *b, const struct labels_process *p)
{
    json_t *entry = object(), *ports = object(), *tools = object();
    if (p->protocol != NULL && valid_port(p->port))
        put(b, ports, p->protocol, json_integer(p->port));
    put(b, entry, "runtime", json_string(p->runtime));
    put(b, entry, "ports", ports);
    if (p->working_dir)
        put(b, entry, "workingDir", json_string(p->working_dir));
    if (p->bind && p->protocol)
        put(b, entry, "bind", json_string(p->bind));
    if (p->tool_path)
        put(b, tools, p->protocol ? p->protocol : "vsdbg", json_string(p->tool_path));
    put(b, entry, "tools", tools);
    put(b, entry, "wait", json_boolean(p->wait));
    put(b, entry, "managed", json_boolean(p->managed));
    if (p->runtime_version)
        put(b, entry, "runtimeVersion", json_string(p->runtime_version));
    put(b, entry, "source", source_of(b, p));
    return entry;
}

char *labels_config_json(const struct labels_process *procs, size_t n, struct bp_error *err)
{
    use_xalloc();
    json_t *root = object();
    struct builder b = {.err = err};
    for (size_t i = 0; i < n; i++) {
        b.type = procs[i].type;
        put(&b, root, procs[i].type, entry_of(&b, &procs[i]));
    }
    char *text = b.failed ? NULL : json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    if (text != NULL) {
        /* json_dumps's buffer is ours (xmalloc), so callers free() it */
        return text;
    }
    if (!b.failed)
        xalloc_die(); /* json_dumps fails only when allocation does */
    return NULL;
}

int labels_add(struct cnb_launch *launch, const struct labels_process *procs, size_t n,
               struct bp_error *err)
{
    char *json = labels_config_json(procs, n, err);
    if (json == NULL)
        return -1;
    int rc = cnb_launch_add_label(launch, LABELS_CONFIG_KEY, json, err);
    free(json);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (procs[i].protocol == NULL || !valid_port(procs[i].port))
            continue;
        char key[512], value[16];
        snprintf(key, sizeof key, LABELS_PORT_PREFIX "%s.%s", procs[i].type, procs[i].protocol);
        snprintf(value, sizeof value, "%d", procs[i].port);
        rc = cnb_launch_add_label(launch, key, value, err);
    }
    return rc;
}
