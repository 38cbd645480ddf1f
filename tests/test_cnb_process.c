/* cnb processes: reading earlier buildpacks' launch.toml (both API shapes),
 * merging them in group order as the lifecycle does, and writing ours. */
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
#include "toml/toml.h"

#define OUR_ID "cnbdebug/debug"

static struct fixture_tree tree;
static const char *const root = tree.layers, *const ours = tree.ours; /* the layers root, our layer */
static struct cnb_build_context ctx;

static void write_text(const char *path, const char *text)
{
    fixture_write(path, text, 0644);
}

/* Writes <root>/<escaped id>/launch.toml; returns its path (static buffer). */
static const char *launch_of(const char *id, const char *text)
{
    static char path[1024];
    char dir[800];
    snprintf(dir, sizeof dir, "%s/", root);
    size_t at = strlen(dir);
    for (size_t i = 0; id[i] && at < sizeof dir - 1; i++)
        dir[at++] = id[i] == '/' ? '_' : id[i];
    dir[at] = '\0';
    assert_int_equal(file_mkdirs(dir, NULL), 0);
    snprintf(path, sizeof path, "%s/launch.toml", dir);
    write_text(path, text);
    return path;
}

/* group.toml with the given ids in order (a NULL-terminated list). */
static void group_of(const char *const *ids)
{
    char text[4096] = "";
    for (size_t i = 0; ids[i] != NULL; i++) {
        size_t n = strlen(text);
        snprintf(text + n, sizeof text - n,
                 "[[group]]\n  id = \"%s\"\n  version = \"1.0.0\"\n  api = \"0.10\"\n\n", ids[i]);
    }
    char path[600];
    snprintf(path, sizeof path, "%s/group.toml", root);
    write_text(path, text);
}

static int setup(void **state)
{
    (void)state;
    fixture_tree_make(&tree, "test_cnb_process");
    fixture_cnb_context(&ctx, &tree);
    ctx.app_dir = NULL;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fixture_tree_remove(&tree);
    return 0;
}

static const struct cnb_process *find(const struct cnb_process_list *list, const char *type)
{
    for (size_t i = 0; i < list->len; i++)
        if (strcmp(list->items[i].type, type) == 0)
            return &list->items[i];
    return NULL;
}

static void assert_argv(const struct command_argv *argv, const char *const *want, size_t n)
{
    assert_int_equal(argv->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(argv->items[i], want[i]);
    assert_null(argv->items == NULL ? NULL : argv->items[n]);
}

static void read_ok(struct cnb_process_list *list)
{
    struct bp_error err = {{0}};
    if (cnb_read_processes(&ctx, list, &err) != 0)
        fail_msg("cnb_read_processes: %s", err.message);
}

/* Reading fails; returns the message (err is the caller's). */
static const char *read_fails(struct bp_error *err)
{
    struct cnb_process_list list;
    assert_int_equal(cnb_read_processes(&ctx, &list, err), -1);
    assert_int_equal(list.len, 0);
    assert_null(list.items);
    return err->message;
}

/* ---- the two shapes ------------------------------------------------------ */

static void test_legacy_shape(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/node", OUR_ID, NULL});
    const char *path = launch_of("example/node",
                                 "[[processes]]\n"
                                 "type = \"web\"\n"
                                 "command = \"node server.js\"\n"
                                 "args = [\"--port\", \"8080\"]\n"
                                 "direct = false\n"
                                 "[[processes]]\n"
                                 "type = \"task\"\n"
                                 "command = \"/usr/bin/env\"\n"
                                 "args = [\"x=1\"]\n"
                                 "direct = true\n"
                                 "[[processes]]\n"
                                 "type = \"plain\"\n"
                                 "command = \"run.sh\"\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 3);

    const struct cnb_process *web = find(&list, "web");
    assert_non_null(web);
    assert_true(web->legacy);
    assert_false(web->direct);
    const char *web_cmd[] = {"node server.js"}; /* one shell line, not split here */
    assert_argv(&web->command, web_cmd, 1);
    const char *web_args[] = {"--port", "8080"};
    assert_argv(&web->args, web_args, 2);
    assert_string_equal(web->buildpack_id, "example/node");
    assert_string_equal(web->source, path);
    assert_null(web->working_dir);

    const struct cnb_process *task = find(&list, "task");
    assert_true(task->legacy);
    assert_true(task->direct);
    const char *task_cmd[] = {"/usr/bin/env"};
    assert_argv(&task->command, task_cmd, 1);

    /* direct defaults to false in the legacy shape. */
    const struct cnb_process *plain = find(&list, "plain");
    assert_true(plain->legacy);
    assert_false(plain->direct);
    assert_int_equal(plain->args.len, 0);
    cnb_process_list_free(&list);
    assert_int_equal(list.len, 0);
}

static void test_array_shape(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/go", OUR_ID, NULL});
    launch_of("example/go", "[[processes]]\n"
                            "type = \"web\"\n"
                            "command = [\"/layers/example_go/app/bin/server\", \"--flag\"]\n"
                            "args = [\"serve\", \"--port=8080\"]\n"
                            "default = true\n"
                            "working-dir = \"/workspace/sub\"\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 1);
    const struct cnb_process *web = &list.items[0];
    assert_string_equal(web->type, "web");
    assert_false(web->legacy);
    assert_true(web->direct);
    assert_true(web->is_default);
    const char *cmd[] = {"/layers/example_go/app/bin/server", "--flag"};
    assert_argv(&web->command, cmd, 2);
    const char *args[] = {"serve", "--port=8080"};
    assert_argv(&web->args, args, 2);
    assert_string_equal(web->working_dir, "/workspace/sub");
    cnb_process_list_free(&list);
}

/* ---- merging ------------------------------------------------------------- */

/* Later buildpacks replace processes of the same type; buildpacks after us
 * in the group have not run yet and are not read. */
static void test_group_order_and_replacement(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", "example/b", OUR_ID, "example/late", NULL});
    launch_of("example/a", "[[processes]]\ntype = \"web\"\ncommand = [\"a-web\"]\n"
                           "[[processes]]\ntype = \"worker\"\ncommand = [\"a-worker\"]\n");
    launch_of("example/b", "[[processes]]\ntype = \"web\"\ncommand = [\"b-web\"]\n");
    launch_of("example/late", "[[processes]]\ntype = \"late\"\ncommand = [\"late\"]\n"
                              "[[processes]]\ntype = \"web\"\ncommand = [\"late-web\"]\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 2);
    const struct cnb_process *web = find(&list, "web");
    assert_string_equal(web->command.items[0], "b-web");
    assert_string_equal(web->buildpack_id, "example/b");
    assert_string_equal(find(&list, "worker")->command.items[0], "a-worker");
    assert_string_equal(find(&list, "worker")->buildpack_id, "example/a");
    assert_null(find(&list, "late"));
    /* No default declared: web is the one to debug, but not made the image's default. */
    assert_false(web->is_default);
    assert_true(web->implied_default);
    assert_false(find(&list, "worker")->is_default);
    cnb_process_list_free(&list);
}

/* The group decides the order, not the directory names. */
static void test_group_order_beats_name_order(void **state)
{
    (void)state;
    group_of((const char *const[]){"zz/first", "aa/second", OUR_ID, NULL});
    launch_of("zz/first", "[[processes]]\ntype = \"web\"\ncommand = [\"first\"]\n");
    launch_of("aa/second", "[[processes]]\ntype = \"web\"\ncommand = [\"second\"]\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 1);
    assert_string_equal(list.items[0].command.items[0], "second");
    cnb_process_list_free(&list);
}

static void test_last_default_wins(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", "example/b", OUR_ID, NULL});
    launch_of("example/a", "[[processes]]\ntype = \"web\"\ncommand = [\"a-web\"]\ndefault = true\n");
    launch_of("example/b", "[[processes]]\ntype = \"worker\"\ncommand = [\"b-worker\"]\ndefault = true\n"
                           "[[processes]]\ntype = \"other\"\ncommand = [\"b-other\"]\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 3);
    assert_false(find(&list, "web")->is_default);
    assert_true(find(&list, "worker")->is_default);
    assert_false(find(&list, "other")->is_default);
    cnb_process_list_free(&list);

    /* Within one file too: the later default wins. */
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    launch_of("example/a", "[[processes]]\ntype = \"one\"\ncommand = [\"1\"]\ndefault = true\n"
                           "[[processes]]\ntype = \"two\"\ncommand = [\"2\"]\ndefault = true\n");
    read_ok(&list);
    assert_false(find(&list, "one")->is_default);
    assert_true(find(&list, "two")->is_default);
    cnb_process_list_free(&list);
}

/* The lifecycle drops the default when a later buildpack redefines the
 * default type without default = true; then web is implied again. */
static void test_redefined_default_loses_default(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", "example/b", OUR_ID, NULL});
    launch_of("example/a", "[[processes]]\ntype = \"worker\"\ncommand = [\"a\"]\ndefault = true\n"
                           "[[processes]]\ntype = \"web\"\ncommand = [\"a-web\"]\n");
    launch_of("example/b", "[[processes]]\ntype = \"worker\"\ncommand = [\"b\"]\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_string_equal(find(&list, "worker")->command.items[0], "b");
    assert_false(find(&list, "worker")->is_default);
    assert_false(find(&list, "web")->is_default);
    assert_true(find(&list, "web")->implied_default);
    cnb_process_list_free(&list);
}

static void test_no_web_no_default(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    launch_of("example/a", "[[processes]]\ntype = \"worker\"\ncommand = [\"w\"]\n"
                           "[[processes]]\ntype = \"cron\"\ncommand = [\"c\"]\ndefault = false\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 2);
    for (size_t i = 0; i < list.len; i++)
        assert_false(list.items[i].is_default);
    cnb_process_list_free(&list);
}

/* Without group.toml: every other buildpack's dir, in name order; ours,
 * config and sbom are not buildpacks. */
static void test_directory_order_without_group(void **state)
{
    (void)state;
    launch_of("b_second", "[[processes]]\ntype = \"web\"\ncommand = [\"second\"]\n");
    launch_of("a_first", "[[processes]]\ntype = \"web\"\ncommand = [\"first\"]\n"
                         "[[processes]]\ntype = \"worker\"\ncommand = [\"first-worker\"]\n");
    launch_of("cnbdebug/debug", "[[processes]]\ntype = \"web\"\ncommand = [\"ours\"]\n"
                                "[[processes]]\ntype = \"own\"\ncommand = [\"ours\"]\n");
    launch_of("config", "[[processes]]\ntype = \"config\"\ncommand = [\"no\"]\n");
    launch_of("sbom", "[[processes]]\ntype = \"sbom\"\ncommand = [\"no\"]\n");
    char file[600];
    snprintf(file, sizeof file, "%s/plan.toml", root);
    write_text(file, "# a file among the dirs\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 2);
    assert_string_equal(find(&list, "web")->command.items[0], "second");
    assert_string_equal(find(&list, "web")->buildpack_id, "b_second");
    assert_string_equal(find(&list, "worker")->command.items[0], "first-worker");
    assert_null(find(&list, "own"));
    assert_null(find(&list, "config"));
    cnb_process_list_free(&list);
}

/* Through cnb_build_context_load: CNB_LAYERS_DIR with a trailing slash must
 * still skip our own launch.toml (left from an earlier run). */
static void test_own_dir_skipped_with_trailing_slash(void **state)
{
    (void)state;
    launch_of("example_go", "[[processes]]\ntype = \"web\"\ncommand = [\"app\"]\n");
    launch_of(OUR_ID, "[[processes]]\ntype = \"web\"\ncommand = [\"wrapped-app\"]\n");
    char bpdir[600], slashed[600], toml[700];
    snprintf(bpdir, sizeof bpdir, "%s/bp", root);
    assert_int_equal(mkdir(bpdir, 0755), 0);
    snprintf(toml, sizeof toml, "%s/buildpack.toml", bpdir);
    write_text(toml, "[buildpack]\nid = \"" OUR_ID "\"\nversion = \"0.1.0\"\n");
    snprintf(slashed, sizeof slashed, "%s/", ours);
    setenv("CNB_LAYERS_DIR", slashed, 1);
    setenv("CNB_PLATFORM_DIR", root, 1);
    setenv("CNB_BUILDPACK_DIR", bpdir, 1);
    char *argv[] = {"build", NULL};
    struct cnb_build_context loaded;
    struct bp_error err = {{0}};
    assert_int_equal(cnb_build_context_load(1, argv, &loaded, &err), 0);
    struct cnb_process_list list;
    assert_int_equal(cnb_read_processes(&loaded, &list, &err), 0);
    cnb_build_context_free(&loaded);
    unsetenv("CNB_LAYERS_DIR");
    unsetenv("CNB_PLATFORM_DIR");
    unsetenv("CNB_BUILDPACK_DIR");
    /* bp/ holds no launch.toml, so only example_go's web is seen. */
    assert_int_equal(list.len, 1);
    assert_string_equal(list.items[0].command.items[0], "app");
    cnb_process_list_free(&list);
}

static void test_buildpacks_without_launch_toml(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/nothing", "example/a", OUR_ID, NULL});
    char dir[600];
    snprintf(dir, sizeof dir, "%s/example_nothing", root);
    assert_int_equal(mkdir(dir, 0755), 0);
    launch_of("example/a", "# processes may be absent\n[[labels]]\nkey = \"k\"\nvalue = \"v\"\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 0);
    cnb_process_list_free(&list);

    /* No other buildpack at all. */
    group_of((const char *const[]){OUR_ID, NULL});
    read_ok(&list);
    assert_int_equal(list.len, 0);
    cnb_process_list_free(&list);
}

/* The fuzzing seeds in tests/data/cnb/ are valid launch.toml files. */
static void test_seed_files(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    const struct {
        const char *file;
        size_t processes;
        const char *default_type;
    } seeds[] = {{"launch-array.toml", 2, "web"}, {"launch-legacy.toml", 2, "web"},
                 {"launch-quoted.toml", 2, "debug"}};
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/cnb/%s", BP_TEST_DATA, seeds[i].file);
        char *text = NULL;
        struct bp_error err = {{0}};
        if (file_read_all(path, 1 << 20, &text, NULL, &err) != 0)
            fail_msg("%s", err.message);
        launch_of("example/a", text);
        free(text);
        struct cnb_process_list list;
        read_ok(&list);
        assert_int_equal(list.len, seeds[i].processes);
        for (size_t k = 0; k < list.len; k++)
            assert_int_equal(list.items[k].is_default || list.items[k].implied_default,
                             strcmp(list.items[k].type, seeds[i].default_type) == 0);
        cnb_process_list_free(&list);
    }
}

/* ---- errors -------------------------------------------------------------- */

static void test_malformed_launch_toml_is_located(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    const char *path = launch_of("example/a", "[[processes]]\ntype = \"web\"\ncommand = [\"x\"\n");
    char want[1100];
    snprintf(want, sizeof want, "%s:3:", path);
    struct bp_error err = {{0}};
    const char *msg = read_fails(&err);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, "example/a"));
}

/* launch.toml files the reader refuses: the message names the file and
 * what is wrong in it. */
static const struct {
    const char *body;
    const char *want, *want2; /* substrings of the message (want2 may be NULL) */
} unreadable[] = {
    /* processes not an array of tables */
    {"processes = \"web: ./run\"\n", "processes", NULL},
    {"[processes]\ntype = \"web\"\ncommand = [\"x\"]\n", "processes", NULL},
    {"processes = [\"web\"]\n", "processes[0]", NULL},
    /* a process without a type */
    {"[[processes]]\ntype = \"web\"\ncommand = [\"ok\"]\n[[processes]]\ncommand = [\"x\"]\n",
     "processes[1]", "type"},
    {"[[processes]]\ntype = \"\"\ncommand = [\"x\"]\n", "processes[0]", NULL},
    {"[[processes]]\ntype = 3\ncommand = [\"x\"]\n", "processes[0]", NULL},
    /* an empty or missing command */
    {"[[processes]]\ntype = \"web\"\ncommand = []\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\ncommand = \"\"\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\ncommand = [\"\", \"x\"]\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\ncommand = 12\n", "'web'", NULL},
    /* args or command items that are not strings */
    {"[[processes]]\ntype = \"web\"\ncommand = [\"app\"]\nargs = [\"ok\", 1]\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\ncommand = [\"app\", true]\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\ncommand = [\"app\"]\nargs = \"--port 8080\"\n", "'web'", NULL},
    {"[[processes]]\ntype = \"web\"\ncommand = \"app\"\nargs = [[\"nested\"]]\n", "'web'", NULL},
};

static void test_unreadable_launch_toml_table(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    for (size_t i = 0; i < sizeof unreadable / sizeof *unreadable; i++) {
        const char *path = launch_of("example/a", unreadable[i].body);
        struct bp_error err = {{0}};
        const char *msg = read_fails(&err);
        if (strstr(msg, path) == NULL || strstr(msg, unreadable[i].want) == NULL ||
            (unreadable[i].want2 != NULL && strstr(msg, unreadable[i].want2) == NULL))
            fail_msg("[%zu] %s: %s", i, unreadable[i].body, msg);
    }
}

/* The type names directories of our layer (exec.d/<type>, env.launch/<type>)
 * and the lifecycle's /cnb/process/<type>: what the exporter would refuse
 * (/><:|&\\) and dot names are refused here, before anything is written. */
static void test_process_type_that_is_not_a_name(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    const char *types[] = {"../../../etc", "a/b", "..", ".", "w>x", "w|x", "w&x", "w:x", "w\\\\x"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char body[256];
        snprintf(body, sizeof body, "[[processes]]\ntype = \"%s\"\ncommand = [\"x\"]\n", types[i]);
        const char *path = launch_of("example/a", body);
        struct bp_error err = {{0}};
        const char *msg = read_fails(&err);
        if (strstr(msg, path) == NULL || strstr(msg, "processes[0]") == NULL)
            fail_msg("type %s: %s", types[i], msg);
    }
    /* Ordinary names pass, dots and dashes inside included. */
    launch_of("example/a", "[[processes]]\ntype = \"web-2.v_1\"\ncommand = [\"x\"]\n");
    struct cnb_process_list list;
    read_ok(&list);
    assert_string_equal(list.items[0].type, "web-2.v_1");
    cnb_process_list_free(&list);
}

/* An error in a later file frees what earlier files gave (LSan checks). */
static void test_error_after_good_file_frees_all(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", "example/b", OUR_ID, NULL});
    launch_of("example/a", "[[processes]]\ntype = \"web\"\ncommand = [\"a\"]\nargs = [\"1\"]\n"
                           "working-dir = \"/w\"\n");
    const char *path = launch_of("example/b", "[[processes]]\ntype = \"worker\"\ncommand = [\"b\"]\n"
                                              "[[processes]]\ntype = \"web\"\ncommand = [1]\n");
    struct bp_error err = {{0}};
    assert_non_null(strstr(read_fails(&err), path));
}

static void test_malformed_group_toml_is_located(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/group.toml", root);
    write_text(path, "[[group]]\nid = \"example/a\"\nversion = \n");
    struct bp_error err = {{0}};
    const char *msg = read_fails(&err);
    assert_non_null(strstr(msg, path));
}

/* ---- copying ------------------------------------------------------------- */

static void test_process_copy_is_deep(void **state)
{
    (void)state;
    group_of((const char *const[]){"example/a", OUR_ID, NULL});
    launch_of("example/a", "[[processes]]\ntype = \"web\"\ncommand = \"run it\"\nargs = [\"a\"]\n"
                           "direct = true\ndefault = true\nworking-dir = \"/w\"\n");
    struct cnb_process_list list;
    read_ok(&list);
    struct cnb_process copy;
    cnb_process_copy(&copy, &list.items[0]);
    cnb_process_list_free(&list);
    /* The original is gone: the copy owns everything it points to. */
    assert_string_equal(copy.type, "web");
    assert_string_equal(copy.command.items[0], "run it");
    assert_string_equal(copy.args.items[0], "a");
    assert_string_equal(copy.working_dir, "/w");
    assert_string_equal(copy.buildpack_id, "example/a");
    assert_true(copy.legacy);
    assert_true(copy.direct);
    assert_true(copy.is_default);
    cnb_process_free(&copy);
    assert_null(copy.type);
}

/* ---- writing launch.toml -------------------------------------------------- */

static void add_process(struct cnb_launch *launch, const char *type, const char *const *cmd,
                        size_t ncmd, const char *const *args, size_t nargs, bool is_default,
                        const char *wd)
{
    struct cnb_process p = {0};
    p.type = strdup(type);
    p.working_dir = wd ? strdup(wd) : NULL;
    p.is_default = is_default;
    for (size_t i = 0; i < ncmd; i++)
        command_argv_push(&p.command, cmd[i]);
    for (size_t i = 0; i < nargs; i++)
        command_argv_push(&p.args, args[i]);
    struct cnb_process *items =
        realloc(launch->processes.items, (launch->processes.len + 1) * sizeof *items);
    assert_non_null(items);
    launch->processes.items = items;
    items[launch->processes.len++] = p;
}

static void assert_string_array(const struct toml_value *array, const char *const *want, size_t n)
{
    assert_int_equal(toml_type_of(array), TOML_ARRAY);
    assert_int_equal(toml_array_len(array), n);
    for (size_t i = 0; i < n; i++) {
        const char *s = NULL;
        assert_true(toml_get_string(toml_array_at(array, i), &s));
        assert_string_equal(s, want[i]);
    }
}

static void test_write_round_trip(void **state)
{
    (void)state;
    struct cnb_launch launch = {0};
    const char *web_cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/dlv", "exec",
                             "--listen=0.0.0.0:56268", "/workspace/app", "--"};
    const char *web_args[] = {"--port", "8080", "with \"quotes\" and \\ and \xc3\xa9"};
    add_process(&launch, "web", web_cmd, 5, web_args, 3, true, "/workspace/sub dir");
    const char *worker_cmd[] = {"/usr/bin/worker"};
    add_process(&launch, "worker", worker_cmd, 1, NULL, 0, false, NULL);
    struct bp_error err = {{0}};
    assert_int_equal(cnb_launch_add_label(&launch, "dev.cnbdebug.debug.config", "{\"web\":{}}", &err), 0);
    assert_int_equal(cnb_launch_add_label(&launch, "dev.cnbdebug.debug.port.web.dlv", "56268", &err), 0);
    assert_int_equal(cnb_launch_write(ours, &launch, &err), 0);
    cnb_launch_free(&launch);
    assert_int_equal(launch.processes.len, 0);
    assert_int_equal(launch.labels_len, 0);

    const char *only[] = {"launch.toml"};
    fixture_assert_dir_holds(ours, only, 1);
    char path[600];
    snprintf(path, sizeof path, "%s/launch.toml", ours);
    struct toml_value *doc = toml_parse_file(path, &err);
    if (doc == NULL)
        fail_msg("%s", err.message);
    const struct toml_value *procs = toml_table_get(doc, "processes");
    assert_int_equal(toml_array_len(procs), 2);
    const struct toml_value *web = toml_array_at(procs, 0);
    const char *s = NULL;
    bool b = false;
    assert_true(toml_get_string(toml_table_get(web, "type"), &s));
    assert_string_equal(s, "web");
    assert_string_array(toml_table_get(web, "command"), web_cmd, 5);
    assert_string_array(toml_table_get(web, "args"), web_args, 3);
    assert_true(toml_get_bool(toml_table_get(web, "default"), &b));
    assert_true(b);
    assert_true(toml_get_string(toml_table_get(web, "working-dir"), &s));
    assert_string_equal(s, "/workspace/sub dir");
    /* The API >= 0.9 shape: no direct key. */
    assert_null(toml_table_get(web, "direct"));

    const struct toml_value *worker = toml_array_at(procs, 1);
    assert_string_array(toml_table_get(worker, "command"), worker_cmd, 1);
    assert_string_array(toml_table_get(worker, "args"), NULL, 0);
    assert_true(toml_get_bool(toml_table_get(worker, "default"), &b));
    assert_false(b);
    assert_null(toml_table_get(worker, "working-dir"));

    const struct toml_value *labels = toml_table_get(doc, "labels");
    assert_int_equal(toml_array_len(labels), 2);
    assert_true(toml_get_string(toml_table_get(toml_array_at(labels, 0), "key"), &s));
    assert_string_equal(s, "dev.cnbdebug.debug.config");
    assert_true(toml_get_string(toml_table_get(toml_array_at(labels, 0), "value"), &s));
    assert_string_equal(s, "{\"web\":{}}");
    assert_true(toml_get_string(toml_table_get(toml_array_at(labels, 1), "key"), &s));
    assert_string_equal(s, "dev.cnbdebug.debug.port.web.dlv");
    assert_true(toml_get_string(toml_table_get(toml_array_at(labels, 1), "value"), &s));
    assert_string_equal(s, "56268");
    toml_free(doc);

    /* And our own reader takes it back as a later buildpack would see it. */
    char their_dir[600];
    snprintf(their_dir, sizeof their_dir, "%s/example_next", root);
    assert_int_equal(rename(ours, their_dir), 0);
    assert_int_equal(mkdir(ours, 0755), 0);
    group_of((const char *const[]){"example/next", OUR_ID, NULL});
    struct cnb_process_list list;
    read_ok(&list);
    assert_int_equal(list.len, 2);
    const struct cnb_process *p = find(&list, "web");
    assert_false(p->legacy);
    assert_true(p->is_default);
    assert_argv(&p->command, web_cmd, 5);
    assert_argv(&p->args, web_args, 3);
    assert_string_equal(p->working_dir, "/workspace/sub dir");
    cnb_process_list_free(&list);
}

static void test_write_empty_launch(void **state)
{
    (void)state;
    struct cnb_launch launch = {0};
    struct bp_error err = {{0}};
    assert_int_equal(cnb_launch_write(ours, &launch, &err), 0);
    char path[600];
    snprintf(path, sizeof path, "%s/launch.toml", ours);
    struct toml_value *doc = toml_parse_file(path, &err);
    assert_non_null(doc);
    assert_int_equal(toml_table_len(doc), 0);
    toml_free(doc);
}

/* Replacing an existing launch.toml is atomic: readers see old or new. */
static void test_write_replaces_existing(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/launch.toml", ours);
    write_text(path, "[[processes]]\ntype = \"old\"\ncommand = [\"old\"]\n");
    struct cnb_launch launch = {0};
    const char *cmd[] = {"new"};
    add_process(&launch, "web", cmd, 1, NULL, 0, true, NULL);
    struct bp_error err = {{0}};
    assert_int_equal(cnb_launch_write(ours, &launch, &err), 0);
    cnb_launch_free(&launch);
    struct toml_value *doc = toml_parse_file(path, &err);
    const char *s = NULL;
    assert_true(toml_get_string(
        toml_table_get(toml_array_at(toml_table_get(doc, "processes"), 0), "type"), &s));
    assert_string_equal(s, "web");
    toml_free(doc);
    const char *only[] = {"launch.toml"};
    fixture_assert_dir_holds(ours, only, 1);
}

struct unwritable_write {
    const struct cnb_launch *launch;
};

static int write_launch(void *arg, struct bp_error *err)
{
    const struct unwritable_write *w = arg;
    return cnb_launch_write(ours, w->launch, err);
}

/* A layers dir that cannot be written: an error naming the file, and no
 * launch.toml (nor temp file) appears. Root writes anywhere, so: a path
 * whose parent is a file, and a read-only dir in a child that (as root)
 * dropped to nobody. */
static void test_write_unwritable_dir(void **state)
{
    (void)state;
    struct cnb_launch launch = {0};
    const char *cmd[] = {"x"};
    add_process(&launch, "web", cmd, 1, NULL, 0, true, NULL);
    struct bp_error err = {{0}};

    char file[600];
    snprintf(file, sizeof file, "%s/not-a-dir", root);
    write_text(file, "x");
    assert_int_equal(cnb_launch_write(file, &launch, &err), -1);
    assert_non_null(strstr(err.message, "not-a-dir/launch.toml"));

    char old[600];
    snprintf(old, sizeof old, "%s/launch.toml", ours);
    write_text(old, "# the previous one\n");
    assert_int_equal(chmod(tree.root, 0755), 0);
    assert_int_equal(chmod(root, 0755), 0);
    assert_int_equal(chmod(ours, 0555), 0);
    struct unwritable_write w = {&launch};
    char *msg = fixture_fails_unprivileged(write_launch, &w);
    chmod(ours, 0755);
    cnb_launch_free(&launch);
    assert_non_null(strstr(msg, old));
    free(msg);
    /* The previous file is untouched and nothing else appeared. */
    char *text = NULL;
    assert_int_equal(file_read_all(old, 4096, &text, NULL, &err), 0);
    assert_string_equal(text, "# the previous one\n");
    free(text);
    const char *only[] = {"launch.toml"};
    fixture_assert_dir_holds(ours, only, 1);
}

/* issue 13: a group id that escapes the layers root (`..`, `.`) is refused
 * with an error naming group.toml, before anything outside is read. */
static void test_group_id_escaping_root_is_refused(void **state)
{
    (void)state;
    const char *bad[] = {"..", ".", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *ids[] = {"paketo-buildpacks/go", bad[i], OUR_ID, NULL};
        group_of(ids);
        struct bp_error err = {{0}};
        const char *msg = read_fails(&err);
        assert_non_null(strstr(msg, "group.toml"));
        assert_non_null(strstr(msg, "layers root"));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_legacy_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_array_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_order_and_replacement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_order_beats_name_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_default_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_redefined_default_loses_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_web_no_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_order_without_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_own_dir_skipped_with_trailing_slash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_buildpacks_without_launch_toml, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seed_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_launch_toml_is_located, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_launch_toml_table, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_type_that_is_not_a_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_after_good_file_frees_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_group_toml_is_located, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_copy_is_deep, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_id_escaping_root_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_empty_launch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_replaces_existing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_unwritable_dir, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
