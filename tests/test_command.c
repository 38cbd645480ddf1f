/* command: start scripts read down to their one command, quoting. (Shell
 * lines and sh -c argv: test_command_shapes.c.) */
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

#include "command/command.h"

static void assert_words(const struct command_argv *argv, const char *const *want, size_t n)
{
    assert_int_equal(argv->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(argv->items[i], want[i]);
    assert_null(argv->items[n]);
}

static char *write_script(const char *body)
{
    char *path = strdup("/tmp/test_command_script.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, body, strlen(body)), (ssize_t)strlen(body));
    close(fd);
    return path;
}

static void test_unwrap_paketo_npm_start_trampoline(void **state)
{
    (void)state;
    /* What Paketo npm-start writes to <app>/start.sh and runs as `sh start.sh`. */
    char *script = write_script("trap 'kill -TERM $CPID' TERM\n"
                                "trap 'kill -INT $CPID' INT\n"
                                "( node server.js $@ ) &\n"
                                "CPID=\"$!\"\n"
                                "wait $CPID\n"
                                "trap - TERM INT\n"
                                "wait $CPID\n");
    struct command_argv argv = {0};
    command_argv_push(&argv, "sh");
    command_argv_push(&argv, script);
    command_argv_push(&argv, "--verbose");
    assert_int_equal(command_unwrap_script(&argv, NULL), 1);
    const char *want[] = {"node", "server.js", "--verbose"};
    assert_words(&argv, want, 3);
    command_argv_free(&argv);
    unlink(script);
    free(script);
}

/* `sh SCRIPT ARGS` whose SCRIPT holds BODY: what command_unwrap_script
 * makes of it ("a|b" words; NULL: argv left alone, rc 0). */
static const struct {
    const char *body;
    const char *words;
} scripts[] = {
    /* Paketo npm-start's trampoline without the traps; the args follow $@ */
    {"#!/bin/sh\n( node server.js $@ ) &\nwait\n", "node|server.js|--verbose|x y"},
    {"exec node server.js \"$@\"\n", "node|server.js|--verbose|x y"},
    /* no $@: sh drops the args */
    {"node server.js\n", "node|server.js"},
    {"set -e\n  exec python3 'my app.py' # run it\n", "python3|my app.py"},
    {"node \"a \\\"b\\\"\" c\\ d\n", "node|a \"b\"|c d"},
    /* inside double quotes a backslash stays before } (sh and bash agree) */
    {"node \"a\\}b\"\n", "node|a\\}b"},
    /* two commands, a real shell job, or words only launch can expand */
    {"( npm run build && node server.js $@ ) &\nwait\n", NULL},
    {"echo one\necho two\n", NULL},
    {"cd /workspace && node server.js\n", NULL},
    {"node server.js --port $PORT\n", NULL},
    {"node $@ --inspect\n", NULL},
    {"node a.js | tee log\n", NULL},
    {"ls *.js\n", NULL},
    /* a trailing ; ends the one command (the old splitter refused it) */
    {"node server.js;\n", "node|server.js"},
    /* brace expansion makes more words: only sh knows them (the old splitter
     * took {a,b} as one literal word) */
    {"node {a,b}.js\n", NULL},
    /* an assignment is not a command to exec */
    {"PORT=8080 node server.js\n", NULL},
    {"export PORT=8080\n", NULL},
    {"", NULL},
};

static void test_unwrap_script_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof scripts / sizeof *scripts; i++) {
        char *script = write_script(scripts[i].body);
        struct command_argv argv = {0};
        command_argv_push(&argv, "sh");
        command_argv_push(&argv, script);
        command_argv_push(&argv, "--verbose");
        command_argv_push(&argv, "x y");
        struct bp_error err = {{0}};
        int rc = command_unwrap_script(&argv, &err);
        if (rc < 0)
            fail_msg("[%zu] %s: %s", i, scripts[i].body, err.message);
        char *got = NULL;
        for (size_t k = 0; k < argv.len; k++) {
            char *next = NULL;
            assert_true(asprintf(&next, "%s%s%s", got ? got : "", got ? "|" : "", argv.items[k]) > 0);
            free(got);
            got = next;
        }
        if (scripts[i].words == NULL) {
            if (rc != 0 || strcmp(argv.items[0], "sh") != 0 || argv.len != 4)
                fail_msg("[%zu] %s: unwrapped to %s, want it left alone", i, scripts[i].body, got);
        } else if (rc != 1 || strcmp(got, scripts[i].words) != 0) {
            fail_msg("[%zu] %s: rc %d, %s; want %s", i, scripts[i].body, rc, got, scripts[i].words);
        }
        assert_null(argv.items[argv.len]);
        free(got);
        command_argv_free(&argv);
        unlink(script);
        free(script);
    }
    struct command_argv argv = {0};
    command_argv_push(&argv, "sh");
    command_argv_push(&argv, "/nonexistent/start.sh");
    assert_int_equal(command_unwrap_script(&argv, NULL), 0);
    command_argv_free(&argv);
}

/* issue 13: `sh SCRIPT` where SCRIPT is a FIFO must not block the build:
 * the read is refused with a message naming the file. */
static void test_unwrap_script_refuses_fifo(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_command_fifo.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char fifo[64];
    snprintf(fifo, sizeof fifo, "%s/start.sh", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    struct command_argv argv = {0};
    command_argv_push(&argv, "sh");
    command_argv_push(&argv, fifo);
    struct bp_error err = {{0}};
    alarm(5); /* a regression hangs here: fail the test instead */
    assert_int_equal(command_unwrap_script(&argv, &err), -1);
    alarm(0);
    assert_non_null(strstr(err.message, fifo));
    assert_non_null(strstr(err.message, "not a regular file"));
    assert_string_equal(argv.items[0], "sh");
    command_argv_free(&argv);
    unlink(fifo);
    rmdir(dir);
}

static void test_quote_and_join(void **state)
{
    (void)state;
    char *q = command_quote("it's");
    assert_string_equal(q, "'it'\\''s'");
    free(q);
    q = command_quote("--listen=0.0.0.0:56268");
    assert_string_equal(q, "--listen=0.0.0.0:56268");
    free(q);
    q = command_quote("");
    assert_string_equal(q, "''");
    free(q);
    struct command_argv argv = {0};
    command_argv_push(&argv, "python");
    command_argv_push(&argv, "a b.py");
    char *joined = command_join(&argv);
    assert_string_equal(joined, "python 'a b.py'");
    free(joined);
    command_argv_free(&argv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unwrap_paketo_npm_start_trampoline),
        cmocka_unit_test(test_unwrap_script_table),
        cmocka_unit_test(test_unwrap_script_refuses_fifo),
        cmocka_unit_test(test_quote_and_join),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
