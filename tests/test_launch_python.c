/* Launch planner, Python: debugpy and ptvsd shapes, PYTHONPATH, the bare
 * interpreter when off, and plain python calls passing through. */
#include "test_launch_util.h"

#define DEBUGPY_ARGV(...)                                                                     \
    "/layers/x/bin/python", "-X", "frozen_modules=off", "-u", "-m", "debugpy", "--listen",   \
        "0.0.0.0:5678", __VA_ARGS__

struct paths {
    char python[512], debugpy[512], ptvsd[512];
};

static void paths_of(const struct layer *l, struct paths *p)
{
    tool_path(l, "python", p->python, sizeof p->python);
    layer_path(l, "debugpy", p->debugpy, sizeof p->debugpy);
    layer_path(l, "ptvsd", p->ptvsd, sizeof p->ptvsd);
}

static void test_debugpy_enabled(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, DEBUGPY_ARGV("app.py", "--port", "80")), 0);
    assert_string_equal(plan.path, p.python);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "-m", "debugpy", "--listen",
                "0.0.0.0:5678", "app.py", "--port", "80");
    assert_plan_env(&plan, "PYTHONPATH", p.debugpy);
    assert_plan_env(&plan, "PYDEVD_DISABLE_FILE_VALIDATION", "1");
    assert_true(plan.debugging);
    ASSERT_MESSAGE(&plan, "debugpy starting on 0.0.0.0:5678");
    launch_plan_free(&plan);
}

static void test_debugpy_keeps_user_env(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct fake_env env = {{{"PYTHONPATH", "/app/lib:/app/vendor"},
                            {"PYDEVD_DISABLE_FILE_VALIDATION", "0"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, DEBUGPY_ARGV("app.py")), 0);
    char expected[700];
    snprintf(expected, sizeof expected, "%s:/app/lib:/app/vendor", p.debugpy);
    assert_plan_env(&plan, "PYTHONPATH", expected);
    assert_plan_env(&plan, "PYDEVD_DISABLE_FILE_VALIDATION", NULL);
    launch_plan_free(&plan);

    /* already first (a restart that kept the environment): not doubled */
    struct fake_env again = {{{"PYTHONPATH", expected}}};
    assert_int_equal(PLAN(l, &again, &plan, &err, DEBUGPY_ARGV("app.py")), 0);
    assert_plan_env(&plan, "PYTHONPATH", NULL);
    launch_plan_free(&plan);

    /* empty PYTHONPATH: no stray ':' (which would add the cwd) */
    struct fake_env empty = {{{"PYTHONPATH", ""}}};
    assert_int_equal(PLAN(l, &empty, &plan, &err, DEBUGPY_ARGV("app.py")), 0);
    assert_plan_env(&plan, "PYTHONPATH", p.debugpy);
    launch_plan_free(&plan);
}

static void test_debugpy_disabled_targets(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct fake_env env = {{{"BPL_DEBUG_ENABLED", "false"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};

    assert_int_equal(PLAN(l, &env, &plan, &err,
                          DEBUGPY_ARGV("--wait-for-client", "app.py", "a")), 0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "app.py", "a");
    assert_int_equal(plan.env_len, 0);
    assert_false(plan.debugging);
    assert_null(plan.messages);
    launch_plan_free(&plan);

    assert_int_equal(PLAN(l, &env, &plan, &err,
                          DEBUGPY_ARGV("--log-to", "/tmp/l", "-m", "gunicorn", "-b", ":8000")), 0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "-m", "gunicorn", "-b", ":8000");
    launch_plan_free(&plan);

    assert_int_equal(PLAN(l, &env, &plan, &err,
                          DEBUGPY_ARGV("--configure-subProcess", "false", "-c", "print(1)", "x")),
                     0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "-c", "print(1)", "x");
    launch_plan_free(&plan);
}

static void test_debugpy_settings(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct launch_plan plan;
    struct bp_error err = {{0}};

    struct fake_env moved = {{{"BPL_DEBUG_PORT", "6000"}, {"BPL_DEBUG_BIND", "127.0.0.1"},
                              {"BPL_DEBUG_SUSPEND", "yes"}}};
    assert_int_equal(PLAN(l, &moved, &plan, &err, DEBUGPY_ARGV("app.py")), 0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "-m", "debugpy", "--listen",
                "127.0.0.1:6000", "--wait-for-client", "app.py");
    ASSERT_MESSAGE(&plan, "127.0.0.1:6000", "waits until a debugger attaches");
    launch_plan_free(&plan);

    struct fake_env run = {{{"BPL_DEBUG_SUSPEND", "no"}}};
    assert_int_equal(PLAN(l, &run, &plan, &err, DEBUGPY_ARGV("--wait-for-client", "app.py")), 0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "-m", "debugpy", "--listen",
                "0.0.0.0:5678", "app.py");
    launch_plan_free(&plan);

    /* a port-only --listen gains the host the user asked for */
    struct fake_env bind = {{{"BPL_DEBUG_BIND", "*"}}};
    assert_int_equal(PLAN(l, &bind, &plan, &err, "python", "-m", "debugpy", "--listen", "5678",
                          "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "debugpy", "--listen", "0.0.0.0:5678", "app.py");
    launch_plan_free(&plan);

    /* port only, no bind: debugpy's own default host stays */
    struct fake_env port = {{{"BPL_DEBUG_PORT", "5999"}}};
    assert_int_equal(PLAN(l, &port, &plan, &err, "python", "-m", "debugpy", "--listen", "5678",
                          "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "debugpy", "--listen", "5999", "app.py");
    ASSERT_MESSAGE(&plan, "127.0.0.1:5999");
    launch_plan_free(&plan);
}

static void test_debugpy_ipv6_bind_is_refused(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct fake_env env = {{{"BPL_DEBUG_BIND", "::"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, &env, &plan, &err, DEBUGPY_ARGV("app.py")), 0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "app.py");
    ASSERT_MESSAGE(&plan, "IPv6", "without the debugger");
    assert_false(plan.debugging);
    launch_plan_free(&plan);
}

static void test_ptvsd(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct launch_plan plan;
    struct bp_error err = {{0}};

    assert_int_equal(PLAN(l, NULL, &plan, &err, "python", "-m", "ptvsd", "--host", "0.0.0.0",
                          "--port", "5678", "--wait", "-m", "flask", "run"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "ptvsd", "--host", "0.0.0.0", "--port", "5678", "--wait",
                "-m", "flask", "run");
    assert_plan_env(&plan, "PYTHONPATH", p.ptvsd);
    ASSERT_MESSAGE(&plan, "ptvsd starting on 0.0.0.0:5678", "waits");
    launch_plan_free(&plan);

    struct fake_env moved = {{{"BPL_DEBUG_PORT", "7000"}, {"BPL_DEBUG_BIND", "::1"},
                              {"BPL_DEBUG_SUSPEND", "off"}}};
    assert_int_equal(PLAN(l, &moved, &plan, &err, "python", "-m", "ptvsd", "--host", "0.0.0.0",
                          "--port", "5678", "--wait", "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "ptvsd", "--host", "::1", "--port", "7000", "app.py");
    ASSERT_MESSAGE(&plan, "[::1]:7000");
    launch_plan_free(&plan);

    struct fake_env wait = {{{"BPL_DEBUG_SUSPEND", "on"}}};
    assert_int_equal(PLAN(l, &wait, &plan, &err, "python", "-m", "ptvsd", "--host", "0.0.0.0",
                          "--port", "5678", "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "ptvsd", "--host", "0.0.0.0", "--port", "5678", "--wait",
                "app.py");
    launch_plan_free(&plan);

    struct fake_env off = {{{"BPL_DEBUG_ENABLED", "0"}}};
    assert_int_equal(PLAN(l, &off, &plan, &err, "python", "-B", "-m", "ptvsd", "--host",
                          "0.0.0.0", "--port", "5678", "--wait", "app.py", "x"), 0);
    ASSERT_ARGV(&plan, p.python, "-B", "app.py", "x");
    assert_int_equal(plan.env_len, 0);
    launch_plan_free(&plan);
}

static void test_plain_python_passes_through(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct fake_env env = {{{"BPL_DEBUG_PORT", "http"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};

    assert_int_equal(PLAN(l, &env, &plan, &err, "/layers/x/bin/python", "manage.py", "migrate"),
                     0);
    ASSERT_ARGV(&plan, p.python, "manage.py", "migrate");
    assert_null(plan.messages);
    assert_int_equal(plan.env_len, 0);
    launch_plan_free(&plan);

    /* the debugger's name as the app's argument, or another module, is not
     * a marker; nor is -m folded into a cluster such as -Xdev */
    assert_int_equal(PLAN(l, &env, &plan, &err, "python", "-c", "x", "-m", "debugpy"), 0);
    ASSERT_ARGV(&plan, p.python, "-c", "x", "-m", "debugpy");
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, &env, &plan, &err, "python", "-Xdev", "-W", "error", "-m", "flask"),
                     0);
    ASSERT_ARGV(&plan, p.python, "-Xdev", "-W", "error", "-m", "flask");
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, &env, &plan, &err, "python", "app.py", "-m", "debugpy"), 0);
    ASSERT_ARGV(&plan, p.python, "app.py", "-m", "debugpy");
    assert_null(plan.messages);
    launch_plan_free(&plan);
}

static void test_option_values_are_not_markers(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct fake_env off = {{{"BPL_DEBUG_ENABLED", "no"}}};
    struct launch_plan plan;
    struct bp_error err = {{0}};
    /* -W and -X take the next word; --check-hash-based-pycs too */
    assert_int_equal(PLAN(l, &off, &plan, &err, "python", "-W", "ignore", "--check-hash-based-pycs",
                          "never", "-mdebugpy", "--listen", "1.2.3.4:5", "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "-W", "ignore", "--check-hash-based-pycs", "never", "app.py");
    launch_plan_free(&plan);
}

static void test_versioned_python_name(void **state)
{
    struct layer *l = *state;
    char python311[512];
    tool_path(l, "python3.11", python311, sizeof python311);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, "/l/bin/python3.11", "-m", "debugpy",
                          "--listen", "0.0.0.0:5678", "app.py"), 0);
    assert_string_equal(plan.path, python311);
    launch_plan_free(&plan);
}

static void test_debugpy_bad_shapes(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    struct launch_plan plan;
    struct bp_error err = {{0}};

    /* no target: python runs as written and debugpy reports the usage */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "python", "-m", "debugpy", "--listen", "5678"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "debugpy", "--listen", "5678");
    ASSERT_MESSAGE(&plan, "python -m debugpy: ", "running python as it is");
    launch_plan_free(&plan);

    /* neither --listen nor --connect: the app starts without the debugger */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "python", "-m", "debugpy", "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "app.py");
    ASSERT_MESSAGE(&plan, "neither --listen nor --connect", "without the debugger");
    launch_plan_free(&plan);

    /* --connect: kept as written when on, removed when off */
    assert_int_equal(PLAN(l, NULL, &plan, &err, "python", "-m", "debugpy", "--connect",
                          "ide:5678", "app.py"), 0);
    ASSERT_ARGV(&plan, p.python, "-m", "debugpy", "--connect", "ide:5678", "app.py");
    ASSERT_MESSAGE(&plan, "connects out");
    launch_plan_free(&plan);
}

static void test_debugger_dir_missing(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    assert_int_equal(rmdir(p.debugpy), 0);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, DEBUGPY_ARGV("app.py")), 0);
    ASSERT_ARGV(&plan, p.python, "-X", "frozen_modules=off", "-u", "app.py");
    ASSERT_MESSAGE(&plan, p.debugpy, "is missing", "without the debugger");
    launch_plan_free(&plan);
}

static void test_isolated_python_runs_bare(void **state)
{
    struct layer *l = *state;
    struct paths p;
    paths_of(l, &p);
    const char *flags[] = {"-I", "-E", "-uE", "-sI"};
    for (size_t i = 0; i < sizeof flags / sizeof *flags; i++) {
        struct launch_plan plan;
        struct bp_error err = {{0}};
        assert_int_equal(PLAN(l, NULL, &plan, &err, "python", (char *)flags[i], "-m", "debugpy",
                              "--listen", "0.0.0.0:5678", "app.py"), 0);
        ASSERT_ARGV(&plan, p.python, flags[i], "app.py");
        ASSERT_MESSAGE(&plan, "-E or -I", "without the debugger");
        launch_plan_free(&plan);
    }
    /* "-X importtime" holds an I in its value, not the -I option */
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, "python", "-X", "Importtime", "-XIx", "-m",
                          "debugpy", "--listen", "0.0.0.0:5678", "app.py"), 0);
    assert_true(plan.debugging);
    launch_plan_free(&plan);
}

static void test_real_python_missing(void **state)
{
    struct layer *l = *state;
    char link[512];
    layer_path(l, "real/python", link, sizeof link);
    assert_int_equal(unlink(link), 0);
    struct launch_plan plan;
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, NULL, &plan, &err, DEBUGPY_ARGV("app.py")), -1);
    assert_non_null(strstr(err.message, link));
    assert_null(plan.path);
    launch_plan_free(&plan);
    assert_int_equal(PLAN(l, NULL, &plan, &err, "python", "app.py"), -1);
    assert_non_null(strstr(err.message, "no real python"));
    launch_plan_free(&plan);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_debugpy_enabled, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_debugpy_keeps_user_env, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_debugpy_disabled_targets, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_debugpy_settings, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_debugpy_ipv6_bind_is_refused, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_ptvsd, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_plain_python_passes_through, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_option_values_are_not_markers, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_versioned_python_name, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_debugpy_bad_shapes, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_debugger_dir_missing, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_isolated_python_runs_bare, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_real_python_missing, layer_setup, layer_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
