/* deps extraction on archives crafted here with libarchive's writer: normal
 * tools, strip-components, and every way out of the destination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "common/fileio.h"
#include "deps/internal.h"
#include "support/fixture.h"

static char root[256];
static char dest[300];

struct item {
    const char *name;
    mode_t type; /* AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFIFO, AE_IFCHR; 0 = hard link */
    unsigned perm;
    const char *target;  /* symlink or hard link target */
    const char *content; /* regular files */
    size_t zeros;        /* or this many zero bytes */
};

enum fmt { TAR_GZ, TAR_XZ, ZIP };

static void make_archive(const char *path, enum fmt fmt, const struct item *items, size_t n)
{
    struct archive *a = archive_write_new();
    assert_non_null(a);
    if (fmt == ZIP) {
        assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    } else {
        assert_int_equal(archive_write_set_format_pax_restricted(a), ARCHIVE_OK);
        if (fmt == TAR_GZ)
            assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
        else
            assert_int_equal(archive_write_add_filter_xz(a), ARCHIVE_OK);
    }
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    char *zeros = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct item *it = &items[i];
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, it->name);
        archive_entry_set_perm(e, it->perm ? it->perm : 0644);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (it->type == 0) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, it->target);
            archive_entry_set_size(e, 0);
        } else {
            archive_entry_set_filetype(e, it->type);
            if (it->type == AE_IFLNK)
                archive_entry_set_symlink(e, it->target);
            if (it->type == AE_IFCHR)
                archive_entry_set_rdev(e, makedev(1, 3));
            size_t size = it->content ? strlen(it->content) : it->zeros;
            archive_entry_set_size(e, it->type == AE_IFREG ? (la_int64_t)size : 0);
        }
        assert_true(archive_write_header(a, e) >= ARCHIVE_WARN);
        if (it->type == AE_IFREG && it->content)
            assert_int_equal(archive_write_data(a, it->content, strlen(it->content)),
                             (la_ssize_t)strlen(it->content));
        if (it->type == AE_IFREG && it->zeros) {
            free(zeros);
            zeros = calloc(1, it->zeros);
            assert_non_null(zeros);
            assert_int_equal(archive_write_data(a, zeros, it->zeros), (la_ssize_t)it->zeros);
        }
        archive_entry_free(e);
    }
    free(zeros);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static int setup(void **state)
{
    (void)state;
    fixture_tempdir(root, sizeof root, "test_deps_extract");
    /* Deep enough that "../../x" from dest stays inside root. */
    snprintf(dest, sizeof dest, "%s/a/b/dest", root);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(root, NULL);
}

static int fresh_dest(void)
{
    if (file_remove_tree(root, NULL) != 0 || mkdir(root, 0700) != 0)
        return -1;
    return file_mkdirs(dest, NULL);
}

static int extract(const char *archive, enum deps_archive_kind kind, int strip,
                   unsigned long long max, struct bp_error *err)
{
    return deps_extract_archive(archive, kind, "https://example.test/t.tgz", dest, strip, max, NULL,
                                err);
}

static char *at(const char *rel)
{
    static char buf[600];
    snprintf(buf, sizeof buf, "%s/%s", dest, rel);
    return buf;
}

static void test_good_tar(void **state)
{
    (void)state;
    assert_int_equal(fresh_dest(), 0);
    char archive[400];
    snprintf(archive, sizeof archive, "%s/good.tar.gz", root);
    const struct item items[] = {
        {"pkg/", AE_IFDIR, 0755, NULL, NULL, 0},
        {"./pkg/bin/dlv", AE_IFREG, 04755, NULL, "#!binary\n", 0},
        {"pkg/LICENSE", AE_IFREG, 0600, NULL, "MIT\n", 0},
        {"pkg/bin/dlv-link", AE_IFLNK, 0777, "dlv", NULL, 0},
        {"pkg/lib/up", AE_IFLNK, 0777, "../bin/dlv", NULL, 0},
        {"pkg/bin/dlv2", 0, 0755, "pkg/bin/dlv", NULL, 0},
    };
    make_archive(archive, TAR_GZ, items, sizeof items / sizeof *items);
    struct bp_error err = {{0}};
    unsigned long long written = 0;
    if (deps_extract_archive(archive, DEPS_ARCHIVE_TAR, "t", dest, 1, 1 << 20, &written, &err) != 0)
        fail_msg("%s", err.message);
    assert_int_equal(written, strlen("#!binary\n") + strlen("MIT\n"));
    struct stat st;
    assert_int_equal(stat(at("bin/dlv"), &st), 0);
    /* exec bits kept, setuid dropped. */
    assert_int_equal(st.st_mode & 07777, 0755);
    assert_int_equal(stat(at("LICENSE"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644); /* made readable for the app's user */
    assert_int_equal(st.st_mtime, 1700000000);
    char link[64] = {0};
    assert_int_equal(readlink(at("bin/dlv-link"), link, sizeof link - 1), 3);
    assert_string_equal(link, "dlv");
    struct stat a, b;
    assert_int_equal(stat(at("lib/up"), &a), 0);
    assert_int_equal(stat(at("bin/dlv2"), &b), 0);
    assert_int_equal(a.st_ino, b.st_ino);
    assert_false(file_exists(at("pkg")));
}

static void test_xz_and_zip(void **state)
{
    (void)state;
    char archive[400];
    const struct item items[] = {
        {"debugpy/__init__.py", AE_IFREG, 0644, NULL, "x = 1\n", 0},
        {"debugpy/adapter/run", AE_IFREG, 0755, NULL, "#!/bin/sh\n", 0},
    };
    for (int f = TAR_XZ; f <= ZIP; f++) {
        assert_int_equal(fresh_dest(), 0);
        snprintf(archive, sizeof archive, "%s/good.%s", root, f == ZIP ? "whl" : "tar.xz");
        make_archive(archive, f, items, 2);
        assert_int_equal(deps_archive_kind_of(archive), f == ZIP ? DEPS_ARCHIVE_ZIP : DEPS_ARCHIVE_TAR);
        struct bp_error err = {{0}};
        if (extract(archive, deps_archive_kind_of(archive), 0, 1 << 20, &err) != 0)
            fail_msg("%s", err.message);
        struct stat st;
        assert_int_equal(stat(at("debugpy/__init__.py"), &st), 0);
        assert_int_equal(st.st_size, 6);
        assert_int_equal(stat(at("debugpy/adapter/run"), &st), 0);
        assert_true(st.st_mode & 0100);
    }
}

/* Builds an archive of items, extracts it, and expects an error naming
 * entry_named; outside (relative to root) must not exist afterwards. */
static void expect_refused(enum fmt fmt, const struct item *items, size_t n, const char *entry_named,
                           const char *why, const char *outside)
{
    assert_int_equal(fresh_dest(), 0);
    char archive[400];
    snprintf(archive, sizeof archive, "%s/bad.%s", root, fmt == ZIP ? "zip" : "tar.gz");
    make_archive(archive, fmt, items, n);
    struct bp_error err = {{0}};
    int rc = extract(archive, fmt == ZIP ? DEPS_ARCHIVE_ZIP : DEPS_ARCHIVE_TAR, 0, 1 << 20, &err);
    if (rc == 0)
        fail_msg("accepted an archive with %s", entry_named);
    char want[300];
    snprintf(want, sizeof want, "extracting https://example.test/t.tgz: entry \"%s\"", entry_named);
    if (strstr(err.message, want) == NULL || strstr(err.message, why) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.message, want, why);
    if (outside != NULL) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", root, outside);
        assert_false(file_exists(path));
    }
}

static void test_traversal(void **state)
{
    (void)state;
    const struct item dotdot[] = {{"ok.txt", AE_IFREG, 0, NULL, "ok", 0},
                                  {"../../etc/passwd", AE_IFREG, 0, NULL, "root::0:0\n", 0}};
    expect_refused(TAR_GZ, dotdot, 2, "../../etc/passwd", "leaves the destination", "a/etc/passwd");
    expect_refused(ZIP, dotdot, 2, "../../etc/passwd", "leaves the destination", "a/etc/passwd");
    const struct item inner[] = {{"x/../../../b/evil", AE_IFREG, 0, NULL, "e", 0}};
    expect_refused(TAR_GZ, inner, 1, "x/../../../b/evil", "leaves the destination", "a/b/evil");
    const struct item absolute[] = {{"/tmp/deps-abs-evil", AE_IFREG, 0, NULL, "e", 0}};
    expect_refused(TAR_GZ, absolute, 1, "/tmp/deps-abs-evil", "an absolute path leaves the destination", NULL);
    assert_false(file_exists("/tmp/deps-abs-evil"));
}

static void test_symlinks(void **state)
{
    (void)state;
    const struct item abs[] = {{"etc", AE_IFLNK, 0777, "/etc", NULL, 0}};
    expect_refused(TAR_GZ, abs, 1, "etc", "symlink to \"/etc\" leaves the destination", NULL);
    const struct item up[] = {{"d/evil", AE_IFLNK, 0777, "../../x", NULL, 0}};
    expect_refused(TAR_GZ, up, 1, "d/evil", "symlink to \"../../x\"", NULL);
    /* Each link looks harmless alone; together "b" would be dest/.. */
    const struct item chain[] = {{"a", AE_IFLNK, 0777, ".", NULL, 0},
                                 {"b", AE_IFLNK, 0777, "a/..", NULL, 0}};
    expect_refused(TAR_GZ, chain, 2, "b", "symlink to \"a/..\"", NULL);
    /* A link to a directory inside, then a file written through it. */
    const struct item through[] = {{"lnk", AE_IFLNK, 0777, "..", NULL, 0}};
    expect_refused(TAR_GZ, through, 1, "lnk", "leaves the destination", NULL);
    const struct item via[] = {{"sub/", AE_IFDIR, 0755, NULL, NULL, 0},
                               {"lnk", AE_IFLNK, 0777, "sub", NULL, 0},
                               {"lnk/file", AE_IFREG, 0, NULL, "x", 0}};
    expect_refused(TAR_GZ, via, 3, "lnk/file", "would write through the symlink \"lnk\"", NULL);
    const struct item over[] = {{"lnk", AE_IFLNK, 0777, "target", NULL, 0},
                                {"lnk", AE_IFREG, 0, NULL, "x", 0}};
    expect_refused(TAR_GZ, over, 2, "lnk", "would replace the symlink", NULL);
}

static void test_links_and_specials(void **state)
{
    (void)state;
    const struct item hard[] = {{"h", 0, 0644, "../../outside", NULL, 0}};
    expect_refused(TAR_GZ, hard, 1, "h", "hard link target leaves the destination", NULL);
    const struct item hard_missing[] = {{"h", 0, 0644, "nothing-here", NULL, 0}};
    expect_refused(TAR_GZ, hard_missing, 1, "h", "not an extracted file", NULL);
    const struct item fifo[] = {{"pipe", AE_IFIFO, 0644, NULL, NULL, 0}};
    expect_refused(TAR_GZ, fifo, 1, "pipe", "device, fifo or socket", "a/b/dest/pipe");
    const struct item dev[] = {{"null", AE_IFCHR, 0666, NULL, NULL, 0}};
    expect_refused(TAR_GZ, dev, 1, "null", "device, fifo or socket", "a/b/dest/null");
}

static void test_size_cap(void **state)
{
    (void)state;
    /* 8 MiB of zeros compress to a few KiB: a small zip bomb. */
    const struct item bomb[] = {{"small", AE_IFREG, 0, NULL, "abc", 0},
                                {"bomb.bin", AE_IFREG, 0, NULL, NULL, 8u << 20}};
    for (int f = TAR_GZ; f <= ZIP; f += ZIP - TAR_GZ) {
        assert_int_equal(fresh_dest(), 0);
        char archive[400];
        snprintf(archive, sizeof archive, "%s/bomb.%s", root, f == ZIP ? "zip" : "tar.gz");
        make_archive(archive, f, bomb, 2);
        struct stat st;
        assert_int_equal(stat(archive, &st), 0);
        assert_true(st.st_size < 200 * 1024);
        struct bp_error err = {{0}};
        unsigned long long written = 0;
        assert_int_equal(deps_extract_archive(archive, f == ZIP ? DEPS_ARCHIVE_ZIP : DEPS_ARCHIVE_TAR,
                                              "L", dest, 0, 1 << 20, &written, &err),
                         -1);
        assert_non_null(strstr(err.message, "entry \"bomb.bin\": extraction exceeds the 1048576-byte limit"));
        assert_true(written > (1u << 20));
        assert_true(written < (2u << 20)); /* stopped early, not after 8 MiB */
        /* The partial file is gone; what came before stays for the caller
         * (deps_install) to remove with the staging dir. */
        assert_false(file_exists(at("bomb.bin")));
        assert_true(file_exists(at("small")));
    }
}

static void test_corrupt_and_strip(void **state)
{
    (void)state;
    assert_int_equal(fresh_dest(), 0);
    char archive[400];
    snprintf(archive, sizeof archive, "%s/junk.tar.gz", root);
    assert_int_equal(file_write_atomic(archive, "this is not gzip", 16, 0644, NULL), 0);
    struct bp_error err = {{0}};
    assert_int_equal(extract(archive, DEPS_ARCHIVE_TAR, 0, 1 << 20, &err), -1);
    assert_non_null(strstr(err.message, "extracting https://example.test/t.tgz"));
    assert_int_equal(extract("/nonexistent.tgz", DEPS_ARCHIVE_TAR, 0, 1 << 20, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent.tgz"));

    /* strip-components 2 drops a/b/ and entries shallower than that. */
    const struct item items[] = {{"top.txt", AE_IFREG, 0, NULL, "t", 0},
                                 {"a/b/c/file", AE_IFREG, 0, NULL, "f", 0}};
    snprintf(archive, sizeof archive, "%s/strip.tar.gz", root);
    make_archive(archive, TAR_GZ, items, 2);
    assert_int_equal(extract(archive, DEPS_ARCHIVE_TAR, 2, 1 << 20, &err), 0);
    assert_true(file_exists(at("c/file")));
    assert_false(file_exists(at("top.txt")));
}

static void test_single_file_and_kinds(void **state)
{
    (void)state;
    assert_int_equal(fresh_dest(), 0);
    char src[400];
    snprintf(src, sizeof src, "%s/tool", root);
    assert_int_equal(file_write_atomic(src, "ELF....", 7, 0600, NULL), 0);
    struct bp_error err = {{0}};
    assert_int_equal(deps_install_single_file(src, dest, "dlv", 1 << 20, &err), 0);
    struct stat st;
    assert_int_equal(stat(at("dlv"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0755);
    assert_int_equal(st.st_size, 7);
    /* Exists already; bad names; over the cap (and nothing left). */
    assert_int_equal(deps_install_single_file(src, dest, "dlv", 1 << 20, &err), -1);
    assert_int_equal(deps_install_single_file(src, dest, "../x", 1 << 20, &err), -1);
    assert_int_equal(deps_install_single_file(src, dest, "big", 3, &err), -1);
    assert_non_null(strstr(err.message, "larger than the 3-byte limit"));
    assert_false(file_exists(at("big")));

    assert_int_equal(deps_archive_kind_of("https://x/a.tar.gz?token=1"), DEPS_ARCHIVE_TAR);
    assert_int_equal(deps_archive_kind_of("https://x/a.TGZ"), DEPS_ARCHIVE_TAR);
    assert_int_equal(deps_archive_kind_of("https://x/a.tar.zst"), DEPS_ARCHIVE_TAR);
    assert_int_equal(deps_archive_kind_of("https://x/debugpy-1.8.22-py2.py3-none-any.whl"), DEPS_ARCHIVE_ZIP);
    assert_int_equal(deps_archive_kind_of("https://x/dlv"), DEPS_ARCHIVE_NONE);
    assert_int_equal(deps_archive_kind_of("https://x/app.jar"), DEPS_ARCHIVE_NONE);
    assert_int_equal(deps_archive_kind_of("https://x/a.gz"), DEPS_ARCHIVE_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_tar),
        cmocka_unit_test(test_xz_and_zip),
        cmocka_unit_test(test_traversal),
        cmocka_unit_test(test_symlinks),
        cmocka_unit_test(test_links_and_specials),
        cmocka_unit_test(test_size_cap),
        cmocka_unit_test(test_corrupt_and_strip),
        cmocka_unit_test(test_single_file_and_kinds),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
