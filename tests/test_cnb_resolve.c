/* cnb resolve: a table of commands and launch PATHs to where the launcher
 * will find them (launch layer, app dir, a system dir of the build image, or
 * only the build image), and issue 12's case: a runtime in a launch-only
 * layer, found through the launch env although bin/build's PATH lacks it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "support/fixture_cnb.h"

#define OUR_ID "cnbdebug/debug"

static struct fixture_tree tree;
static const char *const root = tree.root, *const layers = tree.layers, *const app = tree.app;
static struct cnb_build_context ctx;

/* Writes <root>/<rel> with mode (directories made). */
static void put(const char *rel, const char *text, unsigned mode)
{
    fixture_write_at(root, rel, text, mode);
}

static int setup(void **state)
{
    (void)state;
    fixture_tree_make(&tree, "test_cnb_resolve");
    fixture_cnb_context(&ctx, &tree);
    /* Paketo node-engine without a build requirement: launch-only (packit
     * MergeLayerTypes); pip-install's build-time venv: build-only. */
    put("layers/group.toml", "[[group]]\nid = \"paketo-buildpacks/node-engine\"\nversion = \"1\"\n"
                             "[[group]]\nid = \"paketo-buildpacks/pip\"\nversion = \"1\"\n"
                             "[[group]]\nid = \"" OUR_ID "\"\nversion = \"1\"\n", 0644);
    put("layers/paketo-buildpacks_node-engine/node.toml", "[types]\nlaunch = true\n", 0644);
    put("layers/paketo-buildpacks_node-engine/node/bin/node", "#!/bin/sh\n", 0755);
    put("layers/paketo-buildpacks_node-engine/node/bin/sh", "#!/bin/sh\n", 0755);
    put("layers/paketo-buildpacks_node-engine/node/bin/readme", "not a program\n", 0644);
    put("layers/paketo-buildpacks_node-engine/node/bin/python", "#!/bin/sh\n", 0755);
    put("layers/paketo-buildpacks_pip/venv.toml", "[types]\nbuild = true\n", 0644);
    put("layers/paketo-buildpacks_pip/venv/bin/python", "#!/bin/sh\n", 0755);
    put("layers/paketo-buildpacks_pip/venv/bin/gunicorn", "#!/bin/sh\n", 0755);
    put("opt/bin/gunicorn", "#!/bin/sh\n", 0755);
    put("app/bin/app", "#!/bin/sh\n", 0755);
    put("app/start.sh", "node server.js\n", 0755);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_tree_remove(&tree);
    return 0;
}

/* In PATH and the expected paths, "L" stands for the node layer's bin,
 * "V" for the build-only venv's bin, "O" for <root>/opt/bin, "A" for the app. */
static char *expand_marks(const char *spec)
{
    char buf[4096] = "";
    for (const char *p = spec; *p; p++) {
        size_t n = strlen(buf);
        if (*p == 'L' && (p == spec || p[-1] == ':'))
            snprintf(buf + n, sizeof buf - n, "%s/paketo-buildpacks_node-engine/node/bin", layers);
        else if (*p == 'V' && (p == spec || p[-1] == ':'))
            snprintf(buf + n, sizeof buf - n, "%s/paketo-buildpacks_pip/venv/bin", layers);
        else if (*p == 'O' && (p == spec || p[-1] == ':'))
            snprintf(buf + n, sizeof buf - n, "%s/opt/bin", root);
        else if (*p == 'A' && (p == spec || p[-1] == ':'))
            snprintf(buf + n, sizeof buf - n, "%s", app);
        else
            snprintf(buf + n, sizeof buf - n, "%c", *p);
    }
    return strdup(buf);
}

static const struct {
    const char *argv0, *path, *wd;
    enum cnb_resolve_where where;
    const char *found, *fallback, *reason;
} cases[] = {
    {"node", "L:/usr/bin:/bin", NULL, CNB_RESOLVE_LAYER, "L/node", NULL, NULL},
    {"node", "/usr/local/bin:L", NULL, CNB_RESOLVE_LAYER, "L/node", NULL, NULL},
    {"sh", "/usr/bin:/bin:L", NULL, CNB_RESOLVE_SYSTEM, "/usr/bin/sh", "L/sh",
     "the run image may not have it"},
    {"env", "/usr/bin:/bin", NULL, CNB_RESOLVE_SYSTEM, "/usr/bin/env", NULL, NULL},
    /* a build-only layer is skipped: the launcher never sees it */
    {"python", "V:L:/usr/bin", NULL, CNB_RESOLVE_LAYER, "L/python", NULL, NULL},
    {"gunicorn", "V:/usr/bin", NULL, CNB_RESOLVE_BUILD_ONLY, "V/gunicorn", NULL,
     "outside the launch layers"},
    {"gunicorn", "O:/usr/bin", NULL, CNB_RESOLVE_BUILD_ONLY, "O/gunicorn", NULL,
     "the run image does not have it"},
    {"readme", "L", NULL, CNB_RESOLVE_NOT_FOUND, NULL, NULL, "not on the launch PATH"},
    {"missing", "L:/usr/bin", NULL, CNB_RESOLVE_NOT_FOUND, NULL, NULL, "not on the launch PATH"},
    {"./bin/app", "/usr/bin", NULL, CNB_RESOLVE_APP, "A/./bin/app", NULL, NULL},
    {"bin/app", "/usr/bin", "A/bin", CNB_RESOLVE_NOT_FOUND, NULL, NULL, "not an executable file"},
    {"A/bin/app", "", NULL, CNB_RESOLVE_APP, "A/bin/app", NULL, NULL},
    {"app", "bin:/usr/bin", NULL, CNB_RESOLVE_NOT_FOUND, NULL, NULL, "relative PATH entry \"bin\""},
};

static void test_resolve_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = expand_marks(cases[i].path);
        char *argv0 = expand_marks(cases[i].argv0);
        char *wd = cases[i].wd ? expand_marks(cases[i].wd) : NULL;
        struct cnb_env env = {0};
        cnb_env_set(&env, "PATH", path);
        struct cnb_resolved r;
        struct bp_error err = {{0}};
        assert_int_equal(cnb_resolve_launch_command(&ctx, &env, wd, argv0, &r, &err), 0);
        char *found = cases[i].found ? expand_marks(cases[i].found) : NULL;
        char *fallback = cases[i].fallback ? expand_marks(cases[i].fallback) : NULL;
        if (r.where != cases[i].where || (found == NULL) != (r.path == NULL) ||
            (found && strcmp(found, r.path) != 0) || (fallback == NULL) != (r.fallback == NULL) ||
            (fallback && strcmp(fallback, r.fallback) != 0) ||
            (cases[i].reason && strstr(r.reason, cases[i].reason) == NULL))
            fail_msg("[%zu] %s on %s: %s at %s (fallback %s): %s", i, cases[i].argv0,
                     cases[i].path, cnb_resolve_where_name(r.where), r.path ? r.path : "-",
                     r.fallback ? r.fallback : "-", r.reason);
        cnb_resolved_free(&r);
        cnb_env_free(&env);
        free(path);
        free(argv0);
        free(wd);
        free(found);
        free(fallback);
    }
    struct cnb_resolved r;
    struct cnb_env env = {0};
    struct bp_error err = {{0}};
    assert_int_equal(cnb_resolve_launch_command(&ctx, &env, NULL, "", &r, &err), -1);
}

/* issue 12: node-engine's layer is launch-only, so bin/build's PATH does not
 * have node; the launch env does, and node resolves into the layer. */
static void test_launch_only_runtime_is_found(void **state)
{
    (void)state;
    char *const base[] = {"PATH=/usr/local/bin:/usr/bin:/bin", NULL};
    struct cnb_env env;
    struct bp_error err = {{0}};
    if (cnb_launch_env_for_process(&ctx, "web", base, &env, &err) != 0)
        fail_msg("%s", err.message);
    struct cnb_resolved r;
    assert_int_equal(cnb_resolve_launch_command(&ctx, &env, NULL, "node", &r, &err), 0);
    assert_int_equal(r.where, CNB_RESOLVE_LAYER);
    char want[1024];
    snprintf(want, sizeof want, "%s/paketo-buildpacks_node-engine/node/bin/node", layers);
    assert_string_equal(r.path, want);
    cnb_resolved_free(&r);
    /* pip's build-only venv never reaches the launch PATH */
    assert_int_equal(cnb_resolve_launch_command(&ctx, &env, NULL, "gunicorn", &r, &err), 0);
    assert_int_equal(r.where, CNB_RESOLVE_NOT_FOUND);
    cnb_resolved_free(&r);
    cnb_env_free(&env);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_resolve_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_launch_only_runtime_is_found, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
