/* deps versions: parsing, ordering, pins, and runtime constraints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "deps/internal.h"

static void test_parse(void **state)
{
    (void)state;
    struct deps_version v;
    assert_int_equal(deps_version_parse("1.27.2", &v), 0);
    assert_int_equal(v.n, 3);
    assert_int_equal(v.num[0], 1);
    assert_int_equal(v.num[1], 27);
    assert_int_equal(v.num[2], 2);
    assert_string_equal(v.pre, "");

    assert_int_equal(deps_version_parse("go1.26rc1", &v), 0);
    assert_int_equal(v.n, 2);
    assert_int_equal(v.num[1], 26);
    assert_string_equal(v.pre, "rc1");

    assert_int_equal(deps_version_parse("18.7.10521+2", &v), 0);
    assert_int_equal(v.num[2], 10521);
    assert_string_equal(v.build, "2");

    assert_int_equal(deps_version_parse("v1.8.0-beta.1", &v), 0);
    assert_string_equal(v.pre, "beta.1");

    const char *bad[] = {"", "v", "1.", ".1", "1..2", "a.b", "1.2.3+", "1.2.3-", "1 2",
                         "1.2.3.4.5.6.7", "1234567890123456", "1.2/3", "1.x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(deps_version_parse(bad[i], &v), -1);
}

static void test_order(void **state)
{
    (void)state;
    const char *ascending[] = {"1.8.0-beta.1", "1.8.0-rc.1", "1.8.0", "1.8.1",
                               "1.8.9",        "1.8.10",     "1.8.22", "1.9",
                               "1.27.2",       "18.7.10521+1", "18.7.10521+2"};
    size_t n = sizeof ascending / sizeof *ascending;
    for (size_t i = 0; i + 1 < n; i++) {
        assert_true(deps_version_compare_str(ascending[i], ascending[i + 1]) < 0);
        assert_true(deps_version_compare_str(ascending[i + 1], ascending[i]) > 0);
    }
    assert_int_equal(deps_version_compare_str("1.25", "1.25.0"), 0);
    assert_true(deps_version_compare_str("go1.26rc2", "go1.26rc10") < 0);
}

static void test_pins(void **state)
{
    (void)state;
    assert_true(deps_version_matches_pin("1.27.2", "1.27.2"));
    assert_true(deps_version_matches_pin("1.27.2", "1.27"));
    assert_true(deps_version_matches_pin("1.27.2", "1"));
    assert_true(deps_version_matches_pin("1.27.2", "v1.27"));
    assert_false(deps_version_matches_pin("1.8.22", "1.8.2"));
    assert_false(deps_version_matches_pin("1.27.2", "1.27.2.1"));
    assert_false(deps_version_matches_pin("1.27.2", "1.26"));
    assert_true(deps_version_matches_pin("18.7.10521+2", "18.7.10521+2"));
    assert_false(deps_version_matches_pin("18.7.10521+2", "18.7.10521+1"));
    assert_true(deps_version_matches_pin("18.7.10521+2", "18.7"));
}

static bool matches(const char *constraint, const char *version)
{
    bool m = false;
    struct bp_error err;
    assert_int_equal(deps_constraint_match(constraint, version, &m, &err), 0);
    return m;
}

static void test_constraints(void **state)
{
    (void)state;
    /* dlv 1.27.x supports Go 1.25 to 1.27 (FACTS.md). */
    assert_true(matches(">=1.25, <1.28", "1.25.0"));
    assert_true(matches(">=1.25, <1.28", "go1.27.9"));
    assert_false(matches(">=1.25, <1.28", "1.24.9"));
    assert_false(matches(">=1.25, <1.28", "1.28"));
    assert_false(matches(">=1.25 <1.28", "1.28.1"));
    /* A Go pre-release is that Go: 1.28rc1 is outside <1.28, inside >=1.28. */
    assert_false(matches(">=1.25,<1.28", "go1.28rc1"));
    assert_true(matches(">=1.28", "go1.28rc1"));
    /* debugpy <=1.5.1 covers 2.7 and 3.5+. */
    assert_true(matches("==2.7.* || >=3.5", "2.7.18"));
    assert_false(matches("==2.7.* || >=3.5", "3.4.10"));
    assert_true(matches("==2.7.* || >=3.5", "3.11.7"));
    assert_false(matches("2.7.x||>=3.5", "2.6"));
    /* Bare versions and wildcards are prefixes. */
    assert_true(matches("3.11", "3.11.7"));
    assert_false(matches("3.11", "3.12.0"));
    assert_true(matches("!=3.11.*", "3.12.0"));
    assert_false(matches("!=3.11.*", "3.11.0"));
    assert_true(matches("*", "0.1"));
    /* ~, ^ and PEP 440's ~=. */
    assert_true(matches("~1.2.3", "1.2.9"));
    assert_false(matches("~1.2.3", "1.3.0"));
    assert_true(matches("^1.2.3", "1.9.0"));
    assert_false(matches("^1.2.3", "2.0.0"));
    assert_false(matches("^0.2.3", "0.3.0"));
    assert_true(matches("~=3.8", "3.12.1"));
    assert_false(matches("~=3.8", "4.0"));
    assert_true(matches("~=3.8.1", "3.8.5"));
    assert_false(matches("~=3.8.1", "3.9.0"));
    assert_true(matches("> 1.2, <= 1.4", "1.4.0"));
    assert_false(matches(">1.2", "1.2.0"));
    /* A constraint that names a pre-release compares pre-releases. */
    assert_true(matches(">=1.26rc2", "1.26rc10"));
    assert_false(matches(">=1.26rc2", "1.26rc1"));
}

static void test_constraint_errors(void **state)
{
    (void)state;
    struct bp_error err;
    const char *bad[] = {"", "   ", ">=", ">=1.x", "1.2 ||", "|| 1.2", ">= abc", "~=3", "1.2 || || 2"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err.message[0] = '\0';
        assert_int_equal(deps_constraint_validate(bad[i], &err), -1);
        assert_non_null(strstr(err.message, "version constraint"));
    }
    assert_int_equal(deps_constraint_validate(">=1.25, <1.28", &err), 0);
    bool m;
    assert_int_equal(deps_constraint_match(">=1.25", "not-a-version", &m, &err), -1);
    assert_non_null(strstr(err.message, "not-a-version"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_constraints),
        cmocka_unit_test(test_constraint_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
