/* The real debug-launch binary run through a temporary layer: what it
 * execs, with which argv and env, that the app keeps the wrapper's pid (so
 * SIGTERM and the exit code reach it), the exec.d output on fd 3, and, under
 * dlv, the supervision: SIGTERM reaches the app, the wrapper ends with it.
 * The "real tools" are this test binary itself in probe mode (LAUNCH_PROBE
 * set), which prints its pid, executable, argv and environment; as a fake
 * dlv (LAUNCH_PROBE=fakedlv) it starts a copy of itself as the app. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/fileio.h"
#include "common/strbuf.h"
#include "test_qemu.h"

#ifndef LAUNCH_BIN
#error "tests/launch.cmake defines LAUNCH_BIN (the built debug-launch)"
#endif

extern char **environ;

/* ---- probe mode: the stand-in for dlv, python, node, npm and the app ---- */

static void on_sigterm(int sig)
{
    (void)sig;
    static const char msg[] = "got SIGTERM\n";
    if (write(STDOUT_FILENO, msg, sizeof msg - 1) < 0)
        _exit(41);
    _exit(42);
}

/* Serves dlv's answer to RPCServer.State on a unix socket, as dlv does
 * once its target has ended. */
static void fake_dlv_serve(const char *path, int pid, int code)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sun, sizeof sun) != 0 || listen(ls, 4) != 0)
        _exit(90);
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        char req[512];
        if (read(c, req, sizeof req) > 0)
            dprintf(c, "{\"id\":1,\"result\":null,\"error\":\"Process %d has exited with "
                       "status %d\"}\n", pid, code);
        close(c);
    }
}

/* A stand-in for `dlv exec [flags] APP -- ARGS` that keeps running after
 * the app ends, as dlv does. LAUNCH_FAKE_REAP: "late" never waits for the
 * app (a zombie stays), "now" reaps it at once and then answers on
 * --listen=unix:PATH, "die" exits 5 at once, leaving the app running. */
static int fake_dlv(int argc, char **argv)
{
    int dashdash = argc;
    const char *sock = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            dashdash = i;
            break;
        }
        if (strncmp(argv[i], "--listen=unix:", 14) == 0)
            sock = argv[i] + 14;
    }
    const char *mode = getenv("LAUNCH_FAKE_REAP");
    setenv("LAUNCH_PROBE", getenv("LAUNCH_APP_MODE"), 1);
    fflush(NULL);
    bool held = strcmp(mode, "held") == 0;
    if (held) {
        /* like dlv's telemetry helper: a child of dlv that outlives it
         * unless someone ends it */
        pid_t helper = fork();
        if (helper == 0) {
            for (;;)
                pause();
        }
        printf("helper=%d\n", (int)helper);
        fflush(stdout);
        /* like dlv waiting for a client: SIGTERM does not end it */
        signal(SIGTERM, SIG_IGN);
    }
    pid_t app = fork();
    if (app == 0) {
        if (held) /* stopped at exec under ptrace, as dlv exec without --continue */
            ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        execv(argv[dashdash - 1], (char *const[]){argv[dashdash - 1], NULL});
        _exit(91);
    }
    if (strcmp(mode, "die") == 0)
        return 5;
    if (strcmp(mode, "now") == 0) {
        int status;
        waitpid(app, &status, 0);
        if (sock != NULL)
            fake_dlv_serve(sock, (int)app, WEXITSTATUS(status));
    }
    for (;;)
        pause();
}

static int probe(int argc, char **argv)
{
    if (strcmp(getenv("LAUNCH_PROBE"), "fakedlv") == 0)
        return fake_dlv(argc, argv);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    printf("pid=%d\nppid=%d\nexe=%s\n", (int)getpid(), (int)getppid(), exe);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]=%s\n", i, argv[i]);
    for (char **e = environ; *e; e++)
        printf("env:%s\n", *e);
    const char *mode = getenv("LAUNCH_PROBE");
    if (strcmp(mode, "wait") == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_sigterm;
        sigaction(SIGTERM, &sa, NULL);
        printf("ready\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    fflush(stdout);
    const char *delay = getenv("LAUNCH_PROBE_DELAY_MS");
    if (delay != NULL)
        nanosleep(&(struct timespec){.tv_nsec = atoi(delay) * 1000000L}, NULL);
    const char *code = getenv("LAUNCH_PROBE_EXIT");
    return code ? atoi(code) : 0;
}

/* ---- fixture: a layer laid out as bin/build makes it (wrappers in wrap/) ---- */

struct fixture {
    char root[64];
    char layer[128];
    char app[128]; /* a copy of this binary: another executable for dlv to run */
    char self[PATH_MAX]; /* this test binary: every real tool */
};

static void copy_file(const char *from, const char *to)
{
    struct bp_error err = {{0}};
    if (file_copy(from, to, 64u << 20, 0755, &err) != 0)
        fail_msg("%s", err.message);
}

static void at(const struct fixture *f, const char *rel, char *out, size_t len)
{
    snprintf(out, len, "%s/%s", f->layer, rel);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->root, sizeof f->root, "/tmp/launch-exec-XXXXXX");
    assert_non_null(mkdtemp(f->root));
    snprintf(f->layer, sizeof f->layer, "%s/debug-tools", f->root);
    ssize_t n = readlink("/proc/self/exe", f->self, sizeof f->self - 1);
    assert_true(n > 0);
    f->self[n] = '\0';

    char p[PATH_MAX];
    const char *dirs[] = {"", "wrap", "real", "debugpy", "exec.d", "exec.d/web"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        at(f, dirs[i], p, sizeof p);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    /* a copy, not a link: the wrapper finds its layer from its own path */
    at(f, "wrap/debug-launch", p, sizeof p);
    copy_file(LAUNCH_BIN, p);
    const char *tools[] = {"dlv", "python", "node", "npm"};
    for (size_t i = 0; i < sizeof tools / sizeof *tools; i++) {
        char name[64];
        snprintf(name, sizeof name, "wrap/%s", tools[i]);
        at(f, name, p, sizeof p);
        assert_int_equal(symlink("debug-launch", p), 0);
        snprintf(name, sizeof name, "real/%s", tools[i]);
        at(f, name, p, sizeof p);
        assert_int_equal(symlink(f->self, p), 0);
    }
    at(f, "exec.d/web/jdwp", p, sizeof p);
    assert_int_equal(symlink("../../wrap/debug-launch", p), 0);
    snprintf(f->app, sizeof f->app, "%s/app", f->root);
    copy_file(f->self, f->app);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    struct bp_error err;
    assert_int_equal(file_remove_tree(f->root, &err), 0);
    free(f);
    return 0;
}

/* ---- running the wrapper ---- */

struct run {
    pid_t pid;
    int status;
    char *out, *err, *fd3;
};

static char *read_all(int fd)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        strbuf_append(&sb, buf, (size_t)n);
    }
    close(fd);
    return strbuf_detach(&sb);
}

/* envp: NULL-terminated "NAME=VALUE" list added to a minimal environment. */
static pid_t spawn(const char *path, char *const argv[], const char *const *extra_env,
                   bool with_fd3, int *out_fd, int *err_fd, int *fd3_fd)
{
    int out[2], errp[2], three[2] = {-1, -1};
    assert_int_equal(pipe(out), 0);
    assert_int_equal(pipe(errp), 0);
    if (with_fd3)
        assert_int_equal(pipe(three), 0);
    const char *env[32];
    size_t n = 0;
    env[n++] = "PATH=/usr/local/bin:/usr/bin:/bin";
    const char *pass[] = {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};
    static char passed[3][512];
    for (size_t i = 0; i < 3; i++) {
        const char *v = getenv(pass[i]);
        if (v != NULL) {
            snprintf(passed[i], sizeof passed[i], "%s=%s", pass[i], v);
            env[n++] = passed[i];
        }
    }
    for (size_t i = 0; extra_env && extra_env[i] && n + 1 < 32; i++)
        env[n++] = extra_env[i];
    env[n] = NULL;

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        dup2(errp[1], STDERR_FILENO);
        if (with_fd3) {
            dup2(three[1], 3);
        } else {
            close(3);
        }
        /* nothing else leaks into the wrapper */
        for (int fd = 4; fd < 256; fd++)
            close(fd);
        execve(path, argv, (char *const *)env);
        _exit(126);
    }
    close(out[1]);
    close(errp[1]);
    if (with_fd3)
        close(three[1]);
    *out_fd = out[0];
    *err_fd = errp[0];
    if (fd3_fd)
        *fd3_fd = three[0];
    return pid;
}

static void run_wrapper(const char *path, char *const argv[], const char *const *extra_env,
                        bool with_fd3, struct run *r)
{
    int out, err, three = -1;
    r->pid = spawn(path, argv, extra_env, with_fd3, &out, &err, &three);
    r->out = read_all(out);
    r->err = read_all(err);
    r->fd3 = with_fd3 ? read_all(three) : NULL;
    assert_int_equal(waitpid(r->pid, &r->status, 0), r->pid);
}

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
    free(r->fd3);
}

static bool has_line(const char *text, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool has_line(const char *text, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    for (const char *p = text; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (n == len && strncmp(p, line, n) == 0)
            return true;
        p = nl ? nl + 1 : NULL;
    }
    return false;
}

static void expect_line(const char *text, const char *line)
{
    if (!has_line(text, "%s", line))
        fail_msg("no line \"%s\" in:\n%s", line, text);
}

/* ---- tests ---- */

/* One run of a wrapper of a fresh layer and what it must do. Lists are
 * '|'-separated; @SELF (the real tools: this binary), @APP, @LAYER and,
 * in expected lines, @PID (the wrapper's pid) stand for the run's values. */
static const struct wrapper_run {
    const char *what;
    const char *tool;     /* under the layer */
    const char *args;     /* argv after argv[0] */
    const char *env;
    const char *link;     /* made first: a link to debug-launch under the layer */
    const char *unlink;   /* removed first, under the layer */
    bool fd3;
    int status;           /* the exit code */
    const char *lines;    /* whole lines stdout holds */
    const char *absent;   /* substrings stdout must not hold */
    const char *err;      /* stderr exactly; NULL: not checked */
    const char *err_has;  /* substrings of stderr */
    const char *fd3_out;  /* fd 3 exactly (fd3 runs) */
    const char *out;      /* stdout exactly; NULL: not checked */
} wrapper_runs[] = {
    {.what = "dlv on: the real dlv gets the port; the wrapper stays its parent (supervision)",
     .tool = "wrap/dlv", .args = "exec|--headless|--continue|--listen=0.0.0.0:56268|/workspace/app|--|a|b c",
     .env = "LAUNCH_PROBE=1|BPL_DEBUG_PORT=4000",
     .lines = "exe=@SELF|argv[0]=@SELF|argv[1]=exec|argv[3]=--continue|argv[4]=--listen=0.0.0.0:4000|"
              "argv[8]=b c|ppid=@PID",
     .err = "debug-launch: dlv starting on 0.0.0.0:4000 (BPL_DEBUG_ENABLED=false turns it off)\n"},
    {.what = "dlv off: the app itself, with its args and env",
     .tool = "wrap/dlv", .args = "exec|--headless|--listen=:56268|@SELF|--|a|b c",
     .env = "LAUNCH_PROBE=1|BPL_DEBUG_ENABLED=false|KEEP_ME=yes",
     .lines = "argv[0]=@SELF|argv[1]=a|argv[2]=b c|env:KEEP_ME=yes|env:BPL_DEBUG_ENABLED=false",
     .absent = "argv[3]", .err = ""},
    {.what = "python: debugpy on PYTHONPATH, exec'd as the link's target, not as real/python",
     .tool = "wrap/python", .args = "-m|debugpy|--listen|0.0.0.0:5678|app.py",
     .env = "LAUNCH_PROBE=1|PYTHONPATH=/app/lib",
     .lines = "env:PYTHONPATH=@LAYER/debugpy:/app/lib|env:PYDEVD_DISABLE_FILE_VALIDATION=1|"
              "argv[0]=@SELF|argv[5]=app.py",
     .err = "debug-launch: debugpy starting on 0.0.0.0:5678 (BPL_DEBUG_ENABLED=false turns it off)\n"},
    {.what = "the app's exit code passes",
     .tool = "wrap/node", .args = "--inspect=0.0.0.0:9229|app.js",
     .env = "LAUNCH_PROBE=1|LAUNCH_PROBE_EXIT=7", .status = 7,
     .lines = "argv[1]=--inspect=0.0.0.0:9229"},
    {.what = "npm: the inspector goes to the app's node, npm's own node never gets it",
     .tool = "wrap/npm", .args = "--inspect=0.0.0.0:9229|start",
     .env = "LAUNCH_PROBE=1|NODE_OPTIONS=--no-warnings",
     .lines = "argv[1]=start|argv[2]=--node-options=--no-warnings --inspect=0.0.0.0:9229|"
              "env:NODE_OPTIONS=--no-warnings",
     .absent = "argv[3]"},
    {.what = "bin/build's template words are expanded from the launch env, and the marks never "
             "reach the app (a child wrapper would apply them to its own argv)",
     .tool = "wrap/run", .link = "wrap/run", .args = "@APP|--port=${PORT:-8080}|${HOST:-0.0.0.0}",
     .env = "LAUNCH_PROBE=1|CNB_DEBUG_EXPAND=2,3|PORT=9001",
     .lines = "argv[1]=--port=9001|argv[2]=0.0.0.0", .absent = "CNB_DEBUG_EXPAND", .err = ""},
    {.what = "a bind address not on this host: the app runs without the debugger (issue 13)",
     .tool = "wrap/node", .args = "--inspect=0.0.0.0:9229|app.js",
     .env = "LAUNCH_PROBE=1|BPL_DEBUG_BIND=192.0.2.77",
     .lines = "argv[1]=app.js", .err_has = "not an address of this host"},
    {.what = "exec.d jdwp off: nothing on fd 3, exit 0",
     .tool = "exec.d/web/jdwp", .args = "", .env = "BPL_DEBUG_ENABLED=false", .fd3 = true,
     .fd3_out = "", .err = ""},
    {.what = "the real tool is missing: exit 127 and one line naming it",
     .tool = "wrap/python", .unlink = "real/python", .args = "app.py", .env = "LAUNCH_PROBE=1",
     .status = 127, .out = "", .err_has = "@LAYER/real/python"},
    {.what = "debugging off and the app is missing: exit 127, one line",
     .tool = "wrap/dlv", .args = "exec|/nonexistent/app", .env = "BPL_DEBUG_ENABLED=false",
     .status = 127, .err = "debug-launch: cannot run /nonexistent/app: No such file or directory\n"},
};

/* text with the placeholders filled in (malloc'd). */
static char *fill(const struct fixture *f, const char *text, pid_t pid)
{
    char pid_text[32];
    snprintf(pid_text, sizeof pid_text, "%d", (int)pid);
    const char *const names[][2] = {{"@SELF", f->self}, {"@APP", f->app}, {"@LAYER", f->layer},
                                    {"@PID", pid_text}};
    struct strbuf sb = STRBUF_INIT;
    for (const char *p = text ? text : ""; *p;) {
        size_t k = 0;
        while (k < 4 && strncmp(p, names[k][0], strlen(names[k][0])) != 0)
            k++;
        if (k < 4) {
            strbuf_append_str(&sb, names[k][1]);
            p += strlen(names[k][0]);
        } else {
            strbuf_append_char(&sb, *p++);
        }
    }
    return strbuf_detach(&sb);
}

/* "a|b" filled in, as a NULL-terminated list after `first` (may be NULL). */
static char **fill_list(const struct fixture *f, const char *first, const char *list, pid_t pid)
{
    char *text = fill(f, list, pid);
    char **items = calloc(strlen(text) + 3, sizeof *items);
    assert_non_null(items);
    size_t n = 0;
    if (first != NULL)
        items[n++] = strdup(first);
    char *save = NULL;
    for (char *w = strtok_r(text, "|", &save); w; w = strtok_r(NULL, "|", &save))
        items[n++] = strdup(w);
    free(text);
    return items;
}

static void free_list(char **items)
{
    for (size_t i = 0; items[i] != NULL; i++)
        free(items[i]);
    free(items);
}

static void check_wrapper_run(const struct wrapper_run *w)
{
    void *state = NULL;
    assert_int_equal(setup(&state), 0);
    struct fixture *f = state;
    char tool[PATH_MAX], path[PATH_MAX];
    at(f, w->tool, tool, sizeof tool);
    if (w->link != NULL) {
        at(f, w->link, path, sizeof path);
        assert_int_equal(symlink("debug-launch", path), 0);
    }
    if (w->unlink != NULL) {
        at(f, w->unlink, path, sizeof path);
        assert_int_equal(unlink(path), 0);
    }
    char **argv = fill_list(f, tool, w->args, 0);
    char **env = fill_list(f, NULL, w->env, 0);
    struct run r;
    run_wrapper(tool, argv, (const char *const *)env, w->fd3, &r);
    if (!WIFEXITED(r.status) || WEXITSTATUS(r.status) != w->status)
        fail_msg("%s: status %#x, want exit %d\nstdout:\n%s\nstderr:\n%s", w->what, r.status,
                 w->status, r.out, r.err);
    char **lines = fill_list(f, NULL, w->lines, r.pid);
    for (size_t i = 0; lines[i] != NULL; i++)
        if (!has_line(r.out, "%s", lines[i]))
            fail_msg("%s: no line \"%s\" in:\n%s", w->what, lines[i], r.out);
    char **absent = fill_list(f, NULL, w->absent, r.pid);
    for (size_t i = 0; absent[i] != NULL; i++)
        if (strstr(r.out, absent[i]) != NULL)
            fail_msg("%s: \"%s\" in:\n%s", w->what, absent[i], r.out);
    if (w->out != NULL && strcmp(r.out, w->out) != 0)
        fail_msg("%s: stdout\n%s\nwant\n%s", w->what, r.out, w->out);
    if (w->err != NULL && strcmp(r.err, w->err) != 0)
        fail_msg("%s: stderr\n%s\nwant\n%s", w->what, r.err, w->err);
    char **err_has = fill_list(f, NULL, w->err_has, r.pid);
    for (size_t i = 0; err_has[i] != NULL; i++) {
        const char *nl = strchr(r.err, '\n');
        if (strstr(r.err, err_has[i]) == NULL || nl == NULL || nl[1] != '\0')
            fail_msg("%s: want one stderr line with \"%s\", got:\n%s", w->what, err_has[i], r.err);
    }
    if (w->fd3 && w->fd3_out != NULL)
        assert_string_equal(r.fd3, w->fd3_out);
    free_list(argv);
    free_list(env);
    free_list(lines);
    free_list(absent);
    free_list(err_has);
    run_free(&r);
    assert_int_equal(teardown(&state), 0);
}

static void test_exec_wrapper_runs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof wrapper_runs / sizeof *wrapper_runs; i++)
        check_wrapper_run(&wrapper_runs[i]);
}

static void test_exec_keeps_pid_and_signals(void **state)
{
    struct fixture *f = *state;
    char dlv[PATH_MAX];
    at(f, "wrap/dlv", dlv, sizeof dlv);
    const char *env[] = {"LAUNCH_PROBE=wait", "BPL_DEBUG_ENABLED=0", NULL};
    int out, err;
    pid_t pid = spawn(dlv, (char *const[]){dlv, "exec", "--listen=:1", f->self, NULL}, env, false,
                      &out, &err, NULL);
    /* wait for "ready" before signalling, so the handler is in place */
    struct strbuf seen = STRBUF_INIT;
    char buf[4096];
    while (seen.data == NULL || strstr(seen.data, "ready\n") == NULL) {
        ssize_t n = read(out, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        assert_true(n > 0);
        strbuf_append(&seen, buf, (size_t)n);
    }
    assert_true(has_line(seen.data, "pid=%d", (int)pid));
    /* debugger off: no supervisor, the app is exec'd in the wrapper's place */
    assert_false(has_line(seen.data, "ppid=%d", (int)pid));
    assert_int_equal(kill(pid, SIGTERM), 0);
    char *rest = read_all(out);
    char *errors = read_all(err);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
    expect_line(rest, "got SIGTERM");
    assert_string_equal(errors, "");
    free(rest);
    free(errors);
    strbuf_free(&seen);
}

/* A port that cannot be bound must not take the app down (issue 13): one
 * line says why and the app runs without the debugger. */
static void test_exec_port_in_use_runs_app(void **state)
{
    struct fixture *f = *state;
    int busy = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(busy, (struct sockaddr *)&sin, sizeof sin), 0);
    assert_int_equal(listen(busy, 1), 0);
    socklen_t len = sizeof sin;
    assert_int_equal(getsockname(busy, (struct sockaddr *)&sin, &len), 0);
    char node[PATH_MAX], inspect[64];
    at(f, "wrap/node", node, sizeof node);
    snprintf(inspect, sizeof inspect, "--inspect=127.0.0.1:%d", ntohs(sin.sin_port));
    const char *env[] = {"LAUNCH_PROBE=1", NULL};
    struct run r;
    run_wrapper(node, (char *const[]){node, inspect, "app.js", NULL}, env, false, &r);
    assert_int_equal(WEXITSTATUS(r.status), 0);
    expect_line(r.out, "argv[1]=app.js");
    assert_null(strstr(r.out, "--inspect"));
    assert_non_null(strstr(r.err, "cannot listen on 127.0.0.1:"));
    assert_non_null(strstr(r.err, "in use"));
    assert_non_null(strstr(r.err, "without the debugger"));
    assert_null(strstr(r.err, "inspector starting on"));
    run_free(&r);

    /* the exec.d helper prints no agent then */
    char jdwp[PATH_MAX], port[64];
    at(f, "exec.d/web/jdwp", jdwp, sizeof jdwp);
    snprintf(port, sizeof port, "BPL_DEBUG_PORT=%d", ntohs(sin.sin_port));
    const char *env3[] = {port, "BPL_DEBUG_BIND=127.0.0.1", NULL};
    run_wrapper(jdwp, (char *const[]){jdwp, NULL}, env3, true, &r);
    assert_int_equal(WEXITSTATUS(r.status), 0);
    assert_string_equal(r.fd3, "");
    assert_non_null(strstr(r.err, "cannot listen on 127.0.0.1:"));
    run_free(&r);
    close(busy);
}

/* A PYTHONPATH near the kernel's 128 KiB limit for one string plus ours
 * made execve fail with E2BIG (exit 126, issue 13): the app must run
 * without the debugger instead, with one line. */
static void test_exec_e2big_runs_app(void **state)
{
    struct fixture *f = *state;
    char python[PATH_MAX];
    at(f, "wrap/python", python, sizeof python);
    size_t n = 131072 - 20;
    char *pp = malloc(n + 1);
    assert_non_null(pp);
    memcpy(pp, "PYTHONPATH=", 11);
    memset(pp + 11, 'a', n - 11);
    pp[n] = '\0';
    const char *env[] = {"LAUNCH_PROBE=1", pp, NULL};
    struct run r;
    run_wrapper(python, (char *const[]){python, "-m", "debugpy", "--listen", "127.0.0.1:0",
                                        "app.py", NULL},
                env, false, &r);
    assert_true(WIFEXITED(r.status));
    assert_int_equal(WEXITSTATUS(r.status), 0);
    expect_line(r.out, "argv[1]=app.py");
    assert_non_null(strstr(r.err, "E2BIG"));
    assert_non_null(strstr(r.err, "without the debugger"));
    run_free(&r);
    free(pp);
}

/* Decodes TOML with Python's tomllib, an independent reader, and returns the
 * JAVA_TOOL_OPTIONS value printed as JSON (so escapes are visible). */
static char *decode_with_tomllib(const char *toml)
{
    char path[] = "/tmp/launch-toml-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, toml, strlen(toml)), (ssize_t)strlen(toml));
    close(fd);
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import json,sys,tomllib; "
             "print(json.dumps(tomllib.load(open(sys.argv[1],\"rb\"))))' %s",
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = read_all(dup(fileno(p)));
    int rc = pclose(p);
    unlink(path);
    if (rc != 0) {
        free(out);
        return NULL;
    }
    return out;
}

static void test_exec_jdwp_on_fd3(void **state)
{
    struct fixture *f = *state;
    char jdwp[PATH_MAX];
    at(f, "exec.d/web/jdwp", jdwp, sizeof jdwp);
    const char *env[] = {"JAVA_TOOL_OPTIONS=-Dq=\"x\\y\"\t-Dname=caf\xc3\xa9",
                         "BPL_DEBUG_PORT_DEFAULT=8000", NULL};
    struct run r;
    run_wrapper(jdwp, (char *const[]){jdwp, NULL}, env, true, &r);
    assert_true(WIFEXITED(r.status));
    assert_int_equal(WEXITSTATUS(r.status), 0);
    assert_string_equal(r.out, "");
    assert_string_equal(r.fd3, "JAVA_TOOL_OPTIONS = \"-Dq=\\\"x\\\\y\\\"\\t-Dname=caf\xc3\xa9 "
                               "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,"
                               "address=0.0.0.0:8000\"\n");
    assert_string_equal(r.err, "debug-launch: JDWP starting on 0.0.0.0:8000 "
                               "(BPL_DEBUG_ENABLED=false turns it off)\n");
    if (system("python3 -c 'import tomllib' 2>/dev/null") == 0) {
        char *json = decode_with_tomllib(r.fd3);
        assert_non_null(json);
        assert_string_equal(json, "{\"JAVA_TOOL_OPTIONS\": \"-Dq=\\\"x\\\\y\\\"\\t-Dname=caf\\u00e9 "
                                  "-agentlib:jdwp=transport=dt_socket,server=y,suspend=n,"
                                  "address=0.0.0.0:8000\"}\n");
        free(json);
    }
    run_free(&r);

    /* run by hand, without fd 3: the TOML goes to stdout */
    run_wrapper(jdwp, (char *const[]){jdwp, NULL}, NULL, false, &r);
    assert_int_equal(WEXITSTATUS(r.status), 0);
    assert_true(strncmp(r.out, "JAVA_TOOL_OPTIONS = \"-agentlib:jdwp=", 36) == 0);
    run_free(&r);
}

/* ---- supervision under dlv (the fake dlv above plays dlv) ---- */

static void read_until(int fd, const char *marker, struct strbuf *seen)
{
    char buf[4096];
    while (seen->data == NULL || strstr(seen->data, marker) == NULL) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            fail_msg("no \"%s\" before end of output:\n%s", marker, seen->data ? seen->data : "");
        strbuf_append(seen, buf, (size_t)n);
    }
}

static long long elapsed_ms(const struct timespec *since)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - since->tv_sec) * 1000LL + (now.tv_nsec - since->tv_nsec) / 1000000;
}

/* The app's pid as the probe printed it. */
static int app_pid(const char *out)
{
    const char *p = strstr(out, "pid=");
    assert_non_null(p);
    return atoi(p + 4);
}

/* The supervisor finds the app as the process below dlv whose /proc/<pid>/exe
 * is the target; under qemu-user every emulated process's exe is qemu. */
#define QEMU_NO_EXE                                                                           \
    "/proc/<pid>/exe of an emulated app is qemu, so debug-launch cannot find it below dlv"

static void test_supervise_sigterm_reaches_app(void **state)
{
    SKIP_UNDER_QEMU_USER(QEMU_NO_EXE);
    struct fixture *f = *state;
    char dlv[PATH_MAX];
    at(f, "wrap/dlv", dlv, sizeof dlv);
    const char *env[] = {"LAUNCH_PROBE=fakedlv", "LAUNCH_APP_MODE=wait", "LAUNCH_FAKE_REAP=late",
                         NULL};
    int out, err;
    pid_t pid = spawn(dlv, (char *const[]){dlv, "exec", "--headless", "--listen=127.0.0.1:1",
                                           f->app, "--", NULL},
                      env, false, &out, &err, NULL);
    struct strbuf seen = STRBUF_INIT;
    read_until(out, "ready\n", &seen);
    int app = app_pid(seen.data);
    assert_int_not_equal(app, (int)pid);
    /* The wrapper searches /proc for the app every 15 ms; a signal that
     * comes before it is found goes to dlv instead. */
    nanosleep(&(struct timespec){.tv_nsec = 300 * 1000000}, NULL);
    assert_int_equal(kill(pid, SIGTERM), 0);
    char *rest = read_all(out);
    char *errors = read_all(err);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* the app's handler ran and its exit code is the wrapper's */
    expect_line(rest, "got SIGTERM");
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "debug-launch: %s exited with code 42; dlv stopped", f->app);
    expect_line(errors, want);
    /* nothing left running (a zombie waits for its new parent) */
    char stat_path[64], stat[512] = "";
    snprintf(stat_path, sizeof stat_path, "/proc/%d/stat", app);
    FILE *sf = fopen(stat_path, "r");
    if (sf != NULL) {
        assert_non_null(fgets(stat, sizeof stat, sf));
        fclose(sf);
        assert_non_null(strstr(stat, ") Z "));
    }
    free(rest);
    free(errors);
    strbuf_free(&seen);
}

/* Issue 13: with dlv waiting for a client (BPL_DEBUG_SUSPEND=true) the app
 * is held stopped by ptrace and cannot run a SIGTERM handler; the
 * container must still stop within a second with 143, and dlv's helpers
 * must not outlive the wrapper. */
static void test_supervise_sigterm_while_held(void **state)
{
    SKIP_UNDER_QEMU_USER(QEMU_NO_EXE);
    struct fixture *f = *state;
    char dlv[PATH_MAX];
    at(f, "wrap/dlv", dlv, sizeof dlv);
    const char *env[] = {"LAUNCH_PROBE=fakedlv", "LAUNCH_APP_MODE=wait", "LAUNCH_FAKE_REAP=held",
                         NULL};
    int out, err;
    pid_t pid = spawn(dlv, (char *const[]){dlv, "exec", "--headless", "--listen=127.0.0.1:1",
                                           f->app, "--", NULL},
                      env, false, &out, &err, NULL);
    struct strbuf seen = STRBUF_INIT;
    read_until(out, "helper=", &seen);
    nanosleep(&(struct timespec){.tv_nsec = 400 * 1000000}, NULL);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(kill(pid, SIGTERM), 0);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    long long took = elapsed_ms(&t0);
    char *rest = read_all(out);
    char *errors = read_all(err);
    strbuf_append_str(&seen, rest);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 143);
    if (took > 1000)
        fail_msg("stopping took %lld ms", took);
    assert_non_null(strstr(errors, "held stopped under dlv"));
    char proc[64];
    snprintf(proc, sizeof proc, "/proc/%d", atoi(strstr(seen.data, "helper=") + 7));
    assert_int_not_equal(access(proc, F_OK), 0);
    free(rest);
    free(errors);
    strbuf_free(&seen);
}

static void test_supervise_app_exit_ends_wrapper(void **state)
{
    SKIP_UNDER_QEMU_USER(QEMU_NO_EXE);
    struct fixture *f = *state;
    char dlv[PATH_MAX];
    at(f, "wrap/dlv", dlv, sizeof dlv);
    /* "late": the app stays a zombie of the fake dlv, which runs on */
    const char *env[] = {"LAUNCH_PROBE=fakedlv", "LAUNCH_APP_MODE=1", "LAUNCH_PROBE_EXIT=7",
                         "LAUNCH_PROBE_DELAY_MS=300", "LAUNCH_FAKE_REAP=late", NULL};
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct run r;
    run_wrapper(dlv, (char *const[]){dlv, "exec", "--listen=:1", f->app, "--", NULL}, env, false,
                &r);
    assert_true(WIFEXITED(r.status));
    assert_int_equal(WEXITSTATUS(r.status), 7);
    /* the fake dlv died of the wrapper's SIGTERM, well inside the grace */
    assert_true(elapsed_ms(&t0) < 2000);
    char want[PATH_MAX + 16];
    snprintf(want, sizeof want, "exe=%s", f->app);
    expect_line(r.out, want);
    run_free(&r);
}

static void test_supervise_exit_code_from_dlv_rpc(void **state)
{
    struct fixture *f = *state;
    char dlv[PATH_MAX], listen[PATH_MAX];
    at(f, "wrap/dlv", dlv, sizeof dlv);
    snprintf(listen, sizeof listen, "--listen=unix:%s/dlv.sock", f->root);
    /* "now": the fake dlv reaps the app at once, as dlv does; the code then
     * comes from its RPC answer (or the zombie, if the wrapper was quicker) */
    const char *env[] = {"LAUNCH_PROBE=fakedlv", "LAUNCH_APP_MODE=1", "LAUNCH_PROBE_EXIT=9",
                         "LAUNCH_FAKE_REAP=now", NULL};
    struct run r;
    run_wrapper(dlv, (char *const[]){dlv, "exec", "--accept-multiclient", listen, f->app, "--", NULL},
                env, false, &r);
    assert_true(WIFEXITED(r.status));
    assert_int_equal(WEXITSTATUS(r.status), 9);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "debug-launch: %s exited with code 9; dlv stopped", f->app);
    expect_line(r.err, want);
    run_free(&r);
}

static void test_supervise_dlv_exit_first(void **state)
{
    SKIP_UNDER_QEMU_USER("prctl(PR_SET_CHILD_SUBREAPER) fails with EINVAL (qemu 7.2 "
                         "do_prctl), so dlv's orphans are not the wrapper's to end");
    struct fixture *f = *state;
    char dlv[PATH_MAX];
    at(f, "wrap/dlv", dlv, sizeof dlv);
    const char *env[] = {"LAUNCH_PROBE=fakedlv", "LAUNCH_APP_MODE=wait", "LAUNCH_FAKE_REAP=die",
                         NULL};
    int out, err;
    pid_t pid = spawn(dlv, (char *const[]){dlv, "exec", "--listen=:1", f->app, "--", NULL}, env,
                      false, &out, &err, NULL);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 5);
    /* dlv's orphans (the app, its helpers) came to the wrapper as a
     * subreaper and were ended and reaped before it exited */
    char *rest = read_all(out);
    char *errors = read_all(err);
    assert_null(strstr(errors, "exited with code"));
    const char *p = strstr(rest, "pid=");
    if (p != NULL) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/%d", atoi(p + 4));
        assert_int_not_equal(access(proc, F_OK), 0);
    }
    free(rest);
    free(errors);
}

int main(int argc, char **argv)
{
    if (getenv("LAUNCH_PROBE") != NULL)
        return probe(argc, argv);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_wrapper_runs),
        cmocka_unit_test_setup_teardown(test_exec_keeps_pid_and_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_jdwp_on_fd3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_e2big_runs_app, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exec_port_in_use_runs_app, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervise_sigterm_reaches_app, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervise_app_exit_ends_wrapper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervise_sigterm_while_held, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervise_exit_code_from_dlv_rpc, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervise_dlv_exit_first, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
