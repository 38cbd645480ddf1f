/* debugger: the contract both build and launch use. Every debugger's argv
 * round-trips (what format writes, read understands), every listen form is
 * read, and the value parsers give one answer for build and launch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "debugger/debugger.h"

static void test_table(void **state)
{
    (void)state;
    const struct {
        enum debugger_id id;
        const char *protocol;
        int port;
    } want[] = {{DEBUGGER_DLV, "dlv", 56268},     {DEBUGGER_DEBUGPY, "dap", 5678},
                {DEBUGGER_PTVSD, "dap", 5678},    {DEBUGGER_NODE, "devtools", 9229},
                {DEBUGGER_JDWP, "jdwp", 5005},    {DEBUGGER_VSDBG, NULL, 0}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const struct debugger *d = debugger_get(want[i].id);
        assert_non_null(d->name);
        if (want[i].protocol == NULL)
            assert_null(d->protocol);
        else
            assert_string_equal(d->protocol, want[i].protocol);
        assert_int_equal(d->default_port, want[i].port);
    }
}

static void test_values(void **state)
{
    (void)state;
    bool b = false;
    assert_int_equal(debugger_parse_bool("\vtrue", &b), 0);
    assert_true(b);
    assert_int_equal(debugger_parse_bool(" Off\r\n", &b), 0);
    assert_false(b);
    assert_int_equal(debugger_parse_bool("2", &b), -1);
    assert_int_equal(debugger_parse_bool("", &b), -1);

    int port = 0;
    assert_int_equal(debugger_parse_port("65535", &port), 0);
    assert_int_equal(port, 65535);
    assert_int_equal(debugger_parse_port("0008080", &port), 0);
    assert_int_equal(port, 8080);
    const char *bad_ports[] = {"0", "65536", "70000", "5555555555", "-1", "+80", " 80", "80 ", "", "8o"};
    for (size_t i = 0; i < sizeof bad_ports / sizeof *bad_ports; i++)
        assert_int_equal(debugger_parse_port(bad_ports[i], &port), -1);

    char bind[DEBUGGER_HOST_MAX];
    const char *ok[][2] = {{"", "0.0.0.0"},     {"*", "0.0.0.0"},  {"[::1]", "::1"},
                           {"::", "::"},        {"10.1.2.3", "10.1.2.3"}, {"my-host.local", "my-host.local"}};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        assert_int_equal(debugger_parse_bind(ok[i][0], bind, sizeof bind), 0);
        assert_string_equal(bind, ok[i][1]);
    }
    const char *bad[] = {"10.0.0", "300.1.1.1", "[10.0.0.1]", "-host", ".host", "a b", "0.0.0.0:5005", "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(debugger_parse_bind(bad[i], bind, sizeof bind), -1);
}

/* format's words, read back: the port and suspend they were made from. */
static void test_format_reads_back(void **state)
{
    (void)state;
    const struct {
        enum debugger_id id;
        const char *head[3]; /* words before the debugger's own */
        const char *tail;    /* a word after them */
    } cases[] = {
        {DEBUGGER_DLV, {"dlv", "exec", NULL}, "/app"},
        {DEBUGGER_DEBUGPY, {"python3", NULL}, "app.py"},
        {DEBUGGER_PTVSD, {"python3", NULL}, "app.py"},
        {DEBUGGER_NODE, {"node", NULL}, "server.js"},
        {DEBUGGER_JDWP, {"java", NULL}, "Main"},
    };
    const char *hosts[] = {"0.0.0.0", "::", "127.0.0.1"};
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        for (int suspend = 0; suspend <= 1; suspend++) {
            for (size_t h = 0; h < 3; h++) {
                if (cases[c].id == DEBUGGER_DEBUGPY && strchr(hosts[h], ':'))
                    continue; /* debugpy cannot listen on IPv6 */
                struct command_argv argv = {0};
                for (size_t i = 0; cases[c].head[i]; i++)
                    command_argv_push(&argv, cases[c].head[i]);
                struct debugger_listen l = {.host = hosts[h], .port = 4000 + (int)c, .suspend = suspend};
                debugger_format(cases[c].id, &l, &argv);
                command_argv_push(&argv, cases[c].tail);
                struct debugger_view view;
                assert_int_equal(debugger_read(cases[c].id, (int)argv.len, argv.items, &view), 1);
                if (view.port != l.port || view.waits != (bool)suspend)
                    fail_msg("%s host %s suspend %d: read port %d waits %d",
                             debugger_get(cases[c].id)->name, hosts[h], suspend, view.port, view.waits);
                command_argv_free(&argv);
            }
        }
    }
}

static void test_dlv_forms(void **state)
{
    (void)state;
    char *argv[] = {"dlv", "exec", "--wd", "/w", "-l", "[::1]:7000", "--continue=false", "/app",
                    "x", "--", "--listen=:1", NULL};
    struct debugger_dlv_argv d;
    debugger_dlv_scan(11, argv, 2, &d);
    assert_int_equal(d.program, 7);
    assert_int_equal(d.dashdash, 9);
    assert_int_equal(d.listen, 4);
    assert_true(d.listen_separate);
    assert_string_equal(d.listen_value, "[::1]:7000");
    assert_true(d.has_continue);
    assert_false(d.continues);
    struct debugger_view view;
    assert_int_equal(debugger_read(DEBUGGER_DLV, 11, argv, &view), 1);
    assert_int_equal(view.port, 7000);
    assert_true(view.waits);
}

static void test_reads_what_is_not_there(void **state)
{
    (void)state;
    struct debugger_view view;
    char *py[] = {"python3", "app.py", "-m", "debugpy", NULL};
    assert_int_equal(debugger_read(DEBUGGER_DEBUGPY, 4, py, &view), 0);
    char *node[] = {"node", "server.js", "--inspect", NULL};
    assert_int_equal(debugger_read(DEBUGGER_NODE, 3, node, &view), 0);
    char *java[] = {"java", "-jar", "app.jar", NULL};
    assert_int_equal(debugger_read(DEBUGGER_JDWP, 3, java, &view), 0);
    char *bare[] = {"node", "--inspect", "server.js", NULL};
    assert_int_equal(debugger_read(DEBUGGER_NODE, 3, bare, &view), 1);
    assert_int_equal(view.port, 9229);
    assert_false(view.waits);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_format_reads_back),
        cmocka_unit_test(test_dlv_forms),
        cmocka_unit_test(test_reads_what_is_not_there),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
