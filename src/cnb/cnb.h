/* The Buildpack API 0.10 contract as bin/build sees it: its context from
 * CNB_* variables, the processes earlier buildpacks declared in their
 * launch.toml (both the API < 0.9 and >= 0.9 shapes), and our launch.toml. */
#ifndef BP_CNB_H
#define BP_CNB_H

#include <stdbool.h>
#include <stddef.h>

#include "command/command.h"
#include "common/error.h"

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
int cnb_process_copy(struct cnb_process *dst, const struct cnb_process *src, struct bp_error *err);
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

#endif
