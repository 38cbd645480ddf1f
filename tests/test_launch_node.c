/* Launch planner, Node.js: the node/nodemon --inspect shapes and npm, whose
 * --inspect marker must never reach npm itself. */
#include "test_launch_util.h"

static void test_node_enabled(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, "/layers/x/bin/node", "--inspect=0.0.0.0:9229",
                          "--enable-source-maps", "server.js", "--port", "8080"), 0);
    assert_string_equal(plan.path, node);
    ASSERT_ARGV(&plan, node, "--inspect=0.0.0.0:9229", "--enable-source-maps", "server.js",
                "--port", "8080");
    assert_true(plan.debugging);
    assert_int_equal(plan.env_len, 0);
    ASSERT_MESSAGE(&plan, "node inspector starting on 0.0.0.0:9229");
    launch_plan_free(&plan);
}

static void test_node_disabled(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct fake_env env = {{{"BPL_DEBUG_ENABLED", "FALSE"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "-r", "dotenv/config",
                          "--inspect-brk=0.0.0.0:9229", "server.js", "--inspect"), 0);
    /* the app's own "--inspect" argument is the app's */
    ASSERT_ARGV(&plan, node, "-r", "dotenv/config", "server.js", "--inspect");
    assert_false(plan.debugging);
    assert_null(plan.messages);
    launch_plan_free(&plan);
}

static void test_node_settings(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct {
        const char *bind, *port, *suspend, *in, *out, *shown;
    } cases[] = {
        {"127.0.0.1", "9230", NULL, "--inspect=0.0.0.0:9229", "--inspect=127.0.0.1:9230",
         "127.0.0.1:9230"},
        {NULL, NULL, "true", "--inspect=0.0.0.0:9229", "--inspect-brk=0.0.0.0:9229", "waits"},
        {NULL, NULL, "false", "--inspect-brk=0.0.0.0:9229", "--inspect=0.0.0.0:9229",
         "0.0.0.0:9229 ("},
        {NULL, "9300", NULL, "--inspect", "--inspect=9300", "127.0.0.1:9300"},
        {"::1", NULL, NULL, "--inspect", "--inspect=[::1]", "[::1]:9229"},
        {"::", "1234", NULL, "--inspect=[::1]:9229", "--inspect=[::]:1234", "[::]:1234"},
        {NULL, NULL, NULL, "--inspect", "--inspect", "127.0.0.1:9229"},
        {"0.0.0.0", NULL, NULL, "--inspect=9229", "--inspect=0.0.0.0:9229", "0.0.0.0:9229"},
        {"app-host", NULL, NULL, "--inspect=localhost", "--inspect=app-host", "app-host:9229"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fake_env env = {{{"BPL_DEBUG_BIND", cases[i].bind},
                                {"BPL_DEBUG_PORT", cases[i].port},
                                {"BPL_DEBUG_SUSPEND", cases[i].suspend}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, "node", (char *)cases[i].in, "app.js"), 0);
        ASSERT_ARGV(&plan, node, cases[i].out, "app.js");
        ASSERT_MESSAGE(&plan, cases[i].shown);
        launch_plan_free(&plan);
    }
}

static void test_node_invalid_value(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct fake_env env = {{{"BPL_DEBUG_PORT", "99999"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "--inspect=0.0.0.0:9229", "app.js"), 0);
    ASSERT_ARGV(&plan, node, "app.js");
    ASSERT_MESSAGE(&plan, "BPL_DEBUG_PORT=\"99999\" is not a port", "without the debugger");
    launch_plan_free(&plan);
}

static void test_plain_node_passes_through(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct fake_env env = {{{"BPL_DEBUG_ENABLED", "garbage"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    /* npm's scripts run `node` from PATH, where this wrapper is: it must be
     * silent and exact */
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "server.js", "--inspect=1"), 0);
    ASSERT_ARGV(&plan, node, "server.js", "--inspect=1");
    assert_null(plan.messages);
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "-e", "1", "--inspect"), 0);
    ASSERT_ARGV(&plan, node, "-e", "1", "--inspect");
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "--inspector-not", "x.js"), 0);
    ASSERT_ARGV(&plan, node, "--inspector-not", "x.js");
    launch_plan_free(&plan);
}

static void test_nodemon(void **state)
{
    struct layer *l = *state;
    char nodemon[512];
    tool_path(l, "nodemon", nodemon, sizeof nodemon);
    struct fake_env env = {{{"BPL_DEBUG_PORT", "9999"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "/l/bin/nodemon", "--inspect=0.0.0.0:9229",
                          "index.js"), 0);
    ASSERT_ARGV(&plan, nodemon, "--inspect=0.0.0.0:9999", "index.js");
    launch_plan_free(&plan);
}

static void test_npm_enabled(void **state)
{
    struct layer *l = *state;
    char npm[512];
    tool_path(l, "npm", npm, sizeof npm);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, "/l/bin/npm", "--inspect=0.0.0.0:9229", "start"),
                     0);
    assert_string_equal(plan.path, npm);
    ASSERT_ARGV(&plan, npm, "start", "--node-options=--inspect=0.0.0.0:9229");
    assert_true(plan.debugging);
    ASSERT_MESSAGE(&plan, "npm --node-options", "0.0.0.0:9229");
    launch_plan_free(&plan);

    /* before "--", so only npm reads it, never the script */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "npm", "run", "--inspect=0.0.0.0:9229", "serve",
                          "--", "--inspect=x", "--port", "1"), 0);
    ASSERT_ARGV(&plan, npm, "run", "serve", "--node-options=--inspect=0.0.0.0:9229", "--",
                "--inspect=x", "--port", "1");
    launch_plan_free(&plan);
}

static void test_npm_settings(void **state)
{
    struct layer *l = *state;
    char npm[512];
    tool_path(l, "npm", npm, sizeof npm);
    struct fake_env env = {{{"BPL_DEBUG_SUSPEND", "1"}, {"BPL_DEBUG_PORT", "9333"},
                            {"BPL_DEBUG_BIND", "::"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "npm", "--inspect=0.0.0.0:9229", "start"), 0);
    ASSERT_ARGV(&plan, npm, "start", "--node-options=--inspect-brk=[::]:9333");
    ASSERT_MESSAGE(&plan, "[::]:9333", "waits");
    launch_plan_free(&plan);
}

static void test_npm_keeps_user_node_options(void **state)
{
    struct layer *l = *state;
    char npm[512];
    tool_path(l, "npm", npm, sizeof npm);
    struct launch_plan plan;
    struct bp_error err = {{0}};

    /* npm replaces NODE_OPTIONS with --node-options: carry the user's along */
    struct fake_env node_options = {{{"NODE_OPTIONS", "--max-old-space-size=256 -r ./t.js"}}};
    assert_int_equal(PLAN(l, &node_options, &plan, &err, "npm", "--inspect=0.0.0.0:9229",
                          "start"), 0);
    ASSERT_ARGV(&plan, npm, "start",
                "--node-options=--max-old-space-size=256 -r ./t.js --inspect=0.0.0.0:9229");
    launch_plan_free(&plan);

    struct fake_env npm_config = {{{"npm_config_node_options", "--trace-warnings"},
                                   {"NODE_OPTIONS", "--ignored-by-npm"}}};
    assert_int_equal(PLAN(l, &npm_config, &plan, &err, "npm", "--inspect=0.0.0.0:9229", "start"),
                     0);
    ASSERT_ARGV(&plan, npm, "start", "--node-options=--trace-warnings --inspect=0.0.0.0:9229");
    launch_plan_free(&plan);

    /* one on the command line wins, and is folded into ours */
    assert_int_equal(PLAN(l, &npm_config, &plan, &err, "npm", "--inspect=0.0.0.0:9229",
                          "--node-options", "--no-warnings", "start", "--", "x"), 0);
    ASSERT_ARGV(&plan, npm, "start", "--node-options=--no-warnings --inspect=0.0.0.0:9229", "--",
                "x");
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, NULL, &plan, &err, "npm", "--node-options=--no-warnings",
                          "--inspect=0.0.0.0:9229", "start"), 0);
    ASSERT_ARGV(&plan, npm, "start", "--node-options=--no-warnings --inspect=0.0.0.0:9229");
    launch_plan_free(&plan);
}

static void test_npm_inspector_already_set(void **state)
{
    struct layer *l = *state;
    char npm[512];
    tool_path(l, "npm", npm, sizeof npm);
    /* (a --inspect in NODE_OPTIONS is dropped instead: test_launch_wrap.c) */
    const char *sources[][2] = {{"npm_config_node_options", "--x --inspect-brk"},
                                {"NPM_CONFIG_NODE_OPTIONS", "--inspect"}};
    for (size_t i = 0; i < sizeof sources / sizeof *sources; i++) {
        struct fake_env env = {{{sources[i][0], sources[i][1]}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, "npm", "--inspect=0.0.0.0:9229", "start"), 0);
        ASSERT_ARGV(&plan, npm, "start");
        ASSERT_MESSAGE(&plan, "npm_config_node_options already gives");
        launch_plan_free(&plan);
    }
}

static void test_npm_disabled_and_plain(void **state)
{
    struct layer *l = *state;
    char npm[512];
    tool_path(l, "npm", npm, sizeof npm);
    struct fake_env off = {{{"BPL_DEBUG_ENABLED", "off"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &off, &plan, &err, "npm", "--inspect=0.0.0.0:9229", "start", "--",
                          "a"), 0);
    ASSERT_ARGV(&plan, npm, "start", "--", "a");
    assert_false(plan.debugging);
    assert_null(plan.messages);
    launch_plan_free(&plan);

    /* bad values: the marker still goes, npm runs the app undebugged */
    struct fake_env bad = {{{"BPL_DEBUG_BIND", "a b"}}};
    assert_int_equal(PLAN(l, &bad, &plan, &err, "npm", "--inspect=0.0.0.0:9229", "start"), 0);
    ASSERT_ARGV(&plan, npm, "start");
    ASSERT_MESSAGE(&plan, "BPL_DEBUG_BIND=\"a b\"");
    launch_plan_free(&plan);

    assert_int_equal(PLAN(l, NULL, &plan, &err, "npm", "ci", "--", "--inspect"), 0);
    ASSERT_ARGV(&plan, npm, "ci", "--", "--inspect");
    assert_null(plan.messages);
    launch_plan_free(&plan);
}

static void test_real_node_missing(void **state)
{
    struct layer *l = *state;
    char link[512];
    layer_path(l, "real/node", link, sizeof link);
    assert_int_equal(unlink(link), 0);
    struct fake_env off = {{{"BPL_DEBUG_ENABLED", "off"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &off, &plan, &err, "node", "--inspect", "app.js"), -1);
    assert_non_null(strstr(err.message, link));
    launch_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_node_enabled, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_node_disabled, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_node_settings, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_node_invalid_value, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_plain_node_passes_through, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_nodemon, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_npm_enabled, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_npm_settings, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_npm_keeps_user_node_options, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_npm_inspector_already_set, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_npm_disabled_and_plain, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_real_node_missing, layer_setup, layer_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
