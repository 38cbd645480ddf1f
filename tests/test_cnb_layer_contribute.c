/* Layer contribution with reuse, metadata equality, the layer metadata of
 * dependencies, and the CycloneDX SBOM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "deps/deps.h"
#include "cnb/layer_contribute.h"
#include "toml/toml.h"
#include "support/fixture.h"

static char layers[256];
static int populate_calls;

static int setup(void **state)
{
    (void)state;
    fixture_tempdir(layers, sizeof layers, "test_deps_layer");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(layers, NULL);
}

static void reset(void)
{
    assert_int_equal(file_remove_tree(layers, NULL), 0);
    assert_int_equal(mkdir(layers, 0755), 0);
    populate_calls = 0;
}

/* Writes ctx (a string) into <dir>/bin/tool plus a relative symlink, so
 * the test sees populate ran inside the layer's own parent directory. */
static int populate_ok(const char *dir, void *ctx, struct bp_error *err)
{
    populate_calls++;
    char path[512];
    snprintf(path, sizeof path, "%s/bin", dir);
    if (file_mkdirs(path, err) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bin/tool", dir);
    const char *text = ctx;
    if (file_write_atomic(path, text, strlen(text), 0755, err) != 0)
        return -1;
    snprintf(path, sizeof path, "%s/bin/alias", dir);
    return symlink("tool", path) == 0 ? 0 : error_set(err, "symlink failed");
}

static int populate_fail(const char *dir, void *ctx, struct bp_error *err)
{
    (void)ctx;
    populate_calls++;
    char path[512];
    snprintf(path, sizeof path, "%s/half-written", dir);
    file_write_atomic(path, "x", 1, 0644, NULL);
    return error_set(err, "downloading http://127.0.0.1/x.tgz: HTTP status 500");
}

static struct toml_value *meta(const char *version)
{
    struct toml_value *t = toml_new_table();
    assert_int_equal(toml_table_set(t, "version", toml_new_string(version)), 0);
    assert_int_equal(toml_table_set(t, "count", toml_new_integer(2)), 0);
    return t;
}

static char *read_text(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", layers, rel);
    char *text = NULL;
    if (file_read_all(path, 1 << 20, &text, NULL, NULL) != 0)
        return NULL;
    return text;
}

static int contribute(struct toml_value *m, int (*fn)(const char *, void *, struct bp_error *),
                      const char *ctx, bool launch, bool build, bool cache,
                      enum cnb_layer_outcome *out, struct bp_error *err)
{
    struct cnb_layer_request req = {layers, "debug-tools", launch, build, cache, m, fn, (void *)ctx};
    return cnb_layer_contribute(&req, out, err);
}

static int entries(void)
{
    DIR *d = opendir(layers);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void test_contribute_then_reuse(void **state)
{
    (void)state;
    reset();
    struct toml_value *m1 = meta("1.0");
    enum cnb_layer_outcome out;
    struct bp_error err = {{0}};
    assert_int_equal(contribute(m1, populate_ok, "v1", true, false, true, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_CONTRIBUTED);
    assert_int_equal(populate_calls, 1);
    char *tool = read_text("debug-tools/bin/tool");
    assert_string_equal(tool, "v1");
    free(tool);
    char *alias = read_text("debug-tools/bin/alias");
    assert_string_equal(alias, "v1");
    free(alias);
    struct stat st;
    char path[512];
    snprintf(path, sizeof path, "%s/debug-tools", layers);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);

    /* The toml has [types] and [metadata] and parses back equal. */
    snprintf(path, sizeof path, "%s/debug-tools.toml", layers);
    struct toml_value *written = toml_parse_file(path, &err);
    assert_non_null(written);
    bool b = false;
    assert_true(toml_get_bool(toml_table_get(toml_table_get(written, "types"), "launch"), &b));
    assert_true(b);
    assert_true(toml_get_bool(toml_table_get(toml_table_get(written, "types"), "build"), &b));
    assert_false(b);
    assert_true(cnb_layer_metadata_equal(toml_table_get(written, "metadata"), m1));
    toml_free(written);
    assert_int_equal(entries(), 2); /* the dir and its toml: no temp files */

    /* Same metadata: reused, populate not called. The lifecycle restores
     * the toml without [types]: simulate that. */
    const char *restored = "[metadata]\ncount = 2.0\nversion = \"1.0\"\n";
    assert_int_equal(file_write_atomic(path, restored, strlen(restored), 0644, NULL), 0);
    assert_int_equal(contribute(m1, populate_ok, "v2", true, false, true, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_REUSED);
    assert_int_equal(populate_calls, 1);
    tool = read_text("debug-tools/bin/tool");
    assert_string_equal(tool, "v1");
    free(tool);
    char *text = read_text("debug-tools.toml");
    assert_non_null(strstr(text, "[types]"));
    free(text);

    /* Changed metadata: replaced. */
    struct toml_value *m2 = meta("2.0");
    assert_int_equal(contribute(m2, populate_ok, "v2", true, false, true, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_CONTRIBUTED);
    tool = read_text("debug-tools/bin/tool");
    assert_string_equal(tool, "v2");
    free(tool);
    assert_int_equal(entries(), 2);
    toml_free(m1);
    toml_free(m2);
}

static void test_failure_keeps_old_layer(void **state)
{
    (void)state;
    reset();
    struct toml_value *m1 = meta("1.0"), *m2 = meta("2.0");
    enum cnb_layer_outcome out;
    struct bp_error err = {{0}};
    assert_int_equal(contribute(m1, populate_ok, "v1", true, false, true, &out, &err), 0);
    char *before = read_text("debug-tools.toml");
    assert_int_equal(contribute(m2, populate_fail, NULL, true, false, true, &out, &err), -1);
    assert_non_null(strstr(err.message, "HTTP status 500"));
    char *after = read_text("debug-tools.toml");
    assert_string_equal(before, after);
    char *tool = read_text("debug-tools/bin/tool");
    assert_string_equal(tool, "v1");
    free(tool);
    free(before);
    free(after);
    assert_int_equal(entries(), 2);

    /* Leftovers of a killed build are swept on the next contribution. */
    char path[512];
    snprintf(path, sizeof path, "%s/debug-tools.tmp.99999", layers);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/debug-tools.old.99999", layers);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/debug-tools-other.tmp.1", layers);
    assert_int_equal(mkdir(path, 0755), 0);
    assert_int_equal(contribute(m1, populate_ok, "v1", true, false, true, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_REUSED);
    assert_int_equal(entries(), 3); /* another layer's look-alike is left alone */
    toml_free(m1);
    toml_free(m2);
}

/* populate_ok plus a directory chain deeper than PATH_MAX, made with
 * mkdirat so no single path is too long. */
static int populate_deep(const char *dir, void *ctx, struct bp_error *err)
{
    if (populate_ok(dir, ctx, err) != 0)
        return -1;
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    char name[201];
    memset(name, 'd', 200);
    name[200] = '\0';
    for (int i = 0; fd >= 0 && i < 2 * PATH_MAX / 201; i++) {
        int next = mkdirat(fd, name, 0755) == 0 ? openat(fd, name, O_RDONLY | O_DIRECTORY) : -1;
        close(fd);
        fd = next;
    }
    if (fd < 0)
        return error_set(err, "making the deep tree failed");
    close(fd);
    return 0;
}

/* Replacing a layer whose tree is deeper than PATH_MAX removes the old one:
 * nothing named debug-tools.old.<pid> is left behind. */
static void test_deep_old_layer_is_removed(void **state)
{
    (void)state;
    reset();
    struct toml_value *m1 = meta("1.0"), *m2 = meta("2.0");
    enum cnb_layer_outcome out;
    struct bp_error err = {{0}};
    assert_int_equal(contribute(m1, populate_deep, "v1", true, false, true, &out, &err), 0);
    assert_int_equal(contribute(m2, populate_deep, "v2", true, false, true, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_CONTRIBUTED);
    assert_int_equal(entries(), 2); /* debug-tools and debug-tools.toml only */
    char *tool = read_text("debug-tools/bin/tool");
    assert_string_equal(tool, "v2");
    free(tool);
    reset();
    toml_free(m1);
    toml_free(m2);
}

static void test_launch_only_reuse_without_dir(void **state)
{
    (void)state;
    reset();
    struct toml_value *m1 = meta("1.0");
    enum cnb_layer_outcome out;
    struct bp_error err = {{0}};
    /* The analyzer restored only the toml of a launch-only layer. */
    char path[512];
    snprintf(path, sizeof path, "%s/debug-tools.toml", layers);
    const char *restored = "[metadata]\nversion = \"1.0\"\ncount = 2\n";
    assert_int_equal(file_write_atomic(path, restored, strlen(restored), 0644, NULL), 0);
    assert_int_equal(contribute(m1, populate_ok, "v1", true, false, false, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_REUSED);
    assert_int_equal(populate_calls, 0);
    snprintf(path, sizeof path, "%s/debug-tools", layers);
    assert_false(file_exists(path));
    char *text = read_text("debug-tools.toml");
    assert_non_null(strstr(text, "launch = true"));
    free(text);
    /* A cached or build layer needs its directory: repopulated. */
    assert_int_equal(contribute(m1, populate_ok, "v1", true, false, true, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_CONTRIBUTED);
    assert_true(file_is_dir(path));
    toml_free(m1);
}

static void test_bad_requests(void **state)
{
    (void)state;
    reset();
    enum cnb_layer_outcome out;
    struct bp_error err = {{0}};
    const char *bad[] = {"", "..", "a/b", "launch", "store", "x y"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct cnb_layer_request req = {layers, bad[i], true, false, false, NULL, populate_ok, "x"};
        assert_int_equal(cnb_layer_contribute(&req, &out, &err), -1);
        assert_non_null(strstr(err.message, "layer name"));
    }
    /* A corrupt toml is not reusable: the layer is rebuilt. */
    char path[512];
    snprintf(path, sizeof path, "%s/debug-tools.toml", layers);
    assert_int_equal(file_write_atomic(path, "[[[", 3, 0644, NULL), 0);
    assert_int_equal(contribute(NULL, populate_ok, "v1", true, false, false, &out, &err), 0);
    assert_int_equal(out, CNB_LAYER_CONTRIBUTED);
}

static void test_metadata_equal(void **state)
{
    (void)state;
    struct bp_error err;
    const char *a = "x = 1\ns = \"t\"\n[t]\narr = [1, 2, {k = true}]\n";
    const char *b = "s = \"t\"\nx = 1.0\n[t]\narr = [1.0, 2, {k = true}]\n";
    const char *c = "s = \"t\"\nx = 1\n[t]\narr = [2, 1, {k = true}]\n";
    const char *d = "s = \"t\"\nx = 1\n[t]\narr = [1, 2, {k = false}]\n";
    const char *e = "s = \"t\"\nx = 1\ny = 2\n[t]\narr = [1, 2, {k = true}]\n";
    const char *f = "d = 1979-05-27T07:32:00Z\n";
    const char *g = "d = \"1979-05-27T07:32:00Z\"\n";
    struct toml_value *ta = toml_parse(a, strlen(a), "a", &err), *tb = toml_parse(b, strlen(b), "b", &err),
                      *tc = toml_parse(c, strlen(c), "c", &err), *td = toml_parse(d, strlen(d), "d", &err),
                      *te = toml_parse(e, strlen(e), "e", &err), *tf = toml_parse(f, strlen(f), "f", &err),
                      *tg = toml_parse(g, strlen(g), "g", &err);
    assert_true(cnb_layer_metadata_equal(ta, tb));
    assert_false(cnb_layer_metadata_equal(ta, tc));
    assert_false(cnb_layer_metadata_equal(ta, td));
    assert_false(cnb_layer_metadata_equal(ta, te));
    assert_false(cnb_layer_metadata_equal(te, ta));
    assert_true(cnb_layer_metadata_equal(tf, tg));
    struct toml_value *empty = toml_new_table();
    assert_true(cnb_layer_metadata_equal(NULL, empty));
    assert_true(cnb_layer_metadata_equal(NULL, NULL));
    assert_false(cnb_layer_metadata_equal(NULL, ta));
    toml_free(ta), toml_free(tb), toml_free(tc), toml_free(td), toml_free(te), toml_free(tf),
        toml_free(tg), toml_free(empty);
}

static void test_metadata_and_sbom(void **state)
{
    (void)state;
    reset();
    char *purls[] = {"pkg:golang/github.com/go-delve/delve@v1.27.2?arch=amd64"};
    char *cpes[] = {"cpe:2.3:a:go-delve:delve:1.27.2:*:*:*:*:*:*:*"};
    struct deps_license mit = {"MIT", "https://github.com/go-delve/delve/blob/master/LICENSE"};
    struct deps_license prop = {"Proprietary", NULL};
    struct deps_dependency dlv = {.id = "dlv", .name = "Delve", .version = "1.27.2",
                                  .uri = "https://example.test/dlv.tgz",
                                  .sha256 = "1111111111111111111111111111111111111111111111111111111111111111",
                                  .purl = purls[0], .purls = purls, .n_purls = 1, .cpes = cpes, .n_cpes = 1,
                                  .licenses = &mit, .n_licenses = 1, .source = "https://github.com/go-delve/delve"};
    struct deps_dependency vsdbg = {.id = "vsdbg", .version = "18.7.10521+2",
                                    .uri = "https://example.test/vsdbg.tgz",
                                    .sha256 = "2222222222222222222222222222222222222222222222222222222222222222",
                                    .licenses = &prop, .n_licenses = 1, .python_tag = NULL};
    const struct deps_dependency *list[] = {&dlv, &vsdbg};

    struct toml_value *m = deps_layer_metadata(list, 2);
    assert_non_null(m);
    const struct toml_value *arr = toml_table_get(m, "dependencies");
    assert_int_equal(toml_array_len(arr), 2);
    const char *s;
    assert_true(toml_get_string(toml_table_get(toml_array_at(arr, 0), "sha256"), &s));
    assert_string_equal(s, dlv.sha256);
    assert_true(toml_get_string(toml_table_get(toml_array_at(arr, 1), "version"), &s));
    assert_string_equal(s, "18.7.10521+2");
    assert_null(toml_table_get(toml_array_at(arr, 1), "name"));
    /* Same deps, same metadata: the basis of reuse. */
    struct toml_value *again = deps_layer_metadata(list, 2);
    assert_true(cnb_layer_metadata_equal(m, again));
    toml_free(again);
    toml_free(m);

    struct bp_error err = {{0}};
    assert_int_equal(deps_write_sbom(layers, "debug-tools", list, 2, &err), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/debug-tools.sbom.cdx.json", layers);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "bomFormat")), "CycloneDX");
    assert_string_equal(json_string_value(json_object_get(doc, "specVersion")), "1.4");
    json_t *comps = json_object_get(doc, "components");
    assert_int_equal(json_array_size(comps), 2);
    json_t *c0 = json_array_get(comps, 0);
    assert_string_equal(json_string_value(json_object_get(c0, "name")), "Delve");
    assert_string_equal(json_string_value(json_object_get(c0, "purl")), purls[0]);
    assert_string_equal(json_string_value(json_object_get(c0, "cpe")), cpes[0]);
    json_t *h = json_array_get(json_object_get(c0, "hashes"), 0);
    assert_string_equal(json_string_value(json_object_get(h, "alg")), "SHA-256");
    assert_string_equal(json_string_value(json_object_get(h, "content")), dlv.sha256);
    json_t *lic = json_object_get(json_array_get(json_object_get(c0, "licenses"), 0), "license");
    assert_string_equal(json_string_value(json_object_get(lic, "id")), "MIT");
    json_t *c1 = json_array_get(comps, 1);
    assert_string_equal(json_string_value(json_object_get(c1, "name")), "vsdbg");
    assert_null(json_object_get(c1, "purl"));
    assert_string_equal(json_string_value(json_object_get(c1, "bom-ref")), "vsdbg@18.7.10521+2");
    lic = json_object_get(json_array_get(json_object_get(c1, "licenses"), 0), "license");
    assert_string_equal(json_string_value(json_object_get(lic, "name")), "Proprietary");
    assert_null(json_object_get(lic, "id"));
    json_decref(doc);

    /* Deterministic: writing again gives the same bytes. */
    char *first = read_text("debug-tools.sbom.cdx.json");
    assert_int_equal(deps_write_sbom(layers, "debug-tools", list, 2, &err), 0);
    char *second = read_text("debug-tools.sbom.cdx.json");
    assert_string_equal(first, second);
    free(first);
    free(second);
    assert_int_equal(deps_write_sbom("/nonexistent", "x", list, 2, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/x.sbom.cdx.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contribute_then_reuse),
        cmocka_unit_test(test_failure_keeps_old_layer),
        cmocka_unit_test(test_launch_only_reuse_without_dir),
        cmocka_unit_test(test_deep_old_layer_is_removed),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_metadata_equal),
        cmocka_unit_test(test_metadata_and_sbom),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
