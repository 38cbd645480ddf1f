/* Reliability of the common file helpers: reads never block on a FIFO or a
 * device, modes survive a strict umask, trees deeper than PATH_MAX can be
 * removed, and a probe command is killed (with its whole group) at its
 * deadline. Each case hung, lost a mode or leaked before its fix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/fileio.h"
#include "common/log.h"
#include "common/probe.h"
#include "support/fixture.h"

static char dir[256];

static int setup(void **state)
{
    (void)state;
    /* A hang is a failure, not a stuck CI job. */
    alarm(60);
    fixture_tempdir(dir, sizeof dir, "test_common_fileio");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    return file_remove_tree(dir, NULL);
}

/* A FIFO with no writer: a blocking open() never returns. */
static void test_read_fifo_is_refused(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/launch.toml", dir);
    assert_int_equal(mkfifo(path, 0644), 0);
    char *text = (char *)"untouched";
    struct bp_error err = {{0}};
    long long t0 = log_now_ms();
    assert_int_equal(file_read_all(path, 1 << 20, &text, NULL, &err), -1);
    assert_true(log_now_ms() - t0 < 1000);
    assert_null(text);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "not a regular file"));
    assert_null(strchr(err.message, '\n'));
}

static void test_read_device_is_refused(void **state)
{
    (void)state;
    char *text = NULL;
    struct bp_error err = {{0}};
    assert_int_equal(file_read_all("/dev/zero", 1 << 20, &text, NULL, &err), -1);
    assert_non_null(strstr(err.message, "/dev/zero: not a regular file"));
    assert_int_equal(file_read_all(dir, 1 << 20, &text, NULL, &err), -1);
    assert_non_null(strstr(err.message, "is a directory"));
}

static void test_read_regular_still_works(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/ok", dir);
    struct bp_error err = {{0}};
    assert_int_equal(file_write_atomic(path, "abc", 3, 0644, &err), 0);
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(file_read_all(path, 16, &text, &len, &err), 0);
    assert_int_equal(len, 3);
    assert_string_equal(text, "abc");
    free(text);
    /* The descriptor must be back in blocking mode for nothing; it is closed. */
    assert_int_equal(file_read_all(path, 2, &text, &len, &err), -1);
    assert_non_null(strstr(err.message, "larger than 2 bytes"));
}

/* Another uid runs what the layer holds: modes are set, not left to the umask. */
static void test_modes_survive_umask_077(void **state)
{
    (void)state;
    mode_t old = umask(077);
    char path[512];
    struct bp_error err = {{0}};
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    assert_int_equal(file_mkdirs(path, &err), 0);
    struct stat st;
    snprintf(path, sizeof path, "%s/a", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    snprintf(path, sizeof path, "%s/a/b/c", dir);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    snprintf(path, sizeof path, "%s/a/b/c/wrapper", dir);
    assert_int_equal(file_write_atomic(path, "#!/bin/sh\n", 10, 0755, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    snprintf(path, sizeof path, "%s/a/b/c/launch.toml", dir);
    assert_int_equal(file_write_atomic(path, "x", 1, 0644, &err), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    umask(old);
}

/* Builds <dir>/deep with a path of about 3 * PATH_MAX bytes, going down
 * with chdir so no single path passed to the kernel is too long. */
static void make_deep_tree(const char *top)
{
    int saved = open(".", O_RDONLY | O_DIRECTORY);
    assert_true(saved >= 0);
    assert_int_equal(mkdir(top, 0755), 0);
    assert_int_equal(chdir(top), 0);
    char name[201];
    memset(name, 'd', 200);
    name[200] = '\0';
    for (int i = 0; i < 3 * PATH_MAX / 201; i++) {
        assert_int_equal(mkdir(name, 0755), 0);
        assert_int_equal(chdir(name), 0);
        int fd = open("file", O_WRONLY | O_CREAT, 0644);
        assert_true(fd >= 0);
        close(fd);
        if (i % 5 == 0)
            assert_int_equal(symlink("/", "link-to-root"), 0);
    }
    assert_int_equal(fchdir(saved), 0);
    close(saved);
}

/* A copy has the bytes and exactly the mode asked for (under umask 077
 * too: the launch wrapper copied into the layer must stay 0755); a source
 * that is missing or not a regular file is named, and nothing is written. */
static void test_copy_bytes_and_mode(void **state)
{
    (void)state;
    char from[512], to[512], fifo[512];
    snprintf(from, sizeof from, "%s/from", dir);
    snprintf(to, sizeof to, "%s/to", dir);
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    const char data[] = "\x7f" "ELF\0with a NUL";
    assert_int_equal(file_write_atomic(from, data, sizeof data, 0600, NULL), 0);
    mode_t old = umask(077);
    struct bp_error err = {{0}};
    int rc = file_copy(from, to, 1024, 0755, &err);
    umask(old);
    if (rc != 0)
        fail_msg("%s", err.message);
    struct stat st;
    assert_int_equal(stat(to, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
    char *copy = NULL;
    size_t len = 0;
    assert_int_equal(file_read_all(to, 1024, &copy, &len, NULL), 0);
    assert_int_equal(len, sizeof data);
    assert_memory_equal(copy, data, sizeof data);
    free(copy);

    assert_int_equal(unlink(to), 0);
    assert_int_equal(file_copy(fifo, to, 1024, 0644, &err), -1);
    assert_non_null(strstr(err.message, fifo));
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(file_copy(fifo, to, 1024, 0644, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
    assert_int_equal(file_copy(from, to, 4, 0644, &err), -1); /* larger than max_bytes */
    assert_int_equal(access(to, F_OK), -1);
}

static void test_remove_tree_deeper_than_path_max(void **state)
{
    (void)state;
    char top[512];
    snprintf(top, sizeof top, "%s/debug-tools.old.12345", dir);
    make_deep_tree(top);
    struct bp_error err = {{0}};
    assert_int_equal(file_remove_tree(top, &err), 0);
    assert_false(file_exists(top));
    /* A missing tree is fine, a file is removed too. */
    assert_int_equal(file_remove_tree(top, &err), 0);
    char f[512];
    snprintf(f, sizeof f, "%s/plain", dir);
    assert_int_equal(file_write_atomic(f, "x", 1, 0644, &err), 0);
    assert_int_equal(file_remove_tree(f, &err), 0);
    assert_false(file_exists(f));
}

/* Depth costs no descriptors: 400 levels go with only 32 fds allowed (an
 * archive can nest 2048 levels within PATH_MAX; soft limits of 1024 are common). */
static void test_remove_tree_deep_with_few_fds(void **state)
{
    (void)state;
    char top[512];
    snprintf(top, sizeof top, "%s/deep", dir);
    assert_int_equal(mkdir(top, 0755), 0);
    int fd = open(top, O_RDONLY | O_DIRECTORY);
    for (int i = 0; fd >= 0 && i < 400; i++) {
        int f = openat(fd, "file", O_WRONLY | O_CREAT, 0644);
        assert_true(f >= 0);
        close(f);
        assert_int_equal(mkdirat(fd, "a", 0755), 0);
        if (i % 3 == 0)
            assert_int_equal(mkdirat(fd, "b", 0755), 0);
        int next = openat(fd, "a", O_RDONLY | O_DIRECTORY);
        close(fd);
        fd = next;
    }
    assert_true(fd >= 0);
    close(fd);
    struct rlimit old, few = {32, 0};
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    few.rlim_max = old.rlim_max;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &few), 0);
    struct bp_error err = {{0}};
    int rc = file_remove_tree(top, &err);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
    if (rc != 0)
        fail_msg("%s", err.message);
    assert_false(file_exists(top));
}

/* Symlinks are removed, never followed. */
static void test_remove_tree_keeps_link_targets(void **state)
{
    (void)state;
    char keep[512], tree[512], link[600], inside[600];
    snprintf(keep, sizeof keep, "%s/keep", dir);
    snprintf(tree, sizeof tree, "%s/tree", dir);
    assert_int_equal(mkdir(keep, 0755), 0);
    snprintf(inside, sizeof inside, "%s/precious", keep);
    struct bp_error err = {{0}};
    assert_int_equal(file_write_atomic(inside, "x", 1, 0644, &err), 0);
    assert_int_equal(mkdir(tree, 0755), 0);
    snprintf(link, sizeof link, "%s/link", tree);
    assert_int_equal(symlink(keep, link), 0);
    assert_int_equal(file_remove_tree(tree, &err), 0);
    assert_false(file_exists(tree));
    assert_true(file_exists(inside));
}

static void test_probe_captures_output(void **state)
{
    (void)state;
    char *const argv[] = {"/bin/sh", "-c", "echo out; echo err >&2; exit 3", NULL};
    struct probe_output res;
    struct bp_error err = {{0}};
    assert_int_equal(common_run_probe(argv, NULL, 5000, &res, &err), 0);
    assert_string_equal(res.out, "out\n");
    assert_string_equal(res.err_text, "err\n");
    assert_int_equal(res.exit_code, 3);
    common_probe_output_free(&res);

    char *const env[] = {"PROBE_X=42", NULL};
    char *const argv2[] = {"/bin/sh", "-c", "printf %s \"$PROBE_X\"", NULL};
    assert_int_equal(common_run_probe(argv2, env, 5000, &res, &err), 0);
    assert_string_equal(res.out, "42");
    assert_int_equal(res.exit_code, 0);
    common_probe_output_free(&res);
}

static void test_probe_missing_command(void **state)
{
    (void)state;
    char *const argv[] = {"/nonexistent/python3", "--version", NULL};
    struct probe_output res;
    struct bp_error err = {{0}};
    assert_int_equal(common_run_probe(argv, NULL, 5000, &res, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/python3"));
    assert_non_null(strstr(err.message, "No such file"));
}

/* Dead: no such process, or a zombie waiting for whoever reaps orphans here. */
static bool gone(pid_t pid)
{
    for (int i = 0; i < 100; i++) {
        char path[64], stat_text[256] = "";
        snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
        FILE *f = fopen(path, "r");
        if (f == NULL)
            return true;
        size_t n = fread(stat_text, 1, sizeof stat_text - 1, f);
        fclose(f);
        stat_text[n] = '\0';
        const char *close_paren = strrchr(stat_text, ')');
        if (close_paren != NULL && (close_paren[2] == 'Z' || close_paren[2] == 'X'))
            return true;
        usleep(10000);
    }
    return false;
}

/* A command that never exits, and a grandchild that keeps stdout open after
 * its parent exits: both are killed at the deadline, as a group. */
static void test_probe_deadline_kills_group(void **state)
{
    (void)state;
    char pidfile[512];
    snprintf(pidfile, sizeof pidfile, "%s/grandchild.pid", dir);
    char script[1024];
    snprintf(script, sizeof script, "sleep 100 & echo $! > %s; echo started; sleep 100", pidfile);
    char *const argv[] = {"/bin/sh", "-c", script, NULL};
    struct probe_output res;
    struct bp_error err = {{0}};
    long long t0 = log_now_ms();
    assert_int_equal(common_run_probe(argv, NULL, 300, &res, &err), -1);
    long long took = log_now_ms() - t0;
    assert_true(took >= 300);
    assert_true(took < 2000);
    assert_non_null(strstr(err.message, "/bin/sh"));
    assert_non_null(strstr(err.message, "did not finish within 300 ms"));
    char *text = NULL;
    assert_int_equal(file_read_all(pidfile, 64, &text, NULL, &err), 0);
    pid_t grandchild = (pid_t)atol(text);
    free(text);
    assert_true(grandchild > 0);
    assert_true(gone(grandchild));

    /* The parent exits at once, a background child holds the pipe. */
    snprintf(script, sizeof script, "(sleep 100 > /dev/null 2>&1 &) ; sleep 100 & echo $! > %s; echo 3.11.7",
             pidfile);
    char *const argv2[] = {"/bin/sh", "-c", script, NULL};
    t0 = log_now_ms();
    assert_int_equal(common_run_probe(argv2, NULL, 5000, &res, &err), 0);
    assert_true(log_now_ms() - t0 < 2000);
    assert_string_equal(res.out, "3.11.7\n");
    common_probe_output_free(&res);
}

static void test_probe_output_is_bounded(void **state)
{
    (void)state;
    char *const argv[] = {"/bin/sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x", NULL};
    struct probe_output res;
    struct bp_error err = {{0}};
    assert_int_equal(common_run_probe(argv, NULL, 10000, &res, &err), 0);
    assert_int_equal(res.out_len, PROBE_OUTPUT_MAX);
    assert_int_equal(strlen(res.out), PROBE_OUTPUT_MAX);
    assert_int_equal(res.exit_code, 0);
    common_probe_output_free(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_fifo_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_device_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_regular_still_works, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes_survive_umask_077, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_bytes_and_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_tree_deeper_than_path_max, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_tree_keeps_link_targets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_tree_deep_with_few_fds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_captures_output, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_missing_command, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_deadline_kills_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_probe_output_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
