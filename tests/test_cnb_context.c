/* cnb context: CNB_* variables, the positional-argument fallback of older
 * platforms, buildpack.toml, and errors that name what is missing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "support/fixture.h"

static char root[256];     /* per-test temp dir */
static char layers[512];   /* <root>/layers/cnbdebug_debug */
static char platform[512]; /* <root>/platform */
static char bpdir[512];    /* <root>/buildpack */
static char start_cwd[4096];

static const char *const cnb_vars[] = {
    "CNB_LAYERS_DIR", "CNB_PLATFORM_DIR", "CNB_BP_PLAN_PATH", "CNB_BUILDPACK_DIR",
    "CNB_TARGET_OS", "CNB_TARGET_ARCH", "CNB_TARGET_ARCH_VARIANT", "CNB_TARGET_DISTRO_NAME",
    "CNB_TARGET_DISTRO_VERSION"};

static void write_buildpack_toml(const char *text)
{
    fixture_write_at(bpdir, "buildpack.toml", text, 0644);
}

static int setup(void **state)
{
    (void)state;
    if (getcwd(start_cwd, sizeof start_cwd) == NULL)
        return -1;
    fixture_tempdir(root, sizeof root, "test_cnb_context");
    snprintf(layers, sizeof layers, "%s/layers/cnbdebug_debug", root);
    snprintf(platform, sizeof platform, "%s/platform", root);
    snprintf(bpdir, sizeof bpdir, "%s/buildpack", root);
    fixture_mkdir_at(layers, "");
    fixture_mkdir_at(platform, "");
    write_buildpack_toml("api = \"0.10\"\n[buildpack]\nid = \"cnbdebug/debug\"\n"
                         "version = \"1.2.3\"\nname = \"Debug Buildpack\"\n");
    for (size_t i = 0; i < sizeof cnb_vars / sizeof *cnb_vars; i++)
        unsetenv(cnb_vars[i]);
    setenv("CNB_LAYERS_DIR", layers, 1);
    setenv("CNB_PLATFORM_DIR", platform, 1);
    setenv("CNB_BUILDPACK_DIR", bpdir, 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    if (chdir(start_cwd) != 0)
        return -1;
    for (size_t i = 0; i < sizeof cnb_vars / sizeof *cnb_vars; i++)
        unsetenv(cnb_vars[i]);
    chmod(root, 0700);
    return file_remove_tree(root, NULL);
}

/* Loads with no positional arguments and expects failure; returns the message. */
static const char *load_fails(struct bp_error *err)
{
    char *argv[] = {"build", NULL};
    struct cnb_build_context ctx;
    assert_int_equal(cnb_build_context_load(1, argv, &ctx, err), -1);
    /* A failed load leaves nothing to free. */
    assert_null(ctx.layers_dir);
    assert_null(ctx.buildpack_id);
    return err->message;
}

/* Loads with no positional arguments: it must succeed, with our layer and
 * the layers root above it where setup put them. */
static void load_ok(struct cnb_build_context *ctx)
{
    char *argv[] = {"build", NULL};
    struct bp_error err = {{0}};
    if (cnb_build_context_load(1, argv, ctx, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(ctx->layers_dir, layers);
    char want_root[600];
    snprintf(want_root, sizeof want_root, "%s/layers", root);
    assert_string_equal(ctx->layers_root, want_root);
}

static void test_loads_env_and_buildpack_toml(void **state)
{
    (void)state;
    char app[600];
    snprintf(app, sizeof app, "%s/app", root);
    assert_int_equal(mkdir(app, 0755), 0);
    assert_int_equal(chdir(app), 0);
    setenv("CNB_BP_PLAN_PATH", "/tmp/plan.toml", 1);
    setenv("CNB_TARGET_OS", "linux", 1);
    setenv("CNB_TARGET_ARCH", "arm64", 1);
    setenv("CNB_TARGET_ARCH_VARIANT", "v8", 1);
    setenv("CNB_TARGET_DISTRO_NAME", "ubuntu", 1);
    setenv("CNB_TARGET_DISTRO_VERSION", "24.04", 1);

    struct cnb_build_context ctx;
    load_ok(&ctx);
    assert_string_equal(ctx.platform_dir, platform);
    assert_string_equal(ctx.plan_path, "/tmp/plan.toml");
    assert_string_equal(ctx.buildpack_dir, bpdir);
    assert_string_equal(ctx.app_dir, app);
    assert_string_equal(ctx.target_os, "linux");
    assert_string_equal(ctx.target_arch, "arm64");
    assert_string_equal(ctx.target_arch_variant, "v8");
    assert_string_equal(ctx.target_distro_name, "ubuntu");
    assert_string_equal(ctx.target_distro_version, "24.04");
    assert_string_equal(ctx.buildpack_id, "cnbdebug/debug");
    assert_string_equal(ctx.buildpack_version, "1.2.3");
    assert_string_equal(ctx.buildpack_name, "Debug Buildpack");
    cnb_build_context_free(&ctx);
    assert_null(ctx.layers_dir);
    assert_null(ctx.buildpack_name);
}

static void test_defaults_for_optional_values(void **state)
{
    (void)state;
    write_buildpack_toml("[buildpack]\nid = \"cnbdebug/debug\"\nversion = \"0.1.0\"\n");
    struct cnb_build_context ctx;
    load_ok(&ctx);
    assert_null(ctx.plan_path);
    assert_string_equal(ctx.target_os, "linux");
    /* Platforms before 0.12 give no CNB_TARGET_ARCH: the build host's. */
#if defined(__x86_64__)
    assert_string_equal(ctx.target_arch, "amd64");
#elif defined(__aarch64__)
    assert_string_equal(ctx.target_arch, "arm64");
#endif
    assert_null(ctx.target_arch_variant);
    assert_null(ctx.target_distro_name);
    /* No name: the id stands in for the log title. */
    assert_string_equal(ctx.buildpack_name, "cnbdebug/debug");
    cnb_build_context_free(&ctx);
}

static void test_missing_layers_dir_is_named(void **state)
{
    (void)state;
    unsetenv("CNB_LAYERS_DIR");
    struct bp_error err = {{0}};
    assert_non_null(strstr(load_fails(&err), "CNB_LAYERS_DIR"));
    /* Empty counts as unset. */
    setenv("CNB_LAYERS_DIR", "", 1);
    assert_non_null(strstr(load_fails(&err), "CNB_LAYERS_DIR is not set"));
}

static void test_missing_platform_dir_is_named(void **state)
{
    (void)state;
    unsetenv("CNB_PLATFORM_DIR");
    struct bp_error err = {{0}};
    const char *msg = load_fails(&err);
    assert_non_null(strstr(msg, "CNB_PLATFORM_DIR"));
    assert_null(strstr(msg, "CNB_LAYERS_DIR"));
}

static void test_missing_buildpack_dir_is_named(void **state)
{
    (void)state;
    unsetenv("CNB_BUILDPACK_DIR");
    struct bp_error err = {{0}};
    assert_non_null(strstr(load_fails(&err), "CNB_BUILDPACK_DIR"));
}

/* Older platforms pass <layers> <platform> <plan> as arguments. */
static void test_positional_arguments_fallback(void **state)
{
    (void)state;
    unsetenv("CNB_LAYERS_DIR");
    unsetenv("CNB_PLATFORM_DIR");
    char plan[600];
    snprintf(plan, sizeof plan, "%s/plan.toml", root);
    char *argv[] = {"build", layers, platform, plan, NULL};
    struct cnb_build_context ctx;
    struct bp_error err = {{0}};
    assert_int_equal(cnb_build_context_load(4, argv, &ctx, &err), 0);
    assert_string_equal(ctx.layers_dir, layers);
    assert_string_equal(ctx.platform_dir, platform);
    assert_string_equal(ctx.plan_path, plan);
    cnb_build_context_free(&ctx);

    /* The variables win over the arguments when both are given. */
    char other[600];
    snprintf(other, sizeof other, "%s/layers/other_bp", root);
    assert_int_equal(mkdir(other, 0755), 0);
    setenv("CNB_LAYERS_DIR", other, 1);
    assert_int_equal(cnb_build_context_load(4, argv, &ctx, &err), 0);
    assert_string_equal(ctx.layers_dir, other);
    assert_string_equal(ctx.platform_dir, platform);
    cnb_build_context_free(&ctx);

    /* Only the layers argument: the platform is still required. */
    unsetenv("CNB_LAYERS_DIR");
    assert_int_equal(cnb_build_context_load(2, argv, &ctx, &err), -1);
    assert_non_null(strstr(err.message, "CNB_PLATFORM_DIR"));
}

/* A trailing slash must not change the layers root or our own dir's name
 * (which is skipped when reading earlier buildpacks' processes). */
static void test_trailing_slash_is_ignored(void **state)
{
    (void)state;
    char slashed[600];
    snprintf(slashed, sizeof slashed, "%s//", layers);
    setenv("CNB_LAYERS_DIR", slashed, 1);
    struct cnb_build_context ctx;
    load_ok(&ctx);
    cnb_build_context_free(&ctx);
}

static void test_layers_dir_not_a_directory(void **state)
{
    (void)state;
    char file[600];
    snprintf(file, sizeof file, "%s/layers/a-file", root);
    fixture_write(file, "not a dir\n", 0644);
    setenv("CNB_LAYERS_DIR", file, 1);
    struct bp_error err = {{0}};
    const char *msg = load_fails(&err);
    assert_non_null(strstr(msg, file));
    assert_non_null(strstr(msg, "not a directory"));

    char missing[600];
    snprintf(missing, sizeof missing, "%s/layers/absent", root);
    setenv("CNB_LAYERS_DIR", missing, 1);
    assert_non_null(strstr(load_fails(&err), missing));
}

/* Loads from the CNB_* variables, away from the test's directory. */
static int load_from_root_dir(void *arg, struct bp_error *err)
{
    (void)arg;
    char *argv[] = {"build", NULL};
    struct cnb_build_context ctx;
    if (chdir("/") != 0)
        return 0; /* not the failure the test wants */
    int rc = cnb_build_context_load(1, argv, &ctx, err);
    if (rc == 0)
        cnb_build_context_free(&ctx);
    return rc;
}

/* The layers root must be listable (directory order, group.toml). Root
 * reads anything, so as root the check runs in a child that dropped to
 * nobody. */
static void test_unreadable_layers_root_is_named(void **state)
{
    (void)state;
    char layers_root[600];
    snprintf(layers_root, sizeof layers_root, "%s/layers", root);
    /* Anyone may pass through root and the layers root, and stat our dir,
     * but no one (the owner included) may list the layers root. */
    assert_int_equal(chmod(root, 0755), 0);
    assert_int_equal(chmod(layers_root, 0311), 0);
    assert_int_equal(chmod(bpdir, 0755), 0);

    char *msg = fixture_fails_unprivileged(load_from_root_dir, NULL);
    chmod(layers_root, 0755);
    assert_non_null(strstr(msg, layers_root));
    assert_non_null(strstr(msg, "Permission denied"));
    free(msg);
}

static void test_buildpack_toml_missing_is_named(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/buildpack.toml", bpdir);
    assert_int_equal(unlink(path), 0);
    struct bp_error err = {{0}};
    assert_non_null(strstr(load_fails(&err), path));
}

/* buildpack.toml files the loader refuses: the message names the file,
 * what is missing, or the line. */
static const struct {
    const char *body;
    const char *want; /* a substring of the message, or NULL */
    int line;         /* > 0: the message says <path>:<line>: */
} bad_buildpack_tomls[] = {
    {"api = \"0.10\"\n[buildpack]\nversion = \"1.0.0\"\n", "id", 0},
    /* An id of the wrong type is no better. */
    {"[buildpack]\nid = 7\nversion = \"1.0.0\"\n", NULL, 0},
    /* Nor a missing version. */
    {"[buildpack]\nid = \"cnbdebug/debug\"\n", "version", 0},
    {"[buildpack]\nid = \"cnbdebug/debug\"\nversion = 1.0.0\n", NULL, 3},
};

static void test_bad_buildpack_toml_table(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/buildpack.toml", bpdir);
    for (size_t i = 0; i < sizeof bad_buildpack_tomls / sizeof *bad_buildpack_tomls; i++) {
        write_buildpack_toml(bad_buildpack_tomls[i].body);
        struct bp_error err = {{0}};
        const char *msg = load_fails(&err);
        char located[700];
        snprintf(located, sizeof located, "%s:%d:", path, bad_buildpack_tomls[i].line);
        if (strstr(msg, path) == NULL ||
            (bad_buildpack_tomls[i].want != NULL && strstr(msg, bad_buildpack_tomls[i].want) == NULL) ||
            (bad_buildpack_tomls[i].line > 0 && strstr(msg, located) == NULL))
            fail_msg("[%zu] %s: %s", i, bad_buildpack_tomls[i].body, msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_loads_env_and_buildpack_toml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults_for_optional_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_layers_dir_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_platform_dir_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_buildpack_dir_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_positional_arguments_fallback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_trailing_slash_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layers_dir_not_a_directory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_layers_root_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buildpack_toml_missing_is_named, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_buildpack_toml_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
