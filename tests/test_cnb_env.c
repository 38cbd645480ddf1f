/* cnb env: env files (tables of files → resulting variables), layers'
 * TOML, and the launch environment of a process, checked against the real
 * lifecycle v0.21.0 launcher when one is at hand ($BP_LIFECYCLE_LAUNCHER,
 * or $BP_DEBUG_CACHE/lifecycle-v0.21.0/launcher). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cnb/cnb.h"
#include "common/fileio.h"
#include "support/fixture_cnb.h"
#include "toml/toml.h"

#define OUR_ID "cnbdebug/debug"

static struct fixture_tree tree;
static const char *const root = tree.root, *const layers = tree.layers, *const app = tree.app;
static struct cnb_build_context ctx;

static void write_file(const char *path, const char *text)
{
    fixture_write(path, text, 0644);
}

/* Writes <layers>/<rel> (directories made). */
static void put(const char *rel, const char *text)
{
    fixture_write_at(layers, rel, text, 0644);
}

static int setup(void **state)
{
    (void)state;
    fixture_tree_make(&tree, "test_cnb_env");
    fixture_cnb_context(&ctx, &tree);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_tree_remove(&tree);
    return 0;
}

/* ---- env dirs: a table of files and what they make of a start env ------ */

static const struct {
    const char *files;  /* "NAME.suffix=value;..." */
    const char *start;  /* "NAME=value;..." */
    const char *name;   /* the variable checked */
    const char *want;   /* its value, or NULL for unset */
} env_cases[] = {
    {"A.override=x", "A=old", "A", "x"},
    {"A=x", "A=old", "A", "x"}, /* no suffix: override (lifecycle v0.21.0, API 0.7+) */
    {"A.default=x", "A=old", "A", "old"},
    {"A.default=x", "", "A", "x"},
    {"A.default=x", "A=", "A", "x"}, /* empty counts as unset */
    {"A.prepend=x", "A=old", "A", "xold"}, /* no delim: nothing between */
    {"A.prepend=x;A.delim=:", "A=old", "A", "x:old"},
    {"A.append=x;A.delim= ", "A=old", "A", "old x"},
    {"A.append=x;A.delim=:", "", "A", "x"}, /* no delim when there was no value */
    {"A.prepend=x;A.delim=:", "A=", "A", "x"},
    {"A.bogus=x", "A=old", "A", "old"}, /* unknown suffix: ignored */
    {"A.B.override=x", "", "A", NULL},  /* SplitN(name, ".", 2): suffix "B.override" */
    {"A.delim=:", "", "A", NULL},
    /* file-name order: A.append before A.override before A.prepend */
    {"A.prepend=p;A.override=o;A.append=a;A.delim=,", "A=s", "A", "p,o"},
    {"JAVA_TOOL_OPTIONS.append=-Xss1m;JAVA_TOOL_OPTIONS.delim= ", "JAVA_TOOL_OPTIONS=-Xmx1g",
     "JAVA_TOOL_OPTIONS", "-Xmx1g -Xss1m"},
};

static void split_pairs(const char *spec, void (*fn)(const char *name, const char *value, void *), void *arg)
{
    char *copy = strdup(spec), *save = NULL;
    for (char *pair = strtok_r(copy, ";", &save); pair; pair = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(pair, '=');
        *eq = '\0';
        fn(pair, eq + 1, arg);
    }
    free(copy);
}

static void put_env_file(const char *name, const char *value, void *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", (const char *)dir, name);
    write_file(path, value);
}

static void set_var(const char *name, const char *value, void *env)
{
    cnb_env_set(env, name, value);
}

static void test_env_dir_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof env_cases / sizeof *env_cases; i++) {
        char dir[700];
        snprintf(dir, sizeof dir, "%s/case%zu/env", root, i);
        assert_int_equal(file_mkdirs(dir, NULL), 0);
        split_pairs(env_cases[i].files, put_env_file, dir);
        struct cnb_env env = {0};
        split_pairs(env_cases[i].start, set_var, &env);
        struct bp_error err = {{0}};
        if (cnb_env_apply_dir(&env, dir, &err) != 0)
            fail_msg("[%zu] %s", i, err.message);
        const char *got = cnb_env_get(&env, env_cases[i].name);
        if ((got == NULL) != (env_cases[i].want == NULL) ||
            (got != NULL && strcmp(got, env_cases[i].want) != 0))
            fail_msg("[%zu] %s on %s: %s=%s, want %s", i, env_cases[i].files, env_cases[i].start,
                     env_cases[i].name, got ? got : "(unset)",
                     env_cases[i].want ? env_cases[i].want : "(unset)");
        cnb_env_free(&env);
    }
}

static void test_env_dir_write_read_round_trip(void **state)
{
    (void)state;
    struct cnb_env_mods mods = {0};
    cnb_env_mods_add(&mods, "PATH", CNB_ENV_PREPEND, "/layers/x/bin", ":");
    cnb_env_mods_add(&mods, "CNB_DEBUG_EXPAND", CNB_ENV_OVERRIDE, "2,5", NULL);
    cnb_env_mods_add(&mods, "NODE_OPTIONS", CNB_ENV_DEFAULT, "", NULL);
    char dir[700];
    snprintf(dir, sizeof dir, "%s/l/env.launch/web", root);
    struct bp_error err = {{0}};
    if (cnb_env_dir_write(dir, &mods, &err) != 0)
        fail_msg("%s", err.message);
    char path[800];
    snprintf(path, sizeof path, "%s/CNB_DEBUG_EXPAND.override", dir);
    assert_true(file_exists(path));
    struct cnb_env_mods back;
    assert_int_equal(cnb_env_dir_read(dir, &back, &err), 0);
    assert_int_equal(back.len, 3); /* by file name: CNB_..., NODE_..., PATH */
    assert_string_equal(back.items[0].name, "CNB_DEBUG_EXPAND");
    assert_int_equal(back.items[0].action, CNB_ENV_OVERRIDE);
    assert_string_equal(back.items[0].value, "2,5");
    assert_null(back.items[0].delim);
    assert_string_equal(back.items[1].name, "NODE_OPTIONS");
    assert_int_equal(back.items[1].action, CNB_ENV_DEFAULT);
    assert_string_equal(back.items[1].value, "");
    assert_string_equal(back.items[2].name, "PATH");
    assert_int_equal(back.items[2].action, CNB_ENV_PREPEND);
    assert_string_equal(back.items[2].delim, ":");
    cnb_env_mods_free(&back);

    cnb_env_mods_free(&mods);
    cnb_env_mods_add(&mods, "A.B", CNB_ENV_OVERRIDE, "x", NULL);
    assert_int_equal(cnb_env_dir_write(dir, &mods, &err), -1);
    assert_non_null(strstr(err.message, "\"A.B\" is not a variable name"));
    cnb_env_mods_free(&mods);
}

/* issue 13: an env file that is a FIFO is refused, never blocked on. */
static void test_env_fifo_is_refused(void **state)
{
    (void)state;
    char dir[700], fifo[800];
    snprintf(dir, sizeof dir, "%s/fifo/env", root);
    assert_int_equal(file_mkdirs(dir, NULL), 0);
    snprintf(fifo, sizeof fifo, "%s/PORT.override", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct cnb_env env = {0};
    struct bp_error err = {{0}};
    alarm(5);
    assert_int_equal(cnb_env_apply_dir(&env, dir, &err), -1);
    alarm(0);
    assert_non_null(strstr(err.message, fifo));
    assert_non_null(strstr(err.message, "not a regular file"));
    cnb_env_free(&env);
}

/* ---- layers ------------------------------------------------------------ */

static void test_layer_toml_round_trip(void **state)
{
    (void)state;
    struct cnb_layer layer = {0};
    char bp_dir[700];
    snprintf(bp_dir, sizeof bp_dir, "%s/paketo-buildpacks_node-engine", layers);
    assert_int_equal(file_mkdirs(bp_dir, NULL), 0);
    layer.name = strdup("node");
    layer.path = path_join(bp_dir, "node");
    layer.launch = true;
    layer.cache = true;
    struct bp_error err = {{0}};
    layer.metadata = toml_parse("version = \"20.1.0\"\n", 19, "metadata", &err);
    assert_non_null(layer.metadata);
    assert_int_equal(cnb_layer_write_toml(&layer, &err), 0);
    cnb_layer_free(&layer);

    assert_int_equal(cnb_layer_read(bp_dir, "node", &layer, &err), 0);
    assert_true(layer.launch);
    assert_false(layer.build);
    assert_true(layer.cache);
    const char *version = NULL;
    assert_true(toml_get_string(toml_table_get(layer.metadata, "version"), &version));
    assert_string_equal(version, "20.1.0");
    cnb_layer_free(&layer);

    /* no <name>.toml: a layer the lifecycle does not export */
    assert_int_equal(cnb_layer_read(bp_dir, "other", &layer, &err), 0);
    assert_false(layer.launch || layer.build || layer.cache);
    cnb_layer_free(&layer);

    const char *bad[] = {"..", ".", "", "a/b"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(cnb_layer_read(bp_dir, bad[i], &layer, &err), -1);
        assert_non_null(strstr(err.message, "is not a layer name"));
    }

    put("paketo-buildpacks_node-engine/broken.toml", "[types\n");
    assert_int_equal(cnb_layer_read(bp_dir, "broken", &layer, &err), -1);
    assert_non_null(strstr(err.message, "broken.toml"));
}

static void test_layer_env_dirs(void **state)
{
    (void)state;
    struct cnb_layer layer = {.name = "l", .path = "/layers/bp/l"};
    char *dir = cnb_layer_env_dir(&layer, CNB_ENV_ALL, NULL);
    assert_string_equal(dir, "/layers/bp/l/env");
    free(dir);
    dir = cnb_layer_env_dir(&layer, CNB_ENV_LAUNCH, "web");
    assert_string_equal(dir, "/layers/bp/l/env.launch/web");
    free(dir);
    dir = cnb_layer_env_dir(&layer, CNB_ENV_BUILD, NULL);
    assert_string_equal(dir, "/layers/bp/l/env.build");
    free(dir);
    assert_null(cnb_layer_env_dir(&layer, CNB_ENV_LAUNCH, ".."));
    assert_null(cnb_layer_env_dir(&layer, CNB_ENV_BUILD, "web"));
}

/* ---- the launch environment -------------------------------------------- */

/* Two earlier buildpacks the way Paketo's write them: node-engine's launch-
 * only layer (packit MergeLayerTypes without a build requirement), a
 * build-only layer that must not count, per-process env. */
static void make_tree(void)
{
    put("group.toml", "[[group]]\nid = \"paketo-buildpacks/node-engine\"\nversion = \"1\"\napi = \"0.10\"\n"
                      "[[group]]\nid = \"example/tools\"\nversion = \"1\"\napi = \"0.10\"\n"
                      "[[group]]\nid = \"" OUR_ID "\"\nversion = \"1\"\napi = \"0.10\"\n");
    put("paketo-buildpacks_node-engine/node.toml", "[types]\nlaunch = true\n[metadata]\nv = \"20\"\n");
    fixture_mkdir_at(layers, "paketo-buildpacks_node-engine/node/bin");
    put("paketo-buildpacks_node-engine/node/bin/node", "#!/bin/sh\necho node\n");
    fixture_mkdir_at(layers, "paketo-buildpacks_node-engine/node/lib");
    put("paketo-buildpacks_node-engine/node/env.launch/NODE_HOME.default", "/layers/node");
    put("paketo-buildpacks_node-engine/node/env.launch/NODE_ENV.default", "production");
    put("paketo-buildpacks_node-engine/node/env/NODE_OPTIONS.append", "--max-old-space-size=512");
    put("paketo-buildpacks_node-engine/node/env/NODE_OPTIONS.delim", " ");
    put("paketo-buildpacks_node-engine/node/env.launch/web/PORT.override", "8080");
    put("paketo-buildpacks_node-engine/node/env.launch/worker/PORT.override", "9090");
    put("paketo-buildpacks_node-engine/build-cache.toml", "[types]\nbuild = true\ncache = true\n");
    fixture_mkdir_at(layers, "paketo-buildpacks_node-engine/build-cache/bin");
    put("paketo-buildpacks_node-engine/build-cache/env/ONLY_AT_BUILD.override", "yes");
    put("example_tools/tools.toml", "[types]\nlaunch = true\n");
    fixture_mkdir_at(layers, "example_tools/tools/bin");
    put("example_tools/tools/env/PATH.prepend", "/opt/tools/bin");
    put("example_tools/tools/env/PATH.delim", ":");
    put("example_tools/tools/env.launch/NODE_ENV.override", "staging");
    put("example_tools/tools/env.launch/NODE_OPTIONS.prepend", "--enable-source-maps");
    put("example_tools/tools/env.launch/NODE_OPTIONS.delim", " ");
    put("example_tools/tools/env.launch/EMPTY_DEFAULT.default", "filled");
    put("example_tools/tools/env.build/BUILD_ONLY.override", "no");
}

static char *const base_env[] = {
    "PATH=/cnb/process:/usr/local/bin:/usr/bin:/bin:/cnb/lifecycle", "HOME=/home/cnb",
    "EMPTY_DEFAULT=", "CNB_APP_DIR=/workspace", "CNB_PLATFORM_API=0.15", NULL,
};

static void test_launch_env_for_process(void **state)
{
    (void)state;
    make_tree();
    struct cnb_env env;
    struct bp_error err = {{0}};
    if (cnb_launch_env_for_process(&ctx, "web", base_env, &env, &err) != 0)
        fail_msg("%s", err.message);
    char want_path[2048];
    snprintf(want_path, sizeof want_path,
             "/opt/tools/bin:%s/example_tools/tools/bin:%s/paketo-buildpacks_node-engine/node/bin:"
             "/usr/local/bin:/usr/bin:/bin", layers, layers);
    assert_string_equal(cnb_env_get(&env, "PATH"), want_path);
    char want_lib[1024];
    snprintf(want_lib, sizeof want_lib, "%s/paketo-buildpacks_node-engine/node/lib", layers);
    assert_string_equal(cnb_env_get(&env, "LD_LIBRARY_PATH"), want_lib);
    assert_string_equal(cnb_env_get(&env, "PORT"), "8080");
    assert_string_equal(cnb_env_get(&env, "NODE_ENV"), "staging");
    assert_string_equal(cnb_env_get(&env, "NODE_OPTIONS"),
                        "--enable-source-maps --max-old-space-size=512");
    assert_string_equal(cnb_env_get(&env, "EMPTY_DEFAULT"), "filled");
    assert_null(cnb_env_get(&env, "ONLY_AT_BUILD"));
    assert_null(cnb_env_get(&env, "BUILD_ONLY"));
    assert_null(cnb_env_get(&env, "CNB_APP_DIR"));
    assert_null(cnb_env_get(&env, "CNB_PLATFORM_API"));
    cnb_env_free(&env);

    assert_int_equal(cnb_launch_env_for_process(&ctx, "worker", base_env, &env, &err), 0);
    assert_string_equal(cnb_env_get(&env, "PORT"), "9090");
    cnb_env_free(&env);
}

static const char *find_launcher(void)
{
    static char path[1024];
    const char *explicit = getenv("BP_LIFECYCLE_LAUNCHER");
    if (explicit != NULL && access(explicit, X_OK) == 0)
        return explicit;
    const char *cache = getenv("BP_DEBUG_CACHE");
    if (cache == NULL)
        return NULL;
    snprintf(path, sizeof path, "%s/lifecycle-v0.21.0/launcher", cache);
    return access(path, X_OK) == 0 ? path : NULL;
}

struct launcher_run {
    const char *web;
};

/* In the child: the launcher, as the platform runs it, with only the base env. */
static void run_launcher(void *arg)
{
    const struct launcher_run *run = arg;
    char layers_var[700], app_var[700];
    snprintf(layers_var, sizeof layers_var, "CNB_LAYERS_DIR=%s", layers);
    snprintf(app_var, sizeof app_var, "CNB_APP_DIR=%s", app);
    char *envp[] = {base_env[0], base_env[1], base_env[2], "CNB_PLATFORM_API=0.15",
                    layers_var, app_var, NULL};
    execve(run->web, (char *[]){(char *)run->web, NULL}, envp);
    _exit(127);
}

/* The same tree through the real launcher: a `web` process running env(1)
 * prints what the launcher gave it; every variable must match ours. */
static void test_launch_env_matches_real_launcher(void **state)
{
    (void)state;
    const char *launcher = find_launcher();
    if (launcher == NULL) {
        print_message("no lifecycle launcher: set BP_DEBUG_CACHE or BP_LIFECYCLE_LAUNCHER\n");
        skip();
    }
    make_tree();
    struct cnb_env ours_env;
    struct bp_error err = {{0}};
    assert_int_equal(cnb_launch_env_for_process(&ctx, "web", base_env, &ours_env, &err), 0);

    /* What the exporter leaves: only launch = true layers. */
    char path[1024];
    snprintf(path, sizeof path, "%s/paketo-buildpacks_node-engine/build-cache", layers);
    assert_int_equal(file_remove_tree(path, NULL), 0);
    put("config/metadata.toml",
        "[[processes]]\ntype = \"web\"\ncommand = [\"/usr/bin/env\"]\nargs = []\ndirect = true\n"
        "buildpack-id = \"example/tools\"\n"
        "[[buildpacks]]\nid = \"paketo-buildpacks/node-engine\"\napi = \"0.10\"\n"
        "[[buildpacks]]\nid = \"example/tools\"\napi = \"0.10\"\n");
    char web[1024];
    snprintf(web, sizeof web, "%s/web", root);
    assert_int_equal(symlink(launcher, web), 0);

    struct launcher_run run = {.web = web};
    int status = 0;
    char *out = fixture_capture(run_launcher, &run, &status);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    struct cnb_env theirs = {0};
    char *save = NULL;
    for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (eq == NULL)
            continue;
        *eq = '\0';
        cnb_env_set(&theirs, line, eq + 1);
    }
    for (size_t i = 0; i < theirs.len; i++) {
        char *name = strndup(theirs.vars[i], strcspn(theirs.vars[i], "="));
        const char *want = cnb_env_get(&theirs, name), *got = cnb_env_get(&ours_env, name);
        if (got == NULL || strcmp(got, want) != 0)
            fail_msg("%s: launcher %s, ours %s", name, want, got ? got : "(unset)");
        free(name);
    }
    for (size_t i = 0; i < ours_env.len; i++) {
        char *name = strndup(ours_env.vars[i], strcspn(ours_env.vars[i], "="));
        if (cnb_env_get(&theirs, name) == NULL)
            fail_msg("%s: ours %s, the launcher does not set it", name, cnb_env_get(&ours_env, name));
        free(name);
    }
    assert_true(theirs.len >= 8);
    cnb_env_free(&theirs);
    cnb_env_free(&ours_env);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_env_dir_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_dir_write_read_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_fifo_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layer_toml_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layer_env_dirs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_launch_env_for_process, setup, teardown),
        cmocka_unit_test_setup_teardown(test_launch_env_matches_real_launcher, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
