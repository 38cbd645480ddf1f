/* Build context from CNB_* variables and buildpack.toml. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "common/xalloc.h"
#include "toml/toml.h"

static int take(char **dst, const char *env_name, const char *fallback, bool required,
                struct bp_error *err)
{
    const char *value = getenv(env_name);
    if (value == NULL || value[0] == '\0')
        value = fallback;
    if (value == NULL || value[0] == '\0') {
        if (required)
            return error_set(err, "%s is not set: bin/build must be run by the CNB lifecycle "
                                  "(Buildpack API 0.10)", env_name);
        *dst = NULL;
        return 0;
    }
    *dst = xstrdup(value);
    return 0;
}

static int read_buildpack_toml(struct cnb_build_context *ctx, struct bp_error *err)
{
    char *path = path_join(ctx->buildpack_dir, "buildpack.toml");
    struct toml_value *doc = toml_parse_file(path, err);
    int rc = -1;
    if (doc == NULL)
        goto done;
    const struct toml_value *bp = toml_table_get(doc, "buildpack");
    const char *id = NULL, *version = NULL, *name = NULL;
    if (!toml_get_string(toml_table_get(bp, "id"), &id) ||
        !toml_get_string(toml_table_get(bp, "version"), &version)) {
        error_set(err, "%s: [buildpack] needs string keys id and version", path);
        goto done;
    }
    if (!toml_get_string(toml_table_get(bp, "name"), &name))
        name = id;
    ctx->buildpack_id = xstrdup(id);
    ctx->buildpack_version = xstrdup(version);
    ctx->buildpack_name = xstrdup(name);
    rc = 0;
done:
    toml_free(doc);
    free(path);
    return rc;
}

int cnb_build_context_load(int argc, char **argv, struct cnb_build_context *ctx, struct bp_error *err)
{
    memset(ctx, 0, sizeof *ctx);
    const char *arg_layers = argc > 1 ? argv[1] : NULL;
    const char *arg_platform = argc > 2 ? argv[2] : NULL;
    const char *arg_plan = argc > 3 ? argv[3] : NULL;
    char cwd[4096];
    if (take(&ctx->layers_dir, "CNB_LAYERS_DIR", arg_layers, true, err) != 0 ||
        take(&ctx->platform_dir, "CNB_PLATFORM_DIR", arg_platform, true, err) != 0 ||
        take(&ctx->plan_path, "CNB_BP_PLAN_PATH", arg_plan, false, err) != 0 ||
        take(&ctx->buildpack_dir, "CNB_BUILDPACK_DIR", NULL, true, err) != 0 ||
        take(&ctx->target_os, "CNB_TARGET_OS", "linux", false, err) != 0 ||
        take(&ctx->target_arch, "CNB_TARGET_ARCH", NULL, false, err) != 0 ||
        take(&ctx->target_arch_variant, "CNB_TARGET_ARCH_VARIANT", NULL, false, err) != 0 ||
        take(&ctx->target_distro_name, "CNB_TARGET_DISTRO_NAME", NULL, false, err) != 0 ||
        take(&ctx->target_distro_version, "CNB_TARGET_DISTRO_VERSION", NULL, false, err) != 0)
        goto fail;
    if (ctx->target_arch == NULL) {
        /* Platforms before 0.12 do not set CNB_TARGET_ARCH; we run on the build image. */
#if defined(__x86_64__)
        ctx->target_arch = xstrdup("amd64");
#elif defined(__aarch64__)
        ctx->target_arch = xstrdup("arm64");
#else
        ctx->target_arch = xstrdup("unknown");
#endif
    }
    if (getcwd(cwd, sizeof cwd) == NULL) {
        error_set(err, "reading the working directory: %s", strerror(errno));
        goto fail;
    }
    ctx->app_dir = xstrdup(cwd);

    /* "<root>/<id>/" must still name <id>: it is skipped, by name, when
     * earlier buildpacks' layer dirs are listed. */
    for (size_t n = strlen(ctx->layers_dir); n > 1 && ctx->layers_dir[n - 1] == '/'; n--)
        ctx->layers_dir[n - 1] = '\0';
    if (!file_is_dir(ctx->layers_dir)) {
        error_set(err, "CNB_LAYERS_DIR=%s is not a directory", ctx->layers_dir);
        goto fail;
    }
    char *copy = xstrdup(ctx->layers_dir);
    ctx->layers_root = xstrdup(dirname(copy));
    free(copy);
    DIR *dir = opendir(ctx->layers_root);
    if (dir == NULL) {
        error_set(err, "reading the layers root %s: %s", ctx->layers_root, strerror(errno));
        goto fail;
    }
    closedir(dir);
    if (read_buildpack_toml(ctx, err) != 0)
        goto fail;
    return 0;
fail:
    cnb_build_context_free(ctx);
    return -1;
}

void cnb_build_context_free(struct cnb_build_context *ctx)
{
    char **fields[] = {&ctx->layers_dir, &ctx->layers_root, &ctx->platform_dir, &ctx->plan_path,
                       &ctx->buildpack_dir, &ctx->app_dir, &ctx->target_os, &ctx->target_arch,
                       &ctx->target_arch_variant, &ctx->target_distro_name,
                       &ctx->target_distro_version, &ctx->buildpack_id, &ctx->buildpack_version,
                       &ctx->buildpack_name};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
    }
}
