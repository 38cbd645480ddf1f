/* Launch planner, exec.d jdwp: the JAVA_TOOL_OPTIONS TOML it prints, its
 * defaults and overrides, and TOML string escaping. */
#include "test_launch_util.h"

#define AGENT "-agentlib:jdwp=transport=dt_socket,server=y,"

static void plan_jdwp(const struct layer *l, struct fake_env *env, struct launch_plan *plan)
{
    struct bp_error err = {{0}};
    assert_int_equal(PLAN(l, env, plan, &err, "/layers/x/exec.d/web/jdwp"), 0);
    assert_true(plan->exec_d);
    assert_null(plan->path);
    assert_non_null(plan->toml);
}

static void test_jdwp_defaults(void **state)
{
    struct layer *l = *state;
    struct launch_plan plan;
    plan_jdwp(l, NULL, &plan);
    assert_string_equal(plan.toml,
                        "JAVA_TOOL_OPTIONS = \"" AGENT "suspend=n,address=0.0.0.0:5005\"\n");
    assert_true(plan.debugging);
    ASSERT_MESSAGE(&plan, "JDWP starting on 0.0.0.0:5005");
    launch_plan_free(&plan);
}

static void test_jdwp_build_defaults_and_overrides(void **state)
{
    struct layer *l = *state;
    struct launch_plan plan;
    struct fake_env defaults = {{{"BPL_DEBUG_BIND_DEFAULT", "127.0.0.1"},
                                 {"BPL_DEBUG_PORT_DEFAULT", "8000"},
                                 {"BPL_DEBUG_SUSPEND_DEFAULT", "true"}}};
    plan_jdwp(l, &defaults, &plan);
    assert_string_equal(plan.toml,
                        "JAVA_TOOL_OPTIONS = \"" AGENT "suspend=y,address=127.0.0.1:8000\"\n");
    ASSERT_MESSAGE(&plan, "127.0.0.1:8000", "waits");
    launch_plan_free(&plan);

    struct fake_env both = {{{"BPL_DEBUG_BIND_DEFAULT", "127.0.0.1"},
                             {"BPL_DEBUG_PORT_DEFAULT", "8000"},
                             {"BPL_DEBUG_SUSPEND_DEFAULT", "true"},
                             {"BPL_DEBUG_BIND", "::1"},
                             {"BPL_DEBUG_PORT", "5006"},
                             {"BPL_DEBUG_SUSPEND", "false"}}};
    plan_jdwp(l, &both, &plan);
    assert_string_equal(plan.toml,
                        "JAVA_TOOL_OPTIONS = \"" AGENT "suspend=n,address=[::1]:5006\"\n");
    launch_plan_free(&plan);
}

static void test_jdwp_appends_to_existing_options(void **state)
{
    struct layer *l = *state;
    struct launch_plan plan;
    struct fake_env env = {{{"JAVA_TOOL_OPTIONS", "-Xmx256m -Dgreeting=\"hi\\there\"\t\x01"
                                                  "caf\xc3\xa9\x7f"}}};
    plan_jdwp(l, &env, &plan);
    assert_string_equal(plan.toml, "JAVA_TOOL_OPTIONS = \"-Xmx256m -Dgreeting=\\\"hi\\\\there\\\""
                                   "\\t\\u0001caf\xc3\xa9\\u007F " AGENT
                                   "suspend=n,address=0.0.0.0:5005\"\n");
    launch_plan_free(&plan);

    struct fake_env empty = {{{"JAVA_TOOL_OPTIONS", ""}}};
    plan_jdwp(l, &empty, &plan);
    assert_string_equal(plan.toml,
                        "JAVA_TOOL_OPTIONS = \"" AGENT "suspend=n,address=0.0.0.0:5005\"\n");
    launch_plan_free(&plan);
}

static void test_jdwp_nothing_when_off_or_present(void **state)
{
    struct layer *l = *state;
    struct launch_plan plan;
    struct fake_env off = {{{"BPL_DEBUG_ENABLED", "no"}}};
    plan_jdwp(l, &off, &plan);
    assert_string_equal(plan.toml, "");
    assert_null(plan.messages);
    assert_false(plan.debugging);
    launch_plan_free(&plan);

    const char *present[] = {"-agentlib:jdwp=transport=dt_socket,server=y,address=5005",
                             "-Xdebug -Xrunjdwp:transport=dt_socket"};
    for (size_t i = 0; i < 2; i++) {
        struct fake_env env = {{{"JAVA_TOOL_OPTIONS", present[i]}}};
        plan_jdwp(l, &env, &plan);
        assert_string_equal(plan.toml, "");
        ASSERT_MESSAGE(&plan, "already loads a JDWP agent");
        launch_plan_free(&plan);
    }
}

static void test_jdwp_invalid_values(void **state)
{
    struct layer *l = *state;
    struct {
        const char *name, *value;
    } cases[] = {
        {"BPL_DEBUG_PORT", "5005x"},          {"BPL_DEBUG_BIND", "a_b"},
        {"BPL_DEBUG_SUSPEND", "sometimes"},   {"BPL_DEBUG_PORT_DEFAULT", "0"},
        {"BPL_DEBUG_BIND_DEFAULT", "1.2.3"},  {"BPL_DEBUG_SUSPEND_DEFAULT", "2"},
        {"BPL_DEBUG_ENABLED", "enabled"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct fake_env env = {{{cases[i].name, cases[i].value}}};
        struct launch_plan plan;
        plan_jdwp(l, &env, &plan);
        assert_string_equal(plan.toml, "");
        char expect[128];
        snprintf(expect, sizeof expect, "%s=\"%s\"", cases[i].name, cases[i].value);
        ASSERT_MESSAGE(&plan, expect, "without the debugger");
        launch_plan_free(&plan);
    }
}

static void test_jdwp_invalid_utf8(void **state)
{
    struct layer *l = *state;
    struct launch_plan plan;
    struct fake_env env = {{{"JAVA_TOOL_OPTIONS", "-Dname=\xff"}}};
    plan_jdwp(l, &env, &plan);
    assert_string_equal(plan.toml, "");
    ASSERT_MESSAGE(&plan, "not valid UTF-8");
    launch_plan_free(&plan);
}

static void test_toml_quote(void **state)
{
    (void)state;
    struct {
        const char *in, *out;
    } good[] = {
        {"", "\"\""},
        {"plain", "\"plain\""},
        {"q\"b\\", "\"q\\\"b\\\\\""},
        {"\b\f\n\r\t", "\"\\b\\f\\n\\r\\t\""},
        {"\x1f\x7f", "\"\\u001F\\u007F\""},
        {"\xe2\x82\xac \xf0\x9f\x90\x9b", "\"\xe2\x82\xac \xf0\x9f\x90\x9b\""},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        struct strbuf sb = STRBUF_INIT;
        assert_int_equal(launch_toml_quote(&sb, good[i].in), 0);
        assert_string_equal(sb.data, good[i].out);
        strbuf_free(&sb);
    }
    const char *bad[] = {
        "\xc0\x80",         /* overlong NUL */
        "\xe0\x80\xaf",     /* overlong '/' */
        "\xed\xa0\x80",     /* a surrogate */
        "\xf4\x90\x80\x80", /* past U+10FFFF */
        "ok\xe2\x82",       /* cut short */
        "\x80",             /* a lone continuation byte */
        "\xf8\x88\x80\x80\x80",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct strbuf sb = STRBUF_INIT;
        strbuf_append_str(&sb, "x");
        assert_int_equal(launch_toml_quote(&sb, bad[i]), -2);
        assert_string_equal(sb.data, "x");
        strbuf_free(&sb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_jdwp_defaults, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_jdwp_build_defaults_and_overrides, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_jdwp_appends_to_existing_options, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_jdwp_nothing_when_off_or_present, layer_setup,
                                        layer_teardown),
        cmocka_unit_test_setup_teardown(test_jdwp_invalid_values, layer_setup, layer_teardown),
        cmocka_unit_test_setup_teardown(test_jdwp_invalid_utf8, layer_setup, layer_teardown),
        cmocka_unit_test(test_toml_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
