/* Launch planner: the interface with bin/build's shell unwrapping (words
 * expanded from CNB_DEBUG_EXPAND in every mode, the generic `run` wrapper),
 * the package-manager wrappers (yarn, pnpm, npx) with the node preload,
 * foreign --inspect words in NODE_OPTIONS, libjvm's JDWP agent, and the
 * loopback default on Kubernetes. */
#include "test_launch_util.h"

static void test_run_expands_marked_words(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"CNB_DEBUG_EXPAND", "2,3"}, {"PORT", "9000"}, {"PATH", l->tools}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    char node[512];
    tool_path(l, "node", node, sizeof node);
    assert_int_equal(PLAN(l, &env, &plan, &err, "/l/wrap/run", "node", "--port=${PORT:-8080}",
                          "$UNSET", "server.js"), 0);
    /* $UNSET unquoted and empty: no field at all, as in sh */
    assert_string_equal(plan.path, node);
    ASSERT_ARGV(&plan, "node", "--port=9000", "server.js");
    assert_false(plan.debugging);
    assert_null(plan.messages);
    launch_plan_free(&plan);
}

static void test_run_absolute_and_missing(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"PATH", "/nonexistent"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "run", "/bin/echo", "hi"), 0);
    assert_string_equal(plan.path, "/bin/echo");
    ASSERT_ARGV(&plan, "/bin/echo", "hi");
    launch_plan_free(&plan);
    /* not found: the exec fails and main says so (exit 127), as sh would */
    assert_int_equal(PLAN(l, &env, &plan, &err, "run", "no-such-tool", "x"), 0);
    assert_string_equal(plan.path, "no-such-tool");
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, &env, &plan, &err, "run"), -1);
    assert_non_null(strstr(err.message, "run"));
}

static void test_expansion_in_debug_modes(void **state)
{
    struct layer *l = *state;
    char node[512], dlv[512];
    tool_path(l, "node", node, sizeof node);
    tool_path(l, "dlv", dlv, sizeof dlv);
    struct fake_env env = {{{"CNB_DEBUG_EXPAND", "3"}, {"PORT", "9000"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "--inspect=0.0.0.0:9229", "server.js",
                          "--port=$PORT"), 0);
    ASSERT_ARGV(&plan, node, "--inspect=0.0.0.0:9229", "server.js", "--port=9000");
    launch_plan_free(&plan);

    struct fake_env env2 = {{{"CNB_DEBUG_EXPAND", "6"}, {"ADDR", ":8080 -v"}}};
    assert_int_equal(PLAN(l, &env2, &plan, &err, "dlv", "exec", "--headless",
                          "--listen=0.0.0.0:56268", "/app/bin", "--", "$ADDR"), 0);
    /* unquoted: split into fields like sh */
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--listen=0.0.0.0:56268", "/app/bin",
                "--", ":8080", "-v");
    launch_plan_free(&plan);
}

static void test_bad_marks_best_effort(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"CNB_DEBUG_EXPAND", "2,99"}, {"PORT", "9000"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "run", "/bin/echo", "$PORT"), 0);
    /* the valid mark is still honoured; one line says what was wrong */
    ASSERT_ARGV(&plan, "/bin/echo", "9000");
    ASSERT_MESSAGE(&plan, "CNB_DEBUG_EXPAND", "99");
    launch_plan_free(&plan);
}

static void test_yarn_preload(void **state)
{
    struct layer *l = *state;
    layer_add_tool(l, "yarn");
    char yarn[512], preload[512];
    tool_path(l, "yarn", yarn, sizeof yarn);
    layer_path(l, "node/preload.js", preload, sizeof preload);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    /* without the preload the app runs plainly, with one line */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "yarn", "--inspect=0.0.0.0:9229", "start"), 0);
    ASSERT_ARGV(&plan, yarn, "start");
    assert_false(plan.debugging);
    ASSERT_MESSAGE(&plan, "preload.js is missing");
    launch_plan_free(&plan);
    char dir[512];
    layer_path(l, "node", dir, sizeof dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    FILE *f = fopen(preload, "w");
    assert_non_null(f);
    fclose(f);
    struct fake_env env = {{{"NODE_OPTIONS", "--use-openssl-ca --inspect=127.0.0.1:9229"},
                            {"BPL_DEBUG_SUSPEND", "true"}}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "yarn", "--inspect=0.0.0.0:9229", "start"), 0);
    assert_string_equal(plan.path, yarn);
    ASSERT_ARGV(&plan, yarn, "start");
    assert_true(plan.debugging);
    char want[700];
    snprintf(want, sizeof want, "--use-openssl-ca --require %s", preload);
    assert_plan_env(&plan, "NODE_OPTIONS", want);
    assert_plan_env(&plan, "CNB_DEBUG_NODE_INSPECT", "0.0.0.0:9229");
    assert_plan_env(&plan, "CNB_DEBUG_NODE_WAIT", "1");
    assert_non_null(strstr(plan.messages, "--inspect=127.0.0.1:9229"));
    launch_plan_free(&plan);

    /* disabled: the marker goes, yarn runs as it is */
    struct fake_env off = {{{"BPL_DEBUG_ENABLED", "false"}}};
    assert_int_equal(PLAN(l, &off, &plan, &err, "yarn", "--inspect=0.0.0.0:9229", "start"), 0);
    ASSERT_ARGV(&plan, yarn, "start");
    assert_false(plan.debugging);
    assert_int_equal(plan.env_len, 0);
    launch_plan_free(&plan);

    /* a plain call (no marker) is a plain yarn */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "yarn", "install"), 0);
    ASSERT_ARGV(&plan, yarn, "install");
    launch_plan_free(&plan);
}

static void test_node_drops_foreign_inspect(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct fake_env env = {{{"NODE_OPTIONS", "--inspect --max-old-space-size=100"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "--inspect=0.0.0.0:9229", "s.js"), 0);
    assert_plan_env(&plan, "NODE_OPTIONS", "--max-old-space-size=100");
    launch_plan_free(&plan);

    /* npm: NODE_OPTIONS would give npm's own node the inspector */
    assert_int_equal(PLAN(l, &env, &plan, &err, "npm", "--inspect=0.0.0.0:9229", "start"), 0);
    assert_true(plan.debugging);
    assert_plan_env(&plan, "NODE_OPTIONS", "--max-old-space-size=100");
    assert_non_null(strstr(plan.argv.items[plan.argv.len - 1],
                           "--node-options=--max-old-space-size=100 --inspect=0.0.0.0:9229"));
    launch_plan_free(&plan);
}

static void test_node_options_grammar(void **state)
{
    struct layer *l = *state;
    struct {
        const char *in, *out;
    } cases[] = {
        {"--inspect=127.0.0.1:9229", ""},
        {"--inspect-brk --inspect-port 9300 -r x", "-r x"},
        {"--debug-port=1 --require \"/a b/c.js\" --inspect-publish-uid=http",
         "--require \"/a b/c.js\" --inspect-publish-uid=http"},
        {"  --use-openssl-ca\t--inspect  ", "--use-openssl-ca"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fake_env env = {{{"NODE_OPTIONS", cases[i].in}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, "node", "--inspect=0.0.0.0:9229", "s.js"), 0);
        assert_plan_env(&plan, "NODE_OPTIONS", cases[i].out);
        launch_plan_free(&plan);
    }
    /* nothing to drop: NODE_OPTIONS is left alone */
    struct fake_env keep = {{{"NODE_OPTIONS", "--inspect-publish-uid=http --max-old-space-size=64"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &keep, &plan, &err, "node", "--inspect=0.0.0.0:9229", "s.js"), 0);
    assert_plan_env(&plan, "NODE_OPTIONS", NULL);
    launch_plan_free(&plan);
}

static void test_jdwp_replaces_libjvm_agent(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"BPL_DEBUG_ENABLED", "true"},
                            {"BPL_DEBUG_BIND", "127.0.0.1"},
                            {"BPL_DEBUG_PORT", "5005"},
                            {"JAVA_TOOL_OPTIONS", "-XX:+ExitOnOutOfMemoryError -agentlib:jdwp="
                                                  "transport=dt_socket,server=y,address=*:5005,suspend=n"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "jdwp"), 0);
    assert_true(plan.debugging);
    assert_non_null(strstr(plan.toml, "-XX:+ExitOnOutOfMemoryError -agentlib:jdwp="));
    assert_non_null(strstr(plan.toml, "address=127.0.0.1:5005"));
    assert_null(strstr(plan.toml, "*:5005"));
    launch_plan_free(&plan);

    /* someone else's agent (Skaffold's shape) is left alone */
    struct fake_env other = {{{"JAVA_TOOL_OPTIONS", "-agentlib:jdwp=transport=dt_socket,server=y,"
                                                    "address=5005,suspend=n,quiet=y"}}};
    assert_int_equal(PLAN(l, &other, &plan, &err, "jdwp"), 0);
    assert_string_equal(plan.toml, "");
    ASSERT_MESSAGE(&plan, "already");
    launch_plan_free(&plan);
}

static void test_kubernetes_loopback_default(void **state)
{
    struct layer *l = *state;
    char node[512];
    tool_path(l, "node", node, sizeof node);
    struct fake_env env = {{{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "node", "--inspect=0.0.0.0:9229", "s.js"), 0);
    ASSERT_ARGV(&plan, node, "--inspect=127.0.0.1:9229", "s.js");
    ASSERT_MESSAGE(&plan, "127.0.0.1:9229", "Kubernetes");
    launch_plan_free(&plan);

    struct fake_env bind = {{{"KUBERNETES_SERVICE_HOST", "10.0.0.1"}, {"BPL_DEBUG_BIND", "0.0.0.0"}}};
    assert_int_equal(PLAN(l, &bind, &plan, &err, "node", "--inspect=0.0.0.0:9229", "s.js"), 0);
    ASSERT_ARGV(&plan, node, "--inspect=0.0.0.0:9229", "s.js");
    launch_plan_free(&plan);

    /* an explicit BP_DEBUG_BIND at build time wins over the cluster default */
    struct fake_env expl = {{{"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                             {"CNB_DEBUG_BIND_EXPLICIT", "true"}}};
    assert_int_equal(PLAN(l, &expl, &plan, &err, "node", "--inspect=0.0.0.0:9229", "s.js"), 0);
    ASSERT_ARGV(&plan, node, "--inspect=0.0.0.0:9229", "s.js");
    launch_plan_free(&plan);

    struct fake_env jvm = {{{"KUBERNETES_SERVICE_HOST", "10.0.0.1"},
                            {"BPL_DEBUG_BIND_DEFAULT", "0.0.0.0"}}};
    assert_int_equal(PLAN(l, &jvm, &plan, &err, "jdwp"), 0);
    assert_non_null(strstr(plan.toml, "address=127.0.0.1:5005"));
    launch_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_run_expands_marked_words, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_run_absolute_and_missing, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_expansion_in_debug_modes, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_bad_marks_best_effort, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_yarn_preload, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_node_drops_foreign_inspect, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_node_options_grammar, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_jdwp_replaces_libjvm_agent, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_kubernetes_loopback_default, layer_setup, layer_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
