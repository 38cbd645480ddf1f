/* deps catalog: reading [[metadata.dependencies]] in its accepted spellings,
 * and errors that name the file, entry and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deps/internal.h"
#include "toml/toml.h"

#define CATALOG BP_TEST_DATA "/deps/catalog.toml"

static void test_load_fields(void **state)
{
    (void)state;
    struct deps_catalog cat;
    struct bp_error err = {{0}};
    assert_int_equal(deps_catalog_load(CATALOG, &cat, &err), 0);
    assert_int_equal(cat.len, 13);

    const struct deps_dependency *d = &cat.items[0];
    assert_string_equal(d->id, "dlv");
    assert_string_equal(d->name, "Delve");
    assert_string_equal(d->version, "1.27.2");
    assert_string_equal(d->sha256, "1111111111111111111111111111111111111111111111111111111111111111");
    assert_string_equal(d->arch, "amd64");
    assert_string_equal(d->os, "linux");
    assert_string_equal(d->runtime_versions, ">=1.25, <1.28");
    assert_string_equal(d->go_version, "1.26.8");
    assert_int_equal(d->n_purls, 1);
    assert_string_equal(d->purl, "pkg:golang/github.com/go-delve/delve@v1.27.2?arch=amd64");
    assert_int_equal(d->n_cpes, 1);
    assert_string_equal(d->source, "https://github.com/go-delve/delve");
    assert_string_equal(d->source_sha256,
                        "2222222222222222222222222222222222222222222222222222222222222222");
    assert_int_equal(d->n_licenses, 1);
    assert_string_equal(d->licenses[0].type, "MIT");
    assert_non_null(d->licenses[0].uri);
    assert_int_equal(d->index, 0);

    /* sha256 = "<hex>", arch x86_64, runtime_versions with '_'. */
    d = &cat.items[2];
    assert_string_equal(d->sha256, "4444444444444444444444444444444444444444444444444444444444444444");
    assert_string_equal(d->arch, "amd64");
    assert_string_equal(d->runtime_versions, ">=1.22, <1.26");
    assert_null(d->purl);
    assert_int_equal(d->strip_components, 0);

    /* No arch: any. purl (singular). */
    d = &cat.items[4];
    assert_null(d->arch);
    assert_string_equal(d->python_tag, "py2.py3-none-any");
    assert_string_equal(d->purl, "pkg:pypi/debugpy@1.8.22");
    assert_null(d->libc);

    /* Upper-case hex is lower-cased; libc kept. */
    d = &cat.items[11];
    assert_string_equal(d->sha256, "a30fc9926d62ee1fe04c7ccb103102d006ce5884babe3249f51eb77492770177");
    assert_string_equal(d->libc, "glibc");
    assert_string_equal(d->version, "18.7.10521+2");
    deps_catalog_free(&cat);
    assert_null(cat.items);
}

static void expect_error(const char *entry_toml, const char *want1, const char *want2)
{
    char text[4096];
    snprintf(text, sizeof text, "[[metadata.dependencies]]\n%s\n", entry_toml);
    struct bp_error err = {{0}};
    struct toml_value *root = toml_parse(text, strlen(text), "bp.toml", &err);
    assert_non_null(root);
    struct deps_catalog cat;
    int rc = deps_catalog_from_toml(root, "bp.toml", &cat, &err);
    toml_free(root);
    if (rc == 0)
        fail_msg("accepted: %s", entry_toml);
    assert_null(cat.items);
    if (strstr(err.message, "bp.toml: [[metadata.dependencies]] #1") == NULL ||
        strstr(err.message, want1) == NULL || (want2 && strstr(err.message, want2) == NULL))
        fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.message, want1, want2 ? want2 : "");
}

#define GOOD_URI "uri = \"https://example.test/dlv.tar.gz\"\n"
#define GOOD_SUM "checksum = \"sha256:" \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n"

static void test_entry_errors(void **state)
{
    (void)state;
    expect_error("version = \"1.0\"\n" GOOD_URI GOOD_SUM, "id: missing", NULL);
    expect_error("id = \"dlv\"\n" GOOD_URI GOOD_SUM, "(id \"dlv\", version \"?\"): version: missing",
                 NULL);
    expect_error("id = \"dlv\"\nversion = \"one\"\n" GOOD_URI GOOD_SUM, "version: \"one\" is not a version",
                 NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_SUM, "(id \"dlv\", version \"1.0\"): uri: missing",
                 NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\nuri = \"ftp://x/y\"\n" GOOD_SUM, "uri: \"ftp://x/y\"",
                 NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI, "checksum: missing", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI "checksum = \"md5:abc\"\n",
                 "checksum: expected \"sha256:<64 hex digits>\"", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI "checksum = \"sha256:abc\"\n",
                 "checksum: \"sha256:abc\" is not a sha256", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM
                 "sha256 = \"1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\n",
                 "checksum: disagrees with sha256", NULL);
    expect_error("id = 7\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM, "id: expected a string, got integer",
                 NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "libc = \"uclibc\"\n",
                 "libc: \"uclibc\" is neither", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "runtime-versions = \">=\"\n",
                 "runtime-versions: version constraint \">=\"", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "python-tag = \"py3-any\"\n",
                 "python-tag: \"py3-any\" is not", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "strip-components = -1\n",
                 "strip-components: expected an integer", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "purls = \"pkg:x\"\n",
                 "purls: expected an array of strings", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "cpes = [1]\n",
                 "cpes: element 1 is not a non-empty string", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "licenses = [{}]\n",
                 "licenses: element 1 has neither type nor uri", NULL);
    expect_error("id = \"dlv\"\nversion = \"1.0\"\n" GOOD_URI GOOD_SUM "source-checksum = \"sha256:zz\"\n",
                 "source-checksum", NULL);
}

static void test_shape_errors(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"metadata = 3\n", "bp.toml: metadata: expected a table"},
        {"[metadata]\ndependencies = {}\n", "metadata.dependencies: expected an array of tables"},
        {"[metadata]\ndependencies = [1]\n", "#1 (id \"?\", version \"?\"): entry: expected a table"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct bp_error err = {{0}};
        struct toml_value *root = toml_parse(cases[i][0], strlen(cases[i][0]), "bp.toml", &err);
        assert_non_null(root);
        struct deps_catalog cat;
        assert_int_equal(deps_catalog_from_toml(root, "bp.toml", &cat, &err), -1);
        toml_free(root);
        if (strstr(err.message, cases[i][1]) == NULL)
            fail_msg("\"%s\" lacks \"%s\"", err.message, cases[i][1]);
    }
}

static void test_duplicates_and_empty(void **state)
{
    (void)state;
    const char *dup = "[[metadata.dependencies]]\nid = \"a\"\nversion = \"1\"\n" GOOD_URI GOOD_SUM
                      "[[metadata.dependencies]]\nid = \"a\"\nversion = \"1\"\n" GOOD_URI GOOD_SUM;
    struct bp_error err = {{0}};
    struct toml_value *root = toml_parse(dup, strlen(dup), "bp.toml", &err);
    assert_non_null(root);
    struct deps_catalog cat;
    assert_int_equal(deps_catalog_from_toml(root, "bp.toml", &cat, &err), -1);
    toml_free(root);
    assert_non_null(strstr(err.message, "#2"));
    assert_non_null(strstr(err.message, "as entry #1"));

    const char *none = "api = \"0.10\"\n";
    root = toml_parse(none, strlen(none), "bp.toml", &err);
    assert_int_equal(deps_catalog_from_toml(root, "bp.toml", &cat, &err), 0);
    assert_int_equal(cat.len, 0);
    toml_free(root);
    deps_catalog_free(&cat);

    /* A missing file names the path; a TOML syntax error its line. */
    assert_int_equal(deps_catalog_load("/nonexistent/buildpack.toml", &cat, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/buildpack.toml"));
}

static void test_repo_buildpack_toml(void **state)
{
    (void)state;
    /* Whatever the repository's own buildpack.toml holds must load. */
    struct deps_catalog cat;
    struct bp_error err = {{0}};
    if (deps_catalog_load(BP_SOURCE_DIR "/buildpack.toml", &cat, &err) != 0)
        fail_msg("%s", err.message);
    for (size_t i = 0; i < cat.len; i++) {
        assert_int_equal(strlen(cat.items[i].sha256), 64);
        assert_non_null(cat.items[i].uri);
    }
    deps_catalog_free(&cat);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_fields),
        cmocka_unit_test(test_entry_errors),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_duplicates_and_empty),
        cmocka_unit_test(test_repo_buildpack_toml),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
