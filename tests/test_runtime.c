/* runtime: recognising each runtime from real files and planning the
 * debug command, including shell unwrapping and already-debug commands. */
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

#include "common/fileio.h"
#include "support/fixture.h"
#include "runtime/runtime.h"

static char dir[256];
static char go_binary[512];
static char python[512];

static int group_setup(void **state)
{
    (void)state;
    fixture_tempdir(dir, sizeof dir, "test_runtime");
    /* A real Go binary: recognition reads its build info. */
    snprintf(go_binary, sizeof go_binary, "%s/app", dir);
    fixture_go_app(dir, go_binary);
    /* The machine's real python3 (the version is asked from it). */
    const char *candidates[] = {"/usr/bin/python3", "/usr/local/bin/python3"};
    for (size_t i = 0; i < 2 && python[0] == '\0'; i++)
        if (access(candidates[i], X_OK) == 0)
            snprintf(python, sizeof python, "%s", candidates[i]);
    /* A console script whose #! is that python. */
    char script[600];
    snprintf(script, sizeof script, "%s/gunicorn", dir);
    char body[1024];
    snprintf(body, sizeof body, "#!%s\nimport sys\nprint(sys.argv)\n", python);
    if (file_write_atomic(script, body, strlen(body), 0755, NULL) != 0)
        return -1;
    /* A .NET-shaped app: App.dll with App.runtimeconfig.json and an apphost. */
    snprintf(script, sizeof script, "%s/App.dll", dir);
    file_write_atomic(script, "MZ", 2, 0644, NULL);
    snprintf(script, sizeof script, "%s/App", dir);
    file_write_atomic(script, "\x7f" "ELF", 4, 0755, NULL);
    snprintf(script, sizeof script, "%s/App.runtimeconfig.json", dir);
    file_write_atomic(script, "{}", 2, 0644, NULL);
    return python[0] ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return file_remove_tree(dir, NULL);
}

static struct runtime_context context(void)
{
    static char layer[300];
    snprintf(layer, sizeof layer, "/layers/cnbdebug_debug/debug-tools");
    return (struct runtime_context){.app_dir = dir, .layer_dir = layer, .path_env = "/usr/bin:/bin",
                                    .bind = "0.0.0.0", .port = 0, .suspend = false};
}

/* Plans a process given as argv words (API >= 0.9 command array). */
static int plan_words(const char *const *words, size_t n, size_t args, struct runtime_context *ctx,
                      struct runtime_plan *plan, char *why, size_t why_len)
{
    struct cnb_process p = {0};
    p.type = "web";
    p.source = "launch.toml";
    p.is_default = true;
    for (size_t i = 0; i < n; i++)
        command_argv_push(i < n - args ? &p.command : &p.args, words[i]);
    struct runtime_process rp;
    struct bp_error err = {{0}};
    int rc = runtime_process_init(&rp, &p, ctx, &err);
    if (rc == 0)
        rc = runtime_plan_process(&rp, ctx, plan, why, why_len, &err);
    if (rc < 0)
        print_message("error: %s\n", err.message);
    runtime_process_free(&rp);
    command_argv_free(&p.command);
    command_argv_free(&p.args);
    return rc;
}

static void assert_argv(const struct command_argv *argv, const char *const *want, size_t n)
{
    for (size_t i = 0; i < argv->len && i < n; i++)
        assert_string_equal(argv->items[i], want[i]);
    assert_int_equal(argv->len, n);
}

static void test_go_binary_runs_under_dlv(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {go_binary, "--port", "8080"};
    assert_int_equal(plan_words(words, 3, 2, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_GO);
    assert_true(plan.rewritten);
    assert_int_equal(plan.needs, NEED_DLV);
    assert_string_equal(plan.protocol, "dlv");
    assert_int_equal(plan.port, 56268);
    assert_non_null(plan.runtime_version);
    assert_true(strncmp(plan.runtime_version, "go1.", 4) == 0);
    const char *cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/dlv", "exec", "--headless", "--continue",
                         "--accept-multiclient", "--api-version=2", "--only-same-user=false",
                         "--listen=0.0.0.0:56268", go_binary, "--"};
    assert_argv(&plan.command, cmd, 10);
    const char *args[] = {"--port", "8080"}; /* still overridable at launch */
    assert_argv(&plan.args, args, 2);
    assert_string_equal(plan.links[0].name, "dlv");
    runtime_plan_free(&plan);
}

static bool no_dlv_fits(const char *go_version, void *data)
{
    (void)data;
    assert_non_null(go_version);
    return false;
}

/* A Go no dlv in the catalog supports: the plan writes the fallback flag
 * through the dlv descriptor, before --listen=, where dlv reads its flags. */
static void test_go_without_fitting_dlv_skips_version_check(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.dlv_supports = no_dlv_fits;
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {go_binary};
    assert_int_equal(plan_words(words, 1, 0, &ctx, &plan, why, sizeof why), 1);
    const char *cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/dlv", "exec", "--headless", "--continue",
                         "--accept-multiclient", "--api-version=2", "--only-same-user=false",
                         "--check-go-version=false", "--listen=0.0.0.0:56268", go_binary, "--"};
    assert_argv(&plan.command, cmd, 11);
    runtime_plan_free(&plan);
}

static void test_go_suspend_port_and_ipv6_bind(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.suspend = true;
    ctx.port = 4000;
    ctx.bind = "::";
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {go_binary};
    assert_int_equal(plan_words(words, 1, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.wait);
    for (size_t i = 0; i < plan.command.len; i++)
        assert_string_not_equal(plan.command.items[i], "--continue");
    bool found = false;
    for (size_t i = 0; i < plan.command.len; i++)
        found |= strcmp(plan.command.items[i], "--listen=[::]:4000") == 0;
    assert_true(found);
    runtime_plan_free(&plan);
}

static void test_per_runtime_port_wins_over_bp_debug_port(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.port = 4000;
    ctx.ports[RUNTIME_GO] = 41000;
    assert_int_equal(runtime_port(&ctx, RUNTIME_GO), 41000);
    assert_int_equal(runtime_port(&ctx, RUNTIME_PYTHON), 4000);
    ctx.port = 0;
    assert_int_equal(runtime_port(&ctx, RUNTIME_NODE), 9229);
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {go_binary};
    assert_int_equal(plan_words(words, 1, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.port, 41000);
    bool found = false;
    for (size_t i = 0; i < plan.command.len; i++)
        found |= strcmp(plan.command.items[i], "--listen=0.0.0.0:41000") == 0;
    assert_true(found);
    runtime_plan_free(&plan);
}

static void test_already_under_dlv_is_left_alone(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {"/usr/local/bin/dlv", "exec", "--headless", "--listen=:40000", "/app"};
    assert_int_equal(plan_words(words, 5, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_false(plan.rewritten);
    assert_int_equal(plan.port, 40000);
    runtime_plan_free(&plan);
}

/* dlv's argv is read with the grammar the launch wrapper uses (issue 11):
 * every --listen form, and no --continue means the app waits. */
static void test_already_under_dlv_reads_every_listen_form(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const struct {
        const char *words[6];
        size_t n;
        int port;
        bool wait;
    } cases[] = {
        {{"dlv", "exec", "--headless", "-l", ":2345", "/app"}, 6, 2345, true},
        {{"dlv", "exec", "--headless", "--listen", "127.0.0.1:2346", "/app"}, 6, 2346, true},
        {{"dlv", "exec", "--headless", "-l=:2347", "/app"}, 5, 2347, true},
        {{"dlv", "exec", "--continue", "--listen=[::]:2348", "/app"}, 5, 2348, false},
        {{"dlv", "exec", "--continue=false", "--listen=:2349", "/app"}, 5, 2349, true},
        {{"dlv", "exec", "--continue", "--listen=:70000", "/app"}, 5, 0, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        assert_int_equal(plan_words(cases[i].words, cases[i].n, 0, &ctx, &plan, why, sizeof why), 1);
        assert_true(plan.already_debug);
        assert_string_equal(plan.protocol, "dlv");
        if (plan.port != cases[i].port || plan.wait != cases[i].wait)
            fail_msg("case %zu: port %d wait %d, want %d %d", i, plan.port, plan.wait,
                     cases[i].port, cases[i].wait);
        runtime_plan_free(&plan);
    }
}

/* Ports in an already-debug argv go through the port parser: no atoi
 * wrapping (issue 13 saw labels with 1215752191 and 70000). */
static void test_already_debug_bad_ports_are_not_labelled(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const char *node[] = {"node", "--inspect=0.0.0.0:70000", "a.js"};
    assert_int_equal(plan_words(node, 3, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_int_equal(plan.port, 0);
    runtime_plan_free(&plan);
    const char *py[] = {python, "-m", "debugpy", "--listen", "5555555555", "app.py"};
    assert_int_equal(plan_words(py, 6, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_int_equal(plan.port, 0);
    runtime_plan_free(&plan);
    const char *java[] = {"java", "-agentlib:jdwp=transport=dt_socket,server=y,address=*:99999", "Main"};
    assert_int_equal(plan_words(java, 3, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_int_equal(plan.port, 0);
    assert_true(plan.wait); /* no suspend= in the options: the JVM defaults to suspend=y */
    runtime_plan_free(&plan);
}

static void test_python_script_and_module(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {python, "-u", "app.py", "--debug"};
    assert_int_equal(plan_words(words, 4, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_PYTHON);
    assert_int_equal(plan.needs, NEED_DEBUGPY);
    assert_string_equal(plan.protocol, "dap");
    const char *cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/python", "-u", "-m", "debugpy",
                         "--listen", "0.0.0.0:5678", "app.py", "--debug"};
    assert_argv(&plan.command, cmd, 8);
    assert_string_equal(plan.links[0].target, python);
    assert_non_null(plan.runtime_version);
    runtime_plan_free(&plan);

    const char *module[] = {python, "-m", "myapp.server"};
    ctx.suspend = true;
    assert_int_equal(plan_words(module, 3, 0, &ctx, &plan, why, sizeof why), 1);
    const char *cmd2[] = {"/layers/cnbdebug_debug/debug-tools/wrap/python", "-m", "debugpy", "--listen",
                          "0.0.0.0:5678", "--wait-for-client", "-m", "myapp.server"};
    assert_argv(&plan.command, cmd2, 8);
    runtime_plan_free(&plan);
}

static void test_python_console_script_and_ptvsd(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.python_debugger = "ptvsd";
    struct runtime_plan plan;
    char why[512];
    char script[600];
    snprintf(script, sizeof script, "%s/gunicorn", dir);
    const char *words[] = {script, "app:wsgi"};
    assert_int_equal(plan_words(words, 2, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.needs, NEED_PTVSD);
    const char *cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/python", "-m", "ptvsd", "--host",
                         "0.0.0.0", "--port", "5678", script, "app:wsgi"};
    assert_argv(&plan.command, cmd, 9);
    runtime_plan_free(&plan);
}

static void test_python_repl_and_debugpy_already(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512] = "";
    const char *repl[] = {python};
    assert_int_equal(plan_words(repl, 1, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "interactive Python"));

    const char *dbg[] = {"python3", "-m", "debugpy", "--listen", "0.0.0.0:6000", "app.py"};
    assert_int_equal(plan_words(dbg, 6, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_int_equal(plan.port, 6000);
    runtime_plan_free(&plan);
}

static const char *no_python_debugger_fits(const char *python_version, void *data)
{
    (void)python_version;
    (void)data;
    return NULL; /* as for Python 2.6: no debugpy or ptvsd in buildpack.toml supports it */
}

/* Issue 13: a Python no debugger supports was an error that failed the
 * whole build; it is one undebuggable process (a WARNING), and only
 * BP_DEBUG_STRICT makes it fail. */
static void test_python_without_a_fitting_debugger(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.python_debugger_for = no_python_debugger_fits;
    struct runtime_plan plan;
    char why[512] = "";
    const char *words[] = {python, "app.py"};
    assert_int_equal(plan_words(words, 2, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "no debugpy or ptvsd"));
    ctx.strict = true;
    assert_int_equal(plan_words(words, 2, 0, &ctx, &plan, why, sizeof why), -1);
}

static void test_node_and_npm(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.path_env = dir; /* make `node` and `npm` resolvable: fake files */
    char path[600];
    snprintf(path, sizeof path, "%s/node", dir);
    file_write_atomic(path, "#!/bin/sh\n", 10, 0755, NULL);
    snprintf(path, sizeof path, "%s/npm", dir);
    file_write_atomic(path, "#!/bin/sh\n", 10, 0755, NULL);
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {"node", "server.js"};
    assert_int_equal(plan_words(words, 2, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_NODE);
    const char *cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/node", "--inspect=0.0.0.0:9229", "server.js"};
    assert_argv(&plan.command, cmd, 3);
    runtime_plan_free(&plan);

    const char *npm[] = {"npm", "start"};
    assert_int_equal(plan_words(npm, 2, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.needs, NEED_NPM);
    const char *cmd2[] = {"/layers/cnbdebug_debug/debug-tools/wrap/npm", "--inspect=0.0.0.0:9229", "start"};
    assert_argv(&plan.command, cmd2, 3);
    runtime_plan_free(&plan);

    /* yarn, pnpm, npx: their wrapper takes the inspector as its first word */
    snprintf(path, sizeof path, "%s/yarn", dir);
    file_write_atomic(path, "#!/bin/sh\n", 10, 0755, NULL);
    snprintf(path, sizeof path, "%s/pnpm", dir);
    file_write_atomic(path, "#!/bin/sh\n", 10, 0755, NULL);
    const char *yarn[] = {"yarn", "start"};
    assert_int_equal(plan_words(yarn, 2, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.needs, NEED_PM);
    assert_string_equal(plan.links[0].name, "yarn");
    const char *cmd3[] = {"/layers/cnbdebug_debug/debug-tools/wrap/yarn", "--inspect=0.0.0.0:9229", "start"};
    assert_argv(&plan.command, cmd3, 3);
    runtime_plan_free(&plan);
    ctx.suspend = true;
    const char *pnpm[] = {"pnpm", "run", "start"};
    assert_int_equal(plan_words(pnpm, 3, 0, &ctx, &plan, why, sizeof why), 1);
    const char *cmd4[] = {"/layers/cnbdebug_debug/debug-tools/wrap/pnpm", "--inspect-brk=0.0.0.0:9229", "run", "start"};
    assert_argv(&plan.command, cmd4, 4);
    runtime_plan_free(&plan);
    ctx.suspend = false;
    const char *install[] = {"yarn", "install"};
    assert_int_equal(plan_words(install, 2, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "does not run the app"));

    const char *inspecting[] = {"node", "--inspect-brk=7000", "a.js"};
    assert_int_equal(plan_words(inspecting, 3, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_true(plan.wait);
    assert_int_equal(plan.port, 7000);
    runtime_plan_free(&plan);
}

static void test_shell_wrappers_are_unwrapped(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    char line[1400];
    snprintf(line, sizeof line, "cd %s && exec %s --port 8080", dir, go_binary);
    const char *words[] = {"bash", "-c", line};
    assert_int_equal(plan_words(words, 3, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_GO);
    assert_string_equal(plan.workdir, dir);
    assert_string_equal(plan.command.items[plan.command.len - 3], "--");
    runtime_plan_free(&plan);
}

/* Every rewritten process runs where the original did: a `cd DIR &&`
 * prefix becomes the plan's working directory, for each runtime that
 * rewrites the command (go, node, python). */
static void test_rewritten_processes_keep_workdir(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    char path_env[700];
    snprintf(path_env, sizeof path_env, "%s:/usr/bin:/bin", dir);
    ctx.path_env = path_env;
    char node[600];
    snprintf(node, sizeof node, "%s/node", dir);
    fixture_write(node, "#!/bin/sh\n", 0755);
    const struct {
        const char *app;
        enum runtime_id runtime;
    } cases[] = {{go_binary, RUNTIME_GO}, {"node", RUNTIME_NODE}, {python, RUNTIME_PYTHON}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char line[1400];
        snprintf(line, sizeof line, "cd %s && exec %s app.py", dir, cases[i].app);
        const char *words[] = {"bash", "-c", line};
        struct runtime_plan plan;
        char why[512] = "";
        if (plan_words(words, 3, 0, &ctx, &plan, why, sizeof why) != 1)
            fail_msg("%s: %s", line, why);
        assert_int_equal(plan.runtime, cases[i].runtime);
        assert_true(plan.rewritten);
        assert_non_null(plan.workdir);
        assert_string_equal(plan.workdir, dir);
        runtime_plan_free(&plan);
    }
}

static void test_legacy_shell_process(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct cnb_process p = {0};
    p.type = "web";
    p.source = "launch.toml";
    p.legacy = true;
    p.direct = false;
    char line[1400];
    snprintf(line, sizeof line, "%s 'server.py'", python);
    command_argv_push(&p.command, line);
    struct runtime_process rp;
    assert_int_equal(runtime_process_init(&rp, &p, &ctx, NULL), 0);
    struct runtime_plan plan;
    char why[512];
    assert_int_equal(runtime_plan_process(&rp, &ctx, &plan, why, sizeof why, NULL), 1);
    assert_int_equal(plan.args.len, 0); /* API < 0.9: user args append, never replace */
    assert_string_equal(plan.command.items[plan.command.len - 1], "server.py");
    runtime_plan_free(&plan);
    runtime_process_free(&rp);
    command_argv_free(&p.command);

    command_argv_push(&p.command, "node app.js | tee log");
    assert_int_equal(runtime_process_init(&rp, &p, &ctx, NULL), 0);
    assert_int_equal(runtime_plan_process(&rp, &ctx, &plan, why, sizeof why, NULL), 0);
    assert_non_null(strstr(why, "a pipe |")); /* names the construct */
    runtime_process_free(&rp);
    command_argv_free(&p.command);

    struct bp_error err = {{0}};
    command_argv_push(&p.command, "python 'app.py");
    assert_int_equal(runtime_process_init(&rp, &p, &ctx, &err), -1);
    assert_non_null(strstr(err.message, "process 'web'"));
    assert_non_null(strstr(err.message, "unbalanced"));
    command_argv_free(&p.command);
}

/* Issue 12: shell lines with expansions run without a shell; the
 * templates stay plain words and their positions go to CNB_DEBUG_EXPAND. */
static void test_expansions_are_kept_for_launch(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.path_env = dir;
    struct runtime_plan plan;
    char why[512];
    /* Heroku's procfile: ["bash", "-c", LINE] */
    const char *heroku[] = {"bash", "-c", "exec node server.js --port=${PORT:-8080}"};
    assert_int_equal(plan_words(heroku, 3, 0, &ctx, &plan, why, sizeof why), 1);
    const char *cmd[] = {"/layers/cnbdebug_debug/debug-tools/wrap/node", "--inspect=0.0.0.0:9229",
                         "server.js", "--port=${PORT:-8080}"};
    assert_argv(&plan.command, cmd, 4);
    assert_int_equal(plan.args.len, 0);
    assert_string_equal(plan.expand_marks, "3");
    runtime_plan_free(&plan);

    /* Paketo procfile's API < 0.9 shell line */
    struct cnb_process p = {.type = "web", .source = "launch.toml", .legacy = true, .is_default = true};
    char line[1400];
    snprintf(line, sizeof line, "%s server.py --bind \"0.0.0.0:$PORT\"", python);
    command_argv_push(&p.command, line);
    struct runtime_process rp;
    assert_int_equal(runtime_process_init(&rp, &p, &ctx, NULL), 0);
    assert_int_equal(runtime_plan_process(&rp, &ctx, &plan, why, sizeof why, NULL), 1);
    const char *py[] = {"/layers/cnbdebug_debug/debug-tools/wrap/python", "-m", "debugpy", "--listen",
                        "0.0.0.0:5678", "server.py", "--bind", "\"0.0.0.0:$PORT\""};
    assert_argv(&plan.command, py, 8);
    assert_string_equal(plan.expand_marks, "7");
    runtime_plan_free(&plan);
    runtime_process_free(&rp);
    command_argv_free(&p.command);

    /* API < 0.9 with args: each token is one word, eval'd as in "..." */
    struct cnb_process tok = {.type = "web", .source = "launch.toml", .legacy = true, .is_default = true};
    command_argv_push(&tok.command, "node");
    command_argv_push(&tok.args, "server.js");
    command_argv_push(&tok.args, "--port=$PORT");
    assert_int_equal(runtime_process_init(&rp, &tok, &ctx, NULL), 0);
    assert_int_equal(runtime_plan_process(&rp, &ctx, &plan, why, sizeof why, NULL), 1);
    const char *tokens[] = {"/layers/cnbdebug_debug/debug-tools/wrap/node", "--inspect=0.0.0.0:9229",
                            "server.js", "\"--port=$PORT\""};
    assert_argv(&plan.command, tokens, 4);
    assert_string_equal(plan.expand_marks, "3");
    runtime_plan_free(&plan);
    runtime_process_free(&rp);
    command_argv_free(&tok.command);
    command_argv_free(&tok.args);

    /* A template in front of our wrapper (an assignment): wrap/run goes
     * first and expands every template itself. */
    const char *assign[] = {"sh", "-c", "NODE_ENV=$MODE node a.js $ARGS"};
    assert_int_equal(plan_words(assign, 3, 0, &ctx, &plan, why, sizeof why), 1);
    const char *cmd2[] = {"/layers/cnbdebug_debug/debug-tools/wrap/run", "env", "NODE_ENV=$MODE",
                          "/layers/cnbdebug_debug/debug-tools/wrap/node", "--inspect=0.0.0.0:9229",
                          "a.js", "$ARGS"};
    assert_argv(&plan.command, cmd2, 7);
    assert_string_equal(plan.expand_marks, "2,6");
    assert_true(plan.needs & NEED_RUN);
    runtime_plan_free(&plan);

    /* Operators: left alone, and the reason names the construct. */
    const char *pipe[] = {"bash", "-c", "node a.js | tee log"};
    assert_int_equal(plan_words(pipe, 3, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "a pipe |"));
    const char *named[] = {"bash", "-c", "$CMD --port $PORT"};
    assert_int_equal(plan_words(named, 3, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "$CMD"));
}

/* tini, dumb-init, watchexec --shell none: kept, the debugger inside. */
static void test_wrappers_are_kept_around_the_debugger(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.path_env = dir;
    struct runtime_plan plan;
    char why[512];
    const char *tini[] = {"tini", "-g", "--", "node", "server.js"};
    assert_int_equal(plan_words(tini, 5, 0, &ctx, &plan, why, sizeof why), 1);
    const char *cmd[] = {"tini", "-g", "--", "/layers/cnbdebug_debug/debug-tools/wrap/node",
                         "--inspect=0.0.0.0:9229", "server.js"};
    assert_argv(&plan.command, cmd, 6);
    assert_null(plan.expand_marks);
    runtime_plan_free(&plan);

    const char *watch[] = {"watchexec", "--restart", "--watch", "/workspace", "--shell", "none", "--",
                           "node", "server.js"};
    assert_int_equal(plan_words(watch, 9, 0, &ctx, &plan, why, sizeof why), 1);
    assert_string_equal(plan.command.items[0], "watchexec");
    assert_string_equal(plan.command.items[7], "/layers/cnbdebug_debug/debug-tools/wrap/node");
    runtime_plan_free(&plan);

    /* marks stay relative to our wrapper inside tini */
    const char *line[] = {"bash", "-c", "exec tini -- node server.js --port $PORT"};
    assert_int_equal(plan_words(line, 3, 0, &ctx, &plan, why, sizeof why), 1);
    assert_string_equal(plan.command.items[0], "tini");
    assert_string_equal(plan.expand_marks, "4");
    runtime_plan_free(&plan);

    const char *shell[] = {"watchexec", "--restart", "--", "node", "server.js"};
    assert_int_equal(plan_words(shell, 5, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "watchexec"));
}

/* Issue 12 item 1: the runtime is in a launch-only layer of an earlier
 * buildpack (not on the build PATH); its version comes from the layer's
 * files when the interpreter does not run here, and a hanging one is cut
 * at the deadline. */
static void test_launch_only_layer_is_found(void **state)
{
    (void)state;
    char root[600], cmd[8192];
    snprintf(root, sizeof root, "%s/layers", dir);
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/cnbdebug_debug %s/paketo-buildpacks_cpython/cpython/bin "
             "%s/paketo-buildpacks_cpython/cpython/lib/python3.13 %s/build-only/tools/bin && "
             "printf '[types]\nlaunch = true\n' > %s/paketo-buildpacks_cpython/cpython.toml && "
             "printf '[types]\nbuild = true\n' > %s/build-only/tools.toml && "
             "printf '#!/bin/sh\necho noise >&2\nsleep 60\n' > %s/paketo-buildpacks_cpython/cpython/bin/python3 && "
             "chmod +x %s/paketo-buildpacks_cpython/cpython/bin/python3 && "
             "printf '#!/bin/sh\n' > %s/build-only/tools/bin/nodemon && chmod +x %s/build-only/tools/bin/nodemon",
             root, root, root, root, root, root, root, root, root, root);
    assert_int_equal(system(cmd), 0);
    char layers_dir[700];
    snprintf(layers_dir, sizeof layers_dir, "%s/cnbdebug_debug", root);
    struct cnb_build_context cnb = {.layers_dir = layers_dir, .layers_root = root, .app_dir = dir};
    struct runtime_context ctx = context();
    ctx.cnb = &cnb;
    ctx.path_env = NULL;
    struct runtime_plan plan;
    char why[1024];
    const char *words[] = {"python3", "server.py"};
    assert_int_equal(plan_words(words, 2, 0, &ctx, &plan, why, sizeof why), 1);
    assert_string_equal(plan.runtime_version, "3.13"); /* from lib/python3.13 */
    char want[800];
    snprintf(want, sizeof want, "%s/paketo-buildpacks_cpython/cpython/bin/python3", root);
    assert_string_equal(plan.links[0].target, want);
    runtime_plan_free(&plan);

    /* only the build image's system dir has it: planned, with a WARNING */
    char empty_root[700], empty_ours[800];
    snprintf(empty_root, sizeof empty_root, "%s/empty-layers", dir);
    snprintf(empty_ours, sizeof empty_ours, "%s/cnbdebug_debug", empty_root);
    assert_int_equal(file_mkdirs(empty_ours, NULL), 0);
    struct cnb_build_context bare = {.layers_dir = empty_ours, .layers_root = empty_root, .app_dir = dir};
    ctx.cnb = &bare;
    assert_int_equal(plan_words(words, 2, 0, &ctx, &plan, why, sizeof why), 1);
    bool warned = false;
    for (size_t i = 0; i < plan.warnings_len; i++)
        warned = warned || strstr(plan.warnings[i], "the run image may not have it") != NULL;
    assert_true(warned);
    runtime_plan_free(&plan);
    ctx.cnb = &cnb;

    /* a file only a build layer has is never the target */
    const char *node[] = {"nodemon", "server.js"};
    assert_int_equal(plan_words(node, 2, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "not found where it runs"));
}

/* npm-start's start.sh chain: the shell stays, only the app's node gets
 * the inspector; prestart/poststart and `cd DIR` run as before. */
static void test_start_script_chain_keeps_the_shell(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    ctx.path_env = dir;
    char path[600];
    snprintf(path, sizeof path, "%s/start.sh", dir);
    const char *script = "trap 'kill -TERM $CPID' TERM\n"
                         "( cd /workspace/web && npm run prestart && node server.js --port=$PORT $@ && echo poststart ) &\n"
                         "CPID=\"$!\"\nwait $CPID\n";
    file_write_atomic(path, script, strlen(script), 0644, NULL);
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {"sh", path};
    assert_int_equal(plan_words(words, 2, 1, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_NODE);
    assert_int_equal(plan.command.len, 3);
    assert_string_equal(plan.command.items[0], "sh");
    assert_string_equal(plan.command.items[1], "-c");
    assert_string_equal(plan.command.items[2],
                        "cd /workspace/web && npm run prestart && "
                        "/layers/cnbdebug_debug/debug-tools/wrap/node --inspect=0.0.0.0:9229 server.js "
                        "--port=$PORT && echo poststart");
    assert_int_equal(plan.args.len, 0);
    assert_null(plan.expand_marks); /* the shell expands */
    runtime_plan_free(&plan);

    /* two candidates for the app: left alone, naming the chain */
    const char *two[] = {"bash", "-c", "node a.js && node b.js"};
    assert_int_equal(plan_words(two, 3, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "&& chain"));
}

/* A pip console script runs as -m PKG when PKG has a __main__. */
static void test_console_script_runs_as_module(void **state)
{
    (void)state;
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/venv/bin %s/venv/lib/python3.11/site-packages/gunicorn && "
             "ln -sf %s %s/venv/bin/python3 && touch %s/venv/lib/python3.11/site-packages/gunicorn/__main__.py && "
             "printf '#!%s/venv/bin/python3\\nimport re\\nimport sys\\nfrom gunicorn.app.wsgiapp import run\\n"
             "if __name__ == \\x27__main__\\x27:\\n    sys.exit(run())\\n' > %s/venv/bin/gunicorn && chmod +x %s/venv/bin/gunicorn",
             dir, dir, python, dir, dir, dir, dir, dir);
    assert_int_equal(system(cmd), 0);
    struct runtime_context ctx = context();
    char path_env[600];
    snprintf(path_env, sizeof path_env, "%s/venv/bin", dir);
    ctx.path_env = path_env;
    struct runtime_plan plan;
    char why[512];
    const char *words[] = {"gunicorn", "app:app", "--workers", "2"};
    assert_int_equal(plan_words(words, 4, 0, &ctx, &plan, why, sizeof why), 1);
    const char *want[] = {"/layers/cnbdebug_debug/debug-tools/wrap/python", "-m", "debugpy", "--listen",
                          "0.0.0.0:5678", "-m", "gunicorn", "app:app", "--workers", "2"};
    assert_argv(&plan.command, want, 10);
    runtime_plan_free(&plan);
}

static void test_dotnet_and_jvm(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const char *dll[] = {"dotnet", "App.dll"};
    assert_int_equal(plan_words(dll, 2, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_DOTNET);
    assert_false(plan.rewritten);
    assert_null(plan.protocol);
    assert_int_equal(plan.needs, NEED_VSDBG);
    assert_string_equal(plan.tool_path, "/layers/cnbdebug_debug/debug-tools/vsdbg/vsdbg");
    assert_true(plan.warnings_len > 0); /* no App.pdb */
    runtime_plan_free(&plan);

    char apphost[600];
    snprintf(apphost, sizeof apphost, "%s/App", dir);
    const char *host[] = {apphost};
    assert_int_equal(plan_words(host, 1, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_DOTNET);
    runtime_plan_free(&plan);

    const char *java[] = {"java", "-cp", "/workspace", "Main"};
    assert_int_equal(plan_words(java, 4, 0, &ctx, &plan, why, sizeof why), 1);
    assert_int_equal(plan.runtime, RUNTIME_JVM);
    assert_int_equal(plan.needs, NEED_JDWP);
    assert_false(plan.rewritten);
    assert_int_equal(plan.port, 5005);
    runtime_plan_free(&plan);

    const char *jdwp[] = {"java", "-agentlib:jdwp=transport=dt_socket,server=y,suspend=y,address=*:8000", "Main"};
    assert_int_equal(plan_words(jdwp, 3, 0, &ctx, &plan, why, sizeof why), 1);
    assert_true(plan.already_debug);
    assert_int_equal(plan.port, 8000);
    assert_true(plan.wait);
    runtime_plan_free(&plan);
}

static void test_unknown_and_missing(void **state)
{
    (void)state;
    struct runtime_context ctx = context();
    struct runtime_plan plan;
    char why[512];
    const char *sh[] = {"/bin/true"};
    assert_int_equal(plan_words(sh, 1, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "is not a Go binary"));
    const char *missing[] = {"/nonexistent/app"};
    assert_int_equal(plan_words(missing, 1, 0, &ctx, &plan, why, sizeof why), 0);
    assert_non_null(strstr(why, "not found"));
}

/* Issue 13: another buildpack's process may name a FIFO (as its executable,
 * or as a console script): reading its #! line must not block the build. */
static void test_shebang_of_a_fifo_does_not_block(void **state)
{
    (void)state;
    char fifo_dir[] = "/tmp/test-runtime-fifo.XXXXXX";
    assert_non_null(mkdtemp(fifo_dir));
    char path[600];
    snprintf(path, sizeof path, "%s/app", fifo_dir);
    assert_int_equal(mkfifo(path, 0755), 0);
    alarm(10); /* a regression fails by SIGALRM instead of hanging ctest */
    assert_null(runtime_read_shebang(path));
    alarm(0);
    unlink(path);
    rmdir(fifo_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shebang_of_a_fifo_does_not_block),
        cmocka_unit_test(test_go_binary_runs_under_dlv),
        cmocka_unit_test(test_go_suspend_port_and_ipv6_bind),
        cmocka_unit_test(test_per_runtime_port_wins_over_bp_debug_port),
        cmocka_unit_test(test_go_without_fitting_dlv_skips_version_check),
        cmocka_unit_test(test_already_under_dlv_is_left_alone),
        cmocka_unit_test(test_already_under_dlv_reads_every_listen_form),
        cmocka_unit_test(test_already_debug_bad_ports_are_not_labelled),
        cmocka_unit_test(test_python_script_and_module),
        cmocka_unit_test(test_python_console_script_and_ptvsd),
        cmocka_unit_test(test_python_repl_and_debugpy_already),
        cmocka_unit_test(test_python_without_a_fitting_debugger),
        cmocka_unit_test(test_node_and_npm),
        cmocka_unit_test(test_shell_wrappers_are_unwrapped),
        cmocka_unit_test(test_rewritten_processes_keep_workdir),
        cmocka_unit_test(test_legacy_shell_process),
        cmocka_unit_test(test_expansions_are_kept_for_launch),
        cmocka_unit_test(test_wrappers_are_kept_around_the_debugger),
        cmocka_unit_test(test_launch_only_layer_is_found),
        cmocka_unit_test(test_start_script_chain_keeps_the_shell),
        cmocka_unit_test(test_console_script_runs_as_module),
        cmocka_unit_test(test_dotnet_and_jvm),
        cmocka_unit_test(test_unknown_and_missing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
