/* Debug configuration labels, written as JSON with jansson. */
#include "labels/labels.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

char *labels_config_json(const struct labels_process *procs, size_t n)
{
    json_t *root = json_object();
    if (root == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const struct labels_process *p = &procs[i];
        json_t *entry = json_object();
        json_t *ports = json_object();
        json_t *tools = json_object();
        if (!entry || !ports || !tools) {
            json_decref(entry);
            json_decref(ports);
            json_decref(tools);
            json_decref(root);
            return NULL;
        }
        if (p->protocol != NULL && p->port > 0)
            json_object_set_new(ports, p->protocol, json_integer(p->port));
        json_object_set_new(entry, "runtime", json_string(p->runtime));
        json_object_set_new(entry, "ports", ports);
        if (p->working_dir)
            json_object_set_new(entry, "workingDir", json_string(p->working_dir));
        if (p->bind && p->protocol)
            json_object_set_new(entry, "bind", json_string(p->bind));
        if (p->tool_path)
            json_object_set_new(tools, p->protocol ? p->protocol : "vsdbg", json_string(p->tool_path));
        json_object_set_new(entry, "tools", tools);
        json_object_set_new(entry, "wait", json_boolean(p->wait));
        json_object_set_new(entry, "managed", json_boolean(p->managed));
        if (p->runtime_version)
            json_object_set_new(entry, "runtimeVersion", json_string(p->runtime_version));
        json_object_set_new(root, p->type, entry);
    }
    char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(root);
    return text;
}

int labels_add(struct cnb_launch *launch, const struct labels_process *procs, size_t n,
               struct bp_error *err)
{
    char *json = labels_config_json(procs, n);
    if (json == NULL)
        return error_set(err, "building the %s label: out of memory", LABELS_CONFIG_KEY);
    int rc = cnb_launch_add_label(launch, LABELS_CONFIG_KEY, json, err);
    free(json);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (procs[i].protocol == NULL || procs[i].port <= 0)
            continue;
        char key[512], value[16];
        snprintf(key, sizeof key, LABELS_PORT_PREFIX "%s.%s", procs[i].type, procs[i].protocol);
        snprintf(value, sizeof value, "%d", procs[i].port);
        rc = cnb_launch_add_label(launch, key, value, err);
    }
    return rc;
}
