/* config: boolean spellings, ports, bind addresses, platform env precedence. */
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

#include "config/config.h"
#include "common/fileio.h"
#include "support/fixture.h"

static char platform[256];

static int setup(void **state)
{
    (void)state;
    fixture_tempdir(platform, sizeof platform, "test_config");
    char env[300];
    snprintf(env, sizeof env, "%s/env", platform);
    unsetenv("BP_DEBUG");
    unsetenv("BP_DEBUG_ENABLED");
    return mkdir(env, 0755);
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(platform, NULL);
}

static void put(const char *name, const char *value)
{
    char path[400];
    snprintf(path, sizeof path, "%s/env/%s", platform, name);
    assert_int_equal(file_write_atomic(path, value, strlen(value), 0644, NULL), 0);
}

static void test_bool_spellings(void **state)
{
    (void)state;
    const char *yes[] = {"true", "TRUE", "True", "1", "yes", "YES", "on", "On", " true\n"};
    const char *no[] = {"false", "FALSE", "0", "no", "off", "OFF"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
        bool b = false;
        assert_int_equal(config_parse_bool("BP_DEBUG", yes[i], &b, NULL), 0);
        assert_true(b);
    }
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
        bool b = true;
        assert_int_equal(config_parse_bool("BP_DEBUG", no[i], &b, NULL), 0);
        assert_false(b);
    }
}

static void test_bool_invalid_names_variable_and_spellings(void **state)
{
    (void)state;
    struct bp_error err = {{0}};
    bool b;
    assert_int_equal(config_parse_bool("BP_DEBUG", "yes-please", &b, &err), -1);
    assert_non_null(strstr(err.message, "BP_DEBUG=\"yes-please\""));
    assert_non_null(strstr(err.message, "true/false"));
    assert_non_null(strstr(err.message, "on/off"));
}

static void test_port_validation(void **state)
{
    (void)state;
    int port = 0;
    struct bp_error err = {{0}};
    assert_int_equal(config_parse_port("BPL_DEBUG_PORT", "56268", &port, &err), 0);
    assert_int_equal(port, 56268);
    assert_int_equal(config_parse_port("BPL_DEBUG_PORT", "http", &port, &err), -1);
    assert_non_null(strstr(err.message, "BPL_DEBUG_PORT=\"http\""));
    assert_int_equal(config_parse_port("P", "65536", &port, &err), -1);
    assert_int_equal(config_parse_port("P", "0", &port, &err), -1);
    assert_int_equal(config_parse_port("P", "-5", &port, &err), -1);
    assert_int_equal(config_parse_port("P", "80x", &port, &err), -1);
}

static void test_bind_validation(void **state)
{
    (void)state;
    const char *ok[][2] = {{"0.0.0.0", "0.0.0.0"}, {"::1", "::1"}, {"localhost", "localhost"},
                           {"[::1]", "::1"}, {"*", "0.0.0.0"}, {"", "0.0.0.0"}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        char *bind = NULL;
        assert_int_equal(config_parse_bind("B", ok[i][0], &bind, NULL), 0);
        assert_string_equal(bind, ok[i][1]);
        free(bind);
    }
    struct bp_error err = {{0}};
    char *bind = NULL;
    assert_int_equal(config_parse_bind("BP_DEBUG_BIND", "not an address", &bind, &err), -1);
    assert_null(bind);
    assert_non_null(strstr(err.message, "BP_DEBUG_BIND"));
    assert_int_equal(config_parse_bind("B", "10.0.0", &bind, NULL), -1);
}

static void test_platform_env_wins_over_process_env(void **state)
{
    (void)state;
    setenv("BP_DEBUG", "false", 1);
    put("BP_DEBUG", "true\n");
    bool enabled = false;
    assert_int_equal(config_debug_enabled(platform, &enabled, NULL), 0);
    assert_true(enabled);
    unsetenv("BP_DEBUG");
}

static void test_process_env_and_alias(void **state)
{
    (void)state;
    bool enabled = true;
    assert_int_equal(config_debug_enabled(platform, &enabled, NULL), 0);
    assert_false(enabled);
    setenv("BP_DEBUG_ENABLED", "on", 1);
    assert_int_equal(config_debug_enabled(platform, &enabled, NULL), 0);
    assert_true(enabled);
    unsetenv("BP_DEBUG_ENABLED");
}

static void test_alias_disagreement_is_an_error(void **state)
{
    (void)state;
    put("BP_DEBUG", "true");
    put("BP_DEBUG_ENABLED", "false");
    struct bp_error err = {{0}};
    bool enabled;
    assert_int_equal(config_debug_enabled(platform, &enabled, &err), -1);
    assert_non_null(strstr(err.message, "BP_DEBUG_ENABLED"));
}

static void test_load_build_defaults_and_values(void **state)
{
    (void)state;
    struct config_build cfg;
    assert_int_equal(config_load_build(platform, &cfg, NULL), 0);
    assert_false(cfg.enabled);
    assert_string_equal(cfg.bind, "0.0.0.0");
    assert_int_equal(cfg.port, 0);
    assert_null(cfg.process_types);
    config_build_free(&cfg);

    put("BP_DEBUG", "1");
    put("BP_DEBUG_PORT", "4000");
    put("BP_DEBUG_BIND", "127.0.0.1");
    put("BP_DEBUG_SUSPEND", "yes");
    put("BP_DEBUG_PROCESS_TYPES", "web, worker");
    put("BP_DEBUG_DLV_VERSION", "1.27");
    put("BP_DEBUG_GO_PORT", "40000");
    assert_int_equal(config_load_build(platform, &cfg, NULL), 0);
    assert_int_equal(cfg.go_port, 40000);
    assert_int_equal(cfg.python_port, 0);
    assert_true(cfg.enabled);
    assert_int_equal(cfg.port, 4000);
    assert_string_equal(cfg.bind, "127.0.0.1");
    assert_true(cfg.suspend);
    assert_string_equal(cfg.dlv_version, "1.27");
    assert_true(config_selects_process(&cfg, "worker", false));
    assert_true(config_selects_process(&cfg, "web", false));
    assert_false(config_selects_process(&cfg, "cron", true));
    config_build_free(&cfg);
}

static void test_load_build_rejects_bad_values(void **state)
{
    (void)state;
    struct config_build cfg;
    struct bp_error err = {{0}};
    put("BP_DEBUG_PORT", "http");
    assert_int_equal(config_load_build(platform, &cfg, &err), -1);
    assert_non_null(strstr(err.message, "BP_DEBUG_PORT"));
    put("BP_DEBUG_PORT", "80");
    put("BP_DEBUG_NODE_PORT", "99999");
    assert_int_equal(config_load_build(platform, &cfg, &err), -1);
    assert_non_null(strstr(err.message, "BP_DEBUG_NODE_PORT=\"99999\""));
    put("BP_DEBUG_NODE_PORT", "9230");
    put("BP_DEBUG_PYTHON_DEBUGGER", "pdb");
    assert_int_equal(config_load_build(platform, &cfg, &err), -1);
    assert_non_null(strstr(err.message, "BP_DEBUG_PYTHON_DEBUGGER"));
}

/* Build and launch read the same BP_DEBUG_BIND/BPL_DEBUG_BIND and boolean
 * spellings with one parser (issue 11): "[::1]" and "*" were refused here
 * but accepted by the launch wrapper, and "10.0.0" the other way round. */
static void test_build_reads_values_as_launch_does(void **state)
{
    (void)state;
    struct config_build cfg;
    struct bp_error err = {{0}};
    const struct {
        const char *value, *bind;
    } ok[] = {{"[::1]", "::1"}, {"*", "0.0.0.0"}, {"", "0.0.0.0"}, {"::", "::"},
              {"localhost", "localhost"}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        put("BP_DEBUG_BIND", ok[i].value);
        if (config_load_build(platform, &cfg, &err) != 0)
            fail_msg("BP_DEBUG_BIND=\"%s\": %s", ok[i].value, err.message);
        assert_string_equal(cfg.bind, ok[i].bind);
        config_build_free(&cfg);
    }
    const char *bad[] = {"10.0.0", "300.1.1.1", "[10.0.0.1]", "0.0.0.0:5005"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        put("BP_DEBUG_BIND", bad[i]);
        assert_int_equal(config_load_build(platform, &cfg, &err), -1);
        assert_non_null(strstr(err.message, "BP_DEBUG_BIND"));
    }
    put("BP_DEBUG_BIND", "0.0.0.0");
    put("BP_DEBUG_SUSPEND", "\vtrue");
    assert_int_equal(config_load_build(platform, &cfg, &err), 0);
    assert_true(cfg.suspend);
    config_build_free(&cfg);
}

static void test_selects_default_or_star(void **state)
{
    (void)state;
    struct config_build cfg = {0};
    assert_true(config_selects_process(&cfg, "web", true));
    assert_false(config_selects_process(&cfg, "worker", false));
    cfg.process_types = "*";
    assert_true(config_selects_process(&cfg, "worker", false));
}

/* Both bin/detect executables ask through config_detect_enabled: the
 * platform dir is CNB_PLATFORM_DIR, else argv[1] (platforms before API 0.10). */
static void test_detect_reads_platform_dir_from_env_or_argv(void **state)
{
    (void)state;
    put("BP_DEBUG", "true");
    char *argv[] = {"detect", platform, NULL};
    bool enabled = false;
    unsetenv("CNB_PLATFORM_DIR");
    assert_int_equal(config_detect_enabled(2, argv, &enabled, NULL), 0);
    assert_true(enabled);
    enabled = true;
    assert_int_equal(config_detect_enabled(1, argv, &enabled, NULL), 0);
    assert_false(enabled);
    setenv("CNB_PLATFORM_DIR", "/nonexistent/platform", 1);
    assert_int_equal(config_detect_enabled(2, argv, &enabled, NULL), 0);
    assert_false(enabled);
    setenv("CNB_PLATFORM_DIR", platform, 1);
    assert_int_equal(config_detect_enabled(1, argv, &enabled, NULL), 0);
    assert_true(enabled);
    unsetenv("CNB_PLATFORM_DIR");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool_spellings),
        cmocka_unit_test(test_bool_invalid_names_variable_and_spellings),
        cmocka_unit_test(test_port_validation),
        cmocka_unit_test(test_bind_validation),
        cmocka_unit_test_setup_teardown(test_platform_env_wins_over_process_env, setup, teardown),
        cmocka_unit_test_setup_teardown(test_process_env_and_alias, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alias_disagreement_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detect_reads_platform_dir_from_env_or_argv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_build_defaults_and_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_build_rejects_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_reads_values_as_launch_does, setup, teardown),
        cmocka_unit_test(test_selects_default_or_star),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
