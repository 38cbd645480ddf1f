/* The debug-tools launch layer: the chosen debuggers, the launch wrapper
 * under each tool's name, links to the real interpreters, and the JVM's
 * exec.d helper. See src/launch/ for what the wrapper does at launch. */
#ifndef BP_DEBUGTOOLS_H
#define BP_DEBUGTOOLS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "deps/deps.h"
#include "runtime/runtime.h"

#define DEBUGTOOLS_LAYER "debug-tools"
#define DEBUGTOOLS_MAX 16

struct debugtools_jdwp {
    char *process_type;
    char *bind;
    int port;
    bool suspend;
};

struct debugtools_layer {
    const char *launcher_path;  /* the buildpack's bin/debug-launch */
    const struct deps_fetch_options *fetch;
    /* dependency to install and the layer sub-directory it goes to */
    struct { const struct deps_dependency *dep; const char *dir; } tools[DEBUGTOOLS_MAX];
    size_t tools_len;
    const char *wrappers[DEBUGTOOLS_MAX]; /* wrap/<name> -> debug-launch */
    size_t wrappers_len;
    struct { char *name; char *target; } links[DEBUGTOOLS_MAX]; /* real/<name> -> target */
    size_t links_len;
    struct debugtools_jdwp jdwp[DEBUGTOOLS_MAX];
    size_t jdwp_len;
    /* env.launch/<type>/<name>.override files (debugtools_add_launch_env) */
    struct { char *process_type; char *name; char *value; } launch_env[DEBUGTOOLS_MAX];
    size_t launch_env_len;
    /* BP_DEBUG_BIND was set at build: recorded as
     * env.launch/CNB_DEBUG_BIND_EXPLICIT so it wins over the wrapper's
     * loopback default on Kubernetes (main_build sets it) */
    bool bind_explicit;
    unsigned long long bytes_downloaded; /* filled by populate */
};

int debugtools_add_tool(struct debugtools_layer *l, const struct deps_dependency *dep, const char *dir,
                        struct bp_error *err);
int debugtools_add_wrapper(struct debugtools_layer *l, const char *name, struct bp_error *err);
/* Two processes that need the same wrapper name for different real tools
 * cannot share one layer: that is an error naming both. */
int debugtools_add_link(struct debugtools_layer *l, const char *name, const char *target,
                        struct bp_error *err);
int debugtools_add_jdwp(struct debugtools_layer *l, const char *process_type, const char *bind,
                        int port, bool suspend, struct bp_error *err);
/* A variable for one process only, written by populate as
 * env.launch/<type>/<name>.override (e.g. CNB_DEBUG_EXPAND with the marks of
 * the words the wrapper expands, command.h's COMMAND_EXPAND_ENV). */
int debugtools_add_launch_env(struct debugtools_layer *l, const char *process_type,
                              const char *name, const char *value, struct bp_error *err);
void debugtools_layer_free(struct debugtools_layer *l);

/* Choosing tools (tools.c): the catalog, the target and the user's pins. */
struct debugtools_choice {
    const struct deps_catalog *catalog;
    const char *os, *arch;
    const char *distro; /* the target distro's name, or NULL (then the build image is asked) */
    const char *dlv_version, *debugpy_version, *ptvsd_version, *vsdbg_version; /* pins or NULL */
};

/* runtime_context callbacks; choice is a struct debugtools_choice. */
const char *debugtools_python_debugger(const char *python_version, void *choice);
bool debugtools_dlv_supports(const char *go_version, void *choice);

/* Adds what a plan needs: its tools resolved from the catalog (logging the
 * chosen dlv), the wrappers under the names its command runs, its real-tool
 * links and the JVM's exec.d helper. */
int debugtools_add_plan(struct debugtools_layer *l, const struct debugtools_choice *c,
                        const struct runtime_plan *plan, const char *process_type,
                        const char *bind, struct bp_error *err);

/* The [metadata] that decides reuse: every input that shapes the layer. */
struct toml_value *debugtools_metadata(const struct debugtools_layer *l, struct bp_error *err);

/* cnb_layer_request populate callback: ctx is a struct debugtools_layer. */
int debugtools_populate(const char *dir, void *ctx, struct bp_error *err);

#endif
