/* Python: `python…` commands and console scripts whose #! names a Python
 * (gunicorn, flask, uvicorn) run under `python -m debugpy --listen`
 * (src/debugger/python.c writes and reads those words). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/xalloc.h"
#include "runtime/runtime.h"

/* python, python3, python3.11, python2.7 */
static bool is_python_name(const char *path)
{
    const char *base = runtime_basename(path);
    if (strncmp(base, "python", 6) != 0)
        return false;
    for (const char *p = base + 6; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            return false;
    return true;
}

/* Runs the interpreter to ask its version: the name (python3) says too little. */
static char *python_version(const char *interpreter)
{
    int fds[2];
    if (pipe(fds) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(interpreter, interpreter, "-c",
              "import sys; print('%d.%d.%d' % tuple(sys.version_info[:3]))", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    char buf[64] = {0};
    size_t used = 0;
    for (;;) {
        ssize_t n = read(fds[0], buf + used, sizeof buf - 1 - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        used += (size_t)n;
        if (used == sizeof buf - 1)
            break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (used == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return NULL;
    buf[strcspn(buf, "\r\n")] = '\0';
    return xstrdup(buf);
}

/* Interpreter options that take a separate value: -X opt, -W arg. */
static bool option_takes_value(const char *arg)
{
    return strcmp(arg, "-X") == 0 || strcmp(arg, "-W") == 0 || strcmp(arg, "--check-hash-based-pycs") == 0;
}

int runtime_python_plan(const struct runtime_process *rp, const struct runtime_context *ctx,
                        struct runtime_plan *plan, struct bp_error *err)
{
    char *interpreter = NULL;
    bool console_script = false;
    if (is_python_name(rp->argv.items[0])) {
        struct debugger_python_argv d;
        if (debugger_python_scan((int)rp->argv.len, rp->argv.items, &d) == 1)
            return runtime_plan_already(plan, rp, d.ptvsd ? DEBUGGER_PTVSD : DEBUGGER_DEBUGPY);
        if (rp->executable == NULL) {
            runtime_plan_warn(plan, "process '%s': %s was not found at build time, so its Python "
                              "version is unknown; left alone", rp->original->type, rp->argv.items[0]);
            return 0;
        }
        interpreter = xstrdup(rp->executable);
    } else if (rp->executable != NULL) {
        char *shebang = runtime_read_shebang(rp->executable);
        if (shebang == NULL || !is_python_name(shebang)) {
            free(shebang);
            return 0;
        }
        console_script = true;
        interpreter = shebang[0] == '/' ? shebang : runtime_resolve_command(shebang, NULL, ctx->path_env);
        if (interpreter != shebang)
            free(shebang);
        if (interpreter == NULL) {
            runtime_plan_warn(plan, "process '%s': %s is a Python script, but its interpreter was "
                              "not found at build time; left alone", rp->original->type, rp->executable);
            return 0;
        }
    } else {
        return 0;
    }

    int rc = -1;
    struct command_argv full = {0};
    char *wrapper = NULL;
    plan->runtime_version = python_version(interpreter);
    const char *debugger = ctx->python_debugger;
    if (debugger == NULL)
        debugger = ctx->python_debugger_for ? ctx->python_debugger_for(plan->runtime_version, ctx->data)
                                            : "debugpy";
    if (debugger == NULL) {
        rc = error_set(err, "no debugpy or ptvsd in buildpack.toml supports Python %s",
                       plan->runtime_version ? plan->runtime_version : "(unknown version)");
        goto done;
    }
    bool ptvsd = strcmp(debugger, "ptvsd") == 0;
    if (ptvsd && plan->runtime_version && strncmp(plan->runtime_version, "3.", 2) == 0 &&
        atoi(plan->runtime_version + 2) >= 11)
        runtime_plan_warn(plan, "process '%s': ptvsd 4 crashes on stackTrace under Python %s; "
                          "use debugpy (unset BP_DEBUG_PYTHON_DEBUGGER)", rp->original->type,
                          plan->runtime_version);
    plan->needs = ptvsd ? NEED_PTVSD : NEED_DEBUGPY;
    plan->debugger = ptvsd ? DEBUGGER_PTVSD : DEBUGGER_DEBUGPY;
    plan->protocol = debugger_get(plan->debugger)->protocol;
    plan->wait = ctx->suspend;
    plan->tool_path = runtime_layer_path(ctx, ptvsd ? "ptvsd" : "debugpy");
    wrapper = runtime_layer_path(ctx, "wrap/python");
    if (runtime_plan_link(plan, "python", interpreter, err) != 0)
        goto done;

    runtime_push(&full, wrapper);
    /* Interpreter options stay before -m debugpy; the target follows it. */
    size_t target = 1;
    if (!console_script) {
        while (target < rp->argv.len && rp->argv.items[target][0] == '-' &&
               strcmp(rp->argv.items[target], "-m") != 0 && strcmp(rp->argv.items[target], "-c") != 0 &&
               strcmp(rp->argv.items[target], "-") != 0) {
            runtime_push(&full, rp->argv.items[target]);
            if (option_takes_value(rp->argv.items[target]) && target + 1 < rp->argv.len)
                runtime_push(&full, rp->argv.items[++target]);
            target++;
        }
    }
    struct debugger_listen listen = {.host = ctx->bind, .port = plan->port, .suspend = ctx->suspend};
    debugger_format(plan->debugger, &listen, &full);
    if (console_script)
        runtime_push(&full, rp->executable);
    for (size_t i = console_script ? 1 : target; i < rp->argv.len; i++)
        runtime_push(&full, rp->argv.items[i]);
    if (!console_script && target >= rp->argv.len) {
        /* Paketo python-start's `python` is a REPL: say so rather than fail. */
        runtime_plan_warn(plan, "process '%s' runs an interactive Python (no script, -m or -c), "
                          "so there is nothing to debug; declare the app's command in a Procfile",
                          rp->original->type);
        rc = 0;
        goto done;
    }
    if (rp->workdir)
        plan->workdir = xstrdup(rp->workdir);
    runtime_plan_set_argv(plan, rp, &full);
    rc = 1;
done:
    free(interpreter);
    free(wrapper);
    command_argv_free(&full);
    return rc;
}
