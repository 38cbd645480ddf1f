/* deps resolution: dlv by Go version, debugpy by Python and glibc, vsdbg by
 * arch and libc, pins, and the error that lists what is available. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "deps/internal.h"

#define CATALOG BP_TEST_DATA "/deps/catalog.toml"

static int setup(void **state)
{
    static struct deps_catalog cat;
    struct bp_error err;
    if (deps_catalog_load(CATALOG, &cat, &err) != 0) {
        print_error("%s\n", err.message);
        return -1;
    }
    *state = &cat;
    return 0;
}

static int teardown(void **state)
{
    deps_catalog_free(*state);
    return 0;
}

static const struct deps_dependency *pick(void **state, struct deps_query q)
{
    struct bp_error err = {{0}};
    const struct deps_dependency *d = deps_resolve(*state, &q, &err);
    if (d == NULL)
        fail_msg("no match: %s", err.message);
    return d;
}

static void expect_none(void **state, struct deps_query q, const char *want1, const char *want2)
{
    struct bp_error err = {{0}};
    const struct deps_dependency *d = deps_resolve(*state, &q, &err);
    if (d != NULL)
        fail_msg("expected no match, got %s %s (%s)", d->id, d->version, d->uri);
    if (strstr(err.message, want1) == NULL || (want2 != NULL && strstr(err.message, want2) == NULL))
        fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.message, want1, want2 ? want2 : "");
}

static void test_dlv_by_go_version(void **state)
{
    const struct deps_dependency *d;
    d = pick(state, (struct deps_query){.id = "dlv", .runtime_version = "go1.26.8", .arch = "amd64"});
    assert_string_equal(d->version, "1.27.2");
    assert_string_equal(d->arch, "amd64");
    d = pick(state, (struct deps_query){.id = "dlv", .runtime_version = "1.25.0", .arch = "arm64"});
    assert_string_equal(d->version, "1.27.2");
    assert_string_equal(d->arch, "arm64");
    /* Go 1.24 is outside 1.27.x's window: the newest that covers it. */
    d = pick(state, (struct deps_query){.id = "dlv", .runtime_version = "1.24.3", .arch = "x86_64"});
    assert_string_equal(d->version, "1.25.2");
    d = pick(state, (struct deps_query){.id = "dlv", .runtime_version = "1.21.0", .arch = "amd64"});
    assert_string_equal(d->version, "1.24.1");
    /* Unknown Go: the newest for the arch. */
    d = pick(state, (struct deps_query){.id = "dlv", .arch = "aarch64"});
    assert_string_equal(d->version, "1.27.2");
    assert_string_equal(d->arch, "arm64");
}

static void test_dlv_errors_list_available(void **state)
{
    /* Go 1.28 is newer than every dlv: the error shows the ranges. */
    expect_none(state, (struct deps_query){.id = "dlv", .runtime_version = "1.28.0", .arch = "amd64"},
                "no dlv fits (runtime 1.28.0, linux/amd64", ">=1.25, <1.28");
    expect_none(state, (struct deps_query){.id = "dlv", .runtime_version = "1.28.0", .arch = "amd64"},
                "1.24.1 (linux/amd64, runtime >=1.21, <1.25)", "available: 1.27.2");
    /* Go 1.24 on arm64: only 1.27.2 exists for arm64. */
    expect_none(state, (struct deps_query){.id = "dlv", .runtime_version = "1.24.0", .arch = "arm64"},
                "1.27.2 (linux/arm64", NULL);
    expect_none(state, (struct deps_query){.id = "dlv", .arch = "riscv64"}, "linux/riscv64", NULL);
    expect_none(state, (struct deps_query){.id = "dlv", .os = "windows"}, "windows/any", NULL);
    expect_none(state, (struct deps_query){.id = "gdb"}, "the catalog has no gdb at all",
                "(ids: dlv, debugpy, ptvsd, vsdbg)");
    expect_none(state, (struct deps_query){.id = "dlv", .runtime_version = "banana"},
                "runtime version \"banana\" is not a version", NULL);
}

static void test_pins(void **state)
{
    const struct deps_dependency *d;
    d = pick(state, (struct deps_query){.id = "dlv", .version_pin = "1.25", .arch = "amd64",
                                        .runtime_version = "1.24.1"});
    assert_string_equal(d->version, "1.25.2");
    d = pick(state, (struct deps_query){.id = "dlv", .version_pin = "1.24.1", .arch = "amd64"});
    assert_string_equal(d->version, "1.24.1");
    /* A pin still has to fit the runtime. */
    expect_none(state, (struct deps_query){.id = "dlv", .version_pin = "1.24", .arch = "amd64",
                                           .runtime_version = "1.26.0"},
                "version 1.24, runtime 1.26.0", NULL);
    expect_none(state, (struct deps_query){.id = "dlv", .version_pin = "1.2", .arch = "amd64"},
                "version 1.2,", NULL);
}

static void test_debugpy(void **state)
{
    const struct deps_dependency *d;
    /* CPython 3.11 on glibc 2.36: the manylinux_2_34 wheel beats the any
     * wheel of the same version. */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.11.7", .arch = "amd64",
                                        .glibc_version = "2.36"});
    assert_string_equal(d->version, "1.8.22");
    assert_string_equal(d->python_tag, "cp311-cp311-manylinux_2_34_x86_64");
    /* glibc 2.31 is below manylinux_2_34: the any wheel. */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.11.7", .arch = "amd64",
                                        .glibc_version = "2.31"});
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    assert_string_equal(d->version, "1.8.22");
    /* Unknown glibc, musl, or another Python minor: the any wheel. */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.11.7", .arch = "amd64"});
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.11.7", .arch = "amd64",
                                        .libc = "musl"});
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.12.1", .arch = "amd64",
                                        .glibc_version = "2.36"});
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    /* arm64 has no platform wheel in this catalog. */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.11.7", .arch = "arm64",
                                        .glibc_version = "2.36"});
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    /* Python 3.9 on glibc 2.17+: 1.8.16's manylinux2014 cp39 wheel. */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.9.18", .arch = "amd64",
                                        .glibc_version = "2.28"});
    assert_string_equal(d->version, "1.8.16");
    assert_non_null(strstr(d->python_tag, "cp39"));
    /* Python 3.8: 1.8.16 any wheel (no cp38 platform wheel). */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.8.10", .arch = "amd64",
                                        .glibc_version = "2.28"});
    assert_string_equal(d->version, "1.8.16");
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    /* 2.7 and 3.5-3.7: 1.5.1. */
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "2.7.18"});
    assert_string_equal(d->version, "1.5.1");
    d = pick(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.6.15"});
    assert_string_equal(d->version, "1.5.1");
    /* 3.4: no debugpy; ptvsd covers it (the caller's fallback). */
    expect_none(state, (struct deps_query){.id = "debugpy", .runtime_version = "3.4.10"},
                "runtime ==2.7.* || >=3.5", "1.8.22 (linux/any, py2.py3-none-any, runtime >=3.10)");
    d = pick(state, (struct deps_query){.id = "ptvsd", .runtime_version = "3.4.10"});
    assert_string_equal(d->version, "4.3.2");
}

static void test_vsdbg(void **state)
{
    const struct deps_dependency *d;
    d = pick(state, (struct deps_query){.id = "vsdbg", .arch = "amd64"});
    assert_non_null(strstr(d->uri, "vsdbg-linux-x64.tar.gz"));
    d = pick(state, (struct deps_query){.id = "vsdbg", .arch = "amd64", .libc = "musl"});
    assert_non_null(strstr(d->uri, "vsdbg-linux-musl-x64.tar.gz"));
    d = pick(state, (struct deps_query){.id = "vsdbg", .arch = "arm64", .libc = "glibc"});
    assert_non_null(strstr(d->uri, "vsdbg-linux-arm64.tar.gz"));
    d = pick(state, (struct deps_query){.id = "vsdbg", .version_pin = "18.7.10521+2", .arch = "amd64"});
    assert_string_equal(d->version, "18.7.10521+2");
    expect_none(state, (struct deps_query){.id = "vsdbg", .arch = "arm64", .libc = "musl"},
                "linux/arm64, musl", "18.7.10521+2 (linux/amd64, musl)");
}

static void test_bad_query(void **state)
{
    expect_none(state, (struct deps_query){.id = "vsdbg", .libc = "bionic"},
                "libc \"bionic\" is neither glibc nor musl", NULL);
    expect_none(state, (struct deps_query){.id = "debugpy", .glibc_version = "new"},
                "glibc version \"new\"", NULL);
    expect_none(state, (struct deps_query){.id = NULL}, "no id given", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dlv_by_go_version),
        cmocka_unit_test(test_dlv_errors_list_available),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_debugpy),
        cmocka_unit_test(test_vsdbg),
        cmocka_unit_test(test_bad_query),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
