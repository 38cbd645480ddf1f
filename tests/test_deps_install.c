/* deps_install from local sources: file:// URIs, the packaged offline
 * directory, dependency-mapping bindings and file:// mirrors; checksum
 * failures and extraction failures leave nothing behind. (HTTP faults are
 * in integration/deps, against a loopback server.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "support/fixture.h"
#include "deps/internal.h"

static char root[256];
static char good_tgz[400], evil_tgz[400];
static char good_sha[65], evil_sha[65];

static void make_tgz(const char *path, const char *name, const char *content)
{
    struct archive *a = archive_write_new();
    assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
    assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    const char *names[] = {"dlv-pkg/LICENSE", name};
    const char *contents[] = {"MIT\n", content};
    for (int i = 0; i < 2; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, names[i]);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, i == 1 ? 0755 : 0644);
        archive_entry_set_size(e, (la_int64_t)strlen(contents[i]));
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, contents[i], strlen(contents[i])),
                         (la_ssize_t)strlen(contents[i]));
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static int setup(void **state)
{
    (void)state;
    fixture_tempdir(root, sizeof root, "test_deps_install");
    snprintf(good_tgz, sizeof good_tgz, "%s/src/dlv-1.0.tar.gz", root);
    snprintf(evil_tgz, sizeof evil_tgz, "%s/src/evil-1.0.tar.gz", root);
    if (file_mkdirs(good_tgz, NULL) != 0 || rmdir(good_tgz) != 0)
        return -1;
    make_tgz(good_tgz, "dlv-pkg/dlv", "#!dlv\n");
    make_tgz(evil_tgz, "dlv-pkg/../../escape", "gotcha\n");
    struct bp_error err;
    if (deps_sha256_file(good_tgz, good_sha, &err) != 0 || deps_sha256_file(evil_tgz, evil_sha, &err) != 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(root, NULL);
}

static struct deps_dependency dep_for(const char *uri, const char *sha)
{
    struct deps_dependency d = {0};
    d.id = "dlv";
    d.version = "1.0";
    d.uri = (char *)uri;
    d.sha256 = (char *)sha;
    d.strip_components = 1;
    return d;
}

/* Entries in dir other than keep (NULL = none allowed). */
static int others_in(const char *dir, const char *keep)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
            (keep == NULL || strcmp(e->d_name, keep) != 0))
            n++;
    closedir(d);
    return n;
}

static void fresh(const char *rel)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    assert_int_equal(file_remove_tree(path, NULL), 0);
}

static void test_sha256(void **state)
{
    (void)state;
    char path[400], hex[65];
    snprintf(path, sizeof path, "%s/abc", root);
    assert_int_equal(file_write_atomic(path, "abc", 3, 0644, NULL), 0);
    struct bp_error err;
    assert_int_equal(deps_sha256_file(path, hex, &err), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(deps_sha256_file("/nonexistent", hex, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent"));
}

static void test_file_uri(void **state)
{
    (void)state;
    fresh("layer");
    char uri[600], dest[400], path[500];
    snprintf(uri, sizeof uri, "file://%s", good_tgz);
    snprintf(dest, sizeof dest, "%s/layer/dlv", root);
    struct deps_dependency d = dep_for(uri, good_sha);
    struct deps_install_result res;
    struct bp_error err = {{0}};
    struct deps_fetch_options opt = {.getenv_fn = fixture_getenv};
    if (deps_install(&d, &opt, dest, &res, &err) != 0)
        fail_msg("%s", err.message);
    snprintf(path, sizeof path, "%s/dlv", dest);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(res.bytes_downloaded, 0);
    assert_false(res.from_offline_cache);
    assert_string_equal(res.source_used, good_tgz);
    /* dest must not exist. */
    assert_int_equal(deps_install(&d, &opt, dest, &res, &err), -1);
    assert_non_null(strstr(err.message, "already exists"));
    /* file://localhost/ works too; relative paths do not. */
    fresh("layer");
    snprintf(uri, sizeof uri, "file://localhost%s", good_tgz);
    d.uri = uri;
    assert_int_equal(deps_install(&d, &opt, dest, &res, &err), 0);
    fresh("layer");
    d.uri = "file://relative/x.tgz";
    assert_int_equal(deps_install(&d, &opt, dest, &res, &err), -1);
    assert_non_null(strstr(err.message, "file:///absolute/path"));
}

static void test_checksum_mismatch_leaves_nothing(void **state)
{
    (void)state;
    fresh("layer");
    char uri[600], dest[500], parent[400];
    snprintf(uri, sizeof uri, "file://%s", good_tgz);
    snprintf(parent, sizeof parent, "%s/layer", root);
    snprintf(dest, sizeof dest, "%s/dlv", parent);
    struct deps_dependency d =
        dep_for(uri, "0000000000000000000000000000000000000000000000000000000000000000");
    struct bp_error err = {{0}};
    struct deps_fetch_options opt = {.getenv_fn = fixture_getenv};
    assert_int_equal(deps_install(&d, &opt, dest, NULL, &err), -1);
    char want[300];
    snprintf(want, sizeof want, "sha256 mismatch: expected 0000000000000000000000000000000000000000000000000000000000000000, got %s", good_sha);
    if (strstr(err.message, want) == NULL || strstr(err.message, good_tgz) == NULL)
        fail_msg("%s", err.message);
    assert_false(file_exists(dest));
    assert_int_equal(others_in(parent, NULL), 0);
}

static void test_extract_failure_leaves_nothing(void **state)
{
    (void)state;
    fresh("layer");
    char uri[600], dest[500], parent[400], escaped[400];
    snprintf(uri, sizeof uri, "file://%s", evil_tgz);
    snprintf(parent, sizeof parent, "%s/layer", root);
    snprintf(dest, sizeof dest, "%s/dlv", parent);
    struct deps_dependency d = dep_for(uri, evil_sha);
    struct bp_error err = {{0}};
    struct deps_fetch_options opt = {.getenv_fn = fixture_getenv};
    assert_int_equal(deps_install(&d, &opt, dest, NULL, &err), -1);
    if (strstr(err.message, "entry \"dlv-pkg/../../escape\"") == NULL)
        fail_msg("%s", err.message);
    assert_false(file_exists(dest));
    assert_int_equal(others_in(parent, NULL), 0);
    snprintf(escaped, sizeof escaped, "%s/escape", root);
    assert_false(file_exists(escaped));
}

static void test_offline_mapping_mirror(void **state)
{
    (void)state;
    char dest[400], path[600], uri[600];
    snprintf(dest, sizeof dest, "%s/layer/dlv", root);
    struct deps_dependency d = dep_for("https://unreachable.invalid/deps/dlv-1.0.tar.gz", good_sha);
    struct deps_install_result res;
    struct bp_error err = {{0}};

    /* 1. The packaged copy, found by the URI's file name. */
    fresh("layer");
    char bp[400];
    snprintf(bp, sizeof bp, "%s/buildpack", root);
    snprintf(path, sizeof path, "%s/dependencies/%s", bp, good_sha);
    assert_int_equal(file_mkdirs(path, NULL), 0);
    snprintf(path, sizeof path, "%s/dependencies/%s/dlv-1.0.tar.gz", bp, good_sha);
    assert_int_equal(link(good_tgz, path), 0);
    const char *const unreachable_mirror[] = {"BP_DEPENDENCY_MIRROR=https://also-unreachable.invalid",
                                              NULL};
    struct deps_fetch_options opt = {.getenv_fn = fixture_getenv,
                                     .getenv_ctx = (void *)unreachable_mirror, .buildpack_dir = bp};
    if (deps_install(&d, &opt, dest, &res, &err) != 0)
        fail_msg("%s", err.message);
    assert_true(res.from_offline_cache);
    assert_string_equal(res.source_used, path);
    /* ... or as the only file there under another name. */
    fresh("layer");
    char renamed[600];
    snprintf(renamed, sizeof renamed, "%s/dependencies/%s/other-name.tgz", bp, good_sha);
    assert_int_equal(rename(path, renamed), 0);
    assert_int_equal(deps_install(&d, &opt, dest, &res, &err), 0);
    assert_true(res.from_offline_cache);
    fresh("buildpack");

    /* 2. A dependency-mapping binding beats the mirror. */
    fresh("layer");
    snprintf(path, sizeof path, "%s/platform/bindings/map", root);
    assert_int_equal(file_mkdirs(path, NULL), 0);
    snprintf(path, sizeof path, "%s/platform/bindings/map/type", root);
    assert_int_equal(file_write_atomic(path, "dependency-mapping", 18, 0644, NULL), 0);
    snprintf(path, sizeof path, "%s/platform/bindings/map/%s", root, good_sha);
    snprintf(uri, sizeof uri, "file://%s\n", good_tgz);
    assert_int_equal(file_write_atomic(path, uri, strlen(uri), 0644, NULL), 0);
    char platform[400];
    snprintf(platform, sizeof platform, "%s/platform", root);
    opt = (struct deps_fetch_options){.getenv_fn = fixture_getenv,
                                      .getenv_ctx = (void *)unreachable_mirror, .platform_dir = platform};
    if (deps_install(&d, &opt, dest, &res, &err) != 0)
        fail_msg("%s", err.message);
    assert_false(res.from_offline_cache);
    assert_string_equal(res.source_used, good_tgz);
    fresh("platform");

    /* 3. A file:// mirror: the original path under the mirror. */
    fresh("layer");
    snprintf(path, sizeof path, "%s/mirror/unreachable.invalid/deps", root);
    assert_int_equal(file_mkdirs(path, NULL), 0);
    snprintf(path, sizeof path, "%s/mirror/unreachable.invalid/deps/dlv-1.0.tar.gz", root);
    assert_int_equal(link(good_tgz, path), 0);
    char mirror_env[600];
    snprintf(mirror_env, sizeof mirror_env, "BP_DEPENDENCY_MIRROR=file://%s/mirror/{originalHost}", root);
    const char *const file_mirror[] = {mirror_env, NULL};
    opt = (struct deps_fetch_options){.getenv_fn = fixture_getenv, .getenv_ctx = (void *)file_mirror};
    if (deps_install(&d, &opt, dest, &res, &err) != 0)
        fail_msg("%s", err.message);
    assert_string_equal(res.source_used, path);
    fresh("mirror");
}

static void test_single_binary(void **state)
{
    (void)state;
    fresh("layer");
    char bin[400], uri[600], dest[400], path[500], sha[65];
    snprintf(bin, sizeof bin, "%s/src/dlv", root);
    assert_int_equal(file_write_atomic(bin, "\177ELF", 4, 0600, NULL), 0);
    struct bp_error err = {{0}};
    assert_int_equal(deps_sha256_file(bin, sha, &err), 0);
    snprintf(uri, sizeof uri, "file://%s", bin);
    snprintf(dest, sizeof dest, "%s/layer/bin", root);
    struct deps_dependency d = dep_for(uri, sha);
    struct deps_fetch_options opt = {.getenv_fn = fixture_getenv};
    if (deps_install(&d, &opt, dest, NULL, &err) != 0)
        fail_msg("%s", err.message);
    snprintf(path, sizeof path, "%s/dlv", dest);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
}

static void test_unreachable_url(void **state)
{
    (void)state;
    fresh("layer");
    char dest[500], parent[400];
    snprintf(parent, sizeof parent, "%s/layer", root);
    snprintf(dest, sizeof dest, "%s/dlv", parent);
    /* Port 1 on loopback refuses: a transient failure, retried twice. */
    struct deps_dependency d = dep_for("http://127.0.0.1:1/dlv-1.0.tar.gz", good_sha);
    struct deps_fetch_options opt = {.getenv_fn = fixture_getenv, .max_attempts = 2,
                                     .retry_delay_ms = 10, .connect_timeout_s = 2};
    struct bp_error err = {{0}};
    struct deps_install_result res;
    assert_int_equal(deps_install(&d, &opt, dest, &res, &err), -1);
    if (strstr(err.message, "downloading http://127.0.0.1:1/dlv-1.0.tar.gz") == NULL ||
        strstr(err.message, "gave up after 2 attempts") == NULL)
        fail_msg("%s", err.message);
    assert_false(file_exists(dest));
    assert_int_equal(others_in(parent, NULL), 0);
    assert_int_equal(res.bytes_downloaded, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_file_uri),
        cmocka_unit_test(test_checksum_mismatch_leaves_nothing),
        cmocka_unit_test(test_extract_failure_leaves_nothing),
        cmocka_unit_test(test_offline_mapping_mirror),
        cmocka_unit_test(test_single_binary),
        cmocka_unit_test(test_unreachable_url),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
