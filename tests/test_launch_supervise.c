/* The supervisor's pure pieces: reading /proc/<pid>/stat (state, parent,
 * a zombie's exit status), wait statuses as exit codes, and dlv's answer
 * once the app has ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "launch/internal.h"
#include "test_qemu.h"

/* A stat line as Linux 6 writes it for a zombie whose comm holds ") (". */
static const char zombie[] =
    "4242 (a) (b c) Z 4200 4242 4200 0 -1 4227084 98 0 0 0 1 0 0 0 20 0 1 0 123 0 0 "
    "18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 768\n";

static void test_stat_zombie(void **state)
{
    (void)state;
    struct launch_proc_stat st;
    assert_int_equal(launch_proc_stat_parse(zombie, &st), 0);
    assert_int_equal(st.state, 'Z');
    assert_int_equal(st.ppid, 4200);
    assert_true(st.has_exit_code);
    assert_true(WIFEXITED(st.exit_code));
    assert_int_equal(WEXITSTATUS(st.exit_code), 3);
    assert_int_equal(launch_exit_code(st.exit_code), 3);
}

static void test_stat_old_kernel_and_garbage(void **state)
{
    (void)state;
    struct launch_proc_stat st;
    /* before Linux 3.5 the line stops early: no exit code */
    assert_int_equal(launch_proc_stat_parse("7 (sh) S 1 7 7 0 -1 4194560\n", &st), 0);
    assert_int_equal(st.state, 'S');
    assert_int_equal(st.ppid, 1);
    assert_false(st.has_exit_code);
    assert_int_equal(launch_proc_stat_parse("7 sh S 1", &st), -1);
    assert_int_equal(launch_proc_stat_parse("7 (sh) S x 1", &st), -1);
    assert_int_equal(launch_proc_stat_parse("7 (sh)", &st), -1);
    assert_int_equal(launch_proc_stat_parse("", &st), -1);
}

static void test_stat_of_this_process(void **state)
{
    (void)state;
    /* qemu-user writes /proc/self/stat itself (linux-user's open_self_stat):
     * pid, comm, ppid and little else, state '0'. */
    SKIP_UNDER_QEMU_USER("its own /proc/self/stat has state '0' (linux-user open_self_stat)");
    char buf[2048];
    FILE *f = fopen("/proc/self/stat", "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    struct launch_proc_stat st;
    assert_int_equal(launch_proc_stat_parse(buf, &st), 0);
    assert_int_equal(st.ppid, (int)getppid());
    assert_int_equal(st.state, 'R');
    assert_true(st.has_exit_code);
    assert_int_equal(st.exit_code, 0);
}

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(launch_exit_code(0), 0);
    assert_int_equal(launch_exit_code(7 << 8), 7);
    assert_int_equal(launch_exit_code(255 << 8), 255);
    assert_int_equal(launch_exit_code(15), 128 + 15); /* killed by SIGTERM */
    assert_int_equal(launch_exit_code(9 | 0x80), 128 + 9); /* SIGKILL, core flag */
}

static void test_dlv_reply(void **state)
{
    (void)state;
    int code = -1;
    assert_int_equal(launch_dlv_exit_status("{\"id\":1,\"result\":null,\"error\":\"Process 2054 "
                                            "has exited with status 3\"}\n",
                                            &code),
                     0);
    assert_int_equal(code, 3);
    assert_int_equal(launch_dlv_exit_status("Process 1 has exited with status 0", &code), 0);
    assert_int_equal(code, 0);
    code = 99;
    /* a signal-killed app: Go reports -1 */
    assert_int_equal(launch_dlv_exit_status("Process 1 has exited with status -1", &code), -1);
    /* still running: a state, no exit */
    assert_int_equal(launch_dlv_exit_status("{\"id\":1,\"result\":{\"State\":{\"Running\":true}},"
                                            "\"error\":null}\n",
                                            &code),
                     -1);
    assert_int_equal(launch_dlv_exit_status("Process 1 has exited with status x", &code), -1);
    assert_int_equal(launch_dlv_exit_status("", &code), -1);
    assert_int_equal(code, 99);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stat_zombie),
        cmocka_unit_test(test_stat_old_kernel_and_garbage),
        cmocka_unit_test(test_stat_of_this_process),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_dlv_reply),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
