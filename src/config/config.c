/* BP_DEBUG_* lookup, parsing and validation. */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/fileio.h"
#include "common/xalloc.h"
#include "debugger/debugger.h"

#define BOOL_SPELLINGS "true/false, 1/0, yes/no, on/off (any case)"

/* The parsing itself is the debugger module's, shared with the launch
 * wrapper, so a value means the same at build and at launch. */
int config_parse_bool(const char *name, const char *value, bool *out, struct bp_error *err)
{
    if (debugger_parse_bool(value, out) != 0)
        return error_set(err, "%s=\"%s\" is not a boolean; use " BOOL_SPELLINGS, name, value);
    return 0;
}

int config_parse_port(const char *name, const char *value, int *port, struct bp_error *err)
{
    if (debugger_parse_port(value, port) != 0)
        return error_set(err, "%s=\"%s\" is not a port (1-65535)", name, value);
    return 0;
}

int config_parse_bind(const char *name, const char *value, char **out, struct bp_error *err)
{
    char bind[DEBUGGER_HOST_MAX];
    if (debugger_parse_bind(value, bind, sizeof bind) != 0)
        return error_set(err, "%s=\"%s\" is not an IP address or host name (use 0.0.0.0, ::, "
                         "127.0.0.1 or *)", name, value);
    *out = xstrdup(bind);
    return 0;
}

int config_lookup(const char *platform_dir, const char *name, char **value, struct bp_error *err)
{
    *value = NULL;
    if (platform_dir != NULL && platform_dir[0] != '\0') {
        char path[4096];
        snprintf(path, sizeof path, "%s/env/%s", platform_dir, name);
        if (file_exists(path)) {
            size_t len = 0;
            if (file_read_all(path, 64 * 1024, value, &len, err) != 0)
                return -1;
            if (len > 0 && (*value)[len - 1] == '\n')
                (*value)[--len] = '\0';
            return 0;
        }
    }
    const char *env = getenv(name);
    if (env != NULL)
        *value = xstrdup(env);
    return 0;
}

int config_export_platform_env(const char *platform_dir, const char *const *names, size_t n,
                               struct bp_error *err)
{
    for (size_t i = 0; i < n; i++) {
        char *value = NULL;
        if (config_lookup(platform_dir, names[i], &value, err) != 0)
            return -1;
        if (value != NULL && setenv(names[i], value, 1) != 0) {
            free(value);
            return error_set(err, "setting %s: %s", names[i], strerror(errno));
        }
        free(value);
    }
    return 0;
}

/* Reads a boolean variable; *set tells whether it was present at all. */
static int lookup_bool(const char *platform_dir, const char *name, bool *out, bool *set,
                       struct bp_error *err)
{
    char *raw = NULL;
    *set = false;
    if (config_lookup(platform_dir, name, &raw, err) != 0)
        return -1;
    if (raw == NULL)
        return 0;
    int rc = 0;
    if (raw[0] != '\0') {
        rc = config_parse_bool(name, raw, out, err);
        *set = rc == 0;
    }
    free(raw);
    return rc;
}

int config_debug_enabled(const char *platform_dir, bool *enabled, struct bp_error *err)
{
    bool primary = false, alias = false, primary_set, alias_set;
    if (lookup_bool(platform_dir, "BP_DEBUG", &primary, &primary_set, err) != 0 ||
        lookup_bool(platform_dir, "BP_DEBUG_ENABLED", &alias, &alias_set, err) != 0)
        return -1;
    if (primary_set && alias_set && primary != alias)
        return error_set(err, "BP_DEBUG=%s and BP_DEBUG_ENABLED=%s disagree; set one of them",
                         primary ? "true" : "false", alias ? "true" : "false");
    *enabled = primary_set ? primary : alias_set ? alias : false;
    return 0;
}

int config_detect_enabled(int argc, char **argv, bool *enabled, struct bp_error *err)
{
    const char *platform_dir = getenv("CNB_PLATFORM_DIR");
    if (platform_dir == NULL && argc > 1)
        platform_dir = argv[1];
    return config_debug_enabled(platform_dir, enabled, err);
}

static int lookup_nonempty(const char *platform_dir, const char *name, char **out,
                           struct bp_error *err)
{
    if (config_lookup(platform_dir, name, out, err) != 0)
        return -1;
    if (*out != NULL && (*out)[0] == '\0') {
        free(*out);
        *out = NULL;
    }
    return 0;
}

int config_load_build(const char *platform_dir, struct config_build *cfg, struct bp_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    char *raw = NULL;
    bool set;
    if (config_debug_enabled(platform_dir, &cfg->enabled, err) != 0)
        goto fail;

    if (lookup_nonempty(platform_dir, "BP_DEBUG_PORT", &raw, err) != 0)
        goto fail;
    if (raw != NULL && config_parse_port("BP_DEBUG_PORT", raw, &cfg->port, err) != 0)
        goto fail;
    free(raw);
    raw = NULL;

    const struct {
        const char *name;
        int *port;
    } runtime_ports[] = {{"BP_DEBUG_GO_PORT", &cfg->go_port},
                         {"BP_DEBUG_PYTHON_PORT", &cfg->python_port},
                         {"BP_DEBUG_NODE_PORT", &cfg->node_port},
                         {"BP_DEBUG_JVM_PORT", &cfg->jvm_port}};
    for (size_t i = 0; i < sizeof runtime_ports / sizeof *runtime_ports; i++) {
        if (lookup_nonempty(platform_dir, runtime_ports[i].name, &raw, err) != 0)
            goto fail;
        if (raw != NULL && config_parse_port(runtime_ports[i].name, raw, runtime_ports[i].port, err) != 0)
            goto fail;
        free(raw);
        raw = NULL;
    }

    /* Unset or empty: all interfaces, as "" means at launch. */
    if (lookup_nonempty(platform_dir, "BP_DEBUG_BIND", &raw, err) != 0 ||
        config_parse_bind("BP_DEBUG_BIND", raw ? raw : "", &cfg->bind, err) != 0)
        goto fail;
    cfg->bind_explicit = raw != NULL;
    free(raw);
    raw = NULL;

    if (lookup_bool(platform_dir, "BP_DEBUG_SUSPEND", &cfg->suspend, &set, err) != 0 ||
        lookup_bool(platform_dir, "BP_DEBUG_STRICT", &cfg->strict, &set, err) != 0)
        goto fail;

    if (lookup_nonempty(platform_dir, "BP_DEBUG_PROCESS_TYPES", &cfg->process_types, err) != 0)
        goto fail;

    if (lookup_nonempty(platform_dir, "BP_DEBUG_PYTHON_DEBUGGER", &cfg->python_debugger, err) != 0)
        goto fail;
    if (cfg->python_debugger != NULL && strcmp(cfg->python_debugger, "debugpy") != 0 &&
        strcmp(cfg->python_debugger, "ptvsd") != 0) {
        error_set(err, "BP_DEBUG_PYTHON_DEBUGGER=\"%s\" is not supported; use debugpy or ptvsd",
                  cfg->python_debugger);
        goto fail;
    }

    if (lookup_nonempty(platform_dir, "BP_DEBUG_DLV_VERSION", &cfg->dlv_version, err) != 0 ||
        lookup_nonempty(platform_dir, "BP_DEBUG_DEBUGPY_VERSION", &cfg->debugpy_version, err) != 0 ||
        lookup_nonempty(platform_dir, "BP_DEBUG_PTVSD_VERSION", &cfg->ptvsd_version, err) != 0 ||
        lookup_nonempty(platform_dir, "BP_DEBUG_VSDBG_VERSION", &cfg->vsdbg_version, err) != 0)
        goto fail;
    return 0;

fail:
    free(raw);
    config_build_free(cfg);
    return -1;
}

void config_build_free(struct config_build *cfg)
{
    free(cfg->bind);
    free(cfg->process_types);
    free(cfg->python_debugger);
    free(cfg->dlv_version);
    free(cfg->debugpy_version);
    free(cfg->ptvsd_version);
    free(cfg->vsdbg_version);
    memset(cfg, 0, sizeof *cfg);
}

bool config_selects_process(const struct config_build *cfg, const char *type, bool is_default)
{
    if (cfg->process_types == NULL)
        return is_default;
    const char *p = cfg->process_types;
    size_t type_len = strlen(type);
    while (*p) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *start = p;
        while (*p && *p != ',')
            p++;
        const char *end = p;
        while (end > start && isspace((unsigned char)end[-1]))
            end--;
        size_t len = (size_t)(end - start);
        if ((len == 1 && *start == '*') || (len == type_len && strncmp(start, type, len) == 0))
            return true;
    }
    return false;
}
