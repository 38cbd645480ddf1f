/* The Buildpack API 0.10 contract as bin/build sees it: its context from
 * CNB_* variables, the processes earlier buildpacks declared in their
 * launch.toml (both the API < 0.9 and >= 0.9 shapes), our launch.toml,
 * layers and their env files, the environment the launcher gives each
 * process, and where a process's command will be found at launch. */
#ifndef BP_CNB_H
#define BP_CNB_H

#include <stdbool.h>
#include <stddef.h>

#include "command/command.h"
#include "common/error.h"

struct toml_value;

struct cnb_build_context {
    char *layers_dir;    /* CNB_LAYERS_DIR: this buildpack's own layers dir */
    char *layers_root;   /* its parent: every buildpack's layers, group.toml */
    char *platform_dir;  /* CNB_PLATFORM_DIR */
    char *plan_path;     /* CNB_BP_PLAN_PATH */
    char *buildpack_dir; /* CNB_BUILDPACK_DIR */
    char *app_dir;       /* the working directory the lifecycle runs us in */
    char *target_os, *target_arch, *target_arch_variant;   /* CNB_TARGET_* */
    char *target_distro_name, *target_distro_version;
    char *buildpack_id, *buildpack_version, *buildpack_name; /* from buildpack.toml */
};

/* Reads CNB_* variables (falling back to the positional arguments older
 * platforms pass: <layers> <platform> <plan>) and buildpack.toml. Errors name
 * the missing variable or unreadable directory. */
int cnb_build_context_load(int argc, char **argv, struct cnb_build_context *ctx, struct bp_error *err);
void cnb_build_context_free(struct cnb_build_context *ctx);

struct cnb_process {
    char *type;
    /* API >= 0.9: command is the exec'd array. API < 0.9 (legacy): command
     * holds the one `command` string, run directly when `direct`, else it
     * is a shell line that bash runs with args as positional parameters. */
    struct command_argv command;
    struct command_argv args;
    bool legacy;
    bool direct;
    bool is_default;
    /* No process is default and this one is `web`: it is the one to debug,
     * but the lifecycle does not make it the image's default, so neither
     * does our launch.toml. */
    bool implied_default;
    char *working_dir;  /* NULL: the app dir */
    char *buildpack_id; /* who declared it */
    char *source;       /* the launch.toml it came from, for messages */
};

struct cnb_process_list {
    struct cnb_process *items;
    size_t len;
};

/* Reads the launch.toml of every buildpack that built before us, in group
 * order (<layers_root>/group.toml; directory order when it is missing),
 * merged as the lifecycle merges them: a later process of the same type
 * replaces the earlier one and the last default wins. With no default, a
 * `web` process is marked implied_default. A malformed launch.toml is an error naming
 * the file. */
int cnb_read_processes(const struct cnb_build_context *ctx, struct cnb_process_list *out,
                       struct bp_error *err);
void cnb_process_list_free(struct cnb_process_list *list);
/* A deep copy; running out of memory aborts (common/xalloc.h). */
void cnb_process_copy(struct cnb_process *dst, const struct cnb_process *src);
void cnb_process_free(struct cnb_process *p);

struct cnb_label {
    char *key;
    char *value;
};

struct cnb_launch {
    struct cnb_process_list processes;
    struct cnb_label *labels;
    size_t labels_len;
};

int cnb_launch_add_label(struct cnb_launch *launch, const char *key, const char *value,
                         struct bp_error *err);
/* Writes <layers_dir>/launch.toml in the API >= 0.9 shape, atomically. */
int cnb_launch_write(const char *layers_dir, const struct cnb_launch *launch, struct bp_error *err);
void cnb_launch_free(struct cnb_launch *launch);

/* The ids of the buildpacks before ours in group order (group.toml at the
 * layers root; without it the layer dir names, sorted). A group id that is
 * empty, "." or ".." is an error naming group.toml: its dir would be outside
 * the layers root. *ids and each id are malloc'd. */
int cnb_group_earlier(const struct cnb_build_context *ctx, char ***ids, size_t *count,
                      struct bp_error *err);
/* <layers_root>/<id with every '/' as '_'> (the lifecycle's EscapeID). */
char *cnb_buildpack_layers_dir(const struct cnb_build_context *ctx, const char *id);

/* ---- Environments ---------------------------------------------------------
 * An environ-like list of "NAME=value" strings (vars is NULL-terminated, so
 * it can be handed to execve). */
struct cnb_env {
    char **vars;
    size_t len;
};
/* Copies an environ (NULL: empty); entries without '=' are skipped. */
void cnb_env_copy(struct cnb_env *dst, char *const *environ_list);
const char *cnb_env_get(const struct cnb_env *env, const char *name); /* NULL: unset */
void cnb_env_set(struct cnb_env *env, const char *name, const char *value);
void cnb_env_unset(struct cnb_env *env, const char *name);
void cnb_env_free(struct cnb_env *env);
/* cnb_env_get with the command_getenv_fn shape (ctx is the struct cnb_env),
 * so command_expand_word can expand templates against a launch env. */
const char *cnb_env_getenv(const char *name, void *env);

/* ---- Env files (Buildpack API 0.10 "Environment Variable Modification
 * Rules"): <layer>/env/, env.launch/, env.launch/<process>/, env.build/
 * hold NAME.override, NAME.default, NAME.prepend, NAME.append and
 * NAME.delim. A file without a suffix is an override (lifecycle v0.21.0
 * env.DefaultActionType, for every buildpack API it supports: 0.7-0.12). A
 * name with more dots ("A.B.prepend") or an unknown suffix is ignored, as
 * the lifecycle ignores it. Without NAME.delim, prepend/append join with
 * nothing between. */
enum cnb_env_action {
    CNB_ENV_OVERRIDE = 0,
    CNB_ENV_DEFAULT,  /* set when unset or empty */
    CNB_ENV_PREPEND,
    CNB_ENV_APPEND,
};
struct cnb_env_mod {
    char *name;
    enum cnb_env_action action;
    char *value;
    char *delim; /* NULL: no NAME.delim */
};
struct cnb_env_mods {
    struct cnb_env_mod *items; /* in file-name order, the order they apply in */
    size_t len;
};
void cnb_env_mods_add(struct cnb_env_mods *mods, const char *name, enum cnb_env_action action,
                      const char *value, const char *delim);
void cnb_env_mods_free(struct cnb_env_mods *mods);
/* Reads an env dir (missing: no mods). Files are read without blocking; a
 * FIFO or device is an error naming it. */
int cnb_env_dir_read(const char *dir, struct cnb_env_mods *out, struct bp_error *err);
/* Writes NAME.<action> (override is written with its suffix) and NAME.delim
 * into dir (created), each atomically. A name with '/', '.' or '=' is an
 * error. */
int cnb_env_dir_write(const char *dir, const struct cnb_env_mods *mods, struct bp_error *err);
void cnb_env_apply_mods(struct cnb_env *env, const struct cnb_env_mods *mods);
int cnb_env_apply_dir(struct cnb_env *env, const char *dir, struct bp_error *err);

/* ---- Layers: <bp layers dir>/<name>/ and <name>.toml ([types] launch,
 * build, cache; [metadata]). */
struct cnb_layer {
    char *name;
    char *path; /* <bp layers dir>/<name> */
    bool launch, build, cache;
    struct toml_value *metadata; /* the [metadata] table (owned), or NULL */
};
struct cnb_layer_list {
    struct cnb_layer *items; /* sorted by name, as the launcher walks them */
    size_t len;
};
/* Reads <bp_dir>/<name>.toml (missing: every type false, as a layer the
 * lifecycle would not export). A name that is empty, ".", ".." or has a
 * '/' is an error. */
int cnb_layer_read(const char *bp_dir, const char *name, struct cnb_layer *out, struct bp_error *err);
/* Writes <path>.toml atomically from the types and metadata. */
int cnb_layer_write_toml(const struct cnb_layer *layer, struct bp_error *err);
void cnb_layer_free(struct cnb_layer *layer);
/* Every layer dir of one buildpack (missing dir: none). */
int cnb_layers_read(const char *bp_dir, struct cnb_layer_list *out, struct bp_error *err);
void cnb_layer_list_free(struct cnb_layer_list *list);
enum cnb_env_scope {
    CNB_ENV_ALL = 0, /* env/: build and launch */
    CNB_ENV_LAUNCH,  /* env.launch/ (and env.launch/<process>/) */
    CNB_ENV_BUILD,   /* env.build/ */
};
/* The env dir path (malloc'd); process is NULL, or a process type for
 * env.launch/<process>/ (NULL is returned for another scope or a type
 * that is not a dir name). */
char *cnb_layer_env_dir(const struct cnb_layer *layer, enum cnb_env_scope scope, const char *process);

/* ---- The launch environment -----------------------------------------------
 * What lifecycle v0.21.0's launcher gives a process of type `process`
 * (launch/launcher.go LaunchProcess → doEnv): start from the image env
 * (base_env: the run image's config env, e.g. PATH), drop CNB_LAYERS_DIR,
 * CNB_APP_DIR, CNB_PROCESS_TYPE, CNB_PLATFORM_API, CNB_DEPRECATION_MODE and
 * the /cnb/process, /cnb/lifecycle PATH entries (env/launch.go); then per
 * buildpack in group order: for every launch = true layer (sorted by name)
 * prepend <layer>/bin to PATH and <layer>/lib to LD_LIBRARY_PATH when they
 * exist (AddRootDir, ':'), then for every such layer apply env/, env.launch/
 * and env.launch/<process>/ (addEnvDir). exec.d output is not included (it
 * only exists when the helpers run at launch). */
void cnb_env_launch_base(struct cnb_env *env);
/* One buildpack's layers dir applied to env (ours, or any other). */
int cnb_launch_env_apply_buildpack(struct cnb_env *env, const char *bp_dir, const char *process,
                                   struct bp_error *err);
/* Every buildpack before ours (cnb_group_earlier), on base_env. *out is the
 * caller's to cnb_env_free. */
int cnb_launch_env_for_process(const struct cnb_build_context *ctx, const char *process,
                               char *const *base_env, struct cnb_env *out, struct bp_error *err);

/* ---- Finding a command where it will run ------------------------------- */
enum cnb_resolve_where {
    CNB_RESOLVE_NOT_FOUND = 0,
    CNB_RESOLVE_LAYER,      /* in a launch = true layer: in the image */
    CNB_RESOLVE_APP,        /* under the app dir: in the image */
    CNB_RESOLVE_SYSTEM,     /* in /usr/bin, /bin, ... of the build image: the
                             * run image has the dir, maybe not the file
                             * (Paketo run images carry no language runtime) */
    CNB_RESOLVE_BUILD_ONLY, /* elsewhere (a build-only layer, /opt, $HOME...):
                             * the run image does not have it */
};
struct cnb_resolved {
    enum cnb_resolve_where where;
    char *path;     /* the file found (NULL: not found) */
    char *fallback; /* after a SYSTEM hit: the first later layer/app hit on
                     * PATH, which the launcher finds if the run image lacks
                     * path; else NULL */
    char reason[1024]; /* for NOT_FOUND, SYSTEM, BUILD_ONLY: a log line */
};
/* Resolves argv0 as the launcher will (launchDirect: exec.LookPath on the
 * launch PATH, then chdir to the working dir): a name with a '/' is taken as
 * is (relative: to working_dir, default the app dir); a bare name is looked
 * up on launch_env's PATH in order. A LAYER or APP hit ends the search. A
 * BUILD_ONLY hit is kept only if nothing better follows (the launcher would
 * not see that file). After a SYSTEM hit the search goes on for a fallback.
 * A hit through a relative PATH entry is NOT_FOUND, as Go's exec.ErrDot
 * makes the launcher fail. Returns 0 (check where), -1 only for an empty
 * argv0. */
int cnb_resolve_launch_command(const struct cnb_build_context *ctx, const struct cnb_env *launch_env,
                               const char *working_dir, const char *argv0, struct cnb_resolved *out,
                               struct bp_error *err);
void cnb_resolved_free(struct cnb_resolved *r);
const char *cnb_resolve_where_name(enum cnb_resolve_where where);

#endif
