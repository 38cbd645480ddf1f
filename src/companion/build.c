/* bin/build of cnbdebug/debug-flags: writes a build-only layer whose
 * env.build/ gives the language buildpacks after it debug build flags
 * (Go: -gcflags="all=-N -l"; .NET: --configuration Debug), merged with the
 * user's own, and logs what it added. libc only, like detect. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/fileio.h"
#include "common/log.h"
#include "common/xalloc.h"
#include "companion/flags.h"
#include "config/config.h"

#define LAYER "debug-flags"

/* A user variable: its value (platform env dir first, then this process's
 * env, which the lifecycle filled from the platform and the builder's
 * build-config env) and whether the platform set it. */
struct user_var {
    char *value;
    struct companion_input in;
};

static int user_var_read(const char *platform_dir, const char *name, struct user_var *v,
                         struct bp_error *err)
{
    memset(v, 0, sizeof *v);
    if (config_lookup(platform_dir, name, &v->value, err) != 0)
        return -1;
    char *path = xasprintf("%s/env/%s", platform_dir, name);
    v->in.from_platform = file_exists(path);
    free(path);
    v->in.value = v->value;
    return 0;
}

/* env.build/<var>.override: the lifecycle applies it to every later
 * buildpack's environment; .override because the value already holds what
 * was set before (merged), and .default would keep only that. */
static int write_env(const char *layer_dir, const char *var, const char *value,
                     struct bp_error *err)
{
    char *dir = path_join(layer_dir, "env.build");
    char *path = xasprintf("%s/%s.override", dir, var);
    int rc = file_mkdirs(dir, err);
    /* No trailing newline: the lifecycle takes the file's bytes as the value. */
    if (rc == 0)
        rc = file_write_atomic(path, value, strlen(value), 0644, err);
    free(path);
    free(dir);
    return rc;
}

static void log_action(const struct companion_action *a)
{
    if (a->warning)
        log_warning("%s", a->message);
    else
        log_detail("%s", a->message);
}

int main(int argc, char **argv)
{
    uint64_t start = log_now_ns();
    const char *layers_dir = getenv("CNB_LAYERS_DIR");
    const char *platform_dir = getenv("CNB_PLATFORM_DIR");
    if (layers_dir == NULL && argc > 1)
        layers_dir = argv[1];
    if (platform_dir == NULL && argc > 2)
        platform_dir = argv[2];
    if (layers_dir == NULL || platform_dir == NULL) {
        fprintf(stderr, "cnbdebug/debug-flags: CNB_LAYERS_DIR and CNB_PLATFORM_DIR must be set\n");
        return 1;
    }
    log_title("Debug Flags Buildpack", BP_VERSION);

    struct bp_error err = {{0}};
    struct user_var go_flags = {0}, goflags = {0}, dotnet_flags = {0};
    struct companion_action actions[2] = {{0}};
    char *layer_dir = path_join(layers_dir, LAYER);
    char *layer_toml = xasprintf("%s/" LAYER ".toml", layers_dir);
    int rc = 1;

    if (user_var_read(platform_dir, "BP_GO_BUILD_FLAGS", &go_flags, &err) != 0 ||
        user_var_read(platform_dir, "GOFLAGS", &goflags, &err) != 0 ||
        user_var_read(platform_dir, "BP_DOTNET_PUBLISH_FLAGS", &dotnet_flags, &err) != 0)
        goto cleanup;
    companion_plan_go(&go_flags.in, &goflags.in, &actions[0]);
    companion_plan_dotnet(&dotnet_flags.in, &actions[1]);

    log_step("Setting debug build flags for the buildpacks after this one (build only, not in the image)");
    int written = 0;
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        log_action(&actions[i]);
        if (actions[i].var == NULL)
            continue;
        if (write_env(layer_dir, actions[i].var, actions[i].value, &err) != 0)
            goto cleanup;
        written++;
    }
    if (written > 0) {
        /* build = true: later buildpacks see env.build; not launch, not cache. */
        static const char types[] = "[types]\n  build = true\n  launch = false\n  cache = false\n";
        if (file_write_atomic(layer_toml, types, sizeof types - 1, 0644, &err) != 0)
            goto cleanup;
    }
    log_blank();
    log_completed(start, 2);
    rc = 0;

cleanup:
    if (rc != 0)
        fprintf(stderr, "cnbdebug/debug-flags: %s\n", err.message);
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        companion_action_free(&actions[i]);
    free(go_flags.value);
    free(goflags.value);
    free(dotnet_flags.value);
    free(layer_toml);
    free(layer_dir);
    return rc;
}
