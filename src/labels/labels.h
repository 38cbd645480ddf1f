/* Image labels that tell platforms and IDEs where each debugger listens,
 * readable without knowing this buildpack: one JSON label shaped like the
 * per-container value of Skaffold's debug.cloud.google.com/config, and one
 * plain label per port for tools that cannot parse JSON. */
#ifndef BP_LABELS_H
#define BP_LABELS_H

#include <stdbool.h>
#include <stddef.h>

#include "cnb/cnb.h"
#include "common/error.h"

#define LABELS_CONFIG_KEY "dev.cnbdebug.debug.config"
#define LABELS_PORT_PREFIX "dev.cnbdebug.debug.port." /* + <type>.<protocol> */

struct labels_process {
    const char *type;
    const char *runtime;         /* Skaffold's names: go, python, nodejs, netcore, jvm */
    const char *protocol;        /* dlv, dap, devtools, jdwp; NULL: no port */
    int port;
    const char *bind;
    const char *working_dir;     /* as the process has it: absolute, or relative to app_dir */
    const char *app_dir;         /* the app's directory in the image */
    const char *tool_path;       /* the real debugger in the image, or NULL */
    const char *runtime_version; /* or NULL */
    bool wait;
    bool managed; /* false: the command was already debug-enabled, left alone */
    /* For IDE configs, the label's "source": the sources' root (the working
     * dir, absolute) and, for Go, what the binary's build info says. */
    const char *go_module; /* the main module path; NULL: not Go, or no build info */
    bool go_trimpath;      /* built with -trimpath (only read with go_module) */
};

/* Adds the JSON label and the per-port labels to launch. */
int labels_add(struct cnb_launch *launch, const struct labels_process *procs, size_t n,
               struct bp_error *err);

/* The JSON text alone (malloc'd), for tests and the build log; NULL with
 * err set when a string is not valid UTF-8 (JSON cannot hold it). Running
 * out of memory aborts (common/xalloc.h). Ports outside 1..65535 are left
 * out, so a bad value never becomes a label. */
char *labels_config_json(const struct labels_process *procs, size_t n, struct bp_error *err);

#endif
