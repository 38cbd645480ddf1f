/* The buildpack's BP_DEBUG_* settings: where they are read from (platform
 * env dir, then process env), their spellings, defaults and validation.
 * libc-only: bin/detect links it and runs on every build. */
#ifndef BP_CONFIG_H
#define BP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/* The value parsers of src/debugger/ (shared with the launch wrapper), with
 * errors that name the variable: true/false, 1/0, yes/no, on/off, y/n, t/f
 * in any case, surrounding blanks ignored. */
int config_parse_bool(const char *name, const char *value, bool *out, struct bp_error *err);

/* A TCP port 1..65535 in decimal. */
int config_parse_port(const char *name, const char *value, int *port, struct bp_error *err);

/* An IPv4/IPv6 literal (IPv6 may be in brackets), "*" or "" (all
 * interfaces: "0.0.0.0"), or a host name; *out (malloc'd) has no brackets. */
int config_parse_bind(const char *name, const char *value, char **out, struct bp_error *err);

/* Looks name up in <platform_dir>/env/<name> (what `pack build --env` and
 * kpack write; the user's explicit value, so it wins) and then in the process
 * environment. *value is malloc'd (caller frees) or NULL when unset; a value
 * read from a file loses one trailing newline. platform_dir may be NULL. */
int config_lookup(const char *platform_dir, const char *name, char **value, struct bp_error *err);

/* Exports the <platform>/env value of each name, where set, into the
 * process environment (the user's explicit value wins), for code that reads
 * getenv: the mirror and proxy settings of bin/build's downloads. */
int config_export_platform_env(const char *platform_dir, const char *const *names, size_t n,
                               struct bp_error *err);

/* BP_DEBUG, or its Paketo alias BP_DEBUG_ENABLED; both set but disagreeing
 * is an error. Unset means false. */
int config_debug_enabled(const char *platform_dir, bool *enabled, struct bp_error *err);

/* bin/detect's question, the same for cnbdebug/debug and cnbdebug/debug-
 * flags: config_debug_enabled in the platform dir detect was given, which
 * is CNB_PLATFORM_DIR (Buildpack API 0.10) or, from older platforms, argv[1]. */
int config_detect_enabled(int argc, char **argv, bool *enabled, struct bp_error *err);

struct config_build {
    bool enabled;
    int port;              /* 0: each runtime's default */
    /* BP_DEBUG_<RUNTIME>_PORT: a port for one runtime, over BP_DEBUG_PORT; 0 unset */
    int go_port, python_port, node_port, jvm_port;
    char *bind;            /* never NULL after load: default "0.0.0.0" */
    bool bind_explicit;    /* BP_DEBUG_BIND was set: it wins over launch-time defaults */
    bool suspend;
    char *process_types;   /* NULL: the default process only; "*": all */
    char *python_debugger; /* NULL, "debugpy" or "ptvsd" */
    bool strict;
    char *dlv_version, *debugpy_version, *ptvsd_version, *vsdbg_version; /* pins or NULL */
};

int config_load_build(const char *platform_dir, struct config_build *cfg, struct bp_error *err);
void config_build_free(struct config_build *cfg);

/* Whether process type `type` is selected by cfg->process_types (a comma
 * list or "*"); is_default is the process's default flag. */
bool config_selects_process(const struct config_build *cfg, const char *type, bool is_default);

#endif
