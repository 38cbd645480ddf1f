/* Launch planner: BPL_DEBUG_* validation, dispatch by name, and the dlv
 * shape (enabled, disabled, bind/port/suspend, bad values, odd argv). */
#include "test_launch_util.h"

#define DLV_ARGV(...)                                                                       \
    "/layers/x/wrap/dlv", "exec", "--headless", "--continue", "--accept-multiclient",        \
        "--api-version=2", "--only-same-user=false", "--check-go-version=false",            \
        "--listen=0.0.0.0:56268", "/workspace/app", "--", "a", "b c"

static void test_dlv_enabled_by_default(void **state)
{
    struct layer *l = *state;
    struct launch_plan plan;
    struct bp_error err = {{0}};
    char dlv[512];
    tool_path(l, "dlv", dlv, sizeof dlv);
    assert_int_equal(PLAN(l, NULL, &plan, &err, DLV_ARGV()), 0);
    assert_string_equal(plan.path, dlv);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--continue", "--accept-multiclient",
                "--api-version=2", "--only-same-user=false", "--check-go-version=false",
                "--listen=0.0.0.0:56268", "/workspace/app", "--", "a", "b c");
    assert_true(plan.debugging);
    assert_false(plan.exec_d);
    assert_int_equal(plan.env_len, 0);
    ASSERT_MESSAGE(&plan, "dlv starting on 0.0.0.0:56268", "BPL_DEBUG_ENABLED=false");
    launch_plan_free(&plan);
}

static void test_dlv_disabled_runs_bare_binary(void **state)
{
    struct layer *l = *state;
    const char *spellings[] = {"false", "0", "no", "OFF", "False", " n ", "F"};
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
        struct fake_env env = {{{"BPL_DEBUG_ENABLED", spellings[i]}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
        assert_string_equal(plan.path, "/workspace/app");
        ASSERT_ARGV(&plan, "/workspace/app", "a", "b c");
        assert_false(plan.debugging);
        assert_null(plan.messages);
        launch_plan_free(&plan);
    }
}

static void test_dlv_enabled_spellings(void **state)
{
    struct layer *l = *state;
    const char *spellings[] = {"true", "1", "YES", "on", "True", ""};
    for (size_t i = 0; i < sizeof spellings / sizeof *spellings; i++) {
        struct fake_env env = {{{"BPL_DEBUG_ENABLED", spellings[i]}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
        assert_true(plan.debugging);
        assert_string_equal(plan.argv.items[1], "exec");
        launch_plan_free(&plan);
    }
}

static void test_dlv_disabled_keeps_program_args(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"BPL_DEBUG_ENABLED", "false"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    /* no "--" at all: the program gets no args */
    assert_int_equal(PLAN(l, &env, &plan, &err, "dlv", "exec", "--headless",
                          "--listen=:56268", "./app"), 0);
    ASSERT_ARGV(&plan, "./app");
    assert_string_equal(plan.path, "./app");
    launch_plan_free(&plan);

    /* flags before and after BIN (with values in the separate form) are
     * dlv's; extra words after BIN and everything after "--" are the app's */
    assert_int_equal(PLAN(l, &env, &plan, &err, "dlv", "exec", "--wd", "/srv", "--listen",
                          "0.0.0.0:1", "./app", "extra", "--log", "--log-output", "rpc", "--",
                          "--flag", "x"), 0);
    ASSERT_ARGV(&plan, "./app", "extra", "--flag", "x");
    launch_plan_free(&plan);
}

static void test_dlv_port_and_bind(void **state)
{
    struct layer *l = *state;
    struct {
        const char *bind, *port, *listen, *shown;
    } cases[] = {
        {"127.0.0.1", "4000", "--listen=127.0.0.1:4000", "127.0.0.1:4000"},
        {NULL, "4000", "--listen=0.0.0.0:4000", "0.0.0.0:4000"},
        {"::", NULL, "--listen=[::]:56268", "[::]:56268"},
        {"[::1]", "9", "--listen=[::1]:9", "[::1]:9"},
        {"*", NULL, "--listen=0.0.0.0:56268", "0.0.0.0:56268"},
        {"", NULL, "--listen=0.0.0.0:56268", "0.0.0.0:56268"},
        {"debug.example.internal", NULL, "--listen=debug.example.internal:56268", NULL},
        {NULL, "65535", "--listen=0.0.0.0:65535", NULL},
        {NULL, "00080", "--listen=0.0.0.0:80", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fake_env env = {{{"BPL_DEBUG_PORT", cases[i].port}}};
        if (cases[i].bind) {
            env.pairs[1][0] = "BPL_DEBUG_BIND";
            env.pairs[1][1] = cases[i].bind;
        }
        if (cases[i].port == NULL)
            env.pairs[0][0] = "UNRELATED";
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
        assert_true(plan.debugging);
        assert_string_equal(plan.argv.items[8], cases[i].listen);
        assert_string_equal(plan.argv.items[9], "/workspace/app");
        if (cases[i].shown)
            assert_non_null(strstr(plan.messages, cases[i].shown));
        launch_plan_free(&plan);
    }
}

static void test_dlv_listen_forms(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"BPL_DEBUG_PORT", "7000"}, {"BPL_DEBUG_BIND", "10.1.2.3"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    char dlv[512];
    tool_path(l, "dlv", dlv, sizeof dlv);
    /* the separate form, and an IPv6 build-time address */
    assert_int_equal(PLAN(l, &env, &plan, &err, "dlv", "exec", "--headless", "--listen",
                          "[::]:56268", "--backend", "default", "./app"), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--listen", "10.1.2.3:7000", "--backend",
                "default", "./app");
    launch_plan_free(&plan);

    /* a unix socket is left alone */
    assert_int_equal(PLAN(l, &env, &plan, &err, "dlv", "exec", "--headless",
                          "--listen=unix:/tmp/dlv.sock", "./app"), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--listen=unix:/tmp/dlv.sock", "./app");
    launch_plan_free(&plan);

    /* no --listen at all: the requested address is added */
    assert_int_equal(PLAN(l, &env, &plan, &err, "dlv", "exec", "--headless", "./app", "--",
                          "x"), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--listen=10.1.2.3:7000", "--headless", "./app", "--", "x");
    launch_plan_free(&plan);
}

static void test_dlv_suspend(void **state)
{
    struct layer *l = *state;
    char dlv[512];
    tool_path(l, "dlv", dlv, sizeof dlv);
    struct fake_env wait = {{{"BPL_DEBUG_SUSPEND", "true"}}};
    struct fake_env run = {{{"BPL_DEBUG_SUSPEND", "false"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};

    assert_int_equal(PLAN(l, &wait, &plan, &err, DLV_ARGV()), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--accept-multiclient", "--api-version=2",
                "--only-same-user=false", "--check-go-version=false", "--listen=0.0.0.0:56268",
                "/workspace/app", "--", "a", "b c");
    ASSERT_MESSAGE(&plan, "waits until a debugger attaches");
    launch_plan_free(&plan);

    /* built with suspend (no --continue): false adds it right after exec */
    assert_int_equal(PLAN(l, &run, &plan, &err, "dlv", "exec", "--headless",
                          "--listen=:56268", "./app"), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--continue", "--headless", "--listen=:56268", "./app");
    assert_null(strstr(plan.messages, "waits"));
    launch_plan_free(&plan);

    /* --continue=false written by hand counts as suspended; false fixes it */
    assert_int_equal(PLAN(l, &run, &plan, &err, "dlv", "exec", "--headless",
                          "--continue=false", "--listen=:1", "./app"), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--continue", "--listen=:1", "./app");
    launch_plan_free(&plan);

    /* unset: as built */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "dlv", "exec", "--headless", "--listen=:1",
                          "./app"), 0);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--listen=:1", "./app");
    ASSERT_MESSAGE(&plan, "waits until a debugger attaches");
    launch_plan_free(&plan);
}

static void test_invalid_values_disable_with_one_line(void **state)
{
    struct layer *l = *state;
    struct {
        const char *name, *value, *shown;
    } cases[] = {
        {"BPL_DEBUG_PORT", "http", "BPL_DEBUG_PORT=\"http\" is not a port (1-65535)"},
        {"BPL_DEBUG_PORT", "0", "BPL_DEBUG_PORT=\"0\""},
        {"BPL_DEBUG_PORT", "65536", "BPL_DEBUG_PORT=\"65536\""},
        {"BPL_DEBUG_PORT", "-1", "BPL_DEBUG_PORT=\"-1\""},
        {"BPL_DEBUG_PORT", "80 ", "BPL_DEBUG_PORT=\"80 \""},
        {"BPL_DEBUG_PORT", "999999999999", "BPL_DEBUG_PORT=\"999999999999\""},
        {"BPL_DEBUG_BIND", "bad host!", "BPL_DEBUG_BIND=\"bad host!\" is not an IP address"},
        {"BPL_DEBUG_BIND", "300.1.1.1", "BPL_DEBUG_BIND=\"300.1.1.1\""},
        {"BPL_DEBUG_BIND", "10.0.0", "BPL_DEBUG_BIND=\"10.0.0\""},
        {"BPL_DEBUG_BIND", "[10.0.0.1]", "BPL_DEBUG_BIND=\"[10.0.0.1]\""},
        {"BPL_DEBUG_BIND", "-host", "BPL_DEBUG_BIND=\"-host\""},
        {"BPL_DEBUG_BIND", "0.0.0.0:5005", "BPL_DEBUG_BIND=\"0.0.0.0:5005\""},
        {"BPL_DEBUG_SUSPEND", "maybe", "BPL_DEBUG_SUSPEND=\"maybe\" is not a boolean"},
        {"BPL_DEBUG_ENABLED", "2", "BPL_DEBUG_ENABLED=\"2\" is not a boolean"},
        /* a newline in the value must not break the one-line rule */
        {"BPL_DEBUG_PORT", "80\nX", "BPL_DEBUG_PORT=\"80?X\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fake_env env = {{{cases[i].name, cases[i].value}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
        assert_false(plan.debugging);
        assert_string_equal(plan.path, "/workspace/app");
        ASSERT_ARGV(&plan, "/workspace/app", "a", "b c");
        ASSERT_MESSAGE(&plan, cases[i].shown, "starting the app without the debugger");
        launch_plan_free(&plan);
    }
}

/* The wrapper reads BPL_DEBUG_* with the parser bin/build uses for
 * BP_DEBUG_* (issue 11): "\vtrue" was a boolean at build, not at launch. */
static void test_values_read_as_build_does(void **state)
{
    struct layer *l = *state;
    const char *names[] = {"BPL_DEBUG_ENABLED", "BPL_DEBUG_SUSPEND"};
    for (size_t i = 0; i < 2; i++) {
        struct fake_env env = {{{names[i], "\vtrue"}}};
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
        assert_true(plan.debugging);
        launch_plan_free(&plan);
    }
}

static void test_long_bad_value_is_cut(void **state)
{
    struct layer *l = *state;
    char value[500];
    memset(value, 'x', sizeof value - 1);
    value[sizeof value - 1] = '\0';
    struct fake_env env = {{{"BPL_DEBUG_BIND", value}}};
    value[3] = '!';
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
    ASSERT_MESSAGE(&plan, "xxx!xxx", "...\"");
    assert_true(strlen(plan.messages) < 300);
    launch_plan_free(&plan);
}

static void test_disabled_ignores_other_bad_values(void **state)
{
    struct layer *l = *state;
    struct fake_env env = {{{"BPL_DEBUG_ENABLED", "false"}, {"BPL_DEBUG_PORT", "http"},
                            {"BPL_DEBUG_BIND", "no way"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, DLV_ARGV()), 0);
    assert_null(plan.messages);
    assert_string_equal(plan.path, "/workspace/app");
    launch_plan_free(&plan);
}

static void test_dlv_missing_runs_bare(void **state)
{
    struct layer *l = *state;
    char link[512];
    layer_path(l, "real/dlv", link, sizeof link);
    assert_int_equal(unlink(link), 0);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, DLV_ARGV()), 0);
    assert_string_equal(plan.path, "/workspace/app");
    ASSERT_ARGV(&plan, "/workspace/app", "a", "b c");
    ASSERT_MESSAGE(&plan, link, "without the debugger");
    launch_plan_free(&plan);

    /* a link to a file that cannot run is no better */
    char target[512];
    tool_path(l, "dlv", target, sizeof target);
    assert_int_equal(chmod(target, 0644), 0);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(PLAN(l, NULL, &plan, &err, DLV_ARGV()), 0);
    assert_string_equal(plan.path, "/workspace/app");
    ASSERT_MESSAGE(&plan, target, "cannot be run");
    launch_plan_free(&plan);
}

static void test_relative_real_link(void **state)
{
    struct layer *l = *state;
    char link[512], target[600];
    layer_path(l, "real/dlv", link, sizeof link);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink("../../tools/dlv", link), 0);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, DLV_ARGV()), 0);
    snprintf(target, sizeof target, "%s/real/../../tools/dlv", l->dir);
    assert_string_equal(plan.path, target);
    launch_plan_free(&plan);
}

static void test_dlv_used_as_dlv_passes_through(void **state)
{
    struct layer *l = *state;
    char dlv[512];
    tool_path(l, "dlv", dlv, sizeof dlv);
    struct fake_env env = {{{"BPL_DEBUG_PORT", "http"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, "/layers/x/wrap/dlv", "version"), 0);
    assert_string_equal(plan.path, dlv);
    ASSERT_ARGV(&plan, dlv, "version");
    assert_null(plan.messages); /* BPL_* do not concern plain dlv calls */
    launch_plan_free(&plan);

    assert_int_equal(PLAN(l, NULL, &plan, &err, "dlv"), 0);
    ASSERT_ARGV(&plan, dlv);
    launch_plan_free(&plan);
}

static void test_dlv_exec_without_program(void **state)
{
    struct layer *l = *state;
    char dlv[512];
    tool_path(l, "dlv", dlv, sizeof dlv);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, "dlv", "exec", "--headless", "--listen", ":1"),
                     0);
    ASSERT_ARGV(&plan, dlv, "exec", "--headless", "--listen", ":1");
    ASSERT_MESSAGE(&plan, "names no program");
    launch_plan_free(&plan);
}

static void test_unknown_name(void **state)
{
    struct layer *l = *state;
    layer_add_tool(l, "ruby");
    char ruby[512];
    tool_path(l, "ruby", ruby, sizeof ruby);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, "/x/bin/ruby", "app.rb"), 0);
    ASSERT_ARGV(&plan, ruby, "app.rb");
    ASSERT_MESSAGE(&plan, "unknown tool name 'ruby'");
    launch_plan_free(&plan);

    /* nothing to run at all: an error naming what is missing */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "/x/bin/debug-launch", "x"), -1);
    assert_non_null(strstr(err.message, "real/debug-launch"));
    ASSERT_MESSAGE(&plan, "unknown tool name 'debug-launch'");
    assert_null(plan.path);
    launch_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dlv_enabled_by_default, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_disabled_runs_bare_binary, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_enabled_spellings, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_disabled_keeps_program_args, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_port_and_bind, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_listen_forms, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_suspend, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_invalid_values_disable_with_one_line, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_values_read_as_build_does, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_long_bad_value_is_cut, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_disabled_ignores_other_bad_values, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_missing_runs_bare, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_relative_real_link, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_used_as_dlv_passes_through, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_dlv_exec_without_program, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_unknown_name, layer_setup, layer_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
